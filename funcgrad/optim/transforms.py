"""Gradient transformations. Each is a pure ``init(params) -> state`` and
``update(updates, state, params=None) -> (updates, state)`` over pytrees; optimizers are
chains of them (``adam`` = ``scale_by_adam`` then ``scale_by_learning_rate``)."""
from typing import Any, NamedTuple

import numpy as np

from .. import numpy as fnp
from ..errors import user_frame
from ..tree import tree_leaves, tree_map
from .base import EmptyState, GradientTransformation, tree_zeros_like
from .wrappers import masked


class CountState(NamedTuple):
    count: Any


class TraceState(NamedTuple):
    trace: Any


class ScaleByAdamState(NamedTuple):
    count: Any
    mu: Any
    nu: Any


class ScaleByRssState(NamedTuple):
    sum_of_squares: Any


class ScaleByRmsState(NamedTuple):
    nu: Any


def _count0():
    return np.zeros((), np.int64)


def chain(*transforms):
    """Apply transformations in order; the state is the tuple of their states.

    >>> opt = chain(clip_by_global_norm(1.0), sgd(0.1))
    >>> len(opt.init({"w": np.zeros(2)}))
    2
    """
    def init(params):
        return tuple(t.init(params) for t in transforms)

    def update(updates, state, params=None):
        new = []
        for t, s in zip(transforms, state):
            updates, s = t.update(updates, s, params)
            new.append(s)
        return updates, tuple(new)

    return GradientTransformation(init, update)


def scale(step_size):
    """Multiply updates by a constant.

    >>> scale(2.0).update({"w": np.ones(1)}, EmptyState())[0]["w"].tolist()
    [2.0]
    """
    return GradientTransformation(
        lambda params: EmptyState(),
        lambda updates, state, params=None: (tree_map(lambda g: g * step_size, updates), state))


def scale_by_learning_rate(learning_rate, flip_sign=True):
    """Multiply by ``-learning_rate`` (a number or a schedule of the step count).

    >>> scale_by_learning_rate(0.5).update({"w": np.ones(1)}, CountState(_count0()))[0]
    {'w': array([-0.5])}
    """
    sign = -1.0 if flip_sign else 1.0
    if not callable(learning_rate):
        return GradientTransformation(
            lambda params: CountState(_count0()),
            lambda updates, state, params=None: (
                tree_map(lambda g: g * (sign * learning_rate), updates), state))

    def update(updates, state, params=None):
        lr = learning_rate(state.count)
        return (tree_map(lambda g: g * fnp.astype(sign * lr, fnp.asarray(g).dtype), updates),
                CountState(state.count + 1))

    return GradientTransformation(lambda params: CountState(_count0()), update)


def trace(decay, nesterov=False):
    """Momentum: ``t = g + decay * t``; the update is ``t`` (or ``g + decay * t``).

    >>> t = trace(0.9)
    >>> t.update({"w": np.ones(1)}, t.init({"w": np.zeros(1)}))[0]
    {'w': array([1.])}
    """
    def update(updates, state, params=None):
        new = tree_map(lambda g, t: g + decay * t, updates, state.trace)
        out = tree_map(lambda g, t: g + decay * t, updates, new) if nesterov else new
        return out, TraceState(new)

    return GradientTransformation(lambda params: TraceState(tree_zeros_like(params)), update)


def sgd(learning_rate, momentum=None, nesterov=False):
    """Stochastic gradient descent, with optional (Nesterov) momentum (as ``torch.optim.SGD``).

    >>> sgd(0.1).update({"w": np.ones(1)}, sgd(0.1).init({"w": np.ones(1)}))[0]["w"].tolist()
    [-0.1]
    """
    parts = [trace(momentum, nesterov)] if momentum else []
    return chain(*parts, scale_by_learning_rate(learning_rate))


def scale_by_adam(b1=0.9, b2=0.999, eps=1e-8, eps_root=0.0, *, nesterov=False):
    """Adam's scaling: bias-corrected first moment over the root of the second. With
    ``nesterov``, the first moment looks one step ahead (NAdam, Dozat 2016, as Optax).

    >>> s = scale_by_adam()
    >>> s.update({"w": np.ones(1)}, s.init({"w": np.zeros(1)}))[0]["w"].round(6).tolist()
    [1.0]
    """
    def init(params):
        return ScaleByAdamState(_count0(), tree_zeros_like(params), tree_zeros_like(params))

    def update(updates, state, params=None):
        mu = tree_map(lambda g, m: b1 * m + (1 - b1) * g, updates, state.mu)
        nu = tree_map(lambda g, v: b2 * v + (1 - b2) * (g * g), updates, state.nu)
        count = state.count + 1
        c = fnp.astype(count, np.float64)
        bc1 = 1.0 - fnp.power(b1, c)
        bc2 = 1.0 - fnp.power(b2, c)
        if nesterov:  # b1 * mu / (1 - b1 ** (t + 1)) + (1 - b1) * g / (1 - b1 ** t)
            bc1_next = 1.0 - fnp.power(b1, c + 1.0)
            mu_hat = tree_map(lambda m, g: b1 * (m / _like(bc1_next, m))
                              + (1 - b1) * (g / _like(bc1, g)), mu, updates)
        else:
            mu_hat = tree_map(lambda m: m / _like(bc1, m), mu)

        def step(m, v):
            return m / (fnp.sqrt(v / _like(bc2, v) + eps_root) + eps)
        return tree_map(step, mu_hat, nu), ScaleByAdamState(count, mu, nu)

    return GradientTransformation(init, update)


def _like(scalar, leaf):
    """A float64 scalar (a bias correction) in the leaf's dtype, so float32 stays float32."""
    return fnp.astype(scalar, fnp.asarray(leaf).dtype)


def adam(learning_rate, b1=0.9, b2=0.999, eps=1e-8, eps_root=0.0, *, nesterov=False):
    """Adam (Kingma & Ba), as ``torch.optim.Adam``; NAdam with ``nesterov``.

    >>> len(adam(1e-3).init({"w": np.zeros(2)}))
    2
    """
    return chain(scale_by_adam(b1, b2, eps, eps_root, nesterov=nesterov),
                 scale_by_learning_rate(learning_rate))


def nadam(learning_rate, b1=0.9, b2=0.999, eps=1e-8, eps_root=0.0):
    """NAdam: Adam with Nesterov momentum (Dozat 2016), as ``optax.nadam``.

    >>> len(nadam(1e-3).init({"w": np.zeros(2)}))
    2
    """
    return adam(learning_rate, b1, b2, eps, eps_root, nesterov=True)


def add_decayed_weights(weight_decay=0.0, mask=None):
    """Add ``weight_decay * params`` to the updates (decoupled weight decay), on the leaves
    where ``mask`` (a pytree of bools, or a function of the params) is True.

    >>> add_decayed_weights(0.1).update({"w": np.zeros(1)}, EmptyState(), {"w": np.ones(1)})[0]
    {'w': array([0.1])}
    """
    def update(updates, state, params=None):
        if params is None:
            raise ValueError(f"add_decayed_weights needs params (at {user_frame()}): call "
                             "update(grads, state, params)")
        return tree_map(lambda g, p: g + weight_decay * p, updates, params), state

    decay = GradientTransformation(lambda params: EmptyState(), update)
    return decay if mask is None else masked(decay, mask)


def adamw(learning_rate, b1=0.9, b2=0.999, eps=1e-8, weight_decay=1e-4, mask=None):
    """Adam with decoupled weight decay (Loshchilov & Hutter), as ``torch.optim.AdamW``;
    ``mask`` limits the decay to some leaves (see ``add_decayed_weights``).

    >>> len(adamw(1e-3).init({"w": np.zeros(2)}))
    3
    """
    return chain(scale_by_adam(b1, b2, eps), add_decayed_weights(weight_decay, mask),
                 scale_by_learning_rate(learning_rate))


class ScaleByLionState(NamedTuple):
    count: Any
    mu: Any


def scale_by_lion(b1=0.9, b2=0.99):
    """Lion's scaling (Chen et al. 2023): the sign of ``b1 * mu + (1 - b1) * g``, then
    ``mu = b2 * mu + (1 - b2) * g``.

    >>> s = scale_by_lion()
    >>> s.update({"w": np.array([2.0, -3.0])}, s.init({"w": np.zeros(2)}))[0]["w"].tolist()
    [1.0, -1.0]
    """
    def update(updates, state, params=None):
        out = tree_map(lambda g, m: fnp.sign(b1 * m + (1 - b1) * g), updates, state.mu)
        mu = tree_map(lambda g, m: b2 * m + (1 - b2) * g, updates, state.mu)
        return out, ScaleByLionState(state.count + 1, mu)

    return GradientTransformation(
        lambda params: ScaleByLionState(_count0(), tree_zeros_like(params)), update)


def lion(learning_rate, b1=0.9, b2=0.99, weight_decay=1e-3, mask=None):
    """Lion (Chen et al., "Symbolic discovery of optimization algorithms", 2023), as
    ``optax.lion``: sign updates with decoupled weight decay. Use a learning rate 3-10x
    smaller than AdamW's.

    >>> len(lion(1e-4).init({"w": np.zeros(2)}))
    3
    """
    return chain(scale_by_lion(b1, b2), add_decayed_weights(weight_decay, mask),
                 scale_by_learning_rate(learning_rate))


def scale_by_rss(initial_accumulator_value=0.0, eps=1e-10):
    """Divide by the root of the running sum of squared gradients (Adagrad's scaling).

    >>> s = scale_by_rss()
    >>> s.update({"w": np.array([3.0])}, s.init({"w": np.zeros(1)}))[0]["w"].round(6).tolist()
    [1.0]
    """
    def init(params):
        return ScaleByRssState(tree_map(lambda p: np.full(np.shape(p),
                                                          initial_accumulator_value,
                                                          np.asarray(p).dtype), params))

    def update(updates, state, params=None):
        ss = tree_map(lambda g, s: s + g * g, updates, state.sum_of_squares)
        return tree_map(lambda g, s: g / (fnp.sqrt(s) + eps), updates, ss), ScaleByRssState(ss)

    return GradientTransformation(init, update)


def adagrad(learning_rate, initial_accumulator_value=0.0, eps=1e-10):
    """Adagrad, as ``torch.optim.Adagrad``.

    >>> len(adagrad(0.1).init({"w": np.zeros(2)}))
    2
    """
    return chain(scale_by_rss(initial_accumulator_value, eps),
                 scale_by_learning_rate(learning_rate))


def scale_by_rms(decay=0.9, eps=1e-8):
    """Divide by the root of a running mean of squared gradients (RMSProp's scaling).

    >>> s = scale_by_rms(decay=0.75)
    >>> s.update({"w": np.array([2.0])}, s.init({"w": np.zeros(1)}))[0]["w"].round(6).tolist()
    [2.0]
    """
    def update(updates, state, params=None):
        nu = tree_map(lambda g, v: decay * v + (1 - decay) * (g * g), updates, state.nu)
        return tree_map(lambda g, v: g / (fnp.sqrt(v) + eps), updates, nu), ScaleByRmsState(nu)

    return GradientTransformation(lambda params: ScaleByRmsState(tree_zeros_like(params)), update)


def rmsprop(learning_rate, decay=0.9, eps=1e-8):
    """RMSProp, as ``torch.optim.RMSprop`` with ``alpha=decay``.

    >>> len(rmsprop(0.1).init({"w": np.zeros(2)}))
    2
    """
    return chain(scale_by_rms(decay, eps), scale_by_learning_rate(learning_rate))


def clip_by_global_norm(max_norm):
    """Scale all updates down together so their global L2 norm is at most ``max_norm``.

    >>> clip_by_global_norm(1.0).update({"w": np.array([3.0, 4.0])}, EmptyState())[0]
    {'w': array([0.6, 0.8])}
    """
    def update(updates, state, params=None):
        sq = sum(fnp.sum(g * g) for g in tree_leaves(updates))
        norm = fnp.sqrt(sq)
        factor = fnp.where(norm < max_norm, 1.0, max_norm / fnp.where(norm > 0, norm, 1.0))
        return tree_map(lambda g: g * fnp.astype(factor, fnp.asarray(g).dtype), updates), state

    return GradientTransformation(lambda params: EmptyState(), update)


def apply_updates(params, updates):
    """``params + updates`` leafwise, keeping each parameter's dtype.

    >>> apply_updates({"w": np.ones(2)}, {"w": np.array([0.5, -0.5])})
    {'w': array([1.5, 0.5])}
    """
    return tree_map(lambda p, u: fnp.astype(p + u, fnp.asarray(p).dtype), params, updates)
