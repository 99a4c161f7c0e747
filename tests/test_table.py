"""Every row of the shared table gets the same checks (DESIGN.md, principle 10):

* its value equals NumPy's (``np_ref``) in float64 and float32, and float32 stays float32;
* forward- and reverse-mode derivatives, first and second order, agree with central finite
  differences along random directions (float64);
* float32 derivatives agree with the float64 ones (finite differences are too coarse there).
"""
import numpy as np
import pytest
from primitive_table import ROWS

import funcgrad as fg


def _args(row, dtype, seed=0):
    return row.args(np.random.default_rng(seed), np.dtype(dtype))


@pytest.mark.parametrize("row", ROWS, ids=repr)
def test_value_matches_numpy(row):
    for dtype in row.dtypes:
        args = _args(row, dtype)
        got = np.asarray(row.fun(*args))
        want = np.asarray((row.np_ref or row.fun)(*args))
        assert got.shape == want.shape, (got.shape, want.shape)
        tol = 1e-12 if dtype == "float64" else 2e-6
        np.testing.assert_allclose(got, want, rtol=tol, atol=tol)
        if dtype == "float32" and want.dtype == np.float32:
            assert got.dtype == np.float32


@pytest.mark.parametrize("row", [r for r in ROWS if r.grad], ids=repr)
def test_derivatives_match_finite_differences(row):
    args = _args(row, "float64")
    fg.check_grads(row.fun, args, order=row.order, modes=("fwd", "rev"),
                   atol=row.atol, rtol=row.rtol)


@pytest.mark.parametrize("row", [r for r in ROWS if r.grad and "float32" in r.dtypes],
                         ids=repr)
def test_float32_derivatives_match_float64(row):
    a64, a32 = _args(row, "float64"), _args(row, "float32")
    a64 = tuple(np.asarray(a, np.float64) for a in a32)  # the same points
    rng = np.random.default_rng(1)
    out64 = np.asarray(row.fun(*a64))
    ct = rng.standard_normal(out64.shape)
    _, f64 = fg.vjp(row.fun, *a64)
    _, f32 = fg.vjp(row.fun, *a32)
    g64 = f64(ct)
    g32 = f32(ct.astype(np.asarray(row.fun(*a32)).dtype))
    for x, g, h in zip(a32, g32, g64):
        assert np.asarray(g).dtype == x.dtype
        scale = np.max(np.abs(h)) + 1.0
        np.testing.assert_allclose(g, h, rtol=2e-3, atol=2e-4 * scale)
    v = tuple(rng.standard_normal(np.shape(x)) for x in a32)
    _, t64 = fg.jvp(row.fun, a64, v)
    _, t32 = fg.jvp(row.fun, a32, tuple(np.asarray(x, np.float32) for x in v))
    scale = np.max(np.abs(t64)) + 1.0 if np.size(t64) else 1.0
    np.testing.assert_allclose(t32, t64, rtol=2e-3, atol=2e-4 * scale)
