"""funcgrad: differentiable programming over NumPy, in the style of JAX, compiled with Numba.

>>> import funcgrad as fg, funcgrad.numpy as fnp
>>> float(fg.grad(lambda x: fnp.sum(x ** 2))(3.0))
6.0
"""
__version__ = "0.1.0"

from . import numpy, ops  # noqa: E402,F401  (numpy installs the NumPy protocols on tracers)
from .ad import grad, jvp, stop_gradient, value_and_grad, vjp  # noqa: E402,F401
from .api import jit, make_ir  # noqa: E402,F401
from .backend.cache import clear_cache  # noqa: E402,F401
from .batching import vmap  # noqa: E402,F401
from .control import cond, fori_loop, scan, while_loop  # noqa: E402,F401
from .custom import custom_vjp  # noqa: E402,F401
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

# fg.save / fg.load live in funcgrad.io, which imports safetensors: loaded on first use (PEP 562)
_LAZY_FUNCTIONS = {"save": "io", "load": "io"}


def __getattr__(name):
    if name in _LAZY_FUNCTIONS:
        import importlib
        return getattr(importlib.import_module(f".{_LAZY_FUNCTIONS[name]}", __name__), name)
    raise AttributeError(f"module 'funcgrad' has no attribute {name!r}")
