"""The primitives, one declaration each with all of its rules.

Importing this package registers every primitive in ``funcgrad.core.primitive.registry``.
``broadcasting`` is the bottom module (broadcast, sum, reshape, transpose, and the helpers every
rule uses); ``elementwise`` builds on it, ``shape``, ``reductions`` and ``linalg`` on both.
"""
from . import broadcasting, elementwise, factorizations, linalg, matrix_functions, reductions, shape  # noqa: F401,E501
