"""Neural-network helpers: pure functions and ``(init, apply)`` pairs over pytrees.

>>> import funcgrad.nn as nn, funcgrad.random as fr
>>> params = nn.init_mlp(fr.key(0), [2, 16, 1])
>>> nn.mlp(params, np.zeros((5, 2))).shape
(5, 1)
"""
import numpy as np

from . import numpy as fnp
from . import random as fr
from .errors import user_frame
from .scipy.special import expit, logsumexp
from .tree import tree_leaves

# --- initializers: functions of (key, shape, dtype) -------------------------------------------


def glorot_uniform(key, shape, dtype=np.float64):
    """Uniform in ``±sqrt(6 / (fan_in + fan_out))`` (Glorot & Bengio).

    >>> float(abs(glorot_uniform(fr.key(0), (2, 3))).max()) <= (6 / 5) ** 0.5
    True
    """
    fan_in, fan_out = shape[0], shape[-1]
    lim = float(np.sqrt(6.0 / (fan_in + fan_out)))
    return fr.uniform(key, shape, dtype, -lim, lim)


def glorot_normal(key, shape, dtype=np.float64):
    """Normal with variance ``2 / (fan_in + fan_out)``.

    >>> glorot_normal(fr.key(0), (4, 4)).shape
    (4, 4)
    """
    return fr.normal(key, shape, dtype) * np.asarray(np.sqrt(2.0 / (shape[0] + shape[-1])),
                                                     dtype)


def he_normal(key, shape, dtype=np.float64):
    """Normal with variance ``2 / fan_in`` (He et al.), for ReLU networks.

    >>> he_normal(fr.key(0), (4, 4)).dtype
    dtype('float64')
    """
    return fr.normal(key, shape, dtype) * np.asarray(np.sqrt(2.0 / shape[0]), dtype)


def zeros(key, shape, dtype=np.float64):
    """Zeros (the key is unused; the signature matches the other initializers).

    >>> zeros(None, (2,)).tolist()
    [0.0, 0.0]
    """
    return np.zeros(shape, dtype)


# --- activations ------------------------------------------------------------------------------

def relu(x):
    """``max(x, 0)``, with derivative 0 at 0 (as PyTorch and JAX).

    >>> relu(np.array([-1.0, 2.0])).tolist()
    [0.0, 2.0]
    """
    x = fnp.asarray(x)
    return fnp.where(x > 0, x, 0.0)


def sigmoid(x):
    """The logistic function, stable for large ``|x|``.

    >>> float(sigmoid(0.0))
    0.5
    """
    return expit(x)


tanh = fnp.tanh


def softplus(x):
    """``log(1 + exp(x))`` without overflow.

    >>> round(float(softplus(0.0)), 6)
    0.693147
    """
    return fnp.logaddexp(x, 0.0)


def gelu(x, approximate=True):
    """Gaussian error linear unit (the tanh approximation, as JAX's default).

    >>> float(gelu(0.0))
    0.0
    """
    x = fnp.asarray(x)
    c = float(np.sqrt(2.0 / np.pi))
    return 0.5 * x * (1.0 + fnp.tanh(c * (x + 0.044715 * x * x * x)))


def silu(x):
    """``x * sigmoid(x)`` (the SiLU, also called swish).

    >>> silu(np.array([0.0, 1.0])).round(6).tolist()
    [0.0, 0.731059]
    """
    x = fnp.asarray(x)
    return x * expit(x)


swish = silu


def leaky_relu(x, negative_slope=0.01):
    """``x`` where ``x >= 0``, else ``negative_slope * x`` (derivative 1 at 0, as JAX).

    >>> leaky_relu(np.array([-2.0, 3.0])).tolist()
    [-0.02, 3.0]
    """
    x = fnp.asarray(x)
    return fnp.where(x >= 0, x, negative_slope * x)


def elu(x, alpha=1.0):
    """``x`` where ``x > 0``, else ``alpha * (exp(x) - 1)``.

    >>> elu(np.array([-1.0, 2.0])).round(6).tolist()
    [-0.632121, 2.0]
    """
    x = fnp.asarray(x)
    # expm1 sees only the non-positive side: expm1 of a large positive x would overflow, and
    # the unselected inf would turn the gradient into nan (0 * inf)
    negative = fnp.where(x > 0, 0.0, x)
    return fnp.where(x > 0, x, alpha * fnp.expm1(negative))


def log_sigmoid(x):
    """``log(sigmoid(x)) = -softplus(-x)``, finite for every finite ``x``.

    >>> float(log_sigmoid(-1000.0))
    -1000.0
    """
    return -softplus(-fnp.asarray(x))


def relu6(x):
    """``min(max(x, 0), 6)``; its derivative is 0 at both kinks, as JAX's.

    >>> relu6(np.array([-1.0, 3.0, 9.0])).tolist()
    [0.0, 3.0, 6.0]
    """
    x = fnp.asarray(x)
    edge = fnp.astype(fnp.where(x >= 6, 6.0, 0.0), x.dtype)
    return fnp.where((x > 0) & (x < 6), x, edge)


def log_softmax(x, axis=-1):
    """``x - logsumexp(x)`` along ``axis``, stable for large logits.

    >>> np.exp(log_softmax(np.array([1000.0, 1000.0]))).round(12).tolist()
    [0.5, 0.5]
    """
    return x - logsumexp(x, axis=axis, keepdims=True)


def softmax(x, axis=-1):
    """Normalized exponentials along ``axis``.

    >>> softmax(np.array([0.0, 0.0])).tolist()
    [0.5, 0.5]
    """
    return fnp.exp(log_softmax(x, axis))


def standardize(x, axis=-1, mean=None, variance=None, epsilon=1e-5, where=None):
    """``(x - mean) / sqrt(variance + epsilon)`` along ``axis``; the mean and variance are
    computed from ``x`` (over the entries where ``where`` is True) unless given.

    >>> standardize(np.array([1.0, 3.0]), epsilon=0.0).tolist()
    [-1.0, 1.0]
    """
    x = fnp.asarray(x)
    if mean is None:
        mean = _masked_mean(x, axis, where)
    if variance is None:
        variance = _masked_mean(fnp.square(x - mean), axis, where)
    return (x - mean) / fnp.sqrt(variance + epsilon)


def _masked_mean(x, axis, where):
    if where is None:
        return fnp.mean(x, axis=axis, keepdims=True)
    total = fnp.sum(fnp.where(where, x, 0.0), axis=axis, keepdims=True)
    count = fnp.sum(fnp.broadcast_to(where, np.shape(x)), axis=axis, keepdims=True)
    return total / count


def one_hot(x, num_classes, *, dtype=np.float64, axis=-1):
    """Each integer label of ``x`` as a vector of ``num_classes`` entries along ``axis``: 1 at
    the label, 0 elsewhere (all 0 for a label outside ``[0, num_classes)``). Works under
    ``jit`` with traced labels.

    >>> one_hot(np.array([2, 0]), 3).tolist()
    [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]
    """
    x = fnp.asarray(x)
    if not isinstance(num_classes, (int, np.integer)) or num_classes < 0:
        raise TypeError(f"one_hot: num_classes must be a non-negative int (the length of the "
                        f"new axis), got {num_classes!r} (at {user_frame()})")
    ndim = np.ndim(x) + 1
    if not -ndim <= axis < ndim:
        raise ValueError(f"one_hot: axis {axis} is out of range for a result with {ndim} "
                         f"dimensions (labels of shape {np.shape(x)}) (at {user_frame()})")
    axis %= ndim
    shape = [1] * ndim
    shape[axis] = num_classes
    classes = np.arange(num_classes).reshape(shape)
    return fnp.astype(fnp.expand_dims(x, axis) == classes, dtype)


# --- layers -----------------------------------------------------------------------------------

def dense(params, x):
    """``x @ w + b`` with ``params = {"w", "b"}``.

    >>> dense({"w": np.ones((2, 3)), "b": np.zeros(3)}, np.ones((1, 2))).tolist()
    [[2.0, 2.0, 2.0]]
    """
    return x @ params["w"] + params["b"]


def init_dense(key, n_in, n_out, dtype=np.float64, w_init=glorot_uniform):
    """Parameters ``{"w": (n_in, n_out), "b": (n_out,)}`` of a dense layer: ``w`` drawn by
    ``w_init``, ``b`` zeros.

    >>> params = init_dense(fr.key(0), 3, 2)
    >>> params["w"].shape, params["b"].tolist(), dense(params, np.ones((4, 3))).shape
    ((3, 2), [0.0, 0.0], (4, 2))
    """
    return {"w": w_init(key, (n_in, n_out), dtype), "b": np.zeros(n_out, dtype)}


def init_mlp(key, sizes, dtype=np.float64, w_init=glorot_uniform):
    """Parameters of an MLP with layer widths ``sizes``: a list of ``{"w", "b"}`` dicts.

    >>> [p["w"].shape for p in init_mlp(fr.key(0), [2, 16, 1])]
    [(2, 16), (16, 1)]
    """
    keys = fr.split(key, len(sizes) - 1)
    return [init_dense(k, a, b, dtype, w_init) for k, a, b in zip(keys, sizes[:-1], sizes[1:])]


def mlp(params, x, activation=relu):
    """Apply the layers; ``activation`` after every layer but the last, which is linear.

    >>> mlp(init_mlp(fr.key(0), [3, 4, 2]), np.ones((1, 3))).shape
    (1, 2)
    """
    for i, layer in enumerate(params):
        x = dense(layer, x)
        if i < len(params) - 1:
            x = activation(x)
    return x


def dropout(key, rate, x, deterministic=False):
    """Zero entries with probability ``rate`` and scale the rest by ``1 / (1 - rate)``.

    >>> dropout(fr.key(0), 0.5, np.ones(4), deterministic=True).tolist()
    [1.0, 1.0, 1.0, 1.0]
    """
    if deterministic or rate == 0.0:
        return x
    if not 0.0 <= rate < 1.0:
        raise ValueError(f"dropout rate must be in [0, 1), got {rate}")
    keep = fr.bernoulli(key, 1.0 - rate, np.shape(x))
    return fnp.where(keep, x / (1.0 - rate), 0.0)


# --- losses -----------------------------------------------------------------------------------

def mse(pred, target):
    """Mean squared error.

    >>> float(mse(np.array([1.0, 3.0]), np.array([1.0, 1.0])))
    2.0
    """
    return fnp.mean((pred - target) ** 2)


def binary_cross_entropy(logits, labels):
    """Mean binary cross-entropy from logits (labels in {0, 1}), stable for large logits.

    >>> round(float(binary_cross_entropy(np.array([0.0]), np.array([1.0]))), 6)
    0.693147
    """
    return fnp.mean(softplus(logits) - labels * logits)


def softmax_cross_entropy(logits, labels):
    """Mean cross-entropy from logits. ``labels`` are integer class indices (shape
    ``logits.shape[:-1]``) or one-hot / probability vectors (``logits``' shape).

    >>> round(float(softmax_cross_entropy(np.zeros((1, 4)), np.array([2]))), 6)
    1.386294
    """
    logp = log_softmax(logits)
    labels = fnp.asarray(labels)
    if labels.dtype.kind in "iu":
        if np.shape(labels) != np.shape(logits)[:-1]:
            raise ValueError(f"softmax_cross_entropy: integer labels of shape "
                             f"{np.shape(labels)} do not match logits of shape "
                             f"{np.shape(logits)} (expected {np.shape(logits)[:-1]})")
        picked = fnp.take_along_axis(logp, fnp.expand_dims(labels, -1), axis=-1)
        return -fnp.mean(picked)
    return -fnp.mean(fnp.sum(labels * logp, axis=-1))


def hinge(scores, labels):
    """Mean hinge (SVM max-margin) loss ``max(0, 1 - y * score)`` with labels in {-1, 1}.

    >>> float(hinge(np.array([2.0, 0.5]), np.array([1.0, 1.0])))
    0.25
    """
    return fnp.mean(relu(1.0 - labels * scores))


def l1_penalty(params):
    """Sum of absolute values of all leaves.

    >>> float(l1_penalty({"w": np.array([1.0, -2.0])}))
    3.0
    """
    return sum(fnp.sum(fnp.abs(p)) for p in tree_leaves(params))


def l2_penalty(params):
    """Sum of squares of all leaves.

    >>> float(l2_penalty([np.array([1.0, 2.0])]))
    5.0
    """
    return sum(fnp.sum(p * p) for p in tree_leaves(params))


def accuracy(logits, labels):
    """Fraction of rows whose arg-max matches ``labels`` (or, for one column of scores, whose
    sign matches labels in {-1, 1} / {0, 1}).

    >>> float(accuracy(np.array([[0.1, 0.9], [0.8, 0.2]]), np.array([1, 1])))
    0.5
    """
    logits = np.asarray(logits)
    labels = np.asarray(labels)
    if logits.ndim == 1 or logits.shape[-1] == 1:
        s = logits.reshape(-1)
        y = labels.reshape(-1)
        pred = (s > 0).astype(float)
        target = (y > 0).astype(float)
        return float(np.mean(pred == target))
    return float(np.mean(np.argmax(logits, -1) == labels))
