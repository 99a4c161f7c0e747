"""Linear algebra primitives: (batched) matrix products and factorizations."""
import numpy as np

from ..core.avals import ShapedArray
from ..core.primitive import Primitive
from ..errors import user_frame
from .shape import transpose


def _swap_last(x):
    nd = len(np.shape(x))
    return transpose(x, tuple(range(nd - 2)) + (nd - 1, nd - 2))


# --- matmul: x (..., m, k) @ y (..., k, n), equal batch dims (the NumPy layer broadcasts) ------

def _matmul_abstract(x, y):
    if (x.ndim < 2 or x.ndim != y.ndim or x.shape[:-2] != y.shape[:-2]
            or x.shape[-1] != y.shape[-2]):
        raise ValueError(f"matmul: shapes {x.shape} and {y.shape} are not aligned: the last "
                         f"axis of the first ({x.shape[-1] if x.shape else None}) must equal "
                         f"the second-to-last of the second ({y.shape[-2] if y.ndim > 1 else None})"
                         f" (at {user_frame()}).")
    if x.dtype != y.dtype:
        raise TypeError(f"matmul: operand dtypes differ ({x.dtype}, {y.dtype})")
    return ShapedArray(x.shape[:-1] + y.shape[-1:], x.dtype)


def _matmul_jvp(primals, tangents):
    x, y = primals
    tx, ty = tangents
    out = matmul_p.bind(x, y)
    t = None
    if tx is not None:
        t = matmul_p.bind(tx, y)
    if ty is not None:
        t2 = matmul_p.bind(x, ty)
        t = t2 if t is None else t + t2
    return out, t


def _matmul_vjp(ct, primals, out):
    x, y = primals
    return (lambda: matmul_p.bind(ct, _swap_last(y))), (lambda: matmul_p.bind(_swap_last(x), ct))


matmul_p = Primitive("matmul", impl=np.matmul, abstract_eval=_matmul_abstract,
                     jvp=_matmul_jvp, vjp=_matmul_vjp)
