"""Reductions that skip NaNs: ``nansum``, ``nanprod``, ``nanmean``, ``nanvar``, ``nanstd``,
``nanmax``, ``nanmin``, ``nanargmax``, ``nanargmin``, ``nancumsum``, ``nancumprod``
(``nanmedian`` and the ``nan*`` quantiles are with the quantiles, in ``_statistics.py``).

Each replaces the NaNs (and the entries ``where`` excludes) by the operation's identity before
any arithmetic, and counts only the others: so the derivative is exactly zero at the NaNs
(never ``0 * NaN``). A slice of NaNs only gives NaN (``nanmax``, ``nanmean``...), as in NumPy,
without its ``RuntimeWarning``. On integer arrays, which hold no NaN, they are the plain
reductions.

>>> import funcgrad as fg
>>> fg.grad(lambda x: nanmean(x))(np.array([1.0, np.nan, 3.0])).tolist()
[0.5, 0.0, 0.5]
"""
import numpy as np

from ..errors import user_frame
from . import _math
from ._base import _ret, astype
from ._core import asarray_or_tracer, float_dtype
from ._indexing import known_value
from ._math import (
    all,
    any,
    argmax,
    argmin,
    cumprod,
    cumsum,
    isnan,
    logical_and,
    logical_not,
    max,
    maximum,
    min,
    minimum,
    prod,
    sqrt,
    sum,
    where,
)
from ._shapes import broadcast_to
from ._statistics import no_out

__all__ = ["nansum", "nanprod", "nanmean", "nanvar", "nanstd", "nanmax", "nanmin",
           "nanargmax", "nanargmin", "nancumsum", "nancumprod"]


def _kept(a, where_):
    """Which entries count (not NaN, and inside ``where``), or None when all do."""
    keep = logical_not(isnan(a)) if a.dtype.kind == "f" else None
    if where_ is not None:
        w = broadcast_to(asarray_or_tracer(where_), a.shape)
        keep = w if keep is None else logical_and(keep, w)
    return keep


def _filled(a, keep, value):
    return a if keep is None else where(keep, a, np.asarray(value, a.dtype))


def nansum(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):
    """Sum over ``axis`` treating NaNs as zero, like ``np.nansum``.

    >>> float(nansum(np.array([1.0, np.nan, 2.0])))
    3.0
    """
    no_out("nansum", out)
    a = asarray_or_tracer(a)
    s = sum(_filled(a, _kept(a, where), 0), axis, dtype, keepdims)
    return s if initial is None else s + initial


def nanprod(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):
    """Product over ``axis`` treating NaNs as one, like ``np.nanprod``.

    >>> float(nanprod(np.array([2.0, np.nan, 3.0])))
    6.0
    """
    no_out("nanprod", out)
    a = asarray_or_tracer(a)
    p = prod(_filled(a, _kept(a, where), 1), axis, dtype, keepdims)
    return p if initial is None else p * initial


def _lowest(dtype):
    return -np.inf if dtype.kind == "f" else np.iinfo(dtype).min if dtype.kind in "iu" else False


def _highest(dtype):
    return np.inf if dtype.kind == "f" else np.iinfo(dtype).max if dtype.kind in "iu" else True


def _nan_extremum(name, reduce, combine, identity, a, axis, keepdims, initial, where_):
    a = asarray_or_tracer(a)
    if where_ is not None and initial is None:
        raise ValueError(f"{name}: reduction has no identity, so to use a where mask one has "
                         f"to specify 'initial' (at {user_frame()})")
    keep = _kept(a, where_)
    if a.size == 0 and initial is None:
        raise ValueError(f"zero-size array to reduction operation {name} which has no identity "
                         f"(at {user_frame()})")
    r = reduce(_filled(a, keep, identity(a.dtype)), axis, keepdims=keepdims) if a.size else \
        np.full(np.shape(sum(a, axis, keepdims=keepdims)), identity(a.dtype), a.dtype)
    if initial is not None:
        return combine(r, initial)
    if keep is None:
        return r
    return _ret(where(any(keep, axis, keepdims), r, np.asarray(np.nan, a.dtype)))


def nanmax(a, axis=None, out=None, keepdims=False, initial=None, where=None):
    """Maximum over ``axis`` ignoring NaNs, like ``np.nanmax`` (NaN for a slice of NaNs
    only); ties share the derivative, the NaNs get none.

    >>> float(nanmax(np.array([1.0, np.nan, 3.0])))
    3.0
    """
    no_out("nanmax", out)
    return _nan_extremum("nanmax", max, maximum, _lowest, a, axis, keepdims, initial, where)


def nanmin(a, axis=None, out=None, keepdims=False, initial=None, where=None):
    """Minimum over ``axis`` ignoring NaNs, like ``np.nanmin``.

    >>> float(nanmin(np.array([1.0, np.nan, 3.0])))
    1.0
    """
    no_out("nanmin", out)
    return _nan_extremum("nanmin", min, minimum, _highest, a, axis, keepdims, initial, where)


def _nan_arg(name, arg, fill, a, axis, keepdims):
    a = asarray_or_tracer(a)
    if a.dtype.kind != "f":
        return arg(a, axis, keepdims=keepdims)
    nan = isnan(a)
    hopeless = all(nan, axis, keepdims=keepdims)
    value = known_value(hopeless)
    if value is None:  # traced under jit: -1 for such a slice, as JAX
        return where(hopeless, -1, arg(where(nan, fill, a), axis, keepdims=keepdims))
    if np.any(value):
        raise ValueError(f"{name}: All-NaN slice encountered (at {user_frame()})")
    return arg(where(nan, fill, a), axis, keepdims=keepdims)


def nanargmax(a, axis=None, out=None, *, keepdims=False):
    """Index of the maximum ignoring NaNs, like ``np.nanargmax``: ``ValueError`` for a slice
    of NaNs only, or -1 for it under ``jit`` (where values are unknown), as JAX.

    >>> int(nanargmax(np.array([1.0, np.nan, 3.0])))
    2
    """
    no_out("nanargmax", out)
    return _nan_arg("nanargmax", argmax, -np.inf, a, axis, keepdims)


def nanargmin(a, axis=None, out=None, *, keepdims=False):
    """Index of the minimum ignoring NaNs, like ``np.nanargmin`` (all-NaN slices as in
    ``nanargmax``).

    >>> int(nanargmin(np.array([1.0, np.nan, 3.0])))
    0
    """
    no_out("nanargmin", out)
    return _nan_arg("nanargmin", argmin, np.inf, a, axis, keepdims)


def nanmean(a, axis=None, dtype=None, out=None, keepdims=False, *, where=None):
    """Mean over ``axis`` of the non-NaN values, like ``np.nanmean`` (NaN for a slice of NaNs
    only); derivative zero at the NaNs.

    >>> float(nanmean(np.array([1.0, np.nan, 3.0])))
    2.0
    """
    no_out("nanmean", out)
    a = asarray_or_tracer(a)
    a = astype(a, dtype if dtype is not None else float_dtype(a.dtype))
    keep = _kept(a, where)
    total = sum(_filled(a, keep, 0), axis, keepdims=keepdims)
    return _per(total, _count(a, keep, axis, keepdims))


def _count(a, keep, axis, keepdims):
    """How many entries count along ``axis``."""
    ones = np.ones(a.shape, bool) if keep is None else keep
    return sum(ones, axis, keepdims=keepdims)


def _per(total, count):
    """``total / count`` in ``total``'s dtype; NaN (without a warning) where ``count`` is 0."""
    some = count > 0
    count = astype(_math.where(some, count, 1), total.dtype)
    return _ret(_math.where(some, total / count, np.asarray(np.nan, total.dtype)))


def nanvar(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=None,
           mean=None, correction=None):
    """Variance over ``axis`` of the non-NaN values, like ``np.nanvar`` (``ddof``, or NumPy
    2's ``correction``; ``mean``: a precomputed mean, kept dimensions). NaN where the degrees
    of freedom are not positive; derivative zero at the NaNs.

    >>> float(nanvar(np.array([1.0, np.nan, 3.0])))
    1.0
    """
    no_out("nanvar", out)
    if correction is not None:
        if ddof != 0:
            raise ValueError(f"nanvar: ddof and correction can't be provided simultaneously "
                             f"(at {user_frame()})")
        ddof = correction
    a = asarray_or_tracer(a)
    a = astype(a, dtype if dtype is not None else float_dtype(a.dtype))
    keep = _kept(a, where)
    b = _filled(a, keep, 0)
    count = _count(a, keep, axis, True)
    avg = _per(sum(b, axis, keepdims=True), count) if mean is None else mean
    dev = _filled(b - avg, keep, 0)
    ss = sum(dev * dev, axis, keepdims=keepdims)
    return _per(ss, _count(a, keep, axis, keepdims) - ddof)


def nanstd(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=None,
           mean=None, correction=None):
    """Standard deviation of the non-NaN values, like ``np.nanstd`` (see ``nanvar``).

    >>> float(nanstd(np.array([1.0, np.nan, 3.0])))
    1.0
    """
    no_out("nanstd", out)
    return sqrt(nanvar(a, axis, dtype, None, ddof, keepdims, where=where, mean=mean,
                       correction=correction))


def nancumsum(a, axis=None, dtype=None, out=None):
    """Cumulative sum treating NaNs as zero, like ``np.nancumsum``.

    >>> nancumsum(np.array([1.0, np.nan, 2.0])).tolist()
    [1.0, 1.0, 3.0]
    """
    no_out("nancumsum", out)
    a = asarray_or_tracer(a)
    return cumsum(_filled(a, _kept(a, None), 0), axis, dtype)


def nancumprod(a, axis=None, dtype=None, out=None):
    """Cumulative product treating NaNs as one, like ``np.nancumprod``.

    >>> nancumprod(np.array([2.0, np.nan, 3.0])).tolist()
    [2.0, 2.0, 6.0]
    """
    no_out("nancumprod", out)
    a = asarray_or_tracer(a)
    return cumprod(_filled(a, _kept(a, None), 1), axis, dtype)
