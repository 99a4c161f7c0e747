"""Conversion helpers every funcgrad.numpy module uses."""
import numpy as np

from ..core.tracing import as_traced
from ..ops import elementwise as ew
from ._core import asarray_or_tracer, float_dtype


def _ret(x):
    """Eager results are NumPy arrays; 0-d ones NumPy scalars, as NumPy returns them."""
    if isinstance(x, np.ndarray) and x.ndim == 0:
        return x[()]
    return x


def asarray(x, dtype=None):
    """Like ``np.asarray``, keeping traced values traced; inside a transformed function a NumPy
    array becomes a value of that transformation (so ``fnp.asarray(a)[i]`` takes traced ``i``).

    >>> asarray([1.0, 2.0]).dtype
    dtype('float64')
    """
    x = as_traced(asarray_or_tracer(x))
    return x if dtype is None else astype(x, dtype)


array = asarray


def astype(x, dtype):
    x = asarray_or_tracer(x)
    dtype = np.dtype(dtype)
    if x.dtype == dtype:
        return x
    return _ret(ew.convert_element_type(x, dtype))


def as_inexact(x):
    """``x`` as an array in the dtype NumPy computes float functions in (integers and booleans
    become float64; float and complex dtypes stay)."""
    x = asarray_or_tracer(x)
    return astype(x, float_dtype(x.dtype))
