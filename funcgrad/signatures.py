"""The key a jitted function finds its compiled plan by, built in one walk over the arguments.

This walk is most of the dispatch cost users feel in small steps, so it is written for speed:
arrays directly inside a list, tuple or dict are handled without a call, and a dict's sorted
keys are remembered by their insertion order.
"""
import numpy as np

from .core.tracing import Tracer
from .tree import flatten_node


class TracedArgument(Exception):
    """A leaf is a tracer: the call is inside another transformation."""


# Numbers whose type alone fixes their dtype: the type is their key, as ``Jitted.__call__``'s
# fast path builds it for an argument that is not an array.
SCALAR_TYPES = frozenset([float, int, bool] + [np.dtype(c).type for c in "?bhilqBHILQefdgFDG"])
_SORTED_KEYS = {}  # a dict's keys in insertion order -> sorted (sorting costs more than a lookup)


def signature(x, leaves):
    """Append the leaves of pytree ``x`` to ``leaves`` and return a hashable key of its
    structure, shapes and dtypes (numbers by type). Raises ``TracedArgument`` for a
    tracer.

    >>> leaves = []
    >>> signature({"b": np.ones(2), "a": 1.0}, leaves)
    ('D', ('a', 'b'), <class 'float'>, ((2,), dtype('float64')))
    >>> leaves
    [1.0, array([1., 1.])]
    """
    t = type(x)
    if t is np.ndarray:
        leaves.append(x)
        return x.shape, x.dtype
    if t is dict or t is list or t is tuple:
        return _container(x, t, leaves)
    if t in SCALAR_TYPES:
        leaves.append(x)
        return t
    if x is None:
        return None
    if isinstance(x, Tracer):
        raise TracedArgument
    if isinstance(x, np.generic):
        leaves.append(x)
        return (), x.dtype
    node = flatten_node(x)
    if node is None:  # not an array: the general path reports it
        leaves.append(x)
        return ("?", id(type(x)))
    kind, aux, children = node
    return (kind, aux) + tuple([signature(c, leaves) for c in children])


def _flat_key_function(n):
    """``key(args)`` for ``n`` positional arguments, written out (no loop, no call per
    argument): (shape, dtype) for an array, the type for anything else."""
    names = [f"a{i}" for i in range(n)]
    parts = "".join(f"({a}.shape, {a}.dtype) if type({a}) is ndarray else type({a}), "
                    for a in names)
    unpack = f"    {''.join(a + ', ' for a in names)}= args\n" if n else ""
    scope = {"ndarray": np.ndarray}
    exec(f"def key(args):\n{unpack}    return ({parts})\n", scope)  # noqa: S102 - built above
    return scope["key"]


FLAT_KEYS = {n: _flat_key_function(n) for n in range(9)}  # by the number of arguments


def flat_key(args):
    """The key of a tuple of positional arguments, as ``signature`` makes it for arrays and
    numbers (and, for other arguments, one no plan is stored under): ``Jitted.__call__``'s fast
    path, which calls ``FLAT_KEYS``' function itself (for up to 8 arguments).

    >>> args = (np.ones(2), 1.0, np.float32(2))
    >>> flat_key(args) == tuple(signature(a, []) for a in args)
    True
    >>> flat_key(tuple(range(10)))[-1]
    <class 'int'>
    """
    key = FLAT_KEYS.get(len(args))
    if key is not None:
        return key(args)
    return tuple([(a.shape, a.dtype) if type(a) is np.ndarray else type(a) for a in args])


def _container(x, t, leaves):
    if t is dict:
        order = tuple(x)
        keys = _SORTED_KEYS.get(order)
        if keys is None:
            keys = tuple(sorted(order))
            if len(_SORTED_KEYS) < 4096:
                _SORTED_KEYS[order] = keys
        out = ["D", keys]
        children = [x[k] for k in keys]
    else:
        out = ["L" if t is list else "T"]
        children = x
    for c in children:
        if type(c) is np.ndarray:
            leaves.append(c)
            out.append((c.shape, c.dtype))
        else:
            out.append(signature(c, leaves))
    return tuple(out)
