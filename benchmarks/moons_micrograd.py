"""The micrograd moons demo in plain micrograd (pip install micrograd) against funcgrad's
examples/moons.py: 100 full-batch SGD steps of an MLP 2-16-16-1 on 100 points.

    python benchmarks/moons_micrograd.py
"""
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples"))


def micrograd_run(X, y, steps=100):
    import random

    from micrograd.engine import Value
    from micrograd.nn import MLP
    random.seed(1337)
    model = MLP(2, [16, 16, 1])

    def loss():
        inputs = [list(map(Value, xrow)) for xrow in X]
        scores = list(map(model, inputs))
        losses = [(1 + -yi * si).relu() for yi, si in zip(y, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        reg = 1e-4 * sum(p * p for p in model.parameters())
        acc = [(yi > 0) == (si.data > 0) for yi, si in zip(y, scores)]
        return data_loss + reg, sum(acc) / len(acc)

    times = []
    for k in range(steps):
        t0 = time.perf_counter()
        total, acc = loss()
        model.zero_grad()
        total.backward()
        lr = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= lr * p.grad
        times.append(time.perf_counter() - t0)
    return times, acc


def main():
    import moons

    import funcgrad.random as fr
    from funcgrad import data
    r = moons.run(plots=False, verbose=False)
    X, y01 = data.make_moons(100, noise=0.1, key=fr.key(1))
    y = 2.0 * y01 - 1.0
    print(f"funcgrad: 100 steps {sum(r['step_times']) * 1e3:.1f} ms, median "
          f"{np.median(r['step_times']) * 1e6:.0f} us/step, accuracy {r['accuracy']:.0%}")
    try:
        times, acc = micrograd_run(X.tolist(), y.tolist())
    except ImportError:
        print("micrograd is not installed (pip install micrograd)")
        return
    print(f"micrograd: 100 steps {sum(times):.2f} s, median {np.median(times) * 1e3:.1f} ms/step,"
          f" accuracy {acc:.0%}")
    print(f"ratio (micrograd / funcgrad, median step): "
          f"{np.median(times) / np.median(r['step_times']):,.0f}x")


if __name__ == "__main__":
    main()
