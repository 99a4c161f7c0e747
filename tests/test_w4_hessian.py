"""W4 (issue 13): the Hessian of logistic regression computes what its closed form computes.

``hessian = jacfwd(jacrev(f))``; ``jacrev`` of a one-element output pulls back once instead
of over a basis of one row. Checked against the closed form ``X.T @ (X * p(1-p)) / n`` and
central differences."""
import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp


def logistic_data(dtype=np.float64, n=200, d=16, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)).astype(dtype)
    y = (rng.random(n) < 0.5).astype(dtype)
    return (0.3 * rng.standard_normal(d)).astype(dtype), X, y


def loss(w, X, y):
    return fnp.mean(fnp.log1p(fnp.exp(-(2 * y - 1) * (X @ w))))


def closed_form(w, X, y):
    w, X = w.astype(np.float64), X.astype(np.float64)
    p = 1.0 / (1.0 + np.exp(-(X @ w)))
    return X.T @ (X * (p * (1 - p))[:, None]) / X.shape[0]


def central_differences(f, x, eps=1e-6):
    """d f / d x by central differences: shape f(x).shape + x.shape."""
    cols = []
    for i in range(x.size):
        e = np.zeros(x.size)
        e[i] = eps
        e = e.reshape(x.shape)
        cols.append((np.asarray(f(x + e)) - np.asarray(f(x - e))) / (2 * eps))
    return np.moveaxis(np.array(cols), 0, -1).reshape(np.shape(f(x)) + x.shape)


@pytest.mark.parametrize("jitted", [False, True], ids=["eager", "jit"])
def test_logistic_hessian_equals_closed_form(jitted):
    w, X, y = logistic_data()
    h = fg.hessian(loss)
    got = (fg.jit(h) if jitted else h)(w, X, y)
    np.testing.assert_allclose(got, closed_form(w, X, y), rtol=1e-12, atol=1e-15)


def test_logistic_hessian_float32():
    w, X, y = logistic_data(np.float32)
    got = fg.jit(fg.hessian(loss))(w, X, y)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, closed_form(w, X, y), rtol=2e-5, atol=2e-6)


def test_jacfwd_through_products_on_both_sides_jit_and_eager():
    """The basis of a vector input is folded on either side of a product (``A @ x``, ``x @
    C``); against central differences, compiled and eagerly."""
    rng = np.random.default_rng(2)
    A, C = rng.standard_normal((3, 4)), rng.standard_normal((4, 3))
    x = rng.standard_normal(4)

    def f(x, A):
        return fnp.tanh(A @ x) * (x @ C)

    want = central_differences(lambda x: np.tanh(A @ x) * (x @ C), x)
    for jac in (fg.jacfwd(f), fg.jit(fg.jacfwd(f))):
        np.testing.assert_allclose(jac(x, A), want, rtol=1e-8, atol=1e-9)


def test_jacfwd_of_a_matrix_input_multiplies_by_its_basis():
    """A matrix input's basis, moved beside a product's other operand, is a selection of
    columns, not an identity: it stays a product, and the result stays right."""
    rng = np.random.default_rng(4)
    A, B = rng.standard_normal((3, 4)), rng.standard_normal((4, 2))
    x = rng.standard_normal((4, 4))

    def f(x, A):
        return fnp.tanh(A @ x @ B)

    want = central_differences(lambda x: np.tanh(A @ x @ B), x)
    for jac in (fg.jacfwd(f), fg.jit(fg.jacfwd(f))):
        np.testing.assert_allclose(jac(x, A), want, rtol=1e-8, atol=1e-9)


@pytest.mark.parametrize("shape", [(), (1,), (1, 1)])
def test_jacrev_of_a_one_element_output(shape):
    """One pullback, no basis of one row: the shape is still ``out.shape + in.shape``."""
    x = np.array([0.3, -1.2, 2.0])

    def f(x):
        return fnp.reshape(fnp.sum(fnp.sin(x) * x), shape)

    want = central_differences(lambda x: np.reshape(np.sum(np.sin(x) * x), shape), x)
    for jac in (fg.jacrev(f), fg.jit(fg.jacrev(f))):
        got = jac(x)
        assert got.shape == shape + (3,)
        np.testing.assert_allclose(got, want, rtol=1e-8, atol=1e-10)


def test_batched_hessians_jit_and_eager():
    """vmap over several weight vectors, and a Hessian of two arguments' blocks."""
    w, X, y = logistic_data(n=40, d=5)
    ws = np.stack([w, -w, 2 * w])
    want = np.stack([closed_form(v, X, y) for v in ws])
    hb = fg.vmap(fg.hessian(loss), in_axes=(0, None, None))
    for h in (hb, fg.jit(hb)):
        np.testing.assert_allclose(h(ws, X, y), want, rtol=1e-12, atol=1e-15)
    blocks = fg.jit(fg.hessian(lambda w, X: loss(w, X, y), argnums=(0, 1)))(w, X)
    np.testing.assert_allclose(blocks[0][0], closed_form(w, X, y), rtol=1e-12, atol=1e-15)
    dw_dX = central_differences(lambda X: np.asarray(fg.grad(loss)(w, X, y)), X)
    np.testing.assert_allclose(blocks[0][1], dw_dX, rtol=1e-6, atol=1e-8)
