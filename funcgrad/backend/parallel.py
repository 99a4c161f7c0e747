"""Compile the pieces of a long function at the same time, in forked processes.

Numba compiles one function at a time per process (a global lock), and most of a first call's
time is compiling: the W2 training step spends ~2 s of its ~2.4 s there. A main function that
``split`` cut into pieces is compiled before its first call instead, piece by piece: this
process compiles some, forked children the others, each child writing its machine code to the
disk cache and exiting; the call then loads those from the cache.

Everything here is an optimization that may decline, never a change of results: a piece whose
argument types cannot be known before the call, a child that fails or hangs (killed after a
deadline), no disk cache, no ``fork``, or another thread or a fork-hostile library such as JAX
running (forking is unsafe then): the call compiles what is missing in this process, as
without splitting.
"""
import os
import signal
import sys
import threading
import time
import warnings

import numba
import numpy as np
from numba.core import caching, types

from . import config


def signature(specs, args):
    """The Numba argument types of a piece (``split.Piece.specs``) for the main function's
    ``args``, or None when one of them is not known before the call."""
    out = []
    for spec in specs:
        if spec is None:
            return None
        if spec[0] == "arg":
            out.append(numba.typeof(args[spec[1]]))
        elif spec[0] == "scalar":
            out.append(numba.from_dtype(np.dtype(spec[1])))
        else:
            out.append(types.Array(numba.from_dtype(np.dtype(spec[1])), spec[2], "C"))
    return tuple(out)


#: libraries whose own threads make ``fork`` unsafe (JAX warns of deadlocks at every fork)
FORK_HOSTILE = ("jax", "jaxlib", "tensorflow")


def can_fork(dispatchers):
    """Forking is safe: one Python thread, no fork-hostile library loaded (BLAS thread pools
    are fork-safe), and a disk cache through which the children hand back their work."""
    return (hasattr(os, "fork") and sys.platform.startswith("linux")
            and threading.active_count() == 1
            and not any(m in sys.modules for m in FORK_HOSTILE)
            and all(not isinstance(getattr(d, "_cache", None), (type(None), caching.NullCache))
                    for d in dispatchers))


def compile_pieces(pieces, args, workers=None):
    """Compile each ``(dispatcher, split.Piece)`` of ``pieces`` for ``args`` (the main
    function's arguments), spread over up to ``workers`` processes. Returns how many pieces
    other processes compiled."""
    jobs = []
    for disp, piece in pieces:
        sig = signature(piece.specs, args)
        if sig is not None and sig not in disp.overloads:
            jobs.append((disp, sig, piece.lines))
    workers = config.compile_workers() if workers is None else workers
    n = min(workers, len(jobs))
    if n < 2 or not can_fork([d for d, _, _ in jobs]):
        for disp, sig, _ in jobs:
            _compile(disp, sig)
        return 0
    groups = _balance(jobs, n)
    mine, children, theirs = list(groups[0]), [], []
    for group in groups[1:]:
        try:
            children.append(_fork_compile(group))
            theirs.append(group)
        except OSError:  # no memory or process left to fork: compile those here
            mine += group
    t0 = time.perf_counter()
    try:
        for disp, sig, _ in mine:
            _compile(disp, sig)
    finally:
        # a child is as busy as this process was; past that (and a margin) it is stuck
        ok = _wait(children, deadline=time.monotonic() + 30 + 3 * (time.perf_counter() - t0))
    return sum(len(g) for g, good in zip(theirs, ok) if good)


def _compile(disp, sig):
    """Compile ahead of the call. A failure is the call's to report: it compiles again with
    the actual arguments, and a type guessed wrong must never be the user's error."""
    try:
        disp.compile(sig)
    except numba.core.errors.NumbaError:
        pass


def _balance(jobs, n):
    """``n`` groups of about equal lines (longest first to the least loaded); the first group,
    compiled here, holds the first piece (the one whose types are certainly right)."""
    groups, load = [[] for _ in range(n)], [0] * n
    groups[0].append(jobs[0])
    load[0] = jobs[0][2]
    for job in sorted(jobs[1:], key=lambda j: -j[2]):
        k = min(range(n), key=load.__getitem__)
        groups[k].append(job)
        load[k] += job[2]
    return [g for g in groups if g]


def _fork_compile(group):
    pid = os.fork()
    if pid == 0:  # the child: compile, leave the machine code in the disk cache, exit
        code = 1
        try:
            warnings.simplefilter("ignore")  # the parent reports what matters: it compiles
            for disp, sig, _ in group:
                disp.compile(sig)
            code = 0
        finally:  # never return into the parent's code (no atexit handlers, no stdio flush)
            os._exit(code)
    return pid


def _wait(pids, deadline):
    """Reap ``pids``; kill those still running at ``deadline``. Which ones succeeded."""
    status = {}
    while len(status) < len(pids):
        for pid in pids:
            if pid in status:
                continue
            try:
                done, code = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:  # reaped by someone else (SIGCHLD ignored): unknown
                status[pid] = False
                continue
            if done:
                status[pid] = os.waitstatus_to_exitcode(code) == 0
        if len(status) < len(pids):
            if time.monotonic() > deadline:
                for pid in pids:
                    if pid not in status:
                        os.kill(pid, signal.SIGKILL)
                        os.waitpid(pid, 0)
                        status[pid] = False
                break
            time.sleep(0.002)
    return [status[p] for p in pids]
