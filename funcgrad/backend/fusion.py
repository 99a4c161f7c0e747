"""Which equations share a loop nest.

An IR is scheduled into *items*: a ``Group`` is one loop nest over a shape, computing a run of
elementwise equations (lowering records ``Elementwise`` and ``Broadcast``) and the reductions
(``Reduction``) of values it produces or reads; a ``Single`` is any other equation, emitted on its
own. An elementwise equation joins the latest group of its shape that comes after everything it
reads (so independent chains of the same shape share a loop even when the IR interleaves them,
as backward passes do); a reduction joins the group whose loop runs over its operand's shape.
Values produced inside a group are scalars in the loop body; only those read after the loop (by
another item, or as outputs) are written to arrays.
"""
import numpy as np

from ..core.ir import Var
from ..core.lowering import Broadcast, Call, Elementwise, Reduction, Structural


def is_elementwise(e):
    return isinstance(e.prim.lowering, (Elementwise, Broadcast))


def is_broadcast(e):
    return isinstance(e.prim.lowering, Broadcast)


def is_reduction(e):
    return isinstance(e.prim.lowering, Reduction)


def _structural(e):
    """``e``'s Structural lowering record (one that rewrites nothing for other kinds)."""
    low = e.prim.lowering
    return low if isinstance(low, Structural) else _NOT_STRUCTURAL


_NOT_STRUCTURAL = Structural(emit=None)


class Group:
    """One loop nest over ``shape``: ``members`` (elementwise, in order) and ``reductions``."""

    __slots__ = ("shape", "members", "reductions", "outvars")

    def __init__(self, shape):
        self.shape, self.members, self.reductions, self.outvars = shape, [], [], set()


class Single:
    __slots__ = ("eqn",)

    def __init__(self, eqn):
        self.eqn = eqn


def live_eqns(ir):
    """The equations that contribute to the outputs (traced IRs carry dead forward values)."""
    needed = {o for o in ir.outs if isinstance(o, Var)}
    keep = []
    for e in reversed(ir.eqns):
        if any(v in needed for v in e.outvars):
            keep.append(e)
            needed.update(x for x in e.inputs if isinstance(x, Var))
    keep.reverse()
    return keep


def _param_key(v):
    if isinstance(v, (tuple, list)):
        return tuple(_param_key(x) for x in v)
    if isinstance(v, np.ndarray):
        return ("array", v.dtype.str, v.shape, v.tobytes())
    if isinstance(v, np.dtype):
        return v.str
    return v


def simplify(ir):
    """``ir`` without repeated equations (same primitive, operands and params: a backward pass
    recomputes forward values, ``2 * w`` comes out as ``w + w``...), without reshapes of
    reshapes, and without dead equations."""
    from ..core.ir import IR, Eqn
    sub, seen, eqns = {}, {}, []
    reshaped = {}  # output of a reshape -> its operand
    for e in ir.eqns:
        ins = [sub.get(x, x) if isinstance(x, Var) else x for x in e.inputs]
        if _structural(e).reshapes and isinstance(ins[0], Var):
            src = reshaped.get(ins[0], ins[0])  # a reshape of a reshape reads the original
            if src.aval.shape == e.outvars[0].aval.shape:
                sub[e.outvars[0]] = src
                continue
            ins = [src]
            reshaped[e.outvars[0]] = src
        key = (e.prim, tuple(x if isinstance(x, Var) else ("lit", x.val.dtype.str,
                                                          x.val.tobytes()) for x in ins),
               tuple(sorted((k, _param_key(v)) for k, v in e.params.items())))
        try:
            first = seen.get(key)
        except TypeError:  # an unhashable parameter: keep the equation
            first, key = None, None
        if first is not None:
            sub.update(zip(e.outvars, first))
            continue
        if key is not None:
            seen[key] = e.outvars
        eqns.append(Eqn(e.prim, ins, e.params, e.outvars))
    outs = [sub.get(o, o) if isinstance(o, Var) else o for o in ir.outs]
    new = IR(ir.in_vars, eqns, outs, ir.const_vars, ir.consts, ir.in_tree, ir.out_tree)
    new.eqns = live_eqns(new)
    return new


def rewrite(ir):
    """``ir`` with each equation whose lowering record rewrites it (``Structural.rewrite``)
    replaced by the equations it gives (a small matrix product as loops that fuse)."""
    from ..core.ir import IR
    if all(_structural(e).rewrite is None for e in ir.eqns):
        return ir
    eqns = []
    for e in ir.eqns:
        rule = _structural(e).rewrite
        new = None if rule is None else rule(e)
        eqns.extend([e] if new is None else new)
    return IR(ir.in_vars, eqns, ir.outs, ir.const_vars, ir.consts, ir.in_tree, ir.out_tree)


def is_identity_broadcast(e):
    x, v = e.inputs[0], e.outvars[0]
    return x.aval.shape == v.aval.shape and tuple(e.params["dims"]) == tuple(
        range(len(v.aval.shape)))


def _hoist_scalars(eqns):
    """``eqns`` with each 0-d elementwise equation moved up to just after the array
    equation it (transitively) depends on last. Scalars are cheap, and a scalar computed late
    splits loops: Adam's bias corrections, computed after the moment updates, kept every
    parameter's update out of the loop that updates its moments."""
    after = {}  # var -> position of the last array equation it depends on (-1: none)
    moved = [[] for _ in range(len(eqns) + 1)]  # moved[j + 1]: scalars placed after eqn j
    arrays = []
    for i, e in enumerate(eqns):
        if is_elementwise(e) and all(v.aval.shape == () for v in e.outvars):
            j = max((after.get(x, -1) for x in e.inputs if isinstance(x, Var)), default=-1)
            moved[j + 1].append(e)
        else:
            j = i
            arrays.append((i, e))
        after.update((v, j) for v in e.outvars)
    out = list(moved[0])
    for i, e in arrays:
        out.append(e)
        out.extend(moved[i + 1])
    return out


def schedule(eqns):
    """Items (``Group``/``Single``) in an order that respects every data dependence, and the
    broadcasts, which are not computed at all: a loop reads their operand through an index
    map (``virtual``: var -> its broadcast_in_dim equation)."""
    items = []
    home = {}  # var -> (item index, produced as a group member?)
    virtual = {}

    def earliest(xs):
        return max((home[x][0] for x in xs if isinstance(x, Var) and x in home), default=-1)

    def find_group(shape, ins):
        lo = earliest(ins)
        best, best_score = None, -1
        for k in range(len(items) - 1, max(lo, 0) - 1, -1):
            it = items[k]
            if not isinstance(it, Group) or it.shape != shape:
                continue
            # values a group reduces exist only after its loop: its own members cannot read them
            if any(home.get(x) == (k, False) for x in ins if isinstance(x, Var)):
                continue
            score = sum(1 for x in ins if home.get(x) == (k, True))
            if score > best_score:
                best, best_score = k, score
        return best

    for e in _hoist_scalars(eqns):
        if is_broadcast(e):
            v, x = e.outvars[0], e.inputs[0]
            virtual[v] = e
            if isinstance(x, Var) and x in home:
                # read through an index map, the operand must be a whole array (unless the map
                # is the identity)
                home[v] = home[x] if is_identity_broadcast(e) else (home[x][0], False)
        elif is_elementwise(e):
            shape = e.outvars[0].aval.shape
            k = find_group(shape, e.inputs)
            if k is None:
                items.append(Group(shape))
                k = len(items) - 1
            items[k].members.append(e)
            items[k].outvars.update(e.outvars)
            home.update((v, (k, True)) for v in e.outvars)
        elif is_reduction(e) and isinstance(e.inputs[0], Var):
            shape = e.inputs[0].aval.shape
            k = find_group(shape, e.inputs)
            if k is None:
                items.append(Group(shape))
                k = len(items) - 1
            items[k].reductions.append(e)
            home.update((v, (k, False)) for v in e.outvars)
        else:
            items.append(Single(e))
            home.update((v, (len(items) - 1, False)) for v in e.outvars)
    return items, virtual


def escaping(items, virtual, outs):
    """Group members read outside their own group (or returned): these need arrays."""
    owner = {}
    for k, it in enumerate(items):
        if isinstance(it, Group):
            for e in it.members:
                owner[e.outvars[0]] = k

    def base(x):
        while isinstance(x, Var) and x in virtual:
            x = virtual[x].inputs[0]
        return x

    need = set()
    for o in outs:
        b = base(o)
        if isinstance(b, Var) and b in owner:
            need.add(b)
    for k, it in enumerate(items):
        eqns = [it.eqn] if isinstance(it, Single) else it.members + it.reductions
        for e in eqns:
            for x in e.inputs:
                if not isinstance(x, Var):
                    continue
                b = base(x)
                same = isinstance(it, Group) and (b is x or _identity_chain(x, virtual))
                if isinstance(b, Var) and b in owner and (owner[b] != k or not same):
                    need.add(b)
    return need


def _identity_chain(x, virtual):
    while x in virtual:
        if not is_identity_broadcast(virtual[x]):
            return False
        x = virtual[x].inputs[0]
        if not isinstance(x, Var):
            return True
    return True


def inline_calls(ir):
    """``ir`` with every call of another IR (lowering record ``Call``: ``jit_call``) replaced by
    the equations of that IR (fresh variables), so nested jit, grad(jit(f)) and vmap(jit(f))
    compile to one function."""
    if not any(isinstance(e.prim.lowering, Call) for e in ir.eqns):
        return ir
    from ..core.ir import IR, Eqn
    env = {}

    def sub(x):
        return env.get(x, x) if isinstance(x, Var) else x

    eqns = []

    def splice(inner, args):
        inner = inline_calls(inner)
        local = dict(zip(inner.in_vars, args))

        def get(x):
            return local.get(x, x) if isinstance(x, Var) else x

        for e in inner.eqns:
            outs = [Var(v.aval) for v in e.outvars]
            local.update(zip(e.outvars, outs))
            eqns.append(Eqn(e.prim, [get(x) for x in e.inputs], e.params, outs))
        return [get(o) for o in inner.outs]

    for e in ir.eqns:
        low = e.prim.lowering
        if isinstance(low, Call):
            env.update(zip(e.outvars, splice(e.params[low.ir], [sub(x) for x in e.inputs])))
        else:
            eqns.append(Eqn(e.prim, [sub(x) for x in e.inputs], e.params, e.outvars))
    return IR(ir.in_vars, eqns, [sub(o) for o in ir.outs], ir.const_vars, ir.consts,
              ir.in_tree, ir.out_tree)


def split(ir, supported):
    """Segments of ``ir`` around the equations ``supported`` rejects.

    Returns a list of ``("ir", sub_ir)`` (a closed IR over the values it reads; its outputs are
    the values read later) and ``("eqn", eqn)``, in order; the inputs of ``ir`` are
    ``ir.const_vars + ir.in_vars``."""
    from ..core.ir import IR
    eqns = live_eqns(ir)
    runs, cur = [], []
    for e in eqns:
        if supported(e):
            cur.append(e)
        else:
            if cur:
                runs.append(cur)
                cur = []
            runs.append(e)
    if cur:
        runs.append(cur)
    needed_after = []  # vars read by later runs or returned
    later = {o for o in ir.outs if isinstance(o, Var)}
    for run in reversed(runs):
        needed_after.append(set(later))
        for e in (run if isinstance(run, list) else [run]):
            later.update(x for x in e.inputs if isinstance(x, Var))
    needed_after.reverse()
    segments = []
    for run, after in zip(runs, needed_after):
        if not isinstance(run, list):
            segments.append(("eqn", run))
            continue
        defined = {v for e in run for v in e.outvars}
        ins, seen = [], set()
        for e in run:
            for x in e.inputs:
                if isinstance(x, Var) and x not in defined and x not in seen:
                    seen.add(x)
                    ins.append(x)
        outs = [v for e in run for v in e.outvars if v in after]
        segments.append(("ir", IR(ins, run, outs)))
    return segments
