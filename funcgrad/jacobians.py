"""Jacobians and Hessians: reverse or forward mode, vectorized over a basis with ``vmap``
(one batched pass, not one pass per entry: under ``jit`` the IR stays small)."""
import numpy as np

from . import tree as pytree
from .ad import check_leaves, check_output_dtype, fun_name, jvp_flat, split_args, to_user, vjp
from .batching import vmap
from .core.avals import is_complex, is_inexact
from .core.tracing import get_aval
from .errors import user_frame
from .ops import shape as sh


def _basis(aval):
    """The identity basis for a value of ``aval``: shape (size,) + aval.shape."""
    dtype = aval.dtype if is_inexact(aval.dtype) else np.float64
    return np.eye(aval.size, dtype=dtype).reshape((aval.size,) + aval.shape)


def _pick(tree, single):
    return tree[0] if single else tree


def jacrev(fun, argnums=0, holomorphic=False):
    """Jacobian by reverse mode: result shape is ``out.shape + in.shape`` per leaf pair.

    Outputs must be real (the rows are gradients: for complex inputs, JAX's convention, see
    ``grad``), or complex with ``holomorphic=True`` (then the rows are complex derivatives).

    >>> import funcgrad.numpy as fnp
    >>> jacrev(lambda x: x ** 2)(np.array([1.0, 2.0])).tolist()
    [[2.0, 0.0], [0.0, 4.0]]
    >>> jacrev(lambda z: z ** 2, holomorphic=True)(np.array([1.0j])).tolist()
    [[2j]]
    """
    def jac(*args, **kwargs):
        single, nums, partial = split_args(fun, args, argnums, "jacrev",
                                           holomorphic=holomorphic)
        diff = tuple(args[a] for a in nums)
        out, vjp_fn = vjp(lambda *d: fun(*partial(*d), **kwargs), *diff)
        out_leaves, out_tree = pytree.tree_flatten(out)
        in_leaves, in_tree = pytree.tree_flatten(diff)
        rows = []
        for j, o in enumerate(out_leaves):
            oa = get_aval(o)
            check_output_dtype("jacrev", fun, oa, holomorphic)

            def pull(ct_j, j=j):
                cts = [ct_j if k == j else np.zeros(get_aval(x).shape, _ct(get_aval(x).dtype))
                       for k, x in enumerate(out_leaves)]
                return pytree.tree_leaves(vjp_fn(pytree.tree_unflatten(out_tree, cts)))

            grads = _pulled_rows(pull, oa, in_leaves)
            block = [to_user(sh.reshape(g, oa.shape + get_aval(x).shape))
                     for g, x in zip(grads, in_leaves)]
            rows.append(_pick(pytree.tree_unflatten(in_tree, block), single))
        return pytree.tree_unflatten(out_tree, rows)

    jac.__name__ = f"jacrev({fun_name(fun)})"
    return jac


def _pulled_rows(pull, oa, in_leaves):
    """``pull`` applied to each row of the identity basis of ``oa``: one gradient per input
    leaf, each of shape (oa.size,) + its shape. A one-element output has a one-row basis: one
    pullback of the cotangent 1, without a batch axis of size 1 that every equation of the
    backward pass (and, under ``jacfwd``, of its tangents) would carry and move about."""
    if oa.size == 0:
        return [np.zeros((0,) + get_aval(x).shape) for x in in_leaves]
    if oa.size == 1:
        return [sh.reshape(g, (1,) + get_aval(g).shape)
                for g in pull(_basis(oa).reshape(oa.shape))]
    return vmap(pull)(_basis(oa))


def _ct(dtype):
    return dtype if is_inexact(dtype) else np.float64


def jacfwd(fun, argnums=0, holomorphic=False):
    """Jacobian by forward mode: result shape is ``out.shape + in.shape`` per leaf pair.

    Inputs must be real (outputs may be complex), or complex with ``holomorphic=True`` (then
    outputs are complex too, and the columns are complex derivatives), as in JAX.

    >>> import funcgrad.numpy as fnp
    >>> jacfwd(lambda x: fnp.sin(x))(np.zeros(2)).tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    """
    def jac(*args, **kwargs):
        single, nums, partial = split_args(fun, args, argnums, "jacfwd",
                                           holomorphic=holomorphic)
        diff = tuple(args[a] for a in nums)
        in_leaves, in_tree = pytree.tree_flatten(diff)
        check_leaves(in_leaves, "jacfwd")
        in_avals = [get_aval(x) for x in in_leaves]
        _check_real_inputs(fun, in_avals, holomorphic)
        out_tree = []

        def flat_fun(*leaves):
            out = fun(*partial(*pytree.tree_unflatten(in_tree, leaves)), **kwargs)
            ol, td = pytree.tree_flatten(out)
            out_tree.append(td)
            if holomorphic:
                for o in ol:
                    check_output_dtype("jacfwd", fun, get_aval(o), True)
            return ol

        cols = []  # cols[k][j]: tangents of out leaf j for the basis of input leaf k
        for k, xa in enumerate(in_avals):
            def push(t_k, k=k):
                ts = [t_k if i == k else np.zeros(a.shape, _ct(a.dtype))
                      for i, a in enumerate(in_avals)]
                return jvp_flat(flat_fun, in_leaves, ts)

            _, t_out = vmap(push)(_basis(xa))
            out_shapes = [get_aval(t).shape[1:] for t in t_out]
            cols.append(t_out)
        if not in_avals:
            out_shapes = [get_aval(o).shape for o in flat_fun(*in_leaves)]
        rows = []
        for j, oshape in enumerate(out_shapes):
            oa = _Shape(oshape)
            block = []
            for k, xa in enumerate(in_avals):
                t = cols[k][j]  # (in_k.size,) + out.shape
                t = sh.reshape(t, (xa.size, oa.size))
                t = sh.transpose(t, (1, 0))
                block.append(to_user(sh.reshape(t, oa.shape + xa.shape)))
            rows.append(_pick(pytree.tree_unflatten(in_tree, block), single))
        return pytree.tree_unflatten(out_tree[0], rows)

    jac.__name__ = f"jacfwd({fun_name(fun)})"
    return jac


def _check_real_inputs(fun, in_avals, holomorphic):
    if holomorphic:
        return
    for a in in_avals:
        if is_complex(a.dtype):
            raise TypeError(f"jacfwd requires real inputs, but {fun_name(fun)} got {a} "
                            f"({a.dtype}) (at {user_frame()}). For a holomorphic function "
                            "pass holomorphic=True; for a non-holomorphic one use fg.jvp with "
                            "the tangents you mean, or fg.jacrev.")


class _Shape:
    def __init__(self, shape):
        self.shape, self.size = tuple(shape), int(np.prod(shape, dtype=np.int64))


jacobian = jacrev


def hessian(fun, argnums=0, holomorphic=False):
    """Hessian by forward-over-reverse: ``jacfwd(jacrev(fun))``.

    >>> import funcgrad.numpy as fnp
    >>> hessian(lambda x: fnp.sum(x ** 3))(np.array([1.0, 2.0])).tolist()
    [[6.0, 0.0], [0.0, 12.0]]
    """
    return jacfwd(jacrev(fun, argnums, holomorphic), argnums, holomorphic)
