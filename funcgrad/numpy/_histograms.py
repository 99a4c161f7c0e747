"""Counting: ``bincount``, ``histogram``, ``histogram_bin_edges``, ``histogram2d`` and
``histogramdd``.

Counts are sums of ones (or of ``weights``) scattered into bins (``count_into``), so they are
differentiable in the weights and have derivative zero in the data (undefined exactly at an
edge). Edges computed from the data's range follow its minimum and maximum. The number of bins
must be static under ``jit``: a number of bins, or given edges; ``bins="auto"`` and the like
need concrete values, and ``bincount`` needs ``length=``.

>>> counts, edges = histogram(np.array([0.0, 1.0, 1.5, 4.0]), bins=2)
>>> counts.tolist(), edges.tolist()
([3, 1], [0.0, 2.0, 4.0])
"""
import builtins

import numpy as np

from ..core.tracing import Tracer
from ..errors import ConcretizationError, user_frame
from ..ops import shape as sh
from ._base import astype
from ._core import asarray_or_tracer, cast, dtype_of, result_dtype
from ._creation import linspace
from ._indexing import known_value
from ._math import equal, greater_equal, less_equal, logical_and, max, min, subtract, sum, where
from ._shapes import atleast_2d, ravel, reshape, stack
from ._sorting import INDEX, known, searchsorted

__all__ = ["bincount", "histogram", "histogram_bin_edges", "histogram2d", "histogramdd"]


def bincount(x, /, weights=None, minlength=0, *, length=None):
    """How many times each non-negative integer occurs in ``x`` (or the sum of its
    ``weights``, as float64), like ``np.bincount``; differentiable in ``weights``.

    The result's length is ``max(x) + 1`` (at least ``minlength``), which needs ``x``'s
    values; under ``jit`` give ``length=`` (JAX's extension): values at or past it, and
    negative ones (which NumPy refuses), are dropped then.

    >>> bincount(np.array([0, 1, 1, 3])).tolist()
    [1, 2, 0, 1]
    """
    x = asarray_or_tracer(x)
    if x.ndim != 1 or x.dtype.kind not in "iub":
        raise TypeError(f"bincount: x must be a 1-d array of non-negative integers, got "
                        f"{x.dtype}{list(x.shape)} (at {user_frame()})")
    value = known_value(x)
    if value is None and length is None:
        raise ConcretizationError(
            f"bincount (at {user_frame()}): the length of its result is max(x) + 1, which "
            f"fg.jit and fg.vmap do not know for the traced {x.aval}. Pass length=N (values "
            ">= N are dropped), as in JAX.")
    if value is not None and value.size and value.min() < 0:
        raise ValueError(f"bincount: x must have no negative elements, got {value.min()} "
                         f"(at {user_frame()})")
    if minlength < 0:
        raise ValueError(f"bincount: minlength must not be negative, got {minlength} "
                         f"(at {user_frame()})")
    if length is None:
        length = builtins.max(int(value.max()) + 1 if value.size else 0, minlength)
    w = np.ones(x.shape, INDEX) if weights is None else \
        astype(asarray_or_tracer(weights), np.float64)
    if np.shape(w) != x.shape:
        raise ValueError(f"bincount: weights {np.shape(w)} must have the shape of x "
                         f"{x.shape} (at {user_frame()})")
    return count_into(x, w, length)


def count_into(index, w, length):
    """Sums of ``w`` by bin ``index`` (1-d) into ``length`` bins; other indices dropped."""
    index = astype(index, INDEX)
    inside = logical_and(greater_equal(index, 0), index < length)
    slot = where(inside, index, length)
    zeros = np.zeros(length + 1, np.asarray(w).dtype if not isinstance(w, Tracer) else w.dtype)
    return sh.scatter_add_p.bind(zeros, slot, w, axis=0)[:length]


def _outer_edges(a, range):
    """The range of the bins: ``range``, or the data's minimum and maximum (widened by 0.5
    both ways when they are equal), as NumPy."""
    if range is not None:
        first, last = range
        if first > last:
            raise ValueError(f"histogram: max must be larger than min in range parameter, got "
                             f"{range} (at {user_frame()})")
        if not (np.isfinite(first) and np.isfinite(last)):
            raise ValueError(f"histogram: supplied range of [{first}, {last}] is not finite "
                             f"(at {user_frame()})")
    elif a.size == 0:
        first, last = 0, 1
    else:  # traced: differentiable in a through its extremes
        first, last = min(a), max(a)
        _check_finite_range(first, last)
        same = equal(first, last)
        return where(same, first - 0.5, first), where(same, last + 0.5, last)
    return (first - 0.5, last + 0.5) if first == last else (first, last)


def _bin_dtype(first, last, a):
    """NumPy's dtype of the edges: of the range and the data (Python numbers weak), float."""
    dt = np.result_type(*[v if isinstance(v, (bool, int, float)) else dtype_of(v)
                          for v in (first, last)], a.dtype)
    return np.result_type(dt, float) if dt.kind in "iub" else dt


def _check_finite_range(first, last):
    lo, hi = known_value(first), known_value(last)
    if lo is not None and not (np.isfinite(lo) and np.isfinite(hi)):
        raise ValueError(f"histogram: autodetected range of [{lo}, {hi}] is not finite "
                         f"(at {user_frame()})")


def histogram_bin_edges(a, bins=10, range=None, weights=None):
    """The edges of ``histogram``'s bins, like ``np.histogram_bin_edges``: ``bins + 1``
    evenly spaced edges over ``range`` (or the data's range, then differentiable in ``a``
    through its minimum and maximum), or the given edges. A string ``bins`` (``"auto"``...)
    needs concrete values.

    >>> histogram_bin_edges(np.array([0.0, 1.0, 4.0]), bins=2).tolist()
    [0.0, 2.0, 4.0]
    """
    a = ravel(asarray_or_tracer(a))
    if isinstance(bins, str):
        what, fix = f"histogram with bins={bins!r}", "Pass a number of bins or their edges"
        return np.histogram_bin_edges(known(a, what, fix), bins, range,
                                      None if weights is None else known(weights, what, fix))
    if np.ndim(bins) == 0:
        if not isinstance(bins, (int, np.integer)) or isinstance(bins, bool) or bins < 1:
            raise ValueError(f"histogram: bins must be a positive integer, a string or an "
                             f"array of edges, got {bins!r} (at {user_frame()})")
        first, last = _outer_edges(a, range)
        return linspace(first, last, bins + 1, dtype=_bin_dtype(first, last, a))
    edges = asarray_or_tracer(bins)
    if edges.ndim != 1:
        raise ValueError(f"histogram: bins must be 1-d when an array, got shape {edges.shape} "
                         f"(at {user_frame()})")
    value = known_value(edges)
    if value is not None and np.any(value[:-1] > value[1:]):
        raise ValueError(f"histogram: bins must increase monotonically, when an array "
                         f"(at {user_frame()})")
    return edges


def _bin_index(a, edges):
    """The bin of each ``a`` (1-d) among ``edges`` (``edges[i] <= a < edges[i+1]``, the last
    bin closed), and whether ``a`` falls inside the edges at all."""
    ed = cast(edges, result_dtype(edges, a))
    at = cast(a, ed.dtype)
    index = where(equal(at, ed[-1]), edges.shape[0] - 2, searchsorted(ed, at, "right") - 1)
    return index, logical_and(greater_equal(a, edges[0]), less_equal(a, edges[-1]))


def histogram(a, bins=10, range=None, density=None, weights=None):
    """The counts of ``a`` in bins (``edges[i] <= a < edges[i+1]``, the last bin closed) and
    the bin edges, like ``np.histogram``. The counts are piecewise constant in ``a``: their
    derivative is zero (undefined exactly at an edge); with ``weights`` they are
    differentiable in the weights. Works under ``jit`` for a number of bins or given edges.

    >>> histogram(np.array([0.0, 1.0, 1.5, 4.0]), bins=[0.0, 1.0, 4.0])[0].tolist()
    [1, 3]
    """
    a = asarray_or_tracer(a)
    if weights is not None and np.shape(weights) != a.shape:
        raise ValueError(f"histogram: weights {np.shape(weights)} should have the same shape "
                         f"as a {a.shape} (at {user_frame()})")
    a = ravel(a)
    edges = histogram_bin_edges(a, bins, range, weights)
    nb = edges.shape[0] - 1
    index, inside = _bin_index(a, edges)
    w = np.ones(a.shape, INDEX) if weights is None else ravel(asarray_or_tracer(weights))
    counts = count_into(where(inside, index, nb), w, nb)
    if density:
        widths = astype(subtract(edges[1:], edges[:-1]), np.float64)
        return counts / widths / sum(counts), edges
    return counts, edges


def _columns(sample):
    """The ``D`` coordinates of ``N`` points, as NumPy reads a sample: an ``(N, D)`` array, or
    a sequence of ``D`` arrays of ``N`` values (a 1-d array: ``N`` points in one dimension)."""
    if isinstance(sample, (list, tuple)):
        s = stack([ravel(asarray_or_tracer(c)) for c in sample], axis=1)
    else:
        s = asarray_or_tracer(sample)
        s = atleast_2d(s).T if s.ndim < 2 else s
    if s.ndim != 2:
        raise ValueError(f"histogramdd: sample must be an (N, D) array or a sequence of D "
                         f"arrays of N values, got shape {s.shape} (at {user_frame()})")
    return [s[:, i] for i in builtins.range(s.shape[1])]


def _bins_per_dimension(bins, d):
    """``bins`` for each of ``d`` dimensions: as NumPy, anything with a length holds one entry
    per dimension; a number is for all."""
    try:
        m = len(bins)
    except TypeError:
        return [bins] * d
    if m != d:
        raise ValueError(f"histogramdd: the dimension of bins ({m}) must be equal to the "
                         f"dimension of the sample ({d}) (at {user_frame()})")
    return list(bins)


def histogramdd(sample, bins=10, range=None, density=None, weights=None):
    """The counts of ``N`` points of ``D`` dimensions in a ``D``-dimensional grid of bins,
    and each dimension's edges, like ``np.histogramdd`` (float64 counts, as NumPy; ``bins``,
    ``range``: one for all dimensions or one per dimension). Differentiable as ``histogram``.

    >>> counts, edges = histogramdd(np.array([[0.0, 0.0], [1.0, 1.0], [1.0, 0.0]]), bins=2)
    >>> counts.tolist()
    [[1.0, 0.0], [1.0, 1.0]]
    """
    columns = _columns(sample)
    d, n = len(columns), columns[0].shape[0]
    if range is not None and len(range) != d:
        raise ValueError(f"histogramdd: range needs a (min, max) or None for each of the {d} "
                         f"dimensions, got {range!r} (at {user_frame()})")
    ranges = [None] * d if range is None else list(range)
    edges = [histogram_bin_edges(c, b, r)
             for c, b, r in zip(columns, _bins_per_dimension(bins, d), ranges)]
    shape = tuple(e.shape[0] - 1 for e in edges)
    flat, inside = np.zeros(n, INDEX), np.ones(n, bool)
    for c, e, nb in zip(columns, edges, shape):
        index, ok = _bin_index(c, e)
        flat, inside = flat * nb + index, logical_and(inside, ok)
    total = int(np.prod(shape, dtype=np.int64))
    w = np.ones(n) if weights is None else astype(asarray_or_tracer(weights), np.float64)
    if np.shape(w) != (n,):
        raise ValueError(f"histogramdd: weights {np.shape(w)} must have one value per point "
                         f"({n},) (at {user_frame()})")
    counts = reshape(count_into(where(inside, flat, total), w, total), shape)
    if density:
        all_ = sum(counts)
        for i, e in enumerate(edges):
            widths = astype(subtract(e[1:], e[:-1]), np.float64)
            counts = counts / reshape(widths, tuple(-1 if j == i else 1 for j in builtins.range(d)))
        counts = counts / all_
    return counts, edges


def histogram2d(x, y, bins=10, range=None, density=None, weights=None):
    """The counts of the points ``(x, y)`` in a grid of bins, and the edges along ``x`` and
    ``y``, like ``np.histogram2d``: ``bins`` is a number or edges for both, or a pair of them.

    >>> counts, xedges, yedges = histogram2d(np.array([0.0, 1.0, 1.0]), np.array([0.0, 1.0, 0.0]),
    ...                                      bins=2)
    >>> counts.tolist(), xedges.tolist()
    ([[1.0, 0.0], [1.0, 1.0]], [0.0, 0.5, 1.0])
    """
    x, y = asarray_or_tracer(x), asarray_or_tracer(y)
    if x.ndim != 1 or x.shape != y.shape:
        raise ValueError(f"histogram2d: x and y must be 1-d of the same length, got shapes "
                         f"{x.shape} and {y.shape} (at {user_frame()})")
    try:
        pair = len(bins) in (1, 2)  # as NumPy: one or two entries are per axis
    except TypeError:
        pair = True
    if not pair:  # edges, the same for both
        bins = [bins, bins]
    counts, (xedges, yedges) = histogramdd([x, y], bins, range, density, weights)
    return counts, xedges, yedges
