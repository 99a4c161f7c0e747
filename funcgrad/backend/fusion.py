"""Which equations share a loop nest.

An IR is scheduled into *items*: a ``Group`` is one loop nest over a shape, computing a run of
elementwise equations (lowering records ``Elementwise`` and ``Broadcast``) and the reductions
(``Reduction``) of values it produces or reads; a ``Single`` is any other equation, emitted on its
own. An elementwise equation joins the latest group of its shape that comes after everything it
reads (so independent chains of the same shape share a loop even when the IR interleaves them,
as backward passes do); a reduction joins the group whose loop runs over its operand's shape.
Values produced inside a group are scalars in the loop body; only those read after the loop (by
another item, or as outputs) are written to arrays.
"""
from ..core.ir import Var
from ..core.lowering import Broadcast, Elementwise, Reduction


def is_elementwise(e):
    return isinstance(e.prim.lowering, (Elementwise, Broadcast))


def is_broadcast(e):
    return isinstance(e.prim.lowering, Broadcast)


def is_reduction(e):
    return isinstance(e.prim.lowering, Reduction)


class Group:
    """One loop nest over ``shape``: ``members`` (elementwise, in order) and ``reductions``."""

    __slots__ = ("shape", "members", "reductions", "outvars")

    def __init__(self, shape):
        self.shape, self.members, self.reductions, self.outvars = shape, [], [], set()


class Single:
    __slots__ = ("eqn",)

    def __init__(self, eqn):
        self.eqn = eqn


def is_identity_broadcast(e):
    x, v = e.inputs[0], e.outvars[0]
    return x.aval.shape == v.aval.shape and tuple(e.params["dims"]) == tuple(
        range(len(v.aval.shape)))


def _hoist_scalars(eqns):
    """``eqns`` with each 0-d elementwise equation moved up to just after the array
    equation it (transitively) depends on last. Scalars are cheap, and a scalar computed late
    splits loops: Adam's bias corrections, computed after the moment updates, kept every
    parameter's update out of the loop that updates its moments."""
    after = {}  # var -> position of the last array equation it depends on (-1: none)
    moved = [[] for _ in range(len(eqns) + 1)]  # moved[j + 1]: scalars placed after eqn j
    arrays = []
    for i, e in enumerate(eqns):
        if is_elementwise(e) and all(v.aval.shape == () for v in e.outvars):
            j = max((after.get(x, -1) for x in e.inputs if isinstance(x, Var)), default=-1)
            moved[j + 1].append(e)
        else:
            j = i
            arrays.append((i, e))
        after.update((v, j) for v in e.outvars)
    out = list(moved[0])
    for i, e in arrays:
        out.append(e)
        out.extend(moved[i + 1])
    return out


def schedule(eqns):
    """Items (``Group``/``Single``) in an order that respects every data dependence, and the
    broadcasts, which are not computed at all: a loop reads their operand through an index
    map (``virtual``: var -> its broadcast_in_dim equation)."""
    s = _Scheduler()
    for e in _hoist_scalars(eqns):
        s.add(e)
    return s.items, s.virtual


class _Scheduler:
    """The items scheduled so far, and where each value is produced (``home``: var -> (item
    index, produced as a group member?)): a reduction's result exists only after its loop."""

    def __init__(self):
        self.items, self.home, self.virtual = [], {}, {}

    def add(self, e):
        if is_broadcast(e):
            v, x = e.outvars[0], e.inputs[0]
            self.virtual[v] = e
            if isinstance(x, Var) and x in self.home:
                # read through an index map, the operand must be a whole array (unless the map
                # is the identity)
                self.home[v] = self.home[x] if is_identity_broadcast(e) else \
                    (self.home[x][0], False)
        elif is_elementwise(e):
            k = self._group(e.outvars[0].aval.shape, e.inputs)
            self.items[k].members.append(e)
            self.items[k].outvars.update(e.outvars)
            self.home.update((v, (k, True)) for v in e.outvars)
        elif is_reduction(e) and isinstance(e.inputs[0], Var):
            k = self._group(e.inputs[0].aval.shape, e.inputs)
            self.items[k].reductions.append(e)
            self.home.update((v, (k, False)) for v in e.outvars)
        else:
            self.items.append(Single(e))
            self.home.update((v, (len(self.items) - 1, False)) for v in e.outvars)

    def _group(self, shape, ins):
        """The index of the group over ``shape`` that an equation reading ``ins`` joins: the
        latest one after everything it reads that produces the most of its operands, or a
        new one."""
        lo = max((self.home[x][0] for x in ins if isinstance(x, Var) and x in self.home),
                 default=-1)
        best, best_score = None, -1
        for k in range(len(self.items) - 1, max(lo, 0) - 1, -1):
            it = self.items[k]
            # values a group reduces exist only after its loop: its own members cannot read them
            if not isinstance(it, Group) or it.shape != shape or any(
                    self.home.get(x) == (k, False) for x in ins if isinstance(x, Var)):
                continue
            score = sum(1 for x in ins if self.home.get(x) == (k, True))
            if score > best_score:
                best, best_score = k, score
        if best is None:
            self.items.append(Group(shape))
            best = len(self.items) - 1
        return best


def escaping(items, virtual, outs):
    """Group members read outside their own group (or returned): these need arrays."""
    owner = {e.outvars[0]: k for k, it in enumerate(items) if isinstance(it, Group)
             for e in it.members}
    need = {b for b in (broadcast_operand(o, virtual) for o in outs) if b in owner}
    for k, it in enumerate(items):
        for e in ([it.eqn] if isinstance(it, Single) else it.members + it.reductions):
            need.update(b for x, b in _operands(e, virtual) if b in owner and (
                owner[b] != k or not _read_as_scalar(it, x, b, virtual)))
    return need


def _operands(e, virtual):
    """(operand, what it reads through its broadcasts) for each variable operand of ``e``."""
    return [(x, broadcast_operand(x, virtual)) for x in e.inputs if isinstance(x, Var)]


def _read_as_scalar(it, x, b, virtual):
    """Whether item ``it`` reads ``x`` (whose value is ``b``'s) as the scalar its own loop
    computed: within a group, unless through an index map other than the identity."""
    return isinstance(it, Group) and (b is x or _identity_chain(x, virtual))


def broadcast_operand(x, virtual):
    """What ``x`` reads through its chain of broadcasts (``x`` itself if not a broadcast)."""
    while isinstance(x, Var) and x in virtual:
        x = virtual[x].inputs[0]
    return x


def _identity_chain(x, virtual):
    while x in virtual:
        if not is_identity_broadcast(virtual[x]):
            return False
        x = virtual[x].inputs[0]
        if not isinstance(x, Var):
            return True
    return True
