"""IR-to-IR passes on the way to native code, each run once per IR.

``compile_ir`` (``runner``) inlines calls and, where some equation has no compiled form, cuts
the IR into segments around it; the renderer (``codegen``) optimizes each function's IR just
before writing it: products that return an operand given the captured constants' values go
(``fold_known_operands``), small matrix products become loops (``expand_rewrites``), chains
of transposes and size-1 reshapes become one transpose (``transpose_unit_chains``), then
repeated equations, reshapes of reshapes, products by one and dead equations go
(``simplify``). Every pass keeps the variables it does not remove, so generated code names
them as ``print(ir)`` does.
"""
import numpy as np

from ..core.ir import IR, Eqn, Lit, Var, param_key
from ..core.lowering import Broadcast, Call, Structural


def inline_calls(ir):
    """``ir`` with every call of another IR (lowering record ``Call``: ``jit_call``) replaced by
    the equations of that IR (fresh variables), so nested jit, grad(jit(f)) and vmap(jit(f))
    compile to one function."""
    if not any(isinstance(e.prim.lowering, Call) for e in ir.eqns):
        return ir
    env, eqns = {}, []
    for e in ir.eqns:
        ins = [env.get(x, x) if isinstance(x, Var) else x for x in e.inputs]
        low = e.prim.lowering
        if isinstance(low, Call):
            env.update(zip(e.outvars, _splice(inline_calls(e.params[low.ir]), ins, eqns)))
        else:
            eqns.append(Eqn(e.prim, ins, e.params, e.outvars))
    return IR(ir.in_vars, eqns, [env.get(o, o) if isinstance(o, Var) else o for o in ir.outs],
              ir.const_vars, ir.consts, ir.in_tree, ir.out_tree)


def _splice(inner, args, eqns):
    """Append ``inner``'s equations applied to ``args`` (fresh variables) to ``eqns``; returns
    the atoms of its outputs."""
    local = dict(zip(inner.in_vars, args))

    def get(x):
        return local.get(x, x) if isinstance(x, Var) else x

    for e in inner.eqns:
        outs = [Var(v.aval) for v in e.outvars]
        local.update(zip(e.outvars, outs))
        eqns.append(Eqn(e.prim, [get(x) for x in e.inputs], e.params, outs))
    return [get(o) for o in inner.outs]


def _structural(e):
    """``e``'s Structural lowering record (one that rewrites nothing for other kinds)."""
    low = e.prim.lowering
    return low if isinstance(low, Structural) else _NOT_STRUCTURAL


_NOT_STRUCTURAL = Structural(emit=None)


def expand_rewrites(ir):
    """``ir`` with each equation whose lowering record rewrites it (``Structural.rewrite``)
    replaced by the equations it gives (a small matrix product as loops that fuse)."""
    if all(_structural(e).rewrite is None for e in ir.eqns):
        return ir
    eqns = []
    for e in ir.eqns:
        rule = _structural(e).rewrite
        new = None if rule is None else rule(e)
        eqns.extend([e] if new is None else new)
    return IR(ir.in_vars, eqns, ir.outs, ir.const_vars, ir.consts, ir.in_tree, ir.out_tree)


KNOWN_SIZE_LIMIT = 1 << 16  # elements: larger constants are not looked at when compiling


def known_values(ir):
    """{var: value} for the variables of ``ir`` whose values are known before it runs: its
    captured constants (``ir.consts``, the values of ``ir.const_vars``) and the outputs of
    equations that read only those and literals and are no larger than their largest operand
    (a constant reshaped or transposed; never a broadcast made into an array).

    >>> import numpy as np, funcgrad as fg, funcgrad.numpy as fnp
    >>> ir = fg.make_ir(lambda x: x @ fnp.transpose(np.eye(2)))(np.ones((1, 2)))
    >>> [str(v.aval) for v in known_values(ir)]  # the constant and its transpose
    ['f64[2,2]', 'f64[2,2]']
    """
    known = {v: c for v, c in zip(ir.const_vars, ir.consts)
             if isinstance(c, np.ndarray) and c.size <= KNOWN_SIZE_LIMIT}
    for e in ir.eqns if known else ():
        vals = _known_operands(e, known)
        out = e.outvars[0].aval
        if vals and out.size <= max(np.size(v) for v in vals):
            val = np.asarray(e.prim.impl(*vals, **e.params))
            if val.shape == out.shape and val.dtype == out.dtype:
                known[e.outvars[0]] = val
    return known


def _known_operands(e, known):
    """The values of ``e``'s operands if all are known and ``e`` is one plain computation
    (one result; no IR of its own to run), else None."""
    if e.prim.multiple_results or isinstance(e.prim.lowering, Call) or _structural(e).irs:
        return None
    if not all(isinstance(x, Lit) or x in known for x in e.inputs):
        return None
    return [x.val if isinstance(x, Lit) else known[x] for x in e.inputs]


def fold_known_operands(ir):
    """``ir`` without the equations that return one of their operands unchanged given the
    values of its captured constants (``Structural.fold``): ``jacfwd`` pushes an identity basis
    through a function, and a matrix product with it would cost as much as the Hessian's own.
    The values come from ``ir.consts``, so an IR whose constants are inputs (a segment, a
    nested call) keeps its equations.

    >>> import numpy as np, funcgrad as fg
    >>> ir = fg.make_ir(lambda x: x @ np.eye(3))(np.ones((2, 3)))
    >>> [e.prim.name for e in ir.eqns], fold_known_operands(ir).eqns
    (['matmul'], [])
    """
    if not any(_structural(e).fold for e in ir.eqns):
        return ir
    known = known_values(ir)
    sub, eqns = {}, []
    for e in ir.eqns:
        e = Eqn(e.prim, [sub.get(x, x) if isinstance(x, Var) else x for x in e.inputs],
                e.params, e.outvars)
        fold = _structural(e).fold
        same = fold(e, known) if fold is not None and known else None
        if same is None:
            eqns.append(e)
        else:
            sub[e.outvars[0]] = same
    if not sub:
        return ir
    new = IR(ir.in_vars, eqns, [sub.get(o, o) if isinstance(o, Var) else o for o in ir.outs],
             ir.const_vars, ir.consts, ir.in_tree, ir.out_tree)
    new.eqns = live_eqns(new)
    return new


def transpose_unit_chains(ir):
    """``ir`` with each transpose of a reshape that only adds size-1 axes to an array without
    any (and each transpose of such a transpose) rewritten as one transpose of that array, then
    a reshape adding the size-1 axes if the output has them. ``vmap`` moves batch axes past
    the size-1 axes of matrix-vector products; a chain of them is a copy (a reshape of a
    non-contiguous array), the transpose alone a view. ``simplify`` drops the dead links."""
    layout = {}  # var -> (source without size-1 axes, the permutation of its axes it holds)
    eqns = []
    for e in ir.eqns:
        rec = _structural(e)
        x = e.inputs[0] if e.inputs and isinstance(e.inputs[0], Var) else None
        if rec.reshapes and x is not None and _unit_free(x.aval.shape) and \
                _non_unit(e.outvars[0].aval.shape) == x.aval.shape:
            layout[e.outvars[0]] = (x, tuple(range(x.aval.ndim)), e.prim)
        if not (rec.permutes and x in layout):
            eqns.append(e)
            continue
        src, held, reshape_prim = layout[x]
        perm = _unit_free_perm(x.aval.shape, e.params["perm"])
        new = tuple(held[p] for p in perm)
        layout[e.outvars[0]] = (src, new, reshape_prim)
        eqns.extend(_as_one_transpose(e, src, new, reshape_prim))
    return IR(ir.in_vars, eqns, ir.outs, ir.const_vars, ir.consts, ir.in_tree, ir.out_tree)


def _non_unit(shape):
    return tuple(d for d in shape if d != 1)


def _unit_free(shape):
    return 1 not in shape


def _unit_free_perm(shape, perm):
    """``perm`` of an array of ``shape`` as a permutation of its axes longer than 1."""
    rank = {a: i for i, a in enumerate(a for a in range(len(shape)) if shape[a] != 1)}
    return tuple(rank[a] for a in perm if shape[a] != 1)


def _as_one_transpose(e, src, perm, reshape_prim):
    """Equations computing ``e``'s output as ``src`` transposed by ``perm``, then reshaped."""
    v = e.outvars[0]
    shape = tuple(src.aval.shape[p] for p in perm)
    if perm == tuple(range(len(perm))):
        moved, eqns = src, []
    else:
        moved = v if shape == v.aval.shape else Var(type(v.aval)(shape, v.aval.dtype))
        eqns = [Eqn(e.prim, [src], dict(e.params, perm=perm), [moved])]
    if moved is not v:
        eqns.append(Eqn(reshape_prim, [moved], {"shape": v.aval.shape}, [v]))
    return eqns


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


def simplify(ir):
    """``ir`` without repeated equations (same primitive, operands and params: a backward pass
    recomputes forward values, ``2 * w`` comes out as ``w + w``...), without reshapes of
    reshapes, without products by one and the like (``Elementwise.units``: a gradient's seed
    of ones, broadcast into the backward pass), and without dead equations."""
    sub, seen, eqns = {}, {}, []
    reshaped = {}  # output of a reshape -> its operand
    uniform = {}  # output of a broadcast of a literal -> that value
    for e in ir.eqns:
        ins = [sub.get(x, x) if isinstance(x, Var) else x for x in e.inputs]
        same = _unit_operand(e, ins, uniform)
        if same is not None:
            sub[e.outvars[0]] = same
            continue
        if isinstance(e.prim.lowering, Broadcast) and \
                (val := _uniform(ins[0], uniform)) is not None:
            uniform[e.outvars[0]] = val
        if _structural(e).reshapes and isinstance(ins[0], Var):
            src = reshaped.get(ins[0], ins[0])  # a reshape of a reshape reads the original
            if src.aval.shape == e.outvars[0].aval.shape:
                sub[e.outvars[0]] = src
                continue
            ins = [src]
            reshaped[e.outvars[0]] = src
        key = _equation_key(e, ins)
        first = seen.get(key) if key is not None else None
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


def _uniform(x, uniform):
    """The value of every element of atom ``x`` if known (a scalar literal, a broadcast of
    one), else None."""
    if isinstance(x, Lit):
        return x.val.item() if x.val.ndim == 0 else None
    return uniform.get(x)


def _unit_operand(e, ins, uniform):
    """The operand that elementwise ``e`` returns unchanged because another is its unit
    (``Elementwise.units``), or None. Real results only: ``x * (1 + 0j)`` is not ``x`` where
    ``x`` has an infinite part."""
    units = getattr(e.prim.lowering, "units", None)
    out = e.outvars[0].aval
    if units is None or out.dtype.kind == "c":
        return None
    for i, unit in enumerate(units):
        if unit is None or _uniform(ins[i], uniform) != unit:
            continue
        other = ins[1 - i]
        if isinstance(other, Var) and other.aval.shape == out.shape and \
                other.aval.dtype == out.dtype:
            return other
    return None


def _equation_key(e, ins):
    """What ``e`` computes from the atoms ``ins``, as a hashable key; None if a parameter is
    not hashable (the equation is then kept)."""
    key = (e.prim, tuple(x if isinstance(x, Var) else ("lit", x.val.dtype.str, x.val.tobytes())
                         for x in ins),
           tuple(sorted((k, param_key(v)) for k, v in e.params.items())))
    try:
        hash(key)
    except TypeError:
        return None
    return key


def optimize(ir):
    """The passes the renderer runs on each function's IR: folds, rewrites, ``simplify``."""
    return simplify(transpose_unit_chains(expand_rewrites(fold_known_operands(ir))))


def segments(ir, compiles):
    """Segments of ``ir`` around the equations ``compiles`` rejects, in order: ``("ir",
    sub_ir)`` for a run of equations that compile (a closed IR over the values it reads; its
    outputs are the values read later) and ``("eqn", eqn)`` for one that does not. The inputs
    of ``ir`` are ``ir.const_vars + ir.in_vars``."""
    runs = []
    for e in live_eqns(ir):
        if not compiles(e):
            runs.append(e)
        elif runs and isinstance(runs[-1], list):
            runs[-1].append(e)
        else:
            runs.append([e])
    later = {o for o in ir.outs if isinstance(o, Var)}  # read by later segments or returned
    out = []
    for run in reversed(runs):
        eqns = run if isinstance(run, list) else [run]
        out.append(("ir", _segment_ir(run, later)) if isinstance(run, list) else ("eqn", run))
        later.update(x for e in eqns for x in e.inputs if isinstance(x, Var))
    out.reverse()
    return out


def _segment_ir(eqns, later):
    """The closed IR of a run of equations: inputs, the values it reads and does not define;
    outputs, those it defines that are in ``later``."""
    defined = {v for e in eqns for v in e.outvars}
    ins = list(dict.fromkeys(x for e in eqns for x in e.inputs
                             if isinstance(x, Var) and x not in defined))
    return IR(ins, eqns, [v for e in eqns for v in e.outvars if v in later])
