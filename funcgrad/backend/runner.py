"""The one entry into the backend: ``compile_ir(ir, ...)`` returns a runner, ``runner(leaves)``.

    IR ──inline calls (passes)──▶ all equations compile? ──yes──▶ NativeRunner: codegen.generate,
                                                          │       compile.compile_source, Numba
                                                          └─no──▶ SegmentedRunner: NativeRunners
                                                                  between equations run by NumPy

Numba is imported only when a native function is first compiled or loaded (``compile`` imports
it), so ``import funcgrad`` and tracing stay cheap.
"""
import sys
import threading
import time
import warnings

import numpy as np

from .. import tree as pytree
from ..core.interpret import evaluator
from ..errors import user_frame
from . import cache, codegen, config, passes, tiered


def compile_ir(ir, consts, out_tree, name, reason, on_ready=None):
    """A runner computing ``ir`` natively: ``runner(leaves)`` returns the outputs as the
    pytree ``out_tree`` (a flat list if None), with NumPy scalars for 0-d results. ``consts``
    are the values of ``ir.const_vars``; ``name`` and ``reason`` label compile logs. Equations
    with no compiled form run with NumPy between compiled segments.

    ``on_ready(fast)``, if given, is called once the native code is compiled, with a function
    that does the same as the runner for this signature at less cost per call (the caller's
    dispatch table then holds it instead of the runner)."""
    ir = passes.inline_calls(ir)
    if all(codegen.numba_dtype(v.aval.dtype) for v in ir.const_vars + ir.in_vars) and \
            all(codegen.compiles(e) for e in passes.live_eqns(ir)):
        return NativeRunner(ir, consts, out_tree, f"{name}: {reason}", on_ready)
    return SegmentedRunner(ir, consts, out_tree, f"{name}: {reason}")


# A compile in the background is asked for after this many times FUNCGRAD_TIER_UP_AFTER (2 s
# by default): it pays back only once it is done (3-7 s for a training step), and meanwhile
# the compile process slows this one, even at nice 19 on another core (on this 2-core machine
# the digits example's epochs took 27-31 ms instead of 26 while it ran; 38-40 ms before its
# stray OpenBLAS thread went, config.compile_process_environment). Asked for at 0.5 s, it
# started in most runs of that 1.7 s script, made them slower, and was killed at exit
# unfinished (benchmarks/RESULTS.md O).
COMPILE_AFTER = 4


class NativeRunner:
    """Runs an IR as one generated module compiled by Numba.

    Made with nothing generated or compiled: the module's source (``source``, ``text``) is
    generated at its first use (``fg.jit(f).source`` makes a runner only to read it). Its
    calls go through three stages:

    1. With tiered execution (``FUNCGRAD_TIERED``, on by default) ``_evaluate`` (the NumPy
       evaluator) answers the calls; once it has spent ``FUNCGRAD_TIER_UP_AFTER`` seconds on
       them with the module in the disk cache, or ``COMPILE_AFTER`` times that without (or
       when ``wait`` is called), a ``tiered.Handover`` starts: the compile process compiles
       the module into the disk cache unless it is there, and a thread here loads it.
       Without it, the first call compiles (or loads) the module itself, and waits.
    2. The first call with the native code ready (``_finish_compile``) calls it through
       ``compile.call_first`` (which logs and explains Numba's errors), then writes ``fast``,
       a function for this signature built as Python source (``fast_call``), and hands it to
       ``on_ready``.
    3. Later calls are ``fast`` (the caller's dispatch table holds it instead of the runner).

    A compile that fails under tiered execution is reported once, as a warning with the
    ``CompileError``'s text, and the evaluator keeps answering. Safe to call from several
    threads at once: one compile, whichever thread comes first.
    """

    def __init__(self, ir, consts, out_tree, label, on_ready=None):
        self.ir, self.consts, self.label, self.on_ready = ir, list(consts), label, on_ready
        self.out_tree = out_tree
        self.finish = _finisher(ir.out_avals, out_tree)
        self._source = None
        self.fn = None  # the compiled main function (a Numba dispatcher), once loaded
        self.fast = None
        self.tiered = config.tiered()  # read now: a test may set it for the functions it makes
        self.tier_up_after = config.tier_up_after() if self.tiered else 0.0
        self.evaluated = 0.0  # seconds the evaluator spent on the calls before the handover
        self.evaluated_calls = 0
        self.cached = None  # whether the disk cache has the module, once asked
        self.signature = None  # the first call's argument types (``tiered.describe``)
        self.handover = None
        self.code_key = None  # the key of ``cache.memory``, once Numba is imported
        self.evaluate = None  # the evaluator's plan, made at its first use
        self.lock = threading.Lock()
        self.beyond_calls = 0  # calls the evaluator answered for ``kernels.BeyondFastRange``

    @property
    def source(self):
        """The generated module (``codegen.Source``), made at its first use: the evaluator's
        calls need none, and making it was a third of the W2 step's first call (7 of 20 ms).
        (Two threads may both make it; the two are equal.)"""
        if self._source is None:
            self._source = codegen.generate(self.ir, "fn")
        return self._source

    @property
    def text(self):
        return self.source.text

    def __call__(self, leaves):
        if self.fast is not None:
            return self.fast(leaves)
        args = self.consts + [a[()] if type(a) is np.ndarray and a.ndim == 0 else a
                              for a in leaves]
        if self.tiered and self.fn is None and not self._compiled_here():
            if self.handover is None:
                return self._evaluate_before_tier_up(leaves, args)
            handover = self.handover
            if not handover.ready.is_set():
                handover.calls += 1
                return self._evaluate(leaves)
            if handover.error is not None:
                self._give_up(handover.error)
                return self._evaluate(leaves)
            self.fn = handover.fn
        with self.lock:
            if self.fn is None:
                self.fn = _compile_source(self.source, self.label)
        return self._finish_compile(args + list(self.source.args()), leaves)

    def _compiled_here(self):
        """Whether this process has compiled this module already (for another signature of
        the same code, such as a new batch size): then it is used at once."""
        if self.handover is None and cache.memory:  # (then Numba is imported)
            if self.code_key is None:
                self.code_key = cache.code_key(self.source.file_text())
            self.fn = cache.memory.get(self.code_key)
        return self.fn is not None

    def _evaluate_before_tier_up(self, leaves, args):
        """Answer with the evaluator, and start the handover once it has spent
        ``tier_up_after`` seconds on this function with the module in the disk cache: loading
        native code costs this process about that much (importing Numba, loading the module),
        which a script that ends sooner would never win back. Without it, ``COMPILE_AFTER``
        times that: a compile costs more (``COMPILE_AFTER``'s comment). A call is answered
        before the handover it starts: that thread holds the interpreter lock at times
        (reading the disk cache, importing Numba to load the code), which the evaluator's
        NumPy calls would wait for (W3's first call: 147 -> 90 ms, benchmarks/RESULTS.md J)."""
        if self.signature is None:
            self.signature = [tiered.describe(a) for a in args]
        t0 = time.perf_counter()
        out = self._evaluate(leaves)
        self.evaluated += time.perf_counter() - t0
        self.evaluated_calls += 1
        if self.evaluated >= self.tier_up_after and self._native_code_pays():
            self._handover()
        return out

    def _native_code_pays(self):
        """With ``tier_up_after`` seconds of evaluator time spent: whether to ask for the
        native code now (see ``_evaluate_before_tier_up``)."""
        if self.evaluated >= self.tier_up_after * COMPILE_AFTER:
            return True
        if self.cached is None:  # asked once: the source's key hashes its text
            self.cached = tiered.in_disk_cache(self.source)
        return self.cached

    def _handover(self):
        with self.lock:
            if self.handover is None:
                args = [tiered.standin(d) for d in self.signature] + list(self.source.args())
                self.handover = tiered.Handover(self.source, self.label, args)
                self.handover.calls = self.evaluated_calls
                if config.log_compiles():
                    print(f"funcgrad: {self.label}: the NumPy evaluator answers the calls until "
                          f"the native code is ready (it answered {self.evaluated_calls} in "
                          f"{self.evaluated:.2f} s before asking for it)", file=sys.stderr)
            return self.handover

    def wait(self, timeout=None):
        """Wait until the calls run native code (tiered execution), at most ``timeout``
        seconds; whether they do (False also when the compile failed, or no call has started
        one: there is nothing to wait for then)."""
        if self.fast is not None or self.fn is not None:
            return True
        handover = self.handover
        if handover is None and self.signature is not None:
            handover = self._handover()  # waiting says the native code is wanted now
        if handover is None or not handover.wait(timeout):
            return False
        return handover.error is None

    def _give_up(self, error):
        """A failed compile: say so once; the evaluator answers from now on."""
        with self.lock:
            if self.fast is not None:
                return
            self.fast = self._evaluate
        warnings.warn(f"funcgrad: {self.label}: {error} The NumPy evaluator keeps answering "
                      "this function's calls.", RuntimeWarning, stacklevel=4)

    def _evaluate(self, leaves):
        """The outputs from the NumPy evaluator (while the native code is not ready)."""
        if self.evaluate is None:  # (simplify: traced IRs repeat equations and keep dead ones)
            self.evaluate = evaluator(passes.simplify(self.ir))
        return self.finish(self.evaluate(self.consts, leaves))  # (outputs of their own)

    def _beyond_fast_range(self, leaves):
        """A call that met an argument beyond a fast kernel's range (``kernels.
        BeyondFastRange``): the NumPy evaluator answers it."""
        if not self.beyond_calls and config.log_compiles():
            from .kernels import TRIG_FAST_LIMIT
            print(f"funcgrad: {self.label}: an argument was beyond the range of a fast kernel "
                  f"(sin or cos of |x| > {TRIG_FAST_LIMIT:g}, log of a subnormal): the NumPy "
                  "evaluator answers such calls", file=sys.stderr)
        self.beyond_calls += 1
        return self._evaluate(leaves)

    def _finish_compile(self, args, leaves):
        """Call the native code the first time (Numba compiles or loads it now, unless the
        handover did), then switch to the fast path."""
        from .compile import call_first  # imports Numba
        try:
            res = call_first(self.fn, args)
        except np.linalg.LinAlgError as err:
            raise linalg_error(err) from None
        in_vars = (self.ir.const_vars + self.ir.in_vars)[len(self.consts):]
        fast = fast_call(self.fn, self.consts, self.source.args(), in_vars,
                         self.ir.out_avals, self.out_tree, self._beyond_fast_range,
                         entry_point(self.fn, args, in_vars))
        with self.lock:
            first, self.fast = self.fast is None, fast
        if first and self.handover is not None and config.log_compiles():
            h = self.handover
            print(f"funcgrad: {self.label}: switched to compiled code ({h.where}) "
                  f"{h.seconds():.2f} s after asking for it; the NumPy evaluator answered the "
                  f"{h.calls} call(s) before", file=sys.stderr)
        if first and self.on_ready is not None:
            self.on_ready(fast)
        return self._beyond_fast_range(leaves) if res is None else self.finish(res)


class SegmentedRunner:
    """Runs an IR some of whose equations have no compiled form: the runs of equations
    between them as ``NativeRunner``s, each of those on its own with NumPy (``impl``)."""

    def __init__(self, ir, consts, out_tree, label):
        self.ir, self.consts = ir, list(consts)
        self.finish = _finisher(ir.out_avals, out_tree)
        self.steps = []
        for kind, part in passes.segments(ir, codegen.compiles):
            self.steps.append((NativeRunner(part, [], None, label) if kind == "ir" else None,
                               part))

    def wait(self, timeout=None):
        """Wait until every compiled part runs native code (``NativeRunner.wait``)."""
        end = None if timeout is None else time.monotonic() + timeout
        return all(run.wait(None if end is None else max(0.0, end - time.monotonic()))
                   for run, _ in self.steps if run is not None)

    @property
    def text(self):
        return "\n".join(f"# {part.prim.name}: no code generator; runs with NumPy\n"
                         if run is None else run.text for run, part in self.steps)

    def __call__(self, leaves):
        env = dict(zip(self.ir.const_vars + self.ir.in_vars, self.consts + list(leaves)))

        def read(x):
            return env[x] if not hasattr(x, "val") else x.val

        for run, part in self.steps:
            if run is None:
                out = part.prim.impl(*[np.asarray(read(x)) for x in part.inputs], **part.params)
                env.update(zip(part.outvars, out if part.prim.multiple_results else [out]))
            else:
                env.update(zip(part.outs, run([read(x) for x in part.in_vars])))
        return self.finish([np.array(read(o)) if np.ndim(read(o)) else read(o)
                            for o in self.ir.outs])


def _compile_source(source, label):
    from .compile import compile_source  # imports Numba
    return compile_source(source, label)


def _finisher(out_avals, out_tree):
    """A function turning a flat list of results into the caller's outputs: the pytree
    ``out_tree`` (a list if None), 0-d results as NumPy scalars of their dtype (compiled code
    returns Python numbers)."""
    rebuild = list if out_tree is None else unflattener(out_tree)
    convs = [a.dtype.type if a.shape == () else None for a in out_avals]
    if all(c is None for c in convs):
        return rebuild
    return lambda res: rebuild([v if c is None else c(v) for c, v in zip(convs, res)])


def entry_point(fn, args, in_vars):
    """The machine code's own entry behind Numba dispatcher ``fn``, for the types of ``args``,
    when every input in ``in_vars`` is a number (None otherwise). Calling it skips the
    dispatcher's typing of each argument, most of a small call's cost. Only for numbers: the
    plan's key fixes their types, while it does not fix an array's layout (a strided array
    needs the dispatcher to pick or compile its own code)."""
    if not all(v.aval.shape == () for v in in_vars) or not hasattr(fn, "overloads"):
        return None  # (pieces run as a Python function: no dispatcher)
    try:
        compiled = fn.overloads.get(tuple(fn.typeof_pyval(a) for a in args))
    except (TypeError, ValueError):
        return None
    return None if compiled is None else compiled.entry_point


def fast_call(fn, consts, tables, in_vars, out_avals, out_tree, beyond, entry=None):
    """``run(leaves)`` for a compiled function, written as Python source for this signature:
    unpack the leaves, pass 0-d arrays as scalars, call, and rebuild the output pytree with
    NumPy scalars for 0-d results, in one function (the dispatch cost of small steps). A call
    that raises ``kernels.BeyondFastRange`` is answered by ``beyond(leaves)``. With ``entry``
    (``entry_point``), it calls that instead of the dispatcher ``fn`` (a Python int beyond
    int64 raises the dispatcher's ``OverflowError`` there too: a Python int is traced as int64,
    so no signature of the dispatcher could take it)."""
    from .compile import NUMBA_ERRORS, explain_numba_error
    from .kernels import BeyondFastRange
    env = {"fn": fn, "ndarray": np.ndarray, "NUMBA_ERRORS": NUMBA_ERRORS,
           "explain": explain_numba_error, "LinAlgError": np.linalg.LinAlgError,
           "linalg_error": linalg_error, "BeyondFastRange": BeyondFastRange, "beyond": beyond}
    if entry is not None:
        env["entry"] = entry
    env.update((f"c{j}", c) for j, c in enumerate(consts))
    env.update((f"t{j}", t) for j, t in enumerate(tables))
    names = [f"a{i}" for i in range(len(in_vars))]
    lines = ["def run(leaves):"]
    if names:
        lines.append(f"    {''.join(n + ', ' for n in names)}= leaves")
    for n, v in zip(names, in_vars):
        if v.aval.shape == ():
            lines += [f"    if type({n}) is ndarray:", f"        {n} = {n}[()]"]
    call = ", ".join([f"c{j}" for j in range(len(consts))] + names +
                     [f"t{j}" for j in range(len(tables))])
    lines += ["    try:", f"        r = {'fn' if entry is None else 'entry'}({call})",
              "    except BeyondFastRange:",
              "        return beyond(leaves)",
              "    except NUMBA_ERRORS as err:",
              "        raise explain(err, fn.__funcgrad_info__['path']) from None",
              "    except LinAlgError as err:",
              "        raise linalg_error(err) from None",
              f"    return {_outputs_expr(env, out_avals, out_tree)}"]
    # the values it reads are a closure's cells, not globals: a cheaper lookup per call
    source = "".join(f"    {line}\n" for line in [*lines, "return run"])
    scope = {}
    exec(f"def make({', '.join(env)}):\n{source}", scope)  # noqa: S102 - built from the avals
    return scope["make"](**env)


def _outputs_expr(env, out_avals, out_tree):
    """The expression rebuilding the outputs from the compiled function's results ``r``."""
    outs = []
    for k, a in enumerate(out_avals):
        if a.shape == ():
            env[f"d{k}"] = a.dtype.type
            outs.append(f"d{k}(r[{k}])")
        else:
            outs.append(f"r[{k}]")
    if out_tree is None:
        return "[" + ", ".join(outs) + "]"
    return _tree_expr(out_tree, outs, env)


def unflattener(treedef):
    """A function rebuilding ``treedef`` from a flat sequence, written for the structure
    (several times faster than the generic walk).

    >>> import funcgrad as fg
    >>> from collections import namedtuple
    >>> P = namedtuple("P", "a b")
    >>> td = fg.tree_util.tree_structure({"p": P(1, [2]), "q": None})
    >>> unflattener(td)([10, 20])
    {'p': P(a=10, b=[20]), 'q': None}
    """
    env = {}
    expr = _tree_expr(treedef, [f"f[{k}]" for k in range(treedef.num_leaves)], env)
    return eval("lambda f: " + expr, env)  # noqa: S307 - built from the treedef


def _tree_expr(td, leaves, env):
    """Python expression building pytree ``td`` from leaf expressions: lists, tuples and dicts
    literally, other nodes (namedtuples, registered types) by a function of their children
    that ``env`` receives (``tree_unflatten`` of that one node)."""
    it = iter(leaves)

    def expr(td):
        if td.kind is None:
            return next(it)
        kids = [expr(c) for c in td.children]
        if td.kind is list:
            return "[" + ", ".join(kids) + "]"
        if td.kind is tuple:
            return "(" + "".join(k + ", " for k in kids) + ")"
        if td.kind is dict and all(type(k) in (str, int) for k in td.aux):
            return "{" + ", ".join(f"{k!r}: {c}" for k, c in zip(td.aux, kids)) + "}"
        if td.kind is type(None):
            return "None"
        name = f"node{len(env)}"
        env[name] = _node_builder(td)
        return f"{name}(({''.join(k + ', ' for k in kids)}))"
    return expr(td)


def _node_builder(td):
    """The function building one node of ``td``'s kind and data from its children."""
    node = pytree.PyTreeDef(td.kind, td.aux, [pytree.LEAF] * len(td.children))
    return lambda children: pytree.tree_unflatten(node, children)


_LINALG_ADVICE = (  # (words in the message of Numba's LAPACK binding, what to say)
    ("infs or nans", "The matrix holds a NaN or an infinity, which LAPACK cannot factor "
                     "(NumPy may return NaNs here instead of raising). Find where it came "
                     "from with `with fg.debug_nans():` around the call, or "
                     "FUNCGRAD_DEBUG_NANS=1."),
    ("positive definite", "cholesky needs a symmetric positive-definite matrix; if yours is "
                          "only semi-definite, add a small multiple of the identity "
                          "(a + 1e-8 * I)."),
    ("singular", "In floating point a pivot was exactly zero. Check for linearly dependent "
                 "rows or columns, or regularize it, e.g. a + 1e-8 * I."),
)


def linalg_error(err):
    """A ``LinAlgError`` from compiled code, saying where and what to do."""
    text = str(err)
    advice = next((a for words, a in _LINALG_ADVICE if words in text.lower()),
                  "LAPACK did not succeed on this matrix; check it for NaNs, infinities "
                  "or a scale far from 1.")
    return np.linalg.LinAlgError(
        f"{text} (in a jitted function called at {user_frame()}). {advice}")
