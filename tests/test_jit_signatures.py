"""One jitted function called with the same shapes in several dtypes: each call gets code for
its own dtypes (a dispatch key without the dtype would reuse the first call's plan)."""
import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp


def f(x, y):
    return {"s": fnp.sum(x * 3 + y), "m": x * y}


CASES = [np.float64, np.float32, np.int64, np.int32, np.bool_]


@pytest.mark.parametrize("order", [CASES, CASES[::-1]], ids=["f64-first", "bool-first"])
def test_each_dtype_gets_its_own_plan(order):
    jf = fg.jit(f)
    for dt in order:
        x = np.arange(6).reshape(2, 3).astype(dt)
        y = np.ones((2, 3), dt)
        got, want = jf(x, y), f(x, y)
        for k in ("s", "m"):
            assert np.asarray(got[k]).dtype == np.asarray(want[k]).dtype, (dt, k)
            np.testing.assert_array_equal(got[k], want[k])


def test_python_and_numpy_scalars_of_different_dtypes():
    g = fg.jit(lambda a, b: a * b + 1)
    assert g(np.float32(2), np.float32(3)).dtype == np.float32
    assert g(2.0, 3.0).dtype == np.float64
    assert g(np.int32(2), np.int32(3)).dtype == np.int32 and g(np.int32(2), np.int32(3)) == 7
    assert g(np.float64(0.5), np.float64(4)) == 3.0
