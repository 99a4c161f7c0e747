"""Shape manipulation functions of funcgrad.numpy: reshaping, permuting, joining, splitting,
repeating, padding, gathering and the triangles and diagonals of matrices.

Everything is composed from the shape primitives (``ops/shape.py``). Shapes are checked here,
before anything is bound, so a mismatch reads the same eagerly, under ``grad`` and under
``jit``: the op, the shapes and the user's file:line.
"""
import builtins

import numpy as np

from ..core.tracing import Tracer
from ..errors import user_frame
from ..ops import shape as sh
from ._base import _ret, astype
from ._core import (
    asarray_or_tracer,
    broadcast_shapes,
    normalize_axes,
    normalize_axis,
    result_dtype,
)
from ._indexing import normalize_indices
from ._math import all, equal, sum, where

__all__ = ["reshape", "ravel", "transpose", "permute_dims", "matrix_transpose", "swapaxes",
           "moveaxis", "expand_dims", "squeeze", "broadcast_to", "broadcast_arrays",
           "atleast_1d", "atleast_2d", "atleast_3d", "concatenate", "concat", "stack", "vstack",
           "hstack", "dstack", "column_stack", "split", "array_split", "flip", "fliplr",
           "flipud", "rot90", "roll", "tile", "repeat", "pad", "take", "take_along_axis",
           "tril", "triu", "diagonal", "diag", "diagflat", "trace",
           "rollaxis", "ndim", "shape", "size", "append", "hsplit", "vsplit", "dsplit",
           "row_stack", "unstack", "block", "resize", "insert", "delete", "put_along_axis",
           "fill_diagonal", "array_equal", "array_equiv", "copy"]


def _shapes_text(xs):
    return ", ".join(str(tuple(np.shape(x))) for x in xs)


# --- reshaping and permuting -----------------------------------------------------------------

def reshape(a, shape=None, order="C", *, newshape=None, copy=None):
    """``np.reshape`` (C order), with one ``-1`` allowed.

    >>> reshape(np.arange(6.0), (2, -1)).shape
    (2, 3)
    """
    if order != "C":
        raise NotImplementedError("funcgrad.numpy.reshape supports order='C' only")
    a = asarray_or_tracer(a)
    shape = newshape if shape is None else shape
    if shape is None:
        raise TypeError("reshape() missing the new shape")
    if isinstance(shape, (int, np.integer)):
        shape = (shape,)
    shape = tuple(int(d) for d in shape)
    known = 1
    for d in shape:
        known *= d if d != -1 else 1
    bad = shape.count(-1) > 1 or any(d < -1 for d in shape)
    if not bad and -1 in shape:
        bad = known == 0 or a.size % known != 0
        if not bad:
            shape = tuple(a.size // known if d == -1 else d for d in shape)
    else:
        bad = bad or known != a.size
    if bad:
        raise ValueError(f"reshape: cannot reshape an array of shape {a.shape} "
                         f"({a.size} elements) into shape {shape} (at {user_frame()}). "
                         "The new shape must have the same number of elements; at most one "
                         "dimension may be -1.")
    return _ret(sh.reshape(a, shape))


def ravel(a, order="C"):
    """Flatten to 1-D.

    >>> ravel(np.ones((2, 2))).shape
    (4,)
    """
    return reshape(a, (-1,), order)


def transpose(a, axes=None):
    """``np.transpose``: reverse the axes, or permute them as ``axes`` says.

    >>> transpose(np.ones((2, 3, 4)), (1, 0, 2)).shape
    (3, 2, 4)
    """
    a = asarray_or_tracer(a)
    if axes is None:
        axes = tuple(reversed(range(a.ndim)))
    if len(axes) != a.ndim:
        raise ValueError(f"transpose: axes {tuple(axes)} don't match an array of shape "
                         f"{a.shape} (at {user_frame()})")
    perm = tuple(normalize_axis(x, a.ndim) for x in axes)
    if len(set(perm)) != len(perm):
        raise ValueError(f"transpose: repeated axis in {tuple(axes)} (at {user_frame()})")
    return _ret(sh.transpose(a, perm))


def permute_dims(a, axes=None):
    """The Array API's name for ``transpose``.

    >>> permute_dims(np.ones((2, 3)), (1, 0)).shape
    (3, 2)
    """
    return transpose(a, axes)


def matrix_transpose(x):
    """Swap the last two axes.

    >>> matrix_transpose(np.ones((4, 2, 3))).shape
    (4, 3, 2)
    """
    x = asarray_or_tracer(x)
    if x.ndim < 2:
        raise ValueError(f"matrix_transpose: input must be at least 2-d, got shape {x.shape} "
                         f"(at {user_frame()})")
    return swapaxes(x, -1, -2)


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


def _axis_list(axis, ndim, what):
    axes = [normalize_axis(x, ndim, what) for x in
            (axis if isinstance(axis, (tuple, list)) else (axis,))]
    if len(set(axes)) != len(axes):
        raise ValueError(f"repeated axis in {what} {axis} (at {user_frame()})")
    return axes


def moveaxis(a, source, destination):
    """``np.moveaxis``: move axes to new positions, the others keeping their order.

    >>> moveaxis(np.ones((2, 3, 4)), 0, -1).shape
    (3, 4, 2)
    """
    a = asarray_or_tracer(a)
    src = _axis_list(source, a.ndim, "source")
    dst = _axis_list(destination, a.ndim, "destination")
    if len(src) != len(dst):
        raise ValueError(f"moveaxis: source {source} and destination {destination} must have "
                         f"the same number of elements (at {user_frame()})")
    order = [i for i in range(a.ndim) if i not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return transpose(a, order)


def expand_dims(a, axis):
    """Insert length-1 axes at the positions ``axis`` names in the result.

    >>> expand_dims(np.ones(3), (0, -1)).shape
    (1, 3, 1)
    """
    a = asarray_or_tracer(a)
    nd = a.ndim + (len(axis) if isinstance(axis, (tuple, list)) else 1)
    shape = list(a.shape)
    for x in sorted(_axis_list(axis, nd, "axis")):
        shape.insert(x, 1)
    return _ret(sh.reshape(a, tuple(shape)))


def squeeze(a, axis=None):
    """Remove length-1 axes (all of them, or those named).

    >>> squeeze(np.ones((1, 3, 1))).shape
    (3,)
    """
    a = asarray_or_tracer(a)
    axes = (tuple(i for i, d in enumerate(a.shape) if d == 1) if axis is None
            else normalize_axes(axis, a.ndim))
    for i in axes:
        if a.shape[i] != 1:
            raise ValueError(f"squeeze: cannot select an axis to squeeze out which has size "
                             f"not equal to one (axis {i} of shape {a.shape}, at "
                             f"{user_frame()})")
    return _ret(sh.reshape(a, tuple(d for i, d in enumerate(a.shape) if i not in axes)))


def broadcast_to(array, shape, subok=False):
    """``np.broadcast_to``: stretch length-1 axes and add leading ones.

    >>> broadcast_to(np.ones(3), (2, 3)).shape
    (2, 3)
    """
    a = asarray_or_tracer(array)
    shape = (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(int(d)
                                                                             for d in shape)
    nd = len(shape)
    if nd < a.ndim or any(d not in (1, n) for d, n in zip(a.shape, shape[nd - a.ndim:])):
        raise ValueError(f"broadcast_to: cannot broadcast an array of shape {a.shape} to "
                         f"shape {shape} (at {user_frame()}). Each axis must be 1 or match, "
                         "aligned from the right.")
    if a.shape == shape:
        return a
    return _ret(sh.broadcast_in_dim(a, shape, tuple(range(nd - a.ndim, nd))))


def broadcast_arrays(*args):
    """Broadcast arrays against each other.

    >>> [x.shape for x in broadcast_arrays(np.ones((2, 1)), np.ones(3))]
    [(2, 3), (2, 3)]
    """
    xs = [asarray_or_tracer(x) for x in args]
    shape = broadcast_shapes("broadcast_arrays", *xs)
    return tuple(broadcast_to(x, shape) for x in xs)


def _atleast(nd, arys):
    out = []
    for a in arys:
        a = asarray_or_tracer(a)
        if a.ndim < nd:
            # NumPy's placement: (n,) -> (1, n) -> (1, n, 1); (m, n) -> (m, n, 1)
            shape = {0: (1,) * nd, 1: (1,) + a.shape + (1,) * (nd - 2)}.get(a.ndim,
                                                                            a.shape + (1,))
            a = reshape(a, shape)
        out.append(a)
    return out[0] if len(out) == 1 else tuple(out)


def atleast_1d(*arys):
    """Arrays with at least one axis.

    >>> atleast_1d(1.0).shape
    (1,)
    """
    return _atleast(1, arys)


def atleast_2d(*arys):
    """Arrays with at least two axes (a 1-D array becomes one row).

    >>> atleast_2d(np.ones(3)).shape
    (1, 3)
    """
    return _atleast(2, arys)


def atleast_3d(*arys):
    """Arrays with at least three axes (``(n,)`` becomes ``(1, n, 1)``, ``(m, n)``
    becomes ``(m, n, 1)``).

    >>> atleast_3d(np.ones(3)).shape
    (1, 3, 1)
    """
    return _atleast(3, arys)


# --- joining and splitting ---------------------------------------------------------------------

def concatenate(arrays, axis=0, out=None, *, dtype=None, casting="same_kind"):
    """``np.concatenate``: join arrays along an existing axis.

    >>> concatenate([np.ones(2), np.zeros(1)]).tolist()
    [1.0, 1.0, 0.0]
    """
    if out is not None:
        raise NotImplementedError("concatenate(..., out=...) is not supported (arrays are "
                                  "immutable); use the returned array")
    xs = [asarray_or_tracer(x) for x in arrays]
    if not xs:
        raise ValueError(f"concatenate: need at least one array (at {user_frame()})")
    if axis is None:
        xs, axis = [ravel(x) for x in xs], 0
    if any(x.ndim == 0 for x in xs):
        raise ValueError(f"concatenate: zero-dimensional arrays cannot be concatenated "
                         f"(shapes {_shapes_text(xs)}, at {user_frame()}); use stack")
    axis = normalize_axis(axis, xs[0].ndim)
    first = xs[0].shape
    for x in xs:
        if len(x.shape) != len(first) or any(
                a != b for k, (a, b) in enumerate(zip(x.shape, first)) if k != axis):
            raise ValueError(
                f"concatenate: shapes {_shapes_text(xs)} differ outside axis {axis} (at "
                f"{user_frame()}). The arrays must have the same number of axes and equal "
                "sizes on every axis but the one they are joined along.")
    dt = np.dtype(dtype) if dtype is not None else result_dtype(*xs)
    return _ret(sh.concatenate([astype(x, dt) for x in xs], axis))


concat = concatenate


def stack(arrays, axis=0, out=None, *, dtype=None, casting="same_kind"):
    """``np.stack``: join arrays of one shape along a new axis.

    >>> stack([np.ones(2), np.zeros(2)], axis=1).shape
    (2, 2)
    """
    xs = [asarray_or_tracer(x) for x in arrays]
    if not xs:
        raise ValueError(f"stack: need at least one array (at {user_frame()})")
    if any(x.shape != xs[0].shape for x in xs):
        raise ValueError(f"stack: all input arrays must have the same shape, got "
                         f"{_shapes_text(xs)} (at {user_frame()})")
    axis = normalize_axis(axis, xs[0].ndim + 1)
    return concatenate([expand_dims(x, axis) for x in xs], axis, out, dtype=dtype)


def vstack(tup, *, dtype=None, casting="same_kind"):
    """Stack arrays vertically (rows).

    >>> vstack([np.ones(2), np.zeros(2)]).shape
    (2, 2)
    """
    return concatenate([atleast_2d(a) for a in tup], axis=0, dtype=dtype)


def hstack(tup, *, dtype=None, casting="same_kind"):
    """Stack arrays horizontally (columns; 1-D arrays are joined end to end).

    >>> hstack([np.ones(2), np.zeros(1)]).shape
    (3,)
    """
    xs = [atleast_1d(a) for a in tup]
    return concatenate(xs, axis=0 if xs and xs[0].ndim == 1 else 1, dtype=dtype)


def dstack(tup):
    """Stack arrays along the third axis.

    >>> dstack([np.ones((2, 3)), np.zeros((2, 3))]).shape
    (2, 3, 2)
    """
    return concatenate([atleast_3d(a) for a in tup], axis=2)


def column_stack(tup):
    """Stack 1-D arrays as columns (2-D arrays as they are).

    >>> column_stack([np.ones(3), np.zeros(3)]).shape
    (3, 2)
    """
    xs = [asarray_or_tracer(a) for a in tup]
    return concatenate([reshape(x, (-1, 1)) if x.ndim < 2 else x for x in xs], axis=1)


def _slice_axis(a, axis, start, stop, step=1):
    if (start, stop, step) == (0, a.shape[axis], 1):
        return a
    nd = a.ndim
    starts, limits, steps = [0] * nd, list(a.shape), [1] * nd
    starts[axis], limits[axis], steps[axis] = start, stop, step
    return sh.slice_p.bind(a, start=tuple(starts), limit=tuple(limits), step=tuple(steps))


def split(ary, indices_or_sections, axis=0):
    """Split into sub-arrays along ``axis``: ``k`` equal sections, or at the given indices
    (Python slice semantics between consecutive indices, negatives included).

    >>> [x.tolist() for x in split(np.arange(4.0), [1, -1])]
    [[0.0], [1.0, 2.0], [3.0]]
    """
    a = asarray_or_tracer(ary)
    axis = normalize_axis(axis, a.ndim)
    n = a.shape[axis]
    if isinstance(indices_or_sections, (int, np.integer)):
        k = int(indices_or_sections)
        if k <= 0 or n % k:
            raise ValueError(f"split: array split does not result in an equal division: axis "
                             f"{axis} of length {n} into {k} sections (at {user_frame()}); "
                             "use array_split for unequal sections")
        bounds = [i * (n // k) for i in range(k + 1)]
    else:
        bounds = [0] + [int(i) for i in indices_or_sections] + [n]
    out = []
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        r = range(*slice(lo, hi).indices(n))
        out.append(_ret(_slice_axis(a, axis, r.start, builtins.max(r.start, r.stop))))
    return out


def array_split(ary, indices_or_sections, axis=0):
    """Like ``split``, but ``k`` sections need not divide the axis evenly.

    >>> [len(x) for x in array_split(np.arange(5.0), 2)]
    [3, 2]
    """
    a = asarray_or_tracer(ary)
    if isinstance(indices_or_sections, (int, np.integer)):
        n, k = a.shape[normalize_axis(axis, a.ndim)], int(indices_or_sections)
        if k <= 0:
            raise ValueError(f"array_split: number of sections must be larger than 0, got {k}")
        sizes = [n // k + (1 if i < n % k else 0) for i in range(k)]
        return split(a, [int(c) for c in np.cumsum(sizes)[:-1]], axis)
    return split(a, indices_or_sections, axis)


# --- reordering and repeating ------------------------------------------------------------------

def flip(m, axis=None):
    """Reverse the order of entries along ``axis`` (all axes if None).

    >>> flip(np.arange(3.0)).tolist()
    [2.0, 1.0, 0.0]
    """
    a = asarray_or_tracer(m)
    axes = normalize_axes(axis, a.ndim)
    return _ret(sh.rev_p.bind(a, axes=axes)) if axes else a


def fliplr(m):
    """Reverse the columns (axis 1).

    >>> fliplr(np.eye(2)).tolist()
    [[0.0, 1.0], [1.0, 0.0]]
    """
    return flip(m, 1)


def flipud(m):
    """Reverse the rows (axis 0).

    >>> flipud(np.arange(2.0)).tolist()
    [1.0, 0.0]
    """
    return flip(m, 0)


def rot90(m, k=1, axes=(0, 1)):
    """Rotate by 90 degrees ``k`` times, from the first axis towards the second.

    >>> rot90(np.array([[1.0, 2.0], [3.0, 4.0]])).tolist()
    [[2.0, 4.0], [1.0, 3.0]]
    """
    a = asarray_or_tracer(m)
    i, j = (normalize_axis(x, a.ndim) for x in axes)
    if i == j:
        raise ValueError(f"rot90: axes must be different, got {axes} (at {user_frame()})")
    k %= 4
    if k == 0:
        return a
    if k == 2:
        return flip(a, (i, j))
    return swapaxes(flip(a, j), i, j) if k == 1 else flip(swapaxes(a, i, j), j)


def roll(a, shift, axis=None):
    """Roll entries along ``axis`` (of the flattened array if None).

    >>> roll(np.arange(4.0), 1).tolist()
    [3.0, 0.0, 1.0, 2.0]
    """
    a = asarray_or_tracer(a)
    if axis is None:
        if isinstance(shift, (tuple, list)):
            shift = builtins.sum(int(s) for s in shift)
        return reshape(roll(ravel(a), shift, 0), a.shape)
    shifts = shift if isinstance(shift, (tuple, list)) else (shift,)
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    shifts, axes = np.broadcast_arrays(np.asarray(shifts, np.int64), np.asarray(axes))
    total = {}
    for s, ax in zip(shifts.tolist(), axes.tolist()):
        ax = normalize_axis(ax, a.ndim)
        total[ax] = total.get(ax, 0) + s
    for ax, s in total.items():
        n = a.shape[ax]
        s = s % n if n else 0
        if s:
            a = sh.concatenate([_slice_axis(a, ax, n - s, n), _slice_axis(a, ax, 0, n - s)],
                               ax)
    return _ret(a)


def tile(A, reps):
    """Repeat the whole array ``reps`` times along each axis.

    >>> tile(np.array([1.0, 2.0]), (2, 2)).shape
    (2, 4)
    """
    a = asarray_or_tracer(A)
    reps = (int(reps),) if isinstance(reps, (int, np.integer)) else tuple(int(r) for r in reps)
    nd = builtins.max(a.ndim, len(reps))
    reps = (1,) * (nd - len(reps)) + reps
    a = reshape(a, (1,) * (nd - a.ndim) + a.shape)
    # broadcast to (r0, n0, r1, n1, ...), then merge each pair of axes
    inter = []
    for r, n in zip(reps, a.shape):
        inter += [r, n]
    b = sh.broadcast_in_dim(a, tuple(inter), tuple(range(1, 2 * nd, 2)))
    return reshape(b, tuple(r * n for r, n in zip(reps, a.shape)))


def repeat(a, repeats, axis=None):
    """Repeat each entry ``repeats`` times (an int, or one count per entry) along ``axis``
    (of the flattened array if None).

    >>> repeat(np.array([1.0, 2.0]), [1, 2]).tolist()
    [1.0, 2.0, 2.0]
    """
    a = asarray_or_tracer(a)
    if axis is None:
        a, axis = ravel(a), 0
    axis = normalize_axis(axis, a.ndim)
    repeats = np.asarray(repeats)
    if repeats.ndim == 0 and a.shape[axis] > 0:
        # a broadcast along a new axis after ``axis``, then a merge: no gather needed
        r = int(repeats)
        if r < 0:
            raise ValueError(f"repeat: negative repeats {r} (at {user_frame()})")
        shape = a.shape[:axis + 1] + (r,) + a.shape[axis + 1:]
        dims = tuple(range(axis + 1)) + tuple(range(axis + 2, a.ndim + 1))
        b = sh.broadcast_in_dim(a, shape, dims)
        return _ret(sh.reshape(b, a.shape[:axis] + (a.shape[axis] * r,) + a.shape[axis + 1:]))
    idx = np.repeat(np.arange(a.shape[axis]), repeats)
    return _ret(sh.take_p.bind(a, idx, axis=axis))


# --- padding ----------------------------------------------------------------------------------

_INDEX_MODES = ("edge", "reflect", "symmetric", "wrap")


def pad(array, pad_width, mode="constant", **kwargs):
    """``np.pad`` in the modes ``constant`` (``constant_values`` a scalar, traced or not, or
    per-axis ``(before, after)`` pairs), ``edge``, ``reflect``, ``symmetric`` and ``wrap``.

    >>> pad(np.array([1.0, 2.0]), 1).tolist()
    [0.0, 1.0, 2.0, 0.0]
    >>> pad(np.array([1.0, 2.0]), (2, 1), mode="reflect").tolist()
    [1.0, 2.0, 1.0, 2.0, 1.0]
    """
    a = asarray_or_tracer(array)
    pw = np.asarray(pad_width)
    if pw.dtype.kind not in "iu":
        raise TypeError(f"pad: pad_width must be integers, got {pad_width!r}")
    pw = np.broadcast_to(pw.astype(np.int64), (a.ndim, 2))
    if (pw < 0).any():
        raise ValueError(f"pad: negative pad_width {pad_width!r} (at {user_frame()})")
    if mode in _INDEX_MODES:
        if kwargs:
            raise NotImplementedError(f"pad: options {sorted(kwargs)} are not supported")
        # NumPy pads the positions 0..n-1 themselves: the result is an index map
        for ax, (lo, hi) in enumerate(pw.tolist()):
            if lo or hi:
                if a.shape[ax] == 0:
                    raise ValueError(f"pad: can't extend empty axis {ax} using mode {mode!r}")
                idx = np.pad(np.arange(a.shape[ax]), (lo, hi), mode=mode)
                a = sh.take_p.bind(a, idx, axis=ax)
        return _ret(a)
    if mode not in ("constant", "empty"):
        raise NotImplementedError(f"funcgrad.numpy.pad supports modes 'constant', "
                                  f"{', '.join(repr(m) for m in _INDEX_MODES)}; got {mode!r}")
    cv = kwargs.pop("constant_values", 0) if mode == "constant" else 0
    if kwargs:
        raise TypeError(f"pad: unexpected keyword arguments {sorted(kwargs)}")
    if not isinstance(cv, Tracer) and np.ndim(cv) == 0 and cv == 0:
        config = tuple((int(lo), int(hi), 0) for lo, hi in pw)
        return _ret(sh.pad_p.bind(a, config=config)) if pw.any() else a
    # other constants: join broadcast constant blocks, axis by axis (later axes' values win
    # in the corners, as in NumPy)
    if isinstance(cv, Tracer):
        values = [(cv, cv)] * a.ndim
    else:
        cv = np.asarray(cv)
        values = np.broadcast_to(cv, (a.ndim, 2)) if cv.ndim else [(cv, cv)] * a.ndim
    for ax, ((lo, hi), (vlo, vhi)) in enumerate(zip(pw.tolist(), values)):
        parts = []
        for width, v in ((lo, vlo), (a, None), (hi, vhi)):
            if v is None:
                parts.append(a)
            elif width:
                shape = a.shape[:ax] + (width,) + a.shape[ax + 1:]
                parts.append(sh.broadcast_in_dim(astype(asarray_or_tracer(v), a.dtype), shape,
                                                 ()))
        a = sh.concatenate(parts, ax)
    return _ret(a)


# --- gathering --------------------------------------------------------------------------------

def take(a, indices, axis=None, out=None, mode="raise"):
    """Entries of ``a`` at integer ``indices`` along ``axis`` (flattened if None).

    ``mode="raise"`` checks concrete indices (traced ones are clamped), ``"wrap"`` wraps,
    ``"clip"`` clamps.

    >>> take(np.array([10.0, 20.0, 30.0]), [2, 0, -1]).tolist()
    [30.0, 10.0, 30.0]
    """
    if out is not None:
        raise NotImplementedError("take(..., out=...) is not supported; use the result")
    a = asarray_or_tracer(a)
    if axis is None:
        a, axis = ravel(a), 0
    axis = normalize_axis(axis, a.ndim)
    idx = asarray_or_tracer(indices)
    return _ret(sh.take_p.bind(a, normalize_indices(idx, a.shape[axis], axis, mode),
                               axis=axis))


def take_along_axis(arr, indices, axis=-1):
    """``out[..., i, ...] = arr[..., indices[..., i, ...], ...]`` along ``axis`` (the other
    axes broadcast), e.g. with the result of ``argsort``/``argmax(keepdims=True)``.

    >>> take_along_axis(np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[1], [0]]), 1).tolist()
    [[2.0], [3.0]]
    """
    flat, lin = _along_axis("take_along_axis", arr, indices, axis)
    return _ret(sh.take_p.bind(flat, lin, axis=0))


def put_along_axis(arr, indices, values, axis, mode=None):
    """``arr`` with ``values`` put where ``take_along_axis(arr, indices, axis)`` reads.
    Functional: NumPy's ``put_along_axis`` changes ``arr`` in place and returns None; this one
    returns the new array and leaves ``arr`` as it is (like JAX with ``inplace=False``).
    Where an index repeats, the last value wins.

    >>> put_along_axis(np.zeros((2, 2)), np.array([[1], [0]]), 5.0, axis=1).tolist()
    [[0.0, 5.0], [5.0, 0.0]]
    """
    a = asarray_or_tracer(arr)
    flat, lin = _along_axis("put_along_axis", a, indices, axis)
    if flat.shape != (a.size,):
        raise ValueError(f"put_along_axis: indices {np.shape(indices)} would broadcast `arr` "
                         f"{a.shape} to more entries along axes other than {axis} (at "
                         f"{user_frame()})")
    v = astype(broadcast_to(asarray_or_tracer(values), lin.shape), a.dtype)
    return _ret(sh.reshape(sh.scatter_p.bind(flat, lin, v, axis=0), a.shape))


def _along_axis(name, arr, indices, axis):
    """``arr`` flattened, and the linear index into it of ``indices`` along ``axis`` (each
    entry's own position along the other axes, which broadcast)."""
    a = asarray_or_tracer(arr)
    idx = asarray_or_tracer(indices)
    if axis is None:
        if idx.ndim != 1:
            raise ValueError(f"{name}: with axis=None the indices must be 1-d, got "
                             f"shape {idx.shape} (at {user_frame()})")
        return ravel(a), normalize_indices(idx, a.size, 0)
    if idx.ndim != a.ndim:
        raise ValueError(f"{name}: `indices` {idx.shape} and `arr` {a.shape} must "
                         f"have the same number of dimensions (at {user_frame()})")
    axis = normalize_axis(axis, a.ndim)
    shape = broadcast_shapes(name,
                             np.empty(a.shape[:axis] + (1,) + a.shape[axis + 1:], bool),
                             np.empty(idx.shape[:axis] + (1,) + idx.shape[axis + 1:], bool))
    full = shape[:axis] + (idx.shape[axis],) + shape[axis + 1:]
    idx = normalize_indices(broadcast_to(idx, full), a.shape[axis], axis)
    a = broadcast_to(a, shape[:axis] + (a.shape[axis],) + shape[axis + 1:])
    strides = np.cumprod((a.shape[1:] + (1,))[::-1])[::-1]
    lin = idx * int(strides[axis]) if strides[axis] != 1 else idx
    offset = np.zeros(full, np.int64)
    for ax in range(a.ndim):
        if ax != axis:
            pos = np.arange(full[ax]).reshape([-1 if i == ax else 1 for i in range(a.ndim)])
            offset = offset + pos * int(strides[ax])
    return sh.reshape(a, (a.size,)), lin + offset


# --- triangles and diagonals --------------------------------------------------------------------

def _masked(a, mask):
    return where(mask, a, np.zeros((), a.dtype))


def tril(m, k=0):
    """Lower triangle (entries above the ``k``-th diagonal zeroed).

    >>> tril(np.ones((2, 2))).tolist()
    [[1.0, 0.0], [1.0, 1.0]]
    """
    a = asarray_or_tracer(m)
    return _masked(a, np.tri(*a.shape[-2:], k=k, dtype=bool))


def triu(m, k=0):
    """Upper triangle (entries below the ``k``-th diagonal zeroed).

    >>> triu(np.ones((2, 2))).tolist()
    [[1.0, 1.0], [0.0, 1.0]]
    """
    a = asarray_or_tracer(m)
    return _masked(a, ~np.tri(*a.shape[-2:], k=k - 1, dtype=bool))


def diagonal(a, offset=0, axis1=0, axis2=1):
    """The ``offset`` diagonal over ``axis1``, ``axis2`` (moved to the last axis, like NumPy).

    >>> diagonal(np.arange(4.0).reshape(2, 2)).tolist()
    [0.0, 3.0]
    """
    a = asarray_or_tracer(a)
    if a.ndim < 2:
        raise ValueError(f"diagonal: requires an array of at least two dimensions, got shape "
                         f"{a.shape} (at {user_frame()})")
    i, j = normalize_axis(axis1, a.ndim), normalize_axis(axis2, a.ndim)
    if i == j:
        raise ValueError(f"diagonal: axis1 and axis2 cannot be the same (at {user_frame()})")
    rest = [x for x in range(a.ndim) if x not in (i, j)]
    a = transpose(a, rest + [i, j])
    n, m = a.shape[-2], a.shape[-1]
    rows = np.arange(builtins.max(0, -offset), builtins.max(0, builtins.min(n, m - offset)))
    flat = sh.reshape(a, a.shape[:-2] + (n * m,))
    return _ret(sh.take_p.bind(flat, rows * m + rows + offset, axis=flat.ndim - 1))


def diag(v, k=0):
    """The ``k``-th diagonal of a matrix, or a matrix with ``v`` on its ``k``-th diagonal.

    >>> diag(np.array([1.0, 2.0])).tolist()
    [[1.0, 0.0], [0.0, 2.0]]
    """
    v = asarray_or_tracer(v)
    if v.ndim == 2:
        return diagonal(v, k)
    if v.ndim != 1:
        raise ValueError(f"diag: input must be 1-d or 2-d, got shape {v.shape} (at "
                         f"{user_frame()})")
    n = v.shape[0] + builtins.abs(k)
    rows = np.arange(v.shape[0]) + builtins.max(0, -k)
    zeros = sh.zeros_like_shape((n * n,), v.dtype)
    return _ret(sh.reshape(sh.scatter_add_p.bind(zeros, rows * n + rows + k, v, axis=0),
                           (n, n)))


def diagflat(v, k=0):
    """A matrix with the flattened ``v`` on its ``k``-th diagonal.

    >>> diagflat(np.ones((1, 2))).shape
    (2, 2)
    """
    return diag(ravel(v), k)


def trace(a, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    """Sum of the ``offset`` diagonal.

    >>> float(trace(np.eye(3)))
    3.0
    """
    if out is not None:
        raise NotImplementedError("trace(..., out=...) is not supported; use the result")
    return sum(diagonal(a, offset, axis1, axis2), axis=-1, dtype=dtype)


# --- shape queries, more joining and splitting ------------------------------------------------

def ndim(a):
    """Number of axes (a Python int, also for traced values).

    >>> ndim(np.ones((2, 3)))
    2
    """
    return np.ndim(a) if not isinstance(a, Tracer) else a.ndim


def shape(a):
    """The shape (a tuple of Python ints, also for traced values).

    >>> shape(np.ones((2, 3)))
    (2, 3)
    """
    return np.shape(a) if not isinstance(a, Tracer) else a.shape


def size(a, axis=None):
    """Number of entries (along ``axis``).

    >>> size(np.ones((2, 3))), size(np.ones((2, 3)), 1)
    (6, 3)
    """
    s = shape(a)
    if axis is None:
        return int(np.prod(s, dtype=np.int64))
    return s[normalize_axis(axis, len(s))]


def rollaxis(a, axis, start=0):
    """Move ``axis`` to stand before position ``start`` (NumPy's older ``moveaxis``).

    >>> rollaxis(np.ones((2, 3, 4)), 2).shape
    (4, 2, 3)
    """
    a = asarray_or_tracer(a)
    axis = normalize_axis(axis, a.ndim)
    start = start + a.ndim if start < 0 else start
    if not 0 <= start <= a.ndim:
        raise np.exceptions.AxisError(f"rollaxis: start {start} is out of bounds for an "
                                      f"array of dimension {a.ndim} (at {user_frame()})")
    if axis < start:
        start -= 1
    return a if axis == start else moveaxis(a, axis, start)


def append(arr, values, axis=None):
    """``arr`` with ``values`` joined at the end (both flattened if ``axis`` is None).

    >>> append(np.array([1.0, 2.0]), [[3.0]]).tolist()
    [1.0, 2.0, 3.0]
    """
    if axis is None:
        return concatenate([ravel(arr), ravel(values)])
    return concatenate([arr, values], axis)


def _split_along(name, axis, min_ndim, ary, indices_or_sections):
    a = asarray_or_tracer(ary)
    if a.ndim < min_ndim:
        raise ValueError(f"{name} only works on arrays of {min_ndim} or more dimensions, got "
                         f"shape {a.shape} (at {user_frame()})")
    return split(a, indices_or_sections, axis(a))


def hsplit(ary, indices_or_sections):
    """``split`` along the columns (axis 1; axis 0 of a 1-D array).

    >>> [x.shape for x in hsplit(np.ones((2, 4)), 2)]
    [(2, 2), (2, 2)]
    """
    return _split_along("hsplit", lambda a: 1 if a.ndim > 1 else 0, 1, ary, indices_or_sections)


def vsplit(ary, indices_or_sections):
    """``split`` along the rows (axis 0) of an array of at least 2 dimensions.

    >>> [x.shape for x in vsplit(np.ones((4, 2)), [1])]
    [(1, 2), (3, 2)]
    """
    return _split_along("vsplit", lambda a: 0, 2, ary, indices_or_sections)


def dsplit(ary, indices_or_sections):
    """``split`` along the depth (axis 2) of an array of at least 3 dimensions.

    >>> [x.shape for x in dsplit(np.ones((1, 2, 4)), 2)]
    [(1, 2, 2), (1, 2, 2)]
    """
    return _split_along("dsplit", lambda a: 2, 3, ary, indices_or_sections)


row_stack = vstack


def unstack(x, /, *, axis=0):
    """The slices of ``x`` along ``axis``, as a tuple (the inverse of ``stack``).

    >>> [v.tolist() for v in unstack(np.array([[1.0, 2.0], [3.0, 4.0]]), axis=1)]
    [[1.0, 3.0], [2.0, 4.0]]
    """
    x = asarray_or_tracer(x)
    if x.ndim == 0:
        raise ValueError(f"unstack: input must be at least 1-d (at {user_frame()})")
    axis = normalize_axis(axis, x.ndim)
    return tuple(squeeze(part, axis) for part in split(x, x.shape[axis], axis))


def block(arrays):
    """Assemble an array from nested lists of blocks: the innermost lists join along the last
    axis, the next ones along the one before, and so on.

    >>> block([[np.eye(2), np.zeros((2, 1))], [np.ones((1, 3))]]).shape
    (3, 3)
    """
    def depth(x):
        if isinstance(x, tuple):
            raise TypeError(f"block: arrays is a tuple; only lists can be used to arrange "
                            f"blocks (at {user_frame()})")
        if not isinstance(x, list):
            return 0
        if not x:
            raise ValueError(f"block: lists cannot be empty (at {user_frame()})")
        ds = {depth(e) for e in x}
        if len(ds) != 1:
            raise ValueError(f"block: list depths are mismatched (at {user_frame()})")
        return 1 + ds.pop()

    def leaves(x):
        return [y for e in x for y in leaves(e)] if isinstance(x, list) else [x]

    d = depth(arrays)
    nd = builtins.max([d] + [np.ndim(x) for x in leaves(arrays)])

    def assemble(x, level):
        if not isinstance(x, list):
            x = asarray_or_tracer(x)
            return reshape(x, (1,) * (nd - x.ndim) + x.shape)
        return concatenate([assemble(e, level + 1) for e in x], axis=nd - d + level)
    return assemble(arrays, 0)


def resize(a, new_shape):
    """An array of ``new_shape`` filled with ``a``'s entries (flattened), repeated as needed.

    >>> resize(np.array([1.0, 2.0, 3.0]), (2, 2)).tolist()
    [[1.0, 2.0], [3.0, 1.0]]
    """
    a = asarray_or_tracer(a)
    new_shape = (int(new_shape),) if np.ndim(new_shape) == 0 else tuple(int(d)
                                                                         for d in new_shape)
    n = int(np.prod(new_shape, dtype=np.int64))
    if a.size == 0 or n == 0:
        return _ret(np.zeros(new_shape, a.dtype))
    return reshape(take(ravel(a), np.arange(n) % a.size), new_shape)


def _concrete_positions(name, obj):
    if isinstance(obj, Tracer):
        raise NotImplementedError(
            f"{name}: traced positions are not supported, since the result's shape depends on "
            f"them (at {user_frame()}); pass Python ints, slices or NumPy arrays")
    return obj


def insert(arr, obj, values, axis=None):
    """``arr`` with ``values`` inserted before the positions ``obj`` (an int, a slice or a
    sequence; concrete) along ``axis`` (of the flattened array if None), as ``np.insert``.

    >>> insert(np.array([1.0, 2.0, 3.0]), 1, [7.0, 8.0]).tolist()
    [1.0, 7.0, 8.0, 2.0, 3.0]
    """
    obj = _concrete_positions("insert", obj)
    a, v = asarray_or_tracer(arr), asarray_or_tracer(values)
    if axis is None:
        a, axis = ravel(a), 0
    # NumPy's insert on labels says where each entry of the result comes from: entry k of
    # ``a`` (label k) or entry j of ``values`` (label -1 - j)
    labels = np.insert(np.arange(a.size).reshape(a.shape), obj,
                       -1 - np.arange(v.size).reshape(v.shape), axis)
    from_a = labels >= 0
    src_a = take(ravel(a), np.where(from_a, labels, 0))
    src_v = take(astype(ravel(v), a.dtype), np.where(from_a, 0, -1 - labels)) if v.size else \
        src_a
    return where(from_a, src_a, src_v)


def delete(arr, obj, axis=None):
    """``arr`` without the entries at positions ``obj`` (an int, a slice, a sequence or a
    boolean mask; concrete) along ``axis`` (of the flattened array if None).

    >>> delete(np.array([1.0, 2.0, 3.0]), [0, 2]).tolist()
    [2.0]
    """
    obj = _concrete_positions("delete", obj)
    a = asarray_or_tracer(arr)
    if axis is None:
        a, axis = ravel(a), 0
    axis = normalize_axis(axis, a.ndim)
    keep = np.delete(np.arange(a.shape[axis]), obj)
    return _ret(sh.take_p.bind(a, keep, axis=axis))


def fill_diagonal(a, val, wrap=False, *, inplace=False):
    """``a`` with its main diagonal set to ``val`` (repeated as needed). Functional: NumPy's
    ``fill_diagonal`` changes ``a`` in place and returns None; this one returns the new array
    (``inplace=True`` is refused, as in JAX).

    >>> fill_diagonal(np.zeros((2, 3)), 5.0).tolist()
    [[5.0, 0.0, 0.0], [0.0, 5.0, 0.0]]
    """
    if inplace:
        raise NotImplementedError("fill_diagonal(..., inplace=True): funcgrad's arrays are "
                                  "immutable; use the returned array (inplace=False)")
    a = asarray_or_tracer(a)
    mask = np.zeros(a.shape, bool)
    np.fill_diagonal(mask, True, wrap)  # NumPy's own rule for which entries are on it
    pos = np.flatnonzero(mask)
    v = ravel(astype(asarray_or_tracer(val), a.dtype))
    if v.size == 0:
        return a
    v = take(v, np.arange(pos.size) % v.size)
    return _ret(sh.reshape(sh.scatter_p.bind(ravel(a), pos, v, axis=0), a.shape))


def array_equal(a1, a2, equal_nan=False):
    """Whether the arrays have one shape and equal entries (False for different shapes; a
    traced boolean otherwise).

    >>> bool(array_equal(np.array([1.0, np.nan]), np.array([1.0, np.nan]), equal_nan=True))
    True
    """
    a1, a2 = asarray_or_tracer(a1), asarray_or_tracer(a2)
    if a1.shape != a2.shape:
        return np.False_
    same = equal(a1, a2)
    if equal_nan and a1.dtype.kind in "fc" and a2.dtype.kind in "fc":
        same = same | ((a1 != a1) & (a2 != a2))
    return all(same)


def array_equiv(a1, a2):
    """Whether the arrays broadcast to one shape with equal entries.

    >>> bool(array_equiv(np.array([1.0, 2.0]), np.array([[1.0, 2.0], [1.0, 2.0]])))
    True
    """
    a1, a2 = asarray_or_tracer(a1), asarray_or_tracer(a2)
    try:
        np.broadcast_shapes(a1.shape, a2.shape)
    except ValueError:
        return np.False_
    return all(equal(a1, a2))


def copy(a, order="K"):
    """A copy of ``a`` (traced values are immutable: the value itself).

    >>> copy(np.array([1.0])).tolist()
    [1.0]
    """
    a = asarray_or_tracer(a)
    return a if isinstance(a, Tracer) else np.array(a, copy=True, order=order)
