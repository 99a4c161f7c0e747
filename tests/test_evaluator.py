"""The NumPy evaluator (``funcgrad.core.interpret.evaluator``: what answers a jitted function's
first calls) gives exactly ``eval_ir``'s results, on every row of the shared table (value and
gradient, float64 and float32), although it computes elementwise results into arrays it no
longer needs: never into an argument, a constant, a literal, a broadcast view, an output, or a
value that is read later; and it holds fewer arrays at once than it computes."""
import threading
import tracemalloc

import numpy as np
import pytest
from primitive_table import ROWS

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.core.interpret import computes_into, eval_ir, evaluator
from funcgrad.ops.elementwise import BLEND_MIN


def _check(ir, args):
    """The evaluator's outputs equal eval_ir's (bit for bit, dtype and shape), twice in a row
    (nothing of one call is left to the next), and no argument or constant changed."""
    consts = list(ir.consts)
    kept = [np.array(a, copy=True) for a in [*consts, *args]]
    want = eval_ir(ir, consts, list(args))
    run = evaluator(ir)
    first = run(consts, list(args))
    first_copy = [np.array(a, copy=True) for a in first]
    second = run(consts, list(args))
    for got in (first, second):
        assert len(got) == len(want)
        for g, w in zip(got, want):
            g, w = np.asarray(g), np.asarray(w)
            assert g.shape == w.shape and g.dtype == w.dtype, (g.shape, g.dtype, w.dtype)
            np.testing.assert_array_equal(g, w)
    for a, b in zip(first, first_copy):  # the second call wrote into none of the first's
        np.testing.assert_array_equal(a, b)
    for a, b in zip([*consts, *args], kept):
        np.testing.assert_array_equal(a, b)
    return first


def _scalar(row):
    return lambda *a: fnp.sum(row.fun(*a) ** 2)


@pytest.mark.parametrize("row", [r for r in ROWS if r.jit], ids=repr)
def test_every_table_row_evaluates_as_the_reference(row):
    for dtype in row.dtypes:
        args = row.args(np.random.default_rng(0), np.dtype(dtype))
        _check(fg.make_ir(row.fun)(*args), args)
        if row.grad and dtype == "float64":
            nums = tuple(range(len(args)))
            _check(fg.make_ir(fg.value_and_grad(_scalar(row), argnums=nums))(*args), args)


def _w3(x):
    return fnp.sum(fnp.tanh(x) * fnp.sin(x) + fnp.exp(-x ** 2))


def test_value_and_grad_against_the_closed_form():
    x = np.random.default_rng(1).normal(size=1000)
    value, grad = _check(fg.make_ir(fg.value_and_grad(_w3))(x), [x])
    t, s, e = np.tanh(x), np.sin(x), np.exp(-x * x)
    np.testing.assert_allclose(value, np.sum(t * s + e), rtol=1e-13)
    np.testing.assert_allclose(grad, (1 - t * t) * s + t * np.cos(x) - 2 * x * e, rtol=1e-12,
                               atol=1e-15)


def test_an_argument_used_twice_and_returned_is_never_written():
    x = np.linspace(-1.0, 1.0, 7)
    a, b, c = _check(fg.make_ir(lambda x: (x, x * x + x, fnp.exp(x * x)))(x), [x])
    assert a is not x and not np.shares_memory(a, x)  # a copy, as compiled code returns
    np.testing.assert_array_equal(a, x)
    np.testing.assert_array_equal(b, x * x + x)
    np.testing.assert_array_equal(c, np.exp(x * x))
    assert not np.shares_memory(b, c)


def test_outputs_share_no_memory_with_arguments_constants_literals_or_each_other():
    w = np.arange(6.0)  # a constant
    def f(x):
        y = fnp.exp(x)
        return x.reshape(2, 3), x.T, w, fnp.ones(6), y, y, y.reshape(3, 2), fnp.sum(y)
    x = np.linspace(-1.0, 1.0, 6)
    ir = fg.make_ir(f)(x)
    run = evaluator(ir)
    outs = run(list(ir.consts), [x])
    want = [x.reshape(2, 3), x.T, w, np.ones(6), np.exp(x), np.exp(x), np.exp(x).reshape(3, 2)]
    for got, ref in zip(outs, want):
        np.testing.assert_array_equal(got, ref)
    arrays = [o for o in outs if np.ndim(o)]
    for i, a in enumerate(arrays):
        assert not np.shares_memory(a, x) and not np.shares_memory(a, w)
        assert not any(np.shares_memory(a, b) for b in arrays[i + 1:]), i
    again = run(list(ir.consts), [x])  # a literal's array is not the one handed out before
    outs[3][:] = 7.0
    np.testing.assert_array_equal(again[3], np.ones(6))
    np.testing.assert_array_equal(run(list(ir.consts), [x])[3], np.ones(6))


def test_a_value_read_after_an_equation_is_not_its_buffer():
    def f(x):
        a = fnp.exp(x)  # dies only at the last line
        b = fnp.sin(a) + 1.0  # a dead temporary: its array may take a later result
        c = fnp.cos(b) * 2.0
        return c * a + a
    x = np.linspace(-1.0, 1.0, 9)
    (out,) = _check(fg.make_ir(f)(x), [x])
    a = np.exp(x)
    np.testing.assert_array_equal(out, np.cos(np.sin(a) + 1.0) * 2.0 * a + a)


def test_an_output_is_not_overwritten_by_a_later_result():
    def f(x):
        a = fnp.tanh(x)
        return a, fnp.exp(a) - 1.0, a * 3.0
    x = np.linspace(-2.0, 2.0, 5)
    a, b, c = _check(fg.make_ir(f)(x), [x])
    np.testing.assert_array_equal(a, np.tanh(x))
    assert not (np.shares_memory(a, b) or np.shares_memory(a, c) or np.shares_memory(b, c))


def test_a_broadcast_input_and_a_constant_are_never_written():
    w = np.arange(3.0)  # closed over: a constant of the IR

    def f(x, y):
        z = fnp.exp(x) * y[None, :] + w  # y and w broadcast: read-only views
        return fnp.sin(z) * y + w * 2.0
    x, y = np.ones((4, 3)), np.array([1.0, -2.0, 0.5])
    ir = fg.make_ir(f)(x, y)
    assert ir.consts
    (out,) = _check(ir, [x, y])
    np.testing.assert_array_equal(out, np.sin(np.exp(x) * y + w) * y + w * 2.0)


def test_int_arguments_promoted_to_float_and_comparisons():
    def f(i, x):
        a = i * 1.5 + x  # int -> float64
        k = i * i + 3  # stays int
        return a * a, k * 2, (a > 0.5) & (k > 3)
    i, x = np.arange(-3, 4), np.linspace(0.0, 1.0, 7)
    a, k, m = _check(fg.make_ir(f)(i, x), [i, x])
    assert (a.dtype, k.dtype, m.dtype) == (np.float64, np.int64, np.bool_)
    np.testing.assert_array_equal(k, (i * i + 3) * 2)


def test_a_result_of_another_dtype_than_declared_is_not_cast():
    """``div`` declares its operands' dtype, int64 here, where NumPy's true_divide gives
    float64 (the NumPy layer never binds it so, the compiled code floor-divides): the evaluator
    gives eval_ir's float64, rather than casting it into a dead int64 array."""
    from funcgrad.ops.elementwise import div_p
    i = np.arange(1, 6)
    (out,) = _check(fg.make_ir(lambda i: div_p.bind(i * i, i))(i), [i])
    np.testing.assert_array_equal(out, np.arange(1.0, 6.0))


def test_float32_stays_float32():
    x = np.linspace(-1.0, 1.0, 11, dtype=np.float32)
    value, grad = _check(fg.make_ir(fg.value_and_grad(_w3))(x), [x])
    assert grad.dtype == np.float32
    x64 = x.astype(np.float64)
    t, s, e = np.tanh(x64), np.sin(x64), np.exp(-x64 * x64)
    np.testing.assert_allclose(grad, (1 - t * t) * s + t * np.cos(x64) - 2 * x64 * e,
                               rtol=1e-5, atol=1e-6)


def test_which_equations_compute_into_an_array():
    x = np.ones(3, np.float32)
    ir = fg.make_ir(lambda x: (fnp.sum(fnp.exp(x) * 2.0), x.astype(np.float64) + 1.0,
                               fnp.exp(fnp.sum(x))))(x)
    got = {e.prim.name: computes_into(e) for e in ir.eqns}
    # exp and mul and add are ufuncs; a reduction, a conversion and a 0-d result are not
    assert got == {"exp": False, "mul": True, "reduce_sum": False,
                   "convert_element_type": False, "add": True}
    assert [computes_into(e) for e in ir.eqns if e.prim.name == "exp"] == [True, False]


def test_a_chain_holds_few_arrays_at_once():
    """Twenty elementwise steps on 1e5 values: eval_ir keeps every intermediate (20 arrays of
    0.8 MB); the evaluator computes into dead ones, so that it holds about two."""
    def f(x):
        for _ in range(10):
            x = fnp.sin(x) * 1.01
        return x
    x = np.random.default_rng(0).normal(size=100_000)
    ir = fg.make_ir(f)(x)
    run = evaluator(ir)
    tracemalloc.start()
    try:
        (out,) = run([], [x])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    np.testing.assert_array_equal(out, eval_ir(ir, [], [x])[0])
    assert peak < 3 * x.nbytes, peak / x.nbytes


def test_threads_calling_one_evaluator_get_their_own_results():
    ir = fg.make_ir(fg.value_and_grad(_w3))(np.ones(50_000))
    run = evaluator(ir)
    xs = [np.random.default_rng(k).normal(size=50_000) for k in range(6)]
    want = [eval_ir(ir, [], [x]) for x in xs]
    got = [None] * len(xs)

    def work(k):
        for _ in range(5):
            got[k] = run([], [xs[k]])
    threads = [threading.Thread(target=work, args=(k,)) for k in range(len(xs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g[1], w[1])
        assert g[0] == w[0]


@pytest.mark.parametrize("dtype", ["float64", "float32", "float16", "int64", "int32", "int8",
                                   "uint16", "bool", "complex128", "longdouble"])
@pytest.mark.parametrize("cols", [5, -(-BLEND_MIN // 7)])
def test_select_gives_np_wheres_bits(dtype, cols):
    # from BLEND_MIN elements select blends the bits of its operands (np.where branches per
    # element: 5x slower on a relu's mask); the result must be np.where's bit for bit,
    # broadcasting included, on either side of that size
    rng = np.random.default_rng(3)
    dt = np.dtype(dtype)

    def sample(shape):
        if dt.kind == "b":
            return rng.random(shape) > 0.5
        if dt.kind in "iu":
            return rng.integers(0 if dt.kind == "u" else -100, 100, shape).astype(dt)
        v = rng.normal(size=shape) * 10
        if dt.kind == "c":
            v = v + 1j * rng.normal(size=shape)
        v = v.astype(dt)
        if dt.kind == "f" and v.size >= 4:
            v.flat[:4] = [np.nan, np.inf, -0.0, -np.inf]
        return v

    x, y = sample((7, cols)), sample((7, cols))
    pred = rng.random((7, cols)) > 0.4
    cases = [(pred, x, y), (pred, x, sample(())), (pred, sample(()), y), (pred[:1], x, y),
             (np.array(True), x, y[::-1]), (pred.T, x.T, y.T), (pred, x[:, :1], y)]
    # one side +0 (a relu; a derivative masked by one) is one product with the mask; -0.0 is
    # not
    zero = np.zeros((), dt)
    minus_zero = np.negative(zero) if dt.kind != "b" else zero
    cases += [(pred, x, zero), (pred, np.broadcast_to(zero, (7, cols)), y),
              (pred[:, :1], x, np.broadcast_to(zero, (7, cols))), (pred[:1], zero, y),
              (pred, x[:1], zero), (pred, x, minus_zero), (pred, minus_zero, y)]
    for p, a, b in cases:
        got, want = _select(p, a, b), np.where(p, a, b)
        assert got.dtype == want.dtype and got.shape == want.shape
        assert got.tobytes() == np.ascontiguousarray(want).tobytes()
        assert not np.shares_memory(got, a) and not np.shares_memory(got, b)


def _select(p, a, b):
    from funcgrad.ops.elementwise import select_p
    return select_p.impl(p, a, b)


def test_broadcasts_numpy_does_itself_are_left_to_it_with_the_same_results():
    # a broadcast onto the trailing axes read only by ufuncs with a full-shape operand is not
    # computed; any other broadcast is (an output, a reduction's operand, a leading axis, a
    # ufunc whose other operand is a broadcast too)
    from funcgrad.core.interpret import without_implicit_broadcasts
    rng = np.random.default_rng(5)
    x, b, c = rng.normal(size=(4, 3)), rng.normal(size=3), rng.normal(size=4)

    def f(x, b, c):
        both = fnp.broadcast_to(b, (4, 3)) * fnp.broadcast_to(2.0, (4, 3))  # one is computed
        return (x * fnp.broadcast_to(b, (4, 3)) + 1.5,
                fnp.sum(fnp.broadcast_to(c[:, None], (4, 3))),  # a reduction's operand
                both + c[:, None] * x, fnp.broadcast_to(b, (4, 3)))  # an output

    def onto_a_leading_axis(x):  # the derivative of a row sum: (4,) onto axis 0 of (4, 3)
        return fg.grad(lambda x: fnp.sum(fnp.sum(x, axis=1) ** 2))(x) * x

    for fun in (f, lambda x, b, c: fg.grad(lambda x: fnp.sum(f(x, b, c)[0] ** 2))(x)):
        ir = fg.make_ir(fun)(x, b, c)
        kept = without_implicit_broadcasts(ir)
        assert len(kept) < len(ir.eqns)
        _check(ir, (x, b, c))
    ir = fg.make_ir(f)(x, b, c)
    count = [[e.prim.name for e in eqns].count("broadcast_in_dim")
             for eqns in (ir.eqns, without_implicit_broadcasts(ir))]
    assert count == [6, 3]
    ir = fg.make_ir(onto_a_leading_axis)(x)
    assert [e.params["dims"] for e in without_implicit_broadcasts(ir)
            if e.prim.name == "broadcast_in_dim"] == [(0,)]
    _check(ir, (x,))
