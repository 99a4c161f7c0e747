"""Functional index updates, as in JAX: ``x.at[idx].set(v)`` returns a new array equal to
``x`` with ``x[idx]`` replaced by ``v`` (also ``add``, ``multiply``, ``divide``, ``power``,
``min``, ``max``, ``get``); ``x`` itself is unchanged. Traced values have the ``.at`` property;
for any array (a NumPy one included) write ``fnp.at(x)[idx]...``.

The index takes every form ``x[idx]`` does (ints, slices, ``...``, ``None``, integer and
boolean arrays, traced integer arrays under ``jit``). It is turned into the positions of the
selected elements in ``x`` flattened, and one scatter primitive writes the (broadcast) values
there: repeated positions accumulate in ``add``/``multiply``/``min``/``max``, and the last
write wins in ``set`` (NumPy's rule; JAX leaves it unspecified). Every operation is
differentiable in ``x`` and in the values, to any order, under ``jit`` and ``vmap``. Indices
known when tracing must be in range (``IndexError`` otherwise); traced indices are clamped to
the array, as the gather of ``x[idx]`` does.

>>> import funcgrad as fg, funcgrad.numpy as fnp
>>> x = np.zeros(4)
>>> fnp.at(x)[[0, 2, 2]].add(1.0).tolist()
[1.0, 0.0, 2.0, 0.0]
>>> float(fg.grad(lambda v: fnp.sum(fnp.at(x)[1:3].set(v) ** 2))(3.0))
12.0
"""
import numpy as np

from ..core.tracing import Tracer
from ..errors import user_frame
from ..ops import shape as sh
from ._advanced import getitem
from ._base import _ret, astype
from ._core import asarray_or_tracer
from ._math import power, true_divide
from ._shapes import broadcast_to

_SCATTERS = {"set": sh.scatter_p, "add": sh.scatter_add_p, "multiply": sh.scatter_mul_p,
             "min": sh.scatter_min_p, "max": sh.scatter_max_p}


def at(x):
    """``x.at`` for any array: ``fnp.at(x)[idx].set(v)``, also on NumPy arrays.

    >>> at(np.arange(3.0))[-1].multiply(10.0).tolist()
    [0.0, 1.0, 20.0]
    """
    return _IndexUpdateHelper(asarray_or_tracer(x))


class _IndexUpdateHelper:
    """What ``x.at`` is: indexing it gives the updates of ``x[idx]``."""

    __slots__ = ("array",)

    def __init__(self, array):
        self.array = array

    def __getitem__(self, idx):
        return _IndexUpdateRef(self.array, idx)

    def __repr__(self):
        return f"at({self.array!r})"


class _IndexUpdateRef:
    """``x.at[idx]``: each method returns a new array."""

    __slots__ = ("array", "index")

    def __init__(self, array, index):
        self.array, self.index = array, index

    def get(self, *, mode=None, fill_value=None):
        """``x[idx]``."""
        _no_modes("get", mode, fill_value)
        return getitem(self.array, self.index) if isinstance(self.array, Tracer) \
            else self.array[self.index]

    def set(self, values, *, mode=None):
        """``x`` with ``x[idx] = values``."""
        return self._scatter("set", values, mode)

    def add(self, values, *, mode=None):
        """``x`` with ``x[idx] += values`` (repeated indices add up)."""
        return self._scatter("add", values, mode)

    def multiply(self, values, *, mode=None):
        """``x`` with ``x[idx] *= values`` (repeated indices multiply)."""
        return self._scatter("multiply", values, mode)

    mul = multiply

    def divide(self, values, *, mode=None):
        """``x`` with ``x[idx] /= values``."""
        return self._scatter("multiply", true_divide(1, values), mode)

    def power(self, values, *, mode=None):
        """``x`` with ``x[idx] **= values`` (a repeated index is raised once, from ``x``)."""
        return self._scatter("set", power(self.get(), values), mode)

    def min(self, values, *, mode=None):
        """``x`` with ``x[idx] = minimum(x[idx], values)``."""
        return self._scatter("min", values, mode)

    def max(self, values, *, mode=None):
        """``x`` with ``x[idx] = maximum(x[idx], values)``."""
        return self._scatter("max", values, mode)

    def _scatter(self, kind, values, mode):
        _no_modes(kind, mode, None)
        x = self.array
        positions = _positions(x, self.index)
        values = astype(broadcast_to(asarray_or_tracer(values), np.shape(positions)), x.dtype)
        size = int(np.prod(np.shape(x), dtype=np.int64))
        flat_positions = sh.reshape(positions, (int(np.size(positions)),))
        out = _SCATTERS[kind].bind(sh.reshape(x, (size,)), flat_positions,
                                   sh.reshape(values, (int(np.size(positions)),)), axis=0)
        return _ret(sh.reshape(out, np.shape(x)))


def _positions(x, index):
    """The positions, in ``x`` flattened, of the elements ``x[index]`` selects (shaped like
    ``x[index]``): NumPy computes them when the index is known; a traced index selects them from
    a constant table of positions, as it would select elements."""
    table = np.arange(int(np.prod(np.shape(x), dtype=np.int64)), dtype=np.int64)
    table = table.reshape(np.shape(x))
    if not _traced(index):
        return table[index]
    return getitem(table, index)


def _traced(index):
    parts = index if isinstance(index, tuple) else (index,)
    return any(isinstance(p, Tracer) or isinstance(p, (list, tuple)) and _traced(tuple(p))
               for p in parts)


def _no_modes(what, mode, fill_value):
    if mode is not None or fill_value is not None:
        raise NotImplementedError(
            f"x.at[...].{what}(mode={mode!r}, fill_value={fill_value!r}) at {user_frame()}: "
            "funcgrad supports the default mode only (indices known when tracing must be in "
            "range; traced ones are clamped to the array).")
