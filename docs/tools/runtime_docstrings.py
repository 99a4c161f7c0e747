"""Griffe extension for the API pages: a module attribute bound to a function made when the
module is imported (``cumsum = _cumulative(fnp.cumsum)`` in ``funcgrad.lax``, ``tanh =
fnp.tanh`` in ``funcgrad.nn``) is shown with that function's docstring, which griffe's static
analysis of the source cannot see."""
import importlib
import inspect

import griffe


class RuntimeDocstrings(griffe.Extension):
    def on_attribute_instance(self, *, attr, **kwargs):
        parent = attr.parent
        if attr.docstring is not None or parent is None or not parent.is_module \
                or not attr.path.startswith("funcgrad."):
            return
        try:
            value = getattr(importlib.import_module(parent.path), attr.name)
        except (ImportError, AttributeError):
            return
        if inspect.isfunction(value) and value.__doc__:
            attr.docstring = griffe.Docstring(inspect.cleandoc(value.__doc__), parent=attr)
            attr.labels.discard("module-attribute")
