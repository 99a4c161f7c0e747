"""Optax-style optimizers: pure ``(init, update)`` pairs over pytrees, composed with ``chain``.

>>> import numpy as np, funcgrad.optim as optim
>>> opt = optim.adam(0.1)
>>> params = {"w": np.ones(2)}
>>> state = opt.init(params)
>>> updates, state = opt.update({"w": np.array([1.0, -1.0])}, state, params)
>>> optim.apply_updates(params, updates)["w"].round(6).tolist()
[0.9, 1.1]
"""
from .base import EmptyState, GradientTransformation, tree_select, tree_zeros_like  # noqa: F401
from .schedules import (  # noqa: F401
    constant,
    constant_schedule,
    cosine_decay,
    cosine_decay_schedule,
    exponential_decay,
    join_schedules,
    linear,
    linear_schedule,
    piecewise_constant_schedule,
    warmup_cosine_decay_schedule,
)
from .transforms import (  # noqa: F401
    adagrad,
    adam,
    adamw,
    add_decayed_weights,
    apply_updates,
    chain,
    clip_by_global_norm,
    lion,
    nadam,
    rmsprop,
    scale,
    scale_by_adam,
    scale_by_learning_rate,
    scale_by_lion,
    scale_by_rms,
    scale_by_rss,
    sgd,
    trace,
)
from .wrappers import (  # noqa: F401
    ApplyIfFiniteState,
    MaskedState,
    MultiSteps,
    MultiStepsState,
    apply_if_finite,
    masked,
)
