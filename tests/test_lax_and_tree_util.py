"""fg.lax, fg.tree_util, fg.switch and the lazily loaded subpackages: JAX's names, checked
against NumPy and closed forms, eagerly, under jit and under grad."""
import subprocess
import sys

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp

lax = fg.lax
rng = np.random.default_rng(0)


def test_subpackages_load_lazily_on_attribute_access():
    code = ("import sys, funcgrad as fg\n"
            "lazy = ['nn', 'optim', 'random', 'data', 'train', 'viz', 'lax', 'tree_util']\n"
            "assert not any('funcgrad.' + m in sys.modules for m in lazy), sys.modules.keys()\n"
            "for m in lazy: getattr(fg, m)\n"
            "assert all('funcgrad.' + m in sys.modules for m in lazy)\n"
            "assert fg.scipy.special.expit and fg.switch is fg.lax.switch\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        fg.nope  # noqa: B018


@pytest.mark.parametrize("index,want", [(-3, 1.0), (0, 1.0), (1, 20.0), (2, -2.0), (9, -2.0)])
def test_switch_clamps_the_index_eagerly_and_under_jit(index, want):
    branches = [lambda x: x - 1.0, lambda x: x * 10.0, lambda x: -x]
    assert fg.switch(index, branches, 2.0) == want
    assert fg.jit(lambda i, x: fg.switch(i, branches, x))(np.int64(index), 2.0) == want
    g = fg.jit(fg.grad(lambda x, i: fg.switch(i, branches, x)))(2.0, np.int64(index))
    assert g == {1.0: 1.0, 20.0: 10.0, -2.0: -1.0}[want]


def test_map_and_scan_names():
    xs = rng.normal(size=(4, 3))
    np.testing.assert_allclose(lax.map(lambda r: fnp.sum(r ** 2), xs), (xs ** 2).sum(1))
    g = fg.grad(lambda x: fnp.sum(lax.map(fnp.sin, x)))(xs)
    np.testing.assert_allclose(g, np.cos(xs), rtol=1e-14)
    c, ys = lax.scan(lambda c, x: (c + x, c * x), 0.0, np.arange(4.0))
    assert c == 6.0 and ys.tolist() == [0.0, 0.0, 2.0, 9.0]  # c * x before c += x


def test_select_requires_boolean_predicate():
    x, y = np.ones(3), np.zeros(3)
    np.testing.assert_array_equal(lax.select(np.array([True, False, True]), x, y), [1, 0, 1])
    with pytest.raises(TypeError, match="pred must be boolean"):
        lax.select(np.ones(3), x, y)


def test_elementwise_names_match_numpy():
    x, y = rng.uniform(0.5, 2.0, 5), rng.uniform(-2.0, 2.0, 5)
    pairs = {lax.rsqrt: 1 / np.sqrt(x), lax.logistic: 1 / (1 + np.exp(-x)),
             lax.exp: np.exp(x), lax.atan: np.arctan(x), lax.cbrt: np.cbrt(x)}
    for got, want in pairs.items():
        np.testing.assert_allclose(got(x), want, rtol=1e-14)
    np.testing.assert_allclose(lax.rem(y, x), np.fmod(y, x), rtol=1e-14)
    np.testing.assert_allclose(lax.clamp(-0.5, y, 0.5), np.clip(y, -0.5, 0.5))
    np.testing.assert_array_equal(lax.round(np.array([0.5, 1.5, -0.5, 2.5])), [1, 2, -1, 3])
    np.testing.assert_array_equal(lax.round(np.array([0.5, 1.5, 2.5]), 1), [0, 2, 2])
    assert lax.integer_pow(3.0, 3) == 27.0


def test_shape_names():
    a = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(lax.broadcast_in_dim(np.arange(3.0), (2, 3), (1,)),
                                  np.broadcast_to(np.arange(3.0), (2, 3)))
    assert lax.broadcast(a, (4,)).shape == (4, 2, 3)
    np.testing.assert_array_equal(lax.reshape(a, (3, 2), dimensions=(1, 0)),
                                  a.T.reshape(3, 2))
    np.testing.assert_array_equal(lax.slice(a, (0, 1), (2, 3), (1, 2)), a[0:2, 1:3:2])
    np.testing.assert_array_equal(lax.slice_in_dim(a, 1, 3, axis=1), a[:, 1:3])
    np.testing.assert_array_equal(lax.rev(a, (0, 1)), a[::-1, ::-1])
    padded = lax.pad(np.array([1.0, 2.0]), -1.0, [(1, 2, 1)])
    np.testing.assert_array_equal(padded, [-1, 1, -1, 2, -1, -1])
    g = fg.grad(lambda v: fnp.sum(lax.pad(v, 0.0, [(1, 0, 2)]) * np.arange(5.0)))(np.ones(2))
    np.testing.assert_array_equal(g, [1.0, 4.0])
    with pytest.raises(NotImplementedError, match="negative padding"):
        lax.pad(np.ones(2), 0.0, [(-1, 0, 0)])


def test_dot_general_matches_einsum_and_differentiates():
    a, b = rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 5, 3))
    dn = (((1,), (2,)), ((0,), (0,)))
    out = lax.dot_general(a, b, dn)
    np.testing.assert_allclose(out, np.einsum("bji,bkj->bik", a, b), rtol=1e-12)
    fg.check_grads(lambda a, b: lax.dot_general(a, b, dn), (a, b), order=2)


def test_reductions_and_cumulative():
    x = rng.normal(size=(3, 4))
    np.testing.assert_allclose(lax.reduce_sum(x, (1,)), x.sum(1))
    np.testing.assert_allclose(lax.reduce_max(x, (0, 1)), x.max())
    np.testing.assert_array_equal(lax.argmax(x, 1, np.int32), x.argmax(1))
    assert lax.argmax(x, 1, np.int32).dtype == np.int32
    np.testing.assert_allclose(lax.cumsum(x, 1, reverse=True), x[:, ::-1].cumsum(1)[:, ::-1])
    np.testing.assert_allclose(lax.cummax(x, axis=1), np.maximum.accumulate(x, axis=1))
    np.testing.assert_allclose(lax.cummin(x, axis=0, reverse=True),
                               np.minimum.accumulate(x[::-1], axis=0)[::-1])
    np.testing.assert_array_equal(lax.iota(np.int32, 4), np.arange(4, dtype=np.int32))


def test_tree_util_names():
    tu = fg.tree_util
    tree = {"b": [1.0, 2.0], "a": (3.0, None)}
    assert tu.tree_reduce(lambda x, y: x + y, tree) == 6.0
    assert tu.tree_reduce(lambda x, y: x * y, tree, 2.0) == 12.0
    assert tu.tree_all({"x": True, "y": [1]}) and not tu.tree_all([1, 0])
    assert tu.tree_leaves(tree) == [3.0, 1.0, 2.0]


def test_partial_is_a_pytree_that_passes_through_jit_and_grad():
    scale = fg.tree_util.Partial(lambda s, x: s * x, np.float64(3.0))
    assert fg.jit(lambda f, x: f(x))(scale, 2.0) == 6.0
    g = fg.grad(lambda f, x: f(x))(scale, 2.0)
    assert isinstance(g, fg.tree_util.Partial) and g.args[0] == 2.0
