"""Griffe extension for the API pages: the ``>>>`` examples in funcgrad's docstrings become
fenced ``pycon`` code blocks, so they render as code (with a copy button) instead of being read
as Markdown text, where ``x["w"][0]`` would look like a link."""
import griffe


def fence_doctests(text):
    """Wrap each run of doctest lines (from a ``>>>`` line to the next blank line) in a fence."""
    out, inside = [], False
    for line in text.splitlines():
        stripped = line.lstrip()
        if not inside and stripped.startswith(">>>"):
            indent = line[:len(line) - len(stripped)]
            out.append(indent + "```pycon")
            inside = True
        elif inside and not stripped:
            out.append(indent + "```")
            inside = False
        out.append(line)
    if inside:
        out.append(indent + "```")
    return "\n".join(out)


class DoctestFences(griffe.Extension):
    def on_object(self, *, obj, **kwargs):
        if obj.docstring is not None:
            obj.docstring.value = fence_doctests(obj.docstring.value)
