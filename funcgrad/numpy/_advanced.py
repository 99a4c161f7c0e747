"""Integer-array ("advanced") indexing by one gather (``take``) over the indexed axes merged.

NumPy's rules: the index arrays (and ints beside them) broadcast together; if they are adjacent
in the index, the result's broadcast axes take their place, otherwise they go first. The
gather's transpose is ``scatter_add`` (``np.add.at``), which sums the cotangents of repeated
indices, and its transpose is the gather again, so every order of derivative is exact.

>>> x = np.arange(24.0).reshape(2, 3, 4)
>>> advanced_getitem(x, normalize_index(([0, 1], slice(None), [1, 3]), x.shape)).shape
(2, 3)
"""
import numpy as np

from ..core.tracing import Tracer
from ..errors import user_frame
from ..ops import shape as sh
from . import _shapes as S
from ._indexing import BoolScalar, basic_getitem, normalize_index, normalize_indices


def getitem(x, idx):
    """``x[idx]`` for a traced ``x`` (installed as ``Tracer.__getitem__``).

    Concrete index arrays out of range raise ``IndexError`` as in NumPy; traced index arrays
    (under ``jit``) cannot be checked, so they are clamped to the axis, like JAX.

    >>> getitem(np.arange(5.0), (slice(None, None, -2),)).tolist()
    [4.0, 2.0, 0.0]
    """
    entries = normalize_index(idx, x.shape)
    if any(not (e is None or isinstance(e, (slice, int))) for e in entries):
        return advanced_getitem(x, entries)
    return basic_getitem(x, entries)


def advanced_getitem(x, entries):
    """``x[entries]`` where some entries are integer arrays, ints or ``BoolScalar``s (see
    ``_indexing.normalize_index``)."""
    # 1. The basic entries first, a full slice standing where an advanced index does (a new
    #    axis of length 1 for a 0-d boolean); y_axes: the axis of y each advanced index takes.
    basic, y_axes, idxs = [], [], []
    for e in entries:
        if e is None or isinstance(e, slice):
            basic.append(e)
            continue
        if isinstance(e, BoolScalar):
            basic.append(None)
            e = np.zeros(1 if e.value else 0, np.int64)
        else:
            basic.append(slice(None))
            e = e if isinstance(e, Tracer) else np.asarray(e)
        y_axes.append(len(basic) - 1)
        idxs.append(e)
    y = basic_getitem(x, basic)
    sizes = [y.shape[a] for a in y_axes]
    try:
        bshape = np.broadcast_shapes(*[np.shape(i) for i in idxs])
    except ValueError:
        raise IndexError("shape mismatch: indexing arrays could not be broadcast together "
                         f"with shapes {' '.join(str(np.shape(i)) for i in idxs)} "
                         f"(at {user_frame()})") from None
    idxs = [normalize_indices(i, n, a) for i, n, a in zip(idxs, sizes, y_axes)]
    # 2. A linear index into the indexed axes merged into one (row-major).
    lin, stride = None, 1
    for i, n in reversed(list(zip(idxs, sizes))):
        term = i * stride if stride != 1 else i
        lin = term if lin is None else lin + term
        stride *= n
    if np.shape(lin) != bshape:
        lin = S.broadcast_to(lin, bshape)
    # 3. Adjacent indices: merge their axes in place and gather there, which puts the broadcast
    #    axes where NumPy does. Otherwise move the indexed axes to the front first.
    first, k = y_axes[0], len(y_axes)
    if y_axes != list(range(first, first + k)):
        rest = [a for a in range(y.ndim) if a not in y_axes]
        y = S.transpose(y, y_axes + rest)
        first = 0
    merged = y.shape[:first] + (int(np.prod(sizes, dtype=np.int64)),) + y.shape[first + k:]
    return sh.take_p.bind(sh.reshape(y, merged), lin, axis=first)
