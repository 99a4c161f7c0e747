"""Table rows for funcgrad.scipy.special (see primitive_table.py), checked against SciPy.

Shape parameters that are not differentiated (gammainc's ``a``, betainc's ``a`` and ``b``,
zeta's exponent, polygamma's order) are constants of the row's function, so that the shared
checks differentiate only the arguments that have derivatives.
"""
import numpy as np
import scipy.special as ss
from primitive_table import Row
from table_math import args_of, away_from_zero, off_integers

import funcgrad.scipy.special as fs

S, Z = (3, 4), ()
CONST = np.random.default_rng(7)
A = CONST.uniform(0.7, 3.0, size=S)  # shape parameters, held constant
B = CONST.uniform(0.7, 3.0, size=S)
ORDERS = CONST.integers(0, 4, size=S)
EXPONENTS = CONST.uniform(1.5, 4.0, size=S)


def _r(shape, lo, hi):
    return lambda rng, dtype: rng.uniform(lo, hi, size=shape).astype(dtype)


def _rows(name, fun, ref, makers_of_shape, shapes=(S, Z), **kw):
    return [Row(f"special.{name}{list(s)}", fun, args_of(*makers_of_shape(s)), np_ref=ref, **kw)
            for s in shapes]


def unary(name, lo, hi, maker=None, **kw):
    mk = (lambda s: (maker(s),)) if maker else (lambda s: (_r(s, lo, hi),))
    return _rows(name, getattr(fs, name), getattr(ss, name), mk, **kw)


def binary(name, lo, hi, lo2, hi2, **kw):
    return _rows(name, getattr(fs, name), getattr(ss, name),
                 lambda s: (_r(s, lo, hi), _r(s, lo2, hi2)), **kw)


ROWS = [
    *unary("gammaln", 0.3, 4.0), *unary("gamma", 0.3, 4.0), *unary("digamma", 0.3, 4.0),
    *unary("rgamma", 0.3, 4.0), *unary("gammaln", -2.9, -2.1, shapes=(S,)),
    *unary("erf", -2.0, 2.0), *unary("erfc", -2.0, 2.0), *unary("erfcx", -2.0, 5.0),
    *unary("erfinv", -0.9, 0.9),
    *unary("erfcinv", 0.1, 1.9), *unary("ndtr", -3.0, 3.0), *unary("ndtri", 0.05, 0.95),
    *unary("log_ndtr", -12.0, 3.0),
    *unary("i0", 0, 0, maker=lambda s: away_from_zero(s, 0.2, 3.0)),
    *unary("i1", 0, 0, maker=lambda s: away_from_zero(s, 0.2, 3.0)),
    *unary("i0e", 0, 0, maker=lambda s: away_from_zero(s, 0.2, 3.0)),
    *unary("i1e", 0, 0, maker=lambda s: away_from_zero(s, 0.2, 3.0)),
    *unary("j0", -5.0, 5.0), *unary("j1", -5.0, 5.0), *unary("y0", 0.5, 5.0),
    *unary("y1", 0.5, 5.0), *unary("expi", 0.2, 3.0), *unary("expi", -3.0, -0.2, shapes=(S,)),
    *unary("exp1", 0.2, 3.0), *unary("spence", 0.2, 3.0), *unary("entr", 0.2, 3.0),
    *unary("factorial", 0.2, 4.0),
    *unary("gammasgn", 0, 0, maker=lambda s: off_integers(s), grad=False),
    *binary("betaln", 0.5, 4.0, 0.5, 4.0), *binary("beta", 0.5, 4.0, 0.5, 4.0),
    *binary("xlogy", -2.0, 2.0, 0.2, 3.0), *binary("xlog1py", -2.0, 2.0, -0.8, 3.0),
    *binary("kl_div", 0.2, 3.0, 0.2, 3.0), *binary("rel_entr", 0.2, 3.0, 0.2, 3.0),
    *binary("pseudo_huber", 0.3, 2.0, -2.0, 2.0),
    *_rows("gammainc", lambda x: fs.gammainc(A, x), lambda x: ss.gammainc(A, x),
           lambda s: (_r(S, 0.2, 4.0),), shapes=(S,)),
    *_rows("gammaincc", lambda x: fs.gammaincc(2.5, x), lambda x: ss.gammaincc(2.5, x),
           lambda s: (_r(s, 0.2, 4.0),)),
    *_rows("betainc", lambda x: fs.betainc(A, B, x), lambda x: ss.betainc(A, B, x),
           lambda s: (_r(S, 0.05, 0.95),), shapes=(S,)),
    *_rows("betainc_scalar_ab", lambda x: fs.betainc(2.0, 3.5, x),
           lambda x: ss.betainc(2.0, 3.5, x), lambda s: (_r(s, 0.05, 0.95),)),
    *_rows("zeta", lambda q: fs.zeta(EXPONENTS, q), lambda q: ss.zeta(EXPONENTS, q),
           lambda s: (_r(S, 0.5, 3.0),), shapes=(S,)),
    *_rows("polygamma", lambda x: fs.polygamma(ORDERS, x), lambda x: ss.polygamma(ORDERS, x),
           lambda s: (_r(S, 0.5, 3.0),), shapes=(S,)),
    *_rows("polygamma2", lambda x: fs.polygamma(2, x), lambda x: ss.polygamma(2, x),
           lambda s: (_r(s, 0.5, 3.0),), shapes=(Z,)),
    *_rows("multigammaln", lambda a: fs.multigammaln(a, 3), lambda a: ss.multigammaln(a, 3),
           lambda s: (_r(s, 1.5, 4.0),), shapes=(Z,)),
    *_rows("huber", lambda r: fs.huber(1.0, r), lambda r: ss.huber(1.0, r),
           lambda s: (away_from_zero(s, 1.2, 2.0),)),
    *_rows("huber_inside", lambda r: fs.huber(2.5, r), lambda r: ss.huber(2.5, r),
           lambda s: (_r(s, -2.0, 2.0),), shapes=(S,)),
    *_rows("logsumexp_b", lambda a, b: fs.logsumexp(a, axis=1, b=b),
           lambda a, b: ss.logsumexp(a, axis=1, b=b),
           lambda s: (_r(S, -30.0, 30.0), _r(S, 0.2, 2.0)), shapes=(S,)),
    *_rows("logsumexp_sign", lambda a, b: fs.logsumexp(a, axis=0, b=b, return_sign=True)[0],
           lambda a, b: ss.logsumexp(a, axis=0, b=b, return_sign=True)[0],
           lambda s: (_r(S, -3.0, 3.0), _r(S, -2.0, -0.2)), shapes=(S,)),
    *_rows("softmax", lambda x: fs.softmax(x, axis=1), lambda x: ss.softmax(x, axis=1),
           lambda s: (_r(S, -5.0, 5.0),), shapes=(S,)),
    *_rows("log_softmax", lambda x: fs.log_softmax(x), lambda x: ss.log_softmax(x),
           lambda s: (_r(S, -5.0, 5.0),), shapes=(S,)),
]
