"""``custom_vjp``: a function whose reverse-mode derivative is given by the user.

Reverse mode records one node for the whole function and calls the user's ``bwd`` in the
backward pass (recomputing ``fwd``'s residuals there). Forward mode differentiates the function
itself. Under ``make_ir``/``jit`` the function is traced through, and under ``jit(grad(f))`` the
backward pass traces ``bwd``, so the compiled gradient uses the custom rule.
"""
from . import tree as pytree
from .ad import jvp_flat
from .core.primitive import Primitive
from .core.tracing import get_aval, trace_to_ir
from .errors import user_frame


class _Call:
    """The (hashable by identity) bundle of a custom_vjp's functions and argument structure."""

    def __init__(self, cv, in_tree):
        self.cv, self.in_tree = cv, in_tree
        self.out_tree = None

    def fun_flat(self, *leaves):
        out = self.cv.fun(*pytree.tree_unflatten(self.in_tree, leaves))
        out_leaves, self.out_tree = pytree.tree_flatten(out)
        return out_leaves


def _impl(*leaves, call):
    return call.fun_flat(*leaves)


def _abstract(*avals, call):
    return trace_to_ir(lambda *xs: call.fun_flat(*xs), list(avals)).out_avals


def _jvp(primals, tangents, call):
    return jvp_flat(call.fun_flat, list(primals), list(tangents))


def _vjp(cts, primals, out, call):
    args = pytree.tree_unflatten(call.in_tree, list(primals))
    res = call.cv.fwd(*args)
    if not (isinstance(res, tuple) and len(res) == 2):
        raise TypeError(f"custom_vjp: fwd must return (output, residuals), got "
                        f"{type(res).__name__} (at {user_frame()})")
    ct_tree = pytree.tree_unflatten(call.out_tree, list(cts))
    grads = call.cv.bwd(res[1], ct_tree)
    if not isinstance(grads, tuple) or len(grads) != len(args):
        raise TypeError(f"custom_vjp: bwd must return a tuple with one cotangent per argument "
                        f"({len(args)}), got {type(grads).__name__} of length "
                        f"{len(grads) if isinstance(grads, tuple) else '-'}")
    flat = []
    for a, g in zip(args, grads):
        a_leaves = pytree.tree_leaves(a)
        g_leaves = [None] * len(a_leaves) if g is None else pytree.tree_leaves(g)
        if len(g_leaves) != len(a_leaves):
            raise ValueError("custom_vjp: a cotangent returned by bwd does not have the "
                             "structure of its argument")
        for x, gl in zip(a_leaves, g_leaves):
            if gl is not None and tuple(get_aval(gl).shape) != get_aval(x).shape:
                raise ValueError(f"custom_vjp: bwd returned a cotangent of shape "
                                 f"{get_aval(gl).shape} for an argument of shape "
                                 f"{get_aval(x).shape}")
        flat += g_leaves
    return flat


custom_vjp_call_p = Primitive("custom_vjp_call", multiple_results=True, impl=_impl,
                              abstract_eval=_abstract, jvp=_jvp, vjp=_vjp,
                              inline_when_staged=True)


class custom_vjp:
    """Give ``fun`` a custom reverse-mode derivative with ``.defvjp(fwd, bwd)``.

    ``fwd(*args) -> (out, residuals)``; ``bwd(residuals, ct) -> tuple`` with one cotangent
    per argument (``None`` for zero).

    >>> import funcgrad as fg, funcgrad.numpy as fnp
    >>> @custom_vjp
    ... def clip_grad(x):
    ...     return x
    >>> clip_grad.defvjp(lambda x: (x, None), lambda _, ct: (fnp.clip(ct, -1.0, 1.0),))
    >>> float(fg.grad(lambda x: 5.0 * clip_grad(x))(2.0))
    1.0
    """

    def __init__(self, fun):
        self.fun = fun
        self.fwd = self.bwd = None
        self.__name__ = getattr(fun, "__name__", "custom_vjp")
        self.__doc__ = getattr(fun, "__doc__", None)

    def defvjp(self, fwd, bwd):
        self.fwd, self.bwd = fwd, bwd

    def __call__(self, *args):
        if self.fwd is None:
            raise TypeError(f"custom_vjp function {self.__name__} has no rule: call "
                            ".defvjp(fwd, bwd) before using it")
        leaves, in_tree = pytree.tree_flatten(args)
        call = _Call(self, in_tree)
        outs = custom_vjp_call_p.bind(*leaves, call=call)  # every path runs fun_flat once
        return pytree.tree_unflatten(call.out_tree, outs)
