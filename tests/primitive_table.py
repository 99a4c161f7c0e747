"""The shared table of differentiable functions: one row per primitive / funcgrad.numpy function.

Every row gets the same checks (tests/test_table.py): value against NumPy, JVP and VJP against
central finite differences at order 1 and 2, in float64 and float32, eager and (tests/
test_jit_table.py) under jit. Rows live next to their topic in ``table_*.py`` modules and are
collected here.

A row:
    Row(name, fun, args, np_ref=None, order=2, dtypes=("float64", "float32"), grad=True,
        atol=None, rtol=None, jit=True)
``fun`` is written with funcgrad.numpy; ``args(rng, dtype)`` returns a tuple of arguments (draw
inputs away from kinks unless the row is about a kink); ``np_ref`` is the NumPy function with
the same meaning (defaults to ``fun`` applied to NumPy arrays, i.e. checked by the eager fast
path). Which primitives a row exercises is read from its IR (tests/test_primitive_meta.py
checks each registered primitive appears in some row's).
"""
import dataclasses
from typing import Callable, Optional


@dataclasses.dataclass
class Row:
    name: str
    fun: Callable
    args: Callable
    np_ref: Optional[Callable] = None
    order: int = 2
    dtypes: tuple = ("float64", "float32")
    grad: bool = True
    atol: Optional[float] = None
    rtol: Optional[float] = None
    jit: bool = True  # False: needs concrete values (e.g. a boolean mask's shape)

    def __repr__(self):
        return self.name


# one table module a line: areas add theirs without touching the others' lines
TABLES = (
    "table_math",
    "table_shapes",
    "table_linalg",
    "table_tail",
    "table_sortstats",
    "table_special",
    "table_complex",
    "table_fft",
    "table_linalg2",
)


def _collect():
    rows = []
    import importlib
    for mod in TABLES:
        try:
            m = importlib.import_module(mod)
        except ModuleNotFoundError as e:
            if e.name != mod:
                raise
            continue
        rows.extend(m.ROWS)
    return rows


ROWS = _collect()
