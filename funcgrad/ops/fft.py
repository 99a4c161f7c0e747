"""The discrete Fourier transform: one primitive, ``fft``, of four kinds over some axes.

``fft[kind, axes, n]``: ``kind`` is ``"fft"``, ``"ifft"`` (complex to complex), ``"rfft"``
(real to the half spectrum along ``axes[-1]``: ``n // 2 + 1`` bins) or ``"irfft"`` (a half
spectrum to ``n`` real values along ``axes[-1]``); transforms are NumPy's with
``norm="backward"`` (the inverse ones divide by the number of points), over exactly the
operand's extent along ``axes`` (the NumPy layer pads or truncates for ``n``/``s``, and scales
for the other ``norm``\\ s).

They are linear maps, so the JVP applies the same transform to the tangent, and the VJP is the
transpose under JAX's pairing ``Re(sum(ct * t))`` (``ops/complex.py``), in closed form:

- the DFT matrix ``F`` is symmetric, so ``fft``'s transpose is ``fft`` and ``ifft``'s is
  ``ifft``;
- ``rfft(x)`` is ``fft(x + 0i)`` cut to the first ``n // 2 + 1`` bins along the last axis, so
  its transpose zero-pads the cotangent back to ``n`` bins, applies ``fft`` and keeps the real
  part;
- ``irfft(X)[k] = 1/n sum_j c_j Re(X[j] e^{2 pi i jk/n})`` with ``c_j = 2`` for the bins that
  stand for a conjugate pair and ``c_j = 1`` for bin 0 and (``n`` even) bin ``n / 2``, whose
  imaginary parts NumPy ignores; so its transpose is ``c * ifft(ct)`` cut to the half spectrum.

Under ``jit`` the primitive has no compiled form: the runner calls NumPy for it between
compiled pieces (measured against rocket-fft, a Numba extension, in benchmarks/RESULTS.md).
"""
import numpy as np

from ..core.avals import ShapedArray, is_complex
from ..core.primitive import NOT_SUPPORTED
from ..errors import user_frame
from .broadcasting import broadcast_in_dim, linear_primitive
from .complex import complex_dtype, real_p
from .elementwise import convert_element_type, mul_p
from .shape import pad_p, slice_p

KINDS = ("fft", "ifft", "rfft", "irfft")


def _impl(x, kind, axes, n):
    x = np.asarray(x)
    if kind == "fft":
        return np.fft.fftn(x, axes=axes)
    if kind == "ifft":
        return np.fft.ifftn(x, axes=axes)
    if kind == "rfft":
        return np.fft.rfftn(x, axes=axes)
    return np.fft.irfftn(x, s=[x.shape[a] for a in axes[:-1]] + [n], axes=axes)


def _abstract(x, kind, axes, n):
    if kind not in KINDS or not axes or not all(0 <= a < x.ndim for a in axes) \
            or len(set(axes)) != len(axes):
        raise ValueError(f"fft: kind {kind!r} over axes {axes} does not fit an array {x} "
                         f"(at {user_frame()})")
    real_in = kind == "rfft"
    if is_complex(x.dtype) == real_in or x.dtype.kind not in "fc":
        want = "a real floating-point" if real_in else "a complex"
        raise TypeError(f"{kind} takes {want} array, got {x} (at {user_frame()}); the NumPy "
                        "layer converts its input first.")
    shape = list(x.shape)
    last = axes[-1]
    if kind == "rfft":
        shape[last] = shape[last] // 2 + 1
        return ShapedArray(shape, complex_dtype(x.dtype))
    if kind == "irfft":
        if n < 1 or x.shape[last] != n // 2 + 1:
            raise ValueError(f"irfft: {n} output points need {n // 2 + 1} input bins along "
                             f"axis {last}, got {x} (at {user_frame()})")
        shape[last] = n
        return ShapedArray(shape, np.empty((), x.dtype).real.dtype)
    return x


def fft(x, kind, axes, n=None):
    return fft_p.bind(x, kind=kind, axes=tuple(axes), n=n)


def _along(values, shape, axis, dtype):
    """The constant vector ``values`` laid along ``axis`` of an array of ``shape``."""
    return broadcast_in_dim(np.asarray(values, dtype), tuple(shape), (axis,))


def _rfft_transpose(ct, axes, n_in):
    last = axes[-1]
    config = tuple((0, n_in - m, 0) if i == last else (0, 0, 0)
                   for i, m in enumerate(np.shape(ct)))
    return real_p.bind(fft(pad_p.bind(ct, config=config), "fft", axes))


def _irfft_transpose(ct, axes, n):
    last = axes[-1]
    m = n // 2 + 1
    dtype = complex_dtype(ct.dtype)
    full = fft(convert_element_type(ct, dtype), "ifft", axes)
    shape = np.shape(full)
    half = slice_p.bind(full, start=(0,) * len(shape),
                        limit=tuple(m if i == last else d for i, d in enumerate(shape)),
                        step=(1,) * len(shape))
    weights = np.full(m, 2.0)
    weights[0] = 1.0
    if n % 2 == 0:
        weights[-1] = 1.0
    return mul_p.bind(half, _along(weights, np.shape(half), last, dtype))


def _vjp(ct, primals, out, kind, axes, n):
    x = primals[0]
    if kind in ("fft", "ifft"):
        return (lambda: fft(ct, kind, axes),)
    if kind == "rfft":
        return (lambda: _rfft_transpose(ct, axes, np.shape(x)[axes[-1]]),)
    return (lambda: _irfft_transpose(ct, axes, n),)


fft_p = linear_primitive(
    "fft", _impl, _abstract, _vjp,
    shift=lambda p, size: dict(p, axes=tuple(a + 1 for a in p["axes"])),
    lowering=NOT_SUPPORTED)  # the runner calls NumPy between compiled pieces
