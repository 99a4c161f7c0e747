"""Compiled matrix products and OpenBLAS's thread count (``backend/blas.py``): small products
run on one thread, and the user's setting is left as it was, whatever it is."""
import ctypes

import numpy as np
import pytest

import funcgrad as fg
from funcgrad.backend import blas

pytestmark = pytest.mark.skipif(
    blas.NUMPY_GEMM is None,
    reason="this NumPy is not linked to its bundled OpenBLAS: compiled code then multiplies "
           "with Numba's fallback, which has no threads to set (test_kernels.py checks it)")


def threads():
    return ctypes.CFUNCTYPE(ctypes.c_int)(blas.NUMPY_GEMM["get"])()


def set_threads(n):
    ctypes.CFUNCTYPE(None, ctypes.c_int)(blas.NUMPY_GEMM["set"])(n)


@pytest.mark.parametrize("n", [1, 2, 3])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_products_leave_the_thread_count_as_set(n, dtype):
    rng = np.random.default_rng(n)
    f = fg.jit(lambda a, b: a @ b)
    old = threads()
    set_threads(n)
    try:
        # below and above THREADED_MIN_MNK: one thread for the first, OpenBLAS's for the second
        for m, k, p in [(32, 16, 8), (512, 512, 512)]:
            assert (m * k * p < blas.THREADED_MIN_MNK) == (m == 32)
            a, b = rng.normal(size=(m, k)).astype(dtype), rng.normal(size=(k, p)).astype(dtype)
            np.testing.assert_allclose(f(a, b), a.astype(np.float64) @ b.astype(np.float64),
                                       rtol=1e-3 if dtype == np.float32 else 1e-10,
                                       atol=1e-3 if dtype == np.float32 else 1e-10)
            assert threads() == n
    finally:
        set_threads(old)


def test_threadpoolctl_limits_are_kept():
    import threadpoolctl  # a dev dependency: the tool users set BLAS threads with
    f = fg.jit(lambda a, b: (a @ b).sum())
    a = np.ones((64, 32))
    with threadpoolctl.threadpool_limits(1):
        assert float(f(a, a.T)) == 64 * 64 * 32
        assert threads() == 1
