"""``x[idx]`` on traced arrays against NumPy's own indexing: values (eager under grad/vjp, shapes
and dtypes under make_ir, values under jit), cotangents against ``np.add.at`` (which sums
repeated indices), derivatives against finite differences, and the errors users meet."""
import os

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp

I = np.array
X = np.arange(2 * 3 * 4 * 5, dtype=np.float64).reshape(2, 3, 4, 5) / 7.0 - 3.0
MASK_34 = (np.arange(12).reshape(3, 4) % 3) == 0

# name -> index into X (shape (2, 3, 4, 5)); "mask" in a name: needs concrete values
INDEXES = {
    "int": 1,
    "negative_int": (-1, 2),
    "numpy_ints": (np.int64(1), np.int32(-2)),
    "all_ints": (1, 2, 3, 4),
    "slice": slice(1, None),
    "slices_steps": (slice(None), slice(2, 0, -1), slice(None, None, 2), slice(1, 5, 3)),
    "negative_step": (Ellipsis, slice(None, None, -2)),
    "empty_slice": (slice(None), slice(2, 1)),
    "slice_beyond": (slice(-10, 10), slice(5, 9)),
    "ellipsis_int": (Ellipsis, 1),
    "ellipsis_middle": (0, Ellipsis, 3),
    "none": (None, 0, None, Ellipsis, None),
    "empty_tuple": (),
    "int_array": I([1, 0, 1]),
    "negative_array": (slice(None), I([-1, 0, -3])),
    "repeated_array": (slice(None), slice(None), I([3, 3, 0, 3])),
    "list": [1, 0],
    "nested_list": ([[0, 1], [1, 0]], slice(None), 0),
    "array_2d": (slice(None), I([[0, 1], [2, 2]])),
    "uint8_array": (slice(None), I([2, 0], np.uint8)),
    "int32_array": (Ellipsis, I([4, -5], np.int32)),
    "zero_d_array": (I(1), slice(None), I(2)),
    "empty_array": I([], dtype=np.int64),
    "empty_list": [],
    "two_adjacent": (slice(None), I([0, 2]), I([1, 3])),
    "two_adjacent_at_front": (I([1, 0]), I([2, 2]), slice(1, 3)),
    "two_nonadjacent": (I([0, 1]), slice(None), I([1, 3])),
    "int_beside_array": (slice(None), 1, I([0, 2, 3])),
    "int_apart_from_array": (1, slice(None), I([0, 2, 3])),
    "arrays_broadcast": (I([[0], [1]]), I([0, 2, 1])),
    "arrays_broadcast_adjacent": (slice(None), I([[0], [2]]), I([1, 3, 3]), slice(None, 2)),
    "array_none_array": (I([0, 1]), None, I([1, 2])),
    "none_then_adjacent": (None, slice(None), I([0, 1]), I([1, 2])),
    "three_arrays_apart": (I([0, 1]), slice(None), I([0, 1]), I([1, 2])),
    "array_every_axis": (I([0, 1]), I([0, 2]), I([3, 1]), I([4, 4])),
    "array_ellipsis": (Ellipsis, I([0, 4, 4])),
    "array_reversed_slices": (slice(None, None, -1), I([2, 0]), slice(1, 4, 2)),
    "bool_true": True,
    "bool_false": (np.False_, slice(1, 2)),
    "bool_beside_array": (True, I([0, 1])),
    "bool_after_int": (0, True),
    "mask_axis0": I([True, False]),
    "mask_middle": (slice(None), I([True, False, True])),
    "mask_2d": (slice(None), slice(None), (np.arange(20).reshape(4, 5) % 3) == 0),
    "mask_2d_middle": (1, MASK_34),
    "mask_full": X > 0.5,
    "mask_and_array": (I([True, True]), I([0, 2])),
    "mask_list": [False, True],
}

IDS = list(INDEXES)
CONCRETE_ONLY = {k for k in IDS if "mask" in k}


def _ct_reference(idx, ct):
    """The cotangent of x[idx] w.r.t. x: ct scattered back, repeated entries summed."""
    g = np.zeros_like(X)
    np.add.at(g, idx, ct)
    return g


@pytest.mark.parametrize("name", IDS)
def test_value_and_cotangent_eagerly(name):
    idx = INDEXES[name]
    want = X[idx]
    out, pullback = fg.vjp(lambda x: x[idx], X)
    assert np.shape(out) == want.shape
    np.testing.assert_array_equal(out, want)
    ct = np.random.default_rng(0).standard_normal(want.shape)
    (g,) = pullback(ct)
    np.testing.assert_allclose(g, _ct_reference(idx, ct), rtol=1e-14, atol=1e-14)


@pytest.mark.parametrize("name", IDS)
def test_value_under_grad_and_forward_mode(name):
    idx = INDEXES[name]
    seen = []

    def f(x):
        y = x[idx]
        seen.append(y.shape)
        return fnp.sum(y * y)

    g = fg.grad(f)(X)
    assert seen == [X[idx].shape]
    np.testing.assert_allclose(g, _ct_reference(idx, 2 * X[idx]), rtol=1e-14)
    v = np.random.default_rng(1).standard_normal(X.shape)
    _, t = fg.jvp(lambda x: x[idx], (X,), (v,))
    np.testing.assert_array_equal(t, v[idx])


@pytest.mark.parametrize("name", [k for k in IDS if k not in CONCRETE_ONLY])
def test_shapes_under_make_ir(name):
    idx = INDEXES[name]
    for dtype in (np.float64, np.float32):
        ir = fg.make_ir(lambda x: x[idx])(X.astype(dtype))
        (aval,) = ir.out_avals
        assert aval.shape == X[idx].shape and aval.dtype == dtype


#: the index kinds that make test compiles (one module for all: Numba's compile time grows
#: faster than the function's length); make test-all compiles every kind
FAST_KINDS = ["int", "slices_steps", "negative_step", "none", "int_array", "repeated_array",
              "array_2d", "two_nonadjacent", "arrays_broadcast_adjacent"]


@pytest.mark.parametrize("names", [
    pytest.param(FAST_KINDS, id="some_kinds"),
    pytest.param([k for k in IDS if k not in CONCRETE_ONLY], id="every_kind",
                 marks=pytest.mark.slow)])
def test_every_index_under_jit_one_compile(names):
    f = fg.jit(lambda x: tuple(x[INDEXES[k]] for k in names))
    for name, got in zip(names, f(X)):
        np.testing.assert_array_equal(got, X[INDEXES[name]], err_msg=name)
    weights = {k: np.random.default_rng(i).standard_normal(X[INDEXES[k]].shape)
               for i, k in enumerate(names)}

    def loss(x):
        return sum(fnp.sum(x[INDEXES[k]] ** 2 * weights[k]) for k in names)

    want = sum(_ct_reference(INDEXES[k], 2 * X[INDEXES[k]] * weights[k]) for k in names)
    np.testing.assert_allclose(fg.jit(fg.grad(loss))(X), want, rtol=1e-12)
    np.testing.assert_allclose(fg.grad(loss)(X), want, rtol=1e-12)


@pytest.mark.parametrize("name", ["int_array", "repeated_array", "two_nonadjacent",
                                  "arrays_broadcast_adjacent", "slices_steps", "mask_2d",
                                  "bool_beside_array", "array_none_array"])
def test_derivatives_match_finite_differences(name):
    idx = INDEXES[name]
    x = X[..., :2]  # a smaller argument
    if "mask" in name:
        idx = (slice(None), slice(None), idx[2][:, :2])
    fg.check_grads(lambda x: fnp.sin(x[idx]) * x[idx], (x,), order=2)


def test_repeated_indices_sum_their_gradients_at_every_order():
    x = np.array([0.5, -1.0, 2.0])
    idx = np.array([0, 0, 2, 0, 2])
    f = lambda x: fnp.sum(x[idx] ** 3)
    # d/dx_i sum_k x[idx_k]^3 = 3 * count_i * x_i^2; second derivative 6 * count_i * x_i
    counts = np.bincount(idx, minlength=3)
    np.testing.assert_allclose(fg.grad(f)(x), 3 * counts * x ** 2)
    np.testing.assert_allclose(fg.hessian(f)(x), np.diag(6 * counts * x))
    np.testing.assert_allclose(fg.jit(fg.hessian(f))(x), np.diag(6 * counts * x))
    fg.check_grads(f, (x,), order=3)


def test_traced_index_arrays_under_jit():
    f = fg.jit(lambda x, i, j: x[i, :, j])
    i, j = np.array([1, -1, 0, 1]), np.array([[3], [-4]])
    np.testing.assert_array_equal(f(X, i, j), X[i, :, j])
    # new index values reuse the compiled code and stay correct
    np.testing.assert_array_equal(f(X, i[::-1], j[::-1]), X[i[::-1], :, j[::-1]])
    g = fg.jit(fg.grad(lambda x, i: fnp.sum(x[:, i] ** 2)))
    i = np.array([2, 2, -1])
    np.testing.assert_allclose(g(X, i), _ct_reference((slice(None), i), 2 * X[:, i]))
    # a traced 0-d integer index, and a list holding a traced one
    np.testing.assert_array_equal(fg.jit(lambda x, k: x[k])(X, -1), X[-1])
    np.testing.assert_array_equal(fg.jit(lambda x, k: x[0, [k, 0]])(X, 2), X[0, [2, 0]])


def test_traced_indices_out_of_range_are_clamped_under_jit():
    # documented: NumPy raises IndexError eagerly; a traced index cannot be checked, so the
    # gather clamps it to the axis (like JAX)
    f = fg.jit(lambda x, i: x[i])
    np.testing.assert_array_equal(f(X[0, 0, 0], np.array([7, -9, 2])), X[0, 0, 0][[4, 0, 2]])


def test_vmap_of_indexing_with_batched_indices():
    x = X[0, 0]  # (4, 5)
    idx = np.array([[0, 4], [1, 1], [3, 2], [4, 0]])
    np.testing.assert_array_equal(fg.vmap(lambda r, i: r[i])(x, idx),
                                  np.take_along_axis(x, idx, 1))
    np.testing.assert_array_equal(fg.vmap(lambda i: fnp.take(x, i, axis=1))(idx[:, 0]),
                                  x[:, idx[:, 0]].T)


def test_bool_mask_with_concrete_values_under_grad():
    x = X[0, 0]
    g = fg.grad(lambda x: fnp.sum(x[x > 0] ** 2))(x)
    np.testing.assert_allclose(g, np.where(x > 0, 2 * x, 0.0))


# --- errors ---------------------------------------------------------------------------------

HERE = os.path.basename(__file__)


def _error(exc, f, *args):
    with pytest.raises(exc) as info:
        f(*args)
    return str(info.value)


def test_traced_mask_under_make_ir_raises_concretization_error():
    msg = _error(fg.ConcretizationError, fg.make_ir(lambda x: x[x > 0]), X)
    assert "boolean mask" in msg and HERE in msg and "where" in msg
    msg = _error(fg.ConcretizationError, fg.jit(lambda x: x[0, x[0, 0, 0] > 0]), X)
    assert "boolean mask" in msg and HERE in msg


@pytest.mark.parametrize("idx, words", [
    ((2,), ["index 2 is out of bounds for axis 0 with size 2"]),
    ((0, -4), ["index -4 is out of bounds for axis 1 with size 3"]),
    ((I([0, 5]),), ["index 5", "size 2"]),
    ((slice(None), I([-4])), ["index -4", "axis 1"]),
    ((0, 0, 0, 0, 0), ["too many indices", "5 were indexed"]),
    ((Ellipsis, 0, Ellipsis), ["single ellipsis"]),
    ((1.0,), ["valid indices", "float"]),
    (("a",), ["valid indices", "str"]),
    ((I([0.0]),), ["integer or boolean type", "float64"]),
    ((I([True, False, True]),), ["boolean index did not match", "axis 0", "size of axis is 2"]),
    ((slice(None), MASK_34.T), ["boolean index did not match", "axis 1"]),
    ((I([0, 1]), I([0, 1, 2])), ["could not be broadcast", "(2,) (3,)"]),
])
def test_index_errors_say_what_and_where(idx, words):
    def f(x):
        return fnp.sum(x[idx])

    for run in (fg.grad(f), fg.make_ir(f)):
        msg = _error(IndexError, run, X)
        assert HERE in msg, msg
        for w in words:
            assert w in msg, (w, msg)
