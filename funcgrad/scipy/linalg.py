"""``funcgrad.scipy.linalg``: SciPy's linear algebra under SciPy's names and defaults, traceable.

Stacks of matrices ``(..., n, n)`` work wherever SciPy's functions take them. Arguments that
only tune SciPy's memory use or input checks (``overwrite_a``, ``overwrite_b``,
``check_finite``, ``lwork``, ``lapack_driver``) are accepted and ignored. Factorizations
return the factors as SciPy does and differentiate through them (``lu_factor`` then
``lu_solve`` differentiates like ``solve``); what SciPy leaves unspecified is zero here (the
unused triangle of ``cho_factor``'s ``c``).

>>> import funcgrad as fg
>>> a = np.array([[4.0, 1.0], [1.0, 3.0]])
>>> g = fg.grad(lambda a: cho_solve(cho_factor(a), np.ones(2)).sum())(a)
>>> bool(np.allclose(g, fg.grad(lambda a: np.linalg.solve(a, np.ones(2)).sum())(a)))
True
"""
import numpy as np

from .. import numpy as fnp
from ..errors import user_frame
from ..ops import factorizations as fz
from ..ops import linalg as la
from ..ops import matrix_functions as mf

__all__ = ["solve_triangular", "cho_factor", "cho_solve", "lu_factor", "lu_solve", "lu", "expm",
           "expm_frechet", "sqrtm", "solve_sylvester", "block_diag", "solve", "inv", "det",
           "cholesky", "eigh", "svd", "qr"]


def _float(name, *xs):
    """Operands as arrays or tracers of one float dtype (integers compute in float64); ``name``
    (the function) for the message about complex ones."""
    xs = [fnp.asarray(x) for x in xs]
    for x in xs:
        if x.dtype.kind == "c":  # the rules transpose where complex ones conjugate
            raise TypeError(f"{name}: complex matrices are not supported, got {x.dtype} "
                            f"(at {user_frame()}); pass real matrices.")
    dt = np.result_type(*[x.dtype if x.dtype.kind == "f" else np.float64 for x in xs])
    return [fnp.astype(x, dt) for x in xs]


def _against(name, a, b, solve_stack):
    """``solve_stack(a, b)`` for ``b`` (n,) or (..., n, k), the leading axes broadcast."""
    n = a.shape[-1]
    vector = b.ndim == 1
    if b.ndim == 0 or b.shape[-1 if vector else -2] != n:
        raise ValueError(f"{name}: a of shape {a.shape} and b of shape {b.shape} do not match: "
                         f"b must be ({n},) or (..., {n}, k) (at {user_frame()}).")
    if vector:
        b = fnp.reshape(b, (n, 1))
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    x = solve_stack(fnp.broadcast_to(a, batch + a.shape[-2:]),
                    fnp.broadcast_to(b, batch + b.shape[-2:]))
    return fnp.reshape(x, x.shape[:-1]) if vector else x


def _trans(name, trans):
    if trans in (0, "N"):
        return False
    if trans in (1, 2, "T", "C"):  # 'C' is 'T' for real matrices
        return True
    raise ValueError(f"{name}: trans must be 0, 1, 2, 'N', 'T' or 'C', got {trans!r} "
                     f"(at {user_frame()}).")


def _unit_diagonal(a):
    eye = np.eye(a.shape[-1], dtype=bool)
    return fnp.where(eye, np.ones((), a.dtype), a)


def solve_triangular(a, b, trans=0, lower=False, unit_diagonal=False, overwrite_b=False,
                     check_finite=True):
    """Solve ``a @ x = b`` (``trans`` 1 or 'T': ``a.T @ x = b``) reading only the lower or upper
    triangle of ``a``, like ``scipy.linalg.solve_triangular``; ``unit_diagonal``: ``a``'s
    diagonal is taken to be ones (and gets no gradient).

    >>> solve_triangular(np.array([[2.0, 0.0], [1.0, 1.0]]), np.array([2.0, 2.0]),
    ...                  lower=True).tolist()
    [1.0, 1.0]
    """
    a, b = _float("solve_triangular", a, b)
    la.check_square("solve_triangular", a)
    if unit_diagonal:
        a = _unit_diagonal(a)
    transpose_a = _trans("solve_triangular", trans)
    return _against("solve_triangular", a, b, lambda a, b: la.triangular_solve(
        a, b, lower=bool(lower), transpose_a=transpose_a))


def cho_factor(a, lower=False, overwrite_a=False, check_finite=True):
    """``(c, lower)``: the Cholesky factor of a symmetric positive-definite ``a`` in ``c``'s
    lower (``lower=True``) or upper triangle, like ``scipy.linalg.cho_factor``; only that
    triangle of ``a`` is read, and ``c``'s other triangle is zero (SciPy leaves ``a``'s entries
    there). Its derivative is ``cholesky``'s (it treats ``a`` as symmetric).

    >>> c, low = cho_factor(np.array([[4.0, 2.0], [2.0, 2.0]]))
    >>> c.tolist(), low
    ([[2.0, 1.0], [0.0, 1.0]], False)
    """
    return cholesky(a, lower=lower), lower


def cholesky(a, lower=False, overwrite_a=False, check_finite=True):
    """Cholesky factor of a symmetric positive-definite ``a``, upper by default (``U.T @ U ==
    a``), like ``scipy.linalg.cholesky``; only that triangle of ``a`` is read.

    >>> cholesky(np.array([[4.0, 2.0], [2.0, 2.0]])).tolist()
    [[2.0, 1.0], [0.0, 1.0]]
    """
    (a,) = _float("cholesky", a)
    if lower:
        return fnp.linalg.cholesky(a)
    return la.swap_last(fnp.linalg.cholesky(la.swap_last(a)))  # reads a's upper triangle


def cho_solve(c_and_lower, b, overwrite_b=False, check_finite=True):
    """Solve ``a @ x = b`` given ``cho_factor(a)``, like ``scipy.linalg.cho_solve``.

    >>> cho_solve(cho_factor(np.array([[4.0, 2.0], [2.0, 2.0]])), np.array([6.0, 4.0])).tolist()
    [1.0, 1.0]
    """
    c, lower = c_and_lower
    c, b = _float("cho_solve", c, b)
    la.check_square("cho_solve", c)
    lower = bool(lower)

    def two_solves(c, b):  # L L^T x = b, or U^T U x = b
        y = la.triangular_solve(c, b, lower=lower, transpose_a=not lower)
        return la.triangular_solve(c, y, lower=lower, transpose_a=lower)
    return _against("cho_solve", c, b, two_solves)


def lu_factor(a, overwrite_a=False, check_finite=True):
    """``(lu, piv)``: LU factorization with partial pivoting, like ``scipy.linalg.lu_factor``.
    ``lu`` holds ``L`` (unit diagonal, not stored) below the diagonal and ``U`` on and above;
    ``piv`` (int32) says row ``i`` was swapped with row ``piv[i]``.

    The derivative flows through the factors (de Hoog, Anderssen and Lukas 2011) as in JAX;
    the pivots are piecewise constant. Under ``jit`` the factorization runs with NumPy between
    compiled pieces (Numba has no LU).

    >>> lu, piv = lu_factor(np.array([[1.0, 2.0], [3.0, 4.0]]))
    >>> piv.tolist(), lu.tolist()
    ([1, 1], [[3.0, 4.0], [0.3333333333333333, 0.6666666666666667]])
    """
    (a,) = _float("lu_factor", a)
    if a.ndim < 2:
        raise ValueError(f"lu_factor: expected a matrix, got shape {a.shape} "
                         f"(at {user_frame()}).")
    lu_, piv, _ = fz.lu_p.bind(a)
    return lu_, piv


def lu_solve(lu_and_piv, b, trans=0, overwrite_b=False, check_finite=True):
    """Solve ``a @ x = b`` (``trans`` 1: ``a.T @ x = b``) given ``lu_factor(a)``, like
    ``scipy.linalg.lu_solve``.

    >>> a = np.array([[1.0, 2.0], [3.0, 4.0]])
    >>> lu_solve(lu_factor(a), np.array([3.0, 7.0])).round(12).tolist()
    [1.0, 1.0]
    """
    lu_, piv = lu_and_piv
    (lu_, b), piv = _float("lu_solve", lu_, b), fnp.asarray(piv)
    la.check_square("lu_solve", lu_)
    if piv.dtype.kind not in "iu":
        raise TypeError(f"lu_solve: piv must be integers, got {piv.dtype} (at {user_frame()}).")
    perm = fz.lu_permutation_p.bind(fnp.astype(piv, np.int32), m=lu_.shape[-1])
    transpose_a = _trans("lu_solve", trans)

    def solve_factored(lu_, b):  # a = P^T L U with P the permutation matrix of perm
        p = fz.permutation_matrix(fnp.broadcast_to(perm, lu_.shape[:-1]), lu_.dtype)
        unit_l = _unit_diagonal(lu_)
        if not transpose_a:
            y = la.triangular_solve(unit_l, fz.matmul(p, b), lower=True)
            return la.triangular_solve(lu_, y, lower=False)
        y = la.triangular_solve(lu_, b, lower=False, transpose_a=True)
        y = la.triangular_solve(unit_l, y, lower=True, transpose_a=True)
        return fz.matmul(la.swap_last(p), y)
    return _against("lu_solve", lu_, b, solve_factored)


def lu(a, permute_l=False, overwrite_a=False, check_finite=True, p_indices=False):
    """``(p, l, u)`` with ``a = p @ l @ u``, like ``scipy.linalg.lu``: ``l`` (m, k) unit lower
    triangular, ``u`` (k, n) upper triangular, ``k = min(m, n)``. ``permute_l``: ``(p @ l,
    u)``; ``p_indices``: ``p`` as row indices, ``a = l[p] @ u``. Derivatives as ``lu_factor``.

    >>> p, l, u = lu(np.array([[1.0, 2.0], [3.0, 4.0]]))
    >>> bool(np.allclose(p @ l @ u, [[1.0, 2.0], [3.0, 4.0]]))
    True
    """
    (a,) = _float("lu", a)
    if a.ndim < 2:
        raise ValueError(f"lu: expected a matrix, got shape {a.shape} (at {user_frame()}).")
    m, n = a.shape[-2:]
    k = min(m, n)
    packed, _, perm = fz.lu_p.bind(a)
    l_sq, _ = fz.square_factors(packed)
    l_part = fz.fit(l_sq, m, k)
    u_part = fz.fit(la.triangle(packed, lower=False), k, n)
    p = la.swap_last(fz.permutation_matrix(perm, a.dtype))
    if permute_l:
        return fz.matmul(p, l_part), u_part
    if p_indices:  # the inverse permutation: row i of a is row p[i] of l @ u
        iota = fnp.broadcast_to(np.arange(m, dtype=a.dtype), perm.shape)
        p = fnp.astype(fnp.rint(fnp.squeeze(fz.matmul(p, fnp.expand_dims(iota, -1)), -1)),
                       np.int32)
    return p, l_part, u_part


def expm(A):
    """Matrix exponential (of each matrix of a stack), like ``scipy.linalg.expm``.

    Its derivative is the Fréchet derivative, the top-right block of ``expm([[A, E], [0,
    A]])``, exact to rounding and differentiable again. Under ``jit`` it runs with NumPy (SciPy)
    between compiled pieces.

    >>> expm(np.array([[0.0, 1.0], [0.0, 0.0]])).tolist()
    [[1.0, 1.0], [0.0, 1.0]]
    """
    (A,) = _float("expm", A)
    la.check_square("expm", A)
    return mf.expm_p.bind(A)


def expm_frechet(A, E, method=None, compute_expm=True, check_finite=True):
    """``(expm(A), L(A, E))``, the Fréchet derivative of ``expm`` at ``A`` in the direction
    ``E`` (just ``L(A, E)`` with ``compute_expm=False``), like ``scipy.linalg.expm_frechet``.

    >>> expm_frechet(np.zeros((2, 2)), np.eye(2), compute_expm=False).tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    """
    A, E = _float("expm_frechet", A, E)
    la.check_square("expm_frechet", A)
    if A.shape != E.shape:
        raise ValueError(f"expm_frechet: A {A.shape} and E {E.shape} must have the same shape "
                         f"(at {user_frame()}).")
    frechet = mf.expm_frechet(A, E)
    return (mf.expm_p.bind(A), frechet) if compute_expm else frechet


def sqrtm(A, blocksize=64):
    """The principal square root ``X`` of ``A`` (``X @ X == A``), like ``scipy.linalg.sqrtm``,
    for a real ``A`` with no eigenvalue on ``(-inf, 0]``; one whose root is complex raises
    ``ValueError``. ``blocksize`` is SciPy's tuning knob, ignored.

    The derivative solves the Sylvester equation ``X dX + dX X = dA``; at a singular ``A``
    (where it is infinite) that raises ``LinAlgError``. Under ``jit`` it runs with NumPy
    (SciPy) between compiled pieces.

    >>> sqrtm(np.array([[4.0, 0.0], [0.0, 9.0]])).tolist()
    [[2.0, 0.0], [0.0, 3.0]]
    """
    (A,) = _float("sqrtm", A)
    la.check_square("sqrtm", A)
    return mf.sqrtm_p.bind(A)


def solve_sylvester(a, b, q):
    """``x`` with ``a @ x + x @ b == q``, like ``scipy.linalg.solve_sylvester``;
    differentiable in ``a``, ``b`` and ``q``. Where ``a`` and ``-b`` share an eigenvalue there
    is no unique solution: ``LinAlgError`` (SciPy returns huge numbers). Under ``jit`` it runs
    with NumPy (SciPy) between compiled pieces.

    >>> solve_sylvester(np.eye(2), np.eye(2), np.eye(2)).tolist()
    [[0.5, 0.0], [0.0, 0.5]]
    """
    a, b, q = _float("solve_sylvester", a, b, q)
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2], q.shape[:-2])
    a, b, q = (fnp.broadcast_to(x, batch + x.shape[-2:]) for x in (a, b, q))
    return mf.sylvester_p.bind(a, b, q)


def block_diag(*arrs):
    """The matrices ``arrs`` on the diagonal of one matrix, zeros elsewhere, like
    ``scipy.linalg.block_diag`` (a 1-D array is one row, a scalar a 1 x 1 matrix).

    >>> block_diag(np.ones((1, 2)), 2.0).tolist()
    [[1.0, 1.0, 0.0], [0.0, 0.0, 2.0]]
    """
    if not arrs:
        return np.zeros((1, 0))
    mats = [fnp.atleast_2d(x) for x in arrs]
    for x in mats:
        if x.ndim != 2:
            raise ValueError(f"block_diag: arguments must have 2 or fewer dimensions, got "
                             f"shape {x.shape} (at {user_frame()}).")
    dt = np.result_type(*[x.dtype for x in mats])
    width = sum(x.shape[1] for x in mats)
    rows, col = [], 0
    for x in mats:
        r, c = x.shape
        rows.append(fnp.concatenate([np.zeros((r, col), dt), fnp.astype(x, dt),
                                     np.zeros((r, width - col - c), dt)], axis=1))
        col += c
    return fnp.concatenate(rows, axis=0)


def solve(a, b, lower=False, overwrite_a=False, overwrite_b=False, check_finite=True,
          assume_a=None, transposed=False):
    """Solve ``a @ x = b`` (``transposed``: ``a.T @ x = b``), like ``scipy.linalg.solve``.
    ``assume_a`` ('gen', 'sym', 'pos', ...) only picks SciPy's LAPACK routine; the answer
    is the same, computed with a general solve.

    >>> solve(np.array([[2.0, 0.0], [0.0, 4.0]]), np.array([2.0, 2.0])).tolist()
    [1.0, 0.5]
    """
    a, b = _float("solve", a, b)
    return fnp.linalg.solve(la.swap_last(a) if transposed else a, b)


def inv(a, overwrite_a=False, check_finite=True):
    """Matrix inverse, like ``scipy.linalg.inv`` (see ``funcgrad.numpy.linalg.inv``).

    >>> inv(np.array([[2.0, 0.0], [0.0, 4.0]])).tolist()
    [[0.5, 0.0], [0.0, 0.25]]
    """
    return fnp.linalg.inv(a)


def det(a, overwrite_a=False, check_finite=True):
    """Determinant, like ``scipy.linalg.det`` (see ``funcgrad.numpy.linalg.det``).

    >>> round(float(det(np.array([[2.0, 1.0], [1.0, 3.0]]))), 12)
    5.0
    """
    return fnp.linalg.det(a)


def eigh(a, b=None, *, lower=True, eigvals_only=False, overwrite_a=False, overwrite_b=False,
         type=1, check_finite=True, subset_by_index=None, subset_by_value=None, driver=None):
    """``(w, v)`` (or ``w`` with ``eigvals_only``) of a symmetric ``a``, like
    ``scipy.linalg.eigh`` (see ``funcgrad.numpy.linalg.eigh`` for the derivative). The
    generalized problem (``b``) and subsets are not supported.

    >>> eigh(np.array([[2.0, 1.0], [1.0, 2.0]]), eigvals_only=True).tolist()
    [1.0, 3.0]
    """
    if b is not None or subset_by_index is not None or subset_by_value is not None:
        raise NotImplementedError(f"eigh: the generalized problem (b=) and eigenvalue subsets "
                                  f"are not supported (at {user_frame()}); for b positive "
                                  "definite, transform with cholesky(b) first.")
    uplo = "L" if lower else "U"
    if eigvals_only:
        return fnp.linalg.eigvalsh(a, UPLO=uplo)
    return tuple(fnp.linalg.eigh(a, UPLO=uplo))


def svd(a, full_matrices=True, compute_uv=True, overwrite_a=False, check_finite=True,
        lapack_driver="gesdd"):
    """``(U, s, Vh)`` (or ``s`` with ``compute_uv=False``), like ``scipy.linalg.svd`` (see
    ``funcgrad.numpy.linalg.svd`` for the derivative).

    >>> svd(np.array([[3.0, 0.0], [0.0, -2.0]]), compute_uv=False).round(12).tolist()
    [3.0, 2.0]
    """
    out = fnp.linalg.svd(a, full_matrices=full_matrices, compute_uv=compute_uv)
    return tuple(out) if compute_uv else out


def qr(a, overwrite_a=False, lwork=None, mode="full", pivoting=False, check_finite=True):
    """``(Q, R)`` like ``scipy.linalg.qr``: ``mode`` 'full' (Q square), 'economic' (reduced) or
    'r' (the tuple ``(R,)``, R (m, n) as in 'full'). Pivoting and 'raw' are not supported. See
    ``funcgrad.numpy.linalg.qr`` for the derivative.

    >>> q, r = qr(np.array([[3.0, 1.0], [4.0, 2.0]]))
    >>> bool(np.allclose(q @ r, [[3.0, 1.0], [4.0, 2.0]]))
    True
    """
    if pivoting:
        raise NotImplementedError(f"qr: pivoting=True is not supported (at {user_frame()}).")
    modes = {"full": "complete", "economic": "reduced", "r": "r", "raw": "raw"}
    if mode not in modes:
        raise ValueError(f"qr: mode must be 'full', 'economic' or 'r', got {mode!r} "
                         f"(at {user_frame()}).")
    if mode == "r":  # SciPy's R is the full one, (m, n): the reduced one and zero rows
        r = fnp.linalg.qr(a, "r")
        return (fz.fit(r, np.shape(a)[-2], r.shape[-1]),)
    return tuple(fnp.linalg.qr(a, modes[mode]))
