"""The kernels that lowering records name: compiled functions generated code calls.

``funcgrad/backend/kernels.py`` implements them with Numba (and checks, when it is imported,
that it defines every one declared here). This module only names them, without importing
Numba, so that a primitive's lowering record can refer to a kernel as an object. Calling one
on argument texts gives the text of the call: ``atan2_("y", "x")`` is ``"atan2_(y, x)"``.
"""
from ..core.lowering import Kernel

# --- scalar math: the loop bodies of elementwise primitives ------------------------------------
# float32 is computed in float64 and rounded once, but by a kernel's ``float32`` twin where it
# has one (computed in float32: twice the lanes per vector, polynomials for 24 bits)
exp_ = Kernel("exp_", float32=Kernel("exp_f32_"))
expm1_ = Kernel("expm1_", float32=Kernel("expm1_f32_"))
log_ = Kernel("log_", float32=Kernel("log_f32_"))
# vectorizable, for any argument but a positive subnormal; and whether it is one
log_fast_ = Kernel("log_fast_", float32=Kernel("log_fast_f32_"))
log_subnormal_ = Kernel("log_subnormal_", float32=Kernel("log_subnormal_f32_"))
log1p_ = Kernel("log1p_", float32=Kernel("log1p_f32_"))
tanh_ = Kernel("tanh_", float32=Kernel("tanh_f32_"))
logistic_ = Kernel("logistic_", float32=Kernel("logistic_f32_"))
sin_ = Kernel("sin_", float32=Kernel("sin_f32_"))
cos_ = Kernel("cos_", float32=Kernel("cos_f32_"))
# vectorizable, for |x| up to kernels.TRIG_FAST_LIMIT (float32: TRIG_FAST_LIMIT32); and whether
# |x| is beyond it
sin_fast_ = Kernel("sin_fast_", float32=Kernel("sin_fast_f32_"))
cos_fast_ = Kernel("cos_fast_", float32=Kernel("cos_fast_f32_"))
trig_big_ = Kernel("trig_big_", float32=Kernel("trig_big_f32_"))
tan_ = Kernel("tan_", float32=Kernel("tan_f32_"))
tan_fast_ = Kernel("tan_fast_", float32=Kernel("tan_fast_f32_"))
sqrt_ = Kernel("sqrt_")
asin_ = Kernel("asin_", float32=Kernel("asin_f32_"))
acos_ = Kernel("acos_", float32=Kernel("acos_f32_"))
atan_ = Kernel("atan_", float32=Kernel("atan_f32_"))
sinh_ = Kernel("sinh_", float32=Kernel("sinh_f32_"))
cosh_ = Kernel("cosh_", float32=Kernel("cosh_f32_"))
asinh_ = Kernel("asinh_", float32=Kernel("asinh_f32_"))
acosh_ = Kernel("acosh_", float32=Kernel("acosh_f32_"))
atanh_ = Kernel("atanh_", float32=Kernel("atanh_f32_"))
exp2_ = Kernel("exp2_", float32=Kernel("exp2_f32_"))  # 2 ** x: pow_p with a literal base 2
cbrt_ = Kernel("cbrt_", float32=Kernel("cbrt_f32_"))
atan2_ = Kernel("atan2_", float32=Kernel("atan2_f32_"))
pow_ = Kernel("pow_")
powf_ = Kernel("powf_", float32=Kernel("powf_f32_"))  # pow_ for floats, written to vectorize
max_ = Kernel("max_")  # NaN propagates, as in np.maximum
min_ = Kernel("min_")
abs_ = Kernel("abs_")
sign_ = Kernel("sign_")
floor_ = Kernel("floor_")
ceil_ = Kernel("ceil_")
rint_ = Kernel("rint_")
trunc_ = Kernel("trunc_")
isnan_ = Kernel("isnan_")
isinf_ = Kernel("isinf_")
isfinite_ = Kernel("isfinite_")
invert_ = Kernel("invert_")
mod_ = Kernel("mod_")
floordiv_ = Kernel("floordiv_")
logaddexp_ = Kernel("logaddexp_", float32=Kernel("logaddexp_f32_"))

# --- reductions: fold a buffer into an accumulator with eight partial results ----------------
sum_block_ = Kernel("sum_block_")
sum_add_ = Kernel("sum_add_")  # acc + x that LLVM may reassociate: a vectorized partial sum
prod_block_ = Kernel("prod_block_")
max_block_ = Kernel("max_block_")
min_block_ = Kernel("min_block_")
max_fold_ = Kernel("max_fold_")  # IEEE maximum, which LLVM vectorizes: a partial maximum
min_fold_ = Kernel("min_fold_")

# --- loops -------------------------------------------------------------------------------------
nonneg_ = Kernel("nonneg_")  # an index known to be >= 0: no wraparound, so loops vectorize
# raised after a loop whose fast kernels met an argument beyond their range (the exception
# class: ``raise BeyondFastRange()``)
BeyondFastRange = Kernel("BeyondFastRange")

# --- arrays: construction, layout, products, gathers ------------------------------------------
empty_ = Kernel("empty_")
zeros_ = Kernel("zeros_")
full_ = Kernel("full_")
reshape_ = Kernel("reshape_")  # a view of a C-contiguous array, else a copy
transpose_ = Kernel("transpose_")  # a strided view (Numba's np.transpose compiles per process)
dot_ = Kernel("dot_")  # 2-d float matmul through BLAS
matmul_batched_ = Kernel("matmul_batched_")
matmul_loops_ = Kernel("matmul_loops_")  # integer matmul (BLAS has none)
argmax_ = Kernel("argmax_")  # along axis 1 of (before, n, after)
argmin_ = Kernel("argmin_")
cumsum_ = Kernel("cumsum_")
argsort_rows_ = Kernel("argsort_rows_")
searchsorted_rows_ = Kernel("searchsorted_rows_")
take_ = Kernel("take_")
scatter_ = Kernel("scatter_")  # mode: ops/shape.py's SCATTER_MODES
trisolve_ = Kernel("trisolve_")
# Numba's LAPACK bindings on each matrix of a stack (from generated code, each compiled anew in
# every process)
solve_stack_ = Kernel("solve_stack_")
inv_stack_ = Kernel("inv_stack_")
cholesky_stack_ = Kernel("cholesky_stack_")
slogdet_stack_ = Kernel("slogdet_stack_")
svd_stack_ = Kernel("svd_stack_")
svdvals_stack_ = Kernel("svdvals_stack_")
eigh_stack_ = Kernel("eigh_stack_")
eigvalsh_stack_ = Kernel("eigvalsh_stack_")
qr_stack_ = Kernel("qr_stack_")
pinv_stack_ = Kernel("pinv_stack_")


# --- scipy.special: named after SciPy's compiled scalar functions they call (zeta_: our own) --
gammaln_ = Kernel("gammaln_")
psi_ = Kernel("psi_")  # digamma
gamma_ = Kernel("gamma_")
gammasgn_ = Kernel("gammasgn_")
rgamma_ = Kernel("rgamma_")
erf_ = Kernel("erf_")
erfc_ = Kernel("erfc_")
erfcx_ = Kernel("erfcx_")
erfinv_ = Kernel("erfinv_")
erfcinv_ = Kernel("erfcinv_")
ndtr_ = Kernel("ndtr_")
ndtri_ = Kernel("ndtri_")
log_ndtr_ = Kernel("log_ndtr_")
i0e_ = Kernel("i0e_")
i1e_ = Kernel("i1e_")
j0_ = Kernel("j0_")
j1_ = Kernel("j1_")
y0_ = Kernel("y0_")
y1_ = Kernel("y1_")
expi_ = Kernel("expi_")
exp1_ = Kernel("exp1_")
spence_ = Kernel("spence_")
betaln_ = Kernel("betaln_")
beta_ = Kernel("beta_")
gammainc_ = Kernel("gammainc_")
gammaincc_ = Kernel("gammaincc_")
betainc_ = Kernel("betainc_")
zeta_ = Kernel("zeta_")


def declared():
    """Every kernel declared here, float32 twins included."""
    kernels = [k for k in globals().values() if isinstance(k, Kernel)]
    return kernels + [k.float32 for k in kernels if k.float32 is not None]
