"""eig and eigvals of general matrices: values against NumPy (always complex, as in JAX),
derivatives in closed form (diagonal, triangular and rotation matrices), against finite
differences to second order (real and complex matrices, stacks), and against JAX; NaN at
repeated eigenvalues; jit and vmap."""
import numpy as np
import pytest
from peers import run_peer

import funcgrad as fg
import funcgrad.numpy as fnp

LA = fnp.linalg
RNG = np.random.default_rng(0)
A = np.diag([1.0, 2.5, -1.5, 4.0]) + 0.4 * RNG.normal(size=(4, 4))
B = RNG.normal(size=(3, 3))  # a pair of complex eigenvalues
C = RNG.normal(size=(3, 3)) + 1j * RNG.normal(size=(3, 3))


def test_values_match_numpy_and_are_complex():
    for a in (A, B, C, np.stack([B, B.T + 1.0]), A.astype(np.float32)):
        w, v = LA.eig(a)
        W, V = np.linalg.eig(a)
        assert w.dtype == np.result_type(a.dtype, np.complex64) == v.dtype
        tol = 1e-5 if a.dtype == np.float32 else 1e-12
        np.testing.assert_allclose(w, W, rtol=tol, atol=tol)
        np.testing.assert_allclose(v, V, rtol=tol, atol=tol)
        np.testing.assert_allclose(LA.eigvals(a), W, rtol=tol, atol=tol)
    w, v = LA.eig(np.arange(4).reshape(2, 2))  # integers compute in float64
    assert w.dtype == np.complex128
    assert isinstance(LA.eig(A), tuple) and LA.eig(A).eigenvectors.shape == (4, 4)


@pytest.mark.parametrize("a", [A, B, C, np.stack([A[:3, :3], B])], ids=["real", "pair", "complex",
                                                                         "stack"])
def test_derivatives_to_second_order(a):
    fg.check_grads(LA.eigvals, (a,), order=2)
    # the phase of an eigenvector is arbitrary: |v| and v v^H are well defined
    fg.check_grads(lambda m: fnp.abs(LA.eig(m)[1]), (a,), order=2, atol=1e-4, rtol=1e-4)

    def projector(m):
        v = LA.eig(m)[1][..., 0]
        return v[..., :, None] * fnp.conj(v[..., None, :])
    fg.check_grads(projector, (a,), order=1, atol=1e-4, rtol=1e-4)


def test_closed_forms():
    # a diagonal matrix: V = I, so d w_i / d a_jk = [i == j == k]; an upper triangular one
    # keeps its eigenvalues (its diagonal) when its strictly upper entries move
    d = np.diag([1.0, 2.0, 3.0])
    want = np.zeros((3, 3, 3))
    for i in range(3):
        want[i, i, i] = 1.0
    jac = fg.jacrev(lambda a: fnp.real(LA.eigvals(a)))
    np.testing.assert_allclose(jac(d), want, atol=1e-12)
    upper = np.triu(np.ones((3, 3)), 1).astype(bool)
    tri = jac(d + np.triu(RNG.normal(size=(3, 3)), 1))
    np.testing.assert_allclose(tri[:, upper], 0.0, atol=1e-12)
    np.testing.assert_allclose(np.einsum("ijj->ij", tri), np.eye(3), atol=1e-12)
    # [[a, -b], [b, a]] has eigenvalues a +- ib: d/da = 1, d/db = +-i
    def w_of(p):
        a, b = p[0], p[1]
        return LA.eigvals(fnp.stack([fnp.stack([a, -b]), fnp.stack([b, a])]))
    p = np.array([0.7, 1.3])
    w = w_of(p)
    jac = fg.jacfwd(w_of)(p)
    np.testing.assert_allclose(jac[:, 0], [1, 1], atol=1e-12)
    np.testing.assert_allclose(jac[:, 1], np.sign(w.imag) * 1j, atol=1e-12)
    # the trace is the sum of the eigenvalues: its gradient is the identity
    g = fg.grad(lambda a: fnp.real(fnp.sum(LA.eigvals(a))))(A)
    np.testing.assert_allclose(g, np.eye(4), atol=1e-12)
    # d w = u^H dA v / (u^H v) with u a left eigenvector (an eigenvector of A^H)
    w, v = np.linalg.eig(B)
    wl, u = np.linalg.eig(B.conj().T)
    k = 0
    j = int(np.argmin(np.abs(wl.conj() - w[k])))
    da = RNG.normal(size=(3, 3))
    want = u[:, j].conj() @ da @ v[:, k] / (u[:, j].conj() @ v[:, k])
    np.testing.assert_allclose(fg.jvp(LA.eigvals, (B,), (da,))[1][k], want, rtol=1e-10)


def test_repeated_eigenvalues_give_nan():
    g = fg.grad(lambda a: fnp.real(fnp.sum(LA.eigvals(a))))(np.eye(3))
    assert np.isnan(g).all()
    t = fg.jvp(lambda a: LA.eig(a)[1], (np.diag([1.0, 1.0, 2.0]),), (np.ones((3, 3)),))[1]
    assert not np.isfinite(t).all()


def test_under_jit_and_vmap():
    loss = lambda a: fnp.sum(fnp.real(LA.eigvals(a)) ** 2 + fnp.abs(LA.eig(a)[1]))  # noqa: E731
    np.testing.assert_allclose(fg.jit(loss)(A), loss(A), rtol=1e-12)
    np.testing.assert_allclose(fg.jit(fg.grad(loss))(A), fg.grad(loss)(A), rtol=1e-10)
    stack = np.stack([A, A + 0.1 * np.eye(4)])
    np.testing.assert_allclose(fg.vmap(fg.grad(loss))(stack),
                               np.stack([fg.grad(loss)(a) for a in stack]), rtol=1e-10)
    np.testing.assert_allclose(fg.grad(loss)(stack[1]), fg.grad(loss)(stack[1]))


def test_errors():
    with pytest.raises(ValueError, match="square"):
        LA.eig(np.ones((2, 3)))
    with pytest.raises(np.linalg.LinAlgError, match="eig"):
        LA.eigvals(np.full((2, 2), np.nan))


def test_against_jax():
    ct = RNG.normal(size=4) + 1j * RNG.normal(size=4)
    ours = {
        "g_vals": fg.grad(lambda a: fnp.sum(fnp.abs(LA.eigvals(a)) ** 2))(B),
        "g_vecs": fg.grad(lambda a: fnp.sum(fnp.abs(LA.eig(a)[1]) ** 3))(A),
        "vjp_complex": fg.vjp(LA.eigvals, C)[1](ct[:3])[0],
        "jvp": fg.jvp(LA.eigvals, (A,), (B[:1].repeat(4, 0)[:, [0, 1, 2, 0]],))[1],
    }
    theirs = run_peer(["jax"], """
        import jax, jax.numpy as jnp
        a, b, c, ct, t = I["a"], I["b"], I["c"], I["ct"], I["t"]
        out["g_vals"] = jax.grad(lambda m: jnp.sum(jnp.abs(jnp.linalg.eigvals(m)) ** 2))(b)
        def vectors(m):  # JAX asks to opt in: the phase is arbitrary (abs is invariant)
            return jax.lax.linalg.eig(m, compute_left_eigenvectors=False,
                                      enable_eigvec_derivs=True)[1]
        out["g_vecs"] = jax.grad(lambda m: jnp.sum(jnp.abs(vectors(m)) ** 3))(a)
        out["vjp_complex"] = jax.vjp(jnp.linalg.eigvals, c)[1](ct[:3])[0]
        out["jvp"] = jax.jvp(jnp.linalg.eigvals, (a,), (t,))[1]
    """, a=A, b=B, c=C, ct=ct, t=B[:1].repeat(4, 0)[:, [0, 1, 2, 0]])
    for k, v in ours.items():
        np.testing.assert_allclose(v, theirs[k], rtol=1e-8, atol=1e-10, err_msg=k)
