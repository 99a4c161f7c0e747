"""Table rows for linear algebra (see primitive_table.py).

Inputs are well conditioned: general matrices are ``uniform(-1, 1) + 2n I`` (diagonally
dominant), symmetric positive-definite ones ``B B^T + n I``, triangular solves read a triangle of
such a matrix. Rows whose reference is NumPy/SciPy compare the values with them.
"""
import numpy as np
import scipy.linalg
from primitive_table import Row

import funcgrad.numpy as fnp
from funcgrad.ops import linalg as la


def wellcond(shape):
    def make(rng, dtype):
        n = shape[-1]
        return (rng.uniform(-1, 1, size=shape) + 2 * n * np.eye(n)).astype(dtype)
    return make


def spd(shape):
    def make(rng, dtype):
        b = rng.uniform(-1, 1, size=shape)
        return (b @ np.swapaxes(b, -1, -2) + shape[-1] * np.eye(shape[-1])).astype(dtype)
    return make


def rhs(shape):
    return lambda rng, dtype: rng.uniform(-1, 1, size=shape).astype(dtype)


def mk(*makers):
    return lambda rng, dtype: tuple(m(rng, dtype) for m in makers)


def sym(a):
    """Symmetric part: cholesky's derivative treats its input as symmetric (see ops/linalg.py),
    so finite differences in arbitrary directions are taken through this."""
    return (a + np.swapaxes(a, -1, -2)) / 2


def trisolve_row(name, left, lower, transpose_a, a_shape, b_shape):
    def fun(a, b):
        return la.triangular_solve(a, b, left_side=left, lower=lower, transpose_a=transpose_a)

    def ref(a, b):
        if left:
            return scipy.linalg.solve_triangular(a, b, lower=lower, trans=int(transpose_a))
        xt = scipy.linalg.solve_triangular(a, np.swapaxes(b, -1, -2), lower=lower,
                                           trans=int(not transpose_a))
        return np.swapaxes(xt, -1, -2)
    return Row(name, fun, mk(wellcond(a_shape), rhs(b_shape)), np_ref=ref)


L = fnp.linalg
ROWS = [
    Row("linalg_matmul", L.matmul, mk(rhs((2, 3, 4)), rhs((2, 4, 2))), np_ref=np.linalg.matmul),
    # solve: matrix, vector (NumPy 2: only a 1-D b is a vector), stacks, broadcast stacks, one
    # matrix shared by a stack of right-hand sides (folded into one solve)
    Row("solve", L.solve, mk(wellcond((3, 3)), rhs((3, 2))), np_ref=np.linalg.solve),
    Row("solve_vector", L.solve, mk(wellcond((3, 3)), rhs((3,))), np_ref=np.linalg.solve),
    Row("solve_batched", L.solve, mk(wellcond((2, 3, 3)), rhs((2, 3, 1))),
        np_ref=np.linalg.solve),
    Row("solve_batched_vector", L.solve, mk(wellcond((2, 3, 3)), rhs((3,))),
        np_ref=np.linalg.solve),
    Row("solve_broadcast", L.solve, mk(wellcond((2, 1, 3, 3)), rhs((4, 3, 2))),
        np_ref=np.linalg.solve),
    Row("solve_shared_matrix", L.solve, mk(wellcond((3, 3)), rhs((2, 4, 3, 2))),
        np_ref=np.linalg.solve),
    # triangular_solve, every option
    trisolve_row("triangular_solve_left_lower", True, True, False, (3, 3), (3, 2)),
    trisolve_row("triangular_solve_left_upper_t", True, False, True, (2, 3, 3), (2, 3, 2)),
    trisolve_row("triangular_solve_right_lower_t", False, True, True, (3, 3), (2, 3)),
    trisolve_row("triangular_solve_right_upper", False, False, False, (2, 3, 3), (2, 1, 3)),
    # inverse and determinants
    Row("inv", L.inv, mk(wellcond((3, 3))), np_ref=np.linalg.inv),
    Row("inv_batched", L.inv, mk(wellcond((2, 3, 3))), np_ref=np.linalg.inv),
    Row("det", L.det, mk(wellcond((3, 3))), np_ref=np.linalg.det),
    Row("det_batched", L.det, mk(wellcond((2, 3, 3))), np_ref=np.linalg.det),
    Row("det_negative", lambda a: L.det(-a), mk(wellcond((3, 3))),
        np_ref=lambda a: np.linalg.det(-a)),
    Row("slogdet", lambda a: L.slogdet(a)[1], mk(wellcond((2, 3, 3))),
        np_ref=lambda a: np.linalg.slogdet(a)[1]),
    Row("slogdet_sign_times", lambda a: L.slogdet(a)[0] * a, mk(wellcond((3, 3))),
        np_ref=lambda a: np.linalg.slogdet(a)[0] * a),
    # cholesky
    Row("cholesky", lambda a: L.cholesky(sym(a)), mk(spd((3, 3))),
        np_ref=lambda a: np.linalg.cholesky(sym(a))),
    Row("cholesky_batched", lambda a: L.cholesky(sym(a)), mk(spd((2, 3, 3))),
        np_ref=lambda a: np.linalg.cholesky(sym(a))),
    Row("cholesky_upper", lambda a: L.cholesky(sym(a), upper=True), mk(spd((3, 3))),
        np_ref=lambda a: np.linalg.cholesky(sym(a), upper=True)),
    # norms (inputs away from 0 and from ties)
    Row("norm", L.norm, mk(rhs((3, 4))), np_ref=np.linalg.norm),
    Row("norm_3d", L.norm, mk(rhs((2, 3, 2))), np_ref=np.linalg.norm),
    Row("norm_axis", lambda x: L.norm(x, axis=1), mk(rhs((3, 4))),
        np_ref=lambda x: np.linalg.norm(x, axis=1)),
    Row("norm_axis_keepdims", lambda x: L.norm(x, axis=-1, keepdims=True), mk(rhs((3, 4))),
        np_ref=lambda x: np.linalg.norm(x, axis=-1, keepdims=True)),
    Row("norm_1", lambda x: L.norm(x, ord=1), mk(rhs((4,))),
        np_ref=lambda x: np.linalg.norm(x, ord=1)),
    Row("norm_inf", lambda x: L.norm(x, ord=np.inf), mk(rhs((4,))),
        np_ref=lambda x: np.linalg.norm(x, ord=np.inf)),
    Row("norm_neg_inf", lambda x: L.norm(x, ord=-np.inf, axis=0), mk(rhs((4, 2))),
        np_ref=lambda x: np.linalg.norm(x, ord=-np.inf, axis=0)),
    Row("norm_p3", lambda x: L.norm(x, ord=3, axis=1), mk(rhs((2, 4))),
        np_ref=lambda x: np.linalg.norm(x, ord=3, axis=1)),
    Row("norm_fro_axes", lambda x: L.norm(x, ord="fro", axis=(0, 2)), mk(rhs((2, 3, 4))),
        np_ref=lambda x: np.linalg.norm(x, ord="fro", axis=(0, 2))),
    Row("norm_matrix_1", lambda x: L.norm(x, ord=1), mk(rhs((3, 4))),
        np_ref=lambda x: np.linalg.norm(x, ord=1)),
    Row("norm_matrix_inf_axes", lambda x: L.norm(x, ord=np.inf, axis=(2, 0), keepdims=True),
        mk(rhs((3, 2, 4))),
        np_ref=lambda x: np.linalg.norm(x, ord=np.inf, axis=(2, 0), keepdims=True)),
    Row("vector_norm", lambda x: L.vector_norm(x, axis=(0, 1)), mk(rhs((2, 3, 2))),
        np_ref=lambda x: np.linalg.vector_norm(x, axis=(0, 1))),
    Row("matrix_norm_neg_1", lambda x: L.matrix_norm(x, ord=-1), mk(rhs((2, 3, 3))),
        np_ref=lambda x: np.linalg.matrix_norm(x, ord=-1)),
    # compositions under np.linalg names
    Row("matrix_power", lambda a: L.matrix_power(a, 3), mk(rhs((2, 3, 3))),
        np_ref=lambda a: np.linalg.matrix_power(a, 3)),
    Row("matrix_power_negative", lambda a: L.matrix_power(a, -2), mk(wellcond((3, 3))),
        np_ref=lambda a: np.linalg.matrix_power(a, -2)),
    Row("multi_dot", lambda a, b, c: L.multi_dot([a, b, c]), mk(rhs((4,)), rhs((4, 2)),
                                                                rhs((2, 3))),
        np_ref=lambda a, b, c: np.linalg.multi_dot([a, b, c])),
    Row("linalg_trace", L.trace, mk(rhs((2, 3, 3))), np_ref=np.linalg.trace),
    Row("vecdot", L.vecdot, mk(rhs((2, 3)), rhs((3,))), np_ref=np.linalg.vecdot),
]
