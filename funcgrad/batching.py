"""``vmap``: the batching transformation.

Each value carries a batch axis (or ``None``: the same for every example). A primitive's
``batch`` rule maps (operands, their batch axes) to (output, its batch axis), usually by moving
the batch axis to the front and shifting the primitive's axis parameters by one. A primitive
without a rule is applied example by example and the results stacked: correct, slower.
"""
import numpy as np

from . import tree as pytree
from .core.tracing import Trace, Tracer, get_aval, new_main
from .errors import user_frame
from .ops import shape as sh
from .ops.shape import move_to_front

_UNMAPPED = "unmapped"  # stands for in_axes=None inside pytrees (None has no leaves)


class BatchTracer(Tracer):
    __slots__ = ("val", "bdim")

    def __init__(self, trace, val, bdim):
        self._trace, self.val, self.bdim = trace, val, bdim

    @property
    def aval(self):
        a = get_aval(self.val)
        if self.bdim is None:
            return a
        shape = a.shape[:self.bdim] + a.shape[self.bdim + 1:]
        from .core.avals import ShapedArray
        return ShapedArray(shape, a.dtype)

    def full_lower(self):
        return self.val if self.bdim is None else self

    def concrete_value(self):
        raise_concrete(self)


def raise_concrete(t):
    from .errors import ConcretizationError
    raise ConcretizationError(
        f"A batched value {t.aval} was used where a single concrete Python value is needed "
        f"(an if/while condition or a shape) under vmap, at {user_frame()}: each example may "
        "differ. Use fnp.where or fg.cond instead of Python control flow.")


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
        rule = prim.batch if prim.has_rule("batch") else None
        out = None
        if rule is not None and not getattr(rule, "not_supported", False):
            try:
                out, out_dim = rule(vals, dims, **params)
            except NotImplementedError:  # a case the rule does not cover (batched indices)
                out = None
        if out is None:
            out, out_dim = batch_by_loop(prim, vals, dims, params, self.main.global_data)
        if prim.multiple_results:
            dims_out = out_dim if isinstance(out_dim, (list, tuple)) else [out_dim] * len(out)
            return [BatchTracer(self, o, d) for o, d in zip(out, dims_out)]
        return BatchTracer(self, out, out_dim)


def _index(x, i, d):
    shape = np.shape(x)
    start = [0] * len(shape)
    limit = list(shape)
    start[d], limit[d] = i, i + 1
    s = sh.slice_p.bind(x, start=tuple(start), limit=tuple(limit), step=(1,) * len(shape))
    return sh.reshape(s, shape[:d] + shape[d + 1:])


def _stack0(xs):
    return sh.concatenate([sh.reshape(x, (1,) + tuple(np.shape(x))) for x in xs], 0)


def batch_by_loop(prim, vals, dims, params, size):
    """Apply ``prim`` to each example and stack the results along axis 0."""
    outs = []
    for i in range(size):
        args = [v if d is None else _index(v, i, d) for v, d in zip(vals, dims)]
        outs.append(prim.bind(*args, **params))
    if prim.multiple_results:
        return [_stack0([o[k] for o in outs]) for k in range(len(outs[0]))], 0
    return _stack0(outs), 0


def vmap(fun, in_axes=0, out_axes=0, axis_size=None):
    """Vectorize ``fun`` over an axis of its arguments: ``vmap(f)(xs)[i] == f(xs[i])``.

    ``in_axes`` is an int, ``None`` (not batched) or a pytree prefix of the arguments;
    ``out_axes`` likewise for the outputs.

    >>> import numpy as np, funcgrad as fg, funcgrad.numpy as fnp
    >>> fg.vmap(lambda x, w: fnp.dot(x, w), in_axes=(0, None))(np.ones((4, 3)), np.ones(3))
    array([3., 3., 3., 3.])
    """
    def batched(*args):
        if isinstance(in_axes, (list, tuple)) and len(in_axes) != len(args):
            raise ValueError(f"vmap: in_axes has {len(in_axes)} entries but the function got "
                             f"{len(args)} positional arguments")
        axes = in_axes if isinstance(in_axes, (list, tuple)) else (in_axes,) * len(args)
        leaves, dims = [], []
        for a, ax in zip(args, axes):
            a_leaves, a_tree = pytree.tree_flatten(a)
            if isinstance(ax, (int, type(None))):
                ax_leaves = [ax] * len(a_leaves)
            else:
                ax_leaves = [None if d == _UNMAPPED else d
                             for d in pytree.tree_leaves(_broadcast_prefix(ax, a))]
            leaves += a_leaves
            dims += ax_leaves
        sizes = {}
        for i, (x, d) in enumerate(zip(leaves, dims)):
            if d is not None:
                shape = get_aval(x).shape
                if not -len(shape) <= d < len(shape):
                    raise ValueError(f"vmap: in_axes {d} is out of range for an argument of "
                                     f"shape {shape}")
                sizes.setdefault(shape[d % len(shape)], []).append(i)
        if len(sizes) > 1:
            raise ValueError(f"vmap: batched arguments have different sizes along their "
                             f"mapped axes: {sorted(sizes)} (leaves {list(sizes.values())})")
        size = next(iter(sizes)) if sizes else axis_size
        if size is None:
            raise ValueError("vmap: no argument is batched; pass axis_size")
        in_tree = pytree.tree_structure(args)
        with new_main(BatchTrace, size) as main:
            trace = BatchTrace(main)
            tracers = [BatchTracer(trace, x, None if d is None else d % len(get_aval(x).shape))
                       if d is not None else x for x, d in zip(leaves, dims)]
            out = fun(*pytree.tree_unflatten(in_tree, tracers))
            out_leaves, out_tree = pytree.tree_flatten(out)
            outs = [trace.full_raise(o) for o in out_leaves]
            oaxes = ([None if d == _UNMAPPED else d
                      for d in pytree.tree_leaves(_broadcast_prefix(out_axes, out))]
                     if not isinstance(out_axes, (int, type(None))) else [out_axes] * len(outs))
            results = []
            for o, oa in zip(outs, oaxes):
                if oa is None:
                    if o.bdim is not None:
                        raise ValueError("vmap: out_axes=None for an output that depends on "
                                         "the batched inputs; use out_axes=0")
                    results.append(o.val)
                    continue
                v = move_to_front(o.val, o.bdim, size)
                if oa not in (0, None):
                    nd = len(np.shape(v))
                    oa %= nd
                    perm = list(range(1, nd))
                    perm.insert(oa, 0)
                    v = sh.transpose(v, tuple(perm))
                results.append(v)
        return pytree.tree_unflatten(out_tree, results)

    batched.__name__ = f"vmap({getattr(fun, '__name__', 'f')})"
    return batched


def _broadcast_prefix(prefix, tree):
    """Expand a pytree prefix of axes to the full structure of ``tree``."""
    if isinstance(prefix, (int, type(None))):
        return pytree.tree_map(lambda _: _UNMAPPED if prefix is None else prefix, tree)
    if isinstance(prefix, dict):
        return {k: _broadcast_prefix(prefix[k], tree[k]) for k in tree}
    return type(tree)(_broadcast_prefix(p, t) for p, t in zip(prefix, tree))
