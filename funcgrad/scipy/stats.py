"""``funcgrad.scipy.stats``: SciPy's distributions as namespaces of traceable functions.

``norm.logpdf(x, loc=0, scale=1)`` and the rest take SciPy's argument names and give SciPy's
values (``-inf``/``0`` outside the support; ``nan`` where a parameter is out of its range, such
as ``scale <= 0``), differentiable in the data and the parameters. Two exceptions follow from
``funcgrad.scipy.special``: a cdf/sf built on ``betainc`` or ``gammainc`` (``t``, ``gamma``,
``beta``, ``chi2``, ``poisson``, ``binom``, ``nbinom``) is not differentiable in the shape
parameters that enter them as ``a``/``b`` (it raises ``NotImplementedError``); the count ``k``
of a discrete distribution has no derivative.

Each distribution is a ``Distribution``: an object whose attributes are the functions SciPy's
distribution has here (``norm.cdf``, ``poisson.logpmf``...).
"""
import math

import numpy as np

from .. import numpy as fnp
from ..ad import stop_gradient
from ..ops import linalg as la
from . import special as sc
from ._args import real_floats, refuse_complex

_LOG_2PI = math.log(2.0 * math.pi)
_DISCRETE = ("poisson", "binom", "nbinom", "geom", "bernoulli")


class Distribution:
    """A namespace of functions of one distribution, like ``scipy.stats.norm``'s methods.

    >>> norm
    <funcgrad.scipy.stats.norm: logpdf pdf logcdf cdf logsf sf ppf>
    """

    def __init__(self, name, **functions):
        self.name = name
        self._names = list(functions)
        for fname, f in functions.items():
            f.__name__ = fname
            f.__qualname__ = f"{name}.{fname}"
            setattr(self, fname, f)

    def __repr__(self):
        return f"<funcgrad.scipy.stats.{self.name}: {' '.join(self._names)}>"


def _with_docs(dist, example, doc):
    """Docstrings whose runnable example checks the value against ``scipy.stats``."""
    for fname in dist._names:
        f = getattr(dist, fname)
        args = example.replace("X", "0.3" if fname == "ppf" else "2.0" if fname.endswith(
            "pmf") or dist.name in _DISCRETE else "0.7")
        f.__doc__ = (f"``scipy.stats.{dist.name}.{fname}``: {doc}\n\n"
                     f">>> import scipy.stats\n"
                     f">>> bool(np.allclose({dist.name}.{fname}({args}), "
                     f"scipy.stats.{dist.name}.{fname}({args})))\nTrue\n")
    return dist


def _nan_unless(ok, out):
    """``out``, nan where a parameter is outside its range (SciPy's answer)."""
    return fnp.where(ok, out, np.nan)


def _safe(cond, x, fill):
    """``x`` where ``cond``, else ``fill``: an operand for a branch a select discards, chosen so
    that the discarded branch's derivative is not nan (nan * 0 would leak into the other)."""
    return fnp.where(cond, x, fill)


# --- continuous location-scale families -------------------------------------------------------

def _location_scale(name, doc, example, *, logpdf, cdf=None, sf=None, logcdf=None, logsf=None,
                   ppf=None, support=(-np.inf, np.inf)):
    """A distribution of ``x = loc + scale * z`` from the functions of the standard ``z``:
    ``logpdf(z)``, ``cdf(z)``, ... (``ppf(q)`` gives ``z``), all given for ``z`` inside
    ``support``; outside it the log density is ``-inf`` and the cdf 0 or 1."""
    lo, hi = support

    def standard(x, loc, scale):
        x, loc, scale = real_floats(x, loc, scale)
        z = (x - loc) / _safe(scale > 0, scale, 1.0)
        inside = (z >= lo) & (z <= hi)
        return z, _safe(inside, z, 0.5 if lo == 0.0 else 0.0), inside, scale

    def f_logpdf(x, loc=0.0, scale=1.0):
        z, zs, inside, scale = standard(x, loc, scale)
        out = fnp.where(inside, logpdf(zs) - fnp.log(_safe(scale > 0, scale, 1.0)), -np.inf)
        return _nan_unless((scale > 0) & ~fnp.isnan(z), out)

    def f_pdf(x, loc=0.0, scale=1.0):
        return fnp.exp(f_logpdf(x, loc, scale))

    def tail(g, below, above):
        def f(x, loc=0.0, scale=1.0):
            z, zs, inside, scale = standard(x, loc, scale)
            out = fnp.where(inside, g(zs), fnp.where(z < lo, below, above))
            return _nan_unless((scale > 0) & ~fnp.isnan(z), out)
        return f

    fns = dict(logpdf=f_logpdf, pdf=f_pdf)
    logcdf = logcdf or (cdf and (lambda z: fnp.log(cdf(z))))
    logsf = logsf or (sf and (lambda z: fnp.log(sf(z))))
    for fname, g, below, above in (("logcdf", logcdf, -np.inf, 0.0), ("cdf", cdf, 0.0, 1.0),
                                   ("logsf", logsf, 0.0, -np.inf), ("sf", sf, 1.0, 0.0)):
        if g is not None:
            fns[fname] = tail(g, below, above)
    if ppf is not None:
        def f_ppf(q, loc=0.0, scale=1.0):
            q, loc, scale = real_floats(q, loc, scale)
            ok = (scale > 0) & (q >= 0) & (q <= 1)
            return _nan_unless(ok, loc + scale * ppf(_safe(ok, q, 0.5)))
        fns["ppf"] = f_ppf
    return _with_docs(Distribution(name, **fns), example, doc)


def _norm_logpdf(z):
    return -0.5 * z * z - 0.5 * _LOG_2PI


norm = _location_scale(
    "norm", "the normal distribution.", "X, 0.2, 1.5", logpdf=_norm_logpdf,
    cdf=sc.ndtr, logcdf=sc.log_ndtr, sf=lambda z: sc.ndtr(-z), logsf=lambda z: sc.log_ndtr(-z),
    ppf=sc.ndtri)

expon = _location_scale(
    "expon", "the exponential distribution.", "X, 0.1, 2.0", logpdf=lambda z: -z,
    cdf=lambda z: -fnp.expm1(-z), sf=lambda z: fnp.exp(-z), logsf=lambda z: -z,
    logcdf=lambda z: fnp.log(-fnp.expm1(-z)), ppf=lambda q: -fnp.log1p(-q), support=(0.0, np.inf))


def _laplace_cdf(z):
    return fnp.where(z < 0, 0.5 * fnp.exp(fnp.minimum(z, 0.0)),
                     1.0 - 0.5 * fnp.exp(-fnp.maximum(z, 0.0)))


laplace = _location_scale(
    "laplace", "the Laplace (double exponential) distribution.", "X, 0.1, 2.0",
    logpdf=lambda z: -fnp.abs(z) - math.log(2.0), cdf=_laplace_cdf,
    sf=lambda z: _laplace_cdf(-z),
    ppf=lambda q: fnp.where(q < 0.5, fnp.log(2.0 * fnp.where(q < 0.5, q, 0.25)),
                            -fnp.log(2.0 - 2.0 * fnp.where(q < 0.5, 0.75, q))))

cauchy = _location_scale(
    "cauchy", "the Cauchy distribution.", "X, 0.1, 2.0",
    logpdf=lambda z: -fnp.log1p(z * z) - math.log(math.pi),
    cdf=lambda z: 0.5 + fnp.arctan(z) / math.pi, sf=lambda z: 0.5 - fnp.arctan(z) / math.pi,
    ppf=lambda q: fnp.where(q == 0, -np.inf, fnp.where(q == 1, np.inf, fnp.tan(
        math.pi * (q - 0.5)))))  # tan(pi / 2) is finite in floating point


def _log_expit(z):
    """log(expit(z)) = -log1p(exp(-z)), without overflow for z << 0."""
    return fnp.minimum(z, 0.0) - fnp.log1p(fnp.exp(-fnp.abs(z)))


logistic = _location_scale(
    "logistic", "the logistic distribution.", "X, 0.1, 2.0",
    logpdf=lambda z: -fnp.abs(z) - 2.0 * fnp.log1p(fnp.exp(-fnp.abs(z))),
    cdf=sc.expit, sf=lambda z: sc.expit(-z), logcdf=_log_expit,
    logsf=lambda z: _log_expit(-z), ppf=sc.logit)

uniform = _location_scale(
    "uniform", "the uniform distribution on [loc, loc + scale].", "X, 0.1, 2.0",
    logpdf=lambda z: 0.0 * z, cdf=lambda z: z, sf=lambda z: 1.0 - z, ppf=lambda q: q,
    support=(0.0, 1.0))


# --- continuous families with shape parameters ------------------------------------------------

def _shaped(name, doc, example, nshape, valid, **standard):
    """A location-scale family with ``nshape`` shape parameters before ``loc`` and ``scale``:
    ``standard`` functions take ``(z, *shapes)``; ``valid(*shapes)`` is where they are in
    range (elsewhere: nan)."""
    fns = {}
    for fname, g in standard.items():
        fns[fname] = _shaped_function(fname, g, nshape, valid)
    return _with_docs(Distribution(name, **fns), example, doc)


def _shaped_function(fname, g, nshape, valid):
    def f(x, *args, loc=0.0, scale=1.0):
        shapes, rest = args[:nshape], args[nshape:]
        if len(shapes) < nshape:
            raise TypeError(f"{fname}() needs {nshape} shape parameter(s), got {len(shapes)}")
        loc, scale = (list(rest) + [loc, scale][len(rest):])[:2]
        x, loc, scale, *shapes = real_floats(x, loc, scale, *shapes)
        ok = (scale > 0) & valid(*shapes)
        safe_shapes = [_safe(ok, s, 1.0) for s in shapes]
        safe_scale = _safe(ok, scale, 1.0)
        if fname == "ppf":
            return _nan_unless(ok & (x >= 0) & (x <= 1),
                               loc + safe_scale * g(_safe(ok, x, 0.5), *safe_shapes))
        z = (x - loc) / safe_scale
        out = g(z, *safe_shapes)
        if fname in ("logpdf", "pdf"):
            out = out - fnp.log(safe_scale) if fname == "logpdf" else out / safe_scale
        return _nan_unless(ok & ~fnp.isnan(z), out)
    return f


def _t_logpdf(z, df):
    return (sc.gammaln(0.5 * (df + 1.0)) - sc.gammaln(0.5 * df) - 0.5 * fnp.log(df * math.pi)
            - 0.5 * (df + 1.0) * fnp.log1p(z * z / df))


def _t_tail(z, df):
    """P(T > |z|) = betainc(df / 2, 1 / 2, df / (df + z^2)) / 2, accurate in the tail."""
    return 0.5 * sc.betainc(0.5 * df, 0.5, df / (df + z * z))


def _t_cdf(z, df):
    tail = _t_tail(z, df)
    return fnp.where(z < 0, tail, 1.0 - tail)


t = _shaped("t", "Student's t distribution with ``df`` degrees of freedom.", "X, 3.5, 0.1, 2.0",
            1, lambda df: df > 0, logpdf=_t_logpdf, pdf=lambda z, df: fnp.exp(_t_logpdf(z, df)),
            cdf=_t_cdf, sf=lambda z, df: _t_cdf(-z, df),
            logcdf=lambda z, df: fnp.log(_t_cdf(z, df)),
            logsf=lambda z, df: fnp.log(_t_cdf(-z, df)))


def _gamma_logpdf(z, a):
    zs = _safe(z > 0, z, 1.0)
    inside = sc.xlogy(a - 1.0, zs) - zs - sc.gammaln(a)
    at_zero = fnp.where(a == 1.0, 0.0, fnp.where(a > 1.0, -np.inf, np.inf))
    return fnp.where(z > 0, inside, fnp.where(z == 0, at_zero, -np.inf))


def _gamma_cdf(z, a):
    return sc.gammainc(a, fnp.maximum(z, 0.0))


def _gamma_sf(z, a):
    return sc.gammaincc(a, fnp.maximum(z, 0.0))


gamma = _shaped("gamma", "the gamma distribution of shape ``a``.", "X, 2.5, 0.1, 2.0", 1,
                lambda a: a > 0, logpdf=_gamma_logpdf,
                pdf=lambda z, a: fnp.exp(_gamma_logpdf(z, a)), cdf=_gamma_cdf, sf=_gamma_sf,
                logcdf=lambda z, a: fnp.log(_gamma_cdf(z, a)),
                logsf=lambda z, a: fnp.log(_gamma_sf(z, a)))

chi2 = _shaped("chi2", "the chi-squared distribution with ``df`` degrees of freedom.",
               "X, 3.5, 0.1, 2.0", 1, lambda df: df > 0,
               logpdf=lambda z, df: _gamma_logpdf(0.5 * z, 0.5 * df) - math.log(2.0),
               pdf=lambda z, df: 0.5 * fnp.exp(_gamma_logpdf(0.5 * z, 0.5 * df)),
               cdf=lambda z, df: _gamma_cdf(0.5 * z, 0.5 * df),
               sf=lambda z, df: _gamma_sf(0.5 * z, 0.5 * df),
               logcdf=lambda z, df: fnp.log(_gamma_cdf(0.5 * z, 0.5 * df)),
               logsf=lambda z, df: fnp.log(_gamma_sf(0.5 * z, 0.5 * df)))


def _beta_logpdf(z, a, b):
    inside = (z > 0) & (z < 1)
    zs = _safe(inside, z, 0.5)
    out = sc.xlogy(a - 1.0, zs) + sc.xlog1py(b - 1.0, -zs) - sc.betaln(a, b)
    return fnp.where(inside, out, -np.inf)


def _beta_cdf(z, a, b):
    return sc.betainc(a, b, fnp.clip(z, 0.0, 1.0))


def _beta_sf(z, a, b):
    return sc.betainc(b, a, 1.0 - fnp.clip(z, 0.0, 1.0))


beta = _shaped("beta", "the beta distribution of shapes ``a``, ``b``.", "X, 2.5, 1.5, 0.1, 2.0",
               2, lambda a, b: (a > 0) & (b > 0), logpdf=_beta_logpdf,
               pdf=lambda z, a, b: fnp.exp(_beta_logpdf(z, a, b)), cdf=_beta_cdf, sf=_beta_sf,
               logcdf=lambda z, a, b: fnp.log(_beta_cdf(z, a, b)),
               logsf=lambda z, a, b: fnp.log(_beta_sf(z, a, b)))


def _lognorm_logpdf(z, s):
    zs = _safe(z > 0, z, 1.0)
    lz = fnp.log(zs)
    out = _norm_logpdf(lz / s) - fnp.log(s) - lz
    return fnp.where(z > 0, out, -np.inf)


def _lognorm_cdf(z, s):
    return fnp.where(z > 0, sc.ndtr(fnp.log(_safe(z > 0, z, 1.0)) / s), 0.0)


lognorm = _shaped("lognorm", "the log-normal distribution of shape ``s``.", "X, 0.7, 0.1, 2.0",
                  1, lambda s: s > 0, logpdf=_lognorm_logpdf,
                  pdf=lambda z, s: fnp.exp(_lognorm_logpdf(z, s)), cdf=_lognorm_cdf,
                  sf=lambda z, s: 1.0 - _lognorm_cdf(z, s),
                  ppf=lambda q, s: fnp.exp(s * sc.ndtri(q)))


def _pareto_logpdf(z, b):
    zs = _safe(z >= 1, z, 1.0)
    return fnp.where(z >= 1, fnp.log(b) - (b + 1.0) * fnp.log(zs), -np.inf)


pareto = _shaped("pareto", "the Pareto distribution of shape ``b``.", "X, 2.5, 0.1, 0.2", 1,
                 lambda b: b > 0, logpdf=_pareto_logpdf,
                 pdf=lambda z, b: fnp.exp(_pareto_logpdf(z, b)),
                 cdf=lambda z, b: fnp.where(z >= 1, -fnp.expm1(-b * fnp.log(
                     _safe(z >= 1, z, 1.0))), 0.0),
                 sf=lambda z, b: fnp.where(z >= 1, fnp.exp(-b * fnp.log(
                     _safe(z >= 1, z, 1.0))), 1.0),
                 ppf=lambda q, b: fnp.exp(-fnp.log1p(-q) / b))


def _vonmises_logpdf(z, kappa):
    # log i0(kappa) = log i0e(kappa) + kappa: no overflow for large kappa
    return kappa * (fnp.cos(z) - 1.0) - math.log(2.0 * math.pi) - fnp.log(sc.i0e(kappa))


vonmises = _shaped("vonmises", "the von Mises distribution of concentration ``kappa`` (the "
                   "density, periodic in ``x``).", "X, 2.5, 0.1, 1.0", 1, lambda k: k > 0,
                   logpdf=_vonmises_logpdf, pdf=lambda z, k: fnp.exp(_vonmises_logpdf(z, k)))


# --- discrete distributions -------------------------------------------------------------------

def _discrete(name, doc, example, nparams, valid, support, logpmf, cdf=None, sf=None):
    """A discrete distribution of ``k - loc`` from ``logpmf(k, *params)`` and ``cdf``/``sf``,
    given for ``k`` an integer inside ``support(*params) -> (lo, hi)`` (the count ``k`` has no
    derivative)."""
    def prepared(k, args, loc):
        params, rest = args[:nparams], args[nparams:]
        if len(params) < nparams:
            raise TypeError(f"{name}: needs {nparams} parameter(s) after k, got {len(params)}")
        loc = rest[0] if rest else loc
        k, loc, *params = real_floats(k, loc, *params)
        ok = valid(*params)
        params = [_safe(ok, p, _FILL[name][i]) for i, p in enumerate(params)]
        k = stop_gradient(k - loc)
        lo, hi = support(*params)
        return k, params, ok, lo, hi

    def f_logpmf(k, *args, loc=0.0):
        k, params, ok, lo, hi = prepared(k, args, loc)
        inside = (k == fnp.floor(k)) & (k >= lo) & (k <= hi)
        out = fnp.where(inside, logpmf(_safe(inside, k, lo), *params), -np.inf)
        return _nan_unless(ok & ~fnp.isnan(k), out)

    def f_pmf(k, *args, loc=0.0):
        return fnp.exp(f_logpmf(k, *args, loc=loc))

    def tail(g, below, above):
        def f(k, *args, loc=0.0):
            k, params, ok, lo, hi = prepared(k, args, loc)
            k = fnp.floor(k)
            inside = (k >= lo) & (k < hi)
            out = fnp.where(inside, g(_safe(inside, k, lo), *params),
                            fnp.where(k < lo, below, above))
            return _nan_unless(ok & ~fnp.isnan(k), out)
        return f

    fns = dict(logpmf=f_logpmf, pmf=f_pmf)
    if cdf is not None:
        fns.update(cdf=tail(cdf, 0.0, 1.0), logcdf=tail(lambda k, *p: fnp.log(cdf(k, *p)),
                                                        -np.inf, 0.0))
    if sf is not None:
        fns.update(sf=tail(sf, 1.0, 0.0), logsf=tail(lambda k, *p: fnp.log(sf(k, *p)),
                                                     0.0, -np.inf))
    return _with_docs(Distribution(name, **fns), example, doc)


# a parameter value inside the range, for the entries where it is outside (nan results)
_FILL = {"poisson": (1.0,), "binom": (1.0, 0.5), "nbinom": (1.0, 0.5), "geom": (0.5,),
         "bernoulli": (0.5,)}

poisson = _discrete(
    "poisson", "the Poisson distribution of mean ``mu``.", "X, 2.5", 1, lambda mu: mu >= 0,
    lambda mu: (0.0, np.inf),
    lambda k, mu: sc.xlogy(k, mu) - sc.gammaln(k + 1.0) - mu,
    cdf=lambda k, mu: sc.gammaincc(k + 1.0, mu), sf=lambda k, mu: sc.gammainc(k + 1.0, mu))


def _binom_logpmf(k, n, p):
    return (sc.gammaln(n + 1.0) - sc.gammaln(k + 1.0) - sc.gammaln(n - k + 1.0)
            + sc.xlogy(k, p) + sc.xlog1py(n - k, -p))


binom = _discrete(
    "binom", "the binomial distribution of ``n`` trials with success probability ``p``.",
    "X, 7, 0.3", 2, lambda n, p: (n >= 0) & (n == fnp.floor(n)) & (p >= 0) & (p <= 1),
    lambda n, p: (0.0, n), _binom_logpmf,
    cdf=lambda k, n, p: sc.betainc(n - k, k + 1.0, 1.0 - p),
    sf=lambda k, n, p: sc.betainc(k + 1.0, n - k, p))

nbinom = _discrete(
    "nbinom", "the negative binomial distribution: failures before the ``n``-th success of "
    "probability ``p``.", "X, 3.5, 0.4", 2, lambda n, p: (n > 0) & (p > 0) & (p <= 1),
    lambda n, p: (0.0, np.inf),
    lambda k, n, p: (sc.gammaln(n + k) - sc.gammaln(n) - sc.gammaln(k + 1.0)
                     + sc.xlogy(n, p) + sc.xlog1py(k, -p)),
    cdf=lambda k, n, p: sc.betainc(n, k + 1.0, p),
    sf=lambda k, n, p: sc.betainc(k + 1.0, n, 1.0 - p))

geom = _discrete(
    "geom", "the geometric distribution: trials up to the first success of probability ``p``.",
    "X, 0.3", 1, lambda p: (p > 0) & (p <= 1), lambda p: (1.0, np.inf),
    lambda k, p: sc.xlog1py(k - 1.0, -p) + fnp.log(p),
    cdf=lambda k, p: -fnp.expm1(k * fnp.log1p(-p)), sf=lambda k, p: fnp.exp(k * fnp.log1p(-p)))

bernoulli = _discrete(
    "bernoulli", "the Bernoulli distribution of success probability ``p``.", "X, 0.3", 1,
    lambda p: (p >= 0) & (p <= 1), lambda p: (0.0, 1.0),
    lambda k, p: sc.xlogy(k, p) + sc.xlog1py(1.0 - k, -p),
    cdf=lambda k, p: 1.0 - p + 0.0 * k, sf=lambda k, p: p + 0.0 * k)


# --- multivariate -----------------------------------------------------------------------------

def _dirichlet_logpdf(x, alpha):
    """``scipy.stats.dirichlet.logpdf``: ``x`` holds points on the simplex along its first axis
    (``(K,)`` or ``(K, N)``), ``alpha`` is ``(K,)``.

    >>> import scipy.stats
    >>> x, alpha = np.array([0.2, 0.3, 0.5]), np.array([1.5, 2.0, 3.0])
    >>> bool(np.isclose(dirichlet.logpdf(x, alpha), scipy.stats.dirichlet.logpdf(x, alpha)))
    True
    """
    x, alpha = fnp.asarray(x), fnp.asarray(alpha)
    a = fnp.reshape(alpha, alpha.shape + (1,) * (x.ndim - 1))
    norm_const = fnp.sum(sc.gammaln(alpha)) - sc.gammaln(fnp.sum(alpha))
    return fnp.sum(sc.xlogy(a - 1.0, x), axis=0) - norm_const


def _dirichlet_pdf(x, alpha):
    """``scipy.stats.dirichlet.pdf``, ``exp(dirichlet.logpdf(x, alpha))``.

    >>> float(dirichlet.pdf(np.array([0.5, 0.5]), np.array([1.0, 1.0])))
    1.0
    """
    return fnp.exp(_dirichlet_logpdf(x, alpha))


dirichlet = Distribution("dirichlet", logpdf=_dirichlet_logpdf, pdf=_dirichlet_pdf)


def _mvn_logpdf(x, mean=None, cov=1):
    """``scipy.stats.multivariate_normal.logpdf``: points along the last axis of ``x``;
    ``cov`` a matrix, a vector (its diagonal) or a number (times the identity); the dimension
    is ``x``'s last axis (SciPy takes it from ``mean``/``cov``); through a
    Cholesky factor, so ``cov`` must be positive definite (``allow_singular`` is not
    supported).

    >>> import scipy.stats
    >>> x, m, c = np.array([0.3, -0.2]), np.array([0.1, 0.0]), np.array([[2.0, 0.3], [0.3, 1.0]])
    >>> bool(np.isclose(multivariate_normal.logpdf(x, m, c),
    ...                 scipy.stats.multivariate_normal.logpdf(x, m, c)))
    True
    """
    x = fnp.asarray(x)
    x = x[..., None] if x.ndim == 0 else x
    refuse_complex(x.dtype)
    x = fnp.astype(x, x.dtype if x.dtype.kind == "f" else np.float64)
    d = x.shape[-1]
    mean = fnp.zeros(d, x.dtype) if mean is None else fnp.asarray(mean)
    cov = fnp.astype(fnp.asarray(cov), x.dtype)
    if cov.ndim < 2:
        cov = fnp.eye(d) * cov
    chol = fnp.linalg.cholesky(cov)
    r = fnp.reshape(x - mean, (-1, d))
    z = la.triangular_solve(chol, fnp.transpose(r), lower=True)
    maha = fnp.sum(z * z, axis=0)
    log_det = 2.0 * fnp.sum(fnp.log(fnp.diagonal(chol)))
    out = -0.5 * (maha + log_det + d * _LOG_2PI)
    return fnp.reshape(out, x.shape[:-1])


def _mvn_pdf(x, mean=None, cov=1):
    """``scipy.stats.multivariate_normal.pdf``, ``exp(logpdf)``.

    >>> round(float(multivariate_normal.pdf(np.zeros(2))), 6)
    0.159155
    """
    return fnp.exp(_mvn_logpdf(x, mean, cov))


multivariate_normal = Distribution("multivariate_normal", logpdf=_mvn_logpdf, pdf=_mvn_pdf)

# The generated functions' docstrings are doctests too (doctest does not look inside objects).
__test__ = {f.__qualname__: f for d in (norm, expon, laplace, cauchy, logistic, uniform, t,
                                        gamma, chi2, beta, lognorm, pareto, vonmises, poisson,
                                        binom, nbinom, geom, bernoulli, dirichlet,
                                        multivariate_normal)
            for f in (getattr(d, n) for n in d._names)}
