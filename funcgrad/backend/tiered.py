"""Tiered execution: native code compiled in another process while the NumPy evaluator answers.

    first call ──▶ Handover: a job to the compile process ──▶ worker.py compiles it into the
        │          (one process per user process,               disk cache, answers "done"
        │           started at the first job)                          │
        │                                                              ▼
        └─ NativeRunner answers with the evaluator ◀── ready ── a thread here loads the machine
           until then, then calls the native code              code from the disk cache

The compile process is a new interpreter (``subprocess``: spawned, so it works with threads,
without ``fork``, inside Jupyter). Numba compiles there and so never holds this process's
interpreter lock; loading the result here takes a fraction of the compile. Jobs wait in this
process, in order, one at a time in the compile process; ``Handover.wait`` moves a job to the
front, and the job of a runner nobody holds any more is dropped. When the compile process
cannot be started or dies, or there is no disk cache to hand the code over, the thread
compiles here instead: slower, never wrong.
"""
import atexit
import os
import pickle
import subprocess
import sys
import threading
import time
import weakref

import numpy as np

from . import config

_PACKAGE_PARENT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# the compile process imports this very funcgrad (not another one the path might find first)
_WORKER_MAIN = ("import sys; sys.path.insert(0, %r); "
                "from funcgrad.backend.worker import main; main()")


def describe(value):
    """What the compile process needs to know of an argument: its Numba type, in plain data
    (so that describing needs no Numba here); ``standin`` makes one back.

    >>> describe(np.ones((2, 3)).T), describe(2.0)
    (('array', '<f8', 2, 'F', True), ('value', 2.0))
    """
    if type(value) is not np.ndarray:
        return ("value", value)
    flags = value.flags
    layout = "C" if flags.c_contiguous else "F" if flags.f_contiguous else "A"
    return ("array", value.dtype.str, value.ndim, layout, bool(flags.writeable))


def standin(desc):
    """A value whose Numba type is the one described: a scalar is itself; an
    array, a tiny one of the same dtype, dimensions, layout and writability.

    >>> a = standin(("array", "<f8", 2, "F", False))
    >>> a.dtype, a.ndim, a.flags.f_contiguous, a.flags.c_contiguous, a.flags.writeable
    (dtype('float64'), 2, True, False, False)
    """
    if desc[0] != "array":
        return desc[1]
    _, dtype, ndim, layout, writeable = desc
    if layout == "C":
        a = np.zeros((1,) * ndim, dtype)
    elif layout == "F":
        a = np.zeros((2,) * ndim, dtype, order="F")
    else:  # neither: every other element of the last axis
        a = np.zeros((2,) * (ndim - 1) + (4,), dtype)[..., ::2]
    a.setflags(write=writeable)
    return a


class CompileProcessLost(RuntimeError):
    """The compile process could not be started, or died during a job."""


class Job:
    """One module to compile in the compile process; ``done`` is set with ``answer``."""

    def __init__(self, payload, owner):
        self.payload = payload
        self.owner = weakref.ref(owner)  # a job whose owner is gone is dropped
        self.done = threading.Event()
        self.answer = None  # (module path, error) as worker.compile_job returns it


class CompileProcess:
    """The one compile process of this process and the queue of jobs waiting for it."""

    def __init__(self):
        self.cv = threading.Condition()
        self.queue = []  # jobs waiting, the next first
        self.proc = None
        self.thread = None
        self.closed = False  # at interpreter exit: no more compiles, here or there

    def submit(self, job):
        with self.cv:
            self.queue.append(job)
            if self.thread is None:
                self.thread = threading.Thread(target=self._serve, daemon=True,
                                               name="funcgrad-compile-process")
                self.thread.start()
            self.cv.notify()

    def hurry(self, job):
        """Make ``job`` the next one (someone waits for it)."""
        with self.cv:
            if job in self.queue:
                self.queue.remove(job)
                self.queue.insert(0, job)

    def _serve(self):
        # This thread starts the process too: on Linux the process dies with the thread that
        # started it (PR_SET_PDEATHSIG), and this one lives as long as the interpreter.
        while True:
            with self.cv:
                while not self.queue:
                    self.cv.wait()
                job = self.queue.pop(0)
            if job.owner() is None:
                continue
            try:
                job.answer = self._run(job.payload)
            except Exception as err:  # this thread must live on: the next jobs wait for it
                job.answer = (None, ("lost", str(err)))
            if self.closed:
                job.answer = (None, ("closed", "the interpreter is exiting"))
            job.done.set()

    def _run(self, payload):
        proc = self.proc
        if proc is None or proc.poll() is not None:
            proc = self.proc = _start()
        try:
            proc.stdin.write(payload)
            proc.stdin.flush()
            return pickle.load(proc.stdout)
        except Exception as err:  # (OSError, EOFError, UnpicklingError, ...)
            self.proc = None
            code = proc.poll()
            raise CompileProcessLost(f"the compile process ended (exit status {code}): "
                                     f"{type(err).__name__}") from None

    def close(self):
        """End the compile process (at interpreter exit): a compile in progress is killed;
        Numba's and the cache's atomic writes leave no half-written entry. (Killed first:
        the thread reading its answers then sees the end, and lets go of the pipes.)"""
        self.closed = True
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait()


def _start():
    try:
        return subprocess.Popen(
            [sys.executable, "-c", _WORKER_MAIN % _PACKAGE_PARENT], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, close_fds=True,
            env=config.compile_process_environment())
    except (OSError, ValueError) as err:
        raise CompileProcessLost(f"could not start the compile process ({err})") from None


_process = CompileProcess()


def _forget_after_fork():
    """A forked child starts without a compile process (the parent's is the parent's)."""
    global _process
    old, _process = _process, CompileProcess()
    if old.proc is not None:
        for stream in (old.proc.stdin, old.proc.stdout):
            try:
                stream.close()
            except OSError:
                pass


atexit.register(lambda: _process.close())
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_after_fork)


class Handover:
    """The native code of one runner, loaded into this process by a daemon thread: from the
    disk cache if it is there, else after the compile process put it there. ``ready`` is set
    when ``fn`` (the compiled main function) or ``error`` (why there is none) is; ``calls``
    counts the calls the evaluator answered meanwhile."""

    def __init__(self, source, label, args):
        self.t0 = time.perf_counter()
        self.calls = 0
        self.fn = self.error = self.job = None
        self.where = "loaded from the disk cache"
        self.ready = threading.Event()
        threading.Thread(target=_load, args=(weakref.ref(self), source, label, args),
                         daemon=True, name="funcgrad-handover").start()

    def wait(self, timeout=None):
        """Wait until the native code is loaded (or failed); whether it is."""
        job = self.job
        if job is not None:
            _process.hurry(job)
        return self.ready.wait(timeout)

    def seconds(self):
        return time.perf_counter() - self.t0


def _load(ref, source, label, args):
    """The handover thread: have the compile process compile the module unless the disk cache
    has it, load it (or compile it here if the compile process could not), and hand the
    result to the ``Handover`` if anyone still holds it. Numba is imported here only when
    there is code to load: importing it holds the interpreter lock for ~0.3 s, which the
    evaluator's calls would wait for, and a script may end before the compile does."""
    where = "loaded from the disk cache"
    fn = error = problem = None
    try:
        if not in_disk_cache(source):
            where = "compiled in another process"
            path, problem = _compile_elsewhere(ref, source, label, args)
            if problem is not None and problem[0] == "closed":
                raise _Dropped
            if problem is not None and problem[0] != "compile" or path == "<memory>":
                where = "compiled in this process (the compile process could not hand it over)"
        from .compile import CompileError, compile_now, compile_source  # imports Numba, here
        if problem is not None and problem[0] == "compile":
            raise CompileError(problem[1])
        fn = compile_source(source, label)
        compile_now(fn, args)  # loads the machine code from the disk cache, or compiles it
    except _Dropped:
        return
    except Exception as err:  # the evaluator keeps answering; the runner reports it once
        error = err
    handover = ref()
    if handover is not None:
        handover.fn, handover.error, handover.where = fn, error, where
        handover.ready.set()


class _Dropped(Exception):
    """Nobody holds the handover any more (or the interpreter is exiting)."""


def in_disk_cache(source):
    """Whether an earlier process left in the disk cache the machine code of every function
    of this module called from Python (its main function, or each of its pieces): a compile
    killed at exit may have cached some pieces and not others, and the rest would then be
    compiled here, holding this process's interpreter lock for seconds."""
    from . import cache
    root = cache.root()
    if root is None:
        return False
    path = os.path.join(root, f"fg_{cache.code_key(source.file_text())}.py")
    wanted = {p.name for p in source.pieces} or {source.fname}
    return os.path.exists(path) and wanted <= cache.compiled_functions(path)


def _compile_elsewhere(ref, source, label, args):
    """Have the compile process compile the module; its answer (``worker.compile_job``)."""
    n = len(args) - len(source.args())  # the tables are the source's own
    try:
        payload = pickle.dumps((source, label, config.cache_dir(),
                                [describe(a) for a in args[:n]]))
    except (pickle.PicklingError, TypeError, AttributeError) as err:
        return None, ("lost", f"cannot send the job ({err})")
    handover = ref()
    if handover is None:
        raise _Dropped
    job = handover.job = Job(payload, handover)
    del handover
    _process.submit(job)
    while not job.done.wait(1.0):
        if ref() is None:
            raise _Dropped
    return job.answer
