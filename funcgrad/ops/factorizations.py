"""Matrix factorizations: ``svd``, ``eigh``, ``qr`` and ``lu``, with their derivatives.

Each primitive takes a stack of matrices ``(..., m, n)`` and factors every matrix of it. The
rules are the literature's, written with primitives so that they differentiate again:

- ``svd``: Townsend, "Differentiating the singular value decomposition" (2016). The derivatives
  of ``u`` and ``vt`` divide by ``s_j**2 - s_i**2`` and, for a non-square matrix, by ``s``;
- ``eigh``: the first-order perturbation of a symmetric eigenproblem (Giles, "An extended
  collection of matrix derivative results", 2008): ``dw = diag(V^T dA V)``, and ``dV`` divides
  by ``w_j - w_i``;
- ``qr``: Walter and Lehmann (2018) / Seeger et al. (2017), through ``R^-1``;
- ``lu``: de Hoog, Anderssen and Lukas (2011): ``dL = L tril(X, -1)``, ``dU = triu(X) U`` with
  ``X = L^-1 P^T dA U^-1``; the pivots are piecewise constant and carry no derivative.

Repeated singular values or eigenvalues make those divisors zero: the derivative of the
vectors is then infinite or NaN there (as in JAX), never a finite wrong number. A term whose
cotangent is exactly zero contributes zero rather than ``0 * inf``, so the derivative of the
values alone (``svd(a)[1]``, ``eigh(a)[0]``) stays finite when they repeat.
"""
import numpy as np

from ..core.avals import ShapedArray
from ..core.lowering import Structural
from ..core.primitive import NOT_SUPPORTED, Primitive
from ..errors import user_frame
from . import elementwise as ew
from . import kernel_names as K
from .broadcasting import broadcast_in_dim, reduce_sum, zeros_like
from .linalg import (
    check_square,
    float_check,
    front_batch,
    lapack_emitter,
    lapack_errors,
    matmul_p,
    stack_kernel,
    stack_primitive,
    swap_last,
    triangle,
    triangular_solve,
)
from .shape import concatenate, pad_p, slice_p


def matmul(x, y):
    return matmul_p.bind(x, y)


def _eye(x, n=None):
    n = np.shape(x)[-1] if n is None else n
    return np.eye(n, dtype=x.dtype)


def as_rows(v, m):
    """``v`` (..., k) repeated as the ``m`` rows of (..., m, k): entry [i, j] is ``v[j]``."""
    shape = tuple(np.shape(v))
    nd = len(shape) + 1
    return broadcast_in_dim(v, shape[:-1] + (m, shape[-1]), tuple(range(nd - 2)) + (nd - 1,))


def as_columns(v, m):
    """``v`` (..., k) repeated as the ``m`` columns of (..., k, m): entry [i, j] is ``v[i]``."""
    shape = tuple(np.shape(v))
    nd = len(shape) + 1
    return broadcast_in_dim(v, shape + (m,), tuple(range(nd - 1)))


def diag_embed(v):
    """(..., k) -> (..., k, k) with ``v`` on the diagonal."""
    k = np.shape(v)[-1]
    return as_rows(v, k) * _eye(v, k)


def diag_part(x):
    """The diagonal (..., k) of each (..., k, k) matrix."""
    return reduce_sum(x * _eye(x), (len(np.shape(x)) - 1,))


def columns(x, start, stop):
    """Columns ``start:stop`` of each matrix of ``x``."""
    shape = tuple(np.shape(x))
    begin = (0,) * (len(shape) - 1) + (start,)
    return slice_p.bind(x, start=begin, limit=shape[:-1] + (stop,), step=(1,) * len(shape))


def inverse_gaps(v):
    """``F[..., i, j] = 1 / (v_j - v_i)`` off the diagonal and 0 on it: infinite where two
    values are equal (the derivative is then undefined)."""
    k = np.shape(v)[-1]
    eye = _eye(v, k)
    with np.errstate(divide="ignore"):  # eager NumPy: the infinity is meant (and documented)
        return 1.0 / (as_rows(v, k) - as_columns(v, k) + eye) - eye


def scale_nonzero(x, f):
    """``x * f``, with 0 where ``x`` is exactly 0 even if ``f`` is infinite: a cotangent or
    tangent that is zero contributes nothing, as a symbolic zero would (JAX's ``Zero``)."""
    zero = zeros_like(x)
    with np.errstate(invalid="ignore"):  # eager NumPy: 0 * inf, discarded by the select
        return ew.select_p.bind(ew.eq_p.bind(x, zero), zero, x * f)


def check_stack(name, a):
    """``a`` (an aval) must be a floating-point matrix or a stack of them."""
    if a.ndim < 2:
        raise ValueError(f"{name}: expected a matrix (or a stack of them, shape (..., m, n)), "
                         f"got shape {a.shape} (at {user_frame()}).")
    float_check(name, a)


# --- svd: a = u @ diag(s) @ vt ------------------------------------------------------------------

_FULL_SVD = ("svd: the derivative of full_matrices=True for a non-square matrix is not defined "
             "(the extra columns of u or rows of vt are any orthonormal basis of a complement). "
             "Use full_matrices=False (at {}).")


def _svd_impl(a, full_matrices, compute_uv):
    if not compute_uv:
        return [np.linalg.svd(a, compute_uv=False)]
    return list(np.linalg.svd(a, full_matrices=full_matrices))


def _svd_abstract(a, full_matrices, compute_uv):
    check_stack("svd", a)
    *batch, m, n = a.shape
    k = min(m, n)
    s = ShapedArray(tuple(batch) + (k,), a.dtype)
    if not compute_uv:
        return [s]
    mu, nv = (m, n) if full_matrices else (k, k)
    return [ShapedArray(tuple(batch) + (m, mu), a.dtype), s,
            ShapedArray(tuple(batch) + (nv, n), a.dtype)]


def _reduced_svd(a):
    return svd_p.bind(a, full_matrices=False, compute_uv=True)


def _check_full(a, full_matrices):
    m, n = np.shape(a)[-2:]
    if full_matrices and m != n:
        raise NotImplementedError(_FULL_SVD.format(user_frame()))


def _svd_jvp(primals, tangents, full_matrices, compute_uv):
    (a,), (da,) = primals, tangents
    _check_full(a, full_matrices)
    u, s, vt = _reduced_svd(a)
    v = swap_last(vt)
    dp = matmul(matmul(swap_last(u), da), v)  # U^T dA V
    ds = diag_part(dp)
    if not compute_uv:
        return [s], [ds]
    (m, n), k = np.shape(a)[-2:], np.shape(s)[-1]
    f = inverse_gaps(s * s)
    dps = dp * as_rows(s, k)  # dP S; S dP^T is its transpose
    sdp = dp * as_columns(s, k)  # S dP; dP^T S is its transpose
    du = matmul(u, scale_nonzero(dps + swap_last(dps), f))
    dv = matmul(v, scale_nonzero(sdp + swap_last(sdp), f))
    if m > k:  # the part of dA V outside range(U), over s
        dav = matmul(da, v)
        du = du + (dav - matmul(u, matmul(swap_last(u), dav))) / as_rows(s, m)
    if n > k:
        dau = matmul(swap_last(da), u)
        dv = dv + (dau - matmul(v, matmul(vt, dau))) / as_rows(s, n)
    return [u, s, vt], [du, ds, swap_last(dv)]


def _svd_vjp(cts, primals, out, full_matrices, compute_uv):
    a = primals[0]

    def ct_a():
        _check_full(a, full_matrices)
        if not compute_uv:
            u, _, vt = _reduced_svd(a)
            return matmul(u * as_rows(cts[0], np.shape(u)[-2]), vt)
        (u, s, vt), (cu, cs, cvt) = out, cts
        (m, n), k = np.shape(a)[-2:], np.shape(s)[-1]
        v, cv = swap_last(vt), swap_last(cvt)
        f = inverse_gaps(s * s)
        ut_cu, vt_cv = matmul(swap_last(u), cu), matmul(vt, cv)
        j = scale_nonzero(ut_cu - swap_last(ut_cu), f)
        kk = scale_nonzero(vt_cv - swap_last(vt_cv), f)
        inner = j * as_rows(s, k) + diag_embed(cs) + as_columns(s, k) * kk  # J S + S̄ + S K
        ga = matmul(matmul(u, inner), vt)
        if m > k:  # (I - U U^T) Ū S^-1 V^T
            ga = ga + matmul((cu - matmul(u, ut_cu)) / as_rows(s, m), vt)
        if n > k:  # U S^-1 V̄^T (I - V V^T)
            ga = ga + matmul(u, swap_last((cv - matmul(v, vt_cv)) / as_rows(s, n)))
        return ga
    return (ct_a,)


def _svd_call(e, ins, outs, wide):
    if not e.params["compute_uv"]:
        return K.svdvals_stack_(ins[0], wide, *outs)
    return K.svd_stack_(ins[0], wide, str(e.params["full_matrices"]), *outs)


svd_p = stack_primitive(
    "svd", Structural(lapack_emitter(_svd_call, double=True)), multiple_results=True,
    impl=lapack_errors("svd", _svd_impl, "the SVD did not converge (is there a NaN or inf "
                       "in the matrix?)"),
    abstract_eval=_svd_abstract, jvp=_svd_jvp, vjp=_svd_vjp)


# --- eigh: a = v @ diag(w) @ v.T for a symmetric a, w ascending -----------------------------------
# Like NumPy it reads one triangle of a (``lower``). The derivative treats a as symmetric (as
# cholesky's does, and JAX, PyTorch and autograd): a tangent counts by its symmetric part and
# cotangents come back symmetric.

def _eigh_impl(a, lower, vectors):
    uplo = "L" if lower else "U"
    if not vectors:
        return [np.linalg.eigvalsh(a, UPLO=uplo)]
    return list(np.linalg.eigh(a, UPLO=uplo))


def _eigh_abstract(a, lower, vectors):
    check_square("eigh", a)
    float_check("eigh", a)
    w = ShapedArray(a.shape[:-1], a.dtype)
    return [w, a] if vectors else [w]


def symmetric_part(x):
    """``(x + x^T) / 2`` for each matrix of ``x``."""
    return 0.5 * (x + swap_last(x))


def _eigh_jvp(primals, tangents, lower, vectors):
    (a,), (da,) = primals, tangents
    w, v = eigh_p.bind(a, lower=lower, vectors=True)
    p = matmul(matmul(swap_last(v), symmetric_part(da)), v)  # V^T dA V
    dw = diag_part(p)
    if not vectors:
        return [w], [dw]
    return [w, v], [dw, matmul(v, scale_nonzero(p, inverse_gaps(w)))]


def _eigh_vjp(cts, primals, out, lower, vectors):
    a = primals[0]

    def ct_a():
        if not vectors:
            w, v = eigh_p.bind(a, lower=lower, vectors=True)
            inner = diag_embed(cts[0])
        else:
            (w, v), (cw, cv) = out, cts
            inner = diag_embed(cw) + scale_nonzero(matmul(swap_last(v), cv), inverse_gaps(w))
        return symmetric_part(matmul(matmul(v, inner), swap_last(v)))
    return (ct_a,)


def _eigh_call(e, ins, outs, wide):
    kernel = K.eigh_stack_ if e.params["vectors"] else K.eigvalsh_stack_
    return kernel(ins[0], wide, str(e.params["lower"]), *outs)


eigh_p = stack_primitive(
    "eigh", Structural(lapack_emitter(_eigh_call, double=True)), multiple_results=True,
    impl=lapack_errors("eigh", _eigh_impl, "the eigenvalue iteration did not converge (is "
                       "there a NaN or inf in the matrix?)"),
    abstract_eval=_eigh_abstract, jvp=_eigh_jvp, vjp=_eigh_vjp)


# --- qr: a = q @ r, q with orthonormal columns, r upper triangular ------------------------------
# For a tall or square a (m >= n) the derivative goes through R^-1, so it is infinite where a's
# columns are dependent. A wide a (m < n) is [X | Y] with X square: Q R_X = X and R_Y = Q^T Y.
# mode "complete" of a tall a adds m - n columns to q that are any basis of a complement: no
# derivative, as in JAX.

def _qr_impl(a, full_matrices):
    return list(np.linalg.qr(a, mode="complete" if full_matrices else "reduced"))


def _qr_abstract(a, full_matrices):
    check_stack("qr", a)
    *batch, m, n = a.shape
    k = m if full_matrices else min(m, n)
    return [ShapedArray(tuple(batch) + (m, k), a.dtype),
            ShapedArray(tuple(batch) + (k, n), a.dtype)]


def _check_qr(a, full_matrices):
    m, n = np.shape(a)[-2:]
    if full_matrices and m > n:
        raise NotImplementedError(
            f"qr: the derivative of mode='complete' for a tall matrix ({m} x {n}) is not "
            "defined: the last m - n columns of q are any orthonormal basis of the complement "
            f"of a's columns. Use mode='reduced' (at {user_frame()}).")


def _tall_qr_jvp(q, r, da):
    dar = triangular_solve(r, da, left_side=False, lower=False)  # dA R^-1
    c = matmul(swap_last(q), dar)
    low = triangle(c, lower=True, k=-1)
    omega = low - swap_last(low)  # skew: Q^T dQ
    return matmul(q, omega - c) + dar, matmul(c - omega, r)


def _tall_qr_vjp(q, r, cq, cr):
    m = matmul(cr, swap_last(r)) - matmul(swap_last(q), cq)
    upper = triangle(m, lower=False, k=1)
    n = triangle(m, lower=False) + swap_last(upper)  # m's upper triangle, mirrored
    rhs = cq + matmul(q, n)
    return triangular_solve(r, rhs, left_side=False, lower=False, transpose_a=True)


def _qr_jvp(primals, tangents, full_matrices):
    (a,), (da,) = primals, tangents
    _check_qr(a, full_matrices)
    q, r = qr_p.bind(a, full_matrices=full_matrices)
    m, n = np.shape(a)[-2:]
    if m >= n:
        return [q, r], list(_tall_qr_jvp(q, r, da))
    dq, drx = _tall_qr_jvp(q, columns(r, 0, m), columns(da, 0, m))
    y, dy = columns(a, m, n), columns(da, m, n)
    dry = matmul(swap_last(dq), y) + matmul(swap_last(q), dy)
    return [q, r], [dq, concatenate([drx, dry], len(np.shape(a)) - 1)]


def _qr_vjp(cts, primals, out, full_matrices):
    a = primals[0]

    def ct_a():
        _check_qr(a, full_matrices)
        (q, r), (cq, cr) = out, cts
        m, n = np.shape(a)[-2:]
        if m >= n:
            return _tall_qr_vjp(q, r, cq, cr)
        cry = columns(cr, m, n)
        cq = cq + matmul(columns(a, m, n), swap_last(cry))  # through R_Y = Q^T Y
        cx = _tall_qr_vjp(q, columns(r, 0, m), cq, columns(cr, 0, m))
        return concatenate([cx, matmul(q, cry)], len(np.shape(a)) - 1)
    return (ct_a,)


qr_p = stack_primitive("qr", Structural(lapack_emitter(stack_kernel(K.qr_stack_))),
                       multiple_results=True,
                       impl=_qr_impl, abstract_eval=_qr_abstract, jvp=_qr_jvp, vjp=_qr_vjp)


# --- lu: a[perm] = l @ u, l unit lower triangular, u upper triangular (LAPACK's getrf) ----------
# Outputs: lu (l below the diagonal, u on and above it), piv (LAPACK's row interchanges, from 0,
# int32 as SciPy's) and perm (the permutation they make: ``a[perm] = l @ u``). Numba has no
# binding for getrf: under jit, lu runs with NumPy between compiled pieces.

def _lu_impl(a):
    import scipy.linalg  # here, not at the top: it would be most of `import funcgrad`
    *batch, m, n = a.shape
    flat = np.reshape(a, (-1, m, n))
    outs = ([], [], [])
    for x in flat:
        lu, piv = scipy.linalg.lu_factor(x, check_finite=False)
        for out, val in zip(outs, (lu, piv, _permutation(piv, m))):
            out.append(val)
    shapes, dtypes = ((m, n), (min(m, n),), (m,)), (a.dtype, np.int32, np.int32)
    return [np.reshape(np.array(o, dt), tuple(batch) + sh)
            for o, sh, dt in zip(outs, shapes, dtypes)]


def _permutation(piv, m):
    perm = np.arange(m, dtype=np.int32)
    for i, j in enumerate(piv):
        perm[i], perm[j] = perm[j], perm[i]
    return perm


def _lu_abstract(a):
    check_stack("lu", a)
    *batch, m, n = a.shape
    batch = tuple(batch)
    return [ShapedArray(batch + (m, n), a.dtype), ShapedArray(batch + (min(m, n),), np.int32),
            ShapedArray(batch + (m,), np.int32)]


def fit(x, rows, cols):
    """Each matrix of ``x`` cut or zero-padded to ``rows`` x ``cols``."""
    shape = tuple(np.shape(x))
    nd, (m, n) = len(shape), shape[-2:]
    if m > rows or n > cols:
        x = slice_p.bind(x, start=(0,) * nd, limit=shape[:-2] + (min(m, rows), min(n, cols)),
                         step=(1,) * nd)
    if m < rows or n < cols:
        config = ((0, 0, 0),) * (nd - 2) + ((0, max(rows - m, 0), 0), (0, max(cols - n, 0), 0))
        x = pad_p.bind(x, config=config)
    return x


def square_factors(lu):
    """``(l, u)`` from the packed ``lu`` (..., m, n), made square and invertible: l (m, m) unit
    lower triangular, u (n, n) upper triangular, an identity block completing the shorter one."""
    m, n = np.shape(lu)[-2:]
    l_sq = triangle(fit(lu, m, m), lower=True, k=-1) + np.eye(m, dtype=lu.dtype)
    u_sq = triangle(fit(lu, n, n), lower=False)
    if n > m:
        u_sq = u_sq + np.diag((np.arange(n) >= m).astype(lu.dtype))
    return l_sq, u_sq


def permutation_matrix(perm, dtype):
    """``P`` (..., m, m) with ``P @ x == x[..., perm, :]``, for the integer ``perm`` (..., m)."""
    m = np.shape(perm)[-1]
    iota = np.broadcast_to(np.arange(m, dtype=np.int32), np.shape(perm))
    hit = ew.eq_p.bind(as_columns(perm, m), as_rows(iota, m))
    return ew.convert_element_type(hit, np.dtype(dtype))


def _lu_jvp(primals, tangents):
    (a,), (da,) = primals, tangents
    lu, piv, perm = lu_p.bind(a)
    l_sq, u_sq = square_factors(lu)
    x = matmul(permutation_matrix(perm, a.dtype), da)
    x = triangular_solve(l_sq, x, left_side=True, lower=True)
    x = triangular_solve(u_sq, x, left_side=False, lower=False)  # X = L^-1 P^T dA U^-1
    dlu = matmul(l_sq, triangle(x, lower=True, k=-1)) + matmul(triangle(x, lower=False), u_sq)
    return [lu, piv, perm], [dlu, None, None]


def _lu_vjp(cts, primals, out):
    def ct_a():
        lu, _, perm = out
        c = cts[0]
        l_sq, u_sq = square_factors(lu)
        xbar = (triangle(matmul(swap_last(l_sq), c), lower=True, k=-1)
                + triangle(matmul(c, swap_last(u_sq)), lower=False))
        y = triangular_solve(l_sq, xbar, left_side=True, lower=True, transpose_a=True)
        y = triangular_solve(u_sq, y, left_side=False, lower=False, transpose_a=True)
        return matmul(swap_last(permutation_matrix(perm, lu.dtype)), y)
    return (ct_a,)


lu_p = stack_primitive("lu", NOT_SUPPORTED, multiple_results=True, impl=_lu_impl,
                       abstract_eval=_lu_abstract, jvp=_lu_jvp, vjp=_lu_vjp)


# --- lu_permutation: LAPACK's row interchanges -> the permutation they make --------------------

def _lu_permutation_impl(piv, m):
    *batch, k = np.shape(piv)
    flat = np.reshape(piv, (-1, k))
    return np.reshape(np.array([_permutation(p, m) for p in flat], np.int32).reshape(-1, m),
                      tuple(batch) + (m,))


def _lu_permutation_abstract(piv, m):
    if piv.ndim < 1 or piv.dtype.kind not in "iu" or piv.shape[-1] > m:
        raise ValueError(f"lu_permutation: expected integer pivots (..., k) with k <= {m}, got "
                         f"{piv} (at {user_frame()}).")
    return ShapedArray(piv.shape[:-1] + (m,), np.dtype(np.int32))


def _emit_lu_permutation(w, e):
    piv, v, m = e.inputs[0], e.outvars[0], e.params["m"]
    k = piv.aval.shape[-1]
    B = int(np.prod(piv.aval.shape[:-1], dtype=np.int64))
    p2 = K.reshape_(w.n(piv), f"({w.size(B)}, {w.size(k)})")
    t, b, i, j, s = w.fresh(), w.fresh("b"), w.fresh("i"), w.fresh("j"), w.fresh("s")
    w.emit(f"{t} = {K.empty_(w.shape((B, m)), 'np.int32')}")
    w.emit(f"for {b} in range({w.size(B)}):")
    w.emit(f"    for {i} in range({w.size(m)}):")
    w.emit(f"        {t}[{b}, {i}] = {i}")
    w.emit(f"    for {i} in range({w.size(k)}):")
    w.emit(f"        {j} = {p2}[{b}, {i}]")
    w.emit(f"        {s} = {t}[{b}, {i}]")
    w.emit(f"        {t}[{b}, {i}] = {t}[{b}, {j}]")
    w.emit(f"        {t}[{b}, {j}] = {s}")
    w.assign(v, f"{t}.reshape({w.shape(v.aval.shape)})")


lu_permutation_p = Primitive(
    "lu_permutation", differentiable=False, impl=_lu_permutation_impl,
    abstract_eval=_lu_permutation_abstract,
    batch=lambda vals, dims, m: front_batch(lu_permutation_p, vals, dims, {"m": m}),
    lowering=Structural(_emit_lu_permutation))
