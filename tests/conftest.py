import os
import sys
import zlib

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(__file__))  # table modules import each other by name


@pytest.fixture(autouse=True)
def compiled_code(monkeypatch):
    """Tests check the compiled code: a jitted function's first call compiles and waits for it
    (FUNCGRAD_TIERED=0) instead of answering with the NumPy evaluator meanwhile. The tests of
    tiered execution itself set FUNCGRAD_TIERED=1 (``monkeypatch.setenv``) to turn it back on."""
    monkeypatch.setenv("FUNCGRAD_TIERED", "0")


@pytest.fixture(autouse=True)
def module_rng_seeded_per_test(request):
    """Many test files draw inputs from one module-level generator (``rng`` or ``RNG``). Its
    state at a test would depend on which tests of the file ran before it in the same worker,
    which ``--dist worksteal`` changes from run to run: a test whose finite differences fail
    on one draw in twenty then fails now and then. Reseeded here from the test's id, each
    test draws the same inputs in every run, whatever ran before it."""
    module = request.module
    for name in ("rng", "RNG"):
        if isinstance(getattr(module, name, None), np.random.Generator):
            setattr(module, name, np.random.default_rng(zlib.crc32(request.node.nodeid.encode())))


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
