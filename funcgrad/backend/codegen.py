"""IR -> readable Python source for Numba. No numba import here: generating code is separate
from compiling it, and the same source runs as plain Python (with ``kernels``' functions).

A generated module holds one function per IR (the main one, plus one per branch or loop body of
``cond``/``scan``/``while``). Each takes its IR's inputs and three arrays: ``P``, every size the
code needs (array shapes, slice bounds, loop lengths), and ``F64``/``F32``, the float literals.
Sizes and literal values are read from these at run time and never written into the source, so
the source text is the IR's structure modulo sizes and constants: it is the compile-cache key,
and a new batch size or a new learning rate reuses the compiled function. One exception: a loop
axis of length 1 is written as ``range(1)`` (LLVM then drops the loop); such an axis is
structure anyway, since broadcasting depends on it.

A function is written item by item as ``fusion`` schedules its (optimized: ``passes``) IR, each
item into a ``pieces.Block`` that knows what it reads and defines, so that a long function can
be cut into pieces between items (``pieces``) without reading the text back.

0-d values are Numba scalars; other values are arrays. What to write for an equation comes
from its primitive's lowering record (``core/lowering.py``), declared with the primitive in
``ops/``: loop nests (``fusion``) compute elementwise equations from their scalar expressions
and fold reductions with their identity and combine; any other equation is written by its
record's emitter, against the ``Writer`` methods under "the interface for emitters" (loop nests
are ``loops.LoopNest``). A primitive with no lowering record still runs under jit, by the
runner cutting the IR into segments around it.
"""
import builtins
import collections
import keyword
import re

import numpy as np

from ..core.avals import SHORT_DTYPE_NAMES
from ..core.ir import Lit, Var, fmt_param, var_names
from ..core.lowering import Broadcast, Elementwise, Reduction, Structural, expression
from ..ops import kernel_names as K
from . import fusion, passes
from .dims import Dims
from .loops import LoopNest, tuple_text
from .outline import outline
from .pieces import TABLES, Block, Layout, assemble

# names an IR variable must not take: generated code calls builtins and reads these
RESERVED = set(dir(builtins)) | {"np", "P", "F64", "F32"}
NICE = {0.0, 1.0, -1.0, 2.0, -2.0, 0.5, -0.5, 3.0}
CALL = re.compile(r"\w\(")  # a call of a kernel or NumPy function in a scalar expression


class Unsupported(Exception):
    """An equation this backend cannot emit; ``args[0]`` is the Eqn."""


def dtype_text(dt):
    return f"np.{np.dtype(dt).name}"


def _float_text(x):
    """Python text of a float and a tag for names made of it."""
    if x != x:
        return "np.nan", "nan"
    if x in (float("inf"), float("-inf")):
        return ("np.inf", "inf") if x > 0 else ("-np.inf", "minf")
    text = repr(float(x))
    return text, text.replace("-", "m").replace(".", "p").replace("+", "")


def literal(val, consts=None):
    """Python text of a typed scalar literal. float64 and bool are Python literals; other dtypes
    are module-level NumPy scalars (``f32_0p5 = np.float32(0.5)``), which Numba treats as typed
    constants: float32 stays float32 with no conversion in the code. A complex value is
    ``complex(re, im)`` (Numba's complex128), made a ``np.complex64`` for complex64."""
    val = np.asarray(val)
    dt = val.dtype
    x = val.item()
    if dt == np.bool_:
        return repr(bool(x))
    if dt.kind == "f":
        text, tag = _float_text(x)
        if dt == np.float64:
            return text
    elif dt.kind == "c":
        (re, t1), (im, t2) = _float_text(x.real), _float_text(x.imag)
        text, tag = f"complex({re}, {im})", f"{t1}_{t2}"
        if dt == np.complex128 and consts is None:
            return text
    else:
        text = str(int(x))
        tag = text.replace("-", "m")
    if consts is None:
        return f"np.{dt.name}({text})"
    name = f"{SHORT_DTYPE_NAMES.get(dt.name, dt.name)}_{tag}"
    consts[name] = f"np.{dt.name}({text})"
    return name


class Module:
    """State shared by the functions of one generated module."""

    def __init__(self):
        self.P, self.F64, self.F32 = [], [], []
        self.functions = []  # pieces.Function, callees before their callers
        self.consts = {}  # typed literals: name -> text
        self.count = 0
        self.pieces = []  # how the main function was cut (``pieces.Piece``), if it was
        self.tables = TABLES  # the run-time tables the main function takes

    def add_function(self, ir, base, main=False):
        """Write a function for ``ir``; ``main``: the one called from Python (cut, if long,
        into pieces that Python calls in order) rather than from compiled code."""
        self.count += 1
        name = f"{base}_{self.count}" if self.count > 1 else base
        w = Writer(self, ir, name)
        layout = w.render()
        # the main function is rendered last (its callees while it renders), so the tables are
        # complete: a module that reads none of them takes none (W6: 115 ns less per call)
        tables = () if main and not self.functions and not self.reads_tables() else TABLES
        functions, pieces = assemble(layout, types=w.value_types() if main else None,
                                     tables=tables)
        self.functions.extend(functions)
        if main:
            self.pieces, self.tables = pieces, tables
        return name

    def reads_tables(self):
        """Whether any function of the module reads a size or a float from the tables."""
        return bool(self.P or self.F64 or self.F32)


class Writer:
    """Writes one function for one IR, one block per scheduled item."""

    def __init__(self, mod, ir, fname):
        self.mod, self.fname = mod, fname
        self.tmp = 0
        self.views = set()  # vars that may alias an input or another value
        self.names = {}
        gen = var_names()
        _name_vars(ir, self.names, gen)  # as ``print(ir)`` names them
        ir = self.ir = passes.optimize(ir)
        _name_vars(ir, self.names, gen)  # variables of rewritten products
        self.eqns = ir.eqns
        self.items, self.virtual = fusion.schedule(self.eqns)
        self.escaping = fusion.escaping(self.items, self.virtual, ir.outs)
        self.dims = Dims(self.eqns, self.items)
        self.materialized = set()
        self.inputs = set(ir.const_vars) | set(ir.in_vars)
        self._readers = None  # var -> how many equations read it (and outputs), for reusable()
        self.sizes = {}  # class of equal dimensions -> its name (``p3``)
        self.table_reads = {}  # ``p3`` -> ``p3 = P[3]``, in the order they were made
        self.block = None

    def value_types(self):
        """The type spec (``pieces.Piece``) of each value the generated code holds in a name:
        arrays the code allocates are C-contiguous; views and inputs are left out (their
        layout is the caller's)."""
        out = {}
        for v, name in self.names.items():
            if v in self.views or v in self.inputs:
                continue
            dt = np.dtype(v.aval.dtype).name
            out[name] = ("scalar", dt) if v.aval.shape == () else ("array", dt,
                                                                   len(v.aval.shape))
        return out

    # -- the interface for emitters (a lowering record's ``emit(w, eqn)``) ----------------------
    def size(self, d, dim=None):
        """Text of a run-time size (read from ``P``, never written into the source). ``dim``:
        the ``(var, axis)`` it is the size of; dimensions known equal (``dims``) share one."""
        key = None if dim is None else self.dims.root(dim)
        name = self.sizes.get(key)
        if name is None or self.mod.P[int(name[1:])] != d:
            self.mod.P.append(int(d))
            name = self._table_entry("p", "P", len(self.mod.P) - 1)
            if key is not None:
                self.sizes[key] = name
        self.block.tables.add(name)
        return name

    def shape(self, shape):
        """Text of a shape tuple of run-time sizes."""
        return tuple_text([self.size(d) for d in shape])

    def dtype(self, dt):
        """Text of a dtype: ``np.float32``."""
        return dtype_text(dt)

    def lit(self, val):
        """A literal's text. Float values other than a few structural ones are read from F64/F32
        at run time, so a new constant never changes the source."""
        val = np.asarray(val)
        if (val.dtype not in (np.float64, np.float32) or float(val) in NICE
                or not np.isfinite(val)):
            return literal(val, self.mod.consts)
        is64 = val.dtype == np.float64
        table = self.mod.F64 if is64 else self.mod.F32
        table.append(val.item())
        name = self._table_entry("f" if is64 else "g", "F64" if is64 else "F32", len(table) - 1)
        self.block.tables.add(name)
        return name

    def typed(self, val):
        """Text of a typed literal written into the source (never read from a table): a
        structural constant such as a reduction's identity."""
        return literal(val, self.mod.consts)

    def n(self, x):
        """Text of an atom: a variable's name (scalar for 0-d) or a literal."""
        if isinstance(x, Lit):
            return self.lit(x.val)
        self.block.reads.add(self.names[x])
        return self.names[x]

    def arr(self, x):
        """Text of ``x`` as an array (0-d values are scalars in generated code)."""
        if x.aval.shape:
            return self.n(x)
        return K.full_("()", self.n(x), dtype_text(x.aval.dtype))

    def fresh(self, base="t"):
        """A new local name."""
        self.tmp += 1
        return f"{base}{self.tmp}_"

    def emit(self, line, depth=1):
        """Write a line, indented ``depth`` levels inside the function."""
        self.block.lines.append("    " * depth + line)

    def loops(self, dims):
        """Emit a loop nest over ``dims`` (size texts); its fresh index names."""
        idx = [self.fresh("k") for _ in dims]
        for j, (i, d) in enumerate(zip(idx, dims)):
            self.emit(f"for {i} in range({d}):", 1 + j)
        return idx

    def assign(self, v, expr, view=False):
        """Write ``v = expr``; ``view``: the value may alias an input or another value."""
        self.emit(f"{self.define(v)} = {expr}")
        if view:
            self.views.add(v)

    def assign_shaped(self, v, array_expr):
        """Assign an array result, or its only element when ``v`` is 0-d."""
        if v.aval.shape == ():
            self.emit(f"{self.define(v)} = {array_expr}.ravel()[0]")
        else:
            self.emit(f"{self.define(v)} = {array_expr}")

    def rows3(self, x, axis):
        """Text of ``x`` as a C-contiguous (before, n, after) array around ``axis``, and the
        sizes before and after."""
        shape = x.aval.shape
        pre = int(np.prod(shape[:axis], dtype=np.int64))
        post = int(np.prod(shape[axis + 1:], dtype=np.int64))
        return K.reshape_(self.arr(x), f"({self.size(pre)}, {self.size(shape[axis])}, "
                                       f"{self.size(post)})"), pre, post

    def reusable(self, x):
        """Whether an emitter may write into ``x``'s array instead of a copy: an array this
        function made (not an input, a constant or a view), read by no other equation, not
        returned (``x.at[i].set(v)`` chains then update one buffer in place)."""
        if self._readers is None:
            self._readers = collections.Counter(
                y for e in self.eqns for y in e.inputs if isinstance(y, Var))
            self._readers.update(o for o in self.ir.outs if isinstance(o, Var))
        return (isinstance(x, Var) and bool(x.aval.shape) and x not in self.inputs
                and x not in self.views and self._readers[x] == 1)

    def function(self, ir):
        """Write a function of this module for ``ir`` (a branch, a loop body); its name."""
        return self.mod.add_function(ir, self.fname)

    def call(self, fname, args):
        """Text of a call of a function of this module on argument texts."""
        return f"{fname}({''.join(a + ', ' for a in args)}P, F64, F32)"

    # -- names, comments, blocks ----------------------------------------------------------------
    def define(self, v):
        """The name of ``v``, which the current block writes."""
        self.block.defines.add(self.names[v])
        return self.names[v]

    def _table_entry(self, prefix, table, k):
        name = f"{prefix}{k}"
        self.table_reads[name] = f"{name} = {table}[{k}]"
        return name

    def comment(self, e, depth=1):
        """The equation ``e`` as a comment line, as ``print(ir)`` shows it."""
        outs = " ".join(f"{self.names[v]}:{v.aval.str_short()}" for v in e.outvars)
        params = ", ".join(f"{k}={fmt_param(v)}" for k, v in e.params.items())
        args = " ".join(self.names[x] if isinstance(x, Var) else repr(x) for x in e.inputs)
        self.emit(f"# {outs} = {e.prim.name}{'[' + params + ']' if params else ''} {args}",
                  depth)

    def comment_reads(self, e, depth, done):
        """Comment lines for the broadcasts ``e`` reads through index maps (they are never
        computed, so no other line names them), those not in ``done`` yet."""
        for x in e.inputs:
            chain = []
            while isinstance(x, Var) and x in self.virtual and x not in done:
                done.add(x)
                chain.append(self.virtual[x])
                x = self.virtual[x].inputs[0]
            for b in reversed(chain):
                self.comment(b, depth)

    # -- driver --------------------------------------------------------------------------------
    def render(self):
        """The function, laid out in blocks (``pieces.Layout``)."""
        blocks = []
        for it in self.items:
            blocks.append(self._start())
            if isinstance(it, fusion.Group):
                LoopNest(self, it).render()
            else:
                self.single(it.eqn)
            self._finish()
        blocks.append(self._start())
        for o in self.ir.outs:
            self.materialize(o)
        self._finish()
        ret = self._start()
        self.emit("return (" + "".join(f"{o}, " for o in self._returned()) + ")")
        self._finish()
        params = [self.names[v] for v in self.ir.const_vars + self.ir.in_vars]
        return Layout(self.fname, params, [b for b in blocks if b.lines], ret, self.table_reads)

    def _start(self):
        self.block = Block()
        return self.block

    def _finish(self):
        self.block.reads -= self.block.defines

    def _returned(self):
        outs, seen = [], set()
        for o in self.ir.outs:
            if isinstance(o, Lit):
                outs.append(self.lit(o.val))
                continue
            name = self.n(o)
            if o.aval.shape != () and (o in self.views or o in self.inputs or o in seen):
                name += ".copy()"  # outputs are fresh arrays the caller owns
            seen.add(o)
            outs.append(name)
        return outs

    def single(self, e):
        """An equation on its own: its emitter writes it."""
        low = e.prim.lowering
        if not isinstance(low, (Structural, Reduction)):
            raise Unsupported(e)
        for x in e.inputs:
            self.materialize(x)
        self.comment(e)
        if isinstance(low, Reduction):  # of a literal (others join a loop nest): itself
            self.assign(e.outvars[0], self.n(e.inputs[0]))
        else:
            low.emit(self, e)

    # -- broadcasts: read through index maps, built only where an array is needed -----------
    def at(self, x, ix, local=None):
        """Text of element ``ix`` (index texts, one per axis) of ``x``, following broadcasts
        back to their operand."""
        while isinstance(x, Var) and x in self.virtual:
            e = self.virtual[x]
            src = e.inputs[0]
            if isinstance(src, Var):
                ix = ["0" if src.aval.shape[k] == 1 and x.aval.shape[d] != 1 else ix[d]
                      for k, d in enumerate(e.params["dims"])]
            x = src
        if isinstance(x, Lit):
            return self.lit(x.val)
        if local is not None and x in local:
            return local[x]
        if x.aval.shape == ():
            return self.n(x)
        return f"{self.n(x)}[{', '.join(ix)}]"

    def materialize(self, x):
        """Write a broadcast value to an array (for an emitter, an output or a call)."""
        if not isinstance(x, Var) or x not in self.virtual or x in self.materialized:
            return
        self.materialized.add(x)
        e = self.virtual[x]
        self.comment_reads(e, 1, set(self.materialized))
        self.comment(e)
        shape = x.aval.shape
        if not shape:
            self.emit(f"{self.define(x)} = {self.at(x, [])}")
            return
        dims = [self.size(d, (x, j)) for j, d in enumerate(shape)]
        self.emit(f"{self.define(x)} = {K.empty_(tuple_text(dims), dtype_text(x.aval.dtype))}")
        idx = self.loops(dims)
        self.emit(f"{self.names[x]}[{', '.join(idx)}] = {self.at(x, idx)}", 1 + len(shape))

    def scalar_expr(self, e, read, fast=False):
        """An elementwise equation's expression in its operands (``read(x)`` gives the text of
        one); ``fast``: with its record's fast kernel."""
        low = e.prim.lowering
        dt = e.outvars[0].aval.dtype
        args = [read(x) for x in e.inputs]
        expr = None
        if low.special is not None:
            expr = low.special(e, args, lambda val: literal(np.asarray(val, dt), self.mod.consts))
        if expr is None:
            params = dict(e.params)
            if "dtype" in params:
                params["dtype"] = dtype_text(params["dtype"])
            expr = expression(_for_operands(low.fast if fast else low.scalar, e), args, params)
        # Keep the dtype: integer arithmetic wraps (Numba computes in 64 bits), and kernels
        # compute float32 in float64 (a float32 twin's result needs no cast, but is cast as
        # cheaply). float32 arithmetic on float32 values needs no cast.
        if (dt.kind in "iu" or dt in (np.float32, np.complex64) and CALL.search(expr)) and \
                not expr.startswith(dtype_text(dt) + "("):
            expr = f"{dtype_text(dt)}({expr})"
        return expr


def _for_operands(kernel, e):
    """``kernel`` (a template or a ``Kernel``), or its twin for ``e``'s operands."""
    return kernel if isinstance(kernel, str) else kernel.for_eqn(e)


def _name_vars(ir, names, gen):
    """Name the variables of ``ir`` not named yet, in order of appearance, as ``print(ir)``
    does (a name that is a Python keyword or one generated code uses gets a ``_``)."""
    for v in list(ir.const_vars) + list(ir.in_vars) + [o for e in ir.eqns for o in e.outvars]:
        if v not in names:
            name = next(gen)
            if keyword.iskeyword(name) or name in RESERVED:
                name += "_"
            names[v] = name


def can_emit(e):
    """Whether ``e`` (and every IR inside it) has a code generator."""
    low = e.prim.lowering
    if isinstance(low, (Elementwise, Broadcast, Reduction)):
        return True
    if not isinstance(low, Structural):
        return False
    for key in low.irs:
        irs = e.params[key]
        for sub in (irs if isinstance(irs, tuple) else (irs,)):
            if not all(can_emit(q) for q in sub.eqns):
                return False
    return True


def numba_dtype(dt):
    """Whether Numba computes with arrays of dtype ``dt``."""
    return dt.kind in "biu" or dt in (np.float32, np.float64, np.complex64, np.complex128)


def compiles(e):
    """Whether ``e`` has a compiled form: a code generator, and results of dtypes Numba has."""
    return can_emit(e) and all(numba_dtype(v.aval.dtype) for v in e.outvars)


HEADER = """# Generated by funcgrad from an IR; the comments are the IR's equations.
import numpy as np
from numba import njit
from funcgrad.backend.kernels import *  # noqa: F401,F403
from funcgrad.backend.nests import nest  # noqa: F401

"""
DECORATOR = "@njit(cache={cache}, error_model='numpy', no_cfunc_wrapper=True)\n"


class Source:
    """A generated module: its functions (``pieces.Function``), typed literals, and the
    run-time tables its functions read. ``text`` is what ``fg.jit(f).source()`` shows."""

    __slots__ = ("functions", "consts", "text", "fname", "P", "F64", "F32", "pieces", "tables",
                 "_outlined")

    def __init__(self, functions, consts, fname, P, F64, F32, pieces=(), tables=TABLES):
        self.functions, self.consts, self.fname = list(functions), consts, fname
        self.text = self._join(lambda f: f.text)
        self.pieces, self.tables = list(pieces), tuple(tables)
        self.P = np.array(P, np.int64)
        self.F64 = np.array(F64, np.float64)
        self.F32 = np.array(F32, np.float32)
        self._outlined = None

    def file_text(self, cached=True):
        """The module file: a header, then every function with the decorator that compiles it
        (``cache``: Numba keeps its machine code beside the file), but a main function cut into
        pieces, which runs in Python (``pieces``), and its loops outlined into ``@nest``
        functions (``outline``). Its hash is the compile-cache key."""
        if self._outlined is None:
            self._outlined = [g for f in self.functions for g in outline(f)]
        decorator = DECORATOR.format(cache=cached)
        return HEADER + self._join(lambda f: decorator + f.text if f.native else f.text,
                                   self._outlined)

    def _join(self, text, functions=None):
        consts = "".join(f"{k} = {v}\n" for k, v in sorted(self.consts.items()))
        return (consts + "\n\n" if consts else "") + "\n\n".join(
            map(text, self.functions if functions is None else functions))

    def args(self):
        """The run-time tables the main function takes after its inputs."""
        return tuple(getattr(self, t) for t in self.tables)


def generate(ir, fname="fn"):
    """The module source for ``ir`` (its main function is ``fname``).

    Raises ``Unsupported(eqn)`` for an equation that has no code generator."""
    mod = Module()
    mod.add_function(ir, fname, main=True)
    return Source(mod.functions, mod.consts, fname, mod.P, mod.F64, mod.F32, mod.pieces,
                  mod.tables)
