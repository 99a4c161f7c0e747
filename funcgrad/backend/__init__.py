"""The Numba backend: IR -> readable Python source (codegen) -> module file -> numba.njit.

One entry: ``compile_ir(ir, ...)`` (``runner``) returns a runner; what it runs through:
``passes`` (IR to IR, each once) -> ``fusion`` (which equations share a loop nest) ->
``codegen`` (rendering, with ``loops``, ``dims`` and ``pieces``; no Numba) -> ``compile`` (the
module file, Numba, ``cache``, ``parallel``). Only this package imports numba.
"""
from .runner import compile_ir  # noqa: F401
