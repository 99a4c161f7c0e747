"""Split a long generated function into a chain of shorter ones.

LLVM's optimizer takes time superlinear in the size of a function. Measured on the backward
pass of forty indexing expressions (2,600 generated lines): 68 s as one function, 40 s as eight
pieces of ~150 lines. Generated code is a straight line of top-level statements (assignments,
loop nests, calls), so it cuts cleanly between statements: each piece becomes a function that
takes the values it reads from earlier pieces and returns those that later ones read. Sizes and
float constants are read from ``P``/``F64``/``F32`` in each piece, as in the original.

Two kinds of chain:

- the module's main function (called from Python) becomes a plain Python function that calls
  the compiled pieces in order. Each piece is compiled on its own, so the pieces can be
  compiled at the same time in several processes (``parallel``), and nothing is optimized twice.
  Its cost is one more native call per piece (a few microseconds; only long functions split).
- a function called from compiled code (a ``cond`` branch, a loop body) keeps its name and
  signature and calls the pieces from compiled code; Numba links them into it.
"""
import ast

#: a function called from compiled code is split when it has more lines of statements (not
#: counting the table reads) than this, into pieces of about ``PIECE_LINES``. Numba optimizes
#: the pieces again when it links them into the caller, so this pays only for long functions
#: (measured: the 300-line W2 training step compiles in 2.9 s whole, 4.8 s as three pieces).
MAX_LINES = 1000
PIECE_LINES = 150
#: the main function is split when longer than ``MAIN_MAX_LINES``, into pieces of about
#: ``MAIN_PIECE_LINES``: compiled one after another the pieces cost no more than the whole
#: (measured on W2: 2.15 s as two pieces, 2.3 s whole), and on two cores they compile at once.
MAIN_MAX_LINES = 300
MAIN_PIECE_LINES = 200
TABLES = ("P", "F64", "F32")
#: the line above a main function that runs in Python (``compile`` leaves it undecorated)
CHAIN_MARK = "# runs in Python: calls the compiled pieces in order"


class Piece:
    """A piece of a main function split for Python: its name, the type of each argument
    (``("arg", k)``: the main function's k-th argument; ``("array", dtype, ndim)``: a
    C-contiguous array; ``("scalar", dtype)``; ``None``: not known before the call) and its
    number of lines (the cost of compiling it, roughly)."""

    __slots__ = ("name", "specs", "lines")

    def __init__(self, name, specs, lines):
        self.name, self.specs, self.lines = name, specs, lines

    def __repr__(self):
        return f"Piece({self.name!r}, {self.specs!r}, {self.lines})"


def split_function(text, max_lines=None, piece_lines=None, types=None):
    """Functions equivalent to the one function in ``text``: ``([text], [])`` when it is short
    enough, else ``(texts, pieces)``: the pieces' texts followed by the new main function (same
    name and signature), and what ``parallel`` needs to compile each piece before the first
    call.

    With ``types`` (the type spec of every value of known type, by name: see ``Piece``) the main
    function becomes a Python chain, cut where every value passed between pieces has a known
    type where possible; without, a compiled chain."""
    in_python = types is not None
    if max_lines is None:
        max_lines = MAIN_MAX_LINES if in_python else MAX_LINES
    if piece_lines is None:
        piece_lines = MAIN_PIECE_LINES if in_python else PIECE_LINES
    lines = text.splitlines()
    if len(lines) <= max_lines:
        return [text], []
    (fdef,) = ast.parse(text).body
    name = fdef.name
    params = [a.arg for a in fdef.args.args]
    body = fdef.body
    # The prologue reads run-time tables into names (``p3 = P[3]``); pieces re-read what they use.
    table_reads = {}
    k = 0
    while k < len(body) and _is_table_read(body[k]):
        table_reads[body[k].targets[0].id] = lines[body[k].lineno - 1]
        k += 1
    stmts, ret = body[k:-1], body[-1]
    sizes = [s.end_lineno - s.lineno + 1 for s in stmts]
    if not isinstance(ret, ast.Return) or not stmts or sum(sizes) <= max_lines:
        return [text], []
    local = set(params) | {n for s in body for n in _stores(s)}
    # live_after[j]: the names read after statement j that statements up to j wrote
    live_after, after, written = [None] * len(stmts), _exposed([ret]), set()
    for j in range(len(stmts) - 1, -1, -1):
        live_after[j] = after
        after = _exposed(stmts[j:j + 1]) | (after - _assigned(stmts[j:j + 1]))
    for j, s in enumerate(stmts):
        written |= _stores(s)
        live_after[j] = live_after[j] & written & local

    if in_python:
        known = set(types) | set(params)
        cuts = _balanced_cuts(sizes, piece_lines,
                              lambda j: all(n in known for n in live_after[j]))
    else:
        cuts = _greedy_cuts(sizes, piece_lines)
    if not cuts:
        return [text], []
    bounds = list(zip([0] + [c + 1 for c in cuts], cuts + [len(stmts) - 1]))
    pieces = [stmts[a:b + 1] for a, b in bounds]
    live = [live_after[b] for _, b in bounds]

    out, calls, meta = [], [], []
    for i, piece in enumerate(pieces):
        reads = _exposed(piece)
        ins = sorted((reads & local) - set(table_reads) - set(TABLES))
        outs = sorted(live[i] & {n for s in piece for n in _stores(s)})
        pname = f"{name}__{i + 1}"
        code = [f"def {pname}({', '.join(ins + list(TABLES))}):"]
        code += [table_reads[n] for n in sorted(reads & set(table_reads), key=_table_order)]
        prev_end = piece[0].lineno - 1
        for s in piece:
            first = _first_line(lines, s, prev_end)
            code += lines[first - 1:s.end_lineno]
            prev_end = s.end_lineno
        code.append("    return (" + "".join(f"{n}, " for n in outs) + ")")
        out.append("\n".join(code) + "\n")
        args = ins + list(TABLES)
        if in_python:
            specs = [("arg", params.index(n)) if n in params else types.get(n) for n in args]
            meta.append(Piece(pname, specs, len(code)))
            args = [_retyped(n, types.get(n)) if n not in params else n for n in args]
        call = f"{pname}({', '.join(args)})"
        calls.append(f"    ({''.join(n + ', ' for n in outs)}) = {call}" if outs else
                     f"    {call}")
    head = lines[fdef.lineno - 1:fdef.body[0].lineno - 1]
    main = ([CHAIN_MARK] if in_python else []) + head
    main += [table_reads[n] for n in sorted(_exposed([ret]) & set(table_reads),
                                            key=_table_order)]
    main += calls + lines[_first_line(lines, ret, stmts[-1].end_lineno) - 1:ret.end_lineno]
    out.append("\n".join(main) + "\n")
    return out, meta


def _retyped(name, spec):
    """A 0-d value passed from piece to piece through Python: Numba hands it back as a Python
    float or int, which the next piece would type as float64/int64, so other dtypes are
    restored (float32 stays float32)."""
    if spec is not None and spec[0] == "scalar" and spec[1] not in ("float64", "int64", "bool"):
        return f"np.{spec[1]}({name})"
    return name


def _greedy_cuts(sizes, piece_lines):
    """Cut after statement j once a piece has ``piece_lines`` lines."""
    cuts, count = [], 0
    for j, n in enumerate(sizes):
        count += n
        if count >= piece_lines and j + 1 < len(sizes):
            cuts.append(j)
            count = 0
    return cuts


def _balanced_cuts(sizes, piece_lines, clean):
    """Cuts into about equal pieces of about ``piece_lines`` lines (they compile in parallel),
    each moved to the nearest cut where ``clean(j)`` (every value crossing it has a known type)
    within a quarter of a piece."""
    total = sum(sizes)
    n = max(2, round(total / piece_lines))
    ends, acc = [], 0
    for s in sizes:
        acc += s
        ends.append(acc)  # lines up to and including statement j
    cuts = []
    for k in range(1, n):
        target = total * k / n
        order = sorted(range(len(sizes) - 1), key=lambda j: abs(ends[j] - target))
        near = [j for j in order if abs(ends[j] - target) <= total / n / 4]
        pick = next((j for j in near if clean(j)), order[0] if order else None)
        if pick is not None and (not cuts or pick > cuts[-1]):
            cuts.append(pick)
    return cuts


def _is_table_read(s):
    return (isinstance(s, ast.Assign) and len(s.targets) == 1
            and isinstance(s.targets[0], ast.Name) and isinstance(s.value, ast.Subscript)
            and isinstance(s.value.value, ast.Name) and s.value.value.id in TABLES)


def _table_order(name):
    return (name[0], int(name[1:])) if name[1:].isdigit() else (name, 0)


def _first_line(lines, s, prev_end):
    """The first line of ``s`` with the comment lines just above it (the IR equation)."""
    first = s.lineno
    while first - 1 > prev_end and lines[first - 2].lstrip().startswith("#"):
        first -= 1
    return first


def _stores(s):
    return {n.id for n in ast.walk(s) if isinstance(n, ast.Name)
            and isinstance(n.ctx, (ast.Store, ast.Del))}


def _assigned(stmts):
    """Names certainly written by ``stmts`` (by top-level assignments)."""
    out = set()
    for s in stmts:
        if isinstance(s, ast.Assign):
            out |= _stores(s)
    return out


def _exposed(stmts):
    """Names ``stmts`` read before writing them (their inputs)."""
    reads, written = set(), set()

    def expr(node):
        for n in ast.walk(node):
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and n.id not in written:
                reads.add(n.id)

    def block(body):
        for s in body:
            if isinstance(s, ast.Assign):
                expr(s.value)
                for t in s.targets:
                    target(t)
            elif isinstance(s, ast.AugAssign):  # x op= v reads x too
                expr(s.value)
                if isinstance(s.target, ast.Name) and s.target.id not in written:
                    reads.add(s.target.id)
                target(s.target)
            elif isinstance(s, ast.For):
                expr(s.iter)
                target(s.target)
                block(s.body)
                block(s.orelse)
            elif isinstance(s, (ast.If, ast.While)):
                expr(s.test)
                block(s.body)
                block(s.orelse)
            else:
                expr(s)

    def target(t):
        if isinstance(t, ast.Name):
            written.add(t.id)
        elif isinstance(t, (ast.Tuple, ast.List)):
            for e in t.elts:
                target(e)
        else:  # x[i] = ...: reads x and i
            expr(t)

    block(stmts)
    return reads
