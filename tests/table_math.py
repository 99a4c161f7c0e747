"""Table rows for elementwise functions and reductions (see primitive_table.py)."""
import numpy as np
from primitive_table import Row

import funcgrad.numpy as fnp


def _r(shape, lo=-2.0, hi=2.0):
    def make(rng, dtype):
        return rng.uniform(lo, hi, size=shape).astype(dtype)
    return make


def args_of(*makers):
    return lambda rng, dtype: tuple(m(rng, dtype) for m in makers)


def away_from_zero(shape, lo=0.3, hi=2.0):
    def make(rng, dtype):
        return (rng.uniform(lo, hi, size=shape) * rng.choice([-1, 1], size=shape)).astype(dtype)
    return make


def off_integers(shape):
    """Values away from the jumps of floor/ceil/round, where finite differences are valid."""
    def make(rng, dtype):
        return (rng.integers(-3, 3, size=shape) + rng.uniform(0.1, 0.4, size=shape)).astype(dtype)
    return make


S, B1, B2, Z = (3, 4), (3, 1), (4,), ()
ROWS = []


def unary(name, lo=-2.0, hi=2.0, maker=None, np_name=None, **kw):
    f = getattr(fnp, name)
    ref = getattr(np, np_name or name)
    for shape in (S, Z):
        mk = maker(shape) if maker else _r(shape, lo, hi)
        ROWS.append(Row(f"{name}{list(shape)}", f, args_of(mk), np_ref=ref, **kw))


def binary(name, lo=-2.0, hi=2.0, lo2=None, hi2=None, maker=None, **kw):
    f = getattr(fnp, name)
    ref = getattr(np, name)
    for s1, s2 in ((S, S), (B1, B2), (S, Z)):
        m1 = maker(s1) if maker else _r(s1, lo, hi)
        m2 = maker(s2) if maker else _r(s2, lo if lo2 is None else lo2, hi if hi2 is None
                                        else hi2)
        ROWS.append(Row(f"{name}{list(s1)}{list(s2)}", f, args_of(m1, m2), np_ref=ref, **kw))


for n in ("exp", "tanh", "sin", "cos", "sinh", "cosh", "arctan", "arcsinh", "expm1"):
    unary(n)
unary("negative")
unary("positive")
unary("square")
unary("exp2")
unary("log", 0.2, 3.0)
unary("log2", 0.2, 3.0)
unary("log10", 0.2, 3.0)
unary("log1p", -0.5, 2.0)
unary("sqrt", 0.2, 3.0)
unary("cbrt", maker=away_from_zero)
unary("reciprocal", maker=away_from_zero)
unary("tan", -1.2, 1.2)
unary("arcsin", -0.8, 0.8)
unary("arccos", -0.8, 0.8)
unary("arccosh", 1.2, 3.0)
unary("arctanh", -0.8, 0.8)
unary("abs", maker=away_from_zero)
unary("absolute", maker=away_from_zero)
for n in ("sign", "floor", "ceil", "rint", "trunc", "round"):
    unary(n, maker=off_integers)

binary("add")
binary("subtract")
binary("multiply")
binary("divide", maker=away_from_zero)
binary("true_divide", maker=away_from_zero)
binary("power", 0.3, 2.0, -1.5, 1.5)
binary("maximum")
binary("minimum")
binary("fmax")
binary("fmin")
binary("arctan2", maker=away_from_zero)
binary("hypot", maker=away_from_zero)
binary("logaddexp")
binary("mod", 0.5, 3.0, 0.7, 1.3)

ROWS += [
    Row("where", lambda c, x, y: fnp.where(c > 0, x, y),
        args_of(_r(B1), _r(S), _r(B2)), np_ref=lambda c, x, y: np.where(c > 0, x, y)),
    Row("clip", lambda x: fnp.clip(x, -0.5, 0.7), args_of(_r(S)),
        np_ref=lambda x: np.clip(x, -0.5, 0.7)),
    Row("sum", lambda x: fnp.sum(x, axis=1), args_of(_r((2, 3, 4))),
        np_ref=lambda x: np.sum(x, axis=1)),
    Row("sum_keepdims", lambda x: fnp.sum(x, axis=(0, 2), keepdims=True),
        args_of(_r((2, 3, 4))), np_ref=lambda x: np.sum(x, axis=(0, 2), keepdims=True)),
    Row("mean", lambda x: fnp.mean(x, axis=-1), args_of(_r(S)),
        np_ref=lambda x: np.mean(x, axis=-1)),
    Row("mean0d", lambda x: fnp.mean(x), args_of(_r(Z)), np_ref=np.mean),
    Row("prod", lambda x: fnp.prod(x, axis=0), args_of(away_from_zero(S)),
        np_ref=lambda x: np.prod(x, axis=0)),
    Row("max", lambda x: fnp.max(x, axis=1), args_of(_r(S)), np_ref=lambda x: np.max(x, axis=1)),
    Row("min", lambda x: fnp.min(x), args_of(_r(S)), np_ref=np.min),
    Row("amax", lambda x: fnp.amax(x, axis=0), args_of(_r(S)),
        np_ref=lambda x: np.amax(x, axis=0)),
    Row("amin", lambda x: fnp.amin(x, axis=0), args_of(_r(S)),
        np_ref=lambda x: np.amin(x, axis=0)),
    Row("var", lambda x: fnp.var(x, axis=0, ddof=1), args_of(_r(S)),
        np_ref=lambda x: np.var(x, axis=0, ddof=1)),
    Row("std", lambda x: fnp.std(x, axis=1), args_of(_r(S)),
        np_ref=lambda x: np.std(x, axis=1)),
    Row("cumsum", lambda x: fnp.cumsum(x, axis=1), args_of(_r(S)),
        np_ref=lambda x: np.cumsum(x, axis=1)),
    Row("cumprod", lambda x: fnp.cumprod(x, axis=1), args_of(away_from_zero(S)),
        np_ref=lambda x: np.cumprod(x, axis=1)),
    Row("logsumexp", lambda x: __import__("funcgrad.scipy.special", fromlist=["x"]).logsumexp(
        x, axis=1), args_of(_r(S, -30, 30)),
        np_ref=lambda x: np.log(np.sum(np.exp(x - x.max(1, keepdims=True)), 1)) + x.max(1)),
    Row("expit", lambda x: __import__("funcgrad.scipy.special", fromlist=["x"]).expit(x),
        args_of(_r(S, -30, 30)), np_ref=lambda x: 1 / (1 + np.exp(-x))),
    Row("astype", lambda x: fnp.astype(x * 2.0, np.float64) * x, args_of(_r(S)),
        np_ref=lambda x: (x * 2.0).astype(np.float64) * x),
]
