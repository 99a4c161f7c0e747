"""Functional pseudo-random numbers: explicit keys, counter-based (Threefry-2x32, 20 rounds).

A key is a ``uint32[2]`` array. Nothing is hidden in global state: the same key gives the same
numbers on every run and platform, eagerly and under ``jit`` (the generator is built from
uint32 array operations, so it compiles into a training step, e.g. for dropout). Use ``split``
to derive independent keys and never reuse a key for two purposes.

>>> import funcgrad.random as fr
>>> k1, k2 = fr.split(fr.key(0))
>>> fr.normal(k1, (2,)).shape
(2,)
"""
import numpy as np

from . import numpy as fnp
from .core.tracing import Tracer

__all__ = ["key", "PRNGKey", "split", "fold_in", "random_bits", "uniform", "normal",
           "bernoulli", "randint", "permutation"]

_U32 = np.uint32
_ROT = (13, 15, 26, 6, 17, 29, 16, 24)
_PARITY = _U32(0x1BD11BDA)


def _rotl(x, r):
    return fnp.bitwise_or(fnp.left_shift(x, _U32(r)), fnp.right_shift(x, _U32(32 - r)))


def _threefry2x32(k, x0, x1):
    """Threefry-2x32 block cipher of the counter pair (x0, x1) under key k (uint32[2])."""
    k0, k1 = k[0], k[1]
    ks = (k0, k1, fnp.bitwise_xor(fnp.bitwise_xor(k0, k1), _PARITY))
    x0 = x0 + ks[0]
    x1 = x1 + ks[1]
    for block in range(5):
        rots = _ROT[:4] if block % 2 == 0 else _ROT[4:]
        for r in rots:
            x0 = x0 + x1
            x1 = fnp.bitwise_xor(_rotl(x1, r), x0)
        x0 = x0 + ks[(block + 1) % 3]
        x1 = x1 + ks[(block + 2) % 3] + _U32(block + 1)
    return x0, x1


def _check_key(k):
    dt = k.dtype if isinstance(k, (np.ndarray, Tracer)) else np.asarray(k).dtype
    if dt != np.uint32 or np.shape(k) != (2,):
        raise TypeError(f"expected a PRNG key (uint32[2] from funcgrad.random.key), got an "
                        f"array of shape {np.shape(k)} and dtype {dt}. Create one with "
                        "funcgrad.random.key(seed).")
    return k


def key(seed):
    """A PRNG key from an integer seed.

    >>> key(42)
    array([ 0, 42], dtype=uint32)
    """
    seed = int(seed)
    return np.array([(seed >> 32) & 0xFFFFFFFF, seed & 0xFFFFFFFF], dtype=np.uint32)


PRNGKey = key


def random_bits(k, n):
    """``n`` pseudo-random uint32 values (a 1-D array) from key ``k``.

    >>> random_bits(key(0), 3).dtype
    dtype('uint32')
    """
    _check_key(k)
    half = (n + 1) // 2
    counts = np.arange(2 * half, dtype=np.uint32)
    y0, y1 = _threefry2x32(k, counts[:half], counts[half:])
    bits = fnp.concatenate([y0, y1])
    return bits[:n] if n != 2 * half else bits


def split(k, num=2):
    """``num`` new keys (shape ``(num, 2)``), independent of each other and of ``k``.

    >>> split(key(0), 3).shape
    (3, 2)
    """
    return fnp.reshape(random_bits(_check_key(k), 2 * num), (num, 2))


def fold_in(k, data):
    """A new key from ``k`` and an integer ``data`` (e.g. a step or epoch number).

    >>> bool((fold_in(key(0), 1) != fold_in(key(0), 2)).any())
    True
    """
    _check_key(k)
    d = fnp.astype(fnp.asarray(data), np.uint32)
    y0, y1 = _threefry2x32(k, fnp.reshape(d, (1,)), np.zeros(1, np.uint32))
    return fnp.concatenate([y0, y1])


def _size(shape):
    return int(np.prod(shape, dtype=np.int64))


def uniform(k, shape=(), dtype=np.float64, minval=0.0, maxval=1.0):
    """Uniform floats in ``[minval, maxval)``: 24 random bits for float32, 53 for float64.

    >>> float(uniform(key(0)))  # doctest: +ELLIPSIS
    0...
    """
    shape = tuple(np.atleast_1d(shape)) if np.ndim(shape) else ((int(shape),) if shape != ()
                                                                else ())
    dtype = np.dtype(dtype)
    n = _size(shape)
    if dtype == np.float32:
        bits = random_bits(k, n)
        u = fnp.astype(fnp.right_shift(bits, _U32(8)), np.float32) * np.float32(2.0 ** -24)
    elif dtype == np.float64:
        bits = fnp.reshape(random_bits(k, 2 * n), (2, n)) if n else np.zeros((2, 0), np.uint32)
        hi = fnp.astype(fnp.right_shift(bits[0], _U32(5)), np.float64)  # 27 bits
        lo = fnp.astype(fnp.right_shift(bits[1], _U32(6)), np.float64)  # 26 bits
        u = (hi * 67108864.0 + lo) * (2.0 ** -53)
    else:
        raise TypeError(f"uniform: dtype must be float32 or float64, got {dtype}")
    u = fnp.reshape(u, shape)
    if minval != 0.0 or maxval != 1.0:
        u = u * (maxval - minval) + minval
    return u


def normal(k, shape=(), dtype=np.float64):
    """Standard normal samples (Box-Muller).

    >>> normal(key(1), (3,), np.float32).dtype
    dtype('float32')
    """
    k1, k2 = split(k)
    u1 = 1.0 - uniform(k1, shape, dtype)  # in (0, 1]: log is finite
    u2 = uniform(k2, shape, dtype)
    return fnp.sqrt(-2.0 * fnp.log(u1)) * fnp.cos(2.0 * np.pi * u2)


def bernoulli(k, p=0.5, shape=None):
    """Booleans that are True with probability ``p``.

    >>> bernoulli(key(0), 0.5, (4,)).dtype
    dtype('bool')
    """
    if shape is None:
        shape = np.shape(p)
    return uniform(k, shape) < p


def randint(k, shape, minval, maxval, dtype=np.int64):
    """Integers in ``[minval, maxval)``.

    >>> int(randint(key(0), (), 0, 10)) in range(10)
    True
    """
    u = uniform(k, shape)
    return fnp.astype(fnp.floor(u * (maxval - minval)) + minval, dtype)


def permutation(k, x):
    """A random permutation of ``range(x)`` (int ``x``) or of the rows of array ``x``.

    Sorting is not a traceable operation here, so the key must be concrete (not under jit).

    >>> sorted(permutation(key(0), 5).tolist())
    [0, 1, 2, 3, 4]
    """
    if isinstance(k, Tracer):
        raise TypeError("random.permutation needs a concrete key (it sorts); call it outside "
                        "jit, e.g. to shuffle data between epochs.")
    n = int(x) if np.ndim(x) == 0 else len(x)
    order = np.argsort(np.asarray(uniform(k, (n,))), kind="stable")
    return order if np.ndim(x) == 0 else np.asarray(x)[order]
