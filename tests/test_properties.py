"""Property tests: random shapes, broadcasting and reductions against NumPy and closed forms."""
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import funcgrad as fg
import funcgrad.numpy as fnp

SETTINGS = settings(max_examples=40, deadline=None)
floats = st.floats(-3, 3, allow_nan=False, width=64)


@st.composite
def broadcastable_pair(draw):
    shapes = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=4))
    a = draw(hnp.arrays(np.float64, shapes.input_shapes[0], elements=floats))
    b = draw(hnp.arrays(np.float64, shapes.input_shapes[1], elements=floats))
    return a, b


def _unbroadcast(g, shape):
    """Sum a gradient over the axes that broadcasting added or stretched."""
    while g.ndim > len(shape):
        g = g.sum(0)
    for i, d in enumerate(shape):
        if d == 1 and g.shape[i] != 1:
            g = g.sum(i, keepdims=True)
    return g


@SETTINGS
@given(broadcastable_pair(), st.sampled_from(["add", "subtract", "multiply", "maximum"]))
def test_binary_ops_broadcast_like_numpy_with_gradients(pair, name):
    a, b = pair
    f = getattr(fnp, name)
    np.testing.assert_array_equal(f(a, b), getattr(np, name)(a, b))
    ga, gb = fg.grad(lambda x, y: fnp.sum(f(x, y)), argnums=(0, 1))(a, b)
    ones = np.ones(np.broadcast_shapes(a.shape, b.shape))
    A, B = np.broadcast_to(a, ones.shape), np.broadcast_to(b, ones.shape)
    da, db = {"add": (ones, ones), "subtract": (ones, -ones), "multiply": (B, A),
              "maximum": (np.where(A > B, 1.0, np.where(A == B, 0.5, 0.0)),
                          np.where(B > A, 1.0, np.where(A == B, 0.5, 0.0)))}[name]
    np.testing.assert_allclose(ga, _unbroadcast(da, a.shape), rtol=1e-12)
    np.testing.assert_allclose(gb, _unbroadcast(db, b.shape), rtol=1e-12)
    assert np.shape(ga) == a.shape and np.shape(gb) == b.shape


@st.composite
def array_and_axis(draw):
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, max_side=4))
    x = draw(hnp.arrays(np.float64, shape, elements=floats, unique=True))
    axis = draw(st.none() | st.integers(-len(shape), len(shape) - 1)
                | st.lists(st.integers(0, len(shape) - 1), min_size=1, unique=True).map(tuple))
    return x, axis, draw(st.booleans())


@SETTINGS
@given(array_and_axis(), st.sampled_from(["sum", "mean", "max", "min", "prod"]))
def test_reductions_match_numpy_and_their_gradients(case, name):
    x, axis, keepdims = case
    got = getattr(fnp, name)(x, axis=axis, keepdims=keepdims)
    np.testing.assert_allclose(got, getattr(np, name)(x, axis=axis, keepdims=keepdims),
                               rtol=1e-12)
    w = np.random.default_rng(0).standard_normal(np.shape(got))
    g = fg.grad(lambda v: fnp.sum(getattr(fnp, name)(v, axis=axis, keepdims=keepdims) * w))(x)
    # closed form: broadcast the weights back over the reduced axes
    wk = np.reshape(w, np.shape(getattr(np, name)(x, axis=axis, keepdims=True)))
    n = x.size // max(wk.size, 1)
    ref = getattr(np, name)(x, axis=axis, keepdims=True)
    local = {"sum": np.ones_like(x), "mean": np.full_like(x, 1.0 / n),
             "max": (x == ref).astype(float), "min": (x == ref).astype(float),
             "prod": np.divide(ref, x, out=np.zeros_like(x), where=x != 0)}[name]
    if name == "prod" and np.any(x == 0):
        return  # exact-zero handling is covered by tests/test_math.py
    np.testing.assert_allclose(g, wk * local, rtol=1e-9, atol=1e-12)
