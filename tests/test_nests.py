"""Loop nests outlined from generated functions (``outline``) and compiled straight to LLVM IR
(``nests``): the same values, bit for bit, as Numba's compile of the same function, and Numba's
compile where a nest holds what ``nests`` does not type."""
import ast
import glob
import inspect
import os
import warnings

import numpy as np
import pytest
from numba import njit

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.backend import nests
from funcgrad.backend.kernels import exp_, nonneg_, sum_add_  # noqa: F401 (the nests call them)
from funcgrad.backend.outline import outline
from funcgrad.backend.pieces import Function

HALF32 = np.float32(0.5)
rng = np.random.default_rng(0)


def _elementwise(n, m, a, b32, out, out32, flags):
    for i in range(n):
        for j in range(m):
            x = a[i, j]
            y = b32[i, j]
            big = x > 0.25
            small = (y < HALF32) or (x < -0.5)
            out[i, j] = max(exp_(x) if big and not small else min(x, 0.75, -x), -np.inf)
            out32[i, j] = y * HALF32 + np.float32(x)  # float32 arithmetic, float64 rounded
            flags[i, j] = np.int64(np.int64(j) * 3 - i) if big else max(i, j)


def _blocked_sum(n, a, total):
    for lo in range(0, n, 64):
        hi = min(lo + 64, n)
        part = 0.0
        for k in range(hi - lo):
            i = nonneg_(lo + k)
            part = sum_add_(part, a[i] * a[i])
        total = total + part
    return (total, )


def _complex(n, z, out, mag):
    for i in range(n):
        w = z[i]
        c = (w).conjugate() * w + complex(0.0, 1.0)
        out[i] = c
        mag[i] = np.absolute(w) + (c).real - (w).imag


def _indexing(n, a, out):
    for i in range(n):
        out[i] = a[i - n] + a[np.uint64(i)] * 2.0  # a negative index counts from the end


def _centred_rows(n, m, a, out):
    for i in range(n):
        s = 0.0
        for j in range(m):
            s = s + a[i, j]
        for j in range(m):  # reads a again, in a loop the first does not dominate
            out[i, j] = a[i, j] - s / m


def _partial_index(n, a, out):
    for i in range(n):
        row = a[i]  # a row: an array, which nests do not hold
        out[i] = row[0] + row[1]


def _called(py_func):
    """A Numba function calling ``py_func`` made a nest (a nest runs where compiled code calls
    it), taking the same arguments."""
    params = ", ".join(inspect.signature(py_func).parameters)
    scope = {"nested": nests.nest(py_func)}
    exec(f"def call({params}):\n    return nested({params})\n", scope)
    return njit(scope["call"])


call_elementwise = _called(_elementwise)
call_blocked_sum = _called(_blocked_sum)
call_complex = _called(_complex)
call_indexing = _called(_indexing)
call_centred_rows = _called(_centred_rows)
call_partial_index = _called(_partial_index)


def _both(nested, plain, *args):
    """The outputs (args written, and the result) of the nest and of Numba's compile of the
    same function, on copies of ``args``."""
    mine = [np.copy(x) if isinstance(x, np.ndarray) else x for x in args]
    ref = [np.copy(x) if isinstance(x, np.ndarray) else x for x in args]
    return (nested(*mine), mine), (njit(plain)(*ref), ref)


def _assert_same(nested, plain, *args):
    (r1, a1), (r2, a2) = _both(nested, plain, *args)
    assert r1 == r2
    for x, y in zip(a1, a2):
        np.testing.assert_array_equal(x, y, strict=True)


def test_elementwise_nest_computes_as_numba_does():
    a = rng.uniform(-1, 1, (5, 7))
    b32 = rng.uniform(-1, 1, (5, 7)).astype(np.float32)
    args = (5, 7, a, b32, np.zeros((5, 7)), np.zeros((5, 7), np.float32),
            np.zeros((5, 7), np.int64))
    _assert_same(call_elementwise, _elementwise, *args)
    before = sum(nests.fallbacks.values())
    call_elementwise(*args)
    assert sum(nests.fallbacks.values()) == before


def test_blocked_accumulator_is_passed_in_and_returned():
    a = rng.uniform(-1, 1, 1000)
    (total,) = call_blocked_sum(1000, a, 2.0)
    assert total == pytest.approx(2.0 + np.sum(a * a), rel=1e-14)
    _assert_same(call_blocked_sum, _blocked_sum, 1000, a, 2.0)
    assert call_blocked_sum(0, a, 2.0) == (2.0,)  # no iteration: the accumulator as given


def test_complex_methods_and_attributes():
    z = rng.normal(size=9) + 1j * rng.normal(size=9)
    _assert_same(call_complex, _complex, 9, z, np.zeros(9, complex), np.zeros(9))


def test_indices_wrap_as_numba_indexing_does_and_strided_arrays_read_right():
    a = rng.normal(size=12)
    out = np.zeros(6)
    call_indexing(6, a[::2], out)  # a strided view: its layout is 'A'
    np.testing.assert_array_equal(out, a[::2] + a[::2] * 2.0)
    _assert_same(call_indexing, _indexing, 6, a[::2], np.zeros(6))


def test_loops_one_after_another_inside_a_loop():
    a = rng.normal(size=(4, 6))
    out = np.zeros((4, 6))
    call_centred_rows(4, 6, a, out)
    np.testing.assert_allclose(out, a - a.mean(axis=1, keepdims=True), rtol=0, atol=1e-15)
    _assert_same(call_centred_rows, _centred_rows, 4, 6, a, np.zeros((4, 6)))


def test_a_nest_holding_what_nests_do_not_type_is_compiled_by_numba():
    before = sum(n for why, n in nests.fallbacks.items() if "index" in why)
    a = rng.normal(size=(4, 3))
    out = np.zeros(4)
    call_partial_index(4, a, out)
    np.testing.assert_array_equal(out, a[:, 0] + a[:, 1])
    assert sum(n for why, n in nests.fallbacks.items() if "index" in why) == before + 1


def _outlined(src):
    return [f.text for f in outline(Function("fn", src))]


def test_outline_passes_what_a_loop_reads_and_returns_what_later_code_reads():
    src = ("def fn(a, n, P):\n    p0 = P[0]\n    acc = 0.0\n    t = 1.0\n"
           "    for i in range(p0):\n        t = a[i] * 2.0\n        acc = acc + t\n"
           "        u = exp_(t)\n    v = acc + u\n    for i in range(n):\n        a[i] = v\n"
           "    return (v, )\n")
    first, second, main = _outlined(src)
    assert first.startswith("@nest\ndef fn_nest1(p0, a, acc):\n")  # not t: written first
    assert first.endswith("    return (acc, u, )\n")  # t is not read after the loop
    assert second.startswith("@nest\ndef fn_nest2(n, v, a):\n") and "return" not in second
    assert "    (acc, u, ) = fn_nest1(p0, a, acc)\n" in main
    assert "    fn_nest2(n, v, a)\n" in main and "for " not in main
    ast.parse("\n".join(_outlined(src)).replace("@nest\n", ""))  # valid Python


def test_outline_leaves_loops_that_return_and_functions_that_run_in_python():
    src = "def fn(a, n):\n    for i in range(n):\n        return a[i]\n    return 0.0\n"
    assert _outlined(src) == [src]
    chain = Function("fn", "def fn(a):\n    for i in range(3):\n        a = g(a)\n",
                     native=False)
    assert outline(chain) == [chain]


def test_generated_modules_compile_their_loops_as_nests(private_cache):
    def loss(w, x):
        return fnp.sum(fnp.tanh(x @ w) ** 2) + 1e-3 * fnp.sum(w * w)

    step = fg.jit(fg.value_and_grad(loss))
    w, x = rng.normal(size=(3, 2)), rng.normal(size=(8, 3))
    before = sum(nests.fallbacks.values())
    value, grad = step(w, x)
    assert sum(nests.fallbacks.values()) == before
    text = "".join(open(p).read() for p in glob.glob(os.path.join(private_cache, "*", "fg_*.py")))
    assert text.count("@nest\ndef fn_nest") >= 2
    np.testing.assert_allclose(value, loss(w, x), rtol=1e-13)
    eps, e = 1e-6, np.zeros_like(w)
    e[1, 0] = 1.0
    fd = (loss(w + eps * e, x) - loss(w - eps * e, x)) / (2 * eps)
    assert grad[1, 0] == pytest.approx(fd, rel=1e-6)


def test_nests_compile_when_the_module_file_went_after_its_import(private_cache, monkeypatch):
    """A nest's source is read when Numba first types it; another process may have evicted the
    module's file from the disk cache by then. The text the module ran from is kept."""
    from funcgrad.backend import compile as fg_compile

    real = fg_compile._import

    def import_then_lose_the_file(modname, path, *rest):
        fn = real(modname, path, *rest)
        os.remove(path)
        return fn

    monkeypatch.setattr(fg_compile, "_import", import_then_lose_the_file)
    f = fg.jit(lambda x: fnp.sum(fnp.exp(x) * 2.0 - x))
    x = np.linspace(0.0, 1.0, 5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Numba cannot write its cache beside a missing file
        assert f(x) == pytest.approx(np.sum(np.exp(x) * 2.0 - x), rel=1e-13)
