"""Split a long generated function into a chain of shorter ones.

LLVM's optimizer takes time superlinear in the size of a function. Measured on the backward
pass of forty indexing expressions (2,600 generated lines): 68 s as one function, 40 s as eight
pieces of ~150 lines. Generated code is a straight line of top-level statements (assignments,
loop nests, calls), so it cuts cleanly between statements: each piece becomes a function that
takes the values it reads from earlier pieces and returns those that later ones read. Sizes and
float constants are read from ``P``/``F64``/``F32`` in each piece, as in the original.

The main function keeps its name and signature and calls the pieces in order; all of them are
compiled in the same module, so the whole program still runs as native code from one call.
"""
import ast

#: functions with more lines of statements (not counting the table reads) are split, into
#: pieces of about ``PIECE_LINES``. Numba optimizes the pieces again when it links them into
#: the main function, so splitting pays only for long functions (measured: the 300-line W2
#: training step compiles in 2.9 s whole, 4.8 s as three pieces).
MAX_LINES = 1000
PIECE_LINES = 150
TABLES = ("P", "F64", "F32")


def split_function(text, max_lines=None, piece_lines=None):
    """The texts of functions equivalent to the one function in ``text``: ``[text]`` when it is
    short enough, else the pieces followed by the new main function (same name and
    signature)."""
    max_lines = MAX_LINES if max_lines is None else max_lines
    piece_lines = PIECE_LINES if piece_lines is None else piece_lines
    lines = text.splitlines()
    if len(lines) <= max_lines:
        return [text]
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
    if (not isinstance(ret, ast.Return) or not stmts
            or sum(s.end_lineno - s.lineno + 1 for s in stmts) <= max_lines):
        return [text]
    local = set(params) | {n for s in body for n in _stores(s)}

    pieces, start, count = [], 0, 0
    for j, s in enumerate(stmts):
        count += s.end_lineno - s.lineno + 1
        if count >= piece_lines and j + 1 < len(stmts):
            pieces.append(stmts[start:j + 1])
            start, count = j + 1, 0
    pieces.append(stmts[start:])
    if len(pieces) == 1:
        return [text]

    # live[i]: the names read after piece i (before being written again)
    live = [set() for _ in pieces]
    after = _exposed([ret])
    for i in range(len(pieces) - 1, -1, -1):
        live[i] = after & local
        after = _exposed(pieces[i]) | (after - _assigned(pieces[i]))

    out, calls = [], []
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
        call = f"{pname}({', '.join(ins + list(TABLES))})"
        calls.append(f"    ({''.join(n + ', ' for n in outs)}) = {call}" if outs else
                     f"    {call}")
    head = lines[fdef.lineno - 1:fdef.body[0].lineno - 1]
    main = head + [table_reads[n] for n in sorted(_exposed([ret]) & set(table_reads),
                                                   key=_table_order)]
    main += calls + lines[_first_line(lines, ret, stmts[-1].end_lineno) - 1:ret.end_lineno]
    out.append("\n".join(main) + "\n")
    return out


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
