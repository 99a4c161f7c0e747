"""funcgrad.random: determinism (eager and jit), distributions (KS tests), independence."""
import numpy as np
import pytest
from peers import run_peer
from scipy import stats

import funcgrad as fg
import funcgrad.random as fr


def test_same_key_same_numbers_eager_and_jit():
    k = fr.key(42)
    a = fr.normal(k, (1000,))
    np.testing.assert_array_equal(a, fr.normal(k, (1000,)))
    # the bits are identical; compiled log/cos are within a few ulp of NumPy's, not bit-equal
    normal, bits, keys = fg.jit(lambda k: (fr.normal(k, (1000,)), fr.random_bits(k, 1000),
                                           fr.split(k, 3)))(k)  # one compile
    np.testing.assert_allclose(normal, a, rtol=2e-15)
    np.testing.assert_array_equal(bits, fr.random_bits(k, 1000))
    np.testing.assert_array_equal(keys, fr.split(k, 3))


# Random123's known-answer vectors for threefry2x32 with 20 rounds (D. E. Shaw Research,
# Random123 1.09, tests/kat_vectors: "threefry2x32 20 <ctr0> <ctr1> <key0> <key1> <out0>
# <out1>"); JAX's tests/random_test.py (testThreefry2x32) checks the same three.
KAT = [  # (key, counter, expected)
    ((0x00000000, 0x00000000), (0x00000000, 0x00000000), (0x6B200159, 0x99BA4EFE)),
    ((0xFFFFFFFF, 0xFFFFFFFF), (0xFFFFFFFF, 0xFFFFFFFF), (0x1CB996FC, 0xBB002BE7)),
    ((0x13198A2E, 0x03707344), (0x243F6A88, 0x85A308D3), (0xC4923A9C, 0x483DF7A0)),
]


@pytest.mark.parametrize("k, count, want", KAT)
def test_threefry_matches_random123_known_answers(k, count, want):
    u32 = lambda v: np.array(v, np.uint32)
    assert fr.threefry_2x32(u32(k), u32(count)).tolist() == list(want)
    assert fg.jit(fr.threefry_2x32)(u32(k), u32(count)).tolist() == list(want)
    # many blocks at once: the first half of count holds the first words
    both = fr.threefry_2x32(u32(k), u32([count[0], 0, count[1], 0]))
    assert both[[0, 2]].tolist() == list(want)


def test_funcgrad_numbers_are_pinned():
    # Recorded once from funcgrad itself: a change here changes every user's seeded
    # experiment. Bits, keys and uniforms are integer arithmetic and exact float scalings, so
    # they are compared exactly; normals go through libm's log and cos, within a few ulp.
    assert fr.key(2**40 + 7).tolist() == [256, 7]
    assert fr.split(fr.key(42), 3).tolist() == [[3134548294, 3733159049],
                                                [3746501087, 894150801],
                                                [801545058, 2363201431]]
    assert fr.random_bits(fr.key(42), 5).tolist() == [3134548294, 3733159049, 3746501087,
                                                      894150801, 801545058]
    assert fr.fold_in(fr.key(42), 7).tolist() == [2655618431, 1452029416]
    assert fr.uniform(fr.key(42), (3,)).tolist() == [0.7298188970102795, 0.869193823535921,
                                                     0.8723002564178832]
    assert fr.uniform(fr.key(42), (3,), np.float32).tolist() == [
        0.5741443634033203, 0.8566374778747559, 0.05946117639541626]
    np.testing.assert_allclose(fr.normal(fr.key(42), (3,)),
                               [-0.5064209861396222, 0.23739760159307108, -1.1604063663666486],
                               rtol=1e-14)
    np.testing.assert_allclose(fr.normal(fr.key(42), (3,), np.float32),
                               [-0.3580978214740753, 0.8717507719993591, 0.9963505864143372],
                               rtol=1e-6)
    assert fr.permutation(fr.key(42), 8).tolist() == [2, 7, 4, 6, 0, 1, 3, 5]
    assert fr.categorical(fr.key(42), np.zeros(10), shape=(6,)).tolist() == [5, 1, 5, 3, 2, 1]
    assert fr.choice(fr.key(42), 10, (4,), replace=False).tolist() == [3, 0, 8, 7]
    assert fr.choice(fr.key(42), 10, (4,)).tolist() == [6, 5, 2, 2]
    np.testing.assert_allclose(fr.gumbel(fr.key(42), (3,)),
                               [1.1553132458105049, 1.9647627928097173, 1.990540338566183],
                               rtol=1e-14)
    np.testing.assert_allclose(fr.truncated_normal(fr.key(42), -1.0, 2.0, (3,)),
                               [-0.30594291303936083, -0.6257712616363087,
                                -0.6335429144040936], rtol=1e-13)


def test_split_and_bits_match_jax_classic_threefry():
    ref = run_peer(["jax"], """
        import jax
        jax.config.update("jax_threefry_partitionable", False)  # JAX's original scheme
        k = jax.random.PRNGKey(int(I["seed"]))
        out["split"] = np.asarray(jax.random.split(k, 5))
        out["bits"] = np.asarray(jax.random.bits(k, (8,), dtype=np.uint32))
        """, seed=np.array(1234))
    np.testing.assert_array_equal(fr.split(fr.key(1234), 5), ref["split"])
    np.testing.assert_array_equal(fr.random_bits(fr.key(1234), 8), ref["bits"])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_uniform_and_normal_distributions(dtype):
    u = fr.uniform(fr.key(1), (20000,), dtype)
    assert u.dtype == dtype and u.min() >= 0.0 and u.max() < 1.0
    assert stats.kstest(u, "uniform").pvalue > 1e-3
    z = fr.normal(fr.key(2), (20000,), dtype)
    assert abs(z.mean()) < 0.03 and abs(z.std() - 1) < 0.03
    assert stats.kstest(z, "norm").pvalue > 1e-3
    u2 = fr.uniform(fr.key(1), (1000,), dtype, minval=-2.0, maxval=3.0)
    assert u2.min() >= -2.0 and u2.max() < 3.0


def test_split_and_fold_in_give_independent_streams():
    a, b = fr.split(fr.key(7))
    x, y = fr.normal(a, (20000,)), fr.normal(b, (20000,))
    assert abs(np.corrcoef(x, y)[0, 1]) < 0.03
    c, d = fr.fold_in(fr.key(7), 1), fr.fold_in(fr.key(7), 2)
    assert abs(np.corrcoef(fr.normal(c, (20000,)), fr.normal(d, (20000,)))[0, 1]) < 0.03
    assert not np.array_equal(c, d)


def test_bernoulli_randint_permutation():
    b = fr.bernoulli(fr.key(3), 0.3, (20000,))
    assert abs(b.mean() - 0.3) < 0.02
    r = fr.randint(fr.key(4), (20000,), 2, 7)
    assert set(np.unique(r).tolist()) == {2, 3, 4, 5, 6}
    assert stats.chisquare(np.bincount(r)[2:]).pvalue > 1e-3
    p = fr.permutation(fr.key(5), 10)
    assert sorted(p.tolist()) == list(range(10)) and p.tolist() != list(range(10))


def test_bad_key_is_a_clear_error():
    with pytest.raises(TypeError, match="PRNG key"):
        fr.normal(np.array([1, 2]), (3,))


def ks_bound(n):
    """The KS statistic a correct sampler exceeds with probability 0.001 (asymptotic
    Kolmogorov distribution: sqrt(-log(0.001 / 2) / 2) / sqrt(n))."""
    return np.sqrt(-np.log(0.0005) / 2) / np.sqrt(n)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gumbel_distribution(dtype):
    g = fr.gumbel(fr.key(11), (20000,), dtype)
    assert g.dtype == dtype and np.all(np.isfinite(g))
    assert stats.kstest(g, stats.gumbel_r.cdf).statistic < ks_bound(20000)
    assert abs(g.mean() - np.euler_gamma) < 0.03
    np.testing.assert_allclose(fg.jit(lambda k: fr.gumbel(k, (50,), dtype))(fr.key(11)),
                               fr.gumbel(fr.key(11), (50,), dtype),
                               rtol=1e-6 if dtype == np.float32 else 1e-13)


def test_categorical_frequencies_axis_and_shape():
    n = 30000
    logits = np.array([[0.0, 1.0, 2.0, -1.0], [3.0, 0.0, 0.0, -np.inf]])
    draws = fr.categorical(fr.key(12), logits, shape=(n, 2))
    assert draws.shape == (n, 2)
    for row in range(2):
        p = np.exp(logits[row] - logits[row].max())
        p /= p.sum()
        counts = np.bincount(draws[:, row], minlength=4)
        keep = p > 0
        assert counts[~keep].sum() == 0  # probability 0 is never drawn
        assert stats.chisquare(counts[keep], n * p[keep]).pvalue > 1e-3
    # axis=0: the classes run down the columns; the result drops that axis
    by_col = fr.categorical(fr.key(13), logits.T, axis=0)
    assert by_col.shape == (2,) and set(by_col.tolist()) <= {0, 1, 2, 3}
    jitted = fg.jit(lambda k, z: fr.categorical(k, z, shape=(7, 2)))(fr.key(12), logits)
    np.testing.assert_array_equal(jitted, fr.categorical(fr.key(12), logits, shape=(7, 2)))
    with pytest.raises(ValueError, match=r"shape \(3,\) must end in dimensions that the batch "
                                         r"shape \(2,\) .*broadcasts to .*test_random.py"):
        fr.categorical(fr.key(0), logits, shape=(3,))
    with pytest.raises(ValueError, match="axis 2 is out of range"):
        fr.categorical(fr.key(0), logits, axis=2)


def test_choice_with_replacement():
    n = 30000
    u = fr.choice(fr.key(14), 5, (n,))
    assert stats.chisquare(np.bincount(u, minlength=5)).pvalue > 1e-3
    p = np.array([0.1, 0.0, 0.6, 0.3])
    w = fr.choice(fr.key(15), 4, (n,), p=p)
    counts = np.bincount(w, minlength=4)
    assert counts[1] == 0
    assert stats.chisquare(counts[p > 0], n * p[p > 0]).pvalue > 1e-3
    rows = np.arange(12.0).reshape(3, 4)
    picked = fr.choice(fr.key(16), rows, (2, 5), axis=1)
    assert picked.shape == (3, 2, 5)
    assert all(set(picked[i].ravel().tolist()) <= set(rows[i].tolist()) for i in range(3))
    jitted = fg.jit(lambda k: fr.choice(k, 4, (9,), p=p))(fr.key(15))
    np.testing.assert_array_equal(jitted, fr.choice(fr.key(15), 4, (9,), p=p))


def test_choice_without_replacement_is_successive_sampling():
    p = np.array([0.1, 0.2, 0.3, 0.4])
    n = 600  # one call per draw: eager calls cost milliseconds
    draws = np.array([fr.choice(k, 4, (2,), replace=False, p=p)
                      for k in fr.split(fr.key(17), n)])
    assert np.all(draws[:, 0] != draws[:, 1])
    first = np.bincount(draws[:, 0], minlength=4)
    assert stats.chisquare(first, n * p).pvalue > 1e-3
    # P(second = j) = sum over i != j of p_i * p_j / (1 - p_i)
    second_p = np.array([sum(p[i] * p[j] / (1 - p[i]) for i in range(4) if i != j)
                         for j in range(4)])
    second = np.bincount(draws[:, 1], minlength=4)
    assert stats.chisquare(second, n * second_p).pvalue > 1e-3
    s = fr.choice(fr.key(18), np.arange(10, 20), (2, 5), replace=False)
    assert s.shape == (2, 5) and sorted(s.ravel().tolist()) == list(range(10, 20))
    # p = 0 entries come last: drawing all four gives the zero one at the end
    assert fr.choice(fr.key(19), 4, (4,), replace=False,
                     p=np.array([0.5, 0.0, 0.25, 0.25]))[-1] == 1


def test_choice_bad_arguments():
    with pytest.raises(ValueError, match="cannot draw 6 values from 5 without replacement"):
        fr.choice(fr.key(0), 5, (6,), replace=False)
    with pytest.raises(ValueError, match=r"p has shape \(3,\).*must have shape \(5,\)"):
        fr.choice(fr.key(0), 5, (2,), p=np.ones(3) / 3)


def test_permutation_of_arrays_along_an_axis():
    x = np.arange(12).reshape(3, 4)
    cols = fr.permutation(fr.key(20), x, axis=1)
    assert cols.shape == (3, 4) and (cols - cols[:1] == x - x[:1]).all()  # one order for all
    assert sorted(cols[0].tolist()) == [0, 1, 2, 3]
    ind = fr.permutation(fr.key(21), x, axis=1, independent=True)
    assert all(sorted(ind[i].tolist()) == x[i].tolist() for i in range(3))
    rows = fr.permutation(fr.key(22), x)
    assert sorted(rows[:, 0].tolist()) == [0, 4, 8] and (rows[:, 1] == rows[:, 0] + 1).all()
    # every position equally likely for element 0, in each of 4000 independent rows
    many = fr.permutation(fr.key(23), np.tile(np.arange(5), (4000, 1)), axis=1,
                          independent=True)
    assert stats.chisquare(np.bincount(np.argmax(many == 0, axis=1), minlength=5)).pvalue > 1e-3
    assert len({tuple(r) for r in many.tolist()}) == 120  # all 5! orders occur
    # the array may be traced (under grad): the gradient is the permutation itself
    w = np.arange(5.0)
    g = fg.grad(lambda v: (fr.permutation(fr.key(24), v) * w).sum())(np.ones(5))
    order = fr.permutation(fr.key(24), 5)
    np.testing.assert_array_equal(g[order], w)


@pytest.mark.slow  # six compiles; make test compiles random draws in test_same_key_same_numbers
def test_permutation_and_choice_without_replacement_compile_and_batch():
    # the same numbers as eagerly (pinned in test_pinned_values), key traced
    keys = fr.split(fr.key(25), 3)
    x = np.arange(12.0).reshape(3, 4)
    p = np.array([0.5, 0.0, 0.25, 0.25])
    for f in (lambda k: fr.permutation(k, x, axis=1, independent=True),
              lambda k: fr.choice(k, x, (2,), replace=False, axis=1)):
        want = [f(k) for k in keys]
        compiled = fg.jit(f)  # one compilation, three keys
        for k, w in zip(keys, want):
            np.testing.assert_array_equal(compiled(k), w)
        np.testing.assert_array_equal(fg.vmap(f)(keys), np.stack(want))
    assert fg.jit(lambda k: fr.permutation(k, 8))(fr.key(42)).tolist() == [2, 7, 4, 6, 0, 1,
                                                                           3, 5]
    # p traced too; the zero-probability entry still comes last
    draw = fg.jit(lambda k, q: fr.choice(k, 4, (4,), replace=False, p=q))(fr.key(19), p)
    assert sorted(draw.tolist()) == [0, 1, 2, 3] and draw[-1] == 1
    # the array permuted under jit keeps its gradient: the permutation itself
    w = np.arange(5.0)
    g = fg.jit(fg.grad(lambda v: (fr.permutation(fr.key(24), v) * w).sum()))(np.ones(5))
    np.testing.assert_array_equal(g[fr.permutation(fr.key(24), 5)], w)


def test_a_traced_population_size_is_a_clear_error():
    with pytest.raises(fg.ConcretizationError, match=r"int\(x\).*test_random.py:\d+"):
        fg.jit(lambda n: fr.permutation(fr.key(0), n))(5)


TRUNCATED = [(-np.inf, np.inf), (-1.0, 0.5), (0.0, np.inf), (2.0, 3.0), (8.0, np.inf),
             (-np.inf, -8.0), (-40.0, -39.0), (39.0, 40.0), (-0.1, 0.1)]


@pytest.mark.parametrize("i", range(len(TRUNCATED)))
def test_truncated_normal_distribution(i):
    lo, hi = TRUNCATED[i]
    n = 20000
    x = fr.truncated_normal(fr.key(100 + i), lo, hi, (n,))
    assert x.dtype == np.float64 and np.all((x >= lo) & (x <= hi))
    ref = stats.truncnorm(lo, hi)
    assert stats.kstest(x, ref.cdf).statistic < ks_bound(n)
    assert abs(x.mean() - ref.mean()) < 5 * ref.std() / np.sqrt(n)


def test_truncated_normal_dtypes_shapes_and_jit():
    x = fr.truncated_normal(fr.key(1), -1.0, 2.0, (20000,), np.float32)
    assert x.dtype == np.float32 and x.min() >= -1.0 and x.max() <= 2.0
    assert stats.kstest(x, stats.truncnorm(-1, 2).cdf).statistic < ks_bound(20000)
    lo, hi = np.array([-1.0, 0.0, 3.0]), np.array([1.0, np.inf, 4.0])
    many = fr.truncated_normal(fr.key(2), lo, hi, (5000, 3))
    assert many.shape == (5000, 3) and np.all((many >= lo) & (many <= hi))
    assert fr.truncated_normal(fr.key(2), lo, hi).shape == (3,)
    jitted = fg.jit(lambda k, a, b: fr.truncated_normal(k, a, b, (100, 3)))(fr.key(3), lo, hi)
    np.testing.assert_allclose(jitted, fr.truncated_normal(fr.key(3), lo, hi, (100, 3)),
                               rtol=1e-12)
    with pytest.raises(ValueError, match=r"bounds' shape \(3,\) does not broadcast"):
        fr.truncated_normal(fr.key(0), lo, hi, (4,))
    with pytest.raises(TypeError, match="dtype must be float32 or float64"):
        fr.truncated_normal(fr.key(0), 0.0, 1.0, (2,), np.int64)
