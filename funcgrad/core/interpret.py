"""Evaluate an IR: ``eval_ir`` by binding each equation's primitive (the reference semantics),
``evaluator`` by calling each one's NumPy ``impl`` from a plan made once per IR (what answers a
jitted function's calls while its native code compiles).

Because it binds (rather than calling NumPy directly), interpreting an IR under another
transformation applies that transformation: ``eval_ir`` is traceable.
"""
from operator import itemgetter

from . import nans
from .ir import Lit


def eval_ir(ir, consts, args):
    """Run ``ir`` on flat lists of constants and arguments; returns the flat list of outputs."""
    env = dict(zip(ir.const_vars, consts))
    env.update(zip(ir.in_vars, args))

    def read(x):
        return x.val if isinstance(x, Lit) else env[x]

    for e in ir.eqns:
        out = e.prim.bind(*[read(x) for x in e.inputs], **e.params)
        if e.prim.multiple_results:
            env.update(zip(e.outvars, out))
        else:
            env[e.outvars[0]] = out
    return [read(o) for o in ir.outs]


def evaluator(ir):
    """``run(consts, args)``: the outputs of ``ir`` on concrete NumPy values, as ``eval_ir``
    computes them, at less cost per equation: the plan (each equation's ``impl``, the slots of
    its inputs and outputs, literals placed in their slots) is made here, once; a call copies
    one list and calls the impls. Under ``FUNCGRAD_DEBUG_NANS`` (or ``fg.debug_nans()``) it
    binds, as ``eval_ir`` does, so that each primitive is checked.

    >>> import funcgrad as fg, numpy as np
    >>> run = evaluator(fg.make_ir(lambda x, y: np.sin(x) * y + 1.0)(np.ones(2), 2.0))
    >>> run([], [np.zeros(2), 2.0])
    [array([1., 1.])]
    """
    slots = {}
    template = []

    def slot(x):
        if isinstance(x, Lit):
            template.append(x.val)
            return len(template) - 1
        if x not in slots:
            slots[x] = len(template)
            template.append(None)
        return slots[x]

    n_in = len(ir.const_vars) + len(ir.in_vars)
    for v in ir.const_vars + ir.in_vars:
        slot(v)
    steps = [(e.prim.impl, e.params, _getter([slot(x) for x in e.inputs]),
              [slot(v) for v in e.outvars], e.prim.multiple_results) for e in ir.eqns]
    get_outs = _getter([slot(o) for o in ir.outs])

    def run(consts, args):
        if nans.enabled:
            return eval_ir(ir, consts, args)
        env = template.copy()
        env[:n_in] = [*consts, *args]
        for impl, params, get, outs, multiple in steps:
            out = impl(*get(env), **params)
            if multiple:
                for k, o in zip(outs, out):
                    env[k] = o
            else:
                env[outs[0]] = out
        return list(get_outs(env))
    return run


def _getter(positions):
    """A function returning the tuple of ``env``'s items at ``positions`` (``itemgetter``
    returns a bare item for one position and needs at least one)."""
    if len(positions) == 1:
        k = positions[0]
        return lambda env: (env[k],)
    if not positions:
        return lambda env: ()
    return itemgetter(*positions)
