"""NumPy's products in funcgrad (eager calls, the evaluator) on one OpenBLAS thread when mid-sized:
the same values as NumPy's, the user's thread count restored after, and never exceeded."""
import numpy as np
import pytest
from threads import run_threads

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.ops import openblas

lib = openblas.library()
needs_openblas = pytest.mark.skipif(
    lib is None, reason="NumPy here is not linked to its bundled OpenBLAS, whose thread count "
    "this tests (elsewhere funcgrad's products are NumPy's own)")


def _threads():
    return lib.scipy_openblas_get_num_threads64_()


@pytest.fixture
def two_threads():
    before = _threads()
    lib.scipy_openblas_set_num_threads64_(2)
    yield
    lib.scipy_openblas_set_num_threads64_(before)


SHAPES = [((128, 256), (256, 256)),  # one thread: 2^23 multiply-adds
          ((3, 64, 64), (3, 64, 64)),  # a batch of products at OpenBLAS's own one-thread size
          ((600, 600), (600, 600)),  # above THREADED_MIN_MNK: threads as set
          ((2, 5), (5, 3))]


@needs_openblas
@pytest.mark.parametrize("xs, ys", SHAPES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_products_equal_numpys_and_restore_the_thread_count(xs, ys, dtype, two_threads):
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=xs).astype(dtype), rng.normal(size=ys).astype(dtype)
    want = np.matmul(x.astype(np.float64), y.astype(np.float64))
    tol = 1e-4 if dtype == np.float32 else 1e-12
    got = openblas.matmul(x, y)
    assert got.dtype == dtype and _threads() == 2
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol * np.abs(want).max())
    np.testing.assert_allclose(fnp.matmul(x, y), want, rtol=tol, atol=tol * np.abs(want).max())
    vg = fg.value_and_grad(lambda a: fnp.sum(fnp.tanh(a @ y)))(x)  # eager: the vjp's products
    a = x.astype(np.float64)
    np.testing.assert_allclose(vg[1], (1 - np.tanh(a @ y) ** 2) @ np.swapaxes(y, -1, -2),
                               rtol=tol * 10, atol=tol * 10)
    assert _threads() == 2


@needs_openblas
def test_the_product_runs_alone_and_a_user_setting_of_one_is_kept(two_threads, monkeypatch):
    seen = []
    monkeypatch.setattr(openblas.np, "matmul", lambda x, y: seen.append(_threads()) or x @ y)
    x, y = np.ones((128, 256)), np.ones((256, 256))
    openblas.matmul(x, y)
    openblas.matmul(np.ones((700, 700)), np.ones((700, 700)))  # large: the user's two threads
    assert seen == [1, 2] and _threads() == 2
    lib.scipy_openblas_set_num_threads64_(1)
    openblas.matmul(x, y)
    assert _threads() == 1


@needs_openblas
def test_threads_computing_at_once_leave_the_setting_as_it_was(two_threads):
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(200, 300)), rng.normal(size=(300, 100))
    want = x @ y

    def work(_):
        for _ in range(20):
            np.testing.assert_allclose(openblas.matmul(x, y), want, rtol=1e-12)

    assert run_threads(work, 8) == []
    assert _threads() == 2
