"""bitwise_count, packbits/unpackbits, compress and i0 (funcgrad/numpy/_bits.py) against NumPy,
eagerly and under one jit; compress and i0 differentiated against finite differences."""
import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp

BITS = np.random.default_rng(0).integers(0, 2, (3, 13))


@pytest.mark.parametrize("dtype", [np.int64, np.int8, np.uint16, np.uint64, bool])
def test_bitwise_count_matches_numpy(dtype):
    info = np.iinfo(dtype) if dtype is not bool else None
    vals = [0, 1, 7, 2, 5] if info is None else [0, 7, info.max, info.min + 1, 2 ** 6 + 3]
    x = np.array(vals).astype(dtype)
    got, want = fnp.bitwise_count(x), np.bitwise_count(x)
    assert got.dtype == want.dtype == np.uint8
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("axis", [None, 0, 1, -1])
@pytest.mark.parametrize("bitorder", ["big", "little"])
def test_packbits_and_unpackbits_match_numpy(axis, bitorder):
    packed = np.packbits(BITS, axis=axis, bitorder=bitorder)
    got = fnp.packbits(BITS, axis=axis, bitorder=bitorder)
    assert got.dtype == np.uint8
    np.testing.assert_array_equal(got, packed)
    for count in (None, 3, -2, 30):
        want = np.unpackbits(packed, axis=axis, count=count, bitorder=bitorder)
        got = fnp.unpackbits(packed, axis=axis, count=count, bitorder=bitorder)
        assert got.dtype == np.uint8
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("cond, axis", [([0, 1, 1], 0), ([1, 0, 1, 1], 1), ([1, 0, 1], None),
                                        ([True, False], 0), ([0, 0, 0], 0)])
def test_compress_matches_numpy(cond, axis):
    a = np.arange(12.0).reshape(3, 4)
    np.testing.assert_array_equal(fnp.compress(cond, a, axis=axis), np.compress(cond, a, axis))


def test_compress_and_i0_derivatives():
    a = np.random.default_rng(1).normal(size=(3, 4))
    cond = np.array([1, 0, 1])
    fg.check_grads(lambda a: fnp.compress(cond, a, axis=0) ** 2, (a,), order=2)
    g = fg.grad(lambda a: fnp.sum(fnp.compress(cond, a, axis=0)))(a)
    np.testing.assert_array_equal(g, np.repeat(cond[:, None], 4, 1).astype(float))
    x = np.array([0.0, 1.0, -2.5, 10.0, 30.0])
    np.testing.assert_allclose(fnp.i0(x), np.i0(x), rtol=1e-13)
    fg.check_grads(fnp.i0, (np.array([0.3, -1.2, 2.0]),), order=2)
    # d i0 / dx = i1, a closed form
    import scipy.special
    np.testing.assert_allclose(fg.vmap(fg.grad(fnp.i0))(x), scipy.special.i1(x), rtol=1e-12)


def test_all_under_one_jit():
    x = np.array([0, 7, -8, 255, 2 ** 40 + 3])
    a = np.arange(12.0).reshape(3, 4)

    def f(x, bits, cond, a):
        return (fnp.bitwise_count(x), fnp.packbits(bits, axis=1),
                fnp.unpackbits(fnp.packbits(bits), count=20),
                fnp.compress(cond, a, axis=1, size=3, fill_value=-1.0), fnp.i0(a))
    cond = np.array([1, 0, 1, 0])
    got = fg.jit(f)(x, BITS, cond, a)
    want = (np.bitwise_count(x), np.packbits(BITS, axis=1),
            np.unpackbits(np.packbits(BITS), count=20),
            np.concatenate([np.compress(cond, a, 1), np.full((3, 1), -1.0)], 1), np.i0(a))
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-13)
        assert g.dtype == w.dtype


def test_bad_inputs_say_what_to_do():
    with pytest.raises(TypeError, match="bitwise_count takes integers or booleans, got float64"):
        fnp.bitwise_count(np.ones(2))
    with pytest.raises(TypeError, match="unpackbits takes uint8 input, got int64"):
        fnp.unpackbits(np.ones(2, np.int64))
    with pytest.raises(ValueError, match="bitorder must be 'big' or 'little', got 'middle'"):
        fnp.packbits(BITS, bitorder="middle")
    with pytest.raises(ValueError, match="condition has 4 entries but axis 0 of a has length 3"):
        fnp.compress([1, 0, 1, 1], np.ones((3, 2)), axis=0)
    with pytest.raises(fg.errors.ConcretizationError, match="size="):
        fg.jit(lambda c, a: fnp.compress(c, a))(np.array([1, 0]), np.ones(2))
    with pytest.raises(TypeError, match="i0 is not supported for complex"):
        fnp.i0(np.ones(2, complex))
