"""Table rows for shape, indexing and product functions (see primitive_table.py)."""
import numpy as np
from primitive_table import Row
from table_math import _r, args_of

import funcgrad.numpy as fnp


def row(name, f, makers, ref=None, prims=(), **kw):
    return Row(name, f, args_of(*makers), np_ref=ref, prims=prims, **kw)


A, M = _r((2, 3, 4)), _r((3, 4))
V3, V4 = _r((3,)), _r((4,))
SQ = _r((4, 4))

ROWS = [
    row("reshape", lambda x: fnp.reshape(x, (6, -1)) * 1.0, [A], prims=("reshape",)),
    row("ravel", lambda x: fnp.ravel(x) ** 2, [A], prims=("reshape",)),
    row("transpose", lambda x: fnp.transpose(x, (2, 0, 1)) ** 2, [A], prims=("transpose",)),
    row("swapaxes", lambda x: fnp.swapaxes(x, 0, 2) ** 2, [A]),
    row("moveaxis", lambda x: fnp.moveaxis(x, 0, -1) ** 2, [A]),
    row("expand_dims", lambda x: fnp.expand_dims(x, 1) ** 2, [M]),
    row("squeeze", lambda x: fnp.squeeze(x[:, :1]) ** 2, [M]),
    row("broadcast_to", lambda x: fnp.broadcast_to(x, (2, 3, 4)) ** 2, [V4],
        prims=("broadcast_in_dim",)),
    row("broadcast_stretch", lambda x: x[:, :1] * x, [M], prims=("broadcast_in_dim",)),
    row("concatenate", lambda x, y: fnp.concatenate([x, y, x], axis=0) ** 2, [M, M],
        prims=("concatenate",)),
    row("stack", lambda x, y: fnp.stack([x, y], axis=1) ** 2, [M, M]),
    row("vstack", lambda x, y: fnp.vstack([x, y]) ** 2, [V4, V4]),
    row("hstack", lambda x, y: fnp.hstack([x, y]) ** 2, [V3, V4]),
    row("split", lambda x: fnp.split(x, [1, 3], axis=1)[1] ** 2, [M], prims=("slice",)),
    row("tile", lambda x: fnp.tile(x, (2, 1)) ** 2, [V3]),
    row("repeat", lambda x: fnp.repeat(x, 2, axis=0) ** 2, [M], prims=("take",)),
    row("flip", lambda x: fnp.flip(x, 1) ** 2, [M], prims=("rev",)),
    row("roll", lambda x: fnp.roll(x, 2, axis=1) ** 2, [M]),
    row("pad", lambda x: fnp.pad(x, ((1, 0), (2, 1))) ** 2, [M], prims=("pad",)),
    row("pad_value", lambda x: fnp.pad(x, 1, constant_values=0.5) ** 2, [M]),
    row("take", lambda x: fnp.take(x, np.array([2, 0, 2]), axis=1) ** 2, [M]),
    row("take_along_axis",
        lambda x: fnp.take_along_axis(x, np.array([[0, 3], [1, 1], [2, 0]]), 1) ** 2, [M]),
    row("index_basic", lambda x: x[1:, ::-2, None, 0] ** 2, [A], prims=("slice", "rev")),
    row("index_int_array", lambda x: x[np.array([[0, 1], [1, 1]]), 2:] ** 2, [A],
        prims=("take", "scatter_add")),
    row("index_two_arrays", lambda x: x[[0, 1, 1], :, [3, 0, 0]] ** 2, [A]),
    row("index_mask", lambda x: x[x > 0] ** 2, [M], jit=False),
    row("tril", lambda x: fnp.tril(x) ** 2, [SQ]),
    row("triu", lambda x: fnp.triu(x, 1) ** 2, [SQ]),
    row("diagonal", lambda x: fnp.diagonal(x, 1) ** 2, [M]),
    row("diag_vector", lambda x: fnp.diag(x) ** 2, [V3], prims=("scatter_add",)),
    row("trace", lambda x: fnp.trace(x) ** 2, [SQ]),
    row("zeros_like", lambda x: x * fnp.ones_like(x) + fnp.zeros_like(x), [M]),
    row("matmul", lambda x, y: x @ y, [M, _r((4, 2))], prims=("matmul",)),
    row("matmul_batched", lambda x, y: fnp.matmul(x, y), [A, _r((4, 5))]),
    row("matmul_vec", lambda x, y: fnp.matmul(x, y), [M, V4]),
    row("dot", lambda x, y: fnp.dot(x, y), [V4, V4]),
    row("dot_nd", lambda x, y: fnp.dot(x, y), [M, _r((2, 4, 3))]),
    row("inner", lambda x, y: fnp.inner(x, y), [M, _r((2, 4))]),
    row("outer", lambda x, y: fnp.outer(x, y), [V3, V4]),
    row("tensordot", lambda x, y: fnp.tensordot(x, y, axes=([1, 2], [0, 1])), [A, M]),
    row("einsum_matmul", lambda x, y: fnp.einsum("ij,jk->ik", x, y), [M, _r((4, 2))]),
    row("einsum_batch", lambda x, y: fnp.einsum("bij,bjk->bik", x, y), [A, _r((2, 4, 3))]),
    row("einsum_trace", lambda x: fnp.einsum("ii", x), [SQ]),
    row("einsum_three", lambda x, y, z: fnp.einsum("ij,jk,k->i", x, y, z),
        [M, _r((4, 2)), _r((2,))]),
]
