"""Primitives about floating-point numbers themselves: the sign bit, the next representable
number, and C's remainder ``fmod``. Each is one call of NumPy's ufunc in a compiled loop
(Numba implements them in the operands' own precision: ``nextafter`` of float32 steps by a
float32 ulp)."""
import numpy as np

from .broadcasting import ones_like, zeros_like
from .elementwise import BOOL, binary, div_p, trunc_p, unary

# signbit sees the sign of -0.0 and of NaNs, which comparisons cannot.
signbit_p = unary("signbit", np.signbit, scalar=np.signbit, differentiable=False,
                  out_dtype=BOOL)
# nextafter(x, y) moves x by one ulp: derivative 1 in x (the step is below any rounding of
# the derivative), 0 in y (a step function of y).
nextafter_p = binary("nextafter", np.nextafter, np.nextafter, partials=lambda x, y, out: (
    lambda: ones_like(x), lambda: zeros_like(y)))
# fmod: C's remainder (sign of the dividend), x - trunc(x / y) * y computed exactly.
fmod_p = binary("fmod", np.fmod, np.fmod, partials=lambda x, y, out: (
    lambda: ones_like(x), lambda: -trunc_p.bind(div_p.bind(x, y))))
