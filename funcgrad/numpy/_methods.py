"""Install Python operators, array methods and NumPy's dispatch protocols on ``Tracer``.

After this, user code written against plain NumPy (``np.tanh(x)``, ``x @ w``, ``x.T``,
``x[idx]``, ``x.sum(axis=1)``) works on traced values unchanged.
"""

from ..core.tracing import Tracer
from . import _dispatch
from ._indexing import getitem


def _fnp():
    import funcgrad.numpy as fnp
    return fnp


def _binop(name, reflected=False):
    def op(self, other):
        if isinstance(other, (list, tuple, dict, set, str)) and not isinstance(other, Tracer):
            if isinstance(other, (dict, set, str)):
                return NotImplemented
        f = getattr(_fnp(), name)
        return f(other, self) if reflected else f(self, other)
    return op


_BINOPS = {"add": "add", "sub": "subtract", "mul": "multiply", "truediv": "true_divide",
           "floordiv": "floor_divide", "mod": "mod", "pow": "power", "matmul": "matmul",
           "and": "bitwise_and", "or": "bitwise_or",
           "xor": "bitwise_xor", "lshift": "left_shift", "rshift": "right_shift"}

for _dunder, _fname in _BINOPS.items():
    setattr(Tracer, f"__{_dunder}__", _binop(_fname))
    setattr(Tracer, f"__r{_dunder}__", _binop(_fname, reflected=True))

for _dunder, _fname in {"lt": "less", "le": "less_equal", "gt": "greater",
                        "ge": "greater_equal", "eq": "equal", "ne": "not_equal"}.items():
    setattr(Tracer, f"__{_dunder}__", _binop(_fname))

Tracer.__neg__ = lambda self: _fnp().negative(self)
Tracer.__pos__ = lambda self: self
Tracer.__abs__ = lambda self: _fnp().abs(self)
Tracer.__invert__ = lambda self: _fnp().invert(self)
Tracer.__getitem__ = getitem
Tracer.__iter__ = lambda self: (self[i] for i in range(len(self)))

Tracer.T = property(lambda self: _fnp().transpose(self))
Tracer.mT = property(lambda self: _fnp().swapaxes(self, -1, -2))


def _reshape(self, *shape, order="C"):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = shape[0]
    return _fnp().reshape(self, shape, order=order)


def _transpose(self, *axes):
    if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
        axes = axes[0]
    return _fnp().transpose(self, axes or None)


Tracer.reshape = _reshape
Tracer.transpose = _transpose
Tracer.astype = lambda self, dtype: _fnp().astype(self, dtype)
Tracer.ravel = lambda self, order="C": _fnp().ravel(self, order)
Tracer.flatten = lambda self, order="C": _fnp().ravel(self, order)

for _m in ("sum", "mean", "max", "min", "prod", "std", "var", "argmax", "argmin", "cumsum",
           "cumprod", "all", "any", "clip", "squeeze", "dot", "swapaxes", "round", "repeat",
           "take", "diagonal", "trace"):
    setattr(Tracer, _m, (lambda name: lambda self, *a, **k: getattr(_fnp(), name)(self, *a, **k))(
        _m))

Tracer.__array_ufunc__ = _dispatch.array_ufunc
Tracer.__array_function__ = _dispatch.array_function

del _dunder, _fname, _m
