"""Special functions of ``scipy.special`` as elementwise primitives.

Each is a primitive for its numerics: ``gammaln`` of 1e300, ``log_ndtr`` of -40, ``ndtri`` near
0 and 1 or ``betainc`` in its tails cannot be composed from exp and log without losing every
digit. Eagerly each runs SciPy's ufunc (float32 stays float32); in a compiled loop the kernel of
the same name calls SciPy's own compiled scalar function (``funcgrad/backend/kernels.py``), so
the numbers under ``jit`` are SciPy's. ``zeta`` (Hurwitz) has no such export: its kernel is our
Euler-Maclaurin sum, within a few ulp of SciPy.

Derivatives are written with these primitives, so every order is available
(``gammaln' = digamma``, ``digamma' = zeta(2, x)``, ``zeta(s, q)' = -s zeta(s + 1, q)``, ...).
The derivatives of ``gammainc``/``gammaincc`` in ``a``, of ``betainc`` in ``a`` and ``b`` and of
``zeta`` in ``s`` are not implemented (as in JAX's ``betainc``): asking for one raises
``NotImplementedError``, never a silently wrong number.
"""
import importlib
import math

import numpy as np

from ..errors import user_frame
from . import elementwise as ew
from . import kernel_names as K
from .broadcasting import full_like, half_like, zeros_like

_SQRT_2PI = math.sqrt(2.0 * math.pi)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_SQRT_HALF = math.sqrt(0.5)


def _scipy(name):
    """``scipy.special.<name>`` as the impl: computed in float64 and rounded once to the
    operands' dtype, as the compiled kernels do (SciPy's own float32 loops of some functions,
    ``betainc`` among them, compute in single precision). SciPy is imported on first use, so
    that ``import funcgrad`` does not pay for it."""
    def impl(*xs):
        f = getattr(importlib.import_module("scipy.special"), name)
        out = f(*[np.asarray(x, np.float64) for x in xs])
        return np.asarray(out).astype(np.result_type(*xs), copy=False)
    impl.__name__ = name
    return impl


def _where(pred, x, y):
    return ew.select_p.bind(pred, x, y)


def _no_derivative(name, operand, instead):
    """A derivative rule for an operand in which ``name`` is not differentiated: it raises."""
    def rule(*args):
        raise NotImplementedError(
            f"{name}: the derivative with respect to {operand} is not implemented (at "
            f"{user_frame()}). {instead}")
    return rule


_SHAPE_PARAM = ("Hold it constant (pass it as a constant, or wrap it in fg.stop_gradient) to "
                "differentiate in the other arguments.")


def _special(name, partials, kernel, scipy_name=None):
    """An elementwise primitive computing ``scipy.special.<scipy_name or name>`` of float
    operands. ``partials(*operands, out)`` gives one thunk per operand, its partial derivative
    in traceable ops (or a rule that raises, for an operand it is not differentiated in)."""
    def jvp(primals, tangents):
        out = prim.bind(*primals)
        total = None
        for t, d in zip(tangents, partials(*primals, out)):
            if t is not None:  # only the operands that carry a tangent are differentiated
                total = t * d() if total is None else total + t * d()
        return out, total

    def vjp(ct, primals, out):
        return tuple((lambda d=d: ct * d()) for d in partials(*primals, out))

    prim = ew.elementwise(name, _scipy(scipy_name or name), ew.elementwise_abstract(name),
                          kernel, jvp=jvp, vjp=vjp)
    return prim


def _unary(name, deriv, kernel, scipy_name=None):
    return _special(name, lambda x, out: (lambda: deriv(x, out),), kernel, scipy_name)


def _exp(x):
    return ew.exp_p.bind(x)


def _log(x):
    return ew.log_p.bind(x)


def _x_is_zero(x):
    """x, with 1 where x is 0 (for a division by x that a select then discards), and x == 0."""
    zero = x == 0.0
    return _where(zero, full_like(x, 1.0), x), zero


# --- gamma and its logarithm ------------------------------------------------------------------

gammaln_p = _unary("gammaln", lambda x, out: digamma_p.bind(x), K.gammaln_)
digamma_p = _unary("digamma", lambda x, out: zeta_p.bind(full_like(x, 2.0), x), K.psi_,
                   "psi")
gamma_p = _unary("gamma", lambda x, out: out * digamma_p.bind(x), K.gamma_)
# 1 / gamma: 0 at the poles of gamma, where its derivative (-1)^n n! is not available: nan.
rgamma_p = _unary("rgamma", lambda x, out: -out * digamma_p.bind(x), K.rgamma_)
# The sign of gamma: piecewise constant, no derivative.
gammasgn_p = ew.unary("gammasgn", _scipy("gammasgn"), scalar=K.gammasgn_, differentiable=False)


def _zeta_partials(s, q, out):
    return (_no_derivative("zeta", "s (the exponent)", _SHAPE_PARAM),
            lambda: -s * zeta_p.bind(s + 1.0, q))


zeta_p = _special("zeta", _zeta_partials, K.zeta_)


def _beta_digammas(a, b):
    """d log B(a, b) / da and / db."""
    dab = digamma_p.bind(a + b)
    return (lambda: digamma_p.bind(a) - dab), (lambda: digamma_p.bind(b) - dab)


betaln_p = _special("betaln", lambda a, b, out: _beta_digammas(a, b), K.betaln_)
beta_p = _special("beta", lambda a, b, out: tuple(
    (lambda d=d: out * d()) for d in _beta_digammas(a, b)), K.beta_)


# --- incomplete gamma and beta functions ------------------------------------------------------

def _gammainc_dx(a, x):
    """d gammainc(a, x) / dx: the Gamma(a) density at x."""
    return _exp((a - 1.0) * _log(x) - x - gammaln_p.bind(a))


gammainc_p = _special("gammainc", lambda a, x, out: (
    _no_derivative("gammainc", "a (the shape parameter)", _SHAPE_PARAM),
    lambda: _gammainc_dx(a, x)), K.gammainc_)
gammaincc_p = _special("gammaincc", lambda a, x, out: (
    _no_derivative("gammaincc", "a (the shape parameter)", _SHAPE_PARAM),
    lambda: -_gammainc_dx(a, x)), K.gammaincc_)


def _betainc_partials(a, b, x, out):
    def dx():  # the Beta(a, b) density at x
        return _exp((a - 1.0) * _log(x) + (b - 1.0) * ew.log1p_p.bind(-x) - betaln_p.bind(a, b))
    return (_no_derivative("betainc", "a (a shape parameter)", _SHAPE_PARAM),
            _no_derivative("betainc", "b (a shape parameter)", _SHAPE_PARAM), dx)


betainc_p = _special("betainc", _betainc_partials, K.betainc_)


# --- error function and the normal distribution -----------------------------------------------

def _gauss(x):
    return _TWO_OVER_SQRT_PI * _exp(-x * x)


erf_p = _unary("erf", lambda x, out: _gauss(x), K.erf_)
erfc_p = _unary("erfc", lambda x, out: -_gauss(x), K.erfc_)
# erfcx(x) = exp(x^2) erfc(x), finite where erfc underflows
erfcx_p = _unary("erfcx", lambda x, out: 2.0 * x * out - _TWO_OVER_SQRT_PI, K.erfcx_)
erfinv_p = _unary("erfinv", lambda x, out: 1.0 / _gauss(out), K.erfinv_)
erfcinv_p = _unary("erfcinv", lambda x, out: -1.0 / _gauss(out), K.erfcinv_)
ndtr_p = _unary("ndtr", lambda x, out: _exp(-0.5 * x * x) / _SQRT_2PI, K.ndtr_)
ndtri_p = _unary("ndtri", lambda x, out: _SQRT_2PI * _exp(0.5 * out * out), K.ndtri_)

def _log_ndtr_deriv(x, out):
    """d log ndtr(x) = pdf(x) / ndtr(x). Below 8 as sqrt(2 / pi) / erfcx(-x / sqrt(2)), with no
    cancellation where both underflow (x = -1e3); above, ndtr(x) is 1 to double precision and
    pdf(x) underflows gracefully (erfcx would overflow, and its derivative with it)."""
    right = x > 8.0
    left = _SQRT_2_OVER_PI / erfcx_p.bind(_where(right, zeros_like(x), x * -_SQRT_HALF))
    xr = _where(right, x, full_like(x, 8.0))
    return _where(right, _exp(-0.5 * xr * xr) / (_SQRT_2PI * ndtr_p.bind(xr)), left)


log_ndtr_p = _unary("log_ndtr", _log_ndtr_deriv, K.log_ndtr_)


# --- Bessel functions -------------------------------------------------------------------------
# i0e(x) = exp(-|x|) I0(x); I0' = I1, I1' = I0 - I1 / x (1/2 at 0); J0' = -J1, J1' = J0 - J1/x.

def _minus_over_x(f, x, out, at_zero):
    """f(x) - out / x, with its limit ``at_zero`` at x == 0."""
    safe, zero = _x_is_zero(x)
    return _where(zero, full_like(x, at_zero), f(x) - out / safe)


i0e_p = _unary("i0e", lambda x, out: i1e_p.bind(x) - ew.sign_p.bind(x) * out, K.i0e_)
i1e_p = _unary("i1e", lambda x, out: _minus_over_x(i0e_p.bind, x, out, 0.5)
               - ew.sign_p.bind(x) * out, K.i1e_)
j0_p = _unary("j0", lambda x, out: -j1_p.bind(x), K.j0_)
j1_p = _unary("j1", lambda x, out: _minus_over_x(j0_p.bind, x, out, 0.5), K.j1_)
y0_p = _unary("y0", lambda x, out: -y1_p.bind(x), K.y0_)
y1_p = _unary("y1", lambda x, out: y0_p.bind(x) - out / x, K.y1_)


# --- exponential integrals, dilogarithm -------------------------------------------------------

expi_p = _unary("expi", lambda x, out: _exp(x) / x, K.expi_)
exp1_p = _unary("exp1", lambda x, out: -_exp(-x) / x, K.exp1_)


def _spence_deriv(x, out):
    """d spence(x) = log(x) / (1 - x), whose limit at x == 1 is -1."""
    one = x == 1.0
    safe = _where(one, half_like(x), x)
    return _where(one, full_like(x, -1.0), _log(safe) / (1.0 - safe))


spence_p = _unary("spence", _spence_deriv, K.spence_)
