"""Matrix functions: ``pinv``, ``expm``, ``sqrtm`` and the Sylvester equation they lean on.

- ``pinv``: the Golub-Pereyra derivative (1973), exact while the rank is constant:
  ``dX = -X dA X + X X^T dA^T (I - A X) + (I - X A) dA^T X^T X``;
- ``expm``: the Fréchet derivative ``L(A, E)`` is the top-right block of
  ``expm([[A, E], [0, A]])`` (Mathias 1996; Higham, "Functions of Matrices", 3.2), exact to
  rounding; its adjoint is ``L(A^T, ·)``. Being ``expm`` again, it differentiates again;
- ``sqrtm``: ``X = sqrtm(A)`` gives ``X dX + dX X = dA``, a Sylvester equation;
- ``sylvester``: ``A Y + Y B = Q``; ``dY = sylvester(A, B, dQ - dA Y - Y dB)``.

Numba has none of SciPy's ``expm``, ``sqrtm`` or ``solve_sylvester``: under jit they run with
NumPy between compiled pieces. ``pinv`` compiles (Numba's ``np.linalg.pinv``, in a cached kernel).
"""
import numpy as np

from ..core.avals import ShapedArray
from ..core.lowering import Structural
from ..core.primitive import NOT_SUPPORTED
from ..errors import user_frame
from . import kernel_names as K
from .broadcasting import zeros_like
from .factorizations import check_stack, matmul, symmetric_part
from .linalg import (
    check_square,
    float_check,
    lapack_emitter,
    lapack_errors,
    memo,
    stack_primitive,
    swap_last,
)
from .shape import concatenate, slice_p


def _per_matrix(fn, *xs):
    """``fn`` applied to each matrix of equally stacked ``xs``, the results stacked."""
    shape = np.shape(xs[0])
    if len(shape) == 2:
        return fn(*xs)
    flat = [np.reshape(x, (-1,) + np.shape(x)[-2:]) for x in xs]
    outs = [fn(*ms) for ms in zip(*flat)]
    return np.reshape(np.array(outs), shape[:-2] + np.shape(outs[0]))


# --- pinv: Moore-Penrose pseudo-inverse, singular values <= rcond * max(s) dropped --------------
# hermitian=True reads a's lower triangle (as NumPy) and treats a as symmetric (as eigh does).

def _pinv_impl(a, rcond, hermitian):
    return np.linalg.pinv(a, rcond=rcond, hermitian=hermitian)


def _pinv_abstract(a, rcond, hermitian):
    check_stack("pinv", a)
    if hermitian:
        check_square("pinv", a)
    return ShapedArray(a.shape[:-2] + (a.shape[-1], a.shape[-2]), a.dtype)


def _pinv_jvp(primals, tangents, rcond, hermitian):
    (a,), (da,) = primals, tangents
    x = pinv_p.bind(a, rcond=rcond, hermitian=hermitian)
    if hermitian:
        da = symmetric_part(da)
    m, n = np.shape(a)[-2:]
    dat = swap_last(da)
    xt = swap_last(x)
    left = np.eye(m, dtype=x.dtype) - matmul(a, x)  # I - A X
    right = np.eye(n, dtype=x.dtype) - matmul(x, a)  # I - X A
    dx = (-matmul(matmul(x, da), x) + matmul(matmul(matmul(x, xt), dat), left)
          + matmul(matmul(right, dat), matmul(xt, x)))
    return x, dx


def _pinv_vjp(ct, primals, out, rcond, hermitian):
    a, x = primals[0], out

    def ct_a():
        m, n = np.shape(a)[-2:]
        xt, ctt = swap_last(x), swap_last(ct)
        left = np.eye(m, dtype=x.dtype) - matmul(a, x)
        right = np.eye(n, dtype=x.dtype) - matmul(x, a)
        g = (-matmul(matmul(xt, ct), xt) + matmul(matmul(left, ctt), matmul(x, xt))
             + matmul(matmul(xt, x), matmul(ctt, right)))
        return symmetric_part(g) if hermitian else g
    return (ct_a,)


def _pinv_call(e, ins, outs, wide):
    return K.pinv_stack_(ins[0], wide, repr(float(e.params["rcond"])), str(e.params["hermitian"]),
                         *outs)


pinv_p = stack_primitive(
    "pinv", Structural(lapack_emitter(_pinv_call, double=True)),
    impl=lapack_errors("pinv", _pinv_impl, "the SVD did not converge (is there a NaN or inf in "
                       "the matrix?)"),
    abstract_eval=_pinv_abstract, jvp=_pinv_jvp, vjp=_pinv_vjp)


# --- expm -------------------------------------------------------------------------------------

def _square_abstract(name):
    def abstract(a):
        check_square(name, a)
        float_check(name, a)
        return a
    return abstract


def _block_upper(a, e):
    """[[a, e], [0, a]] for each pair of matrices."""
    nd = len(np.shape(a))
    top = concatenate([a, e], nd - 1)
    bottom = concatenate([zeros_like(a), a], nd - 1)
    return concatenate([top, bottom], nd - 2)


def _top_right(x, n):
    nd = len(np.shape(x))
    return slice_p.bind(x, start=(0,) * (nd - 1) + (n,),
                        limit=tuple(np.shape(x)[:-2]) + (n, 2 * n), step=(1,) * nd)


def expm_frechet(a, e):
    """The Fréchet derivative of ``expm`` at ``a`` in the direction ``e``: ``L(a, e)``."""
    return _top_right(expm_p.bind(_block_upper(a, e)), np.shape(a)[-1])


def _expm_jvp(primals, tangents):
    (a,), (da,) = primals, tangents
    return expm_p.bind(a), expm_frechet(a, da)


def _expm_impl(a):
    import scipy.linalg  # here, not at the top: it would be most of `import funcgrad`
    return scipy.linalg.expm(a).astype(a.dtype, copy=False)


expm_p = stack_primitive(
    "expm", NOT_SUPPORTED, impl=_expm_impl,
    abstract_eval=_square_abstract("expm"), jvp=_expm_jvp,
    vjp=lambda ct, primals, out: (lambda: expm_frechet(swap_last(primals[0]), ct),))


# --- sylvester: y with a @ y + y @ b = q --------------------------------------------------------

def _sylvester_one(a, b, q):
    """Bartels-Stewart: a = u r u^T, b^T = v s v^T (real Schur forms), then LAPACK's trsyl for
    the quasi-triangular r y + y s^T = u^T q v. trsyl reports (info 1) when a and -b have
    (nearly) equal eigenvalues, which SciPy's solve_sylvester passes over silently."""
    import scipy.linalg  # here, not at the top: it would be most of `import funcgrad`
    r, u = scipy.linalg.schur(a, output="real")
    s, v = scipy.linalg.schur(b.T, output="real")
    f = u.T @ q @ v
    (trsyl,) = scipy.linalg.get_lapack_funcs(("trsyl",), (r, s, f))
    y, scale, info = trsyl(r, s, f, tranb="T")
    if info != 0:
        raise np.linalg.LinAlgError(
            f"solve_sylvester: a and -b share an eigenvalue (to working precision), so a @ y + "
            f"y @ b = q has no unique solution (at {user_frame()}). [LAPACK trsyl info {info}]")
    return u @ (scale * y) @ v.T


def _sylvester_impl(a, b, q):
    wide = [np.asarray(x, np.float64) for x in (a, b, q)]  # as NumPy computes float32
    return _per_matrix(_sylvester_one, *wide).astype(q.dtype, copy=False)


def _sylvester_abstract(a, b, q):
    check_square("solve_sylvester", a)
    check_square("solve_sylvester", b)
    float_check("solve_sylvester", a, b, q)
    if (q.shape[:-2] != a.shape[:-2] or b.shape[:-2] != a.shape[:-2]
            or q.shape[-2:] != (a.shape[-1], b.shape[-1])):
        raise ValueError(f"solve_sylvester: a {a.shape}, b {b.shape} and q {q.shape} do not "
                         f"match: q must be (..., {a.shape[-1]}, {b.shape[-1]}) with the same "
                         f"leading axes (at {user_frame()}).")
    return q


def _sylvester_jvp(primals, tangents):
    a, b, q = primals
    ta, tb, tq = tangents
    y = sylvester_p.bind(a, b, q)
    rhs = tq
    for t in (None if ta is None else -matmul(ta, y), None if tb is None else -matmul(y, tb)):
        if t is not None:
            rhs = t if rhs is None else rhs + t
    return y, sylvester_p.bind(a, b, rhs)


def _sylvester_vjp(ct, primals, out):
    a, b, _ = primals
    ct_q = memo(lambda: sylvester_p.bind(swap_last(a), swap_last(b), ct))
    return (lambda: -matmul(ct_q(), swap_last(out)), lambda: -matmul(swap_last(out), ct_q()),
            ct_q)


sylvester_p = stack_primitive("sylvester", NOT_SUPPORTED, impl=_sylvester_impl,
                              abstract_eval=_sylvester_abstract, jvp=_sylvester_jvp,
                              vjp=_sylvester_vjp)


# --- sqrtm: the principal square root, real when a has no eigenvalue on (-inf, 0] ---------------

def _sqrtm_one(a):
    import scipy.linalg  # here, not at the top: it would be most of `import funcgrad`
    x = scipy.linalg.sqrtm(a)
    if np.iscomplexobj(x):
        raise ValueError(
            "sqrtm: the principal square root of this real matrix is complex (it has a "
            "negative real eigenvalue), and complex results are not supported here "
            f"(at {user_frame()}).")
    return x


def _sqrtm_impl(a):
    return _per_matrix(_sqrtm_one, a).astype(a.dtype, copy=False)


def _sqrtm_jvp(primals, tangents):
    (a,), (da,) = primals, tangents
    x = sqrtm_p.bind(a)
    return x, sylvester_p.bind(x, x, da)


sqrtm_p = stack_primitive(
    "sqrtm", NOT_SUPPORTED, impl=_sqrtm_impl, abstract_eval=_square_abstract("sqrtm"),
    jvp=_sqrtm_jvp,
    vjp=lambda ct, primals, out: (lambda: sylvester_p.bind(swap_last(out), swap_last(out), ct),))
