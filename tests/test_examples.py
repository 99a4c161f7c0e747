"""Every example runs (short settings) and reaches its target."""
import importlib.util
import os

import numpy as np
import pytest

import funcgrad as fg

EX = os.path.join(os.path.dirname(__file__), "..", "examples")


def load(name):
    spec = importlib.util.spec_from_file_location(name, os.path.join(EX, name + ".py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_moons_reaches_full_training_accuracy(tmp_path):
    r = load("moons").run(out_dir=str(tmp_path), verbose=False)
    assert r["accuracy"] == 1.0
    assert (tmp_path / "moons_boundary.png").stat().st_size > 1000
    assert (tmp_path / "moons_loss.png").exists()
    assert len(fg.load(tmp_path / "moons_params.safetensors")) == 3  # the three layers


def test_digits_reaches_97_percent(tmp_path):
    r = load("digits").run(epochs=12, out_dir=str(tmp_path), verbose=False)
    assert r["accuracy"] >= 0.97
    assert r["reloaded_accuracy"] == r["accuracy"]  # predicted from the saved file


def test_regression_csv():
    assert load("regression_csv").run(epochs=100, verbose=False)["r2"] > 0.4


def test_newton_beats_gradient_descent():
    r = load("newton").run(verbose=False)
    assert r["newton"][-1] <= min(r["gd"]) + 1e-9
    # Newton has converged: the last steps do not change the loss
    assert abs(r["newton"][-1] - r["newton"][-2]) < 1e-10


def test_online_tracks_the_drift():
    r = load("online").run(n=3000, verbose=False)
    assert np.mean(r["errs"][-500:]) < 0.1 * np.mean(r["errs"][:100])


def test_micrograd_readme_prints(capsys):
    load("micrograd_readme").main()
    assert "24.7041" in capsys.readouterr().out


@pytest.mark.parametrize("name", ["moons"])
def test_examples_have_docstrings(name):
    assert load(name).__doc__
