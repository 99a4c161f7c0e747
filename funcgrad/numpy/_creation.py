"""Array creation. New arrays do not depend on traced values, so they are NumPy constants;
``*_like`` of a traced array is a broadcast scalar (no large captured constant under jit)."""
import numpy as np

from ..core.tracing import Tracer
from ..ops import shape as sh

__all__ = ["zeros", "ones", "full", "empty", "eye", "identity", "arange", "linspace",
           "zeros_like", "ones_like", "full_like", "empty_like", "tri"]

zeros, ones, full, empty, eye, identity = np.zeros, np.ones, np.full, np.zeros, np.eye, np.identity
arange, linspace, tri = np.arange, np.linspace, np.tri


def full_like(a, fill_value, dtype=None, shape=None):
    """An array shaped like ``a`` filled with ``fill_value``.

    >>> full_like(np.zeros(2), 3.0).tolist()
    [3.0, 3.0]
    """
    if not isinstance(a, Tracer):
        return np.full_like(a, fill_value, dtype=dtype, shape=shape)
    dtype = np.dtype(dtype) if dtype is not None else a.dtype
    return sh.broadcast_in_dim(np.asarray(fill_value, dtype), a.shape if shape is None
                               else tuple(np.atleast_1d(shape)), ())


def zeros_like(a, dtype=None, shape=None):
    """Zeros shaped like ``a``.

    >>> zeros_like(np.ones(2)).tolist()
    [0.0, 0.0]
    """
    return full_like(a, 0, dtype, shape)


def ones_like(a, dtype=None, shape=None):
    """Ones shaped like ``a``.

    >>> ones_like(np.zeros(2)).tolist()
    [1.0, 1.0]
    """
    return full_like(a, 1, dtype, shape)


empty_like = zeros_like
