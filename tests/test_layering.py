"""Imports flow one way (DESIGN.md): core knows nothing of ops, differentiation or Numba;
only backend/ imports numba; the library never imports the benchmark peers."""
import ast
import pathlib

PKG = pathlib.Path(__file__).resolve().parent.parent / "funcgrad"
PEERS = {"jax", "jaxlib", "torch", "autograd", "micrograd"}


def _imports(path):
    mods = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            mods += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # resolve relative imports against the file's package
                parts = list(path.relative_to(PKG.parent).with_suffix("").parts)
                parts = parts[:len(parts) - node.level]
                base = ".".join(parts + ([base] if base else []))
            mods.append(base)
    return mods


def _files(sub=""):
    return sorted((PKG / sub).rglob("*.py"))


def test_core_imports_nothing_above_it():
    for f in _files("core"):
        for m in _imports(f):
            if m.startswith("funcgrad"):
                assert m.startswith(("funcgrad.core", "funcgrad.errors", "funcgrad.tree")), (f, m)


def test_ops_do_not_import_numpy_layer_ad_or_backend():
    for f in _files("ops"):
        for m in _imports(f):
            assert not m.startswith(("funcgrad.numpy", "funcgrad.ad", "funcgrad.backend",
                                     "funcgrad.api")), (f, m)


def test_only_backend_imports_numba():
    for f in _files():
        if "backend" in f.parts:
            continue
        for m in _imports(f):
            assert m.split(".")[0] not in ("numba", "llvmlite"), (f, m)


def test_library_never_imports_peers():
    for f in _files():
        for m in _imports(f):
            assert m.split(".")[0] not in PEERS, (f, m)
