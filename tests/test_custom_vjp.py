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


def test_under_make_ir_the_function_is_traced_and_grad_uses_the_rule():
    from funcgrad.core.interpret import eval_ir
    x = np.array([-3.0, 0.5, 4.0])
    ir = fg.make_ir(lambda x: fnp.sum(3.0 * clip_gradient(x)))(x)
    assert "custom_vjp_call" not in str(ir)  # forward: just the function's own equations
    gir = fg.make_ir(fg.grad(lambda x: fnp.sum(3.0 * clip_gradient(x))))(x)
    np.testing.assert_array_equal(eval_ir(gir, gir.consts, [x])[0], [1.0, 1.0, 1.0])
    lir = fg.make_ir(fg.grad(lambda x: fnp.sum(log1pexp(x))))(x)
    np.testing.assert_allclose(eval_ir(lir, lir.consts, [x])[0], 1 / (1 + np.exp(-x)),
                               rtol=1e-14)


@fg.custom_vjp
def scaled(p, x):
    """p["w"] * x, whose reverse rule deliberately doubles the gradient of w."""
    return p["w"] * x


scaled.defvjp(lambda p, x: (scaled(p, x), (p, x)),
              lambda r, ct: ({"w": 2.0 * fnp.sum(ct * r[1])}, ct * r[0]["w"]))


def test_vmap_in_both_orders_uses_the_rule_and_sums_over_unbatched_arguments():
    xs = np.array([[1.0, 2.0], [3.0, -1.0], [0.5, 0.5]])
    p = {"w": 1.5}
    np.testing.assert_allclose(fg.vmap(scaled, in_axes=(None, 0))(p, xs), 1.5 * xs)

    def total(p):
        return fnp.sum(fg.vmap(scaled, in_axes=(None, 0))(p, xs))

    assert fg.grad(total)(p)["w"] == pytest.approx(2.0 * xs.sum())  # the rule's doubling
    per_ex = fg.vmap(fg.grad(lambda p, x: fnp.sum(scaled(p, x))), in_axes=(None, 0))(p, xs)
    np.testing.assert_allclose(per_ex["w"], 2.0 * xs.sum(1))
    gx = fg.grad(lambda x: fnp.sum(fg.vmap(scaled, in_axes=(None, 0))(p, x) ** 2))(xs)
    np.testing.assert_allclose(gx, 2 * 1.5 * xs * 1.5)
    # under make_ir the batched call stays one call: its size does not grow with the batch
    n3 = len(fg.make_ir(fg.grad(total))(p).eqns)
    big = np.tile(xs, (20, 1))
    n60 = len(fg.make_ir(fg.grad(lambda p: fnp.sum(fg.vmap(scaled, in_axes=(None, 0))(p, big))))
              (p).eqns)
    assert n3 == n60


def test_second_order_through_a_traceable_bwd():
    # bwd uses the sigmoid of x, so the second derivative is sigmoid'(x) = s (1 - s)
    x = 0.3
    s = 1 / (1 + np.exp(-x))
    assert fg.grad(fg.grad(log1pexp))(x) == pytest.approx(s * (1 - s), rel=1e-12)
    h = fg.hessian(lambda v: fnp.sum(log1pexp(v)))(np.array([0.3, -1.0]))
    sv = 1 / (1 + np.exp(-np.array([0.3, -1.0])))
    np.testing.assert_allclose(h, np.diag(sv * (1 - sv)), rtol=1e-12)
