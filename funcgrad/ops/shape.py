"""Shape primitives: broadcasting, reshaping, permuting, joining and slicing arrays."""
import numpy as np

from ..core.avals import ShapedArray
from ..core.primitive import Primitive
from ..errors import user_frame
from .elementwise import zeros_like


def _linear_jvp(prim):
    """JVP of a primitive linear in its (single array) input: apply it to the tangent."""
    def jvp(primals, tangents, **params):
        out = prim.bind(*primals, **params)
        t = tangents[0]
        return out, None if t is None else prim.bind(t, *primals[1:], **params)
    return jvp


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
        from .reductions import reduce_sum
        s = reduce_sum(ct, tuple(sorted(new_axes + stretched)))
        return reshape(s, xshape)
    return (ct_x,)


broadcast_in_dim_p = Primitive("broadcast_in_dim", impl=_bcast_impl,
                               abstract_eval=_bcast_abstract, vjp=_bcast_vjp)
broadcast_in_dim_p.jvp = _linear_jvp(broadcast_in_dim_p)


def broadcast_in_dim(x, shape, dims):
    return broadcast_in_dim_p.bind(x, shape=tuple(shape), dims=tuple(dims))


# --- reshape ----------------------------------------------------------------------------------

def _reshape_abstract(x, shape):
    if int(np.prod(shape, dtype=np.int64)) != x.size:
        raise ValueError(f"cannot reshape an array of shape {x.shape} ({x.size} elements) into "
                         f"shape {shape} (at {user_frame()}).")
    return ShapedArray(shape, x.dtype)


reshape_p = Primitive("reshape", impl=lambda x, shape: np.reshape(x, shape),
                      abstract_eval=_reshape_abstract,
                      vjp=lambda ct, primals, out, shape: (
                          lambda: reshape(ct, np.shape(primals[0])),))
reshape_p.jvp = _linear_jvp(reshape_p)


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


transpose_p = Primitive("transpose", impl=lambda x, perm: np.transpose(x, perm),
                        abstract_eval=_transpose_abstract,
                        vjp=lambda ct, primals, out, perm: (
                            lambda: transpose(ct, tuple(np.argsort(perm))),))
transpose_p.jvp = _linear_jvp(transpose_p)


def transpose(x, perm):
    perm = tuple(int(p) for p in perm)
    if perm == tuple(range(len(perm))):
        return x
    return transpose_p.bind(x, perm=perm)


# --- concatenate ------------------------------------------------------------------------------

def _concat_abstract(*xs, axis):
    first = xs[0]
    for x in xs:
        if (x.ndim != first.ndim or x.shape[:axis] != first.shape[:axis]
                or x.shape[axis + 1:] != first.shape[axis + 1:]):
            shapes = ", ".join(str(a.shape) for a in xs)
            raise ValueError(f"concatenate: shapes {shapes} differ outside axis {axis} "
                             f"(at {user_frame()}).")
    size = sum(x.shape[axis] for x in xs)
    return ShapedArray(first.shape[:axis] + (size,) + first.shape[axis + 1:], first.dtype)


def _concat_vjp(ct, primals, out, axis):
    cts, start = [], 0
    for x in primals:
        n = np.shape(x)[axis]
        cts.append(_slice_thunk(ct, axis, start, start + n))
        start += n
    return cts


def _slice_thunk(ct, axis, start, stop):
    def f():
        nd = len(np.shape(ct))
        starts = [0] * nd
        limits = list(np.shape(ct))
        starts[axis], limits[axis] = start, stop
        return slice_p.bind(ct, start=tuple(starts), limit=tuple(limits), step=(1,) * nd)
    return f


def _concat_jvp(primals, tangents, axis):
    out = concatenate_p.bind(*primals, axis=axis)
    if all(t is None for t in tangents):
        return out, None
    ts = [zeros_like(p) if t is None else t for p, t in zip(primals, tangents)]
    return out, concatenate_p.bind(*ts, axis=axis)


concatenate_p = Primitive("concatenate", impl=lambda *xs, axis: np.concatenate(xs, axis),
                          abstract_eval=_concat_abstract, jvp=_concat_jvp, vjp=_concat_vjp)


def concatenate(xs, axis):
    return xs[0] if len(xs) == 1 else concatenate_p.bind(*xs, axis=axis)


# --- slice and pad (each other's transpose) ---------------------------------------------------

def _slice_impl(x, start, limit, step):
    return np.asarray(x)[tuple(slice(a, b, s) for a, b, s in zip(start, limit, step))]


def _slice_abstract(x, start, limit, step):
    if not (len(start) == len(limit) == len(step) == x.ndim and all(
            0 <= a <= b <= n and s >= 1 for a, b, s, n in zip(start, limit, step, x.shape))):
        raise ValueError(f"slice: start {start}, limit {limit}, step {step} do not fit an "
                         f"array of shape {x.shape} (at {user_frame()})")
    shape = tuple(len(range(a, b, s)) for a, b, s in zip(start, limit, step))
    return ShapedArray(shape, x.dtype)


def _slice_vjp(ct, primals, out, start, limit, step):
    xshape = np.shape(primals[0])

    def f():
        # Zero-pad the cotangent back to x's shape: low = start, interior = step - 1.
        config = []
        for n, a, s, m in zip(xshape, start, step, np.shape(ct)):
            used = a + (m - 1) * s + 1 if m else a
            config.append((a, n - used, s - 1))
        return pad_p.bind(ct, config=tuple(config))
    return (f,)


slice_p = Primitive("slice", impl=_slice_impl, abstract_eval=_slice_abstract, vjp=_slice_vjp)
slice_p.jvp = _linear_jvp(slice_p)


def _pad_impl(x, config):
    x = np.asarray(x)
    shape = tuple(lo + n + hi + max(n - 1, 0) * it for n, (lo, hi, it) in zip(x.shape, config))
    out = np.zeros(shape, x.dtype)
    out[tuple(slice(lo, lo + (n - 1) * (it + 1) + 1 if n else lo, it + 1)
              for n, (lo, hi, it) in zip(x.shape, config))] = x
    return out


def _pad_abstract(x, config):
    if any(lo < 0 or hi < 0 or it < 0 for lo, hi, it in config):
        raise ValueError(f"pad: negative padding {config} (at {user_frame()})")
    return ShapedArray(tuple(lo + n + hi + max(n - 1, 0) * it
                             for n, (lo, hi, it) in zip(x.shape, config)), x.dtype)


def _pad_vjp(ct, primals, out, config):
    xshape = np.shape(primals[0])
    start = tuple(lo for lo, _, _ in config)
    step = tuple(it + 1 for _, _, it in config)
    limit = tuple(lo + (n - 1) * s + 1 if n else lo
                  for n, lo, s in zip(xshape, start, step))
    return (lambda: slice_p.bind(ct, start=start, limit=limit, step=step),)


pad_p = Primitive("pad", impl=_pad_impl, abstract_eval=_pad_abstract, vjp=_pad_vjp)
pad_p.jvp = _linear_jvp(pad_p)


# --- batching helpers (used by every primitive's batch rule) -----------------------------------

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
        elif _is_traced(a):  # a 0-d value of an enclosing trace: spell out its broadcast
            out.append(broadcast_in_dim(a, example[:to] + (size,) + example[to:], ()))
        else:
            out.append(a)
    return out, to


def _is_traced(x):
    from ..core.tracing import Tracer
    return isinstance(x, Tracer)


def shifted_rule(prim, shift):
    """Batch rule for a one-operand primitive: batch axis first, axis params shifted by one.

    ``shift(params, size)`` returns the params for the batched operand."""
    def rule(vals, bdims, **params):  # not "dims": broadcast_in_dim has a param of that name
        (x,) = all_front(vals, bdims)
        size = np.shape(x)[0]
        return prim.bind(x, **shift(params, size)), 0
    return rule


# --- rev (flip) -------------------------------------------------------------------------------

def _rev_abstract(x, axes):
    if not all(0 <= a < x.ndim for a in axes):
        raise ValueError(f"rev: axes {axes} out of range for shape {x.shape} (at {user_frame()})")
    return x


rev_p = Primitive("rev", impl=lambda x, axes: np.flip(x, axes), abstract_eval=_rev_abstract,
                  vjp=lambda ct, primals, out, axes: (lambda: rev_p.bind(ct, axes=axes),))
rev_p.jvp = _linear_jvp(rev_p)


# --- gather along one axis, and its transpose --------------------------------------------------
# ``take(x, idx, axis)``: out[..., i..., ...] = x[..., idx[i...], ...]; the index is an operand
# (it may be traced under jit), already normalized to [0, n) by the NumPy layer; the impl clamps.

def _take_abstract(x, idx, axis):
    if idx.dtype.kind not in "iu":
        raise TypeError(f"take: indices must be integers, got {idx.dtype} (at {user_frame()})")
    if not 0 <= axis < x.ndim:
        raise ValueError(f"take: axis {axis} out of range for shape {x.shape} "
                         f"(at {user_frame()})")
    return ShapedArray(x.shape[:axis] + idx.shape + x.shape[axis + 1:], x.dtype)


def _take_vjp(ct, primals, out, axis):
    x, idx = primals

    def ct_x():
        return scatter_add_p.bind(zeros_like_shape(np.shape(x), ct.dtype), idx, ct, axis=axis)
    return ct_x, None


def _take_jvp(primals, tangents, axis):
    x, idx = primals
    out = take_p.bind(x, idx, axis=axis)
    t = tangents[0]
    return out, None if t is None else take_p.bind(t, idx, axis=axis)


take_p = Primitive("take", impl=lambda x, idx, axis: np.take(x, idx, axis=axis, mode="clip"),
                   abstract_eval=_take_abstract, jvp=_take_jvp, vjp=_take_vjp)


def _scatter_add_impl(operand, idx, updates, axis):
    out = np.array(operand, copy=True)
    np.add.at(out, (slice(None),) * axis + (np.clip(idx, 0, out.shape[axis] - 1),), updates)
    return out


def _scatter_add_vjp(ct, primals, out, axis):
    idx = primals[1]
    return ct, None, (lambda: take_p.bind(ct, idx, axis=axis))


def _scatter_add_jvp(primals, tangents, axis):
    operand, idx, updates = primals
    out = scatter_add_p.bind(operand, idx, updates, axis=axis)
    t_op, _, t_up = tangents
    if t_op is None and t_up is None:
        return out, None
    t_op = zeros_like(operand) if t_op is None else t_op
    t_up = zeros_like(updates) if t_up is None else t_up
    return out, scatter_add_p.bind(t_op, idx, t_up, axis=axis)


def _scatter_add_abstract(operand, idx, updates, axis):
    want = _take_abstract(operand, idx, axis)
    if updates.shape != want.shape or updates.dtype != operand.dtype:
        raise ValueError(f"scatter_add: updates {updates.dtype}{list(updates.shape)} do not "
                         f"match operand {operand.dtype}{list(operand.shape)} indexed by "
                         f"{list(idx.shape)} along axis {axis}: expected "
                         f"{operand.dtype}{list(want.shape)} (at {user_frame()})")
    return operand


scatter_add_p = Primitive("scatter_add", impl=_scatter_add_impl,
                          abstract_eval=_scatter_add_abstract,
                          jvp=_scatter_add_jvp, vjp=_scatter_add_vjp)


def zeros_like_shape(shape, dtype):
    """Zeros of ``shape``: a broadcast 0-d constant (no large captured array under jit)."""
    return broadcast_in_dim(np.zeros((), dtype), tuple(shape), ())


# --- batch rules ------------------------------------------------------------------------------

broadcast_in_dim_p.batch = shifted_rule(broadcast_in_dim_p, lambda p, n: dict(
    shape=(n,) + tuple(p["shape"]), dims=(0,) + tuple(d + 1 for d in p["dims"])))
reshape_p.batch = shifted_rule(reshape_p, lambda p, n: dict(shape=(n,) + tuple(p["shape"])))
transpose_p.batch = shifted_rule(transpose_p, lambda p, n: dict(
    perm=(0,) + tuple(q + 1 for q in p["perm"])))
slice_p.batch = shifted_rule(slice_p, lambda p, n: dict(
    start=(0,) + p["start"], limit=(n,) + p["limit"], step=(1,) + p["step"]))
pad_p.batch = shifted_rule(pad_p, lambda p, n: dict(config=((0, 0, 0),) + p["config"]))
rev_p.batch = shifted_rule(rev_p, lambda p, n: dict(axes=tuple(a + 1 for a in p["axes"])))
concatenate_p.batch = lambda vals, dims, axis: (
    concatenate_p.bind(*all_front(vals, dims), axis=axis + 1), 0)


def _merged_indices(idx, di, size, n):
    """Per-example indices into an axis of length ``n`` -> indices into the merged
    (batch, axis) axis of length ``size * n``: clip each example's first (the impl clips),
    then offset example ``b`` by ``b * n``."""
    from .elementwise import add_p, max_p, min_p
    idx = move_to_front(idx, di, size)
    dt = idx.dtype
    idx = min_p.bind(max_p.bind(idx, np.zeros((), dt)), np.asarray(max(n - 1, 0), dt))
    offsets = broadcast_in_dim(np.arange(size, dtype=dt) * dt.type(n), np.shape(idx), (0,))
    return add_p.bind(idx, offsets)


def _merge_batch_into(x, d, axis, size):
    """``x`` with its batch axis merged into ``axis`` (batch-major): one gather or scatter
    serves every example."""
    x = move_batch_axis(x, d, axis, size)
    shape = tuple(np.shape(x))
    return reshape(x, shape[:axis] + (shape[axis] * shape[axis + 1],) + shape[axis + 2:])


def _take_batch(vals, dims, axis):
    x, idx = vals
    dx, di = dims
    if di is None:
        return take_p.bind(move_to_front(x, dx, np.shape(x)[dx]), idx, axis=axis + 1), 0
    size = np.shape(idx)[di]
    if dx is None:  # the batch axis of the indices lands where the indices do
        return take_p.bind(x, move_to_front(idx, di, size), axis=axis), axis
    n = np.shape(x)[axis + (dx <= axis)]
    merged = _merge_batch_into(x, dx, axis, size)
    return take_p.bind(merged, _merged_indices(idx, di, size, n), axis=axis), axis


def _scatter_batch(vals, dims, axis):
    size = batch_size(vals, dims)
    if dims[1] is None:
        op = move_to_front(vals[0], dims[0], size)
        upd = move_to_front(vals[2], dims[2], size)
        return scatter_add_p.bind(op, vals[1], upd, axis=axis + 1), 0
    operand, idx, updates = vals
    op_shape = tuple(np.shape(operand))
    if dims[0] is not None:
        op_shape = op_shape[:dims[0]] + op_shape[dims[0] + 1:]
    n = op_shape[axis]
    merged = _merge_batch_into(operand, dims[0], axis, size)
    upd = move_batch_axis(updates, dims[2], axis, size)
    out = scatter_add_p.bind(merged, _merged_indices(idx, dims[1], size, n), upd, axis=axis)
    return reshape(out, op_shape[:axis] + (size, n) + op_shape[axis + 1:]), axis


take_p.batch = _take_batch
scatter_add_p.batch = _scatter_batch
