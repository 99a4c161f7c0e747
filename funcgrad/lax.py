"""JAX's ``lax`` names for what funcgrad has: structured control flow, and the primitives under
their lax names and signatures (``lax.exp``, ``lax.broadcast_in_dim``, ``lax.dot_general``...).

Where JAX's lax requires equal shapes, these also accept operands NumPy would broadcast.

>>> import funcgrad as fg, numpy as np
>>> float(fg.lax.switch(1, [lambda x: x + 1.0, lambda x: x * 10.0], 2.0))
20.0
>>> fg.lax.map(lambda x: x ** 2, np.arange(3.0)).tolist()
[0.0, 1.0, 4.0]
"""
import builtins

import numpy as np

from . import numpy as fnp
from .ad import stop_gradient
from .control import cond, fori_loop, scan, while_loop
from .errors import user_frame
from .ops.shape import pad_p
from .scipy.special import expit

__all__ = [
    "cond", "switch", "scan", "fori_loop", "while_loop", "map", "stop_gradient", "select",
    "add", "sub", "mul", "div", "neg", "rem", "max", "min", "pow", "integer_pow", "abs", "sign",
    "exp", "exp2", "log", "log1p", "expm1", "sqrt", "rsqrt", "cbrt", "square", "reciprocal",
    "tanh", "logistic", "sin", "cos", "tan", "asin", "acos", "atan", "atan2", "sinh", "cosh",
    "asinh", "acosh", "atanh", "floor", "ceil", "round", "is_finite", "eq", "ne", "lt", "le",
    "gt", "ge", "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not", "shift_left",
    "shift_right_arithmetic", "clamp", "convert_element_type", "broadcast_in_dim", "broadcast",
    "reshape", "transpose", "concatenate", "slice", "slice_in_dim", "pad", "rev", "squeeze",
    "expand_dims", "dot", "dot_general", "batch_matmul", "reduce_sum", "reduce_max",
    "reduce_min", "reduce_prod", "argmax", "argmin", "cumsum", "cumprod", "cummax", "cummin",
    "iota", "full", "full_like", "zeros_like_array",
]


def switch(index, branches, *operands):
    """``branches[index](*operands)``, with ``index`` clamped to the valid range (as in JAX);
    works under ``jit`` with a traced index (a chain of ``cond``).

    >>> float(switch(5, [lambda x: -x, lambda x: x * 2.0], 3.0))  # clamped to the last
    6.0
    """
    branches = list(branches)
    if not branches:
        raise ValueError(f"switch: no branches given (at {user_frame()})")
    try:
        i = int(index)
    except TypeError:  # abstract (under jit): choose with conds
        pass
    else:
        return branches[builtins.min(builtins.max(i, 0), len(branches) - 1)](*operands)
    if len(branches) == 1:
        return branches[0](*operands)
    return cond(index <= 0, branches[0],
                lambda *ops: switch(index - 1, branches[1:], *ops), *operands)


def map(f, xs):
    """``f`` applied to each slice ``xs[i]`` along the leading axis, results stacked (a
    ``scan``: one loop under ``jit``).

    >>> map(lambda row: row.sum(), np.ones((3, 2))).tolist()
    [2.0, 2.0, 2.0]
    """
    _, ys = scan(lambda carry, x: (carry, f(x)), (), xs)
    return ys


def select(pred, on_true, on_false):
    """Elementwise ``on_true if pred else on_false``; ``pred`` must be boolean.

    >>> select(np.array([True, False]), np.array([1.0, 2.0]), np.array([10.0, 20.0])).tolist()
    [1.0, 20.0]
    """
    if fnp.asarray(pred).dtype != np.bool_:
        raise TypeError(f"select: pred must be boolean, got {fnp.asarray(pred).dtype} "
                        f"(at {user_frame()})")
    return fnp.where(pred, on_true, on_false)


add, sub, mul, div, neg = fnp.add, fnp.subtract, fnp.multiply, fnp.true_divide, fnp.negative
max, min, pow, abs, sign = fnp.maximum, fnp.minimum, fnp.power, fnp.abs, fnp.sign
exp, exp2, log, log1p, expm1 = fnp.exp, fnp.exp2, fnp.log, fnp.log1p, fnp.expm1
sqrt, cbrt, square, reciprocal = fnp.sqrt, fnp.cbrt, fnp.square, fnp.reciprocal
tanh, sin, cos, tan = fnp.tanh, fnp.sin, fnp.cos, fnp.tan
asin, acos, atan, atan2 = fnp.arcsin, fnp.arccos, fnp.arctan, fnp.arctan2
sinh, cosh, asinh, acosh, atanh = fnp.sinh, fnp.cosh, fnp.arcsinh, fnp.arccosh, fnp.arctanh
floor, ceil, is_finite = fnp.floor, fnp.ceil, fnp.isfinite
eq, ne, lt, le, gt, ge = (fnp.equal, fnp.not_equal, fnp.less, fnp.less_equal, fnp.greater,
                          fnp.greater_equal)
bitwise_and, bitwise_or, bitwise_xor = fnp.bitwise_and, fnp.bitwise_or, fnp.bitwise_xor
bitwise_not, shift_left, shift_right_arithmetic = fnp.invert, fnp.left_shift, fnp.right_shift
full, full_like, zeros_like_array = fnp.full, fnp.full_like, fnp.zeros_like


def rem(x, y):
    """Remainder with the sign of ``x`` (C's ``fmod``), as ``lax.rem``.

    >>> rem(np.array([5.0, -5.0]), 3.0).tolist()
    [2.0, -2.0]
    """
    return x - y * fnp.trunc(x / y)


def integer_pow(x, y):
    """``x ** y`` for a Python int ``y``.

    >>> integer_pow(np.array([2.0, -3.0]), 3).tolist()
    [8.0, -27.0]
    """
    return fnp.power(x, int(y))


def rsqrt(x):
    """``1 / sqrt(x)``.

    >>> rsqrt(np.array([4.0, 0.25])).tolist()
    [0.5, 2.0]
    """
    return 1.0 / fnp.sqrt(x)


def logistic(x):
    """The logistic sigmoid ``1 / (1 + exp(-x))``, computed stably.

    >>> logistic(np.array([0.0, 1000.0, -1000.0])).tolist()
    [0.5, 1.0, 0.0]
    """
    return expit(x)


def round(x, rounding_method=0):
    """Round to the nearest integer: ``rounding_method=0`` away from zero (lax's default),
    ``1`` to even.

    >>> round(np.array([0.5, 1.5, 2.5, -0.5])).tolist()
    [1.0, 2.0, 3.0, -1.0]
    >>> round(np.array([0.5, 1.5, 2.5, -0.5]), rounding_method=1).tolist()
    [0.0, 2.0, 2.0, -0.0]
    """
    if rounding_method in (1, "TO_NEAREST_EVEN"):
        return fnp.rint(x)
    return fnp.sign(x) * fnp.floor(fnp.abs(x) + 0.5)


def clamp(min, x, max):
    """``x`` limited to ``[min, max]`` (lax's argument order).

    >>> clamp(0.0, np.array([-1.0, 0.5, 2.0]), 1.0).tolist()
    [0.0, 0.5, 1.0]
    """
    return fnp.clip(x, min, max)


def convert_element_type(operand, new_dtype):
    """``operand`` converted to ``new_dtype`` (float to int truncates toward zero).

    >>> convert_element_type(np.array([1.7, -1.7]), np.int32)
    array([ 1, -1], dtype=int32)
    """
    return fnp.astype(operand, new_dtype)


def broadcast_in_dim(operand, shape, broadcast_dimensions):
    """``operand`` placed along ``broadcast_dimensions`` of an array of ``shape``.

    >>> broadcast_in_dim(np.arange(2.0), (3, 2), (1,)).tolist()
    [[0.0, 1.0], [0.0, 1.0], [0.0, 1.0]]
    """
    operand = fnp.asarray(operand)
    shape = tuple(shape)
    expanded = [1] * len(shape)
    for i, d in enumerate(broadcast_dimensions):
        expanded[d] = operand.shape[i]
    return fnp.broadcast_to(fnp.reshape(operand, expanded), shape)


def broadcast(operand, sizes):
    """``operand`` with new leading axes of ``sizes``.

    >>> broadcast(np.array([1.0, 2.0]), (3,)).shape
    (3, 2)
    """
    operand = fnp.asarray(operand)
    nd = len(tuple(sizes))
    return broadcast_in_dim(operand, tuple(sizes) + operand.shape,
                            tuple(range(nd, nd + operand.ndim)))


def reshape(operand, new_sizes, dimensions=None):
    """``operand`` (axes first permuted by ``dimensions``) reshaped to ``new_sizes``.

    >>> reshape(np.arange(6.0).reshape(2, 3), (3, 2), dimensions=(1, 0)).tolist()
    [[0.0, 3.0], [1.0, 4.0], [2.0, 5.0]]
    """
    if dimensions is not None:
        operand = fnp.transpose(operand, dimensions)
    return fnp.reshape(operand, tuple(new_sizes))


def transpose(operand, permutation):
    """``operand`` with its axes in the order ``permutation``.

    >>> transpose(np.ones((2, 3, 4)), (2, 0, 1)).shape
    (4, 2, 3)
    """
    return fnp.transpose(operand, tuple(permutation))


def concatenate(operands, dimension):
    """``operands`` joined along the axis ``dimension``.

    >>> concatenate([np.zeros((1, 2)), np.ones((2, 2))], 0).shape
    (3, 2)
    """
    return fnp.concatenate(list(operands), axis=dimension)


def slice(operand, start_indices, limit_indices, strides=None):
    """``operand[start:limit:stride, ...]`` on every axis.

    >>> slice(np.arange(10.0), (1,), (8,), (3,)).tolist()
    [1.0, 4.0, 7.0]
    """
    strides = strides or (1,) * len(start_indices)
    return operand[tuple(builtins.slice(a, b, s)
                         for a, b, s in zip(start_indices, limit_indices, strides))]


def slice_in_dim(operand, start_index, limit_index, stride=1, axis=0):
    """``operand[start_index:limit_index:stride]`` along ``axis`` only.

    >>> slice_in_dim(np.arange(6.0).reshape(2, 3), 1, 3, axis=1).tolist()
    [[1.0, 2.0], [4.0, 5.0]]
    """
    ix = [builtins.slice(None)] * len(operand.shape)
    ix[axis] = builtins.slice(start_index, limit_index, stride)
    return operand[tuple(ix)]


def pad(operand, padding_value, padding_config):
    """Pad with ``padding_value``: ``padding_config`` holds ``(low, high, interior)`` per axis
    (non-negative here).

    >>> pad(np.array([1.0, 2.0]), -1.0, [(1, 2, 1)]).tolist()
    [-1.0, 1.0, -1.0, 2.0, -1.0, -1.0]
    """
    operand = fnp.asarray(operand)
    if any(lo < 0 or hi < 0 or it < 0 for lo, hi, it in padding_config):
        raise NotImplementedError(f"lax.pad with negative padding {padding_config} is not "
                                  f"supported (at {user_frame()}); slice the result instead.")
    config = tuple(tuple(int(v) for v in c) for c in padding_config)
    data = pad_p.bind(operand, config=config)  # zeros where padded
    inside = pad_p.bind(fnp.ones(operand.shape, np.bool_), config=config)
    return fnp.where(inside, data, fnp.asarray(padding_value, operand.dtype))


def rev(operand, dimensions):
    """``operand`` reversed along each axis in ``dimensions``.

    >>> rev(np.arange(6.0).reshape(2, 3), (1,)).tolist()
    [[2.0, 1.0, 0.0], [5.0, 4.0, 3.0]]
    """
    return fnp.flip(operand, tuple(dimensions))


def squeeze(array, dimensions):
    """``array`` without the axes of length 1 listed in ``dimensions``.

    >>> squeeze(np.ones((1, 3, 1)), (0, 2)).shape
    (3,)
    """
    return fnp.squeeze(array, tuple(dimensions))


def expand_dims(array, dimensions):
    """``array`` with new axes of length 1 at ``dimensions``.

    >>> expand_dims(np.ones(3), (0, 2)).shape
    (1, 3, 1)
    """
    return fnp.expand_dims(array, tuple(dimensions))


def dot(lhs, rhs, precision=None, preferred_element_type=None):
    """Vector/matrix products of 1-D and 2-D arrays, as ``lax.dot``.

    >>> dot(np.array([[1.0, 2.0]]), np.array([3.0, 4.0])).tolist()
    [11.0]
    """
    out = fnp.dot(lhs, rhs)
    return out if preferred_element_type is None else fnp.astype(out, preferred_element_type)


def dot_general(lhs, rhs, dimension_numbers, precision=None, preferred_element_type=None):
    """General contraction: ``dimension_numbers = ((lhs_contract, rhs_contract), (lhs_batch,
    rhs_batch))``; the result's axes are batch, then lhs free, then rhs free (as in JAX).

    >>> a, b = np.ones((2, 3, 4)), np.ones((2, 4, 5))
    >>> dot_general(a, b, (((2,), (1,)), ((0,), (0,)))).shape
    (2, 3, 5)
    """
    (lc, rc), (lb, rb) = dimension_numbers
    lhs, rhs = fnp.asarray(lhs), fnp.asarray(rhs)
    letters = iter("abcdefghijklmnopqrstuvwxyz")
    lsub = [next(letters) for _ in range(lhs.ndim)]
    rsub = [None] * rhs.ndim
    for i, j in zip(lc, rc):
        rsub[j] = lsub[i]
    for i, j in zip(lb, rb):
        rsub[j] = lsub[i]
    rsub = [s if s is not None else next(letters) for s in rsub]
    batch = [lsub[i] for i in lb]
    lfree = [s for i, s in enumerate(lsub) if i not in lc and i not in lb]
    rfree = [s for j, s in enumerate(rsub) if j not in rc and j not in rb]
    spec = f"{''.join(lsub)},{''.join(rsub)}->{''.join(batch + lfree + rfree)}"
    out = fnp.einsum(spec, lhs, rhs)
    return out if preferred_element_type is None else fnp.astype(out, preferred_element_type)


def batch_matmul(lhs, rhs, precision=None):
    """Matrix products of matching leading (batch) entries of ``lhs`` and ``rhs``.

    >>> batch_matmul(np.ones((5, 2, 3)), np.ones((5, 3, 4))).shape
    (5, 2, 4)
    """
    return fnp.matmul(lhs, rhs)


def reduce_sum(operand, axes):
    """The sum over the axes ``axes``.

    >>> reduce_sum(np.ones((2, 3)), (1,)).tolist()
    [3.0, 3.0]
    """
    return fnp.sum(operand, axis=tuple(axes))


def reduce_max(operand, axes):
    """The largest entry over the axes ``axes``.

    >>> reduce_max(np.array([[1.0, 5.0], [7.0, 2.0]]), (1,)).tolist()
    [5.0, 7.0]
    """
    return fnp.max(operand, axis=tuple(axes))


def reduce_min(operand, axes):
    """The smallest entry over the axes ``axes``.

    >>> reduce_min(np.array([[1.0, 5.0], [7.0, 2.0]]), (0, 1))
    np.float64(1.0)
    """
    return fnp.min(operand, axis=tuple(axes))


def reduce_prod(operand, axes):
    """The product over the axes ``axes``.

    >>> reduce_prod(np.array([[1.0, 2.0], [3.0, 4.0]]), (0,)).tolist()
    [3.0, 8.0]
    """
    return fnp.prod(operand, axis=tuple(axes))


def argmax(operand, axis, index_dtype=np.int64):
    """The index of the largest entry along ``axis``, as ``index_dtype``.

    >>> argmax(np.array([[1.0, 5.0], [7.0, 2.0]]), 1, np.int32)
    array([1, 0], dtype=int32)
    """
    return fnp.astype(fnp.argmax(operand, axis=axis), index_dtype)


def argmin(operand, axis, index_dtype=np.int64):
    """The index of the smallest entry along ``axis``, as ``index_dtype``.

    >>> argmin(np.array([[1.0, 5.0], [7.0, 2.0]]), 0).tolist()
    [0, 1]
    """
    return fnp.astype(fnp.argmin(operand, axis=axis), index_dtype)


def _cumulative(fn):
    def cumulative(operand, axis=0, reverse=False):
        if reverse:
            return fnp.flip(fn(fnp.flip(operand, axis), axis=axis), axis)
        return fn(operand, axis=axis)
    cumulative.__name__ = fn.__name__
    cumulative.__doc__ = f"``{fn.__name__}`` along ``axis``, from the end when ``reverse``."
    return cumulative


def _running(reduce):
    def running(x, axis):
        # a scan: the derivative of each running extremum flows to the entry attaining it
        x = fnp.moveaxis(fnp.asarray(x), axis, 0)
        _, ys = scan(lambda c, v: (reduce(c, v),) * 2, x[0], x)
        return fnp.moveaxis(ys, 0, axis)
    return running


cumsum = _cumulative(fnp.cumsum)
cumprod = _cumulative(fnp.cumprod)
cummax = _cumulative(_running(fnp.maximum))
cummin = _cumulative(_running(fnp.minimum))
cummax.__name__, cummin.__name__ = "cummax", "cummin"
cumsum.__doc__ += """

    >>> cumsum(np.array([1.0, 2.0, 3.0]), reverse=True).tolist()
    [6.0, 5.0, 3.0]
    """
cumprod.__doc__ += """

    >>> cumprod(np.array([[1.0, 2.0], [3.0, 4.0]]), axis=1).tolist()
    [[1.0, 2.0], [3.0, 12.0]]
    """
cummax.__doc__ = """The running maximum along ``axis``, from the end when ``reverse``.

    >>> cummax(np.array([1.0, 3.0, 2.0, 5.0])).tolist()
    [1.0, 3.0, 3.0, 5.0]
    """
cummin.__doc__ = """The running minimum along ``axis``, from the end when ``reverse``.

    >>> cummin(np.array([4.0, 3.0, 5.0, 1.0])).tolist()
    [4.0, 3.0, 3.0, 1.0]
    """


def iota(dtype, size):
    """``0, 1, ..., size - 1`` in ``dtype``.

    >>> iota(np.int32, 4)
    array([0, 1, 2, 3], dtype=int32)
    """
    return fnp.arange(size, dtype=dtype)

