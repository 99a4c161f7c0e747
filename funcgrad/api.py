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


# ---------------------------------------------------------------------------------------------
# jit

import threading  # noqa: E402

import numpy as np  # noqa: E402

from .backend import config  # noqa: E402
from .core.interpret import eval_ir  # noqa: E402
from .core.ir import Lit  # noqa: E402
from .core.tracing import Tracer  # noqa: E402

_JIT_DISABLED = config.jit_disabled()

_all_jitted = []


def clear_memory_caches():
    for ref in list(_all_jitted):
        ref._plans.clear()


class _Plan:
    """How to run one (structure, shapes, dtypes, static args) signature."""

    __slots__ = ("fn", "consts", "P", "out_tree", "outs", "fallback_ir", "source", "direct",
                 "single")


def _leaf_sig(x):
    if isinstance(x, np.ndarray):
        return (x.shape, x.dtype.char)
    if isinstance(x, float):
        return ((), "d")
    if isinstance(x, bool):
        return ((), "?")
    if isinstance(x, int):
        return ((), "l")
    a = np.asarray(x)
    return (a.shape, a.dtype.char)


def _walk(x, leaves):
    """Collect the leaves of the common containers and return a hashable key of structure,
    shapes and dtypes (None for anything else: the general path handles it)."""
    t = type(x)
    if t is np.ndarray:
        leaves.append(x)
        return (x.shape, x.dtype.char)
    if t is float or t is int or t is bool:
        leaves.append(x)
        return t
    if t is tuple or t is list:
        parts = tuple(_walk(c, leaves) for c in x)
        return None if None in parts else (t, parts)
    if t is dict:
        keys = tuple(sorted(x))
        parts = tuple(_walk(x[k], leaves) for k in keys)
        return None if None in parts else (keys, parts)
    return None


class Jitted:
    """A function compiled by ``fg.jit``; call it like the original."""

    def __init__(self, fun, static_argnums, static_argnames):
        self.fun = fun
        self.static_argnums = tuple(static_argnums)
        self.static_argnames = tuple(static_argnames)
        self._plans = {}
        self._lock = threading.Lock()
        self.__name__ = getattr(fun, "__name__", "jitted")
        self.__doc__ = getattr(fun, "__doc__", None)
        self.__wrapped__ = fun
        _all_jitted.append(self)

    def _split(self, args, kwargs):
        nargs = len(args)
        static = {a % nargs for a in self.static_argnums if -nargs <= a < nargs}
        static_vals = tuple((i, args[i]) for i in sorted(static))
        static_kw = tuple(sorted((k, v) for k, v in kwargs.items() if k in self.static_argnames))
        try:
            hash((static_vals, static_kw))
        except TypeError:
            raise TypeError(
                f"jit({self.__name__}): static arguments must be hashable (they key the "
                f"compiled-code cache); got {[type(v).__name__ for _, v in static_vals]} "
                f"{[type(v).__name__ for _, v in static_kw]}. Pass arrays as ordinary "
                "arguments, and lists as tuples.") from None
        dyn_kwargs = {k: v for k, v in kwargs.items() if k not in self.static_argnames}
        return static, static_vals, static_kw, dyn_kwargs

    def _call_fun(self, args, kwargs):
        return self.fun(*args, **kwargs)

    def __call__(self, *args, **kwargs):
        if _JIT_DISABLED:
            return self.fun(*args, **kwargs)
        if not kwargs and not self.static_argnums:
            # Fast path (the dispatch cost users feel in small steps): one walk over the
            # arguments collects the leaves and a key of structure, shapes and dtypes; one
            # dict lookup finds the plan.
            leaves = []
            fast_key = []
            for a in args:
                k = _walk(a, leaves)
                if k is None:
                    break
                fast_key.append(k)
            fast_key = tuple(fast_key) if len(fast_key) == len(args) else None
            plan = self._plans.get(fast_key) if fast_key is not None else None
            if plan is not None:
                return self._run(plan, leaves)
        static, static_vals, static_kw, dyn_kwargs = self._split(args, kwargs)
        dyn_args = tuple(a for i, a in enumerate(args) if i not in static)
        leaves, treedef = pytree.tree_flatten((dyn_args, dyn_kwargs))
        for x in leaves:
            if isinstance(x, Tracer):
                # Inside another transformation: trace through (a nested jit is inlined into
                # the outer one; grad of a jitted function differentiates its body).
                return self.fun(*args, **kwargs)
        try:
            sig = (treedef, tuple(map(_leaf_sig, leaves)), static_vals, static_kw)
            plan = self._plans.get(sig)
        except TypeError:
            _check_leaves(leaves, f"jit({self.__name__})")
            raise
        if plan is None:
            with self._lock:
                plan = self._plans.get(sig) or self._build(sig, args, kwargs, static,
                                                            static_kw, leaves)
            if plan is None:  # closes over a traced value: run through the transformation
                return self.fun(*args, **kwargs)
            if not kwargs and not self.static_argnums:
                keys = [_walk(a, []) for a in args]
                if None not in keys:
                    self._plans[tuple(keys)] = plan
        return self._run(plan, leaves)

    def _run(self, plan, leaves):
        arrays = [x if type(x) is np.ndarray else np.asarray(x) for x in leaves]
        if plan.fallback_ir is not None:
            res = eval_ir(plan.fallback_ir, plan.consts, arrays)
            flat = [np.array(r) for r in res]
        else:
            try:
                res = plan.fn(*plan.consts, *arrays, *plan.P)
            except Exception as err:
                from .backend.compile import NUMBA_ERRORS, explain_numba_error
                if isinstance(err, NUMBA_ERRORS):
                    raise explain_numba_error(err, plan.fn) from None
                raise
            if plan.direct:
                if plan.single:
                    r = res[0]
                    return r[()] if r.ndim == 0 else r
                flat = res
                return pytree.tree_unflatten(plan.out_tree,
                                             [r[()] if r.ndim == 0 else r for r in flat])
            flat = []
            for kind, v in plan.outs:
                if kind == 0:
                    flat.append(res[v])
                elif kind == 1:
                    flat.append(np.array(arrays[v]))
                elif kind == 2:
                    flat.append(np.array(plan.consts[v]))
                else:
                    flat.append(np.array(v))
        return pytree.tree_unflatten(plan.out_tree, [r[()] if r.ndim == 0 else r for r in flat])

    def trace(self, *args, **kwargs):
        static, _, static_kw, dyn_kwargs = self._split(args, kwargs)
        fun = self.fun
        if static_kw:
            kw = dict(static_kw)
            fun = lambda *a, **k: self.fun(*a, **k, **kw)  # noqa: E731
        return trace_pytree_fun(fun, args, dyn_kwargs, tuple(sorted(static)), "jit")

    def _build(self, sig, args, kwargs, static, static_kw, leaves):
        from .backend import codegen
        from .backend.compile import compile_source
        ir, _ = self.trace(*args, **kwargs)
        if any(isinstance(c, Tracer) for c in ir.consts):
            return None
        plan = _Plan()
        plan.out_tree = ir.out_tree
        plan.consts = [np.asarray(c) for c in ir.consts]
        plan.fallback_ir = None
        plan.fn = None
        try:
            src, P = codegen.generate(ir, "fn")
            plan.source, plan.P = src, P
            reason = "new shapes for an existing function" if self._plans else "first call"
            plan.fn = compile_source(src, "fn", f"{self.__name__}: {reason}")
        except codegen.Unsupported as missing:
            import warnings
            warnings.warn(f"jit({self.__name__}): no code generator for primitive "
                          f"'{missing}' yet; running this function with the NumPy evaluator.",
                          stacklevel=3)
            plan.fallback_ir, plan.source, plan.P = ir, None, ((), (), ())
        outs, k = [], 0
        for o in ir.outs:
            if isinstance(o, Lit):
                outs.append((3, o.val))
            elif o in ir.in_vars:
                outs.append((1, ir.in_vars.index(o)))
            elif o in ir.const_vars:
                outs.append((2, ir.const_vars.index(o)))
            else:
                outs.append((0, k))
                k += 1
        plan.outs = outs
        plan.direct = plan.fallback_ir is None and all(kind == 0 for kind, _ in outs)
        plan.single = plan.direct and ir.out_tree == pytree.tree_structure(0)
        self._plans[sig] = plan
        return plan

    def source(self, *args, **kwargs):
        """The generated Python source for these arguments' shapes and dtypes.

        >>> import funcgrad as fg, numpy as np
        >>> print(fg.jit(lambda x: np.tanh(x) * 2.0).source(np.ones(3)))  # doctest: +ELLIPSIS
        def fn(a, P, F64, F32):
        ...
        """
        from .backend import codegen
        ir, _ = self.trace(*args, **kwargs)
        return codegen.generate(ir, "fn")[0]

    def lower(self, *args, **kwargs):
        """The IR this function traces to for these arguments."""
        return self.trace(*args, **kwargs)[0]


def jit(fun=None, static_argnums=(), static_argnames=()):
    """Compile ``fun`` to native code through Numba.

    The compiled code is cached by the IR's structure modulo array sizes: new values never
    recompile, and neither do new sizes (e.g. the last, smaller batch of an epoch). Arrays
    the function closes over are passed in as arguments. Outputs are fresh NumPy arrays.

    >>> import funcgrad as fg, numpy as np
    >>> f = fg.jit(lambda x, y: np.sum(np.tanh(x) * y))
    >>> float(f(np.zeros(3), np.ones(3)))
    0.0
    """
    if fun is None:
        return lambda f: jit(f, static_argnums, static_argnames)
    nums = (static_argnums,) if isinstance(static_argnums, int) else tuple(static_argnums)
    names = (static_argnames,) if isinstance(static_argnames, str) else tuple(static_argnames)
    return Jitted(fun, nums, names)
