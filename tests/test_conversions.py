"""No silent wrong gradients: every way of turning a value that carries a derivative into a plain
number or NumPy array raises ConcretizationError (naming the user's line), under every
transformation; conversions that drop nothing keep working and give the right gradient."""
import math
import operator

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad import ConcretizationError

X = np.array([0.5, -1.25, 2.0])


def _setitem(x):
    y = np.zeros(3)
    y[0] = x[0] * 5.0
    return fnp.sum(y * x)


# each drops the derivative of x through a conversion the user wrote
DROPPING = {
    "float": lambda x: float(fnp.sum(x)) * x[0],
    "int": lambda x: int(x[2]) * x[0],
    "complex": lambda x: complex(x[0]).real * x[1],
    "item": lambda x: fnp.sum(x).item() * x[0],
    "tolist": lambda x: fnp.sum(x * x.tolist()[0]),
    "np.asarray": lambda x: fnp.sum(np.asarray(x)) * x[0],
    "np.float64": lambda x: np.float64(x[0]) * x[1],
    "math.exp": lambda x: math.exp(x[0]) * x[1],
    "setitem into ndarray": _setitem,
}

# conversions that drop nothing: (function, its gradient at X)
KEEPING = {
    "bool for control flow": (lambda x: x[0] * 2.0 if x[0] > 0 else x[1],
                              np.array([2.0, 0.0, 0.0])),
    "int of an integer": (lambda x: x[0] * int(fnp.argmax(x)), np.array([2.0, 0.0, 0.0])),
    "operator.index": (lambda x: x[operator.index(fnp.argmin(x))] * 3.0,
                       np.array([0.0, 3.0, 0.0])),
    "ndarray[traced int]": (lambda x: np.array([1.0, 2.0, 3.0])[fnp.argmax(x)] * x[1],
                            np.array([0.0, 3.0, 0.0])),
    "float of stop_gradient": (lambda x: float(fg.stop_gradient(fnp.sum(x))) * x[0],
                               np.array([1.25, 0.0, 0.0])),
}

TRANSFORMS = {
    "grad": lambda f, x: fg.grad(f)(x),
    "vjp": lambda f, x: fg.vjp(f, x)[1](1.0)[0],
    "jvp": lambda f, x: np.array([fg.jvp(f, (x,), (e,))[1] for e in np.eye(3)]),
    "hessian": lambda f, x: fg.hessian(f)(x),
    "vmap(grad)": lambda f, x: fg.vmap(fg.grad(f))(np.stack([x, x]))[0],
    "jit(grad)": lambda f, x: fg.jit(fg.grad(f))(x),
}


def _is_concretization(err):
    # NumPy's item assignment replaces any error of the value's __float__ with its own
    # "setting an array element with a sequence" ValueError, keeping ours as the cause (which
    # the traceback prints first).
    return isinstance(err, ConcretizationError) or isinstance(err.__cause__, ConcretizationError)


@pytest.mark.parametrize("transform", TRANSFORMS)
@pytest.mark.parametrize("name", DROPPING)
def test_dropping_a_derivative_raises(name, transform):
    with pytest.raises((ConcretizationError, ValueError)) as info:
        TRANSFORMS[transform](DROPPING[name], X)
    err = info.value
    assert _is_concretization(err), repr(err)
    text = str(err if isinstance(err, ConcretizationError) else err.__cause__)
    assert "test_conversions.py" in text  # the user's line
    if transform != "jit(grad)":
        assert "stop_gradient" in text and "derivative" in text
    if name == "setitem into ndarray":
        assert ".at[i].set" in text


@pytest.mark.parametrize("name", KEEPING)
def test_conversions_that_drop_nothing_keep_working(name):
    f, want = KEEPING[name]
    np.testing.assert_allclose(fg.grad(f)(X), want, rtol=1e-14)
    np.testing.assert_allclose(TRANSFORMS["vjp"](f, X), want, rtol=1e-14)
    np.testing.assert_allclose(TRANSFORMS["jvp"](f, X), want, rtol=1e-14)
    # (not under vmap: a batched value has no single Python value, and says so)


@pytest.mark.parametrize("name", ["bool for control flow", "ndarray[traced int]",
                                  "float of stop_gradient"])
def test_under_jit_values_are_abstract(name):
    f, _ = KEEPING[name]
    with pytest.raises(ConcretizationError, match="test_conversions.py"):
        fg.jit(f)(X)


def test_ndarray_indexed_by_a_traced_index_suggests_fnp_asarray():
    f, want = KEEPING["ndarray[traced int]"]
    with pytest.raises(ConcretizationError, match=r"fnp\.asarray\(a\)\[x\]"):
        fg.jit(fg.grad(f))(X)
    g = lambda x: fnp.asarray(np.array([1.0, 2.0, 3.0]))[fnp.argmax(x)] * x[1]  # noqa: E731
    np.testing.assert_allclose(fg.jit(fg.grad(g))(X), want, rtol=1e-14)


def test_created_arrays_are_traced_values_and_immutable():
    def f(x):
        y = fnp.zeros(3)
        y[0] = x[0] * 5.0
        return fnp.sum(y * x)
    for transform in ("grad", "jvp", "jit(grad)"):
        with pytest.raises(ConcretizationError, match=r"immutable.*\.at\[\.\.\.\]\.set"):
            TRANSFORMS[transform](f, X)


def test_one_hot_by_indexing_an_eye_under_jit():
    labels = np.array([0, 2, 1, 2])
    for dtype in (np.float32, np.float64):
        f = fg.jit(lambda x, lab: fnp.sum(fnp.eye(3, dtype=dtype)[lab] * x))
        x = np.arange(12.0).reshape(4, 3).astype(dtype)
        got = f(x, labels)
        assert got.dtype == dtype
        assert got == x[np.arange(4), labels].sum()
        g = fg.jit(fg.grad(lambda x, lab: fnp.sum(fnp.eye(3, dtype=dtype)[lab] * x)))(x, labels)
        np.testing.assert_array_equal(g, np.eye(3)[labels])


def test_created_arrays_outside_transformations_stay_numpy():
    for make in (lambda: fnp.zeros(3), lambda: fnp.eye(2), lambda: fnp.arange(4),
                 lambda: fnp.full((2,), 1.0), lambda: fnp.linspace(0.0, 1.0, 5),
                 lambda: fnp.asarray([1.0, 2.0]), lambda: fnp.ones_like(np.zeros(2))):
        assert type(make()) is np.ndarray
