"""The primitives, one declaration each with all of its rules.

Importing this package registers every primitive in ``funcgrad.core.primitive.registry``.
``broadcasting`` is the bottom module (broadcast, sum, reshape, transpose, and the helpers every
rule uses); ``elementwise`` builds on it, ``shape``, ``reductions`` and ``linalg`` on both.
"""
# one module a line: areas add theirs without touching the others' lines
from . import (
    broadcasting,  # noqa: F401
    elementwise,  # noqa: F401
    floats,  # noqa: F401
    linalg,  # noqa: F401
    reductions,  # noqa: F401
    shape,  # noqa: F401
    special,  # noqa: F401
)
