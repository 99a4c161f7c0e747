"""Statistics: every quantile method against NumPy (values and dtypes), closed-form derivatives
of medians and quantiles (ties included), the ``nan*`` reductions' zero derivative at NaNs and
their all-NaN slices, covariances, histograms and bincount, the errors users meet, and JAX's
answers where it is installed. (Values and derivatives of every function against NumPy and
finite differences, f64 and f32, eager, jit and vmap: tests/table_sortstats.py.)
"""
import warnings

import numpy as np
import pytest
from peers import run_peer

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.numpy._statistics import METHODS

rng = np.random.default_rng(0)
X = rng.normal(size=(4, 5))
XN = X.copy()
XN[1, 2] = XN[3, :] = np.nan  # row 3: NaNs only


def close(x, y, tol=1e-12):
    np.testing.assert_allclose(np.asarray(x), np.asarray(y), rtol=tol, atol=tol)


def same_type(got, want):
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape and got.dtype == want.dtype, (got.shape, want.shape,
                                                                 got.dtype, want.dtype)


def quiet(f, *args, **kwargs):
    """NumPy warns about all-NaN slices; funcgrad returns the same NaN silently."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return f(*args, **kwargs)


# --- quantiles -------------------------------------------------------------------------------

@pytest.mark.parametrize("method", METHODS)
def test_every_method_matches_numpy_in_value_and_dtype(method):
    ints = rng.integers(0, 10, size=(4, 5))
    for q in (0.3, 1, np.array([0.0, 0.25, 0.5, 1.0]), np.float32(0.7),
              np.array([0.2, 0.9], np.float32)):
        for axis in (None, 0, (0, 1), -1):
            for a in (X, X.astype(np.float32), ints):
                got, want = fnp.quantile(a, q, axis=axis, method=method), \
                    np.quantile(a, q, axis=axis, method=method)
                same_type(got, want)
                close(got, want, 1e-12 if got.dtype == np.float64 else 1e-6)
            got = fnp.nanquantile(XN, q, axis=axis, method=method, keepdims=True)
            close(got, quiet(np.nanquantile, XN, q, axis=axis, method=method, keepdims=True))
    close(fnp.percentile(X, [5, 50], axis=1, method=method),
          np.percentile(X, [5, 50], axis=1, method=method))


def test_medians_match_numpy():
    for a in (X, X[:, :4], X.astype(np.float32), rng.integers(0, 9, (3, 4)), XN, 2.5):
        for axis in (None, 0, 1) if np.ndim(a) else (None,):
            same_type(fnp.median(a, axis=axis), quiet(np.median, a, axis=axis))
            close(fnp.median(a, axis=axis), quiet(np.median, a, axis=axis), 1e-6)
            close(fnp.nanmedian(a, axis=axis, keepdims=True),
                  quiet(np.nanmedian, a, axis=axis, keepdims=True), 1e-6)


def test_median_derivative_is_a_half_to_each_middle_value_and_ties_follow_the_stable_order():
    same = np.testing.assert_array_equal
    same(fg.grad(fnp.median)(np.array([4.0, 1.0, 3.0, 2.0])), [0, 0, 0.5, 0.5])
    same(fg.grad(fnp.median)(np.array([4.0, 1.0, 3.0])), [0, 0, 1])
    # ties: the middle of the stable order is the second 2.0 (index 2)
    same(fg.grad(fnp.median)(np.array([2.0, 5.0, 2.0, 2.0, 1.0])), [0, 0, 1, 0, 0])
    same(fg.grad(fnp.median)(np.array([2.0, 2.0, 1.0, 3.0])), [0.5, 0.5, 0, 0])
    same(fg.grad(fnp.nanmedian)(np.array([np.nan, 4.0, 1.0, 3.0, 2.0])), [0, 0, 0, 0.5, 0.5])


def test_quantile_derivative_in_q_is_the_slope_between_order_statistics():
    x = np.array([3.0, 0.0, 1.0, 7.0])  # sorted: 0 1 3 7
    for q, lo, hi in ((0.1, 0.0, 1.0), (0.5, 1.0, 3.0), (0.9, 3.0, 7.0)):
        close(fg.grad(lambda q: fnp.quantile(x, q))(q), 3 * (hi - lo))  # (n - 1) (hi - lo)
        close(fg.grad(lambda q: fnp.quantile(x, q, method="lower"))(q), 0.0)
    # hazen: index n q - 1/2; past the last order statistic the quantile stays there
    for q, slope in ((0.3, 4 * 1.0), (0.5, 4 * 2.0), (0.9, 0.0)):
        close(fg.grad(lambda q: fnp.quantile(x, q, method="hazen"))(q), slope)
    g = fg.grad(lambda v: fnp.quantile(v, 0.5))(x)
    close(g, [0.5, 0, 0.5, 0])  # halfway between the 2nd and 3rd smallest


@pytest.mark.slow  # compiles many functions; compiled sorting stays in make test via the rows
def test_quantiles_under_jit_and_vmap():
    q = np.array([0.1, 0.5, 0.95])
    for method in ("linear", "nearest", "median_unbiased", "closest_observation"):
        f = lambda a, q: fnp.nanquantile(a, q, axis=-1, method=method)  # noqa: E731
        close(fg.jit(f)(XN[:3], q), np.nanquantile(XN[:3], q, axis=1, method=method))
        close(fg.vmap(lambda a: f(a, q))(XN[:3]),
              np.stack([np.nanquantile(r, q, method=method) for r in XN[:3]]))
    close(fg.jit(lambda a, q: fnp.quantile(a, q, axis=0))(X, q), np.quantile(X, q, axis=0))


def test_weighted_quantiles_match_numpy():
    w = rng.uniform(0, 1, size=X.shape)
    w[0, :2] = 0
    for axis in (None, 0, 1):
        for q in (0.0, [0.1, 0.5, 1.0]):
            close(fnp.quantile(X, q, axis=axis, method="inverted_cdf", weights=w),
                  np.quantile(X, q, axis=axis, method="inverted_cdf", weights=w))
    close(fnp.percentile(X, 40, axis=1, method="inverted_cdf", weights=w[0]),
          np.percentile(X, 40, axis=1, method="inverted_cdf", weights=w[0]))
    close(fnp.nanquantile(XN[:3], 0.5, axis=1, method="inverted_cdf", weights=w[:3]),
          np.nanquantile(XN[:3], 0.5, axis=1, method="inverted_cdf", weights=w[:3]))
    close(fg.jit(lambda a, w: fnp.quantile(a, 0.5, axis=1, method="inverted_cdf",
                                            weights=w))(X, w),
          np.quantile(X, 0.5, axis=1, method="inverted_cdf", weights=w))


def test_quantile_errors():
    with pytest.raises(ValueError, match=r"Quantiles must be in the range \[0, 1\]"):
        fnp.quantile(X, 1.5)
    with pytest.raises(ValueError, match=r"Percentiles must be in the range \[0, 100\]"):
        fnp.percentile(X, [50, -1])
    with pytest.raises(ValueError, match="'bogus' is not a valid method"):
        fnp.quantile(X, 0.5, method="bogus")
    with pytest.raises(ValueError, match="only method 'inverted_cdf' supports weights"):
        fnp.quantile(X, 0.5, weights=np.ones_like(X))
    with pytest.raises(ValueError, match="non-negative"):
        fnp.quantile(X, 0.5, method="inverted_cdf", weights=-np.ones_like(X))
    with pytest.raises(ValueError, match="all zero"):
        fnp.quantile(X, 0.5, axis=1, method="inverted_cdf", weights=np.zeros(5))
    with pytest.raises(TypeError, match="axis must be specified"):
        fnp.quantile(X, 0.5, method="inverted_cdf", weights=np.ones(5))
    with pytest.raises(NotImplementedError, match="out="):
        fnp.median(X, out=np.zeros(()))


# --- nan-reductions ----------------------------------------------------------------------------

NAN_FUNCS = ("nansum", "nanprod", "nanmean", "nanvar", "nanstd", "nanmax", "nanmin",
             "nancumsum", "nancumprod", "nanmedian")


@pytest.mark.parametrize("name", NAN_FUNCS)
def test_nan_reductions_match_numpy_and_have_zero_derivative_at_nans(name):
    f, ref = getattr(fnp, name), getattr(np, name)
    for axis in (None, 0, 1):
        got, want = f(XN, axis=axis), quiet(ref, XN, axis=axis)
        same_type(got, want)
        close(got, want)
        close(f(XN.astype(np.float32), axis=axis), quiet(ref, XN.astype(np.float32),
                                                           axis=axis), 1e-5)
    ok = XN[:3]  # no NaN-only slice: finite results
    g = fg.grad(lambda v: fnp.sum(f(v, axis=1) ** 2))(ok)
    assert np.all(np.isfinite(g)) and g[1, 2] == 0.0
    fg.check_grads(lambda v: f(v, axis=1), (ok,), order=2)
    close(fg.jit(lambda v: f(v, axis=0))(XN), quiet(ref, XN, axis=0))


def test_nanargmax_all_nan_slices_raise_eagerly_and_give_minus_one_under_jit():
    for name in ("nanargmax", "nanargmin"):
        f = getattr(fnp, name)
        np.testing.assert_array_equal(f(XN[:3], axis=1), getattr(np, name)(XN[:3], axis=1))
        with pytest.raises(ValueError, match="All-NaN slice"):
            f(XN, axis=1)
        with pytest.raises(ValueError, match="All-NaN slice"):
            fg.grad(lambda v: fnp.sum(v * f(v, axis=1)[:, None]))(XN)
        np.testing.assert_array_equal(fg.jit(lambda v: f(v, axis=1))(XN),
                                      np.append(getattr(np, name)(XN[:3], axis=1), -1))


def test_nan_reduction_options():
    mask = rng.uniform(size=X.shape) > 0.3
    close(fnp.nanmean(XN, axis=0, where=mask), quiet(np.nanmean, XN, axis=0, where=mask))
    close(fnp.nansum(XN, axis=1, initial=2.0, where=mask),
          np.nansum(XN, axis=1, initial=2.0, where=mask))
    close(fnp.nanmax(XN, axis=1, initial=-5.0, where=mask),
          np.nanmax(XN, axis=1, initial=-5.0, where=mask))
    close(fnp.nanvar(XN, axis=1, correction=1), quiet(np.nanvar, XN, axis=1, correction=1))
    m = np.nanmean(XN[:3], axis=1, keepdims=True)
    close(fnp.nanstd(XN[:3], axis=1, mean=m), np.nanstd(XN[:3], axis=1, mean=m))
    close(fnp.nanvar(XN[:3], axis=1, ddof=4), quiet(np.nanvar, XN[:3], axis=1, ddof=4))
    same_type(fnp.nansum(np.arange(4), dtype=np.float32), np.nansum(np.arange(4),
                                                                    dtype=np.float32))
    with pytest.raises(ValueError, match="ddof and correction"):
        fnp.nanvar(X, ddof=1, correction=1)
    with pytest.raises(ValueError, match="'initial'"):
        fnp.nanmax(X, where=mask)


def test_cumprod_gradient_is_exact_with_zeros():
    for x in (np.array([2.0, 0.0, 3.0, 4.0]), np.array([2.0, 0.0, 3.0, 0.0, 5.0])):
        jac = fg.jacobian(fnp.cumprod)(x)
        # d cumprod_i / d x_j = prod_{k <= i, k != j} x_k for j <= i
        want = np.array([[np.prod(np.delete(x[:i + 1], j)) if j <= i else 0.0
                          for j in range(x.size)] for i in range(x.size)])
        close(jac, want)
        close(fg.jit(fg.jacobian(fnp.cumprod))(x), want)
        fg.check_grads(fnp.cumprod, (x,), order=2)


# --- averages, covariance, correlation ------------------------------------------------------------

def test_average_cov_and_corrcoef_options_match_numpy():
    w = rng.uniform(0.5, 1.5, size=5)
    for kw in ({}, {"axis": 1, "weights": w}, {"axis": (0, 1), "weights": X * 0 + 1},
               {"axis": 0, "keepdims": True}):
        close(fnp.average(X, **kw), np.average(X, **kw))
        fg.tree_map(close, fnp.average(X, returned=True, **kw),
                    np.average(X, returned=True, **kw))
    fw = np.array([1, 2, 1, 3, 1])
    for kw in ({}, {"rowvar": False}, {"bias": True}, {"ddof": 3}, {"fweights": fw},
               {"aweights": w}, {"fweights": fw, "aweights": w}, {"y": rng.normal(size=(2, 5))},
               {"y": rng.normal(size=(4, 2)), "rowvar": False}, {"dtype": np.float32}):
        same_type(fnp.cov(X, **kw), np.cov(X, **kw))
        close(fnp.cov(X, **kw), np.cov(X, **kw), 1e-6)
    close(fnp.cov(X[0]), np.cov(X[0]))
    close(fnp.corrcoef(X), np.corrcoef(X))
    close(fnp.corrcoef(X[0], X[1]), np.corrcoef(X[0], X[1]))
    close(fnp.corrcoef(X[0]), np.corrcoef(X[0]))
    close(fg.jit(lambda x, w: fnp.cov(x, aweights=w))(X, w), np.cov(X, aweights=w))


def test_corrcoef_derivative_of_a_perfect_correlation_is_finite():
    x = np.array([0.0, 1.0, 3.0])
    g = fg.grad(lambda v: fnp.corrcoef(v, 2 * v + 1)[0, 1])(x)
    assert np.all(np.isfinite(g)) and np.allclose(g, 0.0)


def test_average_and_cov_errors():
    with pytest.raises(ZeroDivisionError, match="sum to zero"):
        fnp.average(X, axis=1, weights=np.zeros(5))
    with pytest.raises(TypeError, match="axis must be specified"):
        fnp.average(X, weights=np.ones(5))
    with pytest.raises(ValueError, match="consistent"):
        fnp.average(X, axis=0, weights=np.ones(5))
    with pytest.raises(ValueError, match="more than 2 dimensions"):
        fnp.cov(np.zeros((2, 2, 2)))
    with pytest.raises(TypeError, match="fweights must be integer"):
        fnp.cov(X, fweights=np.full(5, 0.5))
    with pytest.raises(ValueError, match="aweights cannot be negative"):
        fnp.cov(X, aweights=-np.ones(5))
    with pytest.raises(ValueError, match="one weight per observation"):
        fnp.cov(X, aweights=np.ones(4))
    with pytest.warns(RuntimeWarning, match="Degrees of freedom"):
        out = fnp.cov(X[:, :1])
    assert np.all(~np.isfinite(out))


# --- histograms and counting ---------------------------------------------------------------------

def test_histograms_match_numpy():
    a = np.append(rng.normal(size=50), [np.linspace(-1, 1, 5)])  # values on the edges too
    w = rng.uniform(size=a.size)
    for kw in ({}, {"bins": 7}, {"bins": 4, "range": (-1, 1)}, {"bins": [-3, -1, 0, 0, 2]},
               {"bins": 5, "density": True}, {"bins": 5, "weights": w},
               {"bins": [-1, 0.5, 1], "weights": w, "density": True}, {"bins": "auto"},
               {"bins": "fd", "range": (0, 2)}):
        got, want = fnp.histogram(a, **kw), np.histogram(a, **kw)
        fg.tree_map(same_type, got, want)
        fg.tree_map(close, got, want)
        close(fnp.histogram_bin_edges(a, **{k: v for k, v in kw.items() if k != "density"}),
              np.histogram_bin_edges(a, **{k: v for k, v in kw.items() if k != "density"}))
    for data in (np.full(3, 2.0), np.arange(5), np.float32(a)):
        fg.tree_map(close, fnp.histogram(data, bins=3), np.histogram(data, bins=3))
    fg.tree_map(close, fg.jit(lambda a: fnp.histogram(a, bins=6))(a), np.histogram(a, bins=6))


def test_histogram_derivatives():
    a = np.array([0.0, 0.3, 0.4, 1.0, 2.0])
    # the counts do not move; the edges follow the data's extremes linearly
    counts_grad = fg.grad(lambda v: fnp.sum(fnp.histogram(v, bins=2, weights=v)[0] * 1.0))(a)
    close(counts_grad, np.ones(5))  # the weighted counts sum the weights
    jac = fg.jacobian(lambda v: fnp.histogram(v, bins=4)[1])(a)
    close(jac[:, 0], np.linspace(1, 0, 5))
    close(jac[:, -1], np.linspace(0, 1, 5))
    close(jac[:, 1:4], 0.0)


def test_histogram_errors():
    with pytest.raises(ValueError, match="not finite"):
        fnp.histogram(np.array([0.0, np.inf]))
    with pytest.raises(ValueError, match="positive integer"):
        fnp.histogram(X, bins=0)
    with pytest.raises(ValueError, match="increase monotonically"):
        fnp.histogram(X, bins=[0.0, 2.0, 1.0])
    with pytest.raises(ValueError, match="max must be larger than min"):
        fnp.histogram(X, range=(1, 0))
    with pytest.raises(fg.ConcretizationError,
                       match="histogram with bins='auto'.*a number of bins or their edges"):
        fg.jit(lambda a: fnp.histogram(a, bins="auto")[0])(X)


def test_histogramdd_and_histogram2d_match_numpy():
    pts = np.concatenate([rng.normal(size=(40, 3)), np.eye(3), -np.eye(3)])  # points on edges
    w = rng.uniform(size=pts.shape[0])
    edges = np.array([-1.0, 0.0, 0.5, 1.0])
    for kw in ({}, {"bins": 3}, {"bins": (2, 3, 4)}, {"bins": [edges, 3, 2]},
               {"bins": 2, "range": [(-1, 1), None, (0, 2)]}, {"bins": 3, "density": True},
               {"bins": 2, "weights": w}, {"bins": [2, edges, 3], "weights": w, "density": True}):
        fg.tree_map(same_type, fnp.histogramdd(pts, **kw), np.histogramdd(pts, **kw))
        fg.tree_map(close, fnp.histogramdd(pts, **kw), np.histogramdd(pts, **kw))
    for sample in (list(pts.T), pts[:, 0], pts.astype(np.float32), (pts * 3).astype(int)):
        fg.tree_map(close, fnp.histogramdd(sample, bins=3), np.histogramdd(sample, bins=3))
    x, y = pts[:, 0], pts[:, 1]
    for kw in ({}, {"bins": 3}, {"bins": [2, 4]}, {"bins": edges}, {"bins": [edges, 3]},
               {"bins": 2, "range": [(-1, 1), (0, 2)], "weights": w, "density": True}):
        fg.tree_map(close, fnp.histogram2d(x, y, **kw), np.histogram2d(x, y, **kw))


@pytest.mark.slow  # two compiles of ~4 s; test_histograms_match_numpy compiles histogram
def test_histogramdd_and_histogram2d_under_jit():
    pts = np.concatenate([rng.normal(size=(40, 3)), np.eye(3), -np.eye(3)])
    w = rng.uniform(size=pts.shape[0])
    edges = np.array([-1.0, 0.0, 0.5, 1.0])
    x, y = pts[:, 0], pts[:, 1]
    fg.tree_map(close, fg.jit(lambda p: fnp.histogramdd(p, bins=(2, 3, 4)))(pts),
                np.histogramdd(pts, bins=(2, 3, 4)))
    fg.tree_map(close, fg.jit(lambda x, y, w: fnp.histogram2d(x, y, [edges, 3], weights=w))(
        x, y, w), np.histogram2d(x, y, [edges, 3], weights=w))


def test_histogramdd_derivatives_and_errors():
    pts = np.array([[0.0, 0.0], [1.0, 1.0], [1.0, 0.0], [5.0, 0.5]])
    # the weighted counts sum the weights of the points inside the range (not the last)
    g = fg.grad(lambda w: fnp.sum(fnp.histogramdd(pts, 2, [(0, 1), (0, 1)], weights=w)[0]))(
        np.ones(4))
    close(g, [1.0, 1.0, 1.0, 0.0])
    # the edges of a dimension follow its minimum and maximum
    jac = fg.jacobian(lambda p: fnp.histogram2d(p[:, 0], p[:, 1], bins=2)[2])(pts)
    close(jac[0, :, 1], [0.5, 0.0, 0.5, 0.0])  # min of y: points 0 and 2 tie, max: point 1
    with pytest.raises(ValueError, match=r"dimension of bins \(3\) must be equal to the "
                                         r"dimension of the sample \(2\)"):
        fnp.histogramdd(pts, bins=(2, 2, 2))
    with pytest.raises(ValueError, match="range needs a"):
        fnp.histogramdd(pts, range=[(0, 1)])
    with pytest.raises(ValueError, match=r"weights \(3,\) must have one value per point"):
        fnp.histogramdd(pts, weights=np.ones(3))
    with pytest.raises(ValueError, match=r"\(N, D\) array.*shape \(2, 2, 1\)"):
        fnp.histogramdd(np.ones((2, 2, 1)))
    with pytest.raises(ValueError, match="x and y must be 1-d of the same length"):
        fnp.histogram2d(np.ones(3), np.ones(4))


def test_bincount():
    x = np.array([0, 3, 3, 1, 7])
    w = rng.normal(size=5)
    for kw in ({}, {"minlength": 10}, {"weights": w}, {"weights": w.astype(np.float32)}):
        got, want = fnp.bincount(x, **kw), np.bincount(x, **kw)
        same_type(got, want)
        close(got, want)
    close(fg.jit(lambda x, w: fnp.bincount(x, w, length=5))(x, w), np.bincount(x, w)[:5])
    close(fg.jit(lambda x: fnp.bincount(x - 2, length=8))(x), [0, 2, 0, 0, 0, 1, 0, 0])
    close(fg.grad(lambda w: fnp.bincount(x, w)[3])(w), [0, 1, 1, 0, 0])
    with pytest.raises(fg.ConcretizationError, match="length=N"):
        fg.jit(fnp.bincount)(x)
    with pytest.raises(ValueError, match="no negative elements"):
        fnp.bincount(np.array([1, -1]))
    with pytest.raises(TypeError, match="non-negative integers"):
        fnp.bincount(np.array([1.0, 2.0]))
    with pytest.raises(ValueError, match="minlength"):
        fnp.bincount(x, minlength=-1)


def test_numpy_functions_dispatch_on_traced_values():
    f = lambda v: np.median(v) + np.nanpercentile(v, 30) + np.cov(v, v)[0, 1] + np.ptp(v)  # noqa
    close(fg.jit(f)(X[0]), f(X[0]))
    close(fg.grad(f)(X[0]), fg.grad(lambda v: fnp.median(v) + fnp.nanpercentile(v, 30)
                                    + fnp.cov(v, v)[0, 1] + fnp.ptp(v))(X[0]))


# --- JAX, where installed ---------------------------------------------------------------------

def test_against_jax():
    ref = run_peer(["jax"], """
        import jax, jax.numpy as jnp
        x, xn, q = I["x"], I["xn"], I["q"]
        for m in ("linear", "lower", "higher", "nearest", "midpoint"):
            out["q_" + m] = np.asarray(jnp.quantile(x, q, axis=1, method=m))
            out["g_" + m] = np.asarray(jax.grad(lambda v: jnp.sum(jnp.quantile(
                v, q, axis=1, method=m) ** 2))(x))
        out["nanmedian_grad"] = np.asarray(jax.grad(lambda v: jnp.sum(jnp.nanmedian(
            v, axis=1) ** 2))(xn))
        out["nanvar_grad"] = np.asarray(jax.grad(lambda v: jnp.sum(jnp.nanvar(v, axis=0)))(xn))
        out["corrcoef_grad"] = np.asarray(jax.grad(lambda v: jnp.sum(jnp.corrcoef(v) ** 3))(x))
        out["median_ties"] = np.asarray(jax.grad(jnp.median)(I["ties"]))
        """, x=X, xn=XN[:3], q=np.array([0.2, 0.5, 0.85]),
                   ties=np.array([2.0, 5.0, 2.0, 2.0, 1.0]))
    q = np.array([0.2, 0.5, 0.85])
    for m in ("linear", "lower", "higher", "nearest", "midpoint"):
        close(fnp.quantile(X, q, axis=1, method=m), ref["q_" + m])
        close(fg.grad(lambda v: fnp.sum(fnp.quantile(v, q, axis=1, method=m) ** 2))(X),
              ref["g_" + m])
    close(fg.grad(lambda v: fnp.sum(fnp.nanmedian(v, axis=1) ** 2))(XN[:3]),
          ref["nanmedian_grad"])
    close(fg.grad(lambda v: fnp.sum(fnp.nanvar(v, axis=0)))(XN[:3]), ref["nanvar_grad"])
    close(fg.grad(lambda v: fnp.sum(fnp.corrcoef(v) ** 3))(X), ref["corrcoef_grad"], 1e-10)
    close(fg.grad(fnp.median)(np.array([2.0, 5.0, 2.0, 2.0, 1.0])), ref["median_ties"])
