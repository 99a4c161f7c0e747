"""Map NumPy ufuncs and functions called on traced arrays to their funcgrad.numpy versions.

The table is built from funcgrad.numpy's names (which are NumPy's), so adding a function there
is all it takes. A NumPy function without a funcgrad version raises NotImplementedError naming it.
"""
import sys

import numpy as np

from ..errors import funcgrad_equivalent, user_frame

# ufunc names whose funcgrad.numpy function has another name
_UFUNC_ALIASES = {"absolute": "abs", "true_divide": "divide", "bitwise_not": "invert"}
# NumPy functions that only ask about the shape
_SHAPE_QUERIES = {np.shape: lambda a: a.shape, np.ndim: lambda a: a.ndim,
                  np.size: lambda a, axis=None: a.size if axis is None else a.shape[axis]}
_SUBMODULES = ("linalg", "fft")


def function_table(fnp):
    """NumPy function -> its funcgrad version, for every public name of the namespace ``fnp``
    (funcgrad.numpy, handed over by its ``__init__``) and of its submodules."""
    table = {}
    for sub in (None,) + _SUBMODULES:
        ours = fnp if sub is None else getattr(fnp, sub, None)
        theirs = np if sub is None else getattr(np, sub, None)
        if ours is None or theirs is None:
            continue
        for name in dir(ours):
            npf = getattr(theirs, name, None)
            if not name.startswith("_") and callable(npf) and not isinstance(npf, type):
                table[npf] = getattr(ours, name)
    table.update(_SHAPE_QUERIES)
    return table


def _not_supported(what):
    alt = funcgrad_equivalent(what.replace("np.", "numpy.", 1))
    fix = f"Use {alt} instead." if alt else (
        "Use a supported function from funcgrad.numpy (see docs/numpy.md), compose it from "
        "supported ones, or wrap the computation with fg.custom_vjp.")
    return NotImplementedError(f"{what} is not supported on traced arrays by funcgrad (called "
                               f"at {user_frame()}). {fix}")


def _user_name(func):
    """How the user most likely wrote ``func``: ``np.linalg.svd``, ``scipy.special.gammaln``."""
    name = getattr(func, "__name__", repr(func))
    module = getattr(func, "__module__", None) or "numpy"
    if isinstance(func, np.ufunc) and getattr(np, name, None) is not func:
        special = sys.modules.get("scipy.special")
        if special is not None and getattr(special, name, None) is func:
            return f"scipy.special.{name}"
    parts = [p for p in module.split(".") if not p.startswith("_")]
    return ".".join(["np" if parts[:1] == ["numpy"] else parts[0]] + parts[1:] + [name]) \
        if parts else name


def protocols(fnp):
    """``Tracer.__array_ufunc__`` and ``__array_function__`` answering with ``fnp``'s
    functions."""
    table = {}  # built at the first call: by then every submodule of fnp is loaded
    reductions = {"add": "sum", "maximum": "max", "minimum": "min", "multiply": "prod"}

    def array_ufunc(self, ufunc, method, *inputs, **kwargs):
        if kwargs.pop("out", None) is not None:
            raise _not_supported(f"{_user_name(ufunc)}(..., out=...) (in-place output)")
        ours = getattr(np, ufunc.__name__, None) is ufunc
        if method == "__call__":
            name = _UFUNC_ALIASES.get(ufunc.__name__, ufunc.__name__)
            f = getattr(fnp, name, None) if ours else None
            if f is None:
                raise _not_supported(_user_name(ufunc))
            return f(*inputs, **kwargs)
        if method == "reduce" and ours and ufunc.__name__ in reductions:
            red = getattr(fnp, reductions[ufunc.__name__])
            return red(*inputs, axis=kwargs.get("axis", 0), keepdims=kwargs.get("keepdims",
                                                                                False))
        raise _not_supported(f"{_user_name(ufunc)}.{method}")

    def array_function(self, func, types, args, kwargs):
        if not table:
            table.update(function_table(fnp))
        f = table.get(func)
        if f is None:
            raise _not_supported(_user_name(func))
        return f(*args, **kwargs)

    return array_ufunc, array_function
