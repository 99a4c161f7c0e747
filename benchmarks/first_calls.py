"""First calls with tiered execution (issue 13): W1-W4's jitted function and W5 (the W2 step)
in fresh processes, what the user waits for at the first call, and when the compiled code
takes over, against JAX's first call (no persistent cache).

    .venv/bin/python benchmarks/first_calls.py [repeats]

For funcgrad, each row is the median over ``repeats`` fresh processes (default 3) of:
the first call (tiered: answered by the NumPy evaluator; FUNCGRAD_TIERED=0: compiled first),
a second call (the evaluator again, while the compile runs), and the time from the first call
until the compiled code has taken over (``f.wait_compiled()``). "cold" is a new, empty
FUNCGRAD_CACHE_DIR; "warm" the same directory again. Numba's cache of funcgrad's own kernel
library (next to ``kernels.py``) stays warm throughout: its cold cost is measured in W5 of
``run.py``. Imports are excluded (each process reports them separately).
"""
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


def run(template, w, env):
    prog = template.format(here=HERE, setup=textwrap.dedent(SETUP[w]))
    r = subprocess.run([sys.executable, "-c", prog], env=env, capture_output=True, text=True,
                       timeout=900)
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


def main():
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    try:
        import jax  # noqa: F401
        have_jax = True
    except ImportError:
        have_jax = False
    print(f"load average {os.getloadavg()[0]:.2f}; medians of {repeats} fresh processes\n")
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
