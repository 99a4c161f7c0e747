"""The errors users meet: each says what was wrong, where in their code, and what to do."""
import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp

HERE = __file__.rsplit("/", 1)[-1]


def test_grad_of_non_scalar_output():
    with pytest.raises(TypeError) as e:
        fg.grad(lambda x: x * 2.0)(np.ones(3))
    msg = str(e.value)
    assert "scalar" in msg and "(3,)" in msg and "jacrev" in msg and "vjp" in msg


def test_grad_with_respect_to_integer_argument():
    with pytest.raises(TypeError) as e:
        fg.grad(lambda x, n: x * n, argnums=1)(2.0, 3)
    msg = str(e.value)
    assert "argument 1" in msg and "int" in msg and "float" in msg


def test_shape_mismatch_names_op_shapes_and_user_line():
    def f(x):
        return fnp.sum(x + np.ones(4))  # (3,) + (4,) cannot broadcast
    with pytest.raises(ValueError) as e:
        fg.grad(f)(np.ones(3))
    msg = str(e.value)
    assert "add" in msg and "(3,)" in msg and "(4,)" in msg and HERE in msg


def test_matmul_mismatch_names_shapes_and_line():
    with pytest.raises(ValueError) as e:
        fg.grad(lambda w: fnp.sum(np.ones((2, 3)) @ w))(np.ones((4, 5)))
    msg = str(e.value)
    assert "matmul" in msg and "(2, 3)" in msg and "(4, 5)" in msg and HERE in msg


def test_unsupported_numpy_function_is_named():
    with pytest.raises(NotImplementedError) as e:
        fg.grad(lambda x: np.sum(np.lib.stride_tricks.sliding_window_view(x, 2)))(np.ones(4))
    assert "sliding_window_view" in str(e.value)
    with pytest.raises(NotImplementedError) as e:
        fg.grad(lambda x: np.sum(np.trim_zeros(x)))(np.ones(4))
    assert "trim_zeros" in str(e.value) and HERE in str(e.value)


def test_cotangent_structure_mismatch():
    out, f_vjp = fg.vjp(lambda x: {"a": x, "b": 2.0 * x}, np.ones(2))
    with pytest.raises(ValueError) as e:
        f_vjp({"a": np.ones(2)})
    msg = str(e.value)
    assert "structure" in msg and "'b'" in msg
    with pytest.raises(ValueError) as e:
        f_vjp({"a": np.ones(3), "b": np.ones(2)})
    assert "(3,)" in str(e.value) and "(2,)" in str(e.value)


def test_bool_of_tracer_under_make_ir():
    def f(x):
        if x > 0:  # branching on an abstract value
            return x
        return -x
    with pytest.raises(fg.ConcretizationError) as e:
        fg.make_ir(f)(1.0)
    msg = str(e.value)
    assert f"{HERE}:" in msg and "cond" in msg and "static_argnums" in msg
    assert isinstance(e.value, TypeError)


def test_non_array_argument_says_type_and_which():
    with pytest.raises(TypeError) as e:
        fg.grad(lambda s: 1.0)("relu")
    assert "str" in str(e.value) and "argument 0" in str(e.value)
    # non-differentiated arguments are passed through untouched, as in JAX
    assert fg.grad(lambda x, s: x * len(s))(1.0, "relu") == 4.0
    with pytest.raises(TypeError) as e:
        fg.grad(lambda p: p["w"])({"w": 1.0, "act": object()})
    msg = str(e.value)
    assert "object" in msg and "argument 0" in msg


def test_grad_of_a_complex_output_needs_holomorphic():
    with pytest.raises(TypeError) as e:
        fg.grad(lambda x: fnp.sum(x))(np.ones(2, complex))
    assert "complex" in str(e.value) and "holomorphic=True" in str(e.value)


def test_np_asarray_of_tracer_is_refused():
    with pytest.raises(TypeError) as e:
        fg.grad(lambda x: float(np.asarray(x).sum()))(np.ones(2))
    assert "stop_gradient" in str(e.value)


def test_jvp_tangent_shape_mismatch():
    with pytest.raises(ValueError) as e:
        fg.jvp(fnp.sin, (np.ones(3),), (np.ones(2),))
    assert "(2,)" in str(e.value) and "(3,)" in str(e.value)


def test_has_aux_with_a_scalar_result_names_the_function_and_what_it_returned():
    def loss(x):
        return fnp.sum(x ** 2)
    with pytest.raises(TypeError) as e:
        fg.grad(loss, has_aux=True)(np.ones(2))
    msg = str(e.value)
    assert "loss must return a pair (output, aux)" in msg and "an array f64[]" in msg
    assert HERE in msg and "Tracer" not in msg


@pytest.mark.parametrize("make", [lambda f: fg.jit(f, static_argnums=3),
                                  lambda f: fg.make_ir(f, static_argnums=3)],
                         ids=["jit", "make_ir"])
def test_static_argnums_out_of_range_is_an_error(make):
    with pytest.raises(ValueError, match=r"static_argnums=3 is out of range for a call with 1 "
                                         r"positional argument") as e:
        make(lambda x: x * 2.0)(1.0)
    assert HERE in str(e.value)


def test_library_function_given_a_traced_value_names_it_the_user_line_and_the_fix():
    scipy_special = pytest.importorskip("scipy.special")
    with pytest.raises(fg.ConcretizationError) as e:
        fg.grad(lambda x: scipy_special.logsumexp(x))(np.ones(3))
    msg = str(e.value)
    assert msg.startswith("scipy.special.logsumexp (called at") and HERE in msg
    assert "Use funcgrad.scipy.special.logsumexp instead" in msg
    with pytest.raises(fg.ConcretizationError, match="scipy.special.logsumexp") as e:
        fg.jit(lambda x: scipy_special.logsumexp(x))(np.ones(3))
    assert HERE in str(e.value) and "site-packages" not in str(e.value).split("(called at")[1]


def test_scipy_ufunc_on_a_traced_value_names_it_and_suggests_funcgrads():
    scipy_special = pytest.importorskip("scipy.special")
    with pytest.raises(NotImplementedError) as e:
        fg.grad(lambda x: fnp.sum(scipy_special.expit(x)))(np.ones(3))
    msg = str(e.value)
    assert msg.startswith("scipy.special.expit is not supported") and HERE in msg
    assert "Use funcgrad.scipy.special.expit instead" in msg


def test_unsupported_numpy_function_is_named_as_the_user_wrote_it():
    with pytest.raises(NotImplementedError, match=r"^np\.lib\.stride_tricks\."
                       r"sliding_window_view is not supported") as e:
        fg.grad(lambda x: fnp.sum(np.lib.stride_tricks.sliding_window_view(x, 2)))(np.eye(2))
    assert HERE in str(e.value)


def test_errors_suggest_names_that_exist():
    with pytest.raises(fg.ConcretizationError) as e:
        fg.jit(lambda x: x if x > 0 else -x)(1.0)
    msg = str(e.value)
    assert "fnp.where" in msg and "fg.where" not in msg
    assert hasattr(fnp, "where") and hasattr(fg, "cond")


def test_argmax_of_an_empty_axis_is_numpys_error_with_the_shape_and_line():
    # compiled, the kernel would read past the array (and answered 0 before this check)
    for f, name in ((lambda x: fnp.argmax(x, axis=1), "argmax"), (fnp.argmin, "argmin")):
        with pytest.raises(ValueError) as e:
            fg.jit(f)(np.ones((3, 0)))
        msg = str(e.value)
        assert f"attempt to get {name} of an empty sequence" in msg and "has no elements" in msg
        assert HERE in msg
    with pytest.raises(ValueError, match=r"shape \(3, 0\)"):
        fg.jit(lambda x: fnp.argmax(x, axis=1))(np.ones((3, 0)))
    np.testing.assert_array_equal(fg.jit(lambda x: fnp.argmax(x, axis=0))(np.ones((3, 0))),
                                  np.argmax(np.ones((3, 0)), axis=0))  # an empty result
