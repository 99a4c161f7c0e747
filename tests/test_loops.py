"""Fused loops compile to vector code: what LLVM made of a loop nest (its optimized IR), and the
loops' values at the sizes where their blocking changes (``funcgrad/backend/loops.py``)."""
import re

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.backend import cache


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


@pytest.mark.parametrize("n", [1, 7, 255, 256, 257, 1000])
def test_blocked_loops_are_right_at_every_size_around_a_block(n):
    x = np.random.default_rng(n).normal(size=n)
    v, g = fg.jit(fg.value_and_grad(lambda x: fnp.sum(fnp.tanh(x) * fnp.sin(x))))(x)
    assert v == pytest.approx(np.sum(np.tanh(x) * np.sin(x)), rel=1e-13, abs=1e-13)
    want = (1 - np.tanh(x) ** 2) * np.sin(x) + np.tanh(x) * np.cos(x)
    np.testing.assert_allclose(g, want, rtol=1e-13, atol=1e-15)
    m = np.random.default_rng(n).normal(size=(3, n))
    np.testing.assert_allclose(fg.jit(lambda m: fnp.max(fnp.exp(m) - m, axis=1))(m),
                               np.max(np.exp(m) - m, axis=1), rtol=1e-14)
