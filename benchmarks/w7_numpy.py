"""W7 peer: examples/moons.py and examples/digits.py in plain NumPy (hand-written backward
pass and Adam).

    python benchmarks/w7_numpy.py moons|digits [out_dir]
"""
import time

import numpy as np
import w7_common as common


def forward(params, X):
    """The MLP's output and the activations the backward pass needs."""
    hs, pre, h = [X], [], X
    for i, p in enumerate(params):
        z = h @ p["w"] + p["b"]
        pre.append(z)
        h = np.maximum(z, 0) if i < len(params) - 1 else z
        hs.append(h)
    return h, hs, pre


def backward(params, hs, pre, dout):
    """Gradients of every layer's parameters given d(loss)/d(output)."""
    grads, dh = [None] * len(params), dout
    for i in reversed(range(len(params))):
        if i < len(params) - 1:
            dh = dh * (pre[i] > 0)
        grads[i] = {"w": hs[i].T @ dh, "b": dh.sum(0)}
        dh = dh @ params[i]["w"].T
    return grads


def moons(out_dir):
    X, y01 = common.make_moons()
    y = 2.0 * y01 - 1.0
    params = common.init_mlp(common.MOONS_SIZES)
    times, losses = [], []
    for k in range(common.MOONS_STEPS):
        t0 = time.perf_counter()
        out, hs, pre = forward(params, X)
        margin = 1.0 - y * out[:, 0]
        reg = sum(np.sum(a * a) for p in params for a in p.values())
        losses.append(float(np.mean(np.maximum(margin, 0)) + 1e-4 * reg))
        dout = (np.where(margin > 0, -y, 0.0) / len(y))[:, None]
        grads = backward(params, hs, pre, dout)
        lr = common.lr_schedule(k)
        params = [{n: p[n] - lr * (g[n] + 2e-4 * p[n]) for n in p}
                  for p, g in zip(params, grads)]
        times.append(time.perf_counter() - t0)
    acc = common.accuracy(forward(params, X)[0][:, 0], y)
    common.report_moons(losses, acc, times)
    common.finish_moons(out_dir, params, lambda G: forward(params, G)[0][:, 0], X, y01, losses)


class Adam:
    def __init__(self, params, lr=1e-3, b1=0.9, b2=0.999, eps=1e-8):
        self.lr, self.b1, self.b2, self.eps, self.t = lr, b1, b2, eps, 0
        self.m = [{n: np.zeros_like(a) for n, a in p.items()} for p in params]
        self.v = [{n: np.zeros_like(a) for n, a in p.items()} for p in params]

    def update(self, params, grads):
        self.t += 1
        c1, c2 = 1 - self.b1 ** self.t, 1 - self.b2 ** self.t
        out = []
        for p, g, m, v in zip(params, grads, self.m, self.v):
            q = {}
            for n in p:
                m[n] = self.b1 * m[n] + (1 - self.b1) * g[n]
                v[n] = self.b2 * v[n] + (1 - self.b2) * g[n] * g[n]
                step = self.lr * (m[n] / c1) / (np.sqrt(v[n] / c2) + self.eps)
                q[n] = p[n] - step.astype(p[n].dtype)
            out.append(q)
        return out


def digits(out_dir):
    (Xtr, ytr), test = common.digits_split()
    params = common.init_mlp(common.DIGITS_SIZES, np.float32)
    opt = Adam(params)
    losses, accs, clock = [], [], common.Clock()
    for epoch in range(common.DIGITS_EPOCHS):
        for idx in common.batches(len(Xtr), epoch):
            X, y = Xtr[idx], ytr[idx]
            logits, hs, pre = forward(params, X)
            z = logits - logits.max(1, keepdims=True)
            logp = z - np.log(np.exp(z).sum(1, keepdims=True))
            losses.append(float(-logp[np.arange(len(y)), y].mean()))
            dout = np.exp(logp)
            dout[np.arange(len(y)), y] -= 1
            params = opt.update(params, backward(params, hs, pre, dout / len(y)))
        accs.append(common.accuracy(forward(params, test[0])[0], test[1]))
        clock.lap()
    common.finish_digits(out_dir, params, lambda p, X: forward(p, X)[0], test, losses, accs,
                         clock.times)


if __name__ == "__main__":
    example, out = common.args()
    {"moons": moons, "digits": digits}[example](out)
