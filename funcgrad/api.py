"""The front of staging: ``make_ir`` and ``eval_shape`` trace a function to an IR, and ``jit``
compiles it.

A jitted call walks its arguments once into a signature key (``signatures``), finds the plan
for that key with one dict lookup and calls it; a new signature traces the function and asks
the backend for a runner (``backend.compile_ir``). Called on tracers (inside ``grad``,
``vmap`` or another ``jit``), it binds the ``jit_call`` primitive on its IR instead.
"""
import threading
import time
import weakref

import numpy as np

from . import tree as pytree
from .ad import check_leaves, fun_name
from .backend import cache, compile_ir, config
from .backend.bounded import Bounded
from .core import nans
from .core.avals import ShapedArray
from .core.ir import consts_as_inputs
from .core.tracing import Tracer, get_aval, trace_to_ir
from .errors import user_frame
from .jit_call import clear_plans, jit_call_p
from .signatures import FLAT_KEYS, TracedArgument, flat_key, signature, structure_walker


def _static_positions(args, static_argnums, where, hint=""):
    """The positions of the static arguments among ``args``, checked."""
    bad = [a for a in static_argnums if not -len(args) <= a < len(args)]
    if bad:
        raise ValueError(f"{where}: static_argnums={bad[0]} is out of range for a call with "
                         f"{len(args)} positional argument(s) (at {user_frame()}). Static "
                         f"arguments are counted among the positional ones: pass them "
                         f"positionally{hint}.")
    return {a % len(args) for a in static_argnums}


def trace_pytree_fun(fun, args, kwargs, static_argnums=(), where="make_ir"):
    """Trace ``fun(*args, **kwargs)`` on abstract values of its array leaves.

    Returns the IR (with ``in_tree``/``out_tree`` set) and the flat list of array leaves.
    """
    static = _static_positions(args, static_argnums, f"{where}({fun_name(fun)})")
    dyn_args = tuple(a for i, a in enumerate(args) if i not in static)
    leaves, in_tree = pytree.tree_flatten((dyn_args, kwargs))
    check_leaves(leaves, f"{where}({fun_name(fun)})")
    out_tree = []

    def flat_fun(*tracers):
        d_args, kw = pytree.tree_unflatten(in_tree, tracers)
        it = iter(d_args)
        full = [args[i] if i in static else next(it) for i in range(len(args))]
        out_leaves, td = pytree.tree_flatten(fun(*full, **kw))
        out_tree.append(td)
        return out_leaves

    ir = trace_to_ir(flat_fun, [get_aval(x) for x in leaves])
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


_JIT_DISABLED = config.jit_disabled()
_all_jitted = weakref.WeakSet()
MAX_WALKERS = 8  # structure walkers written per jitted function (Jitted._new_walker)


def clear_memory_caches():
    """Forget every jitted function's plans (``fg.clear_cache``)."""
    for j in list(_all_jitted):
        j._plans.clear()
        j._traced.clear()
    clear_plans()


cache.on_clear.append(clear_memory_caches)


class Jitted:
    """A function compiled by ``fg.jit``; call it like the original."""

    def __init__(self, fun, static_argnums, static_argnames):
        self.fun = fun
        self.static_argnums = tuple(static_argnums)
        self.static_argnames = tuple(static_argnames)
        self._plans = Bounded()  # signature -> run(leaves): a runner, then its fast path
        self._traced = Bounded()  # signature -> (closed IR, consts, out_tree), calls on tracers
        self._lock = threading.Lock()
        self._walk = None  # signatures.structure_walker of the pytree arguments last seen
        self._walkers_made = 0
        self.__name__ = getattr(fun, "__name__", "jitted")
        self.__doc__ = getattr(fun, "__doc__", None)
        self.__wrapped__ = fun
        _all_jitted.add(self)

    def __call__(self, *args, **kwargs):
        # The dispatch cost users feel in small steps. The common call (arrays and numbers,
        # positionally) finds its plan by ``flat_key``, built without a call per argument: for
        # such arguments it is the key ``signature`` builds (``test_dispatch``), and for any
        # other (a pytree, a tracer) it finds nothing, so the general path below answers.
        if not kwargs and not nans.enabled:
            run = self._plans.get(FLAT_KEYS.get(len(args), flat_key)(args))
            if run is not None:
                return run(args)
            # pytrees (parameters, optimizer state): the key by a walker written for their
            # structure, the one ``_dispatch`` saw last
            walk = self._walk
            hit = None if walk is None else walk(args)
            if hit is not None:
                run = self._plans.get(hit[0])
                if run is not None:
                    return run(hit[1])
        return self._dispatch(args, kwargs)

    def _dispatch(self, args, kwargs):
        """The general path: one walk over the arguments (leaves and a key of structure,
        shapes and dtypes), one dict lookup, one call of the plan; a new key makes a plan."""
        leaves = []
        try:
            if kwargs or self.static_argnums or _JIT_DISABLED:
                if _JIT_DISABLED:
                    return self.fun(*args, **kwargs)
                static, static_vals, static_kw, dyn_kwargs = self._separate_static(args, kwargs)
                dyn = tuple(a for i, a in enumerate(args) if i not in static)
                key = (signature((dyn, dyn_kwargs), leaves), static_vals, static_kw)
            else:
                key = tuple([signature(a, leaves) for a in args])
                if not nans.enabled and (len(leaves) != len(args) or key != flat_key(args)):
                    self._new_walker(args)  # (debug_nans calls always come here: no walker)
            run = self._plans.get(key)
        except TracedArgument:
            return self._call_traced(args, kwargs)
        if run is None:
            run = self._plan(args, kwargs, key)
            if run is None:  # closes over a traced value
                return self._call_traced(args, kwargs)
        if nans.enabled:
            out = run(leaves)
            nans.recheck(self.fun, args, kwargs, out)
            return out
        return run(leaves)

    def _new_walker(self, args):
        """A walker for the structure of these pytree arguments, unless the one kept fits them;
        at most ``MAX_WALKERS`` per function (one called with ever new structures keeps the
        general path, not a new walker per call)."""
        walk = self._walk
        if (walk is None or walk(args) is None) and self._walkers_made < MAX_WALKERS:
            self._walkers_made += 1
            self._walk = structure_walker(args)

    def _separate_static(self, args, kwargs):
        """The static positions, the static values (positional and keyword: they key the
        plans, so they must be hashable) and the other keyword arguments."""
        static = _static_positions(args, self.static_argnums, f"jit({self.__name__})",
                                   ", or use static_argnames for keyword arguments")
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

    def _plan(self, args, kwargs, key):
        """The plan for a new signature: trace, then a runner from the backend (None if the
        function closes over a traced value)."""
        with self._lock:
            run = self._plans.get(key)
            if run is not None:
                return run
            ir, _ = self.trace(*args, **kwargs)
            if any(isinstance(c, Tracer) for c in ir.consts):
                return None
            reason = "first call" if not self._plans else (
                "new argument shapes or dtypes " + ", ".join(str(a) for a in ir.in_avals))
            runner = None

            def ready(fast):  # after the first call: the dict holds the fast path itself
                if self._plans.get(key) is runner:
                    self._plans[key] = fast
            runner = compile_ir(ir, [np.asarray(c) for c in ir.consts], ir.out_tree,
                                self.__name__, reason, ready)
            self._plans[key] = runner
            return runner

    def trace(self, *args, **kwargs):
        """The IR of this function for these arguments (and their flat array leaves)."""
        static, _, static_kw, dyn_kwargs = self._separate_static(args, kwargs)
        fun = self.fun
        if static_kw:
            kw = dict(static_kw)
            fun = lambda *a, **k: self.fun(*a, **k, **kw)  # noqa: E731
        return trace_pytree_fun(fun, args, dyn_kwargs, tuple(sorted(static)), "jit")

    def _call_traced(self, args, kwargs):
        """Called on tracers (inside grad, vmap or another jit): bind ``jit_call``, whose rules
        transform this function's IR, so the result is still one compiled function."""
        static, static_vals, static_kw, dyn_kwargs = self._separate_static(args, kwargs)
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
            hit = (consts_as_inputs(ir), list(ir.consts), ir.out_tree)
            if key is not None and not any(isinstance(c, Tracer) for c in ir.consts):
                self._traced[key] = hit  # the IR object then keys its compiled code
        closed, consts, out_tree = hit
        outs = jit_call_p.bind(*consts, *leaves, ir=closed, name=self.__name__)
        return pytree.tree_unflatten(out_tree, outs)

    def wait_compiled(self, timeout=None):
        """Wait until the calls made so far run compiled code: with tiered execution (on by
        default, ``FUNCGRAD_TIERED``) a new function's first calls are answered by the NumPy
        evaluator while another process compiles it. At most ``timeout`` seconds (None: no
        limit). Returns whether every signature called so far now runs compiled code (False
        if one failed to compile: that was reported as a warning, and the evaluator answers
        it; True at once with ``FUNCGRAD_TIERED=0``, under which a first call waits itself).

        >>> import funcgrad as fg, numpy as np
        >>> f = fg.jit(lambda x: np.tanh(x) * 2.0)
        >>> y = f(np.ones(3))  # answered at once, by NumPy
        >>> f.wait_compiled()
        True
        >>> bool(np.allclose(f(np.ones(3)), y))  # now by compiled code
        True
        """
        end = None if timeout is None else time.monotonic() + timeout
        ok = True
        for plan in list(self._plans.values()):
            wait = getattr(plan, "wait", None)  # a runner; a fast path is compiled already
            if wait is not None:
                ok &= wait(None if end is None else max(0.0, end - time.monotonic()))
        return ok

    def source(self, *args, **kwargs):
        """The generated Python source for these arguments' shapes and dtypes.

        >>> import funcgrad as fg, numpy as np
        >>> print(fg.jit(lambda x: np.tanh(x) * 2.0).source(np.ones(3)))  # doctest: +ELLIPSIS
        def fn(a, P, F64, F32):
            p0 = P[0]
            ...
            for i0 in range(p0):
                # b:f64[3] = tanh a
                a_e1_ = a[i0]
                b_s = tanh_(a_e1_)
        ...
        """
        ir, _ = self.trace(*args, **kwargs)
        return compile_ir(ir, list(ir.consts), ir.out_tree, self.__name__, "source").text


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
