"""The vectorizable math kernels agree with NumPy to 4 ulp over the whole float range, special
values included, in float64 and float32 (float32 as generated code uses them: computed in
float64, rounded once). They run inside one compiled loop, as in generated code."""
import decimal
import re

import numpy as np
import pytest
from numba import njit

from funcgrad.backend import kernels as K
from funcgrad.backend import target

NAMES = ("exp", "expm1", "log", "log1p", "tanh", "logistic", "sin", "cos", "sinh", "cosh",
         "arcsinh", "arccosh", "arctanh", "exp2", "arctan", "arcsin", "arccos", "tan", "cbrt")
KERNELS = (K.exp_, K.expm1_, K.log_, K.log1p_, K.tanh_, K.logistic_, K.sin_, K.cos_, K.sinh_,
           K.cosh_, K.asinh_, K.acosh_, K.atanh_, K.exp2_, K.atan_, K.asin_, K.acos_, K.tan_,
           K.cbrt_)


def _apply_all(cast):
    (exp_, expm1_, log_, log1p_, tanh_, logistic_, sin_, cos_, sinh_, cosh_, asinh_, acosh_,
     atanh_, exp2_, atan_, asin_, acos_, tan_, cbrt_) = KERNELS

    @njit(error_model="numpy")
    def run(x, out):
        for i in range(x.shape[0]):
            v = x[i]
            out[0, i] = cast(exp_(v))
            out[1, i] = cast(expm1_(v))
            out[2, i] = cast(log_(v))
            out[3, i] = cast(log1p_(v))
            out[4, i] = cast(tanh_(v))
            out[5, i] = cast(logistic_(v))
            out[6, i] = cast(sin_(v))
            out[7, i] = cast(cos_(v))
            out[8, i] = cast(sinh_(v))
            out[9, i] = cast(cosh_(v))
            out[10, i] = cast(asinh_(v))
            out[11, i] = cast(acosh_(v))
            out[12, i] = cast(atanh_(v))
            out[13, i] = cast(exp2_(v))
            out[14, i] = cast(atan_(v))
            out[15, i] = cast(asin_(v))
            out[16, i] = cast(acos_(v))
            out[17, i] = cast(tan_(v))
            out[18, i] = cast(cbrt_(v))
        return out
    return run


@pytest.fixture(scope="module")
def runners():
    return {np.float64: _apply_all(njit(lambda v: np.float64(v))),
            np.float32: _apply_all(njit(lambda v: np.float32(v)))}


def reference(name, x):
    with np.errstate(all="ignore"):
        if name == "logistic":  # NumPy has none: evaluate in extended precision
            xl = x.astype(np.longdouble)
            return (1 / (1 + np.exp(-xl))).astype(x.dtype)
        return getattr(np, name)(x)


def ulp_distance(a, b):
    """Distance in units in the last place (0 for equal values, nans and zeros of either
    sign; inf where exactly one of the two is nan)."""
    itype = np.int64 if a.dtype == np.float64 else np.int32
    lo = np.iinfo(itype).min

    def ordered(v):
        i = v.view(itype).astype(np.int64)
        return np.where(i < 0, lo - i, i)

    d = np.abs(ordered(a) - ordered(b)).astype(np.float64)
    nan_a, nan_b = np.isnan(a), np.isnan(b)
    return np.where(nan_a & nan_b, 0.0, np.where(nan_a | nan_b, np.inf, d))


def samples(dtype, rng):
    info = np.finfo(dtype)
    n = 40_000
    mags = np.exp(rng.uniform(np.log(info.smallest_subnormal), np.log(info.max), n))
    sign = rng.choice([-1.0, 1.0], n)
    parts = [sign * mags, rng.uniform(-1, 1, n), rng.uniform(-30, 30, n),
             rng.uniform(-760, 760, n), rng.normal(size=n) * 1e-8, rng.uniform(0, 3, n),
             rng.uniform(-7e5, 7e5, n)]
    edges = [0.0, -0.0, np.inf, -np.inf, np.nan, 1.0, -1.0, info.max, -info.max, info.tiny,
             -info.tiny, info.smallest_subnormal, -info.smallest_subnormal, 709.78, 709.79,
             710.0, -708.4, -745.13, -745.14, -746.0, 88.72, 88.73, -103.97, -104.0, 20.0,
             -20.0, 36.0, -37.0, -40.0, 6.5e5, -6.5e5, 6.6e5, 1e22, np.pi, np.pi / 2,
             3 * np.pi / 2, 1e-300, -1 + 1e-16, -1 + 2**-53, 0.5, 1e-8]
    with np.errstate(over="ignore"):
        return np.concatenate(parts + [np.array(edges)]).astype(dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_kernels_within_4_ulp_of_numpy_over_the_whole_range(runners, dtype):
    x = samples(dtype, np.random.default_rng(0))
    got = runners[dtype](x, np.empty((len(NAMES), len(x)), dtype))
    for k, name in enumerate(NAMES):
        want = reference(name, x)
        d = ulp_distance(got[k], want)
        worst = int(np.argmax(d))
        assert d[worst] <= 4, (f"{name} {np.dtype(dtype).name}: {d[worst]} ulp at "
                               f"x={x[worst]!r}: got {got[k][worst]!r}, NumPy {want[worst]!r}")
        # signed zeros, infinities and nans exactly as NumPy
        special = (want == 0) | np.isinf(want) | np.isnan(want)
        np.testing.assert_array_equal(np.signbit(got[k][special]) | np.isnan(want[special]),
                                      np.signbit(want[special]) | np.isnan(want[special]),
                                      err_msg=name)


def test_fast_trig_kernels_agree_with_the_exact_ones_in_their_range():
    x = np.random.default_rng(1).uniform(-K.TRIG_FAST_LIMIT, K.TRIG_FAST_LIMIT, 20_000)

    @njit(error_model="numpy")
    def both(x, out):
        for i in range(x.shape[0]):
            out[0, i] = K.sin_fast_(x[i])
            out[1, i] = K.cos_fast_(x[i])
            out[2, i] = K.trig_big_(x[i])
            out[3, i] = K.tan_fast_(x[i])
        return out

    out = both(x, np.empty((4, len(x))))
    assert ulp_distance(out[0], np.sin(x)).max() <= 4
    assert ulp_distance(out[1], np.cos(x)).max() <= 4
    assert ulp_distance(out[3], np.tan(x)).max() <= 4
    assert not out[2].any()
    big = both(np.array([1e6, -np.inf, np.nan]), np.empty((4, 3)))[2]
    assert big.tolist() == [1.0, 1.0, 0.0]


def test_fast_log_agrees_with_numpy_except_on_the_positive_subnormals_it_flags():
    x = samples(np.float64, np.random.default_rng(2))
    x = np.concatenate([x, [np.nextafter(0.0, 1.0), 2.0**-1030, 2.2250738585072009e-308,
                            2.2250738585072014e-308, -2.0**-1030]])

    @njit(error_model="numpy")
    def both(x, out):
        for i in range(x.shape[0]):
            out[0, i] = K.log_fast_(x[i])
            out[1, i] = K.log_subnormal_(x[i])
        return out

    out = both(x, np.empty((2, len(x))))
    flagged = out[1] == 1.0
    np.testing.assert_array_equal(flagged, (x > 0) & (x < np.finfo(np.float64).tiny))
    assert flagged.sum() > 100
    d = ulp_distance(out[0][~flagged], reference("log", x[~flagged]))
    assert d.max() <= 4, f"{d.max()} ulp at x={x[~flagged][np.argmax(d)]!r}"


def special_pairs_then(special, wide, rng, dtype):
    """y, x in ``dtype``: every pair of the special values first, then ``wide`` against a
    permutation of itself, both ways."""
    y = np.concatenate([np.repeat(special, len(special)), wide, rng.permutation(wide)])
    x = np.concatenate([np.tile(special, len(special)), rng.permutation(wide), wide])
    with np.errstate(over="ignore", under="ignore"):  # in float32: infinities and zeros
        return y.astype(dtype), x.astype(dtype)


def unary_loop(kernel):
    """A compiled loop ``run(x, out)`` writing ``kernel(x[i])`` into ``out[i]``."""
    @njit(error_model="numpy")
    def run(x, out):
        for i in range(x.shape[0]):
            out[i] = kernel(x[i])
        return out

    return run


def run_unary(kernel, x):
    """``kernel(x[i])`` for each i, in one compiled loop (the output has x's dtype)."""
    return unary_loop(kernel)(x, np.empty_like(x))


def run_binary(kernel, y, x):
    """``kernel(y[i], x[i])`` for each i, in one compiled loop."""
    @njit(error_model="numpy")
    def run(y, x, out):
        for i in range(y.shape[0]):
            out[i] = kernel(y[i], x[i])
        return out

    return run(y, x, np.empty_like(y))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_atan2_within_4_ulp_of_numpy_and_its_special_cases_exactly(dtype):
    rng = np.random.default_rng(4)
    special = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1.0, -1.0, 1e-310, -1e300])
    wide = np.concatenate([rng.normal(size=20_000) * 10.0 ** rng.integers(-300, 300, 20_000),
                           rng.uniform(-2, 2, 20_000)])
    y, x = special_pairs_then(special, wide, rng, dtype)
    # float32: against float64's result rounded (NumPy's own float32 atan2 is 2 ulp off it)
    got = run_binary(K.atan2_f32_ if dtype == np.float32 else K.atan2_, y, x)
    want = np.arctan2(y.astype(np.float64), x.astype(np.float64)).astype(dtype)
    d = ulp_distance(got, want)
    assert d.max() <= 4, f"{d.max()} ulp at y={y[np.argmax(d)]!r}, x={x[np.argmax(d)]!r}"
    n = len(special) ** 2  # every pair of special values: NumPy's values, signs of zeros too
    np.testing.assert_array_equal(got[:n], want[:n])
    nan = np.isnan(want[:n])
    np.testing.assert_array_equal(np.signbit(got[:n]) | nan, np.signbit(want[:n]) | nan)


POW_SPECIAL = np.array([0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -2.0, 3.0, -3.0, np.inf, -np.inf,
                        np.nan, 1e-310, -1e-310, 1e308, 2.5, -2.5, 1e300, 2.0 ** 53, 2.0 ** 53 + 2])


def test_pow_within_2_ulp_of_long_double_and_its_special_cases_as_numpy():
    # e^(y log x) with log x in two parts: 2^-63 of it, where y log x reaches 745
    rng = np.random.default_rng(8)
    n = 200_000
    x = np.concatenate([rng.uniform(0.01, 10, n), 1 + rng.uniform(-0.3, 0.4, n),
                        np.exp(rng.uniform(-700, 700, n)),
                        np.exp(rng.uniform(np.log(5e-324), np.log(2.2e-308), n))])
    big = 745 / np.abs(np.log(x[2 * n:3 * n])) * rng.uniform(0.5, 1.0, n)
    y = np.concatenate([rng.uniform(-20, 20, n), rng.uniform(-1900, 1900, n),
                        rng.choice([-1, 1], n) * big, rng.uniform(-1.2, 1.2, n) / 700])
    got = run_binary(K.powf_, x, y)
    want = np.power(x.astype(np.longdouble), y.astype(np.longdouble))
    ok = np.isfinite(want.astype(np.float64)) & (want != 0)
    err = np.abs((got[ok].astype(np.longdouble) - want[ok]) / np.spacing(np.abs(got[ok])))
    worst = int(np.argmax(err))
    assert err[worst] <= 2, (f"{float(err[worst]):.2f} ulp at x={x[ok][worst]!r}, "
                             f"y={y[ok][worst]!r}")
    # overflow and underflow where long double's result does
    np.testing.assert_array_equal(got[~ok], want[~ok].astype(np.float64))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_pow_special_pairs_as_numpy_and_float32_within_2_ulp(dtype):
    rng = np.random.default_rng(9)
    wide = np.concatenate([np.exp(rng.uniform(-80, 80, 20_000)), rng.uniform(-9, 9, 20_000)])
    x, y = special_pairs_then(POW_SPECIAL, wide, rng, dtype)
    got = run_binary(K.powf_f32_ if dtype == np.float32 else K.powf_, x, y)
    with np.errstate(all="ignore"):
        want = np.power(x.astype(np.float64), y.astype(np.float64)).astype(dtype)
    d = ulp_distance(got, want)
    assert d.max() <= 2, f"{d.max()} ulp at x={x[np.argmax(d)]!r}, y={y[np.argmax(d)]!r}"
    # every pair of special values: NumPy's zeros (signs too), infinities, nans and ones
    # exactly (the rest, as 0.5 ** 0.5, within the 2 ulp above)
    n = len(POW_SPECIAL) ** 2
    exact = ~np.isfinite(want[:n]) | (want[:n] == 0) | (np.abs(want[:n]) == 1)
    np.testing.assert_array_equal(got[:n][exact], want[:n][exact])
    nan = np.isnan(want[:n])
    np.testing.assert_array_equal(np.signbit(got[:n]) | nan, np.signbit(want[:n]) | nan)


def test_expm1_within_an_ulp_where_its_reduction_gives_k_of_one():
    # 0.35 < |x| < 0.45: x = +-ln2 + r with r near -+ln2/2, where expm1 reached 1.8 ulp before
    # its reconstruction summed 2^(k-1) - 1/2 and 2^(k-1) r exactly
    assert np.finfo(np.longdouble).nmant >= 63, "needs x87 extended precision for a reference"
    rng = np.random.default_rng(3)
    x = np.concatenate([rng.uniform(0.3, 0.45, 20_000), rng.uniform(-0.45, -0.3, 20_000)])
    got = run_unary(K.expm1_, x)
    want = np.expm1(x.astype(np.longdouble))
    err = np.abs((got.astype(np.longdouble) - want) / np.spacing(want.astype(np.float64)))
    assert err.max() <= 1.25, f"{float(err.max()):.2f} ulp at x={x[np.argmax(err)]!r}"


def test_sinh_and_cosh_within_an_ulp_where_e_to_the_minus_x_counts():
    # sinh_/cosh_ sum 2^(k-1) (e^r -+ 2^-2k e^-r): k = 0 and 1 (|x| < 1.04), where sinh's
    # second term cancels up to half the first; k = 27 (18.4 < |x| < 19.1), where 1 -+ 2^-2k
    # rounds to 1 (1.5 ulp before its lost part was added back); the overflow edge. Measured
    # with 300,000 values per band: 1.07 ulp at most.
    assert np.finfo(np.longdouble).nmant >= 63, "needs x87 extended precision for a reference"
    rng = np.random.default_rng(5)
    x = np.concatenate([rng.uniform(-1.04, 1.04, 20_000), rng.uniform(18.2, 19.2, 20_000),
                        -rng.uniform(18.2, 19.2, 5_000), rng.uniform(700, 710.47, 5_000)])

    @njit(error_model="numpy")
    def run(x, out):
        for i in range(x.shape[0]):
            out[0, i] = K.sinh_(x[i])
            out[1, i] = K.cosh_(x[i])
        return out

    got = run(x, np.empty((2, len(x))))
    for k, f in enumerate((np.sinh, np.cosh)):
        want = f(x.astype(np.longdouble))
        err = np.abs((got[k].astype(np.longdouble) - want) / np.spacing(want.astype(np.float64)))
        worst = int(np.argmax(err))
        # (unfused, the sums' extra roundings reach 1.27 ulp near x = 0.35)
        bound = 1.1 if target.has_fma() else 1.3
        assert err[worst] <= bound, f"{f.__name__}: {float(err[worst]):.2f} ulp at x={x[worst]!r}"


def test_cbrt_within_0_6_ulp_of_long_double_and_exact_at_perfect_cubes():
    # its last step is Newton's on an exact residual: nearly correctly rounded (NumPy's own
    # reaches 0.56 ulp), and every perfect cube's root exact, as libm's; float32's too
    rng = np.random.default_rng(3)
    bands = [rng.uniform(-1, 1, 100_000), rng.uniform(-1e3, 1e3, 100_000)] + [
        np.exp(rng.uniform(np.log(lo), np.log(hi), 100_000)) for lo, hi in (
            (5e-324, 2.3e-308), (2.3e-308, 2.0 ** -760), (2.0 ** -770, 1e-200), (1e300, 1.79e308))]
    x = np.concatenate(bands)
    got = run_unary(K.cbrt_, x)
    want = np.cbrt(x.astype(np.longdouble))
    err = np.abs((got.astype(np.longdouble) - want) / np.spacing(np.abs(got)))
    worst = int(np.argmax(err))
    assert err[worst] < 0.6, f"{float(err[worst]):.3f} ulp at x={x[worst]!r}"
    # n^3 < 2^53 (float32: 2^24), so every cube below is exact
    for dtype, kernel, n in ((np.float64, K.cbrt_, 200_000), (np.float32, K.cbrt_f32_, 250)):
        roots = (np.arange(-n, n + 1).astype(dtype)
                 * dtype(2.0) ** np.arange(-24, 25, 6).astype(dtype)[:, None]).ravel()
        cubes = roots ** 3
        np.testing.assert_array_equal(run_unary(kernel, cubes), roots)


F32_TWINS = {"exp": K.exp_f32_, "log": K.log_f32_, "tanh": K.tanh_f32_,
             "logistic": K.logistic_f32_, "expm1": K.expm1_f32_, "log1p": K.log1p_f32_,
             "sin": K.sin_f32_, "cos": K.cos_f32_, "tan": K.tan_f32_, "sinh": K.sinh_f32_,
             "cosh": K.cosh_f32_, "arctan": K.atan_f32_, "arcsin": K.asin_f32_,
             "arccos": K.acos_f32_, "cbrt": K.cbrt_f32_, "arcsinh": K.asinh_f32_,
             "arccosh": K.acosh_f32_, "arctanh": K.atanh_f32_, "exp2": K.exp2_f32_}


@pytest.mark.parametrize("name", sorted(F32_TWINS))
def test_float32_twins_within_2_ulp_of_the_float64_result_rounded(name):
    # the twins compute in float32; the reference is float64's NumPy rounded once (2 ulp where
    # NumPy's own float32 tanh is 1, its exp 2 and its log 3; tan 3, as NumPy's own)
    x = samples(np.float32, np.random.default_rng(6))
    got = run_unary(F32_TWINS[name], x)
    assert got.dtype == np.float32
    with np.errstate(over="ignore"):  # float64 results beyond float32's range: inf
        want = reference(name, x.astype(np.float64)).astype(np.float32)
    d = ulp_distance(got, want)
    worst = int(np.argmax(d))
    assert d[worst] <= (3 if name == "tan" else 2), f"{name}: {d[worst]} ulp at x={x[worst]!r}"
    special = (want == 0) | np.isinf(want) | np.isnan(want)
    np.testing.assert_array_equal(np.signbit(got[special]) | np.isnan(want[special]),
                                  np.signbit(want[special]) | np.isnan(want[special]))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_logaddexp_within_4_ulp_of_its_terms_and_special_pairs_as_numpy(dtype):
    # max(x, y) + log1p(e^-|x - y|), NumPy's formula too: where the two terms cancel, neither
    # is accurate relative to the result, so the error is measured against the terms
    rng = np.random.default_rng(8)
    special = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1.0, -1.0, 1e-310, -1e300, 80.0,
                        -100.0])
    wide = np.concatenate([rng.normal(size=30_000) * 10.0 ** rng.integers(-5, 5, 30_000),
                           rng.uniform(-40, 40, 30_000)])
    y, x = special_pairs_then(special, wide, rng, dtype)
    got = run_binary(K.logaddexp_f32_ if dtype == np.float32 else K.logaddexp_, y, x)
    with np.errstate(all="ignore"):
        want = np.logaddexp(y.astype(np.float64), x.astype(np.float64))
        scale = np.maximum(np.abs(np.maximum(y, x)), 1.0).astype(np.float64)
        err = np.abs(got - want) / (scale * np.finfo(dtype).eps)
    finite = np.isfinite(want)
    worst = int(np.argmax(np.where(finite, err, 0)))
    assert err[finite].max() <= 4, f"{err[worst]} at y={y[worst]!r}, x={x[worst]!r}"
    np.testing.assert_array_equal(got[~finite], want[~finite].astype(dtype))  # inf, nan


def test_float32_fast_trig_within_2_ulp_in_its_range_and_flags_beyond_it():
    rng = np.random.default_rng(9)
    lim = float(K.TRIG_FAST_LIMIT32)
    # near multiples of pi/2, where the reduction cancels, and over the whole range
    near = (np.round(rng.uniform(-lim, lim, 20_000) / (np.pi / 2)) * (np.pi / 2)).astype(
        np.float32)
    x = np.concatenate([rng.uniform(-lim, lim, 40_000).astype(np.float32), near,
                        np.nextafter(near, np.float32(np.inf)),
                        np.float32([lim, -lim, np.nextafter(np.float32(lim), np.float32(1e6)),
                                    1e30, -np.inf, np.nan, 0.0, -0.0])])

    @njit(error_model="numpy")
    def run(x, out):
        for i in range(x.shape[0]):
            out[0, i] = K.sin_fast_f32_(x[i])
            out[1, i] = K.cos_fast_f32_(x[i])
            out[2, i] = K.tan_fast_f32_(x[i])
            out[3, i] = K.trig_big_f32_(x[i])
        return out

    out = run(x, np.empty((4, len(x)), np.float32))
    big = out[3] == 1.0
    np.testing.assert_array_equal(big, np.abs(x) > lim)
    with np.errstate(invalid="ignore"):
        for k, f in enumerate((np.sin, np.cos, np.tan)):
            want = f(x[~big].astype(np.float64)).astype(np.float32)
            d = ulp_distance(out[k][~big], want)
            tol = 3 if f is np.tan else 2  # tan / (its r's rounding) * r: 1.6 ulp alone
            assert d.max() <= tol, f"{f.__name__}: {d.max()} ulp at {x[~big][np.argmax(d)]!r}"


def test_float32_fast_log_flags_exactly_the_positive_subnormals():
    info = np.finfo(np.float32)
    x = np.concatenate([samples(np.float32, np.random.default_rng(7)),
                        np.float32([info.smallest_subnormal, 2.0**-127, np.nextafter(info.tiny, 0),
                                    info.tiny, -info.smallest_subnormal])])

    @njit(error_model="numpy")
    def both(x, out, flags):
        for i in range(x.shape[0]):
            out[i] = K.log_fast_f32_(x[i])
            flags[i] = K.log_subnormal_f32_(x[i])
        return out, flags

    out, flags = both(x, np.empty_like(x), np.empty(len(x), np.bool_))
    np.testing.assert_array_equal(flags, (x > 0) & (x < info.tiny))
    assert flags.sum() > 100
    want = reference("log", x[~flags].astype(np.float64)).astype(np.float32)
    assert ulp_distance(out[~flags], want).max() <= 2


def test_jit_calls_the_float32_twins_for_float32_and_the_float64_kernels_otherwise():
    import funcgrad as fg
    import funcgrad.numpy as fnp
    f = fg.jit(lambda v: fnp.tanh(v) + fnp.exp(v) * fnp.log(v) + 0.0 * fnp.exp2(v))
    for dt, names in ((np.float32, ("tanh_f32_(", "exp_f32_(", "log_fast_f32_(", "exp2_f32_(")),
                      (np.float64, ("tanh_(", "exp_(", "log_fast_(", "exp2_("))):
        x = np.linspace(0.1, 4.0, 1000, dtype=dt)
        src = f.source(x)
        assert all(n in src for n in names), src
        got = f(x)
        assert got.dtype == dt
        terms = (np.tanh(x), np.exp(x) * np.log(x))  # their sum cancels near x = 0.63
        err = np.abs(got - (terms[0] + terms[1])) / (np.abs(terms[0]) + np.abs(terms[1]))
        assert err.max() <= 4 * np.finfo(dt).eps
    # a positive subnormal float32 goes to the NumPy evaluator: log(1e-40) is finite; so does
    # a float32 beyond the float32 trig kernels' range
    tiny = np.float32([1e-40, 2.0])
    np.testing.assert_allclose(fg.jit(fnp.log)(tiny), np.log(tiny), rtol=1e-6)
    g = fg.jit(lambda v: fnp.sin(v) * fnp.cos(v))
    for big in (np.float32([1.5, 3e4]), np.float32([1.5, 1e5]), np.float32([1e30, 2.0])):
        assert "trig_big_f32_(" in g.source(big)
        np.testing.assert_allclose(g(big), np.sin(big) * np.cos(big), rtol=2e-6, atol=1e-7)


VECTORIZED = [(k, np.float64) for k in (
    K.exp_, K.expm1_, K.log_, K.log1p_, K.tanh_, K.logistic_, K.sin_fast_, K.cos_fast_,
    K.trig_big_, K.log_fast_, K.log_subnormal_, K.sinh_, K.cosh_, K.asinh_, K.acosh_, K.atanh_,
    K.exp2_, K.atan_, K.asin_, K.acos_, K.tan_fast_, K.cbrt_, njit(lambda v: K.atan2_(v, 0.75)),
    njit(forceinline=True)(lambda v: K.powf_(v, 0.75)),
    # (inlined, as generated code's calls of logaddexp_ are: LLVM's inliner would leave this
    # wrapper a call)
    njit(forceinline=True)(lambda v: K.logaddexp_(v, 0.75)))] + [(k, np.float32) for k in (
        K.exp_f32_, K.log_f32_, K.log_fast_f32_, K.log_subnormal_f32_, K.tanh_f32_,
        K.logistic_f32_, K.expm1_f32_, K.log1p_f32_, K.sin_fast_f32_, K.cos_fast_f32_,
        K.tan_fast_f32_, K.trig_big_f32_, K.sinh_f32_, K.cosh_f32_, K.atan_f32_, K.asin_f32_,
        K.acos_f32_, K.cbrt_f32_, K.asinh_f32_, K.acosh_f32_, K.atanh_f32_, K.exp2_f32_,
        njit(forceinline=True)(lambda v: K.atan2_f32_(v, np.float32(0.75))),
        njit(forceinline=True)(lambda v: K.powf_f32_(v, np.float32(0.75))),
        njit(forceinline=True)(lambda v: K.logaddexp_f32_(v, np.float32(0.75))))]


@pytest.mark.parametrize("kernel,dtype", VECTORIZED)
def test_each_math_kernel_inlines_into_a_loop_that_vectorizes(kernel, dtype):
    # LLVM vectorizes a loop only if the kernel is inlined into it; its inliner gives up on
    # functions past a size threshold (sin_fast_ once was, and its loop ran 10x slower)
    run = unary_loop(kernel)
    x = np.linspace(0.5, 2.0, 64, dtype=dtype)
    run(x, np.empty_like(x))
    llvm = run.inspect_llvm(run.signatures[0])
    assert not re.search(r"call [^\n]*@_ZN8funcgrad7backend7kernels", llvm), "not inlined"
    # (a kernel reading only x's bits, as log_subnormal_, loads them as vectors of i64)
    assert re.search(r"load <\d+ x (double|i64|float|i32)>", llvm), "the loop is not vectorized"
    if dtype == np.float32:  # its integer work in 32-bit lanes, not widened to 64 and back
        assert not re.search(r"sext <\d+ x i32> [^\n]* to <\d+ x i64>", llvm), "widened"


def test_range_reduction_constants_are_what_the_code_assumes():
    decimal.getcontext().prec = 60
    pi = decimal.Decimal("3.14159265358979323846264338327950288419716939937510582097494")
    parts = [decimal.Decimal(v) for v in (K.PIO2_1, K.PIO2_2, K.PIO2_3, K.PIO2_4)]
    assert abs(sum(parts) - pi / 2) < decimal.Decimal(2) ** -150
    ln2 = decimal.Decimal(2).ln()
    assert abs(decimal.Decimal(K.LN2_HI) + decimal.Decimal(K.LN2_LO) - ln2) < \
        decimal.Decimal(2) ** -85

    def bits(v):  # significant bits of a double
        m = np.array(v).view(np.int64) & ((1 << 52) - 1)
        return 53 - (int(m & -m).bit_length() - 1 if m else 52)

    # k * part must be exact for |k| < 2^20 (trig) and |k| < 2^11 (exp)
    assert max(bits(K.PIO2_1), bits(K.PIO2_2), bits(K.PIO2_3)) <= 33
    assert bits(K.LN2_HI) <= 42


def test_block_reductions_match_numpy():
    rng = np.random.default_rng(2)
    for m in (0, 1, 7, 8, 15, 16, 17, 100, 256):
        buf = rng.normal(size=max(m, 1))
        assert K.sum_block_(1.5, buf, m) == pytest.approx(1.5 + buf[:m].sum(), rel=1e-14)
        assert K.max_block_(-np.inf, buf, m) == (buf[:m].max() if m else -np.inf)
        assert K.min_block_(np.inf, buf, m) == (buf[:m].min() if m else np.inf)
        assert K.prod_block_(1.0, buf, m) == pytest.approx(np.prod(buf[:m]), rel=1e-13)
    buf = np.array([1.0, np.nan] + [0.0] * 30)
    assert np.isnan(K.max_block_(0.0, buf, 32)) and np.isnan(K.min_block_(0.0, buf, 32))


def _gemm_via_ctypes(fn, a, b, ta, tb):
    """C = op(a) op(b) through a C-callable gemm with CBLAS's row-major signature."""
    import ctypes
    m = a.shape[1] if ta else a.shape[0]
    k = a.shape[0] if ta else a.shape[1]
    n = b.shape[0] if tb else b.shape[1]
    c = np.full((m, n), np.nan, a.dtype)
    ptr = ctypes.POINTER(ctypes.c_float if a.dtype == np.float32 else ctypes.c_double)
    fn(101, 112 if ta else 111, 112 if tb else 111, m, n, k, 1.0, a.ctypes.data_as(ptr),
       a.shape[1], b.ctypes.data_as(ptr), b.shape[1], 0.0, c.ctypes.data_as(ptr), n)
    return c


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_matrix_products_match_numpy_through_either_gemm(dtype):
    from funcgrad.backend import blas
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(5, 7)).astype(dtype), rng.normal(size=(7, 3)).astype(dtype)
    tol = 1e-5 if dtype == np.float32 else 1e-13
    # the kernel generated code calls, over every operand layout
    for x, y in [(a, b), (np.asfortranarray(a), b), (a, np.asfortranarray(b)),
                 (a[::2], b), (a[:, ::2], b[::2]), (a[:, :0], b[:0]), (a[:0], b)]:
        np.testing.assert_allclose(K.dot_(x, y), x @ y, rtol=tol, atol=tol)
    x3, y3 = rng.normal(size=(2, 5, 7)).astype(dtype), rng.normal(size=(2, 7, 3)).astype(dtype)
    np.testing.assert_allclose(K.matmul_batched_(x3, y3, np.zeros((2, 5, 3), dtype)), x3 @ y3,
                               rtol=tol, atol=tol)
    # the fallback used where NumPy's BLAS is not found, with and without transposes
    fallback = blas._fallback("f" if dtype == np.float32 else "d").ctypes
    for ta in (False, True):
        for tb in (False, True):
            A = np.ascontiguousarray(a.T) if ta else a
            B = np.ascontiguousarray(b.T) if tb else b
            np.testing.assert_allclose(_gemm_via_ctypes(fallback, A, B, ta, tb), a @ b,
                                       rtol=tol, atol=tol)


def test_transpose_is_numpys_transpose_as_a_view():
    a = np.arange(2 * 3 * 4 * 5, dtype=np.float64).reshape(2, 3, 4, 5)
    cases = [(a, (0, 2, 1, 3)), (a, (3, 1, 0, 2)), (a[:, ::2, 1:], (2, 0, 3, 1)),
             (np.asfortranarray(a[0]), (1, 2, 0)), (a[0, 0].astype(np.float32), (1, 0))]
    for x, perm in cases:
        t = K.transpose_(x, perm)
        want = np.transpose(x, perm)
        assert t.shape == want.shape and t.dtype == x.dtype and np.array_equal(t, want)
        assert np.shares_memory(t, x)  # a view, as np.transpose's


SORT_VALUES = {  # each draws from values with ties, NaNs, infinities and signed zeros
    np.float64: np.array([0.0, -0.0, 1.0, -1.0, np.nan, np.inf, -np.inf, 2.5]),
    np.float32: np.array([0.0, -0.0, 1.0, np.nan, -np.inf, 3.0], np.float32),
    np.int64: np.array([3, -2, 0, 7, 7, -9]),
    np.bool_: np.array([True, False]),
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64, np.bool_, np.complex128])
def test_row_argsort_is_numpys_stable_argsort(dtype):
    rng = np.random.default_rng(3)
    # lengths around the insertion runs (16) and the merge passes, and one long row
    for n in (0, 1, 2, 15, 16, 17, 33, 100, 1000, 5000):
        if dtype == np.complex128:
            parts = SORT_VALUES[np.float64]
            x = np.empty((2, n), np.complex128)
            x.real, x.imag = rng.choice(parts, (2, n)), rng.choice(parts, (2, n))
            x[:, ::3] = np.nan  # complex(nan, 0.0), beside the NaN imaginary parts drawn
        else:
            x = rng.choice(SORT_VALUES[dtype], (2, n))
        x[1] = x[1, ::-1]
        got = K.argsort_rows_(x, np.empty(x.shape, np.int64))
        np.testing.assert_array_equal(got, np.argsort(x, axis=-1, kind="stable"), err_msg=n)


def test_take_clips_its_indices_with_one_column_or_several():
    # one column (q == 1) is a loop over the indices alone, which LLVM vectorizes
    rng = np.random.default_rng(6)
    idx = np.array([0, 4, -3, 9, 2, 100, -100, 1])
    for q in (1, 3):
        x = rng.normal(size=(2, 5, q))
        got = K.take_(x, idx, np.empty((2, len(idx), q)))
        np.testing.assert_array_equal(got, np.take(x, idx, axis=1, mode="clip"))
