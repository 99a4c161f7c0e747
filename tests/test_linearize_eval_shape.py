"""linearize records the tangent map once (its primal values are constants), and eval_shape
computes nothing."""
import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp

rng = np.random.default_rng(0)


def f(x, w):
    return {"h": fnp.tanh(x @ w), "s": fnp.sum(x ** 2)}


def test_linearize_matches_jvp_for_many_tangents():
    x, w = rng.normal(size=(4, 3)), rng.normal(size=(3, 2))
    y, f_jvp = fg.linearize(f, x, w)
    want_y = f(x, w)
    np.testing.assert_allclose(y["h"], want_y["h"], rtol=1e-14)
    for _ in range(3):
        t = (rng.normal(size=x.shape), rng.normal(size=w.shape))
        got, want = f_jvp(*t), fg.jvp(f, (x, w), t)[1]
        np.testing.assert_allclose(got["h"], want["h"], rtol=1e-12)
        np.testing.assert_allclose(got["s"], want["s"], rtol=1e-12)


def test_linearize_does_not_recompute_the_primal():
    calls = []

    def g(x):
        calls.append(1)
        return fnp.exp(x) * 2.0

    _, g_jvp = fg.linearize(g, np.ones(3))
    n = len(calls)
    np.testing.assert_allclose(g_jvp(np.ones(3)), 2 * np.e * np.ones(3), rtol=1e-14)
    assert len(calls) == n  # f_jvp evaluates the recorded tangent IR only


def test_linearize_with_integer_arguments_and_bad_tangents():
    y, fj = fg.linearize(lambda x, i: x[i] * 3.0, np.ones(3), 1)
    assert y == 3.0 and fj(np.array([0.0, 2.0, 0.0]), 0) == 6.0
    with pytest.raises(ValueError, match="tangents shaped like the primals"):
        fj(np.ones(3))


def test_eval_shape_returns_shapes_and_dtypes_without_computing():
    out = fg.eval_shape(f, fg.ShapeDtypeStruct((5, 3), np.float32),
                        np.ones((3, 7), np.float32))
    assert out["h"].shape == (5, 7) and out["h"].dtype == np.float32
    assert out["s"].shape == () and out["s"].dtype == np.float32
