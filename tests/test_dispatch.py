"""The fast path of a jitted call (positional arrays and numbers, no keywords): it must give
what the general path gives, and never reuse a plan made for other dtypes, shapes or layouts.
The reference is the same function run by NumPy without ``jit``."""
import collections
import math
import random

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad import api
from funcgrad.signatures import signature, structure_walker


def f(x, y):
    return x * y + fnp.sin(x)


def fresh():
    return fg.jit(f)


SCALARS = [1.5, 2, True, np.float64(1.5), np.float32(1.5), np.int64(2), np.int32(2),
           np.array(1.5), np.array(1.5, np.float32), np.array(2, np.int64)]


def same(got, want):
    got, want = np.asarray(got), np.asarray(want)
    assert got.dtype == want.dtype and got.shape == want.shape, (got.dtype, want.dtype)
    np.testing.assert_allclose(got, want, rtol=1e-6 if got.dtype == np.float32 else 1e-13)


@pytest.mark.parametrize("order", [1, -1], ids=["forward", "reversed"])
def test_scalars_of_every_kind_in_turn(order):
    """One function called with each kind of scalar in turn, twice (the second round runs
    every signature's fast path): each result as NumPy computes it, in its dtype."""
    jf = fresh()
    for _ in range(2):
        for x in SCALARS[::order]:
            for y in (2.0, np.float32(2.0)):
                same(jf(x, y), f(np.asarray(x), np.asarray(y)))


def test_results_are_numpy_scalars():
    g = fg.jit(fg.grad(f))
    for _ in range(3):
        r = g(1.5, 2.0)
        assert type(r) is np.float64 and r == 2.0 + math.cos(1.5)
    r32 = g(np.float32(1.5), np.float32(2.0))
    assert type(r32) is np.float32
    assert abs(r32 - (2.0 + math.cos(1.5))) < 1e-6


@pytest.mark.parametrize("dtypes", [(np.float32, np.float64, np.int64, np.int32),
                                    (np.int32, np.int64, np.float64, np.float32)])
def test_arrays_of_each_dtype_and_shape(dtypes):
    """Same shape in several dtypes, then new shapes: no plan reused across them."""
    jf = fresh()
    for _ in range(2):
        for dt in dtypes:
            for shape in [(3,), (4,), (2, 3)]:
                x = np.arange(math.prod(shape)).reshape(shape).astype(dt)
                same(jf(x, x), f(x, x))


def test_strided_and_fortran_arrays_after_contiguous_ones():
    """A strided or transposed array has the same shape and dtype as a contiguous one: the
    compiled code must still read it through its strides."""
    jf = fresh()
    base = np.arange(24.0).reshape(4, 6)
    c = np.ascontiguousarray(base[:, :3])
    for x in (c, c, base[:, ::2], base[:, :3], np.asfortranarray(c), base[:, :3].copy()):
        same(jf(x, 2.0), f(x, 2.0))


def test_python_int_beyond_int64_is_refused_as_before():
    """A Python int is traced as int64: one beyond it is refused with Numba's OverflowError,
    on the fast path as on the first call (main before the fast path did the same)."""
    g = fg.jit(lambda n, x: x * 2.0 + n)
    assert g(3, 1.0) == 5.0 and g(3, 1.0) == 5.0
    with pytest.raises(OverflowError, match="int too big"):
        g(2 ** 63, 1.0)
    assert g(-(2 ** 63), 0.0) == -(2.0 ** 63) and g(2 ** 63 - 1, 0.0) == 2.0 ** 63
    with pytest.raises(OverflowError, match="int too big"):
        fg.jit(lambda n, x: x * 2.0 + n)(2 ** 63, 1.0)


def test_tracers_after_the_fast_path_take_the_traced_path():
    jf = fresh()
    assert jf(1.5, 2.0) == jf(1.5, 2.0)
    d = fg.grad(lambda x: jf(x, 2.0))(1.5)
    assert abs(d - (2.0 + math.cos(1.5))) < 1e-12
    vs = fg.vmap(lambda x: jf(x, 2.0))(np.array([0.5, 1.5]))
    np.testing.assert_allclose(vs, f(np.array([0.5, 1.5]), 2.0), rtol=1e-13)


def test_keywords_and_static_arguments_beside_the_fast_path():
    jf = fresh()
    assert jf(1.5, 2.0) == jf(1.5, y=2.0) == jf(x=1.5, y=2.0) == f(1.5, 2.0)
    h = fg.jit(lambda x, n: x * n, static_argnums=1)
    assert h(2.0, 3) == 6.0 and h(2.0, 4) == 8.0 and h(2.0, 3) == 6.0


def test_pytrees_and_none_beside_the_fast_path():
    g = fg.jit(lambda p, x: p["w"] * x + (0.0 if p["b"] is None else p["b"]))
    p = {"w": np.ones(3), "b": None}
    for _ in range(2):
        np.testing.assert_allclose(g(p, 2.0), 2.0 * np.ones(3))
        np.testing.assert_allclose(g({"w": np.ones(3), "b": 1.0}, 2.0), 3.0 * np.ones(3))


def test_debug_nans_checks_calls_on_the_fast_path():
    g = fg.jit(lambda x: fnp.log(x) * 2.0)
    assert g(1.0) == 0.0 and g(1.0) == 0.0
    with fg.debug_nans():
        with pytest.raises(FloatingPointError, match="log"):
            g(-1.0)
    assert np.isnan(g(-1.0))


def test_a_module_that_reads_no_table_takes_none():
    # the run-time tables are three arrays a call unboxes: W6's gradient of two numbers reads
    # none of them, so its function takes none
    g = fg.jit(fg.grad(f))
    assert g.source(1.5, 2.0).startswith("def fn(a, b):\n")
    assert math.isclose(g(1.5, 2.0), 2.0 + math.cos(1.5), rel_tol=1e-15)
    assert math.isclose(g(0.25, -3.0), -3.0 + math.cos(0.25), rel_tol=1e-15)
    # a float literal is read from F64 (one code for every value of it); a branch is a
    # function of the module, called with the tables: both keep them
    for lit in (0.37, -2.5):
        h = fg.jit(lambda x, lit=lit: x * lit)
        assert h.source(1.0).startswith("def fn(a, P, F64, F32):\n")
        assert h(3.0) == 3.0 * lit
    c = fg.jit(lambda x: fg.lax.cond(x > 0, lambda v: v * 2.0, lambda v: -v, x))
    assert "def fn(a, P, F64, F32):" in c.source(1.0)
    assert c(1.5) == 3.0 and c(-1.5) == 1.5
    v = fg.jit(lambda x: fnp.tanh(x) * 2.0)  # array sizes are read from P
    assert v.source(np.ones(3)).startswith("def fn(a, P, F64, F32):\n")
    np.testing.assert_allclose(v(np.linspace(-1, 1, 5)), np.tanh(np.linspace(-1, 1, 5)) * 2.0,
                               rtol=1e-15)


# --- pytree arguments: the walker written for their structure ----------------------------------

Pair = collections.namedtuple("Pair", "a b")


class Box:
    """A registered pytree node with static data (``tag``), for the walker's general nodes."""

    def __init__(self, v, tag):
        self.v, self.tag = v, tag


fg.register_pytree_node(Box, lambda b: ((b.v,), b.tag), lambda tag, c: Box(c[0], tag))

STRUCTURES = [
    ([{"w": np.ones((2, 3)), "b": np.zeros(3)}, {"w": np.ones((3, 1)), "b": np.zeros(1)}],
     np.ones((4, 2)), 0.5),
    (Pair(np.ones(2), [None, 1.0, np.float32(2)]), (), {}),
    ({1: 2.0, 0: np.ones(1, np.int32)}, (np.ones(2), (np.ones(3), True))),
    (Box(np.ones(2), "x"), [Box({"k": np.ones(1)}, 3)]),
    (),
]


def general_key(args):
    leaves = []
    return tuple(signature(a, leaves) for a in args), leaves


@pytest.mark.parametrize("args", STRUCTURES, ids=range(len(STRUCTURES)))
def test_structure_walker_keys_as_signature_does(args):
    key, leaves = structure_walker(args)(args)
    want_key, want_leaves = general_key(args)
    assert key == want_key and hash(key) == hash(want_key)
    assert len(leaves) == len(want_leaves) and all(a is b for a, b in zip(leaves, want_leaves))


def test_structure_walker_refuses_every_other_structure():
    walk = structure_walker(STRUCTURES[0])
    params, X, lr = STRUCTURES[0]
    others = [
        (params[:1], X, lr),  # a shorter list
        ([{**params[0], "c": np.ones(1)}, params[1]], X, lr),  # an extra key
        ([{"w": params[0]["w"], "v": params[0]["b"]}, params[1]], X, lr),  # a renamed key
        ([params[0], (params[1]["b"], params[1]["w"])], X, lr),  # a tuple for a dict
        (params, 1.0, lr),  # a number for an array
        (params, X, np.float32(0.5)),  # a number of another type
        (params, [X], lr),  # a list for an array
        (params, X),  # fewer arguments
        (params, X, lr, None),  # more
    ]
    for args in others:
        assert walk(args) is None, args
    walk = structure_walker(STRUCTURES[3])
    assert walk((Box(np.ones(2), "y"), [Box({"k": np.ones(1)}, 3)])) is None  # other aux
    assert walk((Pair(np.ones(2), None), [Box({"k": np.ones(1)}, 3)])) is None  # other node
    # the same structure with other shapes and dtypes: the key changes with them
    same = (Box(np.ones(5, np.float32), "x"), [Box({"k": np.ones(1)}, 3)])
    assert walk(same) == general_key(same) and walk(same)[0] != general_key(STRUCTURES[3])[0]


def test_structure_walker_leaves_objects_it_does_not_know_to_the_general_path():
    assert structure_walker(({"f": object()},)) is None
    assert structure_walker((np.str_("a"),)) is None


def test_jitted_pytree_calls_in_changing_structures_match_numpy():
    """A function of a pytree called with structures in turn (each one's walker replaced by
    the next, then no new walkers past MAX_WALKERS): every result as without jit."""
    def total(tree, x):
        return sum(fnp.sum(leaf) for leaf in fg.tree_leaves(tree)) * x

    trees = [{"a": np.ones(3), "b": np.arange(2.0)}, {"b": np.arange(2.0), "a": np.ones(3)},
             [np.ones(2), {"c": np.full(4, 2.0)}], Pair(np.ones(1), np.arange(3.0)),
             {"a": np.ones(3), "b": np.arange(5.0)}]
    trees += [{f"k{i}": np.full(2, float(i))} for i in range(12)]
    jt = fg.jit(total)
    assert jt(trees[0], 1.5) == jt(trees[0], 1.5) and jt._walk((trees[0], 1.5)) is not None
    for _ in range(2):
        for tree in trees:
            want = sum(float(np.sum(leaf)) for leaf in fg.tree_leaves(tree)) * 1.5
            assert math.isclose(jt(tree, 1.5), want, rel_tol=1e-15)
    assert jt._walkers_made <= api.MAX_WALKERS


def random_tree(rng, depth=0):
    """A random pytree of the kinds users pass: arrays, numbers of several types, None,
    lists, tuples, dicts, namedtuples (and OrderedDicts, which are leaves to funcgrad)."""
    k = rng.random()
    if depth > 3 or k < 0.3:
        return rng.choice([np.ones(rng.randint(1, 3)), np.zeros((2, 2), np.float32), 1.0, 2,
                           True, np.float64(1), np.float32(2), np.int32(3), np.array(1.5),
                           None])
    kids = [random_tree(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    if k < 0.45:
        return kids
    if k < 0.6:
        return tuple(kids)
    if k < 0.75:
        return {rng.choice("abcde"): kid for kid in kids}
    if k < 0.9:
        return Pair(random_tree(rng, depth + 1), random_tree(rng, depth + 1))
    return collections.OrderedDict(zip("xy", kids))


def test_structure_walker_agrees_with_signature_on_random_pytrees():
    rng = random.Random(0)
    for _ in range(500):
        args = tuple(random_tree(rng) for _ in range(rng.randint(0, 4)))
        walk = structure_walker(args)
        if walk is None:  # an OrderedDict (a leaf funcgrad cannot key): the general path
            continue
        key, leaves = walk(args)
        want_key, want_leaves = general_key(args)
        assert key == want_key and all(a is b for a, b in zip(leaves, want_leaves)), args
        other = tuple(random_tree(rng) for _ in args)  # found, or refused: never another key
        got = walk(other)
        assert got is None or got[0] == general_key(other)[0], (args, other)
