"""digits.py's MLP (64-256-256-10, float32, Adam, batch 128) trained data-parallel on a Dask
cluster, then in one process with train.fit on the same mini-batches, for comparison.

    python examples/distributed_digits.py                    # a LocalCluster of 2 worker processes
    python examples/distributed_digits.py --epochs 2         # shorter
    python examples/distributed_digits.py --scheduler tcp://host:8786   # an existing cluster

Prints the test accuracy and the time per epoch of both. On one small machine the one process
wins by far: a step of this model takes under a millisecond, the Dask round trip tens of
milliseconds (see docs/distributed.md for when distributing pays).
"""
import argparse
import os
import sys

import numpy as np

import funcgrad as fg
import funcgrad.nn as nn
import funcgrad.optim as optim
import funcgrad.random as fr
from funcgrad import distributed, train

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import digits  # noqa: E402  (the data split and the loss of the one-process example)


def train_both(client, epochs, verbose):
    """Train on the cluster, then in this process; returns both (params, history)."""
    import cloudpickle
    # Workers load functions by reference to their module, and they cannot import this
    # directory's digits.py: send its functions by value instead.
    cloudpickle.register_pickle_by_value(digits)
    (Xtr, ytr), (Xte, yte) = digits.split_data()
    params = nn.init_mlp(fr.key(0), [64, 256, 256, 10], dtype=np.float32)
    kwargs = dict(epochs=epochs, batch_size=128, key=fr.key(1),
                  progress=verbose and sys.stderr.isatty(),
                  metrics={"test_accuracy": lambda p: nn.accuracy(nn.mlp(p, Xte), yte)})
    on_cluster = distributed.fit(digits.loss_fn, params, optim.adam(1e-3), (Xtr, ytr),
                                 client=client, **kwargs)
    one_process = train.fit(digits.loss_fn, params, optim.adam(1e-3), (Xtr, ytr), **kwargs)
    return on_cluster, one_process


def run(epochs=20, client=None, scheduler=None, verbose=True):
    """Train both ways on ``client`` (else a ``scheduler`` address, else a new LocalCluster of
    2 workers); print and return the accuracies, the times per epoch and the largest
    difference between the two parameter sets."""
    from dask.distributed import Client, LocalCluster
    cluster = None
    if client is None:
        if scheduler is None:
            cluster = LocalCluster(n_workers=2, threads_per_worker=1)
        client = Client(scheduler or cluster)
    try:
        n_workers = len(client.nthreads())
        (p_dist, h_dist), (p_one, h_one) = train_both(client, epochs, verbose)
    finally:
        if cluster is not None:
            client.close()
            cluster.close()
    r = {"accuracy": h_dist["test_accuracy"][-1], "accuracy_one": h_one["test_accuracy"][-1],
         "epoch_time": _median_epoch(h_dist), "epoch_time_one": _median_epoch(h_one),
         "max_param_diff": max(float(np.max(np.abs(a - b)))
                               for a, b in zip(fg.tree_leaves(p_dist), fg.tree_leaves(p_one)))}
    if verbose:
        print(f"distributed.fit on {n_workers} workers: test accuracy {r['accuracy']:.2%} after "
              f"{epochs} epochs, {r['epoch_time'] * 1e3:.1f} ms per epoch")
        ratio = r["epoch_time"] / r["epoch_time_one"]
        print(f"train.fit in one process:   test accuracy {r['accuracy_one']:.2%}, "
              f"{r['epoch_time_one'] * 1e3:.1f} ms per epoch (one process "
              + (f"{ratio:.1f}x faster)" if ratio >= 1 else f"{1 / ratio:.1f}x slower)"))
        print(f"same mini-batches: the parameters differ by at most {r['max_param_diff']:.1e} "
              "(float32 sums in another order)")
    return r


def _median_epoch(hist):
    """The median epoch time, leaving out the first (it includes compiling)."""
    return float(np.median(hist["epoch_time"][1:] or hist["epoch_time"]))


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--scheduler", default=None, help="address of an existing scheduler")
    args = ap.parse_args()
    run(epochs=args.epochs, scheduler=args.scheduler)
