"""Argument handling shared by funcgrad.scipy's modules (special, stats): SciPy's functions
take real floating arguments, promoted together and broadcast."""
import numpy as np

from .. import numpy as fnp
from ..errors import user_frame


def real_floats(*xs):
    """The operands in one float dtype (NumPy's promotion; Python numbers are weak, integers
    become float64) and broadcast to one shape."""
    xs = [x if isinstance(x, (int, float)) else fnp.asarray(x) for x in xs]
    dt = np.result_type(*[x if isinstance(x, (int, float)) else x.dtype for x in xs])
    refuse_complex(dt)
    dt = dt if dt.kind == "f" else np.dtype(np.float64)
    return fnp.broadcast_arrays(*[fnp.asarray(x, dt) for x in xs])


def refuse_complex(dt):
    """Complex arguments would lose their imaginary parts in the real kernels: refuse them."""
    if np.dtype(dt).kind == "c":
        raise TypeError(f"funcgrad.scipy.special takes real arguments, got {np.dtype(dt)} (at "
                        f"{user_frame()}): its functions of complex arguments are not "
                        "implemented. Pass np.real(z) if the imaginary parts are zero.")
