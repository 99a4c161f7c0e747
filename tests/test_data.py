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


def test_load_digits_is_scikit_learns():
    from sklearn.datasets import load_digits
    X, y = data.load_digits()
    reference = load_digits()
    assert X.dtype == np.float64 and y.dtype == np.int64
    np.testing.assert_array_equal(X, reference.data)
    np.testing.assert_array_equal(y, reference.target)


def test_load_digits_without_scikit_learn(monkeypatch):
    import importlib.util
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "sklearn" else real(name, *a))
    with pytest.raises(ImportError, match=r"digits\.csv\.gz.*pip install 'funcgrad\[examples\]'"):
        data.load_digits()


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


def _csv(tmp_path, text, name="d.csv", encoding="utf-8"):
    p = tmp_path / name
    p.write_bytes(text.encode(encoding))
    return p


def test_load_csv_utf8_bom_keeps_the_first_column(tmp_path):
    p = _csv(tmp_path, "\ufeffa,b,t\n1,2,3\n4,5,6\n")
    X, y = data.load_csv(p, "t")
    np.testing.assert_array_equal(X, [[1, 2], [4, 5]])
    X, y = data.load_csv(p, "a")  # the column right after the BOM is findable
    np.testing.assert_array_equal(y, [1, 4])


@pytest.mark.parametrize("sep", [",", ";", "\t", "|"])
def test_load_csv_sniffs_the_delimiter(tmp_path, sep):
    p = _csv(tmp_path, sep.join(["x1", "x2", "target"]) + "\n" +
             "\n".join(sep.join(r) for r in [["1.5", "-2", "3"], ["4", "5e-1", "6"]]) + "\n")
    X, y = data.load_csv(p, "target")
    np.testing.assert_array_equal(X, [[1.5, -2.0], [4.0, 0.5]])
    np.testing.assert_array_equal(y, [3.0, 6.0])


def test_load_csv_explicit_delimiter_and_single_column(tmp_path):
    # decimal commas with ';' fields: the sniffer could take ',' for the delimiter; saying it
    # settles it, and the values are then (clearly) not numbers
    p = _csv(tmp_path, "a;y\n1,5;2\n")
    with pytest.raises(ValueError, match=r"non-numeric value '1,5' in column 'a', row 2"):
        data.load_csv(p, "y", delimiter=";")
    p = _csv(tmp_path, "a;y\n1;2\n3;4\n")
    X, y = data.load_csv(p, "y", delimiter=";")
    np.testing.assert_array_equal(X, [[1], [3]])
    X, y = data.load_csv(_csv(tmp_path, "y\n1\n2\n"), "y")
    assert X.shape == (2, 0) and y.tolist() == [1.0, 2.0]


def test_load_csv_skips_blank_lines_and_counts_rows_as_lines(tmp_path):
    p = _csv(tmp_path, "a,t\n\n1,2\n   \n\n3,4\n\n")
    X, y = data.load_csv(p, "t")
    np.testing.assert_array_equal(X, [[1], [3]])
    np.testing.assert_array_equal(y, [2, 4])
    p = _csv(tmp_path, "a,t\n\n1,2\n\n3,oops\n")
    with pytest.raises(ValueError, match=r"'oops' in column 't', row 5 of .*d\.csv"):
        data.load_csv(p, "t")


@pytest.mark.parametrize("token", ["", "NA", "N/A", "nan", "NaN", " na "])
def test_load_csv_missing_values(tmp_path, token):
    p = _csv(tmp_path, f"a,b,t\n1,2,3\n4,{token},6\n")
    with pytest.raises(ValueError, match=rf"missing value '{token}' in column 'b', row 3 of "
                                         r".*d\.csv; pass missing='nan'"):
        data.load_csv(p, "t")
    X, y = data.load_csv(p, "t", missing="nan")
    assert X[0].tolist() == [1.0, 2.0] and X[1, 0] == 4.0 and np.isnan(X[1, 1])
    assert y.tolist() == [3.0, 6.0]


def test_load_csv_bad_files(tmp_path):
    with pytest.raises(ValueError, match="has a header but no data rows"):
        data.load_csv(_csv(tmp_path, "a,b,t\n"), "t")
    with pytest.raises(ValueError, match="has a header but no data rows"):
        data.load_csv(_csv(tmp_path, "a,b,t\n\n\n"), "t")
    with pytest.raises(ValueError, match="is empty"):
        data.load_csv(_csv(tmp_path, "\n \n"), "t")
    with pytest.raises(ValueError, match="row 3 of .* has 2 fields, the header has 3"):
        data.load_csv(_csv(tmp_path, "a,b,t\n1,2,3\n4,5\n"), "t")
    with pytest.raises(ValueError, match="more than one column 't'"):
        data.load_csv(_csv(tmp_path, "t,b,t\n1,2,3\n"), "t")
    with pytest.raises(ValueError, match="missing must be 'error' or 'nan'"):
        data.load_csv(_csv(tmp_path, "a,t\n1,2\n"), "t", missing="drop")
