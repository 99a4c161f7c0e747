"""MkDocs hook: run the Python code of every page whose front matter says ``execute: true``.

A page's ```` ```python ```` blocks run in order, in one namespace per page, like the cells of a
notebook. What a block prints is shown under it; if its last statement is an expression, its
value is shown too: a matplotlib figure as a PNG, anything with ``_repr_svg_`` (``viz.draw_ir``'s
graph) as an SVG, anything else as its ``repr``. So every picture in the tutorial is made by
the code above it, each time the site is built, and a chapter whose code fails stops the build.
``tests/test_docs.py`` runs the same function, ``run_page``, on every such page.
"""
import ast
import contextlib
import io
import logging
import re
import time

log = logging.getLogger("mkdocs.hooks.chapters")
FENCE = re.compile(r"^```python[^\n]*\n(.*?)^```[ \t]*$", re.M | re.S)


class ChapterError(RuntimeError):
    """A page's code raised: the message names the page and the Markdown line."""


def _display(value, name, figures, need_pictures):
    """``(text, picture)``: how to show ``value``, as output text or as Markdown for a picture
    (whose file is appended to ``figures``)."""
    if value is None:
        return "", ""
    if type(value).__name__ == "Figure" and hasattr(value, "savefig"):
        buf = io.BytesIO()
        value.savefig(buf, format="png", dpi=144)
        title = value.axes[0].get_title() if value.axes else "figure"
        figures.append((f"{name}-{len(figures) + 1}.png", buf.getvalue()))
        return "", f"\n![{title}](figures/{figures[-1][0]})\n"
    svg = getattr(value, "_repr_svg_", lambda: None)()
    if svg is None and hasattr(value, "_repr_svg_") and need_pictures:
        raise ChapterError(f"{name}: a graph could not be drawn: install Graphviz's dot program")
    if svg:
        figures.append((f"{name}-{len(figures) + 1}.svg", svg.encode()))
        src = f"figures/{figures[-1][0]}"
        return "", f"\n[![computation graph]({src}){{ .graph }}]({src} \"open full size\")\n"
    return (str(value) if hasattr(value, "_repr_svg_") else repr(value)) + "\n", ""


def _run_block(code, first_line, path, env):
    """Run one block; returns (printed text, value of a trailing expression or None)."""
    tree = ast.parse("\n" * (first_line - 1) + code, path)
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(tree, path, "exec"), env)
        value = eval(compile(ast.Expression(last.value), path, "eval"), env) if last else None
    return out.getvalue(), value


def run_page(markdown, path, name, need_pictures=True):
    """Run the page's Python blocks; returns (Markdown with outputs, [(file name, bytes)],
    seconds spent running code). ``need_pictures=False`` shows a graph that cannot be drawn
    (no Graphviz) as its DOT text instead of failing."""
    env = {"__name__": "__main__"}
    figures, parts, pos, spent = [], [], 0, 0.0
    for m in FENCE.finditer(markdown):
        first_line = markdown.count("\n", 0, m.start(1)) + 1
        t0 = time.perf_counter()
        try:
            text, value = _run_block(m.group(1), first_line, path, env)
        except Exception as err:
            raise ChapterError(f"{path}:{first_line}: the code block starting here raised "
                               f"{type(err).__name__}: {err}") from err
        spent += time.perf_counter() - t0
        shown, picture = _display(value, name, figures, need_pictures)
        text += shown
        parts.append(markdown[pos:m.end()])
        if text:
            parts.append('\n\n```text title="output"\n' + text.rstrip("\n") + "\n```")
        parts.append(picture)
        pos = m.end()
    parts.append(markdown[pos:])
    return "".join(parts), figures, spent


def on_page_markdown(markdown, page, config, files):
    if not page.meta.get("execute"):
        return markdown
    from mkdocs.structure.files import File

    src = page.file.src_uri
    name = src.rsplit("/", 1)[-1].removesuffix(".md")
    markdown, figures, spent = run_page(markdown, f"docs/{src}", name)
    folder = src.rsplit("/", 1)[0] + "/figures/" if "/" in src else "figures/"
    for fname, data in figures:
        files.append(File.generated(config, folder + fname, content=data))
    log.info(f"ran the code of {src} in {spent:.1f} s: {len(figures)} pictures")
    return markdown
