"""Evaluate an IR: ``eval_ir`` by binding each equation's primitive (the reference semantics),
``evaluator`` by calling each one's NumPy ``impl`` from a plan made once per IR (what answers a
jitted function's calls while its native code compiles).

Because it binds (rather than calling NumPy directly), interpreting an IR under another
transformation applies that transformation: ``eval_ir`` is traceable.
"""
from operator import itemgetter

import numpy as np

from . import nans
from .ir import Eqn, Lit, Var
from .lowering import Broadcast, Elementwise


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
    computes them, at less cost per equation and in less memory. The plan (``_Plan``) is made
    here, once: each equation's ``impl`` and the slots of its inputs and outputs in one list of
    values, a slot reused once its value is dead (which drops the array), and an elementwise
    equation whose impl is a NumPy ufunc computing into the array of a value that died (its
    own operand, say: ``np.exp(a, out=a)``) instead of a new one; a broadcast that NumPy's
    ufuncs would do themselves is left to them (``without_implicit_broadcasts``). A call
    copies one list and calls the impls. Its outputs share no memory with the arguments, the
    constants or each other, as compiled code's do: an output that is not an array a ufunc
    made in this call is copied (a view of an argument, a literal, an output twice). Under
    ``FUNCGRAD_DEBUG_NANS`` (or ``fg.debug_nans()``) it binds, as ``eval_ir`` does, so that
    each primitive is checked.

    >>> import funcgrad as fg, numpy as np
    >>> run = evaluator(fg.make_ir(lambda x, y: np.sin(x) * y + 1.0)(np.ones(2), 2.0))
    >>> run([], [np.zeros(2), 2.0])
    [array([1., 1.])]
    """
    plan = _Plan(ir)
    steps, template, n_in, get_outs = plan.steps, plan.template, plan.n_in, plan.get_outs
    copies = plan.copies

    def run(consts, args):
        if nans.enabled:
            return eval_ir(ir, consts, args)
        env = template.copy()
        env[:n_in] = [*consts, *args]
        for impl, params, get, outs, into in steps:
            if into is not None:
                env[into] = impl(*get(env), out=env[into])
            elif outs.__class__ is int:  # the slot of its one result
                env[outs] = impl(*get(env), **params)
            else:
                for k, o in zip(outs, impl(*get(env), **params)):
                    env[k] = o
        outs = list(get_outs(env))
        for j in copies:
            if np.ndim(outs[j]):
                outs[j] = np.array(outs[j])
        return outs
    return run


def computes_into(eqn):
    """Whether the evaluator may compute ``eqn`` into an existing array, ``ufunc(*inputs,
    out=array)``: an elementwise primitive (lowering record ``Elementwise``) whose impl is a
    NumPy ufunc, with one result, of at least one dimension (a 0-d result is a NumPy scalar),
    of the dtype the ufunc gives for the operands' dtypes (so the array casts nothing).

    >>> import funcgrad as fg, numpy as np
    >>> [computes_into(e) for e in fg.make_ir(lambda x: np.sum(np.exp(x)))(np.ones(3)).eqns]
    [True, False]
    """
    ufunc, out = eqn.prim.impl, eqn.outvars[0].aval
    if not (isinstance(eqn.prim.lowering, Elementwise) and isinstance(ufunc, np.ufunc)
            and ufunc.nout == 1 and len(eqn.outvars) == 1 and out.shape and not eqn.params):
        return False
    try:
        dtypes = ufunc.resolve_dtypes(tuple(_dtype(x) for x in eqn.inputs) + (None,))
    except (TypeError, ValueError):  # no loop for these dtypes: NumPy's own error, at run time
        return False
    return dtypes[-1] == out.dtype


def _dtype(x):
    return x.val.dtype if isinstance(x, Lit) else np.dtype(x.aval.dtype)


class _Plan:
    """The steps of ``evaluator``: ``(impl, params, get, outs, into)`` per equation, ``get``
    the tuple of its operands from the list of values, ``outs`` the slot of its result (a
    list of slots for several), ``into`` the slot of the array it computes into, or None.

    Which arrays it may overwrite (``_disposable``): those the evaluator made itself with an
    equation that ``computes_into`` (a fresh array, or one it owned), read only by such
    equations (no other impl could have kept a view of it or returned it as it is), not an
    output; never the caller's arguments or constants, a literal, a broadcast view. Such an
    array is overwritten only once its value is dead: after its last reader (the equation
    that writes into it may be that reader: NumPy computes elementwise in place).
    """

    def __init__(self, ir):
        self.template, self.slot_of = [], {}
        self.free, self.dead_arrays = [], {}  # slots to reuse; slots of disposable arrays by type
        for v in ir.const_vars + ir.in_vars:
            self._new_slot(v)
        self.n_in = len(self.template)
        eqns = without_implicit_broadcasts(ir)
        self.last_read = _last_reads(eqns, ir.outs)
        self.outs = {o for o in ir.outs if not isinstance(o, Lit)}
        # the results of equations that compute into an array: a new one, or one of ours
        self.made = {e.outvars[0] for e in eqns if computes_into(e)}
        self.disposable = _disposable(eqns, self.made)
        self.steps = [self._step(i, e) for i, e in enumerate(eqns)]
        self.get_outs = _getter([self._read(o) for o in ir.outs])
        self.copies = [j for j, o in enumerate(ir.outs)
                       if o not in self.made or o in ir.outs[:j]]

    def _new_slot(self, v, value=None):
        self.template.append(value)
        if v is not None:
            self.slot_of[v] = len(self.template) - 1
        return len(self.template) - 1

    def _read(self, x):
        return self._new_slot(None, x.val) if isinstance(x, Lit) else self.slot_of[x]

    def _step(self, i, e):
        get = _getter([self._read(x) for x in e.inputs])
        for v in dict.fromkeys(x for x in e.inputs if not isinstance(x, Lit)):
            if self.last_read.get(v) == i:  # dead after this equation
                self._release(v)
        into = None
        if e.outvars[0] in self.made:
            into = self._take_dead_array(_kind(e.outvars[0]))
        outs = [self._place(v, into) for v in e.outvars]
        for v in e.outvars:
            if v not in self.last_read and v not in self.outs:  # read by nothing: dead at once
                self._release(v)
        return (e.prim.impl, e.params, get, outs if e.prim.multiple_results else outs[0], into)

    def _release(self, v):
        """``v`` is dead: its slot may take another value; its array another result."""
        if v in self.disposable:
            self.dead_arrays.setdefault(_kind(v), []).append(self.slot_of[v])
        elif self.slot_of[v] >= self.n_in:  # (the caller's values keep their slots)
            self.free.append(self.slot_of[v])

    def _take_dead_array(self, kind):
        slots = self.dead_arrays.get(kind)
        return slots.pop() if slots else None

    def _place(self, v, into):
        if into is not None:
            self.slot_of[v] = into
            return into
        if self.free:
            self.slot_of[v] = self.free.pop()
            return self.slot_of[v]
        return self._new_slot(v)


def _kind(v):
    return v.aval.shape, np.dtype(v.aval.dtype)


def _last_reads(eqns, outs):
    """For each variable read by one of ``eqns`` (and not one of ``outs``), the index of the
    last equation reading it."""
    last = {}
    for i, e in enumerate(eqns):
        for x in e.inputs:
            if not isinstance(x, Lit):
                last[x] = i
    for o in outs:
        last.pop(o, None)
    return last


def _disposable(eqns, made):
    """The variables whose arrays the evaluator may overwrite once they are dead (``_Plan``;
    an output is never dead): of those ``made`` by equations computing into an array, the
    ones no other equation reads."""
    out = set(made)
    for e in eqns:
        if e.outvars[0] not in made:
            out.difference_update(e.inputs)
    return out


def without_implicit_broadcasts(ir):
    """``ir``'s equations less the broadcasts that NumPy's ufuncs do themselves, their readers
    reading the operand instead: a ``broadcast_in_dim`` onto the trailing axes (NumPy's rule),
    not an output, read only by elementwise equations computed by a ufunc that each have
    another operand of the full shape, which keeps the result's shape. (The digits step has
    22 broadcasts, of its learning rate and of zeros, at 3-10 us each in the evaluator.)

    >>> import funcgrad as fg, numpy as np
    >>> ir = fg.make_ir(lambda x, b: x * b + 1.0)(np.ones((2, 3)), np.ones(3))
    >>> [e.prim.name for e in ir.eqns], [e.prim.name for e in without_implicit_broadcasts(ir)]
    (['broadcast_in_dim', 'mul', 'add'], ['mul', 'add'])
    """
    readers = {}
    for e in ir.eqns:
        for x in e.inputs:
            if isinstance(x, Var):
                readers.setdefault(x, []).append(e)
    outs = {o for o in ir.outs if isinstance(o, Var)}
    implicit = {}  # a broadcast's result -> its operand
    for e in ir.eqns:
        v = e.outvars[0]
        if v not in outs and _numpy_broadcasts(e, readers.get(v, ()), implicit):
            implicit[v] = e.inputs[0]
    if not implicit:
        return ir.eqns
    return [Eqn(e.prim, [implicit.get(x, x) if isinstance(x, Var) else x for x in e.inputs],
                e.params, e.outvars) for e in ir.eqns if e.outvars[0] not in implicit]


def _numpy_broadcasts(e, readers, implicit):
    """Whether each of ``readers`` would broadcast ``e``'s operand as ``e`` does (see
    ``without_implicit_broadcasts``; ``implicit``: the broadcasts left out so far)."""
    if not isinstance(e.prim.lowering, Broadcast) or not readers:
        return False
    shape, dims, v = e.params["shape"], tuple(e.params["dims"]), e.outvars[0]
    if dims != tuple(range(len(shape) - len(dims), len(shape))):
        return False
    for r in readers:
        if not (isinstance(r.prim.lowering, Elementwise) and isinstance(r.prim.impl, np.ufunc)
                and not r.params and r.outvars[0].aval.shape == shape):
            return False
        if not any(isinstance(x, Var) and x is not v and x not in implicit
                   and x.aval.shape == shape for x in r.inputs):
            return False
    return True


def _getter(positions):
    """A function returning the tuple of ``env``'s items at ``positions`` (``itemgetter``
    returns a bare item for one position and needs at least one)."""
    if len(positions) == 1:
        k = positions[0]
        return lambda env: (env[k],)
    if not positions:
        return lambda env: ()
    return itemgetter(*positions)
