"""funcgrad: differentiable programming over NumPy, in the style of JAX, compiled with Numba.

>>> import funcgrad as fg, funcgrad.numpy as fnp
>>> float(fg.grad(lambda x: fnp.sum(x ** 2))(3.0))
6.0
"""
from . import (
                 numpy,  # noqa: F401  (installs the NumPy protocols on tracers)
                 ops,  # noqa: F401
)
from .ad import grad, hessian, jacfwd, jacobian, jacrev, jvp, stop_gradient, value_and_grad, vjp  # noqa: F401
from .api import jit, make_ir  # noqa: F401
from .backend.compile import clear_cache  # noqa: F401
from .errors import ConcretizationError  # noqa: F401
from .testing import check_grads  # noqa: F401
from .tree import (  # noqa: F401
                 register_pytree_node,
                 tree_flatten,
                 tree_leaves,
                 tree_map,
                 tree_structure,
                 tree_unflatten,
)

__version__ = "0.1.0"
from .control import cond, fori_loop, scan, while_loop  # noqa: E402,F401
