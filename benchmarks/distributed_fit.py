"""Benchmark D (issue 14): ``funcgrad.distributed.fit`` on a LocalCluster of 2 worker processes
(1 thread each) against ``train.fit`` in one process, per training step.

    .venv/bin/python benchmarks/distributed_fit.py            # appends/replaces its section of
    .venv/bin/python benchmarks/distributed_fit.py --quick    # RESULTS.md (fewer repeats)

Every figure is the median over rounds in one run; in each round every implementation trains
one epoch, one after the other, so a slow spell of this shared machine falls on all of them.
"""
import argparse
import os
import re
import sys
import time

import numpy as np

import funcgrad as fg
import funcgrad.nn as nn
import funcgrad.optim as optim
import funcgrad.random as fr
from funcgrad import distributed, train

HERE = os.path.dirname(os.path.abspath(__file__))
SECTION = "## D: data-parallel fit on Dask (benchmarks/distributed_fit.py)"


def loss_fn(params, X, y):
    return nn.softmax_cross_entropy(nn.mlp(params, X), y)


#: (label, layer sizes, batch size, steps per epoch): W2's step, then the compute-heavy MLP
#: at growing batch sizes, to find where two workers start to pay
CONFIGS = [
    ("W2: MLP 64-256-256-10, batch 128", [64, 256, 256, 10], 128, 16),
    ("MLP 784-1024-1024-10, batch 256", [784, 1024, 1024, 10], 256, 4),
    ("MLP 784-1024-1024-10, batch 1024", [784, 1024, 1024, 10], 1024, 4),
    ("MLP 784-1024-1024-10, batch 4096", [784, 1024, 1024, 10], 4096, 4),
    ("MLP 784-1024-1024-10, batch 8192", [784, 1024, 1024, 10], 8192, 2),
]


def have_threadpoolctl():
    try:
        import threadpoolctl  # noqa: F401  (scikit-learn brings it)
    except ImportError:
        return False
    return True


EPOCHS = 3  # per fit; the first epoch of each fit is left out (a new fg.jit traces anew)


def per_step(hist, steps):
    return float(np.median(hist["epoch_time"][1:])) / steps


def measure(client, sizes, batch, steps, rounds):
    """Median seconds per step of each implementation, and the bytes one step moves."""
    rng = np.random.default_rng(0)
    X = rng.random((batch * steps, sizes[0]), dtype=np.float32)
    y = rng.integers(0, sizes[-1], batch * steps)
    params = nn.init_mlp(fr.key(0), sizes, dtype=np.float32)
    opt = optim.adam(1e-3)
    common = dict(epochs=EPOCHS, batch_size=batch, progress=False)

    def single():
        return per_step(train.fit(loss_fn, params, opt, (X, y), key=fr.key(1), **common)[1],
                        steps)

    def single_1thread():
        from threadpoolctl import threadpool_limits
        with threadpool_limits(limits=1, user_api="blas"):
            return single()

    def dist(key):
        return per_step(distributed.fit(loss_fn, params, opt, (X, y), client=client, key=key,
                                        **common)[1], steps)

    impls = {ONE_2T: single, SEEN: lambda: dist(fr.key(1)),
             NEW: lambda: dist(fr.key(int(time.time_ns() % 2**31)))}
    if have_threadpoolctl():
        impls[ONE_1T] = single_1thread
    for fn in impls.values():  # compile, and meet the shard sizes of key 1
        fn()
    times = {name: [] for name in impls}
    for _ in range(rounds):
        for name, fn in impls.items():
            times[name].append(fn())
    nbytes = sum(np.asarray(leaf).nbytes for leaf in fg.tree_leaves(params))
    return {k: float(np.median(v)) for k, v in times.items()}, nbytes


def fmt(t):
    if not np.isfinite(t):
        return "-"
    return f"{t * 1e3:,.1f} ms" if abs(t) < 1 else f"{t:.2f} s"


def roundtrip(client, sizes, calls=40):
    """Median seconds of Dask's round trip alone: one trivial task; a task per worker carrying
    the parameters of an MLP of ``sizes`` there and back (what a step moves, without the
    compute); ``client.run``, which skips the scheduler."""
    workers = sorted(client.nthreads())
    params = nn.init_mlp(fr.key(0), sizes, dtype=np.float32)

    def task():
        return client.submit(_echo, 1, pure=False).result()

    def params_task():
        return client.gather([client.submit(_echo, params, workers=[w], pure=False)
                              for w in workers])

    out = {}
    for name, fn in {"one trivial task": task, f"a task per worker carrying the parameters of "
                     f"MLP {'-'.join(map(str, sizes))}": params_task,
                     "client.run (no scheduler)": lambda: client.run(_echo, 1)}.items():
        fn()
        times = []
        for _ in range(calls):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
        out[name] = float(np.median(times))
    return out


def _echo(x):
    return x


ONE_2T = "train.fit, 1 process (BLAS on both cores)"
ONE_1T = "train.fit, 1 process, BLAS 1 thread"
SEEN = "distributed.fit, 2 workers (shard sizes seen before)"
NEW = "distributed.fit, 2 workers (new shuffle each epoch)"


def section(results, trips, workers, rounds, load):
    lines = [SECTION, "",
             f"`funcgrad.distributed.fit` on a `LocalCluster(n_workers={workers}, "
             "threads_per_worker=1)` (the workers' BLAS use one thread each, Dask's default) "
             "against `train.fit` in the client's process, float32, Adam. Time per step: the "
             f"median over {rounds} rounds, each a fit of {EPOCHS} epochs whose first epoch is "
             "left out, after a warm-up round that compiled everything. *seen*: the warm-up's "
             "shuffles again; *new*: new shuffles, so each worker meets batch slices of new "
             "lengths, for each of which `fg.jit` traces the step again (no compiling). "
             "*speedup*: the faster `train.fit` over `distributed.fit` (seen). *beyond "
             "ideal*: distributed.fit (seen) minus half of train.fit on one BLAS thread, the "
             "cost beyond a perfect split of the compute over the workers (the Dask round "
             "trip, the transfers, the update, and the cores the workers do not get). "
             "A step moves the parameters to "
             f"each worker and the gradients back: {2 * workers} x the parameter bytes. "
             f"Load average of this shared machine: {load[0]:.1f} at the start, "
             f"{load[1]:.1f} at the end (2 cores).", "",
             "| workload | train.fit BLAS 2 threads | train.fit BLAS 1 thread | "
             "distributed.fit seen | distributed.fit new | speedup | beyond ideal | bytes/step |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for label, (t, nbytes) in results.items():
        best = min(t[ONE_2T], t.get(ONE_1T, np.inf))
        one = t.get(ONE_1T, t[ONE_2T])
        lines.append(f"| {label} | {fmt(t[ONE_2T])} | {fmt(t.get(ONE_1T, np.nan))} | "
                     f"{fmt(t[SEEN])} | {fmt(t[NEW])} | {best / t[SEEN]:.2f}x | "
                     f"{fmt(t[SEEN] - one / workers)} | "
                     f"{2 * workers * nbytes / 2**20:.1f} MiB |")
    lines += ["", "The round trip alone, median of 40 calls:", ""]
    lines += [f"- {name}: {fmt(t)}" for name, t in trips.items()]
    lines += ["", "Reproduce: `.venv/bin/python benchmarks/distributed_fit.py --quick` (about "
              "15 minutes; without `--quick`, 7 rounds instead of 3).", ""]
    return "\n".join(lines)


def write_section(path, text):
    """Replace this benchmark's section of RESULTS.md, or append it (others own the rest)."""
    old = open(path).read() if os.path.exists(path) else ""
    pattern = re.compile(re.escape(SECTION) + r".*?(?=\n## |\Z)", re.S)
    new = pattern.sub(lambda m: text.rstrip("\n"), old) if pattern.search(old) else \
        old.rstrip("\n") + "\n\n" + text
    with open(path, "w") as f:
        f.write(new.rstrip("\n") + "\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="fewer rounds")
    ap.add_argument("--out", default=os.path.join(HERE, "RESULTS.md"))
    args = ap.parse_args()
    from dask.distributed import Client, LocalCluster
    rounds = 3 if args.quick else 7
    workers = 2
    load = [os.getloadavg()[0]]
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                      dashboard_address=":0") as cluster, Client(cluster) as client:
        trips = roundtrip(client, CONFIGS[0][1])
        for name, t in trips.items():
            print(f"  round trip, {name}: {fmt(t)}", flush=True)
        results = {}
        for label, sizes, batch, steps in CONFIGS:
            print(label, flush=True)
            results[label] = measure(client, sizes, batch, steps, rounds)
            for name, t in results[label][0].items():
                print(f"  {name:55s} {fmt(t)}", flush=True)
    load.append(os.getloadavg()[0])
    write_section(args.out, section(results, trips, workers, rounds, load))
    print("wrote", args.out)


if __name__ == "__main__":
    sys.exit(main())
