"""Where the compile time of issue 13's item 2 goes: each workload of ``compile_time.py`` in a
new process, split into the parts Numba reports for each compiled function.

For each workload, in a new process with a new FUNCGRAD_CACHE_DIR (the kernel library
compiled, no tiered execution, one compile process):

- *first compile*: CPU seconds of Numba's first compile in the process (a one-line function):
  what any process pays once, whatever it compiles;
- then, for each generated function (a module cut into pieces has several): its array
  arguments and outputs, CPU seconds of its compile, and of those the seconds Numba spent
  holding its LLVM lock (LLVM's optimisation and machine code: ``get_metadata()["timers"]``)
  and in its native-lowering pass (building LLVM IR in Python, LLVM included).

A last line compiles a function that only returns its inputs, with as many array arguments
and outputs as the W2 step's second piece: what Numba's argument handling costs alone.

    python benchmarks/compile_parts.py
"""
import os
import tempfile
import textwrap

from compile_time import CASES, compile_env, run_program

# Numba's first compile in a process, which any process pays once whatever it compiles
FIRST_COMPILE = "numba.njit(lambda a, i: a[i] + 1.0)(np.ones(3), 1)"

PROG = """
import sys, time
sys.path.insert(0, {repo!r})
import numpy as np, numba, funcgrad as fg, funcgrad.numpy as fnp
from funcgrad.backend import cache, compile as fgcompile
import funcgrad.backend.kernels
t = time.process_time()
{first_compile}
print(f"first compile {{time.process_time() - t:.2f}} s")
{setup}
t = time.process_time()
f(*args)
print(f"whole first call {{time.process_time() - t:.2f}} s")
for fn in list(cache.memory.values()):
    for d in fgcompile.dispatchers(fn):
        for sig in d.signatures:
            md = d.get_metadata(sig)
            arrays_in = sum(isinstance(a, numba.types.Array) for a in sig)
            ret = d.overloads[sig].signature.return_type
            outs = len(ret) if isinstance(ret, numba.types.BaseTuple) else 1
            passes = md["pipeline_times"]["nopython"]
            lowering = sum(v.run for k, v in passes.items() if "native_lowering" in k)
            total = sum(v.init + v.run + v.finalize for v in passes.values())
            print(f"  {{d.py_func.__name__:6s}} {{arrays_in:3d}} arrays in {{outs:3d}} out: "
                  f"{{total:5.2f}} s, LLVM lock {{md['timers']['llvm_lock']:5.2f}} s, "
                  f"native lowering {{lowering:5.2f}} s")
"""

PASS_THROUGH = """
import time, numpy as np, numba
{first_compile}
n, k = 28, 18
src = ("def f(" + ", ".join(f"a{{i}}" for i in range(n)) + "):\\n    return ("
       + "".join(f"a{{i % n}}, " for i in range(k)) + ")\\n")
scope = {{}}
exec(src, scope)
f = numba.njit(scope["f"])
t = time.process_time()
f.compile(tuple([numba.float32[:, ::1]] * n))
print(f"a function returning its inputs, {{n}} arrays in {{k}} out: "
      f"{{time.process_time() - t:.2f}} s, LLVM lock "
      f"{{f.get_metadata(f.signatures[0])['timers']['llvm_lock']:.2f}} s")
"""


def main():
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    with tempfile.TemporaryDirectory() as kernels:
        for name, setup in CASES.items():
            prog = PROG.format(repo=repo, setup=textwrap.dedent(setup),
                               first_compile=FIRST_COMPILE)
            with tempfile.TemporaryDirectory() as d:
                run_program(prog, compile_env(d, kernels))  # compiles the kernels it needs
            with tempfile.TemporaryDirectory() as d:
                out = run_program(prog, compile_env(d, kernels))
                print(name, "\n" + textwrap.indent(out, "  "), flush=True)
    print(run_program(PASS_THROUGH.format(first_compile=FIRST_COMPILE), dict(os.environ)))


if __name__ == "__main__":
    main()
