"""funcgrad.numpy.fft: values against NumPy for every function, norm, n/s and axes; the
derivatives as linear maps in closed form (the Jacobian of ``fft`` is the DFT matrix), against
finite differences to second order and against JAX; jit, vmap, dtypes and errors."""
import numpy as np
import pytest
from peers import run_peer

import funcgrad as fg
import funcgrad.numpy as fnp

F = fnp.fft
RNG = np.random.default_rng(0)
X = RNG.normal(size=(4, 6))
Z = X + 1j * RNG.normal(size=(4, 6))
NORMS = (None, "backward", "ortho", "forward")

# (name, call with (module, array, norm), input)
CASES = [
    ("fft", lambda m, a, nm: m.fft(a, norm=nm), Z),
    ("fft_n_pad", lambda m, a, nm: m.fft(a, n=9, axis=0, norm=nm), X),
    ("ifft_n_cut", lambda m, a, nm: m.ifft(a, n=4, norm=nm), Z),
    ("rfft", lambda m, a, nm: m.rfft(a, norm=nm), X),
    ("rfft_n_odd", lambda m, a, nm: m.rfft(a, n=5, axis=0, norm=nm), X),
    ("irfft", lambda m, a, nm: m.irfft(a, norm=nm), Z),
    ("irfft_n_odd", lambda m, a, nm: m.irfft(a, n=7, norm=nm), Z),
    ("irfft_n_pad", lambda m, a, nm: m.irfft(a, n=14, axis=0, norm=nm), Z),
    ("hfft", lambda m, a, nm: m.hfft(a, n=9, norm=nm), Z),
    ("ihfft", lambda m, a, nm: m.ihfft(a, norm=nm), X),
    ("fft2", lambda m, a, nm: m.fft2(a, s=(3, 8), norm=nm), Z),
    ("ifft2", lambda m, a, nm: m.ifft2(a, norm=nm), Z),
    ("fftn_axes", lambda m, a, nm: m.fftn(a, axes=(1, 0), norm=nm), X),
    ("ifftn_s", lambda m, a, nm: m.ifftn(a, s=(5,), axes=(1,), norm=nm), Z),
    ("rfft2", lambda m, a, nm: m.rfft2(a, s=(5, 4), norm=nm), X),
    ("rfftn_axes", lambda m, a, nm: m.rfftn(a, axes=(1, 0), norm=nm), X),
    ("irfft2", lambda m, a, nm: m.irfft2(a, norm=nm), Z),
    ("irfftn_s", lambda m, a, nm: m.irfftn(a, s=(3, 7), axes=(0, 1), norm=nm), Z),
]


@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize("name,call,a", CASES, ids=[c[0] for c in CASES])
def test_values_match_numpy(name, call, a, norm):
    got, want = call(F, a, norm), call(np.fft, a, norm)
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    a32 = a.astype(np.complex64 if np.iscomplexobj(a) else np.float32)
    got32, want32 = call(F, a32, norm), call(np.fft, a32, norm)
    assert got32.dtype == want32.dtype  # float32 -> complex64, complex64 -> float32 ...
    np.testing.assert_allclose(got32, want32, rtol=2e-5, atol=2e-5)


@pytest.mark.parametrize("name,call,a", CASES, ids=[c[0] for c in CASES])
def test_derivatives_to_second_order(name, call, a):
    for norm in ("backward", "ortho"):
        fg.check_grads(lambda v: call(F, v, norm), (a,), order=2)


def _dft(n, sign=-1):
    j = np.arange(n)
    return np.exp(sign * 2j * np.pi * np.outer(j, j) / n)


def test_jacobians_are_dft_matrices():
    z, n = Z[0], Z.shape[1]
    W = _dft(n)
    for jac in (fg.jacfwd, fg.jacrev):
        np.testing.assert_allclose(jac(F.fft, holomorphic=True)(z), W, atol=1e-12)
        np.testing.assert_allclose(jac(F.ifft, holomorphic=True)(z), _dft(n, 1) / n,
                                   atol=1e-12)
    # rfft of real input: the first n // 2 + 1 rows of W (jacfwd takes real inputs)
    np.testing.assert_allclose(fg.jacfwd(F.rfft)(X[0]), W[: n // 2 + 1], atol=1e-12)
    # irfft (real output, complex input): jacrev's rows are gradients, df/dRe - i df/dIm,
    # which for x_k = 1/n sum_j c_j Re(X_j w^(jk)) is c_j w^(jk) / n, w = exp(2 pi i / n)
    for m_out in (6, 7):
        m = m_out // 2 + 1
        c = np.full(m, 2.0)
        c[0] = 1.0
        if m_out % 2 == 0:
            c[-1] = 1.0
        want = _dft(m_out, 1)[:, :m] * c / m_out
        got = fg.jacrev(lambda v: F.irfft(v, n=m_out))(Z[0, :m])
        np.testing.assert_allclose(got, want, atol=1e-12)


def test_spectral_loss_gradient_against_finite_differences():
    def loss(x):
        spec = F.rfft2(x)
        return fnp.sum(fnp.abs(spec) ** 2 * F.rfftfreq(x.shape[1])) / x.size
    fg.check_grads(loss, (X,), order=2)
    # Parseval: sum |fft(x)|^2 = n sum |x|^2, so its gradient is 2 n x
    g = fg.grad(lambda x: fnp.sum(fnp.abs(F.fft(x)) ** 2))(X[0])
    np.testing.assert_allclose(g, 2 * X.shape[1] * X[0], rtol=1e-12)


def test_under_jit_and_vmap():
    f = lambda z: F.irfft(F.fft(z) * F.fftshift(z), n=8)  # noqa: E731
    np.testing.assert_allclose(fg.jit(f)(Z), f(Z), rtol=1e-12)
    loss = lambda z: fnp.sum(f(z) ** 2)  # noqa: E731
    np.testing.assert_allclose(fg.jit(fg.grad(loss))(Z), fg.grad(loss)(Z), rtol=1e-12)
    per_row = np.stack([F.fft(z) for z in Z])
    np.testing.assert_allclose(fg.vmap(F.fft)(Z), per_row, rtol=1e-12)
    np.testing.assert_allclose(fg.vmap(F.rfft, in_axes=1, out_axes=1)(X), F.rfft(X, axis=0),
                               rtol=1e-12)
    gv = fg.vmap(fg.grad(loss))(Z[:, None])
    np.testing.assert_allclose(gv[:, 0], np.stack([fg.grad(loss)(z[None]) for z in Z])[:, 0],
                               rtol=1e-12)


def test_plain_numpy_calls_on_traced_values_dispatch_here():
    f = lambda x: np.sum(np.abs(np.fft.rfft(x)) ** 2)  # noqa: E731
    np.testing.assert_allclose(fg.grad(f)(X[0]), fg.grad(lambda x: fnp.sum(
        fnp.abs(F.rfft(x)) ** 2))(X[0]))


def test_shifts_and_frequencies():
    for x in (np.arange(5.0), np.arange(12.0).reshape(3, 4)):
        for axes in (None, 0, (-1,)):
            np.testing.assert_array_equal(fg.jit(lambda v: F.fftshift(v, axes))(x),
                                          np.fft.fftshift(x, axes))
            np.testing.assert_array_equal(fg.jit(lambda v: F.ifftshift(v, axes))(x),
                                          np.fft.ifftshift(x, axes))
    for n, d in ((1, 1.0), (4, 0.5), (7, 2.0)):
        np.testing.assert_array_equal(F.fftfreq(n, d), np.fft.fftfreq(n, d))
        np.testing.assert_array_equal(F.rfftfreq(n, d), np.fft.rfftfreq(n, d))
    # a traced spacing: d/dd of sum(fftfreq(n, d)**2) = -2 sum(f**2) / d
    g = fg.grad(lambda d: fnp.sum(F.fftfreq(8, d) ** 2))(0.5)
    np.testing.assert_allclose(g, -2 * np.sum(np.fft.fftfreq(8, 0.5) ** 2) / 0.5)


def test_errors():
    with pytest.raises(ValueError, match="Invalid norm"):
        F.fft(Z, norm="unitary")
    with pytest.raises(ValueError, match="at least 1"):
        F.fft(Z, n=0)
    with pytest.raises(TypeError, match="takes real input"):
        F.rfft(Z)
    with pytest.raises(ValueError, match="repeated axes"):
        F.fftn(Z, axes=(0, 0))
    with pytest.raises(ValueError, match="same length"):
        F.fftn(Z, s=(2, 2), axes=(0,))
    with pytest.raises(ValueError, match="pass n"):
        F.irfft(np.ones(1, complex))


def test_against_jax():
    ct = RNG.normal(size=(4, 8))
    ours = {
        "g_rfft2": fg.grad(lambda x: fnp.sum(fnp.abs(F.rfft2(x, norm="ortho")) ** 3))(X),
        "g_irfft": fg.grad(lambda z: fnp.sum(F.irfft(z, n=8) ** 3))(Z),
        "g_fft": fg.grad(lambda z: fnp.sum(fnp.real(F.fft(z)) * fnp.imag(F.ifft(z))))(Z),
        "vjp_hfft": fg.vjp(lambda z: F.hfft(z, n=8), Z)[1](ct)[0],
    }
    theirs = run_peer(["jax"], """
        import jax, jax.numpy as jnp
        F = jnp.fft
        x, z, ct = I["x"], I["z"], I["ct"]
        out["g_rfft2"] = jax.grad(lambda x: jnp.sum(jnp.abs(F.rfft2(x, norm="ortho")) ** 3))(x)
        out["g_irfft"] = jax.grad(lambda z: jnp.sum(F.irfft(z, n=8) ** 3))(z)
        out["g_fft"] = jax.grad(lambda z: jnp.sum(jnp.real(F.fft(z)) * jnp.imag(F.ifft(z))))(z)
        out["vjp_hfft"] = jax.vjp(lambda z: F.hfft(z, n=8), z)[1](ct)[0]
    """, x=X, z=Z, ct=ct)
    for k, v in ours.items():
        np.testing.assert_allclose(v, theirs[k], rtol=1e-10, atol=1e-12, err_msg=k)
