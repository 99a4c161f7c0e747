"""The parts of complex numbers: ``real``, ``imag``, ``conj`` and ``complex`` (two reals to one
complex).

Derivatives follow JAX's convention. A tangent of a complex value is complex; a cotangent
``ct`` pairs with a tangent ``t`` through ``Re(sum(ct * t))`` (no conjugation), so the VJP of a
holomorphic function is ``ct * f'(z)``, and a real function's gradient with respect to
``z = x + iy`` is ``df/dx - i df/dy`` (for ``|z|**2`` that is ``2 * conj(z)``). The four
primitives here are the places where real and complex values meet, and their VJPs are the
transposes of their JVPs under that pairing:

- ``real(z)``: the transpose of ``t -> Re(t)`` is ``ct -> ct + 0i``;
- ``imag(z)``: the transpose of ``t -> Im(t)`` is ``ct -> -i ct``;
- ``conj(z)``: ``ct -> conj(ct)``;
- ``complex(x, y)``: ``ct -> (Re(ct), -Im(ct))``.

They sit below ``elementwise.py``, whose complex rules (``abs``, conversions) use them; they
are built on ``broadcasting.py`` alone.
"""
import numpy as np

from ..core.avals import ShapedArray, is_complex
from ..core.lowering import Elementwise
from ..core.primitive import Primitive
from ..errors import user_frame
from .broadcasting import batch_align, zeros_like


def complex_dtype(dtype):
    """The complex dtype whose parts are ``dtype`` (float32 -> complex64).

    >>> complex_dtype("float32"), complex_dtype("float64")
    (dtype('complex64'), dtype('complex128'))
    """
    return np.result_type(np.dtype(dtype), np.complex64)


def _part_abstract(name, keep_complex):
    def rule(x):
        if not is_complex(x.dtype):
            raise TypeError(f"{name} takes a complex array, got {x} (at {user_frame()}); the "
                            "NumPy layer handles real operands without it.")
        dtype = x.dtype if keep_complex else np.empty((), x.dtype).real.dtype
        return ShapedArray(x.shape, dtype)
    return rule


def _complex_abstract(x, y):
    # a 0-d constant may stand beside an array, as for every elementwise primitive
    if x.dtype.kind != "f" or x.dtype != y.dtype or (x.shape and y.shape and x.shape != y.shape):
        raise TypeError(f"complex takes two real arrays of one shape and dtype, got {x} and "
                        f"{y} (at {user_frame()}).")
    return ShapedArray(x.shape or y.shape, complex_dtype(x.dtype))


def _part(name, impl, abstract_eval, scalar, jvp, vjp):
    """A primitive on the parts of complex values, computed element by element."""
    def aligned_batch(args, dims):
        args, out_dim = batch_align(args, dims)
        return prim.bind(*args), out_dim

    prim = Primitive(name, impl=impl, abstract_eval=abstract_eval, jvp=jvp, vjp=vjp,
                     batch=aligned_batch, lowering=Elementwise(scalar))
    return prim


def _make_complex(x, y):
    x, y = np.asarray(x), np.asarray(y)
    out = np.empty(np.broadcast_shapes(x.shape, y.shape), complex_dtype(x.dtype))
    out.real, out.imag = x, y  # not x + 1j * y: 1j * inf is nan + inf j
    return out


def _complex_jvp(primals, tangents):
    tx, ty = tangents
    out = complex_p.bind(*primals)
    tx = zeros_like(primals[0]) if tx is None else tx
    ty = zeros_like(primals[1]) if ty is None else ty
    return out, complex_p.bind(tx, ty)


real_p = _part("real", np.real, _part_abstract("real", False), "({0}).real",
               jvp=lambda primals, tangents: (real_p.bind(*primals), real_p.bind(*tangents)),
               vjp=lambda ct, primals, out: (lambda: complex_p.bind(ct, zeros_like(ct)),))
imag_p = _part("imag", np.imag, _part_abstract("imag", False), "({0}).imag",
               jvp=lambda primals, tangents: (imag_p.bind(*primals), imag_p.bind(*tangents)),
               vjp=lambda ct, primals, out: (
                   lambda: conj_p.bind(complex_p.bind(zeros_like(ct), ct)),))  # -i ct
conj_p = _part("conj", np.conjugate, _part_abstract("conj", True), "({0}).conjugate()",
               jvp=lambda primals, tangents: (conj_p.bind(*primals), conj_p.bind(*tangents)),
               vjp=lambda ct, primals, out: (lambda: conj_p.bind(ct),))
complex_p = _part("complex", _make_complex, _complex_abstract, "complex({0}, {1})",
                  jvp=_complex_jvp,
                  vjp=lambda ct, primals, out: ((lambda: real_p.bind(ct)),
                                                (lambda: imag_p.bind(conj_p.bind(ct)))))
