"""Order statistics and the rest of NumPy's statistics: ``median``, ``quantile``,
``percentile`` (every ``method`` NumPy has, and ``weights`` with ``"inverted_cdf"``) and their
``nan*`` versions, ``average``, ``cov``, ``corrcoef`` and ``ptp`` (histograms and ``bincount``:
``_histograms.py``).

A quantile is a gather of sorted values, interpolated: its derivative goes to the (one or two)
order statistics it reads, with the interpolation weights, and to ``q`` through the weight (the
slope between the two). Ties are no problem for the value; for the derivative, equal values
are told apart by the stable sort (see ``sort``). The median of an even count is the mean of
the two middle values, each getting half the derivative. The ``nan*`` versions read only the
non-NaN values of each slice; their derivative is zero at the NaNs.

>>> import funcgrad as fg
>>> fg.grad(lambda x: median(x))(np.array([4.0, 1.0, 3.0, 2.0])).tolist()
[0.0, 0.0, 0.5, 0.5]
"""
import builtins
import warnings

import numpy as np

from ..errors import user_frame
from ..ops import sorting as so
from ._base import _ret, astype
from ._core import (
    asarray_or_tracer,
    float_dtype,
    normalize_axes,
    result_dtype,
)
from ._indexing import known_value
from ._math import (
    ceil,
    clip,
    cumsum,
    divide,
    equal,
    floor,
    floor_divide,
    greater_equal,
    isnan,
    less_equal,
    logical_and,
    logical_not,
    max,
    maximum,
    mean,
    min,
    minimum,
    mod,
    multiply,
    rint,
    sqrt,
    subtract,
    sum,
    where,
)
from ._shapes import (
    atleast_2d,
    broadcast_to,
    concatenate,
    diagonal,
    reshape,
    squeeze,
    take_along_axis,
    transpose,
)
from ._sorting import INDEX, argsort, sort

__all__ = ["median", "quantile", "percentile", "nanmedian", "nanquantile", "nanpercentile",
           "average", "cov", "corrcoef", "ptp"]

# Hyndman and Fan's (alpha, beta) of the continuous methods NumPy computes that way
_ALPHA_BETA = {"interpolated_inverted_cdf": (0.0, 1.0), "hazen": (0.5, 0.5),
               "weibull": (0.0, 0.0), "median_unbiased": (1 / 3.0, 1 / 3.0),
               "normal_unbiased": (3 / 8.0, 3 / 8.0)}
_DISCRETE = ("inverted_cdf", "closest_observation", "lower", "higher", "nearest")
METHODS = _DISCRETE + ("averaged_inverted_cdf", "linear", "midpoint") + tuple(_ALPHA_BETA)


def no_out(name, out):
    if out is not None:
        raise NotImplementedError(f"{name}(..., out=...): funcgrad returns new arrays and "
                                  f"writes into none (at {user_frame()}); use the result.")


def to_last(a, axis):
    """``a`` with the axes ``axis`` (all if None) moved last and merged into one: that array
    ``K + (n,)``, the shape ``K`` of the other axes and the shape ``keepdims`` gives."""
    axes = normalize_axes(axis, a.ndim)
    kept = [i for i in range(a.ndim) if i not in axes]
    shape = tuple(a.shape[i] for i in kept)
    n = int(np.prod([a.shape[i] for i in axes], dtype=np.int64))
    b = reshape(transpose(a, kept + list(axes)), shape + (n,))
    return b, shape, tuple(1 if i in axes else d for i, d in enumerate(a.shape))


def _from_last(res, kept, q_shape, keep_shape, keepdims):
    """``res`` of shape ``K + (nq,)`` as NumPy returns quantiles: ``q``'s axes first."""
    res = reshape(res, kept + q_shape)
    nk = len(kept)
    res = transpose(res, list(range(nk, nk + len(q_shape))) + list(range(nk)))
    return _ret(reshape(res, q_shape + keep_shape) if keepdims else res)


# --- median -------------------------------------------------------------------------------------

def median(a, axis=None, out=None, overwrite_input=False, keepdims=False):
    """The median along ``axis`` (all axes if None), like ``np.median``: the middle value, or
    the mean of the two middle values of an even count (each gets half the derivative). NaN
    if the slice holds a NaN.

    >>> float(median(np.array([[1.0, 7.0], [3.0, 4.0]])))
    3.5
    """
    no_out("median", out)
    b, kept, keep_shape = to_last(asarray_or_tracer(a), axis)
    n = b.shape[-1]
    s = astype(sort(b, -1), float_dtype(b.dtype))
    mid = s[..., n // 2] if n % 2 else (s[..., n // 2 - 1] + s[..., n // 2]) / 2
    if s.dtype.kind == "f" and n:
        mid = where(isnan(s[..., -1]), np.asarray(np.nan, s.dtype), mid)
    return _ret(reshape(mid, keep_shape) if keepdims else mid)


def nanmedian(a, axis=None, out=None, overwrite_input=False, keepdims=False):
    """The median of the non-NaN values along ``axis``, like ``np.nanmedian`` (NaN for a
    slice of NaNs only, without NumPy's warning); derivative zero at the NaNs.

    >>> float(nanmedian(np.array([1.0, np.nan, 3.0, 7.0])))
    3.0
    """
    no_out("nanmedian", out)
    a = asarray_or_tracer(a)
    if a.dtype.kind != "f":
        return median(a, axis, keepdims=keepdims)
    b, kept, keep_shape = to_last(a, axis)
    s = sort(b, -1)
    count = sum(logical_not(isnan(b)), axis=-1, keepdims=True)
    middle = concatenate([floor_divide(count - 1, 2), floor_divide(count, 2)], -1)
    two = take_along_axis(s, _clamped(middle, count), -1)
    mid = (two[..., 0] + two[..., 1]) / 2
    return _ret(reshape(mid, keep_shape) if keepdims else mid)


# --- quantiles --------------------------------------------------------------------------------

def _clamped(index, count):
    """Indices into the first ``count`` entries (the non-NaN ones), as NumPy clips them; a
    NaN index (from a NaN ``q``) reads the last."""
    if index.dtype.kind == "f":
        index = astype(where(isnan(index), count - 1, index), INDEX)
    return maximum(minimum(index, count - 1), 0)


def _discrete_index(method, n, q):
    if method == "lower":
        return floor((n - 1) * q)
    if method == "higher":
        return ceil((n - 1) * q)
    if method == "nearest":
        return rint((n - 1) * q)  # half to even, as np.around
    index = n * q - 1 if method == "inverted_cdf" else n * q - 1.5
    below = floor(index)
    at = equal(index, below)
    if method == "closest_observation":  # H&F: the nearest even order statistic at g = 0
        at = logical_and(at, equal(mod(below, 2), 1))
    return where(at, below, below + 1)


def _virtual_index(method, n, q):
    if method == "linear":
        return (n - 1) * q
    if method == "averaged_inverted_cdf":
        return n * q - 1
    if method == "midpoint":
        return 0.5 * (floor((n - 1) * q) + ceil((n - 1) * q))
    alpha, beta = _ALPHA_BETA[method]
    return n * q + (alpha + q * (1 - alpha - beta)) - 1


def _gamma(method, index, below):
    frac = index - below
    if method == "averaged_inverted_cdf":
        return where(equal(frac, 0), 0.5, 1.0)
    if method == "midpoint":
        return where(equal(mod(index, 1), 0), 0.0, 0.5)
    return frac


def _lerp(a, b, t):
    """NumPy's interpolation, exact at both ends."""
    diff = b - a
    return where(greater_equal(t, 0.5), b - diff * (1 - t), a + diff * t)


def _order_statistics(s, q, method, count, dtype):
    """Quantiles ``q`` (1-d) of each sorted row of ``s`` (``K + (n,)``, NaNs last), of which
    the first ``count`` count (an int, or ``K + (1,)`` counts): ``K + (nq,)`` values."""
    shape = s.shape[:-1] + q.shape
    n = count if isinstance(count, int) else astype(count, q.dtype)  # in q's precision, as NumPy
    if method in _DISCRETE:
        index = broadcast_to(_clamped(_discrete_index(method, n, q), count), shape)
        return take_along_axis(s, index, -1)
    index = _virtual_index(method, n, q)
    below = floor(index)
    lo = broadcast_to(_clamped(below, count), shape)
    hi = broadcast_to(_clamped(below + 1, count), shape)
    # the weight in the result's dtype, the values in theirs: NumPy subtracts them there
    t = astype(_gamma(method, index, below), dtype)
    return _lerp(take_along_axis(s, lo, -1), take_along_axis(s, hi, -1), t)


def _weighted(b, w, q, ignore_nan):
    """The ``"inverted_cdf"`` quantiles of ``b`` (``K + (n,)``) with weights ``w``: the first
    sorted value whose share of the total weight reaches ``q``."""
    order = argsort(b, -1)
    s, ws = take_along_axis(b, order, -1), take_along_axis(w, order, -1)
    if ignore_nan:
        ws = where(isnan(s), 0, ws)
    cdf = cumsum(astype(ws, np.float64), -1)
    cdf = astype(cdf / cdf[..., -1:], q.dtype)
    cdf = where(equal(cdf, 0), -1.0, cdf)  # leading zero weights: the first weighted value
    qs = broadcast_to(q, s.shape[:-1] + q.shape)
    index = minimum(so.searchsorted_p.bind(cdf, qs, side="left"), s.shape[-1] - 1)
    return take_along_axis(s, index, -1)


def _check_q(q, top, name):
    value = known_value(q)  # None under jit: not checked (out of range clamps)
    if value is not None and not np.all((value >= 0) & (value <= top)):
        what = "Percentiles" if top == 100 else "Quantiles"
        raise ValueError(f"{name}: {what} must be in the range [0, {top}], got {value} "
                         f"(at {user_frame()})")


def _check_weights(w, a, axis, method, name):
    if method != "inverted_cdf":
        raise ValueError(f"{name}: only method 'inverted_cdf' supports weights, got method "
                         f"{method!r} (at {user_frame()})")
    w = weights_along(w, a, axis, name)
    value = known_value(w)
    if value is None:
        return w
    if np.any(value < 0):
        raise ValueError(f"{name}: weights must be non-negative (at {user_frame()})")
    total = np.sum(np.broadcast_to(value, a.shape), axis=axis)
    if not np.all(np.isfinite(total) & (total > 0)):
        raise ValueError(f"{name}: weights included NaN, inf or were all zero "
                         f"(at {user_frame()})")
    return w


def _quantile(name, a, q, axis, method, keepdims, weights, weak, ignore_nan):
    a = asarray_or_tracer(a)
    if method not in METHODS:
        raise ValueError(f"{name}: {method!r} is not a valid method; use one of {METHODS} "
                         f"(at {user_frame()})")
    q = asarray_or_tracer(q)
    if method == "linear" and q.dtype.kind in "iub":  # integral indices: NumPy takes them
        method = "lower"
    q = astype(q, float_dtype(q.dtype))
    dtype = a.dtype if method in _DISCRETE else result_dtype(a, 0.5 if weak else q)
    ignore_nan = ignore_nan and a.dtype.kind == "f"
    b, kept, keep_shape = to_last(a, axis)
    flat_q = reshape(q, (q.size,))
    if weights is not None:
        w = to_last(broadcast_to(_check_weights(weights, a, axis, method, name), a.shape),
                    axis)[0]
        res = _weighted(b, w, flat_q, ignore_nan)
    else:
        count = sum(logical_not(isnan(b)), axis=-1, keepdims=True) if ignore_nan \
            else b.shape[-1]
        res = _order_statistics(sort(b, -1), flat_q, method, count, dtype)
    if a.dtype.kind == "f" and not ignore_nan and b.shape[-1]:
        res = where(isnan(b).any(axis=-1, keepdims=True), np.asarray(np.nan, res.dtype), res)
    return _from_last(res, kept, q.shape, keep_shape, keepdims)


def _quantile_function(name, top, ignore_nan, doc):
    """``quantile``, ``percentile`` (``q`` in [0, ``top``]) or a ``nan`` version of them."""
    def f(a, q, axis=None, out=None, overwrite_input=False, method="linear", keepdims=False, *,
          weights=None):
        no_out(name, out)
        _check_q(q, top, name)
        fraction = q if top == 1 else divide(q, 100)
        return _quantile(name, a, fraction, axis, method, keepdims, weights,
                         type(q) in (int, float), ignore_nan)
    f.__name__ = f.__qualname__ = name
    f.__doc__ = doc
    return f


quantile = _quantile_function("quantile", 1, False, """The ``q``-th quantiles along ``axis``,
    like ``np.quantile``, with every ``method`` NumPy has (and ``weights`` for
    ``"inverted_cdf"``). Differentiable in ``a`` (a gather of the sorted values) and in ``q``
    (continuous methods). NaN if the slice holds a NaN. ``q`` is checked to lie in [0, 1] when
    its value is known (not under ``jit``).

    >>> quantile(np.array([1.0, 2.0, 3.0, 4.0]), [0.25, 0.5], method="midpoint").tolist()
    [1.5, 2.5]
    """)
percentile = _quantile_function("percentile", 100, False, """The ``q``-th percentiles (``q``
    in [0, 100]), like ``np.percentile``; see ``quantile``.

    >>> float(percentile(np.array([1.0, 2.0, 3.0, 4.0]), 50))
    2.5
    """)
nanquantile = _quantile_function("nanquantile", 1, True, """``quantile`` of the non-NaN values
    of each slice, like ``np.nanquantile`` (NaN for a slice of NaNs only); derivative zero at
    the NaNs.

    >>> float(nanquantile(np.array([1.0, np.nan, 3.0]), 0.5))
    2.0
    """)
nanpercentile = _quantile_function("nanpercentile", 100, True, """``percentile`` of the
    non-NaN values of each slice, like ``np.nanpercentile``.

    >>> float(nanpercentile(np.array([1.0, np.nan, 3.0]), 100))
    3.0
    """)


# --- averages and covariances -----------------------------------------------------------------

def weights_along(weights, a, axis, name):
    """``weights`` ready to broadcast against ``a``: NumPy accepts ``a``'s shape, or the shape
    of the axes ``axis`` alone."""
    w = asarray_or_tracer(weights)
    if w.shape == a.shape:
        return w
    if axis is None:
        raise TypeError(f"{name}: axis must be specified when the shapes of a {a.shape} and "
                        f"weights {w.shape} differ (at {user_frame()})")
    # in the order given: the weights' axes follow it
    axes = tuple(normalize_axes(x, a.ndim)[0]
                 for x in (axis if isinstance(axis, (tuple, list)) else (axis,)))
    if w.shape != tuple(a.shape[ax] for ax in axes):
        raise ValueError(f"{name}: the shape of weights {w.shape} must be consistent with the "
                         f"shape of a {a.shape} along axis {axis} (at {user_frame()})")
    w = transpose(w, tuple(np.argsort(axes)))
    return reshape(w, tuple(s if ax in axes else 1 for ax, s in enumerate(a.shape)))


def average(a, axis=None, weights=None, returned=False, *, keepdims=False):
    """The (weighted) mean along ``axis``, like ``np.average``; with ``returned``, also the
    sum of the weights. Differentiable in ``a`` and ``weights``.

    >>> float(average(np.array([1.0, 2.0, 4.0]), weights=np.array([2.0, 1.0, 1.0])))
    2.0
    """
    a = asarray_or_tracer(a)
    axes = None if axis is None else normalize_axes(axis, a.ndim)
    if weights is None:
        avg = mean(a, axes, keepdims=keepdims)
        scale = np.asarray(a.size / builtins.max(np.size(avg), 1), avg.dtype)
    else:
        w = weights_along(weights, a, axis, "average")
        extra = (np.float64,) if a.dtype.kind in "iub" else ()
        dt = np.result_type(a.dtype, w.dtype, *extra)
        scale = sum(astype(w, dt), axes, keepdims=keepdims)
        _check_nonzero(scale)
        avg = sum(multiply(astype(a, dt), astype(w, dt)), axes, keepdims=keepdims) / scale
    if not returned:
        return avg
    return avg, broadcast_to(scale, np.shape(avg))


def _check_nonzero(scale):
    value = known_value(scale)
    if value is not None and np.any(value == 0.0):
        raise ZeroDivisionError(f"average: weights sum to zero, can't be normalized "
                                f"(at {user_frame()})")


def _observation_weights(fweights, aweights, n):
    """NumPy's ``cov`` weights: frequencies times reliability weights (checked when known)."""
    w = None
    for kind, v in (("fweights", fweights), ("aweights", aweights)):
        if v is None:
            continue
        v = astype(asarray_or_tracer(v), np.float64)
        if v.ndim > 1 or v.shape[0] != n:
            raise ValueError(f"cov: {kind} must be 1-d with one weight per observation ({n}), "
                             f"got shape {v.shape} (at {user_frame()})")
        value = known_value(v)
        if value is not None and kind == "fweights" and np.any(value != np.around(value)):
            raise TypeError(f"cov: fweights must be integer (at {user_frame()})")
        if value is not None and np.any(value < 0):
            raise ValueError(f"cov: {kind} cannot be negative (at {user_frame()})")
        w = v if w is None else w * v
    return w


def _as_variables(x, rowvar, dtype):
    x = astype(atleast_2d(x), dtype)
    return x.T if not rowvar and x.shape[0] != 1 else x


def cov(m, y=None, rowvar=True, bias=False, ddof=None, fweights=None, aweights=None, *,
        dtype=None):
    """Covariance matrix of the variables in the rows of ``m`` (columns with
    ``rowvar=False``), like ``np.cov``, with frequency and reliability weights.
    Differentiable in the data and in ``aweights``/``fweights``.

    >>> cov(np.array([[0.0, 1.0, 2.0], [2.0, 1.0, 0.0]])).tolist()
    [[1.0, -1.0], [-1.0, 1.0]]
    """
    if ddof is not None and ddof != int(ddof):
        raise ValueError(f"cov: ddof must be integer, got {ddof} (at {user_frame()})")
    m = asarray_or_tracer(m)
    ys = () if y is None else (asarray_or_tracer(y),)
    for name, v in (("m", m),) + tuple(("y", v) for v in ys):
        if v.ndim > 2:
            raise ValueError(f"cov: {name} has more than 2 dimensions, shape {v.shape} "
                             f"(at {user_frame()})")
    dtype = dtype or np.result_type(m.dtype, *[v.dtype for v in ys], np.float64)
    x = astype(atleast_2d(m), dtype)
    x = x.T if not rowvar and m.ndim != 1 else x
    if x.shape[0] == 0:
        return np.array([]).reshape(0, 0)
    if ys:
        x = concatenate([x, _as_variables(ys[0], rowvar, dtype)], axis=0)
    ddof = (0 if bias else 1) if ddof is None else ddof
    w = _observation_weights(fweights, aweights, x.shape[1])
    avg, w_sum = average(x, axis=1, weights=w, returned=True)
    w_sum = w_sum[0]
    if w is None:
        fact = x.shape[1] - ddof
    elif ddof == 0:
        fact = w_sum
    elif aweights is None:
        fact = w_sum - ddof
    else:
        fact = w_sum - ddof * sum(w * astype(asarray_or_tracer(aweights), np.float64)) / w_sum
    fact = _positive_dof(fact)
    xc = x - avg[:, None]
    c = xc @ (xc if w is None else xc * w).T
    return squeeze(c * astype(divide(1, fact), c.dtype))  # in place in NumPy: c's dtype


def _positive_dof(fact):
    """NumPy's guard: no positive degrees of freedom -> 0 (an infinite or NaN result), with
    its warning when the value is known."""
    value = known_value(fact)
    if value is None:
        return where(less_equal(fact, 0), 0.0, fact)
    if value <= 0:
        warnings.warn("Degrees of freedom <= 0 for slice", RuntimeWarning, stacklevel=3)
        return 0.0
    return fact  # a traced value keeps its derivative (in the weights)


def corrcoef(x, y=None, rowvar=True, *, dtype=None):
    """Pearson correlation coefficients, like ``np.corrcoef`` (clipped to [-1, 1]).

    >>> corrcoef(np.array([[0.0, 1.0, 2.0], [0.0, 2.0, 4.0]])).tolist()
    [[1.0, 1.0], [1.0, 1.0]]
    """
    c = cov(x, y, rowvar, dtype=dtype)
    if np.ndim(c) == 0:
        return c / c
    std = sqrt(diagonal(c))
    return clip(c / std[:, None] / std[None, :], -1, 1)


def ptp(a, axis=None, out=None, keepdims=False):
    """Peak to peak (maximum - minimum) along ``axis``, like ``np.ptp``; ties share the
    derivative, as ``max`` and ``min``.

    >>> float(ptp(np.array([3.0, -1.0, 2.0])))
    4.0
    """
    no_out("ptp", out)
    return subtract(max(a, axis, keepdims=keepdims), min(a, axis, keepdims=keepdims))
