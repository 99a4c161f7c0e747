"""Matrix products in compiled code through NumPy's own BLAS.

Numba's ``np.dot`` calls the BLAS that SciPy bundles. With the PyPI wheels here that is an
older OpenBLAS than NumPy's, and on this machine (Zen 5) its single-threaded sgemm is half
as fast: a (128, 256) @ (256, 256) float32 product takes 163 µs in Numba against 93 µs in
``np.dot`` (``benchmarks/RESULTS.md``). So compiled code calls the CBLAS ``gemm`` that NumPy's
wheel exports (``scipy_cblas_sgemm64_`` in ``numpy.libs``, 64-bit integers) when it is there.

Threads: a product with ``m * n * k`` below ``THREADED_MIN_MNK`` runs on the calling thread
alone (the compiled code sets OpenBLAS to one thread around it and back to what it was). On a
machine whose cores are busy, OpenBLAS's second thread waits for a core to be free, and a
(128, 256) @ (256, 256) product that takes 0.15 ms on one thread took 16 ms (median) with two
(``benchmarks/RESULTS.md`` H); a small product gains little from threads even on an idle machine.
Larger products use as many threads as OpenBLAS is set to. The user's setting
(``OPENBLAS_NUM_THREADS``, ``threadpoolctl.threadpool_limits``) is read at each product and is
never exceeded: one thread set there means one thread here for every product.

Compiled code refers to the routines by symbol names registered with LLVM here, at import,
never by address, so Numba's disk cache stays valid in a new process. Where NumPy's library is
not found (a NumPy linked to Accelerate or MKL), the names point at fallbacks compiled with
Numba that compute the same product with Numba's ``np.dot`` (and say "one thread": then the
thread count is left alone).
"""
import ctypes

import llvmlite.binding as llvm
import numpy as np
from llvmlite import ir
from numba import carray, cfunc, types
from numba.core import cgutils
from numba.extending import intrinsic

from ..ops import openblas

ROW_MAJOR, NO_TRANS, TRANS = 101, 111, 112
SYMBOLS = {"f": "funcgrad_cblas_sgemm", "d": "funcgrad_cblas_dgemm"}
NUMPY_NAMES = {"f": "scipy_cblas_sgemm64_", "d": "scipy_cblas_dgemm64_"}
THREADS_SYMBOLS = {"get": "funcgrad_blas_get_threads", "set": "funcgrad_blas_set_threads"}
NUMPY_THREADS_NAMES = {"get": openblas.GET_THREADS, "set": openblas.SET_THREADS}
THREADED_MIN_MNK = openblas.THREADED_MIN_MNK  # the same rule as NumPy's products in funcgrad


def _numpy_gemm():
    """Addresses of NumPy's CBLAS sgemm/dgemm (ILP64) and of its OpenBLAS's thread-count
    getter and setter, or None."""
    lib = openblas.library()
    if lib is None:
        return None
    try:
        return {k: ctypes.cast(getattr(lib, name), ctypes.c_void_p).value
                for k, name in {**NUMPY_NAMES, **NUMPY_THREADS_NAMES}.items()}
    except AttributeError:
        return None


def _fallback(ftype):
    """A C-callable gemm with CBLAS's signature (row major, alpha 1, beta 0: what ``gemm_``
    passes) computed with Numba's ``np.dot``."""
    f = types.float32 if ftype == "f" else types.float64
    ptr, i32, i64 = types.CPointer(f), types.int32, types.int64
    sig = types.void(i32, i32, i32, i64, i64, i64, f, ptr, i64, ptr, i64, f, ptr, i64)

    def gemm(order, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc):
        if ta == TRANS:
            A = np.ascontiguousarray(carray(a, (k, lda))[:, :m].T)
        else:
            A = np.ascontiguousarray(carray(a, (m, lda))[:, :k])
        if tb == TRANS:
            B = np.ascontiguousarray(carray(b, (n, ldb))[:, :k].T)
        else:
            B = np.ascontiguousarray(carray(b, (k, ldb))[:, :n])
        C = carray(c, (m, ldc))
        R = np.dot(A, B)
        for i in range(m):
            for j in range(n):
                C[i, j] = R[i, j]
    gemm.__name__ = gemm.__qualname__ = f"{ftype}gemm_fallback"
    return cfunc(sig, cache=True)(gemm)


def _threads_fallback(kind):
    """Stand-ins for OpenBLAS's thread-count getter (always one thread) and setter (nothing)."""
    if kind == "get":
        return cfunc(types.int32(), cache=True)(lambda: 1)
    return cfunc(types.void(types.int32), cache=True)(lambda n: None)


NUMPY_GEMM = _numpy_gemm()
FALLBACKS = {}
for _k, _sym in {**SYMBOLS, **THREADS_SYMBOLS}.items():
    if NUMPY_GEMM is not None:
        llvm.add_symbol(_sym, NUMPY_GEMM[_k])
    else:
        FALLBACKS[_k] = _fallback(_k) if _k in SYMBOLS else _threads_fallback(_k)
        llvm.add_symbol(_sym, FALLBACKS[_k].address)


@intrinsic
def _gemm(typingctx, ta, tb, m, n, k, a, lda, b, ldb, c, ldc):
    """``c = op(a) @ op(b)`` (row major) for float32/float64 arrays ``a``, ``b``, ``c``, on
    one thread if ``m * n * k < THREADED_MIN_MNK`` (see the module's docstring)."""
    dt = a.dtype
    if not (isinstance(a, types.Array) and dt in (types.float32, types.float64)):
        return None
    sig = types.void(ta, tb, m, n, k, a, lda, b, ldb, c, ldc)

    def codegen(context, builder, signature, args):
        fl = ir.FloatType() if dt == types.float32 else ir.DoubleType()
        i32, i64, p = ir.IntType(32), ir.IntType(64), fl.as_pointer()
        fnty = ir.FunctionType(ir.VoidType(), [i32, i32, i32, i64, i64, i64, fl, p, i64, p,
                                               i64, fl, p, i64])
        name = SYMBOLS["f" if dt == types.float32 else "d"]
        fn = cgutils.get_or_insert_function(builder.module, fnty, name)
        vta, vtb, vm, vn, vk, va, vlda, vb, vldb, vc, vldc = args

        def data(arr, aty):
            return builder.bitcast(context.make_array(aty)(context, builder, arr).data, p)

        def as64(v, ty):
            return context.cast(builder, v, ty, types.int64)

        tys = signature.args
        get = cgutils.get_or_insert_function(builder.module, ir.FunctionType(i32, []),
                                             THREADS_SYMBOLS["get"])
        put = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(ir.VoidType(), [i32]), THREADS_SYMBOLS["set"])
        mnk = builder.mul(builder.mul(as64(vm, tys[2]), as64(vn, tys[3])), as64(vk, tys[4]))
        threads = builder.call(get, [])
        alone = builder.and_(builder.icmp_signed("<", mnk, ir.Constant(i64, THREADED_MIN_MNK)),
                             builder.icmp_signed(">", threads, ir.Constant(i32, 1)))
        with builder.if_then(alone):
            builder.call(put, [ir.Constant(i32, 1)])
        builder.call(fn, [ir.Constant(i32, ROW_MAJOR),
                          builder.trunc(as64(vta, tys[0]), i32),
                          builder.trunc(as64(vtb, tys[1]), i32),
                          as64(vm, tys[2]), as64(vn, tys[3]), as64(vk, tys[4]),
                          ir.Constant(fl, 1.0), data(va, tys[5]), as64(vlda, tys[6]),
                          data(vb, tys[7]), as64(vldb, tys[8]), ir.Constant(fl, 0.0),
                          data(vc, tys[9]), as64(vldc, tys[10])])
        with builder.if_then(alone):
            builder.call(put, [threads])
        return context.get_dummy_value()
    return sig, codegen
