"""The one entry into the backend: ``compile_ir(ir, ...)`` returns a runner, ``runner(leaves)``.

    IR ──inline calls (passes)──▶ all equations compile? ──yes──▶ NativeRunner: codegen.generate,
                                                          │       compile.compile_source, Numba
                                                          └─no──▶ SegmentedRunner: NativeRunners
                                                                  between equations run by NumPy

Numba is imported only when a native function is first compiled or loaded (``compile`` imports
it), so ``import funcgrad`` and tracing stay cheap.
"""
import threading

import numpy as np

from .. import tree as pytree
from ..core.interpret import eval_ir
from ..errors import user_frame
from . import codegen, config, passes


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


class NativeRunner:
    """Runs an IR as one generated module compiled by Numba.

    Made with the module's source (``source.text``) and nothing compiled (``fg.jit(f).source``
    makes one only to read it). The first call writes the module file and compiles it (or loads
    it from the disk cache: ``compile.call_first``) and calls it, then
    writes ``fast``, a function for this signature built as Python source (``fast_call``), hands
    it to ``on_ready`` and uses it from then on.

    With ``FUNCGRAD_COMPILE_IN_BACKGROUND`` the first call starts a ``BackgroundCompile`` and
    the NumPy evaluator (``eval_ir``) answers the calls until it is done. Tiered execution
    belongs here too: a compile in another process instead of a thread (so that Numba never
    holds this process's interpreter lock), started by ``__call__`` in place of the thread,
    with ``_evaluate`` answering meanwhile and ``_finish_compile`` taking over once the
    process has left the machine code in the disk cache.
    """

    def __init__(self, ir, consts, out_tree, label, on_ready=None):
        self.ir, self.consts, self.label, self.on_ready = ir, list(consts), label, on_ready
        self.out_tree = out_tree
        self.finish = _finisher(ir.out_avals, out_tree)
        self.source = codegen.generate(ir, "fn")
        self.fn = None  # the compiled main function (a Numba dispatcher), once loaded
        self.fast = None
        # In background mode nothing here touches Numba (not even its import) until a thread
        # does: the first calls run on the NumPy evaluator meanwhile.
        self.in_background = config.compile_in_background()
        self.compiling = None  # the BackgroundCompile

    @property
    def text(self):
        return self.source.text

    def __call__(self, leaves):
        if self.fast is not None:
            return self.fast(leaves)
        args = self.consts + [a[()] if type(a) is np.ndarray and a.ndim == 0 else a
                              for a in leaves] + list(self.source.args())
        if self.in_background:
            if self.compiling is None:
                self.compiling = BackgroundCompile(self.source, self.label, args)
            if self.compiling.running():
                return self._evaluate(leaves)
            self.fn = self.compiling.result()
        elif self.fn is None:
            self.fn = _compile_source(self.source, self.label)
        return self._finish_compile(args)

    def _evaluate(self, leaves):
        """The outputs from the NumPy evaluator (while the native code is not ready)."""
        outs = eval_ir(self.ir, self.consts, leaves)
        return self.finish([np.array(o) if np.ndim(o) else o for o in outs])

    def _finish_compile(self, args):
        """Call the native code the first time (Numba compiles or loads it now, if no thread
        did), then switch to the fast path."""
        from .compile import call_first  # imports Numba
        try:
            res = call_first(self.fn, args)
        except np.linalg.LinAlgError as err:
            raise linalg_error(err) from None
        in_vars = (self.ir.const_vars + self.ir.in_vars)[len(self.consts):]
        self.fast = fast_call(self.fn, self.consts, self.source.args(), in_vars,
                              self.ir.out_avals, self.out_tree)
        if self.on_ready is not None:
            self.on_ready(self.fast)
        return self.finish(res)


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


class BackgroundCompile:
    """A daemon thread that imports Numba, loads or compiles ``source`` for the types of
    ``args``; ``result()`` is the compiled function (or raises the error, explained)."""

    def __init__(self, source, label, args):
        self.fn, self.error = None, None
        self.thread = threading.Thread(target=self._work, args=(source, label, args),
                                       name="funcgrad-compile", daemon=True)
        self.thread.start()

    def _work(self, source, label, args):
        try:
            from .compile import compile_now
            fn = _compile_source(source, label)
            compile_now(fn, args)
            self.fn = fn
        except Exception as err:  # raised by the next call
            self.error = err

    def running(self):
        return self.thread.is_alive()

    def result(self):
        if self.error is not None:
            raise self.error
        return self.fn


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


def fast_call(fn, consts, tables, in_vars, out_avals, out_tree):
    """``run(leaves)`` for a compiled function, written as Python source for this signature:
    unpack the leaves, pass 0-d arrays as scalars, call, and rebuild the output pytree with
    NumPy scalars for 0-d results, in one function (the dispatch cost of small steps)."""
    from .compile import NUMBA_ERRORS, explain_numba_error
    env = {"fn": fn, "ndarray": np.ndarray, "NUMBA_ERRORS": NUMBA_ERRORS, "pytree": pytree,
           "explain": explain_numba_error, "LinAlgError": np.linalg.LinAlgError,
           "linalg_error": linalg_error}
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
    lines += ["    try:", f"        r = fn({call})", "    except NUMBA_ERRORS as err:",
              "        raise explain(err, fn.__funcgrad_info__['path']) from None",
              "    except LinAlgError as err:",
              "        raise linalg_error(err) from None",
              f"    return {_outputs_expr(env, out_avals, out_tree)}"]
    exec("\n".join(lines), env)  # noqa: S102 - source built above from the IR's avals
    return env["run"]


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
    try:
        return _tree_expr(out_tree, outs)
    except TypeError:
        env["td"] = out_tree
        return f"pytree.tree_unflatten(td, [{', '.join(outs)}])"


def unflattener(treedef):
    """A function rebuilding ``treedef`` from a flat sequence (written for the structure when it
    is made of lists, tuples and dicts: several times faster than the generic walk)."""
    try:
        n = treedef.num_leaves
        return eval("lambda f: " + _tree_expr(treedef, [f"f[{k}]" for k in range(n)]))  # noqa: S307
    except TypeError:
        return lambda f: pytree.tree_unflatten(treedef, list(f))


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


def linalg_error(err):
    """A ``LinAlgError`` from compiled code, saying where and what to do."""
    return np.linalg.LinAlgError(
        f"{err} (in a jitted function called at {user_frame()}). The matrix is singular or "
        "not positive definite; in floating point a pivot was exactly zero. Regularize it, "
        "e.g. a + 1e-8 * I.")
