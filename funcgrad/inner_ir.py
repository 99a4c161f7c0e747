"""Inner IRs: the IRs that primitives such as ``cond``, ``scan``, ``while`` (``control``) and
``jit_call`` hold, with their captured constants as leading inputs, and the helpers the rules of
those primitives share to trace, evaluate and differentiate them.
"""
import numpy as np

from .core.avals import ShapedArray, is_inexact
from .core.interpret import eval_ir
from .core.ir import consts_as_inputs
from .core.tracing import trace_to_ir


def trace_closed(flat_fun, avals):
    """Trace ``flat_fun`` (lists in, list out) on ``avals``: its IR, whose captured values
    (constants, outer tracers) are leading inputs, and those values.

    >>> ir, consts = trace_closed(lambda x: [x * np.arange(3.0)], [ShapedArray((3,), "f8")])
    >>> [str(a) for a in ir.in_avals], len(consts)
    (['f64[3]', 'f64[3]'], 1)
    """
    ir = trace_to_ir(flat_fun, avals)
    return consts_as_inputs(ir), list(ir.consts)


def ir_function(ir):
    """``ir`` as a function of its inputs that binds each equation's primitive, so that it
    runs under whatever transformation calls it.

    >>> ir, _ = trace_closed(lambda x: [x * 2.0], [ShapedArray((), "f8")])
    >>> [float(y) for y in ir_function(ir)(3.0)]
    [6.0]
    """
    return lambda *xs: eval_ir(ir, ir.consts, list(xs))


def cotangent_aval(aval):
    """The aval of a cotangent for a value of ``aval``: a float stays, others get float64
    zeros (an integer has no gradient, but the IR of a backward pass needs a value).

    >>> cotangent_aval(ShapedArray((2,), np.int32))
    f64[2]
    """
    return aval if is_inexact(aval.dtype) else ShapedArray(aval.shape, np.float64)
