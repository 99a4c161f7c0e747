"""Fit the polynomials of the vectorizable math kernels (funcgrad/backend/kernels.py).

Each kernel reduces its argument to a small interval and evaluates one polynomial there:
``_expm1_tail`` (e^r - 1 = r + r^2 P(r)), ``_log1p_reduced`` (log(1 + f) = 2s + s z Q(z),
z = s^2), ``_sin_poly`` (sin r = r + r z p(z)), ``_cos_poly`` (cos r = 1 - z/2 + z^2 q(z)),
``_atan_tail`` (atan r = r + r z a(z), |r| <= 7/16), ``_asin_tail`` (asin r = r + r z p(z),
|r| <= 1/2), ``powf_``'s log in two parts (log(1 + f) = 2s + (2/3) s^3 + s z^2 p(z)), and
float32's ``_atan_parts32`` (atan r, |r| <= 1) and ``log_f32_`` (log(1 + f) = f - f^2/2 +
f^3 p(f)).
A minimax fit needs fewer terms than the Taylor series for the same accuracy, and each term
saved is one fused multiply-add and one constant less in every loop that calls the kernel.

The fit minimises the largest relative error of the kernel's *result* (not of the polynomial
itself), by Lawson's iteratively reweighted least squares on Chebyshev nodes, in 60-digit
arithmetic (mpmath). The error printed is that of the result with the coefficients rounded to
double, against the exact function, on a grid of 3000 points: the kernels' own rounding comes
on top (``tests/test_kernels.py`` measures the kernels themselves).

    .venv/bin/pip install mpmath
    .venv/bin/python tools/fit_polynomials.py            # every polynomial
    .venv/bin/python tools/fit_polynomials.py sin 5 6    # one, at degrees 5 and 6
"""
import sys

import mpmath as mp

mp.mp.dps = 60
TINY = mp.mpf("1e-25")  # stands for 0, where the functions below are 0/0


def _nz(u):
    return u if u != 0 else TINY


def _root(z):
    return mp.sqrt(_nz(z))


# name: (the polynomial's exact values g(u), the interval of u, the result from u and the
# polynomial's value, the exact result, the degree used in kernels.py)
POLYNOMIALS = {
    "expm1": (lambda r: (mp.expm1(_nz(r)) - _nz(r)) / _nz(r) ** 2, (-0.3466, 0.3466),
              lambda r, p: r + r * r * p, lambda r: mp.expm1(_nz(r)), 10),
    "log": (lambda z: 2 * (mp.atanh(_root(z)) / _root(z) - 1) / _nz(z), (0.0, 0.0295),
            lambda z, p: 2 * _root(z) + _root(z) * z * p, lambda z: 2 * mp.atanh(_root(z)), 6),
    "sin": (lambda z: (mp.sin(_root(z)) - _root(z)) / (_root(z) * _nz(z)), (0.0, 0.617),
            lambda z, p: _root(z) + _root(z) * z * p, lambda z: mp.sin(_root(z)), 5),
    "cos": (lambda z: (mp.cos(_root(z)) - 1 + _nz(z) / 2) / _nz(z) ** 2, (0.0, 0.617),
            lambda z, p: 1 - z / 2 + z * z * p, lambda z: mp.cos(_root(z)), 5),
    "atan": (lambda z: (mp.atan(_root(z)) - _root(z)) / (_root(z) * _nz(z)), (0.0, 0.19141),
             lambda z, p: _root(z) + _root(z) * z * p, lambda z: mp.atan(_root(z)), 11),
    "asin": (lambda z: (mp.asin(_root(z)) - _root(z)) / (_root(z) * _nz(z)), (0.0, 0.25),
             lambda z, p: _root(z) + _root(z) * z * p, lambda z: mp.asin(_root(z)), 12),
    # ``powf_``'s log in two parts: log(1 + f) = 2s + (2/3) s^3 + s z^2 p(z), z = s^2 (the
    # kernel carries the s^3 term in two parts)
    "logdd": (lambda z: (2 * mp.atanh(_root(z)) / _root(z) - 2 - 2 * _nz(z) / 3) / _nz(z) ** 2,
              (0.0, 0.0295), lambda z, p: 2 * _root(z) + _root(z) * (2 * z / 3 + z * z * p),
              lambda z: 2 * mp.atanh(_root(z)), 6),
    # float32 (``_atan_parts32``): atan r = r + r z p(z) on [0, 1], one interval
    "atan32": (lambda z: (mp.atan(_root(z)) - _root(z)) / (_root(z) * _nz(z)), (0.0, 1.0),
               lambda z, p: _root(z) + _root(z) * z * p, lambda z: mp.atan(_root(z)), 8),
    # float32 (``log_f32_``): log(1 + f) = f - f^2/2 + f^3 p(f) on log's whole reduced
    # interval, with no division
    "log32": (lambda f: (mp.log1p(_nz(f)) - _nz(f) + _nz(f) ** 2 / 2) / _nz(f) ** 3,
              (-0.29290, 0.41422), lambda f, p: f - f * f / 2 + f ** 3 * p,
              lambda f: mp.log1p(_nz(f)), 7),
}


def _horner(coeffs, u):
    p = mp.mpf(0)
    for c in reversed(coeffs):
        p = p * u + mp.mpf(c)
    return p


def _result_weight(name, u):
    """How an error of the polynomial at ``u`` reaches the result, relative to the result:
    the derivative of the result by the polynomial's value, divided by the result."""
    _, _, result, exact, _ = POLYNOMIALS[name]
    return abs(result(u, 1) - result(u, 0)) / abs(exact(u))


def fit(name, degree, nodes=300, rounds=60):
    """The coefficients (lowest first, in 60 digits) minimising the result's relative error."""
    g, (lo, hi), _, _, _ = POLYNOMIALS[name]
    lo, hi = mp.mpf(lo), mp.mpf(hi)
    us = [(lo + hi) / 2 + (hi - lo) / 2 * mp.cos(mp.pi * i / (nodes - 1)) for i in range(nodes)]
    targets = [g(u) for u in us]
    weights = [_result_weight(name, _nz(u)) for u in us]
    lawson = [mp.mpf(1) / nodes] * nodes
    for _ in range(rounds):
        a, b = mp.matrix(nodes, degree + 1), mp.matrix(nodes, 1)
        for i, u in enumerate(us):
            s = mp.sqrt(lawson[i]) * weights[i]
            for j in range(degree + 1):
                a[i, j] = u ** j * s
            b[i] = targets[i] * s
        coeffs = mp.qr_solve(a, b)[0]
        errors = [weights[i] * abs(_horner(coeffs, u) - targets[i]) for i, u in enumerate(us)]
        total = sum(w * e for w, e in zip(lawson, errors))
        lawson = [w * e / total for w, e in zip(lawson, errors)]
    return list(coeffs)


def result_error(name, coeffs, points=3000):
    """log2 of the largest relative error of the result, coefficients rounded to double."""
    _, (lo, hi), result, exact, _ = POLYNOMIALS[name]
    rounded = [float(c) for c in coeffs]
    worst = mp.mpf(0)
    for i in range(points + 1):
        u = mp.mpf(lo) + (mp.mpf(hi) - mp.mpf(lo)) * i / points
        if u != 0:
            worst = max(worst, abs(result(u, _horner(rounded, u)) / exact(u) - 1))
    return float(mp.log(worst, 2))


def main(argv):
    names = argv[:1] or list(POLYNOMIALS)
    for name in names:
        degrees = [int(d) for d in argv[1:]] or [POLYNOMIALS[name][4]]
        for degree in degrees:
            coeffs = fit(name, degree)
            print(f"{name}, degree {degree}: result's relative error "
                  f"2^{result_error(name, coeffs):.1f}")
            print("   ", ", ".join(repr(float(c)) for c in coeffs))


if __name__ == "__main__":
    main(sys.argv[1:])
