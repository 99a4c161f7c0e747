"""FUNCGRAD_DEBUG_NANS / fg.debug_nans: the first primitive that makes a NaN or inf from finite
inputs raises, naming it, the user's line and the pass (forward or backward)."""
import os
import subprocess
import sys

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp


def loss(x):
    return fnp.sum(fnp.sqrt(x) * 2.0)  # d/dx at 0 is inf: the backward pass makes it


def test_off_by_default_nans_flow_through():
    with np.errstate(divide="ignore"):
        assert np.isinf(fg.grad(loss)(np.array([0.0, 1.0]))[0])


def test_forward_pass_names_primitive_and_line():
    with fg.debug_nans(), pytest.raises(FloatingPointError) as info:
        fnp.log(np.array([1.0, -1.0]))
    msg = str(info.value)
    assert msg.startswith("log produced nan") and "forward pass" in msg
    assert "test_debug_nans.py" in msg


@pytest.mark.parametrize("wrap", [lambda f: f, fg.jit], ids=["eager", "jit"])
def test_backward_pass_names_the_equation_and_where_it_was_recorded(wrap):
    with fg.debug_nans(), pytest.raises(FloatingPointError) as info:
        wrap(fg.grad(loss))(np.array([0.0, 1.0]))
    msg = str(info.value)
    assert "derivative of sqrt produced inf" in msg and "backward pass" in msg
    assert f"test_debug_nans.py:{loss.__code__.co_firstlineno + 1}" in msg


def test_jit_forward_is_rerun_without_jit_to_find_the_primitive():
    f = fg.jit(lambda x: fnp.sum(fnp.log(x)))
    with fg.debug_nans(), pytest.raises(FloatingPointError, match="log produced nan"):
        f(np.array([1.0, -2.0]))


def test_non_finite_inputs_are_not_blamed_and_the_flag_is_restored():
    with fg.debug_nans():
        assert np.isnan(fnp.exp(np.array([np.nan]))[0])
        assert fg.grad(loss)(np.array([4.0, 1.0])).tolist() == [0.5, 1.0]
        with fg.debug_nans(False):
            with np.errstate(divide="ignore"):
                fg.grad(loss)(np.array([0.0]))
        with pytest.raises(FloatingPointError):
            fg.grad(loss)(np.array([0.0]))
    with np.errstate(divide="ignore"):
        fg.grad(loss)(np.array([0.0]))


def test_environment_variable_turns_it_on_for_the_process():
    code = ("import numpy as np, funcgrad as fg, funcgrad.numpy as fnp\n"
            "fg.grad(lambda x: fnp.sum(fnp.sqrt(x)))(np.zeros(2))\n")
    env = dict(os.environ, FUNCGRAD_DEBUG_NANS="1")
    r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert r.returncode != 0 and "FloatingPointError: the derivative of sqrt" in r.stderr
