"""funcgrad.numpy: NumPy's names and signatures, traceable by every transformation.

Each function converts and promotes its operands, broadcasts them (``_core.prepare``) and binds
primitives; anything richer is a composition. On plain NumPy inputs outside any transformation
the result equals NumPy's. A name of ``jax.numpy`` that funcgrad does not offer raises
``NotImplementedError`` saying why (``_coverage``; docs/numpy.md lists both).

>>> import funcgrad.numpy as fnp
>>> float(fnp.sum(fnp.tanh(np.zeros(3))))
0.0
"""
import sys

import numpy as np

from ._at import at  # noqa: F401
from ._base import _ret, array, asarray, astype  # noqa: F401
from ._bits import *  # noqa: F401,F403
from ._calculus import *  # noqa: F401,F403
from ._creation import *  # noqa: F401,F403
from ._dtypes import *  # noqa: F401,F403
from ._floats import *  # noqa: F401,F403
from ._functional import *  # noqa: F401,F403
from ._histograms import *  # noqa: F401,F403
from ._indices import *  # noqa: F401,F403
from ._math import *  # noqa: F401,F403
from ._nanfunctions import *  # noqa: F401,F403
from ._polynomials import *  # noqa: F401,F403
from ._products import *  # noqa: F401,F403
from ._sets import *  # noqa: F401,F403
from ._shapes import *  # noqa: F401,F403
from ._sorting import *  # noqa: F401,F403
from ._statistics import *  # noqa: F401,F403

ndarray = np.ndarray

from . import _methods, fft, linalg  # noqa: E402,F401

_methods.install(sys.modules[__name__])  # operators and NumPy protocols on traced values

from . import _coverage  # noqa: E402

_coverage.install_all(sys.modules[__name__])  # last: it sees the submodules loaded above
