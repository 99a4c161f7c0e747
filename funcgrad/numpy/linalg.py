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

from ..core.tracing import Tracer, get_aval
from ..errors import ConcretizationError, user_frame
from ..ops import eig as eig_ops
from ..ops import factorizations as fz
from ..ops import linalg as la
from ..ops import matrix_functions as mf
from ..ops import shape as sh
from . import _math, _products, _shapes
from ._base import _ret, astype
from ._core import asarray_or_tracer, float_dtype, normalize_axis

LinAlgError = np.linalg.LinAlgError

__all__ = ["solve", "inv", "det", "slogdet", "cholesky", "svd", "svdvals", "eigh", "eigvalsh",
           "qr", "pinv", "lstsq", "matrix_rank", "cond", "tensorinv", "tensorsolve", "norm",
           "vector_norm", "matrix_norm",
           "matrix_power", "multi_dot", "matmul", "matrix_transpose", "outer", "cross", "tensordot",
           "trace", "diagonal", "vecdot", "LinAlgError"]

_SlogdetResult = namedtuple("SlogdetResult", ["sign", "logabsdet"])


def _floats(name, *xs, lapack=True):
    """Operands as arrays/tracers of one float dtype (NumPy's linalg rules: ints -> float64)."""
    xs = [asarray_or_tracer(x) for x in xs]
    for x in xs:
        if lapack and x.dtype == np.float16:
            raise TypeError(f"{name}: array type float16 is unsupported in linalg (as in NumPy) "
                            f"(at {user_frame()}); convert with .astype(np.float32).")
        if lapack and x.dtype.kind == "c":  # the rules transpose where complex ones conjugate
            raise TypeError(f"{name}: complex matrices are not supported (only eig and eigvals "
                            f"take them), got {x.dtype} (at {user_frame()}); pass real "
                            "matrices.")
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


# --- factorizations: svd, eigh, qr -------------------------------------------------------------

_SVDResult = namedtuple("SVDResult", ["U", "S", "Vh"])
_EighResult = namedtuple("EighResult", ["eigenvalues", "eigenvectors"])
_QRResult = namedtuple("QRResult", ["Q", "R"])


def _matrix(name, a):
    if a.ndim < 2:
        raise LinAlgError(f"{name}: {a.ndim}-dimensional array given; it must be a matrix or a "
                          f"stack of them, shape (..., m, n) (at {user_frame()}).")


def svd(a, full_matrices=True, compute_uv=True, hermitian=False):
    """Singular value decomposition ``a = U @ diag(S) @ Vh``, like ``np.linalg.svd``: a named
    tuple ``(U, S, Vh)``, or ``S`` alone with ``compute_uv=False``; ``S`` descending.

    Derivatives (Townsend 2016): those of ``U`` and ``Vh`` divide by ``S_j**2 - S_i**2`` and,
    for a non-square ``a``, by ``S``: where singular values repeat (or are 0 in a non-square
    matrix) they are inf or NaN, as in JAX, while the derivative of ``S`` alone stays finite.
    The signs of singular vectors are arbitrary, so differentiate functions that do not depend
    on them (``U @ diag(S) @ Vh``, ``U @ U.T``, ``abs(U)``, ``S``). ``full_matrices=True`` with
    a non-square ``a`` has no derivative (the extra vectors are any basis of a complement):
    use ``full_matrices=False``. ``hermitian=True`` reads the lower triangle and computes with
    ``eigh`` (its derivative treats ``a`` as symmetric).

    >>> u, s, vh = svd(np.array([[3.0, 0.0], [0.0, -2.0]]))
    >>> s.tolist()
    [3.0, 2.0]
    >>> bool(np.allclose(u @ np.diag(s) @ vh, [[3.0, 0.0], [0.0, -2.0]]))
    True
    """
    (a,) = _floats("svd", a)
    _matrix("svd", a)
    if hermitian:
        return _hermitian_svd(a, compute_uv)
    if not compute_uv:
        return _ret(fz.svd_p.bind(a, full_matrices=False, compute_uv=False)[0])
    m, n = a.shape[-2:]
    u, s, vh = fz.svd_p.bind(a, full_matrices=bool(full_matrices) and m != n, compute_uv=True)
    return _SVDResult(_ret(u), _ret(s), _ret(vh))


def svdvals(x, /):
    """The singular values of ``x`` (each matrix of a stack), descending: ``np.linalg.svdvals``.

    >>> svdvals(np.array([[0.0, 2.0], [1.0, 0.0]])).tolist()
    [2.0, 1.0]
    """
    return svd(x, compute_uv=False)


def _descending(key):
    """The permutation matrix ``P`` that sorts ``key`` (..., k) descending: ``key @ P``; equal
    entries keep their order. It depends on values only, so it carries no derivative."""
    k = key.shape[-1]
    ki, kj = _shapes.expand_dims(key, -1), _shapes.expand_dims(key, -2)
    earlier = np.tril(np.ones((k, k), bool), -1)  # [i, j]: j comes before i
    ahead = _math.logical_or(_math.greater(kj, ki),
                             _math.logical_and(_math.equal(kj, ki), earlier))
    rank = _math.sum(astype(ahead, np.int32), axis=-1)
    return astype(_math.equal(_shapes.expand_dims(rank, -1), np.arange(k, dtype=np.int32)),
                  key.dtype)


def _hermitian_svd(a, compute_uv):
    """NumPy's svd of a symmetric matrix: eigenvalues by magnitude, descending."""
    w, v = eigh(a)
    order = _descending(_math.abs(w))
    s = _products.matmul(_math.abs(w), order)
    if not compute_uv:
        return _ret(s)
    u = _products.matmul(v, order)
    sign = _math.sign(_products.matmul(w, order))
    vh = la.swap_last(_math.multiply(u, _shapes.expand_dims(sign, -2)))
    return _SVDResult(_ret(u), _ret(s), _ret(vh))


def _uplo(name, UPLO):
    if UPLO not in ("L", "U"):
        raise ValueError(f"{name}: UPLO must be 'L' or 'U', got {UPLO!r} (at {user_frame()}).")
    return UPLO == "L"


def eigh(a, UPLO="L"):
    """Eigenvalues (ascending) and eigenvectors of a symmetric matrix, like ``np.linalg.eigh``:
    a named tuple ``(eigenvalues, eigenvectors)``.

    Only the ``UPLO`` triangle of ``a`` is read. The derivative treats ``a`` as symmetric (as
    ``cholesky``'s, and JAX's and PyTorch's): gradients are symmetric, and a tangent counts by
    its symmetric part. ``d w = diag(V^T dA V)``; the eigenvectors' derivative divides by
    ``w_j - w_i``, so it is inf or NaN where eigenvalues repeat (as in JAX), while the
    eigenvalues' stays finite. An eigenvector's sign is arbitrary: differentiate functions that
    do not depend on it (``V @ diag(f(w)) @ V.T``, ``abs(V)``).

    >>> w, v = eigh(np.array([[2.0, 1.0], [1.0, 2.0]]))
    >>> w.tolist()
    [1.0, 3.0]
    """
    (a,) = _floats("eigh", a)
    _square("eigh", a)
    w, v = fz.eigh_p.bind(a, lower=_uplo("eigh", UPLO), vectors=True)
    return _EighResult(_ret(w), _ret(v))


def eigvalsh(a, UPLO="L"):
    """Eigenvalues (ascending) of a symmetric matrix, like ``np.linalg.eigvalsh``; their
    derivative, ``diag(V^T dA V)``, is finite even where they repeat.

    >>> eigvalsh(np.array([[2.0, 1.0], [1.0, 2.0]])).tolist()
    [1.0, 3.0]
    """
    (a,) = _floats("eigvalsh", a)
    _square("eigvalsh", a)
    return _ret(fz.eigh_p.bind(a, lower=_uplo("eigvalsh", UPLO), vectors=False)[0])


def qr(a, mode="reduced"):
    """QR decomposition ``a = Q @ R``, like ``np.linalg.qr``: ``mode`` 'reduced' (Q (..., m, k),
    R (..., k, n), k = min(m, n)), 'complete' (Q (..., m, m)) or 'r' (R alone).

    The derivative goes through ``R^-1``: it is infinite where ``a``'s first min(m, n) columns
    are dependent. 'complete' for a tall matrix (m > n) has no derivative (the extra columns of
    Q are any basis of a complement), as in JAX. 'raw' (LAPACK's Householder form) is not
    supported.

    >>> q, r = qr(np.array([[3.0, 1.0], [4.0, 2.0]]))
    >>> bool(np.allclose(q @ r, [[3.0, 1.0], [4.0, 2.0]]))
    True
    """
    if mode not in ("reduced", "complete", "r", "raw"):
        raise ValueError(f"qr: unrecognized mode {mode!r}; use 'reduced', 'complete' or 'r' "
                         f"(at {user_frame()}).")
    if mode == "raw":
        raise NotImplementedError(f"qr: mode='raw' (LAPACK's Householder reflectors) is not "
                                  f"supported; use 'reduced', 'complete' or 'r' "
                                  f"(at {user_frame()}).")
    (a,) = _floats("qr", a)
    _matrix("qr", a)
    m, n = a.shape[-2:]
    q, r = fz.qr_p.bind(a, full_matrices=mode == "complete" and m > n)
    return _ret(r) if mode == "r" else _QRResult(_ret(q), _ret(r))


# --- pseudo-inverse and least squares ---------------------------------------------------------

_UNSET = object()


def pinv(a, rcond=None, hermitian=False, *, rtol=_UNSET):
    """Moore-Penrose pseudo-inverse, like ``np.linalg.pinv``: singular values at or below
    ``rcond * max(s)`` count as zero (``rcond`` defaults to 1e-15; ``rtol=None`` means
    ``max(m, n) * eps``). ``rcond`` must be a number (not an array).

    The derivative (Golub and Pereyra 1973) holds where the rank is constant; it does not
    divide by gaps between singular values, so it is finite where they repeat (``pinv`` of an
    orthogonal matrix). ``hermitian=True`` reads the lower triangle and treats ``a`` as
    symmetric.

    >>> pinv(np.array([[2.0, 0.0], [0.0, 0.0]])).tolist()
    [[0.5, 0.0], [0.0, 0.0]]
    """
    (a,) = _floats("pinv", a)
    _matrix("pinv", a)
    if rcond is not None and rtol is not _UNSET:
        raise ValueError(f"pinv: rcond and rtol cannot both be set (at {user_frame()}).")
    if rcond is None:
        rcond = 1e-15 if rtol is _UNSET else (
            max(a.shape[-2:]) * np.finfo(a.dtype).eps if rtol is None else rtol)
    return _ret(mf.pinv_p.bind(a, rcond=_static_float("pinv", "rcond", rcond),
                               hermitian=bool(hermitian)))


def _static_float(name, what, v):
    if np.ndim(v) != 0 or isinstance(v, Tracer):
        raise TypeError(f"{name}: {what} must be a number known when tracing, got "
                        f"{type(v).__name__} {np.shape(v)} (at {user_frame()}).")
    return float(v)


def lstsq(a, b, rcond=None):
    """Least-squares solution of ``a @ x = b``, like ``np.linalg.lstsq``: ``(x, residuals,
    rank, s)``; ``a`` is one matrix (m, n), ``b`` (m,) or (m, k).

    ``x = pinv(a, rcond) @ b`` (the minimum-norm solution; singular values at or below ``rcond
    * max(s)`` count as zero, ``rcond`` defaulting to ``eps * max(m, n)``), so its derivative is
    ``pinv``'s, exact while the rank is constant. ``rank`` is an integer and has none.
    ``residuals`` are the squared 2-norms of ``b - a @ x`` per column when ``rank == n < m``,
    else an empty array, as NumPy; under ``jit`` or ``vmap`` the rank is not known while
    tracing, so ``residuals`` then always has ``k`` entries, NaN where NumPy's would be empty.
    For stacks of matrices, ``vmap`` over ``lstsq``.

    >>> x, res, rank, s = lstsq(np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]), np.ones(3))
    >>> [round(float(v), 6) for v in x], int(rank)
    ([0.666667, 0.666667], 2)
    """
    a, b = _floats("lstsq", a, b)
    if a.ndim != 2 or b.ndim not in (1, 2) or b.shape[0] != a.shape[0]:
        raise LinAlgError(f"lstsq: a {a.shape} must be one matrix (m, n) and b (m,) or (m, k) "
                          f"with the same m (at {user_frame()}); for a stack of problems use "
                          f"fg.vmap(np.linalg.lstsq).")
    m, n = a.shape
    rcond = np.finfo(np.float64).eps * max(m, n) if rcond is None else rcond
    rcond = _static_float("lstsq", "rcond", rcond)
    x = _products.matmul(mf.pinv_p.bind(a, rcond=rcond, hermitian=False), b)
    s = fz.svd_p.bind(a, full_matrices=False, compute_uv=False)[0]
    rank = _count_above(s, _math.max(s) * rcond if s.shape[-1] else 0.0)
    return _ret(x), _residuals(a, b, x, rank), _ret(rank), _ret(s)


def _count_above(s, tol):
    """How many of the values ``s`` (..., k) exceed ``tol`` (...): a rank, as int32."""
    above = _math.greater(s, _shapes.expand_dims(tol, -1) if np.ndim(tol) else tol)
    return astype(_math.sum(astype(above, np.int32), axis=-1), np.int32)


def _residuals(a, b, x, rank):
    m, n = a.shape
    if m <= n:
        return np.zeros((0,), a.dtype)
    r = _math.subtract(b, _products.matmul(a, x))
    res = _math.sum(_math.multiply(r, r), axis=0, keepdims=b.ndim == 1)
    if isinstance(rank, Tracer):
        try:
            rank = rank.concrete_value()
        except ConcretizationError:  # jit, vmap: keep the shape, mark what NumPy leaves out
            return _math.where(_math.equal(rank, n), res, np.nan)
    return _ret(res) if int(rank) == n else np.zeros((0,), a.dtype)


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
    if isinstance(ord, str) and ord != "nuc":
        raise ValueError(f"norm: invalid norm order {ord!r} for matrices (at {user_frame()}).")
    if ord in (2, -2, "nuc"):
        return _singular_value_norm(x, ord, axes, keepdims)
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


def _singular_value_norm(x, ord, axes, keepdims):
    """The largest (2), smallest (-2) or sum ('nuc') of the singular values over ``axes``."""
    s = svd(_shapes.moveaxis(x, axes, (-2, -1)), compute_uv=False)
    out = {2: _math.max, -2: _math.min, "nuc": _math.sum}[ord](s, axis=-1)
    if not keepdims:
        return out
    return _shapes.reshape(out, tuple(1 if i in axes else d for i, d in enumerate(x.shape)))


def norm(x, ord=None, axis=None, keepdims=False):
    """Vector or matrix norm, like ``np.linalg.norm``.

    Vectors (``axis`` an int, or a 1-D ``x``): ``ord`` None/2, 1, inf, -inf, 0 and any other
    number p (``sum(|x|**p)**(1/p)``). Matrices (``axis`` a pair, or a 2-D ``x``): None/'fro',
    1, -1, inf, -inf, and from the singular values 2 (the largest), -2 (the smallest) and 'nuc'
    (their sum), whose derivatives are ``svd``'s (finite where singular values repeat, shared
    like ``max``'s at ties). With ``ord=None`` and ``axis=None`` any ``x`` is flattened.

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


# --- rank and condition number ----------------------------------------------------------------

def matrix_rank(A, tol=None, hermitian=False, *, rtol=None):
    """The number of singular values above ``tol`` (default ``S.max() * rtol``, ``rtol``
    defaulting to ``max(m, n) * eps``), like ``np.linalg.matrix_rank``. An integer: it has no
    derivative.

    >>> int(matrix_rank(np.array([[1.0, 2.0], [2.0, 4.0]])))
    1
    """
    if rtol is not None and tol is not None:
        raise ValueError(f"matrix_rank: tol and rtol cannot both be set (at {user_frame()}).")
    (A,) = _floats("matrix_rank", A)
    if A.ndim < 2:
        return _ret(astype(_math.any(_math.not_equal(A, 0)), np.int64))
    S = svd(A, compute_uv=False, hermitian=hermitian)
    if tol is None:
        if rtol is None:
            rtol = max(A.shape[-2:]) * np.finfo(S.dtype).eps
        tol = _math.multiply(_math.max(S, axis=-1), rtol) if S.shape[-1] else \
            np.zeros(S.shape[:-1], S.dtype)
    return _ret(astype(_count_above(S, tol), np.int64))


def cond(x, p=None):
    """Condition number of ``x`` (each matrix of a stack), like ``np.linalg.cond``: for ``p``
    None, 2 or -2 the ratio of extreme singular values; for 'fro', 'nuc', 1, -1, inf, -inf,
    ``norm(x, p) * norm(inv(x), p)``. NaN results become inf unless ``x`` holds a NaN, as in
    NumPy. Unlike NumPy, an exactly singular ``x`` with those other ``p`` raises
    ``LinAlgError`` from ``inv`` (NumPy returns inf).

    >>> float(cond(np.array([[2.0, 0.0], [0.0, 0.5]])))
    4.0
    """
    (x,) = _floats("cond", x)
    _matrix("cond", x)
    if p is None or p in (2, -2):
        s = svd(x, compute_uv=False)
        first, last = _shapes.take(s, 0, axis=-1), _shapes.take(s, -1, axis=-1)
        r = _math.divide(last, first) if p == -2 else _math.divide(first, last)
    else:
        _square("cond", x)
        axes = (x.ndim - 2, x.ndim - 1)
        r = _math.multiply(_matrix_norm(x, p, axes, False), _matrix_norm(inv(x), p, axes, False))
    nan_x = _math.any(_math.isnan(x), axis=(-2, -1))
    return _ret(_math.where(_math.logical_and(_math.isnan(r), _math.logical_not(nan_x)),
                            np.inf, r))


# --- tensor equations -------------------------------------------------------------------------

def tensorinv(a, ind=2):
    """The inverse of ``a`` seen as a map from its last ``a.ndim - ind`` axes to its first
    ``ind``, like ``np.linalg.tensorinv``: shape ``a.shape[ind:] + a.shape[:ind]``.

    >>> tensorinv(np.eye(4).reshape(4, 2, 2), ind=1).shape
    (2, 2, 4)
    """
    a = asarray_or_tracer(a)
    if not isinstance(ind, (int, np.integer)) or ind <= 0:
        raise ValueError(f"tensorinv: ind must be a positive integer, got {ind!r} "
                         f"(at {user_frame()}).")
    rows, cols = a.shape[:ind], a.shape[ind:]
    m, n = int(np.prod(rows, dtype=np.int64)), int(np.prod(cols, dtype=np.int64))
    if m != n:
        raise LinAlgError(f"tensorinv: a of shape {a.shape} with ind={ind} is a {m} x {n} "
                          f"map, not square (at {user_frame()}).")
    return _shapes.reshape(inv(_shapes.reshape(a, (m, n))), cols + rows)


def tensorsolve(a, b, axes=None):
    """``x`` with ``tensordot(a, x, x.ndim) == b``, like ``np.linalg.tensorsolve``; ``axes``:
    axes of ``a`` to move to the end first.

    >>> tensorsolve(np.eye(6).reshape(2, 3, 6), np.ones((2, 3))).shape
    (6,)
    """
    a, b = _floats("tensorsolve", a, b)
    if axes is not None:
        keep = [i for i in range(a.ndim) if i not in [normalize_axis(k, a.ndim) for k in axes]]
        a = _shapes.transpose(a, keep + [normalize_axis(k, a.ndim) for k in axes])
    xshape = a.shape[b.ndim:]
    n = int(np.prod(xshape, dtype=np.int64))
    if a.size != n * n or b.size != n:
        raise LinAlgError(f"tensorsolve: a {a.shape} and b {b.shape} do not make a square "
                          f"system: a's last {a.ndim - b.ndim} axes hold {n} entries, so a "
                          f"needs {n * n} and b {n} (at {user_frame()}).")
    x = solve(_shapes.reshape(a, (n, n)), _shapes.reshape(b, (n,)))
    return _shapes.reshape(x, xshape)


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


def cross(x1, x2, /, *, axis=-1):
    """``np.linalg.cross``: cross products of 3-element vectors along ``axis`` (broadcasting);
    ``funcgrad.numpy.cross`` also takes 2-element vectors.

    >>> cross(np.array([1.0, 0.0, 0.0]), np.array([0.0, 1.0, 0.0])).tolist()
    [0.0, 0.0, 1.0]
    """
    x1, x2 = asarray_or_tracer(x1), asarray_or_tracer(x2)
    for x in (x1, x2):
        if x.ndim == 0 or x.shape[normalize_axis(axis, x.ndim)] != 3:
            raise ValueError(f"cross: both inputs must have 3 entries along axis {axis}, got "
                             f"shapes {x1.shape} and {x2.shape} (at {user_frame()}); "
                             "np.cross also takes 2-element vectors.")
    return _products.cross(x1, x2, axis=axis)


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
