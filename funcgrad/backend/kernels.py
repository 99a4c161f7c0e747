"""Scalar math and row kernels that generated code calls (the ``name_`` functions).

Names match the ``scalar`` templates of the elementwise primitives and the helpers the emitters
in ``codegen`` use. Every function is ``njit(cache=True)``; LLVM inlines the scalar ones into
the fused loops.
"""
import math

import numpy as np
from numba import njit

jit = njit(cache=True, inline="always")


@jit
def exp_(x):
    return np.exp(x)


@jit
def log_(x):
    return np.log(x)


@jit
def tanh_(x):
    return np.tanh(x)


@jit
def sin_(x):
    return np.sin(x)


@jit
def cos_(x):
    return np.cos(x)


@jit
def tan_(x):
    return np.tan(x)


@jit
def sqrt_(x):
    return np.sqrt(x)


@jit
def log1p_(x):
    return np.log1p(x)


@jit
def expm1_(x):
    return np.expm1(x)


@jit
def asin_(x):
    return np.arcsin(x)


@jit
def acos_(x):
    return np.arccos(x)


@jit
def atan_(x):
    return np.arctan(x)


@jit
def sinh_(x):
    return np.sinh(x)


@jit
def cosh_(x):
    return np.cosh(x)


@jit
def asinh_(x):
    return np.arcsinh(x)


@jit
def acosh_(x):
    return np.arccosh(x)


@jit
def atanh_(x):
    return np.arctanh(x)


@jit
def atan2_(y, x):
    return np.arctan2(y, x)


@jit
def pow_(x, y):
    return x ** y


@jit
def max_(x, y):
    # NaN propagates, as in np.maximum
    return x if (x > y or x != x) else y


@jit
def min_(x, y):
    return x if (x < y or x != x) else y


@jit
def abs_(x):
    return abs(x)


@jit
def sign_(x):
    return np.sign(x)


@jit
def floor_(x):
    return np.floor(x)


@jit
def ceil_(x):
    return np.ceil(x)


@jit
def rint_(x):
    return np.rint(x)


@jit
def trunc_(x):
    return np.trunc(x)


@jit
def isnan_(x):
    return np.isnan(x)


@jit
def isinf_(x):
    return np.isinf(x)


@jit
def isfinite_(x):
    return np.isfinite(x)


@jit
def invert_(x):
    return ~x


@jit
def mod_(x, y):
    return np.mod(x, y)


@jit
def floordiv_(x, y):
    return np.floor_divide(x, y)


@jit
def logaddexp_(x, y):
    return np.logaddexp(x, y)


@jit
def logistic_(x):
    # exp of a non-positive number only, so no overflow for large |x|
    e = np.exp(-abs(x))
    return 1.0 / (1.0 + e) if x >= 0 else e / (1.0 + e)


_ = math

# --- row kernels: reductions and gathers over contiguous 2-D / 3-D views ----------------------

rowjit = njit(cache=True)


@rowjit
def reduce_sum_rows_(a, out):
    for i in range(a.shape[0]):
        t = out[i]
        for j in range(a.shape[1]):
            t += a[i, j]
        out[i] = t
    return out


@rowjit
def reduce_prod_rows_(a, out):
    for i in range(a.shape[0]):
        t = out[i]
        for j in range(a.shape[1]):
            t *= a[i, j]
        out[i] = t
    return out


@rowjit
def reduce_max_rows_(a, out):
    for i in range(a.shape[0]):
        t = a[i, 0]
        for j in range(1, a.shape[1]):
            v = a[i, j]
            if v > t or v != v:
                t = v
        out[i] = t
    return out


@rowjit
def reduce_min_rows_(a, out):
    for i in range(a.shape[0]):
        t = a[i, 0]
        for j in range(1, a.shape[1]):
            v = a[i, j]
            if v < t or v != v:
                t = v
        out[i] = t
    return out


@rowjit
def argmax_rows_(a, out):
    for i in range(a.shape[0]):
        k = 0
        t = a[i, 0]
        for j in range(1, a.shape[1]):
            v = a[i, j]
            if t != t:
                break
            if v > t or v != v:
                t, k = v, j
        out[i] = k
    return out


@rowjit
def argmin_rows_(a, out):
    for i in range(a.shape[0]):
        k = 0
        t = a[i, 0]
        for j in range(1, a.shape[1]):
            v = a[i, j]
            if t != t:
                break
            if v < t or v != v:
                t, k = v, j
        out[i] = k
    return out


@rowjit
def cumsum_rows_(a, out, reverse):
    n = a.shape[1]
    for i in range(a.shape[0]):
        t = out[i, 0] * 0
        for jj in range(n):
            j = n - 1 - jj if reverse else jj
            t += a[i, j]
            out[i, j] = t
    return out


@rowjit
def take_(x, idx, out):
    n = x.shape[1]
    for p in range(x.shape[0]):
        for m in range(idx.shape[0]):
            k = min(max(idx[m], 0), n - 1)
            for q in range(x.shape[2]):
                out[p, m, q] = x[p, k, q]
    return out


@rowjit
def scatter_add_(out, idx, upd):
    n = out.shape[1]
    for p in range(out.shape[0]):
        for m in range(idx.shape[0]):
            k = min(max(idx[m], 0), n - 1)
            for q in range(out.shape[2]):
                out[p, k, q] += upd[p, m, q]
    return out


@rowjit
def matmul_batched_(x, y, out):
    for b in range(x.shape[0]):
        out[b] = np.dot(x[b], y[b])
    return out
