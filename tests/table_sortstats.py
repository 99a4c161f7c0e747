"""Table rows for sorting, searching, sets and statistics (see primitive_table.py).

Inputs are drawn without ties (continuous uniform draws), so sorting has a derivative there and
finite differences are valid; tie-breaking, value-dependent shapes and integer results are
checked in tests/test_sorting.py and tests/test_statistics.py. Functions whose result shape
depends on values use ``size=`` here, so that they trace (make_ir, jit, vmap). Integer inputs
(bin indices, frequency weights) are closed over: the table's float32 check casts arguments.
"""
import numpy as np
from primitive_table import Row

import funcgrad.numpy as fnp


def u(shape, lo=-2.0, hi=2.0):
    return lambda rng, dtype: rng.uniform(lo, hi, size=shape).astype(dtype)


def increasing(n, lo=-2.0, hi=2.0):
    """Sorted points at least (hi - lo) / (4 n) apart."""
    def make(rng, dtype):
        gaps = rng.uniform(1.0, 3.0, size=n)
        return (lo + (hi - lo) * np.cumsum(gaps) / gaps.sum() * 0.9).astype(dtype)
    return make


def with_nans(shape, where):
    def make(rng, dtype):
        x = rng.uniform(-2.0, 2.0, size=shape).astype(dtype)
        x[where] = np.nan
        return x
    return make


def sparse(shape):
    """About half the entries exactly zero (for nonzero and friends)."""
    def make(rng, dtype):
        x = rng.uniform(-2.0, 2.0, size=shape)
        return np.where(x > 0, x, 0.0).astype(dtype)
    return make


def mk(*makers):
    return lambda rng, dtype: tuple(m(rng, dtype) for m in makers)


S = (3, 4)
NANS = with_nans((3, 4), (np.array([0, 1, 1]), np.array([1, 0, 3])))


def padded_nonzero(x, size, fill=0):
    idx = np.stack(np.nonzero(x))[:, :size]
    return np.pad(idx, ((0, 0), (0, size - idx.shape[1])), constant_values=fill)


def padded(v, size, fill=None):
    v = v[:size]
    return np.concatenate([v, np.full(size - v.size, v.min() if fill is None else fill)])


def sorting_rows():
    return [
        Row("sort", fnp.sort, mk(u(S)), np_ref=np.sort),
        Row("sort_axis0", lambda x: fnp.sort(x, axis=0), mk(u(S)),
            np_ref=lambda x: np.sort(x, axis=0)),
        Row("sort_flat", lambda x: fnp.sort(x, axis=None), mk(u((2, 3, 2))),
            np_ref=lambda x: np.sort(x, axis=None)),
        Row("sort_numpy_dispatch", lambda x: np.sort(x * 1.0, axis=0) ** 2, mk(u(S)),
            np_ref=lambda x: np.sort(x, axis=0) ** 2),
        Row("argsort", lambda x: fnp.argsort(x, axis=0), mk(u(S)), grad=False,
            np_ref=lambda x: np.argsort(x, axis=0)),
        Row("argsort_times_x", lambda x: fnp.argsort(x) * x, mk(u(S)),
            np_ref=lambda x: np.argsort(x) * x),
        Row("lexsort", lambda a, b: fnp.lexsort([a, b]), mk(u(S), u(S)), grad=False,
            np_ref=lambda a, b: np.lexsort([a, b])),
        Row("partition", lambda x: fnp.partition(x, 2), mk(u(S)),
            np_ref=lambda x: np.sort(x)),  # a valid partition: see partition's docstring
        Row("argpartition", lambda x: fnp.argpartition(x, 1, axis=0), mk(u(S)), grad=False,
            np_ref=lambda x: np.argsort(x, axis=0)),
        Row("searchsorted", lambda a, v: fnp.searchsorted(a, v), mk(increasing(5), u(S)),
            grad=False, np_ref=np.searchsorted),
        Row("searchsorted_right_sorter", lambda a, v: fnp.searchsorted(
            a[::-1], v, side="right", sorter=np.arange(5)[::-1]), mk(increasing(5), u((4,))),
            grad=False, np_ref=lambda a, v: np.searchsorted(a, v, side="right")),
        Row("digitize", lambda x, b: fnp.digitize(x, b), mk(u(S), increasing(4)), grad=False,
            np_ref=np.digitize),
        Row("digitize_decreasing_right", lambda x, b: fnp.digitize(x, b[::-1], right=True),
            mk(u(S), increasing(4)), grad=False,
            np_ref=lambda x, b: np.digitize(x, b[::-1], right=True)),
        Row("interp", fnp.interp, mk(u((6,), -2.5, 2.5), increasing(5), u((5,))),
            np_ref=np.interp),
        Row("interp_left_right", lambda x, xp, fp: fnp.interp(x, xp, fp, -3.0, 4.0),
            mk(u(S, -2.5, 2.5), increasing(4), u((4,))),
            np_ref=lambda x, xp, fp: np.interp(x, xp, fp, -3.0, 4.0)),
        Row("interp_period", lambda x, xp, fp: fnp.interp(x, xp, fp, period=4.0),
            mk(u((5,), -6, 6), increasing(4), u((4,))),
            np_ref=lambda x, xp, fp: np.interp(x, xp, fp, period=4.0)),
        Row("argmax_keepdims", lambda x: fnp.argmax(x, axis=0, keepdims=True), mk(u(S)),
            grad=False, np_ref=lambda x: np.argmax(x, axis=0, keepdims=True)),
        Row("argmin_keepdims_flat", lambda x: fnp.argmin(x, keepdims=True), mk(u(S)),
            grad=False, np_ref=lambda x: np.argmin(x, keepdims=True)),
    ]


def counting_rows():
    return [
        Row("nonzero_size", lambda x: fnp.stack(fnp.nonzero(x, size=8, fill_value=-1)),
            mk(sparse(S)), grad=False, np_ref=lambda x: padded_nonzero(x, 8, -1)),
        Row("where_one_argument_size", lambda x: fnp.stack(fnp.where(x, size=3)),
            mk(sparse(S)), grad=False, np_ref=lambda x: padded_nonzero(x, 3)),
        Row("argwhere_size", lambda x: fnp.argwhere(x, size=7), mk(sparse(S)), grad=False,
            np_ref=lambda x: padded_nonzero(x, 7).T),
        Row("flatnonzero_size", lambda x: fnp.flatnonzero(x, size=9), mk(sparse(S)),
            grad=False, np_ref=lambda x: padded_nonzero(x.ravel(), 9)[0]),
        Row("extract_size", lambda c, x: fnp.extract(c > 0, x, size=8), mk(u(S), u(S)),
            np_ref=lambda c, x: padded(np.extract(c > 0, x), 8, 0)),
        Row("count_nonzero", lambda x: fnp.count_nonzero(x, axis=1), mk(sparse(S)),
            grad=False, np_ref=lambda x: np.count_nonzero(x, axis=1)),
    ]


def set_rows():
    return [
        Row("unique_size", lambda x: fnp.unique(x, size=14), mk(u(S)),
            np_ref=lambda x: padded(np.unique(x), 14)),
        Row("unique_size_fill", lambda x: fnp.unique(x, size=13, fill_value=9.0), mk(u(S)),
            np_ref=lambda x: padded(np.unique(x), 13, 9.0)),
        Row("unique_index_counts_inverse", lambda x: fnp.stack(fnp.unique(
            fnp.round(x), return_index=True, return_counts=True, size=12)[1:]), mk(u(S)),
            grad=False, np_ref=lambda x: np.stack([padded(v, 12, f) for v, f in zip(
                np.unique(np.round(x), return_index=True, return_counts=True)[1:], (12, 0))])),
        Row("unique_inverse", lambda x: fnp.unique(fnp.round(x), return_inverse=True,
                                                   size=12)[1], mk(u(S)), grad=False,
            np_ref=lambda x: np.unique(np.round(x), return_inverse=True)[1]),
        Row("unique_axis_size", lambda x: fnp.unique(x, axis=1, size=5), mk(u(S)),
            np_ref=lambda x: _unique_columns_padded(x, 5)),
        Row("union1d_size", lambda a, b: fnp.union1d(a, b, size=8),
            mk(u((3,)), u((4,))), np_ref=lambda a, b: padded(np.union1d(a, b), 8)),
        Row("intersect1d_size", lambda a: fnp.intersect1d(a, a[::2], size=4), mk(u((5,))),
            np_ref=lambda a: padded(np.intersect1d(a, a[::2]), 4)),
        Row("setdiff1d_size", lambda a: fnp.setdiff1d(a, a[1:3], size=4), mk(u((5,))),
            np_ref=lambda a: padded(np.setdiff1d(a, a[1:3]), 4)),
        Row("setxor1d_size", lambda a, b: fnp.setxor1d(a, fnp.concatenate([b, a[:2]]), size=6),
            mk(u((4,)), u((2,))),
            np_ref=lambda a, b: padded(np.setxor1d(a, np.concatenate([b, a[:2]])), 6)),
        Row("isin", lambda a: fnp.isin(a, a[::2] * 1.0), mk(u(S)), grad=False,
            np_ref=lambda a: np.isin(a, a[::2])),
    ]


def _unique_columns_padded(x, size):
    """Padded with copies of the first (smallest) unique column."""
    v = np.unique(x, axis=1)
    return np.concatenate([v, np.repeat(v[:, :1], size - v.shape[1], axis=1)], axis=1)


def quantile_rows():
    rows = [
        Row("median", fnp.median, mk(u(S)), np_ref=np.median),
        Row("median_axis1_even", lambda x: fnp.median(x, axis=1), mk(u(S)),
            np_ref=lambda x: np.median(x, axis=1)),
        Row("median_axis0_odd_keepdims", lambda x: fnp.median(x, axis=0, keepdims=True),
            mk(u(S)), np_ref=lambda x: np.median(x, axis=0, keepdims=True)),
        Row("nanmedian", lambda x: fnp.nanmedian(x, axis=1), mk(NANS),
            np_ref=lambda x: np.nanmedian(x, axis=1)),
        Row("percentile", lambda x, q: fnp.percentile(x, q * 100.0, axis=0),
            mk(u(S), u((2,), 0.05, 0.95)), np_ref=lambda x, q: np.percentile(x, q * 100, axis=0)),
        Row("nanquantile", lambda x, q: fnp.nanquantile(x, q, axis=1, keepdims=True),
            mk(NANS, u((2,), 0.05, 0.95)),
            np_ref=lambda x, q: np.nanquantile(x, q, axis=1, keepdims=True)),
        Row("nanpercentile_lower", lambda x: fnp.nanpercentile(x, 30.0, method="lower"),
            mk(NANS), np_ref=lambda x: np.nanpercentile(x, 30.0, method="lower")),
        Row("quantile_weighted", lambda x, w: fnp.quantile(x, [0.3, 0.8], axis=1, weights=w,
                                                           method="inverted_cdf"),
            mk(u(S), u(S, 0.1, 1.0)), np_ref=lambda x, w: np.quantile(
                x, [0.3, 0.8], axis=1, weights=w, method="inverted_cdf")),
    ]
    for method in ("linear", "hazen", "weibull", "median_unbiased", "normal_unbiased",
                   "interpolated_inverted_cdf"):  # continuous in q: differentiable in it
        rows.append(Row(f"quantile_{method}",
                        lambda x, q, m=method: fnp.quantile(x, q, axis=1, method=m),
                        mk(u(S), u((3,), 0.05, 0.95)),
                        np_ref=lambda x, q, m=method: np.quantile(x, q, axis=1, method=m)))
    for method in ("lower", "higher", "nearest", "midpoint", "inverted_cdf",
                   "averaged_inverted_cdf", "closest_observation"):  # piecewise constant in q
        rows.append(Row(f"quantile_{method}",
                        lambda x, m=method: fnp.quantile(x, [0.1, 0.45, 0.9], axis=0, method=m),
                        mk(u(S)), np_ref=lambda x, m=method: np.quantile(
                            x, [0.1, 0.45, 0.9], axis=0, method=m)))
    return rows


def nan_rows():
    rows = [Row(name, lambda x, f=getattr(fnp, name), a=ax: f(x, axis=a), mk(NANS),
                np_ref=lambda x, f=getattr(np, name), a=ax: f(x, axis=a))
            for name, ax in (("nansum", 1), ("nanprod", 0), ("nanmean", 1), ("nanmax", 0),
                             ("nanmin", 1), ("nancumsum", 1), ("nancumprod", 0))]
    return rows + [
        Row("nanvar_ddof", lambda x: fnp.nanvar(x, axis=1, ddof=1), mk(NANS),
            np_ref=lambda x: np.nanvar(x, axis=1, ddof=1)),
        Row("nanstd", lambda x: fnp.nanstd(x), mk(NANS), np_ref=np.nanstd),
        Row("nanmean_where", lambda x: fnp.nanmean(x, axis=0, where=np.eye(3, 4) == 0),
            mk(NANS), np_ref=lambda x: np.nanmean(x, axis=0, where=np.eye(3, 4) == 0)),
        Row("nanargmax", lambda x: fnp.nanargmax(x, axis=1), mk(NANS), grad=False,
            np_ref=lambda x: np.nanargmax(x, axis=1)),
        Row("nanargmin", lambda x: fnp.nanargmin(x), mk(NANS), grad=False,
            np_ref=np.nanargmin),
        Row("cumprod_with_zero", lambda x: fnp.cumprod(x * np.array([1.0, 0.0, 1.0, 1.0])),
            mk(u(S)), np_ref=lambda x: np.cumprod(x * np.array([1.0, 0.0, 1.0, 1.0]))),
    ]


BINS = np.array([0, 2, 2, 1, 5, 1, 0])
FREQ = np.array([1, 2, 1, 3])


def statistics_rows():
    return [
        Row("average", lambda x, w: fnp.average(x, axis=1, weights=w), mk(u(S), u((4,), 0.5)),
            np_ref=lambda x, w: np.average(x, axis=1, weights=w)),
        Row("average_returned", lambda x: fnp.average(x, axis=0, returned=True)[1] * x,
            mk(u(S)), np_ref=lambda x: np.average(x, axis=0, returned=True)[1] * x),
        Row("cov", fnp.cov, mk(u(S)), np_ref=np.cov),
        Row("cov_columns_bias", lambda x: fnp.cov(x, rowvar=False, bias=True), mk(u(S)),
            np_ref=lambda x: np.cov(x, rowvar=False, bias=True)),
        Row("cov_weights", lambda x, aw: fnp.cov(x, fweights=FREQ, aweights=aw, ddof=2),
            mk(u(S), u((4,), 0.5, 1.5)),
            np_ref=lambda x, aw: np.cov(x, fweights=FREQ, aweights=aw, ddof=2)),
        Row("cov_xy", lambda x, y: fnp.cov(x, y), mk(u((5,)), u((5,))), np_ref=np.cov),
        Row("corrcoef", fnp.corrcoef, mk(u(S)), np_ref=np.corrcoef),
        Row("ptp", lambda x: fnp.ptp(x, axis=1), mk(u(S)), np_ref=lambda x: np.ptp(x, axis=1)),
        Row("histogram_density", lambda a, w: fnp.histogram(a, bins=3, weights=w,
                                                            density=True)[0],
            mk(u((8,)), u((8,), 0.5, 1.5)),
            np_ref=lambda a, w: np.histogram(a, bins=3, weights=w, density=True)[0]),
        Row("histogram_edges", lambda a: fnp.histogram(a, bins=4)[1], mk(u((7,))),
            np_ref=lambda a: np.histogram(a, bins=4)[1]),
        Row("histogram_counts_range", lambda a: fnp.histogram(a, bins=[-1.0, 0.0, 0.5, 1.5],
                                                              range=(0, 1))[0], mk(u((9,))),
            grad=False, np_ref=lambda a: np.histogram(a, bins=[-1.0, 0.0, 0.5, 1.5])[0]),
        Row("histogramdd_density", lambda p, w: fnp.histogramdd(p, bins=(3, 2), weights=w,
                                                               density=True)[0],
            mk(u((9, 2)), u((9,), 0.5, 1.5)),
            np_ref=lambda p, w: np.histogramdd(p, bins=(3, 2), weights=w, density=True)[0]),
        Row("histogram2d_edges", lambda x, y: fnp.histogram2d(x, y, bins=[3, 2])[2],
            mk(u((7,)), u((7,))), np_ref=lambda x, y: np.histogram2d(x, y, bins=[3, 2])[2]),
        Row("bincount_weights", lambda w: fnp.bincount(BINS, w, length=6), mk(u((7,))),
            np_ref=lambda w: np.bincount(BINS, w)),
    ]


ROWS = sorting_rows() + counting_rows() + set_rows() + quantile_rows() + nan_rows() + \
    statistics_rows()
