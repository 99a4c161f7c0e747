"""funcgrad.scipy.signal against scipy.signal: every mode, N-d, inputs of either size, values
and derivatives (finite differences), jit and vmap, and the errors."""
import numpy as np
import pytest
import scipy.signal as ss

import funcgrad as fg
import funcgrad.scipy.signal as fs

SHAPES = [((5,), (3,)), ((3,), (5,)), ((4,), (4,)), ((6, 5), (3, 2)), ((3, 4), (4, 2)),
          ((2, 2), (3, 3)), ((4, 3, 5), (2, 3, 2)), ((1,), (1,)), ((), ())]


@pytest.mark.parametrize("fn", ["convolve", "correlate", "convolve2d", "correlate2d"])
@pytest.mark.parametrize("mode", ["full", "same", "valid"])
@pytest.mark.parametrize("s1,s2", SHAPES)
def test_values_match_scipy(fn, mode, s1, s2):
    if fn.endswith("2d") and len(s1) != 2:
        return
    rng = np.random.default_rng(len(s1) + sum(s1) + sum(s2))
    a, b = rng.normal(size=s1), rng.normal(size=s2)
    try:
        want = getattr(ss, fn)(a, b, mode=mode)
    except ValueError:
        with pytest.raises(ValueError, match="at least as large"):
            getattr(fs, fn)(a, b, mode=mode)
        return
    got = getattr(fs, fn)(a, b, mode=mode)
    assert np.shape(got) == np.shape(want)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("mode", ["full", "same", "valid"])
def test_derivatives_in_both_inputs(mode):
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(5, 4)), rng.normal(size=(2, 3))
    fg.check_grads(lambda a, b: fs.convolve(a, b, mode), (a, b), order=2)
    fg.check_grads(lambda a, b: fs.correlate(b, a, mode), (a, b), order=1)


def test_jit_and_vmap():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(4, 9)), rng.normal(size=3)
    f = fg.jit(fg.vmap(lambda x: fs.convolve(x, b, "same")))
    np.testing.assert_allclose(f(a), [ss.convolve(x, b, "same") for x in a], rtol=1e-12)
    g = fg.jit(fg.grad(lambda b: np.sum(fs.correlate(a[0], b, "valid") ** 2)))
    np.testing.assert_allclose(g(b), fg.grad(lambda b: np.sum(
        fs.correlate(a[0], b, "valid") ** 2))(b), rtol=1e-12)


def test_errors():
    with pytest.raises(ValueError, match="mode must be one of"):
        fs.convolve(np.ones(3), np.ones(2), mode="wrap")
    with pytest.raises(ValueError, match="same dimensionality, got shapes .3,. and .2, 2."):
        fs.convolve(np.ones(3), np.ones((2, 2)))
    with pytest.raises(ValueError, match="must not be empty"):
        fs.convolve(np.ones(0), np.ones(2))
    with pytest.raises(ValueError, match="inputs must both be 2-D"):
        fs.convolve2d(np.ones(3), np.ones(2))
    with pytest.raises(NotImplementedError, match="only boundary='fill'"):
        fs.convolve2d(np.ones((3, 3)), np.ones((2, 2)), boundary="wrap")
