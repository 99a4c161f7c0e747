"""Optimizers: every one against its published update rule over several steps of a trajectory
computed by hand here (plain NumPy loops written from the papers' and Optax's formulas), over a
pytree, eagerly and inside jit; against Optax (in a child process) and torch.optim where
installed."""
import functools

import numpy as np
import pytest
from peers import run_peer

import funcgrad as fg
import funcgrad.optim as optim

G = {"w": np.array([0.5, -1.0]), "b": np.array(2.0)}
P = {"w": np.array([1.0, 2.0]), "b": np.array(-1.0)}

# --- a trajectory: T steps of a varying gradient, so that e.g. Adam's b1 and b2 disagree ----

T = 6
P0 = {"b": np.array(0.3), "w": np.array([1.0, -2.0, 0.5])}
_rng = np.random.default_rng(7)
GRADS = [{"b": np.array(_rng.normal()), "w": _rng.normal(size=3)} for _ in range(T)]


def trajectory(opt, grads=GRADS, params=P0, jit=False):
    """The params after each step of ``opt`` fed ``grads`` (``update`` given the params)."""
    def step(p, s, g):
        u, s = opt.update(g, s, p)
        return optim.apply_updates(p, u), s

    step = fg.jit(step) if jit else step
    state, out = opt.init(params), []
    for g in grads:
        params, state = step(params, state, g)
        out.append(params)
    return out


def by_leaf(ref, grads=GRADS, params=P0, **hyper):
    """The hand-written ``ref(gradients, p0, **hyper)`` run on each leaf on its own."""
    per = {k: ref([g[k] for g in grads], params[k], **hyper) for k in params}
    return [{k: per[k][t] for k in params} for t in range(len(grads))]


def assert_trajectories(got, want, rtol=1e-12):
    assert len(got) == len(want)
    for t, (a, b) in enumerate(zip(got, want)):
        for k in b:
            np.testing.assert_allclose(a[k], b[k], rtol=rtol, atol=1e-14,
                                       err_msg=f"step {t + 1}, leaf {k!r}")


# --- references, from the published update rules ----------------------------------------------

def ref_sgd(gs, p, lr, momentum=0.0, nesterov=False):
    """buf = g + m * buf; p -= lr * buf (Nesterov: p -= lr * (g + m * buf)), as torch."""
    buf, out = 0.0, []
    for g in gs:
        buf = g + momentum * buf
        p = p - lr * (g + momentum * buf if nesterov else buf)
        out.append(p)
    return out


def ref_adagrad(gs, p, lr, init=0.0, eps=1e-10):
    s, out = init, []
    for g in gs:
        s = s + g * g
        p = p - lr * g / (np.sqrt(s) + eps)
        out.append(p)
    return out


def ref_rmsprop(gs, p, lr, decay, eps=1e-8):
    v, out = 0.0, []
    for g in gs:
        v = decay * v + (1 - decay) * g * g
        p = p - lr * g / (np.sqrt(v) + eps)
        out.append(p)
    return out


def ref_adam(gs, p, lr, b1=0.9, b2=0.999, eps=1e-8, wd=0.0, nesterov=False):
    """Kingma & Ba's Algorithm 1; decoupled weight decay ``wd`` (Loshchilov & Hutter);
    ``nesterov``: NAdam's look-ahead first moment (Dozat 2016, as Optax writes it).
    ``lr`` may be a list, one per step."""
    m = v = 0.0
    out = []
    for t, g in enumerate(gs, 1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        if nesterov:
            m_hat = b1 * m / (1 - b1 ** (t + 1)) + (1 - b1) * g / (1 - b1 ** t)
        else:
            m_hat = m / (1 - b1 ** t)
        v_hat = v / (1 - b2 ** t)
        step_lr = lr[t - 1] if isinstance(lr, list) else lr
        p = p - step_lr * (m_hat / (np.sqrt(v_hat) + eps) + wd * p)
        out.append(p)
    return out


def ref_lion(gs, p, lr, b1=0.9, b2=0.99, wd=1e-3):
    """Chen et al. 2023, Algorithm 2: u = sign(b1 m + (1 - b1) g); m = b2 m + (1 - b2) g."""
    m, out = 0.0, []
    for g in gs:
        u = np.sign(b1 * m + (1 - b1) * g)
        m = b2 * m + (1 - b2) * g
        p = p - lr * (u + wd * p)
        out.append(p)
    return out


OPTIMIZERS = {  # name: (funcgrad optimizer, reference trajectory)
    "sgd": (lambda: optim.sgd(0.1), lambda: by_leaf(ref_sgd, lr=0.1)),
    "momentum": (lambda: optim.sgd(0.1, momentum=0.9),
                 lambda: by_leaf(ref_sgd, lr=0.1, momentum=0.9)),
    "nesterov": (lambda: optim.sgd(0.1, momentum=0.8, nesterov=True),
                 lambda: by_leaf(ref_sgd, lr=0.1, momentum=0.8, nesterov=True)),
    "adagrad": (lambda: optim.adagrad(0.2, initial_accumulator_value=0.1),
                lambda: by_leaf(ref_adagrad, lr=0.2, init=0.1)),
    "rmsprop": (lambda: optim.rmsprop(0.05, decay=0.8),
                lambda: by_leaf(ref_rmsprop, lr=0.05, decay=0.8)),
    "adam": (lambda: optim.adam(0.1), lambda: by_leaf(ref_adam, lr=0.1)),
    "adam_b": (lambda: optim.adam(0.1, b1=0.7, b2=0.95, eps=1e-3),
               lambda: by_leaf(ref_adam, lr=0.1, b1=0.7, b2=0.95, eps=1e-3)),
    "adamw": (lambda: optim.adamw(0.1, weight_decay=0.2),
              lambda: by_leaf(ref_adam, lr=0.1, wd=0.2)),
    "nadam": (lambda: optim.nadam(0.1), lambda: by_leaf(ref_adam, lr=0.1, nesterov=True)),
    "nadam_b": (lambda: optim.nadam(0.1, b1=0.6, b2=0.9),
                lambda: by_leaf(ref_adam, lr=0.1, b1=0.6, b2=0.9, nesterov=True)),
    "lion": (lambda: optim.lion(0.1), lambda: by_leaf(ref_lion, lr=0.1)),
    "lion_b": (lambda: optim.lion(0.05, b1=0.5, b2=0.8, weight_decay=0.3),
               lambda: by_leaf(ref_lion, lr=0.05, b1=0.5, b2=0.8, wd=0.3)),
    "adam_schedule": (lambda: optim.adam(optim.linear_schedule(0.2, 0.0, 4)),
                      lambda: by_leaf(ref_adam, lr=[0.2, 0.15, 0.1, 0.05, 0.0, 0.0])),
}


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_trajectory_matches_the_published_rule(name):
    ours, ref = OPTIMIZERS[name]
    assert_trajectories(trajectory(ours()), ref())


@pytest.mark.parametrize("name", ["adam", "nadam", "lion", "adamw"])
def test_trajectory_inside_jit(name):
    ours, ref = OPTIMIZERS[name]
    assert_trajectories(trajectory(ours(), jit=True), ref(), rtol=1e-11)


def test_float32_params_stay_float32():
    p32 = {k: v.astype(np.float32) for k, v in P0.items()}
    g32 = [{k: v.astype(np.float32) for k, v in g.items()} for g in GRADS]
    for name in ("adam", "nadam", "lion", "adagrad", "rmsprop", "momentum"):
        last = trajectory(OPTIMIZERS[name][0](), g32, p32)[-1]
        assert all(v.dtype == np.float32 for v in last.values()), name
        np.testing.assert_allclose(last["w"], OPTIMIZERS[name][1]()[-1]["w"], rtol=1e-4)


def test_clip_by_global_norm_in_a_chain():
    opt = optim.chain(optim.clip_by_global_norm(1.0), optim.sgd(0.1))
    want, p = [], dict(P0)
    for g in GRADS:  # the norm over all leaves together
        norm = np.sqrt(sum(np.sum(v * v) for v in g.values()))
        scale = min(1.0, 1.0 / norm)
        p = {k: p[k] - 0.1 * scale * g[k] for k in p}
        want.append(p)
    assert_trajectories(trajectory(opt), want)
    big = {"w": np.array([3.0, 4.0]), "b": np.array(0.0)}
    up, _ = optim.clip_by_global_norm(1.0).update(big, None)
    np.testing.assert_allclose(up["w"], [0.6, 0.8])


# --- wrappers ----------------------------------------------------------------------------------

def test_masked_transforms_only_the_selected_leaves():
    opt = optim.masked(optim.adam(0.1), {"b": False, "w": True})
    got = trajectory(opt)
    adam_w = by_leaf(ref_adam, lr=0.1)
    b = P0["b"] + np.cumsum([g["b"] for g in GRADS])  # unmasked: the update is the gradient
    assert_trajectories(got, [{"w": adam_w[t]["w"], "b": b[t]} for t in range(T)])
    assert_trajectories(trajectory(opt, jit=True), got, rtol=1e-11)
    # no state is kept for the unmasked leaf: adam's count, mu.w, nu.w and the lr's count
    assert len(fg.tree_leaves(opt.init(P0))) == 4
    # a mask function of the params, and a mask that is a prefix of the params
    by_ndim = optim.masked(optim.adam(0.1), lambda p: fg.tree_map(lambda x: np.ndim(x) > 0, p))
    assert_trajectories(trajectory(by_ndim), got)
    nested = {"layer": {"w": np.ones(2), "b": np.ones(2)}, "scale": np.ones(1)}
    decay = optim.masked(optim.add_decayed_weights(0.5), {"layer": True, "scale": False})
    up, _ = decay.update(fg.tree_map(np.zeros_like, nested), decay.init(nested), nested)
    assert up["layer"]["w"].tolist() == [0.5, 0.5] and up["scale"].tolist() == [0.0]


def test_weight_decay_mask():
    opt = optim.adamw(0.1, weight_decay=0.2, mask={"b": False, "w": True})
    wd_w = by_leaf(ref_adam, lr=0.1, wd=0.2)
    plain_b = by_leaf(ref_adam, lr=0.1)
    assert_trajectories(trajectory(opt),
                        [{"w": wd_w[t]["w"], "b": plain_b[t]["b"]} for t in range(T)])
    lion = optim.lion(0.1, weight_decay=0.5, mask=lambda p: {"b": True, "w": False})
    wd_b = by_leaf(ref_lion, lr=0.1, wd=0.5)
    plain_w = by_leaf(ref_lion, lr=0.1, wd=0.0)
    assert_trajectories(trajectory(lion),
                        [{"w": plain_w[t]["w"], "b": wd_b[t]["b"]} for t in range(T)])


def test_masked_bad_masks():
    with pytest.raises(ValueError, match=r"does not fit updates of structure .* "
                                         r"\(at .*test_optim.py:\d+\)"):
        optim.masked(optim.sgd(0.1), {"w": True}).init(P0)
    with pytest.raises(TypeError, match="mask's leaves must be Python or NumPy bools"):
        optim.masked(optim.sgd(0.1), {"b": 1.0, "w": True}).init(P0)


def multistep_reference(blocks, reduce="mean"):
    """Params after each of T steps: unchanged inside a block of gradients, then Adam's step
    on the block's mean (or sum) at its end."""
    combine = np.mean if reduce == "mean" else np.sum
    merged, ends, start = [], [], 0
    for size in blocks:
        merged.append({k: combine([g[k] for g in GRADS[start:start + size]], axis=0)
                       for k in P0})
        start += size
        ends.append(start)
    applied = by_leaf(ref_adam, grads=merged, lr=0.1)
    out = []
    for t in range(1, T + 1):
        done = sum(e <= t for e in ends)
        out.append(applied[done - 1] if done else P0)
    return out


def test_multisteps_accumulates_k_gradients():
    opt = optim.MultiSteps(optim.adam(0.1), every_k_schedule=3)
    assert_trajectories(trajectory(opt), multistep_reference([3, 3]))
    summed = optim.MultiSteps(optim.adam(0.1), every_k_schedule=2, use_grad_mean=False)
    assert_trajectories(trajectory(summed), multistep_reference([2, 2, 2], "sum"))
    # k from a schedule of the number of updates applied so far: 2, then 4
    growing = optim.MultiSteps(optim.adam(0.1), lambda step: fg.numpy.where(step == 0, 2, 4))
    assert_trajectories(trajectory(growing), multistep_reference([2, 4]))
    assert_trajectories(trajectory(opt, jit=True), multistep_reference([3, 3]), rtol=1e-11)
    # updates are exactly zero between the k-th steps; has_updated says when one was applied
    s = opt.init(P0)
    flags = []
    for g in GRADS:
        u, s = opt.update(g, s, P0)
        flags.append(bool(opt.has_updated(s)))
        assert flags[-1] or all(not v.any() for v in fg.tree_leaves(u))
    assert flags == [False, False, True, False, False, True]
    chained = optim.chain(optim.MultiSteps(optim.adam(0.1), 3).gradient_transformation())
    assert_trajectories(trajectory(chained), multistep_reference([3, 3]))


def test_apply_if_finite_skips_bad_steps():
    bad = [dict(g) for g in GRADS]
    bad[1]["w"] = np.array([np.nan, 1.0, 1.0])
    for t in (3, 4, 5):
        bad[t]["b"] = np.array(np.inf)
    opt = optim.apply_if_finite(optim.sgd(0.1, momentum=0.9), max_consecutive_errors=2)
    got = trajectory(opt, bad)
    # applied: steps 0 and 2 (finite) and 5 (the third bad step in a row: more than 2)
    applied = by_leaf(ref_sgd, grads=[bad[0], bad[2], bad[5]], lr=0.1, momentum=0.9)
    want = [applied[0], applied[0], applied[1], applied[1], applied[1], applied[2]]
    with np.errstate(invalid="ignore"):
        assert_trajectories(got, want)
    assert np.isinf(got[-1]["b"]) and np.isfinite(got[-1]["w"]).all()
    assert_trajectories(trajectory(opt, bad, jit=True), want)
    s = opt.init(P0)
    counts = []
    for g in bad:
        _, s = opt.update(g, s, P0)
        counts.append((int(s.notfinite_count), bool(s.last_finite), int(s.total_notfinite)))
    assert counts == [(0, True, 0), (1, False, 1), (0, True, 1), (1, False, 2), (2, False, 3),
                      (3, False, 4)]


# --- schedules ---------------------------------------------------------------------------------

COUNTS = np.arange(0, 40)


def test_schedules_against_their_formulas():
    c = COUNTS.astype(float)
    e = optim.exponential_decay(2.0, 5, 0.5, transition_begin=3, end_value=0.3)
    want = np.maximum(np.where(c <= 3, 2.0, 2.0 * 0.5 ** ((c - 3) / 5)), 0.3)
    np.testing.assert_allclose([float(e(k)) for k in COUNTS], want, rtol=1e-14)
    st = optim.exponential_decay(2.0, 5, 0.5, transition_begin=3, staircase=True)
    want = np.where(c <= 3, 2.0, 2.0 * 0.5 ** np.floor((c - 3) / 5))
    np.testing.assert_allclose([float(st(k)) for k in COUNTS], want, rtol=1e-14)
    grow = optim.exponential_decay(1.0, 4, 2.0, end_value=10.0)
    np.testing.assert_allclose([float(grow(k)) for k in COUNTS],
                               np.minimum(2.0 ** (c / 4), 10.0), rtol=1e-14)
    cos = optim.cosine_decay_schedule(2.0, 30, alpha=0.1, exponent=2.0)
    t = np.minimum(c, 30) / 30
    want = 2.0 * (0.9 * (0.5 * (1 + np.cos(np.pi * t))) ** 2 + 0.1)
    np.testing.assert_allclose([float(cos(k)) for k in COUNTS], want, rtol=1e-14)
    lin = optim.linear_schedule(1.0, 0.2, 20, transition_begin=5)
    want = 1.0 + (0.2 - 1.0) * np.clip(c - 5, 0, 20) / 20
    np.testing.assert_allclose([float(lin(k)) for k in COUNTS], want, rtol=1e-14)
    warm = optim.warmup_cosine_decay_schedule(0.1, 2.0, 10, 35, end_value=0.05)
    want = np.where(c < 10, 0.1 + 1.9 * c / 10,
                    0.05 + 1.95 * 0.5 * (1 + np.cos(np.pi * np.minimum(c - 10, 25) / 25)))
    np.testing.assert_allclose([float(warm(k)) for k in COUNTS], want, rtol=1e-13)
    pc = optim.piecewise_constant_schedule(1.0, {25: 0.5, 10: 0.1})
    want = np.where(c < 10, 1.0, np.where(c < 25, 0.1, 0.05))
    np.testing.assert_allclose([float(pc(k)) for k in COUNTS], want, rtol=1e-14)
    assert float(optim.constant_schedule(0.3)(12)) == 0.3


def test_schedule_aliases_and_bad_arguments():
    assert optim.constant is optim.constant_schedule
    assert optim.cosine_decay is optim.cosine_decay_schedule
    assert optim.linear is optim.linear_schedule
    with pytest.raises(ValueError, match="transition_steps must be a positive number"):
        optim.exponential_decay(1.0, 0, 0.5)
    with pytest.raises(ValueError, match="decay_steps must be a positive number"):
        optim.cosine_decay_schedule(1.0, 0)
    with pytest.raises(ValueError, match="must exceed warmup_steps"):
        optim.warmup_cosine_decay_schedule(0.0, 1.0, 10, 10)
    with pytest.raises(ValueError, match="scales must be non-negative"):
        optim.piecewise_constant_schedule(1.0, {5: -1.0})


def test_schedules_inside_jit():
    scheds = [optim.exponential_decay(2.0, 5, 0.5, transition_begin=3, staircase=True),
              optim.warmup_cosine_decay_schedule(0.1, 1.0, 10, 35),
              optim.piecewise_constant_schedule(1.0, {10: 0.1})]
    f = fg.jit(lambda k: [s(k) for s in scheds])
    for k in (0, 4, 12, 30):
        np.testing.assert_allclose(f(np.int64(k)), [float(s(k)) for s in scheds], rtol=1e-13)


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


# --- peers -------------------------------------------------------------------------------------

OPTAX_CASES = {  # name: (funcgrad optimizer, the same in optax as source text)
    "momentum": (lambda: optim.sgd(0.1, momentum=0.9), "optax.sgd(0.1, momentum=0.9)"),
    "nesterov": (lambda: optim.sgd(0.1, momentum=0.8, nesterov=True),
                 "optax.sgd(0.1, momentum=0.8, nesterov=True)"),
    "adam": (lambda: optim.adam(0.1, b1=0.7, b2=0.95), "optax.adam(0.1, b1=0.7, b2=0.95)"),
    "adamw": (lambda: optim.adamw(0.1, weight_decay=0.2, mask={"b": False, "w": True}),
              "optax.adamw(0.1, weight_decay=0.2, mask={'b': False, 'w': True})"),
    "nadam": (lambda: optim.nadam(0.1, b1=0.6, b2=0.9), "optax.nadam(0.1, b1=0.6, b2=0.9)"),
    "lion": (lambda: optim.lion(0.05, b1=0.5, b2=0.8, weight_decay=0.3),
             "optax.lion(0.05, b1=0.5, b2=0.8, weight_decay=0.3)"),
    "masked": (lambda: optim.masked(optim.adam(0.1), {"b": False, "w": True}),
               "optax.masked(optax.adam(0.1), {'b': False, 'w': True})"),
    "multisteps": (lambda: optim.MultiSteps(optim.adam(0.1), 3),
                   "optax.MultiSteps(optax.adam(0.1), 3, accumulator_dtype=jnp.float64)"),
    "apply_if_finite": (lambda: optim.apply_if_finite(optim.sgd(0.1, momentum=0.9), 1),
                        "optax.apply_if_finite(optax.sgd(0.1, momentum=0.9), 1)"),
    "clip_cosine": (lambda: optim.chain(optim.clip_by_global_norm(1.0),
                                        optim.adam(optim.warmup_cosine_decay_schedule(
                                            0.0, 0.2, 2, 6, end_value=0.01))),
                    "optax.chain(optax.clip_by_global_norm(1.0), optax.adam("
                    "optax.warmup_cosine_decay_schedule(f(0.0), f(0.2), 2, 6, f(0.01))))"),
}


SCHEDULE_CASES = {  # name: (funcgrad schedule, the same in optax as source text)
    "exp": (lambda: optim.exponential_decay(2.0, 5, 0.5, transition_begin=3, staircase=True,
                                            end_value=0.3),
            "optax.exponential_decay(f(2.0), 5, 0.5, 3, True, 0.3)"),
    "cos": (lambda: optim.cosine_decay_schedule(2.0, 30, 0.1, 2.0),
            "optax.cosine_decay_schedule(f(2.0), 30, 0.1, 2.0)"),
    "lin": (lambda: optim.linear_schedule(1.0, 0.2, 20, 5),
            "optax.linear_schedule(f(1.0), f(0.2), 20, 5)"),
    "warm": (lambda: optim.warmup_cosine_decay_schedule(0.1, 1.0, 10, 35, 0.05),
             "optax.warmup_cosine_decay_schedule(f(0.1), f(1.0), 10, 35, f(0.05))"),
    "pc": (lambda: optim.piecewise_constant_schedule(1.0, {10: 0.1, 25: 0.5}),
           "optax.piecewise_constant_schedule(f(1.0), {10: 0.1, 25: 0.5})"),
}
BAD_GRADS = [dict(g) for g in GRADS]
BAD_GRADS[2]["w"] = np.array([np.nan, 0.0, 0.0])  # for apply_if_finite


@functools.lru_cache(maxsize=None)
def optax_reference():
    """Optax's trajectories and schedule values, from one child process (one JAX start)."""
    inputs = {f"{tag}{t}_{k}": v for tag, grads in (("g", GRADS), ("bad", BAD_GRADS))
              for t, g in enumerate(grads) for k, v in g.items()}
    inputs.update({f"p_{k}": v for k, v in P0.items()})
    cases = ", ".join(f"{n!r}: {src}" for n, (_, src) in OPTAX_CASES.items())
    schedules = ", ".join(f"{n!r}: {src}" for n, (_, src) in SCHEDULE_CASES.items())
    return run_peer(["optax"], """
        import jax, jax.numpy as jnp, optax
        f = np.float64  # optax computes a schedule in its values' dtype: float32 for floats
        for name, opt in {%s}.items():
            prefix = "bad" if name == "apply_if_finite" else "g"
            p = {k: jnp.asarray(I["p_" + k]) for k in ("b", "w")}
            s = opt.init(p)
            step = jax.jit(lambda p, s, g, opt=opt: (lambda u, s: (optax.apply_updates(p, u),
                                                                   s))(*opt.update(g, s, p)))
            for t in range(%d):
                p, s = step(p, s, {k: jnp.asarray(I[f"{prefix}{t}_{k}"]) for k in ("b", "w")})
                for k in p:
                    out[f"{name}_{t}_{k}"] = np.asarray(p[k])
        for name, schedule in {%s}.items():
            out[name] = np.asarray(schedule(I["counts"]))
        """ % (cases, T, schedules), counts=COUNTS, **inputs)


@pytest.mark.parametrize("name", sorted(OPTAX_CASES))
def test_trajectory_matches_optax(name):
    ref = optax_reference()
    got = trajectory(OPTAX_CASES[name][0](), BAD_GRADS if name == "apply_if_finite" else GRADS)
    assert_trajectories(got, [{k: ref[f"{name}_{t}_{k}"] for k in P0} for t in range(T)],
                        rtol=1e-10)


@pytest.mark.parametrize("name", sorted(SCHEDULE_CASES))
def test_schedule_matches_optax(name):
    schedule = SCHEDULE_CASES[name][0]()
    np.testing.assert_allclose([float(schedule(k)) for k in COUNTS], optax_reference()[name],
                               rtol=1e-12)


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
