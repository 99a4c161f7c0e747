"""funcgrad.scipy.special beyond the shared table: every primitive under jit in one compiled
function (SciPy's values, exactly), the extremes where a naive formula fails, derivatives
against closed forms SciPy evaluates independently, the errors users meet, and JAX."""
import numpy as np
import pytest
import scipy.special as ss
import scipy.stats as st
from peers import run_peer

import funcgrad as fg
import funcgrad.numpy as fnp
import funcgrad.scipy.special as fs

UNARY = {  # name: a range where the function is smooth and finite
    "gammaln": (0.1, 30.0), "gamma": (0.1, 6.0), "digamma": (0.1, 30.0),
    "rgamma": (-3.9, 6.0), "gammasgn": (-3.9, 6.0), "erf": (-4.0, 4.0), "erfc": (-4.0, 9.0),
    "erfcx": (-3.0, 30.0), "erfinv": (-0.999, 0.999), "erfcinv": (0.001, 1.999),
    "ndtr": (-9.0, 9.0),
    "ndtri": (0.001, 0.999), "log_ndtr": (-50.0, 9.0), "i0e": (-30.0, 30.0),
    "i1e": (-30.0, 30.0), "j0": (-30.0, 30.0), "j1": (-30.0, 30.0), "y0": (0.01, 30.0),
    "y1": (0.01, 30.0), "expi": (-20.0, 20.0), "exp1": (0.01, 20.0), "spence": (0.0, 10.0),
}
BINARY = {"betaln": (0.1, 20.0), "beta": (0.1, 6.0), "gammainc": (0.1, 20.0),
          "gammaincc": (0.1, 20.0)}


def _draws(lo, hi, n=64, seed=0):
    return np.random.default_rng(seed).uniform(lo, hi, n)


def _every_primitive(*xs):
    """Every special primitive once, on arguments in its range (xs in [0, 1]); only the first
    argument reaches a parameter with a derivative."""
    x = xs[0]
    outs = [getattr(fs, n)(lo + (hi - lo) * x) for n, (lo, hi) in UNARY.items()]
    outs += [getattr(fs, n)(lo + (hi - lo) * xs[1], lo + (hi - lo) * x)
             for n, (lo, hi) in BINARY.items()]
    outs.append(fs.betainc(0.1 + 5 * xs[1], 0.1 + 5 * xs[2], x))
    outs.append(fs.zeta(1.1 + 5 * xs[1], 0.1 + 5 * x))
    return fnp.stack(outs)


def _in_float64(name):
    """SciPy's function computed in float64, rounded to the arguments' dtype."""
    return lambda *a: getattr(ss, name)(*[np.float64(v) for v in a]).astype(a[0].dtype)


def _scipy_every(*xs):
    x = xs[0]
    outs = [_in_float64(n)(lo + (hi - lo) * x) for n, (lo, hi) in UNARY.items()]
    outs += [_in_float64(n)(lo + (hi - lo) * xs[1], lo + (hi - lo) * x)
             for n, (lo, hi) in BINARY.items()]
    outs.append(_in_float64("betainc")(0.1 + 5 * xs[1], 0.1 + 5 * xs[2], x))
    outs.append(_in_float64("zeta")(1.1 + 5 * xs[1], 0.1 + 5 * x))
    return np.stack(outs)


@pytest.mark.parametrize("dtype", ["float64", pytest.param("float32", marks=pytest.mark.slow)])
def test_every_primitive_under_jit_gives_scipys_values(dtype):
    xs = tuple(_draws(0.0, 1.0, seed=s).astype(dtype) for s in range(3))
    got = fg.jit(_every_primitive)(*xs)
    want = _scipy_every(*xs)
    assert got.dtype == want.dtype == dtype
    # SciPy's own compiled functions inside the loop: the same numbers (zeta: a few ulp)
    np.testing.assert_allclose(got, want, rtol=1e-14 if dtype == "float64" else 1e-6)
    np.testing.assert_allclose(_every_primitive(*xs), want,
                               rtol=1e-14 if dtype == "float64" else 1e-6)


@pytest.mark.slow  # ~25 s of compiling; make test checks the values under jit
def test_every_primitive_gradient_under_jit_equals_eager():
    xs = tuple(_draws(0.05, 0.95, seed=s) for s in range(3))

    def f(x):
        return fnp.sum(fnp.sin(_every_primitive(x, xs[1], xs[2])))
    g = fg.grad(f)
    np.testing.assert_allclose(fg.jit(g)(xs[0]), g(xs[0]), rtol=1e-12)


def test_zeta_kernel_matches_scipy_over_its_domain():
    rng = np.random.default_rng(3)
    s = np.concatenate([rng.uniform(1.0001, 60.0, 500), [1.0, 0.5, 2.0, 3.0, np.nan, np.inf]])
    q = np.concatenate([rng.uniform(-20.0, 1e4, 500), [1.0, 1.0, -1.0, -2.5, 1.0, 2.0]])
    want = ss.zeta(s, q)
    for got in (fs.zeta(s, q), fg.jit(fs.zeta)(s, q)):
        np.testing.assert_allclose(got, want, rtol=4e-15)
        assert np.array_equal(np.isnan(got), np.isnan(want))


# --- the extremes -----------------------------------------------------------------------------

EXTREMES = [
    ("log_ndtr", (-40.0,), -804.6084420137538),
    ("log_ndtr", (-1e5,), ss.log_ndtr(-1e5)),
    ("ndtri", (1e-300,), ss.ndtri(1e-300)),
    ("ndtri", (1.0 - 1e-16,), ss.ndtri(1.0 - 1e-16)),
    ("erfcinv", (1e-300,), ss.erfcinv(1e-300)),
    ("gammaln", (1e300,), ss.gammaln(1e300)),
    ("gammaln", (-2.5,), ss.gammaln(-2.5)),
    ("xlogy", (0.0, 0.0), 0.0),
    ("xlog1py", (0.0, -1.0), 0.0),
    ("entr", (0.0,), 0.0),
    ("entr", (-1.0,), -np.inf),
    ("betainc", (0.5, 200.0, 0.5), ss.betainc(0.5, 200.0, 0.5)),
    ("gammaincc", (3.0, 500.0), ss.gammaincc(3.0, 500.0)),
    ("i0e", (1e6,), ss.i0e(1e6)),
    ("rgamma", (-3.0,), 0.0),
    ("kl_div", (0.0, 0.0), 0.0),
    ("rel_entr", (1.0, 0.0), np.inf),
]


@pytest.mark.parametrize("name,args,want", EXTREMES, ids=[e[0] for e in EXTREMES])
def test_extreme_values(name, args, want):
    assert getattr(ss, name)(*args) == pytest.approx(want, rel=1e-15)  # the reference itself
    assert getattr(fs, name)(*args) == pytest.approx(want, rel=1e-14)


def test_extremes_under_jit():
    x = np.array([-40.0, -1e5, 0.0, 5.0])
    got = fg.jit(lambda x: (fs.log_ndtr(x), fs.ndtri(fnp.exp(x)), fs.entr(x)))(x)
    for g, w in zip(got, (ss.log_ndtr(x), ss.ndtri(np.exp(x)), ss.entr(x))):
        np.testing.assert_allclose(g, w, rtol=1e-14)


def test_logsumexp_of_minus_inf_rows_and_signs():
    a = np.array([[-np.inf, -np.inf], [0.0, np.log(2.0)]])
    np.testing.assert_array_equal(fs.logsumexp(a, axis=1), ss.logsumexp(a, axis=1))
    b = np.array([[1.0, 1.0], [1.0, -1.0]])
    out, sign = fs.logsumexp(a, axis=1, b=b, return_sign=True)
    want, wsign = ss.logsumexp(a, axis=1, b=b, return_sign=True)
    np.testing.assert_allclose(out, want)
    np.testing.assert_array_equal(sign[1:], wsign[1:])


def test_log_ndtr_derivative_is_finite_far_in_the_tail():
    for x, want in ((-40.0, 40.02496884720727), (-1e3, 1000.000999998),
                    (5.0, 1.4867199409049086e-06), (9.0, 1.0279773571668917e-18), (40.0, 0.0)):
        # the inverse Mills ratio pdf / cdf; at -1e3 its series |x| (1 + x^-2 - 2 x^-4 ...)
        assert fg.grad(fs.log_ndtr)(x) == pytest.approx(want, rel=1e-12)
        assert fg.jit(fg.grad(fs.log_ndtr))(x) == pytest.approx(want, rel=1e-12)
        assert np.isfinite(fg.grad(fg.grad(fs.log_ndtr))(x))


# --- derivatives against closed forms ---------------------------------------------------------

X = np.linspace(0.3, 4.0, 7)
U = np.linspace(0.05, 0.95, 7)
CLOSED_FORMS = [
    ("gammaln'", lambda x: fs.gammaln(x), X, lambda x: ss.psi(x)),
    ("digamma'", lambda x: fs.digamma(x), X, lambda x: ss.polygamma(1, x)),
    ("digamma''", lambda x: fs.polygamma(1, x), X, lambda x: ss.polygamma(2, x)),
    ("gamma'", lambda x: fs.gamma(x), X, lambda x: ss.gamma(x) * ss.psi(x)),
    ("erf'", lambda x: fs.erf(x), X - 2, lambda x: 2 / np.sqrt(np.pi) * np.exp(-x * x)),
    ("erfinv'", lambda x: fs.erfinv(x), U, lambda x: np.sqrt(np.pi) / 2 * np.exp(
        ss.erfinv(x) ** 2)),
    ("ndtri'", lambda x: fs.ndtri(x), U, lambda x: 1 / st.norm.pdf(ss.ndtri(x))),
    ("i0'", lambda x: fs.i0(x), X - 2, lambda x: ss.i1(x)),
    ("i1'", lambda x: fs.i1(x), X - 2, lambda x: ss.iv(1, x) * 0 + ss.ivp(1, x)),
    ("j0'", lambda x: fs.j0(x), X, lambda x: -ss.j1(x)),
    ("j1'", lambda x: fs.j1(x), X, lambda x: ss.jvp(1, x)),
    ("y1'", lambda x: fs.y1(x), X, lambda x: ss.yvp(1, x)),
    ("i1e'", lambda x: fs.i1e(x), X - 2, lambda x: ss.ivp(1, x) * np.exp(-abs(x))
     - np.sign(x) * ss.i1e(x)),
    ("expi'", lambda x: fs.expi(x), X, lambda x: np.exp(x) / x),
    ("spence'", lambda x: fs.spence(x), X, lambda x: np.log(x) / (1 - x)),
    ("betainc'", lambda x: fs.betainc(2.5, 0.7, x), U, lambda x: st.beta.pdf(x, 2.5, 0.7)),
    ("gammainc'", lambda x: fs.gammainc(2.5, x), X, lambda x: st.gamma.pdf(x, 2.5)),
    ("gammaincc'", lambda x: fs.gammaincc(2.5, x), X, lambda x: -st.gamma.pdf(x, 2.5)),
    ("zeta'_q", lambda q: fs.zeta(3.0, q), X, lambda q: -3 * ss.zeta(4.0, q)),
    ("betaln'_a", lambda a: fs.betaln(a, 1.5), X, lambda a: ss.psi(a) - ss.psi(a + 1.5)),
]


@pytest.mark.parametrize("name,f,x,deriv", CLOSED_FORMS, ids=[c[0] for c in CLOSED_FORMS])
def test_derivative_matches_closed_form(name, f, x, deriv):
    x = x[x != 1.0]
    want = deriv(x)
    np.testing.assert_allclose(fg.vmap(fg.grad(f))(x), want, rtol=1e-11)
    np.testing.assert_allclose(fg.jvp(f, (x,), (np.ones_like(x),))[1], want, rtol=1e-11)


def test_derivatives_at_removable_singularities():
    assert fg.grad(fs.j1)(0.0) == 0.5 and fg.grad(fs.i1e)(0.0) == 0.5
    assert fg.grad(fs.spence)(1.0) == -1.0
    assert fg.grad(lambda x: fs.xlogy(x, 3.0))(0.0) == pytest.approx(np.log(3.0))
    assert np.isnan(fg.grad(fs.rgamma)(-2.0))  # documented: nan at the poles


# --- errors -----------------------------------------------------------------------------------

SHAPE_DERIVATIVES = [
    ("gammainc", lambda a: fs.gammainc(a, 1.5), "a (the shape parameter)"),
    ("gammaincc", lambda a: fs.gammaincc(a, 1.5), "a (the shape parameter)"),
    ("betainc", lambda a: fs.betainc(a, 2.0, 0.3), "a (a shape parameter)"),
    ("betainc", lambda b: fs.betainc(2.0, b, 0.3), "b (a shape parameter)"),
    ("zeta", lambda s: fs.zeta(s, 1.5), "s (the exponent)"),
]


@pytest.mark.parametrize("name,f,what", SHAPE_DERIVATIVES, ids=[s[2][0] + s[0]
                                                               for s in SHAPE_DERIVATIVES])
def test_derivative_in_a_shape_parameter_raises(name, f, what):
    msg = f"{name}: the derivative with respect to {what} is not implemented"
    for transform in (fg.grad, lambda f: fg.jit(fg.grad(f)),
                      lambda f: (lambda x: fg.jvp(f, (x,), (1.0,)))):
        with pytest.raises(NotImplementedError, match=msg.replace("(", r"\(").replace(
                ")", r"\)")) as e:
            transform(f)(2.5)
        assert "test_special.py" in str(e.value) and "stop_gradient" in str(e.value)
    # held constant it is fine: the derivative in the others is the closed form
    assert fg.grad(lambda a: fs.betainc(2.0, 3.0, a))(0.3) == pytest.approx(
        st.beta.pdf(0.3, 2.0, 3.0), rel=1e-12)


def test_errors_for_unsupported_arguments():
    with pytest.raises(NotImplementedError, match=r"zeta\(x, q=None\).*pass q=1.0"):
        fs.zeta(2.0)
    with pytest.raises(TypeError, match="polygamma: n must be a concrete integer"):
        fg.grad(lambda n: fs.polygamma(n, 1.5))(1.0)
    with pytest.raises(ValueError, match="polygamma: n must be non-negative integers"):
        fs.polygamma(-1, 1.5)
    with pytest.raises(ValueError, match="polygamma: n must be non-negative integers"):
        fs.polygamma(1.5, 1.5)
    with pytest.raises(ValueError, match=r"multigammaln: a must be > \(d - 1\) / 2 = 1.0"):
        fs.multigammaln(0.9, 3)
    with pytest.raises(NotImplementedError, match="factorial.exact=True."):
        fs.factorial(5, exact=True)


# --- peers ------------------------------------------------------------------------------------

SHIFTED = ("erf", "erfc", "i0e", "i1e", "i0", "i1", "log_ndtr")  # drawn from X - 2
IN_01 = ("erfinv", "ndtri")  # drawn from U


def _peer_arg(name):
    return U if name in IN_01 else X - (2.0 if name in SHIFTED else 0.0)


def test_values_and_gradients_match_jax():
    names = ["gammaln", "digamma", "erf", "erfc", "erfinv", "ndtr", "ndtri", "log_ndtr",
             "i0e", "i1e", "i0", "i1", "entr"]
    code = f"""
    import jax, jax.numpy as jnp, jax.scipy.special as js
    for n in {names!r}:
        arg = I["u"] if n in {IN_01!r} else I["x"] - (2.0 if n in {SHIFTED!r} else 0.0)
        f = getattr(js, n)
        out[n] = f(arg)
        out[n + "_grad"] = jax.vmap(jax.grad(f))(arg)
    out["betainc_grad"] = jax.vmap(jax.grad(lambda t: js.betainc(2.5, 0.7, t)))(I["u"])
    out["gammainc_grad"] = jax.vmap(jax.grad(lambda t: js.gammainc(2.5, t)))(I["x"])
    out["polygamma"] = js.polygamma(2, I["x"])
    out["zeta"] = js.zeta(3.0, I["x"])
    out["multigammaln"] = js.multigammaln(I["x"] + 2.0, 3)
    """
    ref = run_peer(["jax"], code, x=X, u=U)
    for n in names:
        arg = _peer_arg(n)
        np.testing.assert_allclose(getattr(fs, n)(arg), ref[n], rtol=1e-12, err_msg=n)
        np.testing.assert_allclose(fg.vmap(fg.grad(getattr(fs, n)))(arg), ref[n + "_grad"],
                                   rtol=1e-10, err_msg=n)
    np.testing.assert_allclose(fg.vmap(fg.grad(lambda t: fs.betainc(2.5, 0.7, t)))(U),
                               ref["betainc_grad"], rtol=1e-10)
    np.testing.assert_allclose(fg.vmap(fg.grad(lambda t: fs.gammainc(2.5, t)))(X),
                               ref["gammainc_grad"], rtol=1e-10)
    np.testing.assert_allclose(fs.polygamma(2, X), ref["polygamma"], rtol=1e-12)
    np.testing.assert_allclose(fs.zeta(3.0, X), ref["zeta"], rtol=1e-12)
    np.testing.assert_allclose(fs.multigammaln(X + 2.0, 3), ref["multigammaln"], rtol=1e-12)
