"""funcgrad.nn: activations and losses against closed forms, stability on extreme logits,
gradients against finite differences."""
import numpy as np
import pytest
from peers import run_peer

import funcgrad as fg
import funcgrad.nn as nn
import funcgrad.random as fr

LOGITS = np.array([[1000.0, -1000.0, 0.0], [-50.0, 20.0, 3.0]])


def test_stable_losses_on_extreme_logits():
    ce = nn.softmax_cross_entropy(LOGITS, np.array([0, 2]))
    assert np.isfinite(ce)
    # row 0: logp[0] = 0; row 1: logp[2] = 3 - logsumexp([-50, 20, 3])
    want = -(0.0 + 3 - (20 + np.log1p(np.exp(-17) + np.exp(-70)))) / 2
    assert float(ce) == pytest.approx(want, rel=1e-12)
    onehot = np.eye(3)[[0, 2]]
    assert float(nn.softmax_cross_entropy(LOGITS, onehot)) == pytest.approx(want, rel=1e-12)
    g = fg.grad(lambda z: nn.softmax_cross_entropy(z, np.array([0, 2])))(LOGITS)
    assert np.all(np.isfinite(g))
    bce = nn.binary_cross_entropy(np.array([800.0, -800.0]), np.array([0.0, 1.0]))
    assert float(bce) == pytest.approx(800.0)
    assert np.all(np.isfinite(nn.sigmoid(np.array([-1e4, 1e4]))))
    np.testing.assert_allclose(nn.softmax(LOGITS).sum(-1), 1.0)


def test_activations_closed_forms():
    x = np.linspace(-3, 3, 7)
    np.testing.assert_allclose(nn.softplus(x), np.log1p(np.exp(x)), rtol=1e-12)
    np.testing.assert_allclose(nn.sigmoid(x), 1 / (1 + np.exp(-x)), rtol=1e-12)
    np.testing.assert_allclose(
        nn.gelu(x), 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3))))
    np.testing.assert_allclose(fg.grad(lambda v: nn.relu(v).sum())(x), (x > 0).astype(float))


def test_losses_gradients_match_finite_differences():
    rng = np.random.default_rng(0)
    z, y = rng.normal(size=(4, 3)), np.array([0, 2, 1, 1])
    fg.check_grads(lambda z: nn.softmax_cross_entropy(z, y), (z,), order=2)
    fg.check_grads(lambda z: nn.binary_cross_entropy(z, (y > 0).astype(float)), (z[:, 0],))
    fg.check_grads(lambda s: nn.hinge(s, np.array([1.0, -1.0, 1.0, -1.0])), (z[:, 1] * 3,))
    params = nn.init_mlp(fr.key(0), [3, 5, 2])
    fg.check_grads(lambda p: nn.mse(nn.mlp(p, z, activation=nn.tanh), z[:, :2]), (params,))
    fg.check_grads(lambda p: nn.l2_penalty(p) + nn.l1_penalty(p), (params,), order=1)


def test_initializers_and_dropout():
    w = nn.glorot_uniform(fr.key(0), (100, 200))
    lim = np.sqrt(6 / 300)
    assert w.min() >= -lim and w.max() <= lim and abs(w.std() - lim / np.sqrt(3)) < 0.01
    assert abs(nn.he_normal(fr.key(1), (200, 300)).std() - np.sqrt(2 / 200)) < 0.005
    x = np.ones(10000)
    d = nn.dropout(fr.key(2), 0.25, x)
    assert abs((d == 0).mean() - 0.25) < 0.02 and abs(d.mean() - 1.0) < 0.03
    # dropout inside a jitted step with a traced key gives the same mask as eagerly
    np.testing.assert_array_equal(fg.jit(lambda k, x: nn.dropout(k, 0.5, x))(fr.key(3), x[:50]),
                                  nn.dropout(fr.key(3), 0.5, x[:50]))
    with pytest.raises(ValueError):
        nn.dropout(fr.key(0), 1.5, x)


def test_accuracy():
    assert nn.accuracy(np.array([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]]), np.array([1, 0, 0])) \
        == pytest.approx(2 / 3)
    assert nn.accuracy(np.array([0.5, -0.2]), np.array([1.0, -1.0])) == 1.0


# --- the JAX-named activations: closed forms, finite differences, JAX when installed --------

def _sig(x):
    return 1.0 / (1.0 + np.exp(-x))


# (function, value, derivative) written from the definitions, independent of funcgrad
ACTIVATIONS = {
    "silu": (nn.silu, lambda x: x * _sig(x), lambda x: _sig(x) * (1 + x * (1 - _sig(x)))),
    "swish": (nn.swish, lambda x: x * _sig(x), lambda x: _sig(x) * (1 + x * (1 - _sig(x)))),
    "leaky_relu": (nn.leaky_relu, lambda x: np.where(x >= 0, x, 0.01 * x),
                   lambda x: np.where(x >= 0, 1.0, 0.01)),
    "leaky_relu_0.2": (lambda x: nn.leaky_relu(x, negative_slope=0.2),
                       lambda x: np.where(x >= 0, x, 0.2 * x),
                       lambda x: np.where(x >= 0, 1.0, 0.2)),
    "elu": (nn.elu, lambda x: np.where(x > 0, x, np.exp(x) - 1),
            lambda x: np.where(x > 0, 1.0, np.exp(x))),
    "elu_2": (lambda x: nn.elu(x, alpha=2.0), lambda x: np.where(x > 0, x, 2 * (np.exp(x) - 1)),
              lambda x: np.where(x > 0, 1.0, 2 * np.exp(x))),
    "log_sigmoid": (nn.log_sigmoid, lambda x: np.log(_sig(x)), lambda x: 1 - _sig(x)),
    "relu6": (nn.relu6, lambda x: np.clip(x, 0, 6),
              lambda x: ((x > 0) & (x < 6)).astype(float)),
}
# away from the kinks at 0 and 6, where finite differences straddle two pieces
X_ACT = np.array([-7.5, -3.0, -0.7, -0.1, 0.2, 1.3, 4.0, 5.9, 6.4, 11.0])


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_value_and_gradient(name):
    f, value, deriv = ACTIVATIONS[name]
    np.testing.assert_allclose(f(X_ACT), value(X_ACT), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(fg.grad(lambda x: f(x).sum())(X_ACT), deriv(X_ACT),
                               rtol=1e-12, atol=1e-15)
    fg.check_grads(lambda x: f(x).sum(), (X_ACT,), order=2)
    np.testing.assert_allclose(fg.jit(f)(X_ACT), value(X_ACT), rtol=1e-12, atol=1e-15)
    assert f(X_ACT.astype(np.float32)).dtype == np.float32


def test_activations_at_the_kinks_follow_jax():
    # JAX's derivatives at the kinks: leaky_relu 1 at 0; relu6 0 at both 0 and 6; elu 1 at 0
    # from the left piece's exp(0)
    d = lambda f, x: float(fg.grad(f)(x))
    assert d(nn.leaky_relu, 0.0) == 1.0
    assert d(nn.relu6, 0.0) == 0.0 and d(nn.relu6, 6.0) == 0.0
    assert d(nn.elu, 0.0) == 1.0


def test_activations_are_stable_at_extremes():
    big = np.array([-1000.0, -40.0, 40.0, 1000.0])
    np.testing.assert_array_equal(nn.log_sigmoid(big)[[0, 3]], [-1000.0, 0.0])
    assert float(nn.log_sigmoid(-40.0)) == pytest.approx(-40.0 - np.exp(-40.0), rel=1e-15)
    for f in (nn.silu, nn.elu, nn.log_sigmoid, nn.relu6, nn.leaky_relu):
        assert np.all(np.isfinite(f(big))), f
        assert np.all(np.isfinite(fg.grad(lambda x: f(x).sum())(big))), f
    np.testing.assert_allclose(fg.grad(lambda x: nn.log_sigmoid(x).sum())(big), [1, 1, 0, 0],
                               atol=1e-17)
    np.testing.assert_array_equal(nn.silu(big)[[0, 3]], [0.0, 1000.0])


def test_standardize_against_numpy():
    rng = np.random.default_rng(1)
    x = rng.normal(3.0, 2.0, size=(4, 6))
    want = (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + 1e-5)
    np.testing.assert_allclose(nn.standardize(x), want, rtol=1e-12)
    want0 = (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-3)
    np.testing.assert_allclose(nn.standardize(x, axis=0, epsilon=1e-3), want0, rtol=1e-12)
    np.testing.assert_allclose(nn.standardize(x, mean=1.0, variance=4.0, epsilon=0.0),
                               (x - 1.0) / 2.0)
    mask = rng.random((4, 6)) < 0.6
    mask[:, 0] = True
    got = nn.standardize(x, where=mask)
    for i in range(4):
        row = x[i][mask[i]]
        np.testing.assert_allclose(got[i], (x[i] - row.mean()) / np.sqrt(row.var() + 1e-5),
                                   rtol=1e-12)
    fg.check_grads(lambda x: (nn.standardize(x) * np.arange(6.0)).sum(), (x,), order=2)
    np.testing.assert_allclose(fg.jit(nn.standardize)(x), want, rtol=1e-12)


def test_one_hot_eager_and_under_jit_with_traced_labels():
    labels = np.array([[0, 3], [2, 5]])  # 5 is out of range: an all-zero vector, as in JAX
    want = np.zeros((2, 2, 4))
    for i, j in np.ndindex(2, 2):
        if labels[i, j] < 4:
            want[i, j, labels[i, j]] = 1.0
    np.testing.assert_array_equal(nn.one_hot(labels, 4), want)
    got = fg.jit(lambda y: nn.one_hot(y, 4))(labels)
    np.testing.assert_array_equal(got, want)
    assert got.dtype == np.float64
    np.testing.assert_array_equal(nn.one_hot(labels, 4, axis=0), np.moveaxis(want, -1, 0))
    np.testing.assert_array_equal(fg.jit(lambda y: nn.one_hot(y, 4, axis=1))(labels),
                                  np.moveaxis(want, -1, 1))
    assert nn.one_hot(np.array([1, -1]), 3, dtype=np.float32).tolist() == [[0, 1, 0], [0, 0, 0]]
    assert nn.one_hot(np.array([1]), 3, dtype=np.float32).dtype == np.float32
    # the classifier idiom: cross-entropy against one_hot labels inside a jitted gradient
    logits = np.random.default_rng(0).normal(size=(3, 4))
    y = np.array([1, 0, 3])
    g = fg.jit(fg.grad(lambda z, y: nn.softmax_cross_entropy(z, nn.one_hot(y, 4))))(logits, y)
    np.testing.assert_allclose(g, (nn.softmax(logits) - np.eye(4)[y]) / 3, rtol=1e-12)


def test_one_hot_bad_arguments():
    with pytest.raises(TypeError, match=r"num_classes must be a non-negative int .*got 2.5 "
                                        r"\(at .*test_nn.py:\d+\)"):
        nn.one_hot(np.array([1]), 2.5)
    with pytest.raises(ValueError, match="axis 3 is out of range"):
        nn.one_hot(np.array([1]), 2, axis=3)


def test_new_activations_match_jax():
    x = np.linspace(-9, 9, 37)
    y = np.array([0, 2, 7, -1])
    names = ["silu", "leaky_relu", "elu", "log_sigmoid", "relu6", "standardize"]
    ref = run_peer(["jax"], """
        import jax
        for name in %r:
            f = getattr(jax.nn, name)
            out[name] = np.asarray(f(I["x"]))
            out["d_" + name] = np.asarray(jax.grad(lambda v: f(v).sum())(I["x"]))
        out["one_hot"] = np.asarray(jax.nn.one_hot(I["y"], 5))
        out["one_hot_0"] = np.asarray(jax.nn.one_hot(I["y"], 5, axis=0))
        """ % names, x=x, y=y)
    for name in names:
        f = getattr(nn, name)
        np.testing.assert_allclose(f(x), ref[name], rtol=1e-12, atol=1e-14, err_msg=name)
        np.testing.assert_allclose(fg.grad(lambda v: f(v).sum())(x), ref["d_" + name],
                                   rtol=1e-12, atol=1e-14, err_msg=name)
    np.testing.assert_array_equal(nn.one_hot(y, 5), ref["one_hot"])
    np.testing.assert_array_equal(nn.one_hot(y, 5, axis=0), ref["one_hot_0"])
