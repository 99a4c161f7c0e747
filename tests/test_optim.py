"""Optimizers: each update against its published formula by hand, and against torch.optim
trajectories (when torch is installed), over pytrees, eagerly and inside jit."""
import numpy as np
import pytest

import funcgrad as fg
import funcgrad.optim as optim

G = {"w": np.array([0.5, -1.0]), "b": np.array(2.0)}
P = {"w": np.array([1.0, 2.0]), "b": np.array(-1.0)}


def one_step(opt, grads=G, params=P, steps=1):
    state = opt.init(params)
    for _ in range(steps):
        updates, state = opt.update(grads, state, params)
        params = optim.apply_updates(params, updates)
    return params


def test_sgd_momentum_nesterov_by_hand():
    g = G["w"]
    np.testing.assert_allclose(one_step(optim.sgd(0.1))["w"], P["w"] - 0.1 * g)
    # two momentum steps with a constant gradient: buf = g, then 0.9 g + g
    np.testing.assert_allclose(one_step(optim.sgd(0.1, momentum=0.9), steps=2)["w"],
                               P["w"] - 0.1 * g - 0.1 * 1.9 * g)
    # nesterov: update = g + 0.9 * buf
    np.testing.assert_allclose(one_step(optim.sgd(0.1, 0.9, nesterov=True))["w"],
                               P["w"] - 0.1 * (g + 0.9 * g))


def test_adam_adamw_by_hand():
    g, p = G["w"], P["w"]
    # step 1: mu_hat = g, nu_hat = g^2 -> update = g / (|g| + eps)
    np.testing.assert_allclose(one_step(optim.adam(0.01))["w"], p - 0.01 * g / (np.abs(g) + 1e-8))
    np.testing.assert_allclose(one_step(optim.adamw(0.01, weight_decay=0.1))["w"],
                               p - 0.01 * (g / (np.abs(g) + 1e-8) + 0.1 * p))


def test_adagrad_rmsprop_by_hand():
    g, p = G["w"], P["w"]
    np.testing.assert_allclose(one_step(optim.adagrad(0.1))["w"],
                               p - 0.1 * g / (np.abs(g) + 1e-10))
    v = 0.1 * g * g
    np.testing.assert_allclose(one_step(optim.rmsprop(0.1, decay=0.9))["w"],
                               p - 0.1 * g / (np.sqrt(v) + 1e-8))


def test_clip_and_schedules():
    big = {"w": np.array([3.0, 4.0]), "b": np.array(0.0)}
    up, _ = optim.clip_by_global_norm(1.0).update(big, None)
    np.testing.assert_allclose(up["w"], [0.6, 0.8])
    assert float(optim.exponential_decay(1.0, 10, 0.5, staircase=True)(15)) == 0.5
    assert float(optim.cosine_decay(2.0, 10, alpha=0.1)(5)) == pytest.approx(2 * (0.45 + 0.1))
    assert float(optim.linear(1.0, 0.0, 4)(10)) == 0.0
    # a schedule inside sgd: step k uses lr(k)
    p = one_step(optim.sgd(optim.linear(1.0, 0.0, 2)), steps=3)
    np.testing.assert_allclose(p["w"], P["w"] - (1.0 + 0.5 + 0.0) * G["w"])


def test_optimizer_step_inside_jit_matches_eager():
    opt = optim.chain(optim.clip_by_global_norm(1.0), optim.adam(optim.cosine_decay(0.1, 50)))

    def loss(p):
        return (p["w"] ** 2).sum() + p["b"] ** 4

    def step(p, s):
        g = fg.grad(loss)(p)
        u, s = opt.update(g, s, p)
        return optim.apply_updates(p, u), s

    jstep = fg.jit(step)
    pe, se = P, opt.init(P)
    pj, sj = P, opt.init(P)
    for _ in range(10):
        pe, se = step(pe, se)
        pj, sj = jstep(pj, sj)
    for a, b in zip(fg.tree_leaves(pe), fg.tree_leaves(pj)):
        np.testing.assert_allclose(a, b, rtol=1e-12)


TORCH_CASES = {
    "sgd_momentum": (lambda: optim.sgd(0.05, momentum=0.9),
                     lambda t, ps: t.optim.SGD(ps, lr=0.05, momentum=0.9)),
    "sgd_nesterov": (lambda: optim.sgd(0.05, momentum=0.9, nesterov=True),
                     lambda t, ps: t.optim.SGD(ps, lr=0.05, momentum=0.9, nesterov=True)),
    "adam": (lambda: optim.adam(0.01), lambda t, ps: t.optim.Adam(ps, lr=0.01)),
    "adamw": (lambda: optim.adamw(0.01, weight_decay=0.05),
              lambda t, ps: t.optim.AdamW(ps, lr=0.01, weight_decay=0.05)),
    "adagrad": (lambda: optim.adagrad(0.1), lambda t, ps: t.optim.Adagrad(ps, lr=0.1)),
    "rmsprop": (lambda: optim.rmsprop(0.01, decay=0.99),
                lambda t, ps: t.optim.RMSprop(ps, lr=0.01, alpha=0.99)),
}


@pytest.mark.parametrize("name", sorted(TORCH_CASES))
def test_matches_torch_trajectory(name):
    torch = pytest.importorskip("torch", reason="torch is a benchmark peer, not installed")
    torch.set_default_dtype(torch.float64)
    rng = np.random.default_rng(0)
    A = rng.normal(size=(5, 3))
    w0 = rng.normal(size=3)

    def loss_np(w):
        return ((A @ w - 1.0) ** 2).sum() + (w ** 4).sum()

    ours, theirs = TORCH_CASES[name]
    opt = ours()
    w, s = w0.copy(), opt.init(w0)
    tw = torch.tensor(w0.copy(), requires_grad=True)
    topt = theirs(torch, [tw])
    At = torch.tensor(A)
    for _ in range(50):
        g = fg.grad(loss_np)(w)
        u, s = opt.update(g, s, w)
        w = optim.apply_updates(w, u)
        topt.zero_grad()
        (((At @ tw - 1.0) ** 2).sum() + (tw ** 4).sum()).backward()
        topt.step()
    np.testing.assert_allclose(w, tw.detach().numpy(), rtol=1e-10, atol=1e-12)
