"""Table rows for funcgrad.numpy.fft (see primitive_table.py).

As in table_complex.py, rows take real arrays and return real ones: a complex input is
``x + 1j * y`` and a complex result is returned as its real and imaginary parts stacked. The
closed forms (the Jacobian of ``fft`` is the DFT matrix), every ``norm``, ``n``/``s`` and the
errors are in tests/test_fft.py.
"""
import numpy as np
from primitive_table import Row

import funcgrad.numpy as fnp

ROWS = []


def _r(shape):
    return lambda rng, dtype: rng.uniform(-1.0, 1.0, size=shape).astype(dtype)


def _out(ns, v):
    return ns.stack([ns.real(v), ns.imag(v)]) if np.iscomplexobj(v) else v


def _row(name, f, shape, complex_input=True):
    """A row of ``f(ns, a)``, ``ns`` being fnp or np, on a complex (or real) ``a`` of
    ``shape``."""
    if complex_input:
        def fun(x, y, ns=fnp):
            return _out(ns, f(ns, x + 1j * y))
        args = lambda rng, dtype: (_r(shape)(rng, dtype), _r(shape)(rng, dtype))  # noqa: E731
        ref = lambda x, y: fun(x, y, np)  # noqa: E731
    else:
        def fun(x, ns=fnp):
            return _out(ns, f(ns, x))
        args = lambda rng, dtype: (_r(shape)(rng, dtype),)  # noqa: E731
        ref = lambda x: fun(x, np)  # noqa: E731
    ROWS.append(Row(f"fft_{name}", fun, args, np_ref=ref, rtol=1e-5, atol=1e-6))


_row("fft", lambda ns, a: ns.fft.fft(a), (3, 6))
_row("fft_real_n", lambda ns, a: ns.fft.fft(a, n=7, axis=0, norm="ortho"), (5, 2), False)
_row("ifft", lambda ns, a: ns.fft.ifft(a, n=4, norm="forward"), (2, 6))
_row("rfft", lambda ns, a: ns.fft.rfft(a, norm="ortho"), (3, 7), False)
_row("irfft", lambda ns, a: ns.fft.irfft(a, n=8), (2, 5))
_row("irfft_odd", lambda ns, a: ns.fft.irfft(a, n=7, axis=0), (4, 2))
_row("hfft_ihfft", lambda ns, a: ns.fft.hfft(a, n=6) + ns.real(ns.fft.ihfft(ns.real(a), n=10)),
     (2, 4))
_row("fft2", lambda ns, a: ns.fft.fft2(a, s=(3, 5)), (4, 4))
_row("ifftn", lambda ns, a: ns.fft.ifftn(a, axes=(1, 0), norm="ortho"), (3, 4))
_row("rfftn", lambda ns, a: ns.fft.rfftn(a, axes=(0, 1)), (2, 3, 4), False)
_row("irfft2", lambda ns, a: ns.fft.irfft2(a, s=(3, 6), norm="forward"), (3, 4))
_row("fftshift", lambda ns, a: ns.fft.fftshift(a) * ns.fft.ifftshift(a, axes=0), (3, 4))
