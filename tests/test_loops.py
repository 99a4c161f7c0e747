"""Fused loops compile to vector code: what LLVM made of a loop nest (its optimized IR), and the
loops' values at the sizes where their blocking changes (``funcgrad/backend/loops.py``)."""
import re
import warnings

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.backend import cache, kernels, loops


def _llvm_of(f, *args):
    """The optimized LLVM IR of the compiled function that ``f``'s first call compiled."""
    before = set(cache.memory.keys())
    f(*args)
    (fn,) = [cache.memory[k] for k in cache.memory.keys() if k not in before]
    return fn.inspect_llvm(fn.signatures[0])


def test_a_loop_with_a_sum_over_its_innermost_axis_loads_and_stores_whole_vectors(
        private_cache):
    # the sum blocks the loop (loops.BLOCK): its index counts from the block's start, which
    # Numba's wraparound for negative indices turned into gathers and scatters per element
    f = fg.jit(fg.value_and_grad(lambda x: fnp.sum(fnp.tanh(x) * x)))
    ir = _llvm_of(f, np.linspace(-1.0, 1.0, 1000))
    assert "x double>" in ir  # vectorized
    assert "llvm.masked.gather" not in ir and "llvm.masked.scatter" not in ir
    assert not re.search(r"getelementptr[^\n]*<\d+ x ptr>", ir)  # no vector of addresses


def test_concatenate_and_pad_store_whole_vectors_at_their_offsets(private_cache):
    # each part is copied at an offset: told non-negative (kernels.nonneg_), else Numba's
    # wraparound for negative indices made every store a scatter
    f = fg.jit(lambda a, b: (fnp.concatenate([a, b]), fnp.pad(a, 3)))
    a, b = np.arange(100.0), np.arange(50.0)
    ir = _llvm_of(f, a, b)
    got = f(a, b)
    np.testing.assert_array_equal(got[0], np.concatenate([a, b]))
    np.testing.assert_array_equal(got[1], np.pad(a, 3))
    assert re.search(r"store <\d+ x double>", ir)
    assert "llvm.masked.scatter" not in ir and not re.search(r"getelementptr[^\n]*<\d+ x ptr>", ir)


def test_a_sum_over_the_innermost_axis_is_vectorized_partial_sums_without_a_buffer(
        private_cache):
    # a sum of real floats keeps a partial sum per block whose additions LLVM may reassociate
    # (kernels.sum_add_), a max or min a partial IEEE maximum or minimum (kernels.max_fold_):
    # LLVM vectorizes them; products still fill a buffer
    f = fg.jit(lambda x: fnp.sum(fnp.tanh(x) * x))
    src = f.source(np.ones(1000))
    assert "sum_add_(" in src and "sum_block_(" not in src and "empty_(256" not in src
    assert re.search(r"fadd reassoc[^\n]*<\d+ x double>", _llvm_of(f, np.ones(1000)))
    g = fg.jit(lambda x: (fnp.max(x), fnp.min(x, axis=1)))
    src = g.source(np.ones((3, 1000), np.float32))
    assert "max_fold_(" in src and "min_fold_(" in src and "empty_(256" not in src
    ir = _llvm_of(g, np.ones((3, 1000), np.float32))
    assert re.search(r"llvm\.maximum\.v\d+f32", ir) and re.search(r"llvm\.minimum\.v\d+f32", ir)
    g = fg.jit(lambda x: (fnp.sum(x), fnp.prod(x)))
    src = g.source(np.ones(1000))
    assert "sum_add_(" in src and "prod_block_(" in src
    ints = fg.jit(lambda x: (fnp.sum(x), fnp.max(x), fnp.any(x > 3)))
    assert "empty_(256" not in ints.source(np.ones(1000, np.int64))  # integers and booleans
    # a max of values masked by its identity keeps the buffer: LLVM folds the select into the
    # chain as a condition, and then leaves llvm.maximum's chain scalar (10x slower)
    masked = fg.jit(lambda x: fnp.max(fnp.where(x > 0, x, -fnp.inf)))
    assert "max_block_(" in masked.source(np.ones(1000))
    masked = fg.jit(lambda x: fnp.max(fnp.where(x > 0, x, -fnp.inf) * 2.0))  # further back
    assert "max_block_(" in masked.source(np.ones(1000))
    c = fg.jit(lambda x: fnp.sum(x * x))
    assert "sum_block_(" in c.source(np.ones(10, complex))  # complex sums keep the buffer


SIZES = sorted({1, 7, loops.BLOCK - 1, loops.BLOCK, loops.BLOCK + 1, 1000,
                loops.PARTIAL_BLOCK - 1, loops.PARTIAL_BLOCK, loops.PARTIAL_BLOCK + 1,
                2 * loops.PARTIAL_BLOCK + 3})


@pytest.mark.parametrize("n", SIZES)
def test_blocked_loops_are_right_at_every_size_around_a_block(n):
    x = np.random.default_rng(n).normal(size=n)
    v, g = fg.jit(fg.value_and_grad(lambda x: fnp.sum(fnp.tanh(x) * fnp.sin(x))))(x)
    assert v == pytest.approx(np.sum(np.tanh(x) * np.sin(x)), rel=1e-13, abs=1e-13)
    want = (1 - np.tanh(x) ** 2) * np.sin(x) + np.tanh(x) * np.cos(x)
    np.testing.assert_allclose(g, want, rtol=1e-13, atol=1e-15)
    m = np.random.default_rng(n).normal(size=(3, n))
    np.testing.assert_allclose(fg.jit(lambda m: fnp.max(fnp.exp(m) - m, axis=1))(m),
                               np.max(np.exp(m) - m, axis=1), rtol=1e-14)
    # a sum and a max beside a buffered reduction (blocks of BLOCK), and float32 partial sums
    s, mx, pr = fg.jit(lambda m: (fnp.sum(m * m, axis=1), fnp.max(m, axis=1),
                                  fnp.prod(1.0 + 1e-3 * m, axis=1)))(m)
    np.testing.assert_allclose(s, np.sum(m * m, axis=1), rtol=1e-13)
    np.testing.assert_array_equal(mx, np.max(m, axis=1))
    np.testing.assert_allclose(pr, np.prod(1.0 + 1e-3 * m, axis=1), rtol=1e-12)
    m32 = m.astype(np.float32)
    s32 = fg.jit(lambda m: fnp.sum(m, axis=1))(m32)
    assert s32.dtype == np.float32
    exact = np.sum(m32.astype(np.float64), axis=1)
    np.testing.assert_allclose(s32, exact, rtol=0, atol=1e-6 * np.sum(np.abs(m32), axis=1).max())


def test_a_float32_sum_accumulates_its_blocks_in_float64():
    # the blocks' partial sums are float32 (vectorized at full width); the accumulator they
    # join is float64, so a long sum rounds about as NumPy's pairwise sum does: 6.5e-9 and
    # 4.7e-8 relative error here (a float32 accumulator: 1.2e-7 and 1.5e-7; a float32 result
    # alone may be 6e-8 off, half its last place)
    x = (np.random.default_rng(0).random(1_000_000) + 0.5).astype(np.float32)
    exact = np.sum(x.astype(np.longdouble))
    total, rows = fg.jit(lambda x: (fnp.sum(x), fnp.sum(x.reshape(10, -1), axis=1)))(x)
    assert total.dtype == np.float32 and rows.dtype == np.float32
    assert abs(float(total) - exact) / exact < 8e-8
    want = np.sum(x.reshape(10, -1).astype(np.longdouble), axis=1)
    assert np.max(np.abs(rows - want) / want) < 8e-8


def _extrema_inputs(n, dtype):
    """Arrays of ``n`` values that the arg-extremum kernels treat apart: NaNs early, late and
    in a later block, ties within a block and across blocks, every block beating the last,
    infinities only, and zeros of both signs."""
    rng = np.random.default_rng(n)
    base = rng.normal(size=n) * 100
    cases = [base, np.arange(n, dtype=float), -np.arange(n, dtype=float), np.full(n, -np.inf),
             np.full(n, np.inf), np.where(rng.random(n) < 0.5, -0.0, 0.0)]
    tie = base.copy()
    tie[[n // 3, n - 1]] = 1e6
    cases.append(tie)
    if np.dtype(dtype).kind == "f":
        for at in {0, n // 2, n - 1}:
            nan = base.copy()
            nan[at] = np.nan
            nan[n - 1] = np.nan
            cases.append(nan)
    return [c.astype(dtype) for c in cases]


EXTREMA_SIZES = [1, 2, 9, 4097, 2 * kernels.ARG_BLOCK + 5]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_max_min_and_their_indices_are_numpys_at_every_block_boundary(dtype):
    # the max and min keep vectorized partial results (kernels.max_fold_), the indices find
    # each block's extremum first (kernels.argmax_); a NaN is the max, min and its index
    f = fg.jit(lambda x: (fnp.max(x), fnp.min(x), fnp.argmax(x), fnp.argmin(x)))
    cols = fg.jit(lambda m: (fnp.argmax(m, axis=0), fnp.argmin(m, axis=0),
                             fnp.max(m, axis=1), fnp.argmin(m, axis=1)))
    for n in EXTREMA_SIZES:
        for x in _extrema_inputs(n, dtype):
            got = f(x)
            for g, want in zip(got, (np.max(x), np.min(x), np.argmax(x), np.argmin(x))):
                np.testing.assert_array_equal(g, want, err_msg=f"n={n} x={x[:6]}...")
            m = np.stack([x, x[::-1], np.roll(x, n // 2)], axis=1)  # (n, 3): columns
            for g, want in zip(cols(m), (np.argmax(m, 0), np.argmin(m, 0), np.max(m, 1),
                                         np.argmin(m, 1))):
                np.testing.assert_array_equal(g, want, err_msg=f"n={n} m={m[:2]}...")
    zeros = np.array([-0.0, 0.0, -0.0] * 700, dtype)  # IEEE maximum: -0 < +0
    mx, mn, _, _ = f(zeros)
    assert not np.signbit(mx) and np.signbit(mn)


@pytest.mark.parametrize("dtype", [np.int64, np.int8, np.uint8, np.bool_])
def test_integer_and_boolean_reductions_are_numpys(dtype):
    # vectorized partial results (integer max, sums, any and all), and the arg-extrema
    f = fg.jit(lambda x: (fnp.argmax(x), fnp.argmin(x), fnp.max(x), fnp.min(x), fnp.sum(x),
                          fnp.any(x), fnp.all(x)))
    for n in EXTREMA_SIZES:
        for x in _extrema_inputs(n, np.float64)[:3]:
            x = (x > 0) if dtype is np.bool_ else np.clip(x, -128, 127).astype(dtype)
            want = (np.argmax(x), np.argmin(x), np.max(x), np.min(x), np.sum(x), np.any(x),
                    np.all(x))
            got = f(x)
            assert got == want and [np.asarray(g).dtype for g in got] == [
                np.asarray(w).dtype for w in want], (n, x[:6], got, want)


def test_masked_and_nan_ignoring_maxima_are_numpys():
    f = fg.jit(lambda x: (fnp.nanmax(x), fnp.nanmin(x), fnp.max(fnp.where(x > 0, x, -fnp.inf)),
                          fnp.max(fnp.exp(x) - x), fnp.sum(x), fnp.any(x > 3.0),
                          fnp.min(2.0 * fnp.where(x < 0, x, fnp.inf))))
    for n in EXTREMA_SIZES:
        for x in _extrema_inputs(n, np.float64):
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore")  # NumPy's: all-NaN slices, exp overflowing
                want = (np.nanmax(x), np.nanmin(x), np.max(np.where(x > 0, x, -np.inf)),
                        np.max(np.exp(x) - x), np.sum(x), np.any(x > 3.0),
                        np.min(2.0 * np.where(x < 0, x, np.inf)))
                got = f(x)
            np.testing.assert_allclose(got, want, rtol=1e-13, err_msg=f"n={n} x={x[:6]}")
