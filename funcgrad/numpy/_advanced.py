"""Integer-array ("advanced") indexing, by one gather over the indexed axes flattened together.

NumPy's rules: the index arrays broadcast together; if they are adjacent in the index, the
result's broadcast axes take their place, otherwise they go first.
"""
import numpy as np

from ..core.tracing import Tracer
from ..errors import user_frame
from ..ops import shape as sh


def normalize_indices(idx, n, axis=0):
    """Integer indices into an axis of length ``n``: bounds-checked when concrete, negatives
    wrapped. Traced indices cannot be checked; the gather clamps them."""
    if isinstance(idx, Tracer):
        from . import where
        if idx.dtype.kind not in "iu":
            raise IndexError(f"arrays used as indices must be of integer type, got {idx.dtype} "
                             f"(at {user_frame()})")
        return where(idx < 0, idx + n, idx) if idx.dtype.kind == "i" else idx
    idx = np.asarray(idx)
    if idx.dtype.kind not in "iu":
        raise IndexError(f"arrays used as indices must be of integer type, got {idx.dtype} "
                         f"(at {user_frame()})")
    if idx.size and (idx.max() >= n or idx.min() < -n):
        bad = idx.max() if idx.max() >= n else idx.min()
        raise IndexError(f"index {bad} is out of bounds for axis {axis} with size {n} "
                         f"(at {user_frame()})")
    return np.where(idx < 0, idx + n, idx).astype(np.int64)


def advanced_getitem(x, entries):
    from . import _shapes as S
    from ._indexing import basic_getitem
    # integers beside index arrays are advanced indices too (NumPy): make them 0-d arrays
    entries = [np.asarray(i) if isinstance(i, (int, np.integer)) else i for i in entries]
    # 1. apply the basic entries, keeping a full slice where an array index stands
    adv_pos = [k for k, i in enumerate(entries) if not _basic(i)]
    basic = [slice(None) if k in adv_pos else i for k, i in enumerate(entries)]
    y = basic_getitem(x, basic)
    # axis of y that each advanced entry refers to
    axis, y_axes = 0, []
    for k, i in enumerate(entries):
        if i is None:
            axis += 1
        elif isinstance(i, slice) or k in adv_pos:
            if k in adv_pos:
                y_axes.append(axis)
            axis += 1
    idxs = [entries[k] for k in adv_pos]
    idxs = [i if isinstance(i, Tracer) else np.asarray(i) for i in idxs]
    bshape = np.broadcast_shapes(*[np.shape(i) for i in idxs])
    sizes = [y.shape[a] for a in y_axes]
    idxs = [normalize_indices(i, n, a) for i, n, a in zip(idxs, sizes, y_axes)]
    # 2. move the indexed axes to the front, flatten them, gather with the linear index
    rest = [a for a in range(y.ndim) if a not in y_axes]
    moved = S.transpose(y, y_axes + rest)
    flat = S.reshape(moved, (int(np.prod(sizes)),) + tuple(y.shape[a] for a in rest))
    lin = None
    stride = 1
    for i, n in reversed(list(zip(idxs, sizes))):
        term = i * stride if stride != 1 else i
        lin = term if lin is None else lin + term
        stride *= n
    lin = S.broadcast_to(lin, bshape) if np.shape(lin) != bshape else lin
    out = sh.take_p.bind(flat, lin, axis=0)  # bshape + rest
    # 3. adjacent advanced indices: put the broadcast axes where the first one was
    adjacent = y_axes == list(range(y_axes[0], y_axes[0] + len(y_axes)))
    if adjacent and y_axes[0] > 0:
        nb = len(bshape)
        first = y_axes[0]
        perm = list(range(nb, nb + first)) + list(range(nb)) + list(range(nb + first, out.ndim))
        out = S.transpose(out, perm)
    return out


def _basic(i):
    return i is None or isinstance(i, slice)
