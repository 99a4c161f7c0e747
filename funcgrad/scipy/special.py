"""``funcgrad.scipy.special``: numerically stable special functions, traceable."""
import numpy as np  # noqa: F401  (for the doctests)

from .. import numpy as fnp
from ..ad import stop_gradient
from ..ops import elementwise as ew


def logsumexp(a, axis=None, b=None, keepdims=False, return_sign=False):
    """``log(sum(b * exp(a)))`` over ``axis`` without overflow.

    >>> float(logsumexp(np.array([1000.0, 1000.0])))  # doctest: +ELLIPSIS
    1000.693147...
    """
    a = fnp.asarray(a)
    m = stop_gradient(fnp.max(a, axis=axis, keepdims=True))
    m = fnp.where(fnp.isfinite(m), m, 0.0)  # all -inf: keep log(0) = -inf, not nan
    e = fnp.exp(a - m)
    if b is not None:
        e = e * b
    s = fnp.sum(e, axis=axis, keepdims=True)
    sign = fnp.sign(s)
    out = fnp.log(fnp.abs(s)) + m
    if not keepdims:
        axes = tuple(range(a.ndim)) if axis is None else axis
        out, sign = fnp.squeeze(out, axis=axes), fnp.squeeze(sign, axis=axes)
    return (out, sign) if return_sign else out


def expit(x):
    """The logistic sigmoid ``1 / (1 + exp(-x))``, stable for large ``|x|``.

    >>> float(expit(0.0))
    0.5
    """
    x = fnp.asarray(x)
    x = fnp.astype(x, x.dtype if x.dtype.kind == "f" else "float64")
    return ew.logistic_p.bind(x)


def logit(p):
    """``log(p / (1 - p))``, the inverse of ``expit``.

    >>> float(logit(0.5))
    0.0
    """
    return fnp.log(p) - fnp.log1p(-fnp.asarray(p))


def xlogy(x, y):
    """``x * log(y)``, defined as 0 where ``x == 0``.

    >>> float(xlogy(0.0, 0.0))
    0.0
    """
    x, y = fnp.asarray(x), fnp.asarray(y)
    safe = fnp.where(x == 0, 1.0, y)
    return fnp.where(x == 0, 0.0, x * fnp.log(safe))
