"""Errors users meet, and where in *their* code they happened.

Every funcgrad error message names the user's file:line; ``user_frame`` finds it by walking the
stack past funcgrad's own frames, NumPy's dispatch frames and installed libraries (a traced value
handed to SciPy fails deep inside SciPy: the user wants their own line, and ``library_call``
names the library function they called).
"""
import importlib
import os
import sys
import sysconfig

_PKG_DIR = os.path.dirname(os.path.abspath(__file__))
_SKIP = (_PKG_DIR + os.sep, os.sep + "numpy" + os.sep, "<__array_function__", "<frozen")
_LIBRARIES = tuple(sorted({sysconfig.get_paths()[k] + os.sep
                           for k in ("purelib", "platlib", "stdlib")}))


class ConcretizationError(TypeError):
    """A traced (abstract) value was used where a concrete Python value is needed.

    Raised under ``jit``/``make_ir`` when user code branches on, or converts, a traced value.
    """


def _is_user(filename):
    return not filename.startswith(_LIBRARIES) and not any(s in filename for s in _SKIP)


def user_frame():
    """Return ``"file:line"`` of the innermost stack frame that belongs to user code.

    >>> isinstance(user_frame(), str)
    True
    """
    f = sys._getframe(1)
    while f is not None:
        if _is_user(f.f_code.co_filename):
            return f"{f.f_code.co_filename}:{f.f_lineno}"
        f = f.f_back
    return "<unknown>"


def library_call():
    """The public name of the installed library's function the user's code called, when the
    current stack passes through one between funcgrad and the user (e.g.
    ``"scipy.special.logsumexp"``), else None.

    >>> library_call() is None
    True
    """
    f, outer = sys._getframe(1), None
    while f is not None and not _is_user(f.f_code.co_filename):
        fn = f.f_code.co_filename
        if fn.startswith(_LIBRARIES) and not fn.startswith(_PKG_DIR):
            outer = f
        f = f.f_back
    if outer is None:
        return None
    module = []
    for part in outer.f_globals.get("__name__", "?").split("."):
        if part.startswith("_"):
            break
        module.append(part)
    name = getattr(outer.f_code, "co_qualname", outer.f_code.co_name)
    return ".".join(module + [name])


def funcgrad_equivalent(qualname):
    """``"funcgrad.scipy.special.logsumexp"`` for ``"scipy.special.logsumexp"`` (and
    ``funcgrad.numpy.X`` for ``numpy.X``) when funcgrad has it, else None. Imported by name
    at error time only: this module sits below every other, so it cannot import them."""
    module, _, name = qualname.rpartition(".")
    target = "funcgrad." + module
    try:
        found = hasattr(importlib.import_module(target), name)
    except ImportError:
        return None
    return f"{target}.{name}" if found else None


def library_message(what):
    """The error message when an installed library's function received a traced value
    ``what`` (e.g. ``"f64[3]"``) and tried to convert it, or None if no library is involved."""
    call = library_call()
    if call is None:
        return None
    alt = funcgrad_equivalent(call)
    fix = f"Use {alt} instead." if alt else (
        "funcgrad has no traceable version of it: compose it from funcgrad.numpy functions, "
        "or give it a rule with fg.custom_vjp.")
    return (f"{call} (called at {user_frame()}) cannot take the traced value {what}: it "
            f"converts its inputs to NumPy arrays, outside funcgrad's reach. {fix}")
