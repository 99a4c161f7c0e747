"""Learning-rate schedules: functions of the step count, traceable (usable inside jit)."""
import numpy as np

from .. import numpy as fnp


def constant(value):
    """``value`` at every step.

    >>> float(constant(0.1)(7))
    0.1
    """
    return lambda count: fnp.asarray(value, np.float64) + 0.0 * count


def exponential_decay(init_value, transition_steps, decay_rate, staircase=False,
                      end_value=None):
    """``init_value * decay_rate ** (count / transition_steps)`` (floored with ``staircase``).

    >>> float(exponential_decay(1.0, 10, 0.5)(20))
    0.25
    """
    def schedule(count):
        p = fnp.asarray(count, np.float64) / transition_steps
        if staircase:
            p = fnp.floor(p)
        v = init_value * fnp.power(float(decay_rate), p)
        if end_value is not None:
            v = fnp.maximum(v, end_value) if decay_rate < 1 else fnp.minimum(v, end_value)
        return v
    return schedule


def cosine_decay(init_value, decay_steps, alpha=0.0):
    """Cosine decay from ``init_value`` to ``alpha * init_value`` over ``decay_steps``.

    >>> float(cosine_decay(1.0, 10)(10))
    0.0
    """
    def schedule(count):
        t = fnp.minimum(fnp.asarray(count, np.float64), float(decay_steps)) / decay_steps
        cos = 0.5 * (1.0 + fnp.cos(np.pi * t))
        return init_value * ((1.0 - alpha) * cos + alpha)
    return schedule


def linear(init_value, end_value, transition_steps):
    """Linear from ``init_value`` to ``end_value`` over ``transition_steps``, then constant.

    >>> float(linear(1.0, 0.1, 100)(50))
    0.55
    """
    def schedule(count):
        t = fnp.minimum(fnp.asarray(count, np.float64), float(transition_steps))
        return init_value + (end_value - init_value) * t / transition_steps
    return schedule
