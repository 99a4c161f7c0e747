"""Sets: ``unique`` (and NumPy 2's ``unique_all``/``_counts``/``_inverse``/``_values``),
``union1d``, ``intersect1d``, ``setdiff1d``, ``setxor1d`` and ``isin``.

Each sorts (stably), marks the first of each run of equal values, and keeps the marked ones.
How many that is depends on the values, so these need concrete values (eagerly and under
``grad``); under ``jit`` pass ``size=`` (and ``fill_value=``), JAX's extension: the first
``size`` results, padded with ``fill_value`` (by default the smallest result; 0 when there is
none). Padded entries of the returned indices hold the input's length (an index out of bounds)
and padded counts are 0. ``isin`` has a fixed shape and needs none of this.

Result values are gathered from the input, so they are differentiable: each one's derivative
goes to its first occurrence in the input, as in JAX. Indices, inverses and counts are integers
with no derivative. ``assume_unique`` is accepted as a hint; the result is the same either way.

>>> values, counts = unique(np.array([3, 1, 3, 2, 3]), return_counts=True)
>>> values.tolist(), counts.tolist()
([1, 2, 3], [1, 1, 3])
"""
from typing import NamedTuple

import numpy as np

from ..errors import user_frame
from ..ops import shape as sh
from ._core import asarray_or_tracer, cast, normalize_axis, result_dtype
from ._math import (
    any,
    cumsum,
    equal,
    isnan,
    logical_and,
    logical_not,
    logical_or,
    minimum,
    not_equal,
    where,
)
from ._shapes import concatenate, moveaxis, ravel, reshape, take
from ._sorting import INDEX, argsort, lexsort, padded, searchsorted, sort, true_positions

__all__ = ["unique", "unique_all", "unique_counts", "unique_inverse", "unique_values", "union1d",
           "intersect1d", "setdiff1d", "setxor1d", "isin"]


class UniqueAllResult(NamedTuple):
    values: np.ndarray
    indices: np.ndarray
    inverse_indices: np.ndarray
    counts: np.ndarray


class UniqueCountsResult(NamedTuple):
    values: np.ndarray
    counts: np.ndarray


class UniqueInverseResult(NamedTuple):
    values: np.ndarray
    inverse_indices: np.ndarray


def _sorted_runs(rows, equal_nan):
    """Rows ``(n, m)`` in lexicographic order (column 0 first), stably: the permutation, the
    sorted rows and whether each sorted row is the first of its run of equal rows (NaNs equal
    to each other when ``equal_nan``)."""
    n, m = rows.shape
    perm = lexsort([rows[:, j] for j in reversed(range(m))]) if m and n else \
        np.arange(n, dtype=INDEX)
    srt = take(rows, perm, axis=0)
    if n == 0:
        return perm, srt, np.zeros(0, bool)
    after, before = srt[1:], srt[:-1]
    differ = not_equal(after, before)
    if equal_nan and rows.dtype.kind == "f":
        differ = logical_and(differ, logical_not(logical_and(isnan(after), isnan(before))))
    return perm, srt, concatenate([np.ones(1, bool), any(differ, axis=1)])


def _fill_default(values, valid, fill_value):
    """JAX's default padding: the smallest result (the first), or 0 if there is none."""
    if fill_value is not None or valid is None:
        return fill_value
    return values[0] if values.shape[0] else 0


def unique(ar, return_index=False, return_inverse=False, return_counts=False, axis=None, *,
           equal_nan=True, sorted=True, size=None, fill_value=None):
    """The sorted unique values of ``ar`` (flattened, or the unique slices along ``axis``),
    like ``np.unique``, optionally with the index of each one's first occurrence, the indices
    that rebuild ``ar`` from them, and their counts. ``size``/``fill_value`` as in the module
    docstring. Always sorted (``sorted=False`` is accepted, as NumPy allows).

    >>> unique(np.array([[1, 0], [1, 0], [0, 2]]), axis=0).tolist()
    [[0, 2], [1, 0]]
    """
    ar = asarray_or_tracer(ar)
    if axis is None or ar.ndim == 1:
        if axis is not None:
            normalize_axis(axis, ar.ndim)
        moved, rows = None, reshape(ar, (ar.size, 1))
    else:  # NumPy compares slices as records: no NaN collapsing there
        moved = moveaxis(ar, normalize_axis(axis, ar.ndim), 0)
        rows, equal_nan = reshape(moved, (moved.shape[0], -1)), False
    n = rows.shape[0]
    perm, srt, first = _sorted_runs(rows, equal_nan)
    pos, valid = true_positions(first, size, "unique")
    values = take(srt, pos, axis=0) if n else np.zeros((pos.shape[0], rows.shape[1]), ar.dtype)
    values = padded(values, valid, _fill_default(values, valid, fill_value))
    out = [values[:, 0] if moved is None else
           moveaxis(reshape(values, (values.shape[0],) + moved.shape[1:]), 0, axis)]
    if return_index:
        out.append(padded(take(perm, pos) if n else pos, valid, n))
    if return_inverse:
        group = cumsum(first) - 1 if n else np.zeros(0, INDEX)
        inverse = sh.scatter_p.bind(np.zeros(n, INDEX), perm, group, axis=0)
        out.append(reshape(inverse, ar.shape) if moved is None else inverse)
    if return_counts:
        out.append(_counts(first, pos, valid, n))
    return out[0] if len(out) == 1 else tuple(out)


def _counts(first, pos, valid, n):
    """How many of the sorted values each run holds (``pos``: where the runs start)."""
    if valid is None:
        return np.diff(np.append(pos, n)).astype(INDEX)
    size = pos.shape[0]
    group = minimum(cumsum(first) - 1, size) if n else np.zeros(0, INDEX)
    ones = np.ones(n, INDEX)
    return sh.scatter_add_p.bind(np.zeros(size + 1, INDEX), group, ones, axis=0)[:size]


def unique_all(x, /, *, size=None, fill_value=None):
    """NumPy 2's ``unique_all``: values, first indices, inverse indices and counts, NaNs not
    collapsed.

    >>> unique_all(np.array([2.0, 1.0, 2.0])).counts.tolist()
    [1, 2]
    """
    return UniqueAllResult(*unique(x, True, True, True, equal_nan=False, size=size,
                                   fill_value=fill_value))


def unique_counts(x, /, *, size=None, fill_value=None):
    """NumPy 2's ``unique_counts``: values and counts, NaNs not collapsed.

    >>> unique_counts(np.array([2, 1, 2])).counts.tolist()
    [1, 2]
    """
    return UniqueCountsResult(*unique(x, return_counts=True, equal_nan=False, size=size,
                                      fill_value=fill_value))


def unique_inverse(x, /, *, size=None, fill_value=None):
    """NumPy 2's ``unique_inverse``: values and the indices that rebuild ``x``, NaNs not
    collapsed.

    >>> unique_inverse(np.array([2, 1, 2])).inverse_indices.tolist()
    [1, 0, 1]
    """
    return UniqueInverseResult(*unique(x, return_inverse=True, equal_nan=False, size=size,
                                       fill_value=fill_value))


def unique_values(x, /, *, size=None, fill_value=None):
    """NumPy 2's ``unique_values``: the sorted unique values, NaNs not collapsed.

    >>> unique_values(np.array([2, 1, 2])).tolist()
    [1, 2]
    """
    return unique(x, equal_nan=False, size=size, fill_value=fill_value)


# --- two sets -------------------------------------------------------------------------------

def _flat_pair(ar1, ar2):
    a1, a2 = ravel(asarray_or_tracer(ar1)), ravel(asarray_or_tracer(ar2))
    dt = result_dtype(a1, a2)
    return cast(a1, dt), cast(a2, dt)


def _lookup(v, s):
    """Whether each ``v`` is in the sorted 1-d ``s``, and the index of its first match."""
    if s.shape[0] == 0:
        return np.zeros(np.shape(v), bool), np.zeros(np.shape(v), INDEX)
    j = minimum(searchsorted(s, v, "left"), s.shape[0] - 1)
    return equal(take(s, j), v), j


def _kept(values, keep, size, fill_value, what):
    pos, valid = true_positions(keep, size, what)
    out = take(values, pos) if values.shape[0] else np.zeros(pos.shape, values.dtype)
    return padded(out, valid, _fill_default(out, valid, fill_value)), pos, valid


def _sorted_unique(a):
    """``a`` (1-d) sorted, its permutation, and the first of each run of equal values."""
    perm, srt, first = _sorted_runs(reshape(a, (a.shape[0], 1)), True)
    return srt[:, 0], perm, first


def union1d(ar1, ar2, *, size=None, fill_value=None):
    """The sorted unique values in either array, like ``np.union1d``.

    >>> union1d(np.array([3, 1]), np.array([2, 1])).tolist()
    [1, 2, 3]
    """
    a1, a2 = _flat_pair(ar1, ar2)
    return unique(concatenate([a1, a2]), size=size, fill_value=fill_value)


def intersect1d(ar1, ar2, assume_unique=False, return_indices=False, *, size=None,
                fill_value=None):
    """The sorted unique values in both arrays, like ``np.intersect1d``; with
    ``return_indices``, also the index of each one's first occurrence in each array.

    >>> intersect1d(np.array([1, 3, 4, 3]), np.array([3, 1, 2, 1])).tolist()
    [1, 3]
    """
    a1, a2 = _flat_pair(ar1, ar2)
    s1, perm1, first1 = _sorted_unique(a1)
    perm2 = argsort(a2)
    s2 = take(a2, perm2)
    found, _ = _lookup(s1, s2)
    values, pos, valid = _kept(s1, logical_and(first1, found), size, fill_value, "intersect1d")
    if not return_indices:
        return values
    i1 = take(perm1, pos) if a1.shape[0] else pos
    _, j = _lookup(take(s1, pos) if a1.shape[0] else values, s2)
    i2 = take(perm2, j) if a2.shape[0] else j
    return values, padded(i1, valid, a1.shape[0]), padded(i2, valid, a2.shape[0])


def setdiff1d(ar1, ar2, assume_unique=False, *, size=None, fill_value=None):
    """The unique values of ``ar1`` not in ``ar2``, like ``np.setdiff1d``: sorted, or with
    ``assume_unique=True`` in ``ar1``'s order (as NumPy).

    >>> setdiff1d(np.array([1, 2, 3, 2, 4, 1]), np.array([3, 4, 5, 6])).tolist()
    [1, 2]
    """
    a1, a2 = _flat_pair(ar1, ar2)
    s2 = sort(a2)
    if assume_unique:
        values, keep = a1, logical_not(_lookup(a1, s2)[0])
    else:
        values, _, first = _sorted_unique(a1)
        keep = logical_and(first, logical_not(_lookup(values, s2)[0]))
    return _kept(values, keep, size, fill_value, "setdiff1d")[0]


def setxor1d(ar1, ar2, assume_unique=False, *, size=None, fill_value=None):
    """The sorted unique values in exactly one of the arrays, like ``np.setxor1d`` (a NaN of
    each array is kept, as NumPy keeps them).

    >>> setxor1d(np.array([1, 2, 3, 4]), np.array([3, 4, 5, 6])).tolist()
    [1, 2, 5, 6]
    """
    a1, a2 = _flat_pair(ar1, ar2)
    both = concatenate([a1, a2])
    s, perm, first = _sorted_unique(both)
    in1, in2 = _lookup(s, sort(a1))[0], _lookup(s, sort(a2))[0]
    keep = logical_and(first, not_equal(in1, in2))
    if s.dtype.kind == "f" and s.shape[0]:
        # NaN is in neither set by comparison; NumPy keeps the first NaN of each array
        origin = take(np.arange(s.shape[0]) >= a1.shape[0], perm)
        nan = isnan(s)
        starts = logical_or(logical_not(isnan(s[:-1])), not_equal(origin[1:], origin[:-1]))
        keep = where(nan, logical_and(nan, concatenate([np.ones(1, bool), starts])), keep)
    return _kept(s, keep, size, fill_value, "setxor1d")[0]


def isin(element, test_elements, assume_unique=False, invert=False, *, kind=None):
    """Whether each entry of ``element`` is in ``test_elements``, like ``np.isin`` (by a sort
    and a binary search, whatever ``kind``; NaN is in nothing).

    >>> isin(np.array([[1, 5], [2, 7]]), [2, 5]).tolist()
    [[False, True], [True, False]]
    """
    e, t = asarray_or_tracer(element), asarray_or_tracer(test_elements)
    if kind not in (None, "sort", "table"):
        raise ValueError(f"isin: kind must be None, 'sort' or 'table', got {kind!r} "
                         f"(at {user_frame()})")
    if kind == "table" and (e.dtype.kind not in "iub" or t.dtype.kind not in "iub"):
        raise ValueError(f"isin: the 'table' method is only supported for boolean or integer "
                         f"arrays, got {e.dtype} and {t.dtype} (at {user_frame()}); select "
                         "'sort' or None for kind")
    dt = result_dtype(e, t)
    found = _lookup(cast(e, dt), sort(ravel(cast(t, dt))))[0]
    return logical_not(found) if invert else found
