"""checkpoint/remat: the same derivatives, with the forward pass's inner values not kept."""
import tracemalloc

import numpy as np

import funcgrad as fg
import funcgrad.numpy as fnp

rng = np.random.default_rng(0)
W = [rng.normal(size=(64, 64)) / 8 for _ in range(6)]
X = rng.normal(size=(128, 64))


def block(w, h):
    return fnp.tanh(h @ w)


def loss(ws, x, wrap=lambda f: f):
    h = x
    for w in ws:
        h = wrap(block)(w, h)
    return fnp.sum(h ** 2)


def test_same_gradient_eagerly_under_jit_vmap_and_second_order():
    want = fg.grad(loss)(W, X)
    for got in (fg.grad(lambda ws: loss(ws, X, fg.checkpoint))(W),
                fg.jit(fg.grad(lambda ws: loss(ws, X, fg.remat)))(W)):
        for a, b in zip(got, want):
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-13)  # jit: other BLAS order
    fg.check_grads(lambda x: fnp.sum(fg.checkpoint(fnp.sin)(x) ** 3), (X[0, :5],), order=2)
    per_row = fg.vmap(fg.grad(lambda x: fnp.sum(fg.checkpoint(block)(W[0], x))))(X[:3])
    np.testing.assert_allclose(per_row, [fg.grad(lambda x: fnp.sum(block(W[0], x)))(r)
                                         for r in X[:3]], rtol=1e-12)


def test_static_argnums_and_integer_inputs():
    step = fg.checkpoint(lambda x, n: x ** n, static_argnums=1)
    assert fg.grad(lambda x: step(x, 3))(2.0) == 12.0
    g = fg.grad(lambda x, idx: fnp.sum(fg.checkpoint(lambda v, i: v[i] * 2.0)(x, idx)))(
        np.ones(3), np.array([0, 2]))
    np.testing.assert_array_equal(g, [2.0, 0.0, 2.0])


def _bytes_kept_after_forward(wrap):
    tracemalloc.start()
    try:
        _, backward = fg.vjp(lambda ws: loss(ws, X, wrap), W)
        kept = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    del backward
    return kept


def test_the_forward_pass_keeps_only_the_blocks_inputs():
    # per block: without checkpoint the matmul result and tanh result (2 arrays of 128x64);
    # with it only the block's output
    plain = _bytes_kept_after_forward(lambda f: f)
    ckpt = _bytes_kept_after_forward(fg.checkpoint)
    array = 128 * 64 * 8
    assert plain - ckpt > 0.8 * len(W) * array, (plain, ckpt)
