"""Primitives are data: a name and a record of rules, one slot per transformation.

Slots: ``impl`` (NumPy), ``abstract_eval`` (shape/dtype rule), ``jvp``, ``vjp``, ``batch``,
``emit``. A slot left empty raises an error naming the primitive and the transformation;
``NOT_SUPPORTED`` marks a transformation a primitive deliberately lacks.
"""
from .tracing import bind

NOT_SUPPORTED = "not supported"
SLOTS = ("impl", "abstract_eval", "jvp", "vjp", "batch", "emit")

registry = {}


class MissingRule(NotImplementedError):
    pass


def _missing(name, slot):
    def rule(*args, **kwargs):
        raise MissingRule(f"primitive '{name}' has no {slot} rule, so this transformation "
                          f"cannot be applied to it. Please report this at funcgrad's tracker.")
    rule.missing = True
    return rule


class Primitive:
    """One primitive operation and its rules.

    >>> import numpy as np
    >>> from funcgrad.core.avals import ShapedArray
    >>> double_p = Primitive("double_example", impl=lambda x: 2 * x,
    ...                      abstract_eval=lambda a: a, register=False)
    >>> double_p.bind(np.ones(2))
    array([2., 2.])
    """

    def __init__(self, name, *, multiple_results=False, register=True, **slots):
        unknown = set(slots) - set(SLOTS) - {"scalar", "differentiable", "inline_when_staged"}
        if unknown:
            raise TypeError(f"unknown primitive slots {sorted(unknown)}")
        self.name = name
        self.multiple_results = multiple_results
        # scalar: an elementwise op's expression in its scalar arguments, for code generation.
        self.scalar = slots.pop("scalar", None)
        # differentiable=False: outputs carry no gradient (comparisons, argmax, floor, ...).
        self.differentiable = slots.pop("differentiable", True)
        # inline_when_staged: make_ir/jit trace through impl instead of recording an equation.
        self.inline_when_staged = slots.pop("inline_when_staged", False)
        for slot in SLOTS:
            rule = slots.get(slot)
            if rule is None or rule == NOT_SUPPORTED:
                rule = _missing(name, slot) if rule is None else _not_supported(name, slot)
            setattr(self, slot, rule)
        if register:
            if name in registry:
                raise ValueError(f"primitive {name!r} is declared twice")
            registry[name] = self

    def bind(self, *args, **params):
        return bind(self, *args, **params)

    def has_rule(self, slot):
        return not getattr(getattr(self, slot), "missing", False)

    def __repr__(self):
        return self.name


def _not_supported(name, slot):
    def rule(*args, **kwargs):
        raise NotImplementedError(f"primitive '{name}' does not support the {slot} "
                                  "transformation.")
    rule.not_supported = True
    return rule
