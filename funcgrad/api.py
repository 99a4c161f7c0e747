"""Entry points that stage functions out to an IR: ``make_ir`` (and ``jit``)."""
from . import tree as pytree
from .ad import _check_leaves, _fun_name
from .core.tracing import get_aval, trace_to_ir


def _static_split(args, static_argnums):
    static = tuple(a % len(args) for a in static_argnums) if args else ()
    dyn = [a for i, a in enumerate(args) if i not in static]
    return static, dyn


def trace_pytree_fun(fun, args, kwargs, static_argnums=(), where="make_ir"):
    """Trace ``fun(*args, **kwargs)`` on abstract values of its array leaves.

    Returns the IR (with ``in_tree``/``out_tree`` set) and the flat list of array leaves.
    """
    static, _ = _static_split(args, static_argnums)
    dyn_args = tuple(a for i, a in enumerate(args) if i not in static)
    leaves, in_tree = pytree.tree_flatten((dyn_args, kwargs))
    _check_leaves(leaves, f"{where}({_fun_name(fun)})")
    avals = [get_aval(x) for x in leaves]
    out_tree = []

    def flat_fun(*tracers):
        d_args, kw = pytree.tree_unflatten(in_tree, tracers)
        it = iter(d_args)
        full = [args[i] if i in static else next(it) for i in range(len(args))]
        out = fun(*full, **kw)
        out_leaves, td = pytree.tree_flatten(out)
        out_tree.append(td)
        return out_leaves

    ir = trace_to_ir(flat_fun, avals)
    ir.in_tree, ir.out_tree = in_tree, out_tree[0]
    return ir, leaves


def make_ir(fun, static_argnums=()):
    """Return a function that traces ``fun`` on its arguments' shapes and dtypes to an IR.

    >>> import funcgrad as fg, numpy as np
    >>> print(fg.make_ir(lambda x: np.tanh(x) * 2.0)(np.ones(3)))
    { lambda a:f64[3] .
        b:f64[3] = tanh a
        c:f64[3] = mul b 2.0
      return (c) }
    """
    static_argnums = (static_argnums,) if isinstance(static_argnums, int) else tuple(
        static_argnums)

    def traced(*args, **kwargs):
        return trace_pytree_fun(fun, args, kwargs, static_argnums)[0]

    return traced
