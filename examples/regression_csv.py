"""Linear regression on a CSV file (scikit-learn's diabetes data, shipped in
examples/data/diabetes.csv): load_csv, standardize, fit with Adam, report test R^2."""
import os

import numpy as np

import funcgrad.nn as nn
import funcgrad.optim as optim
import funcgrad.random as fr
from funcgrad import data, train

HERE = os.path.dirname(os.path.abspath(__file__))


def run(epochs=200, verbose=True):
    X, y = data.load_csv(os.path.join(HERE, "data", "diabetes.csv"), target="progression")
    order = fr.permutation(fr.key(0), len(X))
    X, y = X[order], y[order]
    mu, sd = X.mean(0), X.std(0)
    X = (X - mu) / sd
    ym, ys = y.mean(), y.std()
    y = (y - ym) / ys
    Xtr, ytr, Xte, yte = X[:350], y[:350], X[350:], y[350:]

    def loss_fn(params, X, y):
        return nn.mse(nn.mlp(params, X, activation=nn.tanh)[:, 0], y) + 1e-3 * nn.l2_penalty(
            params)

    params = nn.init_mlp(fr.key(1), [X.shape[1], 1])  # linear: the data are small and noisy
    params, hist = train.fit(loss_fn, params, optim.adam(1e-2), (Xtr, ytr), epochs=epochs,
                             batch_size=64, key=fr.key(2), progress=False)
    pred = np.asarray(nn.mlp(params, Xte, activation=nn.tanh))[:, 0]
    r2 = 1 - np.mean((pred - yte) ** 2) / np.var(yte)
    if verbose:
        print(f"regression_csv: test R^2 = {r2:.3f} (train loss {hist['loss'][-1]:.3f})")
    return {"r2": r2}


if __name__ == "__main__":
    run()
