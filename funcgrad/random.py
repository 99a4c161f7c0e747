"""Functional pseudo-random numbers: explicit keys, counter-based (Threefry-2x32, 20 rounds).

A key is a ``uint32[2]`` array. Nothing is hidden in global state: the same key gives the same
numbers on every run and platform, eagerly and under ``jit`` (the generator is built from
uint32 array operations, so it compiles into a training step, e.g. for dropout). Use ``split``
to derive independent keys and never reuse a key for two purposes.

>>> import funcgrad.random as fr
>>> k1, k2 = fr.split(fr.key(0))
>>> fr.normal(k1, (2,)).shape
(2,)

Everything works under every transformation: ``permutation`` and ``choice(...,
replace=False)`` sort random numbers with ``funcgrad.numpy.argsort``, which compiles.
"""
import numpy as np

from . import numpy as fnp
from .errors import user_frame

__all__ = ["key", "PRNGKey", "split", "fold_in", "threefry_2x32", "random_bits", "uniform",
           "normal", "bernoulli", "randint", "permutation", "choice", "categorical", "gumbel",
           "truncated_normal"]

_U32 = np.uint32
_ROT = (13, 15, 26, 6, 17, 29, 16, 24)
_PARITY = _U32(0x1BD11BDA)


def _rotl(xp, x, r):
    return xp.bitwise_or(xp.left_shift(x, _U32(r)), xp.right_shift(x, _U32(32 - r)))


def _threefry2x32(k, x0, x1):
    """Threefry-2x32 block cipher of the counter pair (x0, x1) under key k (uint32[2])."""
    # With NumPy values (every key a script makes outside jit and grad) NumPy computes it:
    # the same uint32 arithmetic, where funcgrad.numpy's promotion and broadcasting checks
    # cost 7 us for each of the ~100 operations (a fold_in took 0.45 ms, 0.08 ms now)
    xp = np if all(isinstance(v, np.ndarray) for v in (k, x0, x1)) else fnp
    k0, k1 = k[0], k[1]
    ks = (k0, k1, xp.bitwise_xor(xp.bitwise_xor(k0, k1), _PARITY))
    x0 = x0 + ks[0]
    x1 = x1 + ks[1]
    for block in range(5):
        rots = _ROT[:4] if block % 2 == 0 else _ROT[4:]
        for r in rots:
            x0 = x0 + x1
            x1 = xp.bitwise_xor(_rotl(xp, x1, r), x0)
        x0 = x0 + ks[(block + 1) % 3]
        x1 = x1 + ks[(block + 2) % 3] + _U32(block + 1)
    return x0, x1


def _check_key(k):
    k = fnp.asarray(k)
    if k.dtype != np.uint32 or k.shape != (2,):
        raise TypeError(f"expected a PRNG key (uint32[2] from funcgrad.random.key), got an "
                        f"array of shape {k.shape} and dtype {k.dtype} (at {user_frame()}). "
                        "Create one with funcgrad.random.key(seed).")
    return k


def key(seed):
    """A PRNG key from an integer seed.

    >>> key(42)
    array([ 0, 42], dtype=uint32)
    """
    seed = int(seed)
    return np.array([(seed >> 32) & 0xFFFFFFFF, seed & 0xFFFFFFFF], dtype=np.uint32)


PRNGKey = key


def threefry_2x32(key, count):
    """Threefry-2x32 with 20 rounds (Salmon et al., "Parallel random numbers: as easy as 1, 2,
    3", 2011) of the uint32 array ``count`` under ``key``: as in JAX, the first and second
    halves of ``count`` are the two words of each block (an odd count is padded with a 0).

    >>> [hex(v) for v in threefry_2x32(np.zeros(2, np.uint32), np.zeros(2, np.uint32))]
    ['0x6b200159', '0x99ba4efe']
    """
    k = _check_key(key)
    count = fnp.asarray(count)
    if count.dtype != np.uint32:
        raise TypeError(f"threefry_2x32: count must be a uint32 array, got {count.dtype}"
                        f" (at {user_frame()})")
    n = _size(count.shape)
    flat = fnp.reshape(count, (n,))
    if n % 2:
        flat = fnp.concatenate([flat, np.zeros(1, np.uint32)])
    half = (n + 1) // 2
    y0, y1 = _threefry2x32(k, flat[:half], flat[half:])
    return fnp.reshape(fnp.concatenate([y0, y1])[:n], count.shape)


def random_bits(k, n):
    """``n`` pseudo-random uint32 values (a 1-D array) from key ``k``.

    >>> random_bits(key(0), 3).dtype
    dtype('uint32')
    """
    half = (n + 1) // 2
    bits = threefry_2x32(k, np.arange(2 * half, dtype=np.uint32))
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


def _shape(shape):
    return (int(shape),) if np.ndim(shape) == 0 else tuple(int(d) for d in shape)


def _broadcasts_to(small, shape):
    try:
        return np.broadcast_shapes(small, shape) == shape
    except ValueError:
        return False


def uniform(k, shape=(), dtype=np.float64, minval=0.0, maxval=1.0):
    """Uniform floats in ``[minval, maxval)``: 24 random bits for float32, 53 for float64.

    >>> float(uniform(key(0)))  # doctest: +ELLIPSIS
    0...
    """
    shape = _shape(shape)
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
        raise TypeError(f"uniform: dtype must be float32 or float64, got {dtype}"
                        f" (at {user_frame()})")
    u = fnp.reshape(u, shape)
    if minval != 0.0 or maxval != 1.0:
        u = u * (maxval - minval) + minval
    return u


def _open_uniform(k, shape, dtype):
    """Uniform in the open interval (0, 1): the midpoints of 2**23 (float32) or 2**52
    (float64) equal cells, every one exact, so ``log(u)`` and ``log(1 - u)`` are finite."""
    dtype = np.dtype(dtype)
    cells = dtype.type(2.0 ** (23 if dtype == np.float32 else 52))
    return (fnp.floor(uniform(k, shape, dtype) * cells) + dtype.type(0.5)) / cells


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


def gumbel(key, shape=(), dtype=np.float64):
    """Standard Gumbel samples (``-log(-log(u))``), e.g. for the Gumbel-max trick.

    >>> gumbel(key(0), (2,), np.float32).dtype
    dtype('float32')
    """
    return -fnp.log(-fnp.log(_open_uniform(key, shape, dtype)))


def categorical(key, logits, axis=-1, shape=None):
    """Indices along ``axis`` drawn with probabilities ``softmax(logits)`` (the Gumbel-max
    trick, so it traces under ``jit``). ``shape`` (default: ``logits``' shape without
    ``axis``) may add leading dimensions.

    >>> categorical(key(0), np.array([-50.0, 0.0, -50.0]), shape=(4,)).tolist()
    [1, 1, 1, 1]
    """
    logits = fnp.asarray(logits)
    if logits.dtype.kind != "f":
        logits = fnp.astype(logits, np.float64)
    if not -logits.ndim <= axis < logits.ndim:
        raise ValueError(f"categorical: axis {axis} is out of range for logits of shape "
                         f"{logits.shape} (at {user_frame()})")
    axis %= logits.ndim
    batch = logits.shape[:axis] + logits.shape[axis + 1:]
    shape = batch if shape is None else _shape(shape)
    if len(shape) < len(batch) or not _broadcasts_to(batch, shape):
        raise ValueError(f"categorical: shape {shape} must end in dimensions that the batch "
                         f"shape {batch} (logits {logits.shape} without axis {axis}) "
                         f"broadcasts to (at {user_frame()})")
    prefix = shape[:len(shape) - len(batch)]
    noise_shape = list(shape[len(prefix):])
    noise_shape.insert(axis, logits.shape[axis])
    noisy = gumbel(key, prefix + tuple(noise_shape), logits.dtype) + logits
    return fnp.argmax(noisy, axis=len(prefix) + axis)


def permutation(k, x, axis=0, independent=False):
    """A random permutation of ``range(x)`` (int ``x``), or of array ``x`` along ``axis``
    (each slice on its own with ``independent``): the stable order of uniform draws. Works
    under ``jit`` (the key and ``x`` may be traced; an int ``x`` must be static).

    >>> sorted(permutation(key(0), 5).tolist())
    [0, 1, 2, 3, 4]
    >>> permutation(key(0), np.arange(6).reshape(3, 2), axis=1).shape
    (3, 2)
    """
    _check_key(k)
    if np.ndim(x) == 0:
        return fnp.argsort(uniform(k, (int(x),)))
    x = fnp.asarray(x)
    if not -x.ndim <= axis < x.ndim:
        raise ValueError(f"permutation: axis {axis} is out of range for an array of shape "
                         f"{x.shape} (at {user_frame()})")
    if independent:
        order = fnp.argsort(uniform(k, x.shape), axis=axis)
        return fnp.take_along_axis(x, order, axis)
    order = fnp.argsort(uniform(k, (x.shape[axis],)))
    return fnp.take(x, order, axis=axis)


def choice(key, a, shape=(), replace=True, p=None, axis=0):
    """Draws from ``range(a)`` (int ``a``) or from the entries of array ``a`` along ``axis``,
    uniformly or with probabilities ``p``, with or without replacement (the Gumbel top-k
    trick with ``p``). Works under ``jit``, the key, ``a`` and ``p`` traced or not.

    >>> choice(key(0), 5, (3,), replace=False).tolist()
    [3, 4, 0]
    >>> choice(key(0), np.array([10, 20]), (4,), p=np.array([0.0, 1.0])).tolist()
    [20, 20, 20, 20]
    """
    shape = _shape(shape)
    if np.ndim(a) == 0:
        n = int(a)
    else:
        a = fnp.asarray(a)
        if not -a.ndim <= axis < a.ndim:
            raise ValueError(f"choice: axis {axis} is out of range for an array of shape "
                             f"{a.shape} (at {user_frame()})")
        n = a.shape[axis]
    if n < 1 and _size(shape):
        raise ValueError(f"choice: cannot draw {shape} from an empty population "
                         f"(at {user_frame()})")
    if p is not None:
        p = fnp.asarray(p)
        if p.shape != (n,):
            raise ValueError(f"choice: p has shape {p.shape}, but the population has {n} "
                             f"entries: p must have shape ({n},) (at {user_frame()})")
    if replace and p is None:
        idx = randint(key, shape, 0, n)
    elif replace:
        with np.errstate(divide="ignore"):  # p = 0: log is -inf, never drawn
            logits = fnp.log(fnp.astype(p, np.float64))
        idx = categorical(key, logits, shape=shape)
    else:
        idx = _without_replacement(key, n, shape, p)
    return idx if np.ndim(a) == 0 else fnp.take(a, idx, axis=axis)


def _without_replacement(key, n, shape, p):
    """The first ``size`` entries of a random order of ``range(n)``: a permutation, or with
    ``p`` the Gumbel top-k (the order of ``log p + gumbel``, largest first)."""
    size = _size(shape)
    if size > n:
        raise ValueError(f"choice: cannot draw {size} values from {n} without replacement"
                         f" (at {user_frame()}); pass replace=True or a smaller shape")
    if p is None:
        order = permutation(key, n)
    else:
        with np.errstate(divide="ignore"):  # p = 0: log is -inf, drawn last
            scores = fnp.log(fnp.astype(p, np.float64)) + gumbel(key, (n,))
        order = fnp.argsort(-scores)
    return fnp.reshape(order[:size], shape)


# --- the normal CDF and its inverse, from traceable operations, for truncated_normal -------

# erfc(z) ~ t * exp(-z**2 + P(t)), t = 1 / (1 + z / 2), z >= 0, relative error < 1.2e-7
# everywhere: the Chebyshev fit of Numerical Recipes (Press et al., 2nd ed., sec. 6.2, erfcc)
_ERFC = (0.17087277, -0.82215223, 1.48851587, -1.13520398, 0.27886807, -0.18628806,
         0.09678418, 0.37409196, 1.00002368, -1.26551223)
# The inverse normal CDF as rational functions, relative error < 1.15e-9 (P. J. Acklam, "An
# algorithm for computing the inverse normal cumulative distribution function", 2003)
_ICDF_A = (-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
           1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00)
_ICDF_B = (-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
           6.680131188771972e+01, -1.328068155288572e+01, 1.0)
_ICDF_C = (-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
           -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00)
_ICDF_D = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
           3.754408661907416e+00, 1.0)
_P_LOW = 0.02425  # below it (and above 1 - it) the tail formula applies


def _poly(x, coeffs):
    acc = coeffs[0]
    for c in coeffs[1:]:
        acc = acc * x + c
    return acc


def _log_ndtr(x):
    """``log(Phi(x))`` for the standard normal CDF, finite far into the left tail."""
    z = fnp.minimum(fnp.abs(x) * np.sqrt(0.5), 1e100)  # capped: no log(0) for infinite x
    t = 1.0 / (1.0 + 0.5 * z)
    log_tail = fnp.log(0.5 * t) - z * z + _poly(t, _ERFC)  # log(Phi(-|x|))
    return fnp.where(x <= 0, log_tail, fnp.log1p(-fnp.exp(log_tail)))


def _ndtri_of_log(log_p):
    """The ``x`` with ``log(Phi(x)) = log_p``; each branch is fed a value valid for it, so
    the branches not taken stay finite."""
    p = fnp.exp(log_p)
    lower = -2.0 * fnp.minimum(log_p, np.log(_P_LOW))
    upper_tail = fnp.maximum(-fnp.expm1(fnp.maximum(log_p, np.log1p(-_P_LOW))), 2.0 ** -60)
    upper = -2.0 * fnp.log(upper_tail)
    q = fnp.clip(p, _P_LOW, 1 - _P_LOW) - 0.5
    central = q * _poly(q * q, _ICDF_A) / _poly(q * q, _ICDF_B)
    tail = lambda s: _poly(fnp.sqrt(s), _ICDF_C) / _poly(fnp.sqrt(s), _ICDF_D)
    return fnp.where(p < _P_LOW, tail(lower), fnp.where(p > 1 - _P_LOW, -tail(upper), central))


def truncated_normal(key, lower, upper, shape=None, dtype=np.float64):
    """Standard normal samples conditioned on ``lower <= x <= upper`` (bounds may be
    infinite, arrays, or traced), by inverting the CDF; accurate far into either tail.

    The CDF is computed to about 1e-7 relative and its inverse to about 1e-9: far below what
    any finite sample can detect.

    >>> x = truncated_normal(key(0), 8.0, np.inf, (1000,))
    >>> bool((x >= 8.0).all()), bool((x < 9.0).all())
    (True, True)
    """
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise TypeError(f"truncated_normal: dtype must be float32 or float64, got {dtype}"
                        f" (at {user_frame()})")
    lo, hi = (fnp.astype(fnp.asarray(b), np.float64) for b in (lower, upper))
    bounds = np.broadcast_shapes(lo.shape, hi.shape)
    shape = bounds if shape is None else _shape(shape)
    if not _broadcasts_to(bounds, shape):
        raise ValueError(f"truncated_normal: the bounds' shape {bounds} does not broadcast to "
                         f"shape {shape} (at {user_frame()})")
    # Sample the mirror image of an interval that lies mostly right of 0, so the CDF values
    # used are small ones, which floats hold to full relative precision.
    flip = hi > -lo
    a, b = fnp.where(flip, -hi, lo), fnp.where(flip, -lo, hi)
    log_a, log_b = _log_ndtr(a), _log_ndtr(b)
    w = fnp.astype(_open_uniform(key, shape, dtype), np.float64)
    # log(Phi(a) + w * (Phi(b) - Phi(a))), computed relative to Phi(b)
    log_p = log_b + fnp.log(w + (1.0 - w) * fnp.exp(log_a - log_b))
    x = fnp.clip(_ndtri_of_log(log_p), a, b)
    x = fnp.astype(fnp.where(flip, -x, x), dtype)
    return fnp.clip(x, fnp.astype(lo, dtype), fnp.astype(hi, dtype))
