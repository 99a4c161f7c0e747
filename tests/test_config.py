"""The FUNCGRAD_* variables: every value accepted or refused with a message that names the
variable, the value and what to set; and the docs list every variable the code reads."""
import os
import pathlib
import re
import subprocess
import sys

import numpy as np
import pytest

import funcgrad as fg
from funcgrad.backend import config

ROOT = pathlib.Path(__file__).resolve().parent.parent
FLAGS = {"FUNCGRAD_LOG_COMPILES": config.log_compiles,
         "FUNCGRAD_DISABLE_JIT": config.jit_disabled,
         "FUNCGRAD_DEBUG_NANS": config.debug_nans}


@pytest.mark.parametrize("name", sorted(FLAGS))
def test_on_off_variables(name, monkeypatch):
    read = FLAGS[name]
    monkeypatch.delenv(name, raising=False)
    assert read() is False
    for value in ("1", "true", "TRUE", "yes", "Yes", "on", " ON "):
        monkeypatch.setenv(name, value)
        assert read() is True, value
    for value in ("0", "false", "False", "no", "off", "OFF", "", "  "):
        monkeypatch.setenv(name, value)
        assert read() is False, value
    for value in ("2", "maybe", "enabled", "-1", "y"):
        monkeypatch.setenv(name, value)
        with pytest.raises(ValueError, match=rf"^{name}='{re.escape(value)}' is neither on "
                                             r"nor off; set it to 1 to turn it on or 0"):
            read()


def test_tiered_is_on_unless_set_off(monkeypatch):
    monkeypatch.delenv("FUNCGRAD_TIERED")
    assert config.tiered() is True
    for value, want in (("", True), ("1", True), ("on", True), ("0", False), ("OFF", False)):
        monkeypatch.setenv("FUNCGRAD_TIERED", value)
        assert config.tiered() is want, value
    monkeypatch.setenv("FUNCGRAD_TIERED", "sometimes")
    with pytest.raises(ValueError, match=r"^FUNCGRAD_TIERED='sometimes' is neither on nor off"):
        config.tiered()


def test_memory_cache_entries(monkeypatch):
    monkeypatch.delenv("FUNCGRAD_MEMORY_CACHE_ENTRIES", raising=False)
    assert config.memory_cache_entries() == 1024
    monkeypatch.setenv("FUNCGRAD_MEMORY_CACHE_ENTRIES", " 7 ")
    assert config.memory_cache_entries() == 7
    for value in ("0", "-3", "1.5", "many"):
        monkeypatch.setenv("FUNCGRAD_MEMORY_CACHE_ENTRIES", value)
        with pytest.raises(ValueError, match=rf"^FUNCGRAD_MEMORY_CACHE_ENTRIES='{value}' is not "
                                             "a positive whole number; set it to how many"):
            config.memory_cache_entries()


def test_tier_up_after(monkeypatch):
    monkeypatch.delenv("FUNCGRAD_TIER_UP_AFTER", raising=False)
    assert config.tier_up_after() == 0.5
    for value, want in ((" 0 ", 0.0), ("2.5", 2.5), ("1e-3", 1e-3)):
        monkeypatch.setenv("FUNCGRAD_TIER_UP_AFTER", value)
        assert config.tier_up_after() == want
    for value in ("-1", "soon", "nan", "inf"):
        monkeypatch.setenv("FUNCGRAD_TIER_UP_AFTER", value)
        with pytest.raises(ValueError, match=rf"^FUNCGRAD_TIER_UP_AFTER='{value}' is not a "
                                             "number of seconds >= 0; set it to how long"):
            config.tier_up_after()


def test_cache_max_mb(monkeypatch):
    monkeypatch.delenv("FUNCGRAD_CACHE_MAX_MB", raising=False)
    assert config.cache_max_bytes() == 512 * 2**20
    monkeypatch.setenv("FUNCGRAD_CACHE_MAX_MB", " ")
    assert config.cache_max_bytes() == 512 * 2**20
    monkeypatch.setenv("FUNCGRAD_CACHE_MAX_MB", "1.5")
    assert config.cache_max_bytes() == 1.5 * 2**20
    monkeypatch.setenv("FUNCGRAD_CACHE_MAX_MB", "2048")
    assert config.cache_max_bytes() == 2 * 2**30
    for value in ("abc", "-1", "0", "-0.5", "nan", "inf", "12MB"):
        monkeypatch.setenv("FUNCGRAD_CACHE_MAX_MB", value)
        with pytest.raises(ValueError, match=rf"^FUNCGRAD_CACHE_MAX_MB='{value}' is not a "
                                             r"positive number of megabytes; set it to"):
            config.cache_max_bytes()


def test_a_bad_cache_size_stops_the_first_compile_with_its_message(private_cache, monkeypatch):
    # before: a raw float() traceback ('abc'), or (-1) the new entry evicted, then a warning
    # that the cache directory is unusable
    fg.clear_cache()  # a compile must happen (not a hit in this process's memory)
    monkeypatch.setenv("FUNCGRAD_CACHE_MAX_MB", "-1")
    with pytest.raises(ValueError, match=r"FUNCGRAD_CACHE_MAX_MB='-1' is not a positive"):
        fg.jit(lambda x: x * 3.0 - 1.0)(np.ones(2))


def test_cache_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("FUNCGRAD_CACHE_DIR", str(tmp_path))
    assert config.cache_dir() == str(tmp_path)
    monkeypatch.setenv("FUNCGRAD_CACHE_DIR", "")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert config.cache_dir() == str(tmp_path / "xdg" / "funcgrad")


def test_a_bad_flag_at_import_names_itself():
    env = dict(os.environ, FUNCGRAD_DISABLE_JIT="sometimes")
    proc = subprocess.run([sys.executable, "-c", "import funcgrad"], env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0
    assert "ValueError: FUNCGRAD_DISABLE_JIT='sometimes' is neither on nor off" in proc.stderr


def _variables_read_in(path):
    return set(re.findall(r'"(FUNCGRAD_[A-Z_]+)"', path.read_text()))


def test_every_variable_is_documented():
    read = _variables_read_in(ROOT / "funcgrad" / "backend" / "config.py")
    assert read >= {"FUNCGRAD_CACHE_DIR", "FUNCGRAD_CACHE_MAX_MB", "FUNCGRAD_COMPILE_WORKERS",
                    "FUNCGRAD_TIERED", "FUNCGRAD_MEMORY_CACHE_ENTRIES", "FUNCGRAD_DEBUG_NANS",
                    "FUNCGRAD_DISABLE_JIT", "FUNCGRAD_LOG_COMPILES", "FUNCGRAD_TIER_UP_AFTER"}
    # config.py is the one module that reads them (doctests aside)
    for f in (ROOT / "funcgrad").rglob("*.py"):
        if f.name != "config.py":
            reads = [ln for ln in f.read_text().splitlines()
                     if "FUNCGRAD_" in ln and re.search(r"environ|getenv", ln)
                     and not ln.strip().startswith(">>>")]
            assert not reads, (f, reads)
    docs = (ROOT / "docs" / "jit.md").read_text()
    section = docs.split("\n## Environment variables\n", 1)[1].split("\n## ", 1)[0]
    for name in read:
        assert f"`{name}`" in section, name
        assert f"``{name}``" in config.__doc__, name
