"""Elementwise primitives.

Operands of an elementwise primitive have equal shapes, except that a 0-d *constant* (a literal)
may stand beside an array; the NumPy layer inserts ``broadcast_in_dim`` for everything else, so
rules never "unbroadcast". Operands share one dtype (the NumPy layer promotes).

Family helpers ``unary`` and ``binary`` derive the routine slots: a unary op declares its NumPy
function, its derivative in traceable ops and its scalar expression for code generation.
"""
import numpy as np

from ..core.avals import ShapedArray
from ..core.primitive import Primitive
from ..errors import user_frame
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


def elementwise(name, impl, abstract_eval, scalar, batch=None, **slots):
    """A primitive computed element by element, with its batch rule derived: batch axes aligned
    (``batch_align``), unbatched operands broadcast."""
    def aligned_batch(args, dims, **params):
        args, out_dim = batch_align(args, dims)
        return prim.bind(*args, **params), out_dim

    prim = Primitive(name, impl=impl, abstract_eval=abstract_eval, batch=batch or aligned_batch,
                     scalar=scalar, **slots)
    return prim


def _as_scalar_fn(ufunc):
    return lambda *xs: ufunc(*xs)


def unary(name, ufunc, deriv=None, scalar=None, differentiable=True, out_dtype=None, **rules):
    """Declare a unary elementwise primitive.

    ``deriv(x, out)`` gives d out / d x in traceable ops (or give ``jvp`` and ``vjp``);
    ``differentiable=False`` declares a zero derivative (floor, sign, comparisons).
    """
    if deriv is not None:
        def jvp(primals, tangents):
            (x,), (t,) = primals, tangents
            out = prim.bind(x)
            return out, t * deriv(x, out)

        def vjp(ct, primals, out):
            (x,) = primals
            return (lambda: ct * deriv(x, out),)
        rules = dict(jvp=jvp, vjp=vjp)
    prim = elementwise(name, _as_scalar_fn(ufunc), elementwise_abstract(name, out_dtype), scalar,
                       differentiable=differentiable, **rules)
    return prim


def binary(name, ufunc, scalar=None, partials=None, differentiable=True, out_dtype=None,
           **rules):
    """Declare a binary elementwise primitive.

    ``partials(x, y, out) -> (d out/dx, d out/dy)``, each a thunk in traceable ops, gives its
    JVP and VJP rules (or give ``jvp`` and ``vjp``)."""
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
        rules = dict(jvp=jvp, vjp=vjp)
    prim = elementwise(name, _as_scalar_fn(ufunc), elementwise_abstract(name, out_dtype), scalar,
                       differentiable=differentiable, **rules)
    return prim


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
    lambda: 1.0 / y, lambda: -out / y))
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


pow_p = binary("pow", np.power, "pow_({0}, {1})", partials=_pow_partials)


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


max_p = binary("max", np.maximum, "max_({0}, {1})", partials=_max_partials)
min_p = binary("min", np.minimum, "min_({0}, {1})", partials=_min_partials)

# --- transcendental ---------------------------------------------------------------------------

exp_p = unary("exp", np.exp, lambda x, out: out, scalar="exp_({0})")
log_p = unary("log", np.log, lambda x, out: 1.0 / x, scalar="log_({0})")
tanh_p = unary("tanh", np.tanh, lambda x, out: 1.0 - out * out, scalar="tanh_({0})")
sin_p = unary("sin", np.sin, lambda x, out: cos_p.bind(x), scalar="sin_({0})")
cos_p = unary("cos", np.cos, lambda x, out: -sin_p.bind(x), scalar="cos_({0})")
sqrt_p = unary("sqrt", np.sqrt, lambda x, out: 0.5 / out, scalar="sqrt_({0})")

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

sign_p = unary("sign", np.sign, scalar="sign_({0})", differentiable=False)
floor_p = unary("floor", np.floor, scalar="floor_({0})", differentiable=False)
ceil_p = unary("ceil", np.ceil, scalar="ceil_({0})", differentiable=False)
round_p = unary("round", np.rint, scalar="rint_({0})", differentiable=False)  # half to even
trunc_p = unary("trunc", np.trunc, scalar="trunc_({0})", differentiable=False)

# abs'(0) = 0: the subgradient autograd and PyTorch use.
abs_p = unary("abs", np.abs, lambda x, out: sign_p.bind(x), scalar="abs_({0})")
log1p_p = unary("log1p", np.log1p, lambda x, out: 1.0 / (1.0 + x), scalar="log1p_({0})")
expm1_p = unary("expm1", np.expm1, lambda x, out: out + 1.0, scalar="expm1_({0})")
tan_p = unary("tan", np.tan, lambda x, out: 1.0 + out * out, scalar="tan_({0})")
arcsin_p = unary("arcsin", np.arcsin, lambda x, out: 1.0 / sqrt_p.bind(1.0 - x * x),
                 scalar="asin_({0})")
arccos_p = unary("arccos", np.arccos, lambda x, out: -1.0 / sqrt_p.bind(1.0 - x * x),
                 scalar="acos_({0})")
arctan_p = unary("arctan", np.arctan, lambda x, out: 1.0 / (1.0 + x * x), scalar="atan_({0})")
sinh_p = unary("sinh", np.sinh, lambda x, out: cosh_p.bind(x), scalar="sinh_({0})")
cosh_p = unary("cosh", np.cosh, lambda x, out: sinh_p.bind(x), scalar="cosh_({0})")
arcsinh_p = unary("arcsinh", np.arcsinh, lambda x, out: 1.0 / sqrt_p.bind(x * x + 1.0),
                  scalar="asinh_({0})")
arccosh_p = unary("arccosh", np.arccosh, lambda x, out: 1.0 / sqrt_p.bind(x * x - 1.0),
                  scalar="acosh_({0})")
arctanh_p = unary("arctanh", np.arctanh, lambda x, out: 1.0 / (1.0 - x * x),
                  scalar="atanh_({0})")


def _logistic_impl(x):
    # exp of a non-positive number only: no overflow warnings for large |x|.
    x = np.asarray(x)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(x.dtype)


logistic_p = unary("logistic", _logistic_impl, lambda x, out: out * (1.0 - out),
                   scalar="logistic_({0})")

isnan_p = unary("isnan", np.isnan, scalar="isnan_({0})", differentiable=False, out_dtype=BOOL)
isinf_p = unary("isinf", np.isinf, scalar="isinf_({0})", differentiable=False, out_dtype=BOOL)
isfinite_p = unary("isfinite", np.isfinite, scalar="isfinite_({0})", differentiable=False,
                   out_dtype=BOOL)
not_p = unary("not", np.invert, scalar="invert_({0})", differentiable=False)  # logical on bool

# --- more binary math -------------------------------------------------------------------------

atan2_p = binary("atan2", np.arctan2, "atan2_({0}, {1})", partials=lambda x, y, out: (
    lambda: y / (x * x + y * y), lambda: -x / (x * x + y * y)))
# Python-style remainder (sign of the divisor), like np.mod.
rem_p = binary("rem", np.mod, "mod_({0}, {1})", partials=lambda x, y, out: (
    lambda: ones_like(x), lambda: -floor_p.bind(div_p.bind(x, y))))
floor_divide_p = binary("floor_divide", np.floor_divide, "floordiv_({0}, {1})",
                        differentiable=False)
# logaddexp is a primitive for its numerics: log(exp(x) + exp(y)) overflows.
logaddexp_p = binary("logaddexp", np.logaddexp, "logaddexp_({0}, {1})",
                     partials=lambda x, y, out: (lambda: exp_p.bind(x - out),
                                                 lambda: exp_p.bind(y - out)))

and_p = binary("and", np.bitwise_and, "({0} & {1})", differentiable=False)
or_p = binary("or", np.bitwise_or, "({0} | {1})", differentiable=False)
xor_p = binary("xor", np.bitwise_xor, "({0} ^ {1})", differentiable=False)
shift_left_p = binary("shift_left", np.left_shift, "({0} << {1})", differentiable=False)
shift_right_p = binary("shift_right", np.right_shift, "({0} >> {1})", differentiable=False)
