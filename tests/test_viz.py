"""funcgrad.viz: every figure has a title, labelled axes and (for several series) a legend;
draw_ir's graph has one box per IR variable with its value and its gradient."""
import shutil
import subprocess
import sys

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad import viz

pytest.importorskip("matplotlib")
from matplotlib.colors import to_hex  # noqa: E402


def legend_texts(ax):
    return [t.get_text() for t in ax.get_legend().get_texts()]


def test_plot_history_labels_and_writes_files(tmp_path):
    fig = viz.plot_history({"loss": [1.0, 0.5, 0.25]}, str(tmp_path / "loss.svg"))
    ax = fig.axes[0]
    assert (ax.get_title(), ax.get_xlabel(), ax.get_ylabel()) == ("Training loss", "step", "loss")
    assert ax.get_legend() is None  # one series: no legend
    assert open(tmp_path / "loss.svg").read().startswith("<?xml")
    hist = {"loss": [3.0, 2.0], "test_loss": [3.5, 2.5]}
    ax = viz.plot_history(hist, key=["loss", "test_loss"], xlabel="epoch").axes[0]
    assert legend_texts(ax) == ["loss", "test_loss"] and ax.get_xlabel() == "epoch"
    assert ax.get_title() == "loss and test_loss during training"


def test_plot_history_names_a_missing_key():
    with pytest.raises(KeyError, match=r"has no \['acc'\]; it has \['epoch_time', 'loss'\]"):
        viz.plot_history({"loss": [1.0], "epoch_time": [0.1]}, key=["loss", "acc"])


def test_plot_curves_scales_and_explicit_x():
    x = np.linspace(-2, 2, 5)
    ax = viz.plot_curves({"a": (x, x ** 2), "b": (x, -x)}, title="t", xlabel="margin",
                         ylabel="loss").axes[0]
    assert ax.get_yscale() == "linear"  # negative values: never log
    np.testing.assert_allclose(ax.get_lines()[0].get_xdata(), x)
    np.testing.assert_allclose(ax.get_lines()[1].get_ydata(), -x)
    assert viz.plot_curves({"c": [1.0, 2.0]}, title="t").axes[0].get_yscale() == "linear"
    assert viz.plot_curves({"c": [1.0, 1e-3]}, title="t").axes[0].get_yscale() == "log"


def test_decision_boundary_legend_shows_class_colours(tmp_path):
    X = np.array([[0.0, 0.0], [1.0, 1.0], [0.2, 0.9]])
    y = np.array([-1.0, 1.0, 1.0])
    fig = viz.plot_decision_boundary(lambda G: G[:, 0] - 0.5, X, y, str(tmp_path / "b.png"),
                                     resolution=20)
    ax = fig.axes[0]
    assert ax.get_title() == "Decision boundary"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("feature 1", "feature 2")
    assert legend_texts(ax) == ["class -1", "class 1", "boundary (score 0)"]
    handles = ax.get_legend().legend_handles
    colours = [tuple(h.get_facecolor()[0][:3]) for h in handles[:2]]
    assert colours[0] != colours[1]
    assert open(tmp_path / "b.png", "rb").read(4) == b"\x89PNG"


def test_decision_boundary_multiclass_picks_the_largest_score():
    X = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    y = np.array([0, 1, 2])
    scores = lambda G: np.stack([-G.sum(1), G[:, 0] - G[:, 1], G[:, 1] - G[:, 0]], 1)  # noqa
    ax = viz.plot_decision_boundary(scores, X, y, resolution=10,
                                    class_names=["zero", "one", "two"]).axes[0]
    assert legend_texts(ax) == ["zero", "one", "two"]  # no score-0 line for k classes


def test_decision_boundary_bad_class_names():
    X, y = np.zeros((2, 2)), np.array([0, 1])
    with pytest.raises(ValueError, match="class_names has 1 names but y has 2 classes"):
        viz.plot_decision_boundary(lambda G: G[:, 0], X, y, class_names=["a"])


def test_loss_surface_paths_and_colourbar():
    bowl = lambda P: 1.0 + (P ** 2).sum(1)  # noqa: E731
    paths = {"sgd": np.array([[1.0, 1.0], [0.0, 0.0]]), "adam": np.array([[1.0, -1.0]])}
    fig = viz.plot_loss_surface(bowl, paths, xlim=(-2, 2), ylim=(-1, 1), resolution=15)
    ax, cbar = fig.axes
    assert legend_texts(ax) == ["sgd", "adam"]
    assert (ax.get_xlabel(), ax.get_ylabel(), cbar.get_ylabel()) == ("w[0]", "w[1]", "loss")
    assert ax.get_xlim() == (-2, 2)
    # an optimizer has the same colour on the surface as in plot_curves' loss curves
    curves = viz.plot_curves({"sgd": [1.0, 0.5], "adam": [1.0, 0.1]}, title="t").axes[0]
    for surface_line, curve in zip(ax.get_lines()[::2], curves.get_lines()):
        assert to_hex(surface_line.get_color()) == to_hex(curve.get_color())


def test_plots_never_switch_the_backend():
    # A fresh process: importing and plotting must leave matplotlib's backend alone.
    code = ("import matplotlib; matplotlib.use('pdf'); import numpy as np;"
            "from funcgrad import viz; viz.plot_history({'loss': [1.0, 0.5]});"
            "print(matplotlib.get_backend())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "pdf"


def test_draw_ir_values_and_gradients_of_every_node(tmp_path):
    f = lambda w, x: fnp.sum(fnp.tanh(x @ w))  # noqa: E731
    w, x = np.full((3, 2), 0.1), np.arange(12.0).reshape(4, 3) / 10
    dot = viz.draw_ir(f, w, x, path=str(tmp_path / "g.dot"))
    # a box per input and equation, named as print(make_ir) names them; edges along data flow
    assert dot.count("[label=") == 5 and dot.count("->") == 4
    printed = str(fg.make_ir(f)(w, x))
    assert "c:f64[4,2] = matmul b a" in printed
    assert "c = matmul b a : f64[4,2]" in dot and "d = tanh c : f64[4,2]" in dot
    assert "a = input w : f64[3,2]" in dot and "b = input x : f64[4,3]" in dot
    # values and gradients against NumPy and the closed form
    h = x @ w
    assert f"value mean {h.mean():.4g}, norm {np.linalg.norm(h):.4g}" in dot
    gh = 1 - np.tanh(h) ** 2  # d sum(tanh(h)) / dh
    assert f"grad mean {gh.mean():.4g}, norm {np.linalg.norm(gh):.4g}" in dot
    gw = x.T @ gh
    assert f"grad mean {gw.mean():.4g}, norm {np.linalg.norm(gw):.4g}" in dot
    assert f"value {np.tanh(h).sum():.4f} | grad 1.0000" in dot


def test_draw_ir_micrograd_scalars_and_literals():
    def g_of(a, b):
        c = a + b
        d = a * b + b ** 3
        return (c - d) / 2.0

    dot = viz.draw_ir(g_of, -4.0, 2.0)
    assert "a = input a : f64[] | value -4.0000 | grad" in dot
    assert "e = pow b 3.0" in dot  # literals are written in the equation
    # d out/d a = (1 - b) / 2 = -0.5; d out/d b = (1 - a - 3 b^2) / 2 = -3.5
    assert "value -4.0000 | grad -0.5000" in dot and "value 2.0000 | grad -3.5000" in dot


def test_draw_ir_without_gradients_says_why():
    dot = viz.draw_ir(lambda x: x * 2.0, np.ones(2))
    assert "gradients need a function with one float scalar output" in dot
    assert "value [2, 2]" in dot and "grad" not in dot.split("label=", 2)[2]
    plain = viz.draw_ir(lambda x: x * 2.0, np.ones(2), values=False)
    assert "value" not in plain and "b = mul a 2.0 : f64[2]" in plain


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_draw_ir_renders_svg(tmp_path):
    dot = viz.draw_ir(lambda x: fnp.sum(x * x), np.ones(3), path=str(tmp_path / "g.svg"))
    svg = (tmp_path / "g.svg").read_text()
    assert "<svg" in svg and "reduce_sum" in svg and dot._repr_svg_().startswith("<?xml")
