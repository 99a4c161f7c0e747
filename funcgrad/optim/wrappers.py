"""Transformations of transformations, with Optax's names and semantics: ``masked`` (transform
some leaves only), ``MultiSteps`` (accumulate gradients over k steps), ``apply_if_finite``
(skip steps whose gradients hold NaN or inf). Each decides per step with ``where``, never a
Python ``if`` on a value, so it compiles inside a jitted training step."""
import functools
from typing import Any, NamedTuple

import numpy as np

from .. import numpy as fnp
from ..errors import user_frame
from ..tree import tree_flatten, tree_leaves, tree_map, tree_structure, tree_unflatten
from .base import GradientTransformation, tree_select, tree_zeros_like


class MaskedState(NamedTuple):
    inner_state: Any


def _expand_mask(mask, tree):
    """``mask`` with a bool at every leaf of ``tree``: each bool of ``mask`` covers the whole
    subtree at its place (so ``mask`` may be a prefix of ``tree``)."""
    if isinstance(mask, (bool, np.bool_)):
        return tree_map(lambda _: bool(mask), tree)
    if isinstance(mask, dict) and isinstance(tree, dict) and mask.keys() == tree.keys():
        return {k: _expand_mask(mask[k], tree[k]) for k in tree}
    if (isinstance(mask, (list, tuple)) and type(mask) is type(tree)
            and len(mask) == len(tree)):
        children = [_expand_mask(m, t) for m, t in zip(mask, tree)]
        return type(tree)(*children) if hasattr(tree, "_fields") else type(tree)(children)
    if mask is None and tree is None:
        return None
    raise ValueError(f"masked: a mask of structure {tree_structure(mask)} does not fit updates "
                     f"of structure {tree_structure(tree)} (at {user_frame()}): give one bool "
                     "per leaf (True: transform it), or per subtree with the same containers "
                     "above it.")


def _mask_flags(mask, tree):
    m = mask(tree) if callable(mask) else mask
    if tree_structure(m) != tree_structure(tree):
        m = _expand_mask(m, tree)
    flags = tree_leaves(m)
    bad = [f for f in flags if not isinstance(f, (bool, np.bool_))]
    if bad:
        raise TypeError(f"masked: the mask's leaves must be Python or NumPy bools (fixed "
                        f"when the step is traced), got {type(bad[0]).__name__} "
                        f"(at {user_frame()})")
    return [bool(f) for f in flags]


def _hide(tree, flags):
    """``tree`` with the unselected leaves replaced by ``None``, an empty subtree, so the inner
    transformation neither sees them nor keeps state for them."""
    leaves, treedef = tree_flatten(tree)
    return tree_unflatten(treedef, [x if f else None for x, f in zip(leaves, flags)])


def masked(inner, mask):
    """Apply ``inner`` to the leaves where ``mask`` is True; pass the others through unchanged.
    ``mask`` is a pytree of bools like the params (or a prefix of them), or a function of the
    params returning one.

    >>> import funcgrad.optim as optim
    >>> opt = masked(optim.add_decayed_weights(0.5), {"b": False, "w": True})
    >>> p = {"b": np.ones(1), "w": np.ones(1)}
    >>> opt.update({"b": np.zeros(1), "w": np.zeros(1)}, opt.init(p), p)[0]
    {'b': array([0.]), 'w': array([0.5])}
    """
    def init(params):
        return MaskedState(inner.init(_hide(params, _mask_flags(mask, params))))

    def update(updates, state, params=None):
        flags = _mask_flags(mask, updates)
        hidden_params = None if params is None else _hide(params, flags)
        new, inner_state = inner.update(_hide(updates, flags), state.inner_state, hidden_params)
        transformed = iter(tree_leaves(new))
        leaves, treedef = tree_flatten(updates)
        merged = [next(transformed) if f else u for u, f in zip(leaves, flags)]
        return tree_unflatten(treedef, merged), MaskedState(inner_state)

    return GradientTransformation(init, update)


class MultiStepsState(NamedTuple):
    mini_step: Any  # steps accumulated since the last update
    gradient_step: Any  # updates applied so far
    inner_opt_state: Any
    acc_grads: Any


class MultiSteps:
    """Gradient accumulation (Optax's ``MultiSteps``): ``update`` returns zeros for ``k - 1``
    steps and, every ``k``-th, the inner optimizer's update for the mean (or, with
    ``use_grad_mean=False``, the sum) of the ``k`` gradients. ``every_k_schedule`` is an int
    or a function of the number of updates applied so far.

    >>> import funcgrad.optim as optim
    >>> opt = MultiSteps(optim.sgd(1.0), every_k_schedule=2)
    >>> s = opt.init(np.zeros(1))
    >>> u1, s = opt.update(np.array([1.0]), s)
    >>> u2, s = opt.update(np.array([3.0]), s)
    >>> u1.tolist(), u2.tolist()
    ([0.0], [-2.0])
    """

    def __init__(self, opt, every_k_schedule, use_grad_mean=True):
        self.inner_opt = opt
        self._every_k = every_k_schedule if callable(every_k_schedule) else \
            (lambda step: every_k_schedule)
        if not callable(every_k_schedule) and not every_k_schedule >= 1:
            raise ValueError(f"MultiSteps: every_k_schedule must be at least 1 (steps per "
                             f"update), got {every_k_schedule!r} (at {user_frame()})")
        self._use_grad_mean = use_grad_mean

    def init(self, params):
        zero = np.zeros((), np.int64)
        return MultiStepsState(zero, zero, self.inner_opt.init(params), tree_zeros_like(params))

    def update(self, updates, state, params=None):
        n = state.mini_step
        if self._use_grad_mean:  # running mean: a + (g - a) / (n + 1)
            acc = tree_map(lambda g, a: a + (g - a) / fnp.astype(n + 1, fnp.asarray(a).dtype),
                           updates, state.acc_grads)
        else:
            acc = tree_map(lambda g, a: a + g, updates, state.acc_grads)
        inner_updates, inner_state = self.inner_opt.update(acc, state.inner_opt_state, params)
        emit = n + 1 >= self._every_k(state.gradient_step)
        out = tree_select(emit, inner_updates, tree_zeros_like(inner_updates))
        return out, MultiStepsState(
            mini_step=fnp.where(emit, 0, n + 1),
            gradient_step=fnp.where(emit, state.gradient_step + 1, state.gradient_step),
            inner_opt_state=tree_select(emit, inner_state, state.inner_opt_state),
            acc_grads=tree_select(emit, tree_zeros_like(acc), acc))

    def has_updated(self, state):
        """Whether the last ``update`` applied the inner optimizer."""
        return fnp.logical_and(state.mini_step == 0, state.gradient_step > 0)

    def gradient_transformation(self):
        """This wrapper as a plain ``GradientTransformation`` (for ``chain``)."""
        return GradientTransformation(self.init, self.update)


class ApplyIfFiniteState(NamedTuple):
    notfinite_count: Any  # consecutive steps skipped
    last_finite: Any
    total_notfinite: Any
    inner_state: Any


def apply_if_finite(inner, max_consecutive_errors):
    """Skip (zero update, inner state kept) every step whose updates hold a NaN or inf, unless
    more than ``max_consecutive_errors`` came in a row: then apply it, so a diverged run shows.

    >>> import funcgrad.optim as optim
    >>> opt = apply_if_finite(optim.sgd(1.0), max_consecutive_errors=2)
    >>> u, s = opt.update(np.array([np.nan]), opt.init(np.zeros(1)))
    >>> u.tolist(), int(s.notfinite_count)
    ([0.0], 1)
    """
    def init(params):
        zero = np.zeros((), np.int64)
        return ApplyIfFiniteState(zero, np.bool_(True), zero, inner.init(params))

    def update(updates, state, params=None):
        finite = functools.reduce(fnp.logical_and,
                                  [fnp.all(fnp.isfinite(g)) for g in tree_leaves(updates)],
                                  np.bool_(True))
        notfinite = fnp.where(finite, 0, state.notfinite_count + 1)
        with np.errstate(all="ignore"):  # the inner update of a NaN step, computed to discard
            new, inner_state = inner.update(updates, state.inner_state, params)
        apply = fnp.logical_or(finite, notfinite > max_consecutive_errors)
        return tree_select(apply, new, tree_zeros_like(new)), ApplyIfFiniteState(
            notfinite_count=notfinite, last_finite=finite,
            total_notfinite=fnp.where(finite, state.total_notfinite,
                                      state.total_notfinite + 1),
            inner_state=tree_select(apply, inner_state, state.inner_state))

    return GradientTransformation(init, update)
