"""Special functions under jit: SciPy's compiled scalar functions inside the fused loop (what
funcgrad.scipy.special does) against the same primitives evaluated by NumPy/SciPy between
compiled pieces (what a primitive without a compiled form gets), and against SciPy eagerly.

Workloads: the negative log-likelihood of N points, value and gradient in the parameters, of
a Student-t (special functions of the parameters only), a negative binomial (gammaln per point)
and a probit model (log_ndtr per point). Medians of interleaved rounds (this machine is shared).

    python benchmarks/special.py            # N = 1e6
    python benchmarks/special.py --n 100000
"""
import argparse
import time

import numpy as np
import scipy.stats

import funcgrad as fg
import funcgrad.numpy as fnp
import funcgrad.scipy.stats as fst
from funcgrad.core.primitive import Primitive
from funcgrad.ops import special as sp


def _uncompiled(prim):
    """``prim`` with no lowering record: under jit the runner evaluates it with SciPy between
    compiled pieces."""
    return Primitive(prim.name + "_between_pieces", impl=prim.impl,
                     abstract_eval=prim.abstract_eval, jvp=prim.jvp, vjp=prim.vjp,
                     batch=prim.batch, register=False)


def _swap(mapping):
    """Swap the primitives of ops.special for their uncompiled twins while tracing."""
    class Swap:
        def __enter__(self):
            self.saved = {n: getattr(sp, n) for n in mapping}
            for n, p in mapping.items():
                setattr(sp, n, p)

        def __exit__(self, *exc):
            for n, p in self.saved.items():
                setattr(sp, n, p)
    return Swap()


def student_t_nll(theta, x, P):
    """Special functions only of the parameters (gammaln(df / 2)): the points need log1p."""
    return -fnp.sum(fst.t.logpdf(x, theta[0], theta[1], fnp.exp(theta[2])))


def nbinom_nll(theta, k, P):
    """A negative-binomial likelihood: gammaln(n + k) per point, digamma in its gradient."""
    n, p = fnp.exp(theta[0]), 1.0 / (1.0 + fnp.exp(-theta[1]))
    return -fnp.sum(P["gammaln_p"].bind(n + k) - P["gammaln_p"].bind(n + 0.0 * k)
                    + n * fnp.log(p) + k * fnp.log1p(-p))


def probit_nll(theta, x, P):
    """A probit likelihood: log_ndtr per point, and its derivative (erfcx) in the gradient."""
    return -fnp.sum(P["log_ndtr_p"].bind(theta[0] + theta[1] * x))


def _median_time(fn, rounds=7):
    fn()
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    n = ap.parse_args().n
    rng = np.random.default_rng(0)
    x_t = rng.standard_t(4.0, size=n) * 1.5 + 0.3
    theta_t = np.array([4.0, 0.3, 0.4])
    names = ("gammaln_p", "digamma_p", "zeta_p", "log_ndtr_p", "erfcx_p", "ndtr_p")
    compiled = {name: getattr(sp, name) for name in names}
    between = {name: _uncompiled(p) for name, p in compiled.items()}
    k = rng.poisson(rng.gamma(3.0, 1.0, size=n)).astype(np.float64)
    rows = []
    for label, f, theta, x, ref in (
            ("Student-t", student_t_nll, theta_t, x_t,
             lambda: -np.sum(scipy.stats.t.logpdf(x_t, 4.0, 0.3, np.exp(0.4)))),
            ("negative binomial", nbinom_nll, np.array([1.1, 0.2]), k, None),
            ("probit", probit_nll, np.array([0.1, 0.8]), x_t, None)):
        fused = fg.jit(fg.value_and_grad(lambda th, x, f=f: f(th, x, compiled)))
        with _swap(between):  # derivative rules look the primitives up when they run
            slow = fg.jit(fg.value_and_grad(lambda th, x, f=f: f(th, x, between)))
            slow(theta, x)
        assert np.allclose(fused(theta, x)[0], slow(theta, x)[0], rtol=1e-12)
        assert np.allclose(fused(theta, x)[1], slow(theta, x)[1], rtol=1e-10)
        with _swap(between):
            t_slow = _median_time(lambda: slow(theta, x))
        rows.append((label, _median_time(lambda: fused(theta, x)), t_slow,
                     _median_time(ref) if ref else float("nan")))
    print(f"N = {n}: value and gradient of the negative log-likelihood (median seconds)")
    print("| workload | jit, SciPy's functions in the loop | jit, SciPy between pieces | "
          "scipy.stats value only |")
    print("|---|---|---|---|")
    for label, a, b, c in rows:
        print(f"| {label} | {a:.4f} | {b:.4f} | {c:.4f} |")


if __name__ == "__main__":
    main()
