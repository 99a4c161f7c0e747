"""funcgrad.numpy.fft: NumPy's discrete Fourier transforms, differentiable in both modes to any
order, under ``vmap`` and ``jit``.

Every transform is the ``fft`` primitive (``funcgrad/ops/fft.py``) of one of four kinds over
some axes, after the input is converted (real to complex for ``fft``; integers to float64),
zero-padded or truncated to ``n``/``s``, and scaled for ``norm`` (the primitive is NumPy's
``norm="backward"``). ``hfft``/``ihfft`` are ``irfft``/``rfft`` of a conjugate, as in NumPy.

>>> import funcgrad.numpy as fnp
>>> bool(np.allclose(fnp.fft.rfft(np.arange(4.0)), np.fft.rfft(np.arange(4.0))))
True
"""
import numpy as np

from ..core.avals import is_complex
from ..core.tracing import Tracer
from ..errors import user_frame
from ..ops import fft as ft
from ..ops import shape as sh
from ..ops.complex import complex_dtype
from ..ops.elementwise import convert_element_type
from ._base import _ret
from ._core import asarray_or_tracer, float_dtype, normalize_axis
from ._math import conjugate, multiply

_NORMS = (None, "backward", "ortho", "forward")


# --- preparing the input ----------------------------------------------------------------------

def _inexact(a, complex_input):
    """``a`` as an array of the dtype the transform computes in."""
    a = asarray_or_tracer(a)
    dt = float_dtype(a.dtype)
    if complex_input:
        dt = complex_dtype(dt)
    elif is_complex(dt):
        raise TypeError(f"this transform takes real input, got dtype {a.dtype} (at "
                        f"{user_frame()}); pass np.real(a), or use fft for complex input.")
    return a if a.dtype == dt else convert_element_type(a, dt)


def _resize(a, axis, length):
    """``a`` cut or zero-padded at the end to ``length`` along ``axis``, as NumPy does."""
    have = a.shape[axis]
    if have == length:
        return a
    if have > length:
        limit = tuple(length if i == axis else d for i, d in enumerate(a.shape))
        return sh.slice_p.bind(a, start=(0,) * a.ndim, limit=limit, step=(1,) * a.ndim)
    config = tuple((0, length - have, 0) if i == axis else (0, 0, 0) for i in range(a.ndim))
    return sh.pad_p.bind(a, config=config)


def _axes_and_lengths(a, s, axes, name):
    """Normalized axes and their transform lengths, as NumPy reads ``s`` and ``axes``."""
    if axes is None:
        axes = tuple(range(a.ndim)) if s is None else tuple(range(a.ndim - len(s), a.ndim))
    axes = tuple(normalize_axis(x, a.ndim) for x in axes)
    if len(set(axes)) != len(axes):
        raise ValueError(f"{name}: repeated axes {axes} are not supported (at {user_frame()}); "
                         "transform once per axis.")
    if s is not None and len(s) != len(axes):
        raise ValueError(f"{name}: s {tuple(s)} and axes {axes} must have the same length (at "
                         f"{user_frame()}).")
    lengths = tuple(a.shape[x] for x in axes) if s is None else tuple(int(n) for n in s)
    if not axes or any(n < 1 for n in lengths):
        raise ValueError(f"{name}: invalid number of data points {lengths} along axes {axes} "
                         f"(each must be at least 1) (at {user_frame()}).")
    return axes, lengths


def _scale(out, kind, norm, points):
    """Scale the primitive's ``norm="backward"`` result for ``norm``."""
    if norm not in _NORMS:
        raise ValueError(f'Invalid norm value {norm!r} (at {user_frame()}); should be '
                         '"backward", "ortho" or "forward".')
    if norm in (None, "backward"):
        return out
    inverse = kind in ("ifft", "irfft")
    if norm == "ortho":
        factor = np.sqrt(points) if inverse else 1.0 / np.sqrt(points)
    else:
        factor = float(points) if inverse else 1.0 / points
    return multiply(out, float(factor))


def _transform(kind, a, s, axes, norm, name):
    a = _inexact(a, kind in ("fft", "ifft", "irfft"))
    axes, lengths = _axes_and_lengths(a, s, axes, name)
    n = None
    if kind == "irfft":
        if s is None:
            lengths = lengths[:-1] + (2 * (lengths[-1] - 1),)
            if lengths[-1] < 1:
                raise ValueError(f"{name}: invalid number of data points ({lengths[-1]}) "
                                 f"from an input of 1 bin (at {user_frame()}); pass n.")
        n = lengths[-1]
        lengths = lengths[:-1] + (n // 2 + 1,)
    for axis, length in zip(axes, lengths):
        a = _resize(a, axis, length)
    out = ft.fft(a, kind, axes, n)
    points = int(np.prod([a.shape[x] for x in axes[:-1]], dtype=np.int64)) * (
        n if kind == "irfft" else a.shape[axes[-1]])
    return _ret(_scale(out, kind, norm, points))


def _swap(norm):
    return {None: "forward", "backward": "forward", "forward": "backward"}.get(norm, norm)


# --- one axis ---------------------------------------------------------------------------------

def fft(a, n=None, axis=-1, norm=None):
    """The discrete Fourier transform along ``axis``, like ``np.fft.fft``.

    >>> fft(np.array([1.0, 0.0, 0.0, 0.0])).tolist()
    [(1+0j), (1+0j), (1+0j), (1+0j)]
    """
    return _transform("fft", a, None if n is None else (n,), (axis,), norm, "fft")


def ifft(a, n=None, axis=-1, norm=None):
    """The inverse discrete Fourier transform along ``axis``, like ``np.fft.ifft``.

    >>> ifft(np.ones(4)).tolist()
    [(1+0j), 0j, 0j, 0j]
    """
    return _transform("ifft", a, None if n is None else (n,), (axis,), norm, "ifft")


def rfft(a, n=None, axis=-1, norm=None):
    """The transform of real input, its first ``n // 2 + 1`` bins, like ``np.fft.rfft``.

    >>> rfft(np.array([1.0, 2.0, 3.0, 4.0])).tolist()
    [(10+0j), (-2+2j), (-2+0j)]
    """
    return _transform("rfft", a, None if n is None else (n,), (axis,), norm, "rfft")


def irfft(a, n=None, axis=-1, norm=None):
    """The inverse of ``rfft``: ``n`` real points (``2 * (m - 1)`` by default) from ``m`` bins,
    like ``np.fft.irfft``. Only the real parts of bin 0 and (``n`` even) bin ``n / 2`` count,
    as in NumPy; so their imaginary parts get a zero gradient.

    >>> irfft(np.array([10.0, -2 + 2j, -2.0])).tolist()
    [1.0, 2.0, 3.0, 4.0]
    """
    return _transform("irfft", a, None if n is None else (n,), (axis,), norm, "irfft")


def hfft(a, n=None, axis=-1, norm=None):
    """The transform of a Hermitian-symmetric signal given by its first half, a real spectrum,
    like ``np.fft.hfft``: ``irfft(conj(a), n)`` scaled the other way.

    >>> hfft(np.array([1.0, 2.0, 3.0])).tolist()
    [8.0, -2.0, 0.0, -2.0]
    """
    return irfft(conjugate(a), n, axis, _swap(norm))


def ihfft(a, n=None, axis=-1, norm=None):
    """The inverse of ``hfft``, like ``np.fft.ihfft``.

    >>> ihfft(np.array([8.0, -2.0, 0.0, -2.0])).tolist()
    [(1-0j), (2-0j), (3-0j)]
    """
    return conjugate(rfft(a, n, axis, _swap(norm)))


# --- several axes -----------------------------------------------------------------------------

def fftn(a, s=None, axes=None, norm=None):
    """The n-dimensional transform over ``axes`` (all by default), like ``np.fft.fftn``.

    >>> fftn(np.ones((2, 2))).tolist()
    [[(4+0j), 0j], [0j, 0j]]
    """
    return _transform("fft", a, s, axes, norm, "fftn")


def ifftn(a, s=None, axes=None, norm=None):
    """The n-dimensional inverse transform, like ``np.fft.ifftn``.

    >>> ifftn(np.array([[4.0, 0.0], [0.0, 0.0]])).tolist()
    [[(1+0j), (1+0j)], [(1+0j), (1+0j)]]
    """
    return _transform("ifft", a, s, axes, norm, "ifftn")


def rfftn(a, s=None, axes=None, norm=None):
    """The n-dimensional transform of real input (half spectrum along the last of ``axes``),
    like ``np.fft.rfftn``.

    >>> rfftn(np.ones((2, 4))).shape
    (2, 3)
    """
    return _transform("rfft", a, s, axes, norm, "rfftn")


def irfftn(a, s=None, axes=None, norm=None):
    """The inverse of ``rfftn``, like ``np.fft.irfftn``.

    >>> irfftn(np.array([[8.0, 0.0, 0.0], [0.0, 0.0, 0.0]])).tolist()
    [[1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 1.0, 1.0]]
    """
    return _transform("irfft", a, s, axes, norm, "irfftn")


def fft2(a, s=None, axes=(-2, -1), norm=None):
    """The transform over two axes, like ``np.fft.fft2``.

    >>> fft2(np.ones((2, 2)))[0, 0]
    np.complex128(4+0j)
    """
    return _transform("fft", a, s, axes, norm, "fft2")


def ifft2(a, s=None, axes=(-2, -1), norm=None):
    """The inverse transform over two axes, like ``np.fft.ifft2``.

    >>> ifft2(np.array([[4.0, 0.0], [0.0, 0.0]]))[1, 1]
    np.complex128(1+0j)
    """
    return _transform("ifft", a, s, axes, norm, "ifft2")


def rfft2(a, s=None, axes=(-2, -1), norm=None):
    """The transform of real input over two axes, like ``np.fft.rfft2``.

    >>> rfft2(np.ones((2, 4))).shape
    (2, 3)
    """
    return _transform("rfft", a, s, axes, norm, "rfft2")


def irfft2(a, s=None, axes=(-2, -1), norm=None):
    """The inverse of ``rfft2``, like ``np.fft.irfft2``.

    >>> irfft2(np.array([[8.0, 0.0, 0.0], [0.0, 0.0, 0.0]])).shape
    (2, 4)
    """
    return _transform("irfft", a, s, axes, norm, "irfft2")


# --- shifts and frequencies -------------------------------------------------------------------

def _roll(x, shift, axis):
    """``np.roll`` by a static ``shift`` along ``axis``: two slices, concatenated."""
    n = x.shape[axis]
    k = shift % n if n else 0
    if k == 0:
        return x

    def part(lo, hi):
        start = tuple(lo if i == axis else 0 for i in range(x.ndim))
        limit = tuple(hi if i == axis else d for i, d in enumerate(x.shape))
        return sh.slice_p.bind(x, start=start, limit=limit, step=(1,) * x.ndim)
    return sh.concatenate([part(n - k, n), part(0, n - k)], axis)


def _shift(x, axes, sign):
    x = asarray_or_tracer(x)
    if not isinstance(x, Tracer):
        return (np.fft.fftshift if sign > 0 else np.fft.ifftshift)(x, axes)
    axes = range(x.ndim) if axes is None else ((axes,) if np.ndim(axes) == 0 else axes)
    for axis in axes:
        axis = normalize_axis(axis, x.ndim)
        x = _roll(x, sign * (x.shape[axis] // 2), axis)
    return x


def fftshift(x, axes=None):
    """Move the zero-frequency bin to the middle (along ``axes``, all by default), like
    ``np.fft.fftshift``.

    >>> fftshift(np.arange(5.0)).tolist()
    [3.0, 4.0, 0.0, 1.0, 2.0]
    """
    return _shift(x, axes, 1)


def ifftshift(x, axes=None):
    """The inverse of ``fftshift``, like ``np.fft.ifftshift``.

    >>> ifftshift(np.array([3.0, 4.0, 0.0, 1.0, 2.0])).tolist()
    [0.0, 1.0, 2.0, 3.0, 4.0]
    """
    return _shift(x, axes, -1)


def fftfreq(n, d=1.0, device=None):
    """The frequencies of the bins of an ``n``-point transform with sample spacing ``d``, like
    ``np.fft.fftfreq`` (a traced ``d`` gives a traced result).

    >>> fftfreq(4, 0.5).tolist()
    [0.0, 0.5, -1.0, -0.5]
    """
    return _ret(multiply(np.fft.fftfreq(n), 1.0 / d) if isinstance(d, Tracer)
                else np.fft.fftfreq(n, d))


def rfftfreq(n, d=1.0, device=None):
    """The frequencies of the bins of ``rfft``, like ``np.fft.rfftfreq``.

    >>> rfftfreq(4, 0.5).tolist()
    [0.0, 0.5, 1.0]
    """
    return _ret(multiply(np.fft.rfftfreq(n), 1.0 / d) if isinstance(d, Tracer)
                else np.fft.rfftfreq(n, d))
