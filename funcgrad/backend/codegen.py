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

0-d values are Numba scalars; other values are arrays. What to write for an equation comes
from its primitive's lowering record (``core/lowering.py``), declared with the primitive in
``ops/``: loop nests (``fusion``) compute elementwise equations from their scalar expressions
and fold reductions with their identity and combine; any other equation is written by its
record's emitter, against the ``Writer`` methods under "the interface for emitters". A primitive
with no lowering record still runs under jit, by the caller splitting the function around it.
"""
import builtins
import collections
import keyword
import re

import numpy as np

from ..core.ir import IR, Lit, Var
from ..core.ir import _names as _name_stream
from ..core.lowering import Broadcast, Elementwise, Reduction, Structural, expression
from ..ops import kernel_names as K
from . import fusion
from .split import split_function

# names an IR variable must not take: generated code calls builtins and reads these
RESERVED = set(dir(builtins)) | {"np", "P", "F64", "F32"}
NICE = {0.0, 1.0, -1.0, 2.0, -2.0, 0.5, -0.5, 3.0}
BLOCK = 256  # innermost-loop block for vectorizable reductions (fits in L1)
CALL = re.compile(r"\w\(")  # a call of a kernel or NumPy function in a scalar expression


class Unsupported(Exception):
    """An equation this backend cannot emit; ``args[0]`` is the Eqn."""


def _tuple(texts):
    """Text of a tuple of texts: ``(p0, p1, )``."""
    return "(" + "".join(t + ", " for t in texts) + ")"


def dtype_text(dt):
    return f"np.{np.dtype(dt).name}"


_SHORT = {"float32": "f32", "float16": "f16", "int64": "i64", "int32": "i32", "int16": "i16",
          "int8": "i8", "uint64": "u64", "uint32": "u32", "uint16": "u16", "uint8": "u8",
          "complex64": "c64", "complex128": "c128"}


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
    name = f"{_SHORT.get(dt.name, dt.name)}_{tag}"
    consts[name] = f"np.{dt.name}({text})"
    return name


class Module:
    """State shared by the functions of one generated module."""

    def __init__(self):
        self.P, self.F64, self.F32 = [], [], []
        self.functions = []
        self.consts = {}  # typed literals: name -> text
        self.count = 0
        self.pieces = []  # how the main function was split (``split.Piece``), if it was

    def add_function(self, ir, base, main=False):
        """Write a function for ``ir``; ``main``: the one called from Python (split, if long,
        into pieces that Python calls in order) rather than from compiled code."""
        self.count += 1
        name = f"{base}_{self.count}" if self.count > 1 else base
        w = Writer(self, ir, name)
        text = w.generate()
        texts, pieces = split_function(text, types=w.value_types() if main else None)
        self.functions.extend(texts)
        if main:
            self.pieces = pieces
        return name


class Writer:
    """Writes one function for one IR."""

    def __init__(self, mod, ir, fname):
        self.mod, self.ir, self.fname = mod, ir, fname
        self.lines, self.prologue = [], []
        self.tmp = 0
        self.views = set()  # vars that may alias an input or another value
        self.names = {}
        gen = _name_stream()

        def name_all(ir):  # as ``print(ir)`` names them: in order of appearance
            for v in list(ir.const_vars) + list(ir.in_vars) + [o for e in ir.eqns
                                                               for o in e.outvars]:
                if v not in self.names:
                    name = next(gen)
                    if keyword.iskeyword(name) or name in RESERVED:
                        name += "_"
                    self.names[v] = name

        name_all(ir)
        ir = self.ir = fusion.simplify(fusion.rewrite(fusion.inline_calls(ir)))
        name_all(ir)  # variables of inlined calls and of rewritten products
        self.eqns = ir.eqns
        self.virtual, self.materialized = {}, set()
        self.inputs = set(ir.const_vars) | set(ir.in_vars)
        self._readers = None  # var -> how many equations read it (and outputs), for reusable()

    def value_types(self):
        """The type spec (``split.Piece``) of each value the generated code holds in a name:
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
    def size(self, d):
        """Text of a run-time size (read from ``P``, never written into the source)."""
        self.mod.P.append(int(d))
        k = len(self.mod.P) - 1
        self.prologue.append(f"p{k} = P[{k}]")
        return f"p{k}"

    def shape(self, shape):
        """Text of a shape tuple of run-time sizes."""
        return _tuple([self.size(d) for d in shape])

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
        k = len(table) - 1
        name = f"{'f' if is64 else 'g'}{k}"
        self.prologue.append(f"{name} = {'F64' if is64 else 'F32'}[{k}]")
        return name

    def n(self, x):
        """Text of an atom: a variable's name (scalar for 0-d) or a literal."""
        return self.lit(x.val) if isinstance(x, Lit) else self.names[x]

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
        self.lines.append("    " * depth + line)

    def loops(self, dims):
        """Emit a loop nest over ``dims`` (size texts); its fresh index names."""
        idx = [self.fresh("k") for _ in dims]
        for j, (i, d) in enumerate(zip(idx, dims)):
            self.emit(f"for {i} in range({d}):", 1 + j)
        return idx

    def assign(self, v, expr, view=False):
        """Write ``v = expr``; ``view``: the value may alias an input or another value."""
        self.emit(f"{self.names[v]} = {expr}")
        if view:
            self.views.add(v)

    def assign_shaped(self, v, array_expr):
        """Assign an array result, or its only element when ``v`` is 0-d."""
        if v.aval.shape == ():
            self.emit(f"{self.names[v]} = {array_expr}.ravel()[0]")
        else:
            self.emit(f"{self.names[v]} = {array_expr}")

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

    # -- writing -------------------------------------------------------------------------------
    def comment(self, e, depth=1):
        outs = " ".join(f"{self.names[v]}:{v.aval.str_short()}" for v in e.outvars)
        params = ", ".join(f"{k}={_fmt_param(v)}" for k, v in e.params.items())
        args = " ".join(self.names[x] if isinstance(x, Var) else repr(x) for x in e.inputs)
        self.emit(f"# {outs} = {e.prim.name}{'[' + params + ']' if params else ''} {args}",
                  depth)

    # -- driver --------------------------------------------------------------------------------
    def generate(self):
        ir = self.ir
        items, self.virtual = fusion.schedule(self.eqns)
        self.escaping = fusion.escaping(items, self.virtual, ir.outs)
        for it in items:
            if isinstance(it, fusion.Group):
                self.group(it)
            else:
                self.single(it.eqn)
        for o in ir.outs:
            self.materialize(o)
        outs, seen = [], set()
        for o in ir.outs:
            if isinstance(o, Lit):
                outs.append(self.lit(o.val))
                continue
            name = self.names[o]
            if o.aval.shape != () and (o in self.views or o in self.inputs or o in seen):
                name += ".copy()"  # outputs are fresh arrays the caller owns
            seen.add(o)
            outs.append(name)
        self.emit("return (" + "".join(f"{o}, " for o in outs) + ")")
        params = [self.names[v] for v in ir.const_vars + ir.in_vars] + ["P", "F64", "F32"]
        head = [f"def {self.fname}({', '.join(params)}):"]
        return "\n".join(head + ["    " + p for p in self.prologue] + self.lines) + "\n"

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
            return self.names[x]
        return f"{self.names[x]}[{', '.join(ix)}]"

    def materialize(self, x):
        """Write a broadcast value to an array (for an emitter, an output or a call)."""
        if not isinstance(x, Var) or x not in self.virtual or x in self.materialized:
            return
        self.materialized.add(x)
        self.comment(self.virtual[x])
        shape = x.aval.shape
        if not shape:
            self.emit(f"{self.names[x]} = {self.at(x, [])}")
            return
        dims = [self.size(d) for d in shape]
        self.emit(f"{self.names[x]} = {K.empty_(_tuple(dims), dtype_text(x.aval.dtype))}")
        idx = self.loops(dims)
        self.emit(f"{self.names[x]}[{', '.join(idx)}] = {self.at(x, idx)}", 1 + len(shape))

    # -- loop nests ----------------------------------------------------------------------------
    def group(self, g):
        shape, r = g.shape, len(g.shape)
        idx = [f"i{j}" for j in range(r)]
        index = ", ".join(idx)
        local = {}
        # a unit axis is structure, not a size (broadcasting already depends on it): a literal
        # 1 lets LLVM drop that loop, which otherwise costs a loop entry per outer iteration
        dims = ["1" if s == 1 else self.size(s) for s in shape]
        stored = [e.outvars[0] for e in g.members if e.outvars[0] in self.escaping]
        if r:
            for v in stored:
                self.emit(f"{self.names[v]} = {K.empty_(_tuple(dims), dtype_text(v.aval.dtype))}")

        def read(x):
            if r == 0 and isinstance(x, Var) and x not in self.virtual:
                return self.names[x]
            return self.at(x, idx, local)

        # Reductions: a scalar accumulator when the kept axes lead (reset at that loop depth),
        # else an array accumulator updated in the innermost loop. A scalar accumulator over
        # the innermost axis is a serial chain LLVM will not reorder, so that loop is blocked:
        # values go to a small buffer (vectorized loop) that a kernel with eight partial sums
        # folds into the accumulator.
        reds = []
        for e in g.reductions:
            axes = tuple(sorted(e.params["axes"]))
            kept = [i for i in range(r) if i not in axes]
            depth = len(kept) if kept == list(range(len(kept))) else None
            reds.append((e, axes, kept, depth))
        blocked = r > 0 and any(d is not None and d < r for _, _, _, d in reds)
        for e, axes, kept, depth in reds:
            v = e.outvars[0]
            if blocked and depth is not None and depth < r:
                self.emit(f"{self.names[v]}_b = {K.empty_(str(BLOCK), dtype_text(v.aval.dtype))}")
        # sin/cos: the loop runs with the vectorizable kernels, valid for moderate arguments;
        # if any argument was beyond that range, it runs again with the exact ones.
        trig = r > 0 and any(_fast(e) for e in g.members)
        flag = self.fresh("big") if trig else None

        def update(e, acc, val):
            dt = e.outvars[0].aval.dtype
            expr = expression(e.prim.lowering.combine, [acc, val])
            return expr if dt.kind in "fc" else f"{dtype_text(dt)}({expr})"

        def identity(e):
            low = e.prim.lowering
            return literal(low.identity(e.outvars[0].aval.dtype), self.mod.consts)

        def body(depth, block_var, fast):
            for e in g.members:
                self.comment(e, depth)
                v = e.outvars[0]
                low = e.prim.lowering
                fast_form = fast and _fast(e)
                expr = self.scalar_expr(e, read, fast_form)
                if fast_form:
                    self.emit(f"{flag} = {flag} | {low.beyond(read(e.inputs[0]))}", depth)
                if not r:
                    self.emit(f"{self.names[v]} = {expr}", depth)
                    continue
                s = f"{self.names[v]}_s"
                self.emit(f"{s} = {expr}", depth)
                local[v] = s
                if v in self.escaping:
                    self.emit(f"{self.names[v]}[{index}] = {s}", depth)
            for e, axes, kept, d in reds:
                self.comment(e, depth)
                v = e.outvars[0]
                val = read(e.inputs[0])
                acc = f"{self.names[v]}_a"
                if d is None:
                    tgt = f"{self.names[v]}[{', '.join(idx[i] for i in kept)}]"
                    self.emit(f"{tgt} = {update(e, tgt, val)}", depth)
                elif block_var is not None and d < r:
                    self.emit(f"{self.names[v]}_b[{block_var}] = {val}", depth)
                else:
                    self.emit(f"{acc} = {update(e, acc, val)}", depth)

        def level(j, depth, fast):
            for e, axes, kept, d in reds:
                if d == j:
                    self.emit(f"{self.names[e.outvars[0]]}_a = {identity(e)}", depth)
            if j == r:
                body(depth, None, fast)
            elif j == r - 1 and blocked:
                n = dims[j]
                b0, b1, jj = self.fresh("lo"), self.fresh("hi"), self.fresh("j")
                self.emit(f"for {b0} in range(0, {n}, {BLOCK}):", depth)
                self.emit(f"{b1} = min({b0} + {BLOCK}, {n})", depth + 1)
                self.emit(f"for {idx[j]} in range({b0}, {b1}):", depth + 1)
                self.emit(f"{jj} = {idx[j]} - {b0}", depth + 2)
                body(depth + 2, jj, fast)
                for e, axes, kept, d in reds:
                    if d is not None and d < r:
                        name = self.names[e.outvars[0]]
                        fold = e.prim.lowering.block(f"{name}_a", f"{name}_b", f"{b1} - {b0}")
                        self.emit(f"{name}_a = {fold}", depth + 1)
            else:
                self.emit(f"for {idx[j]} in range({dims[j]}):", depth)
                level(j + 1, depth + 1, fast)
            for e, axes, kept, d in reds:
                if d == j:
                    v = e.outvars[0]
                    tgt = self.names[v] + (f"[{', '.join(idx[:j])}]" if kept else "")
                    self.emit(f"{tgt} = {self.names[v]}_a", depth)

        def nest(depth, fast):
            for e, axes, kept, d in reds:
                v = e.outvars[0]
                if kept:
                    out_dims, dt = _tuple([dims[i] for i in kept]), dtype_text(v.aval.dtype)
                    made = K.empty_(out_dims, dt) if d is not None else \
                        K.full_(out_dims, identity(e), dt)
                    self.emit(f"{self.names[v]} = {made}", depth)
            level(0, depth, fast)

        if trig:
            self.emit(f"{flag} = False")
            nest(1, True)
            self.emit(f"if {flag}:")
            nest(2, False)
        else:
            nest(1, False)

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
            expr = expression(low.fast if fast else low.scalar, args, params)
        # Keep the dtype: integer arithmetic wraps (Numba computes in 64 bits), and kernels
        # compute float32 in float64. float32 arithmetic on float32 values needs no cast.
        if (dt.kind in "iu" or dt in (np.float32, np.complex64) and CALL.search(expr)) and \
                not expr.startswith(dtype_text(dt) + "("):
            expr = f"{dtype_text(dt)}({expr})"
        return expr


def _fast(e):
    """Whether ``e`` has a fast form (its record's ``fast`` kernel), which takes real values."""
    return e.prim.lowering.fast is not None and e.outvars[0].aval.dtype.kind != "c"


def _fmt_param(v):
    if isinstance(v, IR):
        return f"{{{len(v.eqns)} eqns}}"
    if isinstance(v, np.dtype) or isinstance(v, type):
        return np.dtype(v).name
    if isinstance(v, tuple) and any(isinstance(x, IR) for x in v):
        return "(" + ", ".join(_fmt_param(x) for x in v) + ")"
    return repr(v)


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


class Source:
    """A generated module's text and the run-time tables its functions read."""

    __slots__ = ("text", "fname", "P", "F64", "F32", "pieces")

    def __init__(self, text, fname, P, F64, F32, pieces=()):
        self.text, self.fname, self.pieces = text, fname, list(pieces)
        self.P = np.array(P, np.int64)
        self.F64 = np.array(F64, np.float64)
        self.F32 = np.array(F32, np.float32)

    def args(self):
        return (self.P, self.F64, self.F32)


def generate(ir, fname="fn"):
    """The module source for ``ir`` (its main function is ``fname``).

    Raises ``Unsupported(eqn)`` for an equation that has no code generator."""
    mod = Module()
    mod.add_function(ir, fname, main=True)
    consts = "".join(f"{k} = {v}\n" for k, v in sorted(mod.consts.items()))
    text = (consts + "\n\n" if consts else "") + "\n\n".join(mod.functions)
    return Source(text, fname, mod.P, mod.F64, mod.F32, mod.pieces)
