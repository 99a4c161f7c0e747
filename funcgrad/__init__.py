"""funcgrad: differentiable programming over NumPy, in the style of JAX, compiled with Numba.

>>> import funcgrad as fg, funcgrad.numpy as fnp
>>> float(fg.grad(lambda x: fnp.sum(x ** 2))(3.0))
6.0
"""
__version__ = "0.1.0"

import importlib

from . import numpy, ops  # noqa: E402,F401  (numpy installs the NumPy protocols on tracers)
from .ad import grad, jvp, linearize, stop_gradient, value_and_grad, vjp  # noqa: E402,F401
from .api import eval_shape, jit, make_ir  # noqa: E402,F401
from .backend import config as _config  # noqa: E402
from .backend import heap as _heap  # noqa: E402
from .backend.cache import clear_cache  # noqa: E402,F401
from .batching import vmap  # noqa: E402,F401
from .checkpoint import checkpoint, remat  # noqa: E402,F401
from .control import cond, fori_loop, scan, while_loop  # noqa: E402,F401
from .core.avals import ShapedArray as ShapeDtypeStruct  # noqa: E402,F401
from .core.nans import debug_nans  # noqa: E402,F401
from .custom import custom_jvp, custom_vjp  # noqa: E402,F401
from .errors import ConcretizationError  # noqa: E402,F401
from .jacobians import hessian, jacfwd, jacobian, jacrev  # noqa: E402,F401
from .testing import check_grads  # noqa: E402,F401
from .tree import (  # noqa: E402,F401
    register_pytree_node,
    tree_flatten,
    tree_leaves,
    tree_map,
    tree_structure,
    tree_unflatten,
)

# Subpackages users reach as attributes (fg.nn, fg.optim, ...), imported on first use so that
# `import funcgrad` stays cheap (PEP 562).
_SUBMODULES = {"nn", "optim", "random", "data", "train", "viz", "scipy", "lax", "tree_util",
               "distributed", "io"}
_LAX_NAMES = {"switch"}
_IO_NAMES = {"save", "load"}  # fg.save/fg.load: funcgrad.io imports safetensors, on first use


def __getattr__(name):
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    if name in _LAX_NAMES:
        return getattr(importlib.import_module(f"{__name__}.lax"), name)
    if name in _IO_NAMES:
        return getattr(importlib.import_module(f"{__name__}.io"), name)
    raise AttributeError(f"module 'funcgrad' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | _SUBMODULES | _LAX_NAMES | _IO_NAMES)


if _config.debug_nans():
    debug_nans().__enter__()  # for the whole process
_heap.configure()  # glibc's malloc thresholds: no page faults per call for a step's arrays
