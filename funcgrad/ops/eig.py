"""The eigendecomposition of general (non-symmetric) square matrices: ``eig``.

``eig[vectors]`` maps a stack ``a (..., n, n)``, real or complex, to its eigenvalues
``w (..., n)`` and, with ``vectors``, its right eigenvectors ``v (..., n, n)`` (columns of unit
2-norm, as LAPACK returns them). Both are always complex, as in JAX: NumPy returns real arrays
when every eigenvalue happens to be real, a dtype that depends on the values, which no traced
program can have.

Derivatives (JAX's conventions; the literature's formulas): with ``W = V^-1 dA V``,
``dw = diag(W)`` (the classic ``u^T dA v / u^T v``: the rows of ``V^-1`` are the left
eigenvectors so scaled) and ``dV = V (F * W)`` with ``F[i, j] = 1 / (w[j] - w[i])`` off the
diagonal and 0 on it, less ``V diag(Re(diag(V^H dV)))``, which keeps each column's norm at 1.
An eigenvector's phase is arbitrary (LAPACK fixes it one way, a perturbed matrix another), so
only phase-invariant functions of ``v`` (``|v|``, ``v v^H``, ...) have meaningful derivatives,
as in JAX. The VJP is the transpose of that JVP under ``Re(sum(ct * t))``: ``A_bar =
V^-T (diag(w_bar) + F * (V^T N^T(V_bar))) V^T``, where ``N^T(C) = C - conj(V) diag(Re(diag(
V^T C)))`` transposes the normalization, and its real part for a real ``a``.

Repeated eigenvalues: ``F`` is infinite there, so eigenvector derivatives are NaN or inf (as in
JAX); the eigenvalue formula ``diag(W)`` is wrong there (the perturbed eigenvalues are those of
a block of ``W``), so eigenvalue derivatives are NaN where an eigenvalue repeats exactly (JAX
returns the formula's number). Complex solves are real ones on the ``2n x 2n`` embedding
``[[Re, -Im], [Im, Re]]``, so the rules differentiate again like every other composition.

Under ``jit`` the primitive has no compiled form: the runner calls NumPy for it.
"""
import numpy as np

from ..core.avals import ShapedArray, is_complex, real_dtype
from ..core.primitive import NOT_SUPPORTED, Primitive
from ..errors import user_frame
from .broadcasting import all_front, broadcast_in_dim, reduce_sum, transpose
from .complex import complex_dtype, complex_p, conj_p, imag_p, real_p
from .elementwise import convert_element_type, eq_p, gt_p, select_p
from .linalg import check_square, matmul_p, solve_p
from .shape import concatenate, slice_p


def _impl(a, vectors):
    a = np.asarray(a)
    dtype = complex_dtype(real_dtype(a.dtype))
    try:
        if vectors:
            w, v = np.linalg.eig(a)
            return [w.astype(dtype), v.astype(dtype)]
        return [np.linalg.eigvals(a).astype(dtype)]
    except np.linalg.LinAlgError as e:
        raise np.linalg.LinAlgError(f"eig: the eigenvalue iteration did not converge (at "
                                    f"{user_frame()}). [LAPACK: {e}]") from None


def _abstract(a, vectors):
    check_square("eig", a)
    if a.dtype.kind not in "fc":
        raise TypeError(f"eig: expected a floating-point or complex matrix, got {a} (at "
                        f"{user_frame()}); the NumPy layer converts integers.")
    dtype = complex_dtype(real_dtype(a.dtype))
    w = ShapedArray(a.shape[:-1], dtype)
    return [w, ShapedArray(a.shape, dtype)] if vectors else [w]


# --- traceable helpers on stacks of complex matrices ------------------------------------------

def _mT(x):
    nd = len(np.shape(x))
    return transpose(x, tuple(range(nd - 2)) + (nd - 1, nd - 2))


def _part(x, axis, lo, hi):
    shape = np.shape(x)
    start = tuple(lo if i == axis else 0 for i in range(len(shape)))
    limit = tuple(hi if i == axis else d for i, d in enumerate(shape))
    return slice_p.bind(x, start=start, limit=limit, step=(1,) * len(shape))


def _solve(a, b):
    """``a^-1 b`` for complex stacks, as a real solve of twice the size."""
    n, nd = np.shape(a)[-1], len(np.shape(a))
    p, q = real_p.bind(a), imag_p.bind(a)
    big = concatenate([concatenate([p, -q], nd - 1), concatenate([q, p], nd - 1)], nd - 2)
    x = solve_p.bind(big, concatenate([real_p.bind(b), imag_p.bind(b)], nd - 2))
    return complex_p.bind(_part(x, nd - 2, 0, n), _part(x, nd - 2, n, 2 * n))


def _eye(shape, dtype):
    n = shape[-1]
    return broadcast_in_dim(np.eye(n, dtype=dtype), shape, (len(shape) - 2, len(shape) - 1))


def _diag(x):
    """The diagonals of a stack of matrices, shape ``(..., n)``."""
    return reduce_sum(x * _eye(np.shape(x), x.dtype), (len(np.shape(x)) - 1,))


def _rows(w, shape):
    """``w (..., n)`` along the last axis of a stack of shape ``(..., n, n)``: ``out[.., i, j]
    = w[.., j]``."""
    nd = len(shape)
    return broadcast_in_dim(w, shape, tuple(range(nd - 2)) + (nd - 1,))


def _gaps(w, shape):
    """``F[.., i, j] = 1 / (w[j] - w[i])`` off the diagonal, 0 on it."""
    eye = _eye(shape, np.dtype(bool))
    gap = _rows(w, shape) - _mT(_rows(w, shape))
    safe = select_p.bind(eye, np.ones((), w.dtype), gap)
    return select_p.bind(eye, np.zeros((), w.dtype), 1.0 / safe)


def _nan_where_repeated(dw, w):
    """``dw`` with NaN where the eigenvalue repeats exactly (the formula does not hold)."""
    shape = np.shape(w) + np.shape(w)[-1:]
    same = eq_p.bind(_rows(w, shape), _mT(_rows(w, shape)))
    count = reduce_sum(convert_element_type(same, real_dtype(w.dtype)), (len(shape) - 1,))
    repeated = gt_p.bind(count, np.ones((), count.dtype))
    return select_p.bind(repeated, np.full((), np.nan, dw.dtype), dw)


def _as_complex(x, dtype):
    return x if x.dtype == dtype else convert_element_type(x, dtype)


# --- rules ------------------------------------------------------------------------------------

def _jvp(primals, tangents, vectors):
    a, da = primals[0], tangents[0]
    w, v = eig_p.bind(a, vectors=True)
    dW = _solve(v, matmul_p.bind(_as_complex(da, w.dtype), v))
    dw = _nan_where_repeated(_diag(dW), w)
    if not vectors:
        return [w], [dw]
    dv = matmul_p.bind(v, _gaps(w, np.shape(v)) * dW)
    # keep the columns' norms: dv -= v Re(diag(v^H dv))
    keep = _diag(matmul_p.bind(_mT(conj_p.bind(v)), dv))
    dv = dv - v * _rows(_as_complex(real_p.bind(keep), w.dtype), np.shape(v))
    return [w, v], [dw, dv]


def _vjp(cts, primals, out, vectors):
    a = primals[0]

    def ct_a():
        w_bar = cts[0]
        w, v = (out[0], out[1]) if vectors else eig_p.bind(a, vectors=True)
        shape = np.shape(v)
        w_bar = _nan_where_repeated(_as_complex(w_bar, w.dtype), w)
        inner = _rows(w_bar, shape) * _eye(shape, w.dtype)
        if vectors:
            v_bar = _as_complex(cts[1], w.dtype)
            kept = real_p.bind(_diag(matmul_p.bind(_mT(v), v_bar)))
            v_bar = v_bar - conj_p.bind(v) * _rows(_as_complex(kept, w.dtype), shape)
            inner = inner + _gaps(w, shape) * matmul_p.bind(_mT(v), v_bar)
        a_bar = _solve(_mT(v), matmul_p.bind(inner, _mT(v)))
        return a_bar if is_complex(a.dtype) else convert_element_type(a_bar, a.dtype)
    return (ct_a,)


def _batch(vals, dims, vectors):
    (a,) = all_front(vals, dims)
    out = eig_p.bind(a, vectors=vectors)
    return out, [0] * len(out)


eig_p = Primitive("eig", multiple_results=True, impl=_impl, abstract_eval=_abstract, jvp=_jvp,
                  vjp=_vjp, batch=_batch,
                  lowering=NOT_SUPPORTED)  # the runner calls NumPy between compiled pieces
