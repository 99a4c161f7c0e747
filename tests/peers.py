"""Reference values from JAX and Optax, computed in a child process.

JAX starts threads when imported; a test process that had imported it could no longer fork
safely, and funcgrad's parallel compile (which refuses to fork beside JAX) would change
behaviour for every later test. So the peers run in a fresh interpreter: arrays go in and come
back through ``.npz`` files, in float64 (``JAX_ENABLE_X64``).
"""
import importlib.util
import os
import subprocess
import sys
import tempfile
import textwrap

import numpy as np
import pytest


def run_peer(modules, code, **inputs):
    """Run ``code`` in a new Python with ``inputs`` in the dict ``I``; ``code`` fills the dict
    ``out`` with arrays, which are returned. Skips the test when a module is not installed."""
    for m in modules:
        if importlib.util.find_spec(m) is None:
            pytest.skip(f"{m} is a benchmark peer, not installed")
    with tempfile.TemporaryDirectory() as d:
        src, dst = os.path.join(d, "in.npz"), os.path.join(d, "out.npz")
        np.savez(src, **inputs)
        script = (f"import numpy as np\nI = dict(np.load({src!r}))\nout = {{}}\n"
                  f"{textwrap.dedent(code)}\nnp.savez({dst!r}, **out)\n")
        env = dict(os.environ, JAX_ENABLE_X64="1", JAX_PLATFORMS="cpu")
        proc = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                              text=True, timeout=300)
        assert proc.returncode == 0, proc.stderr[-3000:]
        with np.load(dst) as f:
            return {k: f[k] for k in f.files}
