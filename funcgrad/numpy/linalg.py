"""funcgrad.numpy.linalg: NumPy's linear algebra, differentiable to any order.

Matrices may be stacks ``(..., n, n)`` whose leading axes broadcast, as in NumPy; float32 stays
float32 and integers compute in float64. ``np.linalg.NAME`` on traced values dispatches here.
A singular matrix (or, for ``cholesky``, one that is not positive definite) raises
``np.linalg.LinAlgError`` naming the function and the line, as NumPy would; so does the gradient
of ``det``/``slogdet`` at a singular matrix, which needs the inverse.

>>> import funcgrad as fg
>>> a = np.array([[2.0, 1.0], [1.0, 3.0]])
>>> g = fg.grad(lambda a: slogdet(a)[1])(a)   # d log|det a| / da = inv(a)^T
>>> bool(np.allclose(g, np.linalg.inv(a).T))
True
"""
from collections import namedtuple

import numpy as np

from ..core.tracing import get_aval
from ..errors import user_frame
from ..ops import eig as eig_ops
from ..ops import linalg as la
from ..ops import shape as sh
from . import _math, _products, _shapes
from ._base import _ret, astype
from ._core import asarray_or_tracer, float_dtype, normalize_axis

LinAlgError = np.linalg.LinAlgError

__all__ = ["solve", "inv", "det", "slogdet", "cholesky", "norm", "vector_norm", "matrix_norm",
           "matrix_power", "multi_dot", "matmul", "matrix_transpose", "outer", "tensordot",
           "trace", "diagonal", "vecdot", "LinAlgError"]

_SlogdetResult = namedtuple("SlogdetResult", ["sign", "logabsdet"])


def _floats(name, *xs, lapack=True):
    """Operands as arrays/tracers of one float dtype (NumPy's linalg rules: ints -> float64)."""
    xs = [asarray_or_tracer(x) for x in xs]
    for x in xs:
        if lapack and x.dtype == np.float16:
            raise TypeError(f"{name}: array type float16 is unsupported in linalg (as in NumPy) "
                            f"(at {user_frame()}); convert with .astype(np.float32).")
    dt = np.result_type(*[float_dtype(x.dtype) for x in xs])
    return [astype(x, dt) for x in xs]


def _square(name, a):
    la.check_square(name, get_aval(a))


def solve(a, b):
    """Solve ``a @ x = b`` for ``x``, with NumPy 2's rules.

    ``a`` is ``(..., n, n)``; ``b`` is one vector ``(n,)`` or a stack of matrices ``(..., n, k)``,
    the leading axes broadcasting against ``a``'s. The derivatives are
    ``dx = solve(a, db - da @ x)``.

    >>> solve(np.array([[2.0, 0.0], [0.0, 4.0]]), np.array([2.0, 2.0])).tolist()
    [1.0, 0.5]
    >>> solve(np.eye(2) * 2, np.ones((3, 2, 1))).shape   # a stack of right-hand sides
    (3, 2, 1)
    """
    a, b = _floats("solve", a, b)
    _square("solve", a)
    n = a.shape[-1]
    if b.ndim == 0 or b.shape[-1 if b.ndim == 1 else -2] != n:
        raise ValueError(f"solve: a of shape {a.shape} and b of shape {b.shape} do not match: "
                         f"b must be ({n},) or (..., {n}, k) (at {user_frame()}).")
    vector = b.ndim == 1
    if vector:
        b = sh.reshape(b, (n, 1))
    try:
        batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    except ValueError:
        raise ValueError(f"solve: the leading (stack) axes of a {a.shape} and b {b.shape} do "
                         f"not broadcast (at {user_frame()}).") from None
    if a.ndim == 2 and batch:
        x = _solve_shared(a, b)
    else:
        a = _shapes.broadcast_to(a, batch + a.shape[-2:]) if a.shape[:-2] != batch else a
        b = _shapes.broadcast_to(b, batch + b.shape[-2:]) if b.shape[:-2] != batch else b
        x = la.solve_p.bind(a, b)
    if vector:
        x = sh.reshape(x, x.shape[:-1])
    return _ret(x)


def _solve_shared(a, b):
    """One matrix against a stack of right-hand sides ``(..., n, k)``: one solve with the stack
    folded into the columns (one factorization, not one per right-hand side)."""
    nd, n, k = b.ndim, b.shape[-2], b.shape[-1]
    perm = (nd - 2,) + tuple(range(nd - 2)) + (nd - 1,)  # (n, ..., k)
    m = int(np.prod(b.shape[:-2], dtype=np.int64)) * k
    cols = sh.reshape(sh.transpose(b, perm), (n, m))
    x = sh.reshape(la.solve_p.bind(a, cols), (n,) + b.shape[:-2] + (k,))
    return sh.transpose(x, tuple(np.argsort(perm)))


def inv(a):
    """Matrix inverse of ``a`` (or of each matrix in a stack); ``d inv = -inv @ da @ inv``.

    >>> inv(np.array([[2.0, 0.0], [0.0, 4.0]])).tolist()
    [[0.5, 0.0], [0.0, 0.25]]
    """
    (a,) = _floats("inv", a)
    _square("inv", a)
    return _ret(la.inv_p.bind(a))


def slogdet(a):
    """``(sign, logabsdet)`` of ``a``, like ``np.linalg.slogdet`` (a named tuple).

    ``sign`` has a zero derivative; the gradient of ``logabsdet`` is ``inv(a)^T``. At a singular
    matrix the value is ``(0, -inf)`` and the gradient raises ``LinAlgError``.

    >>> sign, logabsdet = slogdet(np.array([[2.0, 0.0], [0.0, -3.0]]))
    >>> float(sign), round(float(logabsdet), 6)
    (-1.0, 1.791759)
    """
    (a,) = _floats("slogdet", a)
    _square("slogdet", a)
    sign, logabsdet = la.slogdet_p.bind(a)
    return _SlogdetResult(_ret(sign), _ret(logabsdet))


def det(a):
    """Determinant of ``a`` (or of each matrix in a stack).

    Computed as ``sign * exp(logabsdet)``, so its gradient is ``det(a) * inv(a)^T`` and every
    higher derivative follows; at an exactly singular matrix the value is 0 and the gradient
    raises ``LinAlgError`` (it would need the adjugate, not the inverse).

    >>> round(float(det(np.array([[2.0, 1.0], [1.0, 3.0]]))), 12)
    5.0
    """
    sign, logabsdet = slogdet(a)
    return _math.multiply(sign, _math.exp(logabsdet))


def cholesky(a, upper=False):
    """Cholesky factor of a symmetric positive-definite ``a``: lower ``L`` with ``L @ L.T == a``
    (``upper=True``: ``U = L.T`` with ``U.T @ U == a``).

    Like NumPy, only the lower triangle of ``a`` is read. The derivative treats ``a`` as
    symmetric (as JAX, PyTorch and autograd do): gradients are symmetric matrices, and a
    tangent counts by its symmetric part ``(da + da.T) / 2``.

    >>> cholesky(np.array([[4.0, 2.0], [2.0, 2.0]])).tolist()
    [[2.0, 0.0], [1.0, 1.0]]
    """
    (a,) = _floats("cholesky", a)
    _square("cholesky", a)
    L = la.cholesky_p.bind(a)
    return _ret(la.swap_last(L) if upper else L)


# --- norms ------------------------------------------------------------------------------------

def _two_norm(x, axes, keepdims):
    """sqrt(sum(x**2)), with a zero gradient (not NaN) where the norm is 0.

    At 0 the 2-norm has no derivative; its subgradients are the unit ball, and 0, the smallest,
    is what a user minimizing a norm penalty wants, and what makes ``norm(x)**2`` get its true
    gradient ``2x = 0`` there. JAX and autograd return NaN instead (jax-ml/jax#21723,
    HIPS/autograd#151), from sqrt's infinite slope times 0: the inner ``where`` keeps that slope
    out of the graph. (Second derivatives through the kink are 0: the Hessian of ``norm(x)**2``
    at 0 comes out 0, not 2I; write ``sum(x**2)`` for a squared norm.)"""
    sq = _math.sum(_math.multiply(x, x), axis=axes, keepdims=keepdims)
    pos = _math.greater(sq, 0)
    return _math.where(pos, _math.sqrt(_math.where(pos, sq, 1.0)), 0.0)


def _vector_norm(x, ord, axes, keepdims):
    if ord is None or ord == 2:
        return _two_norm(x, axes, keepdims)
    if isinstance(ord, str):
        raise ValueError(f"norm: invalid norm order {ord!r} for vectors (at {user_frame()}).")
    if ord == np.inf:
        return _math.max(_math.abs(x), axis=axes, keepdims=keepdims)
    if ord == -np.inf:
        return _math.min(_math.abs(x), axis=axes, keepdims=keepdims)
    if ord == 0:  # the number of nonzero entries: piecewise constant, zero gradient
        return _math.sum(astype(_math.not_equal(x, 0), x.dtype), axis=axes, keepdims=keepdims)
    if ord == 1:
        return _math.sum(_math.abs(x), axis=axes, keepdims=keepdims)
    p = float(ord)
    s = _math.sum(_math.power(_math.abs(x), p), axis=axes, keepdims=keepdims)
    pos = _math.greater(s, 0)  # as for the 2-norm: a zero gradient at 0, not NaN
    return _math.where(pos, _math.power(_math.where(pos, s, 1.0), 1.0 / p), 0.0)


def _matrix_norm(x, ord, axes, keepdims):
    row, col = axes
    if ord is None or ord == "fro":
        return _two_norm(x, tuple(sorted(axes)), keepdims)
    if ord in (2, -2, "nuc"):
        raise NotImplementedError(
            f"norm: the matrix norm ord={ord!r} needs singular values (an SVD), which funcgrad "
            f"does not differentiate (at {user_frame()}). Use ord='fro', 1 or inf, or the vector "
            "2-norm of a product (e.g. power iteration) instead.")
    if ord in (1, -1):  # largest (smallest) column sum
        inner, outer = row, col
    elif ord in (np.inf, -np.inf):  # largest (smallest) row sum
        inner, outer = col, row
    else:
        raise ValueError(f"norm: invalid norm order {ord!r} for matrices (at {user_frame()}).")
    pick = _math.max if ord > 0 else _math.min
    sums = _math.sum(_math.abs(x), axis=inner, keepdims=True)
    out = pick(sums, axis=outer, keepdims=True)
    if keepdims:
        return out
    return _shapes.reshape(out, tuple(d for i, d in enumerate(x.shape) if i not in axes))


def norm(x, ord=None, axis=None, keepdims=False):
    """Vector or matrix norm, like ``np.linalg.norm``.

    Vectors (``axis`` an int, or a 1-D ``x``): ``ord`` None/2, 1, inf, -inf, 0 and any other
    number p (``sum(|x|**p)**(1/p)``). Matrices (``axis`` a pair, or a 2-D ``x``): None/'fro',
    1, -1, inf, -inf; 2, -2 and 'nuc' need an SVD and raise ``NotImplementedError``. With
    ``ord=None`` and ``axis=None`` any ``x`` is flattened.

    At ``x = 0`` the 2-norm (and p-norm) has no derivative; its gradient here is 0, the smallest
    subgradient, rather than NaN as in JAX and autograd (so ``norm(x)**2`` has its true gradient
    0 there). Ties in the inf-norm share the gradient equally, as ``max`` does.

    >>> float(norm(np.array([3.0, 4.0])))
    5.0
    >>> norm(np.array([[1.0, -2.0], [3.0, 4.0]]), ord=1).item()   # the largest column sum
    6.0
    """
    (x,) = _floats("norm", x, lapack=False)
    if axis is None:
        if ord is None:
            return _ret(_two_norm(x, tuple(range(x.ndim)), keepdims))
        if x.ndim == 1:
            return _ret(_vector_norm(x, ord, (0,), keepdims))
        if x.ndim == 2:
            return _ret(_matrix_norm(x, ord, (0, 1), keepdims))
        raise ValueError(f"norm: improper number of dimensions to norm: x has shape {x.shape}; "
                         f"with ord={ord!r} pass axis= (at {user_frame()}).")
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    axes = tuple(normalize_axis(a, x.ndim) for a in axes)
    if len(axes) == 1:
        return _ret(_vector_norm(x, ord, axes, keepdims))
    if len(axes) == 2:
        if axes[0] == axes[1]:
            raise ValueError(f"norm: duplicate axes given: {axis} (at {user_frame()}).")
        return _ret(_matrix_norm(x, ord, axes, keepdims))
    raise ValueError(f"norm: improper number of dimensions to norm: axis={axis} "
                     f"(at {user_frame()}).")


def vector_norm(x, /, *, axis=None, keepdims=False, ord=2):
    """Vector norm over ``axis`` (all axes, flattened, by default), like
    ``np.linalg.vector_norm``.

    >>> float(vector_norm(np.ones((2, 2))))
    2.0
    """
    (x,) = _floats("vector_norm", x, lapack=False)
    if axis is None:
        axes = tuple(range(x.ndim))
    else:
        axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
        axes = tuple(sorted(normalize_axis(a, x.ndim) for a in axes))
    return _ret(_vector_norm(x, ord, axes, keepdims))


def matrix_norm(x, /, *, keepdims=False, ord="fro"):
    """Matrix norm over the last two axes, like ``np.linalg.matrix_norm``.

    >>> float(matrix_norm(np.eye(2), ord=np.inf))
    1.0
    """
    (x,) = _floats("matrix_norm", x, lapack=False)
    if x.ndim < 2:
        raise ValueError(f"matrix_norm: x must be at least 2-d, got shape {x.shape} "
                         f"(at {user_frame()}).")
    return _ret(_matrix_norm(x, ord, (x.ndim - 2, x.ndim - 1), keepdims))


# --- products and shapes under their np.linalg names --------------------------------------------

def matrix_power(a, n):
    """``a`` multiplied by itself ``n`` times (``n < 0``: powers of ``inv(a)``), by squaring.

    >>> matrix_power(np.array([[1.0, 1.0], [0.0, 1.0]]), 3).tolist()
    [[1.0, 3.0], [0.0, 1.0]]
    """
    a = asarray_or_tracer(a)
    if not isinstance(n, (int, np.integer)):
        raise TypeError(f"matrix_power: exponent must be an integer, got {n!r} "
                        f"(at {user_frame()}).")
    _square("matrix_power", a)
    if n == 0:
        return _shapes.broadcast_to(np.eye(a.shape[-1], dtype=a.dtype), a.shape)
    if n < 0:
        a, n = inv(a), -int(n)
    result = None
    while True:  # binary powering: log2(n) squarings
        if n & 1:
            result = a if result is None else _products.matmul(result, a)
        n >>= 1
        if not n:
            return result
        a = _products.matmul(a, a)


def multi_dot(arrays):
    """``arrays[0] @ arrays[1] @ ...`` in the cheapest order (the first may be a 1-D row
    vector, the last a 1-D column vector), like ``np.linalg.multi_dot``.

    >>> multi_dot([np.ones(3), np.ones((3, 4)), np.ones((4, 2))]).tolist()
    [12.0, 12.0]
    """
    xs = [asarray_or_tracer(x) for x in arrays]
    if len(xs) < 2:
        raise ValueError(f"multi_dot: expecting at least two arrays (at {user_frame()}).")
    if len(xs) == 2:
        return _products.dot(xs[0], xs[1])
    row, col = xs[0].ndim == 1, xs[-1].ndim == 1
    if row:
        xs[0] = sh.reshape(xs[0], (1,) + xs[0].shape)
    if col:
        xs[-1] = sh.reshape(xs[-1], xs[-1].shape + (1,))
    for x in xs:
        if x.ndim != 2:
            raise ValueError(f"multi_dot: every array but the first and last must be 2-d, got "
                             f"shape {x.shape} (at {user_frame()}).")
    split = _chain_order([xs[0].shape[0]] + [x.shape[1] for x in xs])

    def product(i, j):
        if i == j:
            return xs[i]
        k = split[i][j]
        return _products.matmul(product(i, k), product(k + 1, j))
    out = product(0, len(xs) - 1)
    if row:
        out = sh.reshape(out, out.shape[1:])
    if col:
        out = sh.reshape(out, out.shape[:-1])
    return _ret(out)


def _chain_order(dims):
    """Matrix-chain dynamic programme: ``split[i][j]`` is where to split the product i..j."""
    n = len(dims) - 1
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j] = None
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1]
                if cost[i][j] is None or c < cost[i][j]:
                    cost[i][j], split[i][j] = c, k
    return split


def matmul(x1, x2, /):
    """``np.linalg.matmul``: ``x1 @ x2``.

    >>> matmul(np.eye(2), np.ones(2)).tolist()
    [1.0, 1.0]
    """
    return _products.matmul(x1, x2)


def matrix_transpose(x, /):
    """``np.linalg.matrix_transpose``: swap the last two axes.

    >>> matrix_transpose(np.ones((2, 3))).shape
    (3, 2)
    """
    x = asarray_or_tracer(x)
    if x.ndim < 2:
        raise ValueError(f"matrix_transpose: x must be at least 2-d, got shape {x.shape} "
                         f"(at {user_frame()}).")
    return _ret(la.swap_last(x))


def outer(x1, x2, /):
    """``np.linalg.outer``: the outer product of two vectors.

    >>> outer(np.ones(2), np.ones(3)).shape
    (2, 3)
    """
    if np.ndim(x1) != 1 or np.ndim(x2) != 1:
        raise ValueError(f"outer: inputs must be 1-d vectors, got shapes {np.shape(x1)} and "
                         f"{np.shape(x2)} (at {user_frame()}); use np.outer to flatten them.")
    return _products.outer(x1, x2)


def tensordot(x1, x2, /, *, axes=2):
    """``np.linalg.tensordot``.

    >>> tensordot(np.ones((2, 3)), np.ones((3, 4)), axes=1).shape
    (2, 4)
    """
    return _products.tensordot(x1, x2, axes)


def trace(x, /, *, offset=0, dtype=None):
    """``np.linalg.trace``: sum of the diagonal of each matrix (the last two axes).

    >>> trace(np.ones((3, 2, 2))).tolist()
    [2.0, 2.0, 2.0]
    """
    return _shapes.trace(x, offset, axis1=-2, axis2=-1, dtype=dtype)


def diagonal(x, /, *, offset=0):
    """``np.linalg.diagonal``: the diagonal of each matrix (the last two axes).

    >>> diagonal(np.eye(2)).tolist()
    [1.0, 1.0]
    """
    return _shapes.diagonal(x, offset, axis1=-2, axis2=-1)


def vecdot(x1, x2, /, *, axis=-1):
    """``np.linalg.vecdot``: dot products of vectors along ``axis`` (broadcasting).

    >>> vecdot(np.ones((2, 3)), np.arange(3.0)).tolist()
    [3.0, 3.0]
    """
    return _math.sum(_math.multiply(x1, x2), axis=axis)


# --- eig, eigvals: general matrices, complex results (funcgrad/ops/eig.py) --------------------

__all__ += ["eig", "eigvals"]
_EigResult = namedtuple("EigResult", ["eigenvalues", "eigenvectors"])


def _eig_operand(a):
    a = asarray_or_tracer(a)
    (a,) = _floats("eig", a) if a.dtype.kind != "c" else (a,)
    _square("eig", a)
    return a


def eig(a):
    """Eigenvalues and right eigenvectors (unit columns) of each square matrix, like
    ``np.linalg.eig``, but always complex, as in JAX (NumPy returns real arrays when every
    eigenvalue is real: a dtype no traced program can depend on the values for).

    Differentiable: eigenvalues as ``diag(V^-1 dA V)``, eigenvectors with JAX's convention
    (columns keep unit norm; their phase is arbitrary, so differentiate phase-invariant
    functions of them such as ``abs(v)``). Where an eigenvalue repeats exactly the derivatives
    are NaN (see ``funcgrad/ops/eig.py``).

    >>> w, v = eig(np.array([[2.0, 0.0], [0.0, 3.0]]))
    >>> w.tolist(), abs(v).tolist()
    ([(2+0j), (3+0j)], [[1.0, 0.0], [0.0, 1.0]])
    """
    w, v = eig_ops.eig_p.bind(_eig_operand(a), vectors=True)
    return _EigResult(_ret(w), _ret(v))


def eigvals(a):
    """Eigenvalues of each square matrix, like ``np.linalg.eigvals``, always complex (see
    ``eig``). Their derivative is ``diag(V^-1 dA V)``, NaN where an eigenvalue repeats.

    >>> eigvals(np.array([[0.0, -1.0], [1.0, 0.0]])).tolist()
    [1j, -1j]
    """
    (w,) = eig_ops.eig_p.bind(_eig_operand(a), vectors=False)
    return _ret(w)
