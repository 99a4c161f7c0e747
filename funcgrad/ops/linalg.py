"""Linear algebra primitives: matrix products, solves, inverses and factorizations.

Every primitive takes stacks of matrices, shape ``(..., m, n)``, whose leading (batch) axes are
equal across operands: the NumPy layer (``funcgrad.numpy.linalg``) broadcasts them, so rules never
unbroadcast. Rules are written with these primitives and the shape/elementwise helpers, so they
differentiate again: the Hessian of ``log|det a|`` is the derivative of ``inv(a)^T``.

Primitives earn their place here by speed or numerics: ``solve`` is cheaper and more accurate
than ``inv(a) @ b``; ``triangular_solve`` costs O(n^2) per column where a general solve costs
O(n^3) (the Cholesky rules use it); ``inv``'s derivatives need only products with its output.
``det`` is a composition, ``sign * exp(logabsdet)``, in the NumPy layer.
"""
import numpy as np

from ..core.avals import ShapedArray
from ..core.ir import Eqn, Var
from ..core.lowering import Structural
from ..core.primitive import Primitive
from ..errors import user_frame
from . import kernel_names as K
from . import openblas
from .broadcasting import (
    all_front,
    broadcast_in_dim,
    broadcast_in_dim_p,
    move_batch_axis,
    reduce_sum,
    reduce_sum_p,
    reshape,
    reshape_p,
    transpose,
)
from .elementwise import mul_p


def swap_last(x):
    """Transpose each matrix of a stack (swap the last two axes)."""
    nd = len(np.shape(x))
    return transpose(x, tuple(range(nd - 2)) + (nd - 1, nd - 2))


def memo(f):
    """A thunk computing ``f()`` at most once (two cotangent thunks often share a solve)."""
    cell = []

    def thunk():
        if not cell:
            cell.append(f())
        return cell[0]
    return thunk


def lapack_errors(name, fn, problem):
    """``fn`` with LAPACK's failures re-raised naming the op, the problem and the user's line.

    The type stays ``np.linalg.LinAlgError`` (a ValueError), so code catching NumPy's error
    keeps working."""
    def impl(*args, **params):
        try:
            return fn(*args, **params)
        except np.linalg.LinAlgError as e:
            raise np.linalg.LinAlgError(f"{name}: {problem} (at {user_frame()}). "
                                        f"[LAPACK: {e}]") from None
    return impl


_SINGULAR = ("the matrix is singular (it has no inverse: LAPACK met an exactly zero pivot). "
             "Check for linearly dependent rows or columns, or regularize it (a + 1e-8 * I)")


def check_square(name, a):
    """``a`` (an aval) must be a square matrix or a stack of them."""
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise ValueError(f"{name}: expected a square matrix (or a stack of them, shape "
                         f"(..., n, n)), got shape {a.shape} (at {user_frame()}).")


def float_check(name, *avals):
    """The operands (avals) must be floating point, of one dtype."""
    for a in avals:
        if a.dtype.kind != "f":
            raise TypeError(f"{name}: expected floating-point matrices, got {a.dtype} "
                            f"(at {user_frame()}); convert with .astype(np.float64).")
    if len({a.dtype for a in avals}) > 1:
        raise TypeError(f"{name}: operand dtypes differ ({', '.join(str(a.dtype) for a in avals)})"
                        f" (at {user_frame()}); the NumPy layer promotes them first.")


def _rhs_check(name, a, b, left_side=True):
    """``b`` must be ``(..., n, k)`` (``(..., k, n)`` on the right) with ``a`` ``(..., n, n)``."""
    n = a.shape[-1]
    ok = (b.ndim == a.ndim and b.shape[:-2] == a.shape[:-2]
          and (b.shape[-2] if left_side else b.shape[-1]) == n)
    if not ok:
        want = "(..., n, k)" if left_side else "(..., k, n)"
        raise ValueError(f"{name}: a of shape {a.shape} and b of shape {b.shape} do not match: "
                         f"b must be {want} with the same leading axes as a (..., n, n) "
                         f"(at {user_frame()}).")


def triangle(x, lower, k=0):
    """The lower (or upper) triangle of each matrix in ``x`` from diagonal ``k`` on (``k=-1``:
    strictly below the diagonal, as ``np.tril``), the rest zero."""
    m, n = np.shape(x)[-2:]
    mask = np.tril(np.ones((m, n)), k) if lower else np.triu(np.ones((m, n)), k)
    return x * mask.astype(x.dtype)


def bcast_batch(x, shape):
    """``x`` of shape ``shape[:-2]`` broadcast over the two matrix axes of ``shape``."""
    return broadcast_in_dim(x, shape, tuple(range(len(shape) - 2)))


# --- batch rules: these primitives take leading batch axes already -----------------------------

def front_batch(prim, vals, dims, params):
    """Batch rule of a primitive on stacks of matrices: the batch axis first, as one more
    stack axis."""
    out = prim.bind(*all_front(vals, dims), **params)
    return out, ([0] * len(out) if prim.multiple_results else 0)


def stack_primitive(name, lowering, multiple_results=False, **rules):
    """A primitive on stacks of matrices with ``rules`` (impl, abstract_eval, jvp, vjp) whose
    batch rule is ``front_batch``."""
    def batch(vals, dims, **params):
        return front_batch(prim, vals, dims, params)
    prim = Primitive(name, multiple_results=multiple_results, batch=batch, lowering=lowering,
                     **rules)
    return prim


def _shared_matrix_batch(prim, vals, dims, params):
    """Batch rule for ``x = prim(a, b)``: a batch of right-hand sides against one shared ``a``
    is one solve with the batch folded into b's columns (rows, for a right-side solve): one
    factorization instead of one per example, and no broadcast copy of ``a``."""
    (a, b), (da, db) = vals, dims
    if da is not None:
        return front_batch(prim, vals, dims, params)
    nd = len(np.shape(b))  # b has a's rank + 1
    size = np.shape(b)[db]
    left = params.get("left_side", True)
    to = nd - 1 if left else nd - 2  # next to the axis the batch folds into
    b = move_batch_axis(b, db, to, size)
    shape = tuple(np.shape(b))
    if left:  # (..., n, k, B) -> (..., n, k*B)
        folded = reshape(b, shape[:-2] + (shape[-2] * size,))
    else:  # (..., k, B, n) -> (..., k*B, n)
        folded = reshape(b, shape[:-3] + (shape[-3] * size, shape[-1]))
    return reshape(prim.bind(a, folded, **params), shape), to


# --- emitters: generated code for stacks of matrices ------------------------------------------

def as_stack(w, x, batch):
    """Text of ``x`` (..., m, n) as a (batch, m, n) array."""
    shape = x.aval.shape
    return K.reshape_(w.n(x), f"({w.size(batch)}, {w.size(shape[-2])}, {w.size(shape[-1])})")


def batch_count(aval):
    """How many matrices a stack ``(..., m, n)`` holds."""
    return int(np.prod(aval.shape[:-2], dtype=np.int64))


def lapack_emitter(call, double=False):
    """Emitter running a kernel (``*_stack_``: Numba's LAPACK binding on each matrix) on the
    operands as ``(B, m, n)`` stacks, into outputs allocated as stacks.

    ``call(e, ins, outs, wide)`` gives the text of the kernel's call from the texts of the
    stacked operands, of the outputs and of the dtype a matrix is computed in: ``double``
    computes float32 operands in float64, rounded back, as NumPy does (a rank or a cutoff then
    agrees with NumPy's)."""
    def emit(w, e):
        a = e.inputs[0]
        B = batch_count(a.aval)
        ins = [as_stack(w, x, B) for x in e.inputs]
        outs = []
        for v in e.outvars:
            t = w.fresh()
            flat = (B,) + v.aval.shape[len(a.aval.shape) - 2:]
            w.emit(f"{t} = {K.empty_(w.shape(flat), w.dtype(v.aval.dtype))}")
            outs.append(t)
        wide = np.float64 if double and a.aval.dtype == np.float32 else a.aval.dtype
        w.emit(call(e, ins, outs, w.dtype(wide)))
        for v, t in zip(e.outvars, outs):
            w.assign_shaped(v, t if v.aval.shape == () else
                            f"{t}.reshape({w.shape(v.aval.shape)})")
    return emit


def stack_kernel(kernel):
    """``call`` for ``lapack_emitter``: ``kernel(*operands, *outputs)``."""
    return lambda e, ins, outs, wide: kernel(*ins, *outs)


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
    return (lambda: matmul_p.bind(ct, swap_last(y))), (lambda: matmul_p.bind(swap_last(x), ct))


def _matmul_batch(vals, dims):
    # A batch of matrices times one shared matrix is one larger matrix product (the batch
    # folded into the rows or columns), not a broadcast copy of the shared one per example.
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
    return front_batch(matmul_p, vals, dims, {})


def _emit_matmul(w, e):
    x, y = e.inputs
    v = e.outvars[0]
    if v.aval.ndim == 2:
        if v.aval.dtype.kind == "f":
            w.assign(v, K.dot_(w.n(x), w.n(y)))
        else:
            w.assign(v, K.matmul_loops_(w.n(x), w.n(y), K.zeros_(w.shape(v.aval.shape),
                                                                 w.dtype(v.aval.dtype))))
        return
    vs = v.aval.shape
    B = batch_count(v.aval)
    x3, y3 = as_stack(w, x, B), as_stack(w, y, B)
    out = K.empty_(f"({w.size(B)}, {w.size(vs[-2])}, {w.size(vs[-1])})", w.dtype(v.aval.dtype))
    w.assign(v, f"{K.matmul_batched_(x3, y3, out)}.reshape({w.shape(vs)})")


def _small_matmul_as_loops(e):
    """A 2-D outer product (``(m, 1) @ (1, n)``) or vector-matrix product (``(1, k) @ (k, n)``)
    as elementwise products and a reduction over axis 0, which fuse with their neighbours: no
    BLAS call, no result array. A matrix-vector product (``(m, k) @ (k, 1)``) stays a BLAS call:
    as loops it is a reduction along each row, which for short rows costs a loop entry per row
    (measured in W1, rows of 16: ~2 us against 0.25 us in BLAS). Size-1 dimensions are part of
    the structure, so this is safe to key on."""
    v = e.outvars[0]
    if v.aval.ndim != 2:
        return None
    x, y = e.inputs
    (m, k), n, dt = x.aval.shape, y.aval.shape[1], v.aval.dtype
    eqns = []

    def add(prim, ins, params, shape=None):  # the last one computes v itself
        out = v if shape is None else Var(ShapedArray(shape, dt))
        eqns.append(Eqn(prim, ins, params, [out]))
        return out

    if k == 1:  # outer product
        bx = add(broadcast_in_dim_p, [x], dict(shape=(m, n), dims=(0, 1)), (m, n))
        by = add(broadcast_in_dim_p, [y], dict(shape=(m, n), dims=(0, 1)), (m, n))
        add(mul_p, [bx, by], {})
    elif m == 1 and n > 1:  # vector @ matrix
        xv = add(reshape_p, [x], dict(shape=(k,)), (k,))
        bx = add(broadcast_in_dim_p, [xv], dict(shape=(k, n), dims=(0,)), (k, n))
        prod = add(mul_p, [bx, y], {}, (k, n))
        s = add(reduce_sum_p, [prod], dict(axes=(0,)), (n,))
        add(reshape_p, [s], {"shape": (1, n)})
    else:
        return None
    return eqns


def _identity_operand(e, known):
    """The operand a product with a constant identity matrix (in every batch entry) equals:
    ``jacfwd``'s basis pushed through a function's matrix product makes one. Equal exactly
    where the operand is finite; where it holds an inf or a nan, BLAS would also spread
    ``inf * 0 = nan`` along its row, which the operand itself does not."""
    v = e.outvars[0]
    for operand, other in ((e.inputs[0], e.inputs[1]), (e.inputs[1], e.inputs[0])):
        val = known.get(other) if isinstance(other, Var) else None
        if (val is not None and isinstance(operand, Var) and operand.aval == v.aval
                and val.shape[-1] == val.shape[-2]
                and np.array_equal(val, np.broadcast_to(np.eye(val.shape[-1]), val.shape))):
            return operand
    return None


matmul_p = Primitive("matmul", impl=openblas.matmul, abstract_eval=_matmul_abstract,
                     jvp=_matmul_jvp, vjp=_matmul_vjp, batch=_matmul_batch,
                     lowering=Structural(_emit_matmul, rewrite=_small_matmul_as_loops,
                                         fold=_identity_operand))


# --- solve: a (..., n, n), b (..., n, k) -> x with a @ x = b ----------------------------------

def _solve_abstract(a, b):
    check_square("solve", a)
    float_check("solve", a, b)
    _rhs_check("solve", a, b)
    return ShapedArray(b.shape, b.dtype)


def _solve_jvp(primals, tangents):
    a, b = primals
    ta, tb = tangents
    x = solve_p.bind(a, b)
    rhs = tb  # a dx = db - da x
    if ta is not None:
        rhs = -matmul_p.bind(ta, x) if rhs is None else rhs - matmul_p.bind(ta, x)
    return x, solve_p.bind(a, rhs)


def _solve_vjp(ct, primals, out):
    a, b = primals
    ct_b = memo(lambda: solve_p.bind(swap_last(a), ct))  # a^-T ct
    return (lambda: -matmul_p.bind(ct_b(), swap_last(out))), ct_b


solve_p = Primitive(
    "solve", impl=lapack_errors("solve", np.linalg.solve, _SINGULAR), abstract_eval=_solve_abstract,
    jvp=_solve_jvp, vjp=_solve_vjp,
    batch=lambda vals, dims: _shared_matrix_batch(solve_p, vals, dims, {}),
    lowering=Structural(lapack_emitter(stack_kernel(K.solve_stack_))))


# --- triangular_solve: op(a) x = b (left_side) or x op(a) = b, op(a) = a or a^T ---------------
# Only the lower (lower=True) or upper triangle of a is read, diagonal included; the rest may
# hold anything and gets no gradient.

def _trisolve_impl(a, b, left_side, lower, transpose_a):
    import scipy.linalg  # here, not at the top: importing it is most of `import funcgrad`
    if left_side:
        return scipy.linalg.solve_triangular(a, b, trans=int(transpose_a), lower=lower,
                                             check_finite=False)
    # x op(a) = b  <=>  op(a)^T x^T = b^T
    xt = scipy.linalg.solve_triangular(a, np.swapaxes(b, -1, -2), trans=int(not transpose_a),
                                       lower=lower, check_finite=False)
    return np.swapaxes(xt, -1, -2)


def _trisolve_abstract(a, b, left_side, lower, transpose_a):
    check_square("triangular_solve", a)
    float_check("triangular_solve", a, b)
    _rhs_check("triangular_solve", a, b, left_side)
    return ShapedArray(b.shape, b.dtype)


def _op(a, transpose_a):
    return swap_last(a) if transpose_a else a


def _trisolve_jvp(primals, tangents, left_side, lower, transpose_a):
    a, b = primals
    ta, tb = tangents
    params = dict(left_side=left_side, lower=lower, transpose_a=transpose_a)
    x = triangular_solve_p.bind(a, b, **params)
    rhs = tb  # op(a) dx = db - op(da) x, or dx op(a) = db - x op(da)
    if ta is not None:
        dop = _op(triangle(ta, lower), transpose_a)
        dax = matmul_p.bind(dop, x) if left_side else matmul_p.bind(x, dop)
        rhs = -dax if rhs is None else rhs - dax
    return x, triangular_solve_p.bind(a, rhs, **params)


def _trisolve_vjp(ct, primals, out, left_side, lower, transpose_a):
    a, b = primals
    # the adjoint solve: op(a)^-T ct (left) or ct op(a)^-T (right)
    ct_b = memo(lambda: triangular_solve_p.bind(a, ct, left_side=left_side, lower=lower,
                                                 transpose_a=not transpose_a))

    def ct_a():
        g = ct_b()
        if left_side:  # ct of op(a) is -ct_b x^T; of a, its transpose when op transposes
            ct_op = matmul_p.bind(out, swap_last(g)) if transpose_a else \
                matmul_p.bind(g, swap_last(out))
        else:  # ct of op(a) is -x^T ct_b
            ct_op = matmul_p.bind(swap_last(g), out) if transpose_a else \
                matmul_p.bind(swap_last(out), g)
        return -triangle(ct_op, lower)
    return ct_a, ct_b


def _emit_triangular_solve(w, e):
    a, b = e.inputs
    v = e.outvars[0]
    p = e.params
    B = batch_count(b.aval)
    a3, b3 = as_stack(w, a, B), as_stack(w, b, B)
    if p["left_side"]:
        x = K.trisolve_(a3, b3, str(p["lower"]), str(p["transpose_a"]))
    else:  # x op(a) = b  <=>  op(a)^T x^T = b^T
        # the kernels, not Numba's np.transpose, which compiles anew in every process (~5 s);
        # trisolve_ reads the strided view as it is (np.ascontiguousarray would compile too)
        bt = K.transpose_(b3, "(0, 2, 1)")
        x = K.transpose_(K.trisolve_(a3, bt, str(p["lower"]), str(not p["transpose_a"])),
                         "(0, 2, 1)")
    w.assign(v, K.reshape_(x, w.shape(v.aval.shape)))


triangular_solve_p = Primitive(
    "triangular_solve", impl=lapack_errors("triangular_solve", _trisolve_impl, _SINGULAR),
    abstract_eval=_trisolve_abstract, jvp=_trisolve_jvp, vjp=_trisolve_vjp,
    batch=lambda vals, dims, **p: _shared_matrix_batch(triangular_solve_p, vals, dims, p),
    lowering=Structural(_emit_triangular_solve))


def triangular_solve(a, b, *, left_side=True, lower=True, transpose_a=False):
    """Solve ``op(a) @ x = b`` (``left_side``) or ``x @ op(a) = b`` with ``a`` triangular."""
    return triangular_solve_p.bind(a, b, left_side=bool(left_side), lower=bool(lower),
                                   transpose_a=bool(transpose_a))


# --- inv --------------------------------------------------------------------------------------
# Its derivatives need only products with the output: d inv = -inv da inv.

def _inv_abstract(a):
    check_square("inv", a)
    float_check("inv", a)
    return a


def _inv_jvp(primals, tangents):
    a, ta = primals[0], tangents[0]
    out = inv_p.bind(a)
    return out, -matmul_p.bind(matmul_p.bind(out, ta), out)


def _inv_vjp(ct, primals, out):
    out_t = swap_last(out)
    return (lambda: -matmul_p.bind(matmul_p.bind(out_t, ct), out_t),)


inv_p = Primitive("inv", impl=lapack_errors("inv", np.linalg.inv, _SINGULAR + " (the derivatives "
                                            "of det and slogdet need the inverse too)"),
                  abstract_eval=_inv_abstract, jvp=_inv_jvp, vjp=_inv_vjp,
                  batch=lambda vals, dims: front_batch(inv_p, vals, dims, {}),
                  lowering=Structural(lapack_emitter(stack_kernel(K.inv_stack_))))


# --- slogdet: (sign, log|det a|) --------------------------------------------------------------
# sign is piecewise constant: no derivative. d log|det a| = trace(a^-1 da) = sum(a^-T * da).

def _slogdet_abstract(a):
    check_square("slogdet", a)
    float_check("slogdet", a)
    return [ShapedArray(a.shape[:-2], a.dtype), ShapedArray(a.shape[:-2], a.dtype)]


def _slogdet_impl(a):
    sign, logdet = np.linalg.slogdet(a)
    return [np.asarray(sign, a.dtype), np.asarray(logdet, a.dtype)]


def _slogdet_jvp(primals, tangents):
    a, ta = primals[0], tangents[0]
    sign, logdet = slogdet_p.bind(a)
    nd = len(np.shape(a))
    t = reduce_sum(swap_last(inv_p.bind(a)) * ta, (nd - 2, nd - 1))
    return [sign, logdet], [None, t]


def _slogdet_vjp(cts, primals, out):
    a = primals[0]
    ct_log = cts[1]
    return (lambda: bcast_batch(ct_log, np.shape(a)) * swap_last(inv_p.bind(a)),)


slogdet_p = Primitive("slogdet", multiple_results=True, impl=_slogdet_impl,
                      abstract_eval=_slogdet_abstract, jvp=_slogdet_jvp, vjp=_slogdet_vjp,
                      batch=lambda vals, dims: front_batch(slogdet_p, vals, dims, {}),
                      lowering=Structural(lapack_emitter(stack_kernel(K.slogdet_stack_))))


# --- cholesky: lower-triangular L with L L^T = a ----------------------------------------------
# NumPy reads only a's lower triangle. The derivative treats a as symmetric (as JAX, PyTorch and
# autograd do): a tangent counts by its symmetric part and cotangents come back symmetric, so
# gradients with respect to a symmetric parameter are right and stay symmetric.

def _phi(x):
    """Lower triangle with the diagonal halved."""
    n = np.shape(x)[-1]
    mask = np.tril(np.ones((n, n)), -1) + 0.5 * np.eye(n)
    return x * mask.astype(x.dtype)


def _cholesky_abstract(a):
    check_square("cholesky", a)
    float_check("cholesky", a)
    return a


def _cholesky_jvp(primals, tangents):
    a, ta = primals[0], tangents[0]
    L = cholesky_p.bind(a)
    # dL = L Phi(L^-1 dA L^-T), dA the symmetric part of the tangent
    s = 0.5 * (ta + swap_last(ta))
    x = triangular_solve(L, s, left_side=True, lower=True)
    x = triangular_solve(L, x, left_side=False, lower=True, transpose_a=True)
    return L, matmul_p.bind(L, _phi(x))


def _cholesky_vjp(ct, primals, out):
    L = out

    def ct_a():
        # Murray (2016), "Differentiation of the Cholesky decomposition":
        # S = L^-T Phi(L^T ct) L^-1, ct_a = (S + S^T) / 2
        p = _phi(matmul_p.bind(swap_last(L), ct))
        s = triangular_solve(L, p, left_side=True, lower=True, transpose_a=True)
        s = triangular_solve(L, s, left_side=False, lower=True)
        return 0.5 * (s + swap_last(s))
    return (ct_a,)


cholesky_p = Primitive("cholesky", impl=lapack_errors(
    "cholesky", np.linalg.cholesky, "the matrix is not positive definite. cholesky needs a "
    "symmetric positive-definite matrix; if yours is only semi-definite, add a small multiple "
    "of the identity (a + 1e-8 * I)"),
    abstract_eval=_cholesky_abstract, jvp=_cholesky_jvp, vjp=_cholesky_vjp,
    batch=lambda vals, dims: front_batch(cholesky_p, vals, dims, {}),
    lowering=Structural(lapack_emitter(stack_kernel(K.cholesky_stack_))))


