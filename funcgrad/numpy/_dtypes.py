"""NumPy's dtype names, dtype functions and constants, as ``funcgrad.numpy`` offers them; and
NumPy's helpers that act on concrete arrays only (printing, saving, ``isscalar``).

They are NumPy's own objects: funcgrad computes in NumPy's dtypes, so ``fnp.float32 is
np.float32``. The dtype functions also accept traced values (their dtype is read).

>>> import funcgrad.numpy as fnp
>>> fnp.float32 is np.float32, fnp.pi == np.pi, fnp.newaxis is None
(True, True, True)
"""
import numpy as np

from ..core.tracing import Tracer

__all__ = ["dtype", "finfo", "iinfo", "result_type", "promote_types", "can_cast",
           "issubdtype", "isdtype", "pi", "e", "inf", "nan", "newaxis", "euler_gamma"]

# concrete types
_TYPES = ("bool_ int8 int16 int32 int64 uint8 uint16 uint32 uint64 float16 float32 float64 "
          "complex64 complex128 int_ uint double single csingle cdouble object_ "
          # abstract types, for issubdtype
          "generic number inexact floating complexfloating integer signedinteger "
          "unsignedinteger character flexible").split()
globals().update({name: getattr(np, name) for name in _TYPES})
bool = np.bool_  # noqa: A001 (NumPy 2's name; Python's bool stays builtins.bool)
float_, complex_ = np.float64, np.complex128  # NumPy 1's names that JAX keeps
__all__ += _TYPES + ["bool", "float_", "complex_"]

dtype = np.dtype
finfo, iinfo = np.finfo, np.iinfo
pi, e, inf, nan, newaxis, euler_gamma = np.pi, np.e, np.inf, np.nan, None, np.euler_gamma

# NumPy's own: printing, saving (a traced value raises ConcretizationError, as any conversion)
ComplexWarning = np.exceptions.ComplexWarning
printoptions, get_printoptions, set_printoptions = (np.printoptions, np.get_printoptions,
                                                    np.set_printoptions)
array_repr, array_str, save, savez, iterable = (np.array_repr, np.array_str, np.save, np.savez,
                                                np.iterable)
broadcast_shapes = np.broadcast_shapes  # shapes are Python tuples, also for traced values
__all__ += ["broadcast_shapes", "ComplexWarning", "printoptions", "get_printoptions",
            "set_printoptions", "array_repr", "array_str", "save", "savez", "iterable", "isscalar"]


def isscalar(element):
    """Whether ``element`` is a scalar: a Python or NumPy scalar, or a 0-d traced value (as
    ``jnp.isscalar`` counts 0-d arrays).

    >>> isscalar(1.0), isscalar(np.ones(2))
    (True, False)
    """
    return element.ndim == 0 if isinstance(element, Tracer) else np.isscalar(element)


def _dtypes(args):
    return [a.dtype if isinstance(a, Tracer) else a for a in args]


def result_type(*arrays_and_dtypes):
    """``np.result_type`` of arrays (traced or not) and dtypes.

    >>> result_type(np.float32, np.float64)
    dtype('float64')
    """
    return np.result_type(*_dtypes(arrays_and_dtypes))


def promote_types(type1, type2):
    """``np.promote_types``: the smallest dtype both cast to safely.

    >>> promote_types(np.int8, np.uint8)
    dtype('int16')
    """
    return np.promote_types(type1, type2)


def can_cast(from_, to, casting="safe"):
    """``np.can_cast`` of a dtype or an array (traced or not) to a dtype.

    >>> can_cast(np.float32, np.float64), can_cast(np.float64, np.int32)
    (True, False)
    """
    return np.can_cast(*_dtypes([from_]), to, casting)


def issubdtype(arg1, arg2):
    """``np.issubdtype``: whether ``arg1`` is a kind of ``arg2``.

    >>> issubdtype(np.float32, np.floating), issubdtype(np.int8, np.floating)
    (True, False)
    """
    return np.issubdtype(arg1, arg2)


def isdtype(dtype, kind):
    """``np.isdtype`` (the Array API's dtype-kind test).

    >>> isdtype(np.float32, "real floating"), isdtype(np.int8, "real floating")
    (True, False)
    """
    return np.isdtype(dtype, kind)
