"""The micrograd demo, functionally: an MLP 2-16-16-1 learns two moons with an SVM
max-margin loss, 100 steps of full-batch SGD, to 100% training accuracy.

Writes out/moons_boundary.png, out/moons_loss.png and the trained parameters,
out/moons_params.safetensors (fg.load reads them back; so does PyTorch's safetensors);
prints the time per step.
"""
import os
import sys
import time

import numpy as np

import funcgrad as fg
import funcgrad.nn as nn
import funcgrad.numpy as fnp
import funcgrad.random as fr
from funcgrad import data


def loss_fn(params, X, y):
    scores = nn.mlp(params, X)[:, 0]
    return nn.hinge(scores, y) + 1e-4 * nn.l2_penalty(params)


def run(steps=100, out_dir="out", plots=True, verbose=True):
    X, y01 = data.make_moons(100, noise=0.1, key=fr.key(1))
    y = 2.0 * y01 - 1.0  # labels in {-1, 1} for the hinge loss
    params = nn.init_mlp(fr.key(0), [2, 16, 16, 1])

    @fg.jit
    def step(params, X, y, lr):
        loss, grads = fg.value_and_grad(loss_fn)(params, X, y)
        return fg.tree_map(lambda p, g: p - lr * g, params, grads), loss

    step(params, X, y, 1.0)  # compile (or load from the disk cache) before timing
    times, losses = [], []
    for k in range(steps):
        lr = 1.0 - 0.9 * k / 100  # micrograd's schedule
        t0 = time.perf_counter()
        params, loss = step(params, X, y, lr)
        times.append(time.perf_counter() - t0)
        losses.append(float(loss))
    acc = nn.accuracy(nn.mlp(params, X)[:, 0], y)
    if verbose:
        print(f"moons: loss {losses[-1]:.4f}, training accuracy {acc:.0%}, "
              f"{steps} steps in {sum(times) * 1e3:.1f} ms "
              f"(median {np.median(times) * 1e6:.0f} us/step)")
    if plots:
        from funcgrad import viz
        os.makedirs(out_dir, exist_ok=True)
        viz.plot_decision_boundary(lambda G: fnp.asarray(nn.mlp(params, G))[:, 0], X, y01,
                                   os.path.join(out_dir, "moons_boundary.png"))
        viz.plot_history({"loss": losses}, os.path.join(out_dir, "moons_loss.png"))
        fg.save(os.path.join(out_dir, "moons_params.safetensors"), params)
    return {"accuracy": acc, "losses": losses, "step_times": times}


if __name__ == "__main__":
    run(out_dir=sys.argv[1] if len(sys.argv) > 1 else "out")
