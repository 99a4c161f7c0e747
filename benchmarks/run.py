"""Benchmarks W0-W7, K and R (issues 2, 3 and 13): funcgrad against JAX, PyTorch, autograd
and NumPy, whichever are installed, in one process. Medians of repeated runs; ratios to the
fastest.

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


class Pending:
    """A function to time. A workload wraps each implementation in one; ``measure`` then
    times them all in interleaved rounds, so a slow spell of this shared machine falls on
    every implementation alike rather than on whichever ran during it."""

    def __init__(self, fn):
        self.fn = fn


def _calls_per_round(fn, repeat, min_time):
    fn()
    n = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        if time.perf_counter() - t0 >= min_time / repeat or n > 1e6:
            return n
        n *= 2


def measure(pending, repeat=7, min_time=0.2):
    """Median seconds per call of each Pending: ``repeat`` rounds, each timing every one of
    them for enough calls to last ``min_time / repeat``."""
    ns = [_calls_per_round(p.fn, repeat, min_time) for p in pending]
    times = [[] for _ in pending]
    for _ in range(repeat):
        for p, n, ts in zip(pending, ns, times):
            t0 = time.perf_counter()
            for _ in range(n):
                p.fn()
            ts.append((time.perf_counter() - t0) / n)
    return {id(p): float(np.median(ts)) for p, ts in zip(pending, times)}


def resolve(res, repeat):
    """``res`` with its Pending values (also inside tuples) replaced by measured times."""
    flat = [v for x in res.values() for v in (x if isinstance(x, tuple) else (x,))
            if isinstance(v, Pending)]
    t = measure(flat, repeat)

    def sub(v):
        return t[id(v)] if isinstance(v, Pending) else v
    return {k: tuple(map(sub, x)) if isinstance(x, tuple) else sub(x) for k, x in res.items()}


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


def kernel_table(title, rows, note, columns):
    """A table of milliseconds per function, a column per implementation (funcgrad's first,
    NumPy's second), and funcgrad's speed-up over NumPy."""
    lines = [f"### {title}", "", note, "", f"| function | {' | '.join(columns)} | vs NumPy |",
             "|---|" + "---:|" * (len(columns) + 1)]
    for name, times in rows.items():
        print(f"  {name:18s} " + "  ".join(f"{c} {fmt(t)}" for c, t in zip(columns, times)),
              flush=True)
        cells = " | ".join("-" if t != t else f"{t * 1e3:.3f} ms" for t in times)
        ours, npy = times[0], times[1]
        vs = f"{npy / ours:.2f}x faster" if ours <= npy else f"{ours / npy:.2f}x slower"
        lines.append(f"| {name} | {cells} | {vs} |")
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="fewer repeats")
    ap.add_argument("--only", default="", help="comma-separated workloads, e.g. W1,W6")
    ap.add_argument("--out", default=os.path.join(HERE, "RESULTS.md"))
    args = ap.parse_args()
    # steady state is the compiled code's: no call answered by the NumPy evaluator while a
    # function compiles (tiered execution) may fall into a timed round
    os.environ.setdefault("FUNCGRAD_TIERED", "0")
    import workloads
    have = peers()
    if have["jax"]:
        import jax
        jax.config.update("jax_enable_x64", True)
    repeat = 3 if args.quick else 7
    if args.quick:
        workloads.W7_RUNS = 1  # each run of W7 is a whole script in a new process
    sections = []
    only = [w for w in args.only.split(",") if w]
    for name, title, fn in workloads.ALL:
        if only and name not in only:
            continue
        print(f"{name}: {title}", flush=True)
        res, note = fn(have, Pending)
        res = resolve(res, repeat)
        if isinstance(next(iter(res.values())), tuple):
            columns = getattr(fn, "columns", ("funcgrad (fg.jit)", "NumPy", "Numba + math.*"))
            sections.append(kernel_table(f"{name}: {title}", res, note, columns))
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
        implementation of that workload. Every library runs with its default threads (BLAS,
        XLA, torch); JAX runs with `jax_enable_x64` (float64 workloads are float64
        everywhere). These machines are noisy: compare ratios, not absolutes.

        """)
    kept = other_sections(args.out)
    with open(args.out, "w") as f:
        f.write(header + "\n".join(sections) + kept)
    print("wrote", args.out)


def other_sections(path):
    """The sections other scripts own (``## `` headings at the end, e.g. the Dask benchmark's
    D), which make bench must keep when it rewrites its own ``### W`` tables."""
    if not os.path.exists(path):
        return ""
    with open(path) as f:
        text = f.read()
    at = text.find("\n## ")
    return "" if at < 0 else text[at:]


if __name__ == "__main__":
    main()
