"""Traces and tracers: how a Python function is run on stand-in values.

A stack of ``MainTrace``s, one per active transformation, gives each a *level*; a primitive
applied to tracers is handled by the trace of the highest level among them (so nested
transformations never confuse their perturbations). The bottom level evaluates with NumPy.
``make_ir`` pushes an ``IRTrace`` that records equations on abstract values.
"""
import dis
import sys
from contextlib import contextmanager

import numpy as np

from ..errors import ConcretizationError, library_message, user_frame
from . import nans
from .avals import ShapedArray, check_dtype
from .ir import IR, Eqn, Lit, Var


class MainTrace:
    __slots__ = ("level", "trace_type", "global_data")

    def __init__(self, level, trace_type, global_data):
        self.level, self.trace_type, self.global_data = level, trace_type, global_data


class Trace:
    """How one transformation interprets primitives: ``process_primitive`` is its rule."""

    __slots__ = ("main",)

    def __init__(self, main):
        self.main = main

    def pure(self, val):
        raise NotImplementedError

    lift = pure

    def full_raise(self, val):
        if not isinstance(val, Tracer):
            return self.pure(val)
        vmain = val._trace.main
        if vmain is self.main:
            return val
        if vmain.level < self.main.level:
            return self.lift(val)
        raise TypeError(
            "A traced value escaped the transformation that created it (a 'leaked tracer'): "
            f"it was created at transformation level {vmain.level} and used at level "
            f"{self.main.level}{' (at ' + user_frame() + ')'}. Do not store traced values in "
            "globals or closures that outlive the transformed function; return them instead.")

    def process_primitive(self, prim, tracers, params):
        raise NotImplementedError


class EvalTrace(Trace):
    """The bottom of the stack: apply each primitive's NumPy implementation."""

    __slots__ = ()

    def pure(self, val):
        return val

    lift = pure

    def process_primitive(self, prim, vals, params):
        out = prim.impl(*vals, **params)
        if nans.enabled:
            nans.check(prim, vals, out)
        return out


_stack = [MainTrace(0, EvalTrace, None)]
_dynamic = [_stack[0]]  # the innermost IR-building trace; every bind goes at least this high


@contextmanager
def new_main(trace_type, global_data=None, dynamic=False):
    """Push a transformation level for the duration of the ``with`` block."""
    main = MainTrace(len(_stack), trace_type, global_data)
    _stack.append(main)
    if dynamic:
        _dynamic.append(main)
    try:
        yield main
    finally:
        if dynamic:
            _dynamic.pop()
        _stack.pop()


def as_traced(val):
    """``val`` (a NumPy array) as a value of the innermost active transformation, or ``val``
    itself when none is active: arrays that user code creates inside a transformed function
    (``fnp.zeros``, ``fnp.eye``...) behave like its other values there (immutable, indexable
    by traced indices), as ``jnp`` arrays do."""
    top = _stack[-1]
    if top.level == 0 or isinstance(val, Tracer):
        return val
    return top.trace_type(top).pure(val)


def tracing_abstractly():
    """True inside make_ir/jit tracing (values have shapes and dtypes only)."""
    return _dynamic[-1].level > 0


class Tracer:
    """A stand-in for an array during a transformation.

    Operators, methods and NumPy protocols are installed by ``funcgrad.numpy._methods``.
    """

    __slots__ = ("_trace",)
    __array_priority__ = 1000

    @property
    def aval(self):
        raise NotImplementedError

    shape = property(lambda self: self.aval.shape)
    dtype = property(lambda self: self.aval.dtype)
    ndim = property(lambda self: len(self.aval.shape))
    size = property(lambda self: self.aval.size)

    def __len__(self):
        if not self.aval.shape:
            raise TypeError("len() of a 0-d array")
        return self.aval.shape[0]

    def full_lower(self):
        return self

    def carries_derivative(self):
        """Whether this value is being differentiated (by a transformation at any level)."""
        return False

    def concrete_value(self):
        """The NumPy value behind this tracer, or ConcretizationError if it has none.

        For funcgrad's own use (shapes, masks, structure): it ignores derivatives. Conversions
        users write go through ``to_concrete``, which refuses to drop a derivative."""
        raise ConcretizationError(concretization_message(self))

    def to_concrete(self, what, derivative_ok=False):
        """The value for a conversion the user wrote (``what``: e.g. ``"float(x)"``).

        A value that carries a derivative is refused unless ``derivative_ok`` (``bool(x)`` for
        control flow carries none): converting it would silently drop it from the gradient."""
        if not derivative_ok and self.carries_derivative():
            raise ConcretizationError(library_message(self.aval) or
                                      derivative_message(self, what))
        try:
            return self.concrete_value()
        except ConcretizationError as err:
            raise ConcretizationError(library_message(self.aval) or f"{what}: {err}") from None

    def __bool__(self):
        return bool(self.to_concrete("bool(x)", derivative_ok=True))

    def __int__(self):
        integral = self.aval.dtype.kind in "iub"  # integer values carry no derivative
        return int(self.to_concrete(_conversion("int(x)"), derivative_ok=integral))

    def __float__(self):
        return float(self.to_concrete(_conversion("float(x)")))

    def __complex__(self):
        return complex(self.to_concrete(_conversion("complex(x)")))

    def __index__(self):
        if self.aval.dtype.kind not in "iub":
            raise TypeError(f"only integer arrays can be used as an index, got {self.aval} "
                            f"(at {user_frame()})")
        return int(self.to_concrete(_conversion("operator.index(x)"), derivative_ok=True))

    def __array__(self, dtype=None, copy=None):
        value = self.to_concrete(_conversion(
            "np.asarray(x) (or np.array(x), np.float64(x), a NumPy routine funcgrad has no rule "
            "for, or a library that calls one)"))
        return np.asarray(value, dtype=dtype)

    def item(self, *args):
        return self.to_concrete("x.item()").item(*args)

    def tolist(self):
        return self.to_concrete("x.tolist()").tolist()

    def __setitem__(self, idx, value):
        raise ConcretizationError(
            f"funcgrad arrays are immutable inside traced code: item assignment `x[...] = v` "
            f"into {self.aval} at {user_frame()}. Write `x = x.at[...].set(v)` instead (also "
            "`.add`, `.multiply`, `.min`, `.max`): it returns the updated array and keeps "
            "the derivative.")

    def __hash__(self):
        raise TypeError(f"traced arrays are not hashable ({self.aval})")

    def __repr__(self):
        return f"{type(self).__name__}<{self.aval}>"


def _conversion(default):
    """Name the conversion the user's code performs: the interpreter calls ``__float__`` for
    ``a[i] = x`` into a NumPy array and ``__index__`` for ``a[x]``, which users do not write as
    conversions, so look at the instruction the caller is executing."""
    frame = sys._getframe(2)
    try:
        op = dis.opname[frame.f_code.co_code[frame.f_lasti]]
    except (IndexError, AttributeError):
        return default
    if op == "STORE_SUBSCR":
        return ("item assignment into a NumPy array (a[i] = x; make `a` with funcgrad.numpy "
                "and write a = a.at[i].set(x))")
    if op == "BINARY_SUBSCR":
        return "indexing a NumPy array with a traced index (a[x]; write fnp.asarray(a)[x])"
    return default


def derivative_message(tracer, what):
    return (f"{what} at {user_frame()} would turn a value that carries a derivative "
            f"({tracer.aval}) into a plain number or NumPy array, silently dropping it from "
            "the gradient. Keep it a funcgrad array: use funcgrad.numpy (or NumPy) functions "
            "on it, x.at[i].set(v) instead of item assignment, fnp.asarray(a)[x] instead of "
            "indexing a NumPy array a. If dropping the derivative is intended, convert "
            "fg.stop_gradient(x) instead.")


def concretization_message(tracer):
    return (f"A traced value {tracer.aval} was used where a concrete Python value is needed "
            f"(an if/while condition, bool(), int(), float() or a shape), at {user_frame()}. "
            "Under fg.jit and fg.make_ir values are abstract: only their shape and dtype are "
            "known. Use fg.cond / fnp.where for data-dependent choices, or mark the argument "
            "static with static_argnums=... if it is a configuration value.")


def get_aval(x):
    """Abstract value of a tracer, array, Python scalar, or an aval itself (a shape and dtype
    standing for an array, as in ``eval_shape``)."""
    if isinstance(x, Tracer):
        return x.aval
    if isinstance(x, ShapedArray):
        return x
    if isinstance(x, np.ndarray):
        return ShapedArray(x.shape, check_dtype(x.dtype))
    if isinstance(x, (bool, int, float, complex, np.generic)):
        a = np.asarray(x)
        return ShapedArray((), check_dtype(a.dtype))
    raise TypeError(f"{type(x).__name__} is not an array type funcgrad can trace: got {x!r}")


def full_lower(val):
    return val.full_lower() if isinstance(val, Tracer) else val


def bind(prim, *args, **params):
    """Apply a primitive: the highest trace among the arguments interprets it."""
    top = _dynamic[-1]
    for x in args:
        if isinstance(x, Tracer) and x._trace.main.level > top.level:
            top = x._trace.main
    if top.level == 0:  # nothing is being traced: plain NumPy
        out = prim.impl(*args, **params)
        if nans.enabled:
            nans.check(prim, args, out)
        return out
    trace = top.trace_type(top)
    tracers = [trace.full_raise(a) for a in args]
    out = trace.process_primitive(prim, tracers, params)
    if prim.multiple_results:
        return [full_lower(o) for o in out]
    return full_lower(out)


# ---------------------------------------------------------------------------------------------
# Building IRs: the IR trace records equations on abstract values.

class IRTracer(Tracer):
    __slots__ = ("_aval",)

    def __init__(self, trace, aval):
        self._trace = trace
        self._aval = aval

    @property
    def aval(self):
        return self._aval


class IRBuilder:
    def __init__(self):
        self.eqns = []
        self.tracer_to_var = {}
        self.const_tracers = {}  # id(value) -> tracer
        self.constvals = {}  # var -> value
        self.tracers = []  # keep tracers alive so id() keys stay unique

    def new_tracer(self, trace, aval):
        t = IRTracer(trace, aval)
        self.tracers.append(t)
        return t

    def add_var(self, tracer):
        v = self.tracer_to_var[id(tracer)] = Var(tracer.aval)
        return v

    def getvar(self, tracer):
        return self.tracer_to_var[id(tracer)]

    def add_const(self, tracer, val):
        var = self.add_var(tracer)
        self.const_tracers[id(val)] = tracer
        self.constvals[var] = val
        return var

    def build(self, in_tracers, out_tracers):
        in_vars = [self.tracer_to_var[id(t)] for t in in_tracers]
        outs = [self.tracer_to_var[id(t)] for t in out_tracers]
        const_vars = list(self.constvals)
        consts = [self.constvals[v] for v in const_vars]
        ir = IR(in_vars, self.eqns, outs, const_vars, consts)
        return _inline_scalar_consts(ir)


def _inline_scalar_consts(ir):
    """0-d constants become literals in the equations that use them (readable, and typed)."""
    lits = {v: Lit(c) for v, c in zip(ir.const_vars, ir.consts)
            if not isinstance(c, Tracer) and np.ndim(c) == 0}
    if not lits:
        return ir
    for e in ir.eqns:
        e.inputs = [lits.get(x, x) if isinstance(x, Var) else x for x in e.inputs]
    outs = [lits.get(o, o) for o in ir.outs]
    keep = [(v, c) for v, c in zip(ir.const_vars, ir.consts) if v not in lits]
    return IR(ir.in_vars, ir.eqns, outs, [v for v, _ in keep], [c for _, c in keep])


class IRTrace(Trace):
    __slots__ = ()

    @property
    def builder(self):
        return self.main.global_data

    def new_arg(self, aval):
        t = self.builder.new_tracer(self, aval)
        self.builder.add_var(t)
        return t

    def pure(self, val):
        # Arrays are deduplicated by identity (the builder keeps them alive, so ids stay
        # unique); scalars are cheap and become literals.
        if isinstance(val, (np.ndarray, Tracer)):
            # A Tracer here is a value of an enclosing transformation that a nested IR (a
            # branch or loop body) closes over; it stays a tracer and becomes an operand.
            tracer = self.builder.const_tracers.get(id(val))
            if tracer is not None:
                return tracer
        else:
            val = np.asarray(val)
        tracer = self.builder.new_tracer(self, get_aval(val))
        self.builder.add_const(tracer, val)
        return tracer

    lift = pure

    def process_primitive(self, prim, tracers, params):
        if prim.inline_when_staged:
            # A primitive that only exists to carry a rule for another transformation (e.g. a
            # user's custom VJP) is traced through: its impl runs on the tracers.
            return prim.impl(*tracers, **params)
        avals_in = [t.aval for t in tracers]
        avals_out = prim.abstract_eval(*avals_in, **params)
        multiple = prim.multiple_results
        avals_out = avals_out if multiple else [avals_out]
        outs = [self.builder.new_tracer(self, a) for a in avals_out]
        inputs = [self.builder.getvar(t) for t in tracers]
        outvars = [self.builder.add_var(t) for t in outs]
        self.builder.eqns.append(Eqn(prim, inputs, params, outvars))
        return outs if multiple else outs[0]


def trace_to_ir(flat_fun, in_avals, partial=False):
    """Trace ``flat_fun`` (lists in, list out) on abstract inputs; returns the IR.

    ``partial=True`` records only what depends on the inputs: operations on concrete values
    are evaluated right away and enter the IR as constants (partial evaluation, for
    ``linearize``)."""
    builder = IRBuilder()
    with new_main(IRTrace, builder, dynamic=not partial) as main:
        trace = IRTrace(main)
        tracers_in = [trace.new_arg(a) for a in in_avals]
        outs = flat_fun(*tracers_in)
        tracers_out = [trace.full_raise(o) for o in outs]
        ir = builder.build(tracers_in, tracers_out)
    return ir
