"""Benchmarks W0-W6 (issues 2 and 3): funcgrad against JAX, PyTorch, autograd and NumPy,
whichever are installed, in one process. Medians of repeated runs; ratios to the fastest.

    make bench            # writes benchmarks/RESULTS.md
    python benchmarks/run.py --quick
"""
import argparse
import os
import platform
import sys
import textwrap
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


def median_time(fn, repeat=7, min_time=0.2):
    """Median seconds per call over ``repeat`` rounds of enough calls to last ``min_time``."""
    fn()
    n, t = 1, 0.0
    while True:
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        t = time.perf_counter() - t0
        if t >= min_time / repeat or n > 1e6:
            break
        n *= 2
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        times.append((time.perf_counter() - t0) / n)
    return float(np.median(times))


def peers():
    found = {}
    for name in ("jax", "torch", "autograd"):
        try:
            __import__(name)
            found[name] = True
        except ImportError:
            found[name] = False
    return found


def fmt(t):
    return f"{t * 1e6:,.1f} µs" if t < 1e-3 else f"{t * 1e3:,.2f} ms" if t < 1 else f"{t:.2f} s"


def table(title, results, note=""):
    best = min(results.values())
    lines = [f"### {title}", "", note, "", "| implementation | median | ratio to fastest |",
             "|---|---:|---:|"] if note else [
        f"### {title}", "", "| implementation | median | ratio to fastest |", "|---|---:|---:|"]
    for k, v in sorted(results.items(), key=lambda kv: kv[1]):
        lines.append(f"| {k} | {fmt(v)} | {v / best:.2f}x |")
    return "\n".join(lines) + "\n"


def kernel_table(title, rows, note):
    lines = [f"### {title}", "", note, "",
             "| function | funcgrad (fg.jit) | NumPy | Numba + math.* | vs NumPy |",
             "|---|---:|---:|---:|---:|"]
    for name, (ours, npy, libm) in rows.items():
        print(f"  {name:10s} funcgrad {fmt(ours)}  numpy {fmt(npy)}  math.* {fmt(libm)}",
              flush=True)
        lines.append(f"| {name} | {ours * 1e3:.2f} ms | {npy * 1e3:.2f} ms | "
                     f"{libm * 1e3:.2f} ms | {npy / ours:.2f}x faster |")
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="fewer repeats")
    ap.add_argument("--only", default="", help="comma-separated workloads, e.g. W1,W6")
    ap.add_argument("--out", default=os.path.join(HERE, "RESULTS.md"))
    args = ap.parse_args()
    import workloads
    have = peers()
    if have["jax"]:
        import jax
        jax.config.update("jax_enable_x64", True)
    if have["torch"]:
        import torch
        torch.set_num_threads(1)  # tiny workloads: thread hand-offs cost more than they save
    repeat = 3 if args.quick else 7
    sections = []
    only = [w for w in args.only.split(",") if w]
    for name, title, fn in workloads.ALL:
        if only and name not in only:
            continue
        print(f"{name}: {title}", flush=True)
        res, note = fn(have, lambda f: median_time(f, repeat=repeat))
        if isinstance(next(iter(res.values())), tuple):
            sections.append(kernel_table(f"{name}: {title}", res, note))
            continue
        for k, v in sorted(res.items(), key=lambda kv: kv[1]):
            print(f"  {k:28s} {fmt(v)}", flush=True)
        sections.append(table(f"{name}: {title}", res, note))
    versions = [f"python {platform.python_version()}", f"numpy {np.__version__}"]
    import numba
    versions.append(f"numba {numba.__version__}")
    for m in ("jax", "torch", "autograd"):
        if have[m]:
            versions.append(f"{m} {getattr(__import__(m), '__version__', '')}")
    header = textwrap.dedent(f"""\
        # Benchmark results

        Machine: {platform.machine()}, {os.cpu_count()} cores; {", ".join(versions)}.
        Produced by `make bench` (`python benchmarks/run.py`), {time.strftime("%Y-%m-%d")}.
        Each figure is the median over repeated runs in one process; ratios are to the fastest
        implementation of that workload. JAX runs with `jax_enable_x64` (float64 workloads
        are float64 everywhere). These machines are noisy: compare ratios, not absolutes.

        """)
    with open(args.out, "w") as f:
        f.write(header + "\n".join(sections))
    print("wrote", args.out)


if __name__ == "__main__":
    main()
