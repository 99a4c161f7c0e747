"""Primitives are data: a name and a record of rules, one slot per transformation.

Slots: ``impl`` (NumPy), ``abstract_eval`` (shape/dtype rule), ``jvp``, ``vjp``, ``batch``
(for ``vmap``), ``lowering`` (what the backend needs to compile it: a record of
``core.lowering``). Every slot is given when the primitive is declared, in one block. A slot
left empty raises an error naming the primitive and the transformation; ``NOT_SUPPORTED``
marks one a primitive deliberately lacks.
"""
from .tracing import bind

NOT_SUPPORTED = "not supported"
SLOTS = ("impl", "abstract_eval", "jvp", "vjp", "batch", "lowering")

registry = {}


class MissingRule(NotImplementedError):
    pass


def _missing(name, slot):
    def rule(*args, **kwargs):
        raise MissingRule(f"primitive '{name}' has no {slot} rule, so this transformation "
                          f"cannot be applied to it. Please report this at funcgrad's tracker.")
    rule.missing = True
    return rule


def _not_supported(name, slot):
    def rule(*args, **kwargs):
        raise NotImplementedError(f"primitive '{name}' does not support the {slot} "
                                  "transformation.")
    rule.not_supported = True
    return rule


def _no_derivative(*args, **kwargs):
    raise AssertionError("never called: a non-differentiable primitive has no tangent")


class Primitive:
    """One primitive operation and its rules.

    ``differentiable=False``: its outputs carry no gradient (comparisons, argmax, floor, ...),
    so it needs no ``jvp`` or ``vjp``. ``inline_when_staged``: ``make_ir``/``jit`` trace
    through ``impl`` instead of recording an equation.

    >>> import numpy as np
    >>> double_p = Primitive("double_example", impl=lambda x: 2 * x,
    ...                      abstract_eval=lambda a: a, register=False)
    >>> double_p.bind(np.ones(2))
    array([2., 2.])
    """

    def __init__(self, name, *, multiple_results=False, differentiable=True,
                 inline_when_staged=False, register=True, **slots):
        unknown = set(slots) - set(SLOTS)
        if unknown:
            raise TypeError(f"unknown primitive slots {sorted(unknown)}")
        self.name = name
        self.multiple_results = multiple_results
        self.differentiable = differentiable
        self.inline_when_staged = inline_when_staged
        if not differentiable:  # the differentiation rules never call these
            slots = dict(slots, jvp=slots.get("jvp", _no_derivative),
                         vjp=slots.get("vjp", _no_derivative))
        for slot in SLOTS:
            rule = slots.get(slot)
            if rule is None or rule is NOT_SUPPORTED:
                rule = _missing(name, slot) if rule is None else _not_supported(name, slot)
            setattr(self, slot, rule)
        if register:
            if name in registry:
                raise ValueError(f"primitive {name!r} is declared twice")
            registry[name] = self

    def bind(self, *args, **params):
        return bind(self, *args, **params)

    def has_rule(self, slot):
        """Whether ``slot`` was given (``NOT_SUPPORTED`` counts: it is a deliberate answer)."""
        return not getattr(getattr(self, slot), "missing", False)

    def supports(self, slot):
        """Whether ``slot`` holds a rule (neither missing nor ``NOT_SUPPORTED``)."""
        rule = getattr(self, slot)
        return not (getattr(rule, "missing", False) or getattr(rule, "not_supported", False))

    def __repr__(self):
        return self.name
