"""Products: matmul, dot, and (by composition) einsum, tensordot, inner, outer."""
import numpy as np

from ..errors import user_frame
from ..ops import linalg as la
from ..ops import shape as sh
from ._base import _ret, astype
from ._core import asarray_or_tracer, normalize_axis, result_dtype
from ._math import conjugate, multiply, sum
from ._shapes import (
    broadcast_arrays,
    broadcast_to,
    diagonal,
    expand_dims,
    moveaxis,
    reshape,
    stack,
    transpose,
)

__all__ = ["matmul", "dot", "vdot", "inner", "outer", "kron", "tensordot", "einsum",
           "einsum_path", "cross", "matvec", "vecmat", "vecdot"]

# --- linear algebra ---------------------------------------------------------------------------

def matmul(x1, x2):
    """``x1 @ x2`` with NumPy's rules for 1-D operands and batch broadcasting.

    >>> matmul(np.ones((2, 3)), np.ones(3)).tolist()
    [3.0, 3.0]
    """
    x, y = [asarray_or_tracer(v) for v in (x1, x2)]
    if x.ndim == 0 or y.ndim == 0:
        raise ValueError("matmul: input operand does not have enough dimensions (0-d operands "
                         "are not allowed; use multiply)")
    dt = result_dtype(x, y)
    x, y = astype(x, dt), astype(y, dt)
    xv, yv = x.ndim == 1, y.ndim == 1
    if xv:
        x = sh.reshape(x, (1,) + x.shape)
    if yv:
        y = sh.reshape(y, y.shape + (1,))
    batch = np.broadcast_shapes(x.shape[:-2], y.shape[:-2]) if x.ndim > 2 or y.ndim > 2 else ()
    if x.shape[-1] != y.shape[-2]:
        raise ValueError(f"matmul: shapes {tuple(x1.shape if hasattr(x1, 'shape') else ())} and "
                         f"{tuple(x2.shape if hasattr(x2, 'shape') else ())} are not aligned: "
                         f"{x.shape[-1]} (last axis of the first) != {y.shape[-2]} (second to "
                         f"last of the second) (at {user_frame()}).")
    x = broadcast_to(x, batch + x.shape[-2:]) if x.shape[:-2] != batch else x
    y = broadcast_to(y, batch + y.shape[-2:]) if y.shape[:-2] != batch else y
    out = la.matmul_p.bind(x, y)
    if xv:
        out = sh.reshape(out, out.shape[:-2] + out.shape[-1:])
    if yv:
        out = sh.reshape(out, out.shape[:-1])
    return _ret(out)


def dot(a, b):
    """``np.dot``.

    >>> float(dot(np.ones(3), np.ones(3)))
    3.0
    """
    a, b = asarray_or_tracer(a), asarray_or_tracer(b)
    if a.ndim == 0 or b.ndim == 0:
        return multiply(a, b)
    if b.ndim <= 2:
        return matmul(a, b)
    # dot(a, b)[i,j,k,m] = sum(a[i,j,:] * b[k,:,m])
    bt = moveaxis(b, -2, 0)
    return reshape(matmul(reshape(a, (-1, a.shape[-1])), reshape(bt, (bt.shape[0], -1))),
                   a.shape[:-1] + bt.shape[1:])


def inner(a, b):
    """Inner product over the last axes.

    >>> float(inner(np.ones(3), np.arange(3.0)))
    3.0
    """
    a, b = asarray_or_tracer(a), asarray_or_tracer(b)
    if a.ndim == 0 or b.ndim == 0:
        return multiply(a, b)
    return tensordot(a, b, axes=([-1], [-1]))


def outer(a, b):
    """Outer product of two vectors (flattened).

    >>> outer(np.ones(2), np.arange(3.0)).shape
    (2, 3)
    """
    a, b = reshape(a, (-1, 1)), reshape(b, (1, -1))
    return multiply(a, b)


def vdot(a, b):
    """Dot product of the flattened arrays, the first one conjugated (as ``np.vdot``).

    >>> float(vdot(np.ones((2, 2)), np.arange(4.0).reshape(2, 2)))
    6.0
    """
    a, b = reshape(a, (-1,)), reshape(b, (-1,))
    if a.shape != b.shape:
        raise ValueError(f"vdot: vectors have different lengths {a.shape[0]} and {b.shape[0]} "
                         f"(at {user_frame()})")
    return matmul(conjugate(a), b)


def kron(a, b):
    """Kronecker product: blocks ``a[i, j] * b``.

    >>> kron(np.eye(2), np.ones((2, 3))).shape
    (4, 6)
    """
    a, b = asarray_or_tracer(a), asarray_or_tracer(b)
    nd = max(a.ndim, b.ndim)
    a = reshape(a, (1,) * (nd - a.ndim) + a.shape)
    b = reshape(b, (1,) * (nd - b.ndim) + b.shape)
    # a[i, None, j, None] * b[None, k, None, l], then merge each (i, k) pair of axes
    ea = reshape(a, tuple(d for n in a.shape for d in (n, 1)))
    eb = reshape(b, tuple(d for n in b.shape for d in (1, n)))
    return reshape(multiply(ea, eb), tuple(m * n for m, n in zip(a.shape, b.shape)))


def tensordot(a, b, axes=2):
    """Sum products over the given axes of ``a`` and ``b`` (by transpose, reshape, matmul).

    >>> tensordot(np.ones((2, 3)), np.ones((3, 4)), axes=1).shape
    (2, 4)
    """
    a, b = asarray_or_tracer(a), asarray_or_tracer(b)
    if isinstance(axes, (int, np.integer)):
        ax_a = list(range(a.ndim - int(axes), a.ndim))
        ax_b = list(range(int(axes)))
    else:
        ax_a, ax_b = axes
        ax_a = [ax_a] if isinstance(ax_a, (int, np.integer)) else list(ax_a)
        ax_b = [ax_b] if isinstance(ax_b, (int, np.integer)) else list(ax_b)
    ax_a = [normalize_axis(x, a.ndim) for x in ax_a]
    ax_b = [normalize_axis(x, b.ndim) for x in ax_b]
    for i, j in zip(ax_a, ax_b):
        if a.shape[i] != b.shape[j]:
            raise ValueError(f"tensordot: shape mismatch for sum: axis {i} of {a.shape} vs "
                             f"axis {j} of {b.shape} (at {user_frame()})")
    free_a = [i for i in range(a.ndim) if i not in ax_a]
    free_b = [i for i in range(b.ndim) if i not in ax_b]
    k = int(np.prod([a.shape[i] for i in ax_a], dtype=np.int64))
    a2 = reshape(transpose(a, free_a + ax_a), (-1, k))
    b2 = reshape(transpose(b, ax_b + free_b), (k, -1))
    out = matmul(a2, b2)
    return reshape(out, tuple(a.shape[i] for i in free_a) + tuple(b.shape[i] for i in free_b))


def einsum(subscripts, *operands, optimize=False, out=None, dtype=None, order="K",
           casting="safe"):
    """Einstein summation, composed from transpose, broadcast, multiply, sum and matmul.

    Every NumPy form: explicit (``"ij,jk->ik"``) and implicit (``"ij,jk"``) subscripts, ``...``
    with broadcasting, repeated labels in one operand (diagonals), zero-size operands, and the
    sublist form ``einsum(a, [0, 1], b, [1, 2], [0, 2])`` (``Ellipsis`` for ``...``).
    ``optimize`` is accepted and ignored: operands are contracted left to right.

    >>> einsum("ij,jk->ik", np.ones((2, 3)), np.ones((3, 4))).shape
    (2, 4)
    >>> einsum(np.ones((2, 3)), [0, 1], np.ones(3), [1], [0]).tolist()
    [3.0, 3.0]
    """
    if out is not None:
        raise NotImplementedError("einsum(..., out=...) is not supported; use the result")
    if not isinstance(subscripts, str):
        subscripts, operands = _from_sublists(subscripts, operands)
    ops = [asarray_or_tracer(x) for x in operands]
    if dtype is not None:
        ops = [astype(x, dtype) for x in ops]
    ins, out, sizes = _parse_einsum(subscripts, ops)

    def diag_reduce(x, s):
        # repeated letters within one operand: take the diagonal
        while len(set(s)) < len(s):
            c = next(c for c in s if s.count(c) > 1)
            i = s.index(c)
            j = s.index(c, i + 1)
            x = diagonal(x, 0, i, j)
            s = s[:i] + s[i + 1:j] + s[j + 1:] + c
        return x, s

    terms = [diag_reduce(x, s) for x, s in zip(ops, ins)]
    # contract pairwise, left to right; a letter is summed once no later term or the output
    # needs it
    x, s = terms[0]
    for k in range(1, len(terms)):
        y, t = terms[k]
        later = set(out) | set("".join(u for _, u in terms[k + 1:]))
        x, s = _contract_pair(x, s, y, t, later, sizes)
    # sum letters not in the output, then order as the output
    drop = [i for i, c in enumerate(s) if c not in out]
    if drop:
        x = sum(x, axis=tuple(drop))
        s = "".join(c for c in s if c in out)
    return transpose(x, [s.index(c) for c in out]) if s != out else x


def _einsum_error(subscripts, what):
    return ValueError(f"einsum {subscripts!r}: {what} (at {user_frame()})")


_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _from_sublists(first, rest):
    """The sublist form ``(op, sublist, op, sublist, ..., [out])`` as a subscripts string and
    the operands (NumPy numbers labels 0..51)."""
    args = (first,) + tuple(rest)
    ops, specs = list(args[0::2]), list(args[1::2])
    out = None
    if len(ops) > len(specs):  # an odd count: the last operand position is the output list
        out = ops.pop()
    if len(ops) != len(specs):
        raise ValueError(f"einsum: the sublist form alternates operands and label lists, "
                         f"got {len(args)} arguments (at {user_frame()})")

    def letters(sub):
        text = ""
        for label in sub:
            if label is Ellipsis:
                text += "..."
            elif isinstance(label, (int, np.integer)) and 0 <= label < len(_LETTERS):
                text += _LETTERS[int(label)]
            else:
                raise ValueError(f"einsum: sublist labels must be integers in [0, 52) or "
                                 f"Ellipsis, got {label!r} (at {user_frame()})")
        return text
    spec = ",".join(letters(s) for s in specs) + ("" if out is None else "->" + letters(out))
    return spec, ops


def einsum_path(subscripts, *operands, optimize="greedy"):
    """NumPy's contraction order for these operands (computed from their shapes; traced values
    are fine). funcgrad's ``einsum`` contracts left to right whatever it says.

    >>> einsum_path("ij,jk->ik", np.ones((2, 3)), np.ones((3, 4)))[0]
    ['einsum_path', (0, 1)]
    """
    def stand_in(x):
        if isinstance(x, (list, tuple, str)) or x is Ellipsis:
            return x
        x = asarray_or_tracer(x)
        return np.broadcast_to(np.zeros((), x.dtype), x.shape)
    args = (subscripts,) + operands
    if isinstance(subscripts, str):
        args = (subscripts,) + tuple(stand_in(x) for x in operands)
    else:
        args = tuple(stand_in(x) if i % 2 == 0 else x for i, x in enumerate(args))
    return np.einsum_path(*args, optimize=optimize)


def _parse_einsum(subscripts, ops):
    """Operand label strings with ``...`` spelled out in fresh letters, the output labels
    (NumPy's implicit output when there is no ``->``) and each label's size."""
    spec = subscripts.replace(" ", "")
    if spec.count("->") > 1:
        raise _einsum_error(subscripts, "more than one '->'")
    ins, _, out = spec.partition("->")
    explicit = "->" in spec
    ins = ins.split(",")
    if len(ins) != len(ops):
        raise _einsum_error(subscripts, f"{len(ins)} operand specs for {len(ops)} operands")
    for t in ins + [out]:
        if not t.replace("...", "").isalpha() and t.replace("...", ""):
            raise _einsum_error(subscripts, f"invalid labels {t!r}: use letters and '...'")
    # ellipses become fresh letters, right-aligned like broadcasting
    used = set("".join(ins))
    fresh = [c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" if c not in used]
    ell_nd = max([x.ndim - (len(t) - 3) for t, x in zip(ins, ops) if "..." in t], default=0)
    ell = "".join(fresh[:ell_nd])
    ins = [t.replace("...", ell[ell_nd - (x.ndim - (len(t) - 3)):]) if "..." in t else t
           for t, x in zip(ins, ops)]
    if explicit:
        out = out.replace("...", ell)
        missing = [c for c in out if c not in "".join(ins)]
        if missing or len(set(out)) != len(out):
            raise _einsum_error(subscripts, f"output labels {out!r} must be distinct labels "
                                "of the operands")
    else:  # NumPy: the ellipsis axes, then the labels used once, in alphabetical order
        counts = {}
        for c in "".join(ins):
            counts[c] = counts.get(c, 0) + 1
        out = ell + "".join(sorted(c for c, n in counts.items() if n == 1 and c not in ell))
    sizes = {}
    for t, x in zip(ins, ops):
        if len(t) != x.ndim:
            raise _einsum_error(subscripts, f"operand spec {t!r} has {len(t)} labels but the "
                                f"operand has shape {x.shape}")
        for c, d in zip(t, x.shape):
            if sizes.get(c, d) != d and 1 not in (d, sizes[c]):
                raise _einsum_error(subscripts, f"label {c!r} has size {sizes[c]} in one "
                                    f"operand and {d} in another (shapes "
                                    f"{', '.join(str(o.shape) for o in ops)})")
            if sizes.get(c, 1) == 1:  # a size 1 broadcasts (to 0 too)
                sizes[c] = d
    return ins, out, sizes


def _contract_pair(x, s, y, t, keep, sizes):
    """Contract two labelled operands with one batched matmul."""
    # sum away letters only one side has and nobody needs later
    only_x = [c for c in s if c not in t and c not in keep]
    if only_x:
        x = sum(x, axis=tuple(s.index(c) for c in only_x))
        s = "".join(c for c in s if c not in only_x)
    only_y = [c for c in t if c not in s and c not in keep]
    if only_y:
        y = sum(y, axis=tuple(t.index(c) for c in only_y))
        t = "".join(c for c in t if c not in only_y)
    batch = [c for c in s if c in t and c in keep]
    contract = [c for c in s if c in t and c not in keep]
    free_x = [c for c in s if c not in t]
    free_y = [c for c in t if c not in s]
    bshape = tuple(sizes[c] for c in batch)
    xs = tuple(sizes[c] for c in batch + free_x + contract)
    ys = tuple(sizes[c] for c in batch + contract + free_y)
    x = broadcast_to(transpose(x, [s.index(c) for c in batch + free_x + contract]), xs)
    y = broadcast_to(transpose(y, [t.index(c) for c in batch + contract + free_y]), ys)
    nfx = int(np.prod([sizes[c] for c in free_x], dtype=np.int64))
    nfy = int(np.prod([sizes[c] for c in free_y], dtype=np.int64))
    nc = int(np.prod([sizes[c] for c in contract], dtype=np.int64))
    out = matmul(reshape(x, bshape + (nfx, nc)), reshape(y, bshape + (nc, nfy)))
    out = reshape(out, bshape + tuple(sizes[c] for c in free_x + free_y))
    return out, "".join(batch + free_x + free_y)


def cross(a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """Cross product of 3-vectors (or 2-vectors, taken with z = 0; two 2-vectors give the z
    component alone) along ``axisa``/``axisb``, the result's vectors along ``axisc``
    (``axis`` sets all three); the other axes broadcast.

    >>> cross(np.array([1.0, 0.0, 0.0]), np.array([0.0, 1.0, 0.0])).tolist()
    [0.0, 0.0, 1.0]
    """
    if axis is not None:
        axisa = axisb = axisc = axis
    a = moveaxis(asarray_or_tracer(a), axisa, -1)
    b = moveaxis(asarray_or_tracer(b), axisb, -1)
    if a.shape[-1] not in (2, 3) or b.shape[-1] not in (2, 3):
        raise ValueError(f"cross: incompatible dimensions for cross product (dimension must "
                         f"be 2 or 3), got vectors of length {a.shape[-1]} and "
                         f"{b.shape[-1]} (at {user_frame()})")
    a0, a1, b0, b1 = a[..., 0], a[..., 1], b[..., 0], b[..., 1]
    z = a0 * b1 - a1 * b0
    if a.shape[-1] == 2 and b.shape[-1] == 2:
        return z
    a2 = a[..., 2] if a.shape[-1] == 3 else None
    b2 = b[..., 2] if b.shape[-1] == 3 else None
    x = a1 * b2 - (0.0 if a2 is None else a2 * b1) if b2 is not None else -(a2 * b1)
    y = (0.0 if a2 is None else a2 * b0) - (0.0 if b2 is None else a0 * b2)
    x, y, z = broadcast_arrays(x, y, z)
    return moveaxis(stack([x, y, z], axis=-1), -1, axisc)


def _conj(x):
    return x.conj() if x.dtype.kind == "c" else x


def matvec(x1, x2, /):
    """Matrix times vector over the last axes, ``(..., m, n) x (..., n) -> (..., m)``.

    >>> matvec(np.eye(2) * 2.0, np.array([1.0, 3.0])).tolist()
    [2.0, 6.0]
    """
    x1, x2 = asarray_or_tracer(x1), asarray_or_tracer(x2)
    return matmul(x1, expand_dims(x2, -1))[..., 0]


def vecmat(x1, x2, /):
    """(Conjugated) vector times matrix over the last axes,
    ``(..., n) x (..., n, m) -> (..., m)``.

    >>> vecmat(np.array([1.0, 3.0]), np.eye(2) * 2.0).tolist()
    [2.0, 6.0]
    """
    x1, x2 = asarray_or_tracer(x1), asarray_or_tracer(x2)
    return matmul(expand_dims(_conj(x1), -2), x2)[..., 0, :]


def vecdot(x1, x2, /, *, axis=-1):
    """(Conjugated) dot products of vectors along ``axis``, the other axes broadcast.

    >>> vecdot(np.ones((2, 3)), np.arange(3.0)).tolist()
    [3.0, 3.0]
    """
    x1, x2 = asarray_or_tracer(x1), asarray_or_tracer(x2)
    return sum(multiply(_conj(x1), x2), axis=axis)
