"""fg.jit: compiled results equal the NumPy evaluator's; caching, shapes, dtypes, composition,
errors. Compiled functions are shared across tests (module scope) to keep compile time down."""
import re
import warnings

import numpy as np
import pytest
from threads import run_threads

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.backend import cache, kernels
from funcgrad.core.lowering import Broadcast, Call, Elementwise, Kernel, Reduction, Structural
from funcgrad.core.primitive import Primitive, registry


def mlp_loss(p, x, y):
    h = fnp.tanh(x @ p["w1"] + p["b1"])
    return fnp.mean((h @ p["w2"] - y) ** 2)


def make_params(dtype=np.float64, seed=0):
    rng = np.random.default_rng(seed)
    return {"w1": rng.normal(size=(3, 8)).astype(dtype), "b1": np.zeros(8, dtype),
            "w2": rng.normal(size=(8, 2)).astype(dtype)}


def compiled_count():
    """Native functions compiled in this process (Numba specializations of our modules)."""
    from funcgrad.backend.compile import dispatchers
    return sum(len(d.signatures) for fn in cache.memory.values() for d in dispatchers(fn))


@pytest.fixture(scope="module")
def vg():
    return fg.jit(fg.value_and_grad(mlp_loss))


def test_value_and_grad_matches_eager(vg):
    p = make_params()
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(16, 3)), rng.normal(size=(16, 2))
    (v1, g1), (v2, g2) = vg(p, x, y), fg.value_and_grad(mlp_loss)(p, x, y)
    assert v1 == pytest.approx(v2, rel=1e-12)
    for k in p:
        np.testing.assert_allclose(g1[k], g2[k], rtol=1e-11, atol=1e-14)
    assert isinstance(v1, np.float64) and type(g1["w1"]) is np.ndarray


def test_new_batch_sizes_and_values_reuse_the_compiled_code(vg, capfd, monkeypatch):
    p = make_params()
    rng = np.random.default_rng(2)
    vg(p, rng.normal(size=(16, 3)), rng.normal(size=(16, 2)))
    n_before = compiled_count()
    monkeypatch.setenv("FUNCGRAD_LOG_COMPILES", "1")
    for n in (5, 16, 33):  # e.g. the last partial batch of an epoch
        x, y = rng.normal(size=(n, 3)), rng.normal(size=(n, 2))
        v, g = vg(make_params(seed=n), x, y)
        v2, g2 = fg.value_and_grad(mlp_loss)(make_params(seed=n), x, y)
        assert v == pytest.approx(v2, rel=1e-12)
        np.testing.assert_allclose(g["w2"], g2["w2"], rtol=1e-11)
    assert compiled_count() == n_before
    err = capfd.readouterr().err
    assert "reused compiled code" in err and "funcgrad: compiled" not in err


def test_a_new_constant_does_not_recompile():
    fs = [fg.jit(lambda x, c=c: fnp.sum(fnp.exp(x * c))) for c in (0.3, 0.7)]
    x = np.linspace(0, 1, 7)
    assert fs[0](x) == pytest.approx(np.sum(np.exp(x * 0.3)), rel=1e-14)
    n = compiled_count()
    assert fs[1](x) == pytest.approx(np.sum(np.exp(x * 0.7)), rel=1e-14)
    assert compiled_count() == n


def test_structure_change_recompiles_correctly(monkeypatch, capfd):
    monkeypatch.setenv("FUNCGRAD_LOG_COMPILES", "1")
    f = fg.jit(lambda x, y: x + y)
    np.testing.assert_array_equal(f(np.ones((2, 3)), np.ones((2, 3))), 2 * np.ones((2, 3)))
    # y's first axis becomes 1: broadcasting changes, so must the code
    np.testing.assert_array_equal(f(np.ones((2, 3)), np.arange(3.0)[None]),
                                  1 + np.arange(3.0)[None].repeat(2, 0))
    err = capfd.readouterr().err
    assert "first call" in err and "new argument shapes" in err


def test_a_unit_loop_axis_is_structure_other_sizes_are_not():
    f = fg.jit(lambda x, w: fnp.sum(fnp.tanh(x * w), axis=0))
    rng = np.random.default_rng(3)
    for n in (4, 9, 1):  # 4 and 9 share code; a single row drops that loop from the code
        x, w = rng.normal(size=(n, 3)), rng.normal(size=3)
        np.testing.assert_allclose(f(x, w), np.tanh(x * w).sum(0), rtol=1e-13)
    src = {n: cache.code_key(f.source(np.ones((n, 3)), np.ones(3))) for n in (4, 9, 1)}
    assert src[4] == src[9] != src[1]  # the key ignores comments (they show the sizes)
    src = {n: f.source(np.ones((n, 3)), np.ones(3)) for n in (4, 1)}
    assert src[1].count("for ") < src[4].count("for ") and "range(1)" not in src[1]


def _unit_axis_stats(x):
    y = fnp.sin(x) * x
    return fnp.sum(y, axis=0), fnp.sum(y, axis=-1), fnp.max(y, axis=-1), fnp.sum(y * y)


@pytest.mark.parametrize("shape", [(5, 1), (1, 5), (3, 1, 4), (1, 1)])
def test_unit_axes_have_no_loop_and_reduce_right(shape):
    """A unit axis has no loop (index 0); reductions over it, along it and across it, a sin
    beyond its fast kernel's range (the evaluator answers), and the gradient through them."""
    f = fg.jit(lambda x: (_unit_axis_stats(x),
                          fg.grad(lambda x: fnp.sum(_unit_axis_stats(x)[1] ** 2))(x)))
    x = np.random.default_rng(5).normal(size=shape)
    x.flat[-1] = 1e6  # beyond the fast sin's range: the evaluator answers the call
    (s0, s1, m1, ss), g = f(x)
    y = np.sin(x) * x
    for got, want in [(s0, y.sum(0)), (s1, y.sum(-1)), (m1, y.max(-1)), (ss, (y * y).sum())]:
        np.testing.assert_allclose(got, want, rtol=1e-13)
    want_g = 2 * y.sum(-1, keepdims=True) * (np.cos(x) * x + np.sin(x))
    np.testing.assert_allclose(g, want_g, rtol=1e-12)
    assert "range(1)" not in f.source(x)


def test_arguments_beyond_a_fast_kernels_range_are_answered_by_the_evaluator(capfd,
                                                                              monkeypatch):
    """Loops take the fast kernels of log, sin and cos and check their arguments; a call with
    a positive subnormal for log or |x| > 6.5e5 for sin/cos is answered by the NumPy
    evaluator (said once under FUNCGRAD_LOG_COMPILES), the next calls by compiled code again.
    float32 log computes in float32, with a check of its own for float32's subnormals."""
    monkeypatch.setenv("FUNCGRAD_LOG_COMPILES", "1")
    f = fg.jit(lambda x: (fnp.log(x) * 2.0,
                          fg.grad(lambda x: fnp.sum(fnp.sin(x) ** 2 + fnp.log(x)))(x)))
    x = np.random.default_rng(6).uniform(0.1, 10.0, 300)
    for beyond in ([], [1e-308, 2.0**-1070, 5e-324], [], [1e6, 7e5], [], [1e-310, 1e7]):
        x[:len(beyond)] = beyond
        with np.errstate(over="ignore"):  # 1 / subnormal
            v, g = f(x)
            np.testing.assert_allclose(v, 2 * np.log(x), rtol=1e-15, atol=0)
            np.testing.assert_allclose(g, 2 * np.sin(x) * np.cos(x) + 1 / x, rtol=1e-14,
                                       atol=1e-15)
    err = capfd.readouterr().err
    assert err.count("beyond the range of a fast kernel") == 1, err
    assert f.source(x).count("log_subnormal_(") == 1 and "raise BeyondFastRange" in f.source(x)
    assert f.source(x).count("trig_big_(") == 1  # sin x and cos x: one check of x
    x32 = x[3:].astype(np.float32)
    for beyond in ([], [1e-40, 2.0**-149], []):
        x32[:len(beyond)] = beyond
        with np.errstate(over="ignore"):
            v32, _ = f(x32)
        np.testing.assert_allclose(v32, 2 * np.log(x32.astype(np.float64)), rtol=1e-6)
    src32 = f.source(x32)
    assert src32.count("log_subnormal_f32_(") == 1 and "log_fast_f32_(" in src32
    assert "log_fast_(" not in src32 and "log_(" not in src32


def test_a_scalar_call_beyond_a_fast_kernels_range_is_answered_too():
    # numbers only: the call goes straight to the machine code's entry point (no dispatcher)
    f = fg.jit(lambda x: fnp.sum(fnp.sin(fnp.arange(10.0) * x)))
    for x in (1.0, 1e6, 2.0, -3e7):
        np.testing.assert_allclose(f(x), np.sin(np.arange(10.0) * x).sum(), rtol=1e-13,
                                   atol=1e-13)


def test_float32_stays_float32_end_to_end():
    p = make_params(np.float32)
    x = np.ones((4, 3), np.float32)
    y = np.zeros((4, 2), np.float32)
    f = fg.jit(fg.value_and_grad(mlp_loss))
    v, g = f(p, x, y)
    assert v.dtype == np.float32 and all(a.dtype == np.float32 for a in g.values())
    v2, g2 = fg.value_and_grad(mlp_loss)(p, x, y)
    np.testing.assert_allclose(g["w1"], g2["w1"], rtol=1e-5, atol=1e-6)
    src = f.source(p, x, y)
    # typed literals, no float64 table or array anywhere in the generated code
    assert "np.float32(" in src and "F64[" not in src and "np.float64" not in src


def test_source_is_readable_and_fused():
    f = fg.jit(lambda x, y: fnp.sum(fnp.tanh(x) * y + fnp.exp(-x ** 2)))
    src = f.source(np.ones(10), np.ones(10))
    # one loop nest computes the whole chain and the sum; the IR equations are comments
    assert len(re.findall(r"^    for ", src, re.M)) == 1
    assert "np.empty((p" not in src  # no intermediate arrays
    assert "# c:f64[10] = tanh a" in src and "tanh_(" in src
    x = np.linspace(-2, 2, 11)
    assert f(x, x) == pytest.approx(np.sum(np.tanh(x) * x + np.exp(-x ** 2)), rel=1e-13)


def test_backward_pass_is_one_loop_with_broadcasts_and_reductions():
    f = fg.jit(fg.grad(lambda w, x: fnp.sum(fnp.tanh(x * w[None, :]) ** 2)))
    w, x = np.linspace(-1, 1, 5), np.linspace(0, 2, 15).reshape(3, 5)
    src = f.source(w, x)
    assert len(re.findall(r"^    for ", src, re.M)) == 1, src
    np.testing.assert_allclose(f(w, x), fg.grad(lambda w, x: fnp.sum(
        fnp.tanh(x * w[None, :]) ** 2))(w, x), rtol=1e-13)


def test_sin_and_cos_of_huge_arguments_take_the_exact_path():
    f = fg.jit(lambda x: fnp.sin(x) * 2.0 + fnp.cos(x))
    x = np.array([0.5, 1e6, -3e7, 1e300, 2.0, np.inf, np.nan])
    with np.errstate(invalid="ignore"):
        want = np.sin(x) * 2.0 + np.cos(x)
    np.testing.assert_allclose(f(x), want, rtol=1e-15, atol=1e-15)
    np.testing.assert_allclose(f(x[:1]), want[:1], rtol=1e-15)


@pytest.mark.parametrize("axes", [(0,), (2,), (0, 2), (1, 2), (0, 1, 2)])
def test_fused_reductions_over_any_axes(axes):
    x = np.random.default_rng(0).normal(size=(3, 4, 300))
    f = fg.jit(lambda x: (fnp.sum(fnp.exp(x), axis=axes), fnp.max(x * 2.0, axis=axes),
                          fnp.min(-x, axis=axes)))
    s, m, n = f(x)
    np.testing.assert_allclose(s, np.sum(np.exp(x), axis=axes), rtol=1e-13)
    np.testing.assert_array_equal(m, np.max(x * 2.0, axis=axes))
    np.testing.assert_array_equal(n, np.min(-x, axis=axes))


def test_reductions_propagate_nan_and_handle_integers():
    x = np.array([[1.0, np.nan, 3.0], [4.0, 5.0, -6.0]])
    f = fg.jit(lambda x: (fnp.max(x, axis=1), fnp.min(x), fnp.prod(x + 1.0, axis=0)))
    for got, want in zip(f(x), (np.max(x, axis=1), np.min(x), np.prod(x + 1.0, axis=0))):
        np.testing.assert_array_equal(got, want)
    i = np.arange(-5, 7, dtype=np.int32).reshape(3, 4)
    g = fg.jit(lambda i: (fnp.sum(i, axis=0), fnp.max(i), fnp.argmax(i, axis=1)))
    ir = fg.make_ir(g.fun)(i)
    for got, want, aval in zip(g(i), g.fun(i), ir.out_avals):
        np.testing.assert_array_equal(got, want)
        assert np.asarray(got).dtype == aval.dtype


def test_grad_of_jit_runs_compiled_and_nested_jit_and_jit_of_hessian():
    f = fg.jit(lambda x: fnp.sum(fnp.sin(x) * x))
    x = np.array([0.1, 0.5, 1.0])
    np.testing.assert_allclose(fg.grad(f)(x), np.cos(x) * x + np.sin(x), rtol=1e-13)
    n = compiled_count()
    fg.grad(f)(x + 1.0)  # forward and backward: compiled once, then reused
    assert compiled_count() == n
    assert "jit_call" in str(fg.make_ir(fg.grad(f))(x))
    outer = fg.jit(lambda x: f(x) * 2.0)
    assert outer(x) == pytest.approx(2 * np.sum(np.sin(x) * x), rel=1e-14)
    assert "jit_call" not in outer.source(x)  # the inner function is inlined
    h = fg.jit(fg.hessian(lambda x: fnp.sum(x ** 3)))
    np.testing.assert_allclose(h(x), np.diag(6 * x), rtol=1e-13)
    # grad of grad through a jitted function
    g2 = fg.grad(lambda x: fg.grad(f)(x))(0.7)
    assert g2 == pytest.approx(2 * np.cos(0.7) - 0.7 * np.sin(0.7), rel=1e-12)


def test_jit_of_value_and_grad_with_aux_and_of_jvp():
    def loss(w, x):
        pred = fnp.tanh(x @ w)
        return fnp.mean(pred ** 2), {"pred": pred, "n": fnp.sum(pred > 0.0)}

    f = fg.jit(fg.value_and_grad(loss, has_aux=True))
    w, x = np.array([0.3, -0.25]), np.arange(10.0).reshape(5, 2) / 10
    (v, aux), g = f(w, x)
    (v2, aux2), g2 = fg.value_and_grad(loss, has_aux=True)(w, x)
    assert v == pytest.approx(v2, rel=1e-12, abs=0) and aux["n"] == aux2["n"]
    np.testing.assert_allclose(aux["pred"], aux2["pred"], rtol=1e-13)
    np.testing.assert_allclose(g, g2, rtol=1e-12)
    j = fg.jit(lambda w, t: fg.jvp(lambda w: loss(w, x)[0], (w,), (t,)))
    np.testing.assert_allclose(j(w, np.ones(2)), fg.jvp(lambda w: loss(w, x)[0], (w,),
                                                        (np.ones(2),)), rtol=1e-12)


def test_vmap_of_jit_and_jit_of_vmap():
    f = fg.jit(lambda x, w: fnp.tanh(x @ w).sum())
    xs, w = np.random.default_rng(0).normal(size=(6, 4, 3)), np.ones(3)
    want = np.array([np.tanh(x @ w).sum() for x in xs])
    np.testing.assert_allclose(fg.vmap(f, in_axes=(0, None))(xs, w), want, rtol=1e-13)
    g = fg.jit(fg.vmap(lambda x, w: fnp.tanh(x @ w).sum(), in_axes=(0, None)))
    np.testing.assert_allclose(g(xs, w), want, rtol=1e-13)


def test_jit_of_a_whole_training_step_with_adam_over_a_dict():
    lr, b1, b2, eps = 0.05, 0.9, 0.999, 1e-8

    @fg.jit
    def step(p, m, v, t, x, y):
        loss, g = fg.value_and_grad(mlp_loss)(p, x, y)
        t = t + 1.0
        m = {k: b1 * m[k] + (1 - b1) * g[k] for k in g}
        v = {k: b2 * v[k] + (1 - b2) * g[k] ** 2 for k in g}
        p = {k: p[k] - lr * (m[k] / (1 - b1 ** t)) / (fnp.sqrt(v[k] / (1 - b2 ** t)) + eps)
             for k in p}
        return p, m, v, t, loss

    p = make_params()
    zeros = {k: np.zeros_like(a) for k, a in p.items()}
    state = (p, zeros, zeros, 0.0)
    ref = (p, zeros, zeros, 0.0)
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(32, 3)), rng.normal(size=(32, 2))
    losses = []
    for _ in range(30):
        *state, loss = step(*state, x, y)
        *ref, loss_ref = step.fun(*ref, x, y)
        assert loss == pytest.approx(loss_ref, rel=1e-9)
        losses.append(loss)
    assert losses[-1] < 0.5 * losses[0]
    src = step.source(*state, x, y)
    assert src.count("def ") == 1  # one native function for loss, gradient and update


def test_python_scalars_keyword_args_and_no_array_inputs():
    f = fg.jit(lambda a, b=1.0: a * b + fnp.sin(a))
    assert f(2.0, b=3.0) == pytest.approx(6.0 + np.sin(2.0))
    n = compiled_count()
    assert f(2.5, b=3.5) == pytest.approx(8.75 + np.sin(2.5))  # new floats: same code
    assert compiled_count() == n
    g = fg.jit(lambda: fnp.ones(3) * 2.0)
    np.testing.assert_array_equal(g(), [2.0, 2.0, 2.0])
    h = fg.jit(lambda x, y: x * 2.0 + y)
    assert h(1.0, 2.0) == 4.0
    np.testing.assert_array_equal(h(np.ones(2), 1.0), [3.0, 3.0])
    assert h(1, 2) == 4.0 and isinstance(h(1, 2), np.float64)  # ints promote like NumPy


def test_outputs_are_fresh_arrays_the_caller_owns():
    f = fg.jit(lambda x: (x, x, x.T, x[1:], fnp.reshape(x, (-1,))))
    x = np.ones((3, 2))
    outs = f(x)
    for o in outs:
        o[...] = 5.0
    assert np.all(x == 1.0) and not np.shares_memory(outs[0], outs[1])
    assert all(type(o) is np.ndarray for o in outs)


def test_closed_over_arrays_are_inputs_not_source():
    w = np.arange(4.0)
    f = fg.jit(lambda x: fnp.sum(x * w))
    src = f.source(np.ones(4))
    assert "0.0, 1.0, 2.0" not in src and "def fn(a, b," in src
    assert f(np.ones(4)) == 6.0


def test_static_args_and_concretization_error():
    f = fg.jit(lambda x, n: x ** n if n > 1 else -x, static_argnums=1)
    assert f(2.0, 3) == 8.0 and f(2.0, 0) == -2.0
    k = fg.jit(lambda x, mode="sq": x * x if mode == "sq" else x, static_argnames="mode")
    assert k(3.0, mode="sq") == 9.0 and k(3.0, mode="id") == 3.0
    g = fg.jit(lambda x: x if x > 0 else -x)
    with pytest.raises(fg.ConcretizationError) as e:
        g(1.0)
    msg = str(e.value)
    assert "test_jit.py:" in msg and "static_argnums" in msg and "fg.cond" in msg
    with pytest.raises(TypeError, match="hashable.*argument 1: dict"):
        fg.jit(lambda x, opts: x, static_argnums=1)(1.0, {"a": 1})


def test_unsupported_dtypes_are_refused_before_compiling():
    with pytest.raises(TypeError, match="dtype <U1"):
        fg.jit(lambda x: x)(np.array(["a"]))


def test_integer_wraparound_matches_numpy():
    u = np.array([0xDEADBEEF, 12345, 2**31 + 7], np.uint32)
    f = fg.jit(lambda u: fnp.bitwise_xor(u * np.uint32(0x9E3779B9),
                                         fnp.right_shift(u, np.uint32(7)) + u))
    np.testing.assert_array_equal(f(u), (u * np.uint32(0x9E3779B9))
                                  ^ ((u >> np.uint32(7)) + u))
    assert f(u).dtype == np.uint32  # (the PRNG under jit: tests/test_random.py)


def test_control_flow_compiles_into_the_function():
    f = fg.jit(lambda x: fg.fori_loop(0, 4, lambda i, v: v * x + i, 1.0))
    assert f(1.5) == pytest.approx(1.5 ** 4 + 1.5 ** 2 + 2 * 1.5 + 3)
    assert "def fn_2(" in f.source(1.5)  # the loop body is a function of the module
    g = fg.jit(fg.grad(lambda x: fg.cond(x > 0, lambda v: v ** 2, lambda v: -v, x)))
    assert g(3.0) == 6.0 and g(-3.0) == -1.0
    w = fg.jit(lambda x: fg.while_loop(lambda v: v < 100.0, lambda v: v * 3.0, x))
    assert w(1.0) == 243.0
    s = fg.jit(fg.grad(lambda xs: fg.scan(lambda c, x: (c * x, c), 1.0, xs)[0]))
    xs = np.array([1.5, 2.0, 3.0])
    np.testing.assert_allclose(s(xs), [6.0, 4.5, 3.0], rtol=1e-14)


def test_jit_is_thread_safe():
    f = fg.jit(lambda x: fnp.tanh(x) * 3.0)

    def work(k):
        for n in range(1, 6):
            x = np.full(n + k, 0.1 * k)
            np.testing.assert_allclose(f(x), np.tanh(x) * 3.0, rtol=1e-14)

    assert not run_threads(work, 6)


def test_a_primitive_without_code_generator_runs_between_compiled_parts():
    twice_p = Primitive("twice_example", impl=lambda x: 2 * np.asarray(x),
                        abstract_eval=lambda a: a, register=False)
    f = fg.jit(lambda x: fnp.exp(twice_p.bind(fnp.sin(x))) + 1.0)
    x = np.linspace(0, 1, 5)
    np.testing.assert_allclose(f(x), np.exp(2 * np.sin(x)) + 1.0, rtol=1e-14)
    assert "twice_example: no code generator" in f.source(x)


def test_numba_failures_are_reported_with_the_equation():
    bad_p = Primitive("bad_example", impl=lambda x: x, abstract_eval=lambda a: a,
                      lowering=Elementwise(Kernel("no_such_kernel_")), register=False)
    f = fg.jit(lambda x: bad_p.bind(x * 2.0))
    with pytest.raises(RuntimeError, match=r"equation `\w+:f64\[3\] = bad_example \w+` failed "
                                           r"in Numba \(NameError.*funcgrad bug"):
        f(np.ones(3))


def test_every_primitive_can_be_emitted():
    """Every primitive has a lowering record: elementwise ones a scalar expression, reductions
    a combine and a block kernel, the others an emitter, or ``NOT_SUPPORTED`` when Numba cannot
    compile it (it then runs with NumPy between compiled pieces); and every kernel a record
    names is a kernel (or a NumPy function)."""
    missing = []
    for name, prim in registry.items():
        if prim.inline_when_staged:
            continue  # traced through by jit: never in a compiled IR
        if prim.has_rule("lowering") and not prim.supports("lowering"):
            continue  # declared NOT_SUPPORTED (fft, eig): the runner calls NumPy for it
        low = prim.lowering
        if not isinstance(low, (Elementwise, Broadcast, Reduction, Structural, Call)):
            missing.append(f"{name}: no lowering record")
        for field in ("scalar", "fast", "beyond", "combine", "block"):
            fn = getattr(low, field, None)
            if isinstance(fn, Kernel):
                where = np if fn.__name__.startswith("np.") else kernels
                if not hasattr(where, fn.__name__.removeprefix("np.")):
                    missing.append(f"{name}: kernel {fn.__name__}")
    assert not missing, missing


def test_compiled_code_does_not_warn():
    f = fg.jit(lambda x: fnp.sum(fnp.log1p(fnp.abs(x)) / (x + 1.0)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isfinite(f(np.linspace(0.1, 1, 9)))


def test_linear_algebra_compiles_and_reports_singular_matrices():
    from funcgrad.ops import linalg as L
    rng = np.random.default_rng(5)
    a = np.tril(rng.normal(size=(2, 4, 4))) + 3 * np.eye(4)
    b = rng.normal(size=(2, 3, 4))
    f = fg.jit(lambda a, b: (L.triangular_solve(a, b, left_side=False, transpose_a=True),
                             L.inv_p.bind(a)))
    for got, want in zip(f(a, b), f.fun(a, b)):
        np.testing.assert_allclose(got, want, rtol=1e-12)
    s = fg.jit(lambda a, b: fnp.linalg.solve(a, b))
    with pytest.raises(np.linalg.LinAlgError, match="singular.*test_jit.py"):
        s(np.zeros((3, 3)), np.ones((3, 1)))


def test_linear_algebra_errors_under_jit_say_what_was_wrong():
    nan = np.eye(3)
    nan[1, 1] = np.nan
    with pytest.raises(np.linalg.LinAlgError, match="test_jit.py.*NaN or an infinity.*debug_nans"):
        fg.jit(lambda a: fnp.linalg.eigh(a)[0])(nan)
    with pytest.raises(np.linalg.LinAlgError, match="test_jit.py.*positive-definite.*1e-8"):
        fg.jit(fnp.linalg.cholesky)(-np.eye(3))


def test_outer_and_vector_matrix_products_fuse_into_loops():
    rng = np.random.default_rng(4)
    a, b = rng.normal(size=(5, 1)), rng.normal(size=(1, 4))  # outer product
    c, d = rng.normal(size=(6, 3)).astype(np.float32), rng.normal(size=(3, 1)).astype(np.float32)
    e, f = np.arange(3).reshape(1, 3), np.arange(12).reshape(3, 4) - 5  # integer vector-matrix
    g = fg.jit(lambda a, b, c, d, e, f: (fnp.tanh(a @ b), c @ d + 1.0, e @ f))
    for got, want in zip(g(a, b, c, d, e, f), (np.tanh(a @ b), c @ d + 1.0, e @ f)):
        np.testing.assert_allclose(got, want, rtol=1e-6 if got.dtype == np.float32 else 1e-14)
        assert got.dtype == want.dtype and got.shape == want.shape
    src = g.source(a, b, c, d, e, f)
    # the outer product and the vector-matrix product are loops; the matrix-vector product
    # (a reduction along short rows as loops) goes to BLAS
    assert "np.dot" not in src and src.count("dot_(") == 1 and re.search(r"= dot_\(c, d\)", src)


def test_long_functions_are_split_into_pieces_that_compute_the_same(monkeypatch):
    from funcgrad.backend import pieces
    monkeypatch.setattr(pieces, "MAX_LINES", 8)  # functions called from compiled code
    monkeypatch.setattr(pieces, "PIECE_LINES", 5)
    monkeypatch.setattr(pieces, "MAIN_MAX_LINES", 20)  # the main one: a chain run by Python
    monkeypatch.setattr(pieces, "MAIN_PIECE_LINES", 12)

    def f(p, x, y, n):  # a training loss with a scan and a cond inside: nested functions too
        h = fnp.tanh(x @ p["w1"] + p["b1"])
        r = fg.fori_loop(0, n, lambda i, v: v * 0.9 + fnp.sum(h) * 1e-3, 1.0)
        c = fg.cond(r > 0, lambda v: v ** 2, lambda v: -v, r)
        return mlp_loss(p, x, y) * c + fnp.sum(h[1:, ::2] ** 3)

    step = fg.jit(fg.value_and_grad(f), static_argnums=(3,))
    p = make_params()
    rng = np.random.default_rng(4)
    x, y = rng.normal(size=(16, 3)), rng.normal(size=(16, 2))
    src = step.source(p, x, y, 3)
    assert re.search(r"= fn__2\(", src) and re.search(r"= fn__1\(", src)
    assert pieces.CHAIN_MARK + "\ndef fn(" in src  # the main function
    assert re.search(r"^def fn_2__2\(", src, re.M)  # a compiled chain: a branch or loop body
    v, g = step(p, x, y, 3)
    v2, g2 = fg.value_and_grad(f)(p, x, y, 3)
    assert v == pytest.approx(v2, rel=1e-12)
    for k in p:
        np.testing.assert_allclose(g[k], g2[k], rtol=1e-11, atol=1e-14)
    assert src.count("def fn__") >= 3


def test_scalars_computed_late_do_not_split_loops():
    import funcgrad.optim as optim
    opt = optim.adam(1e-2)
    p = {"w": np.random.default_rng(5).normal(size=(5, 3))}
    g = {"w": np.random.default_rng(6).normal(size=(5, 3))}

    def update(p, g, state):  # the bias corrections are scalars computed after the moments
        u, state = opt.update(g, state, p)
        return optim.apply_updates(p, u), state

    step = fg.jit(update)
    state = opt.init(p)
    src = step.source(p, g, state)
    assert src.count("for i0 in range") == 1  # moments and update in one loop
    (p1, s1), (p2, s2) = step(p, g, state), update(p, g, state)
    np.testing.assert_allclose(p1["w"], p2["w"], rtol=1e-13)
    for a, b in zip(fg.tree_leaves(s1), fg.tree_leaves(s2)):
        np.testing.assert_allclose(a, b, rtol=1e-13)


def _code(src):
    return [ln for ln in src.splitlines() if not ln.lstrip().startswith("#")]


def test_equal_dimensions_share_a_size_and_coincidences_do_not():
    f = fg.jit(fg.value_and_grad(mlp_loss))
    rng = np.random.default_rng(7)
    p = make_params()  # 3 inputs, 8 hidden units, 2 outputs

    def source(n):
        return f.source(p, rng.normal(size=(n, 3)), rng.normal(size=(n, 2)))

    src = source(16)
    # the forward nest and the backward one run over the same (batch, hidden) dimensions
    nests = re.findall(r"for i0 in range\((p\d+)\):\n\s+for i1 in range\((p\d+)\)", src)
    assert len(nests) == 2 and nests[0] == nests[1] and nests[0][0] != nests[0][1]
    assert len(re.findall(r"^\s+p\d+ = P\[", src, re.M)) == 4  # batch, hidden, batch, outputs
    # a batch of 8 rows equals the hidden size only by chance: the code stays the same
    assert _code(source(8)) == _code(src) == _code(source(5))


def test_every_name_a_comment_shows_is_defined_or_shown_as_a_broadcast():
    import funcgrad.optim as optim
    opt = optim.adam(1e-3)
    p = make_params(np.float32)

    def step(p, x, y, state):
        u, state = opt.update(fg.grad(mlp_loss)(p, x, y), state, p)
        return optim.apply_updates(p, u), state

    rng = np.random.default_rng(8)
    x, y = rng.normal(size=(16, 3)).astype(np.float32), rng.normal(size=(16, 2)).astype(
        np.float32)
    src = fg.jit(step).source(p, x, y, opt.init(p))
    shown, read = set(), set()
    for ln in src.splitlines():
        m = re.match(r"\s*# (.+?) = \S+ ?(.*)$", ln)
        if m:
            shown.update(d.split(":")[0] for d in m.group(1).split())
            read.update(a for a in m.group(2).split() if re.fullmatch(r"[a-z]+_?", a))
    params = set(re.search(r"def fn\((.*?)\)", src).group(1).replace(" ", "").split(","))
    assert "broadcast_in_dim" in src and read
    assert read <= shown | params, read - shown - params
