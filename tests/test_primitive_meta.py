"""Every primitive declares every differentiation rule and is exercised by some table row."""
from primitive_table import ROWS

import funcgrad  # noqa: F401  (registers every primitive)
from funcgrad.core.primitive import registry


def test_every_primitive_has_its_rules():
    missing = []
    for name, prim in registry.items():
        slots = ("impl", "abstract_eval") + (("jvp", "vjp") if prim.differentiable else ())
        missing += [f"{name}.{s}" for s in slots if not prim.has_rule(s)]
    assert not missing, f"primitives without rules: {missing}"


def test_every_elementwise_primitive_has_a_scalar_expression():
    from funcgrad.core.lowering import Elementwise
    from funcgrad.ops import elementwise
    missing = [p.name for p in vars(elementwise).values()
               if isinstance(p, type(elementwise.add_p))
               and not isinstance(p.lowering, Elementwise)]
    assert not missing, missing


def test_every_primitive_is_in_the_table():
    covered = {p for row in ROWS for p in row.prims}
    # integer/boolean-valued primitives have no derivative to check: tests/test_math.py
    # compares them with NumPy (eager and staged); cond/while are in tests/test_control.py,
    # custom_vjp_call in tests/test_custom_vjp.py
    indirect = {"ge", "le", "ne", "lt", "not", "and", "or", "xor", "shift_left", "shift_right",
                "floor_divide", "isinf", "isfinite", "argmax", "argmin", "while",
                "cond", "custom_vjp_call", "jit_call"}  # jit_call: tests/test_jit.py
    missing = sorted(set(registry) - covered - indirect)
    assert not missing, f"primitives with no table row: {missing}"
