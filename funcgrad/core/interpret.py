"""Evaluate an IR by binding each equation's primitive: the reference semantics.

Because it binds (rather than calling NumPy directly), interpreting an IR under another
transformation applies that transformation: ``eval_ir`` is traceable.
"""
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
