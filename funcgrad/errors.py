"""Errors users meet, and where in *their* code they happened.

Every funcgrad error message names the user's file:line; ``user_frame`` finds it by walking the
stack past funcgrad's own frames and NumPy's dispatch frames.
"""
import os
import sys

_PKG_DIR = os.path.dirname(os.path.abspath(__file__))
_SKIP = (_PKG_DIR + os.sep, os.sep + "numpy" + os.sep, "<__array_function__")


class ConcretizationError(TypeError):
    """A traced (abstract) value was used where a concrete Python value is needed.

    Raised under ``jit``/``make_ir`` when user code branches on, or converts, a traced value.
    """


def user_frame():
    """Return ``"file:line"`` of the innermost stack frame that belongs to user code.

    >>> isinstance(user_frame(), str)
    True
    """
    f = sys._getframe(1)
    while f is not None:
        fn = f.f_code.co_filename
        if not any(s in fn for s in _SKIP) and not fn.startswith("<frozen"):
            return f"{fn}:{f.f_lineno}"
        f = f.f_back
    return "<unknown>"


def at_user_line():
    """Suffix for error messages: ``" (at file:line)"``."""
    return f" (at {user_frame()})"
