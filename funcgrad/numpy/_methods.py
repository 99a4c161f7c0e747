"""Python operators, array methods and NumPy's dispatch protocols for ``Tracer``.

After ``install``, user code written against plain NumPy (``np.tanh(x)``, ``x @ w``, ``x.T``,
``x[idx]``, ``x.sum(axis=1)``) works on traced values unchanged. ``funcgrad.numpy`` calls
``install`` with itself as the namespace, once its functions exist (so this module needs no
import of the package that imports it).
"""
from ..core.tracing import Tracer
from . import _dispatch
from ._advanced import getitem

_BINOPS = {"add": "add", "sub": "subtract", "mul": "multiply", "truediv": "true_divide",
           "floordiv": "floor_divide", "mod": "mod", "pow": "power", "matmul": "matmul",
           "and": "bitwise_and", "or": "bitwise_or",
           "xor": "bitwise_xor", "lshift": "left_shift", "rshift": "right_shift"}
_COMPARISONS = {"lt": "less", "le": "less_equal", "gt": "greater", "ge": "greater_equal",
                "eq": "equal", "ne": "not_equal"}
_METHODS = ("sum", "mean", "max", "min", "prod", "std", "var", "argmax", "argmin", "cumsum",
            "cumprod", "all", "any", "clip", "squeeze", "dot", "swapaxes", "round", "repeat",
            "take", "diagonal", "trace", "argsort", "argpartition", "searchsorted", "nonzero")


def _binop(f, reflected=False):
    def op(self, other):
        if isinstance(other, (dict, set, str)):
            return NotImplemented
        return f(other, self) if reflected else f(self, other)
    return op


def _method(f):
    return lambda self, *args, **kwargs: f(self, *args, **kwargs)


def install(fnp):
    """Give ``Tracer`` the operators, methods and protocols of the namespace ``fnp``."""
    for dunder, name in _BINOPS.items():
        setattr(Tracer, f"__{dunder}__", _binop(getattr(fnp, name)))
        setattr(Tracer, f"__r{dunder}__", _binop(getattr(fnp, name), reflected=True))
    for dunder, name in _COMPARISONS.items():
        setattr(Tracer, f"__{dunder}__", _binop(getattr(fnp, name)))
    Tracer.__neg__ = _method(fnp.negative)
    Tracer.__pos__ = lambda self: self
    Tracer.__abs__ = _method(fnp.abs)
    Tracer.__invert__ = _method(fnp.invert)
    Tracer.__getitem__ = getitem
    Tracer.__iter__ = lambda self: (self[i] for i in range(len(self)))
    Tracer.at = property(_method(fnp.at))
    Tracer.T = property(_method(fnp.transpose))
    Tracer.mT = property(lambda self: fnp.swapaxes(self, -1, -2))

    def reshape(self, *shape, order="C"):
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = shape[0]
        return fnp.reshape(self, shape, order=order)

    def transpose(self, *axes):
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = axes[0]
        return fnp.transpose(self, axes or None)

    Tracer.reshape, Tracer.transpose = reshape, transpose
    Tracer.astype = _method(fnp.astype)
    Tracer.real, Tracer.imag = property(_method(fnp.real)), property(_method(fnp.imag))
    Tracer.conj = Tracer.conjugate = _method(fnp.conjugate)
    Tracer.ravel = Tracer.flatten = _method(fnp.ravel)
    for name in _METHODS:
        setattr(Tracer, name, _method(getattr(fnp, name)))
    Tracer.__array_ufunc__, Tracer.__array_function__ = _dispatch.protocols(fnp)
