"""``checkpoint`` (alias ``remat``): trade compute for memory in reverse mode.

Reverse mode keeps, for every primitive of the forward pass, the values its derivative needs,
until the backward pass has used them. A checkpointed function is recorded as one equation
that keeps only its inputs: its inner values are freed as soon as the forward pass is past it,
and its backward rule runs the function's forward pass again (under a fresh reverse-mode level)
to differentiate it. Under ``jit`` the compiled backward pass may share the recomputed values
with the forward ones (common subexpressions are merged), so there it saves nothing; it is an
eager-mode memory tool, as the measured example in ``benchmarks/checkpoint_memory.py`` shows.
"""
from . import tree as pytree
from .ad import jvp_flat, vjp_flat
from .batching import vmap
from .core.avals import is_inexact
from .core.primitive import NOT_SUPPORTED, Primitive
from .core.tracing import get_aval, trace_to_ir


class _Call:
    """The function a checkpoint wraps, on flat leaves (hashable by identity)."""

    def __init__(self, fun, in_tree):
        self.fun, self.in_tree, self.out_tree = fun, in_tree, None

    def fun_flat(self, *leaves):
        out = self.fun(*pytree.tree_unflatten(self.in_tree, list(leaves)))
        out_leaves, self.out_tree = pytree.tree_flatten(out)
        return out_leaves


def _impl(*leaves, call):
    return call.fun_flat(*leaves)


def _abstract(*avals, call):
    return trace_to_ir(call.fun_flat, list(avals)).out_avals


def _jvp(primals, tangents, call):
    return jvp_flat(call.fun_flat, list(primals), list(tangents))


def _vjp(cts, primals, out, call):
    # recompute the forward pass from the kept inputs, this time recording it
    _, backward, _ = vjp_flat(lambda *xs: (call.fun_flat(*xs), None), list(primals))
    grads = backward(list(cts))
    return [g if is_inexact(get_aval(p).dtype) else None for g, p in zip(grads, primals)]


def _batch(vals, dims, call):
    axes = tuple(dims)
    inner = _Call(vmap(call.fun_flat, in_axes=axes), pytree.tree_structure(tuple(vals)))
    outs = checkpoint_p.bind(*vals, call=inner)
    return outs, [0] * len(outs)


# Staged (make_ir, jit), the call is traced through: it never reaches the backend.
checkpoint_p = Primitive("checkpoint", multiple_results=True, impl=_impl, abstract_eval=_abstract,
                         jvp=_jvp, vjp=_vjp, batch=_batch, lowering=NOT_SUPPORTED,
                         inline_when_staged=True)


def checkpoint(fun, prevent_cse=True, policy=None, static_argnums=()):
    """``fun``, whose reverse-mode derivative recomputes its forward pass instead of keeping
    its intermediate values (``remat`` is the same function). ``prevent_cse`` and ``policy``
    are accepted for JAX compatibility; funcgrad recomputes everything inside ``fun``.

    >>> import funcgrad as fg, funcgrad.numpy as fnp
    >>> layer = checkpoint(lambda w, x: fnp.tanh(w * x))
    >>> float(fg.grad(lambda w: layer(w, 2.0))(0.0))
    2.0
    """
    static = (static_argnums,) if isinstance(static_argnums, int) else tuple(static_argnums)

    def wrapped(*args):
        if static:
            fixed = {i: args[i] for i in static}
            dyn = tuple(a for i, a in enumerate(args) if i not in fixed)
            return checkpoint(lambda *d: fun(*_merge(fixed, d, len(args))))(*dyn)
        leaves, in_tree = pytree.tree_flatten(args)
        call = _Call(fun, in_tree)
        outs = checkpoint_p.bind(*leaves, call=call)
        return pytree.tree_unflatten(call.out_tree, outs)

    wrapped.__name__ = f"checkpoint({getattr(fun, '__name__', 'fun')})"
    wrapped.__doc__ = getattr(fun, "__doc__", None)
    return wrapped


def _merge(fixed, dyn, n):
    it = iter(dyn)
    return [fixed[i] if i in fixed else next(it) for i in range(n)]


remat = checkpoint
