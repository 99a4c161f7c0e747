"""What every gradient transformation shares: the ``(init, update)`` pair, the empty state, and
two pytree helpers that stay traceable (so a whole update compiles under ``jit``)."""
from typing import Callable, NamedTuple

from .. import numpy as fnp
from ..tree import tree_map


class GradientTransformation(NamedTuple):
    """``init(params) -> state`` and ``update(updates, state, params=None) -> (updates,
    state)``, both pure functions of pytrees."""
    init: Callable
    update: Callable


class EmptyState(NamedTuple):
    pass


def tree_zeros_like(tree):
    """Zeros shaped and typed like each leaf.

    >>> import numpy as np
    >>> tree_zeros_like({"w": np.ones(2, np.float32)})["w"]
    array([0., 0.], dtype=float32)
    """
    return tree_map(fnp.zeros_like, tree)


def tree_select(pred, on_true, on_false):
    """Leafwise ``where(pred, on_true, on_false)`` for a scalar ``pred``: the traceable
    ``if`` of the wrappers that skip or delay updates.

    >>> import numpy as np
    >>> tree_select(np.bool_(False), [np.ones(1)], [np.zeros(1)])
    [array([0.])]
    """
    return tree_map(lambda a, b: fnp.where(pred, a, b), on_true, on_false)
