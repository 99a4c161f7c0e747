"""``x[index]`` on traced arrays, with NumPy's semantics.

Basic entries (ints, slices, ``None``, ``...``) become one ``slice`` (plus ``rev`` for negative
steps) and a ``reshape``; integer arrays ("advanced" indexing) one gather (``_advanced.py``);
boolean masks their ``np.nonzero`` indices, so a mask needs concrete values: under ``grad`` it
has them, under ``jit``/``make_ir`` it does not, and the result's shape would depend on them.

The entry point, ``getitem``, is in ``_advanced.py``, which builds on this module.

>>> import funcgrad as fg, funcgrad.numpy as fnp
>>> x = np.arange(6.0).reshape(2, 3)
>>> fg.grad(lambda x: fnp.sum(x[1, ::2] * x[[0, 0], 1]))(x).tolist()
[[0.0, 8.0, 0.0], [1.0, 0.0, 1.0]]
"""
import numpy as np

from ..core.tracing import Tracer
from ..errors import ConcretizationError, user_frame
from ..ops import shape as sh
from ._core import asarray_or_tracer
from ._math import mod, where


class BoolScalar:
    """A 0-d boolean index: a new axis of length 1, indexed by ``[0]`` (True) or ``[]``
    (False). That is how NumPy treats ``x[True]`` and ``x[False]``, alone or beside arrays."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = bool(value)


def _invalid(i):
    return IndexError(
        f"only integers, slices (`:`), ellipsis (`...`), None and integer or boolean arrays are "
        f"valid indices, got {type(i).__name__} {i!r} (at {user_frame()})")


def _concrete_mask(m):
    if not isinstance(m, Tracer):
        return m
    try:
        return m.concrete_value()
    except ConcretizationError:
        raise ConcretizationError(
            f"indexing with a traced boolean mask {m.aval} (at {user_frame()}): the result's "
            "shape depends on the mask's values, which are unknown under fg.jit and "
            "fg.make_ir. Keep the shape with fnp.where(mask, x, 0) (or a masked sum such as "
            "fnp.sum(fnp.where(mask, x, 0))), or compute the indices outside the traced "
            "function (np.nonzero(mask)) and pass them in.") from None


def _entry(i):
    """Classify one index entry: None, Ellipsis, slice, int, BoolScalar, a boolean mask
    (ndim >= 1) or an integer index array (a NumPy array or a Tracer)."""
    if i is None or i is Ellipsis or isinstance(i, slice):
        return i
    if isinstance(i, (bool, np.bool_)):
        return BoolScalar(i)
    if isinstance(i, (int, np.integer)):
        return int(i)
    if isinstance(i, (list, tuple)):
        i = asarray_or_tracer(i) if i else np.zeros(0, np.intp)  # NumPy: [] indexes nothing
    if isinstance(i, (np.ndarray, Tracer)):
        kind = i.dtype.kind
        if kind == "b":
            return BoolScalar(_concrete_mask(i)) if i.ndim == 0 else i
        if kind in "iu":
            return int(i) if i.ndim == 0 and isinstance(i, np.ndarray) else i
        raise IndexError(f"arrays used as indices must be of integer or boolean type, got "
                         f"{i.dtype} (at {user_frame()})")
    raise _invalid(i)


def _is_mask(e):
    return isinstance(e, (np.ndarray, Tracer)) and e.dtype.kind == "b"


def normalize_index(idx, shape):
    """The entries of ``idx`` for an array of ``shape``: Ellipsis expanded, trailing full
    slices added, boolean masks checked and replaced by their integer indices. Entries are
    None, slice, int, BoolScalar or integer index arrays."""
    entries = [_entry(i) for i in (idx if isinstance(idx, tuple) else (idx,))]
    used = 0
    for e in entries:
        if _is_mask(e):
            used += e.ndim
        elif not (e is None or e is Ellipsis or isinstance(e, BoolScalar)):
            used += 1
    ndim = len(shape)
    ell = [k for k, e in enumerate(entries) if e is Ellipsis]
    if len(ell) > 1:
        raise IndexError(f"an index can only have a single ellipsis ('...') (at {user_frame()})")
    if used > ndim:
        raise IndexError(f"too many indices for array: array is {ndim}-dimensional, but "
                         f"{used} were indexed (at {user_frame()})")
    fill = [slice(None)] * (ndim - used)
    if ell:
        entries[ell[0]:ell[0] + 1] = fill
    else:
        entries += fill
    if not any(_is_mask(e) for e in entries):
        return entries
    out, axis = [], 0
    for e in entries:
        if _is_mask(e):
            m = np.asarray(_concrete_mask(e))
            for k, (a, b) in enumerate(zip(shape[axis:axis + m.ndim], m.shape)):
                if a != b:
                    raise IndexError(
                        f"boolean index did not match indexed array along axis {axis + k}; "
                        f"size of axis is {a} but size of corresponding boolean axis is {b} "
                        f"(at {user_frame()})")
            out.extend(np.nonzero(m))
            axis += m.ndim
        else:
            out.append(e)
            axis += not (e is None or isinstance(e, BoolScalar))
    return out


def known_value(idx):
    """The NumPy value of an index, or None if it is abstract (traced under jit/make_ir)."""
    if not isinstance(idx, Tracer):
        return np.asarray(idx)
    try:
        return idx.concrete_value()
    except ConcretizationError:
        return None


def normalize_indices(idx, n, axis=0, mode="raise"):
    """Integer indices into an axis of length ``n``, in ``[0, n)``.

    ``mode="raise"``: negatives wrap once and indices out of range raise ``IndexError`` when
    their values are known; traced values (under ``jit``) cannot be checked, and the gather
    clamps them to the axis (as JAX does). ``"wrap"``: modulo ``n``. ``"clip"``: clamped,
    negatives included (NumPy's ``take(mode="clip")``).

    >>> normalize_indices(np.array([-1, 0]), 3).tolist()
    [2, 0]
    """
    dtype = idx.dtype if isinstance(idx, Tracer) else np.asarray(idx).dtype
    if dtype.kind not in "iu":
        raise IndexError(f"arrays used as indices must be of integer type, got {dtype} "
                         f"(at {user_frame()})")
    if mode == "clip":  # the gather clamps: nothing to do
        return idx
    if mode == "wrap":
        return mod(idx, n) if isinstance(idx, Tracer) else np.mod(idx, n).astype(np.int64)
    if mode != "raise":
        raise ValueError(f"mode must be 'raise', 'wrap' or 'clip', got {mode!r}")
    value = known_value(idx)
    if value is not None and value.size and (value.max() >= n or value.min() < -n):
        bad = value.max() if value.max() >= n else value.min()
        raise IndexError(f"index {bad} is out of bounds for axis {axis} with size {n} "
                         f"(at {user_frame()})")
    if isinstance(idx, Tracer):
        if dtype.kind == "u":
            return idx
        return where(idx < 0, idx + n, idx)
    return np.where(value < 0, value + n, value).astype(np.int64)


def basic_getitem(x, entries):
    """Entries of None, slice and int only: one slice, a rev for negative steps, a reshape."""
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
            if not -n <= i < n:
                raise IndexError(f"index {i} is out of bounds for axis {axis} with size {n} "
                                 f"(at {user_frame()})")
            i %= n
            a, b, s = i, i + 1, 1
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
