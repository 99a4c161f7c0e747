"""The documentation: every page marked ``execute: true`` runs as written (through the same
function the site build uses), every funcgrad name in the porting tables exists, every public
function of the documented modules has a ``>>>`` example, and (slow) the site builds in strict
mode."""
import importlib
import importlib.util
import inspect
import os
import pathlib
import pickle
import re
import shutil
import subprocess
import sys
import time

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def _chapters_module():
    spec = importlib.util.spec_from_file_location("docs_chapters", DOCS / "tools" / "chapters.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _executed_pages():
    return sorted(p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md")
                  if p.read_text().startswith("---\nexecute: true\n"))


# Pages whose code draws pictures, and how many (a picture that silently stops being made
# fails here, not only in `make docs-check`).
PICTURES = {"tutorial/01-chain-rule.md": 2, "tutorial/02-micrograd.md": 2,
            "tutorial/03-networks.md": 4, "tutorial/04-optimizers.md": 2,
            "tutorial/05-training.md": 6, "tutorial/07-real-data.md": 2,
            "tutorial/09-distributed.md": 1}
# Optional packages a page needs beyond matplotlib: without them its test skips, saying which.
NEEDS = {"tutorial/09-distributed.md": ["distributed", "sklearn"]}
# Pages run in a Python process of their own: chapter 9 starts a Dask cluster, and Dask leaves
# threads running in the process that used it, beside which funcgrad's parallel compiler does
# not fork (later tests expect it to).
OWN_PROCESS = {"tutorial/09-distributed.md"}
# Pages whose test is slow (make test-all; make docs runs them too): chapter 9 starts two
# worker processes and trains on them: 40 to 60 s on this project's shared 2-core machine at
# a load of 10 (15 s of CPU in the page's own process).
SLOW = {"tutorial/09-distributed.md"}
RUN_IN_OWN_PROCESS = """
import importlib.util, pickle, sys
spec = importlib.util.spec_from_file_location("docs_chapters", sys.argv[1])
chapters = importlib.util.module_from_spec(spec)
spec.loader.exec_module(chapters)
with open(sys.argv[2]) as f:
    markdown, figures, _ = chapters.run_page(f.read(), sys.argv[3], sys.argv[4],
                                             need_pictures=sys.argv[5] == "1")
with open(sys.argv[6], "wb") as f:
    pickle.dump((markdown, figures), f)
"""


def test_every_tutorial_chapter_is_executed():
    pages = _executed_pages()
    chapters = sorted(p.relative_to(DOCS).as_posix()
                      for p in (DOCS / "tutorial").glob("[0-9]*.md"))
    assert chapters and set(chapters) <= set(pages)
    assert set(PICTURES) <= set(pages)


def _run_page(page, tmp_path):
    """``(markdown with outputs, figures)`` of the page, run here or in a process of its own."""
    name, need_pictures = page.rsplit("/", 1)[-1][:-3], shutil.which("dot") is not None
    if page not in OWN_PROCESS:
        return _chapters_module().run_page((DOCS / page).read_text(), f"docs/{page}", name,
                                           need_pictures=need_pictures)[:2]
    result = tmp_path / "page.pickle"
    out = subprocess.run([sys.executable, "-c", RUN_IN_OWN_PROCESS, str(DOCS / "tools" /
                          "chapters.py"), str(DOCS / page), f"docs/{page}", name,
                          "1" if need_pictures else "0", str(result)], cwd=ROOT,
                         capture_output=True, text=True, timeout=900,
                         env={**os.environ, "MPLBACKEND": "Agg"})
    if out.returncode != 0:
        pytest.fail(f"{page} failed in its own process:\n{out.stderr[-4000:]}")
    with open(result, "rb") as f:
        return pickle.load(f)


def test_every_page_is_in_the_navigation_and_every_chapter_in_the_tutorial_index():
    nav = (ROOT / "mkdocs.yml").read_text().split("\nnav:\n", 1)[1]
    pages = [p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md")
             if p.relative_to(DOCS).parts[0] != "tools"]
    assert len(pages) > 20 and not [p for p in pages if f" {p}\n" not in nav + "\n"]
    index = (DOCS / "tutorial" / "index.md").read_text()
    chapters = sorted(p.name for p in (DOCS / "tutorial").glob("[0-9]*.md"))
    assert len(chapters) == 9 and not [c for c in chapters if f"]({c})" not in index]


@pytest.mark.parametrize("page", [pytest.param(p, marks=pytest.mark.slow) if p in SLOW else p
                                  for p in _executed_pages()])
def test_page_code_runs_as_written(page, capsys, tmp_path):
    pytest.importorskip("matplotlib")
    for module in NEEDS.get(page, []):
        pytest.importorskip(module, reason=f"{page} needs {module}")
    text = (DOCS / page).read_text()
    t0 = time.perf_counter()
    markdown, figures = _run_page(page, tmp_path)
    with capsys.disabled():  # the time each chapter takes, for the report
        print(f"\n{page}: code ran in {time.perf_counter() - t0:.1f} s")
    assert markdown.count("```python") == text.count("```python")
    prose = "".join(markdown.split("```")[::2])  # outside code blocks: rendered as Markdown
    assert all(f"](figures/{name}" in prose for name, _ in figures)
    pngs = [data for name, data in figures if name.endswith(".png")]
    assert all(data.startswith(b"\x89PNG") and len(data) > 5000 for data in pngs)
    drawn = len(figures) if shutil.which("dot") else len(pngs)
    expected = PICTURES.get(page, 0)
    if not shutil.which("dot") and page == "tutorial/02-micrograd.md":
        expected = 0  # its two graphs are shown as DOT text without Graphviz
        assert markdown.count("digraph funcgrad") == 2
    assert drawn == expected, f"{page} drew {drawn} pictures, expected {expected}"


def test_a_failing_block_names_the_page_and_line():
    chapters = _chapters_module()
    page = "# t\n\n```python\nx = 1\n```\n\ntext\n\n```python\ny = 2\n1 / 0\n```\n"
    with pytest.raises(chapters.ChapterError, match=r"docs/t.md:10: .*ZeroDivisionError"):
        chapters.run_page(page, "docs/t.md", "t")


def test_outputs_and_values_are_shown_under_their_block():
    chapters = _chapters_module()
    page = "```python\nprint('hi')\n```\n\n```python\n6 * 7\n```\n"
    markdown, figures, _ = chapters.run_page(page, "docs/t.md", "t")
    assert markdown.count('```text title="output"') == 2 and figures == []
    assert "hi\n```" in markdown and "42\n```" in markdown


# A code line longer than this scrolls sideways in the page's column of text.
CODE_WIDTH = 80
# Longer lines left in sections other engineers are rewriting (this list may only shrink);
# numpy.md is generated by its own tool.
KNOWN_LONG_CODE_LINES = {("how_it_works.md", 'cbrt_p = unary("cbrt"')}


def test_code_lines_fit_the_page():
    long = []
    for path in sorted(DOCS.rglob("*.md")):
        page = path.relative_to(DOCS).as_posix()
        inside = False
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if line.lstrip().startswith("```"):
                inside = not inside
            elif inside and len(line) > CODE_WIDTH and page != "numpy.md" and not any(
                    page == p and line.lstrip().startswith(s) for p, s in KNOWN_LONG_CODE_LINES):
                long.append(f"docs/{page}:{n} ({len(line)} characters)")
    assert not long, f"code lines over {CODE_WIDTH} characters scroll sideways: {long}"


PREFIXES = {"fg": "funcgrad", "funcgrad": "funcgrad", "fnp": "funcgrad.numpy",
            "nn": "funcgrad.nn", "optim": "funcgrad.optim", "fr": "funcgrad.random",
            "data": "funcgrad.data", "train": "funcgrad.train", "viz": "funcgrad.viz"}


def _table_names(page):
    """The funcgrad names in the second column of the page's tables."""
    names = []
    for line in (DOCS / "howto" / page).read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 2 and line.startswith("|") and not set(cells[1]) <= set("-: "):
            names += re.findall(r"`([A-Za-z_][\w.]*)", cells[1])
    return [n for n in names if n != "funcgrad"]


def _resolve(name):
    head, _, rest = name.partition(".")
    obj = importlib.import_module(PREFIXES[head])
    for part in filter(None, rest.split(".")):
        obj = getattr(obj, part)
    return obj


@pytest.mark.parametrize("page", ["from-jax.md", "from-autograd.md", "from-pytorch.md"])
def test_porting_tables_name_only_what_funcgrad_has(page):
    names = _table_names(page)
    assert len(names) >= 10
    for name in names:
        assert name.partition(".")[0] in PREFIXES, f"{page}: unknown module in `{name}`"
        try:
            _resolve(name)
        except AttributeError:
            pytest.fail(f"{page}: the table names `{name}`, which funcgrad does not have")


def test_the_table_check_can_fail():
    with pytest.raises(AttributeError):
        _resolve("fg.no_such_transformation")
    assert _table_names("from-jax.md")[0] == "fg.grad"


# The modules the API reference documents: every public function in them has a runnable example.
DOCUMENTED = ["funcgrad", "funcgrad.nn", "funcgrad.optim.base", "funcgrad.optim.transforms",
              "funcgrad.optim.schedules", "funcgrad.optim.wrappers", "funcgrad.data",
              "funcgrad.train", "funcgrad.random", "funcgrad.viz", "funcgrad.tree",
              "funcgrad.tree_util", "funcgrad.testing", "funcgrad.control", "funcgrad.custom",
              "funcgrad.checkpoint", "funcgrad.lax", "funcgrad.io", "funcgrad.distributed",
              "funcgrad.numpy.linalg", "funcgrad.numpy.fft", "funcgrad.scipy.linalg",
              "funcgrad.scipy.special", "funcgrad.scipy.stats", "funcgrad.scipy.signal"]


def _public_functions(modname):
    mod = importlib.import_module(modname)
    for name, obj in vars(mod).items():
        if name.startswith("_") or not inspect.isfunction(obj):
            continue
        if modname == "funcgrad" or getattr(obj, "__module__", None) == modname:
            yield f"{obj.__module__}.{name}", obj  # by its public name: factories make several


def test_public_functions_have_runnable_examples():
    found = dict(kv for mod in DOCUMENTED for kv in _public_functions(mod))
    assert len(found) > 150 and "funcgrad.lax.switch" in found  # the check sees them all
    assert "funcgrad.lax.cummax" in found  # made by a factory, too
    lacking = sorted(name for name, obj in found.items()
                     if ">>>" not in (inspect.getdoc(obj) or ""))
    assert not lacking, f"public functions without a >>> example in their docstring: {lacking}"


@pytest.mark.slow
def test_site_builds_in_strict_mode(tmp_path):
    pytest.importorskip("mkdocs", reason="the docs extra is not installed: run `make docs`")
    if shutil.which("dot") is None:
        pytest.skip("Graphviz's dot is needed to draw the tutorial's graphs: run `make docs`")
    out = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir",
                          str(tmp_path / "site")], cwd=ROOT, capture_output=True, text=True,
                         env={**os.environ, "NO_MKDOCS_2_WARNING": "1",
                              "MPLBACKEND": "Agg"})
    assert out.returncode == 0, out.stderr[-3000:]
    page = (tmp_path / "site" / "tutorial" / "02-micrograd.html").read_text()
    assert "24.7041" in page and page.count('class="graph"') == 2
