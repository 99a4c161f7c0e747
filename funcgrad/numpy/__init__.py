"""funcgrad.numpy: NumPy's names and signatures, traceable by every transformation.

Each function converts and promotes its operands, broadcasts them (``_core.prepare``) and binds
primitives; anything richer is a composition. On plain NumPy inputs outside any transformation
the result equals NumPy's.

>>> import funcgrad.numpy as fnp
>>> float(fnp.sum(fnp.tanh(np.zeros(3))))
0.0
"""
import sys

import numpy as np

from ._at import at  # noqa: F401
from ._base import _ret, array, asarray, astype  # noqa: F401
from ._creation import *  # noqa: F401,F403
from ._math import *  # noqa: F401,F403
from ._nanfunctions import *  # noqa: F401,F403
from ._products import *  # noqa: F401,F403
from ._sets import *  # noqa: F401,F403
from ._shapes import *  # noqa: F401,F403
from ._sorting import *  # noqa: F401,F403
from ._statistics import *  # noqa: F401,F403

ndarray = np.ndarray
float32, float64, int32, int64, bool_ = np.float32, np.float64, np.int32, np.int64, np.bool_
uint8, uint32, int8, int16, float16 = np.uint8, np.uint32, np.int8, np.int16, np.float16
pi, e, inf, nan, newaxis = np.pi, np.e, np.inf, np.nan, None

from . import _methods, linalg  # noqa: E402,F401

_methods.install(sys.modules[__name__])  # operators and NumPy protocols on traced values
