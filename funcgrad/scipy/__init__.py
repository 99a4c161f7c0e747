"""SciPy-named functions over funcgrad.numpy (as ``jax.scipy``)."""
from . import special  # noqa: F401
