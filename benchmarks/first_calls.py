"""First calls with tiered execution (issue 13): W1-W4's jitted function and W5 (the W2 step)
in fresh processes, what the user waits for at the first call, and when the compiled code
takes over, against JAX's first call (no persistent cache).

    .venv/bin/python benchmarks/first_calls.py [repeats]
    .venv/bin/python benchmarks/first_calls.py --warm [repeats] [--against OTHER_CHECKOUT]
    .venv/bin/python benchmarks/first_calls.py --import [repeats]  # import funcgrad alone

For funcgrad, each row is the median over ``repeats`` fresh processes (default 3) of:
the first call (tiered: answered by the NumPy evaluator; FUNCGRAD_TIERED=0: compiled first),
a second call (the evaluator again, while the compile runs), and the time from the first call
until the compiled code has taken over (``f.wait_compiled()``). "cold" is a new, empty
FUNCGRAD_CACHE_DIR; "warm" the same directory again. Numba's cache of funcgrad's own kernel
library (next to ``kernels.py``) stays warm throughout: its cold cost is measured in W5 of
``run.py``. Imports are excluded (each process reports them separately).

``--warm``: the W2 step in fresh processes whose caches are warm (an earlier process filled
them: funcgrad's FUNCGRAD_CACHE_DIR, JAX's persistent compilation cache), the configurations
taken in turn so that the machine's load falls on each alike; per column the median (and the
range) over ``repeats`` processes of: NumPy's import, the library's import, the first result
from defining the step (data, closures, jit, first call), and when the compiled code took over
(wall, and the process's CPU seconds: steadier on a busy machine). ``--against`` measures
another checkout's funcgrad (by PYTHONPATH) in turn with this one: a before/after.

``--import``: ``import funcgrad`` alone in fresh processes (``-X importtime``'s cumulative
figures), NumPy's own import reported apart.
"""
import importlib.util
import os
import subprocess
import sys
import tempfile
import textwrap

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))

SETUP = {
    "W1": """
        X, y = moons_data(); params = mlp_params([2, 16, 16, 1]); lr = 0.5
        def step(params, X, y):
            g = M.grad(svm_loss(mnp))(params, X, y)
            return tree_map(lambda p, d: p - lr * d, params, g)
        fn, args = M.jit(step), (params, X, y)
    """,
    "W2": """
        X, y = digits_batch(); params = mlp_params([64, 256, 256, 10], np.float32)
        if M is fg:
            opt = optim.adam(1e-3); loss = ce_loss(fnp, fg_log_softmax)
            def step(params, state, X, y):
                g = fg.grad(loss)(params, X, y)
                u, state = opt.update(g, state, params)
                return optim.apply_updates(params, u), state
            fn, args = fg.jit(step), (params, opt.init(params), X, y)
        else:
            zeros = jax.tree_util.tree_map(np.zeros_like, params)
            fn = jax.jit(jax_adam_step(ce_loss(jnp, jax.nn.log_softmax)))
            args = (params, zeros, zeros, np.float32(0), X, y)
    """,
    "W3": """
        x = np.random.default_rng(0).normal(size=1_000_000)
        f = lambda x: mnp.sum(mnp.tanh(x) * mnp.sin(x) + mnp.exp(-x ** 2))
        fn, args = M.jit(M.value_and_grad(f)), (x,)
    """,
    "W4": """
        x = np.random.default_rng(0).uniform(-1, 1, 64)
        fn, args = M.jit(M.hessian(rosen(mnp))), (x,)
    """,
}

FG = """
import time; t0 = time.perf_counter()
import sys; sys.path.insert(0, {here!r})
import numpy as np, funcgrad as fg, funcgrad.numpy as fnp, funcgrad.optim as optim
from workloads import *
M, mnp, tree_map = fg, fnp, fg.tree_map
t1 = time.perf_counter()
{setup}
t2 = time.perf_counter(); out = fn(*args); t3 = time.perf_counter()
out = fn(*args); t4 = time.perf_counter()
assert fn.wait_compiled(); t5 = time.perf_counter()
print(t3 - t2, t4 - t3, t5 - t2, t1 - t0)
"""

JAX = """
import time; t0 = time.perf_counter()
import sys; sys.path.insert(0, {here!r})
import numpy as np, jax, jax.numpy as jnp
from workloads import *
M, mnp, tree_map = jax, jnp, jax.tree_util.tree_map
t1 = time.perf_counter()
{setup}
t2 = time.perf_counter(); jax.block_until_ready(fn(*args)); t3 = time.perf_counter()
jax.block_until_ready(fn(*args)); t4 = time.perf_counter()
print(t3 - t2, t4 - t3, t3 - t2, t1 - t0)
"""


WARM_FG = """
import time; t0 = time.perf_counter()
import numpy as np; t1 = time.perf_counter()
import funcgrad as fg, funcgrad.numpy as fnp, funcgrad.optim as optim; t2 = time.perf_counter()
import sys; sys.path.insert(0, {here!r})
from workloads import *
M, mnp, tree_map = fg, fnp, fg.tree_map
t3, c3 = time.perf_counter(), time.process_time()
{setup}
out = fn(*args); t4, c4 = time.perf_counter(), time.process_time()
assert fn.wait_compiled(); t5, c5 = time.perf_counter(), time.process_time()
print(t1 - t0, t2 - t1, t4 - t3, c4 - c3, t5 - t3, c5 - c3)
"""

WARM_JAX = """
import time; t0 = time.perf_counter()
import numpy as np; t1 = time.perf_counter()
import jax, jax.numpy as jnp; t2 = time.perf_counter()
import sys; sys.path.insert(0, {here!r})
from workloads import *
M, mnp, tree_map = jax, jnp, jax.tree_util.tree_map
t3, c3 = time.perf_counter(), time.process_time()
{setup}
jax.block_until_ready(fn(*args)); t4, c4 = time.perf_counter(), time.process_time()
print(t1 - t0, t2 - t1, t4 - t3, c4 - c3, t4 - t3, c4 - c3)
"""


def run(template, w, env, cwd=None):
    prog = template.format(here=HERE, setup=textwrap.dedent(SETUP[w]))
    r = subprocess.run([sys.executable, "-c", prog], env=env, capture_output=True, text=True,
                       timeout=900, cwd=cwd)
    if r.returncode:
        raise RuntimeError(r.stderr)
    return [float(v) for v in r.stdout.split()]


def funcgrad_rows(w, repeats):
    rows = {}
    for tiered in ("1", "0"):
        cold, warm = [], []
        for _ in range(repeats):
            with tempfile.TemporaryDirectory() as d:
                env = dict(os.environ, FUNCGRAD_CACHE_DIR=d, FUNCGRAD_TIERED=tiered)
                cold.append(run(FG, w, env))
                warm.append(run(FG, w, env))
        name = "funcgrad" if tiered == "1" else "funcgrad FUNCGRAD_TIERED=0"
        rows[f"{name}, cold"] = np.median(cold, axis=0)
        rows[f"{name}, warm"] = np.median(warm, axis=0)
    return rows


def warm_w2(repeats, have_jax, against=None):
    """The W2 step's first result in fresh processes with warm caches (see the module doc);
    ``against``: another checkout of funcgrad, measured in turn with this one."""
    with tempfile.TemporaryDirectory() as d:
        configs = {}
        # each checkout's funcgrad by PYTHONPATH, from a directory holding none (python -c
        # puts the working directory first on the path)
        for tree in ([None, against] if against else [None]):
            env = dict(os.environ, FUNCGRAD_CACHE_DIR=os.path.join(d, f"fg{len(configs)}"),
                       PYTHONPATH=os.path.abspath(tree or os.path.dirname(HERE)))
            name = "funcgrad" if tree is None else f"funcgrad {os.path.basename(tree)}"
            configs[f"{name} (tiered, the default)"] = (WARM_FG, dict(env, FUNCGRAD_TIERED="1"))
            configs[f"{name} FUNCGRAD_TIERED=0"] = (WARM_FG, dict(env, FUNCGRAD_TIERED="0"))
        if have_jax:
            configs["jax, warm persistent cache"] = (WARM_JAX, dict(
                os.environ, JAX_COMPILATION_CACHE_DIR=os.path.join(d, "jax"),
                JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS="0",
                JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES="0"))
        for template, env in configs.values():  # fill the caches
            run(template, "W2", env, d)
        times = {name: [] for name in configs}
        for _ in range(repeats):
            for name, (template, env) in configs.items():
                times[name].append(run(template, "W2", env, d))
    print("| W2 step, warm caches | import numpy | import library | first result | (CPU) | "
          "compiled code from | (CPU) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, rows in times.items():
        cols = np.array(rows).T * 1e3
        cells = [f"{np.median(c):.0f} ms" + ("" if cpu else f" ({c.min():.0f}-{c.max():.0f})")
                 for c, cpu in zip(cols, (0, 0, 0, 1, 0, 1))]
        print(f"| {name} | " + " | ".join(cells) + " |", flush=True)


def import_times(repeats):
    """``import funcgrad``: -X importtime's cumulative microseconds of numpy and funcgrad."""
    rows = []
    for _ in range(repeats):
        r = subprocess.run([sys.executable, "-X", "importtime", "-c", "import funcgrad"],
                           capture_output=True, text=True, timeout=120)
        cum = {}
        for line in r.stderr.splitlines():
            parts = [p.strip() for p in line.split("|")]
            if len(parts) == 3 and parts[2] in ("numpy", "funcgrad"):
                cum[parts[2]] = int(parts[1]) / 1e3
        rows.append((cum["numpy"], cum["funcgrad"] - cum["numpy"], cum["funcgrad"]))
    print("| import, ms (-X importtime) | numpy | funcgrad less numpy | funcgrad |")
    print("|---|---:|---:|---:|")
    cols = np.array(rows).T
    print("| median | " + " | ".join(f"{np.median(c):.0f}" for c in cols) + " |")
    print("| range | " + " | ".join(f"{c.min():.0f}-{c.max():.0f}" for c in cols) + " |")


def main():
    args = [a for a in sys.argv[1:] if a.isdigit()]
    repeats = int(args[0]) if args else 3
    have_jax = importlib.util.find_spec("jax") is not None
    print(f"load average {os.getloadavg()[0]:.2f}; medians of {repeats} fresh processes\n")
    if "--import" in sys.argv:
        import_times(repeats)
    elif "--warm" in sys.argv:
        against = sys.argv[sys.argv.index("--against") + 1] if "--against" in sys.argv else None
        warm_w2(repeats, have_jax, against)
    else:
        all_workloads(repeats, have_jax)
    print(f"\nload average at the end {os.getloadavg()[0]:.2f}")


def all_workloads(repeats, have_jax):
    print("| | first call | second call | compiled code from | imports |")
    print("|---|---|---|---|---|")
    for w in SETUP:
        rows = funcgrad_rows(w, repeats)
        if have_jax:
            rows["jax (no persistent cache)"] = np.median(
                [run(JAX, w, dict(os.environ)) for _ in range(repeats)], axis=0)
        for name, (first, second, switch, imports) in rows.items():
            print(f"| {w} {name} | {first * 1e3:.1f} ms | {second * 1e3:.2f} ms | "
                  f"{switch:.2f} s | {imports:.2f} s |", flush=True)


if __name__ == "__main__":
    main()
