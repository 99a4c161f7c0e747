"""NaN/inf debugging (``FUNCGRAD_DEBUG_NANS=1`` or ``with fg.debug_nans():``).

While it is on, every primitive evaluated with NumPy checks its result: the first one that makes
a NaN or an infinity out of finite inputs raises ``FloatingPointError`` naming the primitive,
the user's line, and whether it ran in the forward or the backward pass. Reverse mode tells this
module which recorded equation it is differentiating (``backward_of``). Compiled code is not
checked op by op: a jitted call whose result is not finite is run again without ``jit``, which
finds the primitive (``recheck``).
"""
from contextlib import contextmanager

import numpy as np

from ..errors import user_frame
from ..tree import tree_leaves

enabled = False
_backward = []  # the equations whose derivatives are being computed, innermost last


class debug_nans:
    """Turn NaN/inf checking on (or off) inside a ``with`` block.

    >>> import funcgrad as fg, funcgrad.numpy as fnp
    >>> with fg.debug_nans():
    ...     fg.grad(lambda x: fnp.sqrt(x))(0.0)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    FloatingPointError: the derivative of sqrt produced inf from finite inputs ...
    """

    def __init__(self, enabled=True):
        self.enabled = bool(enabled)

    def __enter__(self):
        global enabled
        self.saved, enabled = enabled, self.enabled
        return self

    def __exit__(self, *exc):
        global enabled
        enabled = self.saved
        return False


def _concrete(x):
    """The NumPy value of ``x`` (a tracer's, if it has one), or None if it is abstract."""
    if hasattr(x, "concrete_value"):  # a tracer (tracing imports this module, not vice versa)
        try:
            return x.concrete_value()
        except TypeError:  # ConcretizationError: under jit the values are not known
            return None
    return np.asarray(x)


def _finite(x):
    a = _concrete(x)
    return a is None or a.dtype.kind not in "fc" or bool(np.isfinite(a).all())


def check(prim, args, out):
    """Raise if ``prim`` made a NaN or inf in ``out`` from finite ``args``."""
    outs = out if prim.multiple_results else [out]
    if _made_nonfinite(args, outs):
        if _backward:
            name, where = _backward[-1]
            phase = f"in the backward pass of {name} (recorded at {where})"
        else:
            phase = f"in the forward pass at {user_frame()}"
        _raise(prim.name, args, outs, phase)


def check_cotangent(prim_name, where, ins, ct):
    """Raise if the VJP rule of equation ``prim_name`` made a non-finite cotangent ``ct`` from
    finite ``ins`` (its output cotangent and primal inputs). Rules applied to NumPy values
    compute with NumPy directly, not primitive by primitive, so they are checked here."""
    if _made_nonfinite(ins, [ct]):
        _raise(f"the derivative of {prim_name}", ins, [ct],
               f"in the backward pass (recorded at {where})")


def _made_nonfinite(ins, outs):
    return not all(_finite(o) for o in outs) and all(_finite(a) for a in ins)


def _raise(what, ins, outs, phase):
    values = [_concrete(o) for o in outs]
    bad = "nan" if any(np.isnan(v).any() for v in values if v.dtype.kind in "fc") else "inf"
    avals = ", ".join(_aval_text(a) for a in ins)
    raise FloatingPointError(
        f"{what} produced {bad} from finite inputs ({avals}) {phase}. "
        "(FUNCGRAD_DEBUG_NANS / fg.debug_nans is on.) Guard the input (fnp.where, fnp.clip), "
        "or use a stabler form (fnp.log1p, fnp.logaddexp, fg.nn.log_sigmoid...).")


def _aval_text(x):
    a = _concrete(x)
    short = {"float64": "f64", "float32": "f32", "int64": "i64", "bool": "bool"}
    return f"{short.get(a.dtype.name, a.dtype.name)}[{','.join(map(str, a.shape))}]"


@contextmanager
def backward_of(prim_name, where):
    """Mark that the derivative of equation ``prim_name`` (recorded at ``where``) is being
    computed."""
    _backward.append((prim_name, where))
    try:
        yield
    finally:
        _backward.pop()


def recheck(fun, args, kwargs, result):
    """After a compiled call: if ``result`` is not finite but ``args`` are, run ``fun`` again
    without jit (checked op by op) to name the primitive."""
    if all(_finite(x) for x in tree_leaves(result)) or \
            not all(_finite(x) for x in tree_leaves((args, kwargs))):
        return
    fun(*args, **kwargs)  # raises at the primitive at fault
    raise FloatingPointError(
        f"the compiled code of {getattr(fun, '__name__', fun)} returned a NaN or inf from "
        "finite inputs, but running it without jit does not: please report this funcgrad bug.")
