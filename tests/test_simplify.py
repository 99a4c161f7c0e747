"""The backend's ``simplify`` pass drops equations that return an operand unchanged because the
other one is its unit (``x * 1``, ``x / 1``, ``x ** 1``; ``Elementwise.units``): a gradient's
seed of ones, broadcast into the backward pass, is not multiplied in. Only where that is exact,
and compiled results stay NumPy's, signed zeros, infinities and NaNs included."""
import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.backend import passes
from funcgrad.core.ir import Lit


def _w3(x):
    return fnp.sum(fnp.tanh(x) * fnp.sin(x) + fnp.exp(-x ** 2))


def _ones(ir):
    return {e.outvars[0] for e in ir.eqns if e.prim.name == "broadcast_in_dim"
            and isinstance(e.inputs[0], Lit) and e.inputs[0].val == 1}


def _products_by_ones(ir, ones):
    return [e for e in ir.eqns if e.prim.name == "mul" and ones & set(e.inputs)]


def test_a_gradients_seed_of_ones_is_not_multiplied_in():
    x = np.linspace(-2, 2, 7)
    ir = fg.make_ir(fg.value_and_grad(_w3))(x)
    ones = _ones(ir)
    assert len(_products_by_ones(ir, ones)) == 3  # d sum / d (t s + e) spread over its terms
    assert _products_by_ones(passes.simplify(ir), ones) == []
    v, g = fg.jit(fg.value_and_grad(_w3))(x)
    want = (1 - np.tanh(x) ** 2) * np.sin(x) + np.tanh(x) * np.cos(x) - 2 * x * np.exp(-x ** 2)
    np.testing.assert_allclose(v, np.sum(np.tanh(x) * np.sin(x) + np.exp(-x ** 2)), rtol=1e-14)
    np.testing.assert_allclose(g, want, rtol=1e-13, atol=1e-15)


X = np.array([-0.0, 0.0, np.inf, -np.inf, np.nan, 3.5, -2.25])


@pytest.mark.parametrize("f, x, dropped", [
    (lambda x: x * 1.0, X, True),
    (lambda x: 1.0 * x, X, True),
    (lambda x: x * fnp.ones_like(x), X, True),
    (lambda x: x / 1.0, X, True),
    (lambda x: x ** 1.0, X, True),
    (lambda x: 1.0 / x, X, False),  # 1 is div's unit on the right only
    (lambda x: x * 2.0, X, False),
    (lambda x: x * 1.0, np.arange(-3, 4), True),  # (of x converted to float64 first)
    (lambda x: x * 1, np.arange(-3, 4), True),
    (lambda x: x ** 1, np.arange(-3, 4), True),
    (lambda x: x * (1 + 0j), X.astype(complex) + 1j * X[::-1], False),  # inf * 0 parts
])
def test_only_exact_unit_operations_go(f, x, dropped):
    ir = fg.make_ir(f)(x)
    assert (len(passes.simplify(ir).eqns) < len(ir.eqns)) == dropped
    with np.errstate(all="ignore"):
        want = f(x)  # NumPy's own result for these operators
        np.testing.assert_array_equal(fg.jit(f)(x), want)
        np.testing.assert_array_equal(np.signbit(fg.jit(f)(x).real), np.signbit(want.real))
