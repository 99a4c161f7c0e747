"""Logistic regression by Newton's method (``fg.hessian`` doing real work) against plain
gradient descent: Newton reaches the optimum in a handful of steps."""
import numpy as np

import funcgrad as fg
import funcgrad.nn as nn
import funcgrad.numpy as fnp
import funcgrad.random as fr
from funcgrad import data


def nll(w, X, y):
    z = X @ w[:-1] + w[-1]
    return nn.binary_cross_entropy(z, y) + 1e-3 * fnp.sum(w * w)


def run(newton_steps=8, gd_steps=200, verbose=True):
    X, y = data.make_blobs(200, centers=2, std=2.5, key=fr.key(3))
    y = y.astype(np.float64)
    w_newton = np.zeros(3)
    grad = fg.jit(fg.grad(nll))
    hess = fg.jit(fg.hessian(nll))
    newton = []
    for _ in range(newton_steps):
        w_newton = w_newton - np.linalg.solve(hess(w_newton, X, y), grad(w_newton, X, y))
        newton.append(float(nll(w_newton, X, y)))
    w_gd = np.zeros(3)
    gd = []
    for _ in range(gd_steps):
        w_gd = w_gd - 0.5 * grad(w_gd, X, y)
        gd.append(float(nll(w_gd, X, y)))
    if verbose:
        print(f"newton: loss after {newton_steps} Newton steps {newton[-1]:.6f}; after "
              f"{gd_steps} gradient steps {gd[-1]:.6f}")
    return {"newton": newton, "gd": gd}


if __name__ == "__main__":
    run()
