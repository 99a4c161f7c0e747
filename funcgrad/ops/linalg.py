"""Linear algebra primitives: (batched) matrix products and factorizations."""
import numpy as np

from ..core.avals import ShapedArray
from ..core.primitive import Primitive
from ..errors import user_frame
from .shape import all_front, transpose


def _swap_last(x):
    nd = len(np.shape(x))
    return transpose(x, tuple(range(nd - 2)) + (nd - 1, nd - 2))


# --- matmul: x (..., m, k) @ y (..., k, n), equal batch dims (the NumPy layer broadcasts) ------

def _matmul_abstract(x, y):
    if (x.ndim < 2 or x.ndim != y.ndim or x.shape[:-2] != y.shape[:-2]
            or x.shape[-1] != y.shape[-2]):
        raise ValueError(f"matmul: shapes {x.shape} and {y.shape} are not aligned: the last "
                         f"axis of the first ({x.shape[-1] if x.shape else None}) must equal "
                         f"the second-to-last of the second ({y.shape[-2] if y.ndim > 1 else None})"
                         f" (at {user_frame()}).")
    if x.dtype != y.dtype:
        raise TypeError(f"matmul: operand dtypes differ ({x.dtype}, {y.dtype})")
    return ShapedArray(x.shape[:-1] + y.shape[-1:], x.dtype)


def _matmul_jvp(primals, tangents):
    x, y = primals
    tx, ty = tangents
    out = matmul_p.bind(x, y)
    t = None
    if tx is not None:
        t = matmul_p.bind(tx, y)
    if ty is not None:
        t2 = matmul_p.bind(x, ty)
        t = t2 if t is None else t + t2
    return out, t


def _matmul_vjp(ct, primals, out):
    x, y = primals
    return (lambda: matmul_p.bind(ct, _swap_last(y))), (lambda: matmul_p.bind(_swap_last(x), ct))


matmul_p = Primitive("matmul", impl=np.matmul, abstract_eval=_matmul_abstract,
                     jvp=_matmul_jvp, vjp=_matmul_vjp)


def _square_check(name, a):
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise ValueError(f"{name}: expected a square matrix (or a stack of them, shape "
                         f"(..., n, n)), got shape {a.shape} (at {user_frame()}).")


def _float_check(name, a):
    if a.dtype.kind != "f":
        raise TypeError(f"{name}: expected a floating-point matrix, got {a.dtype}")


# --- solve: a (..., n, n), b (..., n, k) -> x with a @ x = b ----------------------------------

def _solve_abstract(a, b):
    _square_check("solve", a)
    _float_check("solve", a)
    if b.ndim != a.ndim or b.shape[:-2] != a.shape[:-2] or b.shape[-2] != a.shape[-1]:
        raise ValueError(f"solve: a of shape {a.shape} and b of shape {b.shape} do not match "
                         f"(b must be (..., n, k) with a (..., n, n)) (at {user_frame()}).")
    return ShapedArray(b.shape, b.dtype)


def _solve_vjp(ct, primals, out, **_):
    a, b = primals

    def ct_b():
        return solve_p.bind(_swap_last(a), ct)

    def ct_a():
        return -matmul_p.bind(solve_p.bind(_swap_last(a), ct), _swap_last(out))
    return ct_a, ct_b


def _solve_jvp(primals, tangents):
    a, b = primals
    ta, tb = tangents
    x = solve_p.bind(a, b)
    rhs = tb
    if ta is not None:
        rhs = -matmul_p.bind(ta, x) if rhs is None else rhs - matmul_p.bind(ta, x)
    return x, solve_p.bind(a, rhs)


solve_p = Primitive("solve", impl=lambda a, b: np.linalg.solve(a, b),
                    abstract_eval=_solve_abstract, vjp=_solve_vjp, jvp=_solve_jvp)


# --- slogdet: (sign, log|det|) ----------------------------------------------------------------

def _slogdet_abstract(a):
    _square_check("slogdet", a)
    _float_check("slogdet", a)
    return [ShapedArray(a.shape[:-2], a.dtype), ShapedArray(a.shape[:-2], a.dtype)]


def _eye_like(a):
    from .shape import broadcast_in_dim
    n = np.shape(a)[-1]
    return broadcast_in_dim(np.eye(n, dtype=a.dtype), np.shape(a), (len(np.shape(a)) - 2,
                                                                     len(np.shape(a)) - 1))


def _slogdet_vjp(cts, primals, out):
    from .shape import broadcast_in_dim
    a = primals[0]
    ct_log = cts[1]
    nd = len(np.shape(a))

    def ct_a():
        inv_t = solve_p.bind(_swap_last(a), _eye_like(a))  # inv(a)^T
        return broadcast_in_dim(ct_log, np.shape(a), tuple(range(nd - 2))) * inv_t
    return (ct_a,)


def _slogdet_jvp(primals, tangents):
    from .reductions import reduce_sum
    a, ta = primals[0], tangents[0]
    sign, logdet = slogdet_p.bind(a)
    nd = len(np.shape(a))
    # d log|det a| = trace(a^-1 da) = sum(inv(a)^T * da)
    inv_t = solve_p.bind(_swap_last(a), _eye_like(a))
    return [sign, logdet], [None, reduce_sum(inv_t * ta, (nd - 2, nd - 1))]


def _slogdet_impl(a):
    s, l = np.linalg.slogdet(a)
    return [np.asarray(s, a.dtype), np.asarray(l, a.dtype)]


slogdet_p = Primitive("slogdet", multiple_results=True, impl=_slogdet_impl,
                      abstract_eval=_slogdet_abstract, vjp=_slogdet_vjp, jvp=_slogdet_jvp)


# --- cholesky: lower-triangular L with L L^T = a ----------------------------------------------

def _phi(x):
    """Lower triangle with the diagonal halved."""
    n = np.shape(x)[-1]
    mask = np.tril(np.ones((n, n)), -1) + 0.5 * np.eye(n)
    return x * mask.astype(x.dtype)


def _cholesky_vjp(ct, primals, out):
    L = out

    def ct_a():
        # Murray (2016): S = L^-T Phi(L^T ct) L^-1, ct_a = (S + S^T) / 2
        p = _phi(matmul_p.bind(_swap_last(L), ct))
        linv_t_p = solve_p.bind(_swap_last(L), p)
        s = _swap_last(solve_p.bind(_swap_last(L), _swap_last(linv_t_p)))
        return 0.5 * (s + _swap_last(s))
    return (ct_a,)


def _cholesky_jvp(primals, tangents):
    a, ta = primals[0], tangents[0]
    L = cholesky_p.bind(a)
    # dL = L Phi(L^-1 dA L^-T)
    x = solve_p.bind(L, ta)
    x = _swap_last(solve_p.bind(L, _swap_last(x)))
    return L, matmul_p.bind(L, _phi(x))


def _cholesky_abstract(a):
    _square_check("cholesky", a)
    _float_check("cholesky", a)
    return a


cholesky_p = Primitive("cholesky", impl=lambda a: np.linalg.cholesky(a),
                       abstract_eval=_cholesky_abstract, vjp=_cholesky_vjp, jvp=_cholesky_jvp)


# --- batch rules: these primitives take leading batch dimensions already ------------------------

def _front_rule(prim):
    def rule(vals, dims):
        out = prim.bind(*all_front(vals, dims))
        return out, ([0] * len(out) if prim.multiple_results else 0)
    return rule


for _p in (matmul_p, solve_p, slogdet_p, cholesky_p):
    _p.batch = _front_rule(_p)
del _p


def _matmul_batch(vals, dims):
    # A batch of matrices times one shared matrix is one larger matrix product (the batch
    # folded into the rows or columns), not a broadcast copy of the shared one per example.
    from .shape import move_batch_axis, reshape
    x, y = vals
    dx, dy = dims
    if dy is None and np.ndim(y) == 2:  # x: (B, m, k) -> (B*m, k)
        b, m, k = (np.shape(x)[dx],) + tuple(s for i, s in enumerate(np.shape(x)) if i != dx)
        x = reshape(move_batch_axis(x, dx, 0, b), (b * m, k))
        return reshape(matmul_p.bind(x, y), (b, m, np.shape(y)[1])), 0
    if dx is None and np.ndim(x) == 2:  # y: (B, k, n) -> (k, B*n)
        b, k, n = (np.shape(y)[dy],) + tuple(s for i, s in enumerate(np.shape(y)) if i != dy)
        y = reshape(move_batch_axis(y, dy, 1, b), (k, b * n))
        return reshape(matmul_p.bind(x, y), (np.shape(x)[0], b, n)), 1
    return _front_rule(matmul_p)(vals, dims)


matmul_p.batch = _matmul_batch
