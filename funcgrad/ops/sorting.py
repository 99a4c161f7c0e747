"""Sorting and searching along the last axis: a stable ``argsort`` and a binary search.

Both give integer results and have no derivative. Everything else of the area is composed
from them in ``funcgrad.numpy``: sorted values are a gather by ``argsort``'s indices (so their
derivative is that permutation), quantiles gather sorted values, ``isin`` and ``interp`` search.

Both work on the last axis of stacks: ``argsort`` sorts each row of an ``(..., n)`` array;
``searchsorted`` looks up each row of ``v`` ``(..., m)`` in the same row of a sorted ``a``
``(..., n)``. Leading axes are how ``vmap`` batches them. Under ``jit`` kernels loop over
the rows: ``argsort_rows_`` (a merge sort: stable, NaNs last, as NumPy's stable sort) and
``searchsorted_rows_`` (Numba's ``np.searchsorted``: NaNs sort last, as in NumPy).
"""
import numpy as np

from ..core.avals import ShapedArray
from ..core.lowering import Structural
from ..core.primitive import Primitive
from ..errors import user_frame
from . import kernel_names as K
from .broadcasting import all_front, batch_shifted, move_batch_axis, reshape

INDEX = np.dtype(np.int64)


def _rows(w, x):
    """Text of ``x`` (..., n) as a C-contiguous (rows, n) array, and the count of rows."""
    shape = x.aval.shape
    rows = int(np.prod(shape[:-1], dtype=np.int64))
    return K.reshape_(w.n(x), f"({w.size(rows)}, {w.size(shape[-1])})"), rows


def _emit_rows(w, e, kernel, *flags):
    """Emit ``kernel(operands as (rows, k) arrays, out, *flags)``, a kernel that fills ``out``
    (rows, width) row by row, and the result in its shape."""
    v = e.outvars[0]
    texts, rows = [], 0
    for x in e.inputs:
        text, rows = _rows(w, x)
        texts.append(text)
    out = K.empty_(f"({w.size(rows)}, {w.size(v.aval.shape[-1])})", w.dtype(v.aval.dtype))
    w.assign(v, f"{kernel(*texts, out, *flags)}.reshape({w.shape(v.aval.shape)})")


# --- argsort ----------------------------------------------------------------------------------

def _argsort_abstract(x):
    if x.ndim == 0:
        raise ValueError(f"argsort: expected an array of at least one axis, got a 0-d value "
                         f"(at {user_frame()})")
    return ShapedArray(x.shape, INDEX)


argsort_p = Primitive(
    "argsort", impl=lambda x: np.argsort(x, axis=-1, kind="stable").astype(INDEX),
    abstract_eval=_argsort_abstract, differentiable=False,
    batch=lambda vals, dims: batch_shifted(argsort_p, lambda p, n: p, vals, dims, {}),
    lowering=Structural(lambda w, e: _emit_rows(w, e, K.argsort_rows_)))


# --- searchsorted -----------------------------------------------------------------------------

def _searchsorted_impl(a, v, side):
    a, v = np.asarray(a), np.asarray(v)
    if a.ndim == 1:
        return np.searchsorted(a, v, side=side).astype(INDEX)
    out = np.empty(v.shape, INDEX)
    for r in np.ndindex(a.shape[:-1]):
        out[r] = np.searchsorted(a[r], v[r], side=side)
    return out


def _searchsorted_abstract(a, v, side):
    if a.ndim == 0 or v.ndim != a.ndim or v.shape[:-1] != a.shape[:-1]:
        raise ValueError(f"searchsorted: a sorted array of shape {a.shape} and values of shape "
                         f"{v.shape} do not match: expected (..., n) and (..., m) with the same "
                         f"leading axes (at {user_frame()})")
    if a.dtype != v.dtype:
        raise TypeError(f"searchsorted: operand dtypes differ ({a.dtype}, {v.dtype}); the NumPy "
                        "layer promotes them first")
    if side not in ("left", "right"):
        raise ValueError(f"searchsorted: side must be 'left' or 'right', got {side!r}")
    return ShapedArray(v.shape, INDEX)


def _searchsorted_batch(vals, dims, side):
    """Values batched against one shared sorted array: the batch folds into the values' last
    axis (one search per row, no copy of ``a`` per example)."""
    (a, v), (da, dv) = vals, dims
    if da is not None:
        return searchsorted_p.bind(*all_front(vals, dims), side=side), 0
    nd = len(np.shape(v))
    size = np.shape(v)[dv]
    v = move_batch_axis(v, dv, nd - 2, size)  # (..., B, m)
    shape = tuple(np.shape(v))
    out = searchsorted_p.bind(a, reshape(v, shape[:-2] + (size * shape[-1],)), side=side)
    return reshape(out, shape), nd - 2


searchsorted_p = Primitive(
    "searchsorted", impl=_searchsorted_impl, abstract_eval=_searchsorted_abstract,
    differentiable=False, batch=_searchsorted_batch,
    lowering=Structural(lambda w, e: _emit_rows(w, e, K.searchsorted_rows_,
                                                str(e.params["side"] == "right"))))
