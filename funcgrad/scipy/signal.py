"""``funcgrad.scipy.signal``: N-d convolution and correlation, traceable.

Composed, with no primitive of its own: a "valid" correlation of ``a`` with a kernel ``w`` is
one gather of ``a``'s windows (indices computed from the shapes alone) and one matrix product
with ``w``, so both inputs are differentiable in every mode, under ``jit`` and ``vmap``. It
holds every window at once: memory is ``output size * kernel size``, fine for the kernels of
filters and small networks (SciPy's ``fftconvolve`` is the method for large kernels; it is not
provided here).
"""
import numpy as np

from .. import numpy as fnp
from ..errors import user_frame

_MODES = ("full", "same", "valid")


def _window_indices(a_shape, w_shape):
    """Flat indices into ``a`` of each output position's window, ``(out size, kernel size)``."""
    out_shape = tuple(a - w + 1 for a, w in zip(a_shape, w_shape))
    starts = np.ravel_multi_index(np.indices(out_shape).reshape(len(out_shape), -1), a_shape)
    offsets = np.ravel_multi_index(np.indices(w_shape).reshape(len(w_shape), -1), a_shape)
    return starts[:, None] + offsets[None, :], out_shape


def _correlate_valid(a, w):
    """``out[n] = sum over j of a[n + j] w[j]`` where every window fits in ``a``."""
    idx, out_shape = _window_indices(a.shape, w.shape)
    windows = fnp.take(fnp.reshape(a, (-1,)), idx)
    return fnp.reshape(windows @ fnp.reshape(w, (-1,)), out_shape)


def _check(name, in1, in2, mode):
    in1, in2 = fnp.asarray(in1), fnp.asarray(in2)
    if mode not in _MODES:
        raise ValueError(f"{name}: mode must be one of {_MODES}, got {mode!r} (at "
                         f"{user_frame()}).")
    if in1.ndim != in2.ndim:
        raise ValueError(f"{name}: in1 and in2 should have the same dimensionality, got shapes "
                         f"{in1.shape} and {in2.shape} (at {user_frame()}).")
    if in1.size == 0 or in2.size == 0:
        raise ValueError(f"{name}: inputs must not be empty, got shapes {in1.shape} and "
                         f"{in2.shape} (at {user_frame()}).")
    if in1.ndim == 0:
        return fnp.reshape(in1, (1,)), fnp.reshape(in2, (1,)), True
    return in1, in2, False


def _convolve(name, in1, in2, mode):
    in1, in2, scalar = _check(name, in1, in2, mode)
    s1, s2 = in1.shape, in2.shape
    if mode == "valid":
        if not (all(a >= b for a, b in zip(s1, s2)) or all(b >= a for a, b in zip(s1, s2))):
            raise ValueError(f"{name}: for 'valid' mode, one input must be at least as large as "
                             f"the other in every dimension, got shapes {s1} and {s2} (at "
                             f"{user_frame()}).")
        if not all(a >= b for a, b in zip(s1, s2)):
            in1, in2, s1, s2 = in2, in1, s2, s1  # convolution commutes
        out = _correlate_valid(in1, fnp.flip(in2))
    else:
        padded = fnp.pad(in1, [(b - 1, b - 1) for b in s2])
        out = _correlate_valid(padded, fnp.flip(in2))
        if mode == "same":
            starts = [(b - 1) // 2 for b in s2]
            out = out[tuple(slice(st, st + a) for st, a in zip(starts, s1))]
    return fnp.reshape(out, ()) if scalar else out


def convolve(in1, in2, mode="full", method="auto"):
    """``scipy.signal.convolve``: the N-d convolution of ``in1`` and ``in2`` (same ``ndim``) in
    mode ``"full"``, ``"same"`` (the size of ``in1``, centred) or ``"valid"``. ``method`` is
    accepted for SciPy's signature; the computation is always the direct sum.

    >>> convolve(np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0, 0.5]))
    array([0. , 1. , 2.5, 4. , 1.5])
    """
    return _convolve("convolve", in1, in2, mode)


def correlate(in1, in2, mode="full", method="auto"):
    """``scipy.signal.correlate``: ``out[n] = sum over k of in1[n + k] conj(in2[k])``, N-d, in
    mode ``"full"``, ``"same"`` or ``"valid"``.

    >>> correlate(np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0, 0.5]))
    array([0.5, 2. , 3.5, 3. , 0. ])
    """
    in1, in2, scalar = _check("correlate", in1, in2, mode)
    in2 = fnp.conj(in2)  # both branches below correlate in1 with it bilinearly
    swapped = mode == "valid" and not all(a >= b for a, b in zip(in1.shape, in2.shape))
    if swapped:  # SciPy: correlate(in2, in1), reversed
        out = fnp.flip(_convolve("correlate", in2, fnp.flip(in1), mode))
    else:
        out = _convolve("correlate", in1, fnp.flip(in2), mode)
    return fnp.reshape(out, ()) if scalar else out


def _two_d(name, in1, in2, boundary, fillvalue):
    in1, in2 = fnp.asarray(in1), fnp.asarray(in2)
    if in1.ndim != 2 or in2.ndim != 2:
        raise ValueError(f"{name}: inputs must both be 2-D arrays, got shapes {in1.shape} and "
                         f"{in2.shape} (at {user_frame()}).")
    if boundary != "fill" or fillvalue != 0:
        raise NotImplementedError(f"{name}: only boundary='fill' with fillvalue=0 is "
                                  f"supported, got boundary={boundary!r}, fillvalue="
                                  f"{fillvalue!r} (at {user_frame()}); pad the input with "
                                  "fnp.pad(mode='wrap'/'symmetric') and use mode='valid'.")
    return in1, in2


def convolve2d(in1, in2, mode="full", boundary="fill", fillvalue=0):
    """``scipy.signal.convolve2d`` with zero fill at the boundary.

    >>> convolve2d(np.eye(2), np.ones((2, 2)), mode="valid")
    array([[2.]])
    """
    return convolve(*_two_d("convolve2d", in1, in2, boundary, fillvalue), mode)


def correlate2d(in1, in2, mode="full", boundary="fill", fillvalue=0):
    """``scipy.signal.correlate2d`` with zero fill at the boundary (in "same" mode SciPy takes
    the other centre than ``correlate`` along an axis where ``in2``'s size is even).

    >>> correlate2d(np.eye(2), np.array([[1.0, 2.0]]), mode="valid")
    array([[1.],
           [2.]])
    """
    in1, in2 = _two_d("correlate2d", in1, in2, boundary, fillvalue)
    if mode != "same":
        return correlate(in1, in2, mode)
    full = correlate(in1, in2, "full")
    return full[tuple(slice(b // 2, b // 2 + a) for a, b in zip(in1.shape, in2.shape))]
