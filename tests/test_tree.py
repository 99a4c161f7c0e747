import collections
import dataclasses

import numpy as np
import pytest

import funcgrad as fg
from funcgrad import tree


def test_flatten_order_and_roundtrip():
    Point = collections.namedtuple("Point", "x y")
    t = {"b": [1, (2, None)], "a": Point(3, 4)}
    leaves, td = tree.tree_flatten(t)
    assert leaves == [3, 4, 1, 2]  # dict keys sorted
    assert tree.tree_unflatten(td, leaves) == t
    assert tree.tree_structure(t) == td and hash(tree.tree_structure(t)) == hash(td)


def test_tree_map_multiple_and_mismatch():
    assert tree.tree_map(lambda a, b: a * b, [1, {"k": 2}], [3, {"k": 4}]) == [3, {"k": 8}]
    with pytest.raises(ValueError, match="structure"):
        tree.tree_map(lambda a, b: a, [1, 2], [1])


def test_registered_dataclass_is_differentiable():
    @dataclasses.dataclass
    class Linear:
        w: np.ndarray
        b: np.ndarray

    tree.register_pytree_node(Linear, lambda m: ((m.w, m.b), None),
                              lambda _, c: Linear(*c))
    m = Linear(np.array([2.0, 3.0]), np.array(1.0))
    g = fg.grad(lambda m: (m.w @ m.w) + 3.0 * m.b)(m)
    assert isinstance(g, Linear)
    np.testing.assert_array_equal(g.w, [4.0, 6.0])
    assert g.b == 3.0


def test_unflatten_with_too_many_leaves():
    with pytest.raises(ValueError):
        tree.tree_unflatten(tree.tree_structure([1]), [1, 2])
