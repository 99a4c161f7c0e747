"""Products: matmul, dot, and (by composition) einsum, tensordot, inner, outer."""
import numpy as np

from ..ops import linalg as la
from ..ops import shape as sh
from ._base import _ret, astype
from ._core import (
    asarray_or_tracer,
    result_dtype,
)
from ._math import multiply
from ._shapes import broadcast_to, moveaxis, reshape

# --- linear algebra ---------------------------------------------------------------------------

def matmul(x1, x2):
    """``x1 @ x2`` with NumPy's rules for 1-D operands and batch broadcasting.

    >>> matmul(np.ones((2, 3)), np.ones(3)).tolist()
    [3.0, 3.0]
    """
    x, y = [asarray_or_tracer(v) for v in (x1, x2)]
    if x.ndim == 0 or y.ndim == 0:
        raise ValueError("matmul: input operand does not have enough dimensions (0-d operands "
                         "are not allowed; use multiply)")
    dt = result_dtype(x, y)
    x, y = astype(x, dt), astype(y, dt)
    xv, yv = x.ndim == 1, y.ndim == 1
    if xv:
        x = sh.reshape(x, (1,) + x.shape)
    if yv:
        y = sh.reshape(y, y.shape + (1,))
    batch = np.broadcast_shapes(x.shape[:-2], y.shape[:-2]) if x.ndim > 2 or y.ndim > 2 else ()
    if x.shape[-1] != y.shape[-2]:
        from ..errors import user_frame
        raise ValueError(f"matmul: shapes {tuple(x1.shape if hasattr(x1, 'shape') else ())} and "
                         f"{tuple(x2.shape if hasattr(x2, 'shape') else ())} are not aligned: "
                         f"{x.shape[-1]} (last axis of the first) != {y.shape[-2]} (second to "
                         f"last of the second) (at {user_frame()}).")
    x = broadcast_to(x, batch + x.shape[-2:]) if x.shape[:-2] != batch else x
    y = broadcast_to(y, batch + y.shape[-2:]) if y.shape[:-2] != batch else y
    out = la.matmul_p.bind(x, y)
    if xv:
        out = sh.reshape(out, out.shape[:-2] + out.shape[-1:])
    if yv:
        out = sh.reshape(out, out.shape[:-1])
    return _ret(out)


def dot(a, b):
    """``np.dot``.

    >>> float(dot(np.ones(3), np.ones(3)))
    3.0
    """
    a, b = asarray_or_tracer(a), asarray_or_tracer(b)
    if a.ndim == 0 or b.ndim == 0:
        return multiply(a, b)
    if b.ndim <= 2:
        return matmul(a, b)
    # dot(a, b)[i,j,k,m] = sum(a[i,j,:] * b[k,:,m])
    bt = moveaxis(b, -2, 0)
    return reshape(matmul(reshape(a, (-1, a.shape[-1])), reshape(bt, (bt.shape[0], -1))),
                   a.shape[:-1] + bt.shape[1:])
