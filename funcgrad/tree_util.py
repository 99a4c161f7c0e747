"""JAX's ``tree_util`` names for funcgrad's pytrees (``funcgrad.tree``).

>>> import funcgrad as fg
>>> fg.tree_util.tree_reduce(lambda a, b: a + b, {"w": [1.0, 2.0], "b": 3.0})
6.0
"""
import functools

from .tree import (  # noqa: F401
    PyTreeDef,
    register_pytree_node,
    tree_flatten,
    tree_leaves,
    tree_map,
    tree_structure,
    tree_unflatten,
)

_no_initial = object()


def tree_reduce(function, tree, initializer=_no_initial, is_leaf=None):
    """``functools.reduce`` over the leaves of ``tree`` (from ``initializer`` when given).

    >>> tree_reduce(max, {"a": [3, 9], "b": (4,)}, 0)
    9
    """
    leaves = tree_leaves(tree, is_leaf=is_leaf)
    if initializer is _no_initial:
        return functools.reduce(function, leaves)
    return functools.reduce(function, leaves, initializer)


def tree_all(tree):
    """Whether every leaf is truthy.

    >>> tree_all({"a": True, "b": [1, 2]})
    True
    """
    return all(tree_leaves(tree))


def register_pytree_node_class(cls):
    """Class decorator: register ``cls`` using its ``tree_flatten`` method and
    ``tree_unflatten`` classmethod (JAX's protocol).

    >>> @register_pytree_node_class
    ... class Box:
    ...     def __init__(self, v): self.v = v
    ...     def tree_flatten(self): return (self.v,), None
    ...     @classmethod
    ...     def tree_unflatten(cls, aux, children): return cls(*children)
    >>> tree_leaves(Box([1.0, 2.0]))
    [1.0, 2.0]
    """
    register_pytree_node(cls, lambda x: x.tree_flatten(), cls.tree_unflatten)
    return cls


class Partial(functools.partial):
    """``functools.partial`` that is a pytree: its bound arguments are the leaves, the function
    is static, so it can be passed into (and returned from) transformed functions.

    >>> import funcgrad as fg, numpy as np
    >>> scale = Partial(lambda s, x: s * x, np.float64(2.0))
    >>> float(fg.jit(lambda f, x: f(x))(scale, 3.0))
    6.0
    """


register_pytree_node(
    Partial,
    lambda p: ((p.args, p.keywords), p.func),
    lambda func, children: Partial(func, *children[0], **children[1]))
