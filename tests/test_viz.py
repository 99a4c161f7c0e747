"""funcgrad.viz: plots are written, and draw_ir's graph has one node per input and equation."""
import numpy as np

import funcgrad.numpy as fnp
from funcgrad import viz


def test_plots_are_written(tmp_path):
    p = viz.plot_history({"loss": [1.0, 0.5, 0.25]}, str(tmp_path / "loss.svg"))
    assert open(p).read().startswith("<?xml")
    X = np.array([[0.0, 0.0], [1.0, 1.0]])
    q = viz.plot_decision_boundary(lambda G: G[:, 0] - 0.5, X, np.array([0, 1]),
                                   str(tmp_path / "b.png"), resolution=20)
    assert open(q, "rb").read(4) == b"\x89PNG"


def test_draw_ir_nodes_edges_and_gradients(tmp_path):
    f = lambda w, x: fnp.sum(fnp.tanh(x @ w))  # noqa: E731
    w, x = np.ones((3, 2)), np.ones((4, 3))
    dot = viz.draw_ir(f, w, x, path=str(tmp_path / "g.dot"))
    # inputs, matmul, tanh, reduce_sum: one node each, edges along the data flow
    assert dot.count("[label=") == 5
    assert "matmul | f64[4,2]" in dot and "tanh" in dot and "reduce_sum | f64[]" in dot
    assert "grad norm" in dot and dot.count("->") == 4
    g = np.linalg.norm((x.T @ (1 - np.tanh(x @ w) ** 2)))
    assert f"grad norm {g:.4g}" in dot
