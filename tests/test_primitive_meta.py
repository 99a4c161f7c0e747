"""Every primitive declares every rule (or marks it not supported) and is exercised by some row
of the shared table. Which primitives a row exercises is read from the IRs its checks run
(``make_ir`` of the row's function and of its gradient), never from a label; each of those IRs
passes ``typecheck``, before and after each IR pass of the backend."""
import ast
import pathlib
import re
import types

import numpy as np
import pytest
from primitive_table import ROWS

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.backend import passes
from funcgrad.core.ir import IR, typecheck
from funcgrad.core.lowering import Broadcast, Call, Elementwise, Reduction, Structural
from funcgrad.core.primitive import SLOTS, registry

RECORDS = (Elementwise, Broadcast, Reduction, Structural, Call)
# Primitives no row can exercise, and the tests that check them instead: integer- and
# boolean-valued ones have no derivative to check (tests/test_math.py compares them with NumPy,
# eager and staged); cond/while are in tests/test_control.py, jit_call in tests/test_jit.py;
# make_ir traces through custom_vjp_call, custom_jvp_call and checkpoint: they are checked in
# tests/test_custom_vjp.py, tests/test_custom_jvp.py and tests/test_checkpoint.py.
INDIRECT = {"ge", "le", "not", "and", "or", "xor", "shift_left", "shift_right", "floor_divide",
            "isinf", "argmax", "argmin", "while", "cond", "custom_vjp_call", "custom_jvp_call",
            "checkpoint", "jit_call"}
ROOT = pathlib.Path(__file__).resolve().parent.parent
BACKEND = ROOT / "funcgrad" / "backend"
DOC = ROOT / "docs" / "how_it_works.md"


def _nested(ir):
    """``ir`` and every IR held in its equations' params (branches, loop bodies, calls)."""
    yield ir
    for e in ir.eqns:
        for value in e.params.values():
            for sub in value if isinstance(value, tuple) else (value,):
                if isinstance(sub, IR):
                    yield from _nested(sub)


def _row_irs(row):
    """The IRs of a row's function and, if it is differentiable, of its gradient."""
    args = row.args(np.random.default_rng(0), np.dtype(row.dtypes[0]))
    irs = [fg.make_ir(row.fun)(*args)]
    if row.grad:
        nums = tuple(range(len(args)))
        scalar = lambda *a: fnp.sum(row.fun(*a) ** 2)  # noqa: E731
        irs.append(fg.make_ir(fg.grad(scalar, argnums=nums))(*args))
    return [sub for ir in irs for sub in _nested(ir)]


TRACED = [r for r in ROWS if r.jit]  # the others need concrete values: no IR to read


@pytest.fixture(scope="module")
def row_irs():
    return {row.name: _row_irs(row) for row in TRACED}


@pytest.mark.parametrize("row", TRACED, ids=repr)
def test_every_row_typechecks(row, row_irs):
    for ir in row_irs[row.name]:
        assert typecheck(ir)
        # and after each pass the backend runs on it, in the order it runs them
        ir = passes.inline_calls(ir)
        assert typecheck(ir)
        assert typecheck(passes.expand_rewrites(ir))
        assert typecheck(passes.optimize(ir))


def test_every_primitive_is_in_the_table(row_irs):
    covered = {e.prim.name for irs in row_irs.values() for ir in irs for e in ir.eqns}
    missing = sorted(set(registry) - covered - INDIRECT)
    assert not missing, f"primitives no table row exercises: {missing}"


def test_every_primitive_has_every_rule():
    missing = [f"{name}.{slot}" for name, prim in registry.items() for slot in SLOTS
               if not prim.has_rule(slot)]
    assert not missing, f"primitives without rules (or NOT_SUPPORTED): {missing}"


def test_every_lowering_is_a_record_or_not_supported():
    bad = [name for name, prim in registry.items()
           if not isinstance(prim.lowering, RECORDS) and prim.supports("lowering")]
    assert not bad, bad


def test_every_elementwise_primitive_has_a_scalar_expression():
    from funcgrad.ops import elementwise
    missing = [p.name for p in vars(elementwise).values()
               if isinstance(p, type(elementwise.add_p))
               and not isinstance(p.lowering, Elementwise)]
    assert not missing, missing


def test_no_primitive_is_named_in_the_backend():
    """The backend dispatches on lowering records: no string literal in backend/ is the name
    of a primitive."""
    found = [f"{path.name}:{node.lineno}: {node.value!r}"
             for path in sorted(BACKEND.glob("*.py"))
             for node in ast.walk(ast.parse(path.read_text()))
             if isinstance(node, ast.Constant) and isinstance(node.value, str)
             and node.value in registry]
    assert not found, found


def _worked_example():
    """(file, code) of each Python block in the doc's "Adding a primitive" section; a block's
    first line is a comment naming its file."""
    section = DOC.read_text().split("\n## Adding a primitive\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
    return [tuple(part.strip("# \n") if i == 0 else part for i, part in
                  enumerate(b.split("\n", 1))) for b in blocks]


def test_the_worked_example_adds_a_primitive_in_three_files(monkeypatch):
    """The doc's example runs as written: a new primitive, its NumPy function, its table rows;
    the rows pass the table's checks (eager and jit, against NumPy and finite differences)."""
    import table_math
    import test_jit_table
    import test_table

    from funcgrad.numpy import _math
    from funcgrad.ops import elementwise

    blocks = _worked_example()
    assert [path for path, _ in blocks] == ["funcgrad/ops/elementwise.py",
                                            "funcgrad/numpy/_math.py", "tests/table_math.py"]
    for path, code in blocks:
        assert code in (ROOT / path).read_text(), f"{path} does not hold the doc's code"
    (_, declare), (_, function), (_, table_row) = blocks
    monkeypatch.delitem(registry, "cbrt")  # declared again below, as the doc writes it
    ops = dict(vars(elementwise))
    exec(declare, ops)
    new_p = ops["cbrt_p"]
    assert new_p is not elementwise.cbrt_p and registry["cbrt"] is new_p
    numpy_layer = dict(vars(_math), ew=types.SimpleNamespace(**ops))
    exec(function, numpy_layer)
    monkeypatch.setattr(table_math, "ROWS", [])
    monkeypatch.setattr(table_math, "fnp", types.SimpleNamespace(cbrt=numpy_layer["cbrt"]))
    exec(table_row, vars(table_math))
    assert len(table_math.ROWS) == 2
    for row in table_math.ROWS:
        args = row.args(np.random.default_rng(0), np.dtype("float64"))
        assert new_p in {e.prim for e in fg.make_ir(row.fun)(*args).eqns}
        assert "cbrt_(" in fg.jit(row.fun).source(*args)
        test_table.test_value_matches_numpy(row)
        test_table.test_derivatives_match_finite_differences(row)
        test_table.test_float32_derivatives_match_float64(row)
        test_jit_table.test_row_value_and_gradient_under_jit(row)
        test_jit_table.test_row_gradient_of_gradient_under_jit(row)
