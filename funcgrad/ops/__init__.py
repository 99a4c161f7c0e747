"""The primitives, one declaration each with all of its rules.

Importing this package registers every primitive in ``funcgrad.core.primitive.registry``.
``broadcasting`` is the bottom module (broadcast, sum, reshape, transpose, and the helpers every
rule uses); ``complex`` (real and imaginary parts) builds on it, ``elementwise`` on both,
``shape``, ``reductions`` and ``linalg`` on those, ``fft`` and ``eig`` on them.
"""
from . import broadcasting, complex, eig, elementwise, fft, floats, linalg, reductions, shape  # noqa: F401
