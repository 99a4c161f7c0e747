"""What W7's peer scripts share: the data, the plots and the saved file of funcgrad's examples.

``examples/moons.py`` and ``examples/digits.py`` are the user's scripts; ``w7_jax.py``,
``w7_torch.py`` and ``w7_numpy.py`` are the same two scripts written for JAX, PyTorch and plain
NumPy: the same model, data, steps and optimizer, and the same outputs (two plots and a
safetensors file per script; digits also reloads its file and predicts the test set). This
module imports only NumPy at the top, so that a peer pays for what funcgrad's script pays for
(matplotlib when plotting, scikit-learn's digits file) and nothing more.
"""
import os
import sys
import time

import numpy as np

MOONS_SIZES = [2, 16, 16, 1]
DIGITS_SIZES = [64, 256, 256, 10]
MOONS_STEPS, DIGITS_EPOCHS, BATCH, N_TEST = 100, 20, 128, 360


def args():
    """``(example, out_dir)`` from the command line: ``moons|digits [out_dir]``."""
    if len(sys.argv) < 2 or sys.argv[1] not in ("moons", "digits"):
        sys.exit(f"usage: {sys.argv[0]} moons|digits [out_dir]")
    return sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "out"


def make_moons(n=100, noise=0.1, seed=1):
    """Two interleaving half circles, ``y`` in {0, 1} (funcgrad.data.make_moons' recipe)."""
    n_out, n_in = n // 2, n - n // 2
    t_out, t_in = np.linspace(0, np.pi, n_out), np.linspace(0, np.pi, n_in)
    X = np.vstack([np.stack([np.cos(t_out), np.sin(t_out)], 1),
                   np.stack([1 - np.cos(t_in), 1 - np.sin(t_in) - 0.5], 1)])
    X = X + noise * np.random.default_rng(seed).normal(size=X.shape)
    return X, np.concatenate([np.zeros(n_out), np.ones(n_in)])


def digits_split(seed=0):
    """scikit-learn's 8x8 digits scaled to [0, 1] in float32, shuffled, 360 held out.

    Read as ``funcgrad.data.load_digits`` reads them: scikit-learn's data file, without
    importing scikit-learn (1-2 s), so that every version of the script pays the same."""
    import importlib.util
    spec = importlib.util.find_spec("sklearn")
    table = np.loadtxt(os.path.join(os.path.dirname(spec.origin), "datasets", "data",
                                    "digits.csv.gz"), delimiter=",")
    X, y = (table[:, :-1] / 16.0).astype(np.float32), table[:, -1].astype(np.int64)
    order = np.random.default_rng(seed).permutation(len(X))
    X, y = X[order], y[order]
    return (X[N_TEST:], y[N_TEST:]), (X[:N_TEST], y[:N_TEST])


def init_mlp(sizes, dtype=np.float64, seed=0):
    """Glorot-uniform weights and zero biases, as ``funcgrad.nn.init_mlp``."""
    rng = np.random.default_rng(seed)
    params = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        lim = np.sqrt(6.0 / (a + b))
        params.append({"w": rng.uniform(-lim, lim, (a, b)).astype(dtype),
                       "b": np.zeros(b, dtype)})
    return params


def batches(n, seed):
    """The index arrays of one shuffled epoch in batches of ``BATCH`` (the last smaller)."""
    order = np.random.default_rng(seed).permutation(n)
    return [order[i:i + BATCH] for i in range(0, n, BATCH)]


def lr_schedule(k):
    return 1.0 - 0.9 * k / 100  # micrograd's, as examples/moons.py


def accuracy(scores, y):
    scores = np.asarray(scores)
    if scores.ndim == 1:
        return float(np.mean((scores > 0) == (y > 0)))
    return float(np.mean(np.argmax(scores, -1) == y))


def report_moons(losses, acc, times):
    print(f"moons: loss {losses[-1]:.4f}, training accuracy {acc:.0%}, {len(times)} steps in "
          f"{sum(times) * 1e3:.1f} ms (median {np.median(times) * 1e6:.0f} us/step)")


def _figure():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt, plt.subplots(figsize=(6, 4.5))


def plot_loss(losses, path):
    plt, (fig, ax) = _figure()
    ax.plot(losses)
    ax.set(title="Training loss", xlabel="step", ylabel="loss")
    fig.savefig(path, dpi=100)
    plt.close(fig)


def plot_boundary(predict, X, y01, path, resolution=200):
    """The decision regions of ``predict(points) -> scores`` (a binary classifier)."""
    lo, hi = X.min(0) - 0.5, X.max(0) + 0.5
    xx, yy = np.meshgrid(np.linspace(lo[0], hi[0], resolution),
                         np.linspace(lo[1], hi[1], resolution))
    scores = np.asarray(predict(np.stack([xx.ravel(), yy.ravel()], 1))).reshape(xx.shape)
    plt, (fig, ax) = _figure()
    ax.contourf(xx, yy, scores > 0, alpha=0.3)
    ax.contour(xx, yy, scores, levels=[0.0], colors="k")
    ax.scatter(X[:, 0], X[:, 1], c=y01, edgecolors="k")
    ax.set(title="Decision boundary", xlabel="feature 1", ylabel="feature 2")
    fig.savefig(path, dpi=100)
    plt.close(fig)


def save(path, params):
    """The parameters as a safetensors file, one tensor ``<layer>.<name>`` per leaf."""
    from safetensors.numpy import save_file
    save_file({f"{i}.{k}": np.ascontiguousarray(v) for i, p in enumerate(params)
               for k, v in p.items()}, path)


def load(path):
    from safetensors.numpy import load_file
    flat = load_file(path)
    n = 1 + max(int(k.split(".")[0]) for k in flat)
    return [{k.split(".")[1]: v for k, v in flat.items() if k.startswith(f"{i}.")}
            for i in range(n)]


def finish_moons(out_dir, params, predict, X, y01, losses):
    os.makedirs(out_dir, exist_ok=True)
    plot_boundary(predict, X, y01, os.path.join(out_dir, "moons_boundary.png"))
    plot_loss(losses, os.path.join(out_dir, "moons_loss.png"))
    save(os.path.join(out_dir, "moons_params.safetensors"), params)


def finish_digits(out_dir, params, predict, test, losses, accs, epoch_times):
    """Print, plot, save the parameters, load them back and predict the test set with them."""
    print(f"digits: test accuracy {accs[-1]:.2%} after {len(accs)} epochs, "
          f"{np.median(epoch_times[1:]) * 1e3:.1f} ms per epoch (median; the first includes "
          "compiling)")
    os.makedirs(out_dir, exist_ok=True)
    plot_loss(losses, os.path.join(out_dir, "digits_loss.png"))
    path = os.path.join(out_dir, "digits_params.safetensors")
    save(path, params)
    acc = accuracy(predict(load(path), test[0]), test[1])
    print(f"digits: parameters saved to {path}; loaded back from it, they predict the test "
          f"set with accuracy {acc:.2%}")


class Clock:
    """Epoch times, as ``train.fit`` keeps them."""

    def __init__(self):
        self.times, self.t0 = [], time.perf_counter()

    def lap(self):
        now = time.perf_counter()
        self.times.append(now - self.t0)
        self.t0 = now
