"""funcgrad.nn: activations and losses against closed forms, stability on extreme logits,
gradients against finite differences."""
import numpy as np
import pytest

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
