"""The FUNCGRAD_* environment variables, read in this one place.

- ``FUNCGRAD_CACHE_DIR``: where compiled code is cached on disk (default: the user's cache dir,
  ``$XDG_CACHE_HOME/funcgrad`` or ``~/.cache/funcgrad``).
- ``FUNCGRAD_CACHE_MAX_MB``: size cap of that cache (default 512); oldest entries go first.
- ``FUNCGRAD_LOG_COMPILES=1``: log every compilation, with its reason, to stderr.
- ``FUNCGRAD_DISABLE_JIT=1``: run ``jit`` functions with the NumPy evaluator (debugging).
- ``FUNCGRAD_COMPILE_IN_BACKGROUND=1``: a function not yet in the disk cache is compiled in a
  background thread while the NumPy evaluator runs its calls (no multi-second pause on the
  first call; results of those first calls may differ from compiled ones in the last bits).
- ``FUNCGRAD_DEBUG_NANS=1``: the first primitive that makes a NaN or inf from finite inputs
  raises ``FloatingPointError`` (``fg.debug_nans()`` does the same for a ``with`` block).
- ``FUNCGRAD_COMPILE_WORKERS``: how many processes may compile the pieces of a long function at
  once (default: the CPUs this process may use, at most 8; ``1`` compiles in this process only).
"""
import os


def cache_dir():
    d = os.environ.get("FUNCGRAD_CACHE_DIR")
    if d:
        return d
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "funcgrad")


def cache_max_bytes():
    return int(float(os.environ.get("FUNCGRAD_CACHE_MAX_MB", "512")) * 2**20)


def log_compiles():
    return os.environ.get("FUNCGRAD_LOG_COMPILES", "") not in ("", "0")


def jit_disabled():
    return os.environ.get("FUNCGRAD_DISABLE_JIT", "") not in ("", "0")


def compile_in_background():
    return os.environ.get("FUNCGRAD_COMPILE_IN_BACKGROUND", "") not in ("", "0")


def debug_nans():
    return os.environ.get("FUNCGRAD_DEBUG_NANS", "") not in ("", "0")


def compile_workers():
    """Processes for compiling one function's pieces (``FUNCGRAD_COMPILE_WORKERS``)."""
    raw = os.environ.get("FUNCGRAD_COMPILE_WORKERS", "")
    if raw.strip():
        try:
            return max(1, int(raw))
        except ValueError:
            raise ValueError(f"FUNCGRAD_COMPILE_WORKERS={raw!r} is not a whole number; set it "
                             "to how many processes may compile at once (1: no others).") from None
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    return min(cpus, 8)
