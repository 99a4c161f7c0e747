"""``vmap``: the batching transformation.

Each value carries a batch axis (or ``None``: the same for every example). A primitive's
``batch`` rule maps (operands, their batch axes) to (output, its batch axis), usually by moving
the batch axis to the front and shifting the primitive's axis parameters by one. A primitive
without a rule is applied example by example and the results stacked: correct, slower (and
under ``jit`` the IR grows with the batch size), so every primitive in ``ops/`` has a rule.
"""
import inspect

import numpy as np

from . import tree as pytree
from .ad import fun_name
from .core.avals import ShapedArray
from .core.tracing import Trace, Tracer, get_aval, new_main
from .errors import ConcretizationError, user_frame
from .ops import shape as sh


class BatchTracer(Tracer):
    __slots__ = ("val", "bdim")

    def __init__(self, trace, val, bdim):
        self._trace, self.val, self.bdim = trace, val, bdim

    @property
    def aval(self):
        a = get_aval(self.val)
        if self.bdim is None:
            return a
        return ShapedArray(a.shape[:self.bdim] + a.shape[self.bdim + 1:], a.dtype)

    def full_lower(self):
        return self.val if self.bdim is None else self

    def carries_derivative(self):
        return isinstance(self.val, Tracer) and self.val.carries_derivative()

    def concrete_value(self):
        raise ConcretizationError(
            f"A batched value {self.aval} was used where a single concrete Python value is "
            f"needed (an if/while condition, bool(), int() or a shape) under vmap, at "
            f"{user_frame()}: each example may have a different value. Use fnp.where, fg.cond "
            "or fg.while_loop instead of Python control flow.")


class BatchTrace(Trace):
    __slots__ = ()

    def pure(self, val):
        return BatchTracer(self, val, None)

    lift = pure

    def process_primitive(self, prim, tracers, params):
        vals = [t.val for t in tracers]
        dims = [t.bdim for t in tracers]
        if all(d is None for d in dims):
            out = prim.bind(*vals, **params)
            if prim.multiple_results:
                return [BatchTracer(self, o, None) for o in out]
            return BatchTracer(self, out, None)
        out = None
        if prim.has_rule("batch") and not getattr(prim.batch, "not_supported", False):
            try:
                out, out_dim = prim.batch(vals, dims, **params)
            except NotImplementedError:  # a case the rule leaves to the loop below
                out = None
        if out is None:
            out, out_dim = batch_by_loop(prim, vals, dims, params, self.main.global_data)
        if prim.multiple_results:
            dims_out = out_dim if isinstance(out_dim, (list, tuple)) else [out_dim] * len(out)
            return [BatchTracer(self, o, d) for o, d in zip(out, dims_out)]
        return BatchTracer(self, out, out_dim)


def _index(x, i, d):
    shape = tuple(np.shape(x))
    start, limit = [0] * len(shape), list(shape)
    start[d], limit[d] = i, i + 1
    s = sh.slice_p.bind(x, start=tuple(start), limit=tuple(limit), step=(1,) * len(shape))
    return sh.reshape(s, shape[:d] + shape[d + 1:])


def _stack0(xs):
    return sh.concatenate([sh.reshape(x, (1,) + tuple(np.shape(x))) for x in xs], 0)


def batch_by_loop(prim, vals, dims, params, size):
    """Apply ``prim`` to each example and stack the results along axis 0."""
    if size == 0:  # nothing to apply: the per-example output types give the empty result
        avals = [get_aval(v) for v in vals]
        avals = [a if d is None else ShapedArray(a.shape[:d] + a.shape[d + 1:], a.dtype)
                 for a, d in zip(avals, dims)]
        out = prim.abstract_eval(*avals, **params)
        empty = [np.zeros((0,) + a.shape, a.dtype) for a in (out if prim.multiple_results
                                                               else [out])]
        return (empty if prim.multiple_results else empty[0]), 0
    outs = []
    for i in range(size):
        args = [v if d is None else _index(v, i, d) for v, d in zip(vals, dims)]
        outs.append(prim.bind(*args, **params))
    if prim.multiple_results:
        return [_stack0([o[k] for o in outs]) for k in range(len(outs[0]))], 0
    return _stack0(outs), 0


def vmap(fun, in_axes=0, out_axes=0, axis_size=None):
    """Vectorize ``fun`` over an axis of its arguments: ``vmap(f)(xs)[i] == f(xs[i])``.

    ``in_axes`` is an int (the mapped axis of every argument), ``None`` (not mapped), or a tuple
    with one entry per positional argument, each an int, ``None`` or a pytree prefix of that
    argument (e.g. ``{"w": None, "b": 0}`` for a dict). Keyword arguments are mapped over axis 0.
    ``out_axes`` places the mapped axis in each output likewise (``None``: the output does not
    depend on the mapped inputs). ``axis_size`` gives the size when no argument is mapped.

    >>> import numpy as np, funcgrad as fg, funcgrad.numpy as fnp
    >>> fg.vmap(lambda x, w: fnp.dot(x, w), in_axes=(0, None))(np.ones((4, 3)), np.ones(3))
    array([3., 3., 3., 3.])
    >>> fg.vmap(lambda p: p["w"] * p["x"], in_axes=({"w": None, "x": 1},))(
    ...     {"w": 2.0, "x": np.arange(6.0).reshape(2, 3)}).tolist()
    [[0.0, 6.0], [2.0, 8.0], [4.0, 10.0]]
    """
    if isinstance(in_axes, list):
        in_axes = tuple(in_axes)
    if not (in_axes is None or _is_axis(in_axes) or isinstance(in_axes, tuple)):
        raise TypeError(f"vmap: in_axes must be an int, None, or a tuple with one entry per "
                        f"positional argument; got {in_axes!r}. For a single pytree argument "
                        "write in_axes=(spec,).")

    def batched(*args, **kwargs):
        if isinstance(in_axes, tuple) and len(in_axes) != len(args):
            raise ValueError(f"vmap({fun_name(fun)}): in_axes has {len(in_axes)} entries "
                             f"{in_axes!r} but the function was called with {len(args)} "
                             "positional arguments; give one entry per argument.")
        axes = in_axes if isinstance(in_axes, tuple) else (in_axes,) * len(args)
        labels = _arg_labels(fun, len(args))
        leaves, dims, owners = [], [], []
        for i, (a, ax) in enumerate(zip(args, axes)):
            a_leaves = pytree.tree_leaves(a)
            leaves += a_leaves
            dims += _flat_axes(ax, a, f"in_axes entry for {labels[i]}")
            owners += [labels[i]] * len(a_leaves)
        for k in sorted(kwargs):  # JAX: keyword arguments are always mapped over axis 0
            k_leaves = pytree.tree_leaves(kwargs[k])
            leaves += k_leaves
            dims += [0] * len(k_leaves)
            owners += [f"keyword argument {k!r}"] * len(k_leaves)
        size = _batch_size(fun, leaves, dims, owners, axis_size)
        in_tree = pytree.tree_structure((args, kwargs))
        with new_main(BatchTrace, size) as main:
            trace = BatchTrace(main)
            tracers = [x if d is None else BatchTracer(trace, x, d % len(get_aval(x).shape))
                       for x, d in zip(leaves, dims)]
            a, kw = pytree.tree_unflatten(in_tree, tracers)
            out = fun(*a, **kw)
            out_leaves, out_tree = pytree.tree_flatten(out)
            oaxes = _flat_axes(out_axes, out, "out_axes")
            results = [_place_output(trace.full_raise(o), oa, size, j, fun)
                       for j, (o, oa) in enumerate(zip(out_leaves, oaxes))]
        return pytree.tree_unflatten(out_tree, results)

    batched.__name__ = f"vmap({fun_name(fun)})"
    batched.__doc__ = getattr(fun, "__doc__", None)
    return batched


def _is_axis(a):
    return isinstance(a, (int, np.integer)) and not isinstance(a, (bool, np.bool_))


def _flat_axes(spec, tree, where):
    """One axis (int or None) per leaf of ``tree``, from ``spec``, a pytree prefix of it."""
    if spec is None or _is_axis(spec):
        return [None if spec is None else int(spec)] * len(pytree.tree_leaves(tree))
    s_kids, s_def = pytree.tree_flatten(spec, is_leaf=lambda y: y is not spec)
    if s_def.kind is None:
        raise TypeError(f"vmap: {where} must be an int, None or a container of them, got "
                        f"{spec!r} of type {type(spec).__name__}")
    t_kids, t_def = pytree.tree_flatten(tree, is_leaf=lambda y: y is not tree)
    if (s_def.kind, s_def.aux) != (t_def.kind, t_def.aux):
        raise ValueError(f"vmap: {where} is {spec!r}, which is not a prefix of the value's "
                         f"structure {pytree.tree_structure(tree)}; give an int or None, or a "
                         "container of the same type (and keys) holding them.")
    return [d for s, t in zip(s_kids, t_kids) for d in _flat_axes(s, t, where)]


def _arg_labels(fun, nargs):
    try:
        params = list(inspect.signature(fun).parameters.values())
    except (TypeError, ValueError):
        params = []
    names = [p.name for p in params
             if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return [f"argument {i} ({names[i]!r})" if i < len(names) else f"argument {i}"
            for i in range(nargs)]


def _batch_size(fun, leaves, dims, owners, axis_size):
    """The common size of the mapped axes; errors name the arguments at fault."""
    found = []
    for x, d, who in zip(leaves, dims, owners):
        if d is None:
            continue
        shape = get_aval(x).shape
        if not -len(shape) <= d < len(shape):
            raise ValueError(f"vmap({fun_name(fun)}): in_axes={d} is out of range for {who}, "
                             f"of shape {shape} ({len(shape)} axes): axes run from "
                             f"{-len(shape)} to {len(shape) - 1}. Use None for an argument "
                             "that is not mapped.")
        found.append((who, d, shape[d]))
    sizes = sorted({n for _, _, n in found})
    if len(sizes) > 1:
        detail = "; ".join(f"{who} has size {n} along axis {d}" for who, d, n in found)
        raise ValueError(f"vmap({fun_name(fun)}): the mapped axes have different sizes "
                         f"{sizes}: {detail}. Every mapped argument needs the same size "
                         "along its mapped axis.")
    if axis_size is not None and sizes and sizes[0] != axis_size:
        raise ValueError(f"vmap({fun_name(fun)}): axis_size={axis_size} but the mapped "
                         f"arguments have size {sizes[0]}")
    if sizes:
        return sizes[0]
    if axis_size is None:
        raise ValueError(f"vmap({fun_name(fun)}): no argument is mapped (in_axes are all None "
                         "or there are no array arguments); pass axis_size=N.")
    return int(axis_size)


def _place_output(o, oa, size, j, fun):
    if oa is None:
        if o.bdim is not None:
            raise ValueError(f"vmap({fun_name(fun)}): out_axes is None for output {j}, but that "
                             "output depends on the mapped inputs (it differs per example); "
                             "use out_axes=0.")
        return o.val
    v = sh.move_to_front(o.val, o.bdim, size)
    nd = len(np.shape(v))
    if not -nd <= oa < nd:
        raise ValueError(f"vmap({fun_name(fun)}): out_axes={oa} is out of range for output {j}, "
                         f"which has {nd} axes with the mapped one")
    oa %= nd
    if oa:
        perm = list(range(1, nd))
        perm.insert(oa, 0)
        v = sh.transpose(v, tuple(perm))
    return v
