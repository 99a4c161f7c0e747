"""Differences, derivatives and integrals of sampled data, phase unwrapping, and 1-D
convolution: ``diff``, ``ediff1d``, ``gradient``, ``trapezoid``, ``unwrap``, ``convolve``,
``correlate``. All are compositions of slices, arithmetic and one gather, so they are
differentiable in the data and (``gradient``, ``trapezoid``) in the sample coordinates.

>>> diff(np.array([1.0, 4.0, 9.0])).tolist()
[3.0, 5.0]
"""
import numpy as np

from ..core.tracing import Tracer
from ..errors import user_frame
from ._base import astype
from ._core import asarray_or_tracer, float_dtype, normalize_axes, normalize_axis
from ._math import (
    abs,
    conjugate,
    cumsum,
    equal,
    greater,
    logical_and,
    mod,
    multiply,
    not_equal,
    where,
)
from ._math import sum as _sum
from ._products import matmul
from ._shapes import broadcast_to, concatenate, moveaxis, pad, ravel, reshape, take

__all__ = ["diff", "ediff1d", "gradient", "trapezoid", "unwrap", "convolve", "correlate"]
if hasattr(np, "trapz"):
    __all__.append("trapz")


def _front(a, axis):
    """``a`` with ``axis`` moved to the front (so ``a[1:]`` slices along it)."""
    return moveaxis(a, axis, 0)


def _edge(value, a, axis):
    """``prepend``/``append`` of ``diff``: broadcast to ``a``'s shape with length 1 along
    ``axis`` unless it has ``a``'s number of axes already."""
    v = asarray_or_tracer(value)
    if v.ndim == 0:
        v = broadcast_to(v, a.shape[:axis] + (1,) + a.shape[axis + 1:])
    return v


def diff(a, n=1, axis=-1, prepend=None, append=None):
    """The ``n``-th discrete difference along ``axis`` (``not_equal`` for booleans), with
    optional values joined before (``prepend``) and after (``append``).

    >>> diff(np.array([[1.0, 2.0, 4.0]]), prepend=0.0).tolist()
    [[1.0, 1.0, 2.0]]
    """
    a = asarray_or_tracer(a)
    if n < 0:
        raise ValueError(f"diff: order must be non-negative but got {n} (at {user_frame()})")
    if a.ndim == 0:
        raise ValueError(f"diff requires input that is at least one dimensional (at "
                         f"{user_frame()})")
    axis = normalize_axis(axis, a.ndim)
    if prepend is not None or append is not None:
        parts = ([_edge(prepend, a, axis)] if prepend is not None else []) + [a] + (
            [_edge(append, a, axis)] if append is not None else [])
        a = concatenate(parts, axis)
    x = _front(a, axis)
    for _ in range(n):
        x = not_equal(x[1:], x[:-1]) if x.dtype == np.bool_ else x[1:] - x[:-1]
    return moveaxis(x, 0, axis) if n else a


def ediff1d(ary, to_end=None, to_begin=None):
    """Differences of the flattened array, with values joined before and after.

    >>> ediff1d(np.array([1.0, 2.0, 4.0]), to_begin=-9.0).tolist()
    [-9.0, 1.0, 2.0]
    """
    d = diff(ravel(ary))
    parts = ([astype(ravel(to_begin), d.dtype)] if to_begin is not None else []) + [d] + (
        [astype(ravel(to_end), d.dtype)] if to_end is not None else [])
    return concatenate(parts) if len(parts) > 1 else d


def _column(v, ndim):
    """A 1-D coefficient array shaped to broadcast along the first of ``ndim`` axes."""
    return reshape(v, (-1,) + (1,) * (ndim - 1))


def _gradient_1(f, h, edge_order):
    """The derivative along axis 0 of ``f`` sampled with spacing ``h`` (a number or the
    coordinates, a 1-D array)."""
    nd = f.ndim
    if np.ndim(h) == 0:
        inner = (f[2:] - f[:-2]) / (2.0 * h)
        if edge_order == 1:
            lo, hi = (f[1:2] - f[:1]) / h, (f[-1:] - f[-2:-1]) / h
        else:
            lo = (-1.5 * f[:1] + 2.0 * f[1:2] - 0.5 * f[2:3]) / h
            hi = (0.5 * f[-3:-2] - 2.0 * f[-2:-1] + 1.5 * f[-1:]) / h
        return concatenate([lo, inner, hi])
    dx = diff(h)
    d1, d2 = _column(dx[:-1], nd), _column(dx[1:], nd)
    inner = (-d2 / (d1 * (d1 + d2)) * f[:-2] + (d2 - d1) / (d1 * d2) * f[1:-1]
             + d1 / (d2 * (d1 + d2)) * f[2:])
    if edge_order == 1:
        lo, hi = (f[1:2] - f[:1]) / dx[0], (f[-1:] - f[-2:-1]) / dx[-1]
    else:
        a, b = dx[0], dx[1]
        lo = (-(2.0 * a + b) / (a * (a + b)) * f[:1] + (a + b) / (a * b) * f[1:2]
              - a / (b * (a + b)) * f[2:3])
        a, b = dx[-2], dx[-1]
        hi = (b / (a * (a + b)) * f[-3:-2] - (a + b) / (a * b) * f[-2:-1]
              + (2.0 * b + a) / (b * (a + b)) * f[-1:])
    return concatenate([lo, inner, hi])


def gradient(f, *varargs, axis=None, edge_order=1):
    """Derivatives of sampled ``f`` along each of ``axis`` (all by default), like
    ``np.gradient``: second-order central differences inside, one-sided differences of order
    ``edge_order`` (1 or 2) at the ends; ``varargs`` give the spacing per axis (a number or the
    sample coordinates). One axis: an array; several: a list.

    >>> gradient(np.array([1.0, 4.0, 9.0, 16.0])).tolist()
    [3.0, 4.0, 6.0, 7.0]
    """
    f = asarray_or_tracer(f)
    f = astype(f, float_dtype(f.dtype))
    axes = normalize_axes(axis, f.ndim)
    if len(varargs) == 0:
        spacing = [1.0] * len(axes)
    elif len(varargs) == 1 and np.ndim(varargs[0]) == 0:
        spacing = list(varargs) * len(axes)
    elif len(varargs) == len(axes):
        spacing = list(varargs)
    else:
        raise TypeError(f"gradient: invalid number of spacing arguments: {len(varargs)} for "
                        f"{len(axes)} axes (at {user_frame()})")
    if edge_order not in (1, 2):
        raise ValueError(f"gradient: edge_order must be 1 or 2, got {edge_order}")
    out = []
    for ax, h in zip(axes, spacing):
        n = f.shape[ax]
        if n < edge_order + 1:
            raise ValueError(f"gradient: shape of array too small to calculate a numerical "
                             f"gradient, at least (edge_order + 1) elements are required "
                             f"along axis {ax} of shape {f.shape} (at {user_frame()})")
        if np.ndim(h) == 1 and np.shape(h)[0] != n:
            raise ValueError(f"gradient: when 1d, distances must match the length of the "
                             f"corresponding dimension ({np.shape(h)[0]} != {n}, at "
                             f"{user_frame()})")
        if np.ndim(h) == 1:
            h = astype(asarray_or_tracer(h), f.dtype)
        elif not isinstance(h, Tracer):
            h = float(h)  # a weak Python number: float32 data stays float32
        out.append(moveaxis(_gradient_1(_front(f, ax), h, edge_order), 0, ax))
    return out[0] if len(out) == 1 else out


def trapezoid(y, x=None, dx=1.0, axis=-1):
    """The integral of ``y`` along ``axis`` by the trapezoidal rule, with sample coordinates
    ``x`` (1-D, or ``y``'s shape) or uniform spacing ``dx``.

    >>> float(trapezoid(np.array([0.0, 1.0, 4.0]), dx=0.5))
    1.5
    """
    y = asarray_or_tracer(y)
    axis = normalize_axis(axis, y.ndim)
    if x is None:
        d = dx
    else:
        x = asarray_or_tracer(x)
        if x.ndim == 1:
            d = reshape(diff(x), tuple(-1 if i == axis else 1 for i in range(y.ndim)))
        else:
            d = diff(x, axis=axis)
    yf = _front(y, axis)
    mid = moveaxis((yf[1:] + yf[:-1]) * 0.5, 0, axis)
    return _sum(multiply(mid, d), axis=axis)


if hasattr(np, "trapz"):
    trapz = trapezoid


def unwrap(p, discont=None, axis=-1, *, period=2 * np.pi):
    """Unwrap phases: where consecutive values jump by more than ``discont`` (default half the
    ``period``), shift the rest by multiples of ``period``. The derivative is 1 (the shifts
    are piecewise constant).

    >>> np.round(unwrap(np.array([0.0, 3.0, -3.0])), 4).tolist()
    [0.0, 3.0, 3.2832]
    """
    p = asarray_or_tracer(p)
    p = astype(p, float_dtype(p.dtype))
    axis = normalize_axis(axis, p.ndim)
    half = period / 2.0
    discont = half if discont is None else max(discont, half)
    dd = diff(p, axis=axis)
    ddmod = mod(dd + half, period) - half
    ddmod = where(logical_and(equal(ddmod, -half), greater(dd, 0)), half, ddmod)
    correction = where(abs(dd) < discont, 0.0, ddmod - dd)
    first = _front(p, axis)[:1]
    shifted = concatenate([first * 0.0, _front(cumsum(correction, axis=axis), axis)])
    return p + moveaxis(shifted, 0, axis)


def _vectors(name, a, v):
    a, v = asarray_or_tracer(a), asarray_or_tracer(v)
    if a.ndim != 1 or v.ndim != 1:
        raise ValueError(f"{name}: both inputs must be 1-d, got shapes {a.shape} and "
                         f"{v.shape} (at {user_frame()})")
    if a.shape[0] == 0 or v.shape[0] == 0:
        raise ValueError(f"{name}: inputs cannot be empty (at {user_frame()})")
    return a, v


def _full_convolution(a, v):
    """``out[k] = sum_j a[k - j] * v[j]``: ``a`` zero-padded, its windows gathered into a
    matrix, times ``v``."""
    n, m = a.shape[0], v.shape[0]
    padded = pad(a, (m - 1, m - 1))
    windows = np.arange(n + m - 1)[:, None] + (m - 1) - np.arange(m)[None, :]
    return matmul(take(padded, windows), v)


def convolve(a, v, mode="full"):
    """Discrete linear convolution of two 1-D arrays, ``mode`` ``"full"``, ``"same"`` (the
    longer input's length) or ``"valid"`` (where they overlap fully).

    >>> convolve(np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0, 0.5])).tolist()
    [0.0, 1.0, 2.5, 4.0, 1.5]
    """
    a, v = _vectors("convolve", a, v)
    if v.shape[0] > a.shape[0]:
        a, v = v, a
    n, m = a.shape[0], v.shape[0]
    full = _full_convolution(a, v)
    if mode == "full":
        return full
    if mode == "same":
        start = (m - 1) // 2
        return full[start:start + n]
    if mode == "valid":
        return full[m - 1:n]
    raise ValueError(f"convolve: mode must be 'full', 'same' or 'valid', got {mode!r}")


def correlate(a, v, mode="valid"):
    """Cross-correlation of two 1-D arrays, ``out[k] = sum_n a[n + k] * conj(v[n])``, with
    ``convolve``'s modes (default ``"valid"``), as ``np.correlate``.

    >>> correlate(np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0, 0.5])).tolist()
    [3.5]
    """
    a, v = _vectors("correlate", a, v)
    v = conjugate(v)
    if v.shape[0] > a.shape[0]:
        return convolve(v, a[::-1], mode)[::-1]
    return convolve(a, v[::-1], mode)

