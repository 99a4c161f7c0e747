"""Map NumPy ufuncs and functions called on traced arrays to their funcgrad.numpy versions.

The table is built from funcgrad.numpy's names (which are NumPy's), so adding a function there
is all it takes. A NumPy function without a funcgrad version raises NotImplementedError naming it.
"""
import numpy as np

from ..errors import user_frame

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
    return NotImplementedError(
        f"{what} is not supported on traced arrays by funcgrad (called at {user_frame()}). "
        "Use a supported function from funcgrad.numpy (see docs/numpy.md), compose it from "
        "supported ones, or wrap the computation with fg.custom_vjp.")


def array_ufunc(self, ufunc, method, *inputs, **kwargs):
    if kwargs.get("out") is not None:
        raise _not_supported(f"np.{ufunc.__name__}(..., out=...) (in-place output)")
    kwargs.pop("out", None)
    fnp_table = _table()
    name = _UFUNC_ALIASES.get(ufunc.__name__, ufunc.__name__)
    if method == "__call__":
        import funcgrad.numpy as fnp
        f = getattr(fnp, name, None)
        if f is None:
            raise _not_supported(f"np.{ufunc.__name__}")
        return f(*inputs, **kwargs)
    if method == "reduce" and ufunc.__name__ in ("add", "maximum", "minimum", "multiply"):
        import funcgrad.numpy as fnp
        red = {"add": fnp.sum, "maximum": fnp.max, "minimum": fnp.min,
               "multiply": getattr(fnp, "prod", None)}[ufunc.__name__]
        return red(*inputs, **{"axis": kwargs.get("axis", 0), **{
            k: v for k, v in kwargs.items() if k in ("keepdims",)}})
    del fnp_table
    raise _not_supported(f"np.{ufunc.__name__}.{method}")


def array_function(self, func, types, args, kwargs):
    f = _table().get(func)
    if f is None:
        raise _not_supported(f"np.{getattr(func, '__name__', func)}")
    return f(*args, **kwargs)
