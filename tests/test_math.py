"""Non-differentiable functions against NumPy, and derivatives at kinks against closed forms."""
import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp

X = np.array([[-1.5, 0.0, 2.0], [3.0, -0.5, np.inf]])
I = np.array([[5, -3, 12], [7, 0, 1]])
U = np.array([0xDEADBEEF, 1, 2**31], np.uint32)


@pytest.mark.parametrize("name,args", [
    ("greater_equal", (X, 0.0)), ("less_equal", (X, 0.0)), ("less", (X, 0.5)),
    ("not_equal", (X, 0.0)), ("logical_not", (X,)), ("logical_and", (X, X > 1)),
    ("logical_or", (X, False)), ("logical_xor", (X > 0, X < 2)), ("isinf", (X,)),
    ("isfinite", (X,)), ("isnan", (X * 0,)), ("floor_divide", (I, 4)), ("mod", (I, 5)),
    ("bitwise_and", (U, np.uint32(0xFFFF))), ("bitwise_or", (U, np.uint32(7))),
    ("bitwise_xor", (U, np.uint32(0x12345678))), ("left_shift", (U, np.uint32(13))),
    ("right_shift", (U, np.uint32(19))), ("invert", (U,)), ("add", (U, U)),
    ("multiply", (U, np.uint32(0x9E3779B9))), ("argmax", (X[:, :2],)),
    ("argmin", (X, )), ("all", (X,)), ("any", (X == 7,)), ("sign", (I,)), ("abs", (I,)),
])
def test_integer_and_boolean_functions_match_numpy(name, args):
    got, want = getattr(fnp, name)(*args), getattr(np, name)(*args)
    np.testing.assert_array_equal(got, want)
    assert np.asarray(got).dtype == np.asarray(want).dtype
    # traced (staged to an IR and interpreted), the same
    from funcgrad.core.interpret import eval_ir
    ir = fg.make_ir(lambda *a: getattr(fnp, name)(*a))(*args)
    leaves = fg.tree_leaves(args)
    np.testing.assert_array_equal(eval_ir(ir, ir.consts, leaves)[0], want)


def test_uint32_arithmetic_wraps_when_traced():
    f = lambda u: fnp.bitwise_xor(u * np.uint32(0x9E3779B9), fnp.right_shift(u, np.uint32(7)))
    ir = fg.make_ir(f)(U)
    from funcgrad.core.interpret import eval_ir
    np.testing.assert_array_equal(eval_ir(ir, ir.consts, [U])[0], f(U))
    assert ir.out_avals[0].dtype == np.uint32


def test_argmax_axis_keepdims():
    np.testing.assert_array_equal(fnp.argmax(X[:, :2], axis=1, keepdims=True),
                                  np.argmax(X[:, :2], axis=1, keepdims=True))


def test_abs_gradient_at_zero_is_zero():
    np.testing.assert_array_equal(fg.grad(lambda x: fnp.sum(fnp.abs(x)))(np.array([-2., 0., 3.])),
                                  [-1.0, 0.0, 1.0])


def test_maximum_ties_split_the_gradient():
    g = fg.grad(lambda x, y: fnp.sum(fnp.maximum(x, y)), argnums=(0, 1))(
        np.array([1.0, 2.0, 3.0]), np.array([1.0, 5.0, 0.0]))
    np.testing.assert_array_equal(g[0], [0.5, 0.0, 1.0])
    np.testing.assert_array_equal(g[1], [0.5, 1.0, 0.0])
    assert fg.grad(lambda x: fnp.maximum(x, x))(2.0) == 1.0


def test_sqrt_at_zero_is_inf_without_nan_elsewhere():
    with np.errstate(divide="ignore"):
        g = fg.grad(lambda x: fnp.sum(fnp.sqrt(x)))(np.array([0.0, 4.0]))
    assert g[0] == np.inf and g[1] == 0.25


def test_clip_gradient_passes_inside_only():
    g = fg.grad(lambda x: fnp.sum(fnp.clip(x, -1.0, 1.0)))(np.array([-2.0, 0.3, 5.0]))
    np.testing.assert_array_equal(g, [0.0, 1.0, 0.0])


def test_prod_gradient_exact_with_zeros():
    for x, want in (([2.0, 3.0, 4.0], [12.0, 8.0, 6.0]), ([2.0, 0.0, 4.0], [0.0, 8.0, 0.0]),
                    ([0.0, 0.0, 4.0], [0.0, 0.0, 0.0])):
        np.testing.assert_array_equal(fg.grad(fnp.prod)(np.array(x)), want)
    # second derivatives away from zeros: d2/dxi dxj prod(x) = prod(x) / (xi xj), i != j
    x = np.array([2.0, 3.0, 4.0])
    want = 24.0 / np.outer(x, x)
    np.fill_diagonal(want, 0.0)
    np.testing.assert_allclose(fg.hessian(fnp.prod)(x), want, rtol=1e-14)


def test_cumprod_gradient_exact_with_zero():
    x = np.array([2.0, 0.0, 3.0])
    # sum(cumprod) = x0 + x0 x1 + x0 x1 x2 ; gradient at x1=0: [1, x0 + x0 x2, 0]
    np.testing.assert_array_equal(fg.grad(lambda x: fnp.sum(fnp.cumprod(x)))(x), [1.0, 8.0, 0.0])


def test_logsumexp_is_stable_and_its_gradient_is_softmax():
    from funcgrad.scipy.special import logsumexp
    x = np.array([1000.0, 1000.0, -1000.0])
    assert float(logsumexp(x)) == pytest.approx(1000 + np.log(2))
    np.testing.assert_allclose(fg.grad(logsumexp)(x), [0.5, 0.5, 0.0])
    assert float(logsumexp(np.array([-np.inf, -np.inf]))) == -np.inf


def test_integer_inputs_promote_like_numpy():
    assert fnp.exp(np.arange(3)).dtype == np.float64
    assert fnp.mean(np.arange(4)) == 1.5
    assert fnp.sum(np.array([True, True, False])) == 2
    assert (np.ones(2, np.float32) * 2.0).dtype == fnp.multiply(np.ones(2, np.float32), 2.0).dtype
