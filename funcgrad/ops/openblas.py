"""NumPy's OpenBLAS: where it is, and one thread for the mid-sized matrix products that
funcgrad's NumPy code runs (eager calls, and the evaluator that answers a jitted function's
calls while its native code compiles).

A product of fewer than ``THREADED_MIN_MNK`` multiply-adds runs on the calling thread alone,
as in compiled code (``backend/blas.py``): on a machine whose cores are busy, OpenBLAS's second
thread waits for a core to be free, and the digits example's training step on the evaluator
took 80 ms instead of 3-4 ms at load 2 (benchmarks/RESULTS.md N). Products too small for OpenBLAS
to thread (it threads from ``OPENBLAS_SMALLEST``) and larger ones are left as they are. The
user's setting (``OPENBLAS_NUM_THREADS``, ``threadpoolctl``) is read at each product and never
exceeded. Where NumPy is not linked to its bundled OpenBLAS, products are NumPy's, untouched.
"""
import ctypes
import functools
import glob
import os
import threading

import numpy as np

THREADED_MIN_MNK = 1 << 27  # m * n * k: 512^3, ~2-5 ms on one core
OPENBLAS_SMALLEST = 1 << 18  # OpenBLAS computes m * n * k <= 65536 * 4 on one thread itself
GET_THREADS, SET_THREADS = "scipy_openblas_get_num_threads64_", "scipy_openblas_set_num_threads64_"


@functools.cache
def library():
    """NumPy's bundled OpenBLAS (64-bit integers, ``scipy_openblas`` symbols) as a
    ``ctypes.CDLL``, or None.

    >>> lib = library()
    >>> lib is None or lib.scipy_openblas_get_num_threads64_() >= 1
    True
    """
    libs = os.path.join(os.path.dirname(np.__file__), os.pardir, "numpy.libs")
    for path in sorted(glob.glob(os.path.join(libs, "*openblas64*"))):
        try:
            lib = ctypes.CDLL(path)
            getattr(lib, GET_THREADS), getattr(lib, SET_THREADS)
            return lib
        except (OSError, AttributeError):
            continue
    return None


_lock = threading.Lock()
_state = {"inside": 0, "saved": 1}  # products on one thread now, and the setting to restore


def _alone():
    lib = library()
    with _lock:
        if _state["inside"] == 0:
            _state["saved"] = lib.scipy_openblas_get_num_threads64_()
            if _state["saved"] > 1:
                lib.scipy_openblas_set_num_threads64_(1)
        _state["inside"] += 1


def _together():
    lib = library()
    with _lock:
        _state["inside"] -= 1
        if _state["inside"] == 0 and _state["saved"] > 1:
            lib.scipy_openblas_set_num_threads64_(_state["saved"])


def matmul(x, y):
    """``np.matmul(x, y)`` for ``x (..., m, k)`` and ``y (..., k, n)``, on one OpenBLAS thread
    when the product has between ``OPENBLAS_SMALLEST`` and ``THREADED_MIN_MNK`` multiply-adds.
    Several threads may call it at once: the thread count is restored when the last product
    of those running ends.

    >>> matmul(np.ones((300, 40), np.float32), np.ones((40, 50), np.float32))[0, :3]
    array([40., 40., 40.], dtype=float32)
    """
    if np.ndim(x) < 2 or np.ndim(y) < 2:
        return np.matmul(x, y)
    work = np.shape(x)[-2] * np.shape(x)[-1] * np.shape(y)[-1]  # of each product of a batch
    if not OPENBLAS_SMALLEST <= work < THREADED_MIN_MNK or library() is None:
        return np.matmul(x, y)
    _alone()
    try:
        return np.matmul(x, y)
    finally:
        _together()
