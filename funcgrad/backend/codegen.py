"""IR -> readable Python source for Numba. No numba import here: generating code is separate
from compiling it, and the same source runs as plain Python.

The generated function takes the IR's constants, its inputs and ``P``, a tuple of every size
the code needs (array shapes, slice bounds). Sizes are read from ``P`` at run time and never
written into the source, so the source text is the IR's structure modulo sizes: it is the
compile-cache key, and a new batch size reuses the compiled function.

Elementwise equations (a primitive with a ``scalar`` expression, and ``broadcast_in_dim``)
that follow each other with the same output shape fuse into one loop nest; only the values
used later are written to arrays. Other primitives have an emitter below.
"""
import keyword

import numpy as np

from ..core.ir import Lit

RESERVED = {"np", "P", "range", "min", "max", "abs", "len"}


class Unsupported(Exception):
    """The IR has a primitive this backend cannot emit; the caller falls back to NumPy."""


def _names(ir):
    """The printer's names (a, b, ... in order of appearance), made valid identifiers."""
    names, n = {}, 0
    from ..core.ir import _names as gen
    g = gen()
    for v in list(ir.const_vars) + list(ir.in_vars) + [o for e in ir.eqns for o in e.outvars]:
        if v not in names:
            name = next(g)
            if keyword.iskeyword(name) or name in RESERVED:
                name += "_"
            names[v] = name
            n += 1
    return names


def literal(val):
    """Python text of a typed scalar literal (float32 stays float32)."""
    val = np.asarray(val)
    dt = val.dtype
    x = val.item()
    if dt == np.bool_:
        return repr(bool(x))
    if dt.kind == "f":
        if np.isnan(x):
            text = "np.nan"
        elif np.isinf(x):
            text = "np.inf" if x > 0 else "-np.inf"
        else:
            text = repr(float(x))
        return text if dt == np.float64 else f"np.{dt.name}({text})"
    return f"np.{dt.name}({int(x)})"


class Codegen:
    def __init__(self, ir, fname="fn"):
        self.ir = ir
        self.fname = fname
        self.names = _names(ir)
        self.P = []  # the size values, in the order the source reads them
        self.F64, self.F32 = [], []  # float literal values, likewise
        self.lines = []
        self.tmp = 0
        self.views = set()  # vars that may alias another array (copied if returned)
        users = {}
        for k, e in enumerate(ir.eqns):
            for x in e.inputs:
                if not isinstance(x, Lit):
                    users.setdefault(x, set()).add(k)
        self.users = users
        self.outset = {o for o in ir.outs if not isinstance(o, Lit)}

    # -- helpers -------------------------------------------------------------------------------
    def size(self, v):
        self.P.append(int(v))
        return f"P[{len(self.P) - 1}]"

    def shape(self, shape):
        items = [self.size(d) for d in shape]
        return "(" + "".join(i + ", " for i in items) + ")"

    def fresh(self, base="t"):
        self.tmp += 1
        return f"{base}{self.tmp}_"

    def lit(self, val):
        """A literal's text. Float values other than a few structural ones (0, 1, 2, 1/2...)
        are read from the run-time tuples F64/F32, so a new constant (a mean's 1/n, a
        learning rate) never changes the source and never recompiles."""
        val = np.asarray(val)
        if val.dtype.kind != "f" or float(val) in NICE or not np.isfinite(val):
            return literal(val)
        table = self.F64 if val.dtype == np.float64 else self.F32
        if val.dtype not in (np.float64, np.float32):
            return literal(val)
        table.append(val.item())
        return f"{'F64' if val.dtype == np.float64 else 'F32'}[{len(table) - 1}]"

    def n(self, x):
        return self.lit(x.val) if isinstance(x, Lit) else self.names[x]

    def emit(self, line, depth=1):
        self.lines.append("    " * depth + line)

    def comment(self, e):
        outs = " ".join(f"{self.names[v]}:{v.aval.str_short()}" for v in e.outvars)
        params = ", ".join(f"{k}={v!r}" for k, v in e.params.items()
                           if not hasattr(v, "eqns"))
        args = " ".join(self.n(x) for x in e.inputs)
        self.emit(f"# {outs} = {e.prim.name}{'[' + params + ']' if params else ''} {args}")

    # -- driver --------------------------------------------------------------------------------
    def generate(self):
        ir = self.ir
        params = [self.names[v] for v in ir.const_vars + ir.in_vars] + ["P", "F64", "F32"]
        self.lines.append(f"def {self.fname}({', '.join(params)}):")
        eqns = ir.eqns
        k = 0
        while k < len(eqns):
            e = eqns[k]
            if _fusible(e):
                group = [e]
                shape = e.outvars[0].aval.shape
                k += 1
                while k < len(eqns) and _fusible(eqns[k]) and \
                        eqns[k].outvars[0].aval.shape == shape:
                    group.append(eqns[k])
                    k += 1
                self.fused(group, shape)
            else:
                emitter = EMITTERS.get(e.prim.name)
                if emitter is None:
                    raise Unsupported(e.prim.name)
                self.comment(e)
                emitter(self, e)
                k += 1
        outs = []
        for o in ir.outs:
            if isinstance(o, Lit) or o in ir.in_vars or o in ir.const_vars:
                continue  # filled in by the caller
            name = self.names[o]
            outs.append(f"{name}.copy()" if o in self.views else name)
        self.emit("return (" + "".join(f"{o}, " for o in outs) + ")")
        return "\n".join(self.lines) + "\n"

    # -- fused elementwise loop nests ----------------------------------------------------------
    def fused(self, group, shape):
        members = {v for e in group for v in e.outvars}
        in_group = {id(e) for e in group}
        later = []  # values needed after the loop, in equation order (deterministic source)
        for e in group:
            for v in e.outvars:
                used_outside = any(id(self.ir.eqns[u]) not in in_group
                                   for u in self.users.get(v, ()))
                if used_outside or v in self.outset:
                    later.append(v)
        r = len(shape)
        dims = [self.fresh("n") for _ in range(r)]
        for d, s in zip(dims, shape):
            self.emit(f"{d} = {self.size(s)}")
        for v in later:
            self.emit(f"{self.names[v]} = np.empty(({''.join(d + ', ' for d in dims)}), "
                      f"np.{v.aval.dtype.name})")
        idx = ", ".join(f"i{j}" for j in range(r)) if r else "()"
        depth = 1
        for j in range(r):
            self.emit(f"for i{j} in range({dims[j]}):", depth)
            depth += 1
        local = {}

        def read(x):
            if isinstance(x, Lit):
                return self.lit(x.val)
            if x in members:
                return local[x]
            if x.aval.shape == ():
                return f"{self.names[x]}[()]"
            return f"{self.names[x]}[{idx}]"

        for e in group:
            self.comment_at(e, depth)
            v = e.outvars[0]
            s = f"{self.names[v]}_s"
            if e.prim.name == "broadcast_in_dim":
                x = e.inputs[0]
                if isinstance(x, Lit):
                    expr = self.lit(x.val)
                else:
                    ix = []
                    for k2, d in enumerate(e.params["dims"]):
                        ix.append("0" if x.aval.shape[k2] == 1 and shape[d] != 1 else f"i{d}")
                    expr = f"{self.names[x]}[{', '.join(ix) if ix else '()'}]"
            else:
                args = [read(x) for x in e.inputs]
                fmt = dict(e.params)
                if "dtype" in fmt:
                    fmt["dtype"] = f"np.{np.dtype(fmt['dtype']).name}"
                expr = _special(e, args) or e.prim.scalar.format(*args, **fmt)
            dt = v.aval.dtype
            if dt.kind in "iuf" and dt != np.float64 or e.prim.name == "convert_element_type":
                expr = f"np.{dt.name}({expr})"  # keep the dtype: wrap ints, keep f32 f32
            self.emit(f"{s} = {expr}", depth)
            local[v] = s
            if v in later:
                self.emit(f"{self.names[v]}[{idx}] = {s}", depth)

    def comment_at(self, e, depth):
        save = len(self.lines)
        self.comment(e)
        self.lines[save] = "    " * depth + self.lines[save].lstrip()


NICE = {0.0, 1.0, -1.0, 2.0, 0.5, -0.5, 3.0}


def _special(e, args):
    """Cheaper forms of common cases (x ** 2 is x * x, not a libm pow call)."""
    if e.prim.name == "pow" and isinstance(e.inputs[1], Lit):
        y = float(e.inputs[1].val)
        x = args[0]
        if y == 2.0:
            return f"({x} * {x})"
        if y == 1.0:
            return f"({x})"
        if y == 0.5:
            return f"sqrt_({x})"
        if y == -1.0:
            return f"(1.0 / {x})"
    return None


def _fusible(e):
    return e.prim.scalar is not None or e.prim.name == "broadcast_in_dim"


# --- emitters for structural primitives -------------------------------------------------------

def _contig(name):
    return f"np.ascontiguousarray({name})"


def emit_reshape(g, e):
    x, v = e.inputs[0], e.outvars[0]
    g.emit(f"{g.names[v]} = {_contig(g.n(x))}.reshape({g.shape(v.aval.shape)})")
    g.views.add(v)


def emit_transpose(g, e):
    x, v = e.inputs[0], e.outvars[0]
    g.emit(f"{g.names[v]} = np.transpose({g.n(x)}, {tuple(e.params['perm'])!r})")
    g.views.add(v)


def _rows(g, x, axes, ndim):
    """Text of ``x`` as a contiguous 2-D (kept, reduced) array, and the kept shape."""
    kept = [i for i in range(ndim) if i not in axes]
    perm = tuple(kept) + tuple(axes)
    shape = x.aval.shape
    K = int(np.prod([shape[i] for i in kept], dtype=np.int64))
    R = int(np.prod([shape[i] for i in axes], dtype=np.int64))
    src = g.n(x) if perm == tuple(range(ndim)) else f"np.transpose({g.n(x)}, {perm!r})"
    return f"{_contig(src)}.reshape(({g.size(K)}, {g.size(R)}))", K


def _emit_rows_reduction(kernel, init):
    def emitter(g, e):
        x, v = e.inputs[0], e.outvars[0]
        axes = e.params["axes"] if "axes" in e.params else (e.params["axis"],)
        rows, K = _rows(g, x, tuple(axes), x.aval.ndim)
        t = g.fresh()
        dt = f"np.{v.aval.dtype.name}"
        g.emit(f"{t} = {kernel}({rows}, np.{init}(({g.size(K)},), {dt}))")
        if v.aval.shape == ():
            g.emit(f"{g.names[v]} = np.empty((), {dt})")
            g.emit(f"{g.names[v]}[()] = {t}[0]")
        else:
            g.emit(f"{g.names[v]} = {t}.reshape({g.shape(v.aval.shape)})")
    return emitter


def emit_matmul(g, e):
    x, y = e.inputs
    v = e.outvars[0]
    if v.aval.dtype.kind != "f":
        raise Unsupported("matmul of integers")
    if v.aval.ndim == 2:
        g.emit(f"{g.names[v]} = np.dot({_contig(g.n(x))}, {_contig(g.n(y))})")
        return
    xs, ys, vs = x.aval.shape, y.aval.shape, v.aval.shape
    B = int(np.prod(vs[:-2], dtype=np.int64))
    x3 = f"{_contig(g.n(x))}.reshape(({g.size(B)}, {g.size(xs[-2])}, {g.size(xs[-1])}))"
    y3 = f"{_contig(g.n(y))}.reshape(({g.size(B)}, {g.size(ys[-2])}, {g.size(ys[-1])}))"
    out = f"np.empty(({g.size(B)}, {g.size(vs[-2])}, {g.size(vs[-1])}), np.{v.aval.dtype.name})"
    g.emit(f"{g.names[v]} = matmul_batched_({x3}, {y3}, {out}).reshape({g.shape(vs)})")


def emit_concatenate(g, e):
    v = e.outvars[0]
    parts = "".join(f"{g.n(x)}, " for x in e.inputs)
    g.emit(f"{g.names[v]} = np.concatenate(({parts}), axis={e.params['axis']})")


def emit_slice(g, e):
    x, v = e.inputs[0], e.outvars[0]
    ix = ", ".join(f"{g.size(a)}:{g.size(b)}:{s}" for a, b, s in
                   zip(e.params["start"], e.params["limit"], e.params["step"]))
    g.emit(f"{g.names[v]} = {g.n(x)}[{ix}]")
    g.views.add(v)


def emit_rev(g, e):
    x, v = e.inputs[0], e.outvars[0]
    ix = ", ".join("::-1" if i in e.params["axes"] else ":" for i in range(x.aval.ndim))
    g.emit(f"{g.names[v]} = {g.n(x)}[{ix}]")
    g.views.add(v)


def emit_pad(g, e):
    x, v = e.inputs[0], e.outvars[0]
    name = g.names[v]
    g.emit(f"{name} = np.zeros({g.shape(v.aval.shape)}, np.{v.aval.dtype.name})")
    ix = []
    for n, (lo, hi, it) in zip(x.aval.shape, e.params["config"]):
        stop = lo + (n - 1) * (it + 1) + 1 if n else lo
        ix.append(f"{g.size(lo)}:{g.size(stop)}:{it + 1}")
    g.emit(f"{name}[{', '.join(ix)}] = {g.n(x)}")


def _pre_n_post(shape, axis):
    pre = int(np.prod(shape[:axis], dtype=np.int64))
    post = int(np.prod(shape[axis + 1:], dtype=np.int64))
    return pre, shape[axis], post


def emit_take(g, e):
    x, idx = e.inputs
    v = e.outvars[0]
    axis = e.params["axis"]
    pre, n, post = _pre_n_post(x.aval.shape, axis)
    m = int(np.prod(idx.aval.shape, dtype=np.int64))
    x3 = f"{_contig(g.n(x))}.reshape(({g.size(pre)}, {g.size(n)}, {g.size(post)}))"
    i1 = f"{_contig(g.n(idx))}.reshape(({g.size(m)},))"
    out = (f"np.empty(({g.size(pre)}, {g.size(m)}, {g.size(post)}), "
           f"np.{v.aval.dtype.name})")
    g.emit(f"{g.names[v]} = take_({x3}, {i1}, {out}).reshape({g.shape(v.aval.shape)})")


def emit_scatter_add(g, e):
    op, idx, upd = e.inputs
    v = e.outvars[0]
    axis = e.params["axis"]
    pre, n, post = _pre_n_post(op.aval.shape, axis)
    m = int(np.prod(idx.aval.shape, dtype=np.int64))
    o3 = f"{_contig(g.n(op))}.copy().reshape(({g.size(pre)}, {g.size(n)}, {g.size(post)}))"
    i1 = f"{_contig(g.n(idx))}.reshape(({g.size(m)},))"
    u3 = f"{_contig(g.n(upd))}.reshape(({g.size(pre)}, {g.size(m)}, {g.size(post)}))"
    g.emit(f"{g.names[v]} = scatter_add_({o3}, {i1}, {u3}).reshape({g.shape(v.aval.shape)})")


def emit_cumsum(g, e):
    x, v = e.inputs[0], e.outvars[0]
    axis = e.params["axis"]
    rows, K = _rows(g, x, (axis,), x.aval.ndim)
    nd = x.aval.ndim
    kept = [i for i in range(nd) if i != axis]
    moved_shape = tuple(x.aval.shape[i] for i in kept) + (x.aval.shape[axis],)
    t = g.fresh()
    g.emit(f"{t} = cumsum_rows_({rows}, np.zeros(({g.size(K)}, {g.size(x.aval.shape[axis])}), "
           f"np.{v.aval.dtype.name}), {e.params['reverse']})")
    inv = tuple(int(i) for i in np.argsort(kept + [axis]))
    g.emit(f"{g.names[v]} = np.transpose({t}.reshape({g.shape(moved_shape)}), {inv!r})")
    g.views.add(v)


def _batched_linalg(call, nout=1):
    def emitter(g, e):
        a = e.inputs[0]
        shape = a.aval.shape
        if len(shape) == 2 and len(e.inputs) == 1 and nout == 1:
            g.emit(f"{g.names[e.outvars[0]]} = {call}({_contig(g.n(a))})")
            return
        if len(shape) == 2 and nout == 1:
            args = ", ".join(_contig(g.n(x)) for x in e.inputs)
            g.emit(f"{g.names[e.outvars[0]]} = {call}({args})")
            return
        B = int(np.prod(shape[:-2], dtype=np.int64))
        ins = []
        for x in e.inputs:
            xs = x.aval.shape
            ins.append(f"{_contig(g.n(x))}.reshape(({g.size(B)}, {g.size(xs[-2])}, "
                       f"{g.size(xs[-1])}))")
        outs = []
        for v in e.outvars:
            vs = v.aval.shape
            flat = (B,) + vs[len(shape) - 2:]
            t = g.fresh()
            g.emit(f"{t} = np.empty({g.shape(flat)}, np.{v.aval.dtype.name})")
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
            if v.aval.shape == ():
                g.emit(f"{g.names[v]} = np.empty((), np.{v.aval.dtype.name})")
                g.emit(f"{g.names[v]}[()] = {t}[0]")
            else:
                g.emit(f"{g.names[v]} = {t}.reshape({g.shape(v.aval.shape)})")
    return emitter


EMITTERS = {
    "reshape": emit_reshape,
    "transpose": emit_transpose,
    "reduce_sum": _emit_rows_reduction("reduce_sum_rows_", "zeros"),
    "reduce_prod": _emit_rows_reduction("reduce_prod_rows_", "ones"),
    "reduce_max": _emit_rows_reduction("reduce_max_rows_", "empty"),
    "reduce_min": _emit_rows_reduction("reduce_min_rows_", "empty"),
    "argmax": _emit_rows_reduction("argmax_rows_", "zeros"),
    "argmin": _emit_rows_reduction("argmin_rows_", "zeros"),
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
}


def generate(ir, fname="fn"):
    """Return ``(source, (P, F64, F32))`` for ``ir``.

    Raises ``Unsupported`` naming a primitive that has no emitter."""
    g = Codegen(ir, fname)
    src = g.generate()
    return src, (tuple(g.P), tuple(g.F64), tuple(np.float32(v) for v in g.F32))
