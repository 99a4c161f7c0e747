import numpy as np
import pytest

import funcgrad.random as fr
from funcgrad import data


def test_batches_last_partial_and_drop_last_and_large_batch():
    x, y = np.arange(10), np.arange(10) * 2
    bs = list(data.batches(x, y, batch_size=4))
    assert [len(b[0]) for b in bs] == [4, 4, 2]
    np.testing.assert_array_equal(bs[2][1], [16, 18])
    assert [len(b[0]) for b in data.batches(x, batch_size=4, drop_last=True)] == [4, 4]
    assert [len(b[0]) for b in data.batches(x, batch_size=100)] == [10]


def test_batches_shuffle_is_deterministic_and_complete():
    x = np.arange(20)
    a = [b[0].tolist() for b in data.batches(x, batch_size=6, key=fr.key(1))]
    b = [b[0].tolist() for b in data.batches(x, batch_size=6, key=fr.key(1))]
    assert a == b and sorted(sum(a, [])) == list(range(20)) and sum(a, []) != list(range(20))


def test_batches_mismatched_lengths():
    with pytest.raises(ValueError, match=r"\[3, 4\]"):
        list(data.batches(np.ones(3), np.ones(4), batch_size=2))


def test_generated_datasets():
    X, y = data.make_moons(100, noise=0.1, key=fr.key(0))
    assert X.shape == (100, 2) and y.sum() == 50
    X, y = data.make_circles(50)
    r = np.linalg.norm(X, axis=1)
    np.testing.assert_allclose(r[y == 0], 1.0)
    np.testing.assert_allclose(r[y == 1], 0.8)
    X, y = data.make_blobs(90, centers=3, std=0.1)
    for c in range(3):
        assert X[y == c].std(0).max() < 0.2


def test_load_digits():
    X, y = data.load_digits()
    assert X.shape == (1797, 64) and X.max() == 16 and set(y.tolist()) == set(range(10))


def test_load_csv_errors(tmp_path):
    p = tmp_path / "d.csv"
    p.write_text("a,b,t\n1,2,3\n4,x,6\n")
    with pytest.raises(ValueError, match=r"'x'.*column 'b'.*row 3"):
        data.load_csv(p, "t")
    with pytest.raises(ValueError, match="no column 'target'"):
        data.load_csv(p, "target")
    p.write_text("a,b,t\n1,2,3\n4,5,6\n")
    X, y = data.load_csv(p, "b")
    np.testing.assert_array_equal(X, [[1, 3], [4, 6]])
    np.testing.assert_array_equal(y, [2, 5])
