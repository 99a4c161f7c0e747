"""x.at[idx].set/add/multiply/divide/power/min/max/get: values against NumPy's in-place
equivalents for every index form, derivatives against finite differences (both modes, second
order), and the same under jit and vmap."""
import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp

rng = np.random.default_rng(0)
X = rng.uniform(0.5, 2.0, size=(4, 5))

# index forms, each with values of the selected shape
INDEXES = {
    "int": (2, (5,)),
    "negative int": ((-1, 3), ()),
    "slice": ((slice(1, 3), slice(None, None, 2)), (2, 3)),
    "ellipsis and None": ((Ellipsis, None, 1), (4, 1)),
    "repeated ints": (([0, 0, 3, 0], [1, 1, 4, 1]), (4,)),
    "int array beside slice": ((np.array([3, 1, 3]), slice(1, 4)), (3, 3)),
    "boolean mask": (X > 1.2, (int((X > 1.2).sum()),)),
}


def numpy_update(kind, x, idx, v):
    """The NumPy in-place spelling of each update, on a copy (ufunc.at accumulates repeats)."""
    out = x.copy()
    if kind == "set":
        out[idx] = v
    elif kind == "add":
        np.add.at(out, idx, v)
    elif kind == "multiply":
        np.multiply.at(out, idx, v)
    elif kind == "divide":
        np.multiply.at(out, idx, 1.0 / v)
    elif kind == "min":
        np.minimum.at(out, idx, v)
    elif kind == "max":
        np.maximum.at(out, idx, v)
    elif kind == "power":
        out[idx] = x[idx] ** v
    return out


KINDS = ["set", "add", "multiply", "divide", "min", "max", "power"]


def _values(shape):
    return rng.uniform(0.6, 1.8, size=shape)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("form", INDEXES)
def test_values_match_numpy(form, kind):
    idx, shape = INDEXES[form]
    v = _values(shape)
    got = getattr(fnp.at(X)[idx], kind)(v)
    np.testing.assert_allclose(got, numpy_update(kind, X, idx, v), rtol=1e-15)
    assert got.dtype == X.dtype and not np.shares_memory(got, X)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("form", ["slice", "repeated ints", "int array beside slice"])
def test_derivatives_in_both_arguments(form, kind):
    idx, shape = INDEXES[form]
    v = _values(shape)
    f = lambda x, v: fnp.sum(getattr(fnp.at(x)[idx], kind)(v) ** 3)  # noqa: E731
    fg.check_grads(f, (X, v), order=2)


def test_multiply_with_zero_updates_in_repeated_slots_is_exact():
    idx = ([0, 0, 0, 2], [1, 1, 1, 3])
    for v in (np.array([0.0, 3.0, 2.0, 5.0]), np.array([0.0, 0.0, 2.0, 5.0])):
        f = lambda x, v: fnp.sum(fnp.at(x)[idx].multiply(v) ** 2)  # noqa: E731
        fg.check_grads(f, (X, v), order=1, modes=("rev",))
        g = fg.grad(f, 1)(X, v)
        assert np.all(np.isfinite(g))


def test_min_max_ties_share_the_derivative():
    x = np.array([1.0, 5.0])
    g_x, g_v = fg.grad(lambda x, v: fnp.sum(fnp.at(x)[[1, 1]].max(v)), (0, 1))(
        x, np.array([5.0, 2.0]))
    np.testing.assert_allclose(g_x, [1.0, 0.5])
    np.testing.assert_allclose(g_v, [0.5, 0.0])


def test_set_with_repeated_indices_keeps_the_last_write_and_its_gradient():
    x = np.zeros(3)
    f = lambda v: fnp.at(x)[[1, 2, 1]].set(v)  # noqa: E731
    np.testing.assert_array_equal(f(np.array([7.0, 8.0, 9.0])), [0.0, 9.0, 8.0])
    g = fg.grad(lambda v: fnp.sum(f(v) * np.array([1.0, 10.0, 100.0])))(np.ones(3))
    np.testing.assert_array_equal(g, [0.0, 100.0, 10.0])  # the overwritten update gets none


@pytest.mark.parametrize("kind", [k if k in ("set", "add", "max") else
                                  pytest.param(k, marks=pytest.mark.slow) for k in KINDS])
def test_under_jit_with_traced_indices(kind):  # each kind ~4 s of compiling: three in make test
    i = np.array([3, 0, 3])
    f = lambda x, i, v: getattr(x.at[i, 1:3], kind)(v)  # noqa: E731
    v = _values((3, 2))
    want = numpy_update(kind, X, (i, slice(1, 3)), v)
    np.testing.assert_allclose(fg.jit(f)(X, i, v), want, rtol=1e-14)
    s = lambda x, i, v: fnp.sum(f(x, i, v) ** 2)  # noqa: E731
    for a, b in zip(fg.jit(fg.grad(s, (0, 2)))(X, i, v), fg.grad(s, (0, 2))(X, i, v)):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_traced_indices_out_of_range_are_clamped_concrete_ones_raise():
    np.testing.assert_array_equal(
        fg.jit(lambda x, i: x.at[i].set(9.0))(np.zeros(3), np.array([5])), [0, 0, 9.0])
    with pytest.raises(IndexError):
        fnp.at(np.zeros(3))[5].set(1.0)


def test_vmap_over_the_array_the_values_and_the_indices():
    xs = rng.normal(size=(3, 4))
    vs = rng.normal(size=(3,))
    idx = np.array([0, 2, 3])
    got = fg.vmap(lambda x, v, i: x.at[i].add(v))(xs, vs, idx)
    want = xs.copy()
    want[np.arange(3), idx] += vs
    np.testing.assert_allclose(got, want)
    got = fg.jit(fg.vmap(lambda x, i: x.at[i].max(0.5), in_axes=(0, 0)))(xs, idx)
    want = xs.copy()
    want[np.arange(3), idx] = np.maximum(want[np.arange(3), idx], 0.5)
    np.testing.assert_allclose(got, want)


def test_chained_updates_compile_to_in_place_loops():
    f = fg.jit(lambda x, a: x.at[0].set(a).at[1].add(a).at[2].multiply(a))
    src = f.source(np.ones(3), 2.0)
    assert src.count(".copy()") == 1  # the input is copied once, then updated in place
    x = np.ones(3)
    np.testing.assert_array_equal(f(x, 2.0), [2.0, 3.0, 2.0])
    np.testing.assert_array_equal(x, np.ones(3))  # the caller's array is untouched


def test_get_and_errors():
    np.testing.assert_array_equal(fnp.at(X)[1:3, 0].get(), X[1:3, 0])
    with pytest.raises(NotImplementedError, match="default mode only"):
        fnp.at(X)[0].set(1.0, mode="drop")
    with pytest.raises(ValueError, match="could not be broadcast|broadcast"):
        fnp.at(X)[0].set(np.ones(3))
