"""Transformations of the core: grad, value_and_grad, vjp, jvp, jacobians, hessian.

References are closed-form derivatives, finite differences and autograd.
"""
import math

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp


def test_micrograd_readme_values():
    from examples.micrograd_readme import main
    g, dg_da, dg_db = main()
    assert round(float(g), 4) == 24.7041
    assert round(float(dg_da), 4) == 138.8338
    assert round(float(dg_db), 4) == 645.5773


def test_no_perturbation_confusion():
    assert fg.grad(lambda x: x * fg.grad(lambda y: x + y)(1.0))(2.0) == 1.0
    # the inner derivative closes over the outer variable and must still see it as a constant
    f = lambda x: fg.grad(lambda y: x * y ** 2)(3.0)  # = 6x
    assert fg.grad(f)(5.0) == 6.0


@pytest.mark.parametrize("x", [-1.3, -0.2, 0.0, 0.7, 2.1])
def test_tanh_higher_order_closed_form(x):
    t = math.tanh(x)
    # d^k/dx^k tanh written in t = tanh(x):
    expected = [1 - t**2, -2 * t * (1 - t**2), (1 - t**2) * (6 * t**2 - 2),
                (1 - t**2) * (-24 * t**3 + 16 * t)]
    f = fnp.tanh
    for k in range(4):
        f = fg.grad(f)
        assert float(f(x)) == pytest.approx(expected[k], rel=1e-12, abs=1e-12)


def rosenbrock(x):
    return fnp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def rosenbrock_hessian(x):
    n = len(x)
    H = np.zeros((n, n))
    for i in range(n - 1):
        H[i, i] += 1200 * x[i] ** 2 - 400 * x[i + 1] + 2
        H[i, i + 1] += -400 * x[i]
        H[i + 1, i] += -400 * x[i]
        H[i + 1, i + 1] += 200
    return H


def test_hessian_rosenbrock_closed_form():
    x = np.random.default_rng(0).normal(size=6)
    np.testing.assert_allclose(fg.hessian(rosenbrock)(x), rosenbrock_hessian(x), rtol=1e-12,
                               atol=1e-9)


def test_hessian_logistic_nll_closed_form():
    rng = np.random.default_rng(1)
    X, w = rng.normal(size=(20, 4)), rng.normal(size=4)
    y = (rng.random(20) > 0.5).astype(float)

    def nll(w):
        z = X @ w
        return fnp.sum(fnp.log(1.0 + fnp.exp(z)) - y * z)

    p = 1 / (1 + np.exp(-X @ w))
    expected = X.T @ (X * (p * (1 - p))[:, None])
    np.testing.assert_allclose(fg.hessian(nll)(w), expected, rtol=1e-10)
    np.testing.assert_allclose(fg.grad(nll)(w), X.T @ (p - y), rtol=1e-10)


def test_jacfwd_of_jacrev_equals_hessian():
    x = np.array([0.3, -1.2, 0.8, 1.5])
    f = lambda x: fnp.sum(fnp.sin(x) * x[::-1]) + x[0] * x[1] * x[2]
    np.testing.assert_allclose(fg.jacfwd(fg.jacrev(f))(x), fg.hessian(f)(x), rtol=1e-12)
    np.testing.assert_allclose(fg.jacrev(fg.jacrev(f))(x), fg.hessian(f)(x), rtol=1e-12)


def test_jacobian_shapes_and_values():
    A = np.arange(6.0).reshape(2, 3)
    f = lambda x: A @ fnp.tanh(x)
    x = np.array([0.1, 0.2, 0.3])
    expected = A * (1 - np.tanh(x) ** 2)
    np.testing.assert_allclose(fg.jacrev(f)(x), expected, rtol=1e-13)
    np.testing.assert_allclose(fg.jacfwd(f)(x), expected, rtol=1e-13)
    assert fg.jacobian(lambda m: m * 2.0)(np.ones((2, 2))).shape == (2, 2, 2, 2)


def test_value_and_grad_argnums_and_aux():
    f = lambda x, y: (fnp.sum(x * y), {"norm": fnp.sum(x * x)})
    x, y = np.array([1.0, 2.0]), np.array([3.0, 4.0])
    (v, aux), (gx, gy) = fg.value_and_grad(f, argnums=(0, 1), has_aux=True)(x, y)
    assert v == 11.0 and aux["norm"] == 5.0
    np.testing.assert_array_equal(gx, y)
    np.testing.assert_array_equal(gy, x)
    g, aux2 = fg.grad(f, argnums=1, has_aux=True)(x, y)
    np.testing.assert_array_equal(g, x)
    assert fg.grad(lambda a, b: a * b, argnums=-1)(2.0, 5.0) == 2.0


def test_vjp_and_jvp_agree_with_each_other():
    rng = np.random.default_rng(2)
    W = rng.normal(size=(3, 4))
    f = lambda x: fnp.tanh(W @ x) * fnp.exp(-x[:3])
    x, v, u = rng.normal(size=4), rng.normal(size=4), rng.normal(size=3)
    y, f_vjp = fg.vjp(f, x)
    y2, jv = fg.jvp(f, (x,), (v,))
    np.testing.assert_allclose(y, y2)
    (uj,) = f_vjp(u)
    assert float(u @ jv) == pytest.approx(float(uj @ v), rel=1e-12)


def test_python_control_flow_on_values_under_grad():
    def f(x):
        total = 0.0
        while x < 10.0:  # data-dependent loop: works because grad sees concrete values
            x = x * 2.0
            total = total + x
        return total if x > 0 else -total
    # x=1.5: 3, 6, 12 -> total = 3+6+12 = 14x, derivative 14
    assert fg.grad(f)(1.5) == 14.0


def test_mlp_gradient_over_nested_pytree_matches_autograd_and_fd():
    import autograd
    import autograd.numpy as anp
    rng = np.random.default_rng(3)
    params = {"layers": [{"w": rng.normal(size=(3, 5)), "b": rng.normal(size=5)},
                         {"w": rng.normal(size=(5, 2)), "b": rng.normal(size=2)}],
              "scale": (np.array(0.7),)}
    X, Y = rng.normal(size=(8, 3)), rng.normal(size=(8, 2))

    def make(npm):
        def loss(p, X, Y):
            h = X
            for i, layer in enumerate(p["layers"]):
                h = h @ layer["w"] + layer["b"]
                if i == 0:
                    h = npm.tanh(h)
            return npm.mean((p["scale"][0] * h - Y) ** 2)
        return loss

    g = fg.grad(make(np))(params, X, Y)
    ga = autograd.grad(make(anp))(params, X, Y)
    assert fg.tree_structure(g) == fg.tree_structure(params)
    for a, b in zip(fg.tree_leaves(g), fg.tree_leaves(ga)):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    fg.check_grads(lambda p: make(np)(p, X, Y), (params,), order=2)


def test_integer_inputs_have_zero_cotangent_in_vjp():
    out, f_vjp = fg.vjp(lambda x, n: x * n, 2.0, 3)
    gx, gn = f_vjp(1.0)
    assert gx == 3.0 and gn == 0


def test_stop_gradient_every_order():
    f = lambda x: x ** 2 * fg.stop_gradient(x ** 2)
    assert fg.grad(f)(3.0) == 2 * 3.0 * 9.0
    assert fg.grad(fg.grad(f))(3.0) == 2 * 9.0


def test_float32_stays_float32():
    x = np.ones(3, np.float32)
    g = fg.grad(lambda x: fnp.sum(fnp.tanh(x) * 2.0 + x ** 2))(x)
    assert g.dtype == np.float32
    assert fg.hessian(lambda x: fnp.sum(x ** 3))(x).dtype == np.float32


def test_outputs_are_numpy_values():
    v, g = fg.value_and_grad(lambda x: fnp.sum(x ** 2))(np.ones(2))
    assert isinstance(v, np.floating) and isinstance(g, np.ndarray)
