"""The FUNCGRAD_* environment variables, read in this one place and checked at first use: a
bad value raises ``ValueError`` saying what was wrong and what to set.

==================================  ===========  ================================================
variable                            default      meaning
==================================  ===========  ================================================
``FUNCGRAD_CACHE_DIR``              see meaning  where compiled code is cached on disk:
                                                 ``$XDG_CACHE_HOME/funcgrad`` or
                                                 ``~/.cache/funcgrad``. If it is unusable (not
                                                 writable, full, another user's), compiled code
                                                 is kept in memory for this process only, with
                                                 one warning.
``FUNCGRAD_KERNEL_CACHE_DIR``       see meaning  where the machine code of funcgrad's kernel
                                                 library is kept, once per machine and version:
                                                 ``$XDG_CACHE_HOME/funcgrad/kernels`` or
                                                 ``~/.cache/funcgrad/kernels``.
``FUNCGRAD_CACHE_MAX_MB``           512          size cap of that cache in megabytes, a positive
                                                 number; least recently used entries go first.
``FUNCGRAD_COMPILE_WORKERS``        CPUs, <= 8   processes that may compile the pieces of a long
                                                 function at once (a whole number; 1 or less:
                                                 only this process).
``FUNCGRAD_DEBUG_NANS``             off          the first primitive that makes a NaN or inf
                                                 from finite inputs raises
                                                 ``FloatingPointError`` (``fg.debug_nans()``
                                                 does the same for a ``with`` block); read once,
                                                 at import.
``FUNCGRAD_DISABLE_JIT``            off          run ``jit`` functions with the NumPy evaluator
                                                 (for debugging); read once, at import.
``FUNCGRAD_LOG_COMPILES``           off          log every compilation, with its reason, to
                                                 stderr, and when each function switched from
                                                 the NumPy evaluator to compiled code.
``FUNCGRAD_MEMORY_CACHE_ENTRIES``   1024         how many compiled functions a process keeps
                                                 in memory, and how many argument signatures
                                                 each jitted function keeps (a positive whole
                                                 number; the oldest go first).
``FUNCGRAD_TIERED``                 on           tiered execution: a function not yet compiled
                                                 answers its calls with the NumPy evaluator
                                                 while another process compiles it, then
                                                 switches (results agree to rounding). Off:
                                                 the first call compiles, and waits.
``FUNCGRAD_TIER_UP_AFTER``          0.5          seconds of NumPy evaluator time a function's
                                                 calls may take (tiered execution) before its
                                                 native code is loaded from the disk cache:
                                                 about what loading it costs this process,
                                                 which a short script would not win back; 4
                                                 times that before it is compiled (the compile
                                                 slows this process). ``0``: at the first
                                                 call. ``fn.wait_compiled()`` starts it at once.
``FUNCGRAD_TUNE_MALLOC``            on           at import, raise glibc's malloc thresholds so
                                                 that a step's large arrays are not handed back
                                                 to the kernel and faulted in again at every
                                                 call (``backend/heap.py``; not where the user
                                                 set glibc's ``MALLOC_*_`` variables).
``FUNCGRAD_VECTOR_WIDTH``           512          the widest vectors compiled loops use where the
                                                 CPU has AVX-512: ``512`` or ``256`` (LLVM's
                                                 own default there). Elsewhere the CPU's own.
==================================  ===========  ================================================

On/off variables take ``1``/``0``, ``true``/``false``, ``yes``/``no`` or ``on``/``off`` (any
case); unset or empty means the default.
"""
import math
import os

_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


def flag(name, default=False):
    """The on/off variable ``name``; unset or empty is ``default``.

    >>> flag("FUNCGRAD_LOG_COMPILES") in (True, False)
    True
    """
    raw = os.environ.get(name, "")
    value = raw.strip().lower()
    if not value:
        return default
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(f"{name}={raw!r} is neither on nor off; set it to 1 to turn it on or 0 "
                     "to turn it off (true/false, yes/no and on/off work too), or unset it.")


def cache_dir():
    """The disk cache's directory (``FUNCGRAD_CACHE_DIR``).

    >>> isinstance(cache_dir(), str)
    True
    """
    d = os.environ.get("FUNCGRAD_CACHE_DIR", "").strip()
    return d or _user_cache("funcgrad")


def _user_cache(*parts):
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, *parts)


def kernel_cache_dir():
    """Where the kernel library's machine code is kept (``FUNCGRAD_KERNEL_CACHE_DIR``): not
    under ``FUNCGRAD_CACHE_DIR``, so a new cache directory does not compile it again.

    >>> isinstance(kernel_cache_dir(), str)
    True
    """
    d = os.environ.get("FUNCGRAD_KERNEL_CACHE_DIR", "").strip()
    return d or _user_cache("funcgrad", "kernels")


def number(name, default, convert, valid, what):
    """The numeric variable ``name``: ``default`` when unset or empty, else ``convert(text)``,
    which must be ``valid``; otherwise a ``ValueError`` saying it is not ``what`` (the text
    after "is not", with what to set).

    >>> number("AN_UNSET_EXAMPLE", 3, int, lambda n: n > 0, "a positive whole number")
    3
    """
    raw = os.environ.get(name, "")
    if not raw.strip():
        return default
    try:
        value = convert(raw)
    except ValueError:
        value = None
    if value is None or not valid(value):
        raise ValueError(f"{name}={raw!r} is not {what}, or unset it.")
    return value


def cache_max_bytes():
    """The disk cache's size cap in bytes (``FUNCGRAD_CACHE_MAX_MB``, default 512 MB).

    >>> cache_max_bytes() > 0
    True
    """
    mb = number("FUNCGRAD_CACHE_MAX_MB", 512, float, lambda v: math.isfinite(v) and v > 0,
                "a positive number of megabytes; set it to the size cap of the disk cache "
                "of compiled code (default 512)")
    return int(mb * 2**20)


def log_compiles():
    """Whether to log each compilation (``FUNCGRAD_LOG_COMPILES``).

    >>> log_compiles() in (True, False)
    True
    """
    return flag("FUNCGRAD_LOG_COMPILES")


def jit_disabled():
    """Whether ``jit`` runs the NumPy evaluator instead (``FUNCGRAD_DISABLE_JIT``).

    >>> jit_disabled() in (True, False)
    True
    """
    return flag("FUNCGRAD_DISABLE_JIT")


def tune_malloc():
    """Whether to set glibc's malloc thresholds at import (``FUNCGRAD_TUNE_MALLOC``, on unless
    set off).

    >>> tune_malloc() in (True, False)
    True
    """
    return flag("FUNCGRAD_TUNE_MALLOC", default=True)


def tiered():
    """Whether new functions answer with the NumPy evaluator while another process compiles
    them (``FUNCGRAD_TIERED``, on unless set off).

    >>> tiered() in (True, False)
    True
    """
    return flag("FUNCGRAD_TIERED", default=True)


def tier_up_after():
    """Seconds of evaluator time before a function's native code is compiled or loaded
    (``FUNCGRAD_TIER_UP_AFTER``, default 0.5; a number >= 0).

    >>> tier_up_after() >= 0
    True
    """
    return number("FUNCGRAD_TIER_UP_AFTER", 0.5, float, lambda v: math.isfinite(v) and v >= 0,
                  "a number of seconds >= 0; set it to how long the NumPy evaluator may "
                  "answer a function's calls before its native code is compiled or loaded "
                  "(0: at once; default 0.5)")


def memory_cache_entries():
    """How many compiled functions (and signatures per jitted function) stay in memory
    (``FUNCGRAD_MEMORY_CACHE_ENTRIES``, default 1024).

    >>> memory_cache_entries() >= 1
    True
    """
    return number("FUNCGRAD_MEMORY_CACHE_ENTRIES", 1024, int, lambda n: n >= 1,
                  "a positive whole number; set it to how many compiled functions to keep "
                  "in memory (default 1024)")


def compile_process_environment():
    """The environment of tiered execution's compile process: this one's, with its own
    logging off (this process logs what it does), and one OpenBLAS thread: it multiplies no
    matrices, and the thread NumPy's import starts would run at the default priority (Linux
    lowers only the calling thread's), beside the user's process. Without it, the digits
    example's epochs took 31 ms (median of 9 runs) while the compile ran; with it 27 ms.

    >>> env = compile_process_environment()
    >>> env["FUNCGRAD_LOG_COMPILES"], env["OPENBLAS_NUM_THREADS"]
    ('0', '1')
    """
    return dict(os.environ, FUNCGRAD_LOG_COMPILES="0", FUNCGRAD_TIERED="0",
                OPENBLAS_NUM_THREADS="1")


def set_cache_dir(path):
    """Use ``path`` as ``FUNCGRAD_CACHE_DIR`` from now on (the compile process, told by each
    job where its parent's cache is)."""
    os.environ["FUNCGRAD_CACHE_DIR"] = path


def debug_nans():
    """Whether NaN/inf checking is on for the whole process (``FUNCGRAD_DEBUG_NANS``).

    >>> debug_nans() in (True, False)
    True
    """
    return flag("FUNCGRAD_DEBUG_NANS")


def compile_workers():
    """Processes for compiling one function's pieces (``FUNCGRAD_COMPILE_WORKERS``).

    >>> compile_workers() >= 1
    True
    """
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


def vector_width():
    """The vector width, in bits, for CPUs with AVX-512 (``FUNCGRAD_VECTOR_WIDTH``: 512 or 256).

    >>> vector_width() in (256, 512)
    True
    """
    raw = os.environ.get("FUNCGRAD_VECTOR_WIDTH", "")
    if not raw.strip():
        return 512
    if raw.strip() in ("256", "512"):
        return int(raw)
    raise ValueError(f"FUNCGRAD_VECTOR_WIDTH={raw!r} is neither 512 nor 256; set it to 256 for "
                     "LLVM's default 256-bit vectors on CPUs with AVX-512, or unset it (512).")
