"""Functions that generated code calls (the names ending in ``_``).

Lowering records name them through ``funcgrad/ops/kernel_names.py``, which declares each one
without importing Numba; this module checks, when imported, that it defines every one declared.

Transcendentals: Numba lowers ``np.exp`` & co. to scalar libm calls, which LLVM cannot vectorize
(the PyPI llvmlite has no SVML), so a fused loop calling them runs one element at a time. The
kernels below are written in plain arithmetic, integer bit operations and selects, with no calls
and no branches, so LLVM inlines them and vectorizes the loop around them: range reduction
(``x = k ln2 + r``, ``x = 2^e m``, ``x = k pi/2 + r``), a polynomial on the reduced argument
(minimax fits for double precision, ``tools/fit_polynomials.py``), and reconstruction through
the exponent bits (``vscalefpd`` on AVX-512, through LLVM's ldexp). Special values (inf, nan, 0,
subnormals, overflow) are handled by selects at the end. The loops calling these run about as
fast as their chain of dependent operations lets the CPU overlap iterations, so a select at the
start of that chain costs more than its one operation.
Accuracy: within a few ulp of NumPy over the whole float range (tests/test_kernels.py). float32
arguments are computed in float64 and rounded once by the caller. ``sin_fast_``, ``cos_fast_``
and ``tan_fast_`` are valid for |x| <= ``TRIG_FAST_LIMIT`` (``sin_``, ``cos_`` and ``tan_`` fall
back to libm beyond it), and ``log_fast_`` for all but positive subnormals (which ``log_``
lifts by a select). Loops of generated code call the fast forms and check their arguments; if
some argument was beyond the fast form's range, the call raises ``BeyondFastRange`` and the
NumPy evaluator answers it. The exact forms serve single values (no loop).
"""
import math
import re
import threading

import llvmlite.binding as ll
import llvmlite.ir as lir
import numpy as np
from numba import njit, types
from numba.extending import get_cython_function_address, intrinsic, overload

from ..ops import kernel_names as K
from ..ops.kernel_names import declared as _declared
from . import cache, target

target.configure()  # the vector width, before Numba compiles or loads anything (blas.py too)
cache.install_kernel_locator()  # before any kernel is defined (blas.py's too)
from . import blas  # noqa: E402

# "contract": LLVM may fuse a product and a sum into one fused multiply-add (one rounding, not
# two) where the CPU has FMA. The polynomials and range reductions below are chains of them:
# W3's loop ran 1.5x faster, and every kernel stays within its accuracy (the error-free
# splits multiply by constants short enough that the products are exact either way).
jit = njit(cache=True, error_model="numpy", fastmath={"contract"})
# The scalar math kernels: a loop of generated code vectorizes only if LLVM inlines them into
# it, and LLVM's inliner gives up on a function past a size threshold (sin_fast_ with a faster
# polynomial was one), so they are marked always-inline (one function each, compiled once).
inlined = njit(cache=True, error_model="numpy", fastmath={"contract"}, forceinline=True)
# Helpers of the kernels are inlined into them by Numba, so each kernel is one flat function.
helper = njit(cache=True, inline="always", error_model="numpy", fastmath={"contract"})


class BeyondFastRange(Exception):
    """Raised by generated code after a loop whose fast kernels met an argument beyond their
    range (``sin_fast_``'s |x| > ``TRIG_FAST_LIMIT``, ``log_fast_``'s positive subnormals);
    the runner then answers that call with the NumPy evaluator."""


# --- bit casts (free in machine code; LLVM vectorizes them) -----------------------------------

@intrinsic
def _bits(typingctx, x):
    """The bits of a float64 as an int64, or of a float32 as an int32."""
    sig = (types.int32 if x == types.float32 else types.int64)(x)

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], context.get_value_type(signature.return_type))
    return sig, codegen


@intrinsic
def _from_bits(typingctx, i):
    sig = types.float64(types.int64)

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], context.get_value_type(types.float64))
    return sig, codegen


def nonneg_(i):
    """``i``, an integer the caller knows is not negative; compiled, LLVM is told so
    (``llvm.assume``). Numba maps a negative index to ``i + n``; unless LLVM can prove an index
    is not negative (it can for ``range(n)``, not for ``range(lo, hi)``), that select per
    element makes a vectorized loop gather its loads and scatter its stores."""
    return i


@intrinsic
def _assume_nonneg(typingctx, i):
    sig = i(i)

    def codegen(context, builder, signature, args):
        assume = builder.module.declare_intrinsic(
            "llvm.assume", fnty=lir.FunctionType(lir.VoidType(), [lir.IntType(1)]))
        builder.call(assume, [builder.icmp_signed(">=", args[0], args[0].type(0))])
        return args[0]
    return sig, codegen


@overload(nonneg_, inline="always")
def _nonneg_impl(i):
    if isinstance(i, types.Integer) and i.signed:
        return lambda i: _assume_nonneg(i)


# an overload Numba inlines into its IR has no implementation a loop nest (``nests``) can call
nonneg_.nest_lowering = _assume_nonneg


# --- exp, expm1 -------------------------------------------------------------------------------

LOG2E = 1.4426950408889634
LN2 = 0.6931471805599453
LN2_HI = 6.93147180369123816490e-01  # 32 significant bits: k * LN2_HI is exact for |k| < 2^21
LN2_LO = 1.90821492927058770002e-10
SHIFTER = 6755399441055744.0  # 1.5 * 2^52: adding it rounds to an integer in the low bits


# e^r - 1 - r = r^2 (E0 + E1 r + ... + E10 r^10) for |r| <= ln2/2 (``_expm1_tail``)
E0, E1, E2, E3 = 0.5, 0.16666666666666677, 0.04166666666666651, 0.008333333333321691
E4, E5, E6 = 0.0013888888888962366, 0.00019841269885964677, 2.4801587172545183e-05
E7, E8, E9 = 2.7557244375693215e-06, 2.755740263853493e-07, 2.5108978280295623e-08
E10 = 2.0875330801289523e-09


@helper
def _expm1_tail(r):
    """e^r - 1 - r for |r| <= ln2/2: r^2 P(r), P of degree 10 fitted minimax to the result's
    relative error (2^-59.9; Taylor needs degree 12 for 2^-59.2), tools/fit_polynomials.py.
    In Estrin's form, in powers r^2, r^4, r^8: a chain of 5 fused operations instead of
    Horner's 11, and a loop of these runs as fast as the chain lets the CPU overlap
    iterations."""
    r2 = r * r
    r4 = r2 * r2
    q03 = (E0 + r * E1) + r2 * (E2 + r * E3)
    q47 = (E4 + r * E5) + r2 * (E6 + r * E7)
    q8a = (E8 + r * E9) + r2 * E10
    return r2 * ((q03 + r4 * q47) + (r4 * r4) * q8a)


@helper
def _reduce_ln2(xc):
    """k, r, c with xc = k ln2 + r + c (c the rounding error of r)."""
    t = xc * LOG2E + SHIFTER
    k = np.int64((_bits(t) << 44) >> 44)  # the integer in t's low bits, sign-extended
    kf = t - SHIFTER
    hi = xc - kf * LN2_HI
    lo = kf * LN2_LO
    r = hi - lo
    c = (hi - r) - lo
    return k, r, c


@intrinsic
def _ldexp(typingctx, x, k):
    """x 2^k, rounded once in x's precision (LLVM's ldexp: one ``vscalefpd`` or ``vscalefps``
    per vector on AVX-512)."""
    sig = x(x, types.int64)

    def codegen(context, builder, signature, args):
        i32, fp = lir.IntType(32), context.get_value_type(signature.return_type)
        fn = builder.module.declare_intrinsic("llvm.ldexp", [fp, i32],
                                              fnty=lir.FunctionType(fp, [fp, i32]))
        return builder.call(fn, [args[0], builder.trunc(args[1], i32)])
    return sig, codegen


if target.has_avx512():
    @helper
    def _times_2k(p, k):
        """p 2^k for 1/2 < p < 2 and -1080 < k < 1030: subnormal or infinite as it rounds."""
        return _ldexp(p, k)
else:  # elsewhere LLVM expands ldexp into scalar code, which stops the loop vectorizing
    @helper
    def _times_2k(p, k):
        """p 2^k for 1/2 < p < 2 and -1080 < k < 1030: subnormal or infinite as it rounds."""
        k1 = k >> 1  # two factors, so that 2^k may be subnormal or 2^1024 without overflow
        return p * _from_bits((k1 + 1023) << 52) * _from_bits((k - k1 + 1023) << 52)


@inlined
def exp_(x):
    x = np.float64(x)
    xc = min(max(x, -746.0), 710.0)
    k, r, c = _reduce_ln2(xc)
    em1 = r + _expm1_tail(r)
    p = 1.0 + (em1 + c * (1.0 + em1))
    res = _times_2k(p, k)
    return res if x == x else x


@helper
def _expm1_finite(xc):
    """e^xc - 1 for -40 <= xc <= 710, for ``tanh_``: no special values, and 5 operations
    fewer than ``expm1_`` for up to 1.8 ulp instead of 1 where k = +-1 (0.35 < |xc| < 0.45)."""
    k, r, c = _reduce_ln2(xc)
    em1 = r + _expm1_tail(r)
    em1 = em1 + c * (1.0 + em1)
    # e^x - 1 = 2 * (2^(k-1) em1 + (2^(k-1) - 1/2)): no overflow before the end
    h = _from_bits((k - 1 + 1023) << 52)
    res = 2.0 * (h * em1 + (h - 0.5))
    return em1 if k == 0 else res


@inlined
def expm1_(x):
    x = np.float64(x)
    k, r, c = _reduce_ln2(min(max(x, -40.0), 710.0))
    q = _expm1_tail(r) + c * (1.0 + r)  # e^(r + c) - 1 = r + q
    # e^x - 1 = 2 (a + b + h q) with h = 2^(k-1), a = h - 1/2 and b = h r summed exactly
    # (Fast2Sum: |a| >= |b| when k != 0): rounding a + b, doubled, would reach the result
    # when k = +-1, as in _expm1_finite
    h = _from_bits((k - 1 + 1023) << 52)
    a = h - 0.5
    b = h * r
    s = a + b
    res = 2.0 * (s + ((b - (s - a)) + h * q))
    res = r + q if k == 0 else res
    return res if (x == x) & (x != 0.0) else x  # nan, and expm1(-0.0) is -0.0


# --- log, log1p -------------------------------------------------------------------------------

MANT_MASK = (1 << 52) - 1
SQRT_HALF_BITS = 0x3FE6A09E667F3BCD  # sqrt(1/2)
SHIFTER_BITS = 0x4338000000000000  # SHIFTER's
HALF_TINY = 1.1125369292536007e-308  # 2^-1023, half the least normal float64


@helper
def _log_parts(x):
    """e, f with x = 2^e (1 + f), sqrt(1/2) <= 1 + f < sqrt(2), for normal x > 0 (e a float).
    Subtracting sqrt(1/2)'s bits from x's moves the exponent's boundary to sqrt(1/2), so one
    shift and one mask split x with no compare or select; e converts through the bits of
    1.5 2^52 + e (an integer add, no int-to-float conversion)."""
    t = _bits(x) - SQRT_HALF_BITS
    e = _from_bits((t >> 52) + SHIFTER_BITS) - SHIFTER
    m = _from_bits((t & MANT_MASK) + SQRT_HALF_BITS)
    return e, m - 1.0


@helper
def _log1p_reduced(f):
    """log(1 + f) for sqrt(1/2) - 1 <= f < sqrt(2) - 1, as ``f - (hfsq - s (hfsq + R))``:
    with s = f / (2 + f), log(1 + f) = 2 atanh(s) = 2s + s R(s^2). R(z) = z Q(z), Q of degree
    6 fitted minimax to the result's relative error (2^-59.4, where atanh's Taylor series
    needs degree 11), tools/fit_polynomials.py; Estrin's form, as in ``_expm1_tail``."""
    s = f / (2.0 + f)
    z = s * s
    z2 = z * z
    q03 = ((0.6666666666666735 + z * 0.3999999999940867)
           + z2 * (0.28571428743894006 + z * 0.22222198402168059))
    q46 = (0.18183574021972349 + z * 0.15313782820642607) + z2 * 0.1479881663920252
    R = z * (q03 + (z2 * z2) * q46)
    hfsq = 0.5 * f * f
    return f, hfsq, s * (hfsq + R)


@helper
def _log_scaled(x, xs, s):
    """log(x) from xs = x 2^s, a normal number (s is 0, or 54 for a subnormal x)."""
    e, f = _log_parts(xs)
    e = e - s
    f, hfsq, t = _log1p_reduced(f)
    res = e * LN2_HI + (f - (hfsq - (t + e * LN2_LO)))
    # special values last, off the chain of dependent operations above
    res = res if x < np.inf else x  # inf and nan
    return res if x > 0.0 else (-np.inf if x == 0.0 else np.nan)


@inlined
def log_(x):
    x = np.float64(x)
    tiny = x < 2.2250738585072014e-308
    # 2^54 lifts subnormals into the normal range
    return _log_scaled(x, x * 18014398509481984.0 if tiny else x, 54.0 if tiny else 0.0)


@inlined
def log_fast_(x):
    """log for any x but a positive subnormal (``log_subnormal_``): the select that lifts those
    is ~15% of a vectorized loop's time (0.94 -> 0.77 ms for 1e6 values on a Zen 4)."""
    x = np.float64(x)
    return _log_scaled(x, x, 0.0)


@inlined
def log_subnormal_(x):
    """Whether x is a positive subnormal: |x - m| < m for m = 2^-1023, half the least normal
    (exact: every subnormal is a multiple of 2^-1074). One compare: in a loop's flag (the or of
    every element's) it costs nothing beside log_fast_ (1e6 values 0.81 ms, as with no flag),
    where two compares and their ``&``, or an unsigned compare of the bits, cost 0.86."""
    return abs(np.float64(x) - HALF_TINY) < HALF_TINY


@inlined
def log1p_(x):
    x = np.float64(x)
    u = 1.0 + x  # at least 2^-53 for x > -1: normal
    e, f = _log_parts(u)
    f, hfsq, t = _log1p_reduced(f)
    # (x - (u - 1)) / u: the part of x that rounding 1 + x lost
    c = (x - (u - 1.0)) / u
    res = e * LN2_HI + (f - (hfsq - (t + (e * LN2_LO + c))))
    res = res if x != 0.0 else x  # log1p(-0.0) is -0.0
    res = res if x < np.inf else x  # inf and nan
    return res if x > -1.0 else (-np.inf if x == -1.0 else np.nan)


@inlined
def logaddexp_(x, y):
    """log(e^x + e^y) = max(x, y) + log1p(e^-|x - y|) (NumPy's is libm's, one element at a
    time). A nan in either gives nan through x - y; equal arguments (two infinities of one
    sign among them) give x + ln2, which is x for those."""
    x, y = np.float64(x), np.float64(y)
    res = max(x, y) + log1p_(exp_(-abs(x - y)))
    return x + LN2 if x == y else res


# --- tanh, logistic ---------------------------------------------------------------------------

SIGN = -0x8000000000000000


@inlined
def tanh_(x):
    x = np.float64(x)
    a = min(abs(x), 20.0)  # tanh(20) rounds to 1
    t = _expm1_finite(2.0 * a)
    d = t + 2.0
    dd = (t - (d - 2.0)) if t <= 2.0 else (2.0 - (d - t))  # t + 2 = d + dd exactly
    # t / (d + dd) with one division (a vector division costs as much as ~30 fused
    # multiply-adds): r0 from the reciprocal, corrected by its residual t - r0 (d + dd)
    y = 1.0 / d
    r0 = t * y
    r = r0 + ((t - r0 * d) - r0 * dd) * y
    r = _from_bits(_bits(r) | (_bits(x) & SIGN))  # copysign, so tanh(-0.0) is -0.0
    return r if x == x else x


@inlined
def logistic_(x):
    x = np.float64(x)
    e = exp_(-abs(x))  # of a non-positive number: no overflow
    d = 1.0 + e
    return 1.0 / d if x >= 0.0 else e / d


# --- float32: exp, expm1, log, log1p, tanh, logistic, logaddexp computed in float32 ---------
# Computed in float64, a float32 loop runs at float64's 8 lanes per AVX-512 vector with
# polynomials for 53 bits: 2-4x NumPy's float32 ufuncs. These compute in float32 (16 lanes),
# with the float64 kernels' reductions and polynomials cut to the terms float32 needs.

F32 = np.float32
SHIFTER32 = F32(12582912.0)  # 1.5 * 2^23: adding it rounds to an integer in the low bits
SHIFTER32_BITS = 0x4B400000
LOG2E32 = F32(LOG2E)
LN2_HI32 = F32(0.693145751953125)  # 16 significant bits: k * LN2_HI32 is exact for |k| < 256
LN2_LO32 = F32(1.4286067653302226e-06)
E0_32, E1_32, E2_32, E3_32, E4_32, E5_32 = (F32(E0), F32(E1), F32(E2), F32(E3), F32(E4),
                                            F32(E5))


@intrinsic
def _sub32(typingctx, a, b):
    """a - b for int32s, in 32-bit arithmetic. Numba widens int32 arithmetic to 64 bits, and
    LLVM narrows it back only where it can tell the 32-bit result is the same: after a 64-bit
    difference of bits it could not, and kept the float32 log, log1p and sinh loops' integer
    work in 64-bit lanes (a fifth of their operations, converting back and forth)."""
    sig = types.int32(types.int32, types.int32)

    def codegen(context, builder, signature, args):
        return builder.sub(args[0], args[1])
    return sig, codegen


@intrinsic
def _from_bits32(typingctx, i):
    sig = types.float32(i)

    def codegen(context, builder, signature, args):
        return builder.bitcast(builder.trunc(args[0], lir.IntType(32))
                               if args[0].type.width > 32 else args[0], lir.FloatType())
    return sig, codegen


if target.has_avx512():
    @helper
    def _times_2k32(p, k):
        """p 2^k for 1/2 < p < 2 and -152 < k < 130, in float32."""
        return _ldexp(p, k)
else:  # as _times_2k: LLVM's ldexp would be scalar code here
    @helper
    def _times_2k32(p, k):
        """p 2^k for 1/2 < p < 2 and -152 < k < 130, in float32."""
        k1 = k >> 1
        return p * _from_bits32((k1 + 127) << 23) * _from_bits32((k - k1 + 127) << 23)


@helper
def _reduce_ln2_32(x):
    """k, r with x = k ln2 + r, |r| <= ln2/2, for |x| <= 150 in float32."""
    t = x * LOG2E32 + SHIFTER32
    k = _sub32(_bits(t), SHIFTER32_BITS)
    kf = t - SHIFTER32
    return k, (x - kf * LN2_HI32) - kf * LN2_LO32


@helper
def _expm1_reduced32(r):
    """e^r - 1 for |r| <= ln2/2 in float32: expm1's polynomial to r^7 (the next term is
    2^-28 of the result)."""
    r2 = r * r
    q = (E0_32 + r * E1_32) + r2 * ((E2_32 + r * E3_32) + r2 * (E4_32 + r * E5_32))
    return r + r2 * q


@helper
def _expm1_parts32(x):
    """k, e^r - 1 with x = k ln2 + r, |r| <= ln2/2, for -104 <= x <= 89 in float32."""
    k, r = _reduce_ln2_32(x)
    return k, _expm1_reduced32(r)


@inlined
def exp_f32_(x):
    x = F32(x)
    # a nan stays a nan through max, min (each keeps its first argument unless the second
    # wins the compare) and the rest
    k, em1 = _expm1_parts32(min(max(x, F32(-104.0)), F32(89.0)))
    return _times_2k32(F32(1.0) + em1, k)


@helper
def _log_parts32(u):
    """e, f with u = 2^e (1 + f), sqrt(1/2) <= 1 + f < sqrt(2), for a normal float32 u > 0:
    ``_log_parts`` in 32-bit integers."""
    t = _sub32(_bits(u), 0x3F3504F3)  # sqrt(1/2)'s bits
    e = F32(t >> np.int32(23))
    return e, _from_bits32((t & np.int32(0x7FFFFF)) + np.int32(0x3F3504F3)) - F32(1.0)


@helper
def _log1p_tail32(f):
    """f^2/2 and f^3 p(f), with log(1 + f) = f - f^2/2 + f^3 p(f) for f in log's reduced
    interval, p of degree 7 fitted for float32 (2^-27.4, tools/fit_polynomials.py): no
    division."""
    f2 = f * f
    p = ((F32(0.33333331702317653) + f * F32(-0.25000821295098746))
         + f2 * (F32(0.2000122761617487) + f * F32(-0.16623348109349848))
         + (f2 * f2) * ((F32(0.1420173276471008) + f * F32(-0.13160251202033968))
                        + f2 * (F32(0.12761803132970978) + f * F32(-0.07634601867579204))))
    return F32(0.5) * f2, (f * f2) * p


@helper
def _log_scaled32(x, xs, s):
    """log(x) in float32 from xs = x 2^s, a normal number (s is 0, or 24 for a subnormal x)."""
    e, f = _log_parts32(xs)
    e = e - s
    hf2, tail = _log1p_tail32(f)
    res = e * LN2_HI32 + (f - (hf2 - (tail + e * LN2_LO32)))
    res = res if x < F32(np.inf) else x  # inf and nan
    return res if x > F32(0.0) else (F32(-np.inf) if x == F32(0.0) else F32(np.nan))


@inlined
def log_f32_(x):
    x = F32(x)
    tiny = x < F32(1.1754943508222875e-38)
    # 2^24 lifts subnormals into the normal range
    return _log_scaled32(x, x * F32(16777216.0) if tiny else x, F32(24.0) if tiny else F32(0.0))


@inlined
def log_fast_f32_(x):
    """log in float32 for any x but a positive subnormal (``log_subnormal_f32_``): the select
    that lifts those costs 0.08 of 0.52 ms for 1e6 values, as ``log_fast_``'s does."""
    x = F32(x)
    return _log_scaled32(x, x, F32(0.0))


@inlined
def log_subnormal_f32_(x):
    """Whether a float32 x is a positive subnormal (one compare, as ``log_subnormal_``)."""
    return abs(F32(x) - F32(5.877471754111438e-39)) < F32(5.877471754111438e-39)


@inlined
def tanh_f32_(x):
    """tanh in float32: e / (e + 2) with e = expm1(2|x|)."""
    x = F32(x)
    a = min(abs(x), F32(9.0))  # tanh(9) rounds to 1
    k, em1 = _expm1_parts32(a + a)
    h = _from_bits32((k - 1 + 127) << 23)  # e^2a - 1 = 2 (2^(k-1) em1 + (2^(k-1) - 1/2))
    t = em1 if k == 0 else F32(2.0) * (h * em1 + (h - F32(0.5)))
    r = t / (t + F32(2.0))
    return np.copysign(r, x)


@inlined
def logistic_f32_(x):
    x = F32(x)
    e = exp_f32_(-abs(x))  # of a non-positive number: no overflow
    d = F32(1.0) + e
    return F32(1.0) / d if x >= F32(0.0) else e / d


@inlined
def log1p_f32_(x):
    """log1p in float32: log_f32_'s pieces on u = 1 + x, plus what rounding u lost, as
    ``log1p_``."""
    x = F32(x)
    u = F32(1.0) + x  # at least 2^-24 for x > -1: normal
    e, f = _log_parts32(u)
    hf2, tail = _log1p_tail32(f)
    c = (x - (u - F32(1.0))) / u
    res = e * LN2_HI32 + (f - (hf2 - (tail + (e * LN2_LO32 + c))))
    res = res if x != F32(0.0) else x  # log1p(-0.0) is -0.0
    res = res if x < F32(np.inf) else x  # inf and nan
    return res if x > F32(-1.0) else (F32(-np.inf) if x == F32(-1.0) else F32(np.nan))


@inlined
def expm1_f32_(x):
    """expm1 in float32: 2 (2^(k-1) em1 + (2^(k-1) - 1/2)), as ``_expm1_finite``."""
    x = F32(x)
    k, em1 = _expm1_parts32(min(max(x, F32(-18.0)), F32(89.0)))  # expm1(-18) rounds to -1
    h = _from_bits32((k - 1 + 127) << 23)
    res = em1 if k == 0 else F32(2.0) * (h * em1 + (h - F32(0.5)))
    return res if x != F32(0.0) else x  # expm1(-0.0) is -0.0


@inlined
def logaddexp_f32_(x, y):
    """``logaddexp_`` in float32."""
    x, y = F32(x), F32(y)
    res = max(x, y) + log1p_f32_(exp_f32_(-abs(x - y)))
    return x + F32(LN2) if x == y else res


# --- sin, cos ---------------------------------------------------------------------------------

TWO_OVER_PI = 0.6366197723675814
# pi/2 = PIO2_1 + PIO2_2 + PIO2_3 + PIO2_4 (to ~2^-150): the first three have at most 33
# significant bits, so k * PIO2_i is exact for |k| < 2^20 (the split was computed with mpmath;
# tests/test_kernels.py checks it).
PIO2_1 = 1.5707963267341256
PIO2_2 = 6.077100506303966e-11
PIO2_3 = 2.0222662487111665e-21
PIO2_4 = 8.4784276603689e-32
TRIG_FAST_LIMIT = 6.5e5  # |x| / (pi/2) < 2^20


@helper
def _two_diff(a, b):
    """s, e with s = fl(a - b) and s + e = a - b exactly (Knuth's TwoSum)."""
    s = a - b
    bb = a - s
    e = (a - (s + bb)) - (b - bb)
    return s, e


@helper
def _sin_poly(r, z):
    """sin(r) - r for |r| <= pi/4 (z = r*r): r z p(z), p of degree 5 fitted minimax to the
    result's relative error (2^-56.4; Taylor to r^17, two terms more: 2^-57.1),
    tools/fit_polynomials.py; Estrin's form, as in ``_expm1_tail``."""
    z2 = z * z
    p03 = ((-0.1666666666666663 + z * 0.008333333333322104)
           + z2 * (-0.000198412698295773 + z * 2.7557313616995733e-06))
    p45 = -2.505074705385938e-08 + z * 1.589618786142935e-10
    return r * z * (p03 + (z2 * z2) * p45)


@helper
def _cos_poly(z):
    """cos(r) - (1 - z/2) for |r| <= pi/4 (z = r*r): z^2 q(z), q of degree 5 fitted minimax
    (2^-59.6, as Taylor to r^18 with two terms more), tools/fit_polynomials.py."""
    z2 = z * z
    q03 = ((0.041666666666666595 + z * -0.0013888888888873036)
           + z2 * (2.4801587288838256e-05 + z * -2.7557314175316776e-07))
    q45 = 2.0875700288435543e-09 + z * -1.1358507228427417e-11
    return z2 * (q03 + (z2 * z2) * q45)


@helper
def _trig_reduced(x):
    """(quadrant k, sin(r), cos(r)) with x = k pi/2 + r, for |x| <= TRIG_FAST_LIMIT; beyond,
    values that mean nothing and harm nothing (loops calling the fast forms check the range
    with ``trig_big_``: selecting 0 for those x first cost 15% of tan's loop, a select at the
    head of the chain)."""
    t = x * TWO_OVER_PI + SHIFTER
    k = _bits(t)
    kf = t - SHIFTER
    a = x - kf * PIO2_1  # exact
    r1, e1 = _two_diff(a, kf * PIO2_2)
    r2, e2 = _two_diff(r1, kf * PIO2_3)
    d = kf * PIO2_4
    r = r2 - d
    lo = (((r2 - r) - d) + e1) + e2  # r + lo = x - k pi/2, to about 2^-140 absolute
    z = r * r
    s = r + (_sin_poly(r, z) + lo * (1.0 - 0.5 * z))
    hz = 0.5 * z
    w = 1.0 - hz
    co = w + ((((1.0 - w) - hz) + _cos_poly(z)) - lo * r)
    return k & 3, s, co


@helper
def _quadrant(q, s, c):
    """sin of k pi/2 + r from sin(r), cos(r) and q = k mod 4, without branches."""
    r = c if (q & 1) != 0 else s
    return _from_bits(_bits(r) ^ ((q & 2) << 62))  # negate in quadrants 2 and 3


@inlined
def sin_fast_(x):
    x = np.float64(x)
    q, s, c = _trig_reduced(x)
    res = _quadrant(q, s, c)
    res = res if x != 0.0 else x  # sin(-0.0) is -0.0
    return res if abs(x) < np.inf else x - x  # nan for nan and +-inf


@inlined
def cos_fast_(x):
    x = np.float64(x)
    q, s, c = _trig_reduced(x)
    res = _quadrant(q + 1, s, c)  # cos(x) = sin(x + pi/2)
    return res if abs(x) < np.inf else x - x


@inlined
def tan_fast_(x):
    """tan(k pi/2 + r) = sin(r) / cos(r), or -cos(r) / sin(r) for odd k: one division."""
    x = np.float64(x)
    q, s, c = _trig_reduced(x)
    odd = (q & 1) != 0
    res = (-c if odd else s) / (s if odd else c)
    res = res if x != 0.0 else x  # tan(-0.0) is -0.0
    return res if abs(x) < np.inf else x - x


@inlined
def trig_big_(x):
    """Whether ``x`` is beyond the fast kernels' range (nan is not: they return nan)."""
    return abs(x) > TRIG_FAST_LIMIT


@inlined
def sin_(x):
    if abs(x) <= TRIG_FAST_LIMIT:
        return sin_fast_(x)
    return math.sin(x)


@inlined
def cos_(x):
    if abs(x) <= TRIG_FAST_LIMIT:
        return cos_fast_(x)
    return math.cos(x)


@inlined
def tan_(x):
    if abs(x) <= TRIG_FAST_LIMIT:
        return tan_fast_(x)
    return math.tan(x)


# float32: the reduction in float32 (Cody-Waite with pi/2 in three float32 parts, each product
# inside a fused multiply-add), for |x| up to TRIG_FAST_LIMIT32 (as NumPy's float32 kernels);
# the float64 polynomials cut to the terms float32 needs (the next is 2^-29 of the result).
TRIG_FAST_LIMIT32 = F32(71476.0)
TWO_OVER_PI32 = F32(0.6366197466850281)
PIO2_1_32 = F32(1.5707963705062866)  # x - k PIO2_1_32 is exact fused: multiples of x's ulp
PIO2_2_32 = F32(-4.371138828673793e-08)
PIO2_3_32 = F32(-1.7151245100058819e-15)  # the three: pi/2 to 1e-23

if target.has_fma():
    @helper
    def _minus_k_pio2_32(x, kf):
        """x - kf pi/2 in float32, for |kf| < 2^16."""
        return ((x - kf * PIO2_1_32) - kf * PIO2_2_32) - kf * PIO2_3_32
else:  # unfused, kf PIO2_1_32 would round (to 2^-24 of x for x near 2^16): float64's split
    @helper
    def _minus_k_pio2_32(x, kf):
        """x - kf pi/2 in float32, for |kf| < 2^16."""
        xd, kd = np.float64(x), np.float64(kf)
        return F32(((xd - kd * PIO2_1) - kd * PIO2_2) - kd * PIO2_3)


@helper
def _trig_reduced32(x):
    """(quadrant k, sin(r), cos(r)) in float32 with x = k pi/2 + r, for |x| <=
    TRIG_FAST_LIMIT32 (beyond, as ``_trig_reduced``: values that mean nothing)."""
    t = x * TWO_OVER_PI32 + SHIFTER32
    k = _sub32(_bits(t), SHIFTER32_BITS)
    r = _minus_k_pio2_32(x, t - SHIFTER32)
    z = r * r
    z2 = z * z
    s = r + (r * z) * ((F32(-0.1666666666666663) + z * F32(0.008333333333322104))
                       + z2 * (F32(-0.000198412698295773) + z * F32(2.7557313616995733e-06)))
    c = (F32(1.0) - F32(0.5) * z) + z2 * ((F32(0.041666666666666595)
                                           + z * F32(-0.0013888888888873036))
                                          + z2 * (F32(2.4801587288838256e-05)
                                                  + z * F32(-2.7557314175316776e-07)))
    return k & 3, s, c


@helper
def _quadrant32(q, s, c):
    """``_quadrant`` in float32."""
    r = c if (q & 1) != 0 else s
    return _from_bits32(np.int64(_bits(r)) ^ ((q & 2) << 30))


@inlined
def sin_fast_f32_(x):
    x = F32(x)
    q, s, c = _trig_reduced32(x)
    res = _quadrant32(q, s, c)
    res = res if x != F32(0.0) else x  # sin(-0.0) is -0.0
    return res if abs(x) < F32(np.inf) else x - x  # nan for nan and +-inf


@inlined
def cos_fast_f32_(x):
    x = F32(x)
    q, s, c = _trig_reduced32(x)
    res = _quadrant32(q + 1, s, c)
    return res if abs(x) < F32(np.inf) else x - x


@inlined
def tan_fast_f32_(x):
    x = F32(x)
    q, s, c = _trig_reduced32(x)
    odd = (q & 1) != 0
    res = (-c if odd else s) / (s if odd else c)
    res = res if x != F32(0.0) else x  # tan(-0.0) is -0.0
    return res if abs(x) < F32(np.inf) else x - x


@inlined
def trig_big_f32_(x):
    """Whether a float32 ``x`` is beyond the float32 fast kernels' range."""
    return abs(F32(x)) > TRIG_FAST_LIMIT32


@inlined
def sin_f32_(x):
    x = F32(x)
    if abs(x) <= TRIG_FAST_LIMIT32:
        return sin_fast_f32_(x)
    return F32(sin_(np.float64(x)))


@inlined
def cos_f32_(x):
    x = F32(x)
    if abs(x) <= TRIG_FAST_LIMIT32:
        return cos_fast_f32_(x)
    return F32(cos_(np.float64(x)))


@inlined
def tan_f32_(x):
    x = F32(x)
    if abs(x) <= TRIG_FAST_LIMIT32:
        return tan_fast_f32_(x)
    return F32(tan_(np.float64(x)))


# --- arctan, arcsin, arccos --------------------------------------------------------------------

@helper
def _atan_tail(r):
    """atan(r) - r for |r| <= 7/16 (z = r*r): r z a(z), a of degree 11 fitted minimax to the
    result's relative error (2^-59.0), tools/fit_polynomials.py; Estrin's form."""
    z = r * r
    z2 = z * z
    z4 = z2 * z2
    a03 = ((-0.33333333333333315 + z * 0.1999999999999298)
           + z2 * (-0.1428571428483391 + z * 0.11111111055660515))
    a47 = ((-0.0909090703922119 + z * 0.07692259195636926)
           + z2 * (-0.06665898411707116 + z * 0.05873984746768665))
    a8b = ((-0.05199918588812172 + z * 0.04432397153520843)
           + z2 * (-0.03190470983401088 + z * 0.013682709957150088))
    return r * z * ((a03 + z4 * a47) + (z4 * z4) * a8b)


# atan(c) for the centres c = 1/2, 1, 3/2 and infinity, each as a double and its rounding error
ATAN_HALF, ATAN_HALF_LO = 0.4636476090008061, 2.2698777452961687e-17
ATAN_ONE, ATAN_ONE_LO = 0.7853981633974483, 3.061616997868383e-17
ATAN_3HALF, ATAN_3HALF_LO = 0.982793723247329, 1.3903311031230998e-17
PI_2, PI_2_LO = 1.5707963267948966, 6.123233995736766e-17


@helper
def _atan_parts(a):
    """hi, low with atan(a) = hi + low for a >= 0 (or NaN): atan(a) = atan(c) + atan((a - c) /
    (1 + a c)) with the centre c of a's interval (0 below 7/16, 1/2, 1, 3/2 below 39/16, else
    atan(a) = pi/2 + atan(-1/a)): |r| <= 7/16, and a - c is exact in each interval. hi is
    atan(c) rounded, low the rest. The centre is chosen by selects, not branches."""
    mid = a < 19.0 / 16.0
    c = (0.0 if a < 7.0 / 16.0 else 0.5) if a < 11.0 / 16.0 else (1.0 if mid else 1.5)
    hi = (0.0 if a < 7.0 / 16.0 else ATAN_HALF) if a < 11.0 / 16.0 else (
        ATAN_ONE if mid else ATAN_3HALF)
    lo = (0.0 if a < 7.0 / 16.0 else ATAN_HALF_LO) if a < 11.0 / 16.0 else (
        ATAN_ONE_LO if mid else ATAN_3HALF_LO)
    big = a >= 39.0 / 16.0
    r = (-1.0 if big else a - c) / (a if big else 1.0 + a * c)
    return (PI_2 if big else hi), r + (_atan_tail(r) + (PI_2_LO if big else lo))


@inlined
def atan_(x):
    x = np.float64(x)
    hi, low = _atan_parts(abs(x))
    return np.copysign(hi + low, x)


@inlined
def atan2_(y, x):
    """atan(|y| / |x|), moved to the left half-plane as pi minus it where x is negative (or
    -0; subtracted part by part, so that pi - pi/2 is pi/2 exactly), with y's sign; both zero
    or both infinite (a NaN quotient) are C99's cases: 0 or pi/4 before the move."""
    y, x = np.float64(y), np.float64(x)
    ax, ay = abs(x), abs(y)
    hi, low = _atan_parts(ay / ax)
    zeros, infs = (ax == 0.0) & (ay == 0.0), (ax == np.inf) & (ay == np.inf)
    hi = 0.0 if zeros else (ATAN_ONE if infs else hi)
    low = 0.0 if zeros else (ATAN_ONE_LO if infs else low)
    left = np.signbit(x)
    hi, low = (2.0 * PI_2 - hi if left else hi), (2.0 * PI_2_LO - low if left else low)
    return np.copysign(hi + low, y)


@helper
def _asin_tail(r, z):
    """asin(r) - r for |r| <= 1/2 (z = r*r): r z p(z), p of degree 12 fitted minimax to the
    result's relative error (2^-59.1), tools/fit_polynomials.py; Estrin's form."""
    z2 = z * z
    z4 = z2 * z2
    p03 = ((0.1666666666666676 + z * 0.07499999999970795)
           + z2 * (0.04464285717461603 + z * 0.030381942707596064))
    p47 = ((0.022372214992686153 + z * 0.01735161192626923)
           + z2 * (0.013980821571000758 + z * 0.011398903930336384))
    p8b = ((0.010780299402662548 + z * 0.0037062306546734526)
           + z2 * (0.02170788752585748 + z * -0.020999697795644003))
    return r * z * ((p03 + z4 * p47) + (z4 * z4) * (p8b + z4 * 0.03262902927001477))


@helper
def _asin_parts(a):
    """p, far for 0 <= a <= 1 (NaN beyond): asin(a) = p where a <= 1/2, else pi/2 - 2p (far),
    p = asin(sqrt((1 - a) / 2)), whose argument is exact (1 - a is, for a >= 1/2)."""
    far = a > 0.5
    z = 0.5 * (1.0 - a) if far else a * a
    r = np.sqrt(z) if far else a
    return r + _asin_tail(r, z), far


@inlined
def asin_(x):
    x = np.float64(x)
    p, far = _asin_parts(abs(x))
    return np.copysign((PI_2 - 2.0 * p) + PI_2_LO if far else p, x)


@inlined
def acos_(x):
    """pi/2 - asin(x) for |x| <= 1/2; 2 asin(sqrt((1 - |x|) / 2)) beyond, or pi minus it for
    negative x: no subtraction that cancels."""
    x = np.float64(x)
    p, far = _asin_parts(abs(x))
    near = (PI_2 - np.copysign(p, x)) + PI_2_LO
    return ((2.0 * PI_2 - 2.0 * p) + 2.0 * PI_2_LO if x < 0.0 else 2.0 * p) if far else near


# float32: the same reductions in float32; the polynomials cut to nine terms (the dropped ones
# are under 2^-26 of the result)

def _split32(v):
    """A float64 constant as a float32 and the float32 nearest what that rounding lost."""
    return F32(v), F32(v - float(F32(v)))


ATAN_ONE32, ATAN_ONE_LO32 = _split32(ATAN_ONE)
PI_2_32, PI_2_LO32 = _split32(PI_2)


@helper
def _atan_parts32(n, d):
    """hi, low with atan(n / d) = hi + low for n, d >= 0, in float32 with one division:
    atan(n / d) = pi/2 - atan(d / n) takes n > d to [0, 1], where an odd polynomial of degree
    17 is fitted (tools/fit_polynomials.py atan32, 2^-28.5; float64's five centres and its
    longer polynomial cost float32 a second division and eleven selects)."""
    big = n > d
    r = (d if big else n) / (n if big else d)
    z = r * r
    z2 = z * z
    z4 = z2 * z2
    p = ((((F32(-0.33333299084178036) + z * F32(0.1999854812095432))
           + z2 * (F32(-0.14264239812596705) + z * F32(0.10952175397431067)))
          + z4 * ((F32(-0.08403418375496524) + z * F32(0.05795702016549852))
                  + z2 * (F32(-0.031177249263774617) + z * F32(0.010914272305001712))))
         + (z4 * z4) * F32(-0.001793544288084032))
    t = r + (r * z) * p
    return (PI_2_32 if big else F32(0.0)), ((PI_2_LO32 - t) if big else t)


@inlined
def atan_f32_(x):
    x = F32(x)
    hi, low = _atan_parts32(abs(x), F32(1.0))
    return np.copysign(hi + low, x)


@inlined
def atan2_f32_(y, x):
    """``atan2_`` in float32."""
    y, x = F32(y), F32(x)
    ax, ay = abs(x), abs(y)
    hi, low = _atan_parts32(ay, ax)
    zeros = (ax == F32(0.0)) & (ay == F32(0.0))
    infs = (ax == F32(np.inf)) & (ay == F32(np.inf))
    hi = F32(0.0) if zeros else (ATAN_ONE32 if infs else hi)
    low = F32(0.0) if zeros else (ATAN_ONE_LO32 if infs else low)
    left = np.signbit(x)
    hi = F32(2.0) * PI_2_32 - hi if left else hi
    low = F32(2.0) * PI_2_LO32 - low if left else low
    return np.copysign(hi + low, y)


@helper
def _asin_parts32(a):
    """``_asin_parts`` in float32, its polynomial to p8."""
    far = a > F32(0.5)
    z = F32(0.5) * (F32(1.0) - a) if far else a * a
    r = np.sqrt(z) if far else a
    z2 = z * z
    z4 = z2 * z2
    p03 = ((F32(0.1666666666666676) + z * F32(0.07499999999970795))
           + z2 * (F32(0.04464285717461603) + z * F32(0.030381942707596064)))
    p47 = ((F32(0.022372214992686153) + z * F32(0.01735161192626923))
           + z2 * (F32(0.013980821571000758) + z * F32(0.011398903930336384)))
    return r + r * z * ((p03 + z4 * p47) + (z4 * z4) * F32(0.010780299402662548)), far


@inlined
def asin_f32_(x):
    x = F32(x)
    p, far = _asin_parts32(abs(x))
    return np.copysign((PI_2_32 - F32(2.0) * p) + PI_2_LO32 if far else p, x)


@inlined
def acos_f32_(x):
    x = F32(x)
    p, far = _asin_parts32(abs(x))
    near = (PI_2_32 - np.copysign(p, x)) + PI_2_LO32
    two_pi_2 = (F32(2.0) * PI_2_32 - F32(2.0) * p) + F32(2.0) * PI_2_LO32
    return (two_pi_2 if x < F32(0.0) else F32(2.0) * p) if far else near


# --- sinh, cosh, their inverses, exp2: on exp's reduction and polynomial, and log1p_ ---------
# libm's forms are scalar calls (10-18x NumPy's time in a loop); these are written without
# branches so that loops vectorize: sinh and cosh evaluate e^a and e^-a from one reduction and
# one polynomial, the inverses are the classic identities on log1p_ (as in fdlibm).

SINH_MAX_ARG = 711.0  # beyond, sinh and cosh overflow; below, k of e^a = 2^k e^r is < 1030


@helper
def _sinh_cosh_parts(x):
    """k, g, r, c, te, to for sinh and cosh of a = |x| = k ln2 + r + c (``_reduce_ln2``):
    2^-k sinh(a) = e^(r+c) / 2 - g e^-(r+c) and 2^-k cosh(a) = e^(r+c) / 2 + g e^-(r+c),
    with g = 2^(-2k-1) and e^+-r = 1 +- r + te +- to, expm1's polynomial split into its even
    part te (cosh r - 1) and odd part to (sinh r - r): one reduction and one polynomial for
    both exponentials, and no division."""
    # a nan stays a nan through min (which keeps its first argument unless the second is less)
    # and the rest, so the kernels need no select for it
    a = min(abs(x), SINH_MAX_ARG)
    k, r, c = _reduce_ln2(a)
    z = r * r
    z2 = z * z
    z4 = z2 * z2
    te = z * (((E0 + z * E2) + z2 * (E4 + z * E6)) + z4 * (E8 + z * E10))
    to = (r * z) * (((E1 + z * E3) + z2 * (E5 + z * E7)) + z4 * E9)
    g = _from_bits((1022 << 52) - (min(k, 40) << 53))  # below 2^-80 it is no matter
    return k, g, r, c, te, to


# In both, the terms are summed smallest first: (1/2 -+ g) + (1/2 +- g) r + (1/2 -+ g) te +
# ...; 1/2 -+ g is exact for k <= 26; beyond it rounds to 1/2, and its lost part (g or -g,
# exactly; 0 below) joins the small terms (without it the result reached 1.5 ulp near
# x = 18.4). Within an ulp of x87 long double's sinh and cosh (tests/test_kernels.py).

@inlined
def sinh_(x):
    x = np.float64(x)
    k, g, r, c, te, to = _sinh_cosh_parts(x)
    A, B = 0.5 - g, 0.5 + g
    s = A + (B * r + ((A * te + ((0.5 - A) - g)) + B * (to + c)))
    return np.copysign(_times_2k(s, k), x)


@inlined
def cosh_(x):
    x = np.float64(x)
    k, g, r, c, te, to = _sinh_cosh_parts(x)
    A, B = 0.5 - g, 0.5 + g
    # c would move the result by under 0.2 ulp
    return _times_2k(B + (A * r + ((B * te + (g - (B - 0.5))) + A * to)), k)


@helper
def _sinh_cosh_parts32(x):
    """``_sinh_cosh_parts`` in float32 (g = 2^(-2k-1) up to k = 14, then no matter)."""
    a = min(abs(x), F32(89.5))  # beyond, sinh and cosh overflow float32
    k, r = _reduce_ln2_32(a)
    z = r * r
    z2 = z * z
    te = z * ((E0_32 + z * E2_32) + z2 * E4_32)
    to = (r * z) * ((E1_32 + z * E3_32) + z2 * E5_32)
    g = _from_bits32((126 << 23) - (min(k, 14) << 24))
    return k, g, r, te, to


@inlined
def sinh_f32_(x):
    x = F32(x)
    k, g, r, te, to = _sinh_cosh_parts32(x)
    A, B = F32(0.5) - g, F32(0.5) + g
    s = A + (B * r + ((A * te + ((F32(0.5) - A) - g)) + B * to))
    return np.copysign(_times_2k32(s, k), x)


@inlined
def cosh_f32_(x):
    x = F32(x)
    k, g, r, te, to = _sinh_cosh_parts32(x)
    A, B = F32(0.5) - g, F32(0.5) + g
    return _times_2k32(B + (A * r + ((B * te + (g - (B - F32(0.5)))) + A * to)), k)


HUGE_ASINH = 9007199254740992.0  # 2^53: beyond, 1 + x rounds to x, and log(2x) = log1p(x) + ln2


@inlined
def asinh_(x):
    x = np.float64(x)
    a = abs(x)
    huge = a > HUGE_ASINH
    # log(a + sqrt(a^2 + 1)) = log1p(a + a^2 / (1 + sqrt(1 + a^2))): one division, and a^2
    # overflows only far beyond 2^53, where the result comes from log1p(a) instead
    u = a + a * a / (1.0 + np.sqrt(1.0 + a * a))
    r = log1p_(a if huge else u)
    return np.copysign(r + LN2 if huge else r, x)


@inlined
def acosh_(x):
    x = np.float64(x)
    huge = x > HUGE_ASINH
    t = x - 1.0  # exact for 1 <= x <= 2^53; negative (so a NaN result) below 1
    # log(x + sqrt(x^2 - 1)) = log1p(t + sqrt(t (t + 2))), each root apart: no overflow
    r = log1p_(x if huge else t + np.sqrt(t) * np.sqrt(t + 2.0))
    return r + LN2 if huge else r


@inlined
def atanh_(x):
    x = np.float64(x)
    a = abs(x)
    # log((1 + a) / (1 - a)) / 2 = log1p(2a / (1 - a)) / 2: inf at 1, NaN beyond
    return np.copysign(0.5 * log1p_((a + a) / (1.0 - a)), x)


@inlined
def exp2_(x):
    x = np.float64(x)
    xc = min(max(x, -1080.0), 1030.0)
    t = xc + SHIFTER
    k = np.int64((_bits(t) << 44) >> 44)  # xc rounded to an integer (as in _reduce_ln2)
    r = (xc - (t - SHIFTER)) * LN2  # |r| <= ln2 / 2: 2^x = 2^k e^r
    res = _times_2k(1.0 + (r + _expm1_tail(r)), k)
    return res if x == x else x


# float32: the same identities on log1p_f32_ (x^2 overflows float32 far sooner: past 2^24 the
# results come from log1p(x) + ln2, to 2^-24 there), and exp2 on expm1's float32 polynomial

HUGE_ASINH32 = F32(16777216.0)  # 2^24
LN2_32 = F32(LN2)


@inlined
def asinh_f32_(x):
    x = F32(x)
    a = abs(x)
    huge = a > HUGE_ASINH32
    u = a + a * a / (F32(1.0) + np.sqrt(F32(1.0) + a * a))
    r = log1p_f32_(a if huge else u)
    return np.copysign(r + LN2_32 if huge else r, x)


@inlined
def acosh_f32_(x):
    x = F32(x)
    huge = x > HUGE_ASINH32
    t = x - F32(1.0)  # exact for 1 <= x <= 2^24, where t (t + 2) < 2^49 cannot overflow
    # one root (two, each rounded, reached 3 ulp near x = 1), of a negative number (so a nan)
    # for every x < 1: t |t + 2|
    r = log1p_f32_(x if huge else t + np.sqrt(t * abs(t + F32(2.0))))
    return r + LN2_32 if huge else r


@inlined
def atanh_f32_(x):
    x = F32(x)
    a = abs(x)
    return np.copysign(F32(0.5) * log1p_f32_((a + a) / (F32(1.0) - a)), x)


@inlined
def exp2_f32_(x):
    x = F32(x)
    xc = min(max(x, F32(-151.0)), F32(129.0))  # beyond, 2^x rounds to 0 or overflows
    t = xc + SHIFTER32
    k = _sub32(_bits(t), SHIFTER32_BITS)  # xc rounded to an integer
    res = _times_2k32(F32(1.0) + _expm1_reduced32((xc - (t - SHIFTER32)) * LN2_32), k)
    return res if x == x else x


# --- cbrt: a guess at a^(-1/3), refined without division -------------------------------------
# libm's cbrt is a scalar call (15x NumPy's time in a loop). r = a^(-1/3) is guessed from a's
# bits (its exponent and significand divided by 3 at once, to 2^-4.8), two third-order steps take
# it to 2^-33, and cbrt(a) = a r^2, refined once by Newton's step.

# 2^53 + C / 2^12 with bits(a^(-1/3)) ~ C - bits(a) / 3, C ~ (4/3) 2^52 (1023 - 0.05) tuned
# for the least largest error of the guess (2^-4.86 over a's significands)
CBRT_MAGIC = 10506860547256022.0
# below TINY_CBRT, a is scaled by 2^765 = (2^255)^3 (and its root by 2^-255), else by 1/8
TINY_CBRT, CBRT_UP, CBRT_DOWN = 2.0 ** -768, 2.0 ** 765, 2.0 ** -255


@helper
def _cbrt_step(a, r):
    """r closer to a^(-1/3), from r = a^(-1/3) (1 - d)^(1/3): the series of (1 - d)^(-1/3)
    to d^2 (the relative error e goes to ~4.7 e^3). a r^3 is taken as (a r) r^2, which neither
    overflows nor underflows for 2^-310 < a < 2^1022."""
    d = 1.0 - (a * r) * (r * r)
    return r + (r * d) * (1.0 / 3.0 + d * (2.0 / 9.0))


@helper
def _cbrt_scaled(a):
    """r = a^(-1/3) to 2^-33 and y = a r^2 = a^(1/3) to 2^-32, for 2^-310 < a < 2^1022 (y is
    0 for a = 0, and a nan for a nan)."""
    # the bits of a over 2^12 as a float (1.5 2^52 + n), and C - n / 3 rounded to an integer
    # in the low bits of a float in [2^52, 2^53)
    g = _from_bits((_bits(a) >> 12) + SHIFTER_BITS) * (-1.0 / 3.0) + CBRT_MAGIC
    r = _from_bits((_bits(g) - SHIFTER_BITS) << 12)
    r = _cbrt_step(a, _cbrt_step(a, r))
    return r, a * (r * r)


@intrinsic
def _fma(typingctx, a, b, c):
    """a b + c rounded once (LLVM's fma; one instruction where the CPU has FMA)."""
    sig = a(a, b, c)

    def codegen(context, builder, signature, args):
        fp = context.get_value_type(signature.return_type)
        fn = builder.module.declare_intrinsic("llvm.fma", [fp], lir.FunctionType(fp, [fp] * 3))
        return builder.call(fn, args)
    return sig, codegen


if target.has_fma():
    @helper
    def _two_prod(a, b):
        """p, e with p = fl(a b) and p + e = a b exactly (either float width)."""
        p = a * b
        return p, _fma(a, b, -p)
    _two_prod32 = _two_prod
else:  # elsewhere LLVM's fma is a libm call, and nothing fuses: Dekker's product
    def _dekker(split):
        """Dekker's two-product, each factor split into halves by Veltkamp's method with
        ``split`` = 2^s + 1 (s: half its width's significand bits, rounded up)."""
        @helper
        def two_prod(a, b):
            """p, e with p = fl(a b) and p + e = a b exactly."""
            p = a * b
            ca, cb = split * a, split * b
            ah, bh = ca - (ca - a), cb - (cb - b)
            al, bl = a - ah, b - bh
            return p, (((ah * bh - p) + ah * bl) + al * bh) + al * bl
        return two_prod
    _two_prod = _dekker(134217729.0)
    _two_prod32 = _dekker(F32(4097.0))


@inlined
def cbrt_(x):
    x = np.float64(x)
    a = abs(x)
    tiny = a < TINY_CBRT
    a = a * (CBRT_UP if tiny else 0.125)
    r, y = _cbrt_scaled(a)
    # one Newton step, y + (a - y^3) / (3 y^2), with y^3 = c + ce + pe y to 2^-100: nearly
    # correctly rounded (0.5 ulp in tests/test_kernels.py), and perfect cubes exact
    p, pe = _two_prod(y, y)
    c, ce = _two_prod(p, y)
    y = y + (((a - c) - ce) - pe * y) * (r * r * (1.0 / 3.0))
    res = np.copysign(y * (CBRT_DOWN if tiny else 2.0), x)
    return res if a < np.inf else x  # +-inf and nan (+-0 is 0 y = 0 above)


CBRT_MAGIC32 = F32(19550488.0)  # 2^24 + C / 2^9, CBRT_MAGIC's C for float32's bits
# below TINY_CBRT32, a is scaled by 2^72 = (2^24)^3, else by 1/8
TINY_CBRT32, CBRT_UP32, CBRT_DOWN32 = F32(2.0 ** -64), F32(2.0 ** 72), F32(2.0 ** -24)


@helper
def _cbrt_scaled32(a):
    """``_cbrt_scaled`` in float32, for 2^-78 < a < 2^126: the second step is Newton's
    (r + r d / 3, to 2^-23: float32's precision, which a third-order step would not beat)."""
    g = _from_bits32((_bits(a) >> 9) + SHIFTER32_BITS) * F32(-1.0 / 3.0) + CBRT_MAGIC32
    r = _from_bits32((_bits(g) - SHIFTER32_BITS) << 9)
    d = F32(1.0) - (a * r) * (r * r)
    r = r + (r * d) * (F32(1.0 / 3.0) + d * F32(2.0 / 9.0))
    r = r + (r * F32(1.0 / 3.0)) * (F32(1.0) - (a * r) * (r * r))
    return r, a * (r * r)


@inlined
def cbrt_f32_(x):
    x = F32(x)
    a = abs(x)
    tiny = a < TINY_CBRT32
    a = a * (CBRT_UP32 if tiny else F32(0.125))
    r, y = _cbrt_scaled32(a)
    p, pe = _two_prod32(y, y)
    c, ce = _two_prod32(p, y)
    y = y + (((a - c) - ce) - pe * y) * (r * r * F32(1.0 / 3.0))
    res = np.copysign(y * (CBRT_DOWN32 if tiny else F32(2.0)), x)
    return res if a < F32(np.inf) else x  # as cbrt_: its Newton step in float32


# --- pow: e^(y log x) with log x in two parts ---------------------------------------------------
# libm's pow is a scalar call (4x NumPy's time in a loop). An error d in y log x is a relative
# error d in the result, and y log x reaches 745 before the result overflows or underflows, so
# log x is carried as hi + lo to ~2^-63: log(1 + f) = 2 atanh(s), s = f / (2 + f) in two
# parts, its (2/3) s^3 term in two parts; y (hi + lo) as a fused two-product; and exp_'s
# reduction takes the low part into its own correction term.

C2_3, C2_3_LO = 0.6666666666666666, 3.700743415417188e-17  # 2/3 = C2_3 + C2_3_LO to 2^-107


@helper
def _log_two_parts(a, shift):
    """hi, lo with hi + lo = log(a 2^-shift) to ~2^-63, for a normal a > 0."""
    e, f = _log_parts(a)
    e = e - shift
    d = 2.0 + f
    dl = f - (d - 2.0)  # d + dl = 2 + f exactly (Fast2Sum: |f| < 2)
    s = f / d
    p, pe = _two_prod(s, d)
    # s + sl = f / (2 + f): the residual f - s (d + dl) is exact to 2^-106, and 1/d to 0.3%
    # is enough for its quotient (a correction 2^-53 of s)
    rd = _from_bits(0x7FDE623822FC16E6 - _bits(d))  # 1/d to 5%, from the bits
    sl = (((f - p) - pe) - s * dl) * (rd * (2.0 - d * rd))
    z, zl = _two_prod(s, s)
    t, tl = _two_prod(s, z)  # s^3 = t + tl + s zl
    c, cl = _two_prod(C2_3, t)  # (2/3) s^3 = c + cl
    cl = cl + (C2_3 * (tl + s * zl) + C2_3_LO * t)
    z2 = z * z
    q = ((0.40000000000002284 + z * 0.2857142857008563)
         + z2 * (0.22222222522573287 + z * 0.18181784122186656)) + (z2 * z2) * (
        (0.15386769169742837 + z * 0.1325653005620628) + z2 * 0.13199102892224987)
    # log(1 + f) = 2 atanh(s + sl) = 2s + (2/3) s^3 + s z^2 q(z) + 2 sl (1 + s^2), q fitted
    # (tools/fit_polynomials.py logdd, 2^-66). 2s + c, then e ln2 + that, each in two parts:
    # c is up to 1% of 2s, and rounding it into a low part would lose 2^-60 of the sum
    v = 2.0 * s + c
    vl = c - (v - 2.0 * s)  # Fast2Sum: |2s| > |c|
    hi, hl = _two_diff(e * LN2_HI, -v)
    # sl's terms: 2 sl of 2s, and 2 s^2 sl of (2/3) s^3
    lo = hl + (vl + (((e * LN2_LO + (s * z2) * q) + cl) + (2.0 * sl) * (1.0 + z)))
    h = hi + lo  # renormalized, so that y lo is a correction to y h
    return h, lo - (h - hi)


@helper
def _pow_signs(x, y, res):
    """x ** y from res = |x| ** y: negated for a negative x and an odd integer y, nan for a
    negative finite x and y not an integer, and 1 for y = 0 or x = 1 (even for a nan)."""
    whole = np.floor(y) == y  # (so are +-inf)
    res = -res if whole & np.signbit(x) & (np.floor(0.5 * y) != 0.5 * y) else res  # odd y
    res = np.nan if (x < 0.0) & (x > -np.inf) & ~whole else res
    return 1.0 if (y == 0.0) | (x == 1.0) else res


@inlined
def powf_(x, y):
    """x ** y for floats: e^(y log |x|), negated for a negative x and an odd integer y, nan for
    a negative finite x and y not an integer, and NumPy's (C99's) special cases, most of which
    IEEE arithmetic on log 0 = -inf and log inf = inf gives."""
    x, y = np.float64(x), np.float64(y)
    a = abs(x)
    tiny = a < 2.2250738585072014e-308
    hi, lo = _log_two_parts(a * 18014398509481984.0 if tiny else a, 54.0 if tiny else 0.0)
    hi = hi if (a > 0.0) & (a < np.inf) else (-np.inf if a == 0.0 else a)  # inf and nan: a
    # beyond 2^64 y log a saturates unless a is 1: y = +-inf gives 1 there, not nan
    yc = min(max(y, -1.8446744073709552e19), 1.8446744073709552e19)
    zh, ze = _two_prod(yc, hi)
    zc = min(max(zh, -746.0), 710.0)  # beyond, the result is 0 or inf, whatever zl is
    k, r, c = _reduce_ln2(zc)
    em1 = r + _expm1_tail(r)
    c = c + ((ze + yc * lo) if zc == zh else 0.0)
    res = _times_2k(1.0 + (em1 + c * (1.0 + em1)), k)
    return _pow_signs(x, y, res)


@inlined
def powf_f32_(x, y):
    """float32 x ** y, in float64 (where every float32 is normal) but with log |x| in one
    part: to 2^-53, y log |x| is good to 2^-45 wherever the result is a finite float32."""
    x, y = np.float64(x), np.float64(y)
    a = abs(x)
    lg = _log_scaled(a, a, 0.0)  # -inf for 0, inf for inf
    yc = min(max(y, -1.8446744073709552e19), 1.8446744073709552e19)  # as in powf_
    return F32(_pow_signs(x, y, exp_(yc * lg)))


# --- the rest: libm (scalar), or one-liners ---------------------------------------------------

@jit
def sqrt_(x):
    return np.sqrt(x)


@jit
def pow_(x, y):
    # integers and complex numbers (floats: powf_)
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
    return x != x


@jit
def isinf_(x):
    return abs(x) == np.inf


@jit
def isfinite_(x):
    return abs(x) < np.inf


@jit
def invert_(x):
    return ~x


@jit
def mod_(x, y):
    return np.mod(x, y)


@jit
def floordiv_(x, y):
    return np.floor_divide(x, y)




# --- arrays: layout, blocked reductions, gathers, products ------------------------------------

def contig_(a):
    """``a`` if its layout is contiguous (C or Fortran, e.g. a transpose), else a C copy."""
    return a if a.flags.c_contiguous or a.flags.f_contiguous else np.ascontiguousarray(a)


@overload(contig_)
def _contig_impl(a):
    if isinstance(a, types.Array) and a.layout in ("C", "F"):
        return lambda a: a
    return lambda a: np.ascontiguousarray(a)


# Array construction and layout. Generated code calls these rather than ``np.empty`` & co.
# directly: Numba compiles its own implementation of each for every new argument type in every
# process (0.05-0.4 s apiece, most of a first call), while these kernels are compiled once per
# machine and loaded from Numba's disk cache after that.

@jit
def empty_(shape, dtype):
    return np.empty(shape, dtype)


@jit
def zeros_(shape, dtype):
    return np.zeros(shape, dtype)


@jit
def full_(shape, value, dtype):
    return np.full(shape, value, dtype)


@jit
def reshape_(a, shape):
    """``a`` in C order with a new shape: a view when ``a`` is C-contiguous, else a copy."""
    return np.ascontiguousarray(a).reshape(shape)


def _permuted(t, perm):
    """``t`` (a shape or strides) reordered by ``perm``: ``(t[perm[0]], t[perm[1]], ...)``."""
    return tuple(t[p] for p in perm)


@overload(_permuted)
def _permuted_impl(t, perm):
    # a tuple of static length: written out for this length, as Numba needs
    src = ("def permuted(t, perm):\n    return ("
           + "".join(f"t[perm[{i}]], " for i in range(len(perm))) + ")\n")
    scope = {}
    exec(src, scope)
    return scope["permuted"]


@jit
def transpose_(a, perm):
    """The view of ``a`` with its axes reordered by the tuple ``perm`` (``np.transpose``).
    Numba's own ``np.transpose(a, axes)`` compiles a general routine anew in every process
    (4-6 s here: most of the first call of a logistic-regression Hessian); this is a strided
    view, compiled once per machine for each dtype, rank and layout."""
    return np.lib.stride_tricks.as_strided(a, _permuted(a.shape, perm),
                                           _permuted(a.strides, perm))


@jit
def dot_(a, b):
    """``a @ b`` for 2-d float arrays, through BLAS (``blas.py``)."""
    out = np.empty((a.shape[0], b.shape[1]), a.dtype)
    return gemm_into_(a, b, out)


@jit
def gemm_into_(a, b, out):
    """``out[...] = a @ b``. C- and F-ordered operands go to BLAS as they are (an F array is
    a transposed C one); strided ones are copied first."""
    m, k, n = a.shape[0], a.shape[1], b.shape[1]
    if m == 0 or n == 0:
        return out
    if k == 0:
        for i in range(m):
            for j in range(n):
                out[i, j] = 0
        return out
    a2, b2 = contig_(a), contig_(b)
    if a2.flags.c_contiguous:
        ta, lda = blas.NO_TRANS, k
    else:
        ta, lda = blas.TRANS, m
    if b2.flags.c_contiguous:
        tb, ldb = blas.NO_TRANS, n
    else:
        tb, ldb = blas.TRANS, k
    blas._gemm(ta, tb, m, n, k, a2, lda, b2, ldb, out, n)
    return out


SUM, PROD, MAX, MIN = range(4)


@helper
def _combine(op, a, b):
    # ``op`` is a constant of each block kernel: the branches fold away when it is compiled.
    if op == SUM:
        return a + b
    if op == PROD:
        return a * b
    if op == MAX:
        return max_(a, b)
    return min_(a, b)


def _block_kernel(op, name):
    """``acc`` combined with ``buf[:m]`` through eight independent partial results, so LLVM
    vectorizes the loop (a single accumulator is a serial chain it may not reorder)."""
    def kernel(acc, buf, m):
        if m < 16:
            for j in range(m):
                acc = _combine(op, acc, buf[j])
            return acc
        s0, s1, s2, s3 = buf[0], buf[1], buf[2], buf[3]
        s4, s5, s6, s7 = buf[4], buf[5], buf[6], buf[7]
        end = m - m % 8
        for j in range(8, end, 8):
            s0 = _combine(op, s0, buf[j])
            s1 = _combine(op, s1, buf[j + 1])
            s2 = _combine(op, s2, buf[j + 2])
            s3 = _combine(op, s3, buf[j + 3])
            s4 = _combine(op, s4, buf[j + 4])
            s5 = _combine(op, s5, buf[j + 5])
            s6 = _combine(op, s6, buf[j + 6])
            s7 = _combine(op, s7, buf[j + 7])
        for j in range(end, m):
            s0 = _combine(op, s0, buf[j])
        t = _combine(op, _combine(op, _combine(op, s0, s1), _combine(op, s2, s3)),
                     _combine(op, _combine(op, s4, s5), _combine(op, s6, s7)))
        return _combine(op, acc, t)
    # Disk caching: Numba names a cache entry by qualified name (closures sharing one would
    # evict each other) and keys it by the closure's values, so those are plain ints, not
    # jitted functions (which pickle differently in every process: never a hit).
    kernel.__name__ = kernel.__qualname__ = name
    return jit(kernel)


sum_block_ = _block_kernel(SUM, "sum_block_")
prod_block_ = _block_kernel(PROD, "prod_block_")
max_block_ = _block_kernel(MAX, "max_block_")
min_block_ = _block_kernel(MIN, "min_block_")


@njit(cache=True, error_model="numpy", fastmath={"reassoc", "contract"}, forceinline=True)
def sum_add_(acc, x):
    """``acc + x`` with LLVM free to reassociate the additions (only these: the loop's other
    operations keep their order): a chain of them over a block of the innermost loop is
    vectorized into partial sums, with no buffer and no call (a fused ``sum(tanh(x))`` on 1e6
    values: 1.79 ms with ``sum_block_``, 1.39 ms). How many partial sums depends on the CPU's
    vector width, and with it the rounding of the result, as for the reductions of XLA and
    PyTorch."""
    return acc + x


def _extremum_intrinsic(float_name, signed_name, unsigned_name):
    """An intrinsic ``f(x, y)`` on two values of one type, as one LLVM instruction that the
    loop vectorizer knows as a reduction: ``llvm.maximum``/``llvm.minimum`` for floats (a NaN
    wins, and -0 < +0: IEEE 754-2019's maximum; no fast-math flag is needed to vectorize it),
    the signed or unsigned integer forms otherwise (booleans as unsigned)."""
    @intrinsic
    def extremum(typingctx, x, y):
        if x != y or not isinstance(x, (types.Float, types.Integer, types.Boolean)):
            return None

        def codegen(context, builder, signature, args):
            t = args[0].type
            name = (float_name if isinstance(x, types.Float) else
                    signed_name if isinstance(x, types.Integer) and x.signed else unsigned_name)
            fn = builder.module.declare_intrinsic(name, [t], lir.FunctionType(t, [t, t]))
            return builder.call(fn, args)
        return x(x, y), codegen
    return extremum


_maximum = _extremum_intrinsic("llvm.maximum", "llvm.smax", "llvm.umax")
_minimum = _extremum_intrinsic("llvm.minimum", "llvm.smin", "llvm.umin")


@njit(cache=True, error_model="numpy", forceinline=True)
def max_fold_(acc, x):
    """The larger of ``acc`` and ``x`` (a NaN wins; -0 < +0), as an operation that LLVM
    vectorizes when a loop chains it: a block's partial maximum with no buffer and no call
    (``max(x)`` of 1e6 values: 0.47 ms through ``max_block_``'s buffer, 0.15 ms). Where +0 and
    -0 tie it gives +0, where NumPy's result depends on their positions."""
    return _maximum(acc, x)


@njit(cache=True, error_model="numpy", forceinline=True)
def min_fold_(acc, x):
    """The smaller of ``acc`` and ``x`` (a NaN wins; -0 < +0), vectorized as ``max_fold_``."""
    return _minimum(acc, x)


ARG_BLOCK = 2048  # values a row's arg-extremum scans per vectorized pass (16 KiB of float64)


@helper
def _arg_extremum_row(x, base, n, largest):
    """Index of the first maximum (``largest``) or minimum of ``x[base:base + n]``, n >= 1, a
    NaN counting as the extremum. Each block's extremum is found by a vectorized fold; only a
    block holding a NaN, or beating the extremum so far, is read again, by a second vectorized
    fold: the least index holding that extremum (or a NaN, which only a NaN extremum has)."""
    t, k = x[base], 0
    for lo in range(0, n, ARG_BLOCK):
        width = min(ARG_BLOCK, n - lo)
        m = x[nonneg_(base + lo)]
        for j in range(width):
            v = x[nonneg_(base + lo + j)]
            m = _maximum(m, v) if largest else _minimum(m, v)
        # strictly: ties keep the earlier index
        if m != m or ((m > t) if largest else (m < t)):
            first = width
            for j in range(width):
                v = x[nonneg_(base + lo + j)]
                first = _minimum(first, j if (v == m) | (v != v) else width)
            t, k = m, lo + first
            if m != m:
                return k
    return k


@helper
def _arg_extremum_columns(a, p, out, best, largest):
    """``out[p, c]``: the index along axis 1 of the first extremum of ``a[p, :, c]``, for every
    c at once, reading ``a[p]`` row after row (the update is a select per column, which LLVM
    vectorizes); a NaN counts as the extremum and, once met, is kept."""
    for c in range(a.shape[2]):
        best[c] = a[p, 0, c]
        out[p, c] = 0
    for j in range(1, a.shape[1]):
        for c in range(a.shape[2]):
            v, t = a[p, j, c], best[c]
            beats = (v > t) if largest else (v < t)
            better = beats | ((v != v) & (t == t))
            best[c] = v if better else t
            out[p, c] = j if better else out[p, c]


@helper
def _arg_extremum(a, out, largest):
    if a.shape[2] == 1:
        flat = a.ravel()  # a C-contiguous view (``reshape_`` makes one)
        for p in range(a.shape[0]):
            out[p, 0] = _arg_extremum_row(flat, p * a.shape[1], a.shape[1], largest)
    else:
        best = np.empty(a.shape[2], a.dtype)
        for p in range(a.shape[0]):
            _arg_extremum_columns(a, p, out, best, largest)
    return out


@jit
def argmax_(a, out):
    """Index of the first maximum (a NaN counts as the maximum) along axis 1 of (p, n, q),
    C-contiguous, n >= 1."""
    return _arg_extremum(a, out, True)


@jit
def argmin_(a, out):
    """Index of the first minimum (a NaN counts as the minimum), as ``argmax_``."""
    return _arg_extremum(a, out, False)


@jit
def cumsum_(a, out, reverse):
    """Running sums along axis 1 of (p, n, q)."""
    n = a.shape[1]
    for p in range(a.shape[0]):
        for jj in range(n):
            j = n - 1 - jj if reverse else jj
            if jj == 0:
                for q in range(a.shape[2]):
                    out[p, j, q] = a[p, j, q]
            else:
                prev = j + 1 if reverse else j - 1
                for q in range(a.shape[2]):
                    out[p, j, q] = out[p, prev, q] + a[p, j, q]
    return out


# Sorting rows (ops/sorting.py), as kernels compiled once per machine: Numba's np.searchsorted
# called from generated code compiled in every process, and a row assigned from its result
# compiled Numba's shape-error message formatting (~3 s). argsort is a merge sort of our own:
# Numba's np.argsort(kind="mergesort") is recursive, and typing it took 5-7 s of the kernel's
# first compile for each dtype (a third of a cold `make test`'s sorting tests); this one,
# bottom-up, compiles in under a second and runs as fast (RESULTS.md U).

SORT_RUN = 16  # runs of this length are sorted by insertion before the merges


def _sorts_before(a, b):
    """Whether ``a`` goes strictly before ``b`` in NumPy's sort order: NaNs last; complex
    numbers by real part, then imaginary part, with NaNs last in each."""


# no inline="always" (Numba's IR inliner warns on the short-circuit branches): LLVM inlines
@overload(_sorts_before)
def _sorts_before_impl(a, b):
    if isinstance(a, types.Complex):
        return lambda a, b: _complex_before(a, b)
    if isinstance(a, types.Float):
        return lambda a, b: a < b or (b != b and a == a)
    return lambda a, b: a < b


@inlined
def _complex_before(a, b):
    # NumPy's order (npysort's CFLOAT_LT), NaN parts included
    if a.real < b.real:
        return a.imag == a.imag or b.imag != b.imag
    if a.real > b.real:
        return b.imag != b.imag and a.imag == a.imag
    if a.real == b.real or (a.real != a.real and b.real != b.real):
        return a.imag < b.imag or (b.imag != b.imag and a.imag == a.imag)
    return b.real != b.real


@jit
def argsort_rows_(x, out):
    """Each row's stable argsort into ``out`` (NaNs last, as NumPy's stable sort). The keys
    move with their indices: merging reads them in order instead of through the indices."""
    n = x.shape[1]
    src, dst = np.empty(n, np.int64), np.empty(n, np.int64)
    key, key2 = np.empty(n, x.dtype), np.empty(n, x.dtype)
    for r in range(x.shape[0]):
        for lo in range(0, n, SORT_RUN):  # insertion sort of each run
            for i in range(lo, min(lo + SORT_RUN, n)):
                v = x[r, i]
                j = i
                while j > lo and _sorts_before(v, key[j - 1]):
                    src[j], key[j] = src[j - 1], key[j - 1]
                    j -= 1
                src[j], key[j] = i, v
        width = SORT_RUN
        while width < n:  # merge pairs of sorted runs, twice as long each pass
            for lo in range(0, n, 2 * width):
                mid, hi = min(lo + width, n), min(lo + 2 * width, n)
                i, j, k = lo, mid, lo
                while i < mid and j < hi:
                    # the right run's key goes first only if strictly before: stable
                    if _sorts_before(key[j], key[i]):
                        dst[k], key2[k] = src[j], key[j]
                        j += 1
                    else:
                        dst[k], key2[k] = src[i], key[i]
                        i += 1
                    k += 1
                for t in range(i, mid):
                    dst[k], key2[k] = src[t], key[t]
                    k += 1
                for t in range(j, hi):
                    dst[k], key2[k] = src[t], key[t]
                    k += 1
            src, dst, key, key2 = dst, src, key2, key
            width *= 2
        for j in range(n):
            out[r, j] = src[j]
    return out


@jit
def searchsorted_rows_(a, v, out, right):
    """Where each value of row ``r`` of ``v`` goes in row ``r`` of sorted ``a`` (NaNs last)."""
    for r in range(a.shape[0]):
        if right:
            idx = np.searchsorted(a[r], v[r], side="right")
        else:
            idx = np.searchsorted(a[r], v[r], side="left")
        for j in range(idx.shape[0]):
            out[r, j] = idx[j]
    return out


@jit
def take_(x, idx, out):
    """out[p, m, q] = x[p, idx[m], q], indices clamped to range (NumPy's mode='clip')."""
    n = x.shape[1]
    if x.shape[2] == 1:  # a loop over m alone, which LLVM vectorizes (gathers)
        for p in range(x.shape[0]):
            for m in range(idx.shape[0]):
                out[p, m, 0] = x[p, min(max(idx[m], 0), n - 1), 0]
        return out
    for p in range(x.shape[0]):
        for m in range(idx.shape[0]):
            k = min(max(idx[m], 0), n - 1)
            for q in range(x.shape[2]):
                out[p, m, q] = x[p, k, q]
    return out


@jit
def scatter_(out, idx, upd, mode):
    """Combine ``upd[p, m, q]`` into ``out[p, idx[m], q]`` (indices clamped), in index order
    (so for set the last write wins, as in NumPy): mode 0 add, 1 set, 2 multiply, 3 min,
    4 max. ``mode`` is the same for the whole loop: LLVM moves the branch out of it."""
    n = out.shape[1]
    for p in range(out.shape[0]):
        for m in range(idx.shape[0]):
            k = min(max(idx[m], 0), n - 1)
            for q in range(out.shape[2]):
                a, b = out[p, k, q], upd[p, m, q]
                if mode == 0:
                    out[p, k, q] = a + b
                elif mode == 1:
                    out[p, k, q] = b
                elif mode == 2:
                    out[p, k, q] = a * b
                elif mode == 3:
                    out[p, k, q] = min_(a, b)
                else:
                    out[p, k, q] = max_(a, b)
    return out


def product_into_(a, b, out):
    """``out[...] = a @ b`` for 2-d arrays of any dtype (an overload picks the method)."""


@overload(product_into_)
def _product_into_impl(a, b, out):
    if out.dtype in (types.float32, types.float64):
        return lambda a, b, out: gemm_into_(a, b, out)
    if isinstance(out.dtype, types.Complex):  # Numba's np.dot: SciPy's BLAS (zgemm)
        def complex_product(a, b, out):
            if a.shape[1] == 0:
                out[...] = 0
            elif out.size:  # _put: Numba's ``out[...] = array`` took 3-4 s more to compile
                _put(out, np.dot(np.ascontiguousarray(a), np.ascontiguousarray(b)))
        return complex_product

    def integer_product(a, b, out):
        out[...] = 0
        matmul_loops_(a, b, out)
    return integer_product


@jit
def matmul_batched_(x, y, out):
    for b in range(x.shape[0]):
        product_into_(x[b], y[b], out[b])
    return out


@jit
def matmul_loops_(x, y, out):
    """Integer matmul (BLAS has none): out += x @ y."""
    for i in range(x.shape[0]):
        for k in range(x.shape[1]):
            a = x[i, k]
            for j in range(y.shape[1]):
                out[i, j] += a * y[k, j]
    return out


@jit
def trisolve_(a, b, lower, trans):
    """x with op(a) x = b for each of a stack (p, n, n) / (p, n, k); op(a) = a.T if ``trans``.
    Only the triangle named by ``lower`` is read, as in LAPACK's trsm."""
    x = np.empty_like(b)
    low = lower != trans  # op(a) is lower triangular: forward substitution
    n, k = b.shape[1], b.shape[2]
    for p in range(b.shape[0]):
        for ii in range(n):
            i = ii if low else n - 1 - ii
            for q in range(k):
                x[p, i, q] = b[p, i, q]
            for jj in range(ii):
                j = jj if low else n - 1 - jj
                t = a[p, j, i] if trans else a[p, i, j]
                for q in range(k):
                    x[p, i, q] -= t * x[p, j, q]
            d = a[p, i, i]
            if d == 0:
                raise np.linalg.LinAlgError("triangular_solve: the matrix is singular (a zero "
                                            "on its diagonal)")
            for q in range(k):
                x[p, i, q] /= d
    return x


# --- stacks of matrices: Numba's LAPACK bindings on each matrix of a (B, m, n) stack ----------
# Called from generated code, Numba compiled np.linalg.solve & co. anew in every process (solve:
# 5.9 s, pinv 1 s) and, for a result assigned to a slice, its shape-error formatting (~3 s);
# here, once per machine. Results go into preallocated outputs element by element.
# ``wide``: the dtype a matrix is computed in (float64 for float32 where NumPy widens, so a rank
# or a cutoff agrees with NumPy's). ``mode`` of ``_matrix``: 0 as it is, 1 transposed, 2 the
# symmetric matrix its lower triangle makes.

@helper
def _matrix(a, wide, mode, cols):
    """A C-contiguous copy of the 2-d ``a`` in dtype ``wide`` (see above for ``mode``), with
    zero columns added up to ``cols``."""
    m, n = a.shape
    x = np.zeros((m, cols), wide)
    for r in range(m):
        for c in range(n):
            if mode == 0:
                x[r, c] = a[r, c]
            elif mode == 1:
                x[r, c] = a[c, r]
            else:
                x[r, c] = a[max(r, c), min(r, c)]
    return x


@helper
def _put(dst, src):
    """``dst[...] = src`` for 2-d arrays, ``src`` possibly wider (its first columns are kept)."""
    for r in range(dst.shape[0]):
        for c in range(dst.shape[1]):
            dst[r, c] = src[r, c]


@helper
def _put1(dst, src):
    for k in range(dst.shape[0]):
        dst[k] = src[k]


@jit
def solve_stack_(a, b, out):
    for i in range(a.shape[0]):
        _put(out[i], np.linalg.solve(a[i], b[i]))
    return out


@jit
def inv_stack_(a, out):
    for i in range(a.shape[0]):
        _put(out[i], np.linalg.inv(a[i]))
    return out


@jit
def cholesky_stack_(a, out):
    for i in range(a.shape[0]):
        _put(out[i], np.linalg.cholesky(a[i]))
    return out


@jit
def slogdet_stack_(a, sign, logdet):
    for i in range(a.shape[0]):
        s, d = np.linalg.slogdet(a[i])
        sign[i], logdet[i] = s, d
    return sign, logdet


@jit
def svd_stack_(a, wide, full, u, s, vt):
    """u, s, vt of each matrix; ``full``: u and vt square (NumPy's full_matrices)."""
    for i in range(a.shape[0]):
        x = _matrix(a[i], wide, 0, a.shape[2])
        uu, ss, vv = np.linalg.svd(x, full)
        _put(u[i], uu)
        _put1(s[i], ss)
        _put(vt[i], vv)
    return u, s, vt


@jit
def svdvals_stack_(a, wide, s):
    for i in range(a.shape[0]):
        _put1(s[i], np.linalg.svd(_matrix(a[i], wide, 0, a.shape[2]), False)[1])
    return s


@jit
def eigh_stack_(a, wide, lower, w, v):
    """Eigenvalues (ascending) and vectors of each symmetric matrix, read from its ``lower``
    or upper triangle."""
    for i in range(a.shape[0]):
        ww, vv = np.linalg.eigh(_matrix(a[i], wide, 0 if lower else 1, a.shape[2]))
        _put1(w[i], ww)
        _put(v[i], vv)
    return w, v


@jit
def eigvalsh_stack_(a, wide, lower, w):
    for i in range(a.shape[0]):
        _put1(w[i], np.linalg.eigvalsh(_matrix(a[i], wide, 0 if lower else 1, a.shape[2])))
    return w


@jit
def qr_stack_(a, q, r):
    """q, r of each matrix. Numba's qr is the reduced one: for a complete q (q square, r as
    tall as a) of a tall matrix, the matrix is padded with zero columns to square."""
    for i in range(a.shape[0]):
        qq, rr = np.linalg.qr(_matrix(a[i], a.dtype, 0, max(a.shape[2], q.shape[2])))
        _put(q[i], qq)
        _put(r[i], rr)
    return q, r


@jit
def pinv_stack_(a, wide, rcond, hermitian, out):
    """The pseudo-inverse of each matrix; a ``hermitian`` one is read from its lower triangle."""
    for i in range(a.shape[0]):
        x = _matrix(a[i], wide, 2 if hermitian else 0, a.shape[2])
        _put(out[i], np.linalg.pinv(x, rcond))
    return out


# --- scipy.special: SciPy's own compiled scalar functions -------------------------------------
# scipy.special.cython_special exports the C functions behind scipy.special's ufuncs; generated
# code calls them by a symbol name that llvmlite resolves when the code is loaded. (A call
# through a ctypes pointer, numba-scipy's way, would embed an address: Numba refuses to cache
# such a function on disk, and so every jit function that used one.) Same numbers as eager
# scipy.special, one C call per element; measured against NumPy between compiled pieces in
# benchmarks/special.py.
# The symbols are registered lazily (``link_scipy_special``): importing cython_special takes
# ~0.15 s, which a program that calls none of these kernels should not pay at its first load.
# They must be registered before code that calls one is compiled or loaded (else LLVM aborts
# the process on the unresolved symbol): a kernel below links them when it is compiled or
# loaded (``_special``), compile.py when a generated module names one (``link_scipy_for``).

_SCIPY = {}  # LLVM symbol -> (SciPy's function name, number of double arguments)
_CALLING_SCIPY = []  # the names of the kernels that call them
_scipy_lock = threading.Lock()
_scipy_linked = threading.Event()


def _scipy_scalar(kernel, nargs):
    """The double version of the SciPy function a kernel is named after (``K.gammaln_``:
    ``scipy.special.gammaln``) as a Numba function ``f(x, ..., 0)`` (the last argument is
    Cython's ``skip_dispatch`` flag), by symbol name: see ``link_scipy_special``."""
    symbol = f"funcgrad_scipy_{kernel.__name__[:-1]}"
    _SCIPY[symbol] = (kernel.__name__[:-1], nargs)
    return types.ExternalFunction(symbol, types.float64(*[types.float64] * nargs, types.intc))


def link_scipy_special():
    """Register with LLVM the symbols of the SciPy functions the special-function kernels
    call (once per process; imports ``scipy.special.cython_special``)."""
    if _scipy_linked.is_set():
        return
    with _scipy_lock:
        if _scipy_linked.is_set():
            return
        import scipy.special.cython_special as cs
        for symbol, (name, nargs) in _SCIPY.items():
            want = "double (" + ", ".join(["double"] * nargs) + ", int __pyx_skip_dispatch)"
            key = next((k for k, capsule in cs.__pyx_capi__.items()
                        if re.sub(r"^__pyx_fuse(_\d)*", "", k) == name
                        and f'"{want}"' in repr(capsule)), None)
            if key is None:
                raise ImportError(f"scipy.special.cython_special has no {want} version of "
                                  f"{name}: this SciPy is not one funcgrad knows")
            ll.add_symbol(symbol, get_cython_function_address(cs.__name__, key))
        _scipy_linked.set()


def link_scipy_for(text):
    """Link SciPy's symbols if the generated module ``text`` calls a kernel that needs them
    (its machine code, loaded from the disk cache, holds that kernel's code and symbols)."""
    if not _scipy_linked.is_set() and any(name + "(" in text for name in _CALLING_SCIPY):
        link_scipy_special()


def _special(fn):
    """``jit`` for a kernel that calls SciPy: it links SciPy's symbols before Numba compiles
    it or loads it from the cache (for a call from Python or from code being compiled)."""
    dispatcher = jit(fn)
    compile_ = dispatcher.compile
    _CALLING_SCIPY.append(fn.__name__)

    def compile(sig):
        link_scipy_special()
        return compile_(sig)
    dispatcher.compile = compile
    return dispatcher


_gammaln = _scipy_scalar(K.gammaln_, 1)
_psi = _scipy_scalar(K.psi_, 1)
_gamma = _scipy_scalar(K.gamma_, 1)
_gammasgn = _scipy_scalar(K.gammasgn_, 1)
_rgamma = _scipy_scalar(K.rgamma_, 1)
_erf = _scipy_scalar(K.erf_, 1)
_erfc = _scipy_scalar(K.erfc_, 1)
_erfcx = _scipy_scalar(K.erfcx_, 1)
_erfinv = _scipy_scalar(K.erfinv_, 1)
_erfcinv = _scipy_scalar(K.erfcinv_, 1)
_ndtr = _scipy_scalar(K.ndtr_, 1)
_ndtri = _scipy_scalar(K.ndtri_, 1)
_log_ndtr = _scipy_scalar(K.log_ndtr_, 1)
_i0e = _scipy_scalar(K.i0e_, 1)
_i1e = _scipy_scalar(K.i1e_, 1)
_j0 = _scipy_scalar(K.j0_, 1)
_j1 = _scipy_scalar(K.j1_, 1)
_y0 = _scipy_scalar(K.y0_, 1)
_y1 = _scipy_scalar(K.y1_, 1)
_expi = _scipy_scalar(K.expi_, 1)
_exp1 = _scipy_scalar(K.exp1_, 1)
_spence = _scipy_scalar(K.spence_, 1)
_betaln = _scipy_scalar(K.betaln_, 2)
_beta = _scipy_scalar(K.beta_, 2)
_gammainc = _scipy_scalar(K.gammainc_, 2)
_gammaincc = _scipy_scalar(K.gammaincc_, 2)
_betainc = _scipy_scalar(K.betainc_, 3)


@_special
def gammaln_(x):
    return _gammaln(np.float64(x), 0)


@_special
def psi_(x):
    return _psi(np.float64(x), 0)


@_special
def gamma_(x):
    return _gamma(np.float64(x), 0)


@_special
def rgamma_(x):
    return _rgamma(np.float64(x), 0)


@_special
def gammasgn_(x):
    return _gammasgn(np.float64(x), 0)


@_special
def erf_(x):
    return _erf(np.float64(x), 0)


@_special
def erfc_(x):
    return _erfc(np.float64(x), 0)


@_special
def erfcx_(x):
    return _erfcx(np.float64(x), 0)


@_special
def erfinv_(x):
    return _erfinv(np.float64(x), 0)


@_special
def erfcinv_(x):
    return _erfcinv(np.float64(x), 0)


@_special
def ndtr_(x):
    return _ndtr(np.float64(x), 0)


@_special
def ndtri_(x):
    return _ndtri(np.float64(x), 0)


@_special
def log_ndtr_(x):
    return _log_ndtr(np.float64(x), 0)


@_special
def i0e_(x):
    return _i0e(np.float64(x), 0)


@_special
def i1e_(x):
    return _i1e(np.float64(x), 0)


@_special
def j0_(x):
    return _j0(np.float64(x), 0)


@_special
def j1_(x):
    return _j1(np.float64(x), 0)


@_special
def y0_(x):
    return _y0(np.float64(x), 0)


@_special
def y1_(x):
    return _y1(np.float64(x), 0)


@_special
def expi_(x):
    return _expi(np.float64(x), 0)


@_special
def exp1_(x):
    return _exp1(np.float64(x), 0)


@_special
def spence_(x):
    return _spence(np.float64(x), 0)


@_special
def betaln_(a, b):
    return _betaln(np.float64(a), np.float64(b), 0)


@_special
def beta_(a, b):
    return _beta(np.float64(a), np.float64(b), 0)


@_special
def gammainc_(a, x):
    return _gammainc(np.float64(a), np.float64(x), 0)


@_special
def gammaincc_(a, x):
    return _gammaincc(np.float64(a), np.float64(x), 0)


@_special
def betainc_(a, b, x):
    return _betainc(np.float64(a), np.float64(b), np.float64(x), 0)


# The Hurwitz zeta function has no export in cython_special: Euler-Maclaurin summation, as in
# Cephes. ZETA_A[k - 1] = (2k)! / B_2k (Bernoulli numbers), the correction terms' divisors.
ZETA_A = (12.0, -720.0, 30240.0, -1209600.0, 47900160.0, -1.8924375803183791606e9,
          7.47242496e10, -2.950130727918164224e12, 1.1646782814350067249e14,
          -4.5979787224074726105e15, 1.8152105401943546773e17, -7.1661652561756670113e18)
MACHEP = 1.11022302462515654042e-16


@jit
def zeta_(x, q):
    """sum over n >= 0 of (n + q)^-x, for x > 1 (SciPy's values and domain: inf at x == 1 and
    at the poles q = 0, -1, ...; nan for x < 1, or q < 0 with x not an integer)."""
    x, q = np.float64(x), np.float64(q)
    if x == 1.0:
        return np.inf
    if x < 1.0 or x != x or q != q:
        return np.nan
    if q <= 0.0:
        if q == math.floor(q):
            return np.inf
        if x != math.floor(x):
            return np.nan  # q^-x is not real
    s = q ** -x
    a, b, i = q, 0.0, 0
    while i < 9 or a <= 9.0:  # sum directly until the tail's expansion converges fast
        i += 1
        a += 1.0
        b = a ** -x
        s += b
        if abs(b / s) < MACHEP:
            return s
    w = a
    s += b * w / (x - 1.0) - 0.5 * b  # the tail's integral, and half its first term
    fac, k = 1.0, 0.0
    for j in range(12):
        fac *= x + k
        b /= w
        t = fac * b / ZETA_A[j]
        s += t
        if abs(t / s) < MACHEP:
            break
        k += 1.0
        fac *= x + k
        b /= w
        k += 1.0
    return s

# Every kernel a lowering record can name is defined above: checked here, so that a missing one
# fails at import rather than as a NameError in generated code.
_undefined = [k.__name__ for k in _declared() if k.__name__ not in globals()]
if _undefined:
    raise ImportError(f"funcgrad/backend/kernels.py defines no {', '.join(_undefined)}, which "
                      "funcgrad/ops/kernel_names.py declares")
