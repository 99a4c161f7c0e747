"""An MLP 64-256-256-10 on scikit-learn's 8x8 digits, float32, Adam, batch 128.

Prints the time per epoch and the test accuracy (>= 97%); writes out/digits_loss.png and the
trained parameters, out/digits_params.safetensors, then loads that file back and predicts the
test set with the loaded parameters, as a program that only serves the model would.
"""
import os
import sys

import numpy as np

import funcgrad as fg
import funcgrad.nn as nn
import funcgrad.optim as optim
import funcgrad.random as fr
from funcgrad import data, train


def loss_fn(params, X, y):
    return nn.softmax_cross_entropy(nn.mlp(params, X), y)


def split_data(seed=0):
    X, y = data.load_digits()
    X = (X / 16.0).astype(np.float32)
    order = fr.permutation(fr.key(seed), len(X))
    X, y = X[order], y[order]
    n_test = 360
    return (X[n_test:], y[n_test:]), (X[:n_test], y[:n_test])


def run(epochs=20, out_dir="out", plots=True, verbose=True):
    (Xtr, ytr), (Xte, yte) = split_data()
    params = nn.init_mlp(fr.key(0), [64, 256, 256, 10], dtype=np.float32)
    params, hist = train.fit(
        loss_fn, params, optim.adam(1e-3), (Xtr, ytr), epochs=epochs, batch_size=128,
        key=fr.key(1), progress=verbose and sys.stderr.isatty(),
        metrics={"test_accuracy": lambda p: nn.accuracy(nn.mlp(p, Xte), yte)})
    acc = hist["test_accuracy"][-1]
    per_epoch = float(np.median(hist["epoch_time"][1:] or hist["epoch_time"]))
    if verbose:
        print(f"digits: test accuracy {acc:.2%} after {epochs} epochs, "
              f"{per_epoch * 1e3:.1f} ms per epoch (median over the epochs after the first)")
    result = {"accuracy": acc, "epoch_time": per_epoch, "history": hist}
    if plots:
        from funcgrad import viz
        os.makedirs(out_dir, exist_ok=True)
        viz.plot_history(hist, os.path.join(out_dir, "digits_loss.png"))
        result["reloaded_accuracy"] = save_and_reload(params, (Xte, yte), out_dir, verbose)
    return result


def save_and_reload(params, test, out_dir, verbose):
    """Save the trained parameters, load them back, and predict the test set with them."""
    path = os.path.join(out_dir, "digits_params.safetensors")
    fg.save(path, params)
    loaded = fg.load(path)
    acc = nn.accuracy(nn.mlp(loaded, test[0]), test[1])
    if verbose:
        print(f"digits: parameters saved to {path}; loaded back from it, they predict the test "
              f"set with accuracy {acc:.2%}")
    return acc


if __name__ == "__main__":
    run(out_dir=sys.argv[1] if len(sys.argv) > 1 else "out")
