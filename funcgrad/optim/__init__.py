"""Optax-style optimizers: pure ``(init, update)`` pairs over pytrees, composed with ``chain``.

>>> import numpy as np, funcgrad.optim as optim
>>> opt = optim.adam(0.1)
>>> params = {"w": np.ones(2)}
>>> state = opt.init(params)
>>> updates, state = opt.update({"w": np.array([1.0, -1.0])}, state, params)
>>> optim.apply_updates(params, updates)["w"].round(6).tolist()
[0.9, 1.1]
"""
from .schedules import constant, cosine_decay, exponential_decay, linear  # noqa: F401
from .transforms import (  # noqa: F401
    GradientTransformation,
    adagrad,
    adam,
    adamw,
    add_decayed_weights,
    apply_updates,
    chain,
    clip_by_global_norm,
    rmsprop,
    scale,
    scale_by_adam,
    scale_by_learning_rate,
    scale_by_rms,
    scale_by_rss,
    sgd,
    trace,
)
