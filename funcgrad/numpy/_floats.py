"""Floating-point representation: signs, ulps, mantissas and exponents, non-finite values, and
the real/complex predicates.

``signbit`` and ``nextafter`` are primitives (``ops/floats.py``); the rest are compositions.
Derivatives: ``copysign`` is ``±1`` in its first operand, ``ldexp`` and ``frexp``'s mantissa
scale by the power of two, ``modf``'s fraction has derivative 1; ``spacing``, the exponents and
the predicates have none.

>>> import funcgrad as fg
>>> float(fg.grad(lambda x: copysign(x, -1.0))(2.0))
-1.0
"""
import numpy as np

from ..core.tracing import Tracer
from ..errors import user_frame
from ..ops import floats as fl
from ._base import _ret, as_inexact, astype
from ._core import asarray_or_tracer, dtype_of, float_dtype, prepare
from ._math import (
    abs,
    floor,
    greater_equal,
    isfinite,
    isinf,
    isnan,
    less,
    log2,
    logical_and,
    logical_not,
    multiply,
    negative,
    not_equal,
    power,
    subtract,
    trunc,
    where,
)

__all__ = ["signbit", "copysign", "nextafter", "spacing", "ldexp", "frexp", "modf",
           "nan_to_num", "isposinf", "isneginf", "isreal", "iscomplex", "isrealobj",
           "iscomplexobj", "real_if_close"]


def _floats(name, x1, x2):
    x1, x2 = prepare(name, (x1, x2))
    dt = float_dtype(x1.dtype)
    return prepare(name, (x1, x2), dt) if x1.dtype != dt else (x1, x2)


def signbit(x):
    """Whether the sign bit is set (also for ``-0.0`` and negative NaNs).

    >>> signbit(np.array([-0.0, 0.0, -2.0])).tolist()
    [True, False, True]
    """
    x = asarray_or_tracer(x)
    if x.dtype.kind in "iub":
        return less(x, 0)
    return _ret(fl.signbit_p.bind(x))


def copysign(x1, x2):
    """``x1`` with the sign of ``x2`` (``-0.0`` counts as negative).

    >>> copysign(np.array([1.0, -2.0]), -0.0).tolist()
    [-1.0, -2.0]
    """
    x1, x2 = _floats("copysign", x1, x2)
    return where(not_equal(signbit(x1), signbit(x2)), negative(x1), x1)


def nextafter(x1, x2):
    """The next representable number after ``x1`` towards ``x2`` (in ``x1``'s precision).
    Its derivative is 1 in ``x1`` and 0 in ``x2``.

    >>> bool(nextafter(1.0, 2.0) == 1.0 + np.finfo(np.float64).eps)
    True
    """
    return _ret(fl.nextafter_p.bind(*_floats("nextafter", x1, x2)))


def spacing(x):
    """The distance from ``x`` to the next representable number away from zero (negative for
    negative ``x``); no derivative.

    >>> bool(spacing(1.0) == np.finfo(np.float64).eps)
    True
    """
    x = as_inexact(x)
    finite = isfinite(x)
    x = where(finite, x, 0.0)  # spacing(inf) is NaN, without inf - inf's warning
    step = subtract(nextafter(x, where(less(x, 0), -np.inf, np.inf)), x)
    return where(finite, step, np.nan)


def _exp2(n, dtype):
    """``2.0 ** n`` for integral ``n``, exact, in two factors so that neither overflows where
    the product of ``x`` and them does not."""
    half = floor(multiply(n, 0.5))
    return power(2.0, astype(half, dtype)), power(2.0, astype(subtract(n, half), dtype))


def ldexp(x1, x2):
    """``x1 * 2 ** x2`` for integer ``x2``; derivative ``2 ** x2`` in ``x1``.

    >>> float(ldexp(3.0, 4))
    48.0
    """
    x1, n = asarray_or_tracer(x1), asarray_or_tracer(x2)
    if n.dtype.kind not in "iub":
        raise TypeError(f"ldexp: the exponent must be an integer array, got {n.dtype} (at "
                        f"{user_frame()})")
    x1 = as_inexact(x1)
    a, b = _exp2(astype(n, x1.dtype), x1.dtype)
    return multiply(multiply(x1, a), b)


def frexp(x):
    """``(mantissa, exponent)`` with ``x == mantissa * 2 ** exponent`` and ``0.5 <= |mantissa|
    < 1`` (``(x, 0)`` for 0, infinities and NaN). The exponent is int32 like NumPy's; the
    mantissa's derivative is ``2 ** -exponent``.

    >>> [v.tolist() for v in frexp(np.array([8.0, -0.75]))]
    [[0.5, -0.75], [4, 0]]
    """
    x = as_inexact(x)
    if x.dtype.kind == "c":
        raise TypeError(f"frexp is not defined for complex values, got {x.dtype} (at "
                        f"{user_frame()}), as in NumPy: apply it to np.real(x) and np.imag(x).")
    ordinary = logical_and(not_equal(x, 0), isfinite(x))
    ax = where(ordinary, abs(x), 1.0)
    e = floor(log2(ax)) + 1.0
    # log2 may round across a power of two: correct the exponent by one where it did
    a, b = _exp2(negative(e), x.dtype)
    m = multiply(multiply(ax, a), b)
    e = where(greater_equal(m, 1.0), e + 1.0, where(less(m, 0.5), e - 1.0, e))
    e = where(ordinary, e, 0.0)
    a, b = _exp2(negative(e), x.dtype)
    return multiply(multiply(x, a), b), astype(e, np.int32)


def modf(x):
    """``(fraction, integral part)``, both with the sign of ``x``; the fraction's derivative is
    1, the integral part's 0.

    >>> [v.tolist() for v in modf(np.array([2.5, -1.25]))]
    [[0.5, -0.25], [2.0, -1.0]]
    """
    x = as_inexact(x)
    t = trunc(x)
    return where(isinf(x), copysign(0.0, x), subtract(x, t)), t


def nan_to_num(x, copy=True, nan=0.0, posinf=None, neginf=None):
    """NaN to ``nan``, infinities to ``posinf``/``neginf`` (default: the largest finite
    numbers); the derivative passes where ``x`` is finite.

    >>> nan_to_num(np.array([np.nan, np.inf, -np.inf, 1.0]), posinf=9.0).tolist()[:3]
    [0.0, 9.0, -1.7976931348623157e+308]
    """
    x = asarray_or_tracer(x)
    if x.dtype.kind not in "fc":
        return x
    info = np.finfo(x.dtype)
    posinf = info.max if posinf is None else posinf
    neginf = info.min if neginf is None else neginf
    x = where(isnan(x), nan, x)
    return where(isinf(x), where(signbit(x), neginf, posinf), x)


def isposinf(x):
    """Whether ``x`` is ``+inf``.

    >>> isposinf(np.array([np.inf, -np.inf, 1.0])).tolist()
    [True, False, False]
    """
    return logical_and(isinf(x), logical_not(signbit(x)))


def isneginf(x):
    """Whether ``x`` is ``-inf``.

    >>> isneginf(np.array([np.inf, -np.inf, 1.0])).tolist()
    [False, True, False]
    """
    return logical_and(isinf(x), signbit(x))


def iscomplexobj(x):
    """Whether ``x`` has a complex dtype (whatever its values).

    >>> iscomplexobj(np.ones(2)), iscomplexobj(np.ones(2, complex))
    (False, True)
    """
    return dtype_of(x).kind == "c"


def isrealobj(x):
    """Whether ``x`` has a dtype that is not complex.

    >>> isrealobj(np.ones(2))
    True
    """
    return not iscomplexobj(x)


def iscomplex(x):
    """Elementwise: whether the imaginary part is nonzero (all False for real dtypes).

    >>> iscomplex(np.array([1.0, 2.0])).tolist()
    [False, False]
    """
    if dtype_of(x).kind != "c":
        return _ret(np.zeros(np.shape(x), bool))
    return not_equal(x.imag, 0)


def isreal(x):
    """Elementwise: whether the imaginary part is zero (all True for real dtypes).

    >>> isreal(np.array([1.0, 2.0])).tolist()
    [True, True]
    """
    return logical_not(iscomplex(x))


def real_if_close(a, tol=100):
    """The real part if every imaginary part is within ``tol`` machine epsilons of 0, else
    ``a``. A real array is returned as it is (also under ``jit``); for a traced complex array
    the result's dtype would depend on its values, so that raises: use ``a.real``.

    >>> real_if_close(np.array([1.0 + 1e-18j])).dtype
    dtype('float64')
    """
    if dtype_of(a).kind != "c":
        return asarray_or_tracer(a)
    if isinstance(a, Tracer):
        raise NotImplementedError(
            f"real_if_close of a traced complex array: the dtype of the result depends on the "
            f"values (at {user_frame()}). Use a.real (or np.real) when you know they are real.")
    return np.real_if_close(a, tol)

