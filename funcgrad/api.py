"""Entry points that stage functions out to an IR: ``make_ir`` (and ``jit``)."""
from . import tree as pytree
from .ad import _check_leaves, _fun_name
from .core.avals import ShapedArray, is_inexact
from .core.tracing import get_aval, trace_to_ir
from .errors import user_frame


def _static_split(args, static_argnums):
    bad = [a for a in static_argnums if not -len(args) <= a < len(args)]
    if bad:
        raise ValueError(f"static_argnums={bad[0]} is out of range for a call with {len(args)} "
                         f"positional argument(s) (at {user_frame()}).")
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


def eval_shape(fun, *args, **kwargs):
    """The shapes and dtypes of ``fun(*args, **kwargs)``'s outputs, as a pytree of
    ``ShapeDtypeStruct``s, found by tracing: nothing is computed. Arguments may be arrays or
    ``ShapeDtypeStruct(shape, dtype)``.

    >>> import funcgrad as fg, numpy as np
    >>> fg.eval_shape(lambda x: x @ x.T, fg.ShapeDtypeStruct((5, 3), np.float32))
    f32[5,5]
    """
    ir, _ = trace_pytree_fun(fun, args, kwargs, where="eval_shape")
    return pytree.tree_unflatten(ir.out_tree, [ShapedArray(a.shape, a.dtype)
                                               for a in ir.out_avals])


# ---------------------------------------------------------------------------------------------
# jit

import threading  # noqa: E402
import weakref  # noqa: E402

import numpy as np  # noqa: E402

from .backend import cache as _cache  # noqa: E402
from .backend import config  # noqa: E402
from .core import nans  # noqa: E402
from .core.interpret import eval_ir  # noqa: E402
from .core.ir import IR  # noqa: E402
from .core.lowering import Call  # noqa: E402
from .core.primitive import Primitive  # noqa: E402
from .core.tracing import Tracer  # noqa: E402

_JIT_DISABLED = config.jit_disabled()
_all_jitted = weakref.WeakSet()


def clear_memory_caches():
    for j in list(_all_jitted):
        j._plans.clear()
        j._info.clear()
        j._traced.clear()
    _ir_plans.clear()


_cache.on_clear.append(clear_memory_caches)


class _Traced(Exception):
    """A leaf is a tracer: the call is inside another transformation."""


_SORTED_KEYS = {}  # a dict's keys in insertion order -> sorted (sorting costs more than a lookup)


def _walk(x, leaves):
    """Collect the leaves of a pytree and return a hashable key of its structure, shapes and
    dtypes, in one pass (the dispatch cost users feel in small steps: arrays directly inside
    a container are handled without a call)."""
    t = type(x)
    if t is np.ndarray:
        leaves.append(x)
        return x.shape, x.dtype
    if t is dict or t is list or t is tuple:
        if t is dict:
            order = tuple(x)
            keys = _SORTED_KEYS.get(order)
            if keys is None:
                keys = tuple(sorted(order))
                if len(_SORTED_KEYS) < 4096:
                    _SORTED_KEYS[order] = keys
            out = ["D", keys]
            children = [x[k] for k in keys]
        else:
            out = ["L" if t is list else "T"]
            children = x
        for c in children:
            if type(c) is np.ndarray:
                leaves.append(c)
                out.append((c.shape, c.dtype))
            else:
                out.append(_walk(c, leaves))
        return tuple(out)
    if t is float or t is int or t is bool:
        leaves.append(x)
        return t
    if x is None:
        return None
    if isinstance(x, Tracer):
        raise _Traced
    if isinstance(x, np.generic):
        leaves.append(x)
        return (), x.dtype
    node = pytree._flatten_node(x)
    if node is None:  # not an array: the general path reports it
        leaves.append(x)
        return ("?", id(type(x)))
    kind, aux, children = node
    return (kind, aux) + tuple([_walk(c, leaves) for c in children])


def _unflattener(treedef):
    """A function rebuilding ``treedef`` from a flat sequence (written for the structure when it
    is made of lists, tuples and dicts: several times faster than the generic walk)."""
    try:
        n = treedef.num_leaves
        return eval("lambda f: " + _tree_expr(treedef, [f"f[{k}]" for k in range(n)]))  # noqa: S307
    except TypeError:
        return lambda f: pytree.tree_unflatten(treedef, list(f))


class _Plan:
    """How to run one signature (structure, shapes, dtypes, static args)."""

    __slots__ = ("run", "source", "ir")


def _runner(ir, consts, out_tree, name, reason, ready=None):
    """A function ``run(leaves)`` computing ``ir`` natively (flat outputs if ``out_tree`` is
    None), and the generated source. Equations with no code generator run with NumPy between
    compiled segments."""
    from .backend import codegen, fusion
    ir = fusion.inline_calls(ir)
    convs = [a.dtype.type if a.shape == () else None for a in ir.out_avals]
    rebuild = list if out_tree is None else _unflattener(out_tree)
    if all(c is None for c in convs):
        finish = rebuild
    else:
        def finish(res):  # 0-d results come back as Python numbers: NumPy scalars of their dtype
            return rebuild([v if c is None else c(v) for c, v in zip(convs, res)])

    def emittable(e):
        return codegen.can_emit(e) and all(_numba_dtype(v.aval.dtype) for v in e.outvars)

    all_vars = ir.const_vars + ir.in_vars
    if all(emittable(e) for e in fusion.live_eqns(ir)) and \
            all(_numba_dtype(v.aval.dtype) for v in all_vars):
        src = codegen.generate(ir, "fn")
        label = f"{name}: {reason}"
        holder = {"run": None, "fn": None, "thread": None, "error": None}
        # In background mode nothing here touches Numba (not even its import) until a thread
        # does: the first calls run on the NumPy evaluator meanwhile.
        background = config.compile_in_background()
        if not background:
            holder["fn"] = _compile_source(src, label)

        def first_run(leaves):  # compiles (or loads) the native code, then steps aside
            if holder["run"] is not None:
                return holder["run"](leaves)
            args = list(consts) + [a[()] if type(a) is np.ndarray and a.ndim == 0 else a
                                   for a in leaves] + list(src.args())
            if background:
                if holder["thread"] is None:
                    holder["thread"] = _compile_in_background(src, label, args, holder)
                if holder["thread"].is_alive():
                    outs = eval_ir(ir, consts, leaves)
                    return finish([np.array(o) if np.ndim(o) else o for o in outs])
                if holder["error"] is not None:
                    raise holder["error"]
            from .backend.compile import call_first
            fn = holder["fn"]
            try:
                res = call_first(fn, args)
            except np.linalg.LinAlgError as err:
                raise _linalg_error(err) from None
            fast = _fast_runner(fn, consts, src.args(), all_vars[len(consts):], ir.out_avals,
                                out_tree)
            holder["run"] = fast
            if ready is not None:
                ready(fast)
            return finish(res)
        return first_run, src.text

    steps, texts = [], []
    for kind, part in fusion.split(ir, emittable):
        if kind == "eqn":
            steps.append((None, part))
            texts.append(f"# {part.prim.name}: no code generator; runs with NumPy\n")
        else:
            sub_run, text = _runner(part, [], None, name, reason)
            steps.append((sub_run, part))
            texts.append(text)

    def run_steps(leaves):
        env = dict(zip(all_vars, list(consts) + list(leaves)))

        def read(x):
            return env[x] if not hasattr(x, "val") else x.val

        for sub_run, part in steps:
            if sub_run is None:
                vals = [np.asarray(read(x)) for x in part.inputs]
                out = part.prim.impl(*vals, **part.params)
                env.update(zip(part.outvars, out if part.prim.multiple_results else [out]))
            else:
                env.update(zip(part.outs, sub_run([read(x) for x in part.in_vars])))
        return finish([np.array(read(o)) if np.ndim(read(o)) else read(o) for o in ir.outs])
    return run_steps, "\n".join(texts)


def _compile_source(src, label):
    from .backend.compile import compile_source
    return compile_source(src, label)


def _compile_in_background(src, label, args, holder):
    """A daemon thread that imports Numba, loads or compiles ``src`` for the types of ``args``
    and leaves the function in ``holder["fn"]`` (or the error, explained, in
    ``holder["error"]``)."""
    def work():
        try:
            from .backend import compile as backend
            fn = _compile_source(src, label)
            backend.compile_now(fn, args)
            holder["fn"] = fn
        except Exception as err:  # raised by the next call
            holder["error"] = err

    thread = threading.Thread(target=work, name="funcgrad-compile", daemon=True)
    thread.start()
    return thread


def _fast_runner(fn, consts, tables, in_vars, out_avals, out_tree):
    """``run(leaves)`` for a compiled function, written as Python source for this signature:
    unpack the leaves, pass 0-d arrays as scalars, call, and rebuild the output pytree with
    NumPy scalars for 0-d results, in one function (the dispatch cost of small steps)."""
    from .backend.compile import NUMBA_ERRORS, explain_numba_error
    env = {"fn": fn, "ndarray": np.ndarray, "NUMBA_ERRORS": NUMBA_ERRORS,
           "explain": explain_numba_error, "pytree": pytree}
    names = [f"a{i}" for i in range(len(in_vars))]
    lines = ["def run(leaves):"]
    if names:
        lines.append(f"    {''.join(n + ', ' for n in names)}= leaves")
    for n, v in zip(names, in_vars):
        if v.aval.shape == ():
            lines.append(f"    if type({n}) is ndarray:")
            lines.append(f"        {n} = {n}[()]")
    for j, c in enumerate(consts):
        env[f"c{j}"] = c
    for j, t in enumerate(tables):
        env[f"t{j}"] = t
    call = ", ".join([f"c{j}" for j in range(len(consts))] + names +
                     [f"t{j}" for j in range(len(tables))])
    lines += ["    try:", f"        r = fn({call})", "    except NUMBA_ERRORS as err:",
              "        raise explain(err, fn.__funcgrad_info__['path']) from None",
              "    except LinAlgError as err:",
              "        raise linalg_error(err) from None"]
    env["LinAlgError"] = np.linalg.LinAlgError
    env["linalg_error"] = _linalg_error
    outs = []
    for k, a in enumerate(out_avals):
        if a.shape == ():
            env[f"d{k}"] = a.dtype.type
            outs.append(f"d{k}(r[{k}])")
        else:
            outs.append(f"r[{k}]")
    try:
        body = _tree_expr(out_tree, outs) if out_tree is not None else \
            "[" + ", ".join(outs) + "]"
        lines.append(f"    return {body}")
    except TypeError:
        env["td"] = out_tree
        lines.append(f"    return pytree.tree_unflatten(td, [{', '.join(outs)}])")
    exec("\n".join(lines), env)  # noqa: S102 - source built above from the IR's avals
    return env["run"]


def _linalg_error(err):
    return np.linalg.LinAlgError(
        f"{err} (in a jitted function called at {user_frame()}). The matrix is singular or "
        "not positive definite; in floating point a pivot was exactly zero. Regularize it, "
        "e.g. a + 1e-8 * I.")


def _tree_expr(td, leaves):
    """Python expression building pytree ``td`` from leaf expressions (lists, tuples, dicts)."""
    it = iter(leaves)

    def expr(td):
        if td.kind is None:
            return next(it)
        if td.kind is list:
            return "[" + ", ".join(map(expr, td.children)) + "]"
        if td.kind is tuple:
            return "(" + "".join(expr(c) + ", " for c in td.children) + ")"
        if td.kind is dict and all(type(k) in (str, int) for k in td.aux):
            return "{" + ", ".join(f"{k!r}: {expr(c)}" for k, c in zip(td.aux, td.children)) \
                + "}"
        if td.kind is type(None):
            return "None"
        raise TypeError("no literal form")
    return expr(td)


def _numba_dtype(dt):
    return dt.kind in "biu" or dt in (np.float32, np.float64, np.complex64, np.complex128)


def _closed(ir):
    """``ir`` with its constants as leading inputs (the form ``jit_call`` holds)."""
    return IR(ir.const_vars + ir.in_vars, ir.eqns, ir.outs)


class Jitted:
    """A function compiled by ``fg.jit``; call it like the original."""

    def __init__(self, fun, static_argnums, static_argnames):
        self.fun = fun
        self.static_argnums = tuple(static_argnums)
        self.static_argnames = tuple(static_argnames)
        self._plans = {}  # signature -> run(leaves)
        self._info = {}  # signature -> _Plan (its IR and source)
        self._traced = {}  # signature -> (closed IR, consts, out_tree), for calls on tracers
        self._lock = threading.Lock()
        self.__name__ = getattr(fun, "__name__", "jitted")
        self.__doc__ = getattr(fun, "__doc__", None)
        self.__wrapped__ = fun
        _all_jitted.add(self)

    def _split(self, args, kwargs):
        nargs = len(args)
        bad = [a for a in self.static_argnums if not -nargs <= a < nargs]
        if bad:
            raise ValueError(
                f"jit({self.__name__}): static_argnums={bad[0]} is out of range for a call "
                f"with {nargs} positional argument(s) (at {user_frame()}). Static arguments "
                "are counted among the positional ones; pass them positionally, or use "
                "static_argnames for keyword arguments.")
        static = {a % nargs for a in self.static_argnums}
        static_vals = tuple((i, args[i]) for i in sorted(static))
        static_kw = tuple(sorted((k, v) for k, v in kwargs.items() if k in self.static_argnames))
        try:
            hash((static_vals, static_kw))
        except TypeError:
            bad = [f"argument {i}: {type(v).__name__}" for i, v in static_vals
                   if not _hashable(v)]
            bad += [f"{k}: {type(v).__name__}" for k, v in static_kw if not _hashable(v)]
            raise TypeError(
                f"jit({self.__name__}): static arguments must be hashable, because they key the "
                f"compiled-code cache; got unhashable {', '.join(bad)}. Pass arrays as ordinary "
                "(traced) arguments, and lists as tuples.") from None
        dyn_kwargs = {k: v for k, v in kwargs.items() if k not in self.static_argnames}
        return static, static_vals, static_kw, dyn_kwargs

    def __call__(self, *args, **kwargs):
        # The dispatch cost users feel in small steps: one walk over the arguments (leaves and
        # a key of structure, shapes and dtypes), one dict lookup, one call of the plan's
        # runner (which calls into Numba and rebuilds the outputs).
        leaves = []
        try:
            if kwargs or self.static_argnums or _JIT_DISABLED:
                if _JIT_DISABLED:
                    return self.fun(*args, **kwargs)
                static, static_vals, static_kw, dyn_kwargs = self._split(args, kwargs)
                dyn = tuple(a for i, a in enumerate(args) if i not in static)
                key = (_walk((dyn, dyn_kwargs), leaves), static_vals, static_kw)
            else:
                key = tuple([_walk(a, leaves) for a in args])
            run = self._plans.get(key)
        except _Traced:
            return self._call_traced(args, kwargs)
        if run is None:
            with self._lock:
                run = self._plans.get(key)
                if run is None:
                    plan = self._build(args, kwargs, key)
                    if plan is None:  # closes over a traced value
                        return self._call_traced(args, kwargs)
                    self._info[key] = plan
                    run = self._plans[key] = plan.run
        if nans.enabled:
            out = run(leaves)
            nans.recheck(self.fun, args, kwargs, out)
            return out
        return run(leaves)

    def trace(self, *args, **kwargs):
        """The IR of this function for these arguments (and their flat array leaves)."""
        static, _, static_kw, dyn_kwargs = self._split(args, kwargs)
        fun = self.fun
        if static_kw:
            kw = dict(static_kw)
            fun = lambda *a, **k: self.fun(*a, **k, **kw)  # noqa: E731
        return trace_pytree_fun(fun, args, dyn_kwargs, tuple(sorted(static)), "jit")

    def _build(self, args, kwargs, key):
        ir, leaves = self.trace(*args, **kwargs)
        if any(isinstance(c, Tracer) for c in ir.consts):
            return None
        reason = "first call" if not self._plans else (
            "new argument shapes or dtypes " + ", ".join(str(a) for a in ir.in_avals))
        plan = _Plan()
        plan.ir = ir

        def ready(fast):  # after the first call: the dict holds the fast runner itself
            if self._plans.get(key) is plan.run:
                self._plans[key] = fast
        plan.run, plan.source = _runner(ir, [np.asarray(c) for c in ir.consts], ir.out_tree,
                                        self.__name__, reason, ready)
        return plan

    def _call_traced(self, args, kwargs):
        """Called on tracers (inside grad, vmap or another jit): bind ``jit_call``, whose rules
        transform this function's IR, so the result is still one compiled function."""
        static, static_vals, static_kw, dyn_kwargs = self._split(args, kwargs)
        dyn = tuple(a for i, a in enumerate(args) if i not in static)
        leaves, treedef = pytree.tree_flatten((dyn, dyn_kwargs))
        key = None
        try:
            key = (treedef, tuple((a.shape, a.dtype.char) for a in map(get_aval, leaves)),
                   static_vals, static_kw)
            hit = self._traced.get(key)
        except TypeError:
            hit = None
        if hit is None:
            ir, leaves = self.trace(*args, **kwargs)
            hit = (_closed(ir), list(ir.consts), ir.out_tree)
            if key is not None and not any(isinstance(c, Tracer) for c in ir.consts):
                self._traced[key] = hit  # the IR object then keys its compiled code
        closed, consts, out_tree = hit
        outs = jit_call_p.bind(*consts, *leaves, ir=closed, name=self.__name__)
        return pytree.tree_unflatten(out_tree, outs)

    def source(self, *args, **kwargs):
        """The generated Python source for these arguments' shapes and dtypes.

        >>> import funcgrad as fg, numpy as np
        >>> print(fg.jit(lambda x: np.tanh(x) * 2.0).source(np.ones(3)))  # doctest: +ELLIPSIS
        def fn(a, P, F64, F32):
            p0 = P[0]
            ...
            for i0 in range(p0):
                # b:f64[3] = tanh a
                b_s = tanh_(a[i0])
        ...
        """
        from .backend import codegen, fusion
        ir, _ = self.trace(*args, **kwargs)
        ir = fusion.inline_calls(ir)
        try:
            return codegen.generate(ir, "fn").text
        except codegen.Unsupported:
            return _runner(ir, list(ir.consts), ir.out_tree, self.__name__, "source")[1]


def _hashable(v):
    try:
        hash(v)
        return True
    except TypeError:
        return False


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


# --- the jit_call primitive: a jitted function applied inside another transformation ----------
# Its impl runs the compiled function; its jvp, vjp and batch rules build the IR of the
# transformed function (eval_ir under that transformation) and bind jit_call on it, so
# grad(jit(f)), jit inside jit and vmap(jit(f)) each still run as one compiled function.

_ir_plans = weakref.WeakKeyDictionary()  # closed IR -> run, and derived IRs by transformation


def _derived(ir, key, build):
    cache = _ir_plans.setdefault(ir, {})
    if key not in cache:
        cache[key] = build()
    return cache[key]


def _jit_call_impl(*args, ir, name):
    run = _derived(ir, "run", lambda: _runner(ir, [], None, name, "call from a transform")[0])
    outs = run(list(args))
    return [np.asarray(o) for o in outs]


def _trace_closed(flat_fun, avals):
    from .core.tracing import trace_to_ir
    traced = trace_to_ir(flat_fun, avals)
    return _closed(traced), list(traced.consts)


def _ir_fun(ir):
    return lambda *xs: eval_ir(ir, [], list(xs))


def _is_float(aval):
    return is_inexact(aval.dtype)


def _jit_call_jvp(primals, tangents, ir, name):
    from .ad import jvp_flat
    n = len(primals)
    nz = tuple(i for i, t in enumerate(tangents) if t is not None)
    out_float = [j for j, a in enumerate(ir.out_avals) if _is_float(a)]

    def build():
        def f(*xs):
            tans = [None] * n
            for k, i in enumerate(nz):
                tans[i] = xs[n + k]
            outs, touts = jvp_flat(_ir_fun(ir), list(xs[:n]), tans)
            return list(outs) + [touts[j] for j in out_float]
        return _trace_closed(f, ir.in_avals + [ir.in_avals[i] for i in nz])

    jir, consts = _derived(ir, ("jvp", nz), build)
    res = jit_call_p.bind(*consts, *primals, *[tangents[i] for i in nz], ir=jir,
                          name=f"jvp({name})")
    m = len(ir.outs)
    t_out = [None] * m
    for k, j in enumerate(out_float):
        t_out[j] = res[m + k]
    return res[:m], t_out


def _ct_aval(a):
    from .core.avals import ShapedArray
    return a if _is_float(a) else ShapedArray(a.shape, np.float64)


def _jit_call_vjp(cts, primals, out, ir, name):
    from .ad import vjp_flat
    n = len(primals)

    def build():
        def f(*xs):
            _, fn, _ = vjp_flat(lambda *a: (_ir_fun(ir)(*a), None), list(xs[:n]))
            return fn(list(xs[n:]))
        return _trace_closed(f, ir.in_avals + [_ct_aval(a) for a in ir.out_avals])

    bir, consts = _derived(ir, "vjp", build)
    cts = [c if _is_float(a) else np.zeros(a.shape, np.float64)
           for c, a in zip(cts, ir.out_avals)]
    res = jit_call_p.bind(*consts, *primals, *cts, ir=bir, name=f"vjp({name})")
    return [r if _is_float(a) else None for r, a in zip(res, ir.in_avals)]


def _jit_call_batch(vals, dims, ir, name):
    from .batching import vmap
    from .core.tracing import get_aval
    avals = tuple(get_aval(v) for v in vals)

    def build():
        return _trace_closed(vmap(_ir_fun(ir), in_axes=tuple(dims)), list(avals))

    bir, consts = _derived(ir, ("vmap", tuple(dims), avals), build)
    outs = jit_call_p.bind(*consts, *vals, ir=bir, name=f"vmap({name})")
    return outs, [0] * len(outs)


jit_call_p = Primitive("jit_call", multiple_results=True, impl=_jit_call_impl,
                       abstract_eval=lambda *avals, ir, name: ir.out_avals,
                       jvp=_jit_call_jvp, vjp=_jit_call_vjp, batch=_jit_call_batch,
                       lowering=Call("ir"))
