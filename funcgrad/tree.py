"""Pytrees: nested containers of arrays that transformations flatten to lists and rebuild.

Containers: dict (sorted keys), list, tuple, namedtuple, ``None`` (no leaves), and any type
registered with :func:`register_pytree_node`. Everything else is a leaf.
"""

_registry = {}


class PyTreeDef:
    """The structure of a pytree: a node type, its static data, and child structures."""

    __slots__ = ("kind", "aux", "children", "num_leaves", "_hash")

    def __init__(self, kind, aux, children):
        self.kind = kind
        self.aux = aux
        self.children = tuple(children)
        self.num_leaves = 1 if kind is None else sum(c.num_leaves for c in self.children)
        self._hash = None

    def _key(self):
        return (self.kind, self.aux, self.children)

    def __eq__(self, other):
        return isinstance(other, PyTreeDef) and self._key() == other._key()

    def __hash__(self):
        if self._hash is None:
            self._hash = hash(self._key())
        return self._hash

    def __repr__(self):
        if self.kind is None:
            return "*"
        if self.kind is type(None):
            return "None"
        kids = ", ".join(map(repr, self.children))
        if self.kind is dict:
            return "{" + ", ".join(f"{k!r}: {c!r}" for k, c in zip(self.aux, self.children)) + "}"
        if self.kind is list:
            return f"[{kids}]"
        if self.kind is tuple:
            return f"({kids}{',' if len(self.children) == 1 else ''})"
        return f"{self.kind.__name__}({kids})"


LEAF = PyTreeDef(None, None, ())


def register_pytree_node(nodetype, flatten, unflatten):
    """Register a container type.

    ``flatten(x) -> (children, aux)``, ``unflatten(aux, children) -> x``; ``aux`` must be hashable.

    >>> import dataclasses
    >>> @dataclasses.dataclass
    ... class Pair:
    ...     a: float
    ...     b: float
    >>> register_pytree_node(Pair, lambda p: ((p.a, p.b), None), lambda _, c: Pair(*c))
    >>> tree_leaves(Pair(1.0, 2.0))
    [1.0, 2.0]
    """
    _registry[nodetype] = (flatten, unflatten)


def _is_namedtuple(x):
    return isinstance(x, tuple) and hasattr(type(x), "_fields")


def flatten_node(x):
    """``(kind, aux, children)`` for a container (one level of a pytree), or None for a leaf.

    >>> flatten_node({"b": 1, "a": 2})
    (<class 'dict'>, ('a', 'b'), [2, 1])
    """
    t = type(x)
    if t is list:
        return list, len(x), x
    if t is tuple:
        return tuple, len(x), x
    if t is dict:
        keys = tuple(sorted(x))
        return dict, keys, [x[k] for k in keys]
    if x is None:
        return type(None), None, ()
    if t in _registry:
        children, aux = _registry[t][0](x)
        return t, aux, children
    if _is_namedtuple(x):
        return t, None, x
    return None


def _unflatten_node(kind, aux, children):
    if kind is list:
        return list(children)
    if kind is tuple:
        return tuple(children)
    if kind is dict:
        return dict(zip(aux, children))
    if kind is type(None):
        return None
    if kind in _registry:
        return _registry[kind][1](aux, children)
    return kind(*children)  # namedtuple


def tree_flatten(tree, is_leaf=None):
    """Flatten a pytree into ``(leaves, treedef)``.

    >>> leaves, treedef = tree_flatten({"b": [1, 2], "a": 3})
    >>> leaves
    [3, 1, 2]
    >>> tree_unflatten(treedef, [10, 20, 30])
    {'a': 10, 'b': [20, 30]}
    """
    leaves = []
    return leaves, _flatten_into(tree, leaves, is_leaf)


# The recursions are module functions, not closures: a recursive closure is a reference cycle,
# which would keep the leaves (large arrays, in reverse mode) alive until the garbage collector
# runs.
def _flatten_into(x, leaves, is_leaf):
    if is_leaf is not None and is_leaf(x):
        leaves.append(x)
        return LEAF
    node = flatten_node(x)
    if node is None:
        leaves.append(x)
        return LEAF
    kind, aux, children = node
    return PyTreeDef(kind, aux, [_flatten_into(c, leaves, is_leaf) for c in children])


def tree_unflatten(treedef, leaves):
    """Rebuild a pytree of structure ``treedef`` from a list of leaves (inverse of tree_flatten).

    >>> tree_unflatten(tree_structure((1, {"x": 2})), ["a", "b"])
    ('a', {'x': 'b'})
    """
    it = iter(leaves)
    out = _build(treedef, it)
    if next(it, _sentinel) is not _sentinel:
        raise ValueError(f"tree_unflatten: too many leaves for structure {treedef}")
    return out


_sentinel = object()


def _build(td, it):
    if td.kind is None:
        return next(it)
    return _unflatten_node(td.kind, td.aux, [_build(c, it) for c in td.children])


def tree_leaves(tree, is_leaf=None):
    """The leaves of a pytree, in flattening order.

    >>> tree_leaves([1, (2, None), {"z": 3}])
    [1, 2, 3]
    """
    return tree_flatten(tree, is_leaf)[0]


def tree_structure(tree, is_leaf=None):
    """The ``PyTreeDef`` of a pytree.

    >>> tree_structure({"w": 1, "b": 2})
    {'b': *, 'w': *}
    """
    return tree_flatten(tree, is_leaf)[1]


def tree_map(f, tree, *rest, is_leaf=None):
    """Apply ``f`` leafwise to one or more pytrees of the same structure.

    >>> tree_map(lambda a, b: a + b, {"x": 1, "y": [2]}, {"x": 10, "y": [20]})
    {'x': 11, 'y': [22]}
    """
    leaves, treedef = tree_flatten(tree, is_leaf)
    others = []
    for i, r in enumerate(rest):
        rl, rd = tree_flatten(r, is_leaf)
        if rd != treedef:
            raise ValueError(
                f"tree_map: argument {i + 1} has structure {rd}, but the first has {treedef}; "
                "all trees passed to tree_map must have the same structure.")
        others.append(rl)
    return tree_unflatten(treedef, [f(*xs) for xs in zip(leaves, *others)])


__all__ = ["PyTreeDef", "register_pytree_node", "tree_flatten", "tree_unflatten", "tree_leaves",
           "tree_structure", "tree_map"]
