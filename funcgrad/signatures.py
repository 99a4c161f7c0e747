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


class _Unwalkable(Exception):
    """A part of the arguments a walker does not handle (the general path keys it)."""


WALKER_MAX_DEPTH = 64  # the deepest pytree a walker is written for
WALKER_MAX_LEAVES = 4096  # and the most leaves


def structure_walker(args):
    """``walk(args)``, written for the pytree structure of ``args``: for arguments of that
    structure (same containers, dict keys and leaf kinds) it returns ``(key, leaves)`` as
    ``signature`` builds them, without a call per node; for any other, None. None where the
    arguments hold leaves it does not handle (objects that are neither arrays nor numbers).
    ``Jitted.__call__`` keeps one for the structure its arguments last had: a training step
    called with a dict of parameters and an optimizer state finds its plan 3-4x sooner.

    >>> args = ([{"w": np.ones((2, 3)), "b": np.zeros(3)}], 0.5)
    >>> walk = structure_walker(args)
    >>> leaves = []
    >>> walk(args) == (tuple(signature(a, leaves) for a in args), leaves)
    True
    >>> walk(([{"w": np.ones(2)}], 0.5)) is None  # another structure
    True
    """
    writer = _WalkerWriter()
    try:
        keys = [writer.node(f"a{i}", a, 0) for i, a in enumerate(args)]
    except _Unwalkable:
        return None
    names = [f"a{i}" for i in range(len(args))]
    body = [f"{''.join(n + ', ' for n in names)}= args"] if names else [
        "if args: return None"]
    body += writer.lines
    source = ("def walk(args):\n    try:\n"
              + "".join(f"        {line}\n" for line in body)
              + "    except (ValueError, TypeError, KeyError):\n        return None\n"
              + f"    return ({''.join(k + ', ' for k in keys)}), "
              + f"[{', '.join(writer.leaves)}]\n")
    scope = dict(writer.consts, ndarray=np.ndarray, flatten_node=flatten_node)
    exec(source, scope)  # noqa: S102 - built from the arguments' structure, names only
    return scope["walk"]


class _WalkerWriter:
    """Writes the guards of ``structure_walker``'s function, node by node: ``node`` returns the
    text of a node's key and appends its checks to ``lines`` and its leaves to ``leaves``."""

    def __init__(self):
        self.lines, self.leaves, self.consts = [], [], {}
        self.names = 0  # variables named so far

    def const(self, value):
        name = f"k{len(self.consts)}"
        self.consts[name] = value
        return name

    def fresh(self):
        self.names += 1
        return f"v{self.names}"

    def node(self, var, x, depth):
        t = type(x)
        if t is np.ndarray or t in SCALAR_TYPES:
            if len(self.leaves) >= WALKER_MAX_LEAVES:
                raise _Unwalkable
            self.leaves.append(var)
            if t is np.ndarray:
                self.lines.append(f"if type({var}) is not ndarray: return None")
                return f"({var}.shape, {var}.dtype)"
            kind = self.const(t)
            self.lines.append(f"if type({var}) is not {kind}: return None")
            return kind
        if x is None:
            self.lines.append(f"if {var} is not None: return None")
            return "None"
        if depth >= WALKER_MAX_DEPTH or isinstance(x, (Tracer, np.generic)):
            raise _Unwalkable
        if t is dict or t is list or t is tuple:
            return self._container(var, x, t, depth)
        node = flatten_node(x)
        if node is None:
            raise _Unwalkable
        kind, aux, children = node
        n, k, a = self.fresh(), self.const(kind), self.const(aux)
        self.lines.append(f"{n} = flatten_node({var})")
        self.lines.append(f"if {n} is None or {n}[0] is not {k} or {n}[1] != {a}: return None")
        return f"({k}, {a}, {self._children(f'{n}[2]', children, depth)})"

    def _container(self, var, x, t, depth):
        kind = self.const(t)
        self.lines.append(f"if type({var}) is not {kind} or len({var}) != {len(x)}: "
                          "return None")
        if t is not dict:
            return f"({'LT'[t is tuple]!r}, {self._children(var, x, depth)})"
        keys = tuple(sorted(x))
        k = self.const(keys)
        child_vars = []
        for key in keys:
            c = self.fresh()
            self.lines.append(f"{c} = {var}[{self.const(key)}]")
            child_vars.append(c)
        kids = [self.node(c, x[key], depth + 1) for c, key in zip(child_vars, keys)]
        return f"('D', {k}, {''.join(c + ', ' for c in kids)})"

    def _children(self, seq, children, depth):
        """Unpack ``seq`` (of ``len(children)`` items) and return its children's key texts."""
        if not len(children):
            return ""
        names = [self.fresh() for _ in children]
        self.lines.append(f"{''.join(n + ', ' for n in names)}= {seq}")
        return "".join(self.node(n, c, depth + 1) + ", " for n, c in zip(names, children))
