"""Abstract values (avals): what a traced array is known to be, its shape and dtype."""
import numpy as np

#: how printed types name dtypes (``f32[100,16]``), and generated code its typed literals
SHORT_DTYPE_NAMES = {"float64": "f64", "float32": "f32", "float16": "f16", "int64": "i64",
                     "int32": "i32", "int16": "i16", "int8": "i8", "uint8": "u8", "uint16": "u16",
                     "uint32": "u32", "uint64": "u64", "bool": "bool"}

SUPPORTED_KINDS = "fiub"  # float, signed/unsigned int, bool; complex/object/str are refused


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


def is_float(dtype):
    return np.dtype(dtype).kind == "f"


def check_dtype(dtype, what="value"):
    """Raise a clear TypeError for dtypes funcgrad does not handle (complex, object, strings)."""
    dtype = np.dtype(dtype)
    if dtype.kind not in SUPPORTED_KINDS:
        raise TypeError(f"funcgrad does not support {what} of dtype {dtype}: only float, int and "
                        "bool arrays can be traced. Convert it (e.g. x.astype(np.float64)) or "
                        "pass it as a static argument.")
    return dtype
