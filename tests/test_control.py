"""cond / scan / fori_loop / while_loop: eager (Python control flow) and staged (one primitive
holding the IR of its body), with derivatives checked against closed forms and finite
differences. The staged form is evaluated with the reference interpreter (eval_ir)."""
import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.api import trace_pytree_fun
from funcgrad.core.interpret import eval_ir

W = np.array([[0.5, -0.3], [0.2, 0.8]])
XS = np.random.default_rng(0).normal(size=(5, 2))
H0 = np.array([0.1, -0.2])


def staged(f, *args):
    """Evaluate ``f`` by tracing it to an IR and interpreting the IR."""
    ir, leaves = trace_pytree_fun(f, args, {})
    out = eval_ir(ir, ir.consts, leaves)
    return fg.tree_unflatten(ir.out_tree, out)


def rnn_loss(h0, xs):
    def step(h, x):
        h = fnp.tanh(W @ h + x)
        return h, fnp.sum(h * h)
    h, ys = fg.scan(step, h0, xs)
    return fnp.sum(h) + fnp.sum(ys)


def test_cond_staged_values_and_gradients():
    f = lambda x: fg.cond(x > 0, lambda v: fnp.sin(v) * 2.0, lambda v: v * v, x)
    for x in (0.5, -0.5):
        assert float(staged(f, x)) == pytest.approx(float(f(x)), rel=1e-15)
        assert float(staged(fg.grad(f), x)) == pytest.approx(
            2 * np.cos(x) if x > 0 else 2 * x, rel=1e-14)
    ir = fg.make_ir(f)(1.0)
    assert [e.prim.name for e in ir.eqns] == ["gt", "cond"]


def test_cond_closure_over_outer_value_and_pytrees():
    def f(x, y):
        out = fg.cond(x < y, lambda p: {"a": p[0] * y, "b": p[1]},
                      lambda p: {"a": p[1] * x, "b": p[0]}, (x, y))
        return out["a"] + 3.0 * out["b"]
    for args in ((1.0, 2.0), (3.0, 2.0)):
        g_eager = fg.grad(f, argnums=(0, 1))(*args)
        g_staged = staged(fg.grad(f, argnums=(0, 1)), *args)
        np.testing.assert_allclose(g_staged, g_eager, rtol=1e-14)


def test_cond_branch_mismatch_is_a_clear_error():
    with pytest.raises(TypeError, match="different structures or types"):
        fg.make_ir(lambda x: fg.cond(x > 0, lambda v: v, lambda v: (v, v), x))(1.0)


def test_scan_matches_python_loop_and_its_derivatives():
    assert float(staged(rnn_loss, H0, XS)) == pytest.approx(float(rnn_loss(H0, XS)),
                                                            rel=1e-15)
    ge = fg.grad(rnn_loss, argnums=(0, 1))(H0, XS)
    gs = staged(fg.grad(rnn_loss, argnums=(0, 1)), H0, XS)
    np.testing.assert_allclose(gs[0], ge[0], rtol=1e-13)
    np.testing.assert_allclose(gs[1], ge[1], rtol=1e-13)
    fg.check_grads(rnn_loss, (H0, XS), order=2)


def test_scan_forward_mode_and_hessian_staged():
    f = lambda h: rnn_loss(h, XS)
    np.testing.assert_allclose(staged(lambda h: fg.jvp(f, (h,), (np.ones(2),)), H0),
                               fg.jvp(f, (H0,), (np.ones(2),)), rtol=1e-13)
    np.testing.assert_allclose(staged(fg.hessian(f), H0), fg.hessian(f)(H0), rtol=1e-12,
                               atol=1e-14)


def test_scan_reverse_and_stacked_outputs():
    xs = np.arange(1.0, 5.0)
    f = lambda c, x: (c + x, c * x)
    c1, ys1 = fg.scan(f, 0.0, xs, reverse=True)
    c2, ys2 = staged(lambda xs: fg.scan(f, 0.0, xs, reverse=True), xs)
    # reverse: c runs 0, 4, 7, 9 -> ys[3]=0*4, ys[2]=4*3, ys[1]=7*2, ys[0]=9*1
    np.testing.assert_array_equal(ys1, [9.0, 14.0, 12.0, 0.0])
    np.testing.assert_array_equal(ys2, ys1)
    assert c1 == c2 == 10.0


def test_fori_loop_closed_form_derivative():
    # v_{k+1} = v_k * x + k, from v_0 = 1, 4 steps: x^4 + x^2 + 2x + 3
    g = lambda x: fg.fori_loop(0, 4, lambda i, v: v * x + i, 1.0)
    for f in (g, lambda x: staged(g, x)):
        assert float(f(1.5)) == pytest.approx(1.5**4 + 1.5**2 + 2 * 1.5 + 3)
    assert float(staged(fg.grad(g), 1.5)) == pytest.approx(4 * 1.5**3 + 2 * 1.5 + 2)
    assert float(staged(fg.grad(fg.grad(g)), 1.5)) == pytest.approx(12 * 1.5**2 + 2)


def test_while_loop_forward_mode_and_reverse_mode_error():
    w = lambda x: fg.while_loop(lambda v: v < 100.0, lambda v: v * x, 1.0)
    assert float(staged(w, 3.0)) == 243.0  # 3^5
    # d/dx x^5 at the 5 iterations taken = 5 x^4
    assert float(staged(lambda x: fg.jvp(w, (x,), (1.0,))[1], 3.0)) == 405.0
    with pytest.raises(NotImplementedError, match="fori_loop"):
        staged(fg.grad(w), 3.0)
