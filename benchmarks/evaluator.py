"""The NumPy evaluator (``funcgrad.core.interpret.evaluator``: what answers a jitted function's
first calls while its native code compiles), measured two ways (issue 13 item 1):

    .venv/bin/python benchmarks/evaluator.py [repeats] [--against OTHER_CHECKOUT]

1. Per call: the evaluator's plan for the IR of W1's, W2's, W4's, W6's and W3's jitted
   function (the setups of ``first_calls.py`` and ``workloads.py``), called 200 times (W3: 20)
   in one process after a warm-up call: median and minimum, beside W3's hand-written NumPy
   (``workloads.py``) in the same process. One process per checkout, ``repeats`` rounds, the
   checkouts taken in turn.
2. W3's first call in fresh processes with tiered execution (``FUNCGRAD_TIERED=1``, the
   default): cold (a new, empty ``FUNCGRAD_CACHE_DIR``) and warm (the same directory again),
   median of ``repeats`` processes, the checkouts in turn; JAX's first call (no persistent
   cache) in the same run.

``--against``: another checkout of funcgrad (by PYTHONPATH, e.g. ``/work/main``) measured in
turn with this one: a before/after.
"""
import importlib.util
import os
import subprocess
import sys
import tempfile
import textwrap

import numpy as np
from first_calls import FG, HERE, JAX, SETUP, run

PER_CALL = """
import sys, time; sys.path.insert(0, {here!r})
import numpy as np, funcgrad as fg, funcgrad.numpy as fnp, funcgrad.optim as optim
from funcgrad.core.interpret import evaluator
from workloads import *
M, mnp, tree_map = fg, fnp, fg.tree_map
SETUP = {setup!r}

def times(call, n=20):
    call()
    out = []
    for _ in range(n):
        t = time.perf_counter(); call(); out.append(time.perf_counter() - t)
    return np.median(out), min(out)

SETUP["W6"] = "fn, args = fg.jit(fg.grad(lambda x, y: x * y + fnp.sin(x))), (1.5, 2.0)"
for w in ("W1", "W2", "W4", "W6", "W3"):
    exec(SETUP[w])
    ir = fg.make_ir(fn.__wrapped__)(*args)
    run, consts, leaves = evaluator(ir), list(ir.consts), fg.tree_leaves(args)
    print(w, *times(lambda: run(consts, leaves), 20 if w == "W3" else 200))

x = args[0]
def numpy_vg():
    t, s, e = np.tanh(x), np.sin(x), np.exp(-x * x)
    v = np.sum(t * s + e)
    return v, (1 - t * t) * s + t * np.cos(x) - 2 * x * e
print("W3-numpy", *times(numpy_vg))
"""


def per_call(trees, repeats, cwd):
    prog = PER_CALL.format(here=HERE, setup={w: textwrap.dedent(s) for w, s in SETUP.items()})
    got = {t: {} for t in trees}
    for _ in range(repeats):
        for tree in trees:
            env = dict(os.environ, PYTHONPATH=tree, FUNCGRAD_TIERED="1")
            r = subprocess.run([sys.executable, "-c", prog], env=env, capture_output=True,
                               text=True, timeout=600, cwd=cwd)
            if r.returncode:
                raise RuntimeError(r.stderr)
            for line in r.stdout.splitlines():
                w, med, best = line.split()
                got[tree].setdefault(w, []).append((float(med), float(best)))
    print("| evaluator per call, ms: median (min) | " +
          " | ".join(got[trees[0]]) + " |")
    print("|---|" + "---:|" * len(got[trees[0]]))
    for tree, rows in got.items():
        cells = [f"{np.median([m for m, _ in r]) * 1e3:.3g} ({min(b for _, b in r) * 1e3:.3g})"
                 for r in rows.values()]
        print(f"| {tree} | " + " | ".join(cells) + " |", flush=True)


def first_call(trees, repeats, have_jax, cwd):
    rows = {}
    for _ in range(repeats):
        for tree in trees:
            with tempfile.TemporaryDirectory() as d:
                env = dict(os.environ, PYTHONPATH=tree, FUNCGRAD_CACHE_DIR=d,
                           FUNCGRAD_TIERED="1")
                rows.setdefault(f"{tree}, cold", []).append(run(FG, "W3", env, cwd))
                rows.setdefault(f"{tree}, warm", []).append(run(FG, "W3", env, cwd))
        if have_jax:
            rows.setdefault("jax (no persistent cache)", []).append(
                run(JAX, "W3", dict(os.environ), cwd))
    print("\n| W3 first call (tiered) | first call | (range) | second call | imports |")
    print("|---|---:|---:|---:|---:|")
    for name, vals in rows.items():
        cols = np.array(vals).T * 1e3
        print(f"| {name} | {np.median(cols[0]):.1f} ms | {cols[0].min():.0f}-"
              f"{cols[0].max():.0f} | {np.median(cols[1]):.1f} ms | "
              f"{np.median(cols[3]):.0f} ms |", flush=True)


def main():
    nums = [a for a in sys.argv[1:] if a.isdigit()]
    repeats = int(nums[0]) if nums else 5
    trees = [os.path.dirname(HERE)]
    if "--against" in sys.argv:
        trees.append(os.path.abspath(sys.argv[sys.argv.index("--against") + 1]))
    have_jax = importlib.util.find_spec("jax") is not None
    print(f"load average {os.getloadavg()[0]:.2f}; {repeats} rounds\n")
    with tempfile.TemporaryDirectory() as cwd:  # no funcgrad on the path but PYTHONPATH's
        per_call(trees, repeats, cwd)
        first_call(trees, repeats, have_jax, cwd)
    print(f"\nload average at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
