"""The shared table through fg.jit: every row's value and gradient agree with the NumPy
evaluator (float64 to 1e-12 relative, float32 to 1e-5). ``make test`` runs every twelfth row
(each is a Numba compile); ``make test-all`` runs them all."""
import numpy as np
import pytest
from primitive_table import ROWS

import funcgrad as fg

FAST = {id(r) for r in ROWS[::12]}


def _params():
    return [pytest.param(r, id=repr(r), marks=() if id(r) in FAST else pytest.mark.slow)
            for r in ROWS if r.jit]


def _close(got, want, dtype):
    tol = 1e-12 if dtype == "float64" else 1e-5
    got, want = np.asarray(got), np.asarray(want)
    scale = np.max(np.abs(want)) if want.size else 1.0
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol * max(scale, 1.0))


@pytest.mark.parametrize("row", _params())
def test_row_under_jit(row):
    for dtype in row.dtypes:
        args = row.args(np.random.default_rng(0), np.dtype(dtype))
        out = fg.jit(row.fun)(*args)
        _close(out, row.fun(*args), dtype)
        if row.grad and dtype == "float64":
            def scalar(*a):
                return fg.numpy.sum(row.fun(*a) ** 2)
            g_jit = fg.jit(fg.grad(scalar, argnums=tuple(range(len(args)))))(*args)
            g_eager = fg.grad(scalar, argnums=tuple(range(len(args))))(*args)
            for a, b in zip(g_jit, g_eager):
                _close(a, b, dtype)
