"""Choosing among values and mapping functions over arrays: ``select``, ``piecewise``,
``choose``, and ``apply_along_axis``/``apply_over_axes``/``vectorize`` (built on ``vmap``, so
the mapped function is traced once, not called once per entry).

Traced, ``piecewise`` evaluates every function on the whole input and selects: a function that
is NaN or infinite where its condition is false still gives a finite value, but its gradient
there is ``0 * inf``, i.e. NaN (the ``where`` caveat; make such functions safe on the whole
input).

>>> select([np.array([True, False]), np.array([True, True])], [1.0, 2.0]).tolist()
[1.0, 2.0]
"""
import re

import numpy as np

from ..batching import vmap
from ..core.tracing import Tracer
from ..errors import user_frame
from ..tree import tree_map
from ._core import asarray_or_tracer, broadcast_shapes, operands, result_dtype
from ._indexing import normalize_indices
from ._math import where
from ._shapes import (
    broadcast_arrays,
    broadcast_to,
    expand_dims,
    moveaxis,
    reshape,
    stack,
    take_along_axis,
)

__all__ = ["select", "piecewise", "choose", "apply_along_axis", "apply_over_axes",
           "vectorize"]


def select(condlist, choicelist, default=0):
    """``choicelist[i]`` where ``condlist[i]`` is the first true condition, else ``default``.

    >>> select([np.array([1, 0, 0]) > 0, np.array([1, 1, 0]) > 0], [10.0, 20.0], -1.0).tolist()
    [10.0, 20.0, -1.0]
    """
    if len(condlist) != len(choicelist):
        raise ValueError(f"select: list of cases must be same length as list of conditions, "
                         f"got {len(condlist)} and {len(choicelist)} (at {user_frame()})")
    if not condlist:
        raise ValueError(f"select with an empty condition list is not possible (at "
                         f"{user_frame()})")
    choices = operands(list(choicelist) + [default])
    dt = result_dtype(*choices)
    out = choices[-1]
    for cond, choice in reversed(list(zip(condlist, choices[:-1]))):
        cond = asarray_or_tracer(cond)
        if cond.dtype != np.bool_:
            raise TypeError(f"select: invalid entry in condlist: should be boolean ndarray, "
                            f"got {cond.dtype} (at {user_frame()})")
        out = where(cond, choice, out)
    return out.astype(dt) if hasattr(out, "astype") else np.asarray(out, dt)


def piecewise(x, condlist, funclist, *args, **kw):
    """``funclist[i](x, *args, **kw)`` where ``condlist[i]`` holds (the first that holds); one
    extra function (or value) is used where none does, else 0. Entries of ``funclist`` may be
    constants. See the module docstring for gradients of functions unsafe off their piece.

    >>> x = np.array([-2.0, 3.0])
    >>> piecewise(x, [x < 0], [lambda v: -v, lambda v: v * 10]).tolist()
    [2.0, 30.0]
    """
    x = asarray_or_tracer(x)
    if isinstance(condlist, (bool, np.ndarray, Tracer)) and np.ndim(condlist) == x.ndim:
        condlist = [condlist]
    n = len(condlist)
    if len(funclist) not in (n, n + 1):
        raise ValueError(f"piecewise: with {n} condition(s), funclist must have {n} or {n + 1} "
                         f"entries, got {len(funclist)} (at {user_frame()})")

    def value(f):
        v = f(x, *args, **kw) if callable(f) else f
        return broadcast_to(asarray_or_tracer(v).astype(x.dtype), x.shape)
    default = value(funclist[n]) if len(funclist) == n + 1 else np.zeros(x.shape, x.dtype)
    conds = [broadcast_to(asarray_or_tracer(c), x.shape) for c in condlist]
    return select(conds, [value(f) for f in funclist[:n]], default)


def choose(a, choices, out=None, mode="raise"):
    """``choices[a[i]][i]``: entry by entry, the choice that ``a`` names (all broadcast
    together); ``mode`` as in ``take`` (``"raise"``, ``"wrap"``, ``"clip"``).

    >>> choose(np.array([1, 0, 1]), [np.zeros(3), np.arange(3.0)]).tolist()
    [0.0, 0.0, 2.0]
    """
    if out is not None:
        raise NotImplementedError("choose(..., out=...) is not supported; use the result")
    a = asarray_or_tracer(a)
    *cs, a = broadcast_arrays(*choices, a)
    stacked = stack(cs)
    idx = normalize_indices(a, len(cs), 0, mode)
    return take_along_axis(stacked, expand_dims(idx, 0), 0)[0]


def apply_along_axis(func1d, axis, arr, *args, **kwargs):
    """``func1d`` applied to every 1-D slice along ``axis`` (vmapped: traced once); the
    result's axes from ``func1d`` take the place of ``axis``.

    >>> apply_along_axis(lambda v: v[0] + v[-1], 1, np.arange(6.0).reshape(2, 3)).tolist()
    [2.0, 8.0]
    """
    a = moveaxis(arr, axis, -1)
    lead = a.shape[:-1]
    flat = reshape(a, (-1, a.shape[-1]))
    out = vmap(lambda v: asarray_or_tracer(func1d(v, *args, **kwargs)))(flat)
    out = reshape(out, lead + out.shape[1:])
    axis = axis % (len(lead) + 1)
    k = out.ndim - len(lead)
    return moveaxis(out, list(range(len(lead), out.ndim)), list(range(axis, axis + k)))


def apply_over_axes(func, a, axes):
    """``a = func(a, axis)`` for each of ``axes`` in turn, keeping the number of axes (a
    reduced axis is put back with length 1).

    >>> apply_over_axes(np.sum, np.ones((2, 3, 4)), [0, 2]).shape
    (1, 3, 1)
    """
    a = asarray_or_tracer(a)
    for axis in [axes] if np.ndim(axes) == 0 else axes:
        axis = axis % a.ndim
        res = asarray_or_tracer(func(a, axis))
        if res.ndim == a.ndim - 1:
            res = expand_dims(res, axis)
        elif res.ndim != a.ndim:
            raise ValueError(f"apply_over_axes: function is not returning an array of the "
                             f"correct shape ({res.shape} from {a.shape}, at {user_frame()})")
        a = res
    return a


_ARG = r"\(\w*(?:,\w+)*\)"
_SIGNATURE = re.compile(rf"^{_ARG}(?:,{_ARG})*->{_ARG}(?:,{_ARG})*$")


def _parse_signature(signature):
    sig = signature.replace(" ", "")
    if not _SIGNATURE.match(sig):
        raise ValueError(f"vectorize: not a valid gufunc signature: {signature!r}")
    ins, outs = sig.split("->")
    parse = lambda part: [tuple(filter(None, g.split(","))) for g in re.findall(r"\((.*?)\)",
                                                                               part)]
    return parse(ins), parse(outs)


def vectorize(pyfunc, *, excluded=frozenset(), signature=None):
    """``pyfunc`` of scalars (or, with a gufunc ``signature`` like ``"(n),(n)->()"``, of core
    arrays) mapped over the broadcast leading axes of its arguments with ``vmap``. Arguments
    named in ``excluded`` (positions or keywords) are passed as they are.

    >>> vectorize(lambda a, b: a * b + 1.0)(np.array([1.0, -1.0]), 5.0).tolist()
    [6.0, -4.0]
    >>> dot = vectorize(lambda v, w: (v * w).sum(), signature="(n),(n)->()")
    >>> dot(np.ones((2, 3)), np.ones(3)).tolist()
    [3.0, 3.0]
    """
    core_in, core_out = _parse_signature(signature) if signature else (None, None)

    def wrapped(*args, **kwargs):
        fixed = {i for i in excluded if isinstance(i, int)}
        mapped = [i for i in range(len(args)) if i not in fixed]
        kw_fixed = {k: v for k, v in kwargs.items() if k in excluded}
        kw_mapped = [k for k in kwargs if k not in excluded]
        xs = [asarray_or_tracer(args[i]) for i in mapped] + [asarray_or_tracer(kwargs[k])
                                                             for k in kw_mapped]
        cores = core_in if core_in is not None else [()] * len(xs)
        if len(cores) != len(xs):
            raise TypeError(f"vectorize: the signature {signature!r} has {len(cores)} inputs, "
                            f"called with {len(xs)} (at {user_frame()})")
        loop = broadcast_shapes("vectorize", *[
            np.empty(x.shape[:x.ndim - len(c)], bool) for x, c in zip(xs, cores)])
        flat = [reshape(broadcast_to(x, loop + x.shape[x.ndim - len(c):]),
                        (-1,) + x.shape[x.ndim - len(c):]) for x, c in zip(xs, cores)]

        def one(*vals):
            a = list(args)
            for i, v in zip(mapped, vals):
                a[i] = v
            kw = dict(kw_fixed, **dict(zip(kw_mapped, vals[len(mapped):])))
            return pyfunc(*a, **kw)
        out = vmap(one)(*flat) if flat else one()
        return tree_map(lambda o: reshape(o, loop + np.shape(o)[1:]), out)
    wrapped.__name__ = getattr(pyfunc, "__name__", "vectorized")
    wrapped.__doc__ = pyfunc.__doc__
    return wrapped
