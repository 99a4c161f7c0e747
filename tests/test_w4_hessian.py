"""W4 (issue 13): the Hessian of logistic regression computes what its closed form computes.

``hessian = jacfwd(jacrev(f))`` pushes ``jacfwd``'s identity basis through ``X @ w``; the
backend folds that product (``passes.fold_known_operands``), and ``jacrev`` of a one-element
output pulls back once instead of over a basis of one row. Checked against the closed form
``X.T @ (X * p(1-p)) / n``, the other Jacobians' closed forms, and products with constants
that are *not* an identity (which must stay products)."""
import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.backend import passes
from funcgrad.ops.linalg import matmul_p


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


def matmuls(ir):
    return [e for e in ir.eqns if e.prim is matmul_p]


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


def test_folded_hessian_has_only_the_closed_forms_products():
    """The regression guard: after the passes, the IR multiplies by no identity; its two
    products are the closed form's own (``X @ w`` and ``X.T @ (...)``)."""
    w, X, y = logistic_data()
    ir = fg.make_ir(fg.hessian(loss))(w, X, y)
    eye_products = [e for e in matmuls(ir)
                    if any(x in passes.known_values(ir) for x in e.inputs)]
    assert len(eye_products) == 1  # as traced: X @ I, the basis through X @ w
    folded = passes.optimize(ir)
    assert len(matmuls(folded)) == 2
    known = passes.known_values(folded)
    assert not [e for e in matmuls(folded) if any(x in known for x in e.inputs)]
    assert fg.jit(fg.hessian(loss)).source(w, X, y).count("dot_(") == 2


def test_product_with_a_constant_that_is_not_an_identity_stays():
    """Constants next to the identity (scaled, one entry off, one batch entry off, a
    permutation) are multiplied, compiled and eagerly alike."""
    rng = np.random.default_rng(1)
    x = rng.standard_normal((5, 4))
    off = np.eye(4)
    off[0, 3] = 1e-300  # a product differs from x only below the smallest normal number
    batched = np.stack([np.eye(4), np.eye(4)[::-1]])
    for c in (2 * np.eye(4), off, np.eye(4)[[1, 0, 2, 3]]):
        ir = fg.make_ir(lambda x, c=c: x @ c)(x)
        assert len(matmuls(passes.optimize(ir))) == 1
    f = fg.jit(lambda x: (x @ off, fnp.stack([x, x]) @ batched, x @ np.eye(4)))
    a, b, c = f(x)
    np.testing.assert_array_equal(a, x @ off)
    np.testing.assert_array_equal(b, np.stack([x, x]) @ batched)
    np.testing.assert_array_equal(c, x)
    ir = fg.make_ir(lambda x: fnp.stack([x, x]) @ batched)(x)
    assert len(matmuls(passes.optimize(ir))) == 1


def test_jacfwd_through_products_on_both_sides_jit_and_eager():
    """The basis of a vector input is folded on either side of a product (``A @ x``, ``x @
    C``); against the closed form, compiled and eagerly."""
    rng = np.random.default_rng(2)
    A, C = rng.standard_normal((3, 4)), rng.standard_normal((4, 3))
    x = rng.standard_normal(4)

    def f(x, A):
        return fnp.tanh(A @ x) * (x @ C)

    t = np.tanh(A @ x)
    want = (1 - t ** 2)[:, None] * A * (x @ C)[:, None] + t[:, None] * C.T
    for jac in (fg.jacfwd(f), fg.jit(fg.jacfwd(f))):
        np.testing.assert_allclose(jac(x, A), want, rtol=1e-8, atol=1e-9)
    ir = fg.make_ir(fg.jacfwd(f))(x, A)
    assert (len(matmuls(ir)), len(matmuls(passes.fold_known_operands(ir)))) == (4, 2)


def test_jacfwd_of_a_matrix_input_multiplies_by_its_basis():
    """A matrix input's basis, moved beside a product's other operand, is a selection of
    columns, not an identity: it stays a product, and the result stays right."""
    rng = np.random.default_rng(4)
    A, B = rng.standard_normal((3, 4)), rng.standard_normal((4, 2))
    x = rng.standard_normal((4, 4))

    def f(x, A):
        return fnp.tanh(A @ x @ B)

    t = np.tanh(A @ x @ B)  # d t[i, j] / d x[k, l] = (1 - t[i, j]^2) A[i, k] B[l, j]
    want = np.einsum("ij,ik,lj->ijkl", 1 - t ** 2, A, B)
    for jac in (fg.jacfwd(f), fg.jit(fg.jacfwd(f))):
        np.testing.assert_allclose(jac(x, A), want, rtol=1e-8, atol=1e-9)
    ir = fg.make_ir(fg.jacfwd(f))(x, A)
    assert len(matmuls(passes.fold_known_operands(ir))) == len(matmuls(ir))


def test_holomorphic_jacfwd_of_a_product_folds_a_complex_basis():
    rng = np.random.default_rng(3)
    A = rng.standard_normal((3, 2)) + 1j * rng.standard_normal((3, 2))
    z = np.array([1.0 + 2.0j, -0.5j])
    jac = fg.jit(fg.jacfwd(lambda z: A @ z, holomorphic=True))
    np.testing.assert_allclose(jac(z), A, rtol=1e-15)


@pytest.mark.parametrize("shape", [(), (1,), (1, 1)])
def test_jacrev_of_a_one_element_output(shape):
    """One pullback, no basis of one row: the shape is still ``out.shape + in.shape``."""
    x = np.array([0.3, -1.2, 2.0])

    def f(x):
        return fnp.reshape(fnp.sum(fnp.sin(x) * x), shape)

    want = np.reshape(np.cos(x) * x + np.sin(x), shape + (3,))
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
    # grad_w = -X.T @ (s q) / n with s = 2y - 1, q = sigmoid(-s X w); its derivative in X[a, b]
    s = 2 * y - 1
    q = 1 / (1 + np.exp(s * (X @ w)))
    dw_dX = (-np.einsum("cb,a->cab", np.eye(len(w)), s * q)
             + np.einsum("ac,a,b->cab", X, q * (1 - q), w)) / len(y)
    np.testing.assert_allclose(blocks[0][1], dw_dX, rtol=1e-10, atol=1e-14)


def test_known_values_follow_constants_but_never_grow_them():
    """An identity made in traced code and transposed is known (and its product folds); a
    constant broadcast to a larger array, or a value computed from an input, is not."""
    x = np.arange(12.0).reshape(3, 4)

    def f(x):
        eye = fnp.transpose(fnp.reshape(fnp.eye(4), (4, 4, 1)), (1, 0, 2))[:, :, 0]
        big = fnp.broadcast_to(fnp.eye(4), (8, 4, 4))
        return x @ eye, fnp.sum(big, axis=0) * fnp.sum(x)

    ir = fg.make_ir(f)(x)
    known = passes.known_values(ir)
    assert all(ir.in_vars[0] not in e.inputs or e.outvars[0] not in known for e in ir.eqns)
    assert not [v for v in known if v.aval.shape == (8, 4, 4)]
    assert len(matmuls(passes.fold_known_operands(ir))) == 0
    a, b = fg.jit(f)(x)
    np.testing.assert_array_equal(a, x)
    np.testing.assert_array_equal(b, 8 * np.eye(4) * 66.0)


def layout_eqns(ir):
    return [e for e in ir.eqns if e.prim.lowering.__class__.__name__ == "Structural"
            and (e.prim.lowering.reshapes or e.prim.lowering.permutes)]


def test_hessian_reads_the_data_transposed_without_copies():
    """vmap's batch-axis moves past size-1 axes become single transposes (views): the
    optimized Hessian holds two of them (``X.T`` and the scaled data's) and one reshape (the
    matrix-vector product's column), not chains that copy."""
    w, X, y = logistic_data()
    ir = passes.optimize(fg.make_ir(fg.hessian(loss))(w, X, y))
    kinds = sorted("T" if e.prim.lowering.permutes else "R" for e in layout_eqns(ir))
    assert kinds.count("R") <= 2 and kinds.count("T") <= 4, kinds
    transposed = {e.outvars[0] for e in layout_eqns(ir) if e.prim.lowering.permutes}
    assert not [e for e in layout_eqns(ir) if e.prim.lowering.reshapes
                and e.inputs[0] in transposed]  # a reshape of a transposed view copies


@pytest.mark.parametrize("shape, unit_shape, perm", [
    ((5, 3), (5, 3, 1), (1, 0, 2)),
    ((2, 3, 4), (2, 1, 3, 4), (3, 1, 0, 2)),
    ((2, 3, 4), (1, 2, 3, 1, 4), (4, 0, 3, 2, 1)),
    ((4, 6), (4, 1, 6), (0, 1, 2)),
])
def test_transposes_of_size_one_reshapes_compile_to_the_same_values(shape, unit_shape, perm):
    """Chains of reshapes adding size-1 axes and transposes, then a squeeze and a second
    transpose: the same elements as NumPy's, and no reshape of a transpose left."""
    x = np.random.default_rng(5).standard_normal(shape)
    out_shape = tuple(unit_shape[p] for p in perm)

    def f(x):
        t = fnp.transpose(fnp.reshape(x, unit_shape), perm)
        s = fnp.reshape(t, tuple(d for d in out_shape if d != 1))
        return t, fnp.transpose(s) * 2.0

    t_want = np.transpose(x.reshape(unit_shape), perm)
    s_want = 2.0 * t_want.reshape(tuple(d for d in out_shape if d != 1)).T
    t, s = fg.jit(f)(x)
    np.testing.assert_array_equal(t, t_want)
    np.testing.assert_array_equal(s, s_want)
    ir = passes.optimize(fg.make_ir(f)(x))
    made = {e.outvars[0]: e for e in ir.eqns}
    for e in layout_eqns(ir):
        src = made.get(e.inputs[0])
        assert not (e.prim.lowering.permutes and src is not None and src.prim.lowering.reshapes
                    and 1 not in src.inputs[0].aval.shape), ir
