"""A rendered function, whole or cut into a chain of pieces.

The renderer (``codegen``) writes a function as *blocks*, one per scheduled item (a loop nest,
an equation on its own), each knowing the values it reads and defines and the run-time table
entries it uses; nothing here reads the generated text back.

LLVM's optimizer takes time superlinear in the size of a function. Measured on the backward
pass of forty indexing expressions (2,600 generated lines): 68 s as one function, 40 s as eight
pieces of ~150 lines. So a long function is cut between blocks: each piece becomes a function
that takes the values it reads from earlier pieces and returns those that later ones read.
Sizes and float constants are read from ``P``/``F64``/``F32`` in each piece, as in the whole.

Two kinds of chain:

- the module's main function (called from Python) becomes a plain Python function that calls
  the compiled pieces in order. Each piece is compiled on its own, so the pieces can be
  compiled at the same time in several processes (``parallel``), and nothing is optimized twice.
  Its cost is one more native call per piece (a few microseconds; only long functions are cut).
- a function called from compiled code (a ``cond`` branch, a loop body) keeps its name and
  signature and calls the pieces from compiled code; Numba links them into it.
"""

#: a function called from compiled code is cut when it has more lines of statements (not
#: counting the table reads) than this, into pieces of about ``PIECE_LINES``. Numba optimizes
#: the pieces again when it links them into the caller, so this pays only for long functions
#: (measured: the 300-line W2 training step compiles in 2.9 s whole, 4.8 s as three pieces).
MAX_LINES = 1000
PIECE_LINES = 150
#: the main function is cut when longer than ``MAIN_MAX_LINES``, into pieces of about
#: ``MAIN_PIECE_LINES``: compiled one after another the pieces cost no more than the whole
#: (measured on W2: 2.15 s as two pieces, 2.3 s whole), and on two cores they compile at once.
MAIN_MAX_LINES = 300
MAIN_PIECE_LINES = 200
TABLES = ("P", "F64", "F32")
#: the comment above a main function that runs in Python (it has no ``@njit``)
CHAIN_MARK = "# runs in Python: calls the compiled pieces in order"


class Block:
    """The lines of one scheduled item (indented for a function body), the names of the values
    they read from outside the block and of those they define, and the run-time table names
    they use (``p3``, ``f0``)."""

    __slots__ = ("lines", "reads", "defines", "tables")

    def __init__(self):
        self.lines, self.reads, self.defines, self.tables = [], set(), set(), set()

    def size(self):
        """Lines of statements: a comment above a statement does not count, one inside a loop
        does (as Python counts a statement's lines)."""
        return sum(1 for ln in self.lines if not ln.startswith("    #"))


class Function:
    """One function of a generated module: its name, its text, and whether Numba compiles it
    (``native``; a main function cut into pieces runs in Python and calls the compiled ones; a
    loop nest, ``outline``'s, is compiled into its caller and carries its own decorator)."""

    __slots__ = ("name", "text", "native")

    def __init__(self, name, text, native=True):
        self.name, self.text, self.native = name, text, native


class Piece:
    """A piece of a main function cut for Python: its name, the type of each argument
    (``("arg", k)``: the main function's k-th argument; ``("array", dtype, ndim)``: a
    C-contiguous array; ``("scalar", dtype)``; ``None``: not known before the call) and its
    number of lines (the cost of compiling it, roughly)."""

    __slots__ = ("name", "specs", "lines")

    def __init__(self, name, specs, lines):
        self.name, self.specs, self.lines = name, specs, lines

    def __repr__(self):
        return f"Piece({self.name!r}, {self.specs!r}, {self.lines})"


class Layout:
    """A rendered function before it is assembled: its name, parameter names, blocks, the
    return statement (a block of its own) and the table reads (name -> line, in the order
    they were made)."""

    __slots__ = ("name", "params", "blocks", "ret", "table_reads")

    def __init__(self, name, params, blocks, ret, table_reads):
        self.name, self.params, self.blocks, self.ret = name, params, blocks, ret
        self.table_reads = table_reads

    def whole(self, tables=TABLES):
        """The function as one text, taking the run-time ``tables`` after its parameters."""
        head = [f"def {self.name}({', '.join(self.params + list(tables))}):"]
        reads = ["    " + ln for ln in self.table_reads.values()]
        body = [ln for b in self.blocks + [self.ret] for ln in b.lines]
        return "\n".join(head + reads + body) + "\n"

    def reads_of(self, tables):
        """The table read lines for the names in ``tables``, in table order."""
        return ["    " + self.table_reads[n] for n in sorted(tables, key=_table_order)]


def assemble(layout, types=None, max_lines=None, piece_lines=None, tables=TABLES):
    """The functions ``layout`` becomes: itself, whole, when short enough; else its pieces
    followed by a main function of the same name and signature that calls them. Also returns
    what ``parallel`` needs to compile each piece before the first call.

    With ``types`` (the type spec of every value of known type, by name: see ``Piece``) the main
    function is a Python chain, cut where every value passed between pieces has a known type
    where possible; without, a compiled chain. Every function takes the run-time ``tables``
    (a module that reads none takes none: a call then unboxes three arrays fewer)."""
    in_python = types is not None
    if max_lines is None:
        max_lines = MAIN_MAX_LINES if in_python else MAX_LINES
    if piece_lines is None:
        piece_lines = MAIN_PIECE_LINES if in_python else PIECE_LINES
    sizes = [b.size() for b in layout.blocks]
    live = _live_after(layout)
    if sum(sizes) <= max_lines:
        cuts = []
    elif in_python:
        known = set(types) | set(layout.params)
        cuts = _balanced_cuts(sizes, piece_lines, lambda j: live[j] <= known)
    else:
        cuts = _greedy_cuts(sizes, piece_lines)
    if not cuts:
        return [Function(layout.name, layout.whole(tables))], []
    bounds = list(zip([0] + [c + 1 for c in cuts], cuts + [len(sizes) - 1]))
    functions, calls, pieces = [], [], []
    for i, (a, b) in enumerate(bounds):
        fn, call, piece = _piece(layout, f"{layout.name}__{i + 1}", layout.blocks[a:b + 1],
                                 live[b], types, tables)
        functions.append(fn)
        calls.append(call)
        pieces.append(piece)
    functions.append(_chain(layout, calls, in_python, tables))
    return functions, pieces if in_python else []


def _live_after(layout):
    """For each block, the names defined up to it that later blocks (or the return) read."""
    later, live = set(layout.ret.reads), []
    for b in reversed(layout.blocks):
        live.append(set(later))
        later |= b.reads
    live.reverse()
    defined = set()
    for j, b in enumerate(layout.blocks):
        defined |= b.defines
        live[j] &= defined
    return live


def _piece(layout, name, blocks, live, types, tables):
    """A piece's function, the statement of the chain that calls it, and its ``Piece``."""
    defined = set().union(*(b.defines for b in blocks))
    ins = sorted(set().union(*(b.reads for b in blocks)) - defined)
    outs = sorted(live & defined)
    lines = [f"def {name}({', '.join(ins + list(tables))}):"]
    lines += layout.reads_of(set().union(*(b.tables for b in blocks)))
    lines += [ln for b in blocks for ln in b.lines]
    lines.append("    return (" + "".join(f"{n}, " for n in outs) + ")")
    args, piece = ins + list(tables), None
    if types is not None:
        params = layout.params + list(tables)
        specs = [("arg", params.index(n)) if n in params else types.get(n) for n in args]
        piece = Piece(name, specs, len(lines))
        args = [n if n in params else _retyped(n, types.get(n)) for n in args]
    call = f"{name}({', '.join(args)})"
    call = f"    ({''.join(n + ', ' for n in outs)}) = {call}" if outs else f"    {call}"
    return Function(name, "\n".join(lines) + "\n"), call, piece


def _chain(layout, calls, in_python, tables):
    """The main function of a chain: the calls of the pieces, then the return."""
    head = [CHAIN_MARK] if in_python else []
    head.append(f"def {layout.name}({', '.join(layout.params + list(tables))}):")
    lines = head + layout.reads_of(layout.ret.tables) + calls + layout.ret.lines
    return Function(layout.name, "\n".join(lines) + "\n", native=not in_python)


def _retyped(name, spec):
    """A 0-d value passed from piece to piece through Python: Numba hands it back as a Python
    float or int, which the next piece would type as float64/int64, so other dtypes are
    restored (float32 stays float32)."""
    if spec is not None and spec[0] == "scalar" and spec[1] not in ("float64", "int64", "bool"):
        return f"np.{spec[1]}({name})"
    return name


def _greedy_cuts(sizes, piece_lines):
    """Cut after block j once a piece has ``piece_lines`` lines."""
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
        ends.append(acc)  # lines up to and including block j
    cuts = []
    for k in range(1, n):
        target = total * k / n
        order = sorted(range(len(sizes) - 1), key=lambda j: abs(ends[j] - target))
        near = [j for j in order if abs(ends[j] - target) <= total / n / 4]
        pick = next((j for j in near if clean(j)), order[0] if order else None)
        if pick is not None and (not cuts or pick > cuts[-1]):
            cuts.append(pick)
    return cuts


def _table_order(name):
    return (name[0], int(name[1:])) if name[1:].isdigit() else (name, 0)
