"""Table rows for complex arithmetic (see primitive_table.py).

The shared checks run on real arrays, so each row takes real arguments ``x, y``, forms
``z = x + 1j * y`` (complex128 from float64, complex64 from float32), applies complex
functions, and returns the real and imaginary parts of the result stacked (``_parts``). Finite
differences in ``x`` and ``y`` are then finite differences in the real and imaginary directions
of ``z``, and every derivative passes through the complex rules: a wrong conjugation in a VJP
flips the sign of an imaginary part and fails the reverse-mode check. Complex arguments and
outputs themselves, JAX's conventions and ``holomorphic`` are tested in tests/test_complex.py.
"""
import numpy as np
from primitive_table import Row

import funcgrad.numpy as fnp

S = (3, 4)


def _r(shape, lo, hi):
    return lambda rng, dtype: rng.uniform(lo, hi, size=shape).astype(dtype)


def _away(shape, lo=0.4, hi=1.5):
    """Entries of magnitude in [lo, hi], either sign."""
    return lambda rng, dtype: (rng.uniform(lo, hi, size=shape)
                               * rng.choice([-1, 1], size=shape)).astype(dtype)


def _parts(ns, z):
    return ns.stack([ns.real(z), ns.imag(z)])


def _row(name, f, x=(-1.5, 1.5), y=(-1.5, 1.5), shape=S, np_f=None, **kw):
    """A row of ``f(z)`` (``f(ns, z)`` given the namespace, fnp or np) at ``z = x + 1j y``
    with ``x`` and ``y`` drawn from the given intervals (or makers)."""
    mx = x if callable(x) else _r(shape, *x)
    my = y if callable(y) else _r(shape, *y)
    ROWS.append(Row(f"complex_{name}", lambda a, b: _parts(fnp, f(fnp, a + 1j * b)),
                    lambda rng, dtype: (mx(rng, dtype), my(rng, dtype)),
                    np_ref=lambda a, b: _parts(np, (np_f or f)(np, a + 1j * b)), **kw))


ROWS = []
RIGHT = dict(x=(0.3, 2.0), y=(-1.5, 1.5))  # away from the cut of log, sqrt, angle: x <= 0
INSIDE = dict(x=(-0.8, 0.8), y=(-0.8, 0.8))  # away from the cuts at |x| >= 1 or |y| >= 1

for n in ("exp", "sin", "cos", "sinh", "cosh", "tanh", "square", "negative", "exp2"):
    _row(n, lambda ns, z, n=n: getattr(ns, n)(z))
_row("tan", lambda ns, z: ns.tan(z), x=(-1.2, 1.2), y=(-1.0, 1.0))
for n in ("log", "sqrt", "log2", "log10", "angle", "reciprocal"):
    _row(n, lambda ns, z, n=n: getattr(ns, n)(z), **RIGHT)
for n in ("arcsin", "arccos", "arctan", "arcsinh", "arctanh"):
    _row(n, lambda ns, z, n=n: getattr(ns, n)(z), **INSIDE)
_row("arccosh", lambda ns, z: ns.arccosh(z), x=(1.2, 2.5), y=(-1.0, 1.0))
_row("log1p", lambda ns, z: ns.log1p(z), x=(-0.5, 2.0))
_row("expm1", lambda ns, z: ns.expm1(z), x=(-1.0, 1.0))
_row("abs", lambda ns, z: ns.abs(z), x=_away(S))
_row("conj", lambda ns, z: ns.conj(z) * z[0] + ns.real(z) * ns.imag(z))
_row("arith", lambda ns, z: (z * z[0] - 2.5j) / (z[1] + 3.0) + z ** 2)
_row("power", lambda ns, z: ns.power(z, z[::-1] * 0.5) + z ** 1.5 + 2.0 ** z, **RIGHT)
_row("sum_mean_prod", lambda ns, z: ns.sum(z, axis=0) + ns.mean(z, axis=0)
     + ns.prod(z, axis=0), x=_away(S))
_row("var_std", lambda ns, z: ns.var(z, axis=1) + ns.std(z, axis=0)[:3])
_row("cumsum", lambda ns, z: ns.cumsum(z * z, axis=1))
_row("matmul", lambda ns, z: z @ ns.transpose(z) + ns.einsum("ij,kj->ik", z, ns.exp(z)))
_row("where", lambda ns, z: ns.where(ns.abs(z) > 1.0, z * z, ns.conj(z)))
# lexicographic maximum and ordering (the parts are drawn apart: no ties)
_row("max", lambda ns, z: ns.max(z * z, axis=1) + ns.min(z, axis=0)[:3])
_row("maximum", lambda ns, z: ns.maximum(z, z[0] * 0.5) + ns.minimum(z, 0.2j)
     + ns.where(z < 0.3 + 0.1j, z, 2.0 * z))
_row("sign", lambda ns, z: ns.sign(z) + ns.isfinite(z), x=_away(S), grad=False)  # zero
_row("round", lambda ns, z: ns.round(z * 3.0, 1) + ns.real(z), grad=False)


# --- eig, eigvals (complex results of real matrices) -----------------------------------------
def _matrix(rng, dtype):
    # well separated eigenvalues: no degeneracy within finite-difference steps
    a = np.diag([1.0, 2.5, -1.5, 4.0]) + 0.3 * rng.uniform(-1.0, 1.0, size=(4, 4))
    return a.astype(dtype)


ROWS += [
    Row("eigvals", lambda a: _parts(fnp, fnp.linalg.eigvals(a)),
        lambda rng, dt: (_matrix(rng, dt),),
        np_ref=lambda a: _parts(np, np.linalg.eigvals(a).astype(np.result_type(a, 1j))),
        rtol=1e-5, atol=1e-6),
    # an eigenvector's phase is arbitrary: |v| is what has a derivative
    Row("eig_abs_vectors", lambda a: fnp.abs(fnp.linalg.eig(a)[1]) * fnp.real(
        fnp.linalg.eig(a)[0]), lambda rng, dt: (_matrix(rng, dt),),
        np_ref=lambda a: np.abs(np.linalg.eig(a)[1]) * np.linalg.eig(a)[0].real,
        rtol=1e-5, atol=1e-6),
]
