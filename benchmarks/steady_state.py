"""The steady state of issue 13, item 4: W6's dispatch cost, the W2 step's and W4's per-call times,
funcgrad against its peers measured in the same process, interleaved round by round (a slow
spell of this shared machine then falls on every implementation alike).

    .venv/bin/python benchmarks/steady_state.py [--only W6,W2,W4] [--rounds 7] [--profile]

W6: ``fg.jit(fg.grad(f))`` on two Python floats, nanoseconds per call over 1e5 calls a round,
beside the same gradient written by hand as a Numba function (the floor a dispatcher can
reach) and JAX's ``jit(grad)``. W2: one Adam step of the digits MLP (benchmarks/workloads.py),
each call timed on its own, so that the spread shows (median, minimum, 90th percentile), beside
JAX's step. W4: the Hessian of logistic regression (X of 200x16, float64) by
``fg.jit(fg.hessian(loss))``, each call timed on its own, beside its closed form in NumPy
(``X.T @ (X * p(1-p)) / n``, the first row: the ratios are to it) and JAX's ``jit(hessian)``.
All run compiled code (FUNCGRAD_TIERED=0). ``--profile`` prints cProfile's view of
1e5 W6 calls; ``--cpu`` times by the thread's CPU time instead of the wall clock (steadier when
other processes share the cores). The load average is printed with the figures: read them
against it.
"""
import argparse
import cProfile
import math
import os
import pstats
import sys
import time

import numpy as np

os.environ.setdefault("FUNCGRAD_TIERED", "0")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from workloads import ce_loss, fg_digits_step, jax_adam_step  # noqa: E402

import funcgrad as fg  # noqa: E402
import funcgrad.numpy as fnp  # noqa: E402


def have(name):
    try:
        __import__(name)
        return True
    except ImportError:
        return False


CLOCK = time.perf_counter_ns  # --cpu: this thread's CPU time (a busy machine's waits left out)


def per_call_ns(fn, calls):
    t0 = CLOCK()
    for _ in range(calls):
        fn()
    return (CLOCK() - t0) / calls


def w6(rounds, calls=100_000):
    """{implementation: [ns per call, one per round]}"""
    g = fg.jit(fg.grad(lambda x, y: x * y + fnp.sin(x)))
    assert abs(g(1.5, 2.0) - (2.0 + math.cos(1.5))) < 1e-12
    impls = {"funcgrad jit(grad)": lambda: g(1.5, 2.0)}
    import numba

    hand = numba.njit(lambda x, y: y + math.cos(x))
    impls["numba, hand-written gradient"] = lambda: hand(1.5, 2.0)
    if have("jax"):
        import jax
        import jax.numpy as jnp
        jg = jax.jit(jax.grad(lambda x, y: x * y + jnp.sin(x)))
        impls["jax jit(grad)"] = lambda: jax.block_until_ready(jg(1.5, 2.0))
    for fn in impls.values():
        per_call_ns(fn, 1000)
    times = {k: [] for k in impls}
    for _ in range(rounds):
        for k, fn in impls.items():
            times[k].append(per_call_ns(fn, calls))
    return times, g


def w2(rounds, calls=200):
    """{implementation: [ns of each call]}"""
    step, (params, state, X, y) = fg_digits_step()
    impls = {"funcgrad W2 step": lambda: step(params, state, X, y)}
    floor = gemm_floor(params, X)
    if floor is not None:
        impls["its 8 matmuls, NumPy, 1 thread"] = floor
    if have("jax"):
        import jax
        import jax.numpy as jnp
        jstep = jax.jit(jax_adam_step(ce_loss(jnp, jax.nn.log_softmax)))
        jp = jax.tree_util.tree_map(jnp.asarray, params)
        zeros = jax.tree_util.tree_map(jnp.zeros_like, jp)
        jX, jy, t0 = jnp.asarray(X), jnp.asarray(y), jnp.asarray(0.0, jnp.float32)
        impls["jax W2 step"] = lambda: jax.block_until_ready(jstep(jp, zeros, zeros, t0, jX, jy))
    return timed_calls(impls, rounds, calls)


def logistic_loss(np_):
    """mean(log(1 + exp(-s * (X @ w)))) with s = 2y - 1, in the NumPy namespace ``np_``."""
    def loss(w, X, y):
        return np_.mean(np_.log1p(np_.exp(-(2 * y - 1) * (X @ w))))
    return loss


def logistic_hessian_closed_form(w, X, y):
    """The Hessian of ``logistic_loss``: X.T @ (X * p(1-p)[:, None]) / n, p = sigmoid(X @ w)."""
    p = 1.0 / (1.0 + np.exp(-(X @ w)))
    return X.T @ (X * (p * (1.0 - p))[:, None]) / X.shape[0]


def w4(rounds, calls=200, n=200, d=16):
    """{implementation: [ns of each call]}"""
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((n, d)), (rng.random(n) < 0.5) * 1.0
    w = 0.3 * rng.standard_normal(d)
    h = fg.jit(fg.hessian(logistic_loss(fnp)))
    want = logistic_hessian_closed_form(w, X, y)
    assert np.allclose(h(w, X, y), want, rtol=1e-10, atol=1e-13)
    impls = {"NumPy closed form": lambda: logistic_hessian_closed_form(w, X, y),
             "funcgrad jit(hessian)": lambda: h(w, X, y)}
    if have("jax"):
        import jax
        import jax.numpy as jnp
        jax.config.update("jax_enable_x64", True)
        jh = jax.jit(jax.hessian(logistic_loss(jnp)))
        jw, jX, jy = jnp.asarray(w), jnp.asarray(X), jnp.asarray(y)
        assert np.allclose(np.asarray(jh(jw, jX, jy)), want, rtol=1e-10, atol=1e-13)
        impls["jax jit(hessian)"] = lambda: jax.block_until_ready(jh(jw, jX, jy))
    return timed_calls(impls, rounds, calls)


def timed_calls(impls, rounds, calls):
    """Each implementation called ``calls`` times a round, each call timed on its own, round
    by round after 20 warm-up calls: {name: [ns of each call]}."""
    for fn in impls.values():
        for _ in range(20):
            fn()
    times = {k: [] for k in impls}
    for _ in range(rounds):
        for k, fn in impls.items():
            times[k] += [per_call_ns(fn, 1) for _ in range(calls)]
    return times


def gemm_floor(params, X):
    """The W2 step's eight matrix products (forward, and the backward's weight and input
    gradients) in NumPy on one OpenBLAS thread: the floor the issue measures the step by."""
    import ctypes

    from funcgrad.backend import blas
    if "get" not in (blas.NUMPY_GEMM or {}):  # (a funcgrad from before blas set threads)
        return None
    get = ctypes.CFUNCTYPE(ctypes.c_int)(blas.NUMPY_GEMM["get"])
    put = ctypes.CFUNCTYPE(None, ctypes.c_int)(blas.NUMPY_GEMM["set"])
    (w1, w2, w3) = [p["w"] for p in params]
    h1, h2 = X @ w1, (X @ w1) @ w2
    d3, d2, d1 = np.ones((128, 10), np.float32), np.ones_like(h2), np.ones_like(h1)

    def products():
        n = get()
        put(1)
        X @ w1, h1 @ w2, h2 @ w3, h2.T @ d3, d3 @ w3.T, h1.T @ d2, d2 @ w2.T, X.T @ d1
        put(n)
    return products


def report(title, times, unit):
    scale = {"ns": 1, "us": 1e3}[unit]
    print(f"\n{title} (load average {os.getloadavg()[0]:.2f}, {unit})")
    first = None
    for k, ts in times.items():
        med = float(np.median(ts))
        first = first or med
        print(f"  {k:32s} median {med / scale:10.1f}  min {min(ts) / scale:10.1f}  "
              f"p90 {np.percentile(ts, 90) / scale:10.1f}  ({med / first:.2f}x the first row)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", default="W6,W2,W4")
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--cpu", action="store_true")
    a = ap.parse_args()
    if a.cpu:
        global CLOCK
        CLOCK = time.thread_time_ns
    only = a.only.split(",")
    if "W6" in only:
        times, g = w6(a.rounds)
        report("W6 dispatch", times, "ns")
        if a.profile:
            prof = cProfile.Profile()
            prof.runcall(lambda: [g(1.5, 2.0) for _ in range(100_000)])
            pstats.Stats(prof).sort_stats("tottime").print_stats(8)
    if "W2" in only:
        report("W2 step, each call timed", w2(a.rounds), "us")
    if "W4" in only:
        report("W4 logistic-regression Hessian, each call timed", w4(a.rounds), "us")


if __name__ == "__main__":
    main()
