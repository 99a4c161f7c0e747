"""Bit-level and selection functions composed from existing primitives: ``bitwise_count``,
``packbits``/``unpackbits``, ``compress``, and ``i0`` (the Bessel function NumPy keeps in its
main namespace). None needs a primitive of its own: shifts, masks, sums and gathers fuse
under ``jit`` as they are."""
import builtins

import numpy as np

from ..errors import user_frame
from ..ops import special as sp
from ._base import _ret, astype
from ._core import asarray_or_tracer, normalize_axis
from ._math import _float_unary, abs, bitwise_and, exp, not_equal, right_shift, sum
from ._shapes import concatenate, moveaxis, ravel, reshape, take
from ._sorting import padded, true_positions

__all__ = ["bitwise_count", "packbits", "unpackbits", "compress", "i0"]

_M1, _M2, _M4, _H01 = (np.uint64(0x5555555555555555), np.uint64(0x3333333333333333),
                       np.uint64(0x0F0F0F0F0F0F0F0F), np.uint64(0x0101010101010101))


def bitwise_count(x):
    """The number of 1 bits in the absolute value of each integer, like ``np.bitwise_count``
    (uint8 results).

    >>> bitwise_count(np.array([0, 7, -8, 255])).tolist()
    [0, 3, 1, 8]
    """
    x = asarray_or_tracer(x)
    if x.dtype.kind not in "biu":
        raise TypeError(f"bitwise_count takes integers or booleans, got {x.dtype} (at "
                        f"{user_frame()}); cast with .astype(int) first.")
    v = astype(abs(x) if x.dtype.kind == "i" else x, np.uint64)
    # the classic parallel count: pairs, nibbles, bytes, then the bytes summed by a multiply
    v = v - bitwise_and(right_shift(v, np.uint64(1)), _M1)
    v = bitwise_and(v, _M2) + bitwise_and(right_shift(v, np.uint64(2)), _M2)
    v = bitwise_and(v + right_shift(v, np.uint64(4)), _M4)
    return astype(right_shift(v * _H01, np.uint64(56)), np.uint8)


def _bit_weights(bitorder, name):
    if bitorder not in ("big", "little"):
        raise ValueError(f"{name}: bitorder must be 'big' or 'little', got {bitorder!r} (at "
                         f"{user_frame()}).")
    w = 2 ** np.arange(8, dtype=np.uint8)
    return w[::-1].copy() if bitorder == "big" else w


def packbits(a, axis=None, bitorder="big"):
    """Each run of 8 entries along ``axis`` (the flattened array if None) packed into a uint8,
    nonzero entries as 1 bits, the last run padded with zeros, like ``np.packbits``.

    >>> packbits(np.array([1, 0, 1, 1, 0, 0, 0, 0, 1])).tolist()
    [176, 128]
    """
    a = asarray_or_tracer(a)
    if a.dtype.kind not in "biu":
        raise TypeError(f"packbits takes integers or booleans, got {a.dtype} (at "
                        f"{user_frame()}).")
    w = _bit_weights(bitorder, "packbits")
    if axis is None:
        a, axis = ravel(a), 0
    axis = normalize_axis(axis, a.ndim)
    bits = moveaxis(astype(not_equal(a, 0), np.uint8), axis, -1)
    n = bits.shape[-1]
    if n % 8:
        bits = concatenate([bits, np.zeros(bits.shape[:-1] + (8 - n % 8,), np.uint8)], -1)
    groups = reshape(bits, bits.shape[:-1] + (bits.shape[-1] // 8, 8))
    return moveaxis(astype(sum(groups * w, axis=-1), np.uint8), -1, axis)


def unpackbits(a, axis=None, count=None, bitorder="big"):
    """The bits of each uint8 along ``axis`` (the flattened array if None), 8 per entry, as a
    uint8 array of 0s and 1s; ``count`` keeps the first ``count`` bits (zeros appended if it
    is larger), like ``np.unpackbits``.

    >>> unpackbits(np.array([176], np.uint8)).tolist()
    [1, 0, 1, 1, 0, 0, 0, 0]
    """
    a = asarray_or_tracer(a)
    if a.dtype != np.uint8:
        raise TypeError(f"unpackbits takes uint8 input, got {a.dtype} (at {user_frame()}); "
                        "cast with .astype(np.uint8) if the values fit.")
    shifts = np.log2(_bit_weights(bitorder, "unpackbits")).astype(np.uint8)
    if axis is None:
        a, axis = ravel(a), 0
    axis = normalize_axis(axis, a.ndim)
    a = moveaxis(a, axis, -1)
    bits = bitwise_and(right_shift(reshape(a, a.shape + (1,)), shifts), np.uint8(1))
    bits = reshape(bits, a.shape[:-1] + (a.shape[-1] * 8,))
    if count is not None:
        count = int(count)
        n = bits.shape[-1]
        keep = n + count if count < 0 else builtins.min(count, n)
        bits = take(bits, np.arange(keep), axis=-1)
        if count > n:
            bits = concatenate([bits, np.zeros(bits.shape[:-1] + (count - n,), np.uint8)], -1)
    return moveaxis(bits, -1, axis)


def compress(condition, a, axis=None, *, size=None, fill_value=0):
    """The slices of ``a`` along ``axis`` (the flattened array if None) where the 1-d
    ``condition`` is true, like ``np.compress``; differentiable in ``a``. The result's length
    depends on ``condition``'s values: under ``jit`` pass ``size`` (and ``fill_value``) as in
    ``nonzero``.

    >>> compress(np.array([0, 1, 1]), np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]), axis=0)
    array([[3., 4.],
           [5., 6.]])
    """
    a = asarray_or_tracer(a)
    cond = asarray_or_tracer(condition)
    if cond.ndim != 1:
        raise ValueError(f"compress: condition must be 1-d, got shape {cond.shape} (at "
                         f"{user_frame()}).")
    if axis is None:
        a, axis = ravel(a), 0
    axis = normalize_axis(axis, a.ndim)
    if cond.shape[0] > a.shape[axis]:
        raise ValueError(f"compress: condition has {cond.shape[0]} entries but axis {axis} of "
                         f"a has length {a.shape[axis]} (at {user_frame()}).")
    pos, valid = true_positions(not_equal(cond, 0), size, "compress")
    out = moveaxis(take(a, pos, axis=axis), axis, 0)
    return _ret(moveaxis(padded(out, valid, fill_value), 0, axis))


_i0e = _float_unary(sp.i0e_p, "i0e")


def i0(x):
    """The modified Bessel function of the first kind, order 0, like ``np.i0``;
    differentiable (its derivative is ``i1``).

    >>> round(float(i0(1.0)), 6)
    1.266066
    """
    x = asarray_or_tracer(x)
    if x.dtype.kind == "c":
        raise TypeError(f"i0 is not supported for complex values (at {user_frame()}), as in "
                        "NumPy.")
    return _ret(exp(abs(x)) * _i0e(x))
