"""Elementwise functions and reductions of funcgrad.numpy."""
import numpy as np

from ..core.tracing import Tracer
from ..ops import elementwise as ew
from ..ops import reductions as red
from ..ops import shape as sh
from ._base import _ret, astype
from ._core import (
    asarray_or_tracer,
    broadcast_shapes,
    broadcast_to_shape,
    cast,
    float_dtype,
    normalize_axes,
    operands,
    prepare,
    result_dtype,
)

# --- elementwise ------------------------------------------------------------------------------

def _doc(name, args):
    """Docstring of a generated function: what it is, and a doctest against NumPy."""
    return (f"Elementwise ``np.{name}``, traceable by every transformation.\n\n"
            f">>> bool(np.allclose({name}({args}), np.{name}({args})))\nTrue\n")


def _binary(prim, name):
    def f(x, y):
        return _ret(prim.bind(*prepare(name, (x, y))))
    f.__name__ = name
    f.__doc__ = _doc(name, "6.0, 3.0")
    return f


def _float_binary(prim, name):
    def f(x, y):
        xs = prepare(name, (x, y))
        dt = float_dtype(xs[0].dtype)
        if xs[0].dtype != dt:
            xs = prepare(name, xs, dt)
        return _ret(prim.bind(*xs))
    f.__name__ = name
    f.__doc__ = _doc(name, "6.0, 3.0")
    return f


def _float_unary(prim, name):
    def f(x):
        x = asarray_or_tracer(x)
        dt = float_dtype(x.dtype)
        if x.dtype != dt:
            x = astype(x, dt)
        return _ret(prim.bind(x))
    f.__name__ = name
    f.__doc__ = _doc(name, "0.5")
    return f


def _unary(prim, name):
    def f(x):
        return _ret(prim.bind(asarray_or_tracer(x)))
    f.__name__ = name
    f.__doc__ = _doc(name, "0.5")
    return f


add = _binary(ew.add_p, "add")
subtract = _binary(ew.sub_p, "subtract")
multiply = _binary(ew.mul_p, "multiply")
divide = true_divide = _float_binary(ew.div_p, "divide")
maximum = _binary(ew.max_p, "maximum")
minimum = _binary(ew.min_p, "minimum")
negative = _unary(ew.neg_p, "negative")
exp = _float_unary(ew.exp_p, "exp")
log = _float_unary(ew.log_p, "log")
tanh = _float_unary(ew.tanh_p, "tanh")
sin = _float_unary(ew.sin_p, "sin")
cos = _float_unary(ew.cos_p, "cos")
sqrt = _float_unary(ew.sqrt_p, "sqrt")
greater = _binary(ew.gt_p, "greater")
greater_equal = _binary(ew.ge_p, "greater_equal")
less = _binary(ew.lt_p, "less")
less_equal = _binary(ew.le_p, "less_equal")
equal = _binary(ew.eq_p, "equal")
not_equal = _binary(ew.ne_p, "not_equal")


def power(x, y):
    """Elementwise ``x ** y``.

    >>> float(power(2.0, 3))
    8.0
    """
    return _ret(ew.pow_p.bind(*prepare("power", (x, y))))


def positive(x):
    """``+x``.

    >>> float(positive(-2.0))
    -2.0
    """
    return asarray_or_tracer(x)


def square(x):
    """``x * x``.

    >>> float(square(3.0))
    9.0
    """
    x = asarray_or_tracer(x)
    return multiply(x, x)


def reciprocal(x):
    """``1 / x``.

    >>> float(reciprocal(4.0))
    0.25
    """
    return divide(1.0, x)


def where(condition, x=None, y=None):
    """Choose ``x`` where ``condition`` holds, else ``y`` (broadcasting all three).

    >>> where(np.array([True, False]), 1.0, 2.0).tolist()
    [1.0, 2.0]
    """
    if x is None and y is None:
        return nonzero(condition)
    c = asarray_or_tracer(condition)
    if c.dtype != np.bool_:
        c = not_equal(c, 0)
    x, y = operands((x, y))
    dt = result_dtype(x, y)
    x, y = cast(x, dt), cast(y, dt)
    shape = broadcast_shapes("where", c, x, y)
    return _ret(ew.select_p.bind(*[broadcast_to_shape(v, shape) for v in (c, x, y)]))


def nonzero(x):
    """Indices of nonzero entries; needs concrete values (not under ``jit``)."""
    if isinstance(x, Tracer):
        x = x.concrete_value()
    return np.nonzero(x)


# --- reductions -------------------------------------------------------------------------------

def _keep(out, x, axes, keepdims):
    if not keepdims:
        return out
    shape = tuple(1 if i in axes else d for i, d in enumerate(np.shape(x)))
    return sh.reshape(out, shape)


def sum(a, axis=None, dtype=None, keepdims=False):
    """Sum over ``axis`` (all axes by default), like ``np.sum``.

    >>> sum(np.ones((2, 3)), axis=1).tolist()
    [3.0, 3.0]
    """
    a = asarray_or_tracer(a)
    if dtype is not None:
        a = astype(a, dtype)
    elif a.dtype.kind in "b":
        a = astype(a, np.int64)
    axes = normalize_axes(axis, a.ndim)
    return _ret(_keep(red.reduce_sum(a, axes), a, axes, keepdims))


def mean(a, axis=None, dtype=None, keepdims=False):
    """Mean over ``axis``, like ``np.mean`` (integers average in float64).

    >>> float(mean(np.array([1.0, 2.0, 6.0])))
    3.0
    """
    a = asarray_or_tracer(a)
    a = astype(a, dtype if dtype is not None else float_dtype(a.dtype))
    axes = normalize_axes(axis, a.ndim)
    n = 1
    for i in axes:
        n *= a.shape[i]
    return divide(sum(a, axes, keepdims=keepdims), n)


def _extremum(prim, name):
    def f(a, axis=None, keepdims=False):
        a = asarray_or_tracer(a)
        axes = normalize_axes(axis, a.ndim)
        if any(a.shape[i] == 0 for i in axes):
            raise ValueError(f"zero-size array to reduction operation {name} which has no "
                             "identity")
        out = prim.bind(a, axes=axes) if axes else a
        return _ret(_keep(out, a, axes, keepdims))
    f.__name__ = name
    f.__doc__ = (f"``np.{name}`` over ``axis``; the gradient is shared equally among ties.\n\n"
                 f">>> float({name}(np.array([1.0, 3.0, 2.0])))\n"
                 f"{float(getattr(np, name)(np.array([1.0, 3.0, 2.0])))}\n")
    return f


max = amax = _extremum(red.reduce_max_p, "max")
min = amin = _extremum(red.reduce_min_p, "min")


