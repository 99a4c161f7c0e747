"""vmap against a Python loop over the batch (the function applied to each example, no vmap);
composition with grad, jit and control flow; Jacobians and Hessians built on it, against finite
differences and closed forms; the errors users meet."""
from collections import namedtuple

import numpy as np
import pytest
from primitive_table import ROWS

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.core.interpret import eval_ir
from funcgrad.core.primitive import registry

rng = np.random.default_rng(0)
X, W, Y = rng.normal(size=(5, 3)), rng.normal(size=(3, 2)), rng.normal(size=(5, 2))
IDX = np.array([[0, 2], [1, 1], [2, 0], [0, 0], [2, 1]])


def loop(f, *args, in_axes):
    """The reference: ``f`` applied to each example (sliced with NumPy), results stacked."""
    n = next(a.shape[ax] for a, ax in zip(args, in_axes) if ax is not None)
    outs = [f(*[a if ax is None else np.take(a, i, ax) for a, ax in zip(args, in_axes)])
            for i in range(n)]
    return fg.tree_map(lambda *xs: np.stack([np.asarray(x) for x in xs]), *outs)


def close(a, b, tol=1e-12):
    fg.tree_map(lambda x, y: np.testing.assert_allclose(x, y, rtol=tol, atol=tol), a, b)


CASES = {
    "tanh_matmul": (lambda x, w: fnp.tanh(x @ w), (X, W), (0, None)),
    "shared_left_matmul": (lambda w, x: w.T @ x, (W, X), (None, 0)),
    "both_batched_matmul": (lambda a, b: fnp.outer(a, b) @ b, (X, X), (0, 0)),
    "broadcast_sum": (lambda x, w: fnp.sum(x[:, None] * w, axis=0), (X, W), (0, None)),
    "concat_rev": (lambda x: fnp.concatenate([x, x[::-1] ** 2]), (X,), (0,)),
    "max_cumsum": (lambda x: fnp.max(x) - fnp.cumsum(x)[1:], (X,), (0,)),
    "min_prod_arg": (lambda x: fnp.min(x) * fnp.prod(x) + fnp.argmax(x) - fnp.argmin(x),
                     (X,), (0,)),
    "pad_take_reshape": (lambda x: fnp.pad(x, 1)[[0, 2, 3]]
                         + fnp.transpose(fnp.reshape(x, (3, 1)))[0], (X,), (0,)),
    "where": (lambda x, y: fnp.where(x > 0, x, y[:3] * 2.0), (X, np.ones((5, 4))), (0, 0)),
    "solve": (lambda x: fnp.linalg.solve(np.eye(3) * 2 + x[:, None] * x[None], x), (X,), (0,)),
    "axis1": (lambda x: fnp.dot(x, x), (X.T,), (1,)),
    "negative_axis": (lambda x: fnp.sum(fnp.sin(x) ** 2), (X.T,), (-1,)),
    "batched_indices": (lambda x, i: fnp.sin(x[i]) * x[i], (X, IDX), (0, 0)),
    "batched_indices_only": (lambda i: fnp.take(X, i, axis=0), (IDX,), (0,)),
    "take_along_axis": (lambda x, i: fnp.take_along_axis(x, i, axis=0), (X, IDX), (0, 0)),
    "indices_axis1": (lambda m, i: m[:, i], (rng.normal(size=(5, 2, 3)), IDX), (0, 0)),
    "astype_stop_gradient": (lambda x: fg.stop_gradient(x).astype(np.float32) * 2.0, (X,), (0,)),
    "int_arg_unbatched": (lambda x, n: x * n, (X, 3), (0, None)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_vmap_matches_loop(name):
    f, args, axes = CASES[name]
    close(fg.vmap(f, in_axes=axes)(*args), loop(f, *args, in_axes=axes))


_TABLE = [r for r in ROWS if r.jit]  # jit=False rows need concrete values (boolean masks)


def _stacked_args(row, n=3):
    draws = [row.args(np.random.default_rng(s), np.dtype("float64")) for s in range(n)]
    return tuple(np.stack(xs) for xs in zip(*draws))


@pytest.mark.parametrize("row", _TABLE, ids=repr)
def test_every_table_row_batches_like_a_loop(row):
    """Forward and reverse mode of each table function, batched over all arguments (axis 0)
    and over the first argument only (at its last axis), equal a loop over the examples."""
    args = _stacked_args(row)
    axes = (0,) * len(args)
    close(fg.vmap(row.fun)(*args), loop(row.fun, *args, in_axes=axes), 1e-10)
    ct = np.asarray(row.fun(*[a[0] for a in args]))

    def pullback(*a):
        out, f_vjp = fg.vjp(row.fun, *a)
        return f_vjp(fnp.sin(out) + ct)  # a cotangent that differs per example

    close(fg.vmap(pullback)(*args), loop(pullback, *args, in_axes=axes), 1e-10)
    moved = (np.moveaxis(args[0], 0, -1),) + tuple(a[1] for a in args[1:])
    axes = (-1,) + (None,) * (len(args) - 1)
    close(fg.vmap(row.fun, in_axes=axes)(*moved), loop(row.fun, *moved, in_axes=axes), 1e-10)


def test_every_primitive_has_a_batch_rule():
    """The per-example loop is a fallback for user primitives, not for ours."""
    missing = [n for n, p in registry.items() if not p.has_rule("batch")]
    assert not missing, missing


def test_batch_rules_do_not_unroll_under_make_ir():
    f = lambda w, x, i: fnp.sum(fnp.tanh(x @ w)[i] ** 2)
    per_example = fg.vmap(fg.grad(f), in_axes=(None, 0, 0))
    ir = fg.make_ir(per_example)(W, rng.normal(size=(64, 3)), np.zeros(64, np.int64))
    assert len(ir.eqns) < 40, len(ir.eqns)  # independent of the batch size of 64
    ir8 = fg.make_ir(per_example)(W, rng.normal(size=(8, 3)), np.zeros(8, np.int64))
    assert len(ir8.eqns) == len(ir.eqns)


def test_per_example_gradients_and_grad_of_vmap():
    loss = lambda w, x, y: fnp.sum((fnp.tanh(x @ w) - y) ** 2)
    per_ex = fg.vmap(fg.grad(loss), in_axes=(None, 0, 0))(W, X, Y)
    close(per_ex, loop(lambda x, y: fg.grad(loss)(W, x, y), X, Y, in_axes=(0, 0)))
    total = fg.grad(lambda w: fnp.sum(fg.vmap(loss, in_axes=(None, 0, 0))(w, X, Y)))(W)
    close(total, per_ex.sum(0))
    ir = fg.make_ir(fg.vmap(fg.grad(loss), in_axes=(None, 0, 0)))(W, X, Y)
    close(eval_ir(ir, ir.consts, [W, X, Y])[0], per_ex)


@pytest.mark.slow
def test_jit_of_per_example_gradients():
    loss = lambda w, x, y: fnp.sum((fnp.tanh(x @ w) - y) ** 2)
    jitted = fg.jit(fg.vmap(fg.grad(loss), in_axes=(None, 0, 0)))(W, X, Y)
    close(jitted, loop(lambda x, y: fg.grad(loss)(W, x, y), X, Y, in_axes=(0, 0)), 1e-10)


def test_per_example_gradients_of_an_mlp_with_integer_labels():
    params = {"w": rng.normal(size=(3, 4)), "b": rng.normal(size=4)}
    labels = np.array([0, 3, 1, 1, 2])

    def nll(p, x, y):
        z = fnp.tanh(x @ p["w"] + p["b"])
        return -(z - fnp.log(fnp.sum(fnp.exp(z))))[y]

    per_ex = fg.vmap(fg.grad(nll), in_axes=(None, 0, 0))(params, X, labels)
    close(per_ex, loop(lambda x, y: fg.grad(nll)(params, x, y), X, labels, in_axes=(0, 0)))


def test_in_axes_and_out_axes_variants():
    close(fg.vmap(lambda a: a * 2.0, out_axes=1)(X), 2 * X.T)
    close(fg.vmap(lambda a: a * 2.0, out_axes=-1)(X), 2 * X.T)
    close(fg.vmap(lambda a, b: a - b, in_axes=(1, None))(X, X[:, 0]), (X - X[:, :1]).T)
    close(fg.vmap(lambda a, b: (a * b, b), in_axes=(0, None), out_axes=(0, None))(X, 2.0),
          (2 * X, 2.0))
    out = fg.vmap(lambda d: {"a": d["x"] * 2.0, "b": d["y"]}, in_axes=({"x": 0, "y": None},),
                  out_axes={"a": 1, "b": None})({"x": X, "y": np.ones(3)})
    close(out["a"], 2 * X.T)
    close(out["b"], np.ones(3))
    Pair = namedtuple("Pair", "a b")
    close(fg.vmap(lambda p: p.a * p.b, in_axes=(Pair(0, None),))(Pair(X, X[0])), X * X[0])
    close(fg.vmap(lambda ab: ab[0] + ab[1], in_axes=([1, 0],))([X.T, X]), 2 * X)
    close(fg.vmap(lambda x, scale=1.0: x * scale)(X, scale=np.arange(5.0)),
          X * np.arange(5.0)[:, None])  # keyword arguments are mapped over axis 0
    close(fg.vmap(lambda: fnp.ones(2), axis_size=3)(), np.ones((3, 2)))
    close(fg.vmap(fg.vmap(lambda a, b: a * b), in_axes=(0, None))(X, X[0]), X * X[0])
    close(fg.vmap(fg.vmap(lambda a: fnp.sum(a)), in_axes=1)(X[:, :, None] * np.ones(2)),
          np.repeat(X.T[:, :, None], 2, axis=2).sum(2))
    empty = fg.vmap(lambda x, i: fnp.sum(x[i] ** 2))(np.zeros((0, 3)), np.zeros(0, np.int64))
    assert empty.shape == (0,)


def test_control_flow_under_vmap_eager_and_staged():
    cases = [
        (lambda x: fg.cond(x[0] > 0, lambda v: v * 2.0, lambda v: v - 1.0, x),
         lambda x: x * 2 if x[0] > 0 else x - 1),
        (lambda x: fg.scan(lambda c, e: (c + e, c * e), 0.0, x)[1],
         lambda x: np.concatenate([[0.0], np.cumsum(x)[:-1]]) * x),
        (lambda x: fg.fori_loop(0, 3, lambda i, v: v * x, x), lambda x: x ** 4),
        (lambda x: fg.while_loop(lambda v: fnp.sum(v) < 10.0, lambda v: v * 2.0, x),
         lambda x: x * 2.0 ** next(k for k in range(60) if np.sum(x * 2.0 ** k) >= 10)),
    ]
    xs = np.abs(X) + 0.5
    xs[1, 0] *= -1
    for f, ref in cases:
        want = np.stack([ref(x) for x in xs])
        close(fg.vmap(f)(xs), want)
        ir = fg.make_ir(fg.vmap(f))(xs)
        assert len(ir.eqns) < 12, ir  # one batched loop or branch, not five
        close(eval_ir(ir, ir.consts, [xs]), [want])


def test_jacobians_of_vector_functions_and_pytrees():
    f = lambda p: {"u": fnp.sin(p["a"]) * p["b"], "v": fnp.sum(p["a"] ** 2)}
    p = {"a": np.array([0.3, -0.7]), "b": np.array(1.5)}
    for jac in (fg.jacrev, fg.jacfwd):
        J = jac(f)(p)
        close(J["u"]["a"], np.diag(np.cos(p["a"]) * 1.5))
        close(J["u"]["b"], np.sin(p["a"]))
        close(J["v"]["a"], 2 * p["a"])
        assert J["v"]["b"].shape == ()


def _fd_jacobian(f, x, eps=1e-6):
    cols = []
    for i in range(x.size):
        e = np.zeros(x.size)
        e[i] = eps
        e = e.reshape(x.shape)
        cols.append((np.asarray(f(x + e)) - np.asarray(f(x - e))) / (2 * eps))
    return np.stack(cols, -1).reshape(np.shape(f(x)) + x.shape)


def test_jacobians_match_finite_differences():
    f = lambda x: fnp.stack([fnp.sum(fnp.tanh(x) * x[::-1]), x[0, 1] * x[1, 2]]) @ W[:2]
    x = rng.normal(size=(2, 3))
    want = _fd_jacobian(f, x)
    for jac in (fg.jacrev, fg.jacfwd):
        got = jac(f)(x)
        assert got.shape == (2, 2, 3)
        np.testing.assert_allclose(got, want, rtol=1e-7, atol=1e-8)
    g = lambda x, y: fnp.sin(x) * y
    jx, jy = fg.jacrev(g, argnums=(0, 1))(np.array([0.5, 1.0]), 3.0)
    close(jx, np.diag(3 * np.cos([0.5, 1.0])))
    close(jy, np.sin([0.5, 1.0]))


def rosen(x):
    return fnp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def rosen_hessian(x):
    """The closed form: tridiagonal."""
    n = x.size
    H = np.zeros((n, n))
    H[:-1, :-1] += np.diag(1200 * x[:-1] ** 2 - 400 * x[1:] + 2)
    H[1:, 1:] += np.diag(np.full(n - 1, 200.0))
    off = -400 * x[:-1]
    H[np.arange(n - 1), np.arange(1, n)] = off
    H[np.arange(1, n), np.arange(n - 1)] = off
    return H


def test_hessian_of_rosenbrock_closed_form_and_fd():
    x = rng.normal(size=6)
    H = fg.hessian(rosen)(x)
    close(H, rosen_hessian(x), 1e-10)
    close(fg.jacfwd(fg.jacrev(rosen))(x), H, 1e-10)
    close(fg.jacrev(fg.jacrev(rosen))(x), H, 1e-10)
    np.testing.assert_allclose(H, _fd_jacobian(fg.grad(rosen), x), rtol=1e-6, atol=1e-5)


def test_hessian_ir_stays_small():
    x = rng.normal(size=64)
    ir = fg.make_ir(fg.hessian(rosen))(x)
    # one batched pass: 91 equations, where a loop over basis vectors unrolled into 4,993
    assert len(ir.eqns) < 150, len(ir.eqns)
    close(eval_ir(ir, ir.consts, [x])[0], rosen_hessian(x), 1e-9)


@pytest.mark.slow
def test_hessian_compiles():
    x = rng.normal(size=64)
    close(fg.jit(fg.hessian(rosen))(x), rosen_hessian(x), 1e-9)


def test_errors_name_the_arguments_and_sizes():
    def f(weights, inputs):
        return weights + inputs
    with pytest.raises(ValueError, match=r"different sizes \[3, 4\].*argument 0 \('weights'\) "
                                         r"has size 3.*argument 1 \('inputs'\) has size 4"):
        fg.vmap(f)(np.ones(3), np.ones(4))
    with pytest.raises(ValueError, match=r"in_axes=2 is out of range for argument 0.*\(3,\)"):
        fg.vmap(lambda a: a, in_axes=2)(np.ones(3))
    with pytest.raises(ValueError, match="in_axes has 1 entries"):
        fg.vmap(f, in_axes=(0,))(np.ones(3), np.ones(3))
    with pytest.raises(ValueError, match="not a prefix"):
        fg.vmap(lambda d: d["x"], in_axes=({"y": 0},))({"x": np.ones(3)})
    with pytest.raises(TypeError, match="in_axes must be"):
        fg.vmap(f, in_axes="0")
    with pytest.raises(ValueError, match="out_axes is None for output 0"):
        fg.vmap(lambda a: a * 2.0, out_axes=None)(np.ones(3))
    with pytest.raises(ValueError, match="pass axis_size"):
        fg.vmap(lambda a: a, in_axes=None)(np.ones(3))
    with pytest.raises(ValueError, match="axis_size=4 but"):
        fg.vmap(lambda a: a, axis_size=4)(np.ones(3))
    with pytest.raises(fg.ConcretizationError, match="under vmap.*test_vmap.py"):
        fg.vmap(lambda a: a if a > 0 else -a)(np.ones(3))


def _scan_over_indices():
    xs, idx = rng.normal(size=(4, 5)), np.array([[0, 0, 2], [1, 4, 4], [3, 2, 1], [0, 1, 2]])

    def f(x, i):
        return fg.scan(lambda c, k: (c + fnp.sum(fnp.sin(x[i]) * k), c), 0.0,
                       np.arange(3.0))[0]

    return f, xs, idx, loop(fg.grad(f), xs, idx, in_axes=(0, 0))


def test_per_example_gradients_through_a_scan_over_integer_indices():
    # the scan's reverse pass used to give the integer indices integer cotangent carries,
    # which did not match the float ones it declares (a TypeError here, a failed compile
    # under jit)
    f, xs, idx, want = _scan_over_indices()
    ir = fg.make_ir(fg.vmap(fg.grad(f)))(xs, idx)
    close(eval_ir(ir, ir.consts, [xs, idx])[0], want, 1e-12)


@pytest.mark.slow
def test_jit_of_per_example_gradients_through_a_scan_over_integer_indices():
    f, xs, idx, want = _scan_over_indices()
    close(fg.jit(fg.vmap(fg.grad(f)))(xs, idx), want, 1e-12)
    close(fg.jit(fg.grad(f))(xs[0], idx[0]), want[0], 1e-12)
