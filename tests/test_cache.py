"""The disk cache: a new process reuses compiled code; bad entries and directories never crash
or give wrong results. Subprocesses cost seconds each, so there are few; the rest runs in this
process against a temporary FUNCGRAD_CACHE_DIR."""
import os
import subprocess
import sys
import textwrap
import time
import warnings

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.backend import cache

PROG = textwrap.dedent("""
    import time, numpy as np, funcgrad as fg
    f = fg.jit(lambda x, w: (np.tanh(x @ w) ** 2).sum())
    t = time.perf_counter()
    v = f(np.ones((4, 3)), np.full((3, 2), 0.1))
    print(repr(float(v)), time.perf_counter() - t)
""")
WANT = float((np.tanh(np.ones((4, 3)) @ np.full((3, 2), 0.1)) ** 2).sum())


def start(cache_dir):
    env = dict(os.environ, FUNCGRAD_CACHE_DIR=str(cache_dir), FUNCGRAD_LOG_COMPILES="1")
    return subprocess.Popen([sys.executable, "-c", PROG], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def finish(proc):
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    value, seconds = out.split()
    return float(value), float(seconds), err


def run(cache_dir):
    return finish(start(cache_dir))


def test_new_processes_load_from_disk_even_when_racing_and_recover_from_corruption(tmp_path):
    # two processes compile the same entry at once: both finish with the right value
    first = [start(tmp_path), start(tmp_path)]
    for v, _, err in map(finish, first):
        assert v == pytest.approx(WANT, rel=1e-14)
        assert "funcgrad: compiled" in err
    v, t, err = run(tmp_path)  # a third process skips code generation and compilation
    assert v == pytest.approx(WANT, rel=1e-14)
    assert "loaded compiled code from the disk cache" in err and "funcgrad: compiled" not in err
    modules = list(tmp_path.rglob("fg_*.py"))
    assert len(modules) == 1
    for d in (tmp_path, modules[0].parent):
        assert oct(os.stat(d).st_mode)[-3:] == "700"
    # Numba's index truncated: a warning, a recompile, the right value
    index = next(modules[0].parent.glob("__pycache__/*.nbi"))
    index.write_bytes(index.read_bytes()[:10])
    v, _, err = run(tmp_path)
    assert v == pytest.approx(WANT, rel=1e-14) and "unreadable" in err and "compiled" in err
    # the module truncated: a warning, a rewrite, the right value
    modules[0].write_text(modules[0].read_text()[:40])
    v, _, err = run(tmp_path)
    assert v == pytest.approx(WANT, rel=1e-14) and "corrupt" in err


def test_unwritable_cache_dir_falls_back_to_memory_with_a_warning(tmp_path):
    blocked = tmp_path / "file-not-dir"
    blocked.write_text("x")
    v, _, err = run(blocked / "sub")
    assert v == pytest.approx(WANT, rel=1e-14)
    assert "cannot use the cache directory" in err


def test_clear_cache_empties_memory_and_disk(private_cache):
    f = fg.jit(lambda x: x * 3.0 + 1.0)
    assert f(2.0) == 7.0
    assert any(private_cache.rglob("fg_*.py"))
    (private_cache / "mine.txt").write_text("not funcgrad's")
    fg.clear_cache()
    assert not any(private_cache.rglob("fg_*")) and not cache.memory
    assert (private_cache / "mine.txt").exists()  # only what funcgrad wrote is deleted
    assert f(2.0) == 7.0  # compiles again


def test_importing_many_entries_does_not_wrap_the_kernels_again(private_cache):
    from funcgrad.backend import kernels
    before = kernels.exp_._cache.load_overload
    fs = [fg.jit(lambda x, k=k: fnp.exp(x) * (k + 1.0) + x ** (k + 2)) for k in range(3)]
    for k, f in enumerate(fs):
        assert f(0.5) == pytest.approx(np.exp(0.5) * (k + 1.0) + 0.5 ** (k + 2), rel=1e-14)
    # once each import wrapped every star-imported kernel again: wrappers nested until a
    # long session's cache loads died of RecursionError (seen in make test-all)
    assert kernels.exp_._cache.load_overload == before
    ours = [d for d in cache.memory.values() if d.py_func.__module__.startswith("fg_")]
    assert ours and all(d._cache.load_overload.__name__ == "safe_load" for d in ours)


def test_entries_of_another_user_are_ignored(private_cache):
    f = fg.jit(lambda x: x * 5.0 - 1.0)
    assert f(2.0) == 9.0
    (module,) = list(private_cache.rglob("fg_*.py"))
    fg.clear_cache()
    os.makedirs(module.parent, mode=0o700, exist_ok=True)
    module.write_text("# planted\nimport os\n")
    os.chown(module, 12345, 12345)
    with pytest.warns(UserWarning, match="not a readable file of this user's"):
        assert fg.jit(lambda x: x * 5.0 - 1.0)(2.0) == 9.0
    assert module.read_text() == "# planted\nimport os\n"


def test_a_full_disk_falls_back_to_memory(private_cache, monkeypatch):
    def full(path, text):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(cache, "write_atomic", full)
    with pytest.warns(UserWarning, match="No space left"):
        assert fg.jit(lambda x: x * 7.0 + 2.0)(1.0) == 9.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # warned once per process, not per function
        assert fg.jit(lambda x: x * 7.0 + 3.0)(1.0) == 10.0


def test_size_cap_evicts_least_recently_used(private_cache, monkeypatch):
    root = cache.root()
    pyc = os.path.join(root, "__pycache__")
    os.makedirs(pyc)
    for i in range(5):
        for p in (os.path.join(root, f"fg_old{i}.py"), os.path.join(pyc, f"fg_old{i}.fn.nbc")):
            with open(p, "w") as fh:
                fh.write("#" * 150_000)
            os.utime(p, (i, i))
    cache.touch(os.path.join(root, "fg_old0.py"))  # just used: kept
    monkeypatch.setenv("FUNCGRAD_CACHE_MAX_MB", "1")
    cache.enforce_cap(root)
    left = sorted(os.listdir(root))
    assert "fg_old0.py" in left and "fg_old1.py" not in left and "fg_old4.py" in left
    assert "fg_old1.fn.nbc" not in os.listdir(pyc)


def _aged_dirs(base, names_and_days):
    for name, days in names_and_days:
        os.makedirs(base / name / "__pycache__")
        (base / name / "fg_x.py").write_text("# an entry")
        then = os.path.getmtime(base) - days * 86400
        os.utime(base / name, (then, then))
    return base


@pytest.mark.parametrize("which", ["modules", "kernels"])
def test_other_versions_unused_for_a_month_are_removed_nothing_else(tmp_path, monkeypatch, which):
    base = _aged_dirs(tmp_path / which, [("fg-nb0.1-old", 31), ("fg0.0.9-nb0.2-old", 400),
                                         ("fg-nb0.3-recent", 29), ("mine-fg-nb", 400),
                                         ("fgnotes", 400)])
    (base / "fg-nb0.4-a-file").write_text("not a directory")
    os.utime(base / "fg-nb0.4-a-file", (0, 0))
    if which == "modules":
        monkeypatch.setenv("FUNCGRAD_CACHE_DIR", str(base))
        path = cache.root()
        monkeypatch.delenv("FUNCGRAD_CACHE_DIR")
        cache.root()
    else:
        monkeypatch.setenv("FUNCGRAD_KERNEL_CACHE_DIR", str(base))
        path = cache.kernel_root()
    assert os.path.dirname(path) == str(base)
    assert sorted(os.listdir(base)) == sorted([os.path.basename(path), "fg-nb0.3-recent",
                                               "mine-fg-nb", "fgnotes", "fg-nb0.4-a-file"])
    assert time.time() - os.path.getmtime(path) < 60  # marked as used


def test_key_ignores_comments_and_includes_versions_and_kernels():
    a = "def fn(a, P, F64, F32):\n    # b:f64[3] = tanh a\n    return (a, )\n"
    b = a.replace("f64[3]", "f64[70]")
    assert cache.code_key(a) == cache.code_key(b)
    assert cache.code_key(a) != cache.code_key(a.replace("return (a, )", "return (P, )"))
    tag = cache.version_tag()
    import numba
    assert f"nb{numba.__version__}" in tag and f"np{np.__version__}" in tag and "-k" in tag


def test_key_includes_the_compiler_of_loop_nests(tmp_path, monkeypatch):
    """Machine code made by an earlier nests.py (which writes the loops' LLVM IR) is not
    loaded: its source is in the cache directory's name, as the kernels' is."""
    here = os.path.dirname(cache.__file__)
    copy = tmp_path / "backend"
    copy.mkdir()
    for name in cache.COMPILED_BY:
        text = open(os.path.join(here, name + ".py")).read()
        (copy / (name + ".py")).write_text(text + ("# changed\n" if name == "nests" else ""))
    cache._kernels_hash.cache_clear()
    try:
        before = cache._kernels_hash()
        monkeypatch.setattr(cache, "__file__", str(copy / "cache.py"))
        cache._kernels_hash.cache_clear()
        after = cache._kernels_hash()
    finally:
        monkeypatch.undo()
        cache._kernels_hash.cache_clear()
    assert before != after and cache._kernels_hash() == before


KERNEL_PROG = textwrap.dedent("""
    import numpy as np, funcgrad as fg, funcgrad.numpy as fnp
    from funcgrad.backend import kernels
    f = fg.jit(lambda x: fnp.sum(fnp.tanh(x) * fnp.exp(x)))
    v = f(np.linspace(-1.0, 1.0, 7))
    ds = [d for d in vars(kernels).values() if hasattr(d, "stats")]
    hits = sum(sum(d.stats.cache_hits.values()) for d in ds)
    misses = sum(sum(d.stats.cache_misses.values()) for d in ds)
    print(repr(float(v)), hits, misses)
""")


def run_kernels(cache_dir, kernel_dir, stderr=None):
    # FUNCGRAD_TIERED=0: the compiled path itself, at the first call
    env = dict(os.environ, FUNCGRAD_CACHE_DIR=str(cache_dir), FUNCGRAD_TIERED="0",
               FUNCGRAD_KERNEL_CACHE_DIR=str(kernel_dir))
    env.pop("FUNCGRAD_COMPILE_IN_BACKGROUND", None)
    r = subprocess.run([sys.executable, "-c", KERNEL_PROG], env=env, capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    value, hits, misses = r.stdout.split()
    if stderr is not None:
        stderr.append(r.stderr)
    x = np.linspace(-1.0, 1.0, 7)
    assert float(value) == pytest.approx(np.sum(np.tanh(x) * np.exp(x)), rel=1e-13)
    return int(hits), int(misses)


def test_kernel_library_is_compiled_once_per_machine_not_per_cache_dir(tmp_path):
    kernel_dir = tmp_path / "kernels"
    hits, misses = run_kernels(tmp_path / "c1", kernel_dir)
    assert misses > 0 and hits == 0  # compiled, for the first time on this "machine"
    (tag,) = os.listdir(kernel_dir)
    assert tag == cache.version_tag() and oct(os.stat(kernel_dir / tag).st_mode)[-3:] == "700"
    assert any(n.startswith("kernels.tanh_") for n in os.listdir(kernel_dir / tag))
    # a new cache directory, and a checkout whose kernels.py has another time stamp (another
    # clone): the kernels load from the machine's kernel cache, none compiles again
    src = os.path.join(os.path.dirname(cache.__file__), "kernels.py")
    st = os.stat(src)
    try:
        os.utime(src, (st.st_atime, st.st_mtime + 10))
        hits, misses = run_kernels(tmp_path / "c2", kernel_dir)
    finally:
        os.utime(src, (st.st_atime, st.st_mtime))
    assert hits > 0 and misses == 0


def test_unusable_kernel_cache_dir_still_computes(tmp_path):
    blocked = tmp_path / "file-not-dir"
    blocked.write_text("x")
    err = []
    hits, misses = run_kernels(tmp_path / "c", blocked / "sub", err)  # Numba's place instead
    assert hits + misses > 0
    assert err[0].count("cannot use the kernel cache directory") == 1  # once, not per kernel
    assert "FUNCGRAD_KERNEL_CACHE_DIR" in err[0]


WARM_PROG = textwrap.dedent("""
    import sys, numpy as np, funcgrad as fg, funcgrad.numpy as fnp
    f = fg.jit(lambda x, w: (np.tanh(x @ w) ** 2).sum())
    v = f(np.ones((4, 3)), np.full((3, 2), 0.1))
    print(repr(float(v)), "numba.np.arraymath" in sys.modules)
    g = fg.jit(lambda x: fnp.sum(fnp.sin(x) @ x))  # a new function: Numba compiles as usual
    print(repr(float(g(np.full((3, 3), 0.5)))))
""")


def test_loading_from_the_disk_cache_skips_numbas_compiler_setup(tmp_path):
    env = dict(os.environ, FUNCGRAD_CACHE_DIR=str(tmp_path), FUNCGRAD_TIERED="0")
    env.pop("FUNCGRAD_COMPILE_IN_BACKGROUND", None)
    outs = []
    for _ in range(2):  # the first compiles both functions, the second loads them
        r = subprocess.run([sys.executable, "-c", WARM_PROG], env=env, capture_output=True,
                           text=True, timeout=300)
        assert r.returncode == 0, r.stderr
        outs.append(r.stdout.split())
    for value, _, value_g in outs:
        assert float(value) == pytest.approx(WANT, rel=1e-14)
        x = np.full((3, 3), 0.5)
        assert float(value_g) == pytest.approx(np.sum(np.sin(x) @ x), rel=1e-14)
    # compiling set up all of Numba's implementations (its NumPy support among them);
    # loading machine code from the cache needs none of them
    assert outs[0][1] == "True" and outs[1][1] == "False"


SPECIAL_PROG = textwrap.dedent("""
    import sys, numpy as np, funcgrad as fg, funcgrad.numpy as fnp
    import funcgrad.scipy.special as fss
    x = np.linspace(0.5, 3.0, 7)
    f = fg.jit(lambda x: fnp.sum(fnp.tanh(x) * x))
    print(repr(float(f(x))), "scipy.special" in sys.modules)
    g = fg.jit(lambda x: fnp.sum(fss.gammaln(x) * fss.erf(x)))
    print(repr(float(g(x))))
""")
DIRECT_PROG = ("from funcgrad.backend import kernels; "  # compiled, or loaded from the cache
               "print(repr(kernels.betainc_(2.0, 3.0, 0.4)))")


def test_scipy_special_is_linked_only_for_code_that_calls_it(tmp_path):
    """The special-function kernels call scipy.special's C functions by symbol; importing it
    for them is ~0.15 s of a warm first call, so it happens only for code that calls one. Such
    code, compiled or loaded from the disk cache (where an unresolved symbol would crash the
    process), and the kernels called directly, give SciPy's values."""
    import scipy.special as ss
    env = dict(os.environ, FUNCGRAD_CACHE_DIR=str(tmp_path), FUNCGRAD_TIERED="0",
               FUNCGRAD_LOG_COMPILES="1")
    x = np.linspace(0.5, 3.0, 7)
    for run in ("compiled", "loaded compiled code from the disk cache"):
        r = subprocess.run([sys.executable, "-c", SPECIAL_PROG], env=env, capture_output=True,
                           text=True, timeout=300)
        assert r.returncode == 0, r.stderr
        assert r.stderr.count(f"funcgrad: {run}") == 2, r.stderr
        plain, special = r.stdout.splitlines()
        value, imported = plain.split()
        assert float(value) == pytest.approx(np.sum(np.tanh(x) * x), rel=1e-14)
        assert imported == "False"
        assert float(special) == pytest.approx(np.sum(ss.gammaln(x) * ss.erf(x)), rel=1e-14)
    r = subprocess.run([sys.executable, "-c", DIRECT_PROG], capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stderr
    assert float(r.stdout) == pytest.approx(ss.betainc(2.0, 3.0, 0.4), rel=1e-15)
