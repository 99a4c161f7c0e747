"""Polynomials as coefficient arrays, highest power first (NumPy's ``poly*`` functions):
evaluation, arithmetic, derivatives and integrals, fitting, and the Vandermonde matrix.

All are differentiable in the coefficients and points. ``roots`` needs concrete coefficients
(it is NumPy's: eigenvalues of the companion matrix, complex in general), and so does
``poly`` of a matrix. ``polydiv`` keeps the remainder's leading zeros unless asked to trim
them (``trim_leading_zeros=True``, concrete values only), as JAX does: NumPy trims always,
which makes the shape depend on the values.

>>> float(polyval(np.array([1.0, 0.0, -2.0]), 3.0))
7.0
"""
import numpy as np

from ..core.tracing import Tracer
from ..errors import user_frame
from ._base import astype
from ._calculus import convolve
from ._core import asarray_or_tracer, float_dtype, result_dtype
from ._math import multiply, sqrt
from ._math import sum as _sum
from ._shapes import concatenate, pad, stack
from .linalg import solve

__all__ = ["polyval", "polyadd", "polysub", "polymul", "polydiv", "polyder", "polyint",
           "polyfit", "poly", "roots", "vander"]


def _coeffs(name, p):
    p = asarray_or_tracer(p)
    if p.ndim != 1:
        raise ValueError(f"{name}: coefficients must be a 1-d array, got shape {p.shape} (at "
                         f"{user_frame()})")
    return p


def polyval(p, x):
    """``p[0] * x**(n-1) + ... + p[n-1]`` by Horner's rule, at every entry of ``x``.

    >>> polyval(np.array([2.0, 1.0]), np.array([0.0, 1.0])).tolist()
    [1.0, 3.0]
    """
    p, x = _coeffs("polyval", p), asarray_or_tracer(x)
    dt = result_dtype(p, x)
    p, x = astype(p, dt), astype(x, dt)
    y = multiply(x, 0) if p.shape[0] == 0 else multiply(x, 0) + p[0]
    for k in range(1, p.shape[0]):
        y = y * x + p[k]
    return y


def _aligned(a1, a2, name):
    a1, a2 = _coeffs(name, a1), _coeffs(name, a2)
    n = max(a1.shape[0], a2.shape[0])
    return pad(a1, (n - a1.shape[0], 0)), pad(a2, (n - a2.shape[0], 0))


def polyadd(a1, a2):
    """Sum of two polynomials.

    >>> polyadd(np.array([1.0, 2.0]), np.array([1.0, 0.0, 1.0])).tolist()
    [1.0, 1.0, 3.0]
    """
    a1, a2 = _aligned(a1, a2, "polyadd")
    return a1 + a2


def polysub(a1, a2):
    """Difference of two polynomials.

    >>> polysub(np.array([1.0, 2.0]), np.array([1.0, 0.0, 1.0])).tolist()
    [-1.0, 1.0, 1.0]
    """
    a1, a2 = _aligned(a1, a2, "polysub")
    return a1 - a2


def polymul(a1, a2):
    """Product of two polynomials (the convolution of their coefficients).

    >>> polymul(np.array([1.0, 1.0]), np.array([1.0, -1.0])).tolist()
    [1.0, 0.0, -1.0]
    """
    return convolve(_coeffs("polymul", a1), _coeffs("polymul", a2))


def polydiv(u, v, *, trim_leading_zeros=False):
    """``(quotient, remainder)`` of ``u / v``. The remainder has ``u``'s length, leading zeros
    kept (``trim_leading_zeros=True`` trims them as NumPy does; concrete values only).

    >>> [r.tolist() for r in polydiv(np.array([1.0, 0.0, -1.0]), np.array([1.0, 1.0]))]
    [[1.0, -1.0], [0.0, 0.0, 0.0]]
    """
    u, v = _coeffs("polydiv", u), _coeffs("polydiv", v)
    dt = float_dtype(result_dtype(u, v))
    u, v = astype(u, dt), astype(v, dt)
    n, m = u.shape[0], v.shape[0]
    r, q = u, []
    for k in range(max(n - m + 1, 0)):
        d = r[k] / v[0]
        q.append(d)
        r = r - d * pad(v, (k, n - m - k))
    q = stack(q) if q else np.zeros(1, dt)
    if trim_leading_zeros:
        if isinstance(r, Tracer):
            raise NotImplementedError(f"polydiv(trim_leading_zeros=True) of traced values: the "
                                      f"remainder's length would depend on them (at "
                                      f"{user_frame()})")
        r = np.trim_zeros(np.where(np.isclose(r, 0, rtol=0, atol=1e-14), 0, r), "f") \
            if np.any(r) else r[-1:]
    return q, r


def polyder(p, m=1):
    """The ``m``-th derivative.

    >>> polyder(np.array([1.0, 1.0, 1.0])).tolist()
    [2.0, 1.0]
    """
    p = _coeffs("polyder", p)
    if m < 0:
        raise ValueError(f"polyder: order of derivative must be positive (see polyint), got {m}")
    p = astype(p, float_dtype(p.dtype)) if p.dtype.kind == "b" else p
    for _ in range(m):
        n = p.shape[0]
        p = p[:-1] * np.arange(n - 1, 0, -1) if n > 1 else np.zeros(1, p.dtype) * p
    return p


def polyint(p, m=1, k=None):
    """The ``m``-th antiderivative, with integration constants ``k`` (a number or ``m`` of
    them, lowest order first as in NumPy; 0 by default).

    >>> polyint(np.array([3.0, 2.0]), k=5.0).tolist()
    [1.5, 2.0, 5.0]
    """
    p = _coeffs("polyint", p)
    p = astype(p, float_dtype(p.dtype))
    if m < 0:
        raise ValueError(f"polyint: order of integral must be positive (see polyder), got {m}")
    ks = [0.0] * m if k is None else ([k] * m if np.ndim(k) == 0 else list(k))
    if len(ks) != m:
        raise ValueError(f"polyint: k must be a scalar or a sequence of length m={m}")
    for c in ks:
        n = p.shape[0]
        p = concatenate([p / np.arange(n, 0, -1, dtype=p.dtype),
                         astype(asarray_or_tracer(c), p.dtype).reshape(1)])
    return p


def vander(x, N=None, increasing=False):
    """The Vandermonde matrix: columns ``x**(N-1), ..., x, 1`` (or increasing powers), built
    by repeated products (exact derivatives also at ``x == 0``).

    >>> vander(np.array([2.0, 3.0]), 3).tolist()
    [[4.0, 2.0, 1.0], [9.0, 3.0, 1.0]]
    """
    x = asarray_or_tracer(x)
    if x.ndim != 1:
        raise ValueError(f"vander: x must be a one-dimensional array, got shape {x.shape} (at "
                         f"{user_frame()})")
    N = x.shape[0] if N is None else int(N)
    cols = []
    for i in range(N):
        cols.append(x * 0 + 1 if i == 0 else cols[-1] * x)
    if not cols:
        return np.zeros((x.shape[0], 0), x.dtype)
    return stack(cols if increasing else cols[::-1], axis=1)


def polyfit(x, y, deg, rcond=None, full=False, w=None, cov=False):
    """Least-squares polynomial fit of degree ``deg`` (``y`` 1-D, or 2-D with one fit per
    column), weights ``w`` on the residuals. Solved through the normal equations of the
    column-scaled Vandermonde matrix, differentiable in ``x``, ``y`` and ``w``; accurate while
    that matrix is well conditioned (low degrees, spread-out points). ``full`` and ``cov`` are
    not supported.

    >>> np.round(polyfit(np.array([0.0, 1.0, 2.0]), np.array([1.0, 3.0, 5.0]), 1), 12).tolist()
    [2.0, 1.0]
    """
    if full or cov:
        raise NotImplementedError("polyfit: full=True and cov=True are not supported; fit with "
                                  "full=False, cov=False")
    x, y = asarray_or_tracer(x), asarray_or_tracer(y)
    dt = float_dtype(result_dtype(x, y))
    x, y = astype(x, dt), astype(y, dt)
    if deg < 0 or x.ndim != 1 or y.ndim not in (1, 2) or x.shape[0] != y.shape[0]:
        raise ValueError(f"polyfit: expected deg >= 0, 1-d x and y (or 2-d y) of one length; "
                         f"got deg={deg}, x {x.shape}, y {y.shape} (at {user_frame()})")
    a = vander(x, deg + 1)
    if w is not None:
        w = astype(asarray_or_tracer(w), dt)
        a = a * w[:, None]
        y = y * (w[:, None] if y.ndim == 2 else w)
    scale = sqrt(_sum(a * a, axis=0))
    a = a / scale
    coef = solve(a.T @ a, a.T @ y)
    return (coef.T / scale).T


def poly(seq_of_zeros):
    """The coefficients of the monic polynomial with the given roots (concrete matrices: of
    their characteristic polynomial).

    >>> poly(np.array([1.0, 2.0])).tolist()
    [1.0, -3.0, 2.0]
    """
    z = asarray_or_tracer(seq_of_zeros)
    if z.ndim == 2 and z.shape[0] == z.shape[1] and z.shape[0] > 0:
        if isinstance(z, Tracer):
            raise NotImplementedError(f"poly of a traced matrix needs its eigenvalues (complex "
                                      f"in general) (at {user_frame()}); pass its eigenvalues")
        return np.poly(z)
    if z.ndim > 1:
        raise ValueError(f"poly: input must be 1d or non-empty square 2d array (got shape "
                         f"{z.shape}, at {user_frame()})")
    z = astype(z, float_dtype(z.dtype))
    c = np.ones(1, z.dtype)
    for i in range(z.shape[0]):
        c = concatenate([c, np.zeros(1, z.dtype)]) - z[i] * concatenate(
            [np.zeros(1, z.dtype), c])
    return c


def roots(p):
    """The roots of a polynomial (NumPy's: concrete coefficients only, complex in general).

    >>> sorted(roots(np.array([1.0, -3.0, 2.0])).tolist())
    [1.0, 2.0]
    """
    if isinstance(p, Tracer):
        raise NotImplementedError(
            f"roots of traced coefficients is not supported: they are the eigenvalues of the "
            f"companion matrix, complex in general (at {user_frame()}). Call it on concrete "
            "coefficients (outside jit/grad), or use fg.stop_gradient.")
    return np.roots(p)
