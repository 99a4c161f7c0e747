"""The row-argsort kernel (``kernels.argsort_rows_``: every ``argsort``, ``sort``, ``unique``,
quantile... under ``fg.jit``): its first compile for each dtype, with a new kernel cache, and
its speed beside NumPy's stable argsort.

    .venv/bin/python benchmarks/sorting.py

Printed: CPU seconds of each dtype's first compile (a new process, Numba already set up by
one small compile, so that only the kernel is counted), then milliseconds, best of 7, of the
kernel and of ``np.argsort(x, axis=-1, kind="stable")`` on a few shapes.
"""
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

COMPILE = """
import time, numpy as np, numba
from funcgrad.backend import kernels as K
numba.njit(lambda a: a + 1)(np.ones(2))
x = np.zeros((2, 3), np.{dtype})
t = time.process_time()
K.argsort_rows_(x, np.empty(x.shape, np.int64))
print(time.process_time() - t)
"""


def first_compile(dtype):
    with tempfile.TemporaryDirectory() as d:
        env = dict(os.environ, FUNCGRAD_KERNEL_CACHE_DIR=d)
        out = subprocess.run([sys.executable, "-c", COMPILE.format(dtype=dtype)], env=env,
                             capture_output=True, text=True, check=True).stdout
    return float(out)


def best_ms(f, runs=7):
    f()
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return 1e3 * min(times)


def main():
    from funcgrad.backend import kernels as K
    print("first compile of the kernel, CPU s:")
    for dtype in ("float64", "float32", "int64", "bool_", "complex128"):
        print(f"  {dtype:10s} {first_compile(dtype):6.2f}")
    rng = np.random.default_rng(0)
    cases = [("float64 1 x 1e6", rng.normal(size=(1, 10**6))),
             ("float32 1000 x 1000", rng.normal(size=(1000, 1000)).astype(np.float32)),
             ("int64 1 x 1e6 (ties)", rng.integers(0, 1000, (1, 10**6))),
             ("float64 10000 x 10", rng.normal(size=(10000, 10)))]
    print(f"{'ms, best of 7':24s} {'kernel':>8s} {'NumPy':>8s}")
    for name, x in cases:
        out = np.empty(x.shape, np.int64)
        k = best_ms(lambda: K.argsort_rows_(x, out))
        n = best_ms(lambda: np.argsort(x, axis=-1, kind="stable"))
        assert np.array_equal(out, np.argsort(x, axis=-1, kind="stable"))
        print(f"{name:24s} {k:8.2f} {n:8.2f}")


if __name__ == "__main__":
    main()
