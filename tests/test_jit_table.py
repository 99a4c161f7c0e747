"""The shared table through fg.jit: every row's value, gradient and gradient of gradient (a
Hessian-vector product, reverse over reverse and forward over reverse) agree with the NumPy
evaluator (float64 to 1e-12 relative, float32 to
1e-5). ``make test`` runs a representative subset (each row costs Numba compiles; second order
on fewer of them); ``make test-all`` runs every row and every check."""
import numpy as np
import pytest
from primitive_table import ROWS

import funcgrad as fg
import funcgrad.numpy as fnp

JIT_ROWS = [r for r in ROWS if r.jit]


def _params(every):
    fast = {id(r) for r in JIT_ROWS[::every]}
    return [pytest.param(r, id=repr(r), marks=() if id(r) in fast else pytest.mark.slow)
            for r in JIT_ROWS]


def _close(got, want, dtype, what):
    tol = 1e-12 if dtype == "float64" else 1e-5
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape and got.dtype == want.dtype, (what, got.dtype, want.dtype)
    scale = np.max(np.abs(want)) if want.size else 1.0
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol * max(scale, 1.0), err_msg=what)


def _scalar(row):
    return lambda *a: fnp.sum(row.fun(*a) ** 2)


@pytest.mark.parametrize("row", _params(40))
def test_row_value_and_gradient_under_jit(row):
    for dtype in row.dtypes:
        args = row.args(np.random.default_rng(0), np.dtype(dtype))
        _close(fg.jit(row.fun)(*args), row.fun(*args), dtype, "value")
        if row.grad and dtype == "float64":
            nums = tuple(range(len(args)))
            g_jit = fg.jit(fg.grad(_scalar(row), argnums=nums))(*args)
            for a, b in zip(g_jit, fg.grad(_scalar(row), argnums=nums)(*args)):
                _close(a, b, dtype, "gradient")


@pytest.mark.parametrize("row", _params(80))
def test_row_gradient_of_gradient_under_jit(row):
    if not row.grad or row.order < 2 or "float64" not in row.dtypes:
        return
    args = row.args(np.random.default_rng(0), np.dtype("float64"))
    nums = tuple(range(len(args)))
    v = [np.random.default_rng(1).normal(size=np.shape(a)) for a in args]

    def hvp(*a):  # d/da <grad scalar(a), v>: a gradient of a gradient
        g = fg.grad(_scalar(row), argnums=nums)(*a)
        return fnp.sum(fnp.stack([fnp.sum(gi * vi) for gi, vi in zip(g, v)]))

    h_jit = fg.jit(fg.grad(hvp, argnums=nums))(*args)
    for a, b in zip(h_jit, fg.grad(hvp, argnums=nums)(*args)):
        _close(a, b, "float64", "gradient of gradient")

    def fwd_over_rev(*a):  # the Hessian-vector product as fg.hessian computes it
        return fg.jvp(lambda *b: fg.grad(_scalar(row), argnums=nums)(*b), a, tuple(v))[1]

    for a, b in zip(fg.jit(fwd_over_rev)(*args), fwd_over_rev(*args)):
        _close(a, b, "float64", "forward over reverse")
