"""funcgrad.numpy.linalg: solve, inv, det, slogdet, cholesky and norm, differentiable to any
order. Matrices may be stacks (..., n, n), as in NumPy."""
import numpy as np

from ..ops import linalg as la
from ._base import _ret, astype
from ._core import asarray_or_tracer, float_dtype, normalize_axes
from ._math import abs, exp, max, multiply, sqrt, sum, where

__all__ = ["solve", "inv", "det", "slogdet", "cholesky", "norm"]


def _float(a):
    a = asarray_or_tracer(a)
    return astype(a, float_dtype(a.dtype))


def solve(a, b):
    """Solve ``a @ x = b`` for ``x`` (``b`` a vector or matrix, batched like NumPy).

    >>> solve(np.array([[2.0, 0.0], [0.0, 4.0]]), np.array([2.0, 2.0])).tolist()
    [1.0, 0.5]
    """
    from ._shapes import broadcast_to, reshape
    a, b = _float(a), _float(b)
    vector = b.ndim == a.ndim - 1
    if vector:
        b = reshape(b, b.shape + (1,))
    if b.ndim == a.ndim and b.shape[:-2] != a.shape[:-2]:
        batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
        a, b = broadcast_to(a, batch + a.shape[-2:]), broadcast_to(b, batch + b.shape[-2:])
    x = la.solve_p.bind(a, b)
    return _ret(reshape(x, x.shape[:-1]) if vector else x)


def inv(a):
    """Matrix inverse (computed by ``solve(a, I)``).

    >>> inv(np.array([[2.0, 0.0], [0.0, 4.0]])).tolist()
    [[0.5, 0.0], [0.0, 0.25]]
    """
    from ._shapes import broadcast_to
    a = _float(a)
    la._square_check("inv", a.aval if hasattr(a, "aval") else _Shape(a))
    eye = broadcast_to(np.eye(a.shape[-1], dtype=a.dtype), a.shape)
    return _ret(la.solve_p.bind(a, eye))


class _Shape:
    def __init__(self, a):
        self.shape, self.ndim = a.shape, a.ndim


def slogdet(a):
    """``(sign, log|det a|)``; the gradient of ``log|det a|`` is ``inv(a)^T``.

    >>> [float(v) for v in slogdet(np.array([[2.0, 0.0], [0.0, 3.0]]))]
    [1.0, 1.791759469228055]
    """
    sign, logdet = la.slogdet_p.bind(_float(a))
    return _ret(sign), _ret(logdet)


def det(a):
    """Determinant, as ``sign * exp(log|det|)`` (its gradient is ``det(a) inv(a)^T``; at an
    exactly singular matrix the gradient is not defined this way).

    >>> float(det(np.array([[2.0, 1.0], [1.0, 3.0]])))
    5.000000000000001
    """
    sign, logdet = slogdet(a)
    return multiply(sign, exp(logdet))


def cholesky(a):
    """Lower-triangular ``L`` with ``L @ L.T == a`` for symmetric positive-definite ``a``.

    >>> cholesky(np.array([[4.0, 2.0], [2.0, 2.0]])).tolist()
    [[2.0, 0.0], [1.0, 1.0]]
    """
    return _ret(la.cholesky_p.bind(_float(a)))


def norm(x, ord=None, axis=None, keepdims=False):
    """Vector or matrix norm, like ``np.linalg.norm`` (orders None/2, 1, inf, -inf, 'fro').

    The gradient of the 2-norm at 0 is 0 (a subgradient), never NaN.

    >>> float(norm(np.array([3.0, 4.0])))
    5.0
    """
    x = _float(x)
    if axis is None and x.ndim == 2 and ord not in (None, "fro"):
        raise NotImplementedError(f"norm: matrix ord={ord!r} is not supported; use 'fro' or "
                                  "pass axis= for vector norms")
    axes = normalize_axes(axis, x.ndim)
    if ord in (None, 2, "fro") and (ord != 2 or len(axes) == 1):
        sq = sum(multiply(x, x), axis=axes, keepdims=keepdims)
        # double where: sqrt's gradient at 0 would be inf; 0 * inf = nan
        pos = sq > 0
        return where(pos, sqrt(where(pos, sq, 1.0)), 0.0)
    if ord == 1:
        return sum(abs(x), axis=axes, keepdims=keepdims)
    if ord == np.inf:
        return max(abs(x), axis=axes, keepdims=keepdims)
    if ord == -np.inf:
        from ._math import min
        return min(abs(x), axis=axes, keepdims=keepdims)
    if isinstance(ord, (int, float)) and len(axes) == 1:
        return sum(abs(x) ** float(ord), axis=axes, keepdims=keepdims) ** (1.0 / ord)
    raise NotImplementedError(f"norm: ord={ord!r} over axes {axes} is not supported")
