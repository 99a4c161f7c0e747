"""Mutation testing: does `make test` catch deliberate one-line bugs?

Each mutant replaces one exact line fragment in one file. For each, this script copies the
tracked tree into a scratch folder, applies the mutant, runs the fast test suite there (the
same `pytest -m "not slow"` that `make test` runs, stopping at the first failure) with this
checkout's virtual environment, and reports whether a test failed (caught) or not (missed).

    .venv/bin/python tools/mutants.py            # all mutants (one test run each)
    .venv/bin/python tools/mutants.py 3 7        # only mutants 3 and 7
    .venv/bin/python tools/mutants.py --list

A mutant whose fragment is no longer in its file is reported as stale: update the list when
the code it names moves.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# (file, fragment, replacement, what the bug is)
MUTANTS = [
    ("funcgrad/ops/reductions.py",
     "return out, cumsum_p.bind(t, axis=axis, reverse=reverse)",
     "return out, cumsum_p.bind(t, axis=axis, reverse=False)",
     "cumsum JVP ignores reverse (every Hessian through a cumsum wrong)"),
    ("funcgrad/signatures.py", "        return x.shape, x.dtype\n", "        return x.shape\n",
     "jit dispatch key without the dtype"),
    ("funcgrad/random.py", "_ROT = (13, 15, 26, 6, 17, 29, 16, 24)",
     "_ROT = (13, 15, 26, 6, 17, 29, 16, 25)", "a Threefry rotation constant changed"),
    ("funcgrad/optim/transforms.py", "mu = tree_map(lambda g, m: b1 * m + (1 - b1) * g",
     "mu = tree_map(lambda g, m: b2 * m + (1 - b2) * g", "Adam's first moment uses b2"),
    ("funcgrad/ops/elementwise.py", "lambda x, out: 1.0 - out * out",
     "lambda x, out: 1.0 + out * out", "tanh derivative sign"),
    ("funcgrad/ops/elementwise.py", "vjp=lambda ct, primals, out: (ct, lambda: -ct))",
     "vjp=lambda ct, primals, out: (ct, lambda: ct))", "sub's VJP for y"),
    ("funcgrad/ops/elementwise.py", "lambda x, out: 1.0 / (1.0 + x), scalar=K.log1p_",
     "lambda x, out: 1.0 / x, scalar=K.log1p_", "log1p derivative"),
    ("funcgrad/ops/elementwise.py",
     "return select_p.bind(x > y, ones_like(x), select_p.bind(x == y, half_like(x),",
     "return select_p.bind(x > y, ones_like(x), select_p.bind(x == y, ones_like(x),",
     "max ties not split"),
    ("funcgrad/ops/broadcasting.py", "s = reduce_sum(ct, tuple(sorted(new_axes + stretched)))",
     "s = reduce_sum(ct, tuple(sorted(new_axes)))",
     "broadcast's VJP forgets stretched axes"),
    ("funcgrad/ops/elementwise.py", "        return f\"({x} * {x})\"",
     "        return f\"({x} * {x} * {x})\"", "compiled x**2 computes x**3"),
    ("funcgrad/ad.py", "        return self.own_derivative() or (isinstance(",
     "        return False and (isinstance(",
     "conversions no longer see derivatives (silent wrong gradients)"),
    ("funcgrad/ops/reductions.py", "return select_p.bind(no_zero, b(prod_nz) / safe,",
     "return select_p.bind(no_zero, b(prod_nz) * safe,", "prod's gradient without zeros"),
    ("funcgrad/numpy/_math.py", "    if dt.kind == \"b\" or dt.kind == \"i\" and dt.itemsize < 8:",
     "    if dt.kind == \"b\":", "int32 sums do not widen like NumPy's"),
    ("funcgrad/batching.py",
     "            return [BatchTracer(self, o, d) for o, d in zip(out, dims_out)]",
     "            return [BatchTracer(self, o, 0) for o, d in zip(out, dims_out)]",
     "vmap forgets the batch axis of multiple results"),
    ("funcgrad/ops/shape.py",
     "scatter_add_p = _scatter_primitive(\"add\", np.add.at, _linear_jvp, _add_vjp)",
     "scatter_add_p = _scatter_primitive(\"add\", _assign, _linear_jvp, _add_vjp)",
     "x.at[i].add with repeated indices keeps only one update"),
    ("funcgrad/core/nans.py",
     "    return a is None or a.dtype.kind not in \"fc\" or bool(np.isfinite(a).all())",
     "    return True", "FUNCGRAD_DEBUG_NANS never fires"),
    ("funcgrad/backend/runner.py", "        if self.evaluated >= self.tier_up_after:",
     "        if True:", "tiered execution asks for native code at every first call"),
    ("funcgrad/backend/tiered.py",
     "    wanted = {p.name for p in source.pieces} or {source.fname}",
     "    wanted = {source.fname}",
     "a module with only some pieces compiled counts as cached (compiled in the user's process)"),
    ("funcgrad/ops/openblas.py",
     "            lib.scipy_openblas_set_num_threads64_(_state[\"saved\"])", "            pass",
     "the evaluator's products leave OpenBLAS on one thread for good"),
    ("funcgrad/core/interpret.py",
     "if o not in self.made or o in ir.outs[:j]]", "if False]",
     "the evaluator hands out views of the arguments"),
]


# run first: the suites that most mutants trip (a subset of `make test`)
QUICK = ["tests/test_table.py", "tests/test_jit.py", "tests/test_conversions.py",
         "tests/test_at.py", "tests/test_debug_nans.py", "tests/test_optim.py",
         "tests/test_random.py", "tests/test_vmap.py"]


def scratch_copy():
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True,
                           check=True).stdout.decode().split("\0")
    dest = tempfile.mkdtemp(prefix="funcgrad-mutant-")
    for f in filter(None, files):
        os.makedirs(os.path.join(dest, os.path.dirname(f)), exist_ok=True)
        shutil.copy2(os.path.join(ROOT, f), os.path.join(dest, f))
    # Numba's cache of the kernel library (valid while kernels.py is unchanged: copy2 keeps
    # its timestamp), so each run does not spend minutes compiling it again
    kernels = os.path.join(ROOT, "funcgrad", "backend", "__pycache__")
    if os.path.isdir(kernels):
        shutil.copytree(kernels, os.path.join(dest, "funcgrad", "backend", "__pycache__"))
    return dest


def suite_fails(dest):
    """Whether the fast suite fails in ``dest``: the suites in QUICK run first (most mutants
    fall there, in a minute); the whole suite only when they pass. Either way the verdict is
    the fast suite's."""
    env = dict(os.environ, PYTHONPATH=dest)
    cmd = [sys.executable, "-m", "pytest", "-m", "not slow", "-x", "-q", "-p", "no:cacheprovider"]
    for extra in (QUICK, []):
        r = subprocess.run(cmd + extra, cwd=dest, env=env, capture_output=True, text=True)
        if r.returncode != 0:
            return True
    return False


def run(k, mutant):
    path, old, new, what = mutant
    dest = scratch_copy()
    try:
        target = os.path.join(dest, path)
        with open(target) as f:
            text = f.read()
        if text.count(old) != 1:
            return "stale", 0.0
        with open(target, "w") as f:
            f.write(text.replace(old, new))
        t0 = time.time()
        return ("caught" if suite_fails(dest) else "MISSED"), time.time() - t0
    finally:
        shutil.rmtree(dest, ignore_errors=True)


def main(argv):
    if "--list" in argv:
        for k, m in enumerate(MUTANTS):
            print(f"{k:2d} {m[0]}: {m[3]}")
        return 0
    chosen = [int(a) for a in argv] or range(len(MUTANTS))
    results = []
    for k in chosen:
        verdict, secs = run(k, MUTANTS[k])
        results.append(verdict)
        print(f"{k:2d} {verdict:6s} {secs:6.0f} s  {MUTANTS[k][3]}", flush=True)
    live = [v for v in results if v != "stale"]
    stale = len(results) - len(live)
    print(f"score: {live.count('caught')}/{len(live)} caught" + (f", {stale} stale" if stale
                                                                   else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
