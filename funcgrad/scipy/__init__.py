"""SciPy-named functions over funcgrad.numpy (as ``jax.scipy``)."""
from . import signal, special, stats  # noqa: F401
