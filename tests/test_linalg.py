"""funcgrad.numpy.linalg: closed-form derivatives, stacks of matrices, second derivatives,
degenerate points, errors, and agreement with autograd and JAX. (Every function's values and
fwd/rev derivatives at orders 1-2 against finite differences, f64 and f32, eager, jit and vmap,
are in tests/table_linalg.py and tests/table_linalg2.py.)"""
import os
import types

import numpy as np
import pytest
from peers import run_peer

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.ops import linalg as la

L = fnp.linalg
HERE = os.path.basename(__file__)
rng = np.random.default_rng(0)
A = rng.uniform(-1, 1, (3, 3)) + 3 * np.eye(3)
AS = rng.uniform(-1, 1, (4, 3, 3)) + 3 * np.eye(3)  # a stack
B = rng.uniform(-1, 1, (3, 2))
_C = rng.uniform(-1, 1, (3, 3))
SPD = _C @ _C.T + 3 * np.eye(3)
SING = np.array([[1.0, 2.0], [2.0, 4.0]])


def close(x, y, tol=1e-10):
    np.testing.assert_allclose(np.asarray(x), np.asarray(y), rtol=tol, atol=tol)


# --- closed forms -----------------------------------------------------------------------------

def test_gradient_of_det_is_det_times_inverse_transpose():
    close(fg.grad(L.det)(A), np.linalg.det(A) * np.linalg.inv(A).T)
    close(fg.grad(lambda a: L.det(-a))(A), -np.linalg.det(-A) * np.linalg.inv(-A).T)


def test_gradient_of_logdet_is_inverse_transpose_and_sign_has_none():
    close(fg.grad(lambda a: L.slogdet(a)[1])(A), np.linalg.inv(A).T)
    close(fg.grad(lambda a: L.slogdet(a)[0] * 1.0)(A), np.zeros((3, 3)))
    neg = A.copy()
    neg[0] *= -1  # sign -1: log|det| has the same gradient formula
    assert L.slogdet(neg)[0] == -1.0
    close(fg.grad(lambda a: L.slogdet(a)[1])(neg), np.linalg.inv(neg).T)


def test_hessian_of_logdet_is_minus_inverse_products():
    # d^2 log det / dA_ij dA_kl = -inv[j, k] inv[l, i]
    inv = np.linalg.inv(A)
    want = -np.einsum("jk,li->ijkl", inv, inv)
    logdet = lambda a: L.slogdet(a)[1]  # noqa: E731
    for h in (fg.hessian(logdet), fg.jacfwd(fg.jacrev(logdet)),
              fg.jacrev(fg.jacrev(logdet))):
        close(h(A), want)


def test_derivative_of_inv_is_minus_inv_da_inv():
    da = rng.standard_normal((3, 3))
    inv = np.linalg.inv(A)
    out, t = fg.jvp(L.inv, (A,), (da,))
    close(out, inv)
    close(t, -inv @ da @ inv)
    ct = rng.standard_normal((3, 3))
    _, f = fg.vjp(L.inv, A)
    close(f(ct)[0], -inv.T @ ct @ inv.T)


def test_derivatives_of_solve():
    x = np.linalg.solve(A, B)
    da, db = rng.standard_normal((3, 3)), rng.standard_normal((3, 2))
    _, t = fg.jvp(L.solve, (A, B), (da, db))
    close(t, np.linalg.solve(A, db - da @ x))
    ct = rng.standard_normal((3, 2))
    _, f = fg.vjp(L.solve, A, B)
    ga, gb = f(ct)
    close(gb, np.linalg.solve(A.T, ct))
    close(ga, -np.linalg.solve(A.T, ct) @ x.T)


def test_derivative_of_cholesky_satisfies_the_product_rule():
    # L L^T = A  =>  dL L^T + L dL^T = dA, with dL lower triangular
    da = rng.standard_normal((3, 3))
    da = da + da.T
    chol, dl = fg.jvp(L.cholesky, (SPD,), (da,))
    close(chol, np.linalg.cholesky(SPD))
    close(np.triu(dl, 1), np.zeros((3, 3)))
    close(dl @ chol.T + chol @ dl.T, da)


def test_cholesky_derivative_treats_the_input_as_symmetric():
    # A tangent counts by its symmetric part; cotangents come back symmetric.
    da = rng.standard_normal((3, 3))
    _, t1 = fg.jvp(L.cholesky, (SPD,), (da,))
    _, t2 = fg.jvp(L.cholesky, (SPD,), ((da + da.T) / 2,))
    close(t1, t2)
    g = fg.grad(lambda a: fnp.sum(L.cholesky(a) ** 3))(SPD)
    close(g, g.T)
    # and it is the gradient through a symmetric parametrization
    f = lambda c: fnp.sum(L.cholesky(c @ c.T + 3 * np.eye(3)) ** 3)  # noqa: E731
    fg.check_grads(f, (_C,), order=2)


def test_triangular_solve_reads_only_its_triangle():
    junk = A + np.triu(rng.standard_normal((3, 3)) * 100, 1)
    x = la.triangular_solve(junk, B, lower=True)
    close(x, np.linalg.solve(np.tril(A), B))
    g = fg.grad(lambda a: fnp.sum(la.triangular_solve(a, B, lower=True) ** 2))(junk)
    close(np.triu(g, 1), np.zeros((3, 3)))


def test_norm_gradients():
    x = rng.standard_normal(5)
    close(fg.grad(L.norm)(x), x / np.linalg.norm(x))
    close(fg.grad(lambda v: L.norm(v, 1))(x), np.sign(x))
    k = np.argmax(np.abs(x))
    close(fg.grad(lambda v: L.norm(v, np.inf))(x), np.eye(5)[k] * np.sign(x[k]))
    close(fg.hessian(L.norm)(x),
          (np.eye(5) - np.outer(x, x) / (x @ x)) / np.linalg.norm(x))


def test_norm_at_zero_has_zero_gradient_not_nan():
    # The documented choice: 0, the smallest subgradient (autograd gives NaN here).
    for f, z in ((L.norm, np.zeros(3)), (lambda v: L.norm(v, 3), np.zeros(3)),
                 (lambda v: fnp.sum(L.norm(v, axis=1)), np.zeros((2, 3))),
                 (lambda v: L.norm(v, "fro"), np.zeros((2, 3)))):
        assert f(z) == 0.0
        close(fg.grad(f)(z), np.zeros_like(z))
        close(fg.jvp(f, (z,), (np.ones_like(z),))[1], 0.0)
    # so norm(x)**2, which is differentiable, gets its true gradient 2x there
    close(fg.grad(lambda v: L.norm(v) ** 2)(np.zeros(3)), np.zeros(3))
    h = fg.hessian(L.norm)(np.zeros(3))
    assert np.all(np.isfinite(h))
    # one row zero, the other not: the zero row gets 0, the other its ordinary gradient
    x = np.array([[0.0, 0.0], [3.0, 4.0]])
    close(fg.grad(lambda v: fnp.sum(L.norm(v, axis=1)))(x), [[0, 0], [0.6, 0.8]])


# --- stacks of matrices -----------------------------------------------------------------------

STACK_CASES = {  # (ours, NumPy's); every case takes a stack of matrices and a stack of b
    "inv": (lambda a, b: L.inv(a), lambda a, b: np.linalg.inv(a)),
    "det": (lambda a, b: L.det(a), lambda a, b: np.linalg.det(a)),
    "logdet": (lambda a, b: L.slogdet(a)[1], lambda a, b: np.linalg.slogdet(a)[1]),
    "cholesky": (lambda a, b: L.cholesky(a @ fnp.swapaxes(a, -1, -2)),
                 lambda a, b: np.linalg.cholesky(a @ np.swapaxes(a, -1, -2))),
    "solve": (L.solve, np.linalg.solve),
}


@pytest.mark.parametrize("name", sorted(STACK_CASES))
def test_stacks_match_one_matrix_at_a_time(name):
    f, ref = STACK_CASES[name]
    b = rng.uniform(-1, 1, (4, 3, 2))
    close(f(AS, b), ref(AS, b), 1e-12)
    close(f(AS, b), np.stack([f(AS[i], b[i]) for i in range(4)]), 1e-12)

    def loss(a, b):
        return fnp.sum(f(a, b) ** 2)
    g = fg.grad(loss, argnums=(0, 1))
    one = [g(AS[i], b[i]) for i in range(4)]
    for k, got in enumerate(g(AS, b)):
        close(got, np.stack([o[k] for o in one]))
    for k, got in enumerate(fg.vmap(g)(AS, b)):
        close(got, np.stack([o[k] for o in one]))


def test_solve_broadcasting_follows_numpy_2():
    a = rng.uniform(-1, 1, (2, 1, 3, 3)) + 3 * np.eye(3)
    for b in (rng.standard_normal(3), rng.standard_normal((3, 3)),
              rng.standard_normal((5, 3, 2)), rng.standard_normal((2, 5, 3, 1))):
        close(L.solve(a, b), np.linalg.solve(a, b))
        close(L.solve(a[0, 0], b), np.linalg.solve(a[0, 0], b))
    with pytest.raises(ValueError, match="solve"):
        np.linalg.solve(AS, rng.standard_normal((4, 3)))  # NumPy 2: a (3, n) matrix, n != 4
    with pytest.raises(ValueError, match=r"solve: a of shape \(4, 3, 3\).*\(4, 3\)"):
        L.solve(AS, rng.standard_normal((4, 3)))


def test_vmap_of_solve_with_a_shared_matrix_is_one_solve():
    bs = rng.standard_normal((5, 3))
    ir = fg.make_ir(fg.vmap(lambda b: L.solve(A, b)))(bs)
    assert [e.prim.name for e in ir.eqns].count("solve") == 1
    assert "(3, 5)" in str(ir) or "3,5]" in str(ir)
    close(fg.vmap(lambda b: L.solve(A, b))(bs), np.linalg.solve(A, bs.T).T)
    close(fg.vmap(lambda b: L.solve(A, b), in_axes=1)(bs.T), np.linalg.solve(A, bs.T).T)
    # the matrix batched, the right-hand side shared
    close(fg.vmap(lambda a: L.solve(a, B))(AS), np.linalg.solve(AS, B))


def test_shared_matrix_against_a_stack_in_numpy_layer():
    bs = rng.standard_normal((2, 4, 3, 2))
    close(L.solve(A, bs), np.linalg.solve(A, bs))
    ga = fg.grad(lambda a: fnp.sum(L.solve(a, bs) ** 2))(A)
    want = sum(fg.grad(lambda a: fnp.sum(L.solve(a, bs[i, j]) ** 2))(A)
               for i in range(2) for j in range(4))
    close(ga, want)


# --- second derivatives -----------------------------------------------------------------------

def test_second_derivatives_against_finite_differences():
    fg.check_grads(lambda a, b: fnp.sum(L.solve(a, b) ** 2), (A, B), order=2)
    fg.check_grads(lambda a: L.det(a) ** 2, (AS[0],), order=2)
    fg.check_grads(lambda a: fnp.sum(L.inv(a) * a.T), (A,), order=2)
    fg.check_grads(lambda a: fnp.sum(L.cholesky(a @ a.T) ** 2), (A,), order=2)


def test_third_derivative_of_logdet():
    # d/dt of the Hessian along a direction: 2 tr(A^-1 dA A^-1 dA A^-1 dA) for the cube
    da = rng.standard_normal((3, 3))

    def f(t):
        return L.slogdet(A + t * da)[1]
    d3 = fg.grad(fg.grad(fg.grad(f)))(0.0)
    m = np.linalg.solve(A, da)
    close(d3, 2 * np.trace(m @ m @ m), 1e-9)


JIT_CASES = {
    "logdet": (lambda a: L.slogdet(a)[1], AS),
    "inv": (lambda a: fnp.sum(L.inv(a) ** 2), AS),
    "cholesky": (lambda a: fnp.sum(L.cholesky(a) ** 2), SPD),
    "solve": (lambda a: fnp.sum(L.solve(a, B) ** 2), A),
}


# Each case costs a few Numba compiles (seconds): `make test` runs one, `make test-all` all.
@pytest.mark.parametrize("name,order", [
    pytest.param(n, k, marks=() if (n, k) == ("logdet", 2)
                 else pytest.mark.slow) for n in JIT_CASES for k in (1, 2)])
def test_jit_of_derivatives_matches_eager(name, order):
    f, x = JIT_CASES[name]
    if order == 1:
        d = fg.grad(lambda a: fnp.sum(f(a)))
    else:
        x = x[0] if x.ndim == 3 else x
        d = fg.hessian(lambda a: fnp.sum(f(a)))
    close(fg.jit(d)(x), d(x), 1e-12)


# --- dtypes -----------------------------------------------------------------------------------

def test_float32_stays_float32():
    a, s, b = A.astype(np.float32), SPD.astype(np.float32), B.astype(np.float32)
    for f, args in ((L.inv, (a,)), (L.det, (a,)), (lambda x: L.slogdet(x)[1], (a,)),
                    (L.cholesky, (s,)), (L.solve, (a, b)), (L.norm, (b,)),
                    (lambda x: L.norm(x, 1), (b,)), (lambda x: L.norm(x, 3, axis=0), (b,))):
        out = f(*args)
        assert np.asarray(out).dtype == np.float32, f
        g = fg.grad(lambda *xs: fnp.sum(f(*xs)))(*args)
        assert g.dtype == np.float32
    assert fg.jit(lambda a, b: L.det(a) * L.solve(a, b))(a, b).dtype == np.float32


def test_integers_compute_in_float64_and_mixed_promote():
    assert L.inv(np.array([[2, 0], [0, 4]])).dtype == np.float64
    assert L.det(np.eye(2, dtype=np.int32)).dtype == np.float64
    assert L.norm(np.array([3, 4])) == 5.0
    assert L.solve(np.eye(2, dtype=np.float32), np.ones(2)).dtype == np.float64
    assert L.solve(np.eye(2, dtype=np.float32), np.ones(2, np.float32)).dtype == np.float32


# --- errors -----------------------------------------------------------------------------------

@pytest.mark.parametrize("f", [lambda x: L.inv(x), lambda x: L.det(x), lambda x: L.slogdet(x),
                               lambda x: L.cholesky(x), lambda x: L.solve(x, np.ones(2))],
                         ids=["inv", "det", "slogdet", "cholesky", "solve"])
def test_non_square_matrices_name_the_shape_and_line(f):
    for run in (f, fg.jit(f), fg.grad(lambda x: fnp.sum(f(x)[1] if isinstance(f(x), tuple)
                                                         else f(x)))):
        with pytest.raises(ValueError) as e:
            run(np.ones((2, 3)))
        msg = str(e.value)
        assert "square" in msg and "(2, 3)" in msg and HERE in msg, msg


def test_singular_matrices_raise_linalgerror_naming_the_function_and_line():
    for f, name in ((lambda: L.inv(SING), "inv"), (lambda: L.solve(SING, np.ones(2)), "solve"),
                    (lambda: fg.grad(L.det)(SING), "inv"),
                    (lambda: fg.grad(lambda a: fnp.sum(L.solve(a, np.ones(2))))(SING), "solve"),
                    (lambda: L.cholesky(-np.eye(2)), "cholesky"),
                    (lambda: L.cholesky(SING + np.eye(2) * [1, -10]), "cholesky")):
        with pytest.raises(np.linalg.LinAlgError) as e:
            f()
        msg = str(e.value)
        assert msg.startswith(name + ":") and HERE in msg, msg
    # the value of det and slogdet at a singular matrix is defined, as in NumPy
    assert L.det(SING) == 0.0
    assert tuple(L.slogdet(SING)) == (0.0, -np.inf)
    # LinAlgError is a ValueError, as NumPy's
    with pytest.raises(ValueError, match="singular"):
        L.inv(SING)


def test_other_errors():
    with pytest.raises(ValueError, match=r"solve: a of shape \(3, 3\) and b of shape \(2,\)"):
        L.solve(A, np.ones(2))
    with pytest.raises(ValueError, match="do not broadcast"):
        L.solve(AS, np.ones((3, 3, 1)))
    with pytest.raises(TypeError, match="float16"):
        L.inv(np.eye(2, dtype=np.float16))
    with pytest.raises(ValueError, match="invalid norm order 'max' for matrices"):
        L.norm(np.eye(2), "max")
    with pytest.raises(ValueError, match="invalid norm order 'fro' for vectors"):
        L.norm(np.ones(3), "fro")
    with pytest.raises(ValueError, match="invalid norm order 3 for matrices"):
        L.norm(np.ones((2, 2)), 3)
    with pytest.raises(ValueError, match="improper number of dimensions"):
        L.norm(np.ones((2, 2, 2)), 1)
    with pytest.raises(TypeError, match="integer"):
        L.matrix_power(A, 1.5)
    with pytest.raises(ValueError, match="triangular_solve: a of shape"):
        fg.make_ir(lambda a, b: la.triangular_solve(a, b, left_side=False))(A, B)


# --- NumPy dispatch and values ----------------------------------------------------------------

def test_np_linalg_functions_on_tracers_dispatch_here():
    f = lambda a: np.linalg.slogdet(a)[1] + np.linalg.det(a) + np.sum(np.linalg.inv(a)) \
        + np.linalg.norm(a) + np.sum(np.linalg.solve(a, B)) + np.sum(np.linalg.cholesky(a @ a.T))  # noqa: E731,E501
    g = fg.grad(f)(A)
    h = fg.grad(lambda a: L.slogdet(a)[1] + L.det(a) + fnp.sum(L.inv(a)) + L.norm(a)
                + fnp.sum(L.solve(a, B)) + fnp.sum(L.cholesky(a @ a.T)))(A)
    close(g, h, 1e-13)
    # and NumPy 2's array-API names, through a composite checked against finite differences
    f = lambda a: (np.linalg.vector_norm(a) + np.linalg.matrix_norm(a, ord=1)  # noqa: E731
                   + np.sum(np.linalg.matrix_power(a, 2)) + np.sum(np.linalg.multi_dot([a, a, a]))
                   + np.linalg.trace(a) ** 2 + np.sum(np.linalg.vecdot(a, a) ** 2)
                   + np.sum(np.linalg.diagonal(a) ** 3) + np.sum(np.linalg.matrix_transpose(a) * a)
                   + np.sum(np.linalg.outer(a[0], a[1]) ** 2) + np.linalg.tensordot(a, a)
                   + np.sum(np.linalg.matmul(a, a.T) ** 2))
    fg.check_grads(f, (A,), order=2)
    close(fg.make_ir(f)(A).out_avals[0].shape, ())


@pytest.mark.parametrize("ord_axis", [(None, None), (2, None), (1, None), (np.inf, None),
                                      (-np.inf, None), (0, None), (-1, None), (0.5, None),
                                      (-2.5, None), (None, 0), (3, 1), ("fro", (0, 1)),
                                      (1, (1, 0)), (-1, (0, 1)), (np.inf, (1, 0)),
                                      (-np.inf, (0, 1)), (None, (0, 1))])
@pytest.mark.parametrize("keepdims", [False, True])
def test_norm_values_match_numpy(ord_axis, keepdims):
    ord, axis = ord_axis
    x = rng.standard_normal((3, 4))
    x[0, 0] = 0.0
    v = x[1]
    if axis is not None or ord in (None, "fro") or not isinstance(ord, (int, float)) \
            or ord in (1, -1, np.inf, -np.inf):
        close(L.norm(x, ord, axis, keepdims), np.linalg.norm(x, ord, axis, keepdims), 1e-13)
    if axis is None or axis == 0:
        close(L.norm(v, ord, None if axis is None else 0, keepdims),
              np.linalg.norm(v, ord, None if axis is None else 0, keepdims), 1e-13)


def test_matrix_power_and_multi_dot_match_numpy():
    for n in (0, 1, 2, 5, -1, -3):
        close(L.matrix_power(A, n), np.linalg.matrix_power(A, n), 1e-12)
    assert L.matrix_power(np.array([[1, 1], [0, 1]]), 4).tolist() == [[1, 4], [0, 1]]
    xs = [rng.standard_normal(s) for s in ((5,), (5, 2), (2, 6), (6, 3), (3,))]
    close(L.multi_dot(xs), np.linalg.multi_dot(xs), 1e-12)
    xs = [rng.standard_normal(s) for s in ((4, 5), (5, 2), (2, 6), (6, 3))]
    close(L.multi_dot(xs), np.linalg.multi_dot(xs), 1e-12)


# --- factorizations: closed forms ------------------------------------------------------------

def test_svd_derivatives_of_a_diagonal_matrix():
    # A = diag(sigma): ds_i = dA_ii; with U = V = D (LAPACK's signs, D diagonal +-1),
    # dU = D (F o (P S + S P^T)), P = D dA D, F_ij = 1 / (s_j^2 - s_i^2)
    sig = np.array([3.0, 2.0, 0.5])
    a, da = np.diag(sig), rng.standard_normal((3, 3))
    (u, s, vh), (du, ds, dvh) = fg.jvp(lambda a: tuple(L.svd(a)), (a,), (da,))
    d = np.diag(np.diag(u))
    close(np.abs(d), np.eye(3))
    close(s, sig)
    close(ds, np.diag(da))
    p = d @ da @ d
    f = 1 / (sig[None, :] ** 2 - sig[:, None] ** 2 + np.eye(3)) - np.eye(3)
    close(du, d @ (f * (p * sig[None, :] + sig[:, None] * p.T)))
    close(dvh.T, d @ (f * (sig[:, None] * p + p.T * sig[None, :])))


def test_svd_norm_gradients_are_singular_vector_products():
    a = rng.standard_normal((4, 3))
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    close(fg.grad(lambda a: L.norm(a, 2))(a), np.outer(u[:, 0], vh[0]))
    close(fg.grad(lambda a: L.norm(a, -2))(a), np.outer(u[:, -1], vh[-1]))
    close(fg.grad(lambda a: L.norm(a, "nuc"))(a), u @ vh)
    close(fg.grad(lambda a: L.cond(a))(a),
          (np.outer(u[:, 0], vh[0]) - s[0] / s[-1] * np.outer(u[:, -1], vh[-1])) / s[-1])


def test_eigh_derivatives_of_a_2x2():
    # [[p, q], [q, r]]: lambda = (p + r) / 2 +- rho, rho = sqrt(((p - r) / 2)^2 + q^2); the top
    # eigenvector's projector is (I + [[c, t], [t, -c]]) / 2 with c = (p - r) / (2 rho), t = q / rho
    p, q, r = 1.3, 0.4, -0.2
    rho = np.hypot((p - r) / 2, q)

    def mat(v):
        return fnp.stack([fnp.stack([v[0], v[1]]), fnp.stack([v[1], v[2]])])
    x = np.array([p, q, r])
    close(fg.jacobian(lambda v: L.eigvalsh(mat(v)))(x),
          [[0.5 - (p - r) / (4 * rho), -q / rho, 0.5 + (p - r) / (4 * rho)],
           [0.5 + (p - r) / (4 * rho), q / rho, 0.5 - (p - r) / (4 * rho)]])

    def projector_entry(v):
        w, vec = L.eigh(mat(v))
        return vec[0, 1] * vec[1, 1]
    # t / 2 = q / (2 rho): its derivative in q is (1 - q^2 / rho^2) / (2 rho)
    close(fg.grad(projector_entry)(x)[1], (1 - q ** 2 / rho ** 2) / (2 * rho))
    close(fg.grad(lambda v: L.eigh(mat(v))[0][1])(x), [0.5 + (p - r) / (4 * rho), q / rho,
                                                       0.5 - (p - r) / (4 * rho)])


def test_eigh_gradient_is_symmetric_and_reads_one_triangle():
    junk = SPD + np.triu(rng.standard_normal((3, 3)) * 10, 1)
    close(L.eigh(junk)[0], np.linalg.eigvalsh(SPD))
    close(L.eigh(junk.T, UPLO="U")[0], np.linalg.eigvalsh(SPD))
    g = fg.grad(lambda a: fnp.sum(L.eigvalsh(a) ** 3))(SPD)
    close(g, g.T)
    w, v = np.linalg.eigh(SPD)
    close(g, v @ np.diag(3 * w ** 2) @ v.T)


def test_pinv_of_full_rank_is_inv_and_lstsq_is_solve():
    close(L.pinv(A), np.linalg.inv(A))
    close(fg.grad(lambda a: fnp.sum(L.pinv(a) * W))(A), fg.grad(lambda a: fnp.sum(L.inv(a) * W))(A))
    x, res, rank, s = L.lstsq(A, B)
    close(x, np.linalg.solve(A, B))
    assert res.shape == (0,) and rank == 3
    gl = fg.grad(lambda a, b: fnp.sum(L.lstsq(a, b)[0] ** 2), argnums=(0, 1))(A, B)
    gs = fg.grad(lambda a, b: fnp.sum(L.solve(a, b) ** 2), argnums=(0, 1))(A, B)
    for x, y in zip(gl, gs):
        close(x, y)
    tall = rng.standard_normal((5, 3))  # the normal equations: x = (a^T a)^-1 a^T b
    g = fg.grad(lambda a: fnp.sum(L.lstsq(a, np.ones(5))[0]))(tall)
    h = fg.grad(lambda a: fnp.sum(L.solve(a.T @ a, a.T @ np.ones(5))))(tall)
    close(g, h)


def test_pinv_of_rank_deficient_matrices():
    low = rng.standard_normal((4, 2)) @ rng.standard_normal((2, 3))  # rank 2
    close(L.pinv(low), np.linalg.pinv(low))
    assert L.matrix_rank(low) == 2 and L.lstsq(low, np.ones(4))[2] == 2
    # the derivative holds at constant rank: through a rank-2 parametrization, finite
    # differences agree. The factors come from a generator of their own: the module's ``rng``
    # draws depend on which tests ran before in this worker (``--dist worksteal``), and 2 in
    # 40 draws have a second singular value small enough (0.02-0.2) that sum(pinv**2) ~ 1/s**2
    # is too steep for finite differences (the gradient there agrees with JAX's to 1e-15).
    left, right = (np.random.default_rng(2).standard_normal(s) for s in ((4, 2), (2, 3)))
    fg.check_grads(lambda l, r: fnp.sum(L.pinv(l @ r) ** 2), (left, right), order=2)
    # repeated singular values (an orthogonal matrix) do not make pinv's derivative infinite
    q = np.linalg.qr(rng.standard_normal((3, 3)))[0]
    g = fg.grad(lambda a: fnp.sum(L.pinv(a) * W))(q)
    close(g, -q @ W @ q)  # pinv = inv = q.T here


def test_qr_derivative_satisfies_the_product_rule():
    for shape in ((5, 3), (3, 3), (3, 5)):
        a, da = rng.standard_normal(shape), rng.standard_normal(shape)
        (q, r), (dq, dr) = fg.jvp(lambda a: tuple(L.qr(a)), (a,), (da,))
        close(dq @ r + q @ dr, da)  # d(QR) = dA
        close(np.tril(dr, -1), 0)  # R stays upper triangular
        k = min(shape)
        qtdq = q.T @ dq
        close(qtdq + qtdq.T, np.zeros((k, k)))  # Q^T Q = I stays


def test_matrix_rank_values_and_no_derivative():
    for a in (np.eye(4), np.ones((3, 4)), np.zeros((2, 2)), SING, AS, rng.standard_normal((5,))):
        assert np.array_equal(L.matrix_rank(a), np.linalg.matrix_rank(a))
    assert L.matrix_rank(np.diag([1.0, 1e-3]), tol=1e-2) == 1
    assert L.matrix_rank(np.diag([1.0, 1e-3]), rtol=1e-2) == 1
    assert np.asarray(fg.jit(L.matrix_rank)(AS)).tolist() == [3, 3, 3, 3]
    g = fg.grad(lambda a: L.matrix_rank(a) * fnp.sum(a))(A)
    close(g, 3 * np.ones((3, 3)))  # the rank is a constant factor


# --- degenerate points: NaN or inf, never a finite wrong number --------------------------------

def test_repeated_singular_values_make_vector_derivatives_nonfinite():
    a = np.diag([2.0, 2.0, 1.0])
    da = np.zeros((3, 3))
    da[0, 1] = 1.0  # mixes the two equal singular values
    _, (du, ds, dvh) = fg.jvp(lambda a: tuple(L.svd(a)), (a,), (da,))
    assert not np.all(np.isfinite(du)) and not np.all(np.isfinite(dvh))
    assert np.all(np.isfinite(ds))
    g = fg.grad(lambda a: fnp.sum(L.svd(a)[0] * W))(a)
    assert not np.all(np.isfinite(g))
    # the values alone stay finite, with their true derivative (U V^T for the sum)
    for f in (lambda a: fnp.sum(L.svd(a)[1]), lambda a: fnp.sum(L.svd(a, compute_uv=False)),
              lambda a: L.norm(a, "nuc")):
        close(fg.grad(f)(a), np.eye(3))
    # second derivatives of the values go through the vectors: NaN at a tie, exact elsewhere
    frob = lambda a: fnp.sum(L.svd(a)[1] ** 2)  # noqa: E731  (|a|_F^2, Hessian 2 I)
    assert np.isnan(fg.hessian(frob)(np.eye(2))).any()
    close(fg.hessian(frob)(np.diag([2.0, 1.0])), 2 * np.eye(4).reshape(2, 2, 2, 2))


def test_repeated_eigenvalues_make_vector_derivatives_nonfinite():
    g = fg.grad(lambda a: fnp.sum(L.eigh(a)[1] * W))(np.eye(3))
    assert not np.all(np.isfinite(g))
    close(fg.grad(lambda a: fnp.sum(L.eigvalsh(a) ** 2))(np.eye(3)), 2 * np.eye(3))
    close(fg.grad(lambda a: fnp.sum(L.eigh(a)[0] ** 2))(np.eye(3)), 2 * np.eye(3))
    _, t = fg.jvp(lambda a: L.eigh(a)[1], (np.eye(2),), (np.array([[0.0, 1.0], [1.0, 0.0]]),))
    assert not np.all(np.isfinite(t))


def test_rank_deficient_nonsquare_svd_vectors_are_nonfinite():
    a = np.array([[1.0, 0.0], [0.0, 0.0], [0.0, 0.0]])  # s = (1, 0), tall
    g = fg.grad(lambda a: fnp.sum(L.svd(a, full_matrices=False)[0] * W[:, :2]))(a)
    assert not np.all(np.isfinite(g))


def test_full_matrices_and_complete_mode_have_no_derivative_for_nonsquare():
    tall = rng.standard_normal((4, 2))
    with pytest.raises(NotImplementedError, match=r"full_matrices=True.*full_matrices=False"):
        fg.grad(lambda a: fnp.sum(L.svd(a)[1]))(tall)
    with pytest.raises(NotImplementedError, match=r"mode='complete'.*mode='reduced'"):
        fg.grad(lambda a: fnp.sum(L.qr(a, "complete")[0]))(tall)
    for run in (lambda f: f, fg.jit):  # the values themselves are NumPy's, eager and under jit
        q, r = run(lambda a: tuple(L.qr(a, "complete")))(tall)
        close(q, np.linalg.qr(tall, "complete")[0])
        close(r, np.linalg.qr(tall, "complete")[1])
        u, s, vh = run(lambda a: tuple(L.svd(a)))(tall)
        close(u @ np.eye(4, 2) @ np.diag(s) @ vh, tall)
        close(u.T @ u, np.eye(4))
    # square full_matrices and the reduced forms differentiate
    fg.check_grads(lambda a: fnp.sum(L.svd(a)[1] ** 2), (A,), order=1)


def test_lstsq_residuals_follow_numpy_eagerly_and_mark_unknown_ones_under_jit():
    low = np.array([[1.0, 2.0], [2.0, 4.0], [3.0, 6.0]])
    tall = rng.standard_normal((4, 2))
    for a in (low, tall, tall.T):
        b = np.ones(a.shape[0])
        for got, want in zip(L.lstsq(a, b), np.linalg.lstsq(a, b)):
            assert np.shape(got) == np.shape(want)
            close(got, want)
    res = fg.jit(lambda a: L.lstsq(a, np.ones(3))[1])(low)  # rank 1 < n: NumPy gives []
    assert res.shape == (1,) and np.isnan(res[0])
    close(fg.jit(lambda a: L.lstsq(a, np.ones(4))[1])(tall), np.linalg.lstsq(tall, np.ones(4))[1])


# --- factorizations under jit and float32 -----------------------------------------------------

def _factor_fns():
    return {
        "svd": lambda a: fnp.sum(L.svd(a, full_matrices=False)[1] ** 2)
        + fnp.sum(fnp.abs(L.svd(a, full_matrices=False)[0])),
        "eigh": lambda a: fnp.sum(fnp.abs(L.eigh(a + fnp.swapaxes(a, -1, -2))[1]))
        + fnp.sum(L.eigvalsh(a + fnp.swapaxes(a, -1, -2), "U") ** 2),
        "qr": lambda a: fnp.sum(L.qr(a)[1] ** 2) + fnp.sum(L.qr(a)[0]),
        "pinv": lambda a: fnp.sum(L.pinv(a) ** 2)
        + fnp.sum(L.cond(a) + L.matrix_norm(a, ord="nuc")),
    }


# Each case costs Numba compiles (seconds): `make test` runs one, `make test-all` all.
@pytest.mark.parametrize("name,dtype", [
    pytest.param(n, d, marks=() if (n, d) == ("svd", np.float32) else pytest.mark.slow)
    for n in ("svd", "eigh", "qr", "pinv") for d in (np.float64, np.float32)])
def test_factorizations_under_jit_match_eager(name, dtype):
    f = _factor_fns()[name]
    x = AS[:2].astype(dtype)
    tol = 1e-10 if dtype == np.float64 else 1e-4
    for fun in (f, fg.grad(f)):
        got, want = fg.jit(fun)(x), fun(x)
        assert np.asarray(got).dtype == dtype
        np.testing.assert_allclose(got, want, rtol=tol, atol=tol)


def test_pinv_and_rank_under_jit_compute_float32_in_float64_like_numpy():
    # NumPy computes a float32 SVD in float64; so does the compiled code, so ranks agree.
    low = (np.arange(12.0).reshape(4, 3) % 5).astype(np.float32)
    low[:, 2] = low[:, 0] + low[:, 1]
    assert np.linalg.matrix_rank(low) == 2
    assert fg.jit(L.matrix_rank)(low) == 2 and L.matrix_rank(low) == 2
    np.testing.assert_allclose(fg.jit(L.pinv)(low), np.linalg.pinv(low), rtol=1e-5, atol=1e-6)


# --- errors (factorizations) ------------------------------------------------------------------

def test_factorization_errors_name_the_problem_and_line():
    cases = [
        (lambda: L.svd(np.ones(3)), np.linalg.LinAlgError, r"svd: 1-dimensional"),
        (lambda: L.eigh(np.ones((2, 3))), ValueError, r"eigh: expected a square .*\(2, 3\)"),
        (lambda: L.eigh(A, UPLO="X"), ValueError, "UPLO must be 'L' or 'U'"),
        (lambda: L.qr(A, "economic"), ValueError, "unrecognized mode 'economic'"),
        (lambda: L.qr(A, "raw"), NotImplementedError, "mode='raw'"),
        (lambda: L.pinv(A, rcond=np.ones(3)), TypeError, "rcond must be a number"),
        (lambda: L.pinv(A, rcond=0.1, rtol=0.1), ValueError, "cannot both be set"),
        (lambda: L.lstsq(AS, np.ones(3)), np.linalg.LinAlgError, r"lstsq: .*vmap"),
        (lambda: L.lstsq(A, np.ones(4)), np.linalg.LinAlgError, "same m"),
        (lambda: L.matrix_rank(A, tol=1.0, rtol=1.0), ValueError, "cannot both be set"),
        (lambda: L.svd(np.array([[np.nan, 1.0], [1.0, 1.0]])), np.linalg.LinAlgError,
         "svd: the SVD did not converge"),
        (lambda: L.tensorinv(np.ones((2, 3)), ind=1), np.linalg.LinAlgError, "not square"),
        (lambda: L.tensorsolve(np.ones((2, 3)), np.ones(2)), np.linalg.LinAlgError,
         "square system"),
        (lambda: L.cross(np.ones(2), np.ones(2)), ValueError, "3 entries along axis -1"),
        (lambda: fg.grad(lambda a: fnp.real(fnp.sum(L.svd(a * (1 + 1j))[1])))(A), TypeError,
         "svd: complex matrices are not supported"),
        (lambda: L.solve(A.astype(complex), B), TypeError, "solve: complex matrices"),
        (lambda: fg.jit(lambda a: L.pinv(a, rcond=a[0, 0]))(A), TypeError,
         "rcond must be a number known when tracing"),
    ]
    for f, err, pattern in cases:
        with pytest.raises(err, match=pattern) as e:
            f()
        assert HERE in str(e.value), str(e.value)


def test_np_linalg_factorizations_on_tracers_dispatch_here():
    f = lambda a: (np.sum(np.linalg.svd(a, full_matrices=False)[1])  # noqa: E731
                   + np.sum(np.linalg.eigvalsh(a @ a.T)) + np.sum(np.linalg.eigh(a @ a.T)[0])
                   + np.sum(np.linalg.qr(a)[1] ** 2) + np.sum(np.linalg.pinv(a) ** 2)
                   + np.sum(np.linalg.lstsq(a, B)[0] ** 2) + np.linalg.cond(a)
                   + np.linalg.norm(a, 2) + np.sum(np.linalg.svdvals(a))
                   + np.sum(np.linalg.tensorinv(a, ind=1)) + np.linalg.matrix_rank(a))
    fg.check_grads(f, (A,), order=2)


# --- autograd cross-check ---------------------------------------------------------------------

autograd = pytest.importorskip("autograd", reason="autograd is in the dev extra")
anp = pytest.importorskip("autograd.numpy")

W = rng.standard_normal((3, 3))
CROSS = {
    "solve": (lambda m, a: m.sum(m.linalg.solve(a, B) ** 2 * W[:, :2]), A),
    "solve_vector": (lambda m, a: m.sum(m.linalg.solve(a, a[0]) ** 3), A),
    "solve_rhs": (lambda m, b: m.sum(m.linalg.solve(A, b) ** 2 * B), B),
    "inv": (lambda m, a: m.sum(m.linalg.inv(a) * W), A),
    "det": (lambda m, a: m.linalg.det(a * W), A),
    "slogdet": (lambda m, a: m.linalg.slogdet(a)[1] * m.sum(a), A),
    "cholesky": (lambda m, a: m.sum(m.linalg.cholesky(a @ a.T + m.eye(3)) * W), A),
    "norm": (lambda m, x: m.linalg.norm(x * W), A),
    "norm_axis": (lambda m, x: m.sum(m.linalg.norm(x, axis=1) * W[0]), A),
    # (autograd has no gradient for ord=1, and gives NaN for ord=inf: see test_norm_gradients)
    "norm_p3": (lambda m, x: m.linalg.norm(x[2], ord=3), A),
    "norm_fro": (lambda m, x: m.linalg.norm(x, ord="fro"), A),
    "svd": (lambda m, a: m.sum(m.abs(m.linalg.svd(a, full_matrices=False)[0]) * W)
            + m.sum(m.linalg.svd(a, full_matrices=False)[1] ** 3), A),
    "svd_tall": (lambda m, a: m.sum(m.linalg.svd(a.T[:, :2] @ a[:2], full_matrices=False)[1]),
                 A),
    "eigh": (lambda m, a: m.sum(m.abs(m.linalg.eigh(a @ a.T)[1]) * W)
             + m.sum(m.linalg.eigh(a @ a.T)[0] ** 2), A),
    "pinv": (lambda m, a: m.sum(m.linalg.pinv(a[:, :2]) * W[:2]), A),
}


@pytest.mark.parametrize("name", sorted(CROSS))
def test_gradients_and_hessians_agree_with_autograd(name):
    f, x = CROSS[name]
    g_ours = fg.grad(lambda v: f(fnp, v))(x)
    g_ag = autograd.grad(lambda v: f(anp, v))(x)
    close(g_ours, g_ag)
    h_ours = fg.hessian(lambda v: f(fnp, v))(x)
    h_ag = autograd.hessian(lambda v: f(anp, v))(x)
    close(h_ours, h_ag, 1e-9)


# --- JAX cross-check (in a child process: see tests/peers.py) ---------------------------------

JAX_CASES = {  # the same gauge-free functions, in funcgrad and in JAX
    "svd": "jnp.sum(jnp.abs(jnp.linalg.svd(a, full_matrices=False)[0]) * w) "
           "+ jnp.sum(jnp.linalg.svd(a, full_matrices=False)[1] ** 3)",
    "eigh": "jnp.sum(jnp.abs(jnp.linalg.eigh(a.T @ a)[1]) * w[:3]) "
            "+ jnp.sum(jnp.linalg.eigvalsh(a.T @ a) ** 2)",
    "qr": "jnp.sum(jnp.linalg.qr(a)[0] * w) + jnp.sum(jnp.linalg.qr(a)[1] ** 2)",
    "pinv": "jnp.sum(jnp.linalg.pinv(a) * w.T)",
    "lstsq": "jnp.sum(jnp.linalg.lstsq(a, w[:, 0])[0] ** 2)",
    "norms": "jnp.linalg.norm(a, 2) + jnp.linalg.norm(a, 'nuc') + jnp.linalg.cond(a)",
}


def jax_gradients(cases, scope, **inputs):
    """JAX's gradients of the expressions ``cases`` (of ``a``; ``jnp``, ``jax`` and the other
    ``inputs`` in scope), computed in a child process; and funcgrad's, from the same text with
    ``scope`` naming funcgrad's modules."""
    code = "import jax, jax.numpy as jnp, jax.scipy.linalg\n" + "".join(
        f"{k} = jnp.asarray(I[{k!r}])\n" for k in inputs if k != "a") + "".join(
        f"out[{k!r}] = jax.grad(lambda a: {v})(jnp.asarray(I['a']))\n" for k, v in cases.items())
    theirs = run_peer(["jax"], code, **inputs)
    scope = dict(scope, **{k: v for k, v in inputs.items() if k != "a"})
    ours = {k: fg.grad(eval(f"lambda a: {v}", scope))(inputs["a"]) for k, v in cases.items()}
    return ours, theirs


# A child process importing JAX and compiling its linalg rules: ~30 s here, so `make test-all`
# only (the autograd cross-check and the finite-difference table run in `make test`).
@pytest.mark.slow
def test_gradients_agree_with_jax():
    jnp = types.SimpleNamespace(sum=fnp.sum, abs=fnp.abs, linalg=fnp.linalg)
    ours, theirs = jax_gradients(JAX_CASES, {"jnp": jnp}, a=rng.standard_normal((4, 3)),
                                 w=rng.standard_normal((4, 3)))
    for name in JAX_CASES:
        close(ours[name], theirs[name], 1e-9)
