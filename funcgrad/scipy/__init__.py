"""SciPy-named functions over funcgrad.numpy (as ``jax.scipy``)."""
from . import linalg, signal, special, stats  # noqa: F401
