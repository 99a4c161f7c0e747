"""Abstract values (avals): what a traced array is known to be, its shape and dtype."""
import numpy as np

#: how printed types name dtypes (``f32[100,16]``), and generated code its typed literals
SHORT_DTYPE_NAMES = {"float64": "f64", "float32": "f32", "float16": "f16", "int64": "i64",
                     "int32": "i32", "int16": "i16", "int8": "i8", "uint8": "u8", "uint16": "u16",
                     "uint32": "u32", "uint64": "u64", "bool": "bool",
                     "complex64": "c64", "complex128": "c128"}

SUPPORTED_KINDS = "fciub"  # float, complex, signed/unsigned int, bool; object/str are refused


class ShapedArray:
    """Shape and dtype of an array value, e.g. ``f32[100,16]``.

    >>> ShapedArray((2, 3), "float32")
    f32[2,3]
    """

    __slots__ = ("shape", "dtype")

    def __init__(self, shape, dtype):
        self.shape = tuple(int(d) for d in shape)
        self.dtype = np.dtype(dtype)

    ndim = property(lambda self: len(self.shape))
    size = property(lambda self: int(np.prod(self.shape, dtype=np.int64)))

    def str_short(self):
        short = SHORT_DTYPE_NAMES.get(self.dtype.name, self.dtype.name)
        return f"{short}[{','.join(map(str, self.shape))}]"

    __repr__ = str_short

    def __eq__(self, other):
        return (isinstance(other, ShapedArray) and self.shape == other.shape
                and self.dtype == other.dtype)

    def __hash__(self):
        return hash((self.shape, self.dtype))


def is_inexact(dtype):
    """Whether values of ``dtype`` carry derivatives: float and complex (NumPy's ``inexact``).
    Integers and booleans have none (their gradient is zero, as in JAX).

    >>> is_inexact("complex64"), is_inexact("float32"), is_inexact("int64")
    (True, True, False)
    """
    return np.dtype(dtype).kind in "fc"


def is_complex(dtype):
    return np.dtype(dtype).kind == "c"


def real_dtype(dtype):
    """The real dtype of the parts of ``dtype`` (complex64 -> float32); others unchanged.

    >>> real_dtype("complex64"), real_dtype("float64")
    (dtype('float32'), dtype('float64'))
    """
    dtype = np.dtype(dtype)
    return np.empty((), dtype).real.dtype if dtype.kind == "c" else dtype


def check_dtype(dtype, what="value"):
    """Raise a clear TypeError for dtypes funcgrad does not handle (object, strings, ...)."""
    dtype = np.dtype(dtype)
    if dtype.kind not in SUPPORTED_KINDS:
        raise TypeError(f"funcgrad does not support {what} of dtype {dtype}: only float, complex, "
                        "int and bool arrays can be traced. Convert it (e.g. "
                        "x.astype(np.float64)) or pass it as a static argument.")
    return dtype
