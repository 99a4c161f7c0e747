"""The coverage list (issue 12): every name of jax.numpy, jax.numpy.linalg and jax.numpy.fft is
supported by funcgrad or raises NotImplementedError with a reason; supported functions run on a
small input against NumPy (a smoke table); docs/numpy.md is the page tools/numpy_doc.py writes.

Names other engineers are adding are simply "not implemented yet" until they land."""
import importlib.util
import pathlib

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.core.interpret import eval_ir
from funcgrad.numpy import _coverage

ROOT = pathlib.Path(__file__).resolve().parent.parent


def _tool():
    spec = importlib.util.spec_from_file_location("numpy_doc", ROOT / "tools" / "numpy_doc.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.parametrize("space", ["numpy", "numpy.linalg", "numpy.fft"])
def test_every_jax_name_is_supported_or_says_why(space):
    module = fnp
    for part in space.split(".")[1:]:
        module = getattr(module, part, None)
    names = _coverage.NAMES[space]
    assert len(names) > 10
    for name in names:
        if module is not None and hasattr(module, name):
            continue
        with pytest.raises(NotImplementedError) as info:
            getattr(module if module is not None else fnp, name if module is not None
                    else space.split(".")[1])
        message = str(info.value)
        assert "is not supported: " in message and "used at " in message, message
        assert isinstance(info.value, AttributeError)  # hasattr stays False


def test_the_reason_comes_from_the_table_and_names_the_user_line():
    with pytest.raises(NotImplementedError, match=r"funcgrad.numpy.put is not supported: it "
                       r"mutates .* \(used at .*test_coverage.py:\d+\)"):
        fnp.put
    with pytest.raises(NotImplementedError, match="bfloat16 .* ml_dtypes"):
        fnp.bfloat16
    assert not hasattr(fnp, "frompyfunc") and getattr(fnp, "put", 7) == 7
    with pytest.raises(AttributeError, match="has no attribute 'no_such_name'") as info:
        fnp.no_such_name
    assert not isinstance(info.value, NotImplementedError)
    assert _coverage.reason("numpy", "some_future_name") == "not implemented yet"


def test_a_later_function_is_simply_supported(monkeypatch):
    """A name defined in the module never reaches __getattr__: another engineer's function
    appears as supported once merged, without touching the list."""
    assert "fft" in _coverage.NAMES["numpy"]
    monkeypatch.setattr(fnp, "trim_zeros", lambda x: x, raising=False)
    assert _tool().status("numpy")["trim_zeros"] is None


def test_counts_cover_the_list():
    st = _tool().status("numpy")
    supported = sum(r is None for r in st.values())
    assert len(st) == len(_coverage.NAMES["numpy"]) and supported >= 300


def test_docs_page_is_current():
    want = _tool().render()
    got = (ROOT / "docs" / "numpy.md").read_text()
    assert got == want, "docs/numpy.md is stale: run .venv/bin/python tools/numpy_doc.py"
    assert "`prepare`" not in got and "`cast_value`" not in got and "`Tracer`" not in got


X = np.array([[-1.5, 0.25, 2.0], [3.0, -0.5, 0.75]])
P = np.abs(X) + 0.5
I = np.array([[12, -18, 0], [7, 21, 5]])
# name -> arguments: the function against NumPy's of that name, eagerly and traced (make_ir)
SMOKE = {
    "copysign": (X, -X), "nextafter": (X, 0.0), "spacing": (X,), "signbit": (X,),
    "ldexp": (X, I), "frexp": (X,), "modf": (X,), "nan_to_num": (X * np.inf,),
    "isposinf": (X * np.inf,), "isneginf": (X * np.inf,), "fabs": (X,), "deg2rad": (X,),
    "rad2deg": (X,), "sinc": (X,), "logaddexp2": (X, P), "heaviside": (X, 0.5),
    "float_power": (P, X), "fmod": (X, P), "divmod": (X, P), "gcd": (I, 8), "lcm": (I, 6),
    "remainder": (I, 5), "floor_divide": (I, 4), "isreal": (X,), "iscomplex": (X,),
    "diff": (X,), "ediff1d": (X,), "gradient": (X,), "trapezoid": (X,), "unwrap": (X,),
    "convolve": (X[0], X[1]), "correlate": (X[0], X[1]), "polyval": (X[0], X),
    "polyder": (X[0],), "polyint": (X[0],), "poly": (X[0],), "vander": (X[0],),
    "cross": (X, P), "kron": (X, P), "rollaxis": (X, 1), "append": (X, P),
    "resize": (X, (4, 4)), "array_equal": (X, X), "array_equiv": (X, X[:1]),
    "ndim": (X,), "shape": (X,), "size": (X,), "tril": (X,), "triu": (X,),
    "roll": (X, (1, 2), (0, 1)), "flip": (X,), "rot90": (X,), "around": (X, 1),
    "clip": (X, None, 1.0), "isclose": (X, P), "allclose": (X, X), "exp2": (X,),
    "log2": (P,), "log10": (P,), "cbrt": (X,), "square": (X,), "reciprocal": (P,),
    "positive": (X,), "hypot": (X, P), "cumulative_sum": (X[0],),
    "atleast_3d": (X,), "diagflat": (X,), "count_nonzero": (X,),
}


@pytest.mark.parametrize("name", sorted(SMOKE))
def test_smoke_table_matches_numpy(name):
    assert hasattr(fnp, name), f"{name} is in the smoke table but not in funcgrad.numpy"
    args = SMOKE[name]
    with np.errstate(all="ignore"):
        want = getattr(np, name)(*args)
        got = getattr(fnp, name)(*args)
    check = lambda got: [np.testing.assert_allclose(g, w, rtol=1e-12, atol=0)
                         for g, w in zip(fg.tree_leaves(got), fg.tree_leaves(want), strict=True)]
    check(got)
    if name in ("ndim", "shape", "size", "array_equal", "array_equiv"):
        return  # Python values, or False before any tracing for other shapes
    pos = [i for i, a in enumerate(args) if isinstance(a, np.ndarray)]

    def call(*arrays):  # the array arguments traced, the others as they are
        full = list(args)
        for i, a in zip(pos, arrays):
            full[i] = a
        return getattr(fnp, name)(*full)
    arrays = [args[i] for i in pos]
    ir = fg.make_ir(call)(*arrays)
    with np.errstate(all="ignore"):
        check(eval_ir(ir, ir.consts, arrays))
