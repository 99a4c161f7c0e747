"""The ``jit_call`` primitive: a jitted function applied inside another transformation.

Its impl runs the compiled function; its jvp, vjp and batch rules build the IR of the
transformed function (the function's IR evaluated under that transformation, traced) and bind
``jit_call`` on it, so grad(jit(f)), jit inside jit and vmap(jit(f)) each still run as one
compiled function. Under ``jit`` the backend inlines it (lowering record ``Call``).
"""
import weakref

import numpy as np

from .ad import jvp_flat, vjp_flat, zeros_like_aval
from .backend import compile_ir
from .batching import vmap
from .core.avals import is_inexact
from .core.lowering import Call
from .core.primitive import Primitive
from .core.tracing import get_aval
from .inner_ir import cotangent_aval, ir_function, trace_closed

_plans = weakref.WeakKeyDictionary()  # closed IR -> its runner, and derived IRs by rule


def clear_plans():
    """Forget the runners and derived IRs (``fg.clear_cache``)."""
    _plans.clear()


def _derived(ir, key, build):
    cache = _plans.setdefault(ir, {})
    if key not in cache:
        cache[key] = build()
    return cache[key]


def _impl(*args, ir, name):
    run = _derived(ir, "run", lambda: compile_ir(ir, [], None, name, "call from a transform"))
    return [np.asarray(o) for o in run(list(args))]


def _jvp(primals, tangents, ir, name):
    n = len(primals)
    nz = tuple(i for i, t in enumerate(tangents) if t is not None)
    out_float = [j for j, a in enumerate(ir.out_avals) if is_inexact(a.dtype)]

    def build():
        def f(*xs):
            tans = [None] * n
            for k, i in enumerate(nz):
                tans[i] = xs[n + k]
            outs, touts = jvp_flat(ir_function(ir), list(xs[:n]), tans)
            return list(outs) + [touts[j] for j in out_float]
        return trace_closed(f, ir.in_avals + [ir.in_avals[i] for i in nz])

    jir, consts = _derived(ir, ("jvp", nz), build)
    res = jit_call_p.bind(*consts, *primals, *[tangents[i] for i in nz], ir=jir,
                          name=f"jvp({name})")
    m = len(ir.outs)
    t_out = [None] * m
    for k, j in enumerate(out_float):
        t_out[j] = res[m + k]
    return res[:m], t_out


def _vjp(cts, primals, out, ir, name):
    n = len(primals)

    def build():
        def f(*xs):
            _, fn, _ = vjp_flat(lambda *a: (ir_function(ir)(*a), None), list(xs[:n]))
            return fn(list(xs[n:]))
        return trace_closed(f, ir.in_avals + [cotangent_aval(a) for a in ir.out_avals])

    bir, consts = _derived(ir, "vjp", build)
    cts = [c if is_inexact(a.dtype) else zeros_like_aval(cotangent_aval(a))
           for c, a in zip(cts, ir.out_avals)]
    res = jit_call_p.bind(*consts, *primals, *cts, ir=bir, name=f"vjp({name})")
    return [r if is_inexact(a.dtype) else None for r, a in zip(res, ir.in_avals)]


def _batch(vals, dims, ir, name):
    avals = tuple(get_aval(v) for v in vals)

    def build():
        return trace_closed(vmap(ir_function(ir), in_axes=tuple(dims)), list(avals))

    bir, consts = _derived(ir, ("vmap", tuple(dims), avals), build)
    outs = jit_call_p.bind(*consts, *vals, ir=bir, name=f"vmap({name})")
    return outs, [0] * len(outs)


jit_call_p = Primitive("jit_call", multiple_results=True, impl=_impl,
                       abstract_eval=lambda *avals, ir, name: ir.out_avals,
                       jvp=_jvp, vjp=_vjp, batch=_batch, lowering=Call("ir"))
