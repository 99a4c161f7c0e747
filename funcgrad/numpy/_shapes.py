"""Shape manipulation functions of funcgrad.numpy."""
import builtins

import numpy as np

from ..core.tracing import Tracer
from ..ops import shape as sh
from ._base import _ret, astype
from ._core import (
    asarray_or_tracer,
    broadcast_shapes,
    normalize_axes,
    normalize_axis,
    result_dtype,
)

# --- shapes -----------------------------------------------------------------------------------

def reshape(a, newshape=None, order="C", shape=None):
    """``np.reshape`` (C order), with one ``-1`` allowed.

    >>> reshape(np.arange(6.0), (2, -1)).shape
    (2, 3)
    """
    if order != "C":
        raise NotImplementedError("funcgrad.numpy.reshape supports order='C' only")
    a = asarray_or_tracer(a)
    newshape = shape if newshape is None else newshape
    if isinstance(newshape, (int, np.integer)):
        newshape = (int(newshape),)
    newshape = tuple(int(d) for d in newshape)
    if newshape.count(-1) == 1:
        known = 1
        for d in newshape:
            if d != -1:
                known *= d
        missing = a.size // known if known else 0
        newshape = tuple(missing if d == -1 else d for d in newshape)
    return _ret(sh.reshape(a, newshape))


def ravel(a, order="C"):
    """Flatten to 1-D.

    >>> ravel(np.ones((2, 2))).shape
    (4,)
    """
    return reshape(a, (-1,), order)


def transpose(a, axes=None):
    """``np.transpose``.

    >>> transpose(np.ones((2, 3))).shape
    (3, 2)
    """
    a = asarray_or_tracer(a)
    if axes is None:
        axes = tuple(reversed(range(a.ndim)))
    return _ret(sh.transpose(a, tuple(normalize_axis(x, a.ndim) for x in axes)))


def expand_dims(a, axis):
    """Insert length-1 axes.

    >>> expand_dims(np.ones(3), 0).shape
    (1, 3)
    """
    a = asarray_or_tracer(a)
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    nd = a.ndim + len(axes)
    axes = sorted(normalize_axis(x, nd) for x in axes)
    shape = list(a.shape)
    for x in axes:
        shape.insert(x, 1)
    return _ret(sh.reshape(a, tuple(shape)))


def squeeze(a, axis=None):
    """Remove length-1 axes.

    >>> squeeze(np.ones((1, 3, 1))).shape
    (3,)
    """
    a = asarray_or_tracer(a)
    axes = (tuple(i for i, d in enumerate(a.shape) if d == 1) if axis is None
            else normalize_axes(axis, a.ndim))
    for i in axes:
        if a.shape[i] != 1:
            raise ValueError(f"cannot select an axis to squeeze out which has size not equal to"
                             f" one (axis {i} of shape {a.shape})")
    return _ret(sh.reshape(a, tuple(d for i, d in enumerate(a.shape) if i not in axes)))


def broadcast_to(array, shape):
    """``np.broadcast_to``.

    >>> broadcast_to(np.ones(3), (2, 3)).shape
    (2, 3)
    """
    a = asarray_or_tracer(array)
    shape = tuple(shape)
    if broadcast_shapes("broadcast_to", a, np.empty(shape, bool)) != shape:
        raise ValueError(f"cannot broadcast an array of shape {a.shape} to shape {shape}")
    nd = len(shape)
    return _ret(sh.broadcast_in_dim(a, shape, tuple(range(nd - a.ndim, nd))))


def concatenate(arrays, axis=0):
    """``np.concatenate``.

    >>> concatenate([np.ones(2), np.zeros(1)]).tolist()
    [1.0, 1.0, 0.0]
    """
    xs = [asarray_or_tracer(x) for x in arrays]
    if axis is None:
        xs, axis = [ravel(x) for x in xs], 0
    dt = result_dtype(*xs)
    xs = [astype(x, dt) for x in xs]
    axis = normalize_axis(axis, xs[0].ndim)
    return _ret(sh.concatenate(xs, axis))


def stack(arrays, axis=0):
    """``np.stack``.

    >>> stack([np.ones(2), np.zeros(2)]).shape
    (2, 2)
    """
    xs = [asarray_or_tracer(x) for x in arrays]
    axis = normalize_axis(axis, xs[0].ndim + 1)
    return concatenate([expand_dims(x, axis) for x in xs], axis)


def moveaxis(a, source, destination):
    """``np.moveaxis``.

    >>> moveaxis(np.ones((2, 3, 4)), 0, -1).shape
    (3, 4, 2)
    """
    a = asarray_or_tracer(a)
    src = normalize_axes(source, a.ndim) if isinstance(source, (tuple, list)) else (
        normalize_axis(source, a.ndim),)
    dst = [normalize_axis(d, a.ndim) for d in (destination if isinstance(
        destination, (tuple, list)) else (destination,))]
    if isinstance(source, (tuple, list)):
        src = [normalize_axis(s, a.ndim) for s in source]
    order = [i for i in range(a.ndim) if i not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return transpose(a, order)




def swapaxes(a, axis1, axis2):
    """Exchange two axes.

    >>> swapaxes(np.ones((2, 3)), 0, 1).shape
    (3, 2)
    """
    a = asarray_or_tracer(a)
    perm = list(range(a.ndim))
    i, j = normalize_axis(axis1, a.ndim), normalize_axis(axis2, a.ndim)
    perm[i], perm[j] = perm[j], perm[i]
    return transpose(a, perm)


def atleast_1d(a):
    a = asarray_or_tracer(a)
    return reshape(a, (1,)) if a.ndim == 0 else a


def atleast_2d(a):
    a = atleast_1d(a)
    return reshape(a, (1,) + a.shape) if a.ndim == 1 else a


def vstack(tup):
    """Stack arrays vertically (rows).

    >>> vstack([np.ones(2), np.zeros(2)]).shape
    (2, 2)
    """
    return concatenate([atleast_2d(a) for a in tup], axis=0)


def hstack(tup):
    """Stack arrays horizontally (columns; 1-D arrays are joined end to end).

    >>> hstack([np.ones(2), np.zeros(1)]).shape
    (3,)
    """
    xs = [atleast_1d(a) for a in tup]
    return concatenate(xs, axis=0 if xs[0].ndim == 1 else 1)


def _slice_axis(a, axis, start, stop, step=1):
    nd = a.ndim
    starts, limits = [0] * nd, list(a.shape)
    starts[axis], limits[axis] = start, stop
    steps = [1] * nd
    steps[axis] = step
    if (start, stop, step) == (0, a.shape[axis], 1):
        return a
    return sh.slice_p.bind(a, start=tuple(starts), limit=tuple(limits), step=tuple(steps))


def split(ary, indices_or_sections, axis=0):
    """Split into sub-arrays along ``axis`` (equal sections, or at the given indices).

    >>> [x.tolist() for x in split(np.arange(4.0), 2)]
    [[0.0, 1.0], [2.0, 3.0]]
    """
    a = asarray_or_tracer(ary)
    axis = normalize_axis(axis, a.ndim)
    n = a.shape[axis]
    if isinstance(indices_or_sections, (int, np.integer)):
        k = int(indices_or_sections)
        if n % k:
            raise ValueError(f"array split does not result in an equal division: {n} into {k}")
        bounds = [i * (n // k) for i in range(k + 1)]
    else:
        bounds = [0] + [builtins.min(int(i), n) for i in indices_or_sections] + [n]
    return [_slice_axis(a, axis, lo, builtins.max(lo, hi)) for lo, hi in zip(bounds[:-1],
                                                                             bounds[1:])]


def array_split(ary, indices_or_sections, axis=0):
    a = asarray_or_tracer(ary)
    if isinstance(indices_or_sections, (int, np.integer)):
        n, k = a.shape[normalize_axis(axis, a.ndim)], int(indices_or_sections)
        sizes = [n // k + (1 if i < n % k else 0) for i in range(k)]
        return split(a, list(np.cumsum(sizes)[:-1]), axis)
    return split(a, indices_or_sections, axis)


def flip(m, axis=None):
    """Reverse the order of entries along ``axis`` (all axes if None).

    >>> flip(np.arange(3.0)).tolist()
    [2.0, 1.0, 0.0]
    """
    a = asarray_or_tracer(m)
    axes = normalize_axes(axis, a.ndim)
    return _ret(sh.rev_p.bind(a, axes=axes)) if axes else a


def roll(a, shift, axis=None):
    """Roll entries along ``axis`` (of the flattened array if None).

    >>> roll(np.arange(4.0), 1).tolist()
    [3.0, 0.0, 1.0, 2.0]
    """
    a = asarray_or_tracer(a)
    if axis is None:
        return reshape(roll(ravel(a), shift, 0), a.shape)
    shifts = shift if isinstance(shift, (tuple, list)) else (shift,)
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    if len(shifts) == 1 and len(axes) > 1:
        shifts = shifts * len(axes)
    for s, ax in zip(shifts, axes):
        ax = normalize_axis(ax, a.ndim)
        n = a.shape[ax]
        if n == 0:
            continue
        s = int(s) % n
        if s:
            a = concatenate([_slice_axis(a, ax, n - s, n), _slice_axis(a, ax, 0, n - s)], ax)
    return a


def tile(A, reps):
    """Repeat the whole array ``reps`` times along each axis.

    >>> tile(np.array([1.0, 2.0]), 2).tolist()
    [1.0, 2.0, 1.0, 2.0]
    """
    a = asarray_or_tracer(A)
    reps = (reps,) if isinstance(reps, (int, np.integer)) else tuple(reps)
    nd = builtins.max(a.ndim, len(reps))
    reps = (1,) * (nd - len(reps)) + reps
    a = reshape(a, (1,) * (nd - a.ndim) + a.shape)
    # broadcast to (r0, n0, r1, n1, ...) then merge each pair
    inter = []
    for r, n in zip(reps, a.shape):
        inter += [r, n]
    b = sh.broadcast_in_dim(a, tuple(inter), tuple(range(1, 2 * nd, 2)))
    return reshape(b, tuple(r * n for r, n in zip(reps, a.shape)))


def repeat(a, repeats, axis=None):
    """Repeat each entry ``repeats`` times along ``axis`` (flattened if None).

    >>> repeat(np.array([1.0, 2.0]), 2).tolist()
    [1.0, 1.0, 2.0, 2.0]
    """
    a = asarray_or_tracer(a)
    if axis is None:
        a, axis = ravel(a), 0
    axis = normalize_axis(axis, a.ndim)
    idx = np.repeat(np.arange(a.shape[axis]), repeats)
    return _ret(sh.take_p.bind(a, idx, axis=axis))


def pad(array, pad_width, mode="constant", constant_values=0):
    """Pad with a constant (``mode="constant"`` only).

    >>> pad(np.array([1.0, 2.0]), 1).tolist()
    [0.0, 1.0, 2.0, 0.0]
    """
    if mode != "constant":
        raise NotImplementedError(f"funcgrad.numpy.pad supports mode='constant' only, got "
                                  f"{mode!r}")
    a = asarray_or_tracer(array)
    pw = np.broadcast_to(np.asarray(pad_width, dtype=np.int64), (a.ndim, 2))
    config = tuple((int(lo), int(hi), 0) for lo, hi in pw)
    out = sh.pad_p.bind(a, config=config)
    if not (isinstance(constant_values, (int, float)) and constant_values == 0):
        mask = sh.pad_p.bind(np.ones(a.shape, a.dtype), config=config)
        out = out + (1 - mask) * cast_value(constant_values, a.dtype)
    return _ret(out)


def cast_value(v, dtype):
    return np.asarray(v, dtype) if not isinstance(v, Tracer) else v


def take(a, indices, axis=None):
    """Entries of ``a`` at integer ``indices`` along ``axis`` (flattened if None).

    >>> take(np.array([10.0, 20.0, 30.0]), [2, 0]).tolist()
    [30.0, 10.0]
    """
    a = asarray_or_tracer(a)
    if axis is None:
        a, axis = ravel(a), 0
    axis = normalize_axis(axis, a.ndim)
    from ._advanced import normalize_indices
    return _ret(sh.take_p.bind(a, normalize_indices(indices, a.shape[axis], axis), axis=axis))


def take_along_axis(arr, indices, axis):
    """``out[..., i, ...] = arr[..., indices[..., i, ...], ...]`` along ``axis``.

    >>> take_along_axis(np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[1], [0]]), 1).tolist()
    [[2.0], [3.0]]
    """
    a = asarray_or_tracer(arr)
    idx = asarray_or_tracer(indices)
    if axis is None:
        return take(ravel(a), ravel(idx), 0)
    axis = normalize_axis(axis, a.ndim)
    from ._advanced import normalize_indices
    shape = np.broadcast_shapes(
        tuple(d for i, d in enumerate(a.shape) if i != axis),
        tuple(d for i, d in enumerate(idx.shape) if i != axis))
    full = shape[:axis] + (idx.shape[axis],) + shape[axis:]
    idx = normalize_indices(broadcast_to(idx, full), a.shape[axis], axis)
    a = broadcast_to(a, shape[:axis] + (a.shape[axis],) + shape[axis:])
    # linear index into a flattened array: the other axes' positions, plus idx along axis
    strides = np.cumprod((a.shape[1:] + (1,))[::-1])[::-1]
    lin = idx * int(strides[axis])
    for ax in range(a.ndim):
        if ax != axis:
            pos = np.arange(full[ax]).reshape([-1 if i == ax else 1 for i in range(a.ndim)])
            lin = lin + pos * int(strides[ax])
    return _ret(sh.take_p.bind(ravel(a), lin, axis=0))


def tril(m, k=0):
    """Lower triangle (entries above the ``k``-th diagonal zeroed).

    >>> tril(np.ones((2, 2))).tolist()
    [[1.0, 0.0], [1.0, 1.0]]
    """
    from ._math import where
    a = asarray_or_tracer(m)
    mask = np.tri(a.shape[-2], a.shape[-1], k, dtype=bool)
    return where(mask, a, np.zeros((), a.dtype))


def triu(m, k=0):
    """Upper triangle (entries below the ``k``-th diagonal zeroed).

    >>> triu(np.ones((2, 2))).tolist()
    [[1.0, 1.0], [0.0, 1.0]]
    """
    from ._math import where
    a = asarray_or_tracer(m)
    mask = ~np.tri(a.shape[-2], a.shape[-1], k - 1, dtype=bool)
    return where(mask, a, np.zeros((), a.dtype))


def diagonal(a, offset=0, axis1=0, axis2=1):
    """The ``offset`` diagonal over ``axis1``, ``axis2`` (moved to the last axis, like NumPy).

    >>> diagonal(np.arange(4.0).reshape(2, 2)).tolist()
    [0.0, 3.0]
    """
    a = asarray_or_tracer(a)
    i, j = normalize_axis(axis1, a.ndim), normalize_axis(axis2, a.ndim)
    rest = [x for x in range(a.ndim) if x not in (i, j)]
    a = transpose(a, rest + [i, j])
    n, m = a.shape[-2], a.shape[-1]
    rows = np.arange(builtins.max(0, -offset), builtins.min(n, m - offset))
    lin = rows * m + rows + offset
    flat = reshape(a, a.shape[:-2] + (n * m,))
    return _ret(sh.take_p.bind(flat, lin.astype(np.int64), axis=flat.ndim - 1))


def diag(v, k=0):
    """Diagonal of a matrix, or a matrix with ``v`` on its ``k``-th diagonal.

    >>> diag(np.array([1.0, 2.0])).tolist()
    [[1.0, 0.0], [0.0, 2.0]]
    """
    v = asarray_or_tracer(v)
    if v.ndim == 2:
        return diagonal(v, k)
    if v.ndim != 1:
        raise ValueError("diag: input must be 1-d or 2-d")
    n = v.shape[0] + builtins.abs(k)
    rows = np.arange(v.shape[0]) + builtins.max(0, -k)
    lin = (rows * n + rows + k).astype(np.int64)
    zeros = sh.zeros_like_shape((n * n,), v.dtype)
    return reshape(sh.scatter_add_p.bind(zeros, lin, v, axis=0), (n, n))


def trace(a, offset=0, axis1=0, axis2=1, dtype=None):
    """Sum of the ``offset`` diagonal.

    >>> float(trace(np.eye(3)))
    3.0
    """
    from ._math import sum
    return sum(diagonal(a, offset, axis1, axis2), axis=-1, dtype=dtype)
