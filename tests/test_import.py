"""`import funcgrad` stays cheap: what it must not import, checked in a fresh process (the
time itself is measured in benchmarks/, not asserted here)."""
import os
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


TIERED_PROG = textwrap.dedent("""
    import sys, threading
    import numpy as np
    import funcgrad as fg, funcgrad.numpy as fnp
    from funcgrad.backend import tiered
    heavy = %r
    go = threading.Event()
    load = tiered._load  # the handover thread's work: held back until the first call returned,
    tiered._load = lambda *a: (go.wait(), load(*a))  # so only this thread could import them
    f = fg.jit(lambda x: fnp.sum(fnp.tanh(x) ** 2))
    x = np.linspace(-1.0, 1.0, 5)
    first = f(x)
    print("first", *sorted(m for m in heavy if m in sys.modules))
    go.set()
    assert f.wait_compiled(300)
    print(repr(float(first)), repr(float(f(x))), "scipy.special" in sys.modules)
""")


def test_the_evaluators_first_answer_imports_no_compiler(tmp_path):
    """With tiered execution a new function's first call is answered by the NumPy evaluator:
    the calling thread traces and evaluates, importing neither Numba (~0.2 s) nor SciPy; the
    handover thread loads the compiled code (and imports Numba) in the background. The
    compiled code then needs no scipy.special: it calls none of its functions."""
    env = dict(os.environ, FUNCGRAD_TIERED="1", FUNCGRAD_CACHE_DIR=str(tmp_path))
    r = subprocess.run([sys.executable, "-c", TIERED_PROG % (HEAVY,)], capture_output=True,
                       text=True, timeout=300, env=env)
    assert r.returncode == 0, r.stderr
    after_first, values = r.stdout.splitlines()
    assert after_first == "first"
    first, compiled, special = values.split()
    want = np.sum(np.tanh(np.linspace(-1.0, 1.0, 5)) ** 2)
    assert float(first) == pytest.approx(want, rel=1e-14)
    assert float(compiled) == pytest.approx(want, rel=1e-14)
    assert special == "False"


COMPILE_PROG = textwrap.dedent("""
    import sys
    import numpy as np
    import funcgrad as fg, funcgrad.numpy as fnp
    f = fg.jit(lambda x: fnp.sum(fnp.tanh(x) ** 2))
    x = np.linspace(-1.0, 1.0, 5)
    value = f(x)
    import numba.np.arraymath as arraymath
    print(repr(float(value)), "scipy.linalg" in sys.modules, arraymath._HAVE_BLAS)
    import scipy.linalg  # Numba's own linear algebra still finds SciPy's BLAS when it compiles
    print(repr(float(fg.jit(lambda a: fnp.sum(a.dot(a)))(np.arange(3.0)))))
""")


def test_a_first_compile_imports_no_scipy_linalg(tmp_path):
    """Numba's NumPy support checks at its import (the first compile in a process) that SciPy's
    BLAS is there by importing scipy.linalg, 0.25 s here; funcgrad answers the check from
    SciPy's files. Numba sees BLAS all the same."""
    env = dict(os.environ, FUNCGRAD_TIERED="0", FUNCGRAD_CACHE_DIR=str(tmp_path))
    r = subprocess.run([sys.executable, "-c", COMPILE_PROG], capture_output=True, text=True,
                       timeout=300, env=env)
    assert r.returncode == 0, r.stderr
    first, second = r.stdout.splitlines()
    value, linalg, blas = first.split()
    x = np.linspace(-1.0, 1.0, 5)
    assert float(value) == pytest.approx(np.sum(np.tanh(x) ** 2), rel=1e-14)
    assert (linalg, blas) == ("False", "True")
    assert float(second) == 5.0
