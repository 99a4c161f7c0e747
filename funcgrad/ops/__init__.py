"""The primitives, one declaration each with all of its rules.

Importing this package registers every primitive in ``funcgrad.core.primitive.registry``.
``broadcasting`` is the bottom module (broadcast, sum, reshape, transpose, and the helpers every
rule uses); ``complex`` (real and imaginary parts) builds on it, ``elementwise`` on both,
``shape``, ``reductions`` and ``linalg`` on those, ``fft`` and ``eig`` on them,
``factorizations`` and ``matrix_functions`` on ``linalg``.
"""
# one module a line: areas add theirs without touching the others' lines
from . import (
    broadcasting,  # noqa: F401
    complex,  # noqa: F401
    eig,  # noqa: F401
    elementwise,  # noqa: F401
    factorizations,  # noqa: F401
    fft,  # noqa: F401
    floats,  # noqa: F401
    linalg,  # noqa: F401
    matrix_functions,  # noqa: F401
    reductions,  # noqa: F401
    shape,  # noqa: F401
    sorting,  # noqa: F401
    special,  # noqa: F401
)
