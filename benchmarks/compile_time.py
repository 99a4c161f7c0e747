"""Numba compile time per 100 generated lines (issue 13, item 2), each workload's first call
in a new process with a new FUNCGRAD_CACHE_DIR and the kernel library already compiled (so
the figure is the generated code's own compile, plus the per-process set-up of Numba's
compiler that any first compile pays). CPU seconds of this process only: one compile worker,
no tiered execution, so the whole compile happens here and the machine's load counts less.

    python benchmarks/compile_time.py [--repo PATH]   # PATH: another checkout, to compare
    python benchmarks/compile_time.py --against PATH  # this checkout and PATH in turn

``--against`` alternates the two checkouts' processes (this machine's load drifts by more
than most changes in a few minutes) and prints both medians per workload.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import textwrap

import numpy as np

CASES = {
    "W1 moons step": """
        import funcgrad.nn as nn, funcgrad.random as fr
        from funcgrad import data
        X, y = data.make_moons(100, noise=0.1, key=fr.key(1))
        def loss(p, X, y):
            return nn.hinge(nn.mlp(p, X)[:, 0], 2.0 * y - 1.0) + 1e-4 * nn.l2_penalty(p)
        f = fg.jit(lambda p, X, y: fg.value_and_grad(loss)(p, X, y))
        args = (nn.init_mlp(fr.key(0), [2, 16, 16, 1]), X, y)""",
    "W2 digits step": """
        import funcgrad.nn as nn, funcgrad.optim as optim, funcgrad.random as fr
        opt = optim.adam(1e-3)
        def loss(p, X, y):
            return nn.softmax_cross_entropy(nn.mlp(p, X), y)
        def step(p, s, X, y):
            u, s = opt.update(fg.grad(loss)(p, X, y), s, p)
            return optim.apply_updates(p, u), s
        p = nn.init_mlp(fr.key(0), [64, 256, 256, 10], dtype=np.float32)
        rng = np.random.default_rng(0)
        f = fg.jit(step)
        args = (p, opt.init(p), rng.random((128, 64)).astype(np.float32),
                rng.integers(0, 10, 128))""",
    "W3 elementwise value_and_grad": """
        f = fg.jit(fg.value_and_grad(
            lambda x: fnp.sum(fnp.tanh(x) * fnp.sin(x) + fnp.exp(-x ** 2))))
        args = (np.linspace(-3, 3, 1000),)""",
    "W4 hessian of Rosenbrock": """
        f = fg.jit(fg.hessian(lambda x: fnp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2
                                                + (1 - x[:-1]) ** 2)))
        args = (np.random.default_rng(0).uniform(-1, 1, 64),)""",
    "hessian of logistic regression": """
        rng = np.random.default_rng(0)
        A, b = rng.normal(size=(200, 16)), (rng.random(200) > 0.5) * 1.0
        def nll(w):
            z = A @ w
            return fnp.mean(fnp.logaddexp(0.0, z) - b * z)
        f = fg.jit(fg.hessian(nll))
        args = (np.zeros(16),)""",
}

PROG = """
import sys, time
sys.path.insert(0, {repo!r})
import numpy as np, funcgrad as fg, funcgrad.numpy as fnp
{setup}
src = f.source(*args)
lines = sum(1 for ln in src.splitlines() if ln.strip() and not ln.lstrip().startswith("#"))
import numba  # imported before the clock starts: the compile, not the import
t = time.process_time()
f(*args)
print(lines, time.process_time() - t)
"""


def compile_env(cache_dir, kernel_dir):
    """The environment of a measured process: these caches, one compile process, the compiled
    code from the first call (no tiered execution, no background compile)."""
    env = dict(os.environ, FUNCGRAD_CACHE_DIR=cache_dir, FUNCGRAD_KERNEL_CACHE_DIR=kernel_dir,
               FUNCGRAD_COMPILE_WORKERS="1", FUNCGRAD_TIERED="0")
    env.pop("FUNCGRAD_COMPILE_IN_BACKGROUND", None)
    return env


def run_program(prog, env):
    """The standard output of ``python -c prog`` in ``env`` (a RuntimeError with its error
    output if it fails)."""
    r = subprocess.run([sys.executable, "-c", prog], env=env, capture_output=True, text=True,
                       timeout=1800)
    if r.returncode:
        raise RuntimeError(r.stderr)
    return r.stdout


def first_call(repo, setup, kernel_dir):
    with tempfile.TemporaryDirectory() as d:
        out = run_program(PROG.format(repo=repo, setup=textwrap.dedent(setup)),
                          compile_env(d, kernel_dir))
    lines, seconds = out.split()
    return int(lines), float(seconds)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repo", default=os.path.dirname(os.path.dirname(os.path.abspath(
        __file__))))
    ap.add_argument("--against", help="another checkout, measured in turn with --repo")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    repos = [args.repo] + ([args.against] if args.against else [])
    with tempfile.TemporaryDirectory() as kernels:
        print(f"{'workload':34s} {'checkout':>10s} {'lines':>6s} {'CPU s':>7s} "
              f"{'s/100 lines':>12s}")
        for name, setup in CASES.items():
            for repo in repos:  # compiles the kernels each checkout needs, once
                first_call(repo, setup, kernels)
            runs = {repo: [] for repo in repos}
            for _ in range(args.runs):
                for repo in repos:
                    runs[repo].append(first_call(repo, setup, kernels))
            for repo, rs in runs.items():
                lines, t = rs[0][0], float(np.median([s for _, s in rs]))
                print(f"{name:34s} {os.path.basename(os.path.abspath(repo))[:10]:>10s} "
                      f"{lines:6d} {t:7.2f} {100 * t / lines:12.2f}", flush=True)


if __name__ == "__main__":
    main()
