"""Learning-rate schedules, under Optax's names: functions of the step count, traceable (usable
inside jit), accepted wherever a learning rate is. The short names of earlier versions
(``constant``, ``cosine_decay``, ``linear``) remain as aliases."""
import numpy as np

from .. import numpy as fnp
from ..errors import user_frame


def _steps(name, what, value):
    if not value > 0:
        raise ValueError(f"{name}: {what} must be a positive number of steps, got {value!r} "
                         f"(at {user_frame()})")
    return value


def _float(count):
    return fnp.astype(fnp.asarray(count), np.float64)


def constant_schedule(value):
    """``value`` at every step.

    >>> float(constant_schedule(0.1)(7))
    0.1
    """
    return lambda count: fnp.asarray(value, np.float64) + 0.0 * count


def exponential_decay(init_value, transition_steps, decay_rate, transition_begin=0,
                      staircase=False, end_value=None):
    """``init_value * decay_rate ** ((count - transition_begin) / transition_steps)`` after
    ``transition_begin`` (``init_value`` before it); the exponent is floored with
    ``staircase``, and the value bounded by ``end_value`` (a floor when decaying, a ceiling
    when growing).

    >>> float(exponential_decay(1.0, 10, 0.5)(20))
    0.25
    >>> float(exponential_decay(1.0, 10, 0.5, transition_begin=5, staircase=True)(24))
    0.5
    """
    _steps("exponential_decay", "transition_steps", transition_steps)
    if decay_rate <= 0:
        raise ValueError(f"exponential_decay: decay_rate must be positive, got {decay_rate!r} "
                         f"(at {user_frame()})")

    def schedule(count):
        elapsed = _float(count) - transition_begin
        p = elapsed / transition_steps
        if staircase:
            p = fnp.floor(p)
        v = fnp.where(elapsed <= 0, float(init_value),
                      init_value * fnp.power(float(decay_rate), p))
        if end_value is not None:
            v = fnp.maximum(v, end_value) if decay_rate < 1 else fnp.minimum(v, end_value)
        return v
    return schedule


def cosine_decay_schedule(init_value, decay_steps, alpha=0.0, exponent=1.0):
    """Cosine decay from ``init_value`` to ``alpha * init_value`` over ``decay_steps``:
    ``init_value * ((1 - alpha) * c ** exponent + alpha)``, ``c = (1 + cos(pi * t)) / 2``.

    >>> float(cosine_decay_schedule(1.0, 10)(10))
    0.0
    """
    _steps("cosine_decay_schedule", "decay_steps", decay_steps)

    def schedule(count):
        t = fnp.minimum(_float(count), float(decay_steps)) / decay_steps
        cos = 0.5 * (1.0 + fnp.cos(np.pi * t))
        return init_value * ((1.0 - alpha) * cos ** exponent + alpha)
    return schedule


def linear_schedule(init_value, end_value, transition_steps, transition_begin=0):
    """Constant ``init_value`` until ``transition_begin``, then linear to ``end_value`` over
    ``transition_steps``, then constant.

    >>> float(linear_schedule(1.0, 0.1, 100)(50))
    0.55
    """
    _steps("linear_schedule", "transition_steps", transition_steps)

    def schedule(count):
        t = fnp.clip(_float(count) - transition_begin, 0.0, float(transition_steps))
        return init_value + (end_value - init_value) * (t / transition_steps)
    return schedule


def join_schedules(schedules, boundaries):
    """``schedules[i]`` from ``boundaries[i - 1]`` on, each counting from its boundary.

    >>> s = join_schedules([constant_schedule(1.0), linear_schedule(1.0, 0.0, 4)], [10])
    >>> [float(s(c)) for c in (9, 10, 12)]
    [1.0, 1.0, 0.5]
    """
    if len(schedules) != len(boundaries) + 1:
        raise ValueError(f"join_schedules: {len(schedules)} schedules need "
                         f"{len(schedules) - 1} boundaries, got {len(boundaries)} "
                         f"(at {user_frame()})")

    def schedule(count):
        out = schedules[0](count)
        for boundary, later in zip(boundaries, schedules[1:]):
            out = fnp.where(count < boundary, out, later(count - boundary))
        return out
    return schedule


def warmup_cosine_decay_schedule(init_value, peak_value, warmup_steps, decay_steps,
                                 end_value=0.0, exponent=1.0):
    """Linear warm-up from ``init_value`` to ``peak_value`` over ``warmup_steps``, then cosine
    decay to ``end_value``; ``decay_steps`` counts the warm-up too, as in Optax.

    >>> s = warmup_cosine_decay_schedule(0.0, 1.0, 10, 110)
    >>> [round(float(s(c)), 6) for c in (5, 10, 60, 110)]
    [0.5, 1.0, 0.5, 0.0]
    """
    if not decay_steps > warmup_steps:
        raise ValueError(f"warmup_cosine_decay_schedule: decay_steps ({decay_steps}) counts "
                         f"the warm-up, so it must exceed warmup_steps ({warmup_steps}) "
                         f"(at {user_frame()})")
    alpha = 0.0 if peak_value == 0 else end_value / peak_value
    warmup = (linear_schedule(init_value, peak_value, warmup_steps) if warmup_steps > 0
              else constant_schedule(peak_value))
    return join_schedules(
        [warmup, cosine_decay_schedule(peak_value, decay_steps - warmup_steps, alpha, exponent)],
        [warmup_steps])


def piecewise_constant_schedule(init_value, boundaries_and_scales=None):
    """``init_value``, multiplied by ``scale`` from each ``boundary`` step on
    (``{boundary: scale}``).

    >>> s = piecewise_constant_schedule(1.0, {10: 0.1, 20: 0.5})
    >>> [float(s(c)) for c in (9, 10, 25)]
    [1.0, 0.1, 0.05]
    """
    items = sorted((boundaries_and_scales or {}).items())
    if any(scale < 0 for _, scale in items):
        raise ValueError(f"piecewise_constant_schedule: scales must be non-negative, got "
                         f"{dict(items)} (at {user_frame()})")

    def schedule(count):
        v = fnp.asarray(init_value, np.float64) + 0.0 * _float(count)
        for boundary, scale in items:
            v = fnp.where(count < boundary, v, v * scale)
        return v
    return schedule


constant = constant_schedule
cosine_decay = cosine_decay_schedule
linear = linear_schedule
