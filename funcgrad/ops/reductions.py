"""Reductions over axes: extrema, products, their indices, and running sums.

``reduce_sum``, the transpose of ``broadcast_in_dim``, is declared with it in
``broadcasting.py`` (every rule that broadcasts needs it for its VJP).
"""
import numpy as np

from ..core.avals import ShapedArray
from ..core.lowering import Reduction, Structural
from ..core.primitive import Primitive
from ..errors import user_frame
from . import kernel_names as K
from .broadcasting import (
    batch_shifted,
    broadcast_in_dim,
    kept_dims,
    reduce_abstract,
    reduce_sum,
    shift_axes,
    zeros_like,
)
from .elementwise import convert_element_type, eq_p, ne_p, select_p


def shift_axis(params, size):
    """``batch_shifted``'s ``shift`` for a primitive with an ``axis`` param."""
    return dict(params, axis=params["axis"] + 1)


# --- reduce_max / reduce_min ------------------------------------------------------------------

def _lowest(dtype):
    """The identity of a maximum: the least value of ``dtype``."""
    dtype = np.dtype(dtype)
    if dtype.kind == "f":
        return np.array(-np.inf, dtype)
    if dtype.kind == "b":
        return np.array(False)
    return np.array(np.iinfo(dtype).min, dtype)


def _highest(dtype):
    """The identity of a minimum: the greatest value of ``dtype``."""
    dtype = np.dtype(dtype)
    if dtype.kind == "f":
        return np.array(np.inf, dtype)
    if dtype.kind == "b":
        return np.array(True)
    return np.array(np.iinfo(dtype).max, dtype)


def _extremum(name, impl, lowering):
    """reduce_max or reduce_min: the gradient goes to the positions attaining the extremum,
    shared evenly among ties."""
    def location_weights(x, out, axes):
        """1/count at the positions attaining the extremum, 0 elsewhere (ties share)."""
        xshape = np.shape(x)
        kept = kept_dims(len(xshape), axes)
        hit = eq_p.bind(x, broadcast_in_dim(out, xshape, kept))
        hitf = convert_element_type(hit, np.asarray(out).dtype if not hasattr(out, "aval")
                                    else out.dtype)
        count = reduce_sum(hitf, axes)
        return hitf / broadcast_in_dim(count, xshape, kept)

    def vjp(ct, primals, out, axes):
        x = primals[0]
        kept = kept_dims(len(np.shape(x)), axes)
        return (lambda: broadcast_in_dim(ct, np.shape(x), kept) * location_weights(x, out, axes),)

    def jvp(primals, tangents, axes):
        x, t = primals[0], tangents[0]
        out = prim.bind(x, axes=axes)
        return out, reduce_sum(t * location_weights(x, out, axes), axes)

    prim = Primitive(name, impl=impl, abstract_eval=reduce_abstract, jvp=jvp, vjp=vjp,
                     batch=lambda vals, dims, **p: batch_shifted(prim, shift_axes, vals, dims, p),
                     lowering=lowering)
    return prim


reduce_max_p = _extremum("reduce_max", lambda x, axes: np.max(x, axis=axes),
                         Reduction(_lowest, combine=K.max_, block=K.max_block_,
                                   partial=K.max_fold_, masks_float=False))
reduce_min_p = _extremum("reduce_min", lambda x, axes: np.min(x, axis=axes),
                         Reduction(_highest, combine=K.min_, block=K.min_block_,
                                   partial=K.min_fold_, masks_float=False))


# --- argmax / argmin --------------------------------------------------------------------------

def _arg_abstract(name):
    def abstract(x, axis):
        if x.shape[axis] == 0:  # NumPy's error: an empty axis has no first extremum
            raise ValueError(f"attempt to get {name} of an empty sequence: axis {axis} of "
                             f"an array of shape {x.shape} has no elements (at {user_frame()}).")
        return ShapedArray(x.shape[:axis] + x.shape[axis + 1:], np.int64)
    return abstract


def _arg_emitter(kernel):
    def emit(w, e):
        x, v = e.inputs[0], e.outvars[0]
        x3, pre, post = w.rows3(x, e.params["axis"])
        expr = kernel(x3, K.empty_(f"({w.size(pre)}, {w.size(post)})", "np.int64"))
        w.assign_shaped(v, expr if v.aval.shape == () else
                        f"{expr}.reshape({w.shape(v.aval.shape)})")
    return emit


argmax_p = Primitive(
    "argmax", impl=lambda x, axis: np.argmax(x, axis=axis).astype(np.int64),
    abstract_eval=_arg_abstract("argmax"), differentiable=False,
    batch=lambda vals, dims, **p: batch_shifted(argmax_p, shift_axis, vals, dims, p),
    lowering=Structural(_arg_emitter(K.argmax_)))
argmin_p = Primitive(
    "argmin", impl=lambda x, axis: np.argmin(x, axis=axis).astype(np.int64),
    abstract_eval=_arg_abstract("argmin"), differentiable=False,
    batch=lambda vals, dims, **p: batch_shifted(argmin_p, shift_axis, vals, dims, p),
    lowering=Structural(_arg_emitter(K.argmin_)))


# --- reduce_prod ------------------------------------------------------------------------------

def _prod_grad(x, axes):
    """d prod / d x without dividing by x: exact when entries are zero.

    With no zero in a reduced slice the partial is prod/x; with one zero, only that entry has a
    nonzero partial (the product of the others); with two or more, all partials are zero.
    """
    xshape = np.shape(x)
    kept = kept_dims(len(xshape), axes)
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
    kept = kept_dims(len(np.shape(x)), axes)
    return (lambda: broadcast_in_dim(ct, np.shape(x), kept) * _prod_grad(x, axes),)


def _prod_jvp(primals, tangents, axes):
    x, t = primals[0], tangents[0]
    return reduce_prod_p.bind(x, axes=axes), reduce_sum(t * _prod_grad(x, axes), axes)


reduce_prod_p = Primitive(
    "reduce_prod", impl=lambda x, axes: np.prod(x, axis=axes), abstract_eval=reduce_abstract,
    vjp=_prod_vjp, jvp=_prod_jvp,
    batch=lambda vals, dims, **p: batch_shifted(reduce_prod_p, shift_axes, vals, dims, p),
    lowering=Reduction(identity=lambda dtype: np.ones((), dtype), combine="{0} * {1}",
                       block=K.prod_block_))


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


def _emit_cumsum(w, e):
    x, v = e.inputs[0], e.outvars[0]
    x3, pre, post = w.rows3(x, e.params["axis"])
    w.assign(v, f"{K.cumsum_(x3, f'np.empty_like({x3})', str(e.params['reverse']))}"
                f".reshape({w.shape(v.aval.shape)})")


cumsum_p = Primitive(
    "cumsum", impl=_cumsum_impl, abstract_eval=lambda x, axis, reverse: x, jvp=_cumsum_jvp,
    vjp=lambda ct, primals, out, axis, reverse: (
        lambda: cumsum_p.bind(ct, axis=axis, reverse=not reverse),),
    batch=lambda vals, dims, **p: batch_shifted(cumsum_p, shift_axis, vals, dims, p),
    lowering=Structural(_emit_cumsum))
