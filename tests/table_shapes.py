"""Table rows for shape, indexing, creation and product functions (see primitive_table.py).

Most rows are written once against a module ``m`` and run with ``m = funcgrad.numpy`` (the row)
and ``m = numpy`` (its reference value), so the value check compares with NumPy itself.
Indexing rows index the argument directly: on NumPy arrays that is NumPy's own indexing.
"""
import numpy as np
from primitive_table import Row
from table_math import _r, args_of

import funcgrad.numpy as fnp


def row(name, f, makers, **kw):
    """``f(m, *args)``: the row is ``f(fnp, ...)``, its reference ``f(np, ...)``."""
    return Row(name, lambda *a: f(fnp, *a), args_of(*makers), np_ref=lambda *a: f(np, *a), **kw)


def irow(name, f, makers, **kw):
    """An indexing row: ``f(x)`` indexes ``x``; on NumPy arrays that is NumPy's indexing."""
    return Row(name, f, args_of(*makers), np_ref=f, **kw)


A, M = _r((2, 3, 4)), _r((3, 4))
V3, V4 = _r((3,)), _r((4,))
SQ = _r((4, 4))
S0 = _r(())
I = np.array

ROWS = [
    # reshaping and permuting
    row("reshape", lambda m, x: m.reshape(x, (6, -1)) * 1.0, [A]),
    row("ravel", lambda m, x: m.ravel(x) ** 2, [A]),
    row("reshape_0d", lambda m, x: m.reshape(x, (1, 1)) ** 2, [S0]),
    row("transpose", lambda m, x: m.transpose(x, (2, 0, 1)) ** 2, [A]),
    row("transpose_default", lambda m, x: m.transpose(x) ** 2, [A]),
    row("swapaxes", lambda m, x: m.swapaxes(x, 0, 2) ** 2, [A]),
    row("moveaxis", lambda m, x: m.moveaxis(x, [0, 1], [-1, 0]) ** 2, [A]),
    row("expand_dims", lambda m, x: m.expand_dims(x, (1, -1)) ** 2, [M]),
    row("squeeze", lambda m, x: m.squeeze(x[:, :1]) ** 2, [M]),
    row("broadcast_to", lambda m, x: m.broadcast_to(x, (2, 3, 4)) ** 2, [V4]),
    row("broadcast_to_0d", lambda m, x: m.broadcast_to(x, (2, 3)) ** 2, [S0]),
    row("broadcast_stretch", lambda m, x: x[:, :1] * x, [M]),
    row("broadcast_arrays", lambda m, x, y: m.broadcast_arrays(x, y)[0] * y, [_r((3, 1)), V4]),
    row("atleast_3d", lambda m, x: m.atleast_3d(x) ** 2, [V3]),
    # joining and splitting
    row("concatenate", lambda m, x, y: m.concatenate([x, y, x], axis=0) ** 2,
        [M, _r((2, 4))]),
    row("concatenate_axis1", lambda m, x, y: m.concatenate([x, y], axis=-1) ** 2,
        [M, _r((3, 2))]),
    row("concatenate_none", lambda m, x, y: m.concatenate([x, y], axis=None) ** 2, [M, V3]),
    row("stack", lambda m, x, y: m.stack([x, y], axis=1) ** 2, [M, M]),
    row("stack_0d", lambda m, x, y: m.stack([x, y, x]) ** 2, [S0, S0]),
    row("vstack", lambda m, x, y: m.vstack([x, y]) ** 2, [V4, M]),
    row("hstack", lambda m, x, y: m.hstack([x, y]) ** 2, [V3, V4]),
    row("dstack", lambda m, x, y: m.dstack([x, y]) ** 2, [M, M]),
    row("column_stack", lambda m, x, y: m.column_stack([x, y]) ** 2, [V3, _r((3, 2))]),
    row("split", lambda m, x: m.split(x, [1, 3], axis=1)[1] ** 2, [M]),
    row("split_sections", lambda m, x: m.split(x, 3)[2] * m.split(x, 3)[0], [M]),
    row("split_negative", lambda m, x: m.split(x, [-1], axis=1)[0] ** 2, [M]),
    row("array_split", lambda m, x: m.array_split(x, 3, axis=1)[0] ** 2, [M]),
    # reordering and repeating
    row("tile", lambda m, x: m.tile(x, (2, 1, 2)) ** 2, [V3]),
    row("repeat", lambda m, x: m.repeat(x, 2, axis=0) ** 2, [M]),
    row("repeat_counts", lambda m, x: m.repeat(x, [2, 0, 1], axis=0) ** 2, [M]),
    row("repeat_flat", lambda m, x: m.repeat(x, 2) ** 2, [M]),
    row("flip", lambda m, x: m.flip(x, 1) ** 2, [M]),
    row("flip_all", lambda m, x: m.flip(x) ** 2, [A]),
    row("fliplr", lambda m, x: m.fliplr(x) * m.flipud(x), [M]),
    row("rot90", lambda m, x: m.rot90(x) ** 2 + m.rot90(x, 3, axes=(1, 0)), [M]),
    row("roll", lambda m, x: m.roll(x, 2, axis=1) ** 2, [M]),
    row("roll_flat", lambda m, x: m.roll(x, -5) ** 2, [M]),
    row("roll_axes", lambda m, x: m.roll(x, (1, -1), axis=(0, 1)) ** 2, [M]),
    # padding
    row("pad", lambda m, x: m.pad(x, ((1, 0), (2, 1))) ** 2, [M]),
    row("pad_value", lambda m, x: m.pad(x, 1, constant_values=0.5) ** 2, [M]),
    row("pad_values_per_axis",
        lambda m, x: m.pad(x, ((1, 2), (0, 1)), constant_values=((7, 8), (9, 10))) ** 2, [M]),
    row("pad_edge", lambda m, x: m.pad(x, ((2, 1), (1, 3)), mode="edge") ** 2, [M]),
    row("pad_reflect", lambda m, x: m.pad(x, 2, mode="reflect") ** 2, [M]),
    row("pad_symmetric", lambda m, x: m.pad(x, (3, 1), mode="symmetric") ** 2, [M]),
    row("pad_wrap", lambda m, x: m.pad(x, 5, mode="wrap") ** 2, [V3]),
    # gathering
    row("take", lambda m, x: m.take(x, I([2, 0, 2]), axis=1) ** 2, [M]),
    row("take_flat", lambda m, x: m.take(x, I([[11, -1], [0, 5]])) ** 2, [M]),
    row("take_wrap", lambda m, x: m.take(x, I([7, -9]), axis=1, mode="wrap") ** 2, [M]),
    row("take_clip", lambda m, x: m.take(x, I([7, -9]), axis=1, mode="clip") ** 2, [M]),
    row("take_along_axis",
        lambda m, x: m.take_along_axis(x, I([[0, 3], [1, 1], [2, 0]]), 1) ** 2, [M]),
    row("take_along_axis_0",
        lambda m, x: m.take_along_axis(x, I([[0, 2, 2, 1]]), axis=0) ** 2, [M]),
    row("take_along_axis_bcast",
        lambda m, x: m.take_along_axis(x, I([[[1]], [[0]]]), axis=0) ** 2, [A]),
    # indexing
    irow("index_basic", lambda x: x[1:, ::-2, None, 0] ** 2, [A]),
    irow("index_int", lambda x: x[-1, :2] * x[0, 1:3], [M]),
    irow("index_ellipsis", lambda x: x[..., 1] ** 2 + x[None, 0, ..., 2], [A]),
    irow("index_0d", lambda x: x[()] * x[None] * x[...], [S0]),
    irow("index_int_array", lambda x: x[I([[0, 1], [1, 1]]), 2:] ** 2, [A]),
    irow("index_repeated", lambda x: x[I([2, 2, 0, 2])] ** 2, [M]),
    irow("index_negative", lambda x: x[:, I([-1, 0, -4])] ** 2, [M]),
    irow("index_list", lambda x: x[[1, 0, 1]] ** 2, [V3]),
    irow("index_two_arrays", lambda x: x[[0, 1, 1], :, [3, 0, 0]] ** 2, [A]),
    irow("index_adjacent_arrays", lambda x: x[:, I([[0], [2]]), I([1, 3, 3])] ** 2, [A]),
    irow("index_int_and_array", lambda x: x[1, :, I([0, 0, 2])] ** 2, [A]),
    irow("index_array_none", lambda x: x[I([0, 1]), None, I([2, 1])] ** 2, [A]),
    irow("index_bool_scalar", lambda x: x[True, I([0, 2])] ** 2 + x[np.False_].sum(), [M]),
    irow("index_mask", lambda x: x[x > 0] ** 2, [M], jit=False),
    irow("index_mask_axis", lambda x: x[:, I([True, False, True, True])] ** 2, [M]),
    irow("index_mask_2d", lambda x: x[0, (np.arange(12).reshape(3, 4) % 3) == 0] ** 2, [A]),
    # triangles and diagonals
    row("tril", lambda m, x: m.tril(x) ** 2, [SQ]),
    row("tril_k", lambda m, x: m.tril(x, -1) ** 2, [A]),
    row("triu", lambda m, x: m.triu(x, 1) ** 2, [SQ]),
    row("triu_rect", lambda m, x: m.triu(x, -1) ** 2, [M]),
    row("diagonal", lambda m, x: m.diagonal(x, 1) ** 2, [M]),
    row("diagonal_axes", lambda m, x: m.diagonal(x, -1, 2, 1) ** 2, [A]),
    row("diag_matrix", lambda m, x: m.diag(x, -1) ** 2, [M]),
    row("diag_vector", lambda m, x: m.diag(x, 1) ** 2, [V3]),
    row("diagflat", lambda m, x: m.diagflat(x) ** 2, [_r((2, 2))]),
    row("trace", lambda m, x: m.trace(x) ** 2, [SQ]),
    row("trace_offset", lambda m, x: m.trace(x, 1, 1, 2) ** 2, [A]),
    # creation
    row("zeros_like", lambda m, x: x * m.ones_like(x) + m.zeros_like(x), [M]),
    row("full_like", lambda m, x: x * m.full_like(x, 2.5) + m.eye(3, 4, 1) + m.zeros((3, 4)),
        [M]),
    row("full_traced", lambda m, x: m.full((2, 3), x) * x, [S0]),
    row("linspace_traced", lambda m, x, y: m.linspace(x, y, 5) ** 2, [S0, S0]),
    row("linspace_vector", lambda m, x, y: m.linspace(x, y, 4, endpoint=False, axis=1) ** 2,
        [V3, S0]),
    # products
    row("matmul", lambda m, x, y: x @ y, [M, _r((4, 2))]),
    row("matmul_batched", lambda m, x, y: m.matmul(x, y), [A, _r((4, 5))]),
    row("matmul_broadcast", lambda m, x, y: m.matmul(x, y), [_r((2, 1, 3, 4)), _r((3, 4, 2))]),
    row("matmul_vec", lambda m, x, y: m.matmul(x, y), [M, V4]),
    row("matmul_vec_left", lambda m, x, y: m.matmul(x, y), [V3, A]),
    row("dot", lambda m, x, y: m.dot(x, y), [V4, V4]),
    row("dot_scalar", lambda m, x, y: m.dot(x, y), [S0, M]),
    row("dot_nd", lambda m, x, y: m.dot(x, y), [M, _r((2, 4, 3))]),
    row("vdot", lambda m, x, y: m.vdot(x, y), [M, _r((4, 3))]),
    row("inner", lambda m, x, y: m.inner(x, y), [M, _r((2, 4))]),
    row("outer", lambda m, x, y: m.outer(x, y), [V3, M]),
    row("kron", lambda m, x, y: m.kron(x, y), [_r((2, 3)), _r((2, 2))]),
    row("tensordot", lambda m, x, y: m.tensordot(x, y, axes=([1, 2], [0, 1])), [A, M]),
    row("tensordot_int", lambda m, x, y: m.tensordot(x, y, axes=1), [A, _r((4, 2))]),
    row("tensordot_0", lambda m, x, y: m.tensordot(x, y, axes=0), [V3, V4]),
    row("einsum_matmul", lambda m, x, y: m.einsum("ij,jk->ik", x, y), [M, _r((4, 2))]),
    row("einsum_batch", lambda m, x, y: m.einsum("bij,bjk->bik", x, y), [A, _r((2, 4, 3))]),
    row("einsum_trace", lambda m, x: m.einsum("ii", x), [SQ]),
    row("einsum_diag", lambda m, x: m.einsum("ii->i", x), [SQ]),
    row("einsum_implicit", lambda m, x, y: m.einsum("ba,ab", x, y), [M, _r((4, 3))]),
    row("einsum_ellipsis", lambda m, x, y: m.einsum("...ij,...jk->...ik", x, y),
        [_r((2, 1, 3, 4)), _r((5, 4, 2))]),
    row("einsum_three", lambda m, x, y, z: m.einsum("ij,jk,k->i", x, y, z),
        [M, _r((4, 2)), _r((2,))]),
    row("einsum_outer", lambda m, x, y: m.einsum("i,jk->kij", x, y), [V3, _r((2, 2))]),
]


# functional index updates: x.at[idx].<kind>(v), against NumPy's in-place spelling on a copy
def _numpy_at(kind, x, idx, v):
    out = np.array(x, copy=True)
    if kind == "set":
        out[idx] = v
    else:
        getattr(np, {"add": "add", "multiply": "multiply", "min": "minimum",
                     "max": "maximum"}[kind]).at(out, idx, v)
    return out


def at_row(kind, idx, vshape):
    return Row(f"at_{kind}", lambda x, v: getattr(fnp.at(x)[idx], kind)(v),
               args_of(M, _r(vshape)), np_ref=lambda x, v: _numpy_at(kind, x, idx, v))


ROWS += [at_row("set", (slice(0, 2), [3, 1, 3]), (2, 3)),
         at_row("add", ([0, 2, 0], [1, 1, 1]), (3,)),
         at_row("multiply", ([0, 2, 0], [1, 1, 1]), (3,)),
         at_row("min", (Ellipsis, [0, 3, 0]), (3, 3)),
         at_row("max", (1, slice(None, None, 2)), (2,))]
