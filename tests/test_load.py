"""Under load: threads calling one jitted function at once, many calls, many signatures and
many functions (the in-memory caches stay bounded), two processes racing on one cold cache
entry. Quick versions here; the full sizes are marked slow (``make test-all``)."""
import gc
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from threads import run_threads

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.backend import cache
from funcgrad.backend import compile as native

NEEDS_STATM = pytest.mark.skipif(
    not os.path.exists("/proc/self/statm"),
    reason="measures memory through Linux's /proc/self/statm, which this system lacks")


def _rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@pytest.fixture
def compiles(monkeypatch):
    """The modules this process compiled or loaded (``compile.compile_source`` misses)."""
    loaded = []
    load = native._load
    monkeypatch.setattr(native, "_load", lambda *a: (loaded.append(a[2]), load(*a))[1])
    return loaded


def test_eight_threads_call_one_function_at_once(compiles):
    f = fg.jit(lambda a, b: fnp.sum(fnp.tanh(a) * b, axis=1) + fnp.max(b))
    rng = np.random.default_rng(0)
    inputs = [(rng.normal(size=(6, 5)), rng.normal(size=(6, 5))) for _ in range(8)]
    results = [None] * 8

    def work(k):
        a, b = inputs[k]
        results[k] = [f(a, b) for _ in range(200)]

    assert not run_threads(work, 8)
    for (a, b), rs in zip(inputs, results):
        want = np.sum(np.tanh(a) * b, axis=1) + np.max(b)
        for r in rs:
            np.testing.assert_allclose(r, want, rtol=1e-14)
    assert len(compiles) == 1 and len(f._plans) == 1


def _calls_grow_no_memory(n):
    step = fg.jit(lambda w, x: (w - 0.1 * x * fnp.sum(w * x), fnp.sum(w * w)))
    w, x = np.linspace(0, 1, 8), np.linspace(1, 2, 8)
    for _ in range(2000):  # compiled, and every cache along the way warm
        w2, loss = step(w, x)
    gc.collect()
    before = _rss_bytes()
    for _ in range(n):
        w2, loss = step(w, x)
    gc.collect()
    grown = _rss_bytes() - before
    want = w - 0.1 * x * np.sum(w * x)
    np.testing.assert_allclose(w2, want, rtol=1e-14)
    assert loss == pytest.approx(np.sum(w * w), rel=1e-14) and type(loss) is np.float64
    assert grown < 2**20, f"{n} calls grew the process by {grown} bytes"


@NEEDS_STATM
def test_many_calls_grow_no_memory():
    _calls_grow_no_memory(200_000)  # 8 leaked bytes a call would be 1.6 MB


@pytest.mark.slow
@NEEDS_STATM
def test_a_million_calls_grow_no_memory():
    _calls_grow_no_memory(1_000_000)


def test_many_argument_sizes_keep_a_bounded_plan_table(monkeypatch, compiles):
    monkeypatch.setenv("FUNCGRAD_MEMORY_CACHE_ENTRIES", "16")
    f = fg.jit(lambda a: fnp.cumsum(a * 2.0) / a.shape[0])
    for rounds in range(2):  # the second time round, each size's plan had been dropped
        for n in range(1, 40):
            a = np.linspace(1, 2, n)
            np.testing.assert_allclose(f(a), np.cumsum(a * 2.0) / n, rtol=1e-14)
            assert len(f._plans) <= 16
        if rounds == 0:
            modules = len(compiles)  # a few: sizes are data, but small ones change the code
            assert modules <= 4
    assert len(compiles) == modules  # plans rebuilt; the compiled code found again


def _steps(k, x, total):
    """The bits of ``k`` pick each of ten steps (double or add one): 1024 functions of one
    size, so that a thousand of them cost a thousand small compiles."""
    for bit in range(10):
        x = x * 2.0 if (k >> bit) & 1 else x + 1.0
    return total(x)


def _distinct_functions_stay_bounded(ks, limit, monkeypatch, compiles):
    """A function of different structure (a new code module) for each of ``ks``, with room in
    memory for ``limit``: the compiled code kept (and its modules) stays within it."""
    monkeypatch.setenv("FUNCGRAD_MEMORY_CACHE_ENTRIES", str(limit))
    a = np.linspace(0.5, 1.5, 7)
    earlier = {m for m in sys.modules if m.startswith("fg_")}
    for k in ks:
        f = fg.jit(lambda x, k=k: _steps(k, x, fnp.sum))
        assert f(a) == pytest.approx(_steps(k, a, np.sum), rel=1e-13)
        assert len(cache.memory) <= limit
    assert len(set(compiles)) == len(ks)  # each a module of its own
    modules = [m for m in sys.modules if m.startswith("fg_") and m not in earlier]
    assert len(modules) <= limit, modules


def test_distinct_functions_keep_the_in_memory_caches_bounded(monkeypatch, compiles):
    _distinct_functions_stay_bounded(range(1019, 1024), 3, monkeypatch, compiles)


@pytest.mark.slow
def test_a_thousand_distinct_functions_keep_the_caches_bounded(monkeypatch, compiles):
    _distinct_functions_stay_bounded(range(1000), 64, monkeypatch, compiles)


def test_jit_in_a_loop_shares_one_compiled_module(compiles):
    """The common mistake of jitting inside a loop: a new function each time, the same code."""
    before = _rss_bytes()
    x = np.linspace(-1, 1, 9)
    for k in range(300):
        f = fg.jit(lambda v: fnp.tanh(v) * 3.0 - v)
        np.testing.assert_allclose(f(x), np.tanh(x) * 3.0 - x, rtol=1e-14)
    del f
    gc.collect()
    assert len(compiles) == 1
    assert _rss_bytes() - before < 8 * 2**20


def test_two_processes_racing_on_one_cold_cache_entry(tmp_path):
    script = textwrap.dedent("""
        import sys, numpy as np, funcgrad as fg, funcgrad.numpy as fnp
        f = fg.jit(lambda a, b: fnp.sum(fnp.exp(-a * a) * b) / (1.0 + fnp.max(a)))
        rng = np.random.default_rng(int(sys.argv[1]))
        a, b = rng.normal(size=50), rng.normal(size=50)
        print(repr(float(f(a, b))), repr(float(np.sum(np.exp(-a * a) * b) / (1.0 + a.max()))))
    """)
    env = dict(os.environ, FUNCGRAD_CACHE_DIR=str(tmp_path), FUNCGRAD_TIERED="0")
    procs = [subprocess.Popen([sys.executable, "-c", script, str(seed)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for seed in (1, 2)]
    for p in procs:
        out, err = p.communicate(timeout=600)
        assert p.returncode == 0, err
        got, want = map(float, out.split())
        assert got == pytest.approx(want, rel=1e-13)
        assert "Traceback" not in err and "corrupt" not in err
    entries = list(tmp_path.rglob("fg_*.py"))
    assert len(entries) == 1 and not list(tmp_path.rglob(".tmp-*"))
