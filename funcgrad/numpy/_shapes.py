"""Shape manipulation functions of funcgrad.numpy."""
import numpy as np

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


