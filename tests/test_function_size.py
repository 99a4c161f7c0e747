"""Short functions in the jit wing: no function in backend/, the jit front (api.py, jit_call.py,
signatures.py) or the modules whose rules transform inner IRs (control.py, inner_ir.py) longer
than ``MAX_LINES`` lines or with a cyclomatic complexity over ``MAX_COMPLEXITY``.

Complexity is counted here rather than with a linter, as McCabe does: one, plus one for each
``if``/``elif``, loop, ``except``, conditional expression, comprehension loop and filter, and each
extra operand of ``and``/``or``. A nested function counts towards the function that holds it (a
closure shares its state), so four closures in one function are one long function.

    python tests/test_function_size.py     # the longest and most complex functions
"""
import ast
import pathlib

PKG = pathlib.Path(__file__).resolve().parent.parent / "funcgrad"
CHECKED = ["backend", "api.py", "jit_call.py", "signatures.py", "inner_ir.py", "control.py"]
MAX_LINES = 60
MAX_COMPLEXITY = 15

_BRANCHES = (ast.If, ast.For, ast.AsyncFor, ast.While, ast.ExceptHandler, ast.IfExp)


def complexity(node):
    """McCabe's cyclomatic complexity of a function (its nested functions included).

    >>> complexity(ast.parse("def f(x):\\n    return [y for y in x if y and x]").body[0])
    4
    """
    n = 1
    for sub in ast.walk(node):
        if isinstance(sub, _BRANCHES):
            n += 1
        elif isinstance(sub, ast.BoolOp):
            n += len(sub.values) - 1
        elif isinstance(sub, ast.comprehension):
            n += 1 + len(sub.ifs)
    return n


def measure(text, where):
    """(where:line, name, lines, complexity) of every function and method in ``text``,
    outermost functions only (a nested function is measured as part of the one holding it)."""
    out, todo = [], list(ast.parse(text).body)
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            out.append((f"{where}:{node.lineno}", node.name, node.end_lineno - node.lineno + 1,
                        complexity(node)))
        elif isinstance(node, ast.ClassDef):
            todo.extend(node.body)
    return out


def functions(paths):
    return [row for p in paths for row in measure(p.read_text(), p.relative_to(PKG.parent))]


def checked_files():
    files = []
    for name in CHECKED:
        p = PKG / name
        files += sorted(p.rglob("*.py")) if p.is_dir() else [p]
    return files


def test_the_checked_files_exist():
    assert all(p.exists() for p in checked_files()) and len(checked_files()) > 10


def test_no_long_function():
    long = [f"{w} {n}: {lines} lines" for w, n, lines, _ in functions(checked_files())
            if lines > MAX_LINES]
    assert not long, long


def test_no_complex_function():
    tangled = [f"{w} {n}: complexity {c}" for w, n, _, c in functions(checked_files())
               if c > MAX_COMPLEXITY]
    assert not tangled, tangled


def test_the_counter_counts_what_mccabe_does():
    src = ("def f(x):\n"
           "    if x:\n"                       # +1
           "        return 1\n"
           "    elif x > 2 and x < 5 or x:\n"  # +1 (elif) +2 (and, or)
           "        pass\n"
           "    for i in x:\n"                 # +1
           "        while i:\n"                # +1
           "            i -= 1\n"
           "    try:\n"
           "        pass\n"
           "    except ValueError:\n"          # +1
           "        pass\n"
           "    def g(y):\n"                   # a closure counts towards f
           "        return y if y else 0\n"   # +1
           "    return [a for a in x if a]\n")  # +2
    assert measure(src, "probe.py") == [("probe.py:1", "f", 15, 11)]


if __name__ == "__main__":
    rows = functions(checked_files())
    print("longest:")
    for w, n, lines, c in sorted(rows, key=lambda r: -r[2])[:10]:
        print(f"  {lines:4d} lines  complexity {c:3d}  {w} {n}")
    print("most complex:")
    for w, n, lines, c in sorted(rows, key=lambda r: -r[3])[:10]:
        print(f"  {lines:4d} lines  complexity {c:3d}  {w} {n}")
