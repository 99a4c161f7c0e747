"""The primitives, one declaration each with all of its rules.

Importing this package registers every primitive in ``funcgrad.core.primitive.registry``.
"""
from . import elementwise, linalg, reductions, shape  # noqa: F401
