"""Compile generated source with Numba, cached in memory and on disk.

Numba cannot cache functions built with ``exec`` (numba#3501), so each generated module is
written to a file named by the hash of its code (``cache``) and imported; ``njit(cache=True)``
then keeps the machine code next to it, and a new process that generates the same source loads
it instead of compiling. Numba's own cache files are guarded: an unreadable one is deleted with
a warning (and the function recompiled); one that cannot be written is skipped with a warning.
"""
import glob
import importlib.util
import linecache
import os
import re
import sys
import threading
import time
import types
import warnings

import numba

from . import cache, config, kernels, parallel

_lock = threading.RLock()
_blas_checked = False  # _check_blas_without_scipy_linalg has run
NUMBA_ERRORS = (numba.core.errors.TypingError, numba.core.errors.LoweringError,
                numba.core.errors.UnsupportedError)


class CompileError(RuntimeError):
    """Numba could not compile generated code: a funcgrad bug, reported with the equation."""


def compile_source(source, reason=""):
    """The Numba dispatcher of ``source``'s main function (compiled lazily, at its first call)."""
    text = source.file_text()
    key = cache.code_key(text)  # the decorator and header are code too
    fn = cache.memory.get(key)
    if fn is not None:
        return fn
    with _lock:
        fn = cache.memory.get(key)
        if fn is None:
            fn = _load(source, text, key, reason)
            cache.memory[key] = fn
        return fn


def _load(source, text, key, reason):
    kernels.link_scipy_for(text)  # before Numba compiles or loads code calling SciPy
    modname = f"fg_{key}"
    root = cache.root()
    fn, path, earlier = None, "<memory>", False
    if root is not None:
        path = os.path.join(root, modname + ".py")
        try:
            exists = os.path.exists(path)
            on_disk = cache.trusted_text(path) if exists else None
            if exists and on_disk is None:
                warnings.warn(f"funcgrad: ignoring cache entry {path}: it is not a readable "
                              "file of this user's.", stacklevel=4)
                path = "<memory>"
            elif exists and cache.code_key(on_disk) == key:  # comments: sizes
                cache.touch(path)
                fn = _import(modname, path, source, on_disk)
                earlier = True  # so an earlier process compiled it, most likely
            else:
                if exists:
                    warnings.warn(f"funcgrad: cache entry {path} was corrupt; recompiling it.",
                                  stacklevel=4)
                    cache.remove_entry(path)
                cache.write_atomic(path, text)
                cache.enforce_cap(root)
                fn = _import(modname, path, source, text)
        except OSError as err:
            cache.disable(root, err)
            path = "<memory>"
    if fn is None:
        fn = _exec(modname, source)
    if not earlier:  # Numba will compile it
        _check_blas_without_scipy_linalg()
    fn.__funcgrad_info__ = {"path": path, "reason": reason or "new structure",
                            "earlier": earlier}
    return fn


def _check_blas_without_scipy_linalg():
    """The first compile in a process imports Numba's NumPy support, which checks that SciPy's
    BLAS is there by importing ``scipy.linalg`` (its whole package: 0.25 s of CPU here, a
    quarter of a first compile of W3); generated code calls NumPy's own BLAS, or Numba's
    linear algebra, which imports it when it compiles. The check is answered from SciPy's files
    instead. Nothing changes where Numba's NumPy support was imported already."""
    global _blas_checked
    if _blas_checked or "numba.np.arraymath" in sys.modules:
        return
    import numba.np.linalg as linalg
    _blas_checked = True
    real = linalg.ensure_blas

    def ensure_blas():
        importing = sys.modules.get("numba.np.arraymath")
        if importing is None or hasattr(importing, "_HAVE_BLAS"):
            return real()
        spec = importlib.util.find_spec("scipy")  # finds, does not import
        if spec is None or not glob.glob(os.path.join(os.path.dirname(spec.origin), "linalg",
                                                       "cython_blas.*")):
            raise ImportError("scipy.linalg.cython_blas is not installed")
    linalg.ensure_blas = ensure_blas


def _import(modname, path, source, text):
    _remember_source(path, text)
    spec = importlib.util.spec_from_file_location(modname, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[modname] = mod  # Numba's disk cache finds the function through its module
    spec.loader.exec_module(mod)
    for obj in vars(mod).values():
        # only the module's own functions: the kernels it star-imports are guarded by nobody
        # else, and wrapping them again at every import would nest the wrappers without end
        if (isinstance(obj, numba.core.dispatcher.Dispatcher)
                and obj.py_func.__module__ == modname):
            _guard_numba_cache(obj, path)
    return _main(mod, source)


def _exec(modname, source):
    mod = types.ModuleType(modname)
    text = source.file_text(cached=False)
    filename = _remember_source(f"<funcgrad {modname}>", text)
    exec(compile(text, filename, "exec"), mod.__dict__)
    return _main(mod, source)


def _remember_source(filename, text):
    """Keep the text a module runs from where ``inspect`` reads it (``linecache``, with no
    time stamp: kept even if the file goes): ``nests`` reads a loop nest's source when Numba
    first types it, which may be after another process evicted the file from the disk cache
    (or there is no file). Dropped with the module (``_forget``)."""
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    return filename


def _main(mod, source):
    """The module's main function; one cut into pieces knows them (``dispatchers(fn)``)."""
    fn = getattr(mod, source.fname)
    if source.pieces:
        fn.__funcgrad_pieces__ = [(getattr(mod, p.name), p) for p in source.pieces]
    return fn


def _forget(key, fn):
    """``cache.memory`` dropped ``fn``: drop its module too, so that its machine code can be
    freed once no plan holds it. A plan that still does and meets new argument types compiles
    them without the disk cache (Numba's cache finds a function through its module)."""
    sys.modules.pop(f"fg_{key}", None)
    linecache.cache.pop(fn.__funcgrad_info__["path"], None)
    linecache.cache.pop(f"<funcgrad fg_{key}>", None)
    for d in dispatchers(fn):
        d._cache = numba.core.caching.NullCache()


cache.memory.on_evict = _forget


def dispatchers(fn):
    """The Numba dispatchers that run ``fn``: itself, or the pieces it calls."""
    pieces = getattr(fn, "__funcgrad_pieces__", None)
    return [d for d, _ in pieces] if pieces else [fn]


def _counts(fn):
    ds = dispatchers(fn)
    return (sum(len(d.signatures) for d in ds),
            sum(sum(d.stats.cache_hits.values()) for d in ds))


def _guard_numba_cache(dispatcher, path):
    """A bad Numba cache file must cost a recompile, never a crash."""
    impl = getattr(dispatcher, "_cache", None)
    if impl is None or not hasattr(impl, "load_overload"):
        return
    load, save = _load_without_refresh(impl), impl.save_overload

    def safe_load(sig, target_context):
        try:
            return load(sig, target_context)
        except Exception as err:
            warnings.warn(f"funcgrad: the compiled-code cache for {path} was unreadable "
                          f"({type(err).__name__}: {err}); recompiling.", stacklevel=2)
            for p in cache.numba_files(path):
                try:
                    os.remove(p)
                except OSError:
                    pass
            return None

    def safe_save(sig, data):
        try:
            save(sig, data)
        except Exception as err:
            warnings.warn(f"funcgrad: could not write the compiled-code cache for {path} "
                          f"({type(err).__name__}: {err}); it stays in memory.", stacklevel=2)

    impl.load_overload, impl.save_overload = safe_load, safe_save


def _load_without_refresh(impl):
    """Numba's cache load, less the ``refresh()`` of the target context it starts with.

    ``refresh`` imports and installs every implementation Numba has (its NumPy and linalg
    support, which imports SciPy, ...): ~0.35 s of CPU, two thirds of what a warm process
    spent reaching the W2 step's first result, and none of it is needed to run machine code
    that is already compiled. Only Numba's runtime (NRT), whose symbols that code links
    against, must be set up. A compile later in the process refreshes the context as usual.
    Falls back to the public method where Numba's internals differ."""
    load_private = getattr(impl, "_load_overload", None)
    guard = getattr(impl, "_guard_against_spurious_io_errors", None)
    if load_private is None or guard is None:
        return impl.load_overload
    from numba.core.runtime import rtsys

    def load(sig, target_context):
        rtsys.initialize(target_context)
        with guard():
            return load_private(sig, target_context)
        return None  # the guard swallowed a spurious I/O error, as Numba's own method does
    return load


def call_first(fn, args):
    """Call a function the first time for a plan: this is when Numba compiles it (or loads it
    from its cache). Logs that with ``FUNCGRAD_LOG_COMPILES=1``; turns Numba errors into a
    ``CompileError`` naming the IR equation at fault. None if the call raised
    ``kernels.BeyondFastRange`` (the caller answers it another way)."""
    info = fn.__funcgrad_info__
    t0 = time.perf_counter()
    before, hits = _counts(fn)
    pieces = getattr(fn, "__funcgrad_pieces__", None)
    helped = 0
    try:
        if pieces and not info["earlier"]:  # else the pieces load from the disk cache
            helped = parallel.compile_pieces(pieces, args)
        res = fn(*args)
    except kernels.BeyondFastRange:
        res = None
    except NUMBA_ERRORS as err:
        raise explain_numba_error(err, info["path"]) from None
    if config.log_compiles():
        after, hits_after = _counts(fn)
        if after == before:
            what = "reused compiled code"
        elif hits_after - hits == after - before:
            what = "loaded compiled code from the disk cache"
        else:
            what = "compiled"
        if pieces:
            what += f" ({len(pieces)} pieces, {helped} compiled by other processes)"
        print(f"funcgrad: {what} for {info['reason']} in {time.perf_counter() - t0:.2f} s "
              f"({info['path']})", file=sys.stderr)
    return res


def compile_now(fn, args):
    """Compile (or load from the disk cache) ``fn`` for the types of ``args`` without calling
    it (FUNCGRAD_COMPILE_IN_BACKGROUND runs this in a thread)."""
    info = fn.__funcgrad_info__
    t0 = time.perf_counter()
    _, hits = _counts(fn)
    if config.log_compiles():
        print(f"funcgrad: compiling in the background for {info['reason']}; the NumPy "
              "evaluator runs the calls until it is done", file=sys.stderr)
    try:
        pieces = getattr(fn, "__funcgrad_pieces__", None)
        if pieces:  # a piece whose types are known only at the call compiles then
            parallel.compile_pieces(pieces, args)
        else:
            fn.compile(tuple(numba.typeof(a) for a in args))
    except NUMBA_ERRORS as err:
        raise explain_numba_error(err, info["path"]) from None
    if config.log_compiles():
        what = ("loaded compiled code from the disk cache"
                if _counts(fn)[1] > hits else "compiled")
        print(f"funcgrad: {what} in the background for {info['reason']} in "
              f"{time.perf_counter() - t0:.2f} s ({info['path']})", file=sys.stderr)


def explain_numba_error(err, path):
    """Turn a Numba typing/lowering error into a funcgrad error naming the IR equation (the
    comment above the failing line of the generated source)."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", str(err))  # Numba colours it when colorama is installed
    msgs = [ln.strip() for ln in text.splitlines() if ln.strip()]
    said = [m for m in msgs if re.match(r"\w+(Error|Exception): ", m) and "Failed in" not in m]
    detail = said[-1] if said else next(
        (m for m in msgs if not m.startswith(("Failed in", "During:"))),
        msgs[0] if msgs else type(err).__name__)
    lines = []
    if path and os.path.exists(path):
        with open(path) as f:
            lines = f.read().splitlines()
    eqn = _equation_above(lines, _failing_line(err, text, path, lines))
    return CompileError(
        f"funcgrad could not compile this function: the equation `{eqn}` failed in Numba "
        f"({detail}). This is a funcgrad bug; please report it with the generated source "
        f"({path}). As a workaround, call the function without fg.jit.")


def _failing_line(err, text, path, lines):
    """The line (from 1) of the generated file that Numba's error points at, or None."""
    m = re.search(re.escape(os.path.basename(path or "?")) + r'", line (\d+)', text)
    if m:
        return int(m.group(1))
    line = getattr(getattr(err, "loc", None), "line", None)
    if line is not None:
        return line
    for name in re.findall(r"'([A-Za-z_][A-Za-z0-9_]*)'", text):  # a name the message quotes
        hits = [k for k, ln in enumerate(lines) if name in ln and not ln.lstrip().startswith("#")]
        if hits:
            return hits[0] + 1
    return None


def _equation_above(lines, line):
    """The IR equation in the comment nearest above ``line`` of the generated source."""
    k = (line or 0) - 1
    while 0 <= k < len(lines) and not lines[k].lstrip().startswith("#"):
        k -= 1
    return lines[k].strip().lstrip("# ") if 0 <= k < len(lines) else "unknown equation"
