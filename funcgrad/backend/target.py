"""The vector width of the machine code Numba emits: 512 bits where the CPU has AVX-512.

On CPUs with AVX-512 (Skylake-X, Ice Lake, Sapphire Rapids, Zen 4) LLVM vectorizes loops with
256-bit registers unless told otherwise (its "prefer-256-bit" tuning). funcgrad's fused loops
call transcendental kernels written to vectorize (``kernels``); with 512-bit vectors the W3
workload (value and gradient of sum(tanh(x) sin(x) + exp(-x^2)) over 1e6 float64) ran 2.2x
faster on an Ice Lake server (``benchmarks/RESULTS.md`` K).

Numba reads its target features from ``NUMBA_CPU_FEATURES`` when it sets up its compiler, once
per process. ``configure`` sets that variable, before funcgrad's first compile or load, to the
host's features without "prefer-256-bit", unless the user set it, or set
``FUNCGRAD_VECTOR_WIDTH=256``. Child processes (tiered execution's compile process, the
processes that compile a long function's pieces) inherit the variable, so the code they put in
the disk cache is code this process loads (Numba keys cached code by the features). Where
Numba's compiler was set up before (the user's own Numba code ran first), its features are
kept, and exported so that child processes use the same.
"""
import os

from . import config

VARIABLE = "NUMBA_CPU_FEATURES"


def configure():
    """Choose the target features for this process and its children (once; cheap after)."""
    if os.environ.get(VARIABLE):
        return
    import llvmlite.binding as ll
    from numba.core import config as numba_config
    from numba.core import registry

    if "_toplevel_target_context" in vars(registry.cpu_target):  # set up already
        features = registry.cpu_target.target_context.codegen().magic_tuple()[2]
    else:
        features = ll.get_host_cpu_features().flatten()
        if config.vector_width() == 512 and "+avx512f" in features.split(","):
            features += ",-prefer-256-bit"
    os.environ[VARIABLE] = features
    numba_config.reload_config()


def has_avx512():
    """Whether the code Numba emits in this process may use AVX-512 (after ``configure``)."""
    return "+avx512f" in os.environ.get(VARIABLE, "").split(",")


def has_fma():
    """Whether the code Numba emits in this process may use fused multiply-adds."""
    return "+fma" in os.environ.get(VARIABLE, "").split(",")
