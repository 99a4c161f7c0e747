"""W7 peer: examples/moons.py and examples/digits.py written for PyTorch (eager, torch.optim).

    python benchmarks/w7_torch.py moons|digits [out_dir]
"""
import time

import numpy as np
import torch
import w7_common as common


def as_torch(params):
    return [{k: torch.tensor(v, requires_grad=True) for k, v in p.items()} for p in params]


def as_numpy(params):
    return [{k: v.detach().numpy() for k, v in p.items()} for p in params]


def mlp(params, x):
    for i, p in enumerate(params):
        x = x @ p["w"] + p["b"]
        if i < len(params) - 1:
            x = torch.relu(x)
    return x


def leaves(params):
    return [v for p in params for v in p.values()]


def moons(out_dir):
    X, y01 = common.make_moons()
    Xt, yt = torch.tensor(X), torch.tensor(2.0 * y01 - 1.0)
    params = as_torch(common.init_mlp(common.MOONS_SIZES))
    opt = torch.optim.SGD(leaves(params), lr=1.0)
    times, losses = [], []
    for k in range(common.MOONS_STEPS):
        t0 = time.perf_counter()
        for group in opt.param_groups:
            group["lr"] = common.lr_schedule(k)
        opt.zero_grad()
        loss = torch.relu(1.0 - yt * mlp(params, Xt)[:, 0]).mean() + 1e-4 * sum(
            (a * a).sum() for a in leaves(params))
        loss.backward()
        opt.step()
        losses.append(float(loss))
        times.append(time.perf_counter() - t0)
    with torch.no_grad():
        acc = common.accuracy(mlp(params, Xt)[:, 0].numpy(), yt.numpy())

        def predict(G):
            return mlp(params, torch.tensor(G))[:, 0].numpy()
        common.report_moons(losses, acc, times)
        common.finish_moons(out_dir, as_numpy(params), predict, X, y01, losses)


def digits(out_dir):
    (Xtr, ytr), test = common.digits_split()
    Xtr, ytr = torch.tensor(Xtr), torch.tensor(ytr)
    params = as_torch(common.init_mlp(common.DIGITS_SIZES, np.float32))
    opt = torch.optim.Adam(leaves(params), lr=1e-3)

    def predict(params, X):
        with torch.no_grad():
            params = [{k: torch.as_tensor(v) for k, v in p.items()} for p in params]
            return mlp(params, torch.as_tensor(X)).numpy()

    losses, accs, clock = [], [], common.Clock()
    for epoch in range(common.DIGITS_EPOCHS):
        for idx in common.batches(len(Xtr), epoch):
            idx = torch.as_tensor(idx)
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(mlp(params, Xtr[idx]), ytr[idx])
            loss.backward()
            opt.step()
            losses.append(float(loss))
        accs.append(common.accuracy(predict(params, test[0]), test[1]))
        clock.lap()
    common.finish_digits(out_dir, as_numpy(params), predict, test, losses, accs, clock.times)


if __name__ == "__main__":
    example, out = common.args()
    {"moons": moons, "digits": digits}[example](out)
