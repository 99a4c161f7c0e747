"""Elementwise primitives.

Operands of an elementwise primitive have equal shapes, except that a 0-d *constant* (a literal)
may stand beside an array; the NumPy layer inserts ``broadcast_in_dim`` for everything else, so
rules never "unbroadcast". Operands share one dtype (the NumPy layer promotes).

Family helpers ``unary`` and ``binary`` derive the routine slots: a unary op declares its NumPy
function, its derivative in traceable ops and its scalar expression for code generation.
"""
import numpy as np

from ..core.avals import ShapedArray
from ..core.ir import Lit
from ..core.lowering import Elementwise
from ..core.primitive import Primitive
from ..errors import user_frame
from . import kernel_names as K
from .broadcasting import batch_align, half_like, ones_like, zeros_like


def elementwise_shape(name, *avals):
    shape = ()
    for a in avals:
        if a.shape:
            if shape and a.shape != shape:
                shapes = ", ".join(str(b.shape) for b in avals)
                raise ValueError(f"{name}: operands have incompatible shapes {shapes} "
                                 f"(at {user_frame()}).")
            shape = a.shape
    return shape


def elementwise_abstract(name, out_dtype=None):
    def rule(*avals, **params):
        shape = elementwise_shape(name, *avals)
        dtype = avals[-1].dtype if out_dtype is None else out_dtype
        return ShapedArray(shape, dtype)
    return rule


def elementwise(name, impl, abstract_eval, scalar, special=None, fast=None, beyond=None,
                batch=None, **slots):
    """A primitive computed element by element. Its lowering record is ``Elementwise(scalar,
    special, fast, beyond)`` (``core/lowering.py``); its batch rule aligns the operands' batch
    axes (``batch_align``), broadcasting unbatched ones."""
    def aligned_batch(args, dims, **params):
        args, out_dim = batch_align(args, dims)
        return prim.bind(*args, **params), out_dim

    prim = Primitive(name, impl=impl, abstract_eval=abstract_eval, batch=batch or aligned_batch,
                     lowering=Elementwise(scalar, special, fast, beyond), **slots)
    return prim


def _as_scalar_fn(ufunc):
    return lambda *xs: ufunc(*xs)


def unary(name, ufunc, deriv=None, scalar=None, differentiable=True, out_dtype=None, **slots):
    """Declare a unary elementwise primitive: its NumPy function, its derivative and its scalar
    expression for generated code (a kernel, a NumPy ufunc or a template of Python operators).

    ``deriv(x, out)`` gives d out / d x in traceable ops (or give ``jvp`` and ``vjp``);
    ``differentiable=False`` declares a zero derivative (floor, sign, comparisons). Other
    keywords go to ``elementwise``.
    """
    if deriv is not None:
        def jvp(primals, tangents):
            (x,), (t,) = primals, tangents
            out = prim.bind(x)
            return out, t * deriv(x, out)

        def vjp(ct, primals, out):
            (x,) = primals
            return (lambda: ct * deriv(x, out),)
        slots.update(jvp=jvp, vjp=vjp)
    prim = elementwise(name, _as_scalar_fn(ufunc), elementwise_abstract(name, out_dtype), scalar,
                       differentiable=differentiable, **slots)
    return prim


def binary(name, ufunc, scalar=None, partials=None, differentiable=True, out_dtype=None,
           **slots):
    """Declare a binary elementwise primitive (operands of equal shapes and dtypes).

    ``partials(x, y, out) -> (d out/dx, d out/dy)``, each a thunk in traceable ops, gives its
    JVP and VJP rules (or give ``jvp`` and ``vjp``). Other keywords go to ``elementwise``."""
    if partials is not None:
        def jvp(primals, tangents):
            x, y = primals
            tx, ty = tangents
            out = prim.bind(x, y)
            dx, dy = partials(x, y, out)
            return out, _tsum(None if tx is None else tx * dx(),
                              None if ty is None else ty * dy())

        def vjp(ct, primals, out):
            x, y = primals
            dx, dy = partials(x, y, out)
            return (lambda: ct * dx()), (lambda: ct * dy())
        slots.update(jvp=jvp, vjp=vjp)
    prim = elementwise(name, _as_scalar_fn(ufunc), elementwise_abstract(name, out_dtype), scalar,
                       differentiable=differentiable, **slots)
    return prim


def _is_int(e):
    return e.outvars[0].aval.dtype.kind in "iu"


def _is_bool(e):
    return e.outvars[0].aval.dtype == np.bool_


def _logical(e, template, args):
    """``special`` of a bitwise op: on booleans, Python's logical operator."""
    return template.format(*args) if _is_bool(e) else None


def _tsum(a, b):
    if a is None:
        return b
    if b is None:
        return a
    return a + b


# --- arithmetic -------------------------------------------------------------------------------

add_p = binary("add", np.add, "({0} + {1})",
               jvp=lambda primals, tangents: (add_p.bind(*primals), _tsum(*tangents)),
               vjp=lambda ct, primals, out: (ct, ct))
sub_p = binary("sub", np.subtract, "({0} - {1})",
               jvp=lambda primals, tangents: (sub_p.bind(*primals), _tsum(
                   tangents[0], None if tangents[1] is None else -tangents[1])),
               vjp=lambda ct, primals, out: (ct, lambda: -ct))
mul_p = binary("mul", np.multiply, "({0} * {1})", partials=lambda x, y, out: (
    lambda: y, lambda: x))
div_p = binary("div", np.true_divide, "({0} / {1})", partials=lambda x, y, out: (
    lambda: 1.0 / y, lambda: -out / y),
    special=lambda e, args, lit: K.floordiv_(*args) if _is_int(e) else None)
neg_p = unary("neg", np.negative, scalar="(-{0})",
              jvp=lambda primals, tangents: (neg_p.bind(primals[0]), -tangents[0]),
              vjp=lambda ct, primals, out: (lambda: -ct,))


def _pow_partials(x, y, out):
    def dx():
        return y * pow_p.bind(x, y - 1.0)

    def dy():
        # d/dy x**y = x**y log x, defined as 0 where x <= 0 (as JAX does) rather than NaN.
        pos = x > 0.0
        return select_p.bind(pos, out * log_p.bind(select_p.bind(pos, x, ones_like(x))),
                             zeros_like(out))
    return dx, dy


def _pow_special(e, args, lit):
    """A float raised to a literal 2, 1, 0.5, -1 or 3: products or a square root, not pow."""
    if not isinstance(e.inputs[1], Lit) or e.outvars[0].aval.dtype.kind != "f":
        return None
    y, x = float(e.inputs[1].val), args[0]
    if y == 2.0:
        return f"({x} * {x})"
    if y == 1.0:
        return f"({x})"
    if y == 0.5:
        return K.sqrt_(x)
    if y == -1.0:
        return f"({lit(1.0)} / {x})"
    if y == 3.0:
        return f"({x} * {x} * {x})"
    return None


pow_p = binary("pow", np.power, K.pow_, partials=_pow_partials, special=_pow_special)


def _max_partials(x, y, out):
    # Ties split the gradient evenly, as JAX does (max(x, x) has derivative 1).
    def dx():
        return select_p.bind(x > y, ones_like(x), select_p.bind(x == y, half_like(x),
                                                                zeros_like(x)))

    def dy():
        return select_p.bind(y > x, ones_like(x), select_p.bind(x == y, half_like(x),
                                                                zeros_like(x)))
    return dx, dy


def _min_partials(x, y, out):
    # min(x, y) = max with the comparison reversed: d/dx is 1 where x < y, i.e. y > x
    return _max_partials(y, x, out)


max_p = binary("max", np.maximum, K.max_, partials=_max_partials)
min_p = binary("min", np.minimum, K.min_, partials=_min_partials)

# --- transcendental ---------------------------------------------------------------------------

exp_p = unary("exp", np.exp, lambda x, out: out, scalar=K.exp_)
log_p = unary("log", np.log, lambda x, out: 1.0 / x, scalar=K.log_)
tanh_p = unary("tanh", np.tanh, lambda x, out: 1.0 - out * out, scalar=K.tanh_)
# sin/cos: a loop nest runs with the vectorizable kernels, valid for moderate arguments; if any
# argument was beyond that range, it runs again with the exact ones.
sin_p = unary("sin", np.sin, lambda x, out: cos_p.bind(x), scalar=K.sin_, fast=K.sin_fast_,
              beyond=K.trig_big_)
cos_p = unary("cos", np.cos, lambda x, out: -sin_p.bind(x), scalar=K.cos_, fast=K.cos_fast_,
              beyond=K.trig_big_)
sqrt_p = unary("sqrt", np.sqrt, lambda x, out: 0.5 / out, scalar=K.sqrt_)

# --- comparison and selection -----------------------------------------------------------------

BOOL = np.dtype(bool)
gt_p = binary("gt", np.greater, "({0} > {1})", differentiable=False, out_dtype=BOOL)
ge_p = binary("ge", np.greater_equal, "({0} >= {1})", differentiable=False, out_dtype=BOOL)
lt_p = binary("lt", np.less, "({0} < {1})", differentiable=False, out_dtype=BOOL)
le_p = binary("le", np.less_equal, "({0} <= {1})", differentiable=False, out_dtype=BOOL)
eq_p = binary("eq", np.equal, "({0} == {1})", differentiable=False, out_dtype=BOOL)
ne_p = binary("ne", np.not_equal, "({0} != {1})", differentiable=False, out_dtype=BOOL)


def _select_abstract(pred, x, y):
    shape = elementwise_shape("select", pred, x, y)
    if pred.dtype != BOOL:
        raise TypeError(f"select: the condition must be boolean, got {pred.dtype}")
    return ShapedArray(shape, y.dtype)


def _select_jvp(primals, tangents):
    pred, x, y = primals
    _, tx, ty = tangents
    out = select_p.bind(pred, x, y)
    if tx is None and ty is None:
        return out, None
    tx = zeros_like(out) if tx is None else tx
    ty = zeros_like(out) if ty is None else ty
    return out, select_p.bind(pred, tx, ty)


def _select_vjp(ct, primals, out):
    pred = primals[0]
    z = zeros_like(ct)
    return None, (lambda: select_p.bind(pred, ct, z)), (lambda: select_p.bind(pred, z, ct))


select_p = elementwise("select", np.where, _select_abstract, "({1} if {0} else {2})",
                       jvp=_select_jvp, vjp=_select_vjp)

# --- dtype and gradient control ---------------------------------------------------------------


def _convert_jvp(primals, tangents, dtype):
    out = convert_element_type_p.bind(primals[0], dtype=dtype)
    t = tangents[0]
    return out, None if t is None else convert_element_type_p.bind(t, dtype=dtype)


def _convert_vjp(ct, primals, out, dtype):
    x = primals[0]
    return (lambda: convert_element_type_p.bind(ct, dtype=x.dtype),)


convert_element_type_p = elementwise(
    "convert_element_type", lambda x, dtype: np.asarray(x).astype(dtype),
    lambda a, dtype: ShapedArray(a.shape, dtype), "{dtype}({0})",
    jvp=_convert_jvp, vjp=_convert_vjp,
    batch=lambda args, dims, dtype: (convert_element_type_p.bind(args[0], dtype=dtype), dims[0]))

stop_gradient_p = elementwise(
    "stop_gradient", lambda x: x, lambda a: a, "{0}", differentiable=False,
    batch=lambda args, dims: (stop_gradient_p.bind(args[0]), dims[0]))


# Functions that bind, for use by other modules' rules.
def add(x, y):
    return add_p.bind(x, y)


def convert_element_type(x, dtype):
    return convert_element_type_p.bind(x, dtype=np.dtype(dtype))


# --- more unary math --------------------------------------------------------------------------
# Zero-derivative ops (piecewise constant): their outputs carry no gradient.

sign_p = unary("sign", np.sign, scalar=K.sign_, differentiable=False)
floor_p = unary("floor", np.floor, scalar=K.floor_, differentiable=False)
ceil_p = unary("ceil", np.ceil, scalar=K.ceil_, differentiable=False)
round_p = unary("round", np.rint, scalar=K.rint_, differentiable=False)  # half to even
trunc_p = unary("trunc", np.trunc, scalar=K.trunc_, differentiable=False)

# abs'(0) = 0: the subgradient autograd and PyTorch use.
abs_p = unary("abs", np.abs, lambda x, out: sign_p.bind(x), scalar=K.abs_)
log1p_p = unary("log1p", np.log1p, lambda x, out: 1.0 / (1.0 + x), scalar=K.log1p_)
expm1_p = unary("expm1", np.expm1, lambda x, out: out + 1.0, scalar=K.expm1_)
tan_p = unary("tan", np.tan, lambda x, out: 1.0 + out * out, scalar=K.tan_)
arcsin_p = unary("arcsin", np.arcsin, lambda x, out: 1.0 / sqrt_p.bind(1.0 - x * x),
                 scalar=K.asin_)
arccos_p = unary("arccos", np.arccos, lambda x, out: -1.0 / sqrt_p.bind(1.0 - x * x),
                 scalar=K.acos_)
arctan_p = unary("arctan", np.arctan, lambda x, out: 1.0 / (1.0 + x * x), scalar=K.atan_)
sinh_p = unary("sinh", np.sinh, lambda x, out: cosh_p.bind(x), scalar=K.sinh_)
cosh_p = unary("cosh", np.cosh, lambda x, out: sinh_p.bind(x), scalar=K.cosh_)
arcsinh_p = unary("arcsinh", np.arcsinh, lambda x, out: 1.0 / sqrt_p.bind(x * x + 1.0),
                  scalar=K.asinh_)
arccosh_p = unary("arccosh", np.arccosh, lambda x, out: 1.0 / sqrt_p.bind(x * x - 1.0),
                  scalar=K.acosh_)
arctanh_p = unary("arctanh", np.arctanh, lambda x, out: 1.0 / (1.0 - x * x),
                  scalar=K.atanh_)
# cbrt: exact at perfect cubes (27 ** (1/3) is 3.0000000000000004) and one call in a loop
cbrt_p = unary("cbrt", np.cbrt, lambda x, out: 1.0 / (3.0 * out * out), scalar=np.cbrt)


def _logistic_impl(x):
    # exp of a non-positive number only: no overflow warnings for large |x|.
    x = np.asarray(x)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(x.dtype)


logistic_p = unary("logistic", _logistic_impl, lambda x, out: out * (1.0 - out),
                   scalar=K.logistic_)

isnan_p = unary("isnan", np.isnan, scalar=K.isnan_, differentiable=False, out_dtype=BOOL)
isinf_p = unary("isinf", np.isinf, scalar=K.isinf_, differentiable=False, out_dtype=BOOL)
isfinite_p = unary("isfinite", np.isfinite, scalar=K.isfinite_, differentiable=False,
                   out_dtype=BOOL)
not_p = unary("not", np.invert, scalar=K.invert_, differentiable=False,  # logical on bool
              special=lambda e, args, lit: f"(not {args[0]})" if _is_bool(e) else None)

# --- more binary math -------------------------------------------------------------------------

atan2_p = binary("atan2", np.arctan2, K.atan2_, partials=lambda x, y, out: (
    lambda: y / (x * x + y * y), lambda: -x / (x * x + y * y)))
# Python-style remainder (sign of the divisor), like np.mod.
rem_p = binary("rem", np.mod, K.mod_, partials=lambda x, y, out: (
    lambda: ones_like(x), lambda: -floor_p.bind(div_p.bind(x, y))))
floor_divide_p = binary("floor_divide", np.floor_divide, K.floordiv_,
                        differentiable=False)
# logaddexp is a primitive for its numerics: log(exp(x) + exp(y)) overflows.
logaddexp_p = binary("logaddexp", np.logaddexp, K.logaddexp_,
                     partials=lambda x, y, out: (lambda: exp_p.bind(x - out),
                                                 lambda: exp_p.bind(y - out)))

and_p = binary("and", np.bitwise_and, "({0} & {1})", differentiable=False,
               special=lambda e, args, lit: _logical(e, "({0} and {1})", args))
or_p = binary("or", np.bitwise_or, "({0} | {1})", differentiable=False,
              special=lambda e, args, lit: _logical(e, "({0} or {1})", args))
xor_p = binary("xor", np.bitwise_xor, "({0} ^ {1})", differentiable=False,
               special=lambda e, args, lit: _logical(e, "({0} != {1})", args))
shift_left_p = binary("shift_left", np.left_shift, "({0} << {1})", differentiable=False)
shift_right_p = binary("shift_right", np.right_shift, "({0} >> {1})", differentiable=False)
