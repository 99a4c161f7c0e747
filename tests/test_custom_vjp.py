"""custom_vjp: the user's rule is used (not the true derivative) eagerly, under jit, vmap,
and inside higher-order derivatives; forward mode differentiates the function itself."""
import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.scipy.special import expit


@fg.custom_vjp
def clip_gradient(x):
    return x


clip_gradient.defvjp(lambda x: (x, None), lambda _, ct: (fnp.clip(ct, -1.0, 1.0),))


@fg.custom_vjp
def log1pexp(x):
    return fnp.log1p(fnp.exp(x))


def _fwd(x):
    return log1pexp(x), x


def _bwd(x, ct):
    # the stable derivative: sigmoid(x), never inf/inf
    return (ct * expit(x),)


log1pexp.defvjp(_fwd, _bwd)


def test_custom_rule_is_used_not_the_true_derivative():
    assert fg.grad(lambda x: 5.0 * clip_gradient(x))(2.0) == 1.0
    assert fg.grad(lambda x: -5.0 * clip_gradient(x))(2.0) == -1.0
    g = fg.jit(fg.grad(lambda x: fnp.sum(3.0 * clip_gradient(x))))(np.ones(3))
    np.testing.assert_array_equal(g, [1.0, 1.0, 1.0])


def test_stable_derivative_where_the_naive_one_overflows():
    x = np.array([-50.0, 0.0, 800.0])
    with np.errstate(over="ignore"):
        g = fg.grad(lambda x: fnp.sum(log1pexp(x)))(x)
    np.testing.assert_allclose(g, 1 / (1 + np.exp(-np.array([-50.0, 0.0, 50.0]))) * [1, 1, 0]
                               + [0, 0, 1.0], rtol=1e-12)
    assert np.all(np.isfinite(g))


def test_pytree_arguments_second_order_vmap_and_jvp():
    @fg.custom_vjp
    def f(p, x):
        return p["a"] * fnp.sin(x)

    f.defvjp(lambda p, x: (f(p, x), (p, x)),
             lambda r, ct: ({"a": ct * fnp.sin(r[1])}, ct * r[0]["a"] * fnp.cos(r[1])))
    p, x = {"a": 2.0}, 0.7
    gp, gx = fg.grad(f, argnums=(0, 1))(p, x)
    assert gp["a"] == pytest.approx(np.sin(0.7)) and gx == pytest.approx(2 * np.cos(0.7))
    # bwd is traceable, so it can be differentiated again
    assert fg.grad(fg.grad(f, argnums=1), argnums=1)(p, x) == pytest.approx(-2 * np.sin(0.7))
    xs = np.linspace(0, 1, 4)
    np.testing.assert_allclose(fg.vmap(fg.grad(lambda x: f(p, x)))(xs), 2 * np.cos(xs))
    assert fg.jvp(lambda x: f(p, x), (x,), (1.0,))[1] == pytest.approx(2 * np.cos(0.7))


def test_missing_rule_and_bad_bwd_are_clear_errors():
    @fg.custom_vjp
    def g(x):
        return x * 2.0
    with pytest.raises(TypeError, match="defvjp"):
        g(1.0)
    g.defvjp(lambda x: (g(x), None), lambda r, ct: ct)
    with pytest.raises(TypeError, match="tuple with one cotangent per argument"):
        fg.grad(g)(1.0)
