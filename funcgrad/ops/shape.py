"""Shape primitives: joining, slicing, padding, flipping and gathering along an axis.

``broadcast_in_dim``, ``reshape`` and ``transpose`` are declared in ``broadcasting.py``, below
every other primitive module (the rules of all of them use those three); they are imported
here so that users of ops find every shape primitive in this module.
"""
import numpy as np

from ..core.avals import ShapedArray
from ..core.lowering import Structural
from ..core.primitive import Primitive
from ..errors import user_frame
from . import kernel_names as K
from .broadcasting import (  # noqa: F401  (transpose, broadcast_in_dim_p: see above)
    all_front,
    batch_size,
    broadcast_in_dim,
    broadcast_in_dim_p,
    full_like,
    linear_primitive,
    move_batch_axis,
    move_to_front,
    reshape,
    transpose,
    zeros_like,
    zeros_like_shape,
)
from .elementwise import add_p, and_p, convert_element_type, eq_p, max_p, min_p, select_p

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


def _emit_concatenate(w, e):
    # A loop nest per part, not np.concatenate: Numba compiles its np.concatenate for each
    # tuple of part types in every process, and emits it whole into the module (three times
    # the code of the rest for a stack of 25 arrays, which took 14 s instead of 2 to compile).
    v, axis = e.outvars[0], e.params["axis"]
    w.assign(v, K.empty_(w.shape(v.aval.shape), w.dtype(v.aval.dtype)))
    offset = 0
    for x in e.inputs:
        _emit_copy(w, v, x, lambda i, k, at=offset: f"{w.size(at)} + {k}" if i == axis and at
                   else k)
        offset += x.aval.shape[axis]


def _emit_copy(w, v, x, place):
    """Emit a loop nest writing each element of ``x`` into ``v`` at ``place(axis, index)``
    (texts): concatenate's parts, pad's interior."""
    ks = w.loops([w.size(n) for n in x.aval.shape])
    # an offset index is told non-negative: else Numba's wraparound select for negative
    # indices keeps LLVM from storing whole vectors (concatenate ran at half NumPy's speed)
    out_ix = [k if p == k else K.nonneg_(p) for p, k in ((place(i, k), k) for i, k in
                                                            enumerate(ks))]
    w.emit(f"{w.n(v)}[{', '.join(out_ix)}] = {w.n(x)}[{', '.join(ks)}]", 1 + len(ks))


concatenate_p = Primitive(
    "concatenate", impl=lambda *xs, axis: np.concatenate(xs, axis),
    abstract_eval=_concat_abstract, jvp=_concat_jvp, vjp=_concat_vjp,
    batch=lambda vals, dims, axis: (concatenate_p.bind(*all_front(vals, dims), axis=axis + 1), 0),
    lowering=Structural(_emit_concatenate))


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


def _emit_slice(w, e):
    x, v = e.inputs[0], e.outvars[0]
    if not x.aval.shape:
        w.assign(v, w.n(x))
        return
    ix = []
    for a, b, s in zip(e.params["start"], e.params["limit"], e.params["step"]):
        ix.append(f"{w.size(a)}:{w.size(b)}" + (f":{w.size(s)}" if s != 1 else ""))
    w.assign(v, f"{w.n(x)}[{', '.join(ix)}]", view=True)


slice_p = linear_primitive(
    "slice", _slice_impl, _slice_abstract, _slice_vjp,
    shift=lambda p, n: dict(start=(0,) + p["start"], limit=(n,) + p["limit"],
                            step=(1,) + p["step"]),
    lowering=Structural(_emit_slice))


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


def _emit_pad(w, e):
    x, v = e.inputs[0], e.outvars[0]
    if not x.aval.shape:
        w.assign(v, w.n(x))
        return
    # An explicit loop nest, not a strided slice assignment: Numba's setitem for strided
    # n-d slices costs about a quarter of a second of compile time per use.
    w.assign(v, K.zeros_(w.shape(v.aval.shape), w.dtype(v.aval.dtype)))
    config = e.params["config"]

    def place(i, k):
        lo, _, it = config[i]
        return f"{w.size(lo)} + {k} * {w.size(it + 1)}" if it else f"{w.size(lo)} + {k}"
    _emit_copy(w, v, x, place)


pad_p = linear_primitive("pad", _pad_impl, _pad_abstract, _pad_vjp,
                         shift=lambda p, n: dict(config=((0, 0, 0),) + p["config"]),
                         lowering=Structural(_emit_pad))


# --- rev (flip) -------------------------------------------------------------------------------

def _rev_abstract(x, axes):
    if not all(0 <= a < x.ndim for a in axes):
        raise ValueError(f"rev: axes {axes} out of range for shape {x.shape} (at {user_frame()})")
    return x


def _emit_rev(w, e):
    x, v = e.inputs[0], e.outvars[0]
    if not e.params["axes"]:
        w.assign(v, w.n(x), view=True)
        return
    ix = ", ".join("::-1" if i in e.params["axes"] else ":" for i in range(x.aval.ndim))
    w.assign(v, f"{w.n(x)}[{ix}]", view=True)


rev_p = linear_primitive("rev", lambda x, axes: np.flip(x, axes), _rev_abstract,
                         vjp=lambda ct, primals, out, axes: (lambda: rev_p.bind(ct, axes=axes),),
                         shift=lambda p, n: dict(axes=tuple(a + 1 for a in p["axes"])),
                         lowering=Structural(_emit_rev))


# --- gather along one axis, and its transpose --------------------------------------------------
# ``take(x, idx, axis)``: out[..., i..., ...] = x[..., idx[i...], ...]; the index is an operand
# (it may be traced under jit), already normalized to [0, n) by the NumPy layer; the impl clamps.
# Batched indices and operand: the batch axis is merged into the gathered axis, so one gather
# or scatter serves every example.

def _merged_indices(idx, di, size, n):
    """Per-example indices into an axis of length ``n`` -> indices into the merged
    (batch, axis) axis of length ``size * n``: clip each example's first (the impl clips),
    then offset example ``b`` by ``b * n``."""
    idx = move_to_front(idx, di, size)
    dt = idx.dtype
    idx = min_p.bind(max_p.bind(idx, np.zeros((), dt)), np.asarray(max(n - 1, 0), dt))
    offsets = broadcast_in_dim(np.arange(size, dtype=dt) * dt.type(n), np.shape(idx), (0,))
    return add_p.bind(idx, offsets)


def _merge_batch_into(x, d, axis, size):
    """``x`` with its batch axis merged into ``axis`` (batch-major)."""
    x = move_batch_axis(x, d, axis, size)
    shape = tuple(np.shape(x))
    return reshape(x, shape[:axis] + (shape[axis] * shape[axis + 1],) + shape[axis + 2:])


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


def _emit_take(w, e):
    x, idx = e.inputs
    v = e.outvars[0]
    x3, pre, post = w.rows3(x, e.params["axis"])
    m = int(np.prod(idx.aval.shape, dtype=np.int64))
    i1 = K.reshape_(w.arr(idx), f"({w.size(m)},)")
    out = K.empty_(f"({w.size(pre)}, {w.size(m)}, {w.size(post)})", w.dtype(v.aval.dtype))
    expr = K.take_(x3, i1, out)
    w.assign_shaped(v, expr if v.aval.shape == () else
                    f"{expr}.reshape({w.shape(v.aval.shape)})")


take_p = Primitive("take", impl=lambda x, idx, axis: np.take(x, idx, axis=axis, mode="clip"),
                   abstract_eval=_take_abstract, jvp=_take_jvp, vjp=_take_vjp,
                   batch=_take_batch, lowering=Structural(_emit_take))


# --- scatters along one axis: the gather's transpose, and functional index updates ------------
# ``scatter_<kind>(operand, idx, updates, axis)`` combines ``updates[..., m, ...]`` into
# ``operand[..., idx[m], ...]``: add (the gather's transpose), set (the last write to a slot
# wins, as NumPy's assignment), mul, min, max (``x.at[idx].add/set/multiply/min/max``). Indices
# are clamped to the axis, like the gather. They share the shape rule, the batch rule and the
# emitter; each has its NumPy implementation, its derivative rules and a loop kernel.

def _scatter_abstract(name):
    def rule(operand, idx, updates, axis):
        want = _take_abstract(operand, idx, axis)
        if updates.shape != want.shape or updates.dtype != operand.dtype:
            raise ValueError(f"{name}: updates {updates.dtype}{list(updates.shape)} do not "
                             f"match operand {operand.dtype}{list(operand.shape)} indexed by "
                             f"{list(idx.shape)} along axis {axis}: expected "
                             f"{operand.dtype}{list(want.shape)} (at {user_frame()})")
        return operand
    return rule


def _scatter_impl(combine):
    """NumPy implementation: ``combine(out, index, updates)`` on a copy of the operand."""
    def impl(operand, idx, updates, axis):
        out = np.array(operand, copy=True)
        where = (slice(None),) * axis + (np.clip(idx, 0, out.shape[axis] - 1),)
        combine(out, where, updates)
        return out
    return impl


def _scatter_batch(prim):
    def rule(vals, dims, axis):
        size = batch_size(vals, dims)
        if dims[1] is None:
            op = move_to_front(vals[0], dims[0], size)
            upd = move_to_front(vals[2], dims[2], size)
            return prim.bind(op, vals[1], upd, axis=axis + 1), 0
        operand, idx, updates = vals
        op_shape = tuple(np.shape(operand))
        if dims[0] is not None:
            op_shape = op_shape[:dims[0]] + op_shape[dims[0] + 1:]
        n = op_shape[axis]
        # each example's slots are apart in the merged axis: one scatter serves them all
        merged = _merge_batch_into(operand, dims[0], axis, size)
        upd = move_batch_axis(updates, dims[2], axis, size)
        out = prim.bind(merged, _merged_indices(idx, dims[1], size, n), upd, axis=axis)
        return reshape(out, op_shape[:axis] + (size, n) + op_shape[axis + 1:]), axis
    return rule


SCATTER_MODES = {"add": 0, "set": 1, "mul": 2, "min": 3, "max": 4}  # the kernel's numbering


def _scatter_emitter(kind):
    def emit(w, e):
        op, idx, upd = e.inputs
        v = e.outvars[0]
        o3, pre, post = w.rows3(op, e.params["axis"])
        m = int(np.prod(idx.aval.shape, dtype=np.int64))
        i1 = K.reshape_(w.arr(idx), f"({w.size(m)},)")
        u3 = K.reshape_(w.arr(upd), f"({w.size(pre)}, {w.size(m)}, {w.size(post)})")
        target = o3 if w.reusable(op) else f"{o3}.copy()"  # in place when op is dead after
        expr = K.scatter_(target, i1, u3, str(SCATTER_MODES[kind]))
        w.assign_shaped(v, expr if v.aval.shape == () else
                        f"{expr}.reshape({w.shape(v.aval.shape)})")
    return emit


def _scatter_primitive(kind, combine, jvp, vjp):
    name = f"scatter_{kind}" if kind != "set" else "scatter"
    prim = Primitive(name, impl=_scatter_impl(combine), abstract_eval=_scatter_abstract(name),
                     jvp=lambda primals, tangents, axis: jvp(prim, primals, tangents, axis),
                     vjp=lambda ct, primals, out, axis: vjp(prim, ct, primals, out, axis),
                     batch=lambda vals, dims, axis: _scatter_batch(prim)(vals, dims, axis),
                     lowering=Structural(_scatter_emitter(kind)))
    return prim


def _tangents(primals, tangents):
    """The operand's and the updates' tangents, zeros for a missing one (None if both are)."""
    (operand, _, updates), (t_op, _, t_up) = primals, tangents
    if t_op is None and t_up is None:
        return None, None
    return (zeros_like(operand) if t_op is None else t_op,
            zeros_like(updates) if t_up is None else t_up)


def _linear_jvp(prim, primals, tangents, axis):
    """set and add are linear in (operand, updates) jointly: scatter the tangents alike."""
    out = prim.bind(*primals, axis=axis)
    t_op, t_up = _tangents(primals, tangents)
    return out, None if t_op is None else prim.bind(t_op, primals[1], t_up, axis=axis)


def _add_vjp(prim, ct, primals, out, axis):
    idx = primals[1]
    return ct, None, (lambda: take_p.bind(ct, idx, axis=axis))




def _winners(idx, n):
    """For each update (by index position), whether it is the last one written to its slot of
    an axis of length ``n``: the one ``scatter`` keeps."""
    shape = tuple(np.shape(idx))
    order = np.arange(int(np.prod(shape, dtype=np.int64)), dtype=np.int64).reshape(shape)
    last = scatter_p.bind(np.full((n,), -1, np.int64), idx, order, axis=0)
    return eq_p.bind(take_p.bind(last, idx, axis=0), order)


def _set_vjp(prim, ct, primals, out, axis):
    operand, idx, updates = primals

    def ct_updates():
        # the index's axes sit at ``axis`` in the updates' shape
        won = broadcast_in_dim(_winners(idx, np.shape(operand)[axis]), np.shape(updates),
                               tuple(range(axis, axis + len(np.shape(idx)))))
        return select_p.bind(won, take_p.bind(ct, idx, axis=axis), zeros_like(updates))
    return (lambda: prim.bind(ct, idx, zeros_like(updates), axis=axis)), None, ct_updates


def _others(operand, idx, updates, axis):
    """The product of the *other* updates written to each update's slot (exact with zeros,
    without dividing by zero: a slot with one zero update gives that update the product of
    the rest, and every other update 0)."""
    dt = updates.dtype
    zero = eq_p.bind(updates, np.zeros((), dt))
    safe = select_p.bind(zero, full_like(updates, 1), updates)
    n_zero = take_p.bind(scatter_add_p.bind(zeros_like(operand), idx,
                                            convert_element_type(zero, dt), axis=axis),
                         idx, axis=axis)
    prod = take_p.bind(scatter_mul_p.bind(full_like(operand, 1), idx, safe, axis=axis),
                       idx, axis=axis)
    none = eq_p.bind(n_zero, np.zeros((), dt))
    mine = and_p.bind(eq_p.bind(n_zero, np.ones((), dt)), zero)
    return select_p.bind(none, prod / safe,
                         select_p.bind(mine, prod, zeros_like(updates)))


def _multiplier(operand, idx, updates, axis):
    """What ``scatter_mul`` multiplies each element of the operand by."""
    return scatter_mul_p.bind(full_like(operand, 1), idx, updates, axis=axis)


def _mul_jvp(prim, primals, tangents, axis):
    operand, idx, updates = primals
    out = prim.bind(*primals, axis=axis)
    t_op, t_up = _tangents(primals, tangents)
    if t_op is None:
        return out, None
    spread = scatter_add_p.bind(zeros_like(operand), idx,
                                t_up * _others(operand, idx, updates, axis), axis=axis)
    return out, t_op * _multiplier(operand, idx, updates, axis) + operand * spread


def _mul_vjp(prim, ct, primals, out, axis):
    operand, idx, updates = primals
    return ((lambda: ct * _multiplier(operand, idx, updates, axis)), None,
            (lambda: take_p.bind(ct * operand, idx, axis=axis)
             * _others(operand, idx, updates, axis)))


def _extremum_weights(operand, idx, updates, out, axis):
    """Where the result came from: (operand's share, updates' share) of each slot's
    derivative, ties split evenly (as ``max`` does)."""
    dt = updates.dtype
    hit_op = convert_element_type(eq_p.bind(operand, out), dt)
    hit_up = convert_element_type(eq_p.bind(updates, take_p.bind(out, idx, axis=axis)), dt)
    count = hit_op + scatter_add_p.bind(zeros_like(operand), idx, hit_up, axis=axis)
    share = take_p.bind(count, idx, axis=axis)
    return hit_op / count, hit_up / share


def _extremum_jvp(prim, primals, tangents, axis):
    operand, idx, updates = primals
    out = prim.bind(*primals, axis=axis)
    t_op, t_up = _tangents(primals, tangents)
    if t_op is None:
        return out, None
    w_op, w_up = _extremum_weights(operand, idx, updates, out, axis)
    return out, t_op * w_op + scatter_add_p.bind(zeros_like(operand), idx, t_up * w_up,
                                                 axis=axis)


def _extremum_vjp(prim, ct, primals, out, axis):
    operand, idx, updates = primals
    w_op, w_up = _extremum_weights(operand, idx, updates, out, axis)
    return (lambda: ct * w_op), None, (lambda: take_p.bind(ct, idx, axis=axis) * w_up)


def _assign(out, where, updates):
    out[where] = updates


scatter_add_p = _scatter_primitive("add", np.add.at, _linear_jvp, _add_vjp)
scatter_p = _scatter_primitive("set", _assign, _linear_jvp, _set_vjp)
scatter_mul_p = _scatter_primitive("mul", np.multiply.at, _mul_jvp, _mul_vjp)
scatter_min_p = _scatter_primitive("min", np.minimum.at, _extremum_jvp, _extremum_vjp)
scatter_max_p = _scatter_primitive("max", np.maximum.at, _extremum_jvp, _extremum_vjp)
