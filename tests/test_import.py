"""`import funcgrad` stays cheap: what it must not import, checked in a fresh process (the
time itself is measured in benchmarks/, not asserted here)."""
import subprocess
import sys
import textwrap

import numpy as np
import pytest

HEAVY = ("scipy", "numba", "llvmlite", "matplotlib", "safetensors", "sklearn", "dask")

PROG = textwrap.dedent("""
    import sys
    import numpy as np
    import funcgrad as fg, funcgrad.numpy as fnp
    heavy = %r
    def loaded():
        return sorted(m for m in heavy if m in sys.modules)
    print("import", *loaded())
    g = fg.grad(lambda x: fnp.sum(fnp.tanh(x) ** 2))(np.linspace(-1.0, 1.0, 5))
    ir = fg.make_ir(lambda x: fnp.sin(x) @ x)(np.ones((3, 3)))
    print("trace", *loaded())
    print(repr(float(g.sum())))
""")


def test_import_and_tracing_load_no_compiler_and_no_scipy():
    r = subprocess.run([sys.executable, "-c", PROG % (HEAVY,)], capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    after_import, after_trace, value = r.stdout.splitlines()
    assert after_import == "import"  # nothing heavy: scipy.linalg alone was ~250 ms of it
    assert after_trace == "trace"  # eager grad and tracing need neither Numba nor SciPy
    x = np.linspace(-1.0, 1.0, 5)
    assert float(value) == pytest.approx(np.sum(2 * np.tanh(x) * (1 - np.tanh(x) ** 2)),
                                         rel=1e-14)
