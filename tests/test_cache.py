"""The disk cache: a new process reuses compiled code; bad entries and directories never crash
or give wrong results. Each subprocess costs seconds, so there are few."""
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import funcgrad as fg
from funcgrad.backend import compile as comp

PROG = textwrap.dedent("""
    import time, numpy as np, funcgrad as fg
    t = time.perf_counter()
    f = fg.jit(lambda x, w: (np.tanh(x @ w) ** 2).sum())
    v = f(np.ones((4, 3)), np.full((3, 2), 0.1))
    print(repr(float(v)), time.perf_counter() - t)
""")


def run(cache_dir, extra_env=None):
    env = dict(os.environ, FUNCGRAD_CACHE_DIR=str(cache_dir), FUNCGRAD_LOG_COMPILES="1",
               **(extra_env or {}))
    r = subprocess.run([sys.executable, "-c", PROG], env=env, capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stderr
    value, seconds = r.stdout.split()
    return float(value), float(seconds), r.stderr


def test_second_process_skips_compilation_and_corrupt_entry_recovers(tmp_path):
    want = float((np.tanh(np.ones((4, 3)) @ np.full((3, 2), 0.1)) ** 2).sum())
    v1, t1, _ = run(tmp_path)
    v2, t2, _ = run(tmp_path)
    assert v1 == v2 == pytest.approx(want, rel=1e-14)
    assert t2 < t1  # loaded from disk instead of compiled
    entries = [p for p in (tmp_path).rglob("fg_*.py")]
    assert entries and all(oct(os.stat(p.parent).st_mode)[-3:] == "700" for p in entries)
    # truncate the module: the next process warns, rewrites it and still gets the right value
    entries[0].write_text(entries[0].read_text()[:40])
    v3, _, err = run(tmp_path)
    assert v3 == pytest.approx(want, rel=1e-14) and "corrupt" in err


def test_unwritable_cache_dir_falls_back_with_a_warning(tmp_path):
    blocked = tmp_path / "file-not-dir"
    blocked.write_text("x")
    v, _, err = run(blocked / "sub")
    assert v == pytest.approx(float((np.tanh(np.ones((4, 3)) @ np.full((3, 2), 0.1)) ** 2)
                                    .sum()), rel=1e-14)
    assert "cannot use the cache directory" in err


def test_clear_cache_empties_memory_and_disk(tmp_path, monkeypatch):
    monkeypatch.setenv("FUNCGRAD_CACHE_DIR", str(tmp_path / "c"))
    f = fg.jit(lambda x: x * 3.0 + 1.0)
    assert f(2.0) == 7.0
    assert any((tmp_path / "c").rglob("fg_*.py"))
    fg.clear_cache()
    assert not (tmp_path / "c").exists() and not comp._compiled
    assert f(2.0) == 7.0  # compiles again


def test_size_cap_evicts_oldest(tmp_path, monkeypatch):
    monkeypatch.setenv("FUNCGRAD_CACHE_DIR", str(tmp_path))
    root = comp.cache_root()
    for i in range(5):
        p = os.path.join(root, f"fg_old{i}.py")
        with open(p, "w") as fh:
            fh.write("#" * 300_000)
        os.utime(p, (i, i))
    monkeypatch.setenv("FUNCGRAD_CACHE_MAX_MB", "1")
    comp._enforce_cap(root)
    left = sorted(os.listdir(root))
    assert "fg_old0.py" not in left and "fg_old4.py" in left
