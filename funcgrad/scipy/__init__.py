"""SciPy-named functions over funcgrad.numpy (as ``jax.scipy``)."""
from . import linalg, special  # noqa: F401
