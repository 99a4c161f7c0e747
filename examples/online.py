"""Online learning: a linear model tracks a slowly drifting target from a stream, one sample
at a time (batch size 1, one jitted step per sample). Per-call overhead decides the speed."""
import time

import numpy as np

import funcgrad as fg
import funcgrad.numpy as fnp


def run(n=20000, lr=0.05, verbose=True):
    rng = np.random.default_rng(0)
    d = 8
    w_true = rng.normal(size=d)

    @fg.jit
    def step(w, x, y):
        loss, g = fg.value_and_grad(lambda w: (fnp.dot(w, x) - y) ** 2)(w)
        return w - lr * g, loss

    w = np.zeros(d)
    xs = rng.normal(size=(n, d))
    step(w, xs[0], 0.0)  # compile before timing
    errs = []
    t0 = time.perf_counter()
    for t in range(n):
        w_true = w_true + 0.001 * np.sin(0.001 * t + np.arange(d))  # drift
        y = float(xs[t] @ w_true)
        w, loss = step(w, xs[t], y)
        errs.append(float(loss))
    dt = time.perf_counter() - t0
    if verbose:
        print(f"online: {n / dt:,.0f} samples/s; mean squared error over the last 1000 "
              f"samples {np.mean(errs[-1000:]):.4f} (first 1000: {np.mean(errs[:1000]):.4f})")
    return {"samples_per_s": n / dt, "errs": errs}


if __name__ == "__main__":
    run()
