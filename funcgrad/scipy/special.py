"""``funcgrad.scipy.special``: SciPy's special functions, traceable by every transformation.

Names, arguments and values are SciPy's. Functions that cannot be composed from exp and log
without losing digits are primitives (``funcgrad/ops/special.py``): eagerly they run SciPy's
ufuncs, under ``jit`` SciPy's compiled scalar functions inside the fused loop. The rest are
compositions. Derivatives follow the functions' closed forms to every order, except in the
shape parameters of ``gammainc``/``gammaincc``/``betainc`` and the exponent of ``zeta``, which
raise ``NotImplementedError`` (JAX does not differentiate there either).
"""
import math

import numpy as np

from .. import numpy as fnp
from ..ad import stop_gradient
from ..core.tracing import Tracer
from ..errors import user_frame
from ..ops import elementwise as ew
from ..ops import special as sp
from ._args import real_floats, refuse_complex


def _scalar_if_0d(x):
    """Eager 0-d results as NumPy scalars, as SciPy returns them."""
    return x[()] if isinstance(x, np.ndarray) and x.ndim == 0 else x


def _from_primitive(prim, name, example, scipy_name=None):
    """The SciPy function ``name`` as the primitive ``prim`` on float operands."""
    def f(*xs):
        return _scalar_if_0d(prim.bind(*real_floats(*xs)))
    f.__name__ = name
    f.__doc__ = (f"``scipy.special.{scipy_name or name}``, traceable by every transformation."
                 f"\n\n>>> import scipy.special\n>>> bool(np.isclose({name}({example}), "
                 f"scipy.special.{scipy_name or name}({example})))\nTrue\n")
    return f


gammaln = _from_primitive(sp.gammaln_p, "gammaln", "4.5")
gamma = _from_primitive(sp.gamma_p, "gamma", "4.5")
digamma = psi = _from_primitive(sp.digamma_p, "digamma", "4.5")
gammasgn = _from_primitive(sp.gammasgn_p, "gammasgn", "-0.5")
rgamma = _from_primitive(sp.rgamma_p, "rgamma", "-2.0")  # 0 at the poles; derivative nan there
betaln = _from_primitive(sp.betaln_p, "betaln", "2.5, 0.5")
beta = _from_primitive(sp.beta_p, "beta", "2.5, 0.5")
gammainc = _from_primitive(sp.gammainc_p, "gammainc", "2.5, 1.5")
gammaincc = _from_primitive(sp.gammaincc_p, "gammaincc", "2.5, 1.5")
betainc = _from_primitive(sp.betainc_p, "betainc", "2.5, 1.5, 0.3")
erf = _from_primitive(sp.erf_p, "erf", "0.5")
erfc = _from_primitive(sp.erfc_p, "erfc", "0.5")
erfcx = _from_primitive(sp.erfcx_p, "erfcx", "30.0")
erfinv = _from_primitive(sp.erfinv_p, "erfinv", "0.5")
erfcinv = _from_primitive(sp.erfcinv_p, "erfcinv", "0.5")
ndtr = _from_primitive(sp.ndtr_p, "ndtr", "0.5")
ndtri = _from_primitive(sp.ndtri_p, "ndtri", "0.25")
log_ndtr = _from_primitive(sp.log_ndtr_p, "log_ndtr", "-40.0")
i0e = _from_primitive(sp.i0e_p, "i0e", "1.5")
i1e = _from_primitive(sp.i1e_p, "i1e", "1.5")
j0 = _from_primitive(sp.j0_p, "j0", "1.5")
j1 = _from_primitive(sp.j1_p, "j1", "1.5")
y0 = _from_primitive(sp.y0_p, "y0", "1.5")
y1 = _from_primitive(sp.y1_p, "y1", "1.5")
expi = _from_primitive(sp.expi_p, "expi", "1.5")
exp1 = _from_primitive(sp.exp1_p, "exp1", "1.5")
spence = _from_primitive(sp.spence_p, "spence", "1.5")


def i0(x):
    """The modified Bessel function of order 0, ``exp(|x|) * i0e(x)`` (as SciPy computes it).

    >>> import scipy.special
    >>> bool(np.isclose(i0(1.5), scipy.special.i0(1.5)))
    True
    """
    (x,) = real_floats(x)
    return fnp.exp(fnp.abs(x)) * i0e(x)


def i1(x):
    """The modified Bessel function of order 1, ``exp(|x|) * i1e(x)``.

    >>> import scipy.special
    >>> bool(np.isclose(i1(-1.5), scipy.special.i1(-1.5)))
    True
    """
    (x,) = real_floats(x)
    return fnp.exp(fnp.abs(x)) * i1e(x)


def _concrete_integers(name, what, n):
    """``n`` as a NumPy array of non-negative integers, or a clear error."""
    if isinstance(n, Tracer):
        raise TypeError(f"{name}: {what} must be a concrete integer, not a traced value (at "
                        f"{user_frame()}); pass it as a Python int or NumPy array, or mark it "
                        "static under jit (static_argnums).")
    n = np.asarray(n)
    if n.dtype.kind not in "iuf" or np.any(n != np.floor(n)) or np.any(n < 0):
        raise ValueError(f"{name}: {what} must be non-negative integers, got {n!r} (at "
                         f"{user_frame()}).")
    return n.astype(np.int64)


def zeta(x, q=None):
    """The Hurwitz zeta function ``sum over k >= 0 of (k + q) ** -x``, for ``x > 1``.

    Differentiable in ``q`` (``d/dq zeta(x, q) = -x zeta(x + 1, q)``); the derivative in
    ``x`` raises ``NotImplementedError``. ``q=None`` (Riemann's zeta, which SciPy extends to
    ``x < 1``) is not implemented, as in JAX: pass ``q=1.0`` for ``x > 1``.

    >>> bool(np.isclose(zeta(2.0, 1.0), np.pi ** 2 / 6))
    True
    """
    if q is None:
        raise NotImplementedError(
            f"zeta(x, q=None), Riemann's zeta, is not implemented (at {user_frame()}): pass "
            "q=1.0 for x > 1 (the Hurwitz zeta function at q = 1).")
    return _scalar_if_0d(sp.zeta_p.bind(*real_floats(x, q)))


def polygamma(n, x):
    """The ``n``-th derivative of ``digamma``: ``(-1)**(n+1) n! zeta(n + 1, x)`` for
    ``n >= 1``. ``n`` (integers, broadcast with ``x``) must be concrete: it is not
    differentiable, and it raises ``TypeError`` if traced.

    >>> import scipy.special
    >>> bool(np.isclose(polygamma(2, 1.5), scipy.special.polygamma(2, 1.5)))
    True
    """
    n = _concrete_integers("polygamma", "n", n)
    (x,) = real_floats(x)
    shape = np.broadcast_shapes(n.shape, x.shape)
    n, x = np.broadcast_to(n, shape), fnp.broadcast_to(x, shape)
    factor = np.where(n % 2 == 1, 1.0, -1.0) * np.vectorize(math.factorial, otypes=[float])(n)
    higher = fnp.asarray(factor, x.dtype) * zeta(fnp.asarray(np.maximum(n, 1) + 1.0, x.dtype), x)
    if not np.any(n == 0):
        return higher
    return fnp.where(n == 0, digamma(x), higher)


def multigammaln(a, d):
    """The log of the multivariate gamma function of dimension ``d`` (a concrete integer):
    ``d (d - 1) / 4 log(pi) + sum over j < d of gammaln(a - j / 2)``. Like SciPy, defined for
    ``a > (d - 1) / 2`` (unchecked under tracing: ``gammaln`` of a pole is inf).

    >>> import scipy.special
    >>> bool(np.isclose(multigammaln(3.5, 3), scipy.special.multigammaln(3.5, 3)))
    True
    """
    d = int(_concrete_integers("multigammaln", "d", d))
    if not isinstance(a, Tracer) and np.any(np.asarray(a) <= 0.5 * (d - 1)):
        raise ValueError(f"multigammaln: a must be > (d - 1) / 2 = {0.5 * (d - 1)}, got {a!r} "
                         f"(at {user_frame()}).")
    (a,) = real_floats(a)
    out = d * (d - 1) / 4.0 * math.log(math.pi)
    for j in range(d):
        out = out + gammaln(a - 0.5 * j)
    return out


def factorial(n, exact=False):
    """``gamma(n + 1)`` as a float, 0 for ``n < 0`` (SciPy's ``exact=False``).

    >>> float(factorial(5.0))
    120.0
    """
    if exact:
        raise NotImplementedError(
            f"factorial(exact=True) gives Python integers of any size, which have no array "
            f"dtype (at {user_frame()}): use exact=False, or math.factorial on concrete values.")
    (n,) = real_floats(n)
    return fnp.where(n < 0, 0.0, gamma(fnp.where(n < 0, 0.0, n) + 1.0))


# --- logs, entropies and losses ---------------------------------------------------------------

def logsumexp(a, axis=None, b=None, keepdims=False, return_sign=False):
    """``log(sum(b * exp(a)))`` over ``axis`` without overflow. With ``return_sign``, returns
    ``(log|s|, sign(s))`` for a sum ``s`` that ``b`` may make negative. A row of all ``-inf``
    gives ``-inf``.

    >>> float(logsumexp(np.array([1000.0, 1000.0])))  # doctest: +ELLIPSIS
    1000.693147...
    """
    a = fnp.asarray(a)
    refuse_complex(a.dtype)
    m = stop_gradient(fnp.max(a, axis=axis, keepdims=True))
    m = fnp.where(fnp.isfinite(m), m, 0.0)  # all -inf: keep log(0) = -inf, not nan
    e = fnp.exp(a - m)
    if b is not None:
        e = e * b
    s = fnp.sum(e, axis=axis, keepdims=True)
    sign = fnp.sign(s)
    out = fnp.log(fnp.abs(s)) + m
    if not keepdims:
        axes = tuple(range(a.ndim)) if axis is None else axis
        out, sign = fnp.squeeze(out, axis=axes), fnp.squeeze(sign, axis=axes)
    return (out, sign) if return_sign else out


def log_softmax(x, axis=None):
    """``x - logsumexp(x, axis, keepdims=True)`` (SciPy's default: over the whole array).

    >>> np.round(np.exp(log_softmax(np.array([1.0, 2.0, 3.0]))), 4)
    array([0.09  , 0.2447, 0.6652])
    """
    x = fnp.asarray(x)
    return x - logsumexp(x, axis=axis, keepdims=True)


def softmax(x, axis=None):
    """``exp(x) / sum(exp(x), axis)`` without overflow (SciPy's default: the whole array).

    >>> np.round(softmax(np.array([[1.0, 2.0], [3.0, 5.0]]), axis=1), 4)
    array([[0.2689, 0.7311],
           [0.1192, 0.8808]])
    """
    return fnp.exp(log_softmax(x, axis=axis))


def expit(x):
    """The logistic sigmoid ``1 / (1 + exp(-x))``, stable for large ``|x|``.

    >>> float(expit(0.0))
    0.5
    """
    x = fnp.asarray(x)
    refuse_complex(x.dtype)
    x = fnp.astype(x, x.dtype if x.dtype.kind == "f" else "float64")
    return ew.logistic_p.bind(x)


def logit(p):
    """``log(p / (1 - p))``, the inverse of ``expit``.

    >>> float(logit(0.5))
    0.0
    """
    return fnp.log(p) - fnp.log1p(-fnp.asarray(p))


def _x_log(log, lo, x, y):
    """``x * log(y)``, 0 where ``x == 0`` unless ``y`` is nan (SciPy's convention). The
    derivatives are ``log(y)`` and ``x / y`` wherever ``log(y)`` is finite, ``x == 0``
    included; where ``x == 0`` and ``log(y)`` is not finite (``y <= lo`` or inf), they are 0."""
    x, y = real_floats(x, y)
    bad = (x == 0) & ~fnp.isnan(y) & ~((y > lo) & fnp.isfinite(y))
    return fnp.where(bad, 0.0, x * log(fnp.where(bad, 1.0, y)))


def xlogy(x, y):
    """``x * log(y)``, defined as 0 where ``x == 0``.

    >>> float(xlogy(0.0, 0.0))
    0.0
    """
    return _x_log(fnp.log, 0.0, x, y)


def xlog1py(x, y):
    """``x * log1p(y)``, defined as 0 where ``x == 0``.

    >>> float(xlog1py(0.0, -1.0)), float(xlog1py(2.0, np.e - 1.0))
    (0.0, 2.0)
    """
    return _x_log(fnp.log1p, -1.0, x, y)


def entr(x):
    """The elementwise entropy ``-x log(x)``: 0 at 0, ``-inf`` for ``x < 0``.

    >>> float(entr(0.0)), float(entr(np.e))
    (0.0, -2.718281828459045)
    """
    (x,) = real_floats(x)
    pos = x > 0
    inside = -x * fnp.log(fnp.where(pos, x, 1.0))
    outside = fnp.where(x == 0, 0.0, fnp.where(fnp.isnan(x), x, -np.inf))
    return fnp.where(pos, inside, outside)


def rel_entr(x, y):
    """``x log(x / y)`` for ``x, y > 0``; 0 where ``x == 0 <= y``; inf elsewhere (SciPy's).

    >>> float(rel_entr(0.0, 1.0)), float(rel_entr(1.0, 0.0)), float(rel_entr(2.0, 2.0))
    (0.0, inf, 0.0)
    """
    x, y = real_floats(x, y)
    return _entropy_term(x, y, lambda x, y: x * fnp.log(x / y), lambda y: 0.0 * y)


def kl_div(x, y):
    """``x log(x / y) - x + y`` for ``x, y > 0``; ``y`` where ``x == 0 <= y``; inf elsewhere.

    >>> float(kl_div(0.0, 2.0)), float(kl_div(1.0, 1.0))
    (2.0, 0.0)
    """
    x, y = real_floats(x, y)
    return _entropy_term(x, y, lambda x, y: x * fnp.log(x / y) - x + y, lambda y: y)


def _entropy_term(x, y, both_positive, x_zero):
    """SciPy's cases of ``rel_entr``/``kl_div``: safe operands where a case is not taken, so
    no branch makes a nan derivative; nan in, nan out."""
    pos = (x > 0) & (y > 0)
    zero = (x == 0) & (y >= 0)
    inside = both_positive(fnp.where(pos, x, 1.0), fnp.where(pos, y, 1.0))
    out = fnp.where(pos, inside, fnp.where(zero, x_zero(fnp.where(zero, y, 0.0)), np.inf))
    return fnp.where(fnp.isnan(x) | fnp.isnan(y), x + y, out)


def huber(delta, r):
    """``r**2 / 2`` where ``|r| <= delta``, else ``delta (|r| - delta / 2)``; inf if
    ``delta < 0``.

    >>> float(huber(1.0, 0.5)), float(huber(1.0, 3.0))
    (0.125, 2.5)
    """
    delta, r = real_floats(delta, r)
    a = fnp.abs(r)
    out = fnp.where(a <= delta, 0.5 * r * r, delta * (a - 0.5 * delta))
    return fnp.where(delta < 0, np.inf, out)


def pseudo_huber(delta, r):
    """``delta**2 (sqrt(1 + (r / delta)**2) - 1)``: 0 if ``delta == 0``, inf if ``delta < 0``.

    >>> float(pseudo_huber(2.0, 0.0)), round(float(pseudo_huber(1.0, 1.0)), 6)
    (0.0, 0.414214)
    """
    delta, r = real_floats(delta, r)
    pos = delta > 0
    d = fnp.where(pos, delta, 1.0)
    out = d * d * (fnp.sqrt(1.0 + (r / d) ** 2) - 1.0)
    return fnp.where(delta == 0, 0.0, fnp.where(pos, out, np.inf))
