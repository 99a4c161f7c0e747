"""The on-disk cache of generated modules (and Numba's machine code beside them).

Layout: ``<FUNCGRAD_CACHE_DIR>/<tag>/fg_<key>.py`` where ``tag`` names everything the machine
code depends on besides the source (Numba, llvmlite, NumPy and Python versions, the CPU, and the
text of ``kernels.py`` and ``blas.py``, which generated code inlines and links) and ``key``
hashes the generated source (comments aside). Numba writes its own files to ``__pycache__``
next to each module.

Cached code is executed, so it is trusted only from a directory this user owns, created private
(0700); files owned by someone else are ignored. Writes are atomic (a temporary name, then a
rename), so concurrent processes compiling the same entry each see a whole file. A corrupt
entry is rewritten with a warning. If the directory is unusable (unwritable, full, not ours),
code is compiled in memory for this process, with one warning. The total size is capped
(``FUNCGRAD_CACHE_MAX_MB``): least recently used entries go first.

The kernel library (``kernels.py``, ``blas.py``) is the same for every program, so its machine
code is kept apart, once per machine and version, not per cache directory or checkout:
``<FUNCGRAD_KERNEL_CACHE_DIR>/<tag>/`` (default ``~/.cache/funcgrad/kernels``), each kernel
compiled lazily, for the types it is first called with (``KernelLocator``).

Each upgrade (of funcgrad's kernels, Numba, NumPy, Python) starts a new ``<tag>`` directory in
both places. A process marks the ones it uses, and removes those of other versions that no
process has used for ``STALE_AFTER_DAYS``: they would otherwise stay, up to the size cap each.
"""
import functools
import hashlib
import os
import platform
import shutil
import stat
import sys
import tempfile
import threading
import time
import warnings

from . import config
from .bounded import Bounded

_lock = threading.Lock()
_state = {"root": None, "warned": False}
# code key -> compiled main function (this process); compile.py says what dropping one means
memory = Bounded()
on_clear = []  # callables that drop caches built on top of this one (jit plans)


STALE_AFTER_DAYS = 30
KERNEL_MODULES = ("kernels", "blas")  # in this package; their source keys their machine code
# and what else makes a generated module's machine code: the loop nests' compiler (``nests``
# writes their LLVM IR; a change there must not load machine code it made before)
COMPILED_BY = KERNEL_MODULES + ("nests",)


@functools.cache
def _kernels_hash():
    """Hash of the compiled code that generated modules import and of the compiler of their
    loop nests (their other dependencies)."""
    h = hashlib.sha256()
    for name in COMPILED_BY:
        with open(os.path.join(os.path.dirname(__file__), name + ".py"), "rb") as f:
            h.update(f.read())
    return h.hexdigest()[:12]


@functools.cache
def version_tag():
    """The versions and the CPU that compiled code depends on, in the cache directory's name.
    Read without importing Numba: tiered execution checks the disk cache before it needs it."""
    from importlib.metadata import version

    import numpy
    cpu = platform.machine()
    try:
        import llvmlite.binding as llvm
        cpu += "-" + llvm.get_host_cpu_name()
    except Exception:  # the name only refines the key
        pass
    py = "py%d%d" % sys.version_info[:2]
    return (f"fg-nb{version('numba')}-llvm{version('llvmlite')}-"
            f"np{numpy.__version__}-{py}-{cpu}-k{_kernels_hash()}")


def kernel_root():
    """The kernel library's machine-code directory, made private if needed, or None (then
    Numba keeps it next to ``kernels.py``, as for any module)."""
    return _kernel_root(config.kernel_cache_dir())


@functools.lru_cache(maxsize=4)
def _kernel_root(base):
    path = os.path.join(base, version_tag())
    try:
        _private_dir(os.path.dirname(path))
        _private_dir(path)
        fd, probe = tempfile.mkstemp(dir=path, prefix=".probe")
        os.close(fd)
        os.remove(probe)
        _claim(path)
    except OSError as err:
        warnings.warn(f"funcgrad: cannot use the kernel cache directory {path} ({err}); the "
                      "kernel library's machine code goes where Numba keeps it by default, so "
                      "another checkout compiles it again. Set FUNCGRAD_KERNEL_CACHE_DIR to a "
                      "writable directory of yours.", stacklevel=2)
        return None
    return path


def install_kernel_locator():
    """Have Numba cache the functions of the kernel modules in ``kernel_root()``, keyed by
    their source's hash rather than by the file's path and time (which change with every
    checkout). Called by ``kernels.py`` before it defines any kernel; imports Numba."""
    from numba.core import caching

    if any(getattr(c, "funcgrad_kernels", False) for c in caching.CacheImpl._locator_classes):
        return
    modules = {f"{__package__}.{m}" for m in KERNEL_MODULES}

    class KernelLocator(caching._CacheLocator):
        funcgrad_kernels = True

        def __init__(self, path, lineno):
            self._path, self._lineno = path, lineno

        @classmethod
        def from_function(cls, py_func, py_file):
            if py_func.__module__ not in modules:
                return None
            path = kernel_root()
            return None if path is None else cls(path, py_func.__code__.co_firstlineno)

        def ensure_cache_path(self):
            pass  # kernel_root() made and probed it

        def get_cache_path(self):
            return self._path

        def get_source_stamp(self):
            return _kernels_hash()  # also in the directory's name: the index is never stale

        def get_disambiguator(self):
            return str(self._lineno)

    caching.CacheImpl._locator_classes.insert(0, KernelLocator)


def code_key(text):
    """Hash of the generated code, ignoring comments (they show this call's sizes)."""
    code = "\n".join(ln for ln in text.splitlines() if not ln.lstrip().startswith("#"))
    return hashlib.sha256(code.encode()).hexdigest()[:24]


def _claim(path):
    """Mark the version directory ``path`` as in use (its time), and remove the directories of
    other versions beside it that no process has marked for ``STALE_AFTER_DAYS``: only ours
    (named ``fg...-nb...``, owned by this user), never anything else in that directory."""
    os.utime(path)
    base, mine = os.path.split(path)
    cutoff = time.time() - STALE_AFTER_DAYS * 86400
    try:
        names = os.listdir(base)
    except OSError:  # a base we may write into but not list: nothing to clean, the cache works
        return
    for name in names:
        other = os.path.join(base, name)
        if name == mine or not name.startswith("fg") or "-nb" not in name:
            continue
        try:
            st = os.lstat(other)
        except OSError:
            continue
        if stat.S_ISDIR(st.st_mode) and st.st_uid == os.getuid() and st.st_mtime < cutoff:
            shutil.rmtree(other, ignore_errors=True)


def _private_dir(path):
    """Create ``path`` (0700) if needed; raise OSError unless it is a directory of ours."""
    os.makedirs(path, mode=0o700, exist_ok=True)
    st = os.stat(path)
    if st.st_uid != os.getuid():
        raise PermissionError(f"{path} belongs to another user")
    if st.st_mode & 0o077:
        os.chmod(path, 0o700)


def root():
    """The cache directory for this configuration, or None (with a warning) if unusable."""
    base = config.cache_dir()
    with _lock:
        if _state["root"] is not None and _state["root"][0] == base:
            return _state["root"][1]
        path = os.path.join(base, version_tag())
        try:
            _private_dir(base)
            _private_dir(path)
            fd, probe = tempfile.mkstemp(dir=path, prefix=".probe")
            os.close(fd)
            os.remove(probe)
            _claim(path)
        except OSError as err:
            _warn_unusable(path, err)
            path = None
        _state["root"] = (base, path)
        return path


def _warn_unusable(path, err):
    if not _state["warned"]:
        _state["warned"] = True
        warnings.warn(f"funcgrad: cannot use the cache directory {path} ({err}); compiled code "
                      "is kept in memory for this process only. Set FUNCGRAD_CACHE_DIR to a "
                      "writable directory of yours.", stacklevel=4)


def disable(path, err):
    """Stop using the disk cache in this process (e.g. the disk became full)."""
    with _lock:
        _warn_unusable(path, err)
        _state["root"] = (config.cache_dir(), None)


def trusted_text(path):
    """The text of cache file ``path`` if it exists and is ours, else None."""
    try:
        st = os.stat(path)
        if st.st_uid != os.getuid():
            return None
        with open(path, encoding="utf-8") as f:
            return f.read()
    except (OSError, UnicodeDecodeError):
        return None


def write_atomic(path, text):
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tmp-", suffix=".py")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.remove(tmp)
        except OSError:
            pass
        raise


def touch(path):
    """Mark an entry as used (the size cap evicts the least recently used)."""
    try:
        os.utime(path)
    except OSError:
        pass


def numba_files(path):
    """Numba's cache files for the module at ``path``."""
    d = os.path.join(os.path.dirname(path), "__pycache__")
    stem = os.path.splitext(os.path.basename(path))[0] + "."
    try:
        return [os.path.join(d, f) for f in os.listdir(d) if f.startswith(stem)]
    except OSError:
        return []


def compiled_functions(path):
    """The names of the functions of the module at ``path`` whose machine code Numba cached
    (an index and at least one compiled signature: ``<module>.<name>-<line>.py311.nbi`` and
    ``....<n>.nbc``)."""
    stem = os.path.splitext(os.path.basename(path))[0] + "."
    found = {}
    for f in numba_files(path):
        name, kind = os.path.basename(f)[len(stem):].split("-", 1)[0], f.rsplit(".", 1)[1]
        found.setdefault(name, set()).add(kind)
    return {name for name, kinds in found.items() if kinds >= {"nbi", "nbc"}}


def remove_entry(path):
    for p in [path] + numba_files(path):
        try:
            os.remove(p)
        except OSError:
            pass


def enforce_cap(path):
    """Evict least recently used entries until the cache is under its size cap."""
    cap = config.cache_max_bytes()
    used, sizes, total = {}, {}, 0
    for dirpath, _, files in os.walk(path):
        for fn in files:
            p = os.path.join(dirpath, fn)
            if fn.startswith("."):
                continue
            try:
                st = os.stat(p)
            except OSError:
                continue
            stem = fn.split(".")[0]  # fg_<key> for the module and for Numba's files
            sizes[stem] = sizes.get(stem, 0) + st.st_size
            if fn == stem + ".py":
                used[stem] = st.st_mtime
            total += st.st_size
    if total <= cap:
        return
    for stem in sorted(sizes, key=lambda s: used.get(s, 0.0)):  # orphans first
        remove_entry(os.path.join(path, stem + ".py"))
        total -= sizes[stem]
        if total <= 0.8 * cap:
            break


def clear():
    """Delete the on-disk cache: the entries of every configuration (only what funcgrad
    wrote, so a FUNCGRAD_CACHE_DIR shared with other files keeps them)."""
    base = config.cache_dir()
    with _lock:
        _state["root"] = None
        try:
            if os.stat(base).st_uid != os.getuid():
                return
            names = os.listdir(base)
        except OSError:
            return
        for name in names:
            if name.startswith("fg") and "-nb" in name:
                shutil.rmtree(os.path.join(base, name), ignore_errors=True)
        try:
            os.rmdir(base)  # only if now empty
        except OSError:
            pass


def clear_cache():
    """Delete funcgrad's compiled-code caches: in memory, and on disk under FUNCGRAD_CACHE_DIR.
    The kernel library's machine code (FUNCGRAD_KERNEL_CACHE_DIR) stays: it depends on no
    program, and Numba may still be using its index in this process.

    >>> import os, tempfile, funcgrad as fg
    >>> saved = os.environ.get("FUNCGRAD_CACHE_DIR")
    >>> os.environ["FUNCGRAD_CACHE_DIR"] = tempfile.mkdtemp()  # not to empty your real cache
    >>> fg.clear_cache()
    >>> os.environ.pop("FUNCGRAD_CACHE_DIR") and None
    >>> if saved is not None: os.environ["FUNCGRAD_CACHE_DIR"] = saved
    """
    memory.clear()
    for hook in on_clear:
        hook()
    clear()
