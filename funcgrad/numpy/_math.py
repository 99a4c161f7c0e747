"""Elementwise functions and reductions of funcgrad.numpy.

NumPy's names shadow Python's builtins here (sum, max, any, abs, round...): Python's own are
reached as ``builtins.NAME``.

Complex values: NumPy orders them lexicographically (real part first, then imaginary), and so
do ``less``, ``maximum``, ``max``, ``argmax`` ... here, composed from the real and imaginary
parts (the primitives compare reals only). The gradient of such a choice goes to the chosen
element; where real parts tie (the choice is not differentiable there), ``max``/``min`` share
the real part's gradient among them, as for reals.
"""
import builtins

import numpy as np

from ..control import scan, while_loop
from ..core.avals import is_complex
from ..core.tracing import Tracer
from ..errors import user_frame
from ..ops import complex as cx
from ..ops import elementwise as ew
from ..ops import floats as fl
from ..ops import reductions as red
from ..ops import shape as sh
from ..ops.broadcasting import zeros_like
from ._base import _ret, as_inexact, astype
from ._core import (
    asarray_or_tracer,
    broadcast_shapes,
    broadcast_to_shape,
    cast,
    float_dtype,
    normalize_axes,
    normalize_axis,
    operands,
    prepare,
    result_dtype,
)

# --- elementwise ------------------------------------------------------------------------------

def _doc(name, args):
    """Docstring of a generated function: what it is, and a doctest against NumPy."""
    return (f"Elementwise ``np.{name}``, traceable by every transformation.\n\n"
            f">>> bool(np.allclose({name}({args}), np.{name}({args}), equal_nan=True))\nTrue\n")


def _binary(prim, name, example="6.0, 3.0"):
    def f(x, y):
        return _ret(prim.bind(*prepare(name, (x, y))))
    f.__name__ = name
    f.__doc__ = _doc(name, example)
    return f


def _ordering(prim, strict, name):
    """A comparison; complex operands compare lexicographically, as in NumPy."""
    def f(x, y):
        x, y = prepare(name, (x, y))
        if not is_complex(x.dtype):
            return _ret(prim.bind(x, y))
        rx, ry = cx.real_p.bind(x), cx.real_p.bind(y)
        ties = ew.eq_p.bind(rx, ry)
        im = prim.bind(cx.imag_p.bind(x), cx.imag_p.bind(y))
        return _ret(ew.or_p.bind(strict.bind(rx, ry), ew.and_p.bind(ties, im)))
    f.__name__ = name
    f.__doc__ = (f"Elementwise ``np.{name}``; complex values compare lexicographically, as in "
                 f"NumPy.\n\n>>> {name}(np.array([1 + 2j, 2 + 0j]), 1 + 3j).tolist()\n"
                 f"{getattr(np, name)(np.array([1 + 2j, 2 + 0j]), 1 + 3j).tolist()}\n")
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
negative = _unary(ew.neg_p, "negative")
exp = _float_unary(ew.exp_p, "exp")
log = _float_unary(ew.log_p, "log")
tanh = _float_unary(ew.tanh_p, "tanh")
sin = _float_unary(ew.sin_p, "sin")
cos = _float_unary(ew.cos_p, "cos")
sqrt = _float_unary(ew.sqrt_p, "sqrt")
greater = _ordering(ew.gt_p, ew.gt_p, "greater")
greater_equal = _ordering(ew.ge_p, ew.gt_p, "greater_equal")
less = _ordering(ew.lt_p, ew.lt_p, "less")
less_equal = _ordering(ew.le_p, ew.lt_p, "less_equal")


def _complex_choice(x, y, pick_x):
    """``x`` where ``pick_x`` or ``x`` is NaN, else ``y`` where ``y`` is NaN, else ``y``: the
    complex maximum/minimum, with NumPy's NaN propagation."""
    return where(logical_or(isnan(x), logical_and(logical_not(isnan(y)), pick_x)), x, y)


def _extreme(prim, prefer_first, name):
    """Elementwise maximum or minimum (NaN propagates); complex values compare
    lexicographically (``prefer_first(x, y)``: where ``x`` is the answer)."""
    real = _binary(prim, name)

    def f(x1, x2):
        x, y = prepare(name, (x1, x2))
        if is_complex(x.dtype):
            return _ret(_complex_choice(x, y, prefer_first(x, y)))
        return real(x, y)
    f.__name__ = name
    f.__doc__ = (f"Elementwise ``np.{name}`` (NaN propagates). Ties share the gradient evenly; "
                 "complex values compare lexicographically, and at a complex tie the first "
                 f"operand takes it.\n\n>>> {name}(np.array([1.0, 5.0]), 3.0).tolist(), "
                 f"complex({name}(1 + 2j, 1 + 1j))\n"
                 f"({getattr(np, name)(np.array([1.0, 5.0]), 3.0).tolist()}, "
                 f"{complex(getattr(np, name)(1 + 2j, 1 + 1j))})\n")
    return f


maximum = _extreme(ew.max_p, greater_equal, "maximum")
minimum = _extreme(ew.min_p, less_equal, "minimum")
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


def where(condition, x, y):
    """Choose ``x`` where ``condition`` holds, else ``y`` (broadcasting all three).

    >>> where(np.array([True, False]), 1.0, 2.0).tolist()
    [1.0, 2.0]
    """
    c = asarray_or_tracer(condition)
    if c.dtype != np.bool_:
        c = not_equal(c, 0)
    x, y = operands((x, y))
    dt = result_dtype(x, y)
    x, y = cast(x, dt), cast(y, dt)
    shape = broadcast_shapes("where", c, x, y)
    return _ret(ew.select_p.bind(*[broadcast_to_shape(v, shape) for v in (c, x, y)]))


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
    a = astype(asarray_or_tracer(a), dtype or _accumulator(a))
    axes = normalize_axes(axis, a.ndim)
    return _ret(_keep(red.reduce_sum(a, axes), a, axes, keepdims))


def _accumulator(a):
    """The dtype NumPy sums and multiplies ``a`` in: booleans and integers narrower than 64
    bits widen to (u)int64; other dtypes stay."""
    dt = np.asarray(a).dtype if not isinstance(a, Tracer) else a.dtype
    if dt.kind == "b" or dt.kind == "i" and dt.itemsize < 8:
        return np.dtype(np.int64)
    if dt.kind == "u" and dt.itemsize < 8:
        return np.dtype(np.uint64)
    return dt


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
        if builtins.any(a.shape[i] == 0 for i in axes):
            raise ValueError(f"zero-size array to reduction operation {name} which has no "
                             "identity")
        if is_complex(a.dtype) and axes:
            return _ret(_complex_extremum(f, a, axes, keepdims))
        out = prim.bind(a, axes=axes) if axes else a
        return _ret(_keep(out, a, axes, keepdims))
    f.__name__ = name
    f.__doc__ = (f"``np.{name}`` over ``axis``; the gradient is shared equally among ties.\n\n"
                 f">>> float({name}(np.array([1.0, 3.0, 2.0])))\n"
                 f"{float(getattr(np, name)(np.array([1.0, 3.0, 2.0])))}\n")
    return f


max = amax = _extremum(red.reduce_max_p, "max")
min = amin = _extremum(red.reduce_min_p, "min")


def _complex_extremum(extremum, a, axes, keepdims):
    """The lexicographic max (or min) of complex ``a``: the extreme real part, then the
    extreme imaginary part among the elements that have it."""
    re, im = cx.real_p.bind(a), cx.imag_p.bind(a)
    top_re = extremum(re, axes, keepdims=True)
    fill = -np.inf if extremum is max else np.inf
    top_im = extremum(where(equal(re, top_re), im, fill), axes, keepdims=True)
    out = cx.complex_p.bind(top_re, top_im)
    if not keepdims:
        out = sh.reshape(out, tuple(d for i, d in enumerate(a.shape) if i not in axes))
    return out




# --- more elementwise functions ---------------------------------------------------------------

abs = absolute = _unary(ew.abs_p, "abs")
sign = _unary(ew.sign_p, "sign")
floor = _float_unary(ew.floor_p, "floor")
ceil = _float_unary(ew.ceil_p, "ceil")
_rint = _float_unary(ew.round_p, "rint")


def rint(x):
    """Round to the nearest integer, half to even (both parts of a complex value), with a zero
    derivative, like ``np.rint``.

    >>> rint(np.array([0.5, 1.5, 2.7])).tolist(), complex(rint(1.5 + 2.5j))
    ([0.0, 2.0, 3.0], (2+2j))
    """
    x = asarray_or_tracer(x)
    return _by_parts(_rint, x) if is_complex(x.dtype) else _rint(x)
trunc = fix = _float_unary(ew.trunc_p, "trunc")
log1p = _float_unary(ew.log1p_p, "log1p")
expm1 = _float_unary(ew.expm1_p, "expm1")
tan = _float_unary(ew.tan_p, "tan")
arcsin = _float_unary(ew.arcsin_p, "arcsin")
arccos = _float_unary(ew.arccos_p, "arccos")
arctan = _float_unary(ew.arctan_p, "arctan")
sinh = _float_unary(ew.sinh_p, "sinh")
cosh = _float_unary(ew.cosh_p, "cosh")
arcsinh = _float_unary(ew.arcsinh_p, "arcsinh")
arccosh = _float_unary(ew.arccosh_p, "arccosh")
arccosh.__doc__ = _doc("arccosh", "1.5")
arctanh = _float_unary(ew.arctanh_p, "arctanh")
arctan2 = _float_binary(ew.atan2_p, "arctan2")
logaddexp = _float_binary(ew.logaddexp_p, "logaddexp")
mod = remainder = _binary(ew.rem_p, "mod")
floor_divide = _binary(ew.floor_divide_p, "floor_divide")
bitwise_and = _binary(ew.and_p, "bitwise_and", "12, 3")
bitwise_or = _binary(ew.or_p, "bitwise_or", "12, 3")
bitwise_xor = _binary(ew.xor_p, "bitwise_xor", "12, 3")
left_shift = _binary(ew.shift_left_p, "left_shift", "12, 3")
right_shift = _binary(ew.shift_right_p, "right_shift", "12, 3")


def invert(x):
    """Bitwise NOT (logical NOT on booleans), like ``np.invert`` / ``~x``.

    >>> invert(np.array([True, False])).tolist()
    [False, True]
    """
    return _ret(ew.not_p.bind(asarray_or_tracer(x)))


bitwise_not = invert


def _bool(x):
    x = asarray_or_tracer(x)
    return x if x.dtype == np.bool_ else not_equal(x, 0)


def logical_not(x):
    """Elementwise NOT of truth values.

    >>> logical_not(np.array([0.0, 2.0])).tolist()
    [True, False]
    """
    return _ret(ew.not_p.bind(_bool(x)))


def logical_and(x, y):
    """Elementwise AND of truth values.

    >>> logical_and(np.array([1, 0]), True).tolist()
    [True, False]
    """
    return bitwise_and(_bool(x), _bool(y))


def logical_or(x, y):
    """Elementwise OR of truth values.

    >>> logical_or(np.array([1, 0]), False).tolist()
    [True, False]
    """
    return bitwise_or(_bool(x), _bool(y))


def logical_xor(x, y):
    """Elementwise XOR of truth values.

    >>> logical_xor(np.array([1, 0]), True).tolist()
    [False, True]
    """
    return bitwise_xor(_bool(x), _bool(y))


def _float_pred(prim, name):
    def f(x):
        x = asarray_or_tracer(x)
        if is_complex(x.dtype):  # NumPy asks both parts
            re, im = prim.bind(cx.real_p.bind(x)), prim.bind(cx.imag_p.bind(x))
            return _ret((ew.and_p if name == "isfinite" else ew.or_p).bind(re, im))
        if x.dtype.kind != "f":
            return _ret(np.zeros(x.shape, bool) if name != "isfinite" else np.ones(x.shape, bool))
        return _ret(prim.bind(x))
    f.__name__ = name
    f.__doc__ = _doc(name, "np.array([1.0, np.inf, np.nan])")
    return f


isnan = _float_pred(ew.isnan_p, "isnan")
isinf = _float_pred(ew.isinf_p, "isinf")
isfinite = _float_pred(ew.isfinite_p, "isfinite")


def exp2(x):
    """``2 ** x``.

    >>> float(exp2(3.0))
    8.0
    """
    x = asarray_or_tracer(x)
    return power(2.0, astype(x, float_dtype(x.dtype)))


def log2(x):
    """Base-2 logarithm.

    >>> float(log2(8.0))
    3.0
    """
    return divide(log(x), float(np.log(2.0)))


def log10(x):
    """Base-10 logarithm.

    >>> builtins.round(float(log10(1000.0)), 12)
    3.0
    """
    return divide(log(x), float(np.log(10.0)))


cbrt = _float_unary(ew.cbrt_p, "cbrt")


def hypot(x1, x2):
    """``sqrt(x1**2 + x2**2)``, scaled so that large inputs do not overflow.

    >>> float(hypot(3.0, 4.0))
    5.0
    """
    a, b = abs(asarray_or_tracer(x1)), abs(asarray_or_tracer(x2))
    m = maximum(a, b)
    safe = where(m > 0, m, 1.0)
    return multiply(m, sqrt(square(a / safe) + square(b / safe)))


def fmax(x1, x2):
    """Elementwise maximum that ignores NaNs (returns the other operand).

    >>> fmax(np.array([np.nan, 1.0]), np.array([2.0, np.nan])).tolist()
    [2.0, 1.0]
    """
    return where(isnan(x2), x1, where(isnan(x1), x2, maximum(x1, x2)))


def fmin(x1, x2):
    """Elementwise minimum that ignores NaNs (returns the other operand).

    >>> fmin(np.array([np.nan, 1.0]), np.array([2.0, np.nan])).tolist()
    [2.0, 1.0]
    """
    return where(isnan(x2), x1, where(isnan(x1), x2, minimum(x1, x2)))


def clip(a, a_min=None, a_max=None, out=None, *, min=None, max=None):
    """Limit values to ``[a_min, a_max]`` (either may be None; NumPy 2 also names them ``min``
    and ``max``); the gradient passes where the value is inside.

    >>> clip(np.array([-2.0, 0.5, 3.0]), 0.0, 1.0).tolist()
    [0.0, 0.5, 1.0]
    >>> clip(np.array([-2.0, 0.5, 3.0]), max=1.0).tolist()
    [-2.0, 0.5, 1.0]
    """
    if out is not None:
        raise NotImplementedError("clip(..., out=...) is not supported (arrays are immutable); "
                                  "use the returned array")
    lo = a_min if min is None else min
    hi = a_max if max is None else max
    out = asarray_or_tracer(a)
    if lo is not None:
        out = where(less(out, lo), lo, out)
    if hi is not None:
        out = where(greater(out, hi), hi, out)
    return out


def round(a, decimals=0):
    """Round half to even to ``decimals`` places (zero gradient), like ``np.round``.

    >>> round(np.array([0.5, 1.5, 2.675]), 2).tolist()
    [0.5, 1.5, 2.68]
    """
    a = asarray_or_tracer(a)
    if is_complex(a.dtype):  # NumPy rounds both parts
        return _by_parts(lambda x: round(x, decimals), a)
    if a.dtype.kind != "f":
        return a
    if decimals == 0:
        return rint(a)
    scale = 10.0 ** decimals
    return divide(rint(multiply(a, scale)), scale)


around = round


# --- more reductions --------------------------------------------------------------------------

def prod(a, axis=None, dtype=None, keepdims=False):
    """Product over ``axis``. Its gradient is exact also when entries are zero (no division
    by x); second derivatives are exact where no entry is zero.

    >>> float(prod(np.array([1.0, 2.0, 3.0])))
    6.0
    """
    a = astype(asarray_or_tracer(a), dtype or _accumulator(a))
    axes = normalize_axes(axis, a.ndim)
    out = red.reduce_prod_p.bind(a, axes=axes) if axes else a
    return _ret(_keep(out, a, axes, keepdims))


def _arg(prim, name):
    def f(a, axis=None, keepdims=False):
        a = asarray_or_tracer(a)
        if is_complex(a.dtype):  # lexicographic: the first element that is the max (min)
            top = (max if name == "argmax" else min)(a, axis, keepdims=True)
            return argmax(equal(a, top), axis, keepdims)
        if axis is None:
            flat = sh.reshape(a, (a.size,))
            out = prim.bind(flat, axis=0)
            return _ret(sh.reshape(out, (1,) * a.ndim) if keepdims else out)
        ax = normalize_axis(axis, a.ndim)
        out = prim.bind(a, axis=ax)
        return _ret(_keep(out, a, (ax,), keepdims))
    f.__name__ = name
    f.__doc__ = (f"Index of the {name[3:]}imum along ``axis`` (flattened if None).\n\n"
                 f">>> int({name}(np.array([1.0, 3.0, 2.0])))\n"
                 f"{int(getattr(np, name)(np.array([1.0, 3.0, 2.0])))}\n")
    return f


argmax = _arg(red.argmax_p, "argmax")
argmin = _arg(red.argmin_p, "argmin")


def var(a, axis=None, dtype=None, ddof=0, keepdims=False):
    """Variance over ``axis`` with ``ddof`` delta degrees of freedom.

    >>> float(var(np.array([1.0, 2.0, 3.0, 4.0])))
    1.25
    """
    a = asarray_or_tracer(a)
    a = astype(a, dtype if dtype is not None else float_dtype(a.dtype))
    axes = normalize_axes(axis, a.ndim)
    n = 1
    for i in axes:
        n *= a.shape[i]
    centered = subtract(a, mean(a, axes, keepdims=True))
    if is_complex(a.dtype):  # |centered|**2, real, as in NumPy
        sq = add(square(real(centered)), square(imag(centered)))
    else:
        sq = square(centered)
    return divide(sum(sq, axes, keepdims=keepdims), float(builtins.max(n - ddof, 0)))


def std(a, axis=None, dtype=None, ddof=0, keepdims=False):
    """Standard deviation over ``axis``.

    >>> float(std(np.array([1.0, 3.0])))
    1.0
    """
    return sqrt(var(a, axis, dtype, ddof, keepdims))


def _truth_reduction(prim, empty_value, a, axis, keepdims):
    b = _bool(a)
    axes = normalize_axes(axis, b.ndim)
    if not axes:
        out = b
    elif b.size:
        out = prim.bind(b, axes=axes)
    else:  # NumPy: all([]) is True, any([]) is False
        out = np.full(tuple(d for i, d in enumerate(b.shape) if i not in axes), empty_value)
    return _ret(_keep(out, b, axes, keepdims))


def all(a, axis=None, keepdims=False):
    """Whether all entries (along ``axis``) are true.

    >>> bool(all(np.array([1.0, 2.0])))
    True
    """
    return _truth_reduction(red.reduce_min_p, True, a, axis, keepdims)


def any(a, axis=None, keepdims=False):
    """Whether any entry (along ``axis``) is true.

    >>> bool(any(np.array([0.0, 2.0])))
    True
    """
    return _truth_reduction(red.reduce_max_p, False, a, axis, keepdims)


def cumsum(a, axis=None, dtype=None):
    """Cumulative sum along ``axis`` (of the flattened array if None).

    >>> cumsum(np.array([1.0, 2.0, 3.0])).tolist()
    [1.0, 3.0, 6.0]
    """
    a = astype(asarray_or_tracer(a), dtype or _accumulator(a))
    if axis is None:
        a, axis = sh.reshape(a, (a.size,)), 0
    return _ret(red.cumsum_p.bind(a, axis=normalize_axis(axis, a.ndim), reverse=False))


def cumprod(a, axis=None, dtype=None):
    """Cumulative product along ``axis``. Traced, it is a ``scan`` of multiplications, so its
    gradient is exact also where entries are zero.

    >>> cumprod(np.array([1.0, 2.0, 3.0])).tolist()
    [1.0, 2.0, 6.0]
    """
    a = astype(asarray_or_tracer(a), dtype or _accumulator(a))
    if axis is None:
        a, axis = sh.reshape(a, (a.size,)), 0
    axis = normalize_axis(axis, a.ndim)
    if not isinstance(a, Tracer):
        return np.cumprod(a, axis=axis)
    perm = (axis,) + tuple(i for i in range(a.ndim) if i != axis)
    moved = sh.transpose(a, perm)
    one = np.ones(moved.shape[1:], a.dtype)
    _, ys = scan(lambda c, x: (multiply(c, x), multiply(c, x)), one, moved)
    return sh.transpose(ys, tuple(np.argsort(perm)))


def isclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Elementwise ``|a - b| <= atol + rtol * |b|``, like ``np.isclose``.

    >>> isclose(np.array([1.0, 1.1]), 1.0).tolist()
    [True, False]
    """
    close = less_equal(abs(subtract(a, b)), add(atol, multiply(rtol, abs(b))))
    same = equal(a, b)  # exact equality, including equal infinities
    out = logical_or(close, same)
    if equal_nan:
        out = logical_or(out, logical_and(isnan(a), isnan(b)))
    return out


def allclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Whether all entries are close (see ``isclose``).

    >>> bool(allclose(np.array([1.0, 2.0]), np.array([1.0, 2.0 + 1e-9])))
    True
    """
    return all(isclose(a, b, rtol, atol, equal_nan))



# --- complex numbers --------------------------------------------------------------------------

def real(val):
    """The real part (``val`` itself when it is real), like ``np.real``.

    >>> float(real(3 + 4j)), real(np.array([1.0, 2.0])).tolist()
    (3.0, [1.0, 2.0])
    """
    x = asarray_or_tracer(val)
    return _ret(cx.real_p.bind(x)) if is_complex(x.dtype) else _ret(x)


def imag(val):
    """The imaginary part (zeros when ``val`` is real), like ``np.imag``.

    >>> float(imag(3 + 4j)), imag(np.array([1.0, 2.0])).tolist()
    (4.0, [0.0, 0.0])
    """
    x = asarray_or_tracer(val)
    if is_complex(x.dtype):
        return _ret(cx.imag_p.bind(x))
    return _ret(zeros_like(x))


def conjugate(x):
    """The complex conjugate (``x`` itself when it is real), like ``np.conjugate``.

    >>> complex(conjugate(3 + 4j))
    (3-4j)
    """
    x = asarray_or_tracer(x)
    return _ret(cx.conj_p.bind(x)) if is_complex(x.dtype) else _ret(x)


conj = conjugate


def angle(z, deg=False):
    """The argument of complex ``z``, in radians (degrees with ``deg``), like ``np.angle``.
    Its derivative at 0 is NaN (the angle is undefined there).

    >>> float(angle(1j)), float(angle(-1.0, deg=True))
    (1.5707963267948966, 180.0)
    """
    z = asarray_or_tracer(z)
    out = arctan2(imag(z), real(z))
    return multiply(out, 180.0 / np.pi) if deg else out


def _by_parts(f, z):
    """``f`` applied to the real and imaginary parts of ``z``, put together again."""
    return _ret(cx.complex_p.bind(f(cx.real_p.bind(z)), f(cx.imag_p.bind(z))))


# --- NumPy 2's names, angles, and more elementwise math ------------------------------------------

acos, acosh, asin, asinh, atan, atanh, atan2 = (arccos, arccosh, arcsin, arcsinh, arctan,
                                                arctanh, arctan2)
pow = power
bitwise_invert, bitwise_left_shift, bitwise_right_shift = invert, left_shift, right_shift
fmod = _binary(fl.fmod_p, "fmod")
fmod.__doc__ = ("C's remainder ``x1 - trunc(x1 / x2) * x2`` (the sign of ``x1``); derivative 1 "
                "in ``x1`` and ``-trunc(x1 / x2)`` in ``x2``.\n\n>>> float(fmod(-7.0, 3.0))\n"
                "-1.0\n")
remainder.__doc__ = mod.__doc__ = (
    "Python's remainder ``x1 - floor(x1 / x2) * x2`` (the sign of ``x2``); derivative 1 in "
    "``x1`` and ``-floor(x1 / x2)`` in ``x2``, as JAX.\n\n>>> float(mod(-7.0, 3.0))\n2.0\n")


def fabs(x):
    """Absolute value, always floating point (integers become float64).

    >>> fabs(np.array([-2, 3])).tolist()
    [2.0, 3.0]
    """
    return abs(as_inexact(x))


def deg2rad(x):
    """Degrees to radians.

    >>> float(deg2rad(180.0)) == np.pi
    True
    """
    return multiply(as_inexact(x), np.pi / 180.0)


def rad2deg(x):
    """Radians to degrees.

    >>> float(rad2deg(np.pi / 2))
    90.0
    """
    return multiply(as_inexact(x), 180.0 / np.pi)


radians, degrees = deg2rad, rad2deg


def logaddexp2(x1, x2):
    """``log2(2**x1 + 2**x2)`` without overflow (``logaddexp`` in units of ``log 2``).

    >>> float(logaddexp2(3.0, 3.0))
    4.0
    """
    ln2 = float(np.log(2.0))
    return divide(logaddexp(multiply(as_inexact(x1), ln2), multiply(as_inexact(x2), ln2)), ln2)


def sinc(x):
    """``sin(pi x) / (pi x)``, 1 at 0. Near 0 it is its Taylor polynomial, so that derivatives
    of every order are right there too (``sinc''(0) = -pi**2 / 3``).

    >>> float(sinc(0.0)), float(sinc(0.5)) == 2 / np.pi
    (1.0, True)
    """
    y = multiply(as_inexact(x), np.pi)
    small = less(abs(y), 0.1)
    safe = where(small, 1.0, y)  # the branch not taken stays finite, so does its gradient
    y2 = square(where(small, y, 0.0))
    taylor = 1.0 - y2 / 6.0 * (1.0 - y2 / 20.0 * (1.0 - y2 / 42.0 * (1.0 - y2 / 72.0)))
    return where(small, taylor, divide(sin(safe), safe))


def float_power(x1, x2):
    """``x1 ** x2`` computed in float64 at least (``power`` keeps float32 and integers).

    >>> float_power(np.float32(2.0), 3).dtype
    dtype('float64')
    """
    x1, x2 = operands((x1, x2))
    dt = np.promote_types(result_dtype(x1, x2), np.float64)
    return power(cast(x1, dt), cast(x2, dt))


def divmod(x1, x2):
    """``(floor_divide(x1, x2), mod(x1, x2))``.

    >>> [float(v) for v in divmod(7.0, 2.0)]
    [3.0, 1.0]
    """
    return floor_divide(x1, x2), mod(x1, x2)


def heaviside(x1, x2):
    """Step function: 0 where ``x1 < 0``, ``x2`` where ``x1 == 0``, 1 where ``x1 > 0`` (NaN
    stays NaN). Its derivative is 0 in ``x1`` and the indicator of ``x1 == 0`` in ``x2``.

    >>> heaviside(np.array([-1.0, 0.0, 2.0]), 0.5).tolist()
    [0.0, 0.5, 1.0]
    """
    x1, x2 = prepare("heaviside", (x1, x2))
    x1, x2 = as_inexact(x1), as_inexact(x2)
    if x1.dtype.kind == "c":
        raise TypeError(f"heaviside is not defined for complex values, got {x1.dtype} (at "
                        f"{user_frame()}), as in NumPy: apply it to np.real(x1).")
    step = where(less(x1, 0), 0.0, where(greater(x1, 0), 1.0, x2))
    return where(isnan(x1), x1, step)


def _integers(name, x1, x2):
    xs = prepare(name, (x1, x2))
    if xs[0].dtype.kind not in "iub":
        raise TypeError(f"{name}: the operands must be integers, got {xs[0].dtype} (at "
                        f"{user_frame()})")
    return xs


def gcd(x1, x2):
    """Greatest common divisor of integers (non-negative). Traced, it runs Euclid's algorithm
    in a ``while_loop`` until every pair is done.

    >>> gcd(np.array([12, -18, 0]), 8).tolist()
    [4, 2, 8]
    """
    a, b = _integers("gcd", x1, x2)
    if not isinstance(a, Tracer) and not isinstance(b, Tracer):
        return _ret(np.gcd(a, b))

    shape = np.broadcast_shapes(np.shape(a), np.shape(b))  # the loop carries full arrays
    a, b = [sh.broadcast_in_dim(v, shape, tuple(range(len(shape) - np.ndim(v), len(shape))))
            if np.shape(v) != shape else v for v in (a, b)]

    def step(ab):
        a, b = ab
        nz = not_equal(b, 0)
        return where(nz, b, a), where(nz, mod(a, where(nz, b, 1)), 0)
    return while_loop(lambda ab: any(not_equal(ab[1], 0)), step, (abs(a), abs(b)))[0]


def lcm(x1, x2):
    """Least common multiple of integers (non-negative; 0 if either is 0).

    >>> lcm(np.array([4, 6, 0]), 6).tolist()
    [12, 6, 0]
    """
    a, b = _integers("lcm", x1, x2)
    g = gcd(a, b)
    zero = equal(g, 0)
    return where(zero, 0, abs(multiply(floor_divide(a, where(zero, 1, g)), b)))


def _cumulative(cum, initial, x, axis, dtype, include_initial, name):
    x = asarray_or_tracer(x)
    if axis is None:
        if x.ndim > 1:
            raise ValueError(f"{name}: axis must be given for an array of {x.ndim} dimensions "
                             f"(shape {x.shape}, at {user_frame()})")
        axis = 0
    out = cum(x, axis=axis, dtype=dtype)
    if not include_initial:
        return out
    axis = normalize_axis(axis, np.ndim(out))
    shape = tuple(1 if i == axis else d for i, d in enumerate(np.shape(out)))
    return sh.concatenate([np.full(shape, initial, out.dtype), out], axis)


def cumulative_sum(x, /, *, axis=None, dtype=None, include_initial=False):
    """NumPy 2's ``cumulative_sum``: ``cumsum``, optionally starting with 0.

    >>> cumulative_sum(np.array([1.0, 2.0]), include_initial=True).tolist()
    [0.0, 1.0, 3.0]
    """
    return _cumulative(cumsum, 0, x, axis, dtype, include_initial, "cumulative_sum")


def cumulative_prod(x, /, *, axis=None, dtype=None, include_initial=False):
    """NumPy 2's ``cumulative_prod``: ``cumprod``, optionally starting with 1.

    >>> cumulative_prod(np.array([2.0, 3.0]), include_initial=True).tolist()
    [1.0, 2.0, 6.0]
    """
    return _cumulative(cumprod, 1, x, axis, dtype, include_initial, "cumulative_prod")


# the functions defined here (not the helpers imported above) are funcgrad.numpy's
__all__ = [n for n, v in list(globals().items()) if not n.startswith("_") and callable(v)
           and getattr(v, "__module__", None) == __name__]
