"""Data: mini-batches, generated toy datasets, scikit-learn's bundled digits, and CSV files."""
import csv

import numpy as np

from . import random as fr


def batches(*arrays, batch_size, key=None, drop_last=False):
    """Yield tuples of mini-batches along axis 0, shuffled when a ``key`` is given.

    The last batch is smaller unless ``drop_last``.

    >>> [b[0].tolist() for b in batches(np.arange(5), batch_size=2)]
    [[0, 1], [2, 3], [4]]
    """
    if not arrays:
        raise ValueError("batches: give at least one array")
    if batch_size < 1:
        raise ValueError(f"batches: batch_size must be >= 1, got {batch_size}")
    n = len(arrays[0])
    lengths = [len(a) for a in arrays]
    if any(m != n for m in lengths):
        raise ValueError(f"batches: arrays have different lengths along axis 0: {lengths}; "
                         "every array must have one row per example.")
    order = fr.permutation(key, n) if key is not None else None
    stop = n - n % batch_size if drop_last else n
    for start in range(0, stop, batch_size):
        idx = slice(start, min(start + batch_size, n)) if order is None else \
            order[start:start + batch_size]
        yield tuple(np.asarray(a)[idx] for a in arrays)


def make_moons(n=100, noise=0.0, key=None):
    """Two interleaving half circles; ``y`` in {0, 1}.

    >>> X, y = make_moons(10); X.shape, sorted(set(y.tolist()))
    ((10, 2), [0, 1])
    """
    n_out = n // 2
    n_in = n - n_out
    t_out = np.linspace(0, np.pi, n_out)
    t_in = np.linspace(0, np.pi, n_in)
    X = np.vstack([np.stack([np.cos(t_out), np.sin(t_out)], 1),
                   np.stack([1 - np.cos(t_in), 1 - np.sin(t_in) - 0.5], 1)])
    y = np.concatenate([np.zeros(n_out, np.int64), np.ones(n_in, np.int64)])
    if noise:
        key = fr.key(0) if key is None else key
        X = X + noise * np.asarray(fr.normal(key, X.shape))
    return X, y


def make_circles(n=100, noise=0.0, factor=0.8, key=None):
    """A large circle containing a smaller one (scaled by ``factor``); ``y`` in {0, 1}.

    >>> make_circles(8)[0].shape
    (8, 2)
    """
    n_out = n // 2
    n_in = n - n_out
    t_out = np.linspace(0, 2 * np.pi, n_out, endpoint=False)
    t_in = np.linspace(0, 2 * np.pi, n_in, endpoint=False)
    X = np.vstack([np.stack([np.cos(t_out), np.sin(t_out)], 1),
                   factor * np.stack([np.cos(t_in), np.sin(t_in)], 1)])
    y = np.concatenate([np.zeros(n_out, np.int64), np.ones(n_in, np.int64)])
    if noise:
        key = fr.key(0) if key is None else key
        X = X + noise * np.asarray(fr.normal(key, X.shape))
    return X, y


def make_blobs(n=100, centers=3, n_features=2, std=1.0, key=None):
    """Gaussian blobs around ``centers`` random centres; ``y`` is the blob index.

    >>> make_blobs(9, centers=3)[1].tolist()
    [0, 0, 0, 1, 1, 1, 2, 2, 2]
    """
    key = fr.key(0) if key is None else key
    k1, k2 = fr.split(key)
    c = np.asarray(fr.uniform(k1, (centers, n_features), minval=-10.0, maxval=10.0))
    y = np.repeat(np.arange(centers), -(-n // centers))[:n]
    X = c[y] + std * np.asarray(fr.normal(k2, (n, n_features)))
    return X, y


def load_digits():
    """scikit-learn's bundled 8x8 digits: ``X`` (1797, 64) raw pixels 0..16, ``y`` 0..9.

    >>> X, y = load_digits(); X.shape, int(X.max())  # doctest: +SKIP
    ((1797, 64), 16)
    """
    try:
        from sklearn.datasets import load_digits as sk_load
    except ImportError:
        raise ImportError("load_digits needs scikit-learn, which ships the data: "
                          "pip install 'funcgrad[examples]'") from None
    d = sk_load()
    return d.data.astype(np.float64), d.target.astype(np.int64)


def load_csv(path, target):
    """Read a CSV with a header row; returns float arrays ``(X, y)``, ``y`` the ``target``
    column and ``X`` the others.

    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "t.csv")
    >>> _ = open(p, "w").write("a,b,y\\n1,2,3\\n4,5,6\\n")
    >>> load_csv(p, "y")[1].tolist()
    [3.0, 6.0]
    """
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    if not rows:
        raise ValueError(f"load_csv: {path} is empty")
    header = [h.strip() for h in rows[0]]
    if target not in header:
        raise ValueError(f"load_csv: no column {target!r} in {path}; the columns are "
                         f"{header}")
    data = np.empty((len(rows) - 1, len(header)))
    for i, row in enumerate(rows[1:]):
        if len(row) != len(header):
            raise ValueError(f"load_csv: row {i + 2} of {path} has {len(row)} fields, the "
                             f"header has {len(header)}")
        for j, v in enumerate(row):
            try:
                data[i, j] = float(v)
            except ValueError:
                raise ValueError(f"load_csv: non-numeric value {v!r} in column "
                                 f"{header[j]!r}, row {i + 2} of {path}") from None
    t = header.index(target)
    return np.delete(data, t, axis=1), data[:, t]
