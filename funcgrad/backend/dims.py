"""Which array dimensions of a function are equal in every call that generates the same code.

Generated code reads each size from the run-time table ``P``, so that the source, which is the
compile-cache key, does not depend on sizes. Two dimensions may share an entry only if they are
equal whenever the code is the same, not merely equal in this call: a batch of 16 rows and a
layer of 16 units must keep two entries, or the next batch size would change the source and
compile again. Dimensions are known equal here when the backend's own lowering records say so:
an elementwise equation's operands and result have one shape; a broadcast keeps the axes it maps
(a stretched axis of size 1 is structure: the code indexes it with 0); a reduction keeps the axes
it does not reduce; and the members of one loop nest share its shape (fusion decided that).
"""
from ..core.ir import Var
from . import fusion


class Dims:
    """Classes of equal dimensions (``(var, axis)`` pairs) of one function's equations."""

    def __init__(self, eqns, items):
        self.parent = {}
        for e in eqns:
            if fusion.is_broadcast(e):
                self._join_mapped(e.inputs[0], e.outvars[0], e.params["dims"])
            elif fusion.is_elementwise(e):
                for x in e.inputs:
                    self._join_mapped(x, e.outvars[0], range(len(e.outvars[0].aval.shape)))
            elif fusion.is_reduction(e):
                x = e.inputs[0]
                kept = [i for i in range(len(x.aval.shape)) if i not in e.params["axes"]]
                self._join_mapped(e.outvars[0], x, kept)
        for it in items:
            if isinstance(it, fusion.Group):
                for e in it.members[1:] + it.reductions:
                    self._join_mapped(group_var(it), _loop_var(e), range(len(it.shape)))

    def _join_mapped(self, x, v, axes):
        """Join axis ``i`` of ``x`` with axis ``axes[i]`` of ``v`` where their sizes are equal
        (never a stretched axis of size 1)."""
        if not (isinstance(x, Var) and isinstance(v, Var)) or \
                len(x.aval.shape) != len(axes):
            return
        for i, a in enumerate(axes):
            rx, rv = self.root((x, i)), self.root((v, a))
            if x.aval.shape[i] == v.aval.shape[a] and rx != rv:
                self.parent[rx] = rv

    def root(self, dim):
        """The representative of ``dim``'s class."""
        while dim in self.parent:
            dim = self.parent[dim]
        return dim


def _loop_var(e):
    """The value whose shape the loop nest computing ``e`` runs over."""
    return e.inputs[0] if fusion.is_reduction(e) else e.outvars[0]


def group_var(g):
    """A value of a group's loop shape: its first member's result or reduced operand."""
    return _loop_var(g.members[0] if g.members else g.reductions[0])
