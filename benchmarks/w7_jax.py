"""W7 peer: examples/moons.py and examples/digits.py written for JAX (optax's Adam).

    python benchmarks/w7_jax.py moons|digits [out_dir]
"""
import time

import jax
import jax.numpy as jnp
import numpy as np
import optax
import w7_common as common


def mlp(params, x):
    for i, p in enumerate(params):
        x = x @ p["w"] + p["b"]
        if i < len(params) - 1:
            x = jax.nn.relu(x)
    return x


def moons(out_dir):
    X, y01 = common.make_moons()
    y = 2.0 * y01 - 1.0
    params = common.init_mlp(common.MOONS_SIZES)

    def loss_fn(params, X, y):
        hinge = jnp.mean(jax.nn.relu(1.0 - y * mlp(params, X)[:, 0]))
        return hinge + 1e-4 * sum(jnp.sum(a * a) for a in jax.tree_util.tree_leaves(params))

    @jax.jit
    def step(params, X, y, lr):
        loss, grads = jax.value_and_grad(loss_fn)(params, X, y)
        return jax.tree_util.tree_map(lambda p, g: p - lr * g, params, grads), loss

    jax.block_until_ready(step(params, X, y, 1.0))  # compile before timing, as moons.py
    times, losses = [], []
    for k in range(common.MOONS_STEPS):
        t0 = time.perf_counter()
        params, loss = step(params, X, y, common.lr_schedule(k))
        losses.append(float(loss))
        times.append(time.perf_counter() - t0)
    acc = common.accuracy(mlp(params, X)[:, 0], y)
    common.report_moons(losses, acc, times)
    common.finish_moons(out_dir, params, lambda G: mlp(params, G)[:, 0], X, y01, losses)


def digits(out_dir):
    (Xtr, ytr), test = common.digits_split()
    params = common.init_mlp(common.DIGITS_SIZES, np.float32)
    opt = optax.adam(1e-3)

    def loss_fn(params, X, y):
        logp = jax.nn.log_softmax(mlp(params, X))
        return -jnp.mean(jnp.take_along_axis(logp, y[:, None], axis=1))

    @jax.jit
    def step(params, state, X, y):
        loss, g = jax.value_and_grad(loss_fn)(params, X, y)
        u, state = opt.update(g, state, params)
        return optax.apply_updates(params, u), state, loss

    state, losses, accs, clock = opt.init(params), [], [], common.Clock()
    predict = jax.jit(mlp)
    for epoch in range(common.DIGITS_EPOCHS):
        for idx in common.batches(len(Xtr), epoch):
            params, state, loss = step(params, state, Xtr[idx], ytr[idx])
            losses.append(float(loss))
        accs.append(common.accuracy(predict(params, test[0]), test[1]))
        clock.lap()
    common.finish_digits(out_dir, params, predict, test, losses, accs, clock.times)


if __name__ == "__main__":
    example, out = common.args()
    {"moons": moons, "digits": digits}[example](out)
