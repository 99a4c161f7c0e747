"""Index arrays and grids: triangle and diagonal indices, flat <-> multi-dimensional indices,
``indices``, ``ix_``, ``meshgrid``, ``fromfunction``, and the index tricks ``r_``, ``c_``,
``mgrid``, ``ogrid``, ``s_``, ``index_exp``.

Indices computed from shapes alone are NumPy's own (constants under ``jit``);
``unravel_index``/``ravel_multi_index`` and ``meshgrid``/``ix_`` also take traced values.

>>> [i.tolist() for i in tril_indices(2)]
[[0, 1, 1], [0, 0, 1]]
"""
import numpy as np

from ..core.tracing import Tracer
from ..errors import user_frame
from ._core import asarray_or_tracer
from ._indexing import normalize_indices
from ._math import clip, floor_divide, mod
from ._math import sum as _sum
from ._shapes import atleast_1d, broadcast_arrays, concatenate, reshape, stack

__all__ = ["tril_indices", "triu_indices", "tril_indices_from", "triu_indices_from",
           "diag_indices", "diag_indices_from", "mask_indices", "indices", "ix_",
           "unravel_index", "ravel_multi_index", "meshgrid", "fromfunction", "r_", "c_",
           "mgrid", "ogrid", "s_", "index_exp"]

tril_indices, triu_indices, diag_indices = np.tril_indices, np.triu_indices, np.diag_indices
mask_indices, indices = np.mask_indices, np.indices
mgrid, ogrid, s_, index_exp = np.mgrid, np.ogrid, np.s_, np.index_exp


def _matrix_shape(name, arr):
    shape = np.shape(arr)
    if len(shape) != 2:
        raise ValueError(f"{name}: input array must be 2-d, got shape {shape} (at "
                         f"{user_frame()})")
    return shape


def tril_indices_from(arr, k=0):
    """The indices of the lower triangle of a 2-D ``arr`` (traced or not: only its shape).

    >>> [i.tolist() for i in tril_indices_from(np.ones((2, 3)), 1)]
    [[0, 0, 1, 1, 1], [0, 1, 0, 1, 2]]
    """
    n, m = _matrix_shape("tril_indices_from", arr)
    return np.tril_indices(n, k, m)


def triu_indices_from(arr, k=0):
    """The indices of the upper triangle of a 2-D ``arr``.

    >>> [i.tolist() for i in triu_indices_from(np.ones((2, 2)))]
    [[0, 0, 1], [0, 1, 1]]
    """
    n, m = _matrix_shape("triu_indices_from", arr)
    return np.triu_indices(n, k, m)


def diag_indices_from(arr):
    """The indices of the main diagonal of an array whose axes all have one length.

    >>> [i.tolist() for i in diag_indices_from(np.ones((2, 2)))]
    [[0, 1], [0, 1]]
    """
    shape = np.shape(arr)
    if len(shape) < 2 or len(set(shape)) != 1:
        raise ValueError(f"diag_indices_from: input must be at least 2-d with all dimensions "
                         f"of equal length, got shape {shape} (at {user_frame()})")
    return np.diag_indices(shape[0], len(shape))


def ix_(*args):
    """Open-mesh index arrays: the ``k``-th 1-D input reshaped to lie along axis ``k``
    (booleans become their nonzero positions; concrete only).

    >>> [a.shape for a in ix_(np.array([0, 1]), np.array([2, 3, 4]))]
    [(2, 1), (1, 3)]
    """
    out = []
    for k, a in enumerate(args):
        a = asarray_or_tracer(a)
        if a.ndim != 1:
            raise ValueError(f"ix_: cross index must be 1 dimensional, got shape {a.shape} (at "
                             f"{user_frame()})")
        if a.dtype == np.bool_:
            a = np.nonzero(a.concrete_value() if isinstance(a, Tracer) else a)[0]
        out.append(reshape(a, (1,) * k + (-1,) + (1,) * (len(args) - k - 1)))
    return tuple(out)


def _strides(shape, order):
    if order not in ("C", "F"):
        raise ValueError(f"order must be 'C' or 'F', got {order!r}")
    dims = shape if order == "C" else shape[::-1]
    st = [int(np.prod(dims[i + 1:], dtype=np.int64)) for i in range(len(dims))]
    return st if order == "C" else st[::-1]


def unravel_index(indices, shape, order="C"):
    """The multi-dimensional indices of flat ``indices`` into an array of ``shape``.

    >>> [int(i) for i in unravel_index(7, (2, 4))]
    [1, 3]
    """
    shape = (int(shape),) if np.ndim(shape) == 0 else tuple(int(d) for d in shape)
    if not isinstance(indices, Tracer):
        return np.unravel_index(indices, shape, order)
    return tuple(mod(floor_divide(indices, s), d) for s, d in zip(_strides(shape, order), shape))


def ravel_multi_index(multi_index, dims, mode="raise", order="C"):
    """Flat indices of ``multi_index`` (a tuple of integer arrays) into an array of ``dims``;
    ``mode`` ``"raise"`` (checked when concrete; traced ones are clamped), ``"wrap"`` or
    ``"clip"``, per dimension or one for all.

    >>> ravel_multi_index((np.array([1, 0]), np.array([3, 2])), (2, 4)).tolist()
    [7, 2]
    """
    dims = tuple(int(d) for d in dims)
    if len(multi_index) != len(dims):
        raise ValueError(f"ravel_multi_index: parameter multi_index must be a sequence of "
                         f"length {len(dims)} (at {user_frame()})")
    modes = [mode] * len(dims) if isinstance(mode, str) else list(mode)
    if not any(isinstance(i, Tracer) for i in multi_index):
        return np.ravel_multi_index(multi_index, dims, modes, order)
    terms = []
    for i, d, m, s in zip(multi_index, dims, modes, _strides(dims, order)):
        i = clip(i, 0, d - 1) if m in ("clip", "raise") else normalize_indices(i, d, 0, m)
        terms.append(i * s)
    return _sum(stack(broadcast_arrays(*terms)), axis=0)


def meshgrid(*xi, copy=True, sparse=False, indexing="xy"):
    """Coordinate arrays from 1-D coordinate vectors: ``indexing="xy"`` (Cartesian: the first
    two swap) or ``"ij"`` (matrix); ``sparse`` keeps length-1 axes instead of broadcasting.

    >>> [g.shape for g in meshgrid(np.arange(3.0), np.arange(2.0))]
    [(2, 3), (2, 3)]
    """
    if indexing not in ("xy", "ij"):
        raise ValueError(f"meshgrid: indexing must be 'xy' or 'ij', got {indexing!r}")
    xs = [reshape(asarray_or_tracer(x), (-1,)) for x in xi]
    n = len(xs)
    out = []
    for k, x in enumerate(xs):
        axis = {0: 1, 1: 0}.get(k, k) if indexing == "xy" and n > 1 else k
        out.append(reshape(x, (1,) * axis + (-1,) + (1,) * (n - axis - 1)))
    return list(out) if sparse else list(broadcast_arrays(*out))


def fromfunction(function, shape, *, dtype=float, **kwargs):
    """``function(*indices(shape, dtype), **kwargs)``: the function called once on index
    arrays (it must work on arrays).

    >>> fromfunction(lambda i, j: i + 10 * j, (2, 2)).tolist()
    [[0.0, 10.0], [1.0, 11.0]]
    """
    return function(*np.indices(shape, dtype=dtype), **kwargs)


class _Concatenator:
    """``r_[...]``/``c_[...]`` for arrays, scalars and slices (a slice is ``arange``, or
    ``linspace`` with an imaginary step, as in NumPy); NumPy's string directives are not
    supported."""

    def __init__(self, columns):
        self.columns = columns

    def __getitem__(self, key):
        items = key if isinstance(key, tuple) else (key,)
        parts = []
        for item in items:
            if isinstance(item, str):
                raise NotImplementedError(f"{'c_' if self.columns else 'r_'}: string directives "
                                          f"like {item!r} are not supported; use concatenate "
                                          "or stack")
            part = np.r_[item] if isinstance(item, slice) else atleast_1d(item)
            if self.columns and np.ndim(part) < 2:
                part = reshape(part, (-1, 1))
            parts.append(part)
        return concatenate(parts, axis=-1 if self.columns else 0)

    def __len__(self):
        return 0


r_, c_ = _Concatenator(False), _Concatenator(True)
