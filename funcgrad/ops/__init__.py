"""The primitives, one declaration each with all of its rules.

Importing this package registers every primitive in ``funcgrad.core.primitive.registry``.
``broadcasting`` is the bottom module (broadcast, sum, reshape, transpose, and the helpers every
rule uses); ``elementwise`` builds on it, ``shape``, ``reductions`` and ``linalg`` on both;
``factorizations`` and ``matrix_functions`` on ``linalg``.
"""
from . import (  # noqa: F401
    broadcasting,
    elementwise,
    factorizations,
    floats,
    linalg,
    matrix_functions,
    reductions,
    shape,
)
