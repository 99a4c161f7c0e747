"""Long main functions: split into pieces that Python calls in order, compiled at once in forked
processes that share the disk cache. Whatever the processes do, results are those of the NumPy
evaluator; what they save is time (the W5 benchmark measures it)."""
import json
import os
import subprocess
import sys
import textwrap
import time

import numba
import numpy as np
import pytest

import funcgrad as fg
from funcgrad.backend import codegen, parallel, pieces

# A float32 MLP training step with Adam, like the W2 benchmark at small sizes, with one hidden
# layer instead of two, and the thresholds for cutting a main function lowered so that its
# ~300 generated lines are cut into two pieces (what is tested is the cutting, not the
# size: each compile of the two-layer step with the default thresholds cost ~9 s).
STEP = textwrap.dedent("""
    import numpy as np, funcgrad as fg, funcgrad.numpy as fnp, funcgrad.optim as optim
    from funcgrad.backend import cache

    def loss(p, x, y):
        h = x
        for k in range(2):
            h = h @ p[f"w{k}"] + p[f"b{k}"]
            h = fnp.maximum(h, 0.0) if k < 1 else h
        z = h - fnp.max(h, axis=1, keepdims=True)
        logp = z - fnp.log(fnp.sum(fnp.exp(z), axis=1, keepdims=True))
        return -fnp.mean(fnp.sum(y * logp, axis=1))

    rng = np.random.default_rng(0)
    sizes = [6, 9, 4]
    params = {}
    for k, (m, n) in enumerate(zip(sizes[:-1], sizes[1:])):
        params[f"w{k}"] = (rng.normal(size=(m, n)) / np.sqrt(m)).astype(np.float32)
        params[f"b{k}"] = np.zeros(n, np.float32)
    x = rng.normal(size=(5, 6)).astype(np.float32)
    y = np.eye(4, dtype=np.float32)[rng.integers(0, 4, 5)]
    opt = optim.adam(1e-2)

    def step(params, state, x, y):
        g = fg.grad(loss)(params, x, y)
        u, state = opt.update(g, state, params)
        return optim.apply_updates(params, u), state
""")


CUT_AT = {"MAIN_MAX_LINES": 100, "MAIN_PIECE_LINES": 150}  # lowered thresholds (see STEP)


def _reference_and_jitted():
    ns = {}
    exec(STEP, ns)
    return ns


def test_a_long_step_compiles_its_pieces_in_other_processes_and_matches_numpy(tmp_path):
    cut = f"from funcgrad.backend import pieces\nvars(pieces).update({CUT_AT!r})\n"
    prog = "import json\n" + STEP + cut + textwrap.dedent("""
        jstep = fg.jit(step)
        (p1, s1) = jstep(params, opt.init(params), x, y)
        (p2, s2) = step(params, opt.init(params), x, y)
        for a, b in zip(fg.tree_leaves((p1, s1)), fg.tree_leaves((p2, s2))):
            assert a.dtype == b.dtype, (a.dtype, b.dtype)
            np.testing.assert_allclose(a, b, rtol=2e-5, atol=1e-6)
        fn = next(iter(cache.memory.values()))
        pieces = fn.__funcgrad_pieces__
        print(json.dumps({"sigs": [len(d.signatures) for d, _ in pieces],
                          "hits": [sum(d.stats.cache_hits.values()) for d, _ in pieces]}))
    """)
    env = dict(os.environ, FUNCGRAD_CACHE_DIR=str(tmp_path), FUNCGRAD_LOG_COMPILES="1",
               FUNCGRAD_COMPILE_WORKERS="2")
    runs = []
    for _ in range(2):  # cold cache, then a new process that loads every piece from disk
        r = subprocess.run([sys.executable, "-c", prog], env=env, capture_output=True,
                           text=True, timeout=600)
        assert r.returncode == 0, r.stderr
        runs.append((json.loads(r.stdout), r.stderr))
    (cold, cold_log), (warm, warm_log) = runs
    n = len(cold["sigs"])
    # the types guessed before the call were the call's: one signature per piece
    assert n >= 2 and cold["sigs"] == [1] * n
    hits = cold["hits"]  # compiled here: the first piece; by a child: loaded from the cache
    assert hits[0] == 0 and sum(hits) >= 1
    assert f"compiled ({n} pieces, {sum(hits)} compiled by other processes)" in cold_log
    assert warm["sigs"] == [1] * n and warm["hits"] == [1] * n
    assert "loaded compiled code from the disk cache" in warm_log


@pytest.fixture
def long_step(private_cache, monkeypatch):
    monkeypatch.setenv("FUNCGRAD_COMPILE_WORKERS", "2")
    monkeypatch.setenv("FUNCGRAD_LOG_COMPILES", "1")
    for name, lines in CUT_AT.items():
        monkeypatch.setattr(pieces, name, lines)
    ns = _reference_and_jitted()
    args = (ns["params"], ns["opt"].init(ns["params"]), ns["x"], ns["y"])
    return ns["step"], args


def _check(jitted, step, args):
    for a, b in zip(fg.tree_leaves(jitted(*args)), fg.tree_leaves(step(*args))):
        assert a.dtype == b.dtype
        np.testing.assert_allclose(a, b, rtol=2e-5, atol=1e-6)


def test_a_failed_compile_process_costs_time_not_results(long_step, monkeypatch, capfd):
    step, args = long_step

    def fork_and_fail(group):  # a child that dies before compiling anything
        pid = os.fork()
        if pid == 0:
            os._exit(3)
        return pid

    monkeypatch.setattr(parallel, "_fork_compile", fork_and_fail)
    monkeypatch.setattr(parallel, "can_fork", lambda dispatchers: True)
    _check(fg.jit(step), step, args)
    assert "0 compiled by other processes" in capfd.readouterr().err


def test_no_process_to_fork_compiles_here(long_step, monkeypatch, capfd):
    step, args = long_step

    def no_fork(group):
        raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(parallel, "_fork_compile", no_fork)
    monkeypatch.setattr(parallel, "can_fork", lambda dispatchers: True)
    _check(fg.jit(step), step, args)
    assert "0 compiled by other processes" in capfd.readouterr().err


def test_a_stuck_compile_process_is_killed_at_the_deadline():
    pid = os.fork()
    if pid == 0:
        time.sleep(60)
        os._exit(0)
    t = time.monotonic()
    assert parallel._wait([pid], deadline=t + 0.3) == [False]
    assert time.monotonic() - t < 5
    with pytest.raises(ChildProcessError):  # killed and reaped: no zombie left
        os.waitpid(pid, 0)


def test_without_forking_the_pieces_compile_here(long_step, monkeypatch, capfd):
    step, args = long_step
    monkeypatch.setenv("FUNCGRAD_COMPILE_WORKERS", "1")
    jitted = fg.jit(step)
    _check(jitted, step, args)
    log = capfd.readouterr().err
    assert "0 compiled by other processes" in log and "pieces" in log


def test_types_guessed_wrong_cost_a_compile_not_an_error(long_step, monkeypatch):
    step, args = long_step
    monkeypatch.setenv("FUNCGRAD_COMPILE_WORKERS", "1")
    # every argument guessed to be an int64: Numba cannot type the pieces for that
    monkeypatch.setattr(parallel, "signature", lambda specs, args: (numba.int64,) * len(specs))
    _check(fg.jit(step), step, args)


def test_piece_signatures_follow_the_specs():
    args = (np.ones((2, 3), np.float32).T, np.float32(2.0), 3)
    specs = [("arg", 0), ("arg", 1), ("arg", 2), ("array", "float32", 2),
             ("scalar", "float32"), ("array", "bool", 1)]
    sig = parallel.signature(specs, args)
    assert sig == (numba.typeof(args[0]), numba.float32, numba.int64,
                   numba.types.Array(numba.float32, 2, "C"), numba.float32,
                   numba.types.Array(numba.boolean, 1, "C"))
    assert sig[0].layout == "F"
    assert parallel.signature([("arg", 0), None], args) is None


def _chain_layout():
    """A function of 8 statements, one block each; ``t`` is a view (its layout is unknown)."""
    stmts = [("b = a * 2.0", "a", "b"), ("c = b + 1.0", "b", "c"), ("d = c - a", "ca", "d"),
             ("t = c[::-1]", "c", "t"), ("e = t * s", "ts", "e"), ("f = e + b", "eb", "f"),
             ("g = f * c", "fc", "g"), ("h = g - d", "gd", "h")]
    blocks = []
    for line, reads, defines in stmts:
        b = pieces.Block()
        b.lines, b.reads, b.defines = ["    # " + line, "    " + line], set(reads), {defines}
        blocks.append(b)
    blocks[0].lines.append("    b = b * p0")  # reads a size from P
    blocks[0].tables.add("p0")
    ret = pieces.Block()
    ret.lines, ret.reads = ["    return (h, e, )"], {"h", "e"}
    return pieces.Layout("fn", ["a", "s"], blocks, ret, {"p0": "p0 = P[0]"})


def test_cuts_avoid_values_of_unknown_type_and_keep_float32_scalars():
    layout = _chain_layout()
    types = {n: ("array", "float64", 1) for n in "bcdefgh"}
    fns, made = pieces.assemble(layout, types, max_lines=3, piece_lines=4)
    texts = [f.text for f in fns]
    assert len(made) == 2 and texts[-1].startswith(pieces.CHAIN_MARK)
    assert [f.native for f in fns] == [True, True, False]
    # the halfway cut, after t (a view: its type is not known), moved one statement up
    assert "t" not in texts[1].splitlines()[0] and "    t = c[::-1]" in texts[1]
    assert all(None not in p.specs for p in made)
    assert made[0].specs == [("arg", 0), ("arg", 2), ("arg", 3), ("arg", 4)]
    assert "p0 = P[0]" in texts[0] and "p0 = P[0]" not in texts[1]  # a piece reads its sizes
    ns = {"np": np}
    for t in texts:
        exec(t, ns)
    a = np.arange(4.0)
    want = {}
    exec(layout.whole(), want)
    P = np.array([4])
    for got, ref in zip(ns["fn"](a, 0.5, P, None, None), want["fn"](a, 0.5, P, None, None)):
        np.testing.assert_array_equal(got, ref)
    # a float32 scalar passed through Python is handed to the next piece as float32 again
    assert pieces._retyped("s2", ("scalar", "float32")) == "np.float32(s2)"
    assert pieces._retyped("x", ("scalar", "float64")) == "x"


def test_a_compiled_chain_keeps_the_signature_and_cuts_greedily():
    fns, made = pieces.assemble(_chain_layout(), max_lines=3, piece_lines=3)
    assert made == [] and all(f.native for f in fns) and len(fns) == 4
    assert fns[-1].text.startswith("def fn(a, s, P, F64, F32):")
    ns = {"np": np}
    for f in fns:
        exec(f.text, ns)
    h, e = ns["fn"](np.arange(4.0), 0.5, np.array([4]), None, None)
    np.testing.assert_array_equal(e, (np.arange(4.0) * 8 + 1)[::-1] * 0.5)


def test_chain_module_runs_in_python_and_pieces_are_compiled():
    src = fg.jit(lambda x: x).source(1.0)  # short: no chain, one compiled function
    assert pieces.CHAIN_MARK not in src
    main = pieces.Function("fn", pieces.CHAIN_MARK + "\ndef fn(a):\n    return fn__1(a)\n",
                           native=False)
    piece = pieces.Function("fn__1", "def fn__1(a):\n    return a\n")
    text = codegen.Source([piece, main], {"x": "1"}, "fn", [], [], []).file_text()
    assert pieces.CHAIN_MARK + "\ndef fn(" in text  # undecorated
    assert text.count("@njit") == 1 and "@njit(cache=True" in text.split("def fn__1")[0]


def test_no_fork_beside_threads_or_jax(monkeypatch):
    d = type("Dispatcher", (), {"_cache": object()})()  # one with a disk cache
    # (tiered execution's threads may be running by now: pretend this is the only one)
    monkeypatch.setattr(parallel.threading, "active_count", lambda: 1)
    assert parallel.can_fork([d])
    monkeypatch.setitem(sys.modules, "jax", object())
    assert not parallel.can_fork([d])
    monkeypatch.delitem(sys.modules, "jax")
    monkeypatch.setattr(parallel.threading, "active_count", lambda: 2)
    assert not parallel.can_fork([d])


def test_a_bad_worker_count_says_what_to_set(monkeypatch):
    from funcgrad.backend import config
    monkeypatch.setenv("FUNCGRAD_COMPILE_WORKERS", "two")
    with pytest.raises(ValueError, match="FUNCGRAD_COMPILE_WORKERS='two' is not a whole number"):
        config.compile_workers()
    monkeypatch.setenv("FUNCGRAD_COMPILE_WORKERS", "0")
    assert config.compile_workers() == 1
