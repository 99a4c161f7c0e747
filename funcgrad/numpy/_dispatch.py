"""Map NumPy ufuncs and functions called on traced arrays to their funcgrad.numpy versions.

The table is built from funcgrad.numpy's names (which are NumPy's), so adding a function there
is all it takes. A NumPy function without a funcgrad version raises NotImplementedError naming it.
"""
import sys

import numpy as np

from ..errors import funcgrad_equivalent, user_frame

_functions = None

# ufunc names whose funcgrad.numpy function has another name
_UFUNC_ALIASES = {"absolute": "abs", "true_divide": "divide", "bitwise_not": "invert"}
# NumPy functions that only ask about the shape
_SHAPE_QUERIES = {np.shape: lambda a: a.shape, np.ndim: lambda a: a.ndim,
                  np.size: lambda a, axis=None: a.size if axis is None else a.shape[axis],
                  np.result_type: None}


def _table():
    global _functions
    if _functions is None:
        import funcgrad.numpy as fnp
        table = {}
        for name in dir(fnp):
            if name.startswith("_"):
                continue
            npf = getattr(np, name, None)
            if callable(npf) and not isinstance(npf, type):
                table[npf] = getattr(fnp, name)
        for sub in ("linalg",):
            fsub = getattr(fnp, sub, None)
            if fsub is not None:
                for name in dir(fsub):
                    npf = getattr(getattr(np, sub), name, None)
                    if not name.startswith("_") and callable(npf):
                        table[npf] = getattr(fsub, name)
        table.update({k: v for k, v in _SHAPE_QUERIES.items() if v is not None})
        _functions = table
    return _functions


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


def array_ufunc(self, ufunc, method, *inputs, **kwargs):
    if kwargs.get("out") is not None:
        raise _not_supported(f"{_user_name(ufunc)}(..., out=...) (in-place output)")
    kwargs.pop("out", None)
    name = _UFUNC_ALIASES.get(ufunc.__name__, ufunc.__name__)
    if method == "__call__":
        import funcgrad.numpy as fnp
        f = getattr(fnp, name, None) if getattr(np, ufunc.__name__, None) is ufunc else None
        if f is None:
            raise _not_supported(_user_name(ufunc))
        return f(*inputs, **kwargs)
    if method == "reduce" and ufunc.__name__ in ("add", "maximum", "minimum", "multiply"):
        import funcgrad.numpy as fnp
        red = {"add": fnp.sum, "maximum": fnp.max, "minimum": fnp.min,
               "multiply": getattr(fnp, "prod", None)}[ufunc.__name__]
        return red(*inputs, **{"axis": kwargs.get("axis", 0), **{
            k: v for k, v in kwargs.items() if k in ("keepdims",)}})
    raise _not_supported(f"{_user_name(ufunc)}.{method}")


def array_function(self, func, types, args, kwargs):
    f = _table().get(func)
    if f is None:
        raise _not_supported(_user_name(func))
    return f(*args, **kwargs)
