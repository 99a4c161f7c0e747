"""Loop nests compiled straight to LLVM IR inside the function that calls them.

``outline`` makes each loop at the top level of a generated function a function of its own,
decorated ``@nest``. A nest is a Numba intrinsic: where its caller calls it, its loops, element
reads and writes and scalar statements are emitted as LLVM IR in one go. Each scalar operation
is typed and lowered by Numba's own typing and implementations (``+`` on two float32, a kernel
such as ``exp_``, ``np.float64(x)``), so the values are those Numba's compile of the same text
gives; what is skipped is Numba's per-statement pipeline around them (bytecode analysis, SSA,
type inference by constraint propagation, range iterator objects), which made up half of the
compile time of a training step.

What a nest may hold: ``for`` loops over ``range`` (a positive literal step), assignments of
scalars to names and to array elements (one integer index per axis), and expressions of
scalars: arithmetic, comparisons, ``a if c else b``, calls of kernels, of builtins and of NumPy
functions Numba compiles. Anything else, or a name assigned values of two types, makes the
nest an ordinary Numba function called from its caller (``fallbacks`` counts why), which costs
compile time, never correctness.
"""
import ast
import builtins
import collections
import inspect
import operator
import sys

import numba
import numpy as np
from numba import types
from numba.core import cgutils
from numba.core.errors import NumbaError, TypingError
from numba.core.ir import Loc
from numba.extending import intrinsic

from . import config

BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
          ast.Div: operator.truediv, ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod,
          ast.Pow: operator.pow, ast.BitAnd: operator.and_, ast.BitOr: operator.or_,
          ast.BitXor: operator.xor, ast.LShift: operator.lshift, ast.RShift: operator.rshift}
COMPARE = {ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge,
           ast.Eq: operator.eq, ast.NotEq: operator.ne}
UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos, ast.Invert: operator.invert,
         ast.Not: operator.not_}
SCALARS = (types.Number, types.Boolean)
NUMBA_FLAGS = dict(error_model="numpy", no_cfunc_wrapper=True, no_cpython_wrapper=True)

#: why nests were compiled by Numba instead, in this process (reason -> count)
fallbacks = collections.Counter()


class Unsupported(Exception):
    """A statement or expression a nest cannot hold (``node``, the innermost statement); the
    nest is compiled by Numba instead."""

    node = None


def nest(py_func):
    """``py_func``, a loop nest written by ``outline``, as an intrinsic that emits its LLVM IR
    into its caller (or calls it compiled by Numba, if it holds what nests do not)."""
    state = {}

    def define(tyctx, *argtys):
        if "tree" not in state:
            state["tree"] = _parse(py_func)
        try:
            typer = _Typer(tyctx, state["tree"], argtys)
        except Unsupported as err:
            return _through_numba(py_func, state, tyctx, argtys, err)
        return typer.signature, typer.codegen

    params = ", ".join(inspect.signature(py_func).parameters)
    scope = {"define": define}
    # an intrinsic's parameters are its call's: a function of exactly these names
    exec(f"def {py_func.__name__}(tyctx, {params}):\n"
         f"    return define(tyctx, {params})\n", scope)
    return intrinsic(scope[py_func.__name__])


class _Tree:
    """A nest's statements, parameters, returned names and its module's globals."""

    __slots__ = ("body", "params", "outs", "globals")


def _parse(py_func):
    fdef = ast.parse(inspect.getsource(py_func)).body[0]
    tree = _Tree()
    tree.body = list(fdef.body)
    tree.params = [a.arg for a in fdef.args.args]
    tree.outs = []
    last = tree.body[-1]
    if isinstance(last, ast.Return):
        tree.body.pop()
        tree.outs = [e.id for e in last.value.elts]
    tree.globals = py_func.__globals__
    return tree


def _through_numba(py_func, state, tyctx, argtys, why):
    """The nest as an ordinary Numba function that its caller calls. If Numba cannot compile it
    either, its error is raised at the statement the nest could not type (error messages name
    the IR equation above it)."""
    fallbacks[str(why)] += 1
    if config.log_compiles():
        print(f"funcgrad: loop nest {py_func.__name__} compiled by Numba ({why})",
              file=sys.stderr)
    if "numba" not in state:
        state["numba"] = numba.njit(**NUMBA_FLAGS)(py_func)
    try:
        state["numba"].compile(tuple(argtys))
    except NumbaError as err:
        code = py_func.__code__  # its first line is the parsed source's (the decorator's)
        line = code.co_firstlineno + (why.node.lineno - 1 if why.node is not None else 1)
        raise TypingError(str(err), loc=Loc(code.co_filename, line)) from None
    fnty = tyctx.resolve_value_type(state["numba"])
    sig = tyctx.resolve_function_type(fnty, tuple(argtys), {})

    def codegen(context, builder, signature, args):
        return context.get_function(fnty, sig)(builder, args)
    return sig, codegen


class _Typer:
    """Types a nest's statements with Numba's typing context: the type of every name, and the
    signature of every operation (by node)."""

    def __init__(self, tyctx, tree, argtys):
        self.tyctx, self.tree = tyctx, tree
        self.types = dict(zip(tree.params, argtys))
        self.argtys = dict(self.types)
        self.assigned = set()
        self.sigs = {}  # id(node) -> (function type, signature, receiver node or None)
        self.constants = {}  # id(node) -> the value of a literal or a global constant
        for s in tree.body:
            self.stmt(s)
        outs = [self.types[n] for n in tree.outs]
        ret = types.Tuple(outs) if outs else types.none
        self.signature = ret(*argtys)

    def codegen(self, context, builder, signature, args):
        low = _Lower(context, builder, self, args)
        for s in self.tree.body:
            low.stmt(s)
        if not self.tree.outs:
            return context.get_dummy_value()
        return context.make_tuple(builder, signature.return_type,
                                  [low.name(n) for n in self.tree.outs])

    def stmt(self, s):
        try:
            self._stmt(s)
        except Unsupported as err:
            err.node = err.node or s
            raise

    def _stmt(self, s):
        if isinstance(s, ast.Assign) and len(s.targets) == 1:
            t, tgt = self.expr(s.value), s.targets[0]
            if isinstance(tgt, ast.Name):
                self.bind(tgt.id, t)
            elif isinstance(tgt, ast.Subscript):
                self.element(tgt)
            else:
                raise Unsupported(f"assignment to {type(tgt).__name__}")
        elif isinstance(s, ast.For):
            if not _is_range(s):
                raise Unsupported("a loop other than for ... in range(...)")
            for a in s.iter.args:
                if not isinstance(self.expr(a), types.Integer):
                    raise Unsupported("a range of non-integers")
            self.bind(s.target.id, types.intp)
            for b in s.body:
                self.stmt(b)
        elif isinstance(s, ast.Expr) and isinstance(s.value, ast.Call):
            self.call(s.value, scalar=False)
        elif not isinstance(s, ast.Pass):
            raise Unsupported(f"a statement {type(s).__name__}")

    def bind(self, name, t):
        if not isinstance(t, SCALARS):
            raise Unsupported(f"{name} holds a {t}")
        old = self.types.get(name)
        if old is not None and old != t:
            raise Unsupported(f"{name} is assigned a {old} and a {t}")
        self.types[name] = t
        self.assigned.add(name)

    def array(self, node):
        t = self.types.get(node.id) if isinstance(node, ast.Name) else None
        if not isinstance(t, types.Array):
            raise Unsupported("an index into something other than an array name")
        return t

    def element(self, node):
        """The dtype of the element ``node`` reads or writes."""
        aty = self.array(node.value)
        idx = _indices(node)
        if len(idx) != aty.ndim:
            raise Unsupported("an index that is not one integer per axis")
        for i in idx:
            if not isinstance(self.expr(i), types.Integer):
                raise Unsupported("a non-integer index")
        return aty.dtype

    def resolved(self, node, fnty, argtys, scalar=True, receiver=None):
        sig = self.tyctx.resolve_function_type(fnty, tuple(argtys), {})
        if sig is None:
            raise Unsupported(f"no {fnty} of {argtys}")
        if scalar and not isinstance(sig.return_type, SCALARS):
            raise Unsupported(f"{fnty} returns a {sig.return_type}")
        self.sigs[id(node)] = (fnty, sig, receiver)
        return sig.return_type

    def call(self, node, scalar=True):
        if node.keywords:
            raise Unsupported("keyword arguments")
        args = [self.expr(a, arrays=True) for a in node.args]
        f = node.func
        found, fn = self.global_value(f)
        if found:
            fn = getattr(fn, "nest_lowering", fn)
            return self.resolved(node, self.tyctx.resolve_value_type(fn), args, scalar)
        if not isinstance(f, ast.Attribute):
            raise Unsupported("a call of a value")
        method = self.tyctx.resolve_getattr(self.expr(f.value), f.attr)  # (z).conjugate()
        if method is None:
            raise Unsupported(f"no method {f.attr}")
        return self.resolved(node, method, args, scalar, receiver=f.value)

    def global_value(self, e):
        """(True, value) if ``e`` names a module global or a builtin, or an attribute of one
        (``np.inf``, ``np.float32``), else (False, None)."""
        if isinstance(e, ast.Attribute):
            found, base = self.global_value(e.value)
            return (True, getattr(base, e.attr)) if found else (False, None)
        if not isinstance(e, ast.Name) or e.id in self.types:
            return False, None
        if e.id in self.tree.globals:
            return True, self.tree.globals[e.id]
        if hasattr(builtins, e.id):
            return True, getattr(builtins, e.id)
        raise Unsupported(f"name {e.id} is not defined before it is read")

    def expr(self, e, arrays=False):
        if isinstance(e, ast.Name) and e.id in self.types:
            t = self.types[e.id]
            if isinstance(t, types.Array) and not arrays:
                raise Unsupported(f"array {e.id} used as a value")
            return t
        if isinstance(e, (ast.Name, ast.Attribute)):
            found, value = self.global_value(e)
            if found:  # a constant: the module's typed literals, np.inf
                self.constants[id(e)] = value
                return _constant_type(value)
            return self.attribute(e)
        if isinstance(e, ast.Constant):
            self.constants[id(e)] = e.value
            return _constant_type(e.value)
        if isinstance(e, ast.Call):
            return self.call(e)
        operands = _operands(e)
        if operands is not None:
            fnty = self.tyctx.resolve_value_type(_operator(e))
            return self.resolved(e, fnty, [self.expr(x) for x in operands])
        if isinstance(e, (ast.IfExp, ast.BoolOp)):
            return self.choice(e)
        if isinstance(e, ast.Subscript):
            return self.element(e)
        raise Unsupported(f"an expression {type(e).__name__}")

    def choice(self, e):
        """The type of ``a if c else b``, or of ``a and b`` / ``a or b`` of booleans."""
        if isinstance(e, ast.IfExp):
            self.expr(e.test)
            return self.unified(self.expr(e.body), self.expr(e.orelse))
        if not all(self.expr(x) == types.boolean for x in e.values):
            raise Unsupported("and/or of values that are not all booleans")
        return types.boolean

    def attribute(self, e):
        t = self.tyctx.resolve_getattr(self.expr(e.value), e.attr)  # (z).real
        if not isinstance(t, SCALARS):
            raise Unsupported(f"attribute {e.attr}")
        return t

    def unified(self, a, b):
        t = self.tyctx.unify_pairs(a, b)
        if t is None:
            raise Unsupported("a conditional expression of two kinds of value")
        return t


def _is_range(s):
    it = s.iter
    if not (isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and it.func.id == "range"
            and isinstance(s.target, ast.Name) and not s.orelse and not it.keywords
            and 1 <= len(it.args) <= 3):
        return False
    step = it.args[2] if len(it.args) == 3 else None
    return step is None or (isinstance(step, ast.Constant) and type(step.value) is int
                            and step.value > 0)


def _operands(e):
    """The operand nodes of an operation (a call's arguments), or None for other nodes."""
    if isinstance(e, ast.BinOp):
        return [e.left, e.right]
    if isinstance(e, ast.UnaryOp):
        return [e.operand]
    if isinstance(e, ast.Compare):
        return [e.left, e.comparators[0]]
    if isinstance(e, ast.Call):
        return e.args
    return None


def _operator(e):
    """The Python operator of a unary, binary or comparison node."""
    if isinstance(e, ast.Compare):
        if len(e.ops) != 1:
            raise Unsupported("a chained comparison")
        table, op = COMPARE, e.ops[0]
    else:
        table, op = (BINARY if isinstance(e, ast.BinOp) else UNARY), e.op
    if type(op) not in table:
        raise Unsupported(f"operator {type(op).__name__}")
    return table[type(op)]


def _indices(node):
    return node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]


def _constant_type(value):
    if isinstance(value, (bool, int, float, complex, np.bool_, np.number)):
        return numba.typeof(value)
    raise Unsupported(f"a constant {value!r}")


def _unpacked(context, builder, aty, value):
    from numba.np.arrayobj import make_array
    ary = make_array(aty)(context, builder, value)
    return (ary.data, cgutils.unpack_tuple(builder, ary.shape, aty.ndim),
            cgutils.unpack_tuple(builder, ary.strides, aty.ndim))


class _Lower:
    """Emits a typed nest's LLVM IR at the caller's builder."""

    def __init__(self, context, builder, typer, args):
        # Numba's array code, imported only to compile: ~35 ms that loading compiled code
        # from the disk cache does not need
        from numba.np import arrayobj
        self.c, self.b, self.t, self.arrayobj = context, builder, typer, arrayobj
        self.values = dict(zip(typer.tree.params, args))
        self.slots = {}  # assigned name -> its stack slot (LLVM promotes them to registers)
        # array name -> (data, shape, strides), read here: this block runs before every loop
        self.arrays = {name: _unpacked(context, builder, aty, self.values[name])
                       for name, aty in typer.argtys.items() if isinstance(aty, types.Array)}
        for name in sorted(typer.assigned):
            ty = typer.types[name]
            slot = cgutils.alloca_once(builder, context.get_value_type(ty), name=name)
            if name in self.values:  # a parameter the nest assigns: an accumulator
                builder.store(context.cast(builder, self.values.pop(name),
                                           typer.argtys[name], ty), slot)
            self.slots[name] = slot

    def stmt(self, s):
        c, b = self.c, self.b
        if isinstance(s, ast.Assign):
            value, t = self.expr(s.value)
            tgt = s.targets[0]
            if isinstance(tgt, ast.Name):
                b.store(c.cast(b, value, t, self.t.types[tgt.id]), self.slots[tgt.id])
            else:
                aty, ptr = self.element(tgt)
                self.arrayobj.store_item(c, b, aty, c.cast(b, value, t, aty.dtype), ptr)
        elif isinstance(s, ast.For):
            self.loop(s)
        elif isinstance(s, ast.Expr):
            self.expr(s.value)

    def loop(self, s):
        c, b = self.c, self.b
        bounds = [c.cast(b, *self.expr(a), types.intp) for a in s.iter.args]
        zero = c.get_constant(types.intp, 0)
        start, stop = (zero, bounds[0]) if len(bounds) == 1 else bounds[:2]
        step = c.get_constant(types.intp, s.iter.args[2].value if len(bounds) == 3 else 1)
        before = b.basic_block
        head = b.append_basic_block("nest.head")
        body = b.append_basic_block("nest.body")
        end = b.append_basic_block("nest.end")
        b.branch(head)
        b.position_at_end(head)
        i = b.phi(start.type)
        i.add_incoming(start, before)
        b.cbranch(b.icmp_signed("<", i, stop), body, end)
        b.position_at_end(body)
        b.store(i, self.slots[s.target.id])
        for inner in s.body:
            self.stmt(inner)
        i.add_incoming(b.add(i, step, flags=["nsw"]), b.basic_block)
        b.branch(head)
        b.position_at_end(end)

    def element(self, node):
        """The array type of element ``node`` and a pointer to it, as Numba's indexing gives:
        a negative (signed) index counts from the end."""
        aty = self.t.types[node.value.id]
        data, shape, strides = self.arrays[node.value.id]
        idx = [self.arrayobj.fix_integer_index(self.c, self.b, t, v, n)
               for (v, t), n in zip(map(self.expr, _indices(node)), shape)]
        return aty, cgutils.get_item_pointer2(self.c, self.b, data, shape, strides, aty.layout,
                                              idx)

    def name(self, n):
        if n in self.slots:
            return self.b.load(self.slots[n])
        return self.values[n]

    def expr(self, e):
        c, b = self.c, self.b
        if id(e) in self.t.constants:
            value = self.t.constants[id(e)]
            return c.get_constant(_constant_type(value), value), _constant_type(value)
        if isinstance(e, ast.Name):
            return self.name(e.id), self.t.types[e.id]
        operands = _operands(e)
        if operands is not None:
            return self.apply(e, operands)
        if isinstance(e, ast.IfExp):
            value, t = self.expr(e.test)
            test = c.is_true(b, t, value)
            (x, tx), (y, ty) = self.expr(e.body), self.expr(e.orelse)
            t = self.t.unified(tx, ty)
            return b.select(test, c.cast(b, x, tx, t), c.cast(b, y, ty, t)), t
        if isinstance(e, ast.BoolOp):  # of booleans: both sides are computed, as LLVM would
            join = b.and_ if isinstance(e.op, ast.And) else b.or_
            values = [self.expr(x)[0] for x in e.values]
            for v in values[1:]:
                values[0] = join(values[0], v)
            return values[0], types.boolean
        if isinstance(e, ast.Subscript):
            aty, ptr = self.element(e)
            return self.arrayobj.load_item(c, b, aty, ptr), aty.dtype
        value, t = self.expr(e.value)  # an attribute of a value: (z).real
        rt = self.t.tyctx.resolve_getattr(t, e.attr)
        return c.get_getattr(t, e.attr)(c, b, t, value, e.attr), rt

    def apply(self, node, operands):
        """Numba's implementation of ``node``'s operation on its operands (a method's first
        argument is the value it is called on)."""
        fnty, sig, receiver = self.t.sigs[id(node)]
        values = [self.expr(a) for a in operands]
        formal = list(sig.args)
        if formal and isinstance(formal[-1], (types.StarArgTuple, types.StarArgUniTuple)):
            rest = formal.pop()  # min(a, b): the arguments after the named ones, as a tuple
            packed = [self.c.cast(self.b, v, t, r)
                      for (v, t), r in zip(values[len(formal):], rest.types)]
            args = self._cast(values[:len(formal)], formal)
            args.append(self.c.make_tuple(self.b, rest, packed))
        else:
            args = self._cast(values, formal)
        if receiver is not None:
            args.insert(0, self.expr(receiver)[0])
        return self.c.get_function(fnty, sig)(self.b, args), sig.return_type

    def _cast(self, values, formal):
        return [self.c.cast(self.b, v, t, f) for (v, t), f in zip(values, formal)]
