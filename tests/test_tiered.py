"""Tiered execution: the NumPy evaluator answers a new jitted function's calls while another
process compiles it; the disk cache hands the code over; the switch keeps the results (to
rounding), happens once with threads, survives a failed compile or no compile process, and
leaves no process behind when the interpreter exits."""
import os
import re
import subprocess
import sys
import textwrap
import time
import warnings

import numpy as np
import pytest
from threads import run_threads

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.backend import cache, codegen, tiered
from funcgrad.backend.runner import NativeRunner
from funcgrad.core.interpret import eval_ir, evaluator


@pytest.fixture
def tiers(private_cache, monkeypatch):
    """Tiered execution on (the suite turns it off), with a cache directory of the test's; the
    native code is asked for at the first call (``test_*_tier_up_*`` test the default)."""
    monkeypatch.setenv("FUNCGRAD_TIERED", "1")
    monkeypatch.setenv("FUNCGRAD_TIER_UP_AFTER", "0")
    return private_cache


def _runner(f):
    (plan,) = f._plans.values()
    return plan


def loss(w, x, y):
    return fnp.mean((fnp.tanh(x @ w) - y) ** 2) + 0.01 * fnp.sum(w * w)


def _data(seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(3, 2)), rng.normal(size=(8, 3)), rng.normal(size=(8, 2))


def test_first_calls_are_answered_by_numpy_then_the_compiled_code(tiers, capfd, monkeypatch):
    monkeypatch.setenv("FUNCGRAD_LOG_COMPILES", "1")
    vg = fg.jit(fg.value_and_grad(loss))
    w, x, y = _data()
    want_v, want_g = fg.value_and_grad(loss)(w, x, y)  # the reference: no jit
    t0 = time.perf_counter()
    v, g = vg(w, x, y)
    first = time.perf_counter() - t0
    run = _runner(vg)
    assert isinstance(run, NativeRunner) and run.fn is None  # answered before any compile
    assert first < 2.0, first  # (a compile takes seconds; the evaluator milliseconds)
    assert v == pytest.approx(want_v, rel=1e-13)
    np.testing.assert_allclose(g, want_g, rtol=1e-12)
    assert vg.wait_compiled(timeout=300)
    v2, g2 = vg(w, x, y)  # the switch: the dispatch table now holds the fast path
    assert not isinstance(_runner(vg), NativeRunner) and run.fn is not None
    assert v2 == pytest.approx(want_v, rel=1e-13)
    np.testing.assert_allclose(g2, want_g, rtol=1e-12)
    err = capfd.readouterr().err
    assert "the NumPy evaluator answers the calls until the native code is ready" in err
    assert "switched to compiled code (compiled in another process)" in err
    assert err.count("switched to compiled code") == 1


def test_a_function_that_runs_briefly_never_asks_for_native_code(tiers, monkeypatch):
    # the default rule: the evaluator answers until it has spent FUNCGRAD_TIER_UP_AFTER
    # seconds on the function (far more than these calls take); nor is its module generated
    # meanwhile (a third of a training step's first call), in a process that has compiled
    # nothing (else a first call looks for its module among the compiled ones)
    monkeypatch.setenv("FUNCGRAD_TIER_UP_AFTER", "600")
    monkeypatch.setattr(cache, "memory", cache.Bounded())
    generated = []
    generate = codegen.generate
    monkeypatch.setattr(codegen, "generate", lambda *a: generated.append(a) or generate(*a))
    vg = fg.jit(fg.value_and_grad(loss))
    w, x, y = _data(1)
    want_v, want_g = fg.value_and_grad(loss)(w, x, y)
    for _ in range(3):
        v, g = vg(w, x, y)
        assert v == pytest.approx(want_v, rel=1e-13)
        np.testing.assert_allclose(g, want_g, rtol=1e-12)
    run = _runner(vg)
    assert run.handover is None and run.evaluated_calls == 3 and 0 < run.evaluated < 600
    assert not generated
    assert vg.wait_compiled(timeout=300)  # asking for it starts it at once
    assert len(generated) == 1
    v2, g2 = vg(w, x, y)
    assert run.fn is not None and not isinstance(_runner(vg), NativeRunner)
    assert v2 == pytest.approx(want_v, rel=1e-13)
    np.testing.assert_allclose(g2, want_g, rtol=1e-12)


def test_the_evaluators_time_past_the_limit_starts_the_tier_up(tiers, monkeypatch, capfd):
    monkeypatch.setenv("FUNCGRAD_LOG_COMPILES", "1")
    monkeypatch.setenv("FUNCGRAD_TIER_UP_AFTER", "1e-12")  # any call takes longer
    f = fg.jit(lambda x: fnp.sin(x) * 3.0)
    x = np.linspace(0, 1, 5)
    np.testing.assert_allclose(f(x), np.sin(x) * 3.0, rtol=1e-15)
    run = _runner(f)
    assert run.handover is not None and run.evaluated_calls == 1
    assert f.wait_compiled(timeout=300)
    np.testing.assert_allclose(f(x), np.sin(x) * 3.0, rtol=1e-14)
    err = capfd.readouterr().err
    assert re.search(r"the NumPy evaluator answers the calls until the native code is ready "
                     r"\(it answered 1 in \d+\.\d\d s before asking for it\)", err), err


def test_a_compile_is_asked_for_later_than_a_load_from_the_disk_cache(tiers, monkeypatch):
    # the evaluator's time is set by hand: past FUNCGRAD_TIER_UP_AFTER, the code is loaded if
    # the disk cache has it; a compile waits until COMPILE_AFTER times that
    from funcgrad.backend import cache
    from funcgrad.backend.runner import COMPILE_AFTER
    monkeypatch.setenv("FUNCGRAD_TIER_UP_AFTER", "100")
    x = np.linspace(0, 1, 5)

    def call_after(f, seconds):  # a call once the evaluator has spent ``seconds`` on f
        run = _runner(f)
        run.evaluated = seconds
        np.testing.assert_allclose(f(x), np.sin(x) * 3.0, rtol=1e-14)
        return run

    f = fg.jit(lambda x: fnp.sin(x) * 3.0)
    f(x)
    run = call_after(f, 150)
    assert run.handover is None and run.cached is False
    run = call_after(f, 100 * COMPILE_AFTER - 1)
    assert run.handover is None
    run = call_after(f, 100 * COMPILE_AFTER)
    assert run.handover is not None
    assert f.wait_compiled(timeout=300)
    assert run.handover.where == "compiled in another process"
    cache.memory.clear()  # as in a new process, whose disk cache has it
    g = fg.jit(lambda x: fnp.sin(x) * 3.0)
    g(x)
    assert _runner(g).handover is None
    run = call_after(g, 100)
    assert run.cached is True and run.handover is not None
    assert g.wait_compiled(timeout=300)
    assert run.handover.where == "loaded from the disk cache"


@pytest.mark.skipif(not sys.platform.startswith("linux"),
                    reason="reads each thread's priority from Linux's /proc (elsewhere "
                    "a process has one priority, which os.nice sets for all its threads)")
def test_every_thread_of_the_compile_process_runs_at_the_lowest_priority(tiers):
    # Linux lowers the priority of the calling thread only: a thread started before (an
    # OpenBLAS thread at NumPy's import) would compete with the user's process
    f = fg.jit(lambda x: fnp.cos(x) * 2.0)
    f(np.ones(3))
    assert f.wait_compiled(timeout=300)
    me = str(os.getpid())

    def stat(path):  # the fields after the command's name, which may hold spaces
        with open(path) as fh:
            return fh.read().rsplit(")", 1)[1].split()

    kids = [p for p in os.listdir("/proc") if p.isdigit() and _compile_process(p, me, stat)]
    assert kids, "no compile process"
    for pid in kids:
        nices = [int(stat(f"/proc/{pid}/task/{tid}/stat")[16])
                 for tid in os.listdir(f"/proc/{pid}/task")]
        assert nices and set(nices) == {19}, (pid, nices)


def _compile_process(pid, parent, stat):
    """Whether ``pid`` is a compile process of ``parent`` (not a zombie of another test's)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            is_worker = b"funcgrad.backend.worker" in fh.read()
        return is_worker and stat(f"/proc/{pid}/stat")[1] == parent
    except OSError:  # ended meanwhile
        return False


def test_a_module_counts_as_cached_only_with_every_piece_compiled(private_cache):
    # a compile killed at exit may leave the machine code of some pieces and not the others;
    # loading such a module would compile the rest in the user's process
    from funcgrad.backend import cache, pieces
    main = pieces.Function("fn", pieces.CHAIN_MARK + "\ndef fn(a, P, F64, F32):\n"
                           "    (b, ) = fn__1(a, P, F64, F32)\n"
                           "    return fn__2(b, P, F64, F32)\n", native=False)
    parts = [pieces.Function(f"fn__{i}", f"def fn__{i}(a, P, F64, F32):\n    return (a, )\n")
             for i in (1, 2)]
    source = codegen.Source(parts + [main], {}, "fn", [], [], [],
                            [pieces.Piece(f"fn__{i}", [("arg", 0)], 2) for i in (1, 2)])
    path = os.path.join(cache.root(), f"fg_{cache.code_key(source.file_text())}.py")
    numba_dir = os.path.join(os.path.dirname(path), "__pycache__")
    os.makedirs(numba_dir)
    assert not tiered.in_disk_cache(source)
    with open(path, "w") as f:
        f.write(source.file_text())
    stem = os.path.join(numba_dir, os.path.basename(path)[:-3])
    for name in (f"{stem}.fn__1-1.py311.nbi", f"{stem}.fn__1-1.py311.1.nbc",
                 f"{stem}.fn__2-4.py311.nbi"):  # piece 2: an index and no machine code
        open(name, "w").close()
    assert cache.compiled_functions(path) == {"fn__1"}
    assert not tiered.in_disk_cache(source)
    open(f"{stem}.fn__2-4.py311.1.nbc", "w").close()
    assert tiered.in_disk_cache(source)


def test_a_new_process_loads_the_code_another_compiled(tiers):
    script = textwrap.dedent("""
        import sys, numpy as np, funcgrad as fg, funcgrad.numpy as fnp
        f = fg.jit(lambda a: fnp.sum(fnp.sin(a) ** 2))
        a = np.linspace(0, 3, 7)
        first = f(a)
        assert f.wait_compiled(timeout=300)
        print(repr(float(first)), repr(float(f(a))), list(f._plans.values())[0].__name__)
    """)
    want = np.sum(np.sin(np.linspace(0, 3, 7)) ** 2)
    env = dict(os.environ, FUNCGRAD_CACHE_DIR=str(tiers), FUNCGRAD_LOG_COMPILES="1")
    for where in ("compiled in another process", "loaded from the disk cache"):
        out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                             text=True, timeout=300)
        assert out.returncode == 0, out.stderr
        first, later, name = out.stdout.split()
        assert float(first) == pytest.approx(want, rel=1e-14)
        assert float(later) == pytest.approx(want, rel=1e-14)
        assert name == "run" and f"switched to compiled code ({where})" in out.stderr


def test_eight_threads_at_the_first_call_compile_once(tiers, monkeypatch):
    jobs = []
    submit = tiered._process.submit
    monkeypatch.setattr(tiered._process, "submit", lambda job: (jobs.append(job), submit(job)))
    f = fg.jit(lambda a, b: fnp.cumsum(a * b) - fnp.max(a))
    rng = np.random.default_rng(1)
    inputs = [(rng.normal(size=40), rng.normal(size=40)) for _ in range(8)]
    results = [None] * 8

    def work(k):
        a, b = inputs[k]
        results[k] = [f(a, b) for _ in range(20)]

    assert not run_threads(work, 8)
    assert f.wait_compiled(timeout=300)
    for k, (a, b) in enumerate(inputs):
        for r in results[k] + [f(a, b)]:
            np.testing.assert_allclose(r, np.cumsum(a * b) - np.max(a), rtol=1e-13)
    assert len(jobs) == 1 and len(f._plans) == 1


def _broken(generate):
    """``codegen.generate`` whose main function has a line Numba cannot type."""
    def gen(ir, fname="fn"):
        source = generate(ir, fname)
        main = next(f for f in source.functions if f.name == fname)
        main.text = main.text.replace("    return (", '    q = "a" + 1\n    return (')
        return source
    return gen


def test_a_failed_compile_is_reported_once_and_numpy_keeps_answering(tiers, monkeypatch):
    monkeypatch.setattr(codegen, "generate", _broken(codegen.generate))
    f = fg.jit(lambda a: fnp.exp(a) * 3.0 + 1.0)
    a = np.linspace(-1, 1, 5)
    want = np.exp(a) * 3.0 + 1.0
    np.testing.assert_allclose(f(a), want, rtol=1e-15)
    assert f.wait_compiled(timeout=300) is False
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(3):
            np.testing.assert_allclose(f(a), want, rtol=1e-15)
    (w,) = caught
    assert w.category is RuntimeWarning
    text = str(w.message)
    assert text.startswith("funcgrad: <lambda>: first call: funcgrad could not compile this "
                           "function: the equation `")
    assert "This is a funcgrad bug" in text
    assert text.endswith("The NumPy evaluator keeps answering this function's calls.")
    assert w.filename == __file__  # the user's line


def test_without_a_compile_process_this_process_compiles(tiers, monkeypatch, capfd):
    monkeypatch.setenv("FUNCGRAD_LOG_COMPILES", "1")
    fresh = tiered.CompileProcess()
    monkeypatch.setattr(tiered, "_process", fresh)
    monkeypatch.setattr(sys, "executable", os.path.join(str(tiers), "no-such-python"))
    f = fg.jit(lambda a: fnp.log1p(a * a) - 0.5)
    a = np.linspace(0, 2, 6)
    want = np.log1p(a * a) - 0.5
    np.testing.assert_allclose(f(a), want, rtol=1e-15)
    assert f.wait_compiled(timeout=300)
    np.testing.assert_allclose(f(a), want, rtol=1e-13, atol=1e-16)
    assert "switched to compiled code (compiled in this process (the compile process could " \
           "not hand it over))" in capfd.readouterr().err


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is dead too (its parent, the test's child, is gone: init reaps it soon)
        with open(f"/proc/{pid}/stat") as st:
            return st.read().split(") ")[1][0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"),
                    reason="finds the compile process through Linux's /proc")
@pytest.mark.parametrize("how", ["exit", "killed"])
def test_the_compile_process_ends_with_the_user_process(tiers, how):
    """At exit in the middle of a compile (atexit), or killed (end of input, death signal):
    no orphan process; the cache holds whole entries or none (a later run is correct)."""
    script = textwrap.dedent(f"""
        import io, os, signal, sys, time, numpy as np, funcgrad as fg, funcgrad.numpy as fnp
        from funcgrad.backend import tiered
        sys.stdout.flush()
        out = os.fdopen(os.dup(1), "w")
        sys.stdout = sys.stderr = io.StringIO()  # as in Jupyter: no real files behind them
        f = fg.jit(lambda a: fnp.sum(fnp.tanh(a) * fnp.cosh(a)))
        f(np.ones(4))
        while tiered._process.proc is None:
            time.sleep(0.01)
        print(tiered._process.proc.pid, file=out, flush=True)
        time.sleep(0.3)
        if {how == "killed"}:
            os.kill(os.getpid(), signal.SIGKILL)
    """)
    env = dict(os.environ, FUNCGRAD_CACHE_DIR=str(tiers), FUNCGRAD_TIERED="1")
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                         text=True, timeout=300, stdin=subprocess.DEVNULL)
    pid = int(out.stdout.split()[0])
    deadline = time.monotonic() + 20
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(pid)
    f = fg.jit(lambda a: fnp.sum(fnp.tanh(a) * fnp.cosh(a)))
    assert f(np.ones(4)) == pytest.approx(4 * np.tanh(1.0) * np.cosh(1.0), rel=1e-14)
    assert f.wait_compiled(timeout=300)
    assert f(np.ones(4)) == pytest.approx(4 * np.tanh(1.0) * np.cosh(1.0), rel=1e-14)


def test_evaluator_matches_the_reference():
    def f(x, y):
        h = fnp.tanh(x @ y) + 2.0
        return fnp.sum(h, axis=0) * fnp.max(x), fg.lax.fori_loop(0, 3, lambda i, c: c * 0.5, y)
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=(4, 3)), rng.normal(size=(3, 5))
    ir = fg.make_ir(f)(x, y)
    got, want = evaluator(ir)(list(ir.consts), [x, y]), eval_ir(ir, list(ir.consts), [x, y])
    assert len(got) == len(want) == 2
    for a, b in zip(got, want):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(got[0], np.sum(np.tanh(x @ y) + 2.0, axis=0) * np.max(x))
    np.testing.assert_allclose(got[1], y / 8)


@pytest.mark.filterwarnings("ignore:invalid value encountered in log")
def test_evaluator_checks_nans_under_debug_nans():
    ir = fg.make_ir(lambda x: fnp.log(x) * 2.0)(np.ones(2))
    with fg.debug_nans(), pytest.raises(FloatingPointError, match="log"):
        evaluator(ir)([], [np.array([1.0, -1.0])])
