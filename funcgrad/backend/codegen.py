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

0-d values are Numba scalars; other values are arrays. Loop nests come from ``fusion``; other
primitives have an emitter in ``EMITTERS`` (the codegen knowledge of a primitive lives here, not
in ``ops/``, because it is written against this module's helpers: sizes from ``P``, scalars vs
arrays, views; a primitive with no emitter still runs under jit, by the caller splitting the
function around it).
"""
import keyword
import re

import numpy as np

from ..core.ir import IR, Lit, Var
from ..core.ir import _names as _name_stream
from . import fusion
from .split import split_function

RESERVED = {"np", "P", "F64", "F32", "range", "min", "max", "abs", "len", "True", "False",
            "None"}
NICE = {0.0, 1.0, -1.0, 2.0, -2.0, 0.5, -0.5, 3.0}
BLOCK = 256  # innermost-loop block for vectorizable reductions (fits in L1)
BLOCK_KERNELS = {"reduce_sum": "sum_block_", "reduce_prod": "prod_block_",
                 "reduce_max": "max_block_", "reduce_min": "min_block_"}
TRIG_FAST = {"sin": "sin_fast_(", "cos": "cos_fast_("}


class Unsupported(Exception):
    """An equation this backend cannot emit; ``args[0]`` is the Eqn."""


def dtype_text(dt):
    return f"np.{np.dtype(dt).name}"


_SHORT = {"float32": "f32", "float16": "f16", "int64": "i64", "int32": "i32", "int16": "i16",
          "int8": "i8", "uint64": "u64", "uint32": "u32", "uint16": "u16", "uint8": "u8"}


def literal(val, consts=None):
    """Python text of a typed scalar literal. float64 and bool are Python literals; other dtypes
    are module-level NumPy scalars (``f32_0p5 = np.float32(0.5)``), which Numba treats as typed
    constants: float32 stays float32 with no conversion in the code."""
    val = np.asarray(val)
    dt = val.dtype
    x = val.item()
    if dt == np.bool_:
        return repr(bool(x))
    if dt.kind == "f":
        if x != x:
            text, tag = "np.nan", "nan"
        elif x in (float("inf"), float("-inf")):
            text, tag = ("np.inf", "inf") if x > 0 else ("-np.inf", "minf")
        else:
            text = repr(float(x))
            tag = text.replace("-", "m").replace(".", "p").replace("+", "")
        if dt == np.float64:
            return text
    else:
        text = str(int(x))
        tag = text.replace("-", "m")
    if consts is None:
        return f"np.{dt.name}({text})"
    name = f"{_SHORT.get(dt.name, dt.name)}_{tag}"
    consts[name] = f"np.{dt.name}({text})"
    return name


def _identity(name, dt, consts=None):
    """Start value of a reduction's accumulator."""
    dt = np.dtype(dt)
    if name == "reduce_sum":
        return literal(np.zeros((), dt), consts)
    if name == "reduce_prod":
        return literal(np.ones((), dt), consts)
    big = name == "reduce_min"
    if dt.kind == "f":
        return literal(np.array(np.inf if big else -np.inf, dt), consts)
    if dt.kind == "b":
        return repr(big)
    info = np.iinfo(dt)
    return literal(np.array(info.max if big else info.min, dt), consts)


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
        ir = self.ir = fusion.simplify(fusion.expand_small_matmuls(fusion.inline_calls(ir)))
        name_all(ir)  # variables of inlined calls and of rewritten products
        self.eqns = ir.eqns
        self.virtual, self.materialized = {}, set()
        self.inputs = set(ir.const_vars) | set(ir.in_vars)

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

    # -- helpers used by emitters --------------------------------------------------------------
    def size(self, d):
        """Text of a run-time size (read from ``P``, never written into the source)."""
        self.mod.P.append(int(d))
        k = len(self.mod.P) - 1
        self.prologue.append(f"p{k} = P[{k}]")
        return f"p{k}"

    def shape(self, shape):
        return "(" + "".join(self.size(d) + ", " for d in shape) + ")"

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
        return f"full_((), {self.n(x)}, {dtype_text(x.aval.dtype)})"

    def fresh(self, base="t"):
        self.tmp += 1
        return f"{base}{self.tmp}_"

    def emit(self, line, depth=1):
        self.lines.append("    " * depth + line)

    def loops(self, dims):
        """Emit a loop nest over ``dims`` (size texts); its fresh index names."""
        idx = [self.fresh("k") for _ in dims]
        for j, (i, d) in enumerate(zip(idx, dims)):
            self.emit(f"for {i} in range({d}):", 1 + j)
        return idx

    def comment(self, e, depth=1):
        outs = " ".join(f"{self.names[v]}:{v.aval.str_short()}" for v in e.outvars)
        params = ", ".join(f"{k}={_fmt_param(v)}" for k, v in e.params.items())
        args = " ".join(self.names[x] if isinstance(x, Var) else repr(x) for x in e.inputs)
        self.emit(f"# {outs} = {e.prim.name}{'[' + params + ']' if params else ''} {args}",
                  depth)

    def assign(self, v, expr, view=False):
        self.emit(f"{self.names[v]} = {expr}")
        if view:
            self.views.add(v)

    def assign_shaped(self, v, array_expr):
        """Assign an array result, or its only element when ``v`` is 0-d."""
        if v.aval.shape == ():
            self.emit(f"{self.names[v]} = {array_expr}.ravel()[0]")
        else:
            self.emit(f"{self.names[v]} = {array_expr}")

    # -- driver --------------------------------------------------------------------------------
    def generate(self):
        ir = self.ir
        items, self.virtual = fusion.schedule(self.eqns)
        self.escaping = fusion.escaping(items, self.virtual, ir.outs)
        for it in items:
            if isinstance(it, fusion.Group):
                self.group(it)
            else:
                e = it.eqn
                emitter = EMITTERS.get(e.prim.name)
                if emitter is None:
                    raise Unsupported(e)
                for x in e.inputs:
                    self.materialize(x)
                self.comment(e)
                emitter(self, e)
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
        self.emit(f"{self.names[x]} = empty_(({''.join(d + ', ' for d in dims)}), "
                  f"{dtype_text(x.aval.dtype)})")
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
                self.emit(f"{self.names[v]} = empty_(({''.join(d + ', ' for d in dims)}), "
                          f"{dtype_text(v.aval.dtype)})")

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
                self.emit(f"{self.names[v]}_b = empty_({BLOCK}, {dtype_text(v.aval.dtype)})")
        # sin/cos: the loop runs with the vectorizable kernels, valid for moderate arguments;
        # if any argument was beyond that range, it runs again with the exact ones.
        trig = r > 0 and any(e.prim.name in TRIG_FAST for e in g.members)
        flag = self.fresh("big") if trig else None

        def update(e, acc, val):
            dt = e.outvars[0].aval.dtype
            op = e.prim.name
            if op == "reduce_sum":
                expr = f"{acc} + {val}"
            elif op == "reduce_prod":
                expr = f"{acc} * {val}"
            else:
                expr = f"{'max_' if op == 'reduce_max' else 'min_'}({acc}, {val})"
            return expr if dt in (np.float64, np.float32) else f"{dtype_text(dt)}({expr})"

        def body(depth, block_var, fast):
            for e in g.members:
                self.comment(e, depth)
                v = e.outvars[0]
                expr = self.scalar_expr(e, read, idx)
                if fast and e.prim.name in TRIG_FAST:
                    arg = read(e.inputs[0])
                    expr = expr.replace(f"{e.prim.name}_(", TRIG_FAST[e.prim.name], 1)
                    self.emit(f"{flag} = {flag} | trig_big_({arg})", depth)
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
                    init = _identity(e.prim.name, e.outvars[0].aval.dtype, self.mod.consts)
                    self.emit(f"{self.names[e.outvars[0]]}_a = {init}", depth)
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
                        acc = f"{self.names[e.outvars[0]]}_a"
                        self.emit(f"{acc} = {BLOCK_KERNELS[e.prim.name]}({acc}, "
                                  f"{self.names[e.outvars[0]]}_b, {b1} - {b0})", depth + 1)
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
                    out_dims = "".join(dims[i] + ", " for i in kept)
                    if d is not None:
                        self.emit(f"{self.names[v]} = empty_(({out_dims}), "
                                  f"{dtype_text(v.aval.dtype)})", depth)
                    else:
                        self.emit(f"{self.names[v]} = full_(({out_dims}), "
                                  f"{_identity(e.prim.name, v.aval.dtype, self.mod.consts)}, "
                                  f"{dtype_text(v.aval.dtype)})", depth)
            level(0, depth, fast)

        if trig:
            self.emit(f"{flag} = False")
            nest(1, True)
            self.emit(f"if {flag}:")
            nest(2, False)
        else:
            nest(1, False)

    def scalar_expr(self, e, read, idx):
        v = e.outvars[0]
        dt = v.aval.dtype
        args = [read(x) for x in e.inputs]
        expr = _special(e, args, lambda val: literal(np.asarray(val, dt), self.mod.consts))
        if expr is None:
            fmt = dict(e.params)
            if "dtype" in fmt:
                fmt["dtype"] = dtype_text(fmt["dtype"])
            expr = e.prim.scalar.format(*args, **fmt)
        # Keep the dtype: integer arithmetic wraps (Numba computes in 64 bits), and kernels
        # compute float32 in float64. float32 arithmetic on float32 values needs no cast.
        kernel = re.search(r"[a-z0-9]_\(", expr) is not None
        if (dt.kind in "iu" or dt == np.float32 and kernel) and \
                not expr.startswith(dtype_text(dt) + "("):
            expr = f"{dtype_text(dt)}({expr})"
        return expr


def _fmt_param(v):
    if isinstance(v, IR):
        return f"{{{len(v.eqns)} eqns}}"
    if isinstance(v, np.dtype) or isinstance(v, type):
        return np.dtype(v).name
    if isinstance(v, tuple) and any(isinstance(x, IR) for x in v):
        return "(" + ", ".join(_fmt_param(x) for x in v) + ")"
    return repr(v)


def _special(e, args, lit):
    """Cheaper or dtype-correct forms of some scalar expressions."""
    name = e.prim.name
    if name == "pow" and isinstance(e.inputs[1], Lit) and e.outvars[0].aval.dtype.kind == "f":
        y = float(e.inputs[1].val)
        x = args[0]
        if y == 2.0:
            return f"({x} * {x})"
        if y == 1.0:
            return f"({x})"
        if y == 0.5:
            return f"sqrt_({x})"
        if y == -1.0:
            return f"({lit(1.0)} / {x})"
        if y == 3.0:
            return f"({x} * {x} * {x})"
    if name == "not" and e.outvars[0].aval.dtype == np.bool_:
        return f"(not {args[0]})"
    if name in ("and", "or", "xor") and e.outvars[0].aval.dtype == np.bool_:
        op = {"and": "and", "or": "or", "xor": "!="}[name]
        return f"({args[0]} {op} {args[1]})"
    if name == "div" and e.outvars[0].aval.dtype.kind in "iu":
        return f"floordiv_({args[0]}, {args[1]})"
    return None


# --- emitters for structural primitives -------------------------------------------------------

def _contig(text):
    return f"contig_({text})"


def emit_reshape(g, e):
    x, v = e.inputs[0], e.outvars[0]
    if v.aval.shape == ():
        g.assign_shaped(v, g.n(x))
    elif x.aval.shape == ():
        g.assign(v, f"full_({g.shape(v.aval.shape)}, {g.n(x)}, {dtype_text(v.aval.dtype)})")
    else:
        g.assign(v, f"reshape_({g.n(x)}, {g.shape(v.aval.shape)})", True)


def emit_transpose(g, e):
    x, v = e.inputs[0], e.outvars[0]
    perm = tuple(e.params["perm"])
    if len(perm) < 2:
        g.assign(v, g.n(x), True)
    elif perm == (1, 0):
        g.assign(v, f"{g.n(x)}.T", True)  # keeps Numba's layout (C <-> F): BLAS needs no copy
    else:
        g.assign(v, f"np.transpose({g.n(x)}, {perm!r})", True)


def _rows3(g, x, axis):
    """``x`` as a contiguous (before, n, after) array around ``axis``."""
    shape = x.aval.shape
    pre = int(np.prod(shape[:axis], dtype=np.int64))
    post = int(np.prod(shape[axis + 1:], dtype=np.int64))
    return (f"reshape_({g.arr(x)}, ({g.size(pre)}, {g.size(shape[axis])}, "
            f"{g.size(post)}))"), pre, post


def _emit_arg(kernel):
    def emitter(g, e):
        x, v = e.inputs[0], e.outvars[0]
        x3, pre, post = _rows3(g, x, e.params["axis"])
        out = f"empty_(({g.size(pre)}, {g.size(post)}), np.int64)"
        expr = f"{kernel}({x3}, {out})"
        g.assign_shaped(v, expr if v.aval.shape == () else
                        f"{expr}.reshape({g.shape(v.aval.shape)})")
    return emitter


def emit_reduction(g, e):
    # Reductions normally join a loop nest (fusion); one over a literal is its own value.
    x, v = e.inputs[0], e.outvars[0]
    g.assign(v, g.n(x))


def emit_matmul(g, e):
    x, y = e.inputs
    v = e.outvars[0]
    if v.aval.ndim == 2:
        if v.aval.dtype.kind == "f":
            g.assign(v, f"dot_({g.n(x)}, {g.n(y)})")
        else:
            g.assign(v, f"matmul_loops_({g.n(x)}, {g.n(y)}, zeros_({g.shape(v.aval.shape)}, "
                        f"{dtype_text(v.aval.dtype)}))")
        return
    xs, ys, vs = x.aval.shape, y.aval.shape, v.aval.shape
    B = int(np.prod(vs[:-2], dtype=np.int64))
    x3 = f"reshape_({g.n(x)}, ({g.size(B)}, {g.size(xs[-2])}, " \
         f"{g.size(xs[-1])}))"
    y3 = f"reshape_({g.n(y)}, ({g.size(B)}, {g.size(ys[-2])}, " \
         f"{g.size(ys[-1])}))"
    out = f"empty_(({g.size(B)}, {g.size(vs[-2])}, {g.size(vs[-1])}), " \
          f"{dtype_text(v.aval.dtype)})"
    g.assign(v, f"matmul_batched_({x3}, {y3}, {out}).reshape({g.shape(vs)})")


def emit_concatenate(g, e):
    v = e.outvars[0]
    parts = "".join(f"{g.n(x)}, " for x in e.inputs)
    g.assign(v, f"np.concatenate(({parts}), axis={e.params['axis']})")


def emit_slice(g, e):
    x, v = e.inputs[0], e.outvars[0]
    if not x.aval.shape:
        g.assign(v, g.n(x))
        return
    ix = []
    for a, b, s in zip(e.params["start"], e.params["limit"], e.params["step"]):
        ix.append(f"{g.size(a)}:{g.size(b)}" + (f":{g.size(s)}" if s != 1 else ""))
    g.assign(v, f"{g.n(x)}[{', '.join(ix)}]", True)


def emit_rev(g, e):
    x, v = e.inputs[0], e.outvars[0]
    if not e.params["axes"]:
        g.assign(v, g.n(x), True)
        return
    ix = ", ".join("::-1" if i in e.params["axes"] else ":" for i in range(x.aval.ndim))
    g.assign(v, f"{g.n(x)}[{ix}]", True)


def emit_pad(g, e):
    x, v = e.inputs[0], e.outvars[0]
    if not x.aval.shape:
        g.assign(v, g.n(x))
        return
    # An explicit loop nest, not a strided slice assignment: Numba's setitem for strided
    # n-d slices costs about a quarter of a second of compile time per use.
    name = g.names[v]
    g.assign(v, f"zeros_({g.shape(v.aval.shape)}, {dtype_text(v.aval.dtype)})")
    ks = g.loops([g.size(n) for n in x.aval.shape])
    out_ix = [f"{g.size(lo)} + {k} * {g.size(it + 1)}" if it else f"{g.size(lo)} + {k}"
              for k, (lo, hi, it) in zip(ks, e.params["config"])]
    g.emit(f"{name}[{', '.join(out_ix)}] = {g.n(x)}[{', '.join(ks)}]", 1 + len(ks))


def emit_take(g, e):
    x, idx = e.inputs
    v = e.outvars[0]
    x3, pre, post = _rows3(g, x, e.params["axis"])
    m = int(np.prod(idx.aval.shape, dtype=np.int64))
    i1 = f"reshape_({g.arr(idx)}, ({g.size(m)},))"
    out = f"empty_(({g.size(pre)}, {g.size(m)}, {g.size(post)}), {dtype_text(v.aval.dtype)})"
    expr = f"take_({x3}, {i1}, {out})"
    g.assign_shaped(v, expr if v.aval.shape == () else
                    f"{expr}.reshape({g.shape(v.aval.shape)})")


def emit_scatter_add(g, e):
    op, idx, upd = e.inputs
    v = e.outvars[0]
    axis = e.params["axis"]
    o3, pre, post = _rows3(g, op, axis)
    m = int(np.prod(idx.aval.shape, dtype=np.int64))
    i1 = f"reshape_({g.arr(idx)}, ({g.size(m)},))"
    u3 = (f"reshape_({g.arr(upd)}, ({g.size(pre)}, {g.size(m)}, "
          f"{g.size(post)}))")
    expr = f"scatter_add_({o3}.copy(), {i1}, {u3})"
    g.assign_shaped(v, expr if v.aval.shape == () else
                    f"{expr}.reshape({g.shape(v.aval.shape)})")


def emit_cumsum(g, e):
    x, v = e.inputs[0], e.outvars[0]
    x3, pre, post = _rows3(g, x, e.params["axis"])
    g.assign(v, f"cumsum_({x3}, np.empty_like({x3}), {e.params['reverse']})"
                f".reshape({g.shape(v.aval.shape)})")


def _batched_linalg(call, nout=1):
    def emitter(g, e):
        a = e.inputs[0]
        shape = a.aval.shape
        if len(shape) == 2 and nout == 1:
            args = ", ".join(_contig(g.n(x)) for x in e.inputs)
            g.assign(e.outvars[0], f"{call}({args})")
            return
        B = int(np.prod(shape[:-2], dtype=np.int64))
        ins = []
        for x in e.inputs:
            xs = x.aval.shape
            ins.append(f"reshape_({g.n(x)}, ({g.size(B)}, "
                       f"{g.size(xs[-2])}, {g.size(xs[-1])}))")
        outs = []
        for v in e.outvars:
            flat = (B,) + v.aval.shape[len(shape) - 2:]
            t = g.fresh()
            g.emit(f"{t} = empty_({g.shape(flat)}, {dtype_text(v.aval.dtype)})")
            outs.append(t)
        b = g.fresh("b")
        g.emit(f"for {b} in range({g.size(B)}):")
        args = ", ".join(f"{i}[{b}]" for i in ins)
        if nout == 1:
            g.emit(f"    {outs[0]}[{b}] = {call}({args})")
        else:
            r = g.fresh("r")
            g.emit(f"    {r} = {call}({args})")
            for k, t in enumerate(outs):
                g.emit(f"    {t}[{b}] = {r}[{k}]")
        for v, t in zip(e.outvars, outs):
            g.assign_shaped(v, t if v.aval.shape == () else
                            f"{t}.reshape({g.shape(v.aval.shape)})")
    return emitter


def emit_triangular_solve(g, e):
    a, b = e.inputs
    v = e.outvars[0]
    p = e.params
    n, (r, c) = a.aval.shape[-1], b.aval.shape[-2:]
    B = int(np.prod(b.aval.shape[:-2], dtype=np.int64))
    a3 = f"reshape_({g.n(a)}, ({g.size(B)}, {g.size(n)}, {g.size(n)}))"
    b3 = f"reshape_({g.n(b)}, ({g.size(B)}, {g.size(r)}, {g.size(c)}))"
    if p["left_side"]:
        x = f"trisolve_({a3}, {b3}, {p['lower']}, {p['transpose_a']})"
    else:  # x op(a) = b  <=>  op(a)^T x^T = b^T
        bt = f"np.ascontiguousarray(np.transpose({b3}, (0, 2, 1)))"
        x = f"np.transpose(trisolve_({a3}, {bt}, {p['lower']}, {not p['transpose_a']}), " \
            "(0, 2, 1))"
    g.assign(v, f"reshape_({x}, {g.shape(v.aval.shape)})")


# --- control flow: each branch or body is a function of the module ---------------------------

def _call(g, fname, args):
    return f"{fname}({''.join(a + ', ' for a in args)}P, F64, F32)"


def _unpack(g, outvars, res):
    for k, v in enumerate(outvars):
        g.assign(v, f"{res}[{k}]", view=True)  # a branch may return one of its inputs


def emit_cond(g, e):
    t_ir, f_ir = e.params["branches"]
    ft = g.mod.add_function(t_ir, g.fname)
    ff = g.mod.add_function(f_ir, g.fname)
    args = [g.n(x) for x in e.inputs[1:]]
    res = g.fresh("r")
    g.emit(f"if {g.n(e.inputs[0])}:")
    g.emit(f"    {res} = {_call(g, ft, args)}")
    g.emit("else:")
    g.emit(f"    {res} = {_call(g, ff, args)}")
    _unpack(g, e.outvars, res)


def emit_scan(g, e):
    p = e.params
    body = g.mod.add_function(p["body"], g.fname)
    nk, nc = p["num_consts"], p["num_carry"]
    ins = e.inputs
    consts = [g.n(x) for x in ins[:nk]]
    carry = [g.fresh("c") for _ in range(nc)]
    for c, x in zip(carry, ins[nk:nk + nc]):
        g.emit(f"{c} = {g.n(x)}")
    xs = ins[nk + nc:]
    n = g.size(p["length"])
    ys = []
    for a in p["body"].out_avals[nc:]:
        y = g.fresh("y")
        g.emit(f"{y} = empty_(({n}, {''.join(g.size(d) + ', ' for d in a.shape)}), "
               f"{dtype_text(a.dtype)})")
        ys.append((y, a))
    it, i = g.fresh("it"), g.fresh("i")
    g.emit(f"for {it} in range({n}):")
    g.emit(f"    {i} = {n} - 1 - {it}" if p["reverse"] else f"    {i} = {it}")
    res = g.fresh("r")
    g.emit(f"    {res} = {_call(g, body, consts + carry + [f'{g.n(x)}[{i}]' for x in xs])}")
    for k, c in enumerate(carry):
        g.emit(f"    {c} = {res}[{k}]")
    for k, (y, a) in enumerate(ys):
        g.emit(f"    {y}[{i}] = {res}[{nc + k}]")
    for v, c in zip(e.outvars, carry + [y for y, _ in ys]):
        g.assign(v, c, view=True)  # zero iterations return the initial carry itself


def emit_while(g, e):
    p = e.params
    fc = g.mod.add_function(p["cond_ir"], g.fname)
    fb = g.mod.add_function(p["body_ir"], g.fname)
    ncc, nbc = p["num_cond_consts"], p["num_body_consts"]
    cc = [g.n(x) for x in e.inputs[:ncc]]
    bc = [g.n(x) for x in e.inputs[ncc:ncc + nbc]]
    vals = [g.fresh("w") for _ in e.inputs[ncc + nbc:]]
    for w, x in zip(vals, e.inputs[ncc + nbc:]):
        g.emit(f"{w} = {g.n(x)}")
    g.emit(f"while {_call(g, fc, cc + vals)}[0]:")
    res = g.fresh("r")
    g.emit(f"    {res} = {_call(g, fb, bc + vals)}")
    for k, w in enumerate(vals):
        g.emit(f"    {w} = {res}[{k}]")
    for v, w in zip(e.outvars, vals):
        g.assign(v, w, view=True)


EMITTERS = {
    "reshape": emit_reshape,
    "transpose": emit_transpose,
    "argmax": _emit_arg("argmax_"),
    "argmin": _emit_arg("argmin_"),
    "matmul": emit_matmul,
    "concatenate": emit_concatenate,
    "slice": emit_slice,
    "rev": emit_rev,
    "pad": emit_pad,
    "take": emit_take,
    "scatter_add": emit_scatter_add,
    "cumsum": emit_cumsum,
    "solve": _batched_linalg("np.linalg.solve"),
    "cholesky": _batched_linalg("np.linalg.cholesky"),
    "slogdet": _batched_linalg("np.linalg.slogdet", nout=2),
    "inv": _batched_linalg("np.linalg.inv"),
    "triangular_solve": emit_triangular_solve,
    "cond": emit_cond,
    "scan": emit_scan,
    "while": emit_while,
}
EMITTERS.update({name: emit_reduction for name in fusion.REDUCTIONS})
SUBIR_PARAMS = {"cond": ("branches",), "scan": ("body",), "while": ("cond_ir", "body_ir")}


def can_emit(e):
    """Whether ``e`` (and every IR inside it) has a code generator."""
    if fusion.is_elementwise(e):
        return True
    if e.prim.name not in EMITTERS:
        return False
    for key in SUBIR_PARAMS.get(e.prim.name, ()):
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
