"""Automatic differentiation: forward mode by a JVP trace, reverse mode by a tape.

Complex values follow JAX's convention (``ops/complex.py``): a complex value's tangent is
complex, and a cotangent pairs with a tangent through ``Re(sum(ct * t))``, so the VJP of a
holomorphic function is ``ct * f'(z)`` and ``grad`` of a real function of ``z = x + iy`` is
``df/dx - i df/dy``. ``grad`` of a complex-valued function needs ``holomorphic=True``.

Forward mode (``jvp``): every value carries a tangent; each primitive's ``jvp`` rule maps
(primals, tangents) to (output, output tangent). ``None`` is a tangent known to be zero.

Reverse mode (``vjp``): the forward pass runs on tracers that record, for every primitive
applied, a ``Node`` (the primitive, its inputs' nodes, its primal inputs and output). The
backward pass walks the nodes in reverse topological order and applies each primitive's ``vjp``
rule. Rules are written in traceable operations, so the backward pass is itself traced by any
transformation underneath: that is what makes ``grad(grad(f))``, ``jit(grad(f))`` and
``hessian`` work without special cases. Each transformation has its own level in the trace stack,
so nested derivatives never confuse their perturbations.
"""
import numpy as np

from . import tree as pytree
from .core import nans
from .core.avals import ShapedArray, check_dtype, is_complex, is_inexact
from .core.interpret import eval_ir
from .core.tracing import Trace, Tracer, bind, get_aval, new_main, trace_to_ir
from .errors import user_frame
from .ops import elementwise as ew


def _as_primal(x):
    """Python scalars become 0-d arrays, so every primal has a dtype."""
    return np.asarray(x) if isinstance(x, (bool, int, float, complex)) else x


def _concrete(x):
    return x.concrete_value() if isinstance(x, Tracer) else np.asarray(x)


def zeros_like_aval(aval):
    """Zeros of ``aval``'s shape and dtype (a zero tangent or cotangent made concrete)."""
    return np.zeros(aval.shape, aval.dtype)


# ---------------------------------------------------------------------------------------------
# Forward mode

class PrimalTracer(Tracer):
    """A tracer wrapping a value of the level below (its ``primal``), as both AD modes do."""

    __slots__ = ("primal",)

    @property
    def aval(self):
        return get_aval(self.primal)

    # shape/dtype straight from the primal: the NumPy layer asks for them on every operation.
    shape = property(lambda self: self.primal.shape)
    dtype = property(lambda self: self.primal.dtype)
    ndim = property(lambda self: self.primal.ndim)

    def concrete_value(self):
        return _concrete(self.primal)

    def carries_derivative(self):
        return self.own_derivative() or (isinstance(self.primal, Tracer)
                                         and self.primal.carries_derivative())


class JVPTracer(PrimalTracer):
    __slots__ = ("tangent",)

    def __init__(self, trace, primal, tangent):
        self._trace, self.primal, self.tangent = trace, primal, tangent

    def full_lower(self):
        # A value with a zero tangent is just its primal to the levels below.
        return self.primal if self.tangent is None else self

    def own_derivative(self):
        return self.tangent is not None


class JVPTrace(Trace):
    __slots__ = ()

    def pure(self, val):
        return JVPTracer(self, val, None)

    lift = pure

    def process_primitive(self, prim, tracers, params):
        primals = [t.primal for t in tracers]
        tangents = [t.tangent for t in tracers]
        if not prim.differentiable or all(t is None for t in tangents):
            out = prim.bind(*primals, **params)
            if prim.multiple_results:
                return [JVPTracer(self, o, None) for o in out]
            return JVPTracer(self, out, None)
        out, t_out = prim.jvp(primals, tangents, **params)
        if prim.multiple_results:
            return [JVPTracer(self, o, _float_tangent(o, t)) for o, t in zip(out, t_out)]
        return JVPTracer(self, out, _float_tangent(out, t_out))


def _float_tangent(out, t):
    """Only inexact (float, complex) values carry tangents."""
    return t if t is not None and is_inexact(get_aval(out).dtype) else None


def jvp_flat(fun, primals, tangents):
    """Forward mode on flat lists: returns (primal outputs, tangent outputs)."""
    primals = [_as_primal(p) for p in primals]
    with new_main(JVPTrace) as main:
        trace = JVPTrace(main)
        tracers_in = [JVPTracer(trace, p, t if is_inexact(get_aval(p).dtype) else None)
                      for p, t in zip(primals, tangents)]
        outs = [trace.full_raise(o) for o in fun(*tracers_in)]
    primals_out = [o.primal for o in outs]
    tangents_out = [o.tangent if o.tangent is not None else zeros_like_aval(get_aval(o.primal))
                    for o in outs]
    return primals_out, tangents_out


def jvp(fun, primals, tangents):
    """Forward-mode derivative: ``(fun(*primals), J @ tangents)``.

    >>> import funcgrad as fg, funcgrad.numpy as fnp
    >>> y, t = jvp(fnp.sin, (0.0,), (2.0,))
    >>> float(y), float(t)
    (0.0, 2.0)
    """
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise TypeError("jvp(fun, primals, tangents): primals and tangents must be tuples or "
                        f"lists of arguments, got {type(primals).__name__} and "
                        f"{type(tangents).__name__}. Write jvp(f, (x,), (v,)).")
    p_leaves, p_tree = pytree.tree_flatten(tuple(primals))
    t_leaves, t_tree = pytree.tree_flatten(tuple(tangents))
    if p_tree != t_tree:
        raise ValueError(f"jvp: primals have structure {p_tree} but tangents have {t_tree}; "
                         "they must match.")
    check_leaves(p_leaves, "jvp")
    for i, (p, t) in enumerate(zip(p_leaves, t_leaves)):
        pa, ta = get_aval(p), get_aval(t)
        if pa.shape != ta.shape:
            raise ValueError(f"jvp: tangent {i} has shape {ta.shape} but its primal has shape "
                             f"{pa.shape}; each tangent must have its primal's shape.")
    out_tree = []

    def flat_fun(*leaves):
        out = fun(*pytree.tree_unflatten(p_tree, leaves))
        leaves_out, td = pytree.tree_flatten(out)
        out_tree.append(td)
        return leaves_out

    t_leaves = [_as_tangent(t, p) for t, p in zip(t_leaves, p_leaves)]
    po, to = jvp_flat(flat_fun, p_leaves, t_leaves)
    return (pytree.tree_unflatten(out_tree[0], [to_user(x) for x in po]),
            pytree.tree_unflatten(out_tree[0], [to_user(x) for x in to]))


def linearize(fun, *primals):
    """``(fun(*primals), f_jvp)`` where ``f_jvp(*tangents)`` is the derivative at ``primals``
    applied to ``tangents``, computed without evaluating ``fun`` again: the tangent
    computation is recorded once as an IR over the tangents (the primal values it needs are
    its constants) and ``f_jvp`` evaluates that IR.

    >>> import funcgrad.numpy as fnp
    >>> y, f_jvp = linearize(fnp.sin, 0.0)
    >>> float(y), float(f_jvp(2.0))
    (0.0, 2.0)
    """
    p_leaves, p_tree = pytree.tree_flatten(primals)
    check_leaves(p_leaves, "linearize")
    p_leaves = [_as_primal(p) for p in p_leaves]
    floats = [i for i, p in enumerate(p_leaves) if is_inexact(get_aval(p).dtype)]
    out_tree, primals_out = [], []

    def tangent_fun(*tangents):
        full = [None] * len(p_leaves)
        for i, t in zip(floats, tangents):
            full[i] = t

        def flat_fun(*leaves):
            leaves_out, td = pytree.tree_flatten(fun(*pytree.tree_unflatten(p_tree, leaves)))
            out_tree.append(td)
            return leaves_out
        po, to = jvp_flat(flat_fun, p_leaves, full)
        primals_out.extend(po)
        return to

    ir = trace_to_ir(tangent_fun, [get_aval(p_leaves[i]) for i in floats], partial=True)

    def f_jvp(*tangents):
        t_leaves, t_tree = pytree.tree_flatten(tangents)
        if t_tree != p_tree:
            raise ValueError(f"linearize: f_jvp takes tangents shaped like the primals "
                             f"{p_tree}, got {t_tree}")
        ts = [_as_tangent(t_leaves[i], p_leaves[i]) for i in floats]
        return pytree.tree_unflatten(out_tree[0], [to_user(o) for o in
                                                   eval_ir(ir, ir.consts, ts)])

    return pytree.tree_unflatten(out_tree[0], [to_user(p) for p in primals_out]), f_jvp


def _as_tangent(t, p):
    dtype = get_aval(p).dtype
    _check_not_complex(t, dtype, "jvp: a tangent", "its primal")
    if isinstance(t, Tracer):
        return t
    return np.asarray(t, dtype=dtype if is_inexact(dtype) else np.float64)


def _check_not_complex(v, dtype, what, of):
    """A complex tangent or cotangent for a real value would lose its imaginary part."""
    vdtype = get_aval(v).dtype if isinstance(v, (Tracer, np.ndarray, np.generic)) \
        else np.asarray(v).dtype
    if is_complex(vdtype) and not is_complex(dtype):
        raise TypeError(f"{what} has dtype {vdtype} but {of} is real ({dtype}): its imaginary "
                        f"part would be dropped (at {user_frame()}). Pass a real one, or make "
                        "the value complex (x.astype(np.complex128)).")


# ---------------------------------------------------------------------------------------------
# Reverse mode

class Node:
    """One recorded primitive application (``prim is None`` marks an input)."""

    __slots__ = ("prim", "params", "parents", "primals", "out", "cts", "where")

    def __init__(self, prim, params, parents, primals, out):
        self.prim, self.params, self.parents, self.primals, self.out = (
            prim, params, parents, primals, out)
        self.cts = None
        # the user's line, for FUNCGRAD_DEBUG_NANS reports (looking it up costs a stack walk)
        self.where = user_frame() if nans.enabled else None


class VJPTracer(PrimalTracer):
    __slots__ = ("node", "index")

    def __init__(self, trace, primal, node, index=0):
        self._trace, self.primal, self.node, self.index = trace, primal, node, index

    def full_lower(self):
        return self.primal if self.node is None else self

    def own_derivative(self):
        return self.node is not None


class VJPTrace(Trace):
    __slots__ = ()

    def pure(self, val):
        return VJPTracer(self, val, None)

    lift = pure

    def process_primitive(self, prim, tracers, params):
        primals = [t.primal for t in tracers]
        out = bind(prim, *primals, **params)
        parents = [None if t.node is None else (t.node, t.index) for t in tracers]
        if not prim.differentiable or all(p is None for p in parents):
            node = None
        else:
            node = Node(prim, params, parents, primals, out)
        if prim.multiple_results:
            return [VJPTracer(self, o, node if is_inexact(o.dtype) else None, i)
                    for i, o in enumerate(out)]
        return VJPTracer(self, out, node if is_inexact(out.dtype) else None)


def _toposort(roots):
    """Nodes reachable from ``roots``, every node after all of its parents."""
    order, seen = [], set()
    for root in roots:
        if root is None or id(root) in seen:
            continue
        seen.add(id(root))
        stack = [(root, iter(root.parents))]
        while stack:
            node, it = stack[-1]
            for p in it:
                if p is not None and id(p[0]) not in seen:
                    seen.add(id(p[0]))
                    stack.append((p[0], iter(p[0].parents)))
                    break
            else:
                stack.pop()
                order.append(node)
    return order


def backward_pass(roots, cts, leaves):
    """Propagate cotangents ``cts`` from ``roots`` (list of (node, index) or None) to ``leaves``.

    Returns one cotangent (or None for zero) per leaf node. Cotangents accumulate on the
    nodes themselves (``node.cts``) for the duration of the pass.
    """
    order = _toposort([r[0] for r in roots if r is not None])
    for node in order:
        node.cts = None
    try:
        for r, ct in zip(roots, cts):
            if r is not None and ct is not None:
                _accumulate(r[0], r[1], ct)
        for node in reversed(order):
            cts_out = node.cts
            if cts_out is None or node.prim is None:
                continue
            node.cts = None
            prim = node.prim
            if prim.multiple_results:
                ct = [c if c is not None else zeros_like_aval(get_aval(o))
                      for c, o in zip(cts_out, node.out)]
            else:
                ct = cts_out[0]
            if nans.enabled:
                with nans.backward_of(prim.name, node.where):
                    _propagate(node, ct)
            else:
                _propagate(node, ct)
        return [None if leaf is None or leaf.cts is None else leaf.cts[0] for leaf in leaves]
    finally:
        for node in order:
            node.cts = None


def _propagate(node, ct):
    """Apply ``node``'s VJP rule to its output cotangent ``ct``; accumulate on its parents."""
    cts_in = node.prim.vjp(ct, node.primals, node.out, **node.params)
    for parent, c in zip(node.parents, cts_in):
        if parent is None or c is None:
            continue
        if callable(c):
            c = c()  # rules return thunks so unneeded cotangents are never computed
        if nans.enabled:
            nans.check_cotangent(node.prim.name, node.where, [ct, *node.primals], c)
        _accumulate(parent[0], parent[1], c)


def _accumulate(node, i, ct):
    slot = node.cts
    if slot is None:
        slot = node.cts = [None] * (len(node.out) if node.prim is not None
                                    and node.prim.multiple_results else 1)
    slot[i] = ct if slot[i] is None else ew.add(slot[i], ct)


def vjp_flat(fun, primals):
    """Reverse mode on flat lists. Returns (primal outputs, vjp_fn, aux) where ``fun`` returns
    ``(list_of_outputs, aux)`` and ``vjp_fn(cts)`` returns one cotangent per primal."""
    primals = [_as_primal(p) for p in primals]
    with new_main(VJPTrace) as main:
        trace = VJPTrace(main)
        leaves, tracers_in = [], []
        for p in primals:
            if is_inexact(get_aval(p).dtype):
                leaf = Node(None, None, (), (), None)
                tracers_in.append(VJPTracer(trace, p, leaf))
            else:
                leaf = None
                tracers_in.append(p)
            leaves.append(leaf)
        outs, aux = fun(*tracers_in)
        outs = [trace.full_raise(o) for o in outs]
        aux = pytree.tree_map(lambda x: _lower_out(x, main), aux)
    primals_out = [o.primal for o in outs]
    roots = [None if o.node is None else (o.node, o.index) for o in outs]
    out_avals = [get_aval(p) for p in primals_out]
    in_avals = [get_aval(p) for p in primals]

    def vjp_fn(cts):
        for i, (ct, a) in enumerate(zip(cts, out_avals)):
            if ct is not None and tuple(np.shape(ct)) != a.shape:
                raise ValueError(f"vjp: cotangent {i} has shape {tuple(np.shape(ct))} but the "
                                 f"output it belongs to has shape {a.shape}.")
        for ct, a in zip(cts, out_avals):
            if ct is not None:
                _check_not_complex(ct, a.dtype, "vjp: a cotangent", "the output it belongs to")
        cts = [None if ct is None else _typed_ct(ct, a) for ct, a in zip(cts, out_avals)]
        cts_in = backward_pass(roots, cts, leaves)
        return [zeros_like_aval(a) if c is None else _typed_ct(c, a)
                for c, a in zip(cts_in, in_avals)]

    return primals_out, vjp_fn, aux


def _lower_out(x, main):
    if isinstance(x, VJPTracer) and x._trace.main is main:
        return x.primal
    return x


def _typed_ct(ct, aval):
    dtype = aval.dtype if is_inexact(aval.dtype) else np.float64
    if isinstance(ct, Tracer):
        return ct if ct.dtype == dtype else ew.convert_element_type(ct, dtype=dtype)
    return np.asarray(ct, dtype=dtype)


def check_leaves(leaves, where, names=None):
    """Raise a TypeError naming ``where`` (and ``names[i]``) for a leaf that is not an array
    (or Python number, tracer, ShapeDtypeStruct), or an array of a dtype funcgrad refuses.

    >>> check_leaves([np.ones(2), "x"], "grad(f)")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    TypeError: grad(f): leaf 1 of the arguments is a str ('x'), which is neither an array ...
    """
    for i, x in enumerate(leaves):
        if isinstance(x, (Tracer, np.ndarray, np.generic, bool, int, float, complex,
                          ShapedArray)):
            if isinstance(x, (np.ndarray, np.generic)):
                check_dtype(x.dtype, f"argument {i} of {where}")
            continue
        what = names[i] if names else f"leaf {i} of the arguments"
        raise TypeError(
            f"{where}: {what} is a {type(x).__name__} ({x!r:.60}), which is neither an array "
            "nor a pytree of arrays. Pass NumPy arrays, Python numbers, or dicts/lists/tuples "
            "of them; pass configuration through a closure or static_argnums.")


def vjp(fun, *primals, has_aux=False):
    """Reverse-mode derivative: ``(fun(*primals), vjp_fn)``; ``vjp_fn(ct)`` returns a tuple
    with one cotangent pytree per primal. With ``has_aux`` returns ``(out, vjp_fn, aux)``.

    >>> import funcgrad as fg, funcgrad.numpy as fnp
    >>> y, f_vjp = vjp(lambda x: x ** 2, 3.0)
    >>> float(y), float(f_vjp(1.0)[0])
    (9.0, 6.0)
    """
    p_leaves, p_tree = pytree.tree_flatten(primals)
    check_leaves(p_leaves, "vjp")
    out_tree = []

    def flat_fun(*leaves):
        res = fun(*pytree.tree_unflatten(p_tree, leaves))
        if has_aux:
            if not (isinstance(res, tuple) and len(res) == 2):
                raise TypeError(
                    f"with has_aux=True, {fun_name(fun)} must return a pair (output, aux), "
                    f"but it returned {_describe(res)} (called at {user_frame()}). Return "
                    "`loss, aux`, or drop has_aux=True.")
            res, aux = res
        else:
            aux = None
        leaves_out, td = pytree.tree_flatten(res)
        out_tree.append(td)
        return leaves_out, aux

    po, flat_vjp, aux = vjp_flat(flat_fun, p_leaves)
    (otree,) = out_tree

    def vjp_fn(ct):
        ct_leaves, ct_tree = pytree.tree_flatten(ct)
        if ct_tree != otree:
            raise ValueError(f"vjp: the cotangent has structure {ct_tree} but the function's "
                             f"output has structure {otree}; pass a cotangent shaped like the "
                             "output.")
        cts = flat_vjp(ct_leaves)
        return pytree.tree_unflatten(p_tree, [to_user(c) for c in cts])

    out = pytree.tree_unflatten(otree, [to_user(x) for x in po])
    return (out, vjp_fn, aux) if has_aux else (out, vjp_fn)


def _describe(x):
    """What a value is, in a user's terms (an array's shape and dtype, not a tracer class)."""
    if isinstance(x, (Tracer, np.ndarray, np.generic, float, int, complex)):
        return f"an array {get_aval(x)}"
    if isinstance(x, tuple):
        return f"a tuple of length {len(x)}"
    return f"a {type(x).__name__}"


def to_user(x):
    """A result as users get it: concrete values as NumPy arrays (NumPy scalars for 0-d),
    tracers as they are.

    >>> type(to_user(3.0))
    <class 'numpy.float64'>
    """
    if isinstance(x, Tracer):
        return x
    x = np.asarray(x)
    return x[()] if x.ndim == 0 else x


def _argnums_tuple(argnums, nargs, where):
    single = isinstance(argnums, int)
    nums = (argnums,) if single else tuple(argnums)
    for a in nums:
        if not isinstance(a, int) or not -nargs <= a < nargs:
            raise ValueError(f"{where}: argnums={argnums!r} is out of range for a call with "
                             f"{nargs} positional argument(s).")
    return single, tuple(a % nargs for a in nums)


def fun_name(fun):
    """The name of ``fun`` for messages (its type's name if it has none).

    >>> fun_name(len), fun_name(np.add.reduce)
    ('len', 'reduce')
    """
    return getattr(fun, "__name__", type(fun).__name__)


def split_args(fun, args, argnums, where, need_float=True, holomorphic=False):
    """Check ``args[argnums]`` (arrays, and floating-point or complex if ``need_float``;
    complex if ``holomorphic``; errors name ``where``). Returns whether ``argnums`` is one int,
    the positions, and ``partial(*diff)``, the full argument list with the differentiated ones
    replaced.

    >>> single, nums, partial = split_args(max, (1.0, 2.0), 1, "grad")
    >>> single, nums, partial(5.0)
    (True, (1,), [1.0, 5.0])
    """
    single, nums = _argnums_tuple(argnums, len(args), where)
    for a in nums:
        leaves = pytree.tree_leaves(args[a])
        check_leaves(leaves, f"{where}({fun_name(fun)})",
                      [f"argument {a} (leaf {j})" for j in range(len(leaves))])
        for x in leaves:
            dt = get_aval(x).dtype
            if holomorphic and not is_complex(dt):
                raise TypeError(
                    f"{where} with holomorphic=True requires complex inputs, but argument {a} "
                    f"of {fun_name(fun)} has dtype {dt} (at {user_frame()}). Pass "
                    "x.astype(np.complex128), or drop holomorphic=True.")
            if need_float and not is_inexact(dt):
                raise TypeError(
                    f"{where} requires floating-point (or complex) inputs, but argument {a} of "
                    f"{fun_name(fun)} has dtype {dt}. Integer and boolean values have no "
                    "gradient: pass a float (3.0 rather than 3, or x.astype(np.float64)), or "
                    "choose other argnums.")

    def partial(*diff_args):
        full = list(args)
        for a, v in zip(nums, diff_args):
            full[a] = v
        return full

    return single, nums, partial


def value_and_grad(fun, argnums=0, has_aux=False, holomorphic=False):
    """Return a function computing ``fun``'s value and its gradient w.r.t. ``argnums``.

    ``fun`` must return a real scalar (or ``(scalar, aux)`` with ``has_aux=True``). Complex
    inputs follow JAX: the gradient of a real ``f`` at ``z = x + iy`` is ``df/dx - i df/dy``
    (conjugate it for a descent direction). ``holomorphic=True``: ``fun`` maps complex inputs
    to a complex scalar holomorphically, and the result is the complex derivative ``f'(z)``.

    >>> import funcgrad as fg, funcgrad.numpy as fnp
    >>> v, g = value_and_grad(lambda w: fnp.sum(w ** 2))(np.array([1.0, 2.0]))
    >>> float(v), g.tolist()
    (5.0, [2.0, 4.0])
    >>> complex(grad(lambda z: fnp.real(z * fnp.conj(z)))(3.0 + 4.0j))   # |z|**2: 2 conj(z)
    (6-8j)
    >>> complex(grad(lambda z: z ** 3, holomorphic=True)(1.0j))   # 3 z**2
    (-3+0j)
    """
    def vg(*args, **kwargs):
        single, nums, partial = split_args(fun, args, argnums, "grad",
                                           holomorphic=holomorphic)

        def f(*diff_args):
            return fun(*partial(*diff_args), **kwargs)

        f.__name__ = fun_name(fun)

        res = vjp(f, *[args[a] for a in nums], has_aux=has_aux)
        out, vjp_fn = res[0], res[1]
        aval = get_aval(out) if isinstance(out, (Tracer, np.ndarray, np.generic, float, int,
                                                 complex)) else None
        if aval is not None:
            check_output_dtype("grad", fun, aval, holomorphic)
        if aval is None or aval.shape != () or not is_inexact(aval.dtype):
            what = (f"an array of shape {aval.shape} and dtype {aval.dtype}" if aval is not None
                    else f"a {type(out).__name__}")
            raise TypeError(
                f"grad requires {fun_name(fun)} to return a real scalar, but it returned "
                f"{what}. For vector outputs use fg.jacrev or fg.vjp; to differentiate a sum, "
                "return fnp.sum(...); with extra outputs use has_aux=True.")
        grads = vjp_fn(np.ones((), aval.dtype))
        g = grads[0] if single else tuple(grads)
        return ((out, res[2]), g) if has_aux else (out, g)

    vg.__name__ = f"value_and_grad({fun_name(fun)})"
    vg.__doc__ = fun.__doc__
    return vg


def check_output_dtype(where, fun, aval, holomorphic):
    """``grad``/``jacrev``/``jacfwd`` take real outputs, or complex ones with ``holomorphic``
    (as JAX: a complex output's derivative depends on which cotangent one means).

    >>> check_output_dtype("grad", abs, ShapedArray((), np.complex128), holomorphic=False)
    Traceback (most recent call last):
    TypeError: grad requires abs to return real values, ...
    """
    if holomorphic and not is_complex(aval.dtype):
        raise TypeError(f"{where} with holomorphic=True requires {fun_name(fun)} to return "
                        f"complex values, but it returned {aval} ({aval.dtype}) (at "
                        f"{user_frame()}).")
    if not holomorphic and is_complex(aval.dtype):
        raise TypeError(f"{where} requires {fun_name(fun)} to return real values, but it "
                        f"returned {aval} ({aval.dtype}) (at {user_frame()}). For a "
                        "holomorphic function pass holomorphic=True; for a non-holomorphic one "
                        "use fg.vjp with the cotangent you mean, or differentiate a real part "
                        "(np.real, np.abs) of the output.")


def grad(fun, argnums=0, has_aux=False, holomorphic=False):
    """Return a function computing the gradient of scalar-valued ``fun`` w.r.t. ``argnums``.

    The gradient has the pytree structure of the differentiated argument(s). Complex inputs
    and ``holomorphic``: see ``value_and_grad``.

    >>> import funcgrad as fg, funcgrad.numpy as fnp
    >>> float(grad(fnp.tanh)(0.0))
    1.0
    >>> float(grad(lambda x: x * grad(lambda y: x + y)(1.0))(2.0))
    1.0
    """
    vg = value_and_grad(fun, argnums, has_aux, holomorphic)

    def g(*args, **kwargs):
        res, grads = vg(*args, **kwargs)
        return (grads, res[1]) if has_aux else grads

    g.__name__ = f"grad({fun_name(fun)})"
    g.__doc__ = fun.__doc__
    return g


def stop_gradient(x):
    """Identity whose derivative is zero, at every order.

    >>> float(grad(lambda x: x * stop_gradient(x))(3.0))
    3.0
    """
    return pytree.tree_map(lambda v: ew.stop_gradient_p.bind(v), x)


__all__ = ["jvp", "linearize", "vjp", "grad", "value_and_grad", "stop_gradient", "user_frame"]
