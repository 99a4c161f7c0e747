"""What every funcgrad.numpy function needs: operand conversion, dtype promotion (NumPy 2 rules,
Python scalars weakly typed) and broadcasting, done here once so primitives see equal shapes."""
import numpy as np

from ..core.avals import SUPPORTED_KINDS, check_dtype
from ..core.tracing import Tracer
from ..errors import user_frame
from ..ops.broadcasting import broadcast_in_dim_p, reshape_p
from ..ops.elementwise import convert_element_type_p
from ..ops.shape import concatenate_p

_PY_SCALARS = (bool, int, float, complex)


def asarray_or_tracer(x):
    """A Tracer stays as it is; anything else becomes a NumPy array (dtype checked)."""
    if isinstance(x, Tracer):
        return x
    if isinstance(x, np.ndarray):
        check_dtype(x.dtype)
        return x
    if isinstance(x, (list, tuple)) and _contains_tracer(x):
        return _stack_rows([asarray_or_tracer(e) for e in x])
    a = np.asarray(x)
    check_dtype(a.dtype)
    return a


def _stack_rows(xs):
    """``np.array`` of a list holding tracers: the rows promoted to one dtype and stacked."""
    shapes = {np.shape(x) for x in xs}
    if len(shapes) != 1:
        raise ValueError(f"setting an array element with a sequence: the rows have shapes "
                         f"{', '.join(str(np.shape(x)) for x in xs)}, which differ "
                         f"(at {user_frame()})")
    dt = result_dtype(*xs)
    rows = [cast(x, dt) for x in xs]
    shape = (1,) + np.shape(rows[0])
    return concatenate_p.bind(*[reshape_p.bind(r, shape=shape) for r in rows], axis=0)


def _contains_tracer(xs):
    return any(isinstance(e, Tracer) or (isinstance(e, (list, tuple)) and _contains_tracer(e))
               for e in xs)


def dtype_of(x):
    return x.dtype if isinstance(x, (Tracer, np.ndarray, np.generic)) else np.asarray(x).dtype


def result_dtype(*xs):
    """NumPy 2 promotion; Python scalars are weak (they take the array's kind and precision:
    float32 + 1j is complex64, float64 + complex64 is complex128).

    >>> result_dtype(np.ones(2, np.float32), 1j), result_dtype(np.ones(2), np.ones(2, "c8"))
    (dtype('complex64'), dtype('complex128'))
    """
    return np.result_type(*[x if isinstance(x, _PY_SCALARS) else x.dtype
                            for x in xs])


def cast(x, dtype):
    """Convert an operand to ``dtype`` (a Python scalar becomes a typed 0-d array)."""
    if isinstance(x, _PY_SCALARS):
        return np.asarray(x, dtype)
    if x.dtype == dtype:
        return x
    if isinstance(x, Tracer):
        return convert_element_type_p.bind(x, dtype=np.dtype(dtype))
    return np.asarray(x).astype(dtype)


def operands(xs):
    """Convert all operands: Python scalars stay (weak) until promotion."""
    return [x if isinstance(x, _PY_SCALARS) else asarray_or_tracer(x) for x in xs]


def broadcast_shapes(name, *xs):
    shapes = [np.shape(x) for x in xs]
    widest = max(shapes, key=len)
    if all(s == widest or not s for s in shapes):  # (most calls; NumPy's function takes 1.4 us)
        return widest
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError:
        raise ValueError(
            f"{name}: operands could not be broadcast together with shapes "
            f"{', '.join(str(tuple(s)) for s in shapes)} (at {user_frame()}). Check the "
            "shapes of your arrays; insert an axis with x[:, None] or reshape to align "
            "them.") from None


def broadcast_to_shape(x, shape):
    """Broadcast ``x`` to ``shape``; a constant 0-d operand is left as a scalar literal."""
    xs = np.shape(x)
    if xs == shape or (not xs and not isinstance(x, Tracer)):
        return x
    nd = len(shape)
    return broadcast_in_dim_p.bind(x, shape=shape, dims=tuple(range(nd - len(xs), nd)))


def prepare(name, xs, dtype=None):
    """Convert, promote to a common dtype (or ``dtype``) and broadcast operands."""
    if dtype is None and len(xs) == 2:
        # Fast path for the common case: two arrays/tracers of one dtype and shape.
        x, y = xs
        if (isinstance(x, (Tracer, np.ndarray)) and isinstance(y, (Tracer, np.ndarray))
                and x.dtype == y.dtype and x.shape == y.shape):
            if x.dtype.kind not in SUPPORTED_KINDS:
                check_dtype(x.dtype)
            return [x, y]
    xs = operands(xs)
    dt = np.dtype(dtype) if dtype is not None else result_dtype(*xs)
    xs = [cast(x, dt) for x in xs]
    shape = broadcast_shapes(name, *xs)
    return [broadcast_to_shape(x, shape) for x in xs]


def float_dtype(dt):
    """The inexact dtype NumPy computes in for an input of dtype ``dt``: ints and booleans
    become float64, float and complex dtypes stay."""
    dt = np.dtype(dt)
    return dt if dt.kind in "fc" else np.dtype(np.float64)


def normalize_axis(axis, ndim, name="axis"):
    if axis < -ndim or axis >= max(ndim, 1) and not (ndim == 0 and axis in (0, -1)):
        raise np.exceptions.AxisError(f"{name} {axis} is out of bounds for an array of "
                                      f"dimension {ndim} (at {user_frame()})")
    return axis % ndim if ndim else 0


def normalize_axes(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, (tuple, list)):
        return tuple(sorted(normalize_axis(a, ndim) for a in axis))
    return (normalize_axis(axis, ndim),)
