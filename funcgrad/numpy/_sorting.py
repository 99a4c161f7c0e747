"""Sorting, searching and counting: ``sort``, ``argsort``, ``lexsort``, ``partition``,
``searchsorted``, ``digitize``, ``interp``, ``nonzero`` and its relatives.

Two primitives do the work (``ops/sorting.py``): a stable ``argsort`` along the last axis and a
binary search. Sorted values are a gather by ``argsort``'s indices, so the derivative of
``sort`` is that permutation: with ties, each of the equal inputs receives the gradient of the
output position the stable order gives it (the first occurrence the first position), as in JAX.
Sorting is always stable (``kind`` is accepted and does not change the result), NaNs last.

Results whose shape depends on values (``nonzero``, ``argwhere``, ``flatnonzero``,
``extract``, one-argument ``where``) need concrete values: they work eagerly and under
``grad``; under ``jit`` pass ``size=`` (and ``fill_value=``), JAX's extension, for a result of
that many entries (the first ones, padded).

>>> import funcgrad as fg
>>> fg.grad(lambda x: sort(x)[0] + 2 * sort(x)[2])(np.array([3.0, 1.0, 2.0])).tolist()
[2.0, 1.0, 0.0]
"""
import builtins

import numpy as np

from ..core.tracing import Tracer
from ..errors import ConcretizationError, user_frame
from ..ops import shape as sh
from ..ops import sorting as so
from . import _math
from ._base import _ret, astype
from ._core import asarray_or_tracer, cast, normalize_axis, result_dtype
from ._indexing import known_value
from ._math import (
    cumsum,
    floor_divide,
    less,
    logical_and,
    maximum,
    minimum,
    mod,
    not_equal,
    subtract,
    sum,
)
from ._shapes import (
    broadcast_to,
    concatenate,
    moveaxis,
    ravel,
    reshape,
    stack,
    take,
    take_along_axis,
)

__all__ = ["sort", "sort_complex", "argsort", "lexsort", "partition", "argpartition",
           "searchsorted", "digitize", "interp", "nonzero", "where", "argwhere", "flatnonzero",
           "extract", "count_nonzero"]

INDEX = np.int64
_KINDS = (None, "quicksort", "mergesort", "heapsort", "stable")


# --- values a result's shape depends on ----------------------------------------------------------

def known(x, what, way_out="Pass size=N (and fill_value=...) for a result of N entries, "
                            "padded, as in JAX"):
    """The NumPy value of ``x``; under ``jit``/``make_ir`` (no value), a ConcretizationError
    saying that ``what``'s result shape needs it, and ``way_out``: how to fix the shape."""
    value = known_value(x)
    if value is None:
        # x may be a mask computed from the user's argument: its aval would mislead
        raise ConcretizationError(
            f"{what} (at {user_frame()}): the shape of its result depends on the values of "
            f"its argument, which fg.jit, fg.vmap and fg.make_ir trace without knowing them. "
            f"{way_out}; or call it outside the transformed function.")
    return value


def true_positions(mask, size, what):
    """Positions of the true entries of the 1-d boolean ``mask``, and which of them are real.

    Without ``size``: all of them (the mask's values must be known, see ``known``) and
    ``None``. With it: exactly ``size`` positions, the first ``size`` true ones padded with
    0, and a boolean array marking the real ones (traceable under ``jit``)."""
    if size is None:
        return np.flatnonzero(known(mask, what)).astype(INDEX), None
    size = _size(size)
    n = mask.shape[0]
    rank = cumsum(mask) if n else np.zeros(0, INDEX)  # 1-based rank of each true entry
    # each true entry writes its position to its slot; the others, and true entries past
    # ``size``, to a slot past the end that is dropped
    slot = _math.where(logical_and(mask, less(rank, size + 1)), rank - 1, size)
    pos = sh.scatter_p.bind(np.zeros(size + 1, INDEX), slot, np.arange(n, dtype=INDEX), axis=0)
    count = rank[-1] if n else 0
    return pos[:size], less(np.arange(size, dtype=INDEX), count)


def _size(size):
    if not isinstance(size, (int, np.integer)) or isinstance(size, bool) or size < 0:
        raise TypeError(f"size must be a non-negative int (a static value), got {size!r} "
                        f"(at {user_frame()})")
    return int(size)


def padded(x, valid, fill_value):
    """``x`` with its entries past the real ones (``valid`` false, along axis 0) replaced by
    ``fill_value``."""
    if valid is None:
        return x
    fill = cast(fill_value, x.dtype) if isinstance(fill_value, (bool, int, float)) \
        else astype(asarray_or_tracer(fill_value), x.dtype)
    v = reshape(valid, valid.shape + (1,) * (x.ndim - 1))
    return _math.where(v, x, fill)


# --- sorting ------------------------------------------------------------------------------------

def _check_sort_args(name, kind, order):
    if order is not None:
        raise NotImplementedError(f"{name}(..., order=...): structured (record) arrays are not "
                                  f"supported by funcgrad (at {user_frame()}); sort by a field "
                                  "with argsort or lexsort on plain arrays instead.")
    if kind not in _KINDS and kind != "introselect":
        raise ValueError(f"{name}: sort kind must be one of {_KINDS[1:]}, got {kind!r} "
                         f"(at {user_frame()})")


def argsort(a, axis=-1, kind=None, order=None, *, stable=None):
    """Indices that sort ``a`` along ``axis`` (flattened if None), like ``np.argsort``.

    Always stable: equal values keep their order (``kind`` and ``stable`` are accepted and
    change nothing), NaNs sort last. Integer indices, with no derivative.

    >>> argsort(np.array([3.0, 1.0, 2.0, 1.0])).tolist()
    [1, 3, 2, 0]
    """
    _check_sort_args("argsort", kind, order)
    a = asarray_or_tracer(a)
    if axis is None or a.ndim == 0:
        a, axis = ravel(a), -1
    axis = normalize_axis(axis, a.ndim)
    return moveaxis(so.argsort_p.bind(moveaxis(a, axis, -1)), -1, axis)


def sort(a, axis=-1, kind=None, order=None, *, stable=None):
    """``a`` sorted along ``axis`` (flattened if None), like ``np.sort``; NaNs last.

    Its derivative is the permutation that sorts ``a`` (a gather by ``argsort(a)``); equal
    values each get the gradient of the position the stable order gives them.

    >>> sort(np.array([[3.0, 1.0], [0.0, 2.0]]), axis=0).tolist()
    [[0.0, 1.0], [3.0, 2.0]]
    """
    _check_sort_args("sort", kind, order)
    a = asarray_or_tracer(a)
    if axis is None:
        a, axis = ravel(a), -1
    _need_axes("sort", a, axis)
    if not isinstance(a, Tracer):  # nothing to differentiate: NumPy's (much faster) sort
        return np.sort(a, axis, kind="stable")
    return _ret(take_along_axis(a, argsort(a, axis), axis))


def sort_complex(a):
    """``a`` sorted along its last axis as complex numbers (by real part, then imaginary part),
    like ``np.sort_complex``: the result is complex even for real input.

    >>> sort_complex(np.array([3.0, 1.0, 2.0])).tolist()
    [(1+0j), (2+0j), (3+0j)]
    """
    a = asarray_or_tracer(a)
    if a.dtype.kind == "c":
        return sort(a)
    # NumPy's choice, not type promotion: small integers to complex64, the rest to complex128
    small = a.dtype.kind in "biu" and a.dtype.itemsize <= 2
    return sort(astype(a, np.complex64 if small else np.complex128))


def _need_axes(name, a, axis):
    if a.ndim == 0:
        raise np.exceptions.AxisError(f"{name}: axis {axis} is out of bounds for an array of "
                                      f"dimension 0 (at {user_frame()})")


def lexsort(keys, axis=-1):
    """Indices that sort by several keys, the last one primary, like ``np.lexsort``.

    >>> lexsort([np.array([1, 0, 2]), np.array([1, 1, 0])]).tolist()
    [2, 1, 0]
    """
    if isinstance(keys, (list, tuple)):
        keys = [asarray_or_tracer(k) for k in keys]
    else:
        keys = asarray_or_tracer(keys)
        keys = [keys[i] for i in range(keys.shape[0])] if keys.ndim else [keys]
    if not keys:
        raise TypeError(f"lexsort: need a sequence of keys with len > 0 (at {user_frame()})")
    if len({k.shape for k in keys}) > 1:
        raise ValueError(f"lexsort: all keys need to be the same shape, got "
                         f"{', '.join(str(k.shape) for k in keys)} (at {user_frame()})")
    if keys[0].ndim == 0:
        return _ret(np.zeros((), INDEX))
    # stable sorts from the least significant key to the most significant one
    idx = argsort(keys[0], axis)
    for k in keys[1:]:
        idx = take_along_axis(idx, argsort(take_along_axis(k, idx, axis), axis), axis)
    return idx


def _check_kth(a, kth, axis):
    n = a.shape[normalize_axis(axis, a.ndim)]
    if isinstance(kth, Tracer):  # the result (fully sorted) does not depend on it
        return
    for k in np.ravel(kth):
        if not isinstance(k, (int, np.integer)):
            raise TypeError(f"partition index must be an integer, got {k!r} (at {user_frame()})")
        if not -n <= k < n:
            raise ValueError(f"kth(={k}) out of bounds ({n}) (at {user_frame()})")


def partition(a, kth, axis=-1, kind="introselect", order=None):
    """``a`` partitioned around its ``kth`` element(s) along ``axis``, like ``np.partition``.

    NumPy leaves the order inside each part unspecified; here every part is sorted (the
    result is ``sort(a, axis)``, a valid partition for every ``kth``). Derivative as ``sort``.

    >>> partition(np.array([3.0, 4.0, 2.0, 1.0]), 2).tolist()
    [1.0, 2.0, 3.0, 4.0]
    """
    _check_sort_args("partition", kind, order)
    a = asarray_or_tracer(a)
    if axis is None:
        a, axis = ravel(a), -1
    _need_axes("partition", a, axis)
    _check_kth(a, kth, axis)
    return sort(a, axis)


def argpartition(a, kth, axis=-1, kind="introselect", order=None):
    """Indices that partition ``a`` around its ``kth`` element(s), like ``np.argpartition``:
    here the indices that sort it (see ``partition``).

    >>> argpartition(np.array([3.0, 4.0, 2.0, 1.0]), 1).tolist()
    [3, 2, 0, 1]
    """
    _check_sort_args("argpartition", kind, order)
    a = asarray_or_tracer(a)
    if axis is None or a.ndim == 0:
        a, axis = ravel(a), -1
    _check_kth(a, kth, axis)
    return argsort(a, axis)


# --- searching ----------------------------------------------------------------------------------

def searchsorted(a, v, side="left", sorter=None):
    """Where ``v`` would be inserted into the sorted 1-d ``a`` to keep it sorted, like
    ``np.searchsorted`` (``side="left"``: before equal values, ``"right"``: after). NaNs sort
    last. Integer indices, with no derivative.

    >>> searchsorted(np.array([1.0, 2.0, 2.0, 3.0]), np.array([2.0, 0.5, 9.0])).tolist()
    [1, 0, 4]
    """
    a, v = asarray_or_tracer(a), asarray_or_tracer(v)
    if a.ndim != 1:
        raise ValueError(f"searchsorted: the sorted array must be 1-d, got shape {a.shape} "
                         f"(at {user_frame()})")
    if side not in ("left", "right"):
        raise ValueError(f"searchsorted: side must be 'left' or 'right', got {side!r} "
                         f"(at {user_frame()})")
    if sorter is not None:
        a = take(a, sorter)
    dt = result_dtype(a, v)
    a, v = cast(a, dt), cast(v, dt)
    out = so.searchsorted_p.bind(a, reshape(v, (v.size,)), side=side)
    return _ret(reshape(out, v.shape))


def digitize(x, bins, right=False):
    """Index of the bin of each ``x``, like ``np.digitize``: ``bins[i-1] <= x < bins[i]`` for
    increasing ``bins`` (``<`` and ``<=`` swap with ``right=True``; decreasing bins reversed).
    Integer indices, with no derivative. Traced bins (under ``jit`` or ``vmap``) cannot be
    checked for monotonicity: their first and last entries say which way they go, as in JAX.

    >>> digitize(np.array([0.5, 1.0, 2.5]), np.array([1.0, 2.0, 3.0])).tolist()
    [0, 1, 2]
    """
    x, bins = asarray_or_tracer(x), asarray_or_tracer(bins)
    if bins.ndim != 1:
        raise ValueError(f"digitize: bins must be 1-d, got shape {bins.shape} "
                         f"(at {user_frame()})")
    side = "left" if right else "right"

    def decreasing():
        return bins.shape[0] - searchsorted(bins[::-1], x, side)

    value = known_value(bins)
    if value is None:  # traced bins: their first and last say which way they go
        return _math.where(bins[-1] >= bins[0], searchsorted(bins, x, side), decreasing())
    steps = np.diff(value)
    if np.all(steps >= 0):
        return searchsorted(bins, x, side)
    if np.all(steps <= 0):
        return decreasing()
    raise ValueError(f"digitize: bins must be monotonically increasing or decreasing "
                     f"(at {user_frame()})")


def interp(x, xp, fp, left=None, right=None, period=None):
    """Piecewise-linear interpolation through the points ``(xp, fp)`` (``xp`` increasing), at
    ``x``, like ``np.interp`` (float64 results, as NumPy). Differentiable in ``x``, ``xp`` and
    ``fp``; at a knot, the derivative in ``x`` is the slope of the segment to its right.

    >>> interp(np.array([0.5, 1.5, 3.0]), np.array([0.0, 1.0, 2.0]), np.array([0.0, 10.0, 0.0]))
    array([5., 5., 0.])
    """
    x, xp, fp = (astype(asarray_or_tracer(v), np.float64) for v in (x, xp, fp))
    if xp.ndim != 1 or fp.ndim != 1:
        raise ValueError(f"interp: xp and fp must be 1-d, got shapes {xp.shape} and {fp.shape} "
                         f"(at {user_frame()})")
    if xp.shape != fp.shape:
        raise ValueError(f"interp: fp and xp are not of the same length ({fp.shape[0]} and "
                         f"{xp.shape[0]}) (at {user_frame()})")
    if xp.shape[0] == 0:
        raise ValueError(f"interp: array of sample points is empty (at {user_frame()})")
    if period is not None:
        x, xp, fp = _periodic(x, xp, fp, period)
        left = right = None
    n = xp.shape[0]
    if n == 1:  # NumPy: fp[0] everywhere but left and right of xp[0] (NaN included)
        out = broadcast_to(fp[0], x.shape)
    else:
        j = minimum(maximum(searchsorted(xp, x, "right") - 1, 0), n - 2)
        x0, x1, f0, f1 = take(xp, j), take(xp, j + 1), take(fp, j), take(fp, j + 1)
        dx = subtract(x1, x0)
        slope = (f1 - f0) / _math.where(dx == 0, 1.0, dx)  # equal knots: never selected
        out = _math.where(x == xp[-1], fp[-1], slope * (x - x0) + f0)
    out = _math.where(x < xp[0], fp[0] if left is None else left, out)
    return _ret(_math.where(x > xp[-1], fp[-1] if right is None else right, out))


def _periodic(x, xp, fp, period):
    """NumPy's periodic interpolation: everything modulo the period, the points sorted and
    extended by one period on each side."""
    if not isinstance(period, Tracer) and period == 0:
        raise ValueError(f"interp: period must be a non-zero value (at {user_frame()})")
    period = _math.abs(period)
    x, xp = mod(x, period), mod(xp, period)
    order = argsort(xp)
    xp, fp = take(xp, order), take(fp, order)
    xp = concatenate([xp[-1:] - period, xp, xp[:1] + period])
    fp = concatenate([fp[-1:], fp, fp[:1]])
    return x, xp, fp


# --- nonzero and relatives ------------------------------------------------------------------------

def _fills(fill_value, ndim):
    if fill_value is None:
        return (0,) * ndim
    if np.ndim(fill_value) == 0 and not isinstance(fill_value, (tuple, list)):
        return (fill_value,) * ndim
    fills = tuple(fill_value)
    if len(fills) != ndim:
        raise ValueError(f"nonzero: fill_value must be a scalar or a tuple of {ndim} values "
                         f"(one per axis), got {fill_value!r} (at {user_frame()})")
    return fills


def nonzero(a, *, size=None, fill_value=None):
    """Indices of the nonzero entries of ``a``, one array per axis, like ``np.nonzero``.

    Needs concrete values, unless ``size`` is given (JAX's extension): then exactly ``size``
    entries per axis, the first ones, padded with ``fill_value`` (0 by default, or one value
    per axis), which works under ``jit``.

    >>> [i.tolist() for i in nonzero(np.array([[0, 3], [4, 0]]))]
    [[0, 1], [1, 0]]
    >>> nonzero(np.array([0.0, 2.0, 3.0]), size=3, fill_value=-1)[0].tolist()
    [1, 2, -1]
    """
    a = asarray_or_tracer(a)
    if a.ndim == 0:
        raise ValueError(f"nonzero: calling nonzero on 0d arrays is not allowed; use "
                         f"nonzero(atleast_1d(x)) instead (at {user_frame()})")
    if size is None:
        if fill_value is not None:
            raise ValueError(f"nonzero: fill_value needs size= (at {user_frame()})")
        return tuple(np.nonzero(known(a, "nonzero")))
    pos, valid = true_positions(not_equal(ravel(a), 0), size, "nonzero")
    fills = _fills(fill_value, a.ndim)
    coords, stride = [], 1
    for n in reversed(a.shape):
        coords.append(mod(floor_divide(pos, stride), n) if n else pos)
        stride *= builtins.max(n, 1)
    return tuple(padded(c, valid, f) for c, f in zip(reversed(coords), fills))


def where(condition, x=None, y=None, /, *, size=None, fill_value=None):
    """``x`` where ``condition`` holds, else ``y`` (broadcasting all three), like
    ``np.where``; with only ``condition``, ``nonzero(condition)`` (``size`` and
    ``fill_value`` as there).

    >>> where(np.array([True, False]), 1.0, 2.0).tolist()
    [1.0, 2.0]
    """
    if x is None and y is None:
        return nonzero(condition, size=size, fill_value=fill_value)
    if x is None or y is None:
        raise ValueError(f"where: either both or neither of x and y should be given "
                         f"(at {user_frame()})")
    if size is not None or fill_value is not None:
        raise ValueError(f"where: size and fill_value go with the one-argument form only "
                         f"(at {user_frame()})")
    return _math.where(condition, x, y)


def argwhere(a, *, size=None, fill_value=None):
    """Indices of the nonzero entries, one row per entry, like ``np.argwhere`` (``size`` and
    ``fill_value`` as in ``nonzero``).

    >>> argwhere(np.array([[0, 3], [4, 0]])).tolist()
    [[0, 1], [1, 0]]
    """
    a = asarray_or_tracer(a)
    if size is None and fill_value is None:
        return np.argwhere(known(a, "argwhere"))
    out = stack(nonzero(a if a.ndim else reshape(a, (1,)), size=size, fill_value=fill_value),
                axis=1)
    return out if a.ndim else out[:, :0]


def flatnonzero(a, *, size=None, fill_value=None):
    """Indices of the nonzero entries of ``a`` flattened, like ``np.flatnonzero``
    (``size`` and ``fill_value`` as in ``nonzero``).

    >>> flatnonzero(np.array([[0, 3], [4, 0]])).tolist()
    [1, 2]
    """
    return nonzero(ravel(asarray_or_tracer(a)), size=size, fill_value=fill_value)[0]


def extract(condition, arr, *, size=None, fill_value=0):
    """The entries of ``arr`` (flattened) where ``condition`` (flattened) is nonzero, like
    ``np.extract``; differentiable in ``arr``. ``size`` and ``fill_value`` as in ``nonzero``.

    >>> extract(np.array([1, 0, 1]), np.array([5.0, 6.0, 7.0])).tolist()
    [5.0, 7.0]
    """
    mask = not_equal(ravel(asarray_or_tracer(condition)), 0)
    pos, valid = true_positions(mask, size, "extract")
    return padded(take(ravel(asarray_or_tracer(arr)), pos), valid, fill_value)


def count_nonzero(a, axis=None, *, keepdims=False):
    """The number of nonzero entries along ``axis``, like ``np.count_nonzero``.

    >>> int(count_nonzero(np.array([[0, 3], [4, 5]])))
    3
    """
    return sum(not_equal(asarray_or_tracer(a), 0), axis=axis, keepdims=keepdims)
