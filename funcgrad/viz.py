"""Pictures of training: loss curves, 2-D decision boundaries, and computation graphs.

matplotlib is needed for the plots (``pip install 'funcgrad[examples]'``); ``draw_ir`` needs
nothing (it writes Graphviz DOT text, and renders it when the ``dot`` program is installed).
"""
import shutil
import subprocess

import numpy as np

from .ad import grad
from .api import make_ir
from .core.ir import Lit
from .tree import tree_leaves


def _plt():
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError("plotting needs matplotlib: pip install 'funcgrad[examples]'") from None
    return plt


def plot_history(history, path, key="loss"):
    """Write the training curve ``history[key]`` (log scale) to ``path`` (PNG or SVG)."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.plot(history[key])
    ax.set_xlabel("step")
    ax.set_ylabel(key)
    if min(history[key]) > 0:
        ax.set_yscale("log")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def plot_decision_boundary(predict, X, y, path, resolution=200):
    """Write the 2-D decision regions of ``predict(points) -> scores`` with the data."""
    plt = _plt()
    lo, hi = X.min(0) - 0.5, X.max(0) + 0.5
    xx, yy = np.meshgrid(np.linspace(lo[0], hi[0], resolution),
                         np.linspace(lo[1], hi[1], resolution))
    grid = np.stack([xx.ravel(), yy.ravel()], 1)
    z = np.asarray(predict(grid)).reshape(xx.shape)
    fig, ax = plt.subplots(figsize=(5, 4))
    ax.contourf(xx, yy, z > 0, alpha=0.4, cmap="coolwarm")
    ax.scatter(X[:, 0], X[:, 1], c=y, s=20, cmap="coolwarm", edgecolors="k")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def draw_ir(f, *args, path=None):
    """The computation graph of ``f`` as Graphviz DOT text: one node per input and equation,
    labelled with its shape, and (for concrete inputs of a scalar function) each input's value
    summary and gradient. Renders to ``path`` (png/svg/pdf) if the ``dot`` program exists.

    >>> dot = draw_ir(lambda x: (x * 2.0).sum(), np.ones(3))
    >>> "mul" in dot and "f64[3]" in dot
    True
    """
    ir = make_ir(f)(*args)
    leaves = tree_leaves(args)
    grads = None
    if ir.out_avals and ir.out_avals[0].shape == () and ir.out_avals[0].dtype.kind == "f":
        try:
            grads = tree_leaves(grad(f, argnums=tuple(range(len(args))))(*args))
        except TypeError:
            grads = None
    ids = {}
    lines = ["digraph funcgrad {", '  rankdir=LR; node [shape=record, fontname="monospace"];']

    def node(v, label):
        ids[v] = f"n{len(ids)}"
        lines.append(f'  {ids[v]} [label="{label}"];')

    for i, v in enumerate(ir.in_vars):
        label = f"input {i} | {v.aval.str_short()}"
        if i < len(leaves):
            x = np.asarray(leaves[i])
            label += f" | mean {x.mean():.4g}"
            if grads is not None and i < len(grads):
                label += f" | grad norm {np.linalg.norm(np.asarray(grads[i])):.4g}"
        node(v, label)
    for v in ir.const_vars:
        node(v, f"const | {v.aval.str_short()}")
    for e in ir.eqns:
        for v in e.outvars:
            node(v, f"{e.prim.name} | {v.aval.str_short()}")
        for x in e.inputs:
            if not isinstance(x, Lit):
                for v in e.outvars:
                    lines.append(f"  {ids[x]} -> {ids[v]};")
    lines.append("}")
    dot = "\n".join(lines)
    if path is not None:
        exe = shutil.which("dot")
        if exe:
            fmt = path.rsplit(".", 1)[-1]
            subprocess.run([exe, f"-T{fmt}", "-o", path], input=dot.encode(), check=True)
        else:
            with open(path if path.endswith(".dot") else path + ".dot", "w") as fh:
                fh.write(dot)
    return dot
