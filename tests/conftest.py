import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))  # table modules import each other by name


@pytest.fixture(autouse=True)
def compiled_code(monkeypatch):
    """Tests check the compiled code: a jitted function's first call compiles and waits for it
    (FUNCGRAD_TIERED=0) instead of answering with the NumPy evaluator meanwhile. The tests of
    tiered execution itself set FUNCGRAD_TIERED=1 (``monkeypatch.setenv``) to turn it back on."""
    monkeypatch.setenv("FUNCGRAD_TIERED", "0")


@pytest.fixture
def private_cache(tmp_path, monkeypatch):
    """A FUNCGRAD_CACHE_DIR of the test's own, forgotten (memory too) afterwards."""
    import funcgrad as fg
    from funcgrad.backend import cache
    monkeypatch.setenv("FUNCGRAD_CACHE_DIR", str(tmp_path / "c"))
    yield tmp_path / "c"
    fg.clear_cache()
    monkeypatch.delenv("FUNCGRAD_CACHE_DIR")
    cache.root()
