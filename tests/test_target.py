"""The vector width of compiled code (``funcgrad/backend/target.py``): 512-bit vectors where the
CPU has AVX-512 unless FUNCGRAD_VECTOR_WIDTH=256, the same features in Numba's compiler and in
the variable child processes inherit, the user's NUMBA_CPU_FEATURES left alone, and the same
results at either width."""
import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

PROG = textwrap.dedent("""
    import json, os
    import numpy as np, funcgrad as fg, funcgrad.numpy as fnp
    from numba.core import registry
    x = np.linspace(-3.0, 3.0, 1001)
    f = lambda x: fnp.sum(fnp.tanh(x) * fnp.sin(x) + fnp.exp(-x ** 2))
    v, g = fg.jit(fg.value_and_grad(f))(x)
    print(json.dumps({"value": float(v), "grad": g.tolist(),
                      "exported": os.environ["NUMBA_CPU_FEATURES"],
                      "numba": registry.cpu_target.target_context.codegen().magic_tuple()[2]}))
""")


def _run(tmp_path, **env):
    base = {k: v for k, v in os.environ.items() if k != "NUMBA_CPU_FEATURES"}
    env = {**base, "FUNCGRAD_CACHE_DIR": str(tmp_path), "FUNCGRAD_TIERED": "0", **env}
    r = subprocess.run([sys.executable, "-c", PROG], env=env, capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def _host_features():
    import llvmlite.binding as ll
    ll.initialize_native_target()
    return ll.get_host_cpu_features().flatten()


def test_either_width_gives_the_same_numbers_and_children_inherit_it_unless_user_set(tmp_path):
    host = _host_features()
    wide, narrow = _run(tmp_path), _run(tmp_path, FUNCGRAD_VECTOR_WIDTH="256")
    for run in (wide, narrow):
        assert run["exported"] == run["numba"]  # what child processes get is what runs here
    assert narrow["numba"] == host
    assert wide["numba"] == (host + ",-prefer-256-bit" if "+avx512f" in host.split(",") else host)
    x = np.linspace(-3.0, 3.0, 1001)
    t, s, e = np.tanh(x), np.sin(x), np.exp(-x * x)
    want_grad = (1 - t * t) * s + t * np.cos(x) - 2 * x * e
    for run in (wide, narrow):
        np.testing.assert_allclose(run["value"], np.sum(t * s + e), rtol=1e-13)
        np.testing.assert_allclose(run["grad"], want_grad, rtol=1e-13, atol=1e-15)
    # the user's own setting is left alone (the same features as narrow: loaded from the cache)
    users = _run(tmp_path, NUMBA_CPU_FEATURES=host)
    assert users["exported"] == users["numba"] == host


def test_a_bad_width_says_what_to_set(monkeypatch):
    from funcgrad.backend import config
    monkeypatch.setenv("FUNCGRAD_VECTOR_WIDTH", "1024")
    with pytest.raises(ValueError, match="FUNCGRAD_VECTOR_WIDTH='1024' is neither 512 nor 256"):
        config.vector_width()
