"""custom_jvp: the user's forward rule is used by jvp, by reverse mode (transposed), under jit,
vmap and at higher order; checked against closed forms and finite differences."""
import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp


@fg.custom_jvp
def f(x, y):
    return fnp.sin(x) * y


@f.defjvp
def _f_jvp(primals, tangents):
    (x, y), (tx, ty) = primals, tangents
    return f(x, y), fnp.cos(x) * y * tx + fnp.sin(x) * ty


@fg.custom_jvp
def clip_tangent(x):
    """Identity whose derivative is deliberately 2 (so we can see the rule is used)."""
    return x


clip_tangent.defjvp(lambda p, t: (p[0], 2.0 * t[0]))

X, Y = np.array([0.3, 1.2, -0.7]), np.array([2.0, -1.0, 0.5])


def loss(x, y):
    return fnp.sum(f(x, y) ** 2)


def test_a_correct_rule_gives_the_true_derivatives_in_every_mode():
    fg.check_grads(loss, (X, Y), order=2, modes=("fwd", "rev"))
    g = fg.grad(loss, (0, 1))(X, Y)
    s = np.sin(X) * Y
    np.testing.assert_allclose(g[0], 2 * s * np.cos(X) * Y, rtol=1e-14)
    np.testing.assert_allclose(g[1], 2 * s * np.sin(X), rtol=1e-14)


@pytest.mark.parametrize("transform", ["eager", "jit"])
def test_the_rule_is_used_not_the_true_derivative(transform):
    w = (lambda h: h) if transform == "eager" else fg.jit
    assert w(fg.grad(lambda x: 3.0 * clip_tangent(x)))(1.5) == 6.0
    assert w(lambda x: fg.jvp(clip_tangent, (x,), (1.0,))[1])(1.5) == 2.0
    h = fg.hessian(lambda x: clip_tangent(x) ** 2)(1.5)  # d/dx (2 * 2x) with the rule twice
    assert h == 8.0


def test_vmap_of_grad_and_grad_of_vmap():
    xs, ys = np.stack([X, 2 * X]), np.stack([Y, Y])
    want = np.stack([fg.grad(loss)(x, y) for x, y in zip(xs, ys)])
    np.testing.assert_allclose(fg.vmap(fg.grad(loss))(xs, ys), want, rtol=1e-14)
    g = fg.grad(lambda x: fnp.sum(fg.vmap(clip_tangent)(x)))(xs)
    np.testing.assert_array_equal(g, np.full_like(xs, 2.0))
    _, t = fg.jvp(fg.vmap(f), (xs, ys), (np.ones_like(xs), np.zeros_like(ys)))
    np.testing.assert_allclose(t, np.cos(xs) * ys, rtol=1e-14)


def test_rule_errors_are_clear():
    @fg.custom_jvp
    def g(x):
        return x

    with pytest.raises(TypeError, match="no rule: call .defjvp"):
        g(1.0)
    g.defjvp(lambda p, t: p[0])
    with pytest.raises(TypeError, match="must return a pair"):
        fg.jvp(g, (1.0,), (1.0,))
    g.defjvp(lambda p, t: (p[0], np.ones(2)))
    with pytest.raises(ValueError, match="tangent of shape"):
        fg.grad(g)(1.0)
