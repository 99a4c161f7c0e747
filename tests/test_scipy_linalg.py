"""funcgrad.scipy.linalg: values against SciPy for every option, closed-form derivatives of
expm and sqrtm, factor-then-solve against solve, jit, and the errors users meet. (Values and
fwd/rev derivatives at orders 1-2 against finite differences, f64/f32, eager, jit and vmap, are
rows of tests/table_linalg2.py.)"""
import math
import os
import types

import numpy as np
import pytest
import scipy.linalg as sl
from test_linalg import jax_gradients

import funcgrad as fg
import funcgrad.numpy as fnp
import funcgrad.scipy.linalg as fsl

HERE = os.path.basename(__file__)
rng = np.random.default_rng(0)
A = rng.uniform(-1, 1, (3, 3)) + 3 * np.eye(3)
G = rng.standard_normal((3, 3))  # general: LU pivots
B = rng.standard_normal((3, 2))
V = rng.standard_normal(3)
SPD = A @ A.T


def close(x, y, tol=1e-10):
    np.testing.assert_allclose(np.asarray(x), np.asarray(y), rtol=tol, atol=tol)


# --- values against SciPy ---------------------------------------------------------------------

@pytest.mark.parametrize("lower", [True, False])
@pytest.mark.parametrize("trans", [0, 1, 2, "N", "T", "C"])
@pytest.mark.parametrize("unit", [False, True])
def test_solve_triangular_matches_scipy(lower, trans, unit):
    for b in (B, V, rng.standard_normal((2, 3, 2))):
        opts = dict(trans=trans, lower=lower, unit_diagonal=unit)
        close(fsl.solve_triangular(A, b, **opts), sl.solve_triangular(A, b, **opts))


def test_cholesky_factor_and_solve_match_scipy():
    junk = SPD + np.triu(rng.standard_normal((3, 3)), 1)  # SciPy reads one triangle only
    for lower in (False, True):
        a = junk if lower else junk.T  # the triangle read is SPD's
        tri = np.tril if lower else np.triu
        c, low = fsl.cho_factor(a, lower=lower)
        c_ref, _ = sl.cho_factor(a, lower=lower)
        assert low == lower
        close(c, tri(c_ref))  # the other triangle is zero (SciPy leaves a's entries there)
        close(fsl.cholesky(a, lower=lower), sl.cholesky(a, lower=lower))
        for b in (B, V):
            close(fsl.cho_solve((c, lower), b), sl.cho_solve((c_ref, lower), b))
            close(fsl.cho_solve((c_ref, lower), b), np.linalg.solve(SPD, b))  # SciPy's factor


def test_lu_matches_scipy():
    lu, piv = fsl.lu_factor(G)
    lu_ref, piv_ref = sl.lu_factor(G)
    close(lu, lu_ref)
    assert piv.dtype == piv_ref.dtype and piv.tolist() == piv_ref.tolist()
    for trans in (0, 1, 2):
        for b in (B, V):
            close(fsl.lu_solve((lu, piv), b, trans=trans), sl.lu_solve((lu_ref, piv_ref), b,
                                                                      trans=trans))
    for shape in ((3, 3), (5, 3), (3, 5), (2, 4, 3)):
        a = rng.standard_normal(shape)
        for opts in ({}, {"permute_l": True}, {"p_indices": True}):
            for got, want in zip(fsl.lu(a, **opts), sl.lu(a, **opts)):
                assert np.shape(got) == np.shape(want) and got.dtype == want.dtype
                close(got, want)
    stack = rng.standard_normal((2, 3, 3))
    close(fsl.lu_factor(stack)[0], np.stack([sl.lu_factor(m)[0] for m in stack]))


def test_matrix_functions_match_scipy():
    close(fsl.expm(G), sl.expm(G))
    close(fsl.expm(np.stack([G, A])), sl.expm(np.stack([G, A])))
    e = rng.standard_normal((3, 3))
    for got, want in zip(fsl.expm_frechet(G, e), sl.expm_frechet(G, e)):
        close(got, want)
    close(fsl.sqrtm(SPD), sl.sqrtm(SPD))
    close(fsl.sqrtm(A), sl.sqrtm(A))  # not symmetric, eigenvalues in the right half plane
    close(fsl.solve_sylvester(A, G.T @ G + np.eye(3), B @ B.T),
          sl.solve_sylvester(A, G.T @ G + np.eye(3), B @ B.T))
    assert fsl.expm(A.astype(np.float32)).dtype == np.float32
    assert fsl.sqrtm(SPD.astype(np.float32)).dtype == np.float32


def test_block_diag_and_scipy_names_match_scipy():
    for args in ((), (np.ones(2), 3.0, np.ones((2, 2))), (np.ones((2, 0)), np.ones((1, 1))),
                 (np.eye(2, dtype=np.float32), np.ones((1, 3), np.int64)), (G, B)):
        got, want = fsl.block_diag(*args), sl.block_diag(*args)
        assert got.shape == want.shape and got.dtype == want.dtype
        close(got, want)
    close(fsl.solve(A, B), sl.solve(A, B))
    close(fsl.solve(A, V, transposed=True), sl.solve(A, V, transposed=True))
    close(fsl.solve(SPD, B, assume_a="pos"), sl.solve(SPD, B, assume_a="pos"))
    close(fsl.inv(A), sl.inv(A))
    close(fsl.det(A), sl.det(A))
    close(fsl.eigh(SPD)[0], sl.eigh(SPD)[0])
    close(fsl.eigh(np.triu(SPD), lower=False, eigvals_only=True),
          sl.eigh(np.triu(SPD), lower=False, eigvals_only=True))
    a = rng.standard_normal((4, 3))
    close(fsl.svd(a, compute_uv=False), sl.svd(a, compute_uv=False))
    u, s, vh = fsl.svd(a)
    assert u.shape == (4, 4) and vh.shape == (3, 3)
    for mode in ("full", "economic", "r"):
        got, want = fsl.qr(a, mode=mode), sl.qr(a, mode=mode)
        assert len(got) == len(want)
        for x, y in zip(got, want):
            close(x, y)


# --- derivatives: closed forms ----------------------------------------------------------------

def test_expm_of_diagonal_and_nilpotent_matrices():
    d = np.array([0.5, -1.0, 2.0])
    e = rng.standard_normal((3, 3))
    out, t = fg.jvp(fsl.expm, (np.diag(d),), (e,))
    close(out, np.diag(np.exp(d)))
    # the Fréchet derivative at a diagonal matrix: divided differences of exp
    dd = np.subtract.outer(np.exp(d), np.exp(d)) / (np.subtract.outer(d, d) + np.eye(3))
    close(t, e * np.where(np.eye(3, dtype=bool), np.exp(d)[:, None], dd), 1e-12)
    n = np.triu(rng.standard_normal((3, 3)), 1)  # n^3 = 0
    close(fsl.expm(n), np.eye(3) + n + n @ n / 2, 1e-12)
    # L(n, e) = sum_k 1/k! sum_j n^j e n^(k-1-j), whose terms vanish past k = 5 (n^3 = 0)
    pw = [np.eye(3), n, n @ n]
    series = sum(pw[j] @ e @ pw[k - 1 - j] / math.factorial(k)
                 for k in range(1, 6) for j in range(k) if j < 3 and k - 1 - j < 3)
    close(fg.jvp(fsl.expm, (n,), (e,))[1], series, 1e-12)
    close(fg.jvp(fsl.expm, (np.zeros((3, 3)),), (e,))[1], e, 1e-14)
    g = fg.grad(lambda a: fnp.sum(fsl.expm(a) * e))(G)  # the adjoint is L(a^T, .)
    close(g, sl.expm_frechet(G.T, e, compute_expm=False), 1e-12)


def test_expm_second_derivative_matches_finite_differences_of_frechet():
    e = rng.standard_normal((3, 3))
    h = 1e-5
    want = (sl.expm_frechet(G + h * e, e, compute_expm=False)
            - sl.expm_frechet(G - h * e, e, compute_expm=False)) / (2 * h)
    second = fg.jvp(lambda a: fg.jvp(fsl.expm, (a,), (e,))[1], (G,), (e,))[1]
    close(second, want, 1e-6)


def test_sqrtm_squares_back_and_solves_the_sylvester_equation():
    x = fsl.sqrtm(SPD)
    close(x @ x, SPD)
    da = rng.standard_normal((3, 3))
    _, dx = fg.jvp(fsl.sqrtm, (SPD,), (da,))
    close(x @ dx + dx @ x, da)
    d = np.array([1.0, 4.0, 9.0])  # diagonal: dX_ij = dA_ij / (sqrt(d_i) + sqrt(d_j))
    _, dx = fg.jvp(fsl.sqrtm, (np.diag(d),), (da,))
    close(dx, da / np.add.outer(np.sqrt(d), np.sqrt(d)))
    fg.check_grads(lambda a: fnp.sum(fsl.sqrtm(a @ a.T + np.eye(3)) ** 2), (G,), order=2)


def test_factor_then_solve_differentiates_like_solve():
    def grads(solve):
        return fg.grad(lambda a, b: fnp.sum(solve(a, b) ** 3), argnums=(0, 1))(G, B)
    want = grads(fnp.linalg.solve)
    for got in (grads(lambda a, b: fsl.lu_solve(fsl.lu_factor(a), b)),
                grads(lambda a, b: fsl.solve(a, b))):
        for x, y in zip(got, want):
            close(x, y)
    want = grads(lambda a, b: fnp.linalg.solve(a.T, b))
    for x, y in zip(grads(lambda a, b: fsl.lu_solve(fsl.lu_factor(a), b, trans=1)), want):
        close(x, y)
    spd = lambda a: a @ a.T + np.eye(3)  # noqa: E731
    for lower in (False, True):
        g = fg.grad(lambda a: fnp.sum(fsl.cho_solve(fsl.cho_factor(spd(a), lower), B) ** 2))(G)
        close(g, fg.grad(lambda a: fnp.sum(fnp.linalg.solve(spd(a), B) ** 2))(G))


def test_lu_derivative_keeps_the_factor_structure():
    for shape in ((3, 3), (5, 3), (3, 5)):
        a, da = rng.standard_normal(shape), rng.standard_normal(shape)
        (p, l, u), (dp, dl, du) = fg.jvp(lambda a: fsl.lu(a), (a,), (da,))
        close(dp, 0)
        close(p @ (dl @ u + l @ du), da)  # a = p l u, p constant
        close(np.triu(dl), 0)  # l keeps its unit diagonal
        close(np.tril(du, -1), 0)


def test_unit_diagonal_gets_no_gradient_and_the_other_triangle_none():
    g = fg.grad(lambda a: fnp.sum(fsl.solve_triangular(a, B, lower=True, unit_diagonal=True)))(A)
    close(np.triu(g), 0)


# --- jit --------------------------------------------------------------------------------------

def test_under_jit_lu_and_matrix_functions_run_between_compiled_pieces():
    def f(a, b):
        x = fsl.lu_solve(fsl.lu_factor(a), b) + fsl.solve_triangular(a, b, lower=True)
        return fnp.sum(x ** 2) + fnp.sum(fsl.expm(a * 0.1)) + fnp.sum(fsl.sqrtm(a @ a.T))
    for fun in (f, fg.grad(f, argnums=(0, 1))):
        got, want = fg.jit(fun)(A, B), fun(A, B)
        for x, y in zip(np.atleast_1d(got) if not isinstance(got, tuple) else got,
                        np.atleast_1d(want) if not isinstance(want, tuple) else want):
            close(x, y, 1e-9)
    src = fg.jit(f).source(A, B)
    for name in ("lu: no code generator", "expm: no code generator", "sqrtm: no code generator"):
        assert name in src, src[:2000]


# --- JAX cross-check (in a child process: see tests/peers.py) ---------------------------------

# A child process importing JAX and compiling its linalg rules: ~30 s here, so `make test-all`
# only (the autograd cross-check and the finite-difference table run in `make test`).
@pytest.mark.slow
def test_gradients_agree_with_jax():  # (JAX does not differentiate sqrtm)
    cases = {
        "expm": "jnp.sum(jax.scipy.linalg.expm(a) * w)",
        "lu_solve": "jnp.sum(jax.scipy.linalg.lu_solve(jax.scipy.linalg.lu_factor(a), w) ** 2)",
        "lu": "jnp.sum(jax.scipy.linalg.lu(a)[1] * w) + jnp.sum(jax.scipy.linalg.lu(a)[2] ** 2)",
        "cho_solve": "jnp.sum(jax.scipy.linalg.cho_solve(jax.scipy.linalg.cho_factor("
                     "a @ a.T + jnp.eye(3)), w) ** 2)",
        "solve_triangular": "jnp.sum(jax.scipy.linalg.solve_triangular(a, w, trans=1) ** 2)",
        "block_diag": "jnp.sum(jax.scipy.linalg.block_diag(a, w[0]) ** 3)",
    }
    jnp = types.SimpleNamespace(sum=fnp.sum, eye=np.eye)
    jax = types.SimpleNamespace(scipy=types.SimpleNamespace(linalg=fsl))
    ours, theirs = jax_gradients(cases, {"jnp": jnp, "jax": jax}, a=A, w=G)
    for name in cases:
        close(ours[name], theirs[name], 1e-8)


# --- errors -----------------------------------------------------------------------------------

def test_errors_name_the_problem_and_line():
    neg = np.diag([1.0, -4.0])
    cases = [
        (lambda: fsl.solve_triangular(A, np.ones(2)), ValueError,
         r"solve_triangular: a of shape \(3, 3\) and b of shape \(2,\)"),
        (lambda: fsl.solve_triangular(A, B, trans=3), ValueError,
         "solve_triangular: trans must be"),
        (lambda: fsl.lu_solve(fsl.lu_factor(G), B, trans="X"), ValueError,
         "lu_solve: trans must be"),
        (lambda: fsl.solve_triangular(np.ones((2, 3)), B), ValueError, "square"),
        (lambda: fsl.lu_solve((G, np.zeros(3)), B), TypeError, "piv must be integers"),
        (lambda: fsl.lu_factor(np.ones(3)), ValueError, "lu_factor: expected a matrix"),
        (lambda: fsl.sqrtm(neg), ValueError, "sqrtm: .*complex"),
        (lambda: fsl.solve_sylvester(np.eye(2), -np.eye(2), np.eye(2)), np.linalg.LinAlgError,
         "share an eigenvalue"),
        (lambda: fsl.expm_frechet(A, np.ones((2, 2))), ValueError, "same shape"),
        (lambda: fsl.eigh(SPD, np.eye(3)), NotImplementedError, "generalized"),
        (lambda: fsl.qr(A, pivoting=True), NotImplementedError, "pivoting"),
        (lambda: fsl.qr(A, mode="reduced"), ValueError, "mode must be"),
        (lambda: fsl.block_diag(np.ones((2, 2, 2))), ValueError, "2 or fewer dimensions"),
        (lambda: fsl.cholesky(-np.eye(2)), np.linalg.LinAlgError, "not positive definite"),
        (lambda: fsl.expm(A * 1j), TypeError, "expm: complex matrices are not supported"),
    ]
    for f, err, pattern in cases:
        with pytest.raises(err, match=pattern) as e:
            f()
        assert HERE in str(e.value), str(e.value)
