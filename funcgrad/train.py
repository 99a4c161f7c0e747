"""``fit``: the training loop, one jit-compiled step (loss, gradient, optimizer update) per
mini-batch, with a progress bar, a history, a stop on NaN/inf, and Ctrl-C returning the
parameters trained so far."""
import time

import numpy as np

from . import random as fr
from .ad import value_and_grad
from .api import jit
from .data import batches
from .errors import user_frame
from .optim import apply_updates


class NonFiniteLossError(ValueError):
    """The loss became NaN or infinite during training."""


def make_step(loss_fn, optimizer):
    """The compiled training step ``(params, opt_state, *batch) -> (params, opt_state, loss)``.

    >>> import funcgrad.optim as optim
    >>> step = make_step(lambda p, x: ((p - x) ** 2).sum(), optim.sgd(0.25))
    >>> p, s, loss = step(np.zeros(2), optim.sgd(0.25).init(np.zeros(2)), np.ones(2))
    >>> p.tolist(), float(loss)
    ([0.5, 0.5], 2.0)
    """
    def step(params, opt_state, *batch):
        loss, grads = value_and_grad(loss_fn)(params, *batch)
        updates, opt_state = optimizer.update(grads, opt_state, params)
        return apply_updates(params, updates), opt_state, loss

    return jit(step)


def fit(loss_fn, params, optimizer, data, *, epochs, batch_size, key=None, progress=True,
        metrics=None):
    """Train ``params`` to minimize ``loss_fn(params, *batch)`` over mini-batches of ``data``.

    ``data`` is a tuple of arrays split along axis 0 (shuffled each epoch when ``key`` is
    given). ``metrics`` maps names to functions of ``params`` evaluated after each epoch.
    Returns ``(params, history)`` with ``history["loss"]`` per step, each metric per epoch,
    ``history["epoch_time"]`` and ``history["interrupted"]``.

    >>> import funcgrad.optim as optim
    >>> X = np.linspace(-1, 1, 20)[:, None]; y = 3.0 * X
    >>> loss = lambda w, x, t: ((x * w - t) ** 2).mean()
    >>> w, hist = fit(loss, np.zeros(1), optim.sgd(0.5), (X, y), epochs=30, batch_size=20,
    ...               progress=False)
    >>> round(float(w[0]), 3)
    3.0
    """
    if not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"train.fit: batch_size must be a whole number >= 1, got "
                         f"{batch_size!r} (at {user_frame()}).")
    if not isinstance(epochs, (int, np.integer)) or epochs < 0:
        raise ValueError(f"train.fit: epochs must be a whole number >= 0, got {epochs!r} "
                         f"(at {user_frame()}).")
    data = tuple(np.asarray(d) for d in data)
    return loop(make_step(loss_fn, optimizer), params, optimizer.init(params),
                lambda k: batches(*data, batch_size=batch_size, key=k), epochs=epochs,
                steps_per_epoch=-(-len(data[0]) // batch_size), key=key, progress=progress,
                metrics=metrics)


def loop(step, params, opt_state, epoch_batches, *, epochs, steps_per_epoch, key=None,
         progress=True, metrics=None):
    """``fit``'s loop, for a ``step`` that computes elsewhere (``funcgrad.distributed.fit``).

    Each epoch runs ``step(params, opt_state, *batch) -> (params, opt_state, loss)`` over the
    batches of ``epoch_batches(epoch_key)`` (``epoch_key`` None without a ``key``), keeping
    the history, the progress bar and the stop on a NaN/inf loss of ``fit``.

    >>> step = lambda p, s, x: (p + float(x.sum()), s, p)
    >>> p, hist = loop(step, 0.0, None, lambda k: [(np.ones(2),)] * 3, epochs=2,
    ...                steps_per_epoch=3, progress=False)
    >>> p, hist["loss"]
    (12.0, [0.0, 2.0, 4.0, 6.0, 8.0, 10.0])
    """
    history = {"loss": [], "epoch_time": [], "interrupted": False}
    for name in metrics or {}:
        history[name] = []
    bar = progress_bar(epochs * steps_per_epoch, progress)
    last_finite, k = None, 0
    try:
        for epoch in range(epochs):
            t0 = time.perf_counter()
            ekey = fr.fold_in(key, epoch) if key is not None else None
            for batch in epoch_batches(ekey):
                new_params, new_state, loss = step(params, opt_state, *batch)
                loss = float(loss)
                if not np.isfinite(loss):
                    before = ("it was never finite" if last_finite is None else
                              f"the last finite loss was {last_finite}")
                    raise NonFiniteLossError(
                        f"the loss became {loss} at step {k} (epoch {epoch}); {before}. Lower "
                        "the learning rate, clip gradients (optim.clip_by_global_norm) or check "
                        "the data for NaN/inf.")
                params, opt_state, last_finite = new_params, new_state, loss
                history["loss"].append(loss)
                k += 1
                if bar is not None:
                    bar.update(1)
                    bar.set_postfix(loss=f"{loss:.4g}", refresh=False)
            history["epoch_time"].append(time.perf_counter() - t0)
            for name, fn in (metrics or {}).items():
                history[name].append(float(fn(params)))
    except KeyboardInterrupt:
        history["interrupted"] = True
    finally:
        if bar is not None:
            bar.close()
    return params, history


def progress_bar(total, enabled, unit="step"):
    """A tqdm progress bar of ``total`` units, or None when not ``enabled`` or without tqdm.

    >>> progress_bar(10, enabled=False) is None
    True
    """
    if not enabled:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    return tqdm(total=total, unit=unit, leave=False)
