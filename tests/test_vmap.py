"""vmap against a Python loop over the batch; composition with grad; jacobians built on it."""
import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp

rng = np.random.default_rng(0)
X, W, Y = rng.normal(size=(5, 3)), rng.normal(size=(3, 2)), rng.normal(size=(5, 2))


def loop(f, *args, in_axes):
    n = next(a.shape[ax] for a, ax in zip(args, in_axes) if ax is not None)
    return np.stack([f(*[a if ax is None else np.take(a, i, ax) for a, ax in zip(args, in_axes)])
                     for i in range(n)])


CASES = [
    (lambda x, w: fnp.tanh(x @ w), (X, W), (0, None)),
    (lambda x, w: fnp.sum(x[:, None] * w, axis=0), (X, W), (0, None)),
    (lambda x: fnp.concatenate([x, x[::-1] ** 2]), (X,), (0,)),
    (lambda x: fnp.max(x) - fnp.cumsum(x)[1:], (X,), (0,)),
    (lambda x: fnp.pad(x, 1)[[0, 2, 3]] + fnp.transpose(fnp.reshape(x, (3, 1)))[0], (X,), (0,)),
    (lambda x, y: fnp.where(x > 0, x, y[:3] * 2.0), (X, np.ones((5, 4))), (0, 0)),
    (lambda x: fnp.linalg.solve(np.eye(3) * 2 + x[:, None] * x[None], x), (X,), (0,)),
    (lambda x: fnp.dot(x, x), (X.T,), (1,)),
]


@pytest.mark.parametrize("k", range(len(CASES)))
def test_vmap_matches_loop(k):
    f, args, axes = CASES[k]
    np.testing.assert_allclose(fg.vmap(f, in_axes=axes)(*args), loop(f, *args, in_axes=axes),
                               rtol=1e-12, atol=1e-12)


def test_per_example_gradients_and_grad_of_vmap():
    loss = lambda w, x, y: fnp.sum((fnp.tanh(x @ w) - y) ** 2)
    per_ex = fg.vmap(fg.grad(loss), in_axes=(None, 0, 0))(W, X, Y)
    np.testing.assert_allclose(per_ex, loop(lambda x, y: fg.grad(loss)(W, x, y), X, Y,
                                            in_axes=(0, 0)), rtol=1e-12)
    total = fg.grad(lambda w: fnp.sum(fg.vmap(loss, in_axes=(None, 0, 0))(w, X, Y)))(W)
    np.testing.assert_allclose(total, per_ex.sum(0), rtol=1e-12)


def test_out_axes_pytrees_and_errors():
    out = fg.vmap(lambda d: {"a": d["x"] * 2.0, "b": d["y"]}, in_axes=({"x": 0, "y": None},),
                  out_axes={"a": 1, "b": None})({"x": X, "y": np.ones(3)})
    np.testing.assert_array_equal(out["a"], 2 * X.T)
    np.testing.assert_array_equal(out["b"], np.ones(3))
    with pytest.raises(ValueError, match="different sizes"):
        fg.vmap(lambda a, b: a + b)(np.ones(3), np.ones(4))
    with pytest.raises(ValueError, match="out of range"):
        fg.vmap(lambda a: a, in_axes=2)(np.ones(3))


def test_hessian_ir_stays_small():
    def rosen(x):
        return fnp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)
    ir = fg.make_ir(fg.hessian(rosen))(np.ones(64))
    assert len(ir.eqns) < 200  # one batched pass, not 64 unrolled ones


def test_jacobians_of_vector_functions_and_pytrees():
    f = lambda p: {"u": fnp.sin(p["a"]) * p["b"], "v": fnp.sum(p["a"] ** 2)}
    p = {"a": np.array([0.3, -0.7]), "b": np.array(1.5)}
    for jac in (fg.jacrev, fg.jacfwd):
        J = jac(f)(p)
        np.testing.assert_allclose(J["u"]["a"], np.diag(np.cos(p["a"]) * 1.5), rtol=1e-14)
        np.testing.assert_allclose(J["u"]["b"], np.sin(p["a"]), rtol=1e-14)
        np.testing.assert_allclose(J["v"]["a"], 2 * p["a"], rtol=1e-14)
        assert J["v"]["b"].shape == ()
