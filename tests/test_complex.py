"""Complex numbers end to end: JAX's derivative conventions (checked against closed forms, finite
differences in the real and imaginary directions, and JAX itself where installed), holomorphic
differentiation, complex arguments and outputs under jit and vmap, NumPy's promotion and
ordering, and the errors for what has no meaning.

The shared table (tests/table_complex.py) checks the complex functions one by one through real
arguments; here the arguments and outputs are complex themselves."""
import numpy as np
import pytest
from peers import run_peer

import funcgrad as fg
import funcgrad.numpy as fnp

RNG = np.random.default_rng(0)
Z = RNG.uniform(0.3, 1.5, (2, 3)) + 1j * RNG.uniform(-1.0, 1.0, (2, 3))

# real-valued functions of complex arguments (the grad convention), holomorphic ones with their
# derivatives (closed forms), and non-holomorphic complex-valued ones (vjp/jvp only)
REAL_FNS = {
    "abs2": lambda z: fnp.sum(fnp.abs(z) ** 2),
    "re_exp": lambda z: fnp.sum(fnp.real(fnp.exp(z) * fnp.conj(z))),
    "angle": lambda z: fnp.sum(fnp.angle(z) * fnp.imag(z)),
    "log_abs": lambda z: fnp.sum(fnp.log(fnp.abs(fnp.sin(z)))),
    "norm_matmul": lambda z: fnp.sum(fnp.abs(z @ z.T) ** 2),
}
HOLO_FNS = {
    "cube": (lambda z: z ** 3, lambda z: 3 * z ** 2),
    "exp_sin": (lambda z: fnp.exp(fnp.sin(z)), lambda z: np.exp(np.sin(z)) * np.cos(z)),
    "log": (lambda z: fnp.log(z), lambda z: 1 / z),
    "sqrt": (lambda z: fnp.sqrt(z), lambda z: 0.5 / np.sqrt(z)),
    "tanh": (lambda z: fnp.tanh(z), lambda z: 1 - np.tanh(z) ** 2),
    "pow": (lambda z: z ** (1.5 + 0.5j), lambda z: (1.5 + 0.5j) * z ** (0.5 + 0.5j)),
}


def _fd_gradient(f, z, eps=1e-6):
    """df/dx - i df/dy for real-valued f, by central differences (the JAX convention)."""
    g = np.zeros_like(z)
    for idx in np.ndindex(z.shape):
        e = np.zeros(z.shape)
        e[idx] = eps
        dx = (float(f(z + e)) - float(f(z - e))) / (2 * eps)
        dy = (float(f(z + 1j * e)) - float(f(z - 1j * e))) / (2 * eps)
        g[idx] = dx - 1j * dy
    return g


@pytest.mark.parametrize("name", sorted(REAL_FNS))
def test_grad_of_a_real_function_is_df_dx_minus_i_df_dy(name):
    f = REAL_FNS[name]
    g = fg.grad(f)(Z)
    assert g.dtype == np.complex128
    np.testing.assert_allclose(g, _fd_gradient(f, Z), rtol=1e-6, atol=1e-7)


def test_grad_of_abs_squared_is_twice_the_conjugate():
    np.testing.assert_allclose(fg.grad(lambda z: fnp.sum(fnp.abs(z) ** 2))(Z), 2 * np.conj(Z))
    assert fg.grad(lambda z: fnp.abs(z))(0j) == 0  # as JAX: 0 at the kink, never NaN


@pytest.mark.parametrize("name", sorted(HOLO_FNS))
def test_holomorphic_grad_and_jacobians_are_the_complex_derivative(name):
    f, df = HOLO_FNS[name]
    z = Z[0]
    g = fg.grad(lambda w: fnp.sum(f(w)), holomorphic=True)(z)
    np.testing.assert_allclose(g, df(z), rtol=1e-12)
    for jac in (fg.jacrev, fg.jacfwd):
        np.testing.assert_allclose(jac(f, holomorphic=True)(z), np.diag(df(z)), rtol=1e-12,
                                   atol=1e-14)
    # vjp and jvp with complex cotangents and tangents: ct * f'(z) and f'(z) * t
    ct = RNG.normal(size=3) + 1j * RNG.normal(size=3)
    _, f_vjp = fg.vjp(f, z)
    np.testing.assert_allclose(f_vjp(ct)[0], ct * df(z), rtol=1e-12)
    _, t = fg.jvp(f, (z,), (ct,))
    np.testing.assert_allclose(t, df(z) * ct, rtol=1e-12)


def test_hessian_of_a_holomorphic_function():
    h = fg.hessian(lambda z: fnp.sum(z ** 4), holomorphic=True)(Z[0])
    np.testing.assert_allclose(h, np.diag(12 * Z[0] ** 2), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("fun", [
    lambda z: fnp.exp(z) * fnp.conj(z),
    lambda z: fnp.abs(z) + 1j * fnp.angle(z),
    lambda z: fnp.sqrt(z) @ fnp.swapaxes(z, 0, 1) + fnp.real(z).sum(),
    lambda z: fnp.stack([fnp.max(z, axis=1), fnp.prod(z, axis=1)]),
    lambda z: fnp.cumsum(z, axis=1) * fnp.imag(z),
], ids=["exp_conj", "abs_angle", "matmul", "max_prod", "cumsum"])
def test_check_grads_on_complex_arguments_and_outputs(fun):
    # directions are complex: the real and the imaginary directions, to second order
    fg.check_grads(fun, (Z,), order=2)


def test_mixed_real_and_complex_arguments():
    def f(x, z):
        return fnp.sum(fnp.abs(x * z + fnp.sin(x)) ** 2)
    x = RNG.normal(size=3)
    fg.check_grads(f, (x, Z[1]), order=2)
    gx, gz = fg.grad(f, argnums=(0, 1))(x, Z[1])
    assert gx.dtype == np.float64 and gz.dtype == np.complex128
    # atol: central differences of a value ~10 carry ~1e-9 of rounding, more than rtol allows
    # an entry of the gradient near zero
    np.testing.assert_allclose(gz, _fd_gradient(lambda w: f(x, w), Z[1]), rtol=1e-6, atol=1e-8)


def test_complex64_stays_complex64():
    z = Z.astype(np.complex64)
    f = lambda z: fnp.sum(fnp.abs(fnp.exp(z) * 2.0 + 1j) ** 2)  # noqa: E731
    assert fg.grad(f)(z).dtype == np.complex64
    assert (fnp.exp(z) * 2.0 + 1j).dtype == np.complex64
    assert fg.jit(lambda z: fnp.exp(z) * 2.0 + 1j)(z).dtype == np.complex64
    np.testing.assert_allclose(fg.grad(f)(z), fg.grad(f)(Z), rtol=2e-5)


def test_promotion_follows_numpy_2():
    f32, f64 = np.ones(2, np.float32), np.ones(2)
    c64 = np.ones(2, np.complex64)
    cases = [(f32, c64), (f64, c64), (f32, 1j), (np.ones(2, np.int32), 1j), (c64, 2.0)]
    for a, b in cases:
        want = (a + b).dtype
        assert fg.jit(lambda a: a + b)(a).dtype == want  # a Python scalar b stays weak
        assert fg.grad(lambda a: fnp.sum(fnp.abs(a + b)))(a.astype(np.result_type(a, 0.0))) \
            .dtype == np.result_type(a, 0.0)


def test_ordering_is_lexicographic_as_in_numpy():
    a = np.array([1 + 2j, 1 + 3j, 0 + 5j, 1 + 3j, 2 - 1j])
    b = np.array([1 + 2j, 1 + 1j, 0 + 6j, 2 + 0j, 2 - 1j])
    binary = ("less", "less_equal", "greater", "greater_equal", "maximum", "minimum")
    reductions = ("max", "min", "argmax", "argmin")
    # one compiled function for all of them (each compile costs about a second)
    compiled = fg.jit(lambda a, b: ([getattr(fnp, n)(a, b) for n in binary],
                                    [getattr(fnp, n)(a) for n in reductions]))(a, b)
    for name, got in zip(binary, compiled[0]):
        np.testing.assert_array_equal(getattr(fnp, name)(a, b), getattr(np, name)(a, b))
        np.testing.assert_array_equal(got, getattr(np, name)(a, b), err_msg=name)
    m = a.reshape(1, 5)
    for name, got in zip(reductions, compiled[1]):
        assert got == getattr(np, name)(a), name
        np.testing.assert_array_equal(getattr(fnp, name)(m, axis=1), getattr(np, name)(m, 1))
    # the gradient of the max goes to the element that is the max; where real parts tie (a
    # point where the max is not differentiable) the real part's is shared, as for reals
    g = fg.grad(lambda z: fnp.real(fnp.max(z)) + 2 * fnp.imag(fnp.max(z)))
    np.testing.assert_allclose(g(a), [0, 0, 0, 0, 1 - 2j])
    np.testing.assert_allclose(g(b), [0, 0, 0, 0.5 - 2j, 0.5])


def test_nan_handling_follows_numpy():
    a = np.array([np.nan + 1j, 1 + 1j, 1 + np.inf * 1j])
    for name in ("isnan", "isinf", "isfinite"):
        np.testing.assert_array_equal(getattr(fnp, name)(a), getattr(np, name)(a))
    np.testing.assert_array_equal(fnp.maximum(a, 2 + 0j), np.maximum(a, 2 + 0j))


def test_parts_and_methods_on_traced_values():
    def f(z):
        return z.real * z.imag + fnp.abs(z.conj() - np.conj(z)) + np.real(z) + np.angle(z)
    want = f(Z)
    np.testing.assert_allclose(fg.jit(f)(Z), want)
    fg.check_grads(f, (Z,), order=2)
    # on real arrays: real is the array, imag is zeros, conj is the array
    x = np.array([1.0, -2.0])
    np.testing.assert_array_equal(fg.jit(lambda x: fnp.imag(x) + fnp.conj(x))(x), x)


def test_jit_values_and_gradients():
    fns = list(REAL_FNS.values())
    for f in fns:
        np.testing.assert_allclose(fg.jit(f)(Z), f(Z), rtol=1e-12)
        np.testing.assert_allclose(fg.jit(fg.grad(f))(Z), fg.grad(f)(Z), rtol=1e-10)
    f, _ = HOLO_FNS["exp_sin"]
    g = fg.grad(lambda z: fnp.sum(f(z)), holomorphic=True)
    np.testing.assert_allclose(fg.jit(g)(Z), g(Z), rtol=1e-12)
    # batched (3-d) matmul of complex stacks, and complex literals in generated code
    z3 = np.stack([Z, Z * 1j])
    mm = lambda z: (z @ fnp.swapaxes(z, 1, 2)) * (0.5 - 2j)  # noqa: E731
    np.testing.assert_allclose(fg.jit(mm)(z3), mm(z3), rtol=1e-12)
    assert "complex(" in fg.jit(mm).source(z3)


def test_vmap_of_complex_functions_and_gradients():
    f = REAL_FNS["re_exp"]
    per_row = np.stack([fg.grad(f)(z) for z in Z])
    np.testing.assert_allclose(fg.vmap(fg.grad(f))(Z), per_row, rtol=1e-12)
    np.testing.assert_allclose(fg.jit(fg.vmap(fg.grad(f)))(Z), per_row, rtol=1e-12)
    h = lambda z, w: fnp.exp(z) * fnp.conj(w)  # noqa: E731
    np.testing.assert_allclose(fg.vmap(h, in_axes=(1, None))(Z, Z[0, 0]),
                               h(Z, Z[0, 0]).T, rtol=1e-12)


def test_control_flow_carries_complex_values():
    def f(z):
        return fnp.real(fg.fori_loop(0, 3, lambda i, c: c * z + 1j, z)).sum()
    np.testing.assert_allclose(fg.grad(f)(Z[0]), _fd_gradient(f, Z[0]), rtol=1e-6)
    np.testing.assert_allclose(fg.jit(fg.grad(f))(Z[0]), fg.grad(f)(Z[0]), rtol=1e-12)


def _square_custom_jvp():
    @fg.custom_jvp
    def sq(z):
        return z * z
    sq.defjvp(lambda p, t: (p[0] * p[0], 2 * p[0] * t[0]))
    return sq


def _square_custom_vjp():
    @fg.custom_vjp
    def sq(z):
        return z * z
    sq.defvjp(lambda z: (z * z, z), lambda z, ct: (ct * 2 * z,))  # JAX's pairing: ct * f'(z)
    return sq


def test_derivatives_through_calls_loops_and_custom_rules():
    """Complex tangents and cotangents must cross every higher-order primitive (a jit call,
    checkpoint, cond, scan, while_loop, custom rules): one that treats only float as
    differentiable would give a zero gradient silently."""
    f = REAL_FNS["re_exp"]
    horner = lambda z: fnp.real(((z * z + 1j) * z + 1j) * z + 1j).sum()  # noqa: E731
    sq_jvp, sq_vjp = _square_custom_jvp(), _square_custom_vjp()
    cases = [
        (f, fg.jit(f)),
        (f, fg.checkpoint(f)),
        (f, lambda z: fg.cond(fnp.real(z[0, 0]) > 0, f, lambda z: 2.0 * f(z), z)),
        (horner, lambda z: fnp.real(fg.while_loop(
            lambda c: c[0] < 3, lambda c: (c[0] + 1, c[1] * z + 1j), (0, z))[1]).sum()),
        (lambda z: fnp.real(z[0] * z[1] + 1j).sum(),
         lambda z: fnp.real(fg.scan(lambda c, x: (c * x + 1j, None), z[0], z[1:])[0]).sum()),
        (lambda z: fnp.sum(fnp.abs(z * z) ** 2), lambda z: fnp.sum(fnp.abs(sq_jvp(z)) ** 2)),
        (lambda z: fnp.sum(fnp.abs(z * z) ** 2), lambda z: fnp.sum(fnp.abs(sq_vjp(z)) ** 2)),
    ]
    for plain, wrapped in cases:
        want = _fd_gradient(plain, Z)
        np.testing.assert_allclose(fg.grad(wrapped)(Z), want, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(fg.jit(fg.grad(fg.jit(f)))(Z), _fd_gradient(f, Z), rtol=1e-6)
    t = RNG.normal(size=Z.shape) + 1j * RNG.normal(size=Z.shape)
    np.testing.assert_allclose(fg.jvp(fg.jit(fnp.exp), (Z,), (t,))[1], np.exp(Z) * t,
                               rtol=1e-12)


def test_conjugating_products_and_functions_without_a_complex_form():
    """np.vdot and np.correlate conjugate an argument (and scipy.signal.correlate): against
    NumPy/SciPy. Functions with no complex form raise rather than drop the imaginary part."""
    import scipy.signal

    import funcgrad.scipy.signal as fsig
    import funcgrad.scipy.special as fsp
    a, v = Z[0], Z[1, :2]
    np.testing.assert_allclose(fnp.vdot(Z, Z[::-1]), np.vdot(Z, Z[::-1]), rtol=1e-12)
    for mode in ("full", "same", "valid"):
        for x, y in ((a, v), (v, a)):
            np.testing.assert_allclose(fnp.correlate(x, y, mode), np.correlate(x, y, mode),
                                       rtol=1e-12)
            np.testing.assert_allclose(fsig.correlate(x, y, mode),
                                       scipy.signal.correlate(x, y, mode, method="direct"),
                                       rtol=1e-12)
    fg.check_grads(lambda z: fnp.real(fnp.vdot(z, a) * fnp.sum(fnp.correlate(a, z))), (a,),
                   order=2)
    for f in (fsp.erf, fsp.gammaln, fsp.expit, fsp.logsumexp, fsp.softmax):
        with pytest.raises(TypeError, match="takes real arguments, got complex128"):
            f(Z)
    with pytest.raises(TypeError, match="frexp is not defined for complex"):
        fnp.frexp(Z)
    with pytest.raises(TypeError, match="heaviside is not defined for complex"):
        fnp.heaviside(Z, 0.5)


def test_errors_say_what_to_do():
    with pytest.raises(TypeError, match="holomorphic=True"):
        fg.grad(lambda z: fnp.sum(z ** 2))(Z)
    with pytest.raises(TypeError, match="holomorphic=True requires complex inputs"):
        fg.grad(lambda x: x ** 2, holomorphic=True)(1.0)
    with pytest.raises(TypeError, match="holomorphic=True requires .* complex values"):
        fg.grad(lambda z: fnp.abs(z), holomorphic=True)(1j)
    with pytest.raises(TypeError, match="jacfwd requires real inputs"):
        fg.jacfwd(fnp.abs)(Z)
    with pytest.raises(TypeError, match="jacrev requires .* real values"):
        fg.jacrev(fnp.exp)(Z)
    with pytest.raises(TypeError, match="imaginary part would be dropped"):
        fg.vjp(fnp.sin, 1.0)[1](1j)
    with pytest.raises(TypeError, match="imaginary part would be dropped"):
        fg.jvp(fnp.sin, (1.0,), (1j,))
    with pytest.raises(TypeError, match="not defined for complex operands"):
        fg.make_ir(lambda z: fnp.arctan2(z, z))(Z)
    with pytest.raises(TypeError, match="not defined for complex operands"):
        fg.jit(fnp.floor)(Z)


def test_against_jax():
    ct = RNG.normal(size=Z.shape) + 1j * RNG.normal(size=Z.shape)
    ours = {
        "g_abs2": fg.grad(REAL_FNS["abs2"])(Z),
        "g_re_exp": fg.grad(REAL_FNS["re_exp"])(Z),
        "g_angle": fg.grad(REAL_FNS["angle"])(Z),
        "g_hol": fg.grad(lambda z: fnp.sum(fnp.exp(fnp.sin(z))), holomorphic=True)(Z),
        "vjp": fg.vjp(lambda z: fnp.exp(z) * fnp.conj(z), Z)[1](ct)[0],
        "jvp": fg.jvp(lambda z: fnp.sqrt(z) * fnp.abs(z), (Z,), (ct,))[1],
        "jac": fg.jacrev(lambda z: fnp.abs(z))(Z[0]),
    }
    theirs = run_peer(["jax"], """
        import jax, jax.numpy as jnp
        z, ct = I["z"], I["ct"]
        out["g_abs2"] = jax.grad(lambda z: jnp.sum(jnp.abs(z) ** 2))(z)
        out["g_re_exp"] = jax.grad(lambda z: jnp.sum(jnp.real(jnp.exp(z) * jnp.conj(z))))(z)
        out["g_angle"] = jax.grad(lambda z: jnp.sum(jnp.angle(z) * jnp.imag(z)))(z)
        out["g_hol"] = jax.grad(lambda z: jnp.sum(jnp.exp(jnp.sin(z))), holomorphic=True)(z)
        out["vjp"] = jax.vjp(lambda z: jnp.exp(z) * jnp.conj(z), z)[1](ct)[0]
        out["jvp"] = jax.jvp(lambda z: jnp.sqrt(z) * jnp.abs(z), (z,), (ct,))[1]
        out["jac"] = jax.jacrev(lambda z: jnp.abs(z))(z[0])
    """, z=Z, ct=ct)
    for k, v in ours.items():
        np.testing.assert_allclose(v, theirs[k], rtol=1e-12, atol=1e-14, err_msg=k)
