"""Reductions over axes: sums, extrema and their indices."""
import numpy as np

from ..core.avals import ShapedArray
from ..core.primitive import Primitive
from .elementwise import convert_element_type, eq_p, select_p, zeros_like
from .shape import broadcast_in_dim, move_to_front


def _reduce_abstract(x, axes):
    return ShapedArray(tuple(d for i, d in enumerate(x.shape) if i not in axes), x.dtype)


def _kept_dims(ndim, axes):
    return tuple(i for i in range(ndim) if i not in axes)


def _linear_reduce_jvp(prim):
    def jvp(primals, tangents, axes):
        out = prim.bind(primals[0], axes=axes)
        t = tangents[0]
        return out, None if t is None else prim.bind(t, axes=axes)
    return jvp


# --- reduce_sum -------------------------------------------------------------------------------

def _sum_vjp(ct, primals, out, axes):
    xshape = np.shape(primals[0])
    return (lambda: broadcast_in_dim(ct, xshape, _kept_dims(len(xshape), axes)),)


reduce_sum_p = Primitive("reduce_sum",
                         impl=lambda x, axes: np.sum(x, axis=axes),
                         abstract_eval=_reduce_abstract, vjp=_sum_vjp)
reduce_sum_p.jvp = _linear_reduce_jvp(reduce_sum_p)


def reduce_sum(x, axes):
    axes = tuple(sorted(axes))
    return reduce_sum_p.bind(x, axes=axes) if axes else x


# --- reduce_max / reduce_min ------------------------------------------------------------------

def _extremum_rules(prim):
    def location_weights(x, out, axes):
        """1/count at the positions attaining the extremum, 0 elsewhere (ties share)."""
        xshape = np.shape(x)
        kept = _kept_dims(len(xshape), axes)
        hit = eq_p.bind(x, broadcast_in_dim(out, xshape, kept))
        hitf = convert_element_type(hit, np.asarray(out).dtype if not hasattr(out, "aval")
                                    else out.dtype)
        count = reduce_sum(hitf, axes)
        return hitf / broadcast_in_dim(count, xshape, kept)

    def vjp(ct, primals, out, axes):
        x = primals[0]
        kept = _kept_dims(len(np.shape(x)), axes)
        return (lambda: broadcast_in_dim(ct, np.shape(x), kept) * location_weights(x, out, axes),)

    def jvp(primals, tangents, axes):
        x, t = primals[0], tangents[0]
        out = prim.bind(x, axes=axes)
        return out, reduce_sum(t * location_weights(x, out, axes), axes)

    prim.vjp, prim.jvp = vjp, jvp
    return prim


reduce_max_p = _extremum_rules(Primitive("reduce_max", impl=lambda x, axes: np.max(x, axis=axes),
                                         abstract_eval=_reduce_abstract))
reduce_min_p = _extremum_rules(Primitive("reduce_min", impl=lambda x, axes: np.min(x, axis=axes),
                                         abstract_eval=_reduce_abstract))


# --- argmax / argmin --------------------------------------------------------------------------

def _arg_abstract(x, axis):
    return ShapedArray(x.shape[:axis] + x.shape[axis + 1:], np.int64)


argmax_p = Primitive("argmax", impl=lambda x, axis: np.argmax(x, axis=axis).astype(np.int64),
                     abstract_eval=_arg_abstract, differentiable=False)
argmin_p = Primitive("argmin", impl=lambda x, axis: np.argmin(x, axis=axis).astype(np.int64),
                     abstract_eval=_arg_abstract, differentiable=False)

__all__ = ["reduce_sum", "reduce_sum_p", "reduce_max_p", "reduce_min_p", "argmax_p", "argmin_p",
           "select_p", "zeros_like"]


# --- reduce_prod ------------------------------------------------------------------------------

def _prod_grad(x, axes):
    """d prod / d x without dividing by x: exact when entries are zero.

    With no zero in a reduced slice the partial is prod/x; with one zero, only that entry has a
    nonzero partial (the product of the others); with two or more, all partials are zero.
    """
    from .elementwise import convert_element_type, ne_p
    xshape = np.shape(x)
    kept = _kept_dims(len(xshape), axes)
    dtype = x.dtype
    nonzero = ne_p.bind(x, np.zeros((), dtype))
    ones = broadcast_in_dim(np.ones((), dtype), xshape, ())
    safe = select_p.bind(nonzero, x, ones)
    prod_nz = reduce_prod_p.bind(safe, axes=axes)
    zeros_f = convert_element_type(nonzero, dtype)
    n_zero = reduce_sum(1.0 - zeros_f, axes)
    b = lambda v: broadcast_in_dim(v, xshape, kept)  # noqa: E731
    no_zero = eq_p.bind(b(n_zero), np.zeros((), dtype))
    one_zero = eq_p.bind(b(n_zero), np.ones((), dtype))
    zero = zeros_like(x)
    return select_p.bind(no_zero, b(prod_nz) / safe,
                         select_p.bind(one_zero, select_p.bind(nonzero, zero, b(prod_nz)), zero))


def _prod_vjp(ct, primals, out, axes):
    x = primals[0]
    kept = _kept_dims(len(np.shape(x)), axes)
    return (lambda: broadcast_in_dim(ct, np.shape(x), kept) * _prod_grad(x, axes),)


def _prod_jvp(primals, tangents, axes):
    x, t = primals[0], tangents[0]
    return reduce_prod_p.bind(x, axes=axes), reduce_sum(t * _prod_grad(x, axes), axes)


reduce_prod_p = Primitive("reduce_prod", impl=lambda x, axes: np.prod(x, axis=axes),
                          abstract_eval=_reduce_abstract, vjp=_prod_vjp, jvp=_prod_jvp)


# --- cumsum -----------------------------------------------------------------------------------

def _cumsum_impl(x, axis, reverse):
    x = np.asarray(x)
    if reverse:
        return np.flip(np.cumsum(np.flip(x, axis), axis=axis), axis)
    return np.cumsum(x, axis=axis)


def _cumsum_jvp(primals, tangents, axis, reverse):
    t = tangents[0]
    out = cumsum_p.bind(primals[0], axis=axis, reverse=reverse)
    return out, cumsum_p.bind(t, axis=axis, reverse=reverse)


cumsum_p = Primitive(
    "cumsum", impl=_cumsum_impl, abstract_eval=lambda x, axis, reverse: x,
    jvp=_cumsum_jvp,
    vjp=lambda ct, primals, out, axis, reverse: (
        lambda: cumsum_p.bind(ct, axis=axis, reverse=not reverse),))


# --- batch rules ------------------------------------------------------------------------------

def _axes_rule(prim):
    def rule(vals, dims, axes):
        x = move_to_front(vals[0], dims[0], np.shape(vals[0])[dims[0]])
        return prim.bind(x, axes=tuple(a + 1 for a in axes)), 0
    return rule


def _axis_rule(prim, **extra):
    def rule(vals, dims, axis, **params):
        x = move_to_front(vals[0], dims[0], np.shape(vals[0])[dims[0]])
        return prim.bind(x, axis=axis + 1, **params), 0
    return rule


for _p in (reduce_sum_p, reduce_max_p, reduce_min_p, reduce_prod_p):
    _p.batch = _axes_rule(_p)
for _p in (argmax_p, argmin_p, cumsum_p):
    _p.batch = _axis_rule(_p)
del _p
