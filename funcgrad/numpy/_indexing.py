"""``x[index]`` on traced arrays: basic indexing (ints, slices, None, Ellipsis) by slice, rev and
reshape; integer-array ("advanced") indexing by gather; boolean masks by their concrete indices."""
import numpy as np

from ..core.tracing import Tracer
from ..errors import user_frame
from ..ops import shape as sh


def _is_advanced(i):
    return isinstance(i, (Tracer, np.ndarray, list)) or (
        isinstance(i, np.generic) and i.dtype == np.bool_)


def normalize_index(idx, ndim):
    """Expand Ellipsis, turn boolean masks into integer arrays; return a tuple of entries."""
    if not isinstance(idx, tuple):
        idx = (idx,)
    out = []
    for i in idx:
        if isinstance(i, bool) or (isinstance(i, (np.ndarray, np.generic, Tracer, list))
                                   and np.asarray(_concrete_if_bool(i)).dtype == np.bool_):
            mask = np.asarray(_concrete_if_bool(i))
            if mask.ndim == 0:
                raise NotImplementedError("indexing with a 0-d boolean is not supported; use "
                                          "fnp.where or x[None] instead")
            out.extend(np.nonzero(mask))
        else:
            out.append(i)
    consumed = sum(1 for i in out if i is not None and i is not Ellipsis)
    ell = [k for k, i in enumerate(out) if i is Ellipsis]
    if len(ell) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    if ell:
        k = ell[0]
        out[k:k + 1] = [slice(None)] * (ndim - consumed)
    else:
        out += [slice(None)] * (ndim - consumed)
    if sum(1 for i in out if i is not None) != ndim:
        raise IndexError(f"too many indices for array: array is {ndim}-dimensional, but "
                         f"{consumed} were indexed (at {user_frame()})")
    return out


def _concrete_if_bool(i):
    if isinstance(i, Tracer):
        if i.dtype == np.bool_:
            return i.concrete_value()  # boolean masks need concrete values (data-dependent shape)
        return np.zeros((), np.int64)
    return i


def getitem(x, idx):
    entries = normalize_index(idx, x.ndim)
    if any(_is_advanced(i) for i in entries):
        from ._advanced import advanced_getitem
        return advanced_getitem(x, entries)
    return basic_getitem(x, entries)


def basic_getitem(x, entries):
    start, limit, step, flips, shape = [], [], [], [], []
    axis = 0
    for i in entries:
        if i is None:
            shape.append(1)
            continue
        n = x.shape[axis]
        if isinstance(i, slice):
            r = range(*i.indices(n))
            if len(r) == 0:
                a, b, s = 0, 0, 1
            elif r.step > 0:
                a, b, s = r.start, r[-1] + 1, r.step
            else:
                a, b, s = r[-1], r.start + 1, -r.step
                flips.append(axis)
            shape.append(len(r))
        else:
            k = int(i) if not isinstance(i, Tracer) else i.__index__()
            if not -n <= k < n:
                raise IndexError(f"index {k} is out of bounds for axis {axis} with size {n} "
                                 f"(at {user_frame()})")
            k %= n
            a, b, s = k, k + 1, 1
        start.append(a)
        limit.append(b)
        step.append(s)
        axis += 1
    out = x
    if (tuple(start), tuple(limit), tuple(step)) != ((0,) * x.ndim, x.shape, (1,) * x.ndim):
        out = sh.slice_p.bind(x, start=tuple(start), limit=tuple(limit), step=tuple(step))
    if flips:
        out = sh.rev_p.bind(out, axes=tuple(flips))
    return sh.reshape(out, tuple(shape))
