"""Loops outlined: each loop at the top level of a generated function becomes a function of its
own, which ``nests`` compiles straight to LLVM IR inside its caller.

Numba costs ~25 ms of compile time per loop nest before its body (a range object, an iterator,
the index wrapping of every element read, each statement typed and lowered through Numba's
passes), and generated code is mostly loop nests: the W1 training step spent 70% of its compile
there. A nest function is typed and lowered by ``nests`` as one call, with the same scalar
operations Numba would use; what Numba compiles is the rest (allocations, matrix products,
calls).

This is text to text, on a rendered function (``pieces.Function``), and only the file Numba
compiles is outlined: ``fg.jit(f).source()`` shows the loops in place. No numba import here.
"""
import ast

from .pieces import Function


def outline(fn):
    """The functions ``fn`` becomes: a ``@nest`` function per loop at its top level, then
    ``fn`` calling them (itself alone if it has no such loop, or runs in Python).

    >>> src = "def fn(a, b, n):\\n    s = 0.0\\n    for i in range(n):\\n" \\
    ...       "        b[i] = a[i] * 2.0\\n        s = s + a[i]\\n    return (s, )\\n"
    >>> for f in outline(Function("fn", src)):
    ...     print(f.text)
    @nest
    def fn_nest1(n, a, b, s):
        for i in range(n):
            b[i] = a[i] * 2.0
            s = s + a[i]
        return (s, )
    <BLANKLINE>
    def fn(a, b, n):
        s = 0.0
        (s, ) = fn_nest1(n, a, b, s)
        return (s, )
    <BLANKLINE>
    """
    if not fn.native:
        return [fn]
    lines = fn.text.split("\n")
    fdef = ast.parse(fn.text).body[0]
    local = {a.arg for a in fdef.args.args} | _stored(fdef)
    nests, calls = [], []
    for k, s in enumerate(fdef.body):
        if isinstance(s, ast.For) and not _leaves(s):
            name = f"{fn.name}_nest{len(nests) + 1}"
            nest, call = _outlined(name, s, lines, local, set(_free(fdef.body[k + 1:])))
            nests.append(nest)
            calls.append((s, call))
    for s, call in reversed(calls):
        lines[s.lineno - 1:s.end_lineno] = [call]
    return nests + [Function(fn.name, "\n".join(lines), fn.native)] if nests else [fn]


def _outlined(name, loop, lines, local, later):
    """The nest function of ``loop`` (its ``lines``) and the statement that calls it: it takes
    the function's ``local`` names that the loop reads before it writes them, and returns
    those it writes that ``later`` statements read."""
    ins = [n for n in _free([loop]) if n in local]
    outs = sorted(n for n in _stored(loop) if n in later)
    ret = ["    return (" + "".join(f"{n}, " for n in outs) + ")"] if outs else []
    head = [f"@nest\ndef {name}({', '.join(ins)}):"]
    body = lines[loop.lineno - 1:loop.end_lineno]
    call = f"{name}({', '.join(ins)})"
    call = f"    ({''.join(f'{n}, ' for n in outs)}) = {call}" if outs else f"    {call}"
    return Function(name, "\n".join(head + body + ret) + "\n", native=False), call


def _leaves(loop):
    """Whether ``loop`` returns or yields from its function (an outlined one could not)."""
    return any(isinstance(n, (ast.Return, ast.Yield, ast.YieldFrom)) for n in ast.walk(loop))


def _stored(node):
    return {n.id for n in ast.walk(node)
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}


def _free(stmts):
    """The names ``stmts`` read before they write them, in order of first reading: what they
    take from the code before them."""
    scan = _Scan()
    for s in stmts:
        scan.visit(s)
    return list(scan.free)


class _Scan:
    """Walks statements in the order they run, noting names read before they are written."""

    def __init__(self):
        self.defined, self.free = set(), {}

    def reads(self, node):
        for n in ast.walk(node):
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) \
                    and n.id not in self.defined:
                self.free.setdefault(n.id)

    def visit(self, s):
        if isinstance(s, (ast.Assign, ast.AugAssign)):
            self.reads(s.value)
            for t in getattr(s, "targets", None) or [s.target]:
                if isinstance(s, ast.AugAssign):  # x += 1 reads x
                    self.reads(ast.Name(t.id, ast.Load()) if isinstance(t, ast.Name) else t)
                self.reads(t)  # a subscript target reads its array and its indices
                self.defined.update(_stored(t))
        elif isinstance(s, (ast.For, ast.While, ast.If)):
            self.reads(s.iter if isinstance(s, ast.For) else s.test)
            if isinstance(s, ast.For):
                self.defined.update(_stored(s.target))
            for b in s.body + s.orelse:
                self.visit(b)
        else:
            self.reads(s)
