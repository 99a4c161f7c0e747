"""The IR: typed variables, equations ``outs = prim[params](ins)``, and a readable printer.

An ``IR`` is a closed function: input ``Var``s, a list of ``Eqn``s in evaluation order, output
atoms (``Var`` or ``Lit``), captured constants (bound to ``const_vars``), and the pytree
structure of its inputs and outputs.
"""
import itertools

import numpy as np

from .avals import ShapedArray


class Var:
    """A variable of the IR; identity is the object itself, the name is given when printing."""

    __slots__ = ("aval", "__weakref__")

    def __init__(self, aval):
        self.aval = aval

    def __repr__(self):
        return f"Var({self.aval})"


class Lit:
    """A literal constant (a scalar) inlined into an equation."""

    __slots__ = ("val", "aval")

    def __init__(self, val):
        self.val = np.asarray(val)
        self.aval = ShapedArray(self.val.shape, self.val.dtype)

    def __repr__(self):
        return _fmt_lit(self.val)


def _fmt_lit(v):
    v = np.asarray(v)
    if v.ndim == 0:
        x = v.item()
        return repr(x) if not isinstance(x, float) else (repr(x) if x == x else "nan")
    return f"<{ShapedArray(v.shape, v.dtype)}>"


class Eqn:
    """One equation: ``outvars = primitive[params](inputs)``."""

    __slots__ = ("prim", "inputs", "params", "outvars")

    def __init__(self, prim, inputs, params, outvars):
        self.prim, self.inputs, self.params, self.outvars = prim, list(inputs), params, outvars


class IR:
    """A traced function. ``print(ir)`` shows it; ``ir.key()`` is a hashable structural key."""

    def __init__(self, in_vars, eqns, outs, const_vars=(), consts=(), in_tree=None, out_tree=None):
        self.in_vars = list(in_vars)
        self.eqns = list(eqns)
        self.outs = list(outs)
        self.const_vars = list(const_vars)
        self.consts = list(consts)
        self.in_tree = in_tree
        self.out_tree = out_tree

    @property
    def in_avals(self):
        return [v.aval for v in self.in_vars]

    @property
    def out_avals(self):
        return [o.aval for o in self.outs]

    def __repr__(self):
        return pretty_print(self)

    def key(self, sizes=True):
        """A hashable key equal for IRs that compute the same thing (captured constants
        included, by value).

        With ``sizes=False`` dimensions are replaced by whether they are 1 (broadcasting
        behaviour), so IRs that differ only in array sizes share a key.
        """
        ids = {}

        def aval_key(a):
            shape = a.shape if sizes else tuple(d == 1 for d in a.shape)
            return (shape, a.dtype.str)

        def atom(x):
            if isinstance(x, Lit):
                return ("lit", x.val.dtype.str, x.val.tobytes())
            return ids[x]

        def bind(v):
            ids[v] = len(ids)
            return aval_key(v.aval)

        head = (tuple(bind(v) for v in self.const_vars), tuple(bind(v) for v in self.in_vars),
                tuple(param_key(c, sizes) for c in self.consts))
        body = []
        for e in self.eqns:
            ins = tuple(atom(x) for x in e.inputs)
            params = tuple(sorted((k, param_key(v, sizes)) for k, v in e.params.items()))
            outs = tuple(bind(v) for v in e.outvars)
            body.append((e.prim.name, ins, params, outs))
        return (head, tuple(body), tuple(atom(o) for o in self.outs),
                self.in_tree, self.out_tree)


def consts_as_inputs(ir):
    """``ir`` with its captured constants as leading inputs and none captured (the form of the
    IRs that primitives hold: ``jit_call``, control flow); the constants are passed in."""
    return IR(ir.const_vars + ir.in_vars, ir.eqns, ir.outs)


def param_key(v, sizes=True):
    """A hashable key of an equation parameter's value: arrays by value, dtypes by name, IRs by
    ``IR.key(sizes)``, sequences element by element.

    >>> param_key((np.dtype("float32"), [1, 2]))
    ('<f4', (1, 2))
    """
    if isinstance(v, IR):
        return ("ir", v.key(sizes))
    if isinstance(v, np.ndarray):
        return ("arr", v.dtype.str, v.shape, v.tobytes())
    if isinstance(v, (list, tuple)):
        return tuple(param_key(x, sizes) for x in v)
    if isinstance(v, np.dtype):
        return v.str
    return v


def var_names():
    """The names ``print(ir)`` gives variables, in order: a, b, ..., z, aa, ab, ...

    >>> import itertools; list(itertools.islice(var_names(), 27))[-2:]
    ['z', 'aa']
    """
    for n in itertools.count(1):
        s = ""
        while n:
            n, r = divmod(n - 1, 26)
            s = chr(97 + r) + s
        yield s


def fmt_param(v):
    """How an equation parameter reads in a printed IR (and in generated code's comments).

    >>> fmt_param(np.float32), fmt_param((1, 2))
    ('float32', '(1, 2)')
    """
    if isinstance(v, np.dtype) or isinstance(v, type) and issubclass(v, np.generic):
        return np.dtype(v).name
    if isinstance(v, IR):
        return f"{{{len(v.eqns)} eqns}}"
    if isinstance(v, tuple) and any(isinstance(x, IR) for x in v):
        return "(" + ", ".join(fmt_param(x) for x in v) + ")"
    return repr(v)


def pretty_print(ir, indent=0):
    """Readable text of an IR (see DESIGN.md). Names are assigned in order of appearance."""
    names = {}
    gen = var_names()

    def name(v):
        if isinstance(v, Lit):
            return repr(v)
        if v not in names:
            names[v] = next(gen)
        return names[v]

    def decl(v):
        return f"{name(v)}:{v.aval.str_short()}"

    pad = " " * indent
    consts = " ".join(decl(v) for v in ir.const_vars)
    ins = " ".join(decl(v) for v in ir.in_vars)
    head = f"{pad}{{ lambda {consts + ' ; ' if consts else ''}{ins} ."
    lines = [head]
    for e in ir.eqns:
        outs = " ".join(decl(v) for v in e.outvars)
        params = ", ".join(f"{k}={fmt_param(v)}" for k, v in e.params.items())
        params = f"[{params}]" if params else ""
        args = " ".join(name(x) for x in e.inputs)
        lines.append(f"{pad}    {outs} = {e.prim.name}{params} {args}")
    lines.append(f"{pad}  return ({', '.join(name(o) for o in ir.outs)}) }}")
    return "\n".join(lines)


def typecheck(ir):
    """Check that every equation's outputs have the avals its primitive's shape rule gives."""
    env = set(ir.in_vars) | set(ir.const_vars)
    for e in ir.eqns:
        for x in e.inputs:
            if isinstance(x, Var) and x not in env:
                raise TypeError(f"IR uses {x} before it is defined in {e.prim.name}")
        avals = e.prim.abstract_eval(*[x.aval for x in e.inputs], **e.params)
        avals = avals if e.prim.multiple_results else [avals]
        for v, a in zip(e.outvars, avals):
            if v.aval != a:
                raise TypeError(f"{e.prim.name}: output declared {v.aval}, rule gives {a}")
        env.update(e.outvars)
    return True
