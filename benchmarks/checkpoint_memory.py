"""Memory saved by fg.checkpoint (issue 10): eager reverse mode through a deep tanh MLP, with
and without each layer checkpointed, measured with tracemalloc (NumPy's buffers are traced).

    .venv/bin/python benchmarks/checkpoint_memory.py

Prints the bytes the forward pass keeps for the backward pass, the peak over the whole
gradient computation, and the time of one gradient (median of 5).
"""
import time
import tracemalloc

import numpy as np

import funcgrad as fg
import funcgrad.numpy as fnp

DEPTH, WIDTH, BATCH = 32, 512, 256


def layer(w, h):
    return fnp.tanh(h @ w)


def loss(ws, x, wrap):
    h = x
    for w in ws:
        h = wrap(layer)(w, h)
    return fnp.mean(h ** 2)


def measure(wrap, ws, x):
    tracemalloc.start()
    _, backward = fg.vjp(lambda p: loss(p, x, wrap), ws)
    kept = tracemalloc.get_traced_memory()[0]
    backward(1.0)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    del backward
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        fg.grad(lambda p: loss(p, x, wrap))(ws)
        times.append(time.perf_counter() - t0)
    return kept, peak, float(np.median(times))


def main():
    rng = np.random.default_rng(0)
    ws = [rng.normal(size=(WIDTH, WIDTH)) / np.sqrt(WIDTH) for _ in range(DEPTH)]
    x = rng.normal(size=(BATCH, WIDTH))
    print(f"tanh MLP, {DEPTH} layers of {WIDTH}, batch {BATCH}, float64 "
          f"(one activation: {BATCH * WIDTH * 8 / 2**20:.1f} MiB)")
    print("| | kept for backward | peak | time per gradient |")
    print("|---|---:|---:|---:|")
    for name, wrap in (("plain", lambda f: f), ("checkpoint per layer", fg.checkpoint)):
        kept, peak, t = measure(wrap, ws, x)
        print(f"| {name} | {kept / 2**20:.1f} MiB | {peak / 2**20:.1f} MiB | {t * 1e3:.0f} ms |")


if __name__ == "__main__":
    main()
