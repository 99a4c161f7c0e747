"""Reductions over axes: sums, extrema and their indices."""
import numpy as np

from ..core.avals import ShapedArray
from ..core.primitive import Primitive
from .elementwise import convert_element_type, eq_p, select_p, zeros_like
from .shape import broadcast_in_dim


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
