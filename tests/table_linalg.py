"""Table rows for linear algebra (see primitive_table.py). Inputs are well conditioned."""
import numpy as np
from primitive_table import Row

import funcgrad.numpy as fnp


def wellcond(shape):
    def make(rng, dtype):
        n = shape[-1]
        return (rng.uniform(-1, 1, size=shape) + 2 * n * np.eye(n)).astype(dtype)
    return make


def spd(n):
    def make(rng, dtype):
        b = rng.uniform(-1, 1, size=(n, n))
        return (b @ b.T + n * np.eye(n)).astype(dtype)
    return make


def mk(*makers):
    return lambda rng, dtype: tuple(m(rng, dtype) for m in makers)


def rhs(shape):
    return lambda rng, dtype: rng.uniform(-1, 1, size=shape).astype(dtype)


L = fnp.linalg
ROWS = [
    Row("solve", L.solve, mk(wellcond((3, 3)), rhs((3, 2))), np_ref=np.linalg.solve,
        prims=("solve",)),
    Row("solve_vector", L.solve, mk(wellcond((3, 3)), rhs((3,))), np_ref=np.linalg.solve),
    Row("solve_batched", L.solve, mk(wellcond((2, 3, 3)), rhs((2, 3, 1))),
        np_ref=np.linalg.solve),
    Row("inv", L.inv, mk(wellcond((3, 3))), np_ref=np.linalg.inv),
    Row("det", L.det, mk(wellcond((3, 3))), np_ref=np.linalg.det, prims=("slogdet",)),
    Row("slogdet", lambda a: L.slogdet(a)[1], mk(wellcond((2, 3, 3))),
        np_ref=lambda a: np.linalg.slogdet(a)[1]),
    Row("cholesky", lambda a: L.cholesky((a + a.T) / 2), mk(spd(3)),
        np_ref=lambda a: np.linalg.cholesky((a + a.T) / 2), prims=("cholesky",)),
    Row("norm", L.norm, mk(rhs((3, 4))), np_ref=np.linalg.norm),
    Row("norm_axis", lambda x: L.norm(x, axis=1), mk(rhs((3, 4))),
        np_ref=lambda x: np.linalg.norm(x, axis=1)),
    Row("norm_1", lambda x: L.norm(x, ord=1), mk(rhs((4,))),
        np_ref=lambda x: np.linalg.norm(x, ord=1)),
    Row("norm_inf", lambda x: L.norm(x, ord=np.inf), mk(rhs((4,))),
        np_ref=lambda x: np.linalg.norm(x, ord=np.inf)),
]
