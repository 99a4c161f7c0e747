"""The compile process of tiered execution (``main``).

``tiered`` starts it (a new interpreter: spawned, never forked, so it is safe whatever threads
or libraries the user's process runs) and sends it jobs on its stdin, each a pickled
``(source, label, cache directory, descriptions of the argument types)``. For each it writes
the module into the disk cache and compiles it there (``compile.compile_source`` and
``compile_now``: Numba's ``cache=True`` leaves the machine code beside the module), and
answers on its stdout with a pickled ``(path of the module, error)``: the error is ``None``,
``("compile", text)`` for a ``CompileError`` or ``("crash", traceback)``. The user's process
then loads the code from the disk cache.

It exits at the end of its input (its parent closed the pipe, or exited), and on Linux also
when its parent dies in the middle of a compile (``PR_SET_PDEATHSIG``): no orphan processes.
Numba and the cache write their files atomically, so a compile killed half way leaves no
half-written entry.
"""
import os
import pickle
import signal
import sys
import traceback
import warnings

from . import cache, config
from .compile import CompileError, compile_now, compile_source
from .tiered import standin


def compile_job(source, label, cache_dir, descs):
    """Compile one job into the disk cache; the answer sent back (see the module's doc)."""
    try:
        config.set_cache_dir(cache_dir)
        fn = compile_source(source, label)
        compile_now(fn, [standin(d) for d in descs] + list(source.args()))
        return fn.__funcgrad_info__["path"], None
    except CompileError as err:
        return None, ("compile", str(err))
    except Exception:
        return None, ("crash", traceback.format_exc())
    finally:  # the parent holds what it needs; keep this process's memory flat
        cache.memory.clear()
        for name in [m for m in sys.modules if m.startswith("fg_")]:
            del sys.modules[name]


def _die_with_parent():
    """Linux: be killed when the parent dies (the end of input covers the time between jobs)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        if os.getppid() == 1:  # the parent died before that took effect
            os._exit(0)
    except (OSError, AttributeError):
        pass


def _yield_to_the_user():
    """Run at the lowest priority: the compile runs on cores the user's work leaves idle. At
    the default priority it took a core from the user's process: on 2 cores the evaluator's
    NumPy matmuls, whose second OpenBLAS thread then waited for it, ran the digits example's
    epochs 2-10x slower while the compile lasted."""
    try:
        os.nice(19)
    except (AttributeError, OSError):  # no nice on Windows; refused: compile all the same
        pass


def main():
    """Answer jobs until the end of input."""
    answers = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # anything printed goes to stderr, never into the answers
    _die_with_parent()
    _yield_to_the_user()
    warnings.simplefilter("ignore")  # the parent reports what matters
    jobs = sys.stdin.buffer
    while True:
        try:
            job = pickle.load(jobs)
        except EOFError:
            return
        answers.write(pickle.dumps(compile_job(*job)))
        answers.flush()


if __name__ == "__main__":
    main()
