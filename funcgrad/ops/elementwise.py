"""Elementwise primitives.

Operands of an elementwise primitive have equal shapes, except that a 0-d *constant* (a literal)
may stand beside an array; the NumPy layer inserts ``broadcast_in_dim`` for everything else, so
rules never "unbroadcast". Operands share one dtype (the NumPy layer promotes).

Family helpers ``unary`` and ``binary`` derive the routine slots: a unary op declares its NumPy
function, its derivative in traceable ops and its scalar expression for code generation.

Complex operands: a holomorphic op's rules need nothing more (JAX's convention, see
``complex.py``: the VJP is ``ct * f'(z)``, no conjugation). Generated code computes them with
NumPy's ufunc, which Numba compiles for complex scalars, never with the float kernels. Ops that
NumPy does not define for complex values (``floor``, ``arctan2``, ... : read from the ufunc's
types) refuse complex operands, and so do those declared ``real_only``, whose complex cases the
NumPy layer composes from real parts (the lexicographic ``max``, ``gt``, ...).
"""
import numpy as np

from ..core.avals import ShapedArray, is_complex, real_dtype
from ..core.ir import Lit
from ..core.lowering import Elementwise, Kernel
from ..core.primitive import Primitive
from ..errors import user_frame
from . import kernel_names as K
from .broadcasting import batch_align, half_like, ones_like, zeros_like
from .complex import conj_p, real_p


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


def elementwise_abstract(name, out_dtype=None, real_only=False):
    """Shape and dtype rule: operands' shape, ``out_dtype`` or the operands' dtype (a function
    of it when callable). ``real_only``: complex operands are a TypeError."""
    def rule(*avals, **params):
        shape = elementwise_shape(name, *avals)
        if real_only and any(is_complex(a.dtype) for a in avals):
            raise TypeError(f"{name} is not defined for complex operands "
                            f"({', '.join(map(str, avals))}) (at {user_frame()}). Apply it to "
                            "np.real(z) and np.imag(z), or to np.abs(z).")
        dtype = avals[-1].dtype
        if out_dtype is not None:
            dtype = out_dtype(dtype) if callable(out_dtype) else out_dtype
        return ShapedArray(shape, dtype)
    return rule


def _complex_form(ufunc, special):
    """``special`` of an op whose scalar form is a float kernel: complex operands call NumPy's
    ufunc instead (the kernels take float64)."""
    form = Kernel.numpy(ufunc)

    def pick(e, args, lit):
        if any(is_complex(x.aval.dtype) for x in e.inputs):
            return form(*args)
        return special(e, args, lit) if special is not None else None
    return pick


def elementwise(name, impl, abstract_eval, scalar, special=None, fast=None, beyond=None,
                beyond_dtypes=None, units=None, batch=None, **slots):
    """A primitive computed element by element. Its lowering record is ``Elementwise(scalar,
    special, fast, beyond, beyond_dtypes, units)`` (``core/lowering.py``); its batch rule
    aligns the operands' batch axes (``batch_align``), broadcasting unbatched ones."""
    def aligned_batch(args, dims, **params):
        args, out_dim = batch_align(args, dims)
        return prim.bind(*args, **params), out_dim

    prim = Primitive(name, impl=impl, abstract_eval=abstract_eval, batch=batch or aligned_batch,
                     lowering=Elementwise(scalar, special, fast, beyond, beyond_dtypes,
                                          units), **slots)
    return prim


def _impl(ufunc):
    """The impl of an op computed by ``ufunc``: a NumPy ufunc itself, so that the NumPy
    evaluator can compute into an array it no longer needs (``out=``, ``core/interpret.py``)."""
    return ufunc if isinstance(ufunc, np.ufunc) else lambda *xs: ufunc(*xs)


def _takes_complex(ufunc, scalar):
    """Whether the op is defined for complex operands: a NumPy ufunc with a complex loop
    (``floor`` and ``arctan2`` have none); a function that is not a ufunc (SciPy's, say) only
    when its compiled form is not a float kernel, since no complex form could replace it."""
    types = getattr(ufunc, "types", None)
    if types is None:
        return not isinstance(scalar, Kernel)
    return any("D" in t.split("->")[0] for t in types)


def _declare(name, ufunc, scalar, differentiable, out_dtype, real_only, slots):
    real_only = real_only or not _takes_complex(ufunc, scalar)
    if isinstance(scalar, Kernel) and not real_only:
        slots["special"] = _complex_form(ufunc, slots.get("special"))
    return elementwise(name, _impl(ufunc),
                       elementwise_abstract(name, out_dtype, real_only), scalar,
                       differentiable=differentiable, **slots)


def unary(name, ufunc, deriv=None, scalar=None, differentiable=True, out_dtype=None,
          real_only=False, **slots):
    """Declare a unary elementwise primitive: its NumPy function, its derivative and its scalar
    expression for generated code (a kernel, a NumPy ufunc or a template of Python operators).

    ``deriv(x, out)`` gives d out / d x in traceable ops (or give ``jvp`` and ``vjp``);
    ``differentiable=False`` declares a zero derivative (floor, sign, comparisons);
    ``real_only`` refuses complex operands. Other keywords go to ``elementwise``.
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
    prim = _declare(name, ufunc, scalar, differentiable, out_dtype, real_only, slots)
    return prim


def binary(name, ufunc, scalar=None, partials=None, differentiable=True, out_dtype=None,
           real_only=False, **slots):
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
    prim = _declare(name, ufunc, scalar, differentiable, out_dtype, real_only, slots)
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
    lambda: y, lambda: x), units=(1, 1))
div_p = binary("div", np.true_divide, "({0} / {1})", partials=lambda x, y, out: (
    lambda: 1.0 / y, lambda: -out / y),
    special=lambda e, args, lit: K.floordiv_(*args) if _is_int(e) else None, units=(None, 1))
neg_p = unary("neg", np.negative, scalar="(-{0})",
              jvp=lambda primals, tangents: (neg_p.bind(primals[0]), -tangents[0]),
              vjp=lambda ct, primals, out: (lambda: -ct,))


def _pow_partials(x, y, out):
    def dx():
        return y * pow_p.bind(x, y - 1.0)

    def dy():
        # d/dy x**y = x**y log x, defined as 0 where x <= 0 (as JAX does) rather than NaN; for
        # complex x, log is the principal branch, and only x = 0 is excluded.
        zero = np.zeros((), x.dtype)
        ok = ne_p.bind(x, zero) if is_complex(x.dtype) else gt_p.bind(x, zero)
        return select_p.bind(ok, out * log_p.bind(select_p.bind(ok, x, ones_like(x))),
                             zeros_like(out))
    return dx, dy


def _pow_special(e, args, lit):
    """A float raised to a literal 2, 0.5, -1 or 3: products or a square root, not pow (a
    power of 1 is gone before: ``units``, ``passes.simplify``); 2 raised to a float (exp2):
    the vectorizable ``exp2_``; any other float power: the vectorizable ``powf_`` (``pow_``,
    Numba's ``**``, stays for integers and complex numbers)."""
    dt = e.outvars[0].aval.dtype
    if dt.kind != "f":
        return None
    if isinstance(e.inputs[0], Lit) and float(e.inputs[0].val) == 2.0:
        return K.exp2_.for_eqn(e)(args[1])  # (a float32 twin as a declared kernel's)
    if not isinstance(e.inputs[1], Lit):
        return K.powf_.for_eqn(e)(*args)
    y, x = float(e.inputs[1].val), args[0]
    if y == 2.0:
        return f"({x} * {x})"
    if y == 0.5:
        return K.sqrt_(x)
    if y == -1.0:
        return f"({lit(1.0)} / {x})"
    if y == 3.0:
        return f"({x} * {x} * {x})"
    return K.powf_.for_eqn(e)(*args)


pow_p = binary("pow", np.power, K.pow_, partials=_pow_partials, special=_pow_special,
               units=(None, 1))


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


max_p = binary("max", np.maximum, K.max_, partials=_max_partials, real_only=True)
min_p = binary("min", np.minimum, K.min_, partials=_min_partials, real_only=True)

# --- transcendental ---------------------------------------------------------------------------

exp_p = unary("exp", np.exp, lambda x, out: out, scalar=K.exp_)
# log, sin, cos: a loop calls the vectorizable kernels, valid for moderate arguments (log: all
# but positive subnormals, of float64 or float32, whose kernels compute in their own dtype;
# others compute in float64, where they are normal); if an argument was beyond that range,
# the NumPy evaluator answers the call.
log_p = unary("log", np.log, lambda x, out: 1.0 / x, scalar=K.log_, fast=K.log_fast_,
              beyond=K.log_subnormal_,
              beyond_dtypes=(np.dtype(np.float64), np.dtype(np.float32)))
tanh_p = unary("tanh", np.tanh, lambda x, out: 1.0 - out * out, scalar=K.tanh_)
sin_p = unary("sin", np.sin, lambda x, out: cos_p.bind(x), scalar=K.sin_, fast=K.sin_fast_,
              beyond=K.trig_big_)
cos_p = unary("cos", np.cos, lambda x, out: -sin_p.bind(x), scalar=K.cos_, fast=K.cos_fast_,
              beyond=K.trig_big_)
sqrt_p = unary("sqrt", np.sqrt, lambda x, out: 0.5 / out, scalar=K.sqrt_)

# --- comparison and selection -----------------------------------------------------------------

BOOL = np.dtype(bool)
gt_p = binary("gt", np.greater, "({0} > {1})", differentiable=False, out_dtype=BOOL,
              real_only=True)
ge_p = binary("ge", np.greater_equal, "({0} >= {1})", differentiable=False, out_dtype=BOOL,
              real_only=True)
lt_p = binary("lt", np.less, "({0} < {1})", differentiable=False, out_dtype=BOOL,
              real_only=True)
le_p = binary("le", np.less_equal, "({0} <= {1})", differentiable=False, out_dtype=BOOL,
              real_only=True)
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


# The size from which select blends bits rather than calling np.where: np.where branches on
# each element, slow on a mask that depends on the data (a relu's: 33 us for 32768 float32,
# 3.8 ms for 2**20, against 16 us and 0.46 ms blended), while a blend's several NumPy calls
# cost more than np.where's on small arrays (np.where 4.7 us against 5.4 blended at 4096
# elements; 8.8 against 6.8 at 8192).
BLEND_MIN = 8192


def _select_impl(pred, x, y):
    """``np.where(pred, x, y)``. From ``BLEND_MIN`` elements, for a boolean ``pred`` and real
    or integer operands of one dtype, the bits of ``x`` and ``y`` are blended instead, as
    integers: ``y + (x - y) * pred``, which wraps around to the bits of ``x`` or ``y`` exactly
    (nan payloads and signed zeros included). Where one side is a broadcast +0 (a relu, a
    derivative masked by one), the blend is one product with the mask.

    >>> _select_impl(np.array([True, False, True]), np.float32([1, 2, 3]), np.float32(-0.0))
    array([ 1., -0.,  3.], dtype=float32)
    """
    pred, x, y = np.asarray(pred), np.asarray(x), np.asarray(y)
    if not (max(pred.size, x.size, y.size) >= BLEND_MIN and pred.dtype == bool
            and x.dtype == y.dtype and x.dtype.kind in "fiu" and x.dtype.itemsize in (1, 2, 4, 8)):
        return np.where(pred, x, y)
    bits = np.dtype(f"i{x.dtype.itemsize}")
    xb, yb = x.view(bits), y.view(bits)
    shape = np.broadcast_shapes(pred.shape, x.shape, y.shape)
    if pred.shape != shape:
        pred = np.broadcast_to(pred, shape)
    if xb.shape == shape and _all_zero_bits(yb):
        return np.multiply(xb, pred, dtype=bits).view(x.dtype)
    if yb.shape == shape and _all_zero_bits(xb):
        return np.multiply(yb, ~pred, dtype=bits).view(x.dtype)
    out = np.subtract(xb, yb, out=np.empty(shape, bits))
    np.multiply(out, pred, out=out)
    return np.add(out, yb, out=out).view(x.dtype)


def _all_zero_bits(b):
    """Whether ``b`` is one value repeated (a scalar, a broadcast) whose bits are all zero."""
    return b.size > 0 and not any(b.strides) and b.flat[0] == 0


select_p = elementwise("select", _select_impl, _select_abstract, "({1} if {0} else {2})",
                       jvp=_select_jvp, vjp=_select_vjp)

# --- dtype and gradient control ---------------------------------------------------------------


def _convert_jvp(primals, tangents, dtype):
    out = convert_element_type_p.bind(primals[0], dtype=dtype)
    t = tangents[0]
    return out, None if t is None else convert_element_type_p.bind(t, dtype=dtype)


def _convert_vjp(ct, primals, out, dtype):
    # complex -> real keeps the real part, so the transposes are the conversions back: a real
    # cotangent becomes ct + 0i, a complex one its real part (complex.py's convention).
    x = primals[0]
    return (lambda: convert_element_type_p.bind(ct, dtype=x.dtype),)


def _convert_impl(x, dtype):
    x = np.asarray(x)
    if is_complex(x.dtype) and not is_complex(dtype):
        x = x.real  # what astype does, without its warning: the rules take the real part
    return x.astype(dtype)


def _convert_special(e, args, lit):
    if is_complex(e.inputs[0].aval.dtype) and not is_complex(e.params["dtype"]):
        return f"np.{np.dtype(e.params['dtype']).name}(({args[0]}).real)"
    return None


convert_element_type_p = elementwise(
    "convert_element_type", _convert_impl,
    lambda a, dtype: ShapedArray(a.shape, dtype), "{dtype}({0})", special=_convert_special,
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

# sign of a complex z is z / |z| (NumPy 2); its derivative is declared zero, as in JAX.
sign_p = unary("sign", np.sign, scalar=K.sign_, differentiable=False)
floor_p = unary("floor", np.floor, scalar=K.floor_, differentiable=False)
ceil_p = unary("ceil", np.ceil, scalar=K.ceil_, differentiable=False)
# half to even; the NumPy layer rounds the parts of complex values
round_p = unary("round", np.rint, scalar=K.rint_, differentiable=False, real_only=True)
trunc_p = unary("trunc", np.trunc, scalar=K.trunc_, differentiable=False)


def _unit_conj(x, out):
    """conj(x) / |x| for complex x, 0 where x is 0 (as JAX): the gradient of |x|."""
    safe = select_p.bind(eq_p.bind(out, np.zeros((), out.dtype)), ones_like(out), out)
    return conj_p.bind(x) / convert_element_type(safe, x.dtype)


def _abs_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    out = abs_p.bind(x)
    if is_complex(x.dtype):
        return out, real_p.bind(t * _unit_conj(x, out))
    return out, t * sign_p.bind(x)  # abs'(0) = 0: the subgradient autograd and PyTorch use


def _abs_vjp(ct, primals, out):
    x = primals[0]
    if is_complex(x.dtype):
        return (lambda: convert_element_type(ct, x.dtype) * _unit_conj(x, out),)
    return (lambda: ct * sign_p.bind(x),)


abs_p = unary("abs", np.abs, scalar=K.abs_, out_dtype=real_dtype, jvp=_abs_jvp, vjp=_abs_vjp)
log1p_p = unary("log1p", np.log1p, lambda x, out: 1.0 / (1.0 + x), scalar=K.log1p_)
expm1_p = unary("expm1", np.expm1, lambda x, out: out + 1.0, scalar=K.expm1_)
tan_p = unary("tan", np.tan, lambda x, out: 1.0 + out * out, scalar=K.tan_, fast=K.tan_fast_,
              beyond=K.trig_big_)
arcsin_p = unary("arcsin", np.arcsin, lambda x, out: 1.0 / sqrt_p.bind(1.0 - x * x),
                 scalar=K.asin_)
arccos_p = unary("arccos", np.arccos, lambda x, out: -1.0 / sqrt_p.bind(1.0 - x * x),
                 scalar=K.acos_)
arctan_p = unary("arctan", np.arctan, lambda x, out: 1.0 / (1.0 + x * x), scalar=K.atan_)
sinh_p = unary("sinh", np.sinh, lambda x, out: cosh_p.bind(x), scalar=K.sinh_)
cosh_p = unary("cosh", np.cosh, lambda x, out: sinh_p.bind(x), scalar=K.cosh_)
arcsinh_p = unary("arcsinh", np.arcsinh, lambda x, out: 1.0 / sqrt_p.bind(x * x + 1.0),
                  scalar=K.asinh_)
# 1 / sqrt(x - 1) sqrt(x + 1), not 1 / sqrt(x**2 - 1): the same for real x > 1, and the
# derivative of NumPy's principal branch for complex x
arccosh_p = unary("arccosh", np.arccosh,
                  lambda x, out: 1.0 / (sqrt_p.bind(x - 1.0) * sqrt_p.bind(x + 1.0)),
                  scalar=K.acosh_)
arctanh_p = unary("arctanh", np.arctanh, lambda x, out: 1.0 / (1.0 - x * x),
                  scalar=K.atanh_)
# cbrt: exact at perfect cubes (27 ** (1/3) is 3.0000000000000004) and one kernel in a loop
cbrt_p = unary("cbrt", np.cbrt, lambda x, out: 1.0 / (3.0 * out * out), scalar=K.cbrt_)


def _logistic_impl(x):
    # exp of a non-positive number only: no overflow warnings for large |x|.
    x = np.asarray(x)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(x.dtype)


logistic_p = unary("logistic", _logistic_impl, lambda x, out: out * (1.0 - out),
                   scalar=K.logistic_, real_only=True)

# complex z: the NumPy layer asks about its real and imaginary parts
isnan_p = unary("isnan", np.isnan, scalar=K.isnan_, differentiable=False, out_dtype=BOOL,
                real_only=True)
isinf_p = unary("isinf", np.isinf, scalar=K.isinf_, differentiable=False, out_dtype=BOOL,
                real_only=True)
isfinite_p = unary("isfinite", np.isfinite, scalar=K.isfinite_, differentiable=False,
                   out_dtype=BOOL, real_only=True)
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
