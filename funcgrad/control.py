"""Structured control flow: ``cond``, ``scan``, ``fori_loop``, ``while_loop`` (JAX's lax
signatures).

With concrete values (eagerly, and under ``grad``/``jvp`` outside ``jit``) they simply run as
Python control flow, so every transformation sees ordinary primitives. With abstract values
(``make_ir``, ``jit``) each becomes one primitive that holds the IR of its branches or body; its
rules transform those IRs (``jvp`` of a branch is the branch's JVP IR, the ``vjp`` of a scan is a
reverse scan over the body's VJP), so control flow composes with every transformation and
compiles to one native function.
"""
import numpy as np

from . import tree as pytree
from .ad import jvp_flat, vjp_flat, zeros_like_aval
from .batching import vmap
from .core.avals import ShapedArray, is_inexact
from .core.interpret import eval_ir
from .core.lowering import Structural
from .core.primitive import Primitive
from .core.tracing import Tracer, get_aval, trace_to_ir, tracing_abstractly
from .errors import ConcretizationError, user_frame
from .inner_ir import cotangent_aval, ir_function, trace_closed
from .ops import elementwise as ew
from .ops import kernel_names as K
from .ops import shape as sh
from .ops.reductions import reduce_max_p


def _concrete_or_none(x):
    if not isinstance(x, Tracer):
        return np.asarray(x)
    try:
        return x.concrete_value()
    except ConcretizationError:
        return None


def _retrace(fun, avals):
    """IR of ``fun`` (flat lists) on ``avals``, with no captured constants left over."""
    ir, consts = trace_closed(fun, avals)
    if consts:  # constants created inside rules (e.g. zeros): keep them as literals of an IR
        ir2 = trace_to_ir(lambda *xs: eval_ir(ir, ir.consts, list(consts) + list(xs)),
                          avals)
        return ir2
    return ir


def _stack(values, aval):
    """Stack equal-shaped values along a new leading axis (traceable)."""
    if not values:
        return np.zeros((0,) + aval.shape, aval.dtype)
    return sh.concatenate([sh.reshape(v, (1,) + aval.shape) for v in values], 0)


def _batched_ir_fun(ir, in_axes, size):
    # (bodies re-traced by the jvp/vjp rules may keep array constants: pass them along)
    return vmap(lambda *xs: eval_ir(ir, list(ir.consts), list(xs)), in_axes=tuple(in_axes),
                axis_size=size)


def _front(vals, dims, size):
    """Batched values with the batch axis first, and their in_axes (0, or None if unbatched)."""
    return ([v if d is None else sh.move_to_front(v, d, size) for v, d in zip(vals, dims)],
            [None if d is None else 0 for d in dims])


# --- cond -------------------------------------------------------------------------------------

def cond(pred, true_fun, false_fun, *operands):
    """``true_fun(*operands)`` if ``pred`` else ``false_fun(*operands)``, also under ``jit``.

    Both branches must return the same pytree of shapes and dtypes.

    >>> f = lambda x: cond(x > 0, lambda v: v * 2.0, lambda v: -v, x)
    >>> float(f(3.0)), float(f(-3.0))
    (6.0, 3.0)
    """
    p = _concrete_or_none(pred)
    if p is not None:
        if np.shape(p) != ():
            raise TypeError(f"cond: pred must be a scalar, got shape {np.shape(p)} "
                            f"(at {user_frame()}); use fnp.where for elementwise choices.")
        return (true_fun if bool(p) else false_fun)(*operands)
    if get_aval(pred).shape != ():
        raise TypeError(f"cond: pred must be a scalar, got shape {get_aval(pred).shape} "
                        f"(at {user_frame()}); use fnp.where for elementwise choices.")
    if get_aval(pred).dtype != np.bool_:
        pred = ew.ne_p.bind(pred, np.zeros((), get_aval(pred).dtype))
    leaves, in_tree = pytree.tree_flatten(operands)
    avals = [get_aval(x) for x in leaves]
    trees = []

    def flat(fun):
        def f(*xs):
            out_leaves, td = pytree.tree_flatten(fun(*pytree.tree_unflatten(in_tree, xs)))
            trees.append(td)
            return out_leaves
        return f

    ir_t, c_t = trace_closed(flat(true_fun), avals)
    ir_f, c_f = trace_closed(flat(false_fun), avals)
    if trees[0] != trees[1] or ir_t.out_avals != ir_f.out_avals:
        raise TypeError(
            "cond: the branches return different structures or types: true_fun gives "
            f"{trees[0]} {ir_t.out_avals}, false_fun gives {trees[1]} {ir_f.out_avals} "
            f"(at {user_frame()}). Both must return the same pytree of shapes and dtypes.")
    nt, nf = len(c_t), len(c_f)
    all_avals = [get_aval(c) for c in c_t + c_f] + avals
    bt = trace_to_ir(lambda *xs: eval_ir(ir_t, ir_t.consts,
                                         list(xs[:nt]) + list(xs[nt + nf:])),
                     all_avals)
    bf = trace_to_ir(lambda *xs: eval_ir(ir_f, ir_f.consts,
                                         list(xs[nt:nt + nf]) + list(xs[nt + nf:])),
                     all_avals)
    outs = cond_p.bind(pred, *c_t, *c_f, *leaves, branches=(_noconst(bt), _noconst(bf)))
    return pytree.tree_unflatten(trees[0], outs)


def _noconst(ir):
    if ir.consts:
        raise AssertionError("branch IRs are closed")
    return ir


def _cond_impl(pred, *args, branches):
    branch = branches[0] if bool(pred) else branches[1]
    return eval_ir(branch, branch.consts, list(args))


def _cond_jvp(primals, tangents, branches):
    pred, args = primals[0], list(primals[1:])
    avals = [get_aval(a) for a in args]
    fl = [i for i, a in enumerate(avals) if is_inexact(a.dtype)]
    out_avals = branches[0].out_avals
    fo = [j for j, a in enumerate(out_avals) if is_inexact(a.dtype)]

    def jvp_ir(ir):
        def f(*xs):
            prim, tans = list(xs[:len(args)]), [None] * len(args)
            for k, i in enumerate(fl):
                tans[i] = xs[len(args) + k]
            outs, touts = jvp_flat(ir_function(ir), prim, tans)
            return list(outs) + [touts[j] for j in fo]
        return _retrace(f, avals + [avals[i] for i in fl])

    tans = [_tangent(args[i], tangents[1 + i]) for i in fl]
    res = cond_p.bind(pred, *args, *tans, branches=(jvp_ir(branches[0]), jvp_ir(branches[1])))
    n = len(out_avals)
    t_out = [None] * n
    for k, j in enumerate(fo):
        t_out[j] = res[n + k]
    return res[:n], t_out


def _cond_vjp(cts, primals, out, branches):
    pred, args = primals[0], list(primals[1:])
    avals = [get_aval(a) for a in args]
    out_avals = branches[0].out_avals
    cts = [c if is_inexact(a.dtype) else zeros_like_aval(cotangent_aval(a))
           for c, a in zip(cts, out_avals)]

    def vjp_ir(ir):
        def f(*xs):
            prim, ct = list(xs[:len(args)]), list(xs[len(args):])
            _, fn, _ = vjp_flat(lambda *a: (ir_function(ir)(*a), None), prim)
            return fn(ct)
        return _retrace(f, avals + [cotangent_aval(a) for a in out_avals])

    res = cond_p.bind(pred, *args, *cts, branches=(vjp_ir(branches[0]), vjp_ir(branches[1])))
    return [None] + [r if is_inexact(a.dtype) else None for r, a in zip(res, avals)]


def _cond_batch(vals, dims, branches):
    size = sh.batch_size(vals, dims)
    pred, pdim = vals[0], dims[0]
    args, axes = _front(vals[1:], dims[1:], size)
    t_fun, f_fun = (_batched_ir_fun(b, axes, size) for b in branches)
    if pdim is None:
        outs = cond(pred, t_fun, f_fun, *args)
    else:  # a predicate per example: evaluate both branches, then choose per example
        pred = sh.move_to_front(pred, pdim, size)
        outs = [ew.select_p.bind(sh.broadcast_in_dim(pred, np.shape(t), (0,)), t, f)
                for t, f in zip(t_fun(*args), f_fun(*args))]
    return outs, [0] * len(outs)


def _emit_cond(w, e):
    t_ir, f_ir = e.params["branches"]
    ft, ff = w.function(t_ir), w.function(f_ir)
    args = [w.n(x) for x in e.inputs[1:]]
    res = w.fresh("r")
    w.emit(f"if {w.n(e.inputs[0])}:")
    w.emit(f"    {res} = {w.call(ft, args)}")
    w.emit("else:")
    w.emit(f"    {res} = {w.call(ff, args)}")
    for k, v in enumerate(e.outvars):
        w.assign(v, f"{res}[{k}]", view=True)  # a branch may return one of its inputs


cond_p = Primitive("cond", multiple_results=True, impl=_cond_impl,
                   abstract_eval=lambda pred, *avals, branches: branches[0].out_avals,
                   jvp=_cond_jvp, vjp=_cond_vjp, batch=_cond_batch,
                   lowering=Structural(_emit_cond, irs=("branches",)))


# --- scan -------------------------------------------------------------------------------------

def scan(f, init, xs=None, length=None, reverse=False):
    """Loop ``carry, y = f(carry, x)`` over the leading axis of ``xs``; returns
    ``(final_carry, stacked_ys)``. Compiles to one loop under ``jit``; differentiable.

    >>> import numpy as np
    >>> carry, ys = scan(lambda c, x: (c + x, c * x), 0.0, np.arange(1.0, 4.0))
    >>> float(carry), ys.tolist()
    (6.0, [0.0, 2.0, 9.0])
    """
    x_leaves, x_tree = pytree.tree_flatten(xs)
    lengths = {get_aval(x).shape[0] if get_aval(x).shape else None for x in x_leaves}
    if None in lengths:
        raise ValueError(f"scan: every leaf of xs needs a leading axis to scan over "
                         f"(at {user_frame()})")
    if length is not None:
        lengths.add(int(length))
    if len(lengths) != 1:
        raise ValueError(f"scan: xs leaves have different leading sizes {sorted(lengths)} "
                         f"(and length={length}) (at {user_frame()}); they must all match.")
    (n,) = lengths
    c_leaves, c_tree = pytree.tree_flatten(init)
    if not tracing_abstractly():
        return _scan_python(f, init, x_leaves, x_tree, n, reverse)
    c_avals = [get_aval(c) for c in c_leaves]
    x_avals = [ShapedArray(get_aval(x).shape[1:], get_aval(x).dtype) for x in x_leaves]
    y_tree = []

    def body(*vals):
        carry = pytree.tree_unflatten(c_tree, vals[:len(c_avals)])
        x = pytree.tree_unflatten(x_tree, vals[len(c_avals):])
        res = f(carry, x)
        if not (isinstance(res, tuple) and len(res) == 2):
            raise TypeError("scan: f must return a pair (carry, y)")
        new_c, y = res
        nc_leaves, nc_tree = pytree.tree_flatten(new_c)
        if nc_tree != c_tree or [get_aval(v) for v in nc_leaves] != c_avals:
            raise TypeError(
                f"scan: f must return a carry of the same structure and types as init: init "
                f"is {c_tree} {c_avals}, f returned {nc_tree} "
                f"{[get_aval(v) for v in nc_leaves]} (at {user_frame()}).")
        y_leaves, yt = pytree.tree_flatten(y)
        y_tree.append(yt)
        return nc_leaves + y_leaves

    ir, consts = trace_closed(body, c_avals + x_avals)
    outs = scan_p.bind(*consts, *c_leaves, *x_leaves, body=ir, num_consts=len(consts),
                       num_carry=len(c_leaves), length=n, reverse=bool(reverse))
    nc = len(c_leaves)
    return pytree.tree_unflatten(c_tree, outs[:nc]), pytree.tree_unflatten(y_tree[0], outs[nc:])


def _scan_python(f, init, x_leaves, x_tree, n, reverse):
    carry, ys = init, []
    order = range(n - 1, -1, -1) if reverse else range(n)
    for i in order:
        x = pytree.tree_unflatten(x_tree, [_index(v, i) for v in x_leaves])
        carry, y = f(carry, x)
        ys.append(y)
    if reverse:
        ys.reverse()
    if not ys:
        raise ValueError("scan over zero iterations needs jit to know the output shapes")
    y_leaves = [pytree.tree_leaves(y) for y in ys]
    y_tree = pytree.tree_structure(ys[0])
    stacked = [_stack([yl[k] for yl in y_leaves], get_aval(y_leaves[0][k]))
               for k in range(len(y_leaves[0]))]
    return carry, pytree.tree_unflatten(y_tree, stacked)


def _index(x, i):
    shape = get_aval(x).shape
    nd = len(shape)
    s = sh.slice_p.bind(x, start=(i,) + (0,) * (nd - 1), limit=(i + 1,) + shape[1:],
                        step=(1,) * nd)
    return sh.reshape(s, shape[1:])


def _scan_impl(*args, body, num_consts, num_carry, length, reverse):
    consts = list(args[:num_consts])
    carry = list(args[num_consts:num_consts + num_carry])
    xs = [np.asarray(x) for x in args[num_consts + num_carry:]]
    ny = len(body.outs) - num_carry
    ys = [np.empty((length,) + a.shape, a.dtype) for a in body.out_avals[num_carry:]]
    for i in (range(length - 1, -1, -1) if reverse else range(length)):
        out = eval_ir(body, body.consts, consts + carry + [x[i] for x in xs])
        carry = out[:num_carry]
        for k in range(ny):
            ys[k][i] = out[num_carry + k]
    return [np.asarray(c) for c in carry] + ys


def _scan_abstract(*avals, body, num_consts, num_carry, length, reverse):
    outs = body.out_avals
    return outs[:num_carry] + [ShapedArray((length,) + a.shape, a.dtype)
                               for a in outs[num_carry:]]


def _scan_jvp(primals, tangents, body, num_consts, num_carry, length, reverse):
    nk, nc = num_consts, num_carry
    avals, out_avals = body.in_avals, body.out_avals  # consts, carry, x slices
    spans = [range(0, nk), range(nk, nk + nc), range(nk + nc, len(avals))]
    groups = [[i for i in span if is_inexact(avals[i].dtype)] for span in spans]
    fo_c = [j for j in range(nc) if is_inexact(out_avals[j].dtype)]
    fo_y = [j for j in range(nc, len(out_avals)) if is_inexact(out_avals[j].dtype)]
    if [i - nk for i in groups[1]] != fo_c:
        raise AssertionError("scan carry dtypes are fixed")
    jvp = _grouped_jvp(body, spans, groups)

    def jbody(*xs):  # consts, const tangents, carry, carry tangents, xs, x tangents
        outs, touts = jvp(*xs)
        return outs[:nc] + [touts[j] for j in fo_c] + outs[nc:] + [touts[j] for j in fo_y]

    jir = _retrace(jbody, _interleave(avals, spans, groups, lambda i: avals[i]))
    args = _interleave(primals, spans, groups, lambda i: _tangent(primals[i], tangents[i]))
    res = scan_p.bind(*args, body=jir, num_consts=nk + len(groups[0]),
                      num_carry=nc + len(groups[1]), length=length, reverse=reverse)
    ny = len(out_avals) - nc
    carry, carry_t, rest = res[:nc], res[nc:nc + len(fo_c)], res[nc + len(fo_c):]
    t_out = [None] * len(out_avals)
    for j, t in zip(fo_c + fo_y, carry_t + rest[ny:]):
        t_out[j] = t
    return carry + rest[:ny], t_out


def _grouped_jvp(ir, spans, groups):
    """``ir``'s JVP as a function of the inputs in ``spans``, each span followed by the
    tangents of its inputs in ``groups`` (the others have none); returns (outputs, output
    tangents)."""
    n = spans[-1].stop

    def f(*xs):
        pos, prim, tans = 0, [None] * n, [None] * n
        for span, group in zip(spans, groups):
            for i in span:
                prim[i], pos = xs[pos], pos + 1
            for i in group:
                tans[i], pos = xs[pos], pos + 1
        return jvp_flat(ir_function(ir), prim, tans)
    return f


def _interleave(values, spans, groups, tangent):
    """``values`` of each span followed by ``tangent(i)`` for the ``i`` of its group."""
    out = []
    for span, group in zip(spans, groups):
        out += [values[i] for i in span] + [tangent(i) for i in group]
    return out


def _tangent(x, t):
    """``t``, or zeros for ``x`` where it is None (a loop carries an explicit tangent)."""
    return t if t is not None else zeros_like_aval(get_aval(x))


def _scan_vjp(cts, primals, out, body, num_consts, num_carry, length, reverse):
    nk, nc = num_consts, num_carry
    avals = body.in_avals
    out_avals = body.out_avals
    consts = list(primals[:nk])
    init = list(primals[nk:nk + nc])
    xs = list(primals[nk + nc:])
    # 1. Forward again, also emitting the carry that enters each step (the residuals).
    res_body = _retrace(lambda *v: (lambda o: o[:nc] + o[nc:] + list(v[nk:nk + nc]))(
        eval_ir(body, body.consts, list(v))), avals)
    fwd = scan_p.bind(*consts, *init, *xs, body=res_body, num_consts=nk, num_carry=nc,
                      length=length, reverse=reverse)
    carries_in = fwd[len(out_avals):]
    # 2. Backward: a reverse scan over (x_i, carry_i, ct_y_i) with carry (ct_carry, ct_consts).
    ct_c_avals = [cotangent_aval(a) for a in out_avals[:nc]]
    ct_y_avals = [cotangent_aval(a) for a in out_avals[nc:]]
    ct_k_avals = [cotangent_aval(a) for a in avals[:nk]]
    nx = len(avals) - nk - nc

    def bwd_body(*v):
        k = list(v[:nk])
        ct_c = list(v[nk:nk + nc])
        acc = list(v[nk + nc:nk + nc + nk])
        rest = list(v[nk + nc + nk:])
        x_i, c_i, ct_y = rest[:nx], rest[nx:nx + nc], rest[nx + nc:]
        _, fn, _ = vjp_flat(lambda *a: (ir_function(body)(*a), None), k + c_i + x_i)
        # integer inputs get float zeros: the cotangent carries are declared float (cotangent_aval);
        # broadcast from a 0-d literal, so the body IR captures no array constant
        g = [c if is_inexact(a.dtype) else sh.zeros_like_shape(a.shape, np.float64)
             for c, a in zip(fn(ct_c + ct_y), avals)]
        g_k, g_c, g_x = g[:nk], g[nk:nk + nc], g[nk + nc:]
        return g_c + [ew.add(a, b) for a, b in zip(acc, g_k)] + g_x

    b_avals = (avals[:nk] + ct_c_avals + ct_k_avals + avals[nk + nc:] + avals[nk:nk + nc]
               + ct_y_avals)
    bir = _retrace(bwd_body, b_avals)
    ct_c0 = [c if is_inexact(a.dtype) else zeros_like_aval(cotangent_aval(a)) for c, a in
             zip(cts[:nc], out_avals[:nc])]
    ct_ys = [c if is_inexact(a.dtype) else np.zeros((length,) + a.shape, np.float64)
             for c, a in zip(cts[nc:], out_avals[nc:])]
    res = scan_p.bind(*consts, *ct_c0, *[zeros_like_aval(a) for a in ct_k_avals], *xs,
                      *carries_in, *ct_ys, body=bir, num_consts=nk, num_carry=nc + nk,
                      length=length, reverse=not reverse)
    ct_init, ct_consts, ct_xs = res[:nc], res[nc:nc + nk], res[nc + nk:]
    float_in = [is_inexact(a.dtype) for a in avals]
    return [c if ok else None for c, ok in zip(ct_consts + ct_init + ct_xs, float_in)]


def _scan_batch(vals, dims, body, num_consts, num_carry, length, reverse):
    size = sh.batch_size(vals, dims)
    nk, nc = num_consts, num_carry
    consts, k_axes = _front(vals[:nk], dims[:nk], size)
    carry = [sh.move_to_front(v, d, size) for v, d in zip(vals[nk:nk + nc], dims[nk:nk + nc])]
    # xs keep the scanned axis first: their batch axis goes second
    xs = [v if d is None else sh.move_batch_axis(v, d, 1, size)
          for v, d in zip(vals[nk + nc:], dims[nk + nc:])]
    x_axes = [None if d is None else 0 for d in dims[nk + nc:]]
    body_b = _batched_ir_fun(body, k_axes + [0] * nc + x_axes, size)

    def f(c, x):
        outs = body_b(*consts, *c, *x)
        return list(outs[:nc]), list(outs[nc:])

    c_out, ys = scan(f, carry, xs, length=length, reverse=reverse)
    return list(c_out) + list(ys), [0] * len(c_out) + [1] * len(ys)


def _emit_scan(w, e):
    p = e.params
    body = w.function(p["body"])
    nk, nc = p["num_consts"], p["num_carry"]
    ins = e.inputs
    consts = [w.n(x) for x in ins[:nk]]
    carry = [w.fresh("c") for _ in range(nc)]
    for c, x in zip(carry, ins[nk:nk + nc]):
        w.emit(f"{c} = {w.n(x)}")
    xs = ins[nk + nc:]
    n = w.size(p["length"])
    sizes = lambda shape: "".join(w.size(d) + ", " for d in shape)  # noqa: E731
    ys = []
    for a in p["body"].out_avals[nc:]:
        y = w.fresh("y")
        w.emit(f"{y} = {K.empty_(f'({n}, {sizes(a.shape)})', w.dtype(a.dtype))}")
        ys.append(y)
    it, i = w.fresh("it"), w.fresh("i")
    w.emit(f"for {it} in range({n}):")
    w.emit(f"    {i} = {n} - 1 - {it}" if p["reverse"] else f"    {i} = {it}")
    res = w.fresh("r")
    w.emit(f"    {res} = {w.call(body, consts + carry + [f'{w.n(x)}[{i}]' for x in xs])}")
    for k, c in enumerate(carry):
        w.emit(f"    {c} = {res}[{k}]")
    for k, y in enumerate(ys):
        w.emit(f"    {y}[{i}] = {res}[{nc + k}]")
    for v, c in zip(e.outvars, carry + ys):
        w.assign(v, c, view=True)  # zero iterations return the initial carry itself


scan_p = Primitive("scan", multiple_results=True, impl=_scan_impl,
                   abstract_eval=_scan_abstract, jvp=_scan_jvp, vjp=_scan_vjp,
                   batch=_scan_batch, lowering=Structural(_emit_scan, irs=("body",)))


# --- fori_loop and while_loop -----------------------------------------------------------------

def fori_loop(lower, upper, body_fun, init_val):
    """``val = body_fun(i, val)`` for ``i`` in ``range(lower, upper)``; returns ``val``.

    With Python-int bounds it is a ``scan`` (differentiable in reverse mode, one native loop
    under ``jit``); with traced bounds it is a ``while_loop`` (forward mode only, as in JAX).

    >>> float(fori_loop(0, 5, lambda i, x: x * 2.0, 1.0))
    32.0
    """
    lo, hi = _concrete_or_none(lower), _concrete_or_none(upper)
    if lo is not None and hi is not None:
        lo, hi = int(lo), int(hi)
        if not tracing_abstractly():
            val = init_val
            for i in range(lo, hi):
                val = body_fun(i, val)
            return val
        (i_end, val), _ = scan(lambda c, _: ((c[0] + 1, body_fun(c[0], c[1])), None),
                               (np.asarray(lo, np.int64), init_val), None,
                               length=max(hi - lo, 0))
        return val
    return while_loop(lambda c: c[0] < upper, lambda c: (c[0] + 1, body_fun(c[0], c[1])),
                      (ew.convert_element_type(lower, np.int64)
                       if isinstance(lower, Tracer) else np.asarray(lower, np.int64),
                       init_val))[1]


def while_loop(cond_fun, body_fun, init_val):
    """``while cond_fun(val): val = body_fun(val)``; returns ``val``. Forward-mode only under
    ``jit`` (like JAX): for reverse mode use ``fori_loop`` with fixed bounds or ``scan``.

    >>> float(while_loop(lambda x: x < 100.0, lambda x: x * 3.0, 1.0))
    243.0
    """
    if not tracing_abstractly():
        val = init_val
        while True:
            c = _concrete_or_none(cond_fun(val))
            if c is None:  # no single value (batched under vmap): run as a primitive below
                init_val = val
                break
            if not bool(c):
                return val
            val = body_fun(val)
    leaves, tree = pytree.tree_flatten(init_val)
    avals = [get_aval(v) for v in leaves]

    def flat_cond(*xs):
        c = cond_fun(pytree.tree_unflatten(tree, xs))
        ca = get_aval(c)
        if ca.shape != () or ca.dtype != np.bool_:
            raise TypeError(f"while_loop: cond_fun must return a scalar boolean, got {ca} "
                            f"(at {user_frame()})")
        return [c]

    def flat_body(*xs):
        out_leaves, td = pytree.tree_flatten(body_fun(pytree.tree_unflatten(tree, xs)))
        if td != tree or [get_aval(v) for v in out_leaves] != avals:
            raise TypeError(
                f"while_loop: body_fun must return a value of the same structure and types as "
                f"init_val: {tree} {avals}, got {td} {[get_aval(v) for v in out_leaves]} "
                f"(at {user_frame()}).")
        return out_leaves

    cir, cc = trace_closed(flat_cond, avals)
    bir, bc = trace_closed(flat_body, avals)
    outs = while_p.bind(*cc, *bc, *leaves, cond_ir=cir, body_ir=bir, num_cond_consts=len(cc),
                        num_body_consts=len(bc))
    return pytree.tree_unflatten(tree, outs)


def _while_impl(*args, cond_ir, body_ir, num_cond_consts, num_body_consts):
    cc = list(args[:num_cond_consts])
    bc = list(args[num_cond_consts:num_cond_consts + num_body_consts])
    val = list(args[num_cond_consts + num_body_consts:])
    while bool(eval_ir(cond_ir, cond_ir.consts, cc + val)[0]):
        val = eval_ir(body_ir, body_ir.consts, bc + val)
    return [np.asarray(v) for v in val]


def _while_jvp(primals, tangents, cond_ir, body_ir, num_cond_consts, num_body_consts):
    ncc, nbc = num_cond_consts, num_body_consts
    b_avals = body_ir.in_avals  # body consts, values
    nv = len(b_avals) - nbc
    spans = [range(0, nbc), range(nbc, nbc + nv)]
    groups = [[i for i in span if is_inexact(b_avals[i].dtype)] for span in spans]
    jvp = _grouped_jvp(body_ir, spans, groups)
    fv = [i - nbc for i in groups[1]]

    def jbody(*xs):  # body consts, their tangents, values, value tangents
        outs, touts = jvp(*xs)
        return list(outs) + [touts[i] for i in fv]

    jb = _retrace(jbody, _interleave(b_avals, spans, groups, lambda i: b_avals[i]))
    # the condition sees (values, value tangents) but ignores the tangents
    jc = _retrace(lambda *xs: eval_ir(cond_ir, cond_ir.consts, list(xs[:ncc + nv])),
                  cond_ir.in_avals + [b_avals[nbc + i] for i in fv])
    body_in = _interleave(primals[ncc:], spans, groups,
                          lambda i: _tangent(primals[ncc + i], tangents[ncc + i]))
    nb = nbc + len(groups[0])
    res = while_p.bind(*primals[:ncc], *body_in, cond_ir=jc, body_ir=jb,
                       num_cond_consts=ncc, num_body_consts=nb)
    t_out = [None] * nv
    for k, i in enumerate(fv):
        t_out[i] = res[nv + k]
    return res[:nv], t_out


def _while_vjp(*args, **kwargs):
    raise NotImplementedError(
        "reverse-mode differentiation of while_loop under jit is not supported (as in JAX): "
        "the number of iterations is not known in advance. Use fori_loop with Python-int "
        "bounds, or scan, which are differentiable.")


def _while_batch(vals, dims, cond_ir, body_ir, num_cond_consts, num_body_consts):
    size = sh.batch_size(vals, dims)
    ncc, nbc = num_cond_consts, num_body_consts
    cc, cc_axes = _front(vals[:ncc], dims[:ncc], size)
    bc, bc_axes = _front(vals[ncc:ncc + nbc], dims[ncc:ncc + nbc], size)
    init = [sh.move_to_front(v, d, size) for v, d in zip(vals[ncc + nbc:], dims[ncc + nbc:])]
    cond_b = _batched_ir_fun(cond_ir, cc_axes + [0] * len(init), size)
    body_b = _batched_ir_fun(body_ir, bc_axes + [0] * len(init), size)

    # run while any example's condition holds; the others keep their values (as JAX does)
    def cond_fun(v):
        return reduce_max_p.bind(cond_b(*cc, *v)[0], axes=(0,))

    def body_fun(v):
        go = cond_b(*cc, *v)[0]
        return [ew.select_p.bind(sh.broadcast_in_dim(go, np.shape(n), (0,)), n, o)
                for n, o in zip(body_b(*bc, *v), v)]

    outs = while_loop(cond_fun, body_fun, init)
    return outs, [0] * len(outs)


def _emit_while(w, e):
    p = e.params
    fc, fb = w.function(p["cond_ir"]), w.function(p["body_ir"])
    ncc, nbc = p["num_cond_consts"], p["num_body_consts"]
    cc = [w.n(x) for x in e.inputs[:ncc]]
    bc = [w.n(x) for x in e.inputs[ncc:ncc + nbc]]
    vals = [w.fresh("w") for _ in e.inputs[ncc + nbc:]]
    for v, x in zip(vals, e.inputs[ncc + nbc:]):
        w.emit(f"{v} = {w.n(x)}")
    w.emit(f"while {w.call(fc, cc + vals)}[0]:")
    res = w.fresh("r")
    w.emit(f"    {res} = {w.call(fb, bc + vals)}")
    for k, v in enumerate(vals):
        w.emit(f"    {v} = {res}[{k}]")
    for out, v in zip(e.outvars, vals):
        w.assign(out, v, view=True)


while_p = Primitive("while", multiple_results=True, impl=_while_impl,
                    abstract_eval=lambda *avals, body_ir, **kw: body_ir.out_avals,
                    jvp=_while_jvp, vjp=_while_vjp, batch=_while_batch,
                    lowering=Structural(_emit_while, irs=("cond_ir", "body_ir")))
