"""``custom_vjp``: a function whose reverse-mode derivative is given by the user.

Reverse mode records one node for the whole function and calls the user's ``bwd`` in the
backward pass, recomputing ``fwd``'s residuals there (the forward pass runs ``fun`` itself,
so every transformation level sees one primitive, and each level's backward pass gets
residuals that are values of that level: that is what lets ``grad(grad(f))`` differentiate a
traceable ``bwd``). Forward mode (``jvp``, ``jacfwd``) differentiates ``fun`` itself, where JAX
raises: the custom rule is a reverse-mode rule. Under ``make_ir``/``jit`` the function is traced
through, and under ``jit(grad(f))`` the backward pass traces ``bwd``, so the compiled gradient
uses the custom rule. Under ``vmap`` the call stays one custom call whose ``fun``, ``fwd`` and
``bwd`` are vmapped.
"""
import numpy as np

from . import tree as pytree
from .ad import jvp_flat, vjp_flat
from .batching import vmap
from .core.avals import is_inexact
from .core.primitive import NOT_SUPPORTED, Primitive
from .core.tracing import get_aval, trace_to_ir
from .errors import user_frame
from .ops.broadcasting import move_to_front, reduce_sum_p


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


def _residuals(cv, args):
    res = cv.fwd(*args)
    if not (isinstance(res, tuple) and len(res) == 2):
        raise TypeError(f"custom_vjp {cv.__name__}: fwd must return a pair (output, "
                        f"residuals), got {type(res).__name__} (at {user_frame()})")
    return res[1]


def _flat_cotangents(cv, args, grads):
    """Check ``bwd``'s result against the arguments; one cotangent (or None) per leaf."""
    if not isinstance(grads, tuple) or len(grads) != len(args):
        got = f"a tuple of length {len(grads)}" if isinstance(grads, tuple) \
            else f"a {type(grads).__name__}"
        raise TypeError(f"custom_vjp {cv.__name__}: bwd must return a tuple with one "
                        f"cotangent per argument ({len(args)}), got {got}. Write "
                        "`return (ct_x,)` for a function of one argument.")
    flat = []
    for i, (a, g) in enumerate(zip(args, grads)):
        a_leaves, a_tree = pytree.tree_flatten(a)
        if g is None:
            flat += [None] * len(a_leaves)
            continue
        g_leaves, g_tree = pytree.tree_flatten(g)
        if g_tree != a_tree:
            raise ValueError(f"custom_vjp {cv.__name__}: bwd's cotangent for argument {i} has "
                             f"structure {g_tree}, but the argument has {a_tree}")
        for x, gl in zip(a_leaves, g_leaves):
            if gl is not None and tuple(get_aval(gl).shape) != get_aval(x).shape:
                raise ValueError(f"custom_vjp {cv.__name__}: bwd returned a cotangent of "
                                 f"shape {get_aval(gl).shape} for argument {i}, of shape "
                                 f"{get_aval(x).shape}")
        flat += g_leaves
    return flat


def _vjp(cts, primals, out, call):
    args = pytree.tree_unflatten(call.in_tree, list(primals))
    res = _residuals(call.cv, args)
    grads = call.cv.bwd(res, pytree.tree_unflatten(call.out_tree, list(cts)))
    return _flat_cotangents(call.cv, args, grads)


def _batch(vals, dims, call):
    # The batched call is again one custom call, on the flat leaves, with fun, fwd and bwd
    # vmapped: so grad(vmap(f)) still uses the user's rule, and under jit the IR does not grow
    # with the batch size. Unbatched arguments stay unbatched (fun may need them concrete);
    # their cotangents are summed over the batch.
    cv, in_tree = call.cv, call.in_tree
    axes = tuple(None if d is None else 0 for d in dims)
    size = next(get_aval(v).shape[d] for v, d in zip(vals, dims) if d is not None)

    def fun(*leaves):
        return cv.fun(*pytree.tree_unflatten(in_tree, leaves))

    def residuals(*leaves):
        return _residuals(cv, pytree.tree_unflatten(in_tree, leaves))

    def bwd(res, leaves, ct):
        args = pytree.tree_unflatten(in_tree, leaves)
        return tuple(_flat_cotangents(cv, args, cv.bwd(res, ct)))

    def fwd_batched(*leaves):
        # _vjp uses only the residuals; the arguments ride along so bwd sees each example's
        res = vmap(residuals, in_axes=axes)(*leaves)
        return None, (res, leaves)

    def bwd_batched(res_and_args, ct):
        res, leaves = res_and_args
        grads = vmap(bwd, in_axes=(0, axes, 0))(res, leaves, ct)
        return tuple(g if g is None or d == 0 else reduce_sum_p.bind(g, axes=(0,))
                     for g, d in zip(grads, axes))

    batched = custom_vjp(vmap(fun, in_axes=axes))
    batched.defvjp(fwd_batched, bwd_batched)
    batched.__name__ = cv.__name__
    inner = _Call(batched, pytree.tree_structure(tuple(vals)))
    vals = [v if d is None else move_to_front(v, d, size) for v, d in zip(vals, dims)]
    outs = custom_vjp_call_p.bind(*vals, call=inner)
    call.out_tree = inner.out_tree
    return outs, [0] * len(outs)


# Staged (make_ir, jit), the call is traced through: it never reaches the backend.
custom_vjp_call_p = Primitive("custom_vjp_call", multiple_results=True, impl=_impl,
                              abstract_eval=_abstract, jvp=_jvp, vjp=_vjp, batch=_batch,
                              lowering=NOT_SUPPORTED, inline_when_staged=True)


class custom_vjp:
    """Give ``fun`` a custom reverse-mode derivative with ``.defvjp(fwd, bwd)``.

    ``fwd(*args) -> (out, residuals)``; ``bwd(residuals, ct) -> tuple`` with one cotangent
    (a pytree shaped like the argument, or ``None`` for zero) per argument. ``bwd`` written in
    traceable operations can itself be differentiated (``grad(grad(f))``). Forward mode
    (``jvp``, ``jacfwd``, ``hessian``'s outer pass) differentiates ``fun`` instead; JAX raises
    there.

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
        """Set the rule: ``fwd(*args) -> (out, residuals)``, ``bwd(residuals, ct) -> tuple``."""
        self.fwd, self.bwd = fwd, bwd

    def __call__(self, *args):
        if self.fwd is None:
            raise TypeError(f"custom_vjp function {self.__name__} has no rule: call "
                            ".defvjp(fwd, bwd) before using it")
        leaves, in_tree = pytree.tree_flatten(args)
        call = _Call(self, in_tree)
        outs = custom_vjp_call_p.bind(*leaves, call=call)  # every path runs fun_flat once
        return pytree.tree_unflatten(call.out_tree, outs)


# --- custom_jvp -------------------------------------------------------------------------------

class _JvpCall(_Call):
    """A custom_jvp's bundle; ``rule_flat`` applies the user's rule to flat leaves."""

    def rule_flat(self, primals, tangents):
        p = pytree.tree_unflatten(self.in_tree, list(primals))
        t = pytree.tree_unflatten(self.in_tree, list(tangents))
        res = self.cv.jvp(p, t)
        name = self.cv.__name__
        if not (isinstance(res, tuple) and len(res) == 2):
            raise TypeError(f"custom_jvp {name}: the rule must return a pair (primal_out, "
                            f"tangent_out), got {type(res).__name__} (at {user_frame()})")
        out, t_out = pytree.tree_flatten(res[0]), pytree.tree_flatten(res[1])
        self.out_tree = out[1]
        if t_out[1] != out[1]:
            raise ValueError(f"custom_jvp {name}: the rule's tangent_out has structure "
                             f"{t_out[1]} but primal_out has {out[1]}")
        for o, t in zip(out[0], t_out[0]):
            if tuple(get_aval(o).shape) != tuple(get_aval(t).shape):
                raise ValueError(f"custom_jvp {name}: a tangent of shape {get_aval(t).shape} "
                                 f"for an output of shape {get_aval(o).shape}")
        return out[0], t_out[0]


def _zero_tangent(primal):
    return np.zeros(get_aval(primal).shape, get_aval(primal).dtype)


def _jvp_rule_jvp(primals, tangents, call):
    tangents = [_zero_tangent(p) if t is None else t for p, t in zip(primals, tangents)]
    return call.rule_flat(primals, tangents)


def _jvp_rule_vjp(cts, primals, out, call):
    # The tangent output is linear in the tangents, so its VJP with respect to them (taken at
    # zero tangents) is the transpose: the reverse-mode derivative the rule implies.
    floats = [i for i, p in enumerate(primals) if is_inexact(get_aval(p).dtype)]

    def tangent_map(*ts):
        full = [_zero_tangent(p) for p in primals]
        for i, t in zip(floats, ts):
            full[i] = t
        return call.rule_flat(primals, full)[1], None

    _, fn, _ = vjp_flat(tangent_map, [_zero_tangent(primals[i]) for i in floats])
    grads = fn(list(cts))
    out_cts = [None] * len(primals)
    for i, g in zip(floats, grads):
        out_cts[i] = g
    return out_cts


def _jvp_rule_batch(vals, dims, call):
    axes = tuple(None if d is None else 0 for d in dims)
    size = next(get_aval(v).shape[d] for v, d in zip(vals, dims) if d is not None)
    cv, in_tree = call.cv, call.in_tree

    def fun(*leaves):
        return cv.fun(*pytree.tree_unflatten(in_tree, leaves))

    def one_example(p, t):
        return cv.jvp(pytree.tree_unflatten(in_tree, list(p)),
                      pytree.tree_unflatten(in_tree, list(t)))

    def rule(primals, tangents):
        return vmap(one_example, in_axes=(axes, axes))(tuple(primals), tuple(tangents))

    batched = custom_jvp(vmap(fun, in_axes=axes))
    batched.defjvp(rule)
    batched.__name__ = cv.__name__
    vals = [v if d is None else move_to_front(v, d, size) for v, d in zip(vals, dims)]
    inner = _JvpCall(batched, pytree.tree_structure(tuple(vals)))
    outs = custom_jvp_call_p.bind(*vals, call=inner)
    call.out_tree = inner.out_tree
    return outs, [0] * len(outs)


# Staged (make_ir, jit), the call is traced through, like custom_vjp_call.
custom_jvp_call_p = Primitive("custom_jvp_call", multiple_results=True, impl=_impl,
                              abstract_eval=_abstract, jvp=_jvp_rule_jvp, vjp=_jvp_rule_vjp,
                              batch=_jvp_rule_batch, lowering=NOT_SUPPORTED,
                              inline_when_staged=True)


class custom_jvp:
    """Give ``fun`` a custom forward-mode derivative with ``.defjvp(rule)``, used by every
    transformation: ``jvp``, and ``grad``/``vjp`` too (the rule's tangent output is linear in
    the tangents; reverse mode transposes it), ``jit``, ``vmap`` and higher orders.

    ``rule(primals, tangents) -> (primal_out, tangent_out)``, where ``primals`` and
    ``tangents`` are tuples shaped like the arguments.

    >>> import funcgrad as fg, funcgrad.numpy as fnp
    >>> @custom_jvp
    ... def log1pexp(x):
    ...     return fnp.log1p(fnp.exp(x))
    >>> @log1pexp.defjvp
    ... def _(primals, tangents):
    ...     (x,), (t,) = primals, tangents
    ...     return log1pexp(x), t * fg.scipy.special.expit(x)  # stable: no inf/inf
    >>> float(fg.grad(log1pexp)(1000.0)), float(fg.jvp(log1pexp, (0.0,), (2.0,))[1])
    (1.0, 1.0)
    """

    def __init__(self, fun):
        self.fun = fun
        self.jvp = None
        self.__name__ = getattr(fun, "__name__", "custom_jvp")
        self.__doc__ = getattr(fun, "__doc__", None)

    def defjvp(self, rule):
        """Set the rule ``rule(primals, tangents) -> (primal_out, tangent_out)``; returns it, so
        it can be used as a decorator."""
        self.jvp = rule
        return rule

    def __call__(self, *args):
        if self.jvp is None:
            raise TypeError(f"custom_jvp function {self.__name__} has no rule: call "
                            ".defjvp(rule) before using it")
        leaves, in_tree = pytree.tree_flatten(args)
        call = _JvpCall(self, in_tree)
        outs = custom_jvp_call_p.bind(*leaves, call=call)
        return pytree.tree_unflatten(call.out_tree, outs)
