"""``check_grads``: compare forward- and reverse-mode derivatives with finite differences.

Complex arguments get complex directions (finite differences in the real and the imaginary
directions at once), and reverse mode is checked through JAX's pairing of cotangents and
tangents, ``Re(sum(ct * t))`` (``funcgrad/ops/complex.py``)."""
import numpy as np

from . import tree as pytree
from .ad import jvp, vjp
from .core.tracing import get_aval

_DEFAULT_EPS = {np.dtype(np.float64): 1e-4, np.dtype(np.float32): 3e-2}
_DEFAULT_TOL = {np.dtype(np.float64): 1e-5, np.dtype(np.float32): 2e-2}


def _rand_like(rng, x):
    a = get_aval(x)
    v = rng.standard_normal(a.shape)
    if a.dtype.kind == "c":
        v = v + 1j * rng.standard_normal(a.shape)
    return np.asarray(v, a.dtype)


def _wide(x):
    """``x`` in float64, or complex128 if it is complex."""
    x = np.asarray(x)
    return np.asarray(x, np.complex128 if x.dtype.kind == "c" else np.float64)


def _inner(a, b):
    return float(np.real(np.sum(_wide(a) * _wide(b))))


def _tree_inner(a, b):
    return sum(_inner(x, y) for x, y in zip(pytree.tree_leaves(a), pytree.tree_leaves(b)))


def _tree_axpy(alpha, x, y):
    return pytree.tree_map(lambda u, v: np.asarray(v + alpha * _wide(u), get_aval(v).dtype),
                           x, y)


def _assert_close(name, got, want, atol, rtol, argdesc):
    err = abs(got - want)
    if not err <= atol + rtol * abs(want):
        raise AssertionError(
            f"check_grads: {name} derivative of {argdesc} disagrees with finite differences: "
            f"got {got!r}, expected {want!r} (difference {err:.3g}, tolerance "
            f"{atol + rtol * abs(want):.3g}).")


def check_grads(fun, args, order=2, modes=("fwd", "rev"), atol=None, rtol=None, eps=None):
    """Check ``fun``'s derivatives up to ``order`` against central finite differences along
    random directions, in forward mode (``"fwd"``) and/or reverse mode (``"rev"``).

    Raises ``AssertionError`` naming the mode, order and the disagreeing values.

    >>> import funcgrad.numpy as fnp
    >>> check_grads(lambda x: fnp.sum(fnp.tanh(x) ** 2), (np.linspace(-1, 1, 5),), order=2)
    """
    args = tuple(args)
    leaves = pytree.tree_leaves(args)
    dtypes = [get_aval(x).dtype for x in leaves] or [np.dtype(np.float64)]
    low = np.dtype(np.float32) if any(d in (np.float32, np.complex64) for d in dtypes) \
        else np.dtype(np.float64)
    eps = eps if eps is not None else _DEFAULT_EPS[low]
    atol = atol if atol is not None else _DEFAULT_TOL[low]
    rtol = rtol if rtol is not None else _DEFAULT_TOL[low]
    rng = np.random.default_rng(0)

    def numeric_jvp(f, xs, v):
        plus = f(*_tree_axpy(eps, v, xs))
        minus = f(*_tree_axpy(-eps, v, xs))
        return pytree.tree_map(lambda p, m: (_wide(p) - _wide(m)) / (2 * eps), plus, minus)

    desc = f"{getattr(fun, '__name__', 'the function')} at arguments of shapes " + ", ".join(
        str(get_aval(x).shape) for x in leaves)
    v = pytree.tree_map(lambda x: _rand_like(rng, x), args)
    expected = numeric_jvp(fun, args, v)
    if "fwd" in modes:
        _, t_out = jvp(fun, args, v)
        for i, (g, w) in enumerate(zip(pytree.tree_leaves(t_out), pytree.tree_leaves(expected))):
            g, w = _wide(g), _wide(w)
            worst = int(np.argmax(np.abs(g - w))) if g.size else 0
            if g.size and not np.allclose(g, w, atol=atol, rtol=rtol):
                raise AssertionError(
                    f"check_grads: forward-mode (JVP) derivative of order 1"
                    f" of {desc} disagrees with finite differences in output leaf {i}, worst "
                    f"entry {np.unravel_index(worst, g.shape)}: got {g.flat[worst]!r}, "
                    f"expected {w.flat[worst]!r}.")
    if "rev" in modes:
        out, f_vjp = vjp(fun, *args)
        u = pytree.tree_map(lambda o: _rand_like(rng, o), out)
        cts = f_vjp(u)
        _assert_close("reverse-mode (VJP)", _tree_inner(cts, v), _tree_inner(u, expected),
                      atol, rtol, desc)
    if order > 1:
        def directional(*xs):
            return jvp(fun, xs, v)[1]
        check_grads(directional, args, order - 1, modes, atol, rtol, eps)
        if "fwd" in modes and "rev" in modes:
            # forward over reverse (what fg.hessian computes), which reverse-over-forward does
            # not exercise: the derivative of the gradient of 0.5 * <u2, fun(x) ** 2>. (A fixed
            # cotangent would leave it zero for linear functions, however wrong their rules.)
            u2 = pytree.tree_map(lambda o: _rand_like(rng, o), fun(*args))

            def cotangent(*xs):
                out, f_vjp = vjp(fun, *xs)
                return f_vjp(pytree.tree_map(lambda u, o: u * o, u2, out))
            check_grads(cotangent, args, order - 1, ("fwd",), atol, rtol, eps)
