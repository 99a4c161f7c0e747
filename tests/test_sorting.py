"""Sorting, searching, counting and sets: ties and stability, NaNs, integer results and their
(absent) derivatives, value-dependent shapes (concrete, or ``size=`` under jit), the errors
users meet, and JAX's answers where it is installed. (Values and derivatives of every function
against NumPy and finite differences, f64 and f32, eager, jit and vmap: tests/table_sortstats.py.)
"""
import numpy as np
import pytest
from peers import run_peer

import funcgrad as fg
import funcgrad.numpy as fnp

rng = np.random.default_rng(0)
TIES = np.array([2.0, 1.0, 2.0, 1.0, 0.5])
W = np.array([1.0, 10.0, 100.0, 1000.0, 10000.0])
INTS = np.array([3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5])


def close(x, y, tol=1e-12):
    np.testing.assert_allclose(np.asarray(x), np.asarray(y), rtol=tol, atol=tol)


def same(x, y):
    x, y = np.asarray(x), np.asarray(y)
    assert x.shape == y.shape and x.dtype == y.dtype, (x.shape, y.shape, x.dtype, y.dtype)
    np.testing.assert_array_equal(x, y)


# --- sort and argsort ------------------------------------------------------------------------

def test_ties_give_each_equal_value_the_gradient_of_its_stable_position():
    # stable order of TIES: 0.5 (4), 1.0 (1), 1.0 (3), 2.0 (0), 2.0 (2)
    g = fg.grad(lambda x: fnp.sum(fnp.sort(x) * W))(TIES)
    same(g, np.array([1000.0, 10.0, 10000.0, 100.0, 1.0]))
    _, t = fg.jvp(fnp.sort, (TIES,), (W,))
    same(t, W[[4, 1, 3, 0, 2]])
    same(fg.jit(fg.grad(lambda x: fnp.sum(fnp.sort(x) * W)))(TIES), g)


def test_argsort_is_stable_and_puts_nans_last_eagerly_and_compiled():
    x = np.array([3.0, np.nan, 1.0, 3.0, -0.0, 0.0, np.nan, 1.0, -np.inf, np.inf])
    for a in (x, x.astype(np.float32), INTS, INTS > 3, np.stack([x, x[::-1]])):
        want = np.argsort(a, axis=-1, kind="stable")
        same(fnp.argsort(a), want)
        order, values = fg.jit(lambda v: (fnp.argsort(v), fnp.sort(v)))(a)  # one compile
        same(order, want)
        np.testing.assert_array_equal(values, np.sort(a))


@pytest.mark.slow  # compiles many functions; compiled sorting stays in make test via the rows
def test_sort_and_argsort_along_every_axis_under_jit_and_vmap():
    x = rng.normal(size=(3, 4, 5))
    for axis in (0, 1, -1, None):
        same(fg.jit(lambda v: fnp.argsort(v, axis=axis))(x), np.argsort(x, axis=axis))
        same(fg.jit(lambda v: fnp.sort(v, axis=axis))(x), np.sort(x, axis=axis))
    same(fg.vmap(fnp.argsort, in_axes=1)(x), np.stack([np.argsort(x[:, i]) for i in range(4)]))


def test_integer_results_carry_no_derivative():
    x = rng.normal(size=5)
    for f in (fnp.argsort, lambda v: fnp.searchsorted(np.sort(W), v),
              lambda v: fnp.lexsort([v, -v]), lambda v: fnp.argpartition(v, 2),
              lambda v: fnp.digitize(v, np.array([-1.0, 0.0, 1.0])),
              lambda v: fnp.count_nonzero(v > 0)):
        same(fg.grad(lambda v: fnp.sum(f(v) * 1.0))(x), np.zeros(5))
    # and the float factor beside them still differentiates
    same(fg.grad(lambda v: fnp.sum(fnp.argsort(v) * v))(x), np.argsort(x) * 1.0)


def test_lexsort_takes_a_sequence_or_a_2d_array():
    a, b = np.array([1, 1, 0, 0, 2]), np.array([3.0, 1.0, 3.0, 1.0, 1.0])
    same(fnp.lexsort([a, b]), np.lexsort([a, b]))
    same(fnp.lexsort(np.stack([b, a * 1.0])), np.lexsort(np.stack([b, a * 1.0])))
    same(fg.jit(lambda k: fnp.lexsort(k))(np.stack([b, b[::-1]])),
         np.lexsort(np.stack([b, b[::-1]])))


def test_partition_is_a_valid_partition_for_every_kth():
    x = rng.normal(size=(4, 7))
    for kth in (0, 3, -1, [1, 5]):
        p, ip = fnp.partition(x, kth), fnp.argpartition(x, kth)
        for k in np.ravel(kth) % 7:
            close(p[:, k], np.partition(x, kth)[:, k])
            assert np.all(p[:, :k] <= p[:, k:k + 1]) and np.all(p[:, k + 1:] >= p[:, k:k + 1])
        close(np.take_along_axis(x, ip, 1), p)


def test_array_methods_on_traced_values():
    x = rng.normal(size=5)
    f = lambda v: (v.argsort() + v.argpartition(2) + fnp.sort(v).searchsorted(0.0)  # noqa
                   + v.nonzero(size=5)[0]) * v
    ints = np.argsort(x) * 2 + np.searchsorted(np.sort(x), 0.0) + np.arange(5)
    close(fg.jit(f)(x), ints * x)
    close(fg.grad(lambda v: fnp.sum(f(v)))(x), ints)


def test_sort_errors():
    with pytest.raises(np.exceptions.AxisError, match="dimension 0"):
        fnp.sort(np.float64(1.0))
    with pytest.raises(NotImplementedError, match="order="):
        fnp.sort(np.ones(3), order="x")
    with pytest.raises(ValueError, match="sort kind"):
        fnp.argsort(np.ones(3), kind="bogo")
    with pytest.raises(ValueError, match=r"kth\(=5\) out of bounds \(3\)"):
        fnp.partition(np.ones(3), 5)
    with pytest.raises(ValueError, match="same shape"):
        fnp.lexsort([np.ones(3), np.ones(2)])
    with pytest.raises(TypeError, match="len > 0"):
        fnp.lexsort([])


# --- searching -------------------------------------------------------------------------------

def test_searchsorted_matches_numpy_with_nans_dtypes_and_sorter():
    a = np.array([0.0, 1.0, 1.0, 2.0, np.nan])
    v = np.array([[1.0, np.nan], [-1.0, 5.0]])
    for side in ("left", "right"):
        same(fnp.searchsorted(a, v, side), np.searchsorted(a, v, side))
        same(fg.jit(lambda a, v: fnp.searchsorted(a, v, side))(a, v), np.searchsorted(a, v, side))
    same(fnp.searchsorted(np.arange(5), 2.5), np.searchsorted(np.arange(5), 2.5))
    perm = np.array([2, 0, 1])
    same(fnp.searchsorted(np.array([3.0, 1.0, 2.0]), 2.0, sorter=perm),
         np.searchsorted(np.array([3.0, 1.0, 2.0]), 2.0, sorter=perm))
    assert np.ndim(fnp.searchsorted(a, 1.5)) == 0


def test_searchsorted_batches_over_the_sorted_array_and_the_values():
    a = np.sort(rng.normal(size=(4, 6)), axis=1)
    v = rng.normal(size=(4, 3))
    want = np.stack([np.searchsorted(ai, vi) for ai, vi in zip(a, v)])
    same(fg.vmap(fnp.searchsorted)(a, v), want)
    same(fg.jit(fg.vmap(fnp.searchsorted))(a, v), want)
    same(fg.vmap(lambda vi: fnp.searchsorted(a[0], vi), in_axes=1)(v),
         np.searchsorted(a[0], v).T)


def test_digitize_with_traced_bins_in_either_direction():
    x = rng.normal(size=7)
    for bins in (np.array([-1.0, 0.0, 0.5, 1.0]), np.array([1.0, 0.5, 0.0, -1.0])):
        for right in (False, True):
            want = np.digitize(x, bins, right)
            same(fnp.digitize(x, bins, right), want)
            same(fg.jit(lambda x, b: fnp.digitize(x, b, right))(x, bins), want)
    with pytest.raises(ValueError, match="monotonically"):
        fnp.digitize(x, np.array([0.0, 1.0, 0.5]))


def test_interp_derivatives_are_the_slopes_and_the_hat_functions():
    xp, fp = np.array([0.0, 1.0, 3.0]), np.array([0.0, 2.0, -2.0])
    x = np.array([-1.0, 0.0, 0.5, 1.0, 2.0, 3.0, 4.0])
    close(fnp.interp(x, xp, fp), np.interp(x, xp, fp))
    # d/dx: the slope of the segment to the right of x (0 outside, and at the last knot)
    close(fg.vmap(fg.grad(lambda v: fnp.interp(v, xp, fp)))(x), [0, 2, 2, -2, -2, 0, 0])
    # d/dfp: the hat functions (interpolation weights)
    jac = fg.jacobian(lambda f: fnp.interp(x, xp, f))(fp)
    close(jac, np.stack([np.interp(x, xp, e) for e in np.eye(3)], axis=1))
    close(fg.jit(fnp.interp)(x, xp, fp), np.interp(x, xp, fp))


def test_interp_corner_cases_and_errors():
    close(fnp.interp(np.array([0.0, 1.0, 2.0, np.nan]), np.array([1.0]), np.array([5.0]),
                     left=-1.0, right=9.0), np.interp([0.0, 1.0, 2.0, np.nan], [1.0], [5.0],
                                                      -1.0, 9.0))
    x = np.array([1.0, 2.0, np.nan])
    close(fnp.interp(x, np.arange(3.0), np.arange(3.0) ** 2), np.interp(x, np.arange(3.0),
                                                                        np.arange(3.0) ** 2))
    assert fnp.interp(np.float32(0.5), np.array([0.0, 1.0], np.float32),
                      np.array([0.0, 1.0], np.float32)).dtype == np.float64  # as NumPy
    with pytest.raises(ValueError, match="not of the same length"):
        fnp.interp(1.0, np.arange(3.0), np.arange(2.0))
    with pytest.raises(ValueError, match="empty"):
        fnp.interp(1.0, np.zeros(0), np.zeros(0))
    with pytest.raises(ValueError, match="period must be a non-zero"):
        fnp.interp(1.0, np.arange(3.0), np.arange(3.0), period=0)


# --- nonzero and relatives -------------------------------------------------------------------

M = np.array([[0.0, 3.0, 0.0], [4.0, 0.0, 5.0]])


def test_nonzero_family_needs_concrete_values_or_size():
    for f, want in ((fnp.nonzero, np.nonzero(M)), (fnp.argwhere, np.argwhere(M)),
                    (fnp.flatnonzero, np.flatnonzero(M)), (fnp.where, np.where(M))):
        fg.tree_map(same, f(M), want)
        with pytest.raises(fg.ConcretizationError, match=r"size=N .*fill_value"):
            fg.jit(f)(M)
    out = fg.jit(lambda m: fnp.nonzero(m, size=4, fill_value=(-1, -2)))(M)
    same(np.stack(out), np.array([[0, 1, 1, -1], [1, 0, 2, -2]]))
    # fewer slots than entries: the first ones, in C order
    same(fg.jit(lambda m: fnp.argwhere(m, size=2))(M), np.argwhere(M)[:2])
    same(fnp.argwhere(np.float64(3.0), size=2), np.zeros((2, 0), np.int64))
    same(fg.vmap(lambda m: fnp.flatnonzero(m, size=2))(M), np.array([[1, 0], [0, 2]]))


def test_extract_and_count_nonzero():
    x = rng.normal(size=(2, 3))
    g = fg.grad(lambda v: fnp.sum(fnp.extract(M > 0, v) ** 2))(x)  # concrete mask under grad
    same(g, np.where(M > 0, 2 * x, 0.0))
    close(fg.jit(lambda m, v: fnp.extract(m, v, size=4, fill_value=7.0))(M, x),
          np.append(x[M != 0], 7.0))
    same(fnp.count_nonzero(M, axis=0, keepdims=True), np.count_nonzero(M, 0, keepdims=True))
    assert int(fnp.count_nonzero(M)) == np.count_nonzero(M)


def test_nonzero_errors():
    with pytest.raises(ValueError, match="0d arrays"):
        fnp.nonzero(np.float64(1.0))
    with pytest.raises(ValueError, match="fill_value needs size"):
        fnp.nonzero(M, fill_value=1)
    with pytest.raises(TypeError, match="non-negative int"):
        fnp.nonzero(M, size=2.5)
    with pytest.raises(ValueError, match="one per axis"):
        fnp.nonzero(M, size=2, fill_value=(1, 2, 3))
    with pytest.raises(ValueError, match="both or neither"):
        fnp.where(M > 0, 1.0)


# --- sets ------------------------------------------------------------------------------------

def test_unique_matches_numpy_with_every_output():
    a = rng.integers(0, 5, size=(3, 4)).astype(float)
    a[0, 1] = a[2, 2] = np.nan
    for kw in ({}, {"equal_nan": False}, {"axis": 0}, {"axis": 1}):
        got = fnp.unique(a, True, True, True, **kw)
        fg.tree_map(same, got, np.unique(a, True, True, True, **kw))
    for f in ("unique_all", "unique_counts", "unique_inverse"):
        got, want = getattr(fnp, f)(a), getattr(np, f)(a)
        assert got._fields == want._fields
        fg.tree_map(same, tuple(got), tuple(want))
    same(fnp.unique_values(a), np.unique_values(a))


def test_unique_with_size_under_jit_pads_and_truncates():
    ints = INTS.astype(float)
    values, index, inverse, counts = fg.jit(lambda v: fnp.unique(
        v, return_index=True, return_inverse=True, return_counts=True, size=9))(ints)
    u, i, inv, c = np.unique(ints, return_index=True, return_inverse=True, return_counts=True)
    same(values, np.append(u, [u[0]] * 2))  # padded with the smallest value
    same(index, np.append(i, [INTS.size] * 2))  # and an out-of-bounds index
    same(inverse, inv)
    same(counts, np.append(c, [0, 0]))
    same(fg.jit(lambda v: fnp.unique(v, size=3, fill_value=-1.0))(ints), u[:3])
    with pytest.raises(fg.ConcretizationError, match="unique.*size=N"):
        fg.jit(fnp.unique)(ints)


def test_unique_values_differentiate_through_the_first_occurrence():
    x = np.array([3.0, 1.0, 3.0, 2.0, 1.0])
    g = fg.grad(lambda v: fnp.sum(fnp.unique(v) * np.array([1.0, 10.0, 100.0])))(x)
    same(g, np.array([100.0, 1.0, 0.0, 10.0, 0.0]))
    same(fg.jit(fg.grad(lambda v: fnp.sum(fnp.unique(v, size=3) ** 2)))(x),
         np.array([6.0, 2.0, 0.0, 4.0, 0.0]))


def test_two_set_operations_match_numpy_with_duplicates_and_nans():
    a = rng.integers(0, 8, size=12).astype(float)
    b = rng.integers(4, 12, size=9).astype(float)
    a[[3, 5]], b[2] = np.nan, np.nan
    for f in ("union1d", "intersect1d", "setdiff1d", "setxor1d"):
        same(getattr(fnp, f)(a, b), getattr(np, f)(a, b))
        same(getattr(fnp, f)(INTS, INTS[3:7] + 2), getattr(np, f)(INTS, INTS[3:7] + 2))
    fg.tree_map(same, fnp.intersect1d(a, b, return_indices=True),
                np.intersect1d(a, b, return_indices=True))
    ua, ub = np.unique(a), np.unique(b)[::-1]
    same(fnp.setdiff1d(ua[::-1], ub, assume_unique=True),
         np.setdiff1d(ua[::-1], ub, assume_unique=True))  # keeps ar1's order, as NumPy
    same(fnp.isin(a, b), np.isin(a, b))
    same(fnp.isin(INTS, [1, 5], invert=True, kind="table"),
         np.isin(INTS, [1, 5], invert=True, kind="table"))
    with pytest.raises(ValueError, match="'table' method"):
        fnp.isin(a, b, kind="table")


@pytest.mark.slow  # compiles many functions; compiled sorting stays in make test via the rows
def test_set_operations_with_size_under_jit():
    a, b = INTS.astype(float), np.array([5.0, 7.0, 1.0, 1.0])
    same(fg.jit(lambda a, b: fnp.setdiff1d(a, b, size=6))(a, b),
         np.append(np.setdiff1d(a, b), 2.0))
    values, ia, ib = fg.jit(lambda a, b: fnp.intersect1d(a, b, return_indices=True, size=3))(
        a, b)
    v, i, j = np.intersect1d(a, b, return_indices=True)
    same(values, np.append(v, 1.0))
    same(ia, np.append(i, a.size))
    same(ib, np.append(j, b.size))
    same(fg.jit(lambda a, b: fnp.setxor1d(a, b, size=6, fill_value=0.0))(a, b),
         np.append(np.setxor1d(a, b), 0.0)[:6])
    same(fg.jit(lambda a, b: fnp.isin(a, b))(a, b), np.isin(a, b))


# --- everything compiled at once ---------------------------------------------------------------

@pytest.mark.slow  # compiles many functions; compiled sorting stays in make test via the rows
def test_one_compiled_function_of_the_whole_area():
    x = rng.normal(size=(3, 5))
    grid = np.linspace(-2, 2, 6)

    def f(x):
        s = fnp.sort(x, axis=0)
        return (fnp.sum(s * fnp.argsort(x, axis=1)) + fnp.sum(fnp.searchsorted(grid, x))
                + fnp.sum(fnp.unique(fnp.round(x), size=4)) + fnp.sum(fnp.isin(x, x[0]))
                + fnp.sum(fnp.interp(x, grid, grid ** 2)) + fnp.sum(fnp.nonzero(x > 0, size=4)[1]))

    close(fg.jit(f)(x), f(x))
    for a, b in zip(fg.jit(fg.grad(f))(x), fg.grad(f)(x)):
        close(a, b)


# --- JAX, where installed ------------------------------------------------------------------------

def test_against_jax():
    x = rng.normal(size=6)
    ref = run_peer(["jax"], """
        import jax, jax.numpy as jnp
        x, ties, w = I["x"], I["ties"], I["w"]
        out["sort_grad_ties"] = np.asarray(jax.grad(lambda v: jnp.sum(jnp.sort(v) * w))(ties))
        out["argsort_ties"] = np.asarray(jnp.argsort(ties))
        out["unique_size"] = np.asarray(jnp.unique(I["ints"], size=9))
        out["nonzero_size"] = np.asarray(jnp.nonzero(I["m"], size=4, fill_value=-1)[1])
        out["interp_grad"] = np.asarray(jax.grad(lambda v: jnp.sum(jnp.interp(
            v, I["xp"], I["fp"])))(x))
        out["searchsorted"] = np.asarray(jnp.searchsorted(I["xp"], x, side="right"))
        """, x=x, ties=TIES, w=W, ints=INTS, m=M, xp=np.linspace(-1, 1, 4),
                   fp=np.array([0.0, 2.0, -1.0, 1.0]))
    np.testing.assert_array_equal(fg.grad(lambda v: fnp.sum(fnp.sort(v) * W))(TIES),
                                  ref["sort_grad_ties"])
    np.testing.assert_array_equal(fnp.argsort(TIES), ref["argsort_ties"])
    np.testing.assert_array_equal(fnp.unique(INTS, size=9), ref["unique_size"])
    np.testing.assert_array_equal(fnp.nonzero(M, size=4, fill_value=-1)[1], ref["nonzero_size"])
    close(fg.grad(lambda v: fnp.sum(fnp.interp(v, np.linspace(-1, 1, 4),
                                               np.array([0.0, 2.0, -1.0, 1.0]))))(x),
          ref["interp_grad"])
    np.testing.assert_array_equal(fnp.searchsorted(np.linspace(-1, 1, 4), x, side="right"),
                                  ref["searchsorted"])  # JAX's indices are int32


def test_sort_complex_matches_numpy_and_differentiates_as_a_permutation():
    z = np.array([3 + 1j, 1 + 2j, 1 - 1j, 2 + 0j, 1 - 1j])
    for a in (z, np.array([3.0, -1.0, 2.0]), np.array([2, 0, 1]), np.array([2, 1], np.int8),
              np.array([[2.0, 1.0], [0.5, 3.0]], np.float32)):
        got, want = fnp.sort_complex(a), np.sort_complex(a)
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)
    w = np.array([1.0, 10.0, 100.0])
    x = np.array([3.0, -1.0, 2.0])
    g = fg.grad(lambda x: fnp.sum(fnp.real(fnp.sort_complex(x)) * w))(x)
    np.testing.assert_allclose(g, [100.0, 1.0, 10.0])  # x[1] is smallest, x[0] largest
    np.testing.assert_array_equal(fg.jit(fnp.sort_complex)(z), np.sort_complex(z))
