"""Data: mini-batches, generated toy datasets, scikit-learn's bundled digits, and CSV files."""
import csv
import importlib.util
import io
import os

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

    Reads the data file that scikit-learn ships without importing scikit-learn, whose import
    takes 1-2 s here (the file takes 10 ms); the arrays are those of
    ``sklearn.datasets.load_digits()``.

    >>> X, y = load_digits(); X.shape, int(X.max())  # doctest: +SKIP
    ((1797, 64), 16)
    """
    table = np.loadtxt(_sklearn_data_file("digits.csv.gz"), delimiter=",")
    return table[:, :-1], table[:, -1].astype(np.int64)


def _sklearn_data_file(name):
    """The path of one of scikit-learn's bundled data files, found without importing it."""
    spec = importlib.util.find_spec("sklearn")
    path = spec and spec.origin and os.path.join(
        os.path.dirname(spec.origin), "datasets", "data", name)
    if not path or not os.path.exists(path):
        raise ImportError(f"funcgrad.data needs scikit-learn, which ships the file {name}: "
                          "pip install 'funcgrad[examples]'")
    return path


_MISSING = {"", "na", "n/a", "nan"}


def load_csv(path, target, *, delimiter=None, missing="error"):
    """Read a CSV file with a header row; returns float arrays ``(X, y)``: ``y`` the
    ``target`` column and ``X`` the others, in file order.

    ``delimiter`` defaults to the one of ``, ; tab |`` that the standard library's
    ``csv.Sniffer`` finds. A UTF-8 byte-order mark is ignored and blank lines are skipped.
    Missing values (an empty field, ``NA``, ``N/A``, ``nan``, in any case) raise a
    ``ValueError`` naming the row and column, or with ``missing="nan"`` are read as NaN. Rows
    are counted as lines of the file, the header being row 1.

    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "t.csv")
    >>> _ = open(p, "w").write("a;b;y\\n1;2;3\\n\\n4;NA;6\\n")
    >>> load_csv(p, "y", missing="nan")[0].tolist()
    [[1.0, 2.0], [4.0, nan]]
    """
    if missing not in ("error", "nan"):
        raise ValueError(f"load_csv: missing must be 'error' or 'nan', got {missing!r}")
    with open(path, newline="", encoding="utf-8-sig") as f:
        text = f.read()
    if not text.strip():
        raise ValueError(f"load_csv: {path} is empty")
    reader = csv.reader(io.StringIO(text), delimiter=delimiter or _sniff_delimiter(text))
    header = [h.strip() for h in next(reader)]
    if header.count(target) != 1:
        raise ValueError(f"load_csv: {'no' if target not in header else 'more than one'} "
                         f"column {target!r} in {path}; the columns are {header}")
    rows = [(reader.line_num, row) for row in reader
            if row and not (len(row) == 1 and not row[0].strip())]
    if not rows:
        raise ValueError(f"load_csv: {path} has a header but no data rows")
    data = np.empty((len(rows), len(header)))
    for i, (line, row) in enumerate(rows):
        if len(row) != len(header):
            raise ValueError(f"load_csv: row {line} of {path} has {len(row)} fields, the "
                             f"header has {len(header)}")
        for j, v in enumerate(row):
            data[i, j] = _number(v, missing, f"column {header[j]!r}, row {line} of {path}")
    t = header.index(target)
    return np.delete(data, t, axis=1), data[:, t]


def _sniff_delimiter(text):
    try:
        return csv.Sniffer().sniff(text[:65536], delimiters=",;\t|").delimiter
    except csv.Error:  # no candidate on every line: a single column
        return ","


def _number(v, missing, where):
    if v.strip().lower() in _MISSING:
        if missing == "nan":
            return np.nan
        raise ValueError(f"load_csv: missing value {v!r} in {where}; pass missing='nan' to "
                         "read missing values as NaN")
    try:
        return float(v)
    except ValueError:
        raise ValueError(f"load_csv: non-numeric value {v!r} in {where}") from None
