"""funcgrad.scipy.stats against scipy.stats: values (inside and outside the support, and for
parameters out of range), derivatives in the data and the parameters against finite
differences, under jit and vmap, and the derivatives that raise."""
import numpy as np
import pytest
import scipy.stats as ss

import funcgrad as fg
import funcgrad.numpy as fnp
import funcgrad.scipy.stats as fs

# name: (parameters, points inside the support where the functions are smooth, differentiable
# parameter indices for cdf-like functions)
CONTINUOUS = {
    "norm": ((0.2, 1.5), (-2.0, 3.0), (0, 1)),
    "expon": ((0.1, 2.0), (0.3, 4.0), (0, 1)),
    "laplace": ((0.1, 2.0), (0.4, 3.0), (0, 1)),
    "cauchy": ((0.1, 2.0), (-3.0, 3.0), (0, 1)),
    "logistic": ((0.1, 2.0), (-3.0, 3.0), (0, 1)),
    "uniform": ((0.1, 2.0), (0.3, 1.9), (0, 1)),
    "t": ((3.5, 0.1, 2.0), (-3.0, 3.0), (1, 2)),
    "gamma": ((2.5, 0.1, 2.0), (0.3, 6.0), (1, 2)),
    "chi2": ((3.5, 0.1, 2.0), (0.3, 6.0), (1, 2)),
    "beta": ((2.5, 1.5, 0.1, 2.0), (0.2, 2.0), (2, 3)),
    "lognorm": ((0.7, 0.1, 2.0), (0.3, 5.0), (0, 1, 2)),
    "pareto": ((2.5, 0.1, 0.2), (0.35, 3.0), (0, 1, 2)),
    "vonmises": ((2.5, 0.1, 1.0), (-2.0, 2.0), (0, 1, 2)),
}
DISCRETE = {
    "poisson": ((2.5,), (0,)),
    "binom": ((7.0, 0.3), (1,)),
    "nbinom": ((3.5, 0.4), (1,)),
    "geom": ((0.3,), (0,)),
    "bernoulli": ((0.3,), (0,)),
}
CASES = [(n, f) for n in CONTINUOUS for f in getattr(fs, n)._names] + \
        [(n, f) for n in DISCRETE for f in getattr(fs, n)._names]


def _close(got, want):
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_allclose(got, want, rtol=1e-11, atol=1e-300)


def _points(name, fname):
    if fname == "ppf":
        return np.concatenate([np.linspace(0.01, 0.99, 9), [0.0, 1.0, -0.5, 1.5]])
    if name in DISCRETE:
        return np.concatenate([np.arange(-2.0, 12.0), [2.5, np.nan]])
    lo, hi = CONTINUOUS[name][1]
    return np.concatenate([np.linspace(-5.0, 8.0, 27), np.linspace(lo, hi, 7), [np.nan]])


@pytest.mark.parametrize("name,fname", CASES, ids=[f"{n}.{f}" for n, f in CASES])
def test_values_match_scipy(name, fname):
    params = (CONTINUOUS.get(name) or DISCRETE[name])[0]
    x = _points(name, fname)
    with np.errstate(all="ignore"):
        want = getattr(getattr(ss, name), fname)(x, *params)
    _close(getattr(getattr(fs, name), fname)(x, *params), want)


@pytest.mark.parametrize("name", list(CONTINUOUS) + list(DISCRETE))
def test_parameters_out_of_range_give_nan(name):
    """Densities and masses (SciPy's cdf-like functions of some discrete distributions give
    their bounds, not nan, outside the support)."""
    params = (CONTINUOUS.get(name) or DISCRETE[name])[0]
    bad = tuple(-abs(p) - 1.0 for p in params)  # a negative scale, shape, rate or probability
    dist = getattr(fs, name)
    for fname in [f for f in dist._names if f[-3:] in ("pdf", "pmf")]:
        with np.errstate(all="ignore"):
            want = getattr(getattr(ss, name), fname)(np.array([0.5, 1.0]), *bad)
        got = getattr(dist, fname)(np.array([0.5, 1.0]), *bad)
        np.testing.assert_array_equal(np.isnan(got), np.isnan(want), err_msg=fname)


def _smooth_cases():
    """(name, fname, function of (x, *differentiable params), args) at smooth points."""
    out = []
    for name, (params, (lo, hi), diff) in CONTINUOUS.items():
        for fname in getattr(fs, name)._names:
            x = np.linspace(lo, hi, 5) if fname != "ppf" else np.linspace(0.1, 0.9, 4)
            which = diff if fname not in ("logpdf", "pdf") else range(len(params))
            out.append((name, fname, x, params, tuple(which)))
    for name, (params, diff) in DISCRETE.items():
        for fname in getattr(fs, name)._names:
            k = {"geom": [1.0, 2.0, 4.0], "bernoulli": [0.0]}.get(name, [0.0, 1.0, 3.0])
            out.append((name, fname, np.array(k), params, diff))
    return out


SMOOTH = _smooth_cases()


@pytest.mark.parametrize("name,fname,x,params,which", SMOOTH,
                         ids=[f"{c[0]}.{c[1]}" for c in SMOOTH])
def test_derivatives_in_data_and_parameters(name, fname, x, params, which):
    f = getattr(getattr(fs, name), fname)
    discrete = name in DISCRETE

    def fun(x, *theta):
        full = list(params)
        for i, v in zip(which, theta):
            full[i] = v
        return f(x, *full)
    theta = tuple(params[i] for i in which)
    if discrete:  # the count is data without a derivative
        fg.check_grads(lambda *t: fun(x, *t), theta, order=2)
    else:
        # pareto's density is steep at its edge: second differences are coarse there
        fg.check_grads(fun, (x,) + theta, order=2 if fname != "ppf" else 1,
                       rtol=1e-3 if name == "pareto" else None)


def test_norm_logpdf_gradient_closed_form():
    x, m, s = np.array([0.3, -1.2]), 0.1, 1.3
    gx, gm, gs = fg.grad(lambda *a: fnp.sum(fs.norm.logpdf(*a)), argnums=(0, 1, 2))(x, m, s)
    z = (x - m) / s
    np.testing.assert_allclose(gx, -z / s)
    np.testing.assert_allclose(gm, np.sum(z / s))
    np.testing.assert_allclose(gs, np.sum((z * z - 1) / s))


def test_shape_parameter_of_a_cdf_raises():
    with pytest.raises(NotImplementedError, match="betainc: the derivative with respect to a"):
        fg.grad(lambda df: fs.t.cdf(0.3, df))(3.0)
    with pytest.raises(NotImplementedError, match="gammainc: the derivative with respect to a"):
        fg.grad(lambda a: fs.gamma.cdf(0.3, a))(2.0)
    assert fg.grad(lambda df: fs.t.logpdf(0.3, df))(3.0) == pytest.approx(
        (ss.t.logpdf(0.3, 3.0 + 1e-6) - ss.t.logpdf(0.3, 3.0 - 1e-6)) / 2e-6, rel=1e-6)


def test_student_t_log_likelihood_under_jit_and_vmap():
    rng = np.random.default_rng(0)
    data = rng.standard_t(4.0, size=200) * 1.5 + 0.3

    def nll(theta):
        df, loc, log_scale = theta[0], theta[1], theta[2]
        return -fnp.sum(fs.t.logpdf(data, df, loc, fnp.exp(log_scale)))
    theta = np.array([4.0, 0.2, 0.3])
    want = -np.sum(ss.t.logpdf(data, 4.0, 0.2, np.exp(0.3)))
    assert fg.jit(nll)(theta) == pytest.approx(want, rel=1e-12)
    np.testing.assert_allclose(fg.jit(fg.grad(nll))(theta), fg.grad(nll)(theta), rtol=1e-12)
    fg.check_grads(nll, (theta,), order=2)
    thetas = theta + 0.1 * rng.normal(size=(3, 3))
    np.testing.assert_allclose(fg.vmap(nll)(thetas), [nll(t) for t in thetas], rtol=1e-12)


@pytest.mark.slow  # one function with every distribution: a 4,000-line module, minutes to compile
def test_every_distribution_under_jit():
    x = np.linspace(0.2, 1.8, 6)

    def every(x):
        outs = [getattr(getattr(fs, n), f)(x if f != "ppf" else x / 2.0, *p)
                for n, (p, _, _) in CONTINUOUS.items() for f in getattr(fs, n)._names]
        outs += [getattr(getattr(fs, n), f)(fnp.floor(x * 3.0), *p)
                 for n, (p, _) in DISCRETE.items() for f in getattr(fs, n)._names]
        return fnp.stack(outs)
    with np.errstate(all="ignore"):
        np.testing.assert_allclose(fg.jit(every)(x), every(x), rtol=1e-12)


def test_dirichlet_and_multivariate_normal():
    rng = np.random.default_rng(1)
    alpha = np.array([1.5, 2.0, 3.0])
    x = rng.dirichlet(alpha, size=4).T  # (K, N), SciPy's layout
    _close(fs.dirichlet.logpdf(x, alpha), ss.dirichlet.logpdf(x, alpha))
    _close(fs.dirichlet.pdf(x[:, 0], alpha), ss.dirichlet.pdf(x[:, 0], alpha))
    fg.check_grads(lambda a: fs.dirichlet.logpdf(x, a), (alpha,), order=2)
    mean, a = rng.normal(size=3), rng.normal(size=(3, 3))
    cov = a @ a.T + 3 * np.eye(3)
    pts = rng.normal(size=(5, 3))
    for args in ((pts, mean, cov), (pts[0], mean, cov), (pts, mean, 2.0),
                 (pts, mean, np.array([1.0, 2.0, 3.0])), (pts[:, :1],)):
        _close(fs.multivariate_normal.logpdf(*args), ss.multivariate_normal.logpdf(*args))
    _close(fs.multivariate_normal.pdf(pts, mean, cov), ss.multivariate_normal.pdf(pts, mean, cov))
    fg.check_grads(lambda p, m, c: fs.multivariate_normal.logpdf(p, m, c @ c.T + np.eye(3)),
                   (pts, mean, a), order=2)
    np.testing.assert_allclose(fg.jit(fs.multivariate_normal.logpdf)(pts, mean, cov),
                               ss.multivariate_normal.logpdf(pts, mean, cov), rtol=1e-12)


def test_missing_parameters_raise():
    with pytest.raises(TypeError, match=r"logpdf\(\) needs 1 shape parameter"):
        fs.t.logpdf(0.3)
    with pytest.raises(TypeError, match="binom: needs 2 parameter"):
        fs.binom.pmf(3, 7)
