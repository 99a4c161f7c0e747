"""Table rows for factorizations, pseudo-inverses, matrix functions and funcgrad.scipy.linalg
(see primitive_table.py).

Inputs keep derivatives well defined and float32 meaningful: singular values and eigenvalues
are separated (``separated``: a diagonal 1, 2, 3, ... plus a perturbation), symmetric inputs go
through ``sym`` (eigh's derivative treats its input as symmetric, so finite differences are
taken through the symmetric part). Singular vectors have arbitrary signs, so rows with vectors
return functions that do not depend on them (``u * s @ vh``, projectors ``u @ u.T``, ``|u|``);
QR and LU factors are unique as LAPACK computes them, so those rows return the factors.
"""
import numpy as np
import scipy.linalg
from primitive_table import Row
from table_linalg import mk, rhs, spd, sym, wellcond

import funcgrad.numpy as fnp
import funcgrad.scipy.linalg as fsl

L = fnp.linalg


def separated(shape, scale=0.3):
    """Singular values near 1, 2, ..., k (and, for a square matrix, eigenvalues of ``sym`` of
    it near the same), perturbed by ``scale``."""
    def make(rng, dtype):
        m, n = shape[-2:]
        base = np.eye(m, n) * np.arange(1, n + 1)
        return (base + scale * rng.uniform(-1, 1, size=shape)).astype(dtype)
    return make


def flat(*xs):
    """One vector of several results (a row returns one array)."""
    return fnp.concatenate([fnp.reshape(x, (-1,)) for x in xs])


def np_flat(*xs):
    return np.concatenate([np.reshape(x, (-1,)) for x in xs])


def gauge_free_svd(m, full_matrices=False, hermitian=False):
    """Functions of an svd (by NumPy or funcgrad.numpy, ``m``) that do not depend on the
    singular vectors' signs."""
    join = flat if m is fnp else np_flat

    def f(a):
        u, s, vh = m.linalg.svd(a, full_matrices=full_matrices, hermitian=hermitian)
        ut, v = m.swapaxes(u, -1, -2), m.swapaxes(vh, -1, -2)
        return join((u * s[..., None, :]) @ vh, u @ ut, v @ vh, m.abs(u), s)
    return f


def _eigh_gauge_free(m, a, uplo="L"):
    w, v = m.linalg.eigh(a, uplo)
    join = flat if m is fnp else np_flat
    return join((v * w[..., None, :] ** 3) @ m.swapaxes(v, -1, -2), m.abs(v), w)


ROWS = [
    # svd: values alone, and gauge-free functions of the vectors (tall, wide, square, stacks)
    Row("svd_values", lambda a: L.svd(a, compute_uv=False), mk(separated((4, 3))),
        np_ref=lambda a: np.linalg.svd(a, compute_uv=False)),
    Row("svd_values_stack_wide", L.svdvals, mk(separated((2, 2, 4))), np_ref=np.linalg.svdvals),
    Row("svd_vectors_tall", gauge_free_svd(fnp), mk(separated((4, 3))),
        np_ref=gauge_free_svd(np)),
    Row("svd_vectors_wide_stack", gauge_free_svd(fnp), mk(separated((2, 2, 3))),
        np_ref=gauge_free_svd(np)),
    Row("svd_full_square", gauge_free_svd(fnp, full_matrices=True), mk(separated((3, 3))),
        np_ref=gauge_free_svd(np, full_matrices=True)),
    Row("svd_hermitian", lambda a: gauge_free_svd(fnp, hermitian=True)(sym(a)),
        mk(separated((3, 3))), np_ref=lambda a: gauge_free_svd(np, hermitian=True)(sym(a))),
    # eigh: values, gauge-free functions of the vectors, either triangle, stacks
    Row("eigvalsh", lambda a: L.eigvalsh(sym(a)), mk(separated((2, 3, 3))),
        np_ref=lambda a: np.linalg.eigvalsh(sym(a))),
    Row("eigh_vectors", lambda a: _eigh_gauge_free(fnp, sym(a)), mk(separated((3, 3))),
        np_ref=lambda a: _eigh_gauge_free(np, sym(a))),
    Row("eigh_upper_stack", lambda a: _eigh_gauge_free(fnp, sym(a), "U"),
        mk(separated((2, 3, 3))), np_ref=lambda a: _eigh_gauge_free(np, sym(a), "U")),
    # qr: the factors themselves (LAPACK's Householder signs are smooth)
    Row("qr_tall", lambda a: flat(*L.qr(a)), mk(separated((4, 3))),
        np_ref=lambda a: np_flat(*np.linalg.qr(a))),
    Row("qr_wide", lambda a: flat(*L.qr(a)), mk(separated((2, 4))),
        np_ref=lambda a: np_flat(*np.linalg.qr(a))),
    Row("qr_stack_r", lambda a: L.qr(a, "r"), mk(separated((2, 3, 3))),
        np_ref=lambda a: np.linalg.qr(a, "r")),
    # pseudo-inverse, least squares, rank, condition numbers
    Row("pinv_tall", L.pinv, mk(separated((4, 3))), np_ref=np.linalg.pinv),
    Row("pinv_wide_stack", lambda a: L.pinv(a, rtol=None), mk(separated((2, 2, 3))),
        np_ref=lambda a: np.linalg.pinv(a, rtol=None)),
    Row("pinv_hermitian", lambda a: L.pinv(sym(a), hermitian=True), mk(separated((3, 3))),
        np_ref=lambda a: np.linalg.pinv(sym(a), hermitian=True)),
    Row("lstsq_x", lambda a, b: L.lstsq(a, b)[0], mk(separated((5, 3)), rhs((5, 2))),
        np_ref=lambda a, b: np.linalg.lstsq(a, b)[0]),
    Row("lstsq_residuals_s", lambda a, b: flat(*L.lstsq(a, b)[1::2]),
        mk(separated((5, 3)), rhs((5,))),
        np_ref=lambda a, b: np_flat(*np.linalg.lstsq(a, b)[1::2])),
    Row("matrix_rank", lambda a: L.matrix_rank(a @ np.diag([1.0, 1.0, 0.0]).astype(a.dtype)),
        mk(separated((2, 4, 3))),
        np_ref=lambda a: np.linalg.matrix_rank(a @ np.diag([1.0, 1.0, 0.0]).astype(a.dtype)),
        grad=False),
    Row("cond", L.cond, mk(separated((2, 3, 3))), np_ref=np.linalg.cond),
    Row("cond_neg2_wide", lambda a: L.cond(a, -2), mk(separated((2, 3))),
        np_ref=lambda a: np.linalg.cond(a, -2)),
    Row("cond_1", lambda a: L.cond(a, 1), mk(wellcond((3, 3))),
        np_ref=lambda a: np.linalg.cond(a, 1)),
    Row("norm_2_matrix", lambda a: L.norm(a, 2), mk(separated((3, 4))),
        np_ref=lambda a: np.linalg.norm(a, 2)),
    Row("norm_nuc_axes_keepdims", lambda a: L.norm(a, "nuc", axis=(2, 0), keepdims=True),
        mk(separated((3, 2, 3))),
        np_ref=lambda a: np.linalg.norm(a, "nuc", axis=(2, 0), keepdims=True)),
    Row("matrix_norm_neg_2", lambda a: L.matrix_norm(a, ord=-2), mk(separated((2, 3, 3))),
        np_ref=lambda a: np.linalg.matrix_norm(a, ord=-2)),
    Row("tensorinv", lambda a: L.tensorinv(a, ind=1), mk(wellcond((4, 4))),
        np_ref=lambda a: np.linalg.tensorinv(a, ind=1)),
    Row("tensorsolve", lambda a, b: L.tensorsolve(fnp.reshape(a, (2, 2, 4)), b),
        mk(wellcond((4, 4)), rhs((2, 2))),
        np_ref=lambda a, b: np.linalg.tensorsolve(np.reshape(a, (2, 2, 4)), b)),
    Row("linalg_cross_axis0", lambda a, b: L.cross(a, b, axis=0), mk(rhs((3, 4)), rhs((3, 1))),
        np_ref=lambda a, b: np.linalg.cross(a, b, axis=0)),
    # funcgrad.scipy.linalg
    Row("scipy_solve_triangular", lambda a, b: fsl.solve_triangular(a, b, trans="T"),
        mk(wellcond((3, 3)), rhs((3, 2))),
        np_ref=lambda a, b: scipy.linalg.solve_triangular(a, b, trans="T")),
    Row("scipy_solve_triangular_unit_lower_vector",
        lambda a, b: fsl.solve_triangular(a, b, lower=True, unit_diagonal=True),
        mk(wellcond((3, 3)), rhs((3,))),
        np_ref=lambda a, b: scipy.linalg.solve_triangular(a, b, lower=True, unit_diagonal=True)),
    Row("scipy_cho_solve", lambda a, b: fsl.cho_solve(fsl.cho_factor(sym(a)), b),
        mk(spd((3, 3)), rhs((3, 2))),
        np_ref=lambda a, b: scipy.linalg.cho_solve(scipy.linalg.cho_factor(sym(a)), b)),
    Row("scipy_cho_factor_lower", lambda a: fsl.cho_factor(sym(a), lower=True)[0],
        mk(spd((3, 3))), np_ref=lambda a: np.tril(scipy.linalg.cho_factor(sym(a), lower=True)[0])),
    Row("scipy_lu_factor", lambda a: fsl.lu_factor(a)[0], mk(rhs((3, 3))),
        np_ref=lambda a: scipy.linalg.lu_factor(a)[0]),
    Row("scipy_lu_solve", lambda a, b: fsl.lu_solve(fsl.lu_factor(a), b),
        mk(wellcond((2, 3, 3)), rhs((2, 3, 2))),
        np_ref=lambda a, b: np.linalg.solve(a, b)),
    Row("scipy_lu_solve_trans", lambda a, b: fsl.lu_solve(fsl.lu_factor(a), b, trans=1),
        mk(rhs((3, 3)), rhs((3,))),
        np_ref=lambda a, b: scipy.linalg.lu_solve(scipy.linalg.lu_factor(a), b, trans=1)),
    Row("scipy_lu_tall", lambda a: flat(*fsl.lu(a)), mk(rhs((4, 3))),
        np_ref=lambda a: np_flat(*scipy.linalg.lu(a))),
    Row("scipy_lu_wide_permute_l", lambda a: flat(*fsl.lu(a, permute_l=True)), mk(rhs((2, 4))),
        np_ref=lambda a: np_flat(*scipy.linalg.lu(a, permute_l=True))),
    Row("scipy_expm", fsl.expm, mk(rhs((3, 3))), np_ref=scipy.linalg.expm),
    Row("scipy_expm_stack", fsl.expm, mk(rhs((2, 2, 2))), np_ref=scipy.linalg.expm),
    Row("scipy_expm_frechet", lambda a, e: fsl.expm_frechet(a, e, compute_expm=False),
        mk(rhs((3, 3)), rhs((3, 3))),
        np_ref=lambda a, e: scipy.linalg.expm_frechet(a, e, compute_expm=False)),
    Row("scipy_sqrtm", fsl.sqrtm, mk(spd((3, 3))),
        np_ref=lambda a: scipy.linalg.sqrtm(a).astype(a.dtype)),
    Row("scipy_solve_sylvester", fsl.solve_sylvester,
        mk(wellcond((3, 3)), wellcond((2, 2)), rhs((3, 2))),
        np_ref=lambda a, b, q: scipy.linalg.solve_sylvester(a, b, q).astype(q.dtype)),
    Row("scipy_block_diag", lambda a, b: fsl.block_diag(a, b, 2.0), mk(rhs((2, 3)), rhs((2,))),
        np_ref=lambda a, b: scipy.linalg.block_diag(a, b, 2.0)),
]

