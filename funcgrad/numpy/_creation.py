"""Array creation. Outside any transformation these are NumPy's own functions. Inside a
transformed function (``grad``, ``jit``, ``vmap``...) the arrays they make are values of that
transformation, as ``jnp`` arrays are: immutable (item assignment raises and points to
``.at[]``), and indexable with traced indices (``fnp.eye(10)[labels]`` under ``jit``). Those
that take a traced value (``full`` with a traced fill value, ``linspace`` between traced ends)
or a traced array's shape (``zeros_like(x)``) are broadcast 0-d values, so no large constant is
captured under jit.

>>> import funcgrad as fg
>>> float(fg.grad(lambda t: full((2, 3), t).sum())(1.0))
6.0
"""
import numpy as np

from ..core.tracing import Tracer, as_traced
from ..ops import shape as sh
from ._base import astype
from ._core import asarray_or_tracer, dtype_of, float_dtype, result_dtype
from ._math import exp, floor, log
from ._shapes import broadcast_to, concatenate, expand_dims, moveaxis

__all__ = ["zeros", "ones", "full", "empty", "eye", "identity", "arange", "linspace", "tri",
           "zeros_like", "ones_like", "full_like", "empty_like"]



def _made(np_fun):
    """``np_fun``, returning its array as a value of the active transformation, if any."""
    def made(*args, **kwargs):
        return as_traced(np_fun(*args, **kwargs))
    made.__name__, made.__qualname__ = np_fun.__name__, np_fun.__name__
    made.__doc__ = (f"NumPy's ``{np_fun.__name__}``; inside a transformed function the result is "
                    "a value of that transformation (see the module docstring).")
    return made


zeros, ones, empty, eye, identity = map(_made, (np.zeros, np.ones, np.zeros, np.eye,
                                                np.identity))
arange, tri = _made(np.arange), _made(np.tri)


def _shape(shape):
    return (int(shape),) if np.ndim(shape) == 0 else tuple(int(d) for d in shape)


def _filled(shape, value, dtype):
    """``value`` (a tracer) broadcast to ``shape`` in ``dtype``."""
    return sh.broadcast_in_dim(astype(value, dtype), shape, ())


def full(shape, fill_value, dtype=None, order="C"):
    """An array of ``shape`` filled with ``fill_value`` (which may be traced).

    >>> full(2, 3.0).tolist()
    [3.0, 3.0]
    """
    if not isinstance(fill_value, Tracer):
        return as_traced(np.full(shape, fill_value, dtype=dtype, order=order))
    if fill_value.ndim:
        return broadcast_to(astype(fill_value, dtype or fill_value.dtype), _shape(shape))
    return _filled(_shape(shape), fill_value, np.dtype(dtype or fill_value.dtype))


def full_like(a, fill_value, dtype=None, order="K", subok=True, shape=None):
    """An array shaped like ``a`` filled with ``fill_value``.

    >>> full_like(np.zeros(2), 3.0).tolist()
    [3.0, 3.0]
    """
    if not isinstance(a, Tracer) and not isinstance(fill_value, Tracer):
        return as_traced(np.full_like(a, fill_value, dtype=dtype, shape=shape))
    dtype = np.dtype(dtype) if dtype is not None else dtype_of(a)
    shape = np.shape(a) if shape is None else _shape(shape)
    if isinstance(fill_value, Tracer):
        return full(shape, fill_value, dtype)
    return sh.broadcast_in_dim(np.asarray(fill_value, dtype), shape, ())


def zeros_like(a, dtype=None, order="K", subok=True, shape=None):
    """Zeros shaped like ``a``.

    >>> zeros_like(np.ones(2)).tolist()
    [0.0, 0.0]
    """
    return full_like(a, 0, dtype, shape=shape)


def ones_like(a, dtype=None, order="K", subok=True, shape=None):
    """Ones shaped like ``a``.

    >>> ones_like(np.zeros(2)).tolist()
    [1.0, 1.0]
    """
    return full_like(a, 1, dtype, shape=shape)


empty_like = zeros_like


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    """``num`` evenly spaced values from ``start`` to ``stop``; traced ends are differentiable.

    >>> linspace(0.0, 1.0, 3).tolist()
    [0.0, 0.5, 1.0]
    """
    if not isinstance(start, Tracer) and not isinstance(stop, Tracer):
        out = np.linspace(start, stop, num, endpoint, retstep, dtype, axis)
        return (as_traced(out[0]), out[1]) if retstep else as_traced(out)
    start, stop = asarray_or_tracer(start), asarray_or_tracer(stop)
    ft = float_dtype(result_dtype(start, stop))
    start, stop = astype(start, ft), astype(stop, ft)
    div = num - 1 if endpoint else num
    # NumPy's arithmetic, so that the values agree to the last bit
    delta = stop - start
    y = np.arange(num, dtype=ft).reshape((num,) + (1,) * delta.ndim)
    step = delta / ft.type(div) if div > 0 else delta * np.asarray(np.nan, ft)
    out = y * (step if div > 0 else delta) + start
    if endpoint and num > 1:
        out = concatenate([out[:-1], expand_dims(broadcast_to(stop, delta.shape), 0)], 0)
    if axis != 0:
        out = moveaxis(out, 0, axis)
    if dtype is not None and np.dtype(dtype).kind != "f":
        out = floor(out)
    out = astype(out, dtype or ft)
    return (out, step) if retstep else out


def logspace(start, stop, num=50, endpoint=True, base=10.0, dtype=None, axis=0):
    """``base ** linspace(start, stop, num)``; traced ends are differentiable.

    >>> logspace(0.0, 2.0, 3).tolist()
    [1.0, 10.0, 100.0]
    """
    if not any(isinstance(v, Tracer) for v in (start, stop, base)):
        return as_traced(np.logspace(start, stop, num, endpoint, base, dtype, axis))
    # a Python number base is weakly typed, as in NumPy: float32 ends give float32
    b = base if type(base) in (int, float, complex) else asarray_or_tracer(base)
    out = b ** linspace(start, stop, num, endpoint, axis=axis)
    return out if dtype is None else astype(out, dtype)


def geomspace(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    """``num`` numbers evenly spaced on a log scale from ``start`` to ``stop`` (the ends
    exact); traced ends are differentiable (positive ends: ``exp`` of a ``linspace`` of
    logs).

    >>> geomspace(1.0, 1000.0, 4).tolist()
    [1.0, 10.0, 100.0, 1000.0]
    """
    if not isinstance(start, Tracer) and not isinstance(stop, Tracer):
        return as_traced(np.geomspace(start, stop, num, endpoint, dtype, axis))
    # NumPy computes in at least float64 (float32 ends give float64)
    dt = np.result_type(dtype_of(start), dtype_of(stop), np.float64)
    start, stop = astype(asarray_or_tracer(start), dt), astype(asarray_or_tracer(stop), dt)
    out = exp(linspace(log(start), log(stop), num, endpoint, axis=axis))
    if num > 0:  # the ends exactly, as NumPy gives them
        ends = [broadcast_to(start, out.shape[:axis] + out.shape[axis + 1:])]
        mid = moveaxis(out, axis, 0)[1:-1 if endpoint and num > 1 else None]
        tail = [broadcast_to(stop, ends[0].shape)] if endpoint and num > 1 else []
        out = moveaxis(concatenate([expand_dims(ends[0], 0), mid]
                                   + [expand_dims(t, 0) for t in tail]), 0, axis)
    return out if dtype is None else astype(out, dtype)


# NumPy's window functions and readers: concrete arrays, made values of the active
# transformation like the other creation functions
hamming, hanning, bartlett, blackman, kaiser = map(_made, (np.hamming, np.hanning,
                                                           np.bartlett, np.blackman, np.kaiser))
frombuffer, fromfile, fromiter, fromstring, from_dlpack, load = map(
    _made, (np.frombuffer, np.fromfile, np.fromiter, np.fromstring, np.from_dlpack, np.load))
__all__ += ["logspace", "geomspace", "hamming", "hanning", "bartlett", "blackman", "kaiser",
            "frombuffer", "fromfile", "fromiter", "fromstring", "from_dlpack", "load"]
