"""glibc's malloc, set for programs that allocate the same large arrays call after call.

A training step allocates its outputs and temporaries (the W2 step: about a megabyte of
parameters, Adam moments and activations) and frees last call's. glibc hands freed memory at the
top of its heap back to the kernel once more than ``M_TRIM_THRESHOLD`` is free there, and maps
blocks above ``M_MMAP_THRESHOLD`` on their own, returned when freed. Both thresholds start low
(128 KiB) and grow as the program frees large blocks, so whether a step's megabyte goes back to
the kernel at every call depends on the process's history: in some processes the W2 step took
240 page faults a call (each a zeroed 4 KiB page) and 1.27 ms instead of 0.75 ms, in others none
(``benchmarks/RESULTS.md`` R). ``configure`` sets the two thresholds, once, at import, to the
largest values glibc's own adjustment would reach (32 MiB, 64 MiB): a block under 32 MiB comes
from the heap, and up to 64 MiB of freed memory stays there for the next call. The cost: a
process's resident memory may stay up to 64 MiB above what it uses.

Left alone where the C library is not glibc, where the user set glibc's own variables
(``MALLOC_TRIM_THRESHOLD_``, ``MALLOC_MMAP_THRESHOLD_``, ``MALLOC_TOP_PAD_``,
``GLIBC_TUNABLES``), or with ``FUNCGRAD_TUNE_MALLOC=0``.
"""
import functools
import os

from . import config

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # mallopt's parameter numbers (malloc.h)
MMAP_THRESHOLD = 32 << 20  # glibc's DEFAULT_MMAP_THRESHOLD_MAX on 64-bit machines
TRIM_THRESHOLD = 2 * MMAP_THRESHOLD  # what glibc sets it to when it raises the other
USERS_OWN = ("MALLOC_TRIM_THRESHOLD_", "MALLOC_MMAP_THRESHOLD_", "MALLOC_TOP_PAD_",
              "GLIBC_TUNABLES")


@functools.cache
def configure():
    """Set glibc's malloc thresholds for this process (once); returns whether they were set.

    >>> configure() in (True, False)
    True
    """
    if not config.tune_malloc() or any(os.environ.get(v) for v in USERS_OWN):
        return False
    try:
        if not os.confstr("CS_GNU_LIBC_VERSION").startswith("glibc"):
            return False
    except (AttributeError, ValueError, OSError):  # not a POSIX system, or not glibc
        return False
    import ctypes
    mallopt = ctypes.CDLL(None).mallopt
    mmap_set = mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)
    trim_set = mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD)
    return bool(mmap_set and trim_set)
