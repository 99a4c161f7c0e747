"""FFTs under fg.jit (issue 12): NumPy called between compiled pieces, against rocket-fft (a
Numba extension implementing numpy.fft inside compiled code).

    .venv/bin/python benchmarks/fft_jit.py    # its rocket-fft part: pip install rocket-fft

The workload is a spectral loss of a 1024 x 1024 float64 signal and its gradient:
``sum(w * |rfft2(x)|**2)``, whose gradient is ``real(fft2(pad(2 w conj(rfft2(x)))))``.
Printed, best of 7 (ms): funcgrad's ``jit(value_and_grad)``; the same arithmetic hand-written
in NumPy (the floor for the callback design: its FFTs are the ones the runner calls); the same
in one Numba function with rocket-fft (the floor for compiling FFTs in); each FFT alone, and
rocket-fft's first-call cost (compile, or load from Numba's cache).

Measured on 2026-12-03 (2 cores shared with other jobs, load ~14: noisy), rocket-fft 0.4.1:

    fg.jit(value_and_grad), NumPy FFTs between pieces:    421.3
    the same by hand in NumPy:                            403.7
    np.fft.rfft2 alone:                                    83.9
    np.fft.fft2 alone (complex):                          189.4
    rocket-fft: first calls (compile or cache load):    73237.0
    the same in one Numba function with rocket-fft:       388.2
    rocket-fft rfft2 alone:                                31.5

So funcgrad calls NumPy: the step is within 4% of NumPy by hand and 9% of the all-compiled
version, which would add a dependency and a first compile of over a minute here (rocket-fft's
rfft2 alone is faster than NumPy's, but the step's time is in its complex fft2 and
elementwise work).
"""
import time

import numpy as np

import funcgrad as fg
import funcgrad.numpy as fnp

N = 1024
RNG = np.random.default_rng(0)
X = RNG.normal(size=(N, N))
W = RNG.uniform(size=(N, N // 2 + 1))


def loss(x, w):
    s = fnp.fft.rfft2(x)
    return fnp.sum(w * (fnp.real(s) ** 2 + fnp.imag(s) ** 2))


def by_hand(x, w):
    s = np.fft.rfft2(x)
    value = np.sum(w * (s.real ** 2 + s.imag ** 2))
    full = np.zeros(x.shape, np.complex128)
    full[:, :s.shape[1]] = 2.0 * w * np.conj(s)
    return value, np.fft.fft2(full).real


def best(f, *args, k=7):
    f(*args)
    times = []
    for _ in range(k):
        t = time.perf_counter()
        f(*args)
        times.append(time.perf_counter() - t)
    return 1e3 * min(times)


def rocket():
    """The rocket-fft functions, or None when it is not installed."""
    try:
        import numba
        import rocket_fft  # noqa: F401  (registers numpy.fft with Numba)
    except ImportError:
        return None

    @numba.njit(cache=True)
    def rfft2(x):
        return np.fft.rfft2(x)

    @numba.njit(cache=True)
    def compiled(x, w):
        s = np.fft.rfft2(x)
        value = np.sum(w * (s.real ** 2 + s.imag ** 2))
        full = np.zeros((x.shape[0], x.shape[1]), np.complex128)
        full[:, :s.shape[1]] = 2.0 * w * np.conj(s)
        return value, np.fft.fft2(full).real
    return rfft2, compiled


def main():
    step = fg.jit(fg.value_and_grad(loss))
    want = by_hand(X, W)
    got = step(X, W)
    assert np.allclose(got[0], want[0]) and np.allclose(got[1], want[1])
    print(f"spectral loss + gradient, {N}x{N} float64 (best of 7, ms)")
    print(f"  fg.jit(value_and_grad), NumPy FFTs between pieces: {best(step, X, W):8.1f}")
    print(f"  the same by hand in NumPy:                         {best(by_hand, X, W):8.1f}")
    print(f"  np.fft.rfft2 alone:                                {best(np.fft.rfft2, X):8.1f}")
    print(f"  np.fft.fft2 alone (complex):                       "
          f"{best(np.fft.fft2, X + 0j):8.1f}")
    rk = rocket()
    if rk is None:
        print("  rocket-fft: not installed")
        return
    rfft2, compiled = rk
    t = time.perf_counter()
    rfft2(X)
    compiled(X, W)
    print(f"  rocket-fft: first calls (compile or cache load):   "
          f"{1e3 * (time.perf_counter() - t):8.1f}")
    assert np.allclose(compiled(X, W)[1], want[1])
    print(f"  the same in one Numba function with rocket-fft:    {best(compiled, X, W):8.1f}")
    print(f"  rocket-fft rfft2 alone:                            {best(rfft2, X):8.1f}")


if __name__ == "__main__":
    main()
