import numpy as np
import pytest

import funcgrad.nn as nn
import funcgrad.optim as optim
import funcgrad.random as fr
from funcgrad import train

X = np.linspace(-1, 1, 40)[:, None]
Y = 3.0 * X + 0.5


def linreg(p, x, y):
    return nn.mse(x @ p["w"] + p["b"], y)


def params0():
    return {"w": np.zeros((1, 1)), "b": np.zeros(1)}


def test_fit_converges_and_records_history():
    p, h = train.fit(linreg, params0(), optim.adam(0.1), (X, Y), epochs=60, batch_size=8,
                     key=fr.key(0), progress=False,
                     metrics={"mse": lambda p: linreg(p, X, Y)})
    assert p["w"][0, 0] == pytest.approx(3.0, abs=1e-2) and p["b"][0] == pytest.approx(0.5,
                                                                                      abs=1e-2)
    assert len(h["loss"]) == 60 * 5 and len(h["mse"]) == 60 and len(h["epoch_time"]) == 60
    assert h["mse"][-1] < 1e-4 and not h["interrupted"]


def test_shuffling_is_deterministic_under_a_key():
    runs = [train.fit(linreg, params0(), optim.sgd(0.1), (X, Y), epochs=2, batch_size=8,
                      key=fr.key(5), progress=False)[1]["loss"] for _ in range(2)]
    assert runs[0] == runs[1]
    other = train.fit(linreg, params0(), optim.sgd(0.1), (X, Y), epochs=2, batch_size=8,
                      key=fr.key(6), progress=False)[1]["loss"]
    assert other != runs[0]


def test_nan_loss_stops_with_step_and_last_finite_loss():
    with pytest.raises(train.NonFiniteLossError) as e:
        train.fit(linreg, params0(), optim.sgd(1e3), (X, Y * 1e3), epochs=50, batch_size=40,
                  progress=False)
    msg = str(e.value)
    assert "step" in msg and "last finite loss" in msg and "learning rate" in msg
    Xn = X.copy()
    Xn[:, 0] = np.nan  # NaN from the first step: no finite loss to report
    with pytest.raises(train.NonFiniteLossError, match=r"at step 0 \(epoch 0\); it was never "
                                                       "finite"):
        train.fit(linreg, params0(), optim.sgd(0.1), (Xn, Y), epochs=1, batch_size=8,
                  progress=False)


def test_ctrl_c_returns_params_so_far():
    calls = []

    def metric(p):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return 0.0

    p, h = train.fit(linreg, params0(), optim.sgd(0.1), (X, Y), epochs=10, batch_size=40,
                     progress=False, metrics={"m": metric})
    assert h["interrupted"] and len(h["loss"]) == 3 and p["w"][0, 0] != 0.0


@pytest.mark.parametrize("bad", [{"batch_size": 0}, {"batch_size": 2.5}, {"epochs": -1}])
def test_fit_refuses_bad_sizes_with_a_clear_error(bad):
    kw = dict(epochs=1, batch_size=4, progress=False) | bad
    name = next(iter(bad))
    with pytest.raises(ValueError, match=f"train.fit: {name} must be a whole number"):
        train.fit(lambda w, x: (x * w).mean(), np.zeros(1), optim.sgd(0.1),
                  (np.ones((8, 1)),), **kw)
