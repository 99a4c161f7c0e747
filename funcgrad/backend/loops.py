"""One fused loop nest: the elementwise equations and reductions that ``fusion`` grouped over one
shape, written through the ``codegen.Writer`` of its function.

Values computed by members are scalars in the loop body (``<name>_s``); only those read after
the loop are stored to arrays. An operand's element is read once per iteration, into a scalar.
A unit axis has no loop (its index is 0). A reduction keeps a scalar accumulator (``<name>_a``)
when the axes it keeps lead (reset at that loop depth), else an array accumulator updated in
the innermost loop. A scalar accumulator over the innermost axis is a serial chain LLVM will
not reorder, so that loop is blocked: a sum, max or min keeps a partial result per block
(``<name>_p``) through an operation LLVM vectorizes as a reduction (``Reduction.partial``: an
addition it may reassociate, ``sum_add_``; IEEE maximum, ``max_fold_``); products, complex
values and a max of values masked by its identity (``Reduction.masks_float``) put their values
in a small buffer (``<name>_b``) that the reduction's block kernel folds into the accumulator
with independent partial results. Either way each block's result joins the accumulator in
order, which bounds the rounding (NumPy's pairwise sum bounds it more tightly for float64:
benchmarks/RESULTS.md V); a float32 sum's accumulator is float64.
"""

from ..core.ir import Lit, Var
from ..core.lowering import expression
from ..ops import kernel_names as K
from .dims import group_var

BLOCK = 256  # innermost-loop block for reductions through a buffer (fits in L1)
# the block of a loop whose reductions all keep partial sums (no buffer to fit in L1): each
# vector lane adds PARTIAL_BLOCK / lanes values, then each block's sum joins the accumulator;
# the two chains are of like length for 1e5-1e7 values, which keeps the rounding down (a
# float64 sum of 1e6 values: 2.6e-15 relative error with blocks of 256, 2.1e-16 with these;
# NumPy's pairwise sum 1.2e-16)
PARTIAL_BLOCK = 4096


def tuple_text(texts):
    """Text of a tuple of texts: ``(p0, p1, )``."""
    return "(" + "".join(t + ", " for t in texts) + ")"


class _Fold:
    """A reduction in the nest: the axes it keeps, ``depth``, the loop depth where its scalar
    accumulator lives (None: an array accumulator), and ``partial``: whether a block keeps a
    vectorized partial result (``Reduction.partial``) rather than a buffer."""

    __slots__ = ("e", "kept", "depth", "partial")

    def __init__(self, e, rank, masked):
        self.e = e
        axes = tuple(sorted(e.params["axes"]))
        self.kept = [i for i in range(rank) if i not in axes]
        self.depth = len(self.kept) if self.kept == list(range(len(self.kept))) else None
        low, kind = e.prim.lowering, e.outvars[0].aval.dtype.kind
        self.partial = (low.partial is not None and kind != "c"
                        and (low.masks_float or kind != "f" or not masked))


class LoopNest:
    """Writes one ``fusion.Group``."""

    def __init__(self, w, g):
        self.w, self.g, self.r = w, g, len(g.shape)
        # a unit axis is structure, not a size (broadcasting already depends on it): it has no
        # loop, its index is 0. A loop of one iteration would cost Numba and LLVM as much to
        # compile as any other (and a reduction over it a blocked loop and a block buffer).
        self.idx = ["0" if s == 1 else f"i{j}" for j, s in enumerate(g.shape)]
        self.inner = max((j for j, s in enumerate(g.shape) if s != 1), default=None)
        self.local = {}  # member var -> its scalar in the loop body
        self.loads = {}  # element read in the loop body (its text) -> the scalar holding it
        self.checks = set()  # range checks written in the loop body
        self.body_depth = 0  # indentation of the loop body being written
        rep = group_var(g)
        self.dims = ["1" if s == 1 else w.size(s, (rep, j)) for j, s in enumerate(g.shape)]
        self.folds = []
        self.blocked = False
        self.block = BLOCK  # the blocked loop's block (``render``)
        self.flag = None

    def render(self):
        w, r = self.w, self.r
        if r:
            for e in self.g.members:
                v = e.outvars[0]
                if v in w.escaping:
                    made = K.empty_(tuple_text(self.dims), w.dtype(v.aval.dtype))
                    w.emit(f"{w.define(v)} = {made}")
        self.folds = [_Fold(e, r, self._masked_by_identity(e)) for e in self.g.reductions]
        self.blocked = any(self._spans_inner(f) for f in self.folds)
        self.block = PARTIAL_BLOCK
        for f in self.folds:
            if self._spans_inner(f) and not f.partial:
                self.block = BLOCK
                v = f.e.outvars[0]
                w.emit(f"{w.names[v]}_b = {K.empty_(str(BLOCK), w.dtype(v.aval.dtype))}")
        # sin, cos, log: the loop runs with the vectorizable kernels, valid for moderate
        # arguments; if some argument was beyond that range, the NumPy evaluator answers the
        # call instead (``runner.fast_call``): rare arguments, and a second loop with the exact
        # kernels would double the nest's compile time.
        if r > 0 and any(_range_checked(e) for e in self.g.members):
            self.flag = w.fresh("big")
            w.emit(f"{self.flag} = False")
        self._nest()
        if self.flag is not None:
            w.emit(f"if {self.flag}:")
            w.emit(f"raise {K.BeyondFastRange()}", 2)

    def _masked_by_identity(self, e):
        """Whether reduction ``e`` folds a value computed in this nest from a literal of its
        identity (``where(m, x, -inf)`` for a max), directly or through other members: LLVM
        may fold such a select into the reduction as a condition."""
        ident = e.prim.lowering.identity(e.outvars[0].aval.dtype)
        needed = {_through_broadcasts(self.w, e.inputs[0])}
        for m in reversed(self.g.members):
            if m.outvars[0] in needed:
                sources = [_through_broadcasts(self.w, x) for x in m.inputs]
                if any(isinstance(x, Lit) and x.val.shape == () and bool(x.val == ident)
                       for x in sources):
                    return True
                needed.update(x for x in sources if isinstance(x, Var))
        return False

    def _spans_inner(self, f):
        """Whether fold ``f`` keeps a scalar accumulator across the innermost loop (which is
        then blocked)."""
        return f.depth is not None and self.inner is not None and f.depth <= self.inner

    def _nest(self):
        for f in self.folds:
            if f.kept:
                v = f.e.outvars[0]
                out_dims, dt = tuple_text([self.dims[i] for i in f.kept]), self.w.dtype(
                    v.aval.dtype)
                made = K.empty_(out_dims, dt) if f.depth is not None else \
                    K.full_(out_dims, _identity(self.w, f.e), dt)
                self.w.emit(f"{self.w.define(v)} = {made}")
        self._level(0, 1)

    def _level(self, j, depth, block_var=None):
        """Loop ``j`` of the nest (``j == r``: the body) at indentation ``depth``; inside the
        blocked loop, ``block_var`` is the index within the block."""
        w, r = self.w, self.r
        for f in self.folds:
            if f.depth == j:
                start = "0.0" if _widened(f) else _identity(w, f.e)
                w.emit(f"{w.names[f.e.outvars[0]]}_a = {start}", depth)
        if j == r:
            self._body(depth, block_var)
        elif j == self.inner and self.blocked:
            self._blocked_loop(j, depth)
        elif self.idx[j] == "0":
            self._level(j + 1, depth, block_var)
        else:
            w.emit(f"for {self.idx[j]} in range({self.dims[j]}):", depth)
            self._level(j + 1, depth + 1)
        for f in self.folds:
            if f.depth == j:
                v = f.e.outvars[0]
                tgt = w.define(v) + (f"[{', '.join(self.idx[:j])}]" if f.kept else "")
                acc = f"{w.names[v]}_a"
                w.emit(f"{tgt} = {w.dtype(v.aval.dtype)}({acc})" if _widened(f) else
                       f"{tgt} = {acc}", depth)

    def _blocked_loop(self, j, depth):
        """The innermost loop in blocks of ``self.block``, each folded into the accumulators."""
        w, n = self.w, self.dims[j]
        b0, b1, jj = w.fresh("lo"), w.fresh("hi"), w.fresh("j")
        w.emit(f"for {b0} in range(0, {n}, {self.block}):", depth)
        w.emit(f"{b1} = min({b0} + {self.block}, {n})", depth + 1)
        spanning = [f for f in self.folds if self._spans_inner(f)]
        for f in spanning:
            if f.partial:
                w.emit(f"{w.names[f.e.outvars[0]]}_p = {_identity(w, f.e)}", depth + 1)
        # the index within the block counts from 0, so LLVM knows it is not negative; the
        # array index is told so (``nonneg_``), else every load is a gather
        w.emit(f"for {jj} in range({b1} - {b0}):", depth + 1)
        w.emit(f"{self.idx[j]} = {K.nonneg_(f'{b0} + {jj}')}", depth + 2)
        self._level(j + 1, depth + 2, jj)  # the unit axes after it, if any
        for f in spanning:
            name = w.names[f.e.outvars[0]]
            if f.partial:
                fold = _combine(w, f.e, f"{name}_a", f"{name}_p")
            else:
                fold = f.e.prim.lowering.block(f"{name}_a", f"{name}_b", f"{b1} - {b0}")
            w.emit(f"{name}_a = {fold}", depth + 1)

    def _body(self, depth, block_var):
        self.loads, self.checks, self.body_depth = {}, set(), depth
        done = set()  # broadcasts commented in this body
        for e in self.g.members:
            self.w.comment_reads(e, depth, done)
            self.w.comment(e, depth)
            self._member(e, depth)
        for f in self.folds:
            self.w.comment_reads(f.e, depth, done)
            self.w.comment(f.e, depth)
            self._fold(f, depth, block_var)

    def _member(self, e, depth):
        w, v, low = self.w, e.outvars[0], e.prim.lowering
        # a checked fast form needs the loop's flag; a scalar (no loop) takes the exact kernel
        needs_check = _range_checked(e)
        checked = needs_check and self.flag is not None
        expr = w.scalar_expr(e, self.read, checked or (_has_fast_form(e) and not needs_check))
        check = low.beyond.of(e.inputs[0].aval.dtype)(self.read(e.inputs[0])) if checked else None
        if check is not None and check not in self.checks:  # (sin and cos of one x: once)
            self.checks.add(check)
            w.emit(f"{self.flag} = {self.flag} | {check}", depth)
        if not self.r:
            w.emit(f"{w.define(v)} = {expr}", depth)
            return
        s = f"{w.names[v]}_s"
        w.emit(f"{s} = {expr}", depth)
        self.local[v] = s
        if v in w.escaping:
            w.emit(f"{w.define(v)}[{', '.join(self.idx)}] = {s}", depth)

    def _fold(self, f, depth, block_var):
        w, v = self.w, f.e.outvars[0]
        val = self.read(f.e.inputs[0])
        if f.depth is None:
            tgt = f"{w.define(v)}[{', '.join(self.idx[i] for i in f.kept)}]"
            w.emit(f"{tgt} = {_combine(w, f.e, tgt, val)}", depth)
        elif block_var is not None and self._spans_inner(f):
            name = w.names[v]
            if not f.partial:
                w.emit(f"{name}_b[{block_var}] = {val}", depth)
                return
            w.emit(f"{name}_p = {_fold_partial(w, f.e, f'{name}_p', val)}", depth)
        else:
            acc = f"{w.names[v]}_a"
            w.emit(f"{acc} = {_combine(w, f.e, acc, val)}", depth)

    def read(self, x):
        """Text of operand ``x`` at the current element."""
        if self.r == 0 and isinstance(x, Var) and x not in self.w.virtual:
            return self.w.n(x)
        text = self.w.at(x, self.idx, self.local)
        if not text.endswith("]"):
            return text
        # each element read once per iteration: Numba's compile time grows with every read
        # (LLVM would merge repeated loads; Numba types and lowers each one first)
        if text not in self.loads:
            self.loads[text] = self.w.fresh(text[:text.index("[")] + "_e")
            self.w.emit(f"{self.loads[text]} = {text}", self.body_depth)
        return self.loads[text]


def _has_fast_form(e):
    """Whether ``e`` has a fast form (its record's ``fast`` kernel); those take real values, so
    complex ones compute with the exact scalar form."""
    return e.prim.lowering.fast is not None and e.outvars[0].aval.dtype.kind != "c"


def _range_checked(e):
    """Whether ``e``'s fast form needs its operand checked (the call is answered by the
    evaluator if some value was beyond the fast form's range)."""
    dtypes = e.prim.lowering.beyond_dtypes
    return _has_fast_form(e) and (dtypes is None or e.inputs[0].aval.dtype in dtypes)


def _through_broadcasts(w, x):
    """The atom that ``x`` broadcasts (``x`` itself if it is no broadcast)."""
    while isinstance(x, Var) and x in w.virtual:
        x = w.virtual[x].inputs[0]
    return x


def _widened(f):
    """Whether fold ``f``, a float32 sum with a scalar accumulator, accumulates in float64: its
    values (or its blocks' partial sums) join the accumulator without float32's rounding, at one
    conversion each (a float32 sum of 1e7 values: 1.2e-6 relative error with a float32
    accumulator, 3.6e-8 with this; NumPy's pairwise sum 6.4e-8)."""
    return (f.partial and f.e.prim.lowering.widened and f.depth is not None
            and f.e.outvars[0].aval.dtype == "float32")


def _combine(w, e, acc, val):
    return _in_dtype(w, e, expression(e.prim.lowering.combine, [acc, val]))


def _fold_partial(w, e, acc, val):
    return _in_dtype(w, e, e.prim.lowering.partial(acc, val))


def _in_dtype(w, e, expr):
    """``expr`` cast to ``e``'s dtype where Numba's arithmetic would widen it (integers)."""
    dt = e.outvars[0].aval.dtype
    return expr if dt.kind in "fc" else f"{w.dtype(dt)}({expr})"


def _identity(w, e):
    return w.typed(e.prim.lowering.identity(e.outvars[0].aval.dtype))
