"""Pictures of training and of computation: curves, loss surfaces, 2-D decision regions, and
the graph of a traced function with the value and gradient of every node.

The plots need matplotlib (``pip install 'funcgrad[examples]'``). Each returns a
``matplotlib.figure.Figure`` built without pyplot, so funcgrad never chooses or switches your
backend; the figure is written to ``path`` when one is given, and Jupyter (with
``%matplotlib inline``) shows a returned figure inline. ``draw_ir`` needs nothing: it returns
Graphviz DOT text, drawn as a picture when the ``dot`` program is installed.
"""
import inspect
import itertools
import shutil
import subprocess

import numpy as np

from .ad import grad
from .api import make_ir
from .tree import tree_leaves

# Colours of the series of a plot, in order (matplotlib's "tab10" cycle), fixed so that the
# same series has the same colour in every plot whatever the user's style.
CLASS_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                 "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")


# Margins in inches: room for tick labels of up to ~7 characters, an axis label and a title.
# Fixed rather than matplotlib's constrained layout, which measures every text of the figure
# and cost 0.1-0.15 s per plot (a tenth of the moons demo's run, benchmarks/RESULTS.md N).
_MARGINS = {"left": 0.8, "right": 0.2, "bottom": 0.55, "top": 0.35}


def _figure(figsize, right=_MARGINS["right"]):
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise ImportError("plotting needs matplotlib: pip install 'funcgrad[examples]'") from None
    fig = Figure(figsize=figsize)
    w, h = figsize
    fig.subplots_adjust(left=_MARGINS["left"] / w, right=1 - right / w,
                        bottom=_MARGINS["bottom"] / h, top=1 - _MARGINS["top"] / h)
    return fig


def _finish(fig, path):
    if path is not None:
        fig.savefig(path, dpi=120)
    return fig


def plot_curves(curves, path=None, *, title, xlabel="step", ylabel="loss", xscale="linear",
                yscale=None):
    """Line plot of several series on one set of axes, with a legend when there is more than one.

    ``curves`` maps a label to the y values (x is then 0, 1, 2, ...) or to an ``(x, y)`` pair.
    ``yscale=None`` picks "log" when every value is positive and they span more than a factor
    of 10. Returns the figure; writes it to ``path`` (PNG, SVG, PDF) when given.

    >>> fig = plot_curves({"sgd": [1.0, 0.5, 0.2], "adam": [1.0, 0.1, 0.01]},
    ...                   title="Two optimizers", ylabel="loss")
    >>> ax = fig.axes[0]
    >>> ax.get_title(), ax.get_yscale(), [t.get_text() for t in ax.get_legend().get_texts()]
    ('Two optimizers', 'log', ['sgd', 'adam'])
    """
    fig = _figure((6, 3.8))
    ax = fig.add_subplot()
    ys = []
    for i, (label, series) in enumerate(curves.items()):
        x, y = series if isinstance(series, tuple) else (np.arange(len(series)), series)
        y = np.asarray(y, dtype=float)
        ax.plot(np.asarray(x), y, label=label, color=CLASS_COLOURS[i % len(CLASS_COLOURS)])
        ys.append(y[np.isfinite(y)])
    if yscale is None:
        allv = np.concatenate(ys) if ys else np.zeros(0)
        yscale = "log" if allv.size and allv.min() > 0 and allv.max() > 10 * allv.min() else \
            "linear"
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel, xscale=xscale, yscale=yscale)
    ax.grid(True, alpha=0.3)
    if len(curves) > 1:
        ax.legend()
    return _finish(fig, path)


def plot_history(history, path=None, key="loss", *, xlabel="step", title=None):
    """The training curve ``history[key]`` (``key`` may be a list of keys: one line each).

    ``history`` is the dict ``train.fit`` returns, or any dict of sequences. Returns the figure;
    writes it to ``path`` when given.

    >>> fig = plot_history({"loss": [1.0, 0.5, 0.25]})
    >>> ax = fig.axes[0]
    >>> ax.get_title(), ax.get_xlabel(), ax.get_ylabel()
    ('Training loss', 'step', 'loss')
    """
    keys = [key] if isinstance(key, str) else list(key)
    missing = [k for k in keys if k not in history]
    if missing:
        raise KeyError(f"plot_history: the history has no {missing}; it has "
                       f"{sorted(history)}. Pass key= one of those.")
    if title is None:
        title = "Training loss" if keys == ["loss"] else " and ".join(keys) + " during training"
    return plot_curves({k: history[k] for k in keys}, path, title=title, xlabel=xlabel,
                       ylabel=keys[0] if len(keys) == 1 else "value")


def _grid(lo, hi, resolution):
    xx, yy = np.meshgrid(np.linspace(lo[0], hi[0], resolution),
                         np.linspace(lo[1], hi[1], resolution))
    return xx, yy, np.stack([xx.ravel(), yy.ravel()], 1)


def plot_decision_boundary(predict, X, y, path=None, resolution=200, *,
                           title="Decision boundary", class_names=None,
                           xlabel="feature 1", ylabel="feature 2"):
    """The 2-D decision regions of ``predict(points) -> scores`` with the labelled data.

    Scores of shape ``(n,)`` are a binary classifier (the second class where the score is
    positive, the boundary drawn at 0); scores of shape ``(n, k)`` pick the class of the largest
    score. ``y`` holds the class labels (sorted, they are the classes in that order); the legend
    shows each class in its colour. Returns the figure; writes it to ``path`` when given.

    >>> X = np.array([[0.0, 0.0], [1.0, 1.0]])
    >>> fig = plot_decision_boundary(lambda P: P[:, 0] - 0.5, X, np.array([0, 1]),
    ...                              resolution=20, class_names=["left", "right"])
    >>> ax = fig.axes[0]
    >>> ax.get_title(), [t.get_text() for t in ax.get_legend().get_texts()]
    ('Decision boundary', ['left', 'right', 'boundary (score 0)'])
    """
    X, y = np.asarray(X), np.asarray(y)
    classes = np.unique(y)
    if len(classes) > len(CLASS_COLOURS):
        raise ValueError(f"plot_decision_boundary draws at most {len(CLASS_COLOURS)} classes; "
                         f"y has {len(classes)}")
    if class_names is None:
        numeric = np.issubdtype(classes.dtype, np.number)
        class_names = [f"class {c:g}" if numeric else f"class {c}" for c in classes]
    names = list(class_names)
    if len(names) != len(classes):
        raise ValueError(f"class_names has {len(names)} names but y has {len(classes)} classes "
                         f"({classes.tolist()})")
    xx, yy, grid = _grid(X.min(0) - 0.5, X.max(0) + 0.5, resolution)
    scores = np.asarray(predict(grid))
    region = scores.argmax(1) if scores.ndim == 2 else (scores > 0).astype(int)
    colours = CLASS_COLOURS[:max(len(classes), region.max() + 1)]
    fig = _figure((5.5, 4.5))
    ax = fig.add_subplot()
    ax.contourf(xx, yy, region.reshape(xx.shape), levels=np.arange(len(colours) + 1) - 0.5,
                colors=colours, alpha=0.25)
    for i, c in enumerate(classes):
        pts = X[y == c]
        ax.scatter(pts[:, 0], pts[:, 1], s=22, color=CLASS_COLOURS[i], edgecolors="k",
                   linewidths=0.5, label=names[i])
    if scores.ndim == 1:
        ax.contour(xx, yy, scores.reshape(xx.shape), levels=[0.0], colors="k", linewidths=1)
        ax.plot([], [], "k-", linewidth=1, label="boundary (score 0)")
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    ax.legend(loc="best", framealpha=0.9)
    return _finish(fig, path)


def plot_loss_surface(loss, paths=None, path=None, *, xlim, ylim, resolution=120,
                      title="Loss surface", xlabel="w[0]", ylabel="w[1]"):
    """Contours of a loss of two parameters, and the path each optimizer took across it.

    ``loss(points) -> values`` takes an ``(n, 2)`` array of parameter pairs (``fg.vmap`` of a
    loss of one pair does this). ``paths`` maps a label to an ``(steps, 2)`` array of the
    parameters visited. Returns the figure; writes it to ``path`` when given.

    >>> bowl = lambda P: (P ** 2).sum(1)
    >>> fig = plot_loss_surface(bowl, {"gd": np.array([[1.0, 1.0], [0.5, 0.5], [0.0, 0.0]])},
    ...                         xlim=(-2, 2), ylim=(-2, 2), resolution=20)
    >>> ax = fig.axes[0]
    >>> ax.get_title(), [t.get_text() for t in ax.get_legend().get_texts()]
    ('Loss surface', ['gd'])
    """
    xx, yy, grid = _grid((xlim[0], ylim[0]), (xlim[1], ylim[1]), resolution)
    z = np.asarray(loss(grid), dtype=float).reshape(xx.shape)
    fig = _figure((6, 4.8), right=0.9)  # the colour bar's ticks and label
    ax = fig.add_subplot()
    kw = {"levels": 25}
    if z.min() > 0 and z.max() > 100 * z.min():  # a valley: contours evenly spaced in log(loss)
        from matplotlib.colors import LogNorm
        kw = {"levels": np.geomspace(z.min(), z.max(), 25), "norm": LogNorm()}
    cs = ax.contourf(xx, yy, z, cmap="viridis", alpha=0.85, **kw)
    fig.colorbar(cs, ax=ax, label="loss", format="%.3g")
    # Path i has the colour of line i in plot_curves, so an optimizer looks the same in its
    # loss curve and on the surface.
    for i, (label, p) in enumerate((paths or {}).items()):
        p, colour = np.asarray(p), CLASS_COLOURS[i % len(CLASS_COLOURS)]
        ax.plot(p[:, 0], p[:, 1], ".-", color=colour, markersize=3, linewidth=1.2, label=label)
        ax.plot(p[-1, 0], p[-1, 1], "o", color=colour, markersize=6, markeredgecolor="w")
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel, xlim=xlim, ylim=ylim)
    if paths:
        ax.legend(loc="best", framealpha=0.9)
    return _finish(fig, path)


class DotGraph(str):
    """Graphviz DOT text; Jupyter shows it as a picture when the ``dot`` program is installed.

    >>> g = DotGraph("digraph { a -> b }")
    >>> g.startswith("digraph")
    True
    """

    def render(self, fmt="svg"):
        """The picture as bytes in ``fmt`` (svg, png, pdf), drawn by Graphviz's ``dot``.

        >>> import shutil
        >>> svg = DotGraph("digraph { a -> b }").render() if shutil.which("dot") else b"<svg"
        >>> b"<svg" in svg
        True
        """
        exe = shutil.which("dot")
        if exe is None:
            raise RuntimeError("drawing the graph needs Graphviz's dot program "
                               "(apt-get install graphviz, or conda install graphviz)")
        return subprocess.run([exe, f"-T{fmt}"], input=self.encode(), check=True,
                              capture_output=True).stdout

    def _repr_svg_(self):
        return self.render("svg").decode() if shutil.which("dot") else None


def _ir_names(ir):
    """Each variable's name as ``print(ir)`` writes it: a, b, ..., z, aa, ... in order of
    first appearance (constants, inputs, then each equation's outputs)."""
    order = list(ir.const_vars) + list(ir.in_vars) + [v for e in ir.eqns for v in e.outvars]
    names = {}
    for v, n in zip(order, itertools.count(1)):
        s = ""
        while n:
            n, r = divmod(n - 1, 26)
            s = chr(97 + r) + s
        names[v] = s
    return names


def _is_float(v):
    return v.aval.dtype.kind == "f"


def _evaluate(ir, leaves, eps=None):
    """Every variable's value, by binding each equation's primitive. With ``eps`` (one array
    per float input or equation output, in order) each value is shifted by its entry, so the
    gradient of the output with respect to ``eps`` at zero is every node's gradient."""
    env = dict(zip(ir.const_vars, ir.consts))
    shifts = iter(eps) if eps is not None else None

    def store(v, x):
        env[v] = x + next(shifts) if shifts is not None and _is_float(v) else x

    for v, x in zip(ir.in_vars, leaves):
        store(v, x)
    for e in ir.eqns:
        out = e.prim.bind(*[env[x] if x in env else x.val for x in e.inputs], **e.params)
        for v, o in zip(e.outvars, out if e.prim.multiple_results else [out]):
            store(v, o)
    return env


def _node_gradients(ir, leaves):
    """``(gradients by variable, None)``, or ``({}, why not)`` when they cannot be drawn."""
    out = ir.outs[0] if len(ir.outs) == 1 else None
    if out is None or out.aval.shape != () or not _is_float(out) or \
            out not in set(ir.in_vars) | {v for e in ir.eqns for v in e.outvars}:
        return {}, "gradients need a function with one float scalar output"
    shifted = [v for v in list(ir.in_vars) + [v for e in ir.eqns for v in e.outvars]
               if _is_float(v)]
    zeros = [np.zeros(v.aval.shape, v.aval.dtype) for v in shifted]
    try:
        grads = grad(lambda eps: _evaluate(ir, leaves, eps)[out])(zeros)
    except (TypeError, NotImplementedError) as err:
        return {}, f"no gradients: {err}"
    return dict(zip(shifted, grads)), None


def _summary(x):
    x = np.asarray(x)
    x = x + 0.0 if x.dtype.kind == "f" else x  # -0.0 reads as a sign error: show 0
    if x.size == 1:
        return f"{x.item():.4f}" if x.dtype.kind == "f" else str(x.item())
    if x.size <= 4:
        return "[" + ", ".join(f"{v:.4g}" for v in x.ravel().tolist()) + "]"
    return f"mean {x.mean():.4g}, norm {np.linalg.norm(x):.4g}"


def _arg_labels(f, args):
    """A label per input leaf: the parameter's name, with the leaf's index for pytrees."""
    try:
        params = list(inspect.signature(f).parameters)
    except (TypeError, ValueError):
        params = []
    labels = []
    for i, a in enumerate(args):
        name = params[i] if i < len(params) else f"arg {i}"
        n = len(tree_leaves(a))
        labels += [name] if n == 1 else [f"{name} leaf {k}" for k in range(n)]
    return labels


def _equation(e, v, names):
    """``c = add a b`` for the output ``v`` of equation ``e``, literals written as numbers."""
    params = ", ".join(f"{k}={p!r}" for k, p in e.params.items()
                       if isinstance(p, (int, float, str, tuple)) and len(repr(p)) < 30)
    operands = " ".join(names[x] if x in names else repr(x) for x in e.inputs)
    return f"{names[v]} = {e.prim.name}{'[' + params + ']' if params else ''} {operands}"


def _dot_escape(s):
    return "".join("\\" + c if c in '{}|<>"' else c for c in s)


def _dot_text(ir, names, kinds, vals, grads, note, rankdir):
    lines = ["digraph funcgrad {",
             f'  rankdir={rankdir}; node [shape=record, fontname="monospace", fontsize=11];']
    if note:
        lines.append(f'  label="{_dot_escape(note)}"; labelloc=t;')
    outs = set(ir.outs)

    def box(v, head):
        fields = [f"{head} : {v.aval.str_short()}"]
        fields += [f"value {_summary(vals[v])}"] if v in vals else []
        fields += [f"grad {_summary(grads[v])}"] if v in grads else []
        label = " | ".join(_dot_escape(s) for s in fields)
        label = "{ " + label + " }" if rankdir in ("TB", "BT") else label  # fields stacked
        style = ', style="bold,filled", fillcolor="#e8f0fe"' if v in outs else ""
        lines.append(f'  v_{names[v]} [label="{label}"{style}];')

    for v in list(ir.const_vars) + list(ir.in_vars):
        box(v, f"{names[v]} = {kinds[v]}")
    for e in ir.eqns:
        for v in e.outvars:
            box(v, _equation(e, v, names))
            lines += [f"  v_{names[x]} -> v_{names[v]};"
                      for x in dict.fromkeys(x for x in e.inputs if x in names)]
    lines.append("}")
    return "\n".join(lines)


def draw_ir(f, *args, path=None, values=True, rankdir="TB"):
    """The computation graph of ``f`` at ``args`` as Graphviz DOT text, drawn like micrograd's
    ``draw_dot`` but for arrays: one box per variable of the IR, named and written as
    ``print(make_ir(f)(*args))`` writes it (``c = add a b : f64[]``), with its value and, for a
    function with one float scalar output, its gradient (d output / d variable). Arrays of more
    than four numbers show their mean and norm. ``values=False`` draws the structure only;
    ``rankdir="LR"`` lays the graph out left to right. Writes the picture to ``path``
    (png/svg/pdf) when Graphviz's ``dot`` program exists, else the DOT text to ``path.dot``.

    >>> dot = draw_ir(lambda x: (x * 2.0).sum(), np.array([1.0, 2.0]))
    >>> "b = mul a 2.0" in dot and "value [1, 2]" in dot and "grad [2, 2]" in dot
    True
    """
    ir = make_ir(f)(*args)
    leaves = [np.asarray(x) for x in tree_leaves(args)]
    vals, grads, note = {}, {}, None
    if values:
        vals = _evaluate(ir, leaves)
        grads, note = _node_gradients(ir, leaves)
    kinds = dict.fromkeys(ir.const_vars, "constant")
    kinds.update(zip(ir.in_vars, ("input " + s for s in _arg_labels(f, args))))
    dot = DotGraph(_dot_text(ir, _ir_names(ir), kinds, vals, grads, note, rankdir))
    if path is not None:
        if shutil.which("dot"):
            with open(path, "wb") as fh:
                fh.write(dot.render(path.rsplit(".", 1)[-1]))
        else:
            with open(path if path.endswith(".dot") else path + ".dot", "w") as fh:
                fh.write(dot)
    return dot
