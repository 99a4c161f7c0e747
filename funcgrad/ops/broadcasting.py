"""Broadcasting, and the helpers every other primitive's rules are written with.

``broadcast_in_dim`` and its transpose ``reduce_sum``, ``reshape`` and ``transpose`` are
declared here, below the other ops/ modules, because every rule needs them: a zero shaped like
an operand is a broadcast scalar, a batch rule moves batch axes (a transpose, or a broadcast of
an unbatched operand), and a broadcast's VJP is a sum. The helpers built on them are here too:
filled arrays (``zeros_like``), batch-axis moves (``move_to_front``, ``batch_align``) and the
family of one-operand primitives linear in their operand (``linear_primitive``). The other
ops/ modules import this one; it imports none of them.
"""
import numpy as np

from ..core.avals import ShapedArray
from ..core.lowering import Broadcast, Reduction, Structural
from ..core.primitive import Primitive
from ..core.tracing import Tracer
from ..errors import user_frame
from . import kernel_names as K

# --- the family of linear one-operand primitives ----------------------------------------------


def batch_shifted(prim, shift, vals, bdims, params):
    """Batch rule of a one-operand primitive: batch axis first, its params shifted by one axis.

    ``shift(params, size)`` returns the params for the batched operand. (``bdims``, not
    ``dims``: broadcast_in_dim has a param of that name.)"""
    (x,) = all_front(vals, bdims)
    return prim.bind(x, **shift(params, np.shape(x)[0])), 0


def shift_axes(params, size):
    """``shift`` for a primitive whose only param is ``axes`` (the reductions)."""
    return dict(axes=tuple(a + 1 for a in params["axes"]))


def linear_primitive(name, impl, abstract_eval, vjp, shift, **slots):
    """A primitive with one array operand that it moves, copies, drops or sums elements of.

    Linear in that operand, its JVP applies it to the tangent; its batch rule puts the batch
    axis first and shifts the axis params (``shift(params, size)``, see ``batch_shifted``)."""
    def jvp(primals, tangents, **params):
        t = tangents[0]
        return prim.bind(*primals, **params), None if t is None else prim.bind(t, **params)

    prim = Primitive(name, impl=impl, abstract_eval=abstract_eval, jvp=jvp, vjp=vjp,
                     batch=lambda vals, bdims, **p: batch_shifted(prim, shift, vals, bdims, p),
                     **slots)
    return prim


# --- broadcast_in_dim -------------------------------------------------------------------------

def _bcast_impl(x, shape, dims):
    x = np.asarray(x)
    expanded = [1] * len(shape)
    for i, d in enumerate(dims):
        expanded[d] = x.shape[i]
    return np.broadcast_to(x.reshape(expanded), shape)


def _bcast_abstract(x, shape, dims):
    ok = len(dims) == x.ndim and all(x.shape[i] in (1, shape[d]) for i, d in enumerate(dims))
    if not ok:
        raise ValueError(f"cannot broadcast an array of shape {x.shape} to shape {shape} "
                         f"(at {user_frame()}).")
    return ShapedArray(shape, x.dtype)


def _bcast_vjp(ct, primals, out, shape, dims):
    x = primals[0]
    xshape = np.shape(x)
    new_axes = tuple(d for d in range(len(shape)) if d not in dims)
    stretched = tuple(d for i, d in enumerate(dims) if xshape[i] == 1 and shape[d] != 1)

    def ct_x():
        s = reduce_sum(ct, tuple(sorted(new_axes + stretched)))
        return reshape(s, xshape)
    return (ct_x,)


broadcast_in_dim_p = linear_primitive(
    "broadcast_in_dim", _bcast_impl, _bcast_abstract, _bcast_vjp,
    shift=lambda p, n: dict(shape=(n,) + tuple(p["shape"]),
                            dims=(0,) + tuple(d + 1 for d in p["dims"])),
    lowering=Broadcast())


def broadcast_in_dim(x, shape, dims):
    return broadcast_in_dim_p.bind(x, shape=tuple(shape), dims=tuple(dims))


# --- reduce_sum: the transpose of broadcast_in_dim --------------------------------------------

def reduce_abstract(x, axes):
    """Shape rule of a reduction over ``axes``."""
    return ShapedArray(tuple(d for i, d in enumerate(x.shape) if i not in axes), x.dtype)


def kept_dims(ndim, axes):
    """The axes of an ``ndim``-d operand a reduction over ``axes`` keeps."""
    return tuple(i for i in range(ndim) if i not in axes)


def _sum_vjp(ct, primals, out, axes):
    xshape = np.shape(primals[0])
    return (lambda: broadcast_in_dim(ct, xshape, kept_dims(len(xshape), axes)),)


reduce_sum_p = linear_primitive(
    "reduce_sum", lambda x, axes: np.sum(x, axis=axes), reduce_abstract, _sum_vjp,
    shift=shift_axes,
    lowering=Reduction(identity=lambda dtype: np.zeros((), dtype), combine="{0} + {1}",
                       block=K.sum_block_, partial=K.sum_add_, widened=True))


def reduce_sum(x, axes):
    axes = tuple(sorted(axes))
    return reduce_sum_p.bind(x, axes=axes) if axes else x


# --- reshape ----------------------------------------------------------------------------------

def _reshape_abstract(x, shape):
    if int(np.prod(shape, dtype=np.int64)) != x.size:
        raise ValueError(f"cannot reshape an array of shape {x.shape} ({x.size} elements) into "
                         f"shape {shape} (at {user_frame()}).")
    return ShapedArray(shape, x.dtype)


def _emit_reshape(w, e):
    x, v = e.inputs[0], e.outvars[0]
    if v.aval.shape == ():
        w.assign_shaped(v, w.n(x))
    elif x.aval.shape == ():
        w.assign(v, K.full_(w.shape(v.aval.shape), w.n(x), w.dtype(v.aval.dtype)))
    else:
        w.assign(v, K.reshape_(w.n(x), w.shape(v.aval.shape)), view=True)


reshape_p = linear_primitive(
    "reshape", lambda x, shape: np.reshape(x, shape), _reshape_abstract,
    vjp=lambda ct, primals, out, shape: (lambda: reshape(ct, np.shape(primals[0])),),
    shift=lambda p, n: dict(shape=(n,) + tuple(p["shape"])),
    lowering=Structural(_emit_reshape, reshapes=True))


def reshape(x, shape):
    shape = tuple(int(d) for d in shape)
    if tuple(np.shape(x)) == shape:
        return x
    return reshape_p.bind(x, shape=shape)


# --- transpose --------------------------------------------------------------------------------

def _transpose_abstract(x, perm):
    if sorted(perm) != list(range(x.ndim)):
        raise ValueError(f"transpose: axes {perm} are not a permutation of the {x.ndim} axes "
                         f"of an array of shape {x.shape} (at {user_frame()}).")
    return ShapedArray(tuple(x.shape[p] for p in perm), x.dtype)


def _emit_transpose(w, e):
    x, v = e.inputs[0], e.outvars[0]
    perm = tuple(e.params["perm"])
    if len(perm) < 2:
        w.assign(v, w.n(x), view=True)
    elif perm == (1, 0):
        w.assign(v, f"{w.n(x)}.T", view=True)  # keeps Numba's layout (C <-> F): BLAS copies none
    else:
        w.assign(v, K.transpose_(w.n(x), repr(perm)), view=True)


transpose_p = linear_primitive(
    "transpose", lambda x, perm: np.transpose(x, perm), _transpose_abstract,
    vjp=lambda ct, primals, out, perm: (lambda: transpose(ct, tuple(np.argsort(perm))),),
    shift=lambda p, n: dict(perm=(0,) + tuple(q + 1 for q in p["perm"])),
    lowering=Structural(_emit_transpose, permutes=True))


def transpose(x, perm):
    perm = tuple(int(p) for p in perm)
    if perm == tuple(range(len(perm))):
        return x
    return transpose_p.bind(x, perm=perm)


# --- filled arrays ----------------------------------------------------------------------------

def full_like(x, value):
    """An array of ``value`` shaped like ``x`` (a broadcast scalar, never ``x * 0``: inf*0=nan)."""
    if isinstance(x, Tracer):
        return broadcast_in_dim_p.bind(np.asarray(value, x.dtype), shape=x.shape, dims=())
    return np.full(np.shape(x), value, np.asarray(x).dtype)


def ones_like(x):
    return full_like(x, 1)


def zeros_like(x):
    return full_like(x, 0)


def half_like(x):
    return full_like(x, 0.5)


def zeros_like_shape(shape, dtype):
    """Zeros of ``shape``: a broadcast 0-d constant (no large captured array under jit)."""
    return broadcast_in_dim(np.zeros((), dtype), tuple(shape), ())


# --- batch axes (for every primitive's batch rule) --------------------------------------------

def batch_size(vals, dims):
    return next(np.shape(v)[d] for v, d in zip(vals, dims) if d is not None)


def move_to_front(x, d, size):
    """``x`` with its batch axis first (broadcast along a new axis if unbatched)."""
    if d is None:
        shape = tuple(np.shape(x))
        return broadcast_in_dim(x, (size,) + shape, tuple(range(1, len(shape) + 1)))
    if d == 0:
        return x
    nd = len(np.shape(x))
    return transpose(x, (d,) + tuple(i for i in range(nd) if i != d))


def move_batch_axis(x, d, to, size):
    """``x`` with its batch axis (``d``; ``None``: broadcast a new one) at position ``to``."""
    if d is None:
        shape = tuple(np.shape(x))
        return broadcast_in_dim(x, shape[:to] + (size,) + shape[to:],
                                tuple(i if i < to else i + 1 for i in range(len(shape))))
    if d == to:
        return x
    perm = [i for i in range(len(np.shape(x))) if i != d]
    perm.insert(to, d)
    return transpose(x, perm)


def all_front(vals, dims):
    size = batch_size(vals, dims)
    return [move_to_front(v, d, size) for v, d in zip(vals, dims)]


def batch_align(args, dims):
    """Elementwise operands with one batch axis position; unbatched constants stay scalars.

    Operands of an elementwise primitive have equal shapes, except a 0-d constant literal
    beside an array (``_core.prepare`` keeps those). So every batched operand has the same
    rank, and when they agree on the batch axis it stays where it is (no transposes for
    ``vmap(f, in_axes=1)``); otherwise it goes first. Unbatched arrays and tracers get a
    broadcast batch axis; an unbatched 0-d constant stays a literal.
    """
    batched = {d for d in dims if d is not None}
    to = batched.pop() if len(batched) == 1 else 0
    k = next(i for i, d in enumerate(dims) if d is not None)
    shape = tuple(np.shape(args[k]))
    size, example = shape[dims[k]], shape[:dims[k]] + shape[dims[k] + 1:]
    out = []
    for a, d in zip(args, dims):
        if d is not None or np.ndim(a) > 0:
            out.append(move_batch_axis(a, d, to, size))
        elif isinstance(a, Tracer):  # a 0-d value of an enclosing trace: spell out its broadcast
            out.append(broadcast_in_dim(a, example[:to] + (size,) + example[to:], ()))
        else:
            out.append(a)
    return out, to
