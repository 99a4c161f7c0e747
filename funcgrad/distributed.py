"""Training past one process: data-parallel ``fit`` and parallel ``map`` on a Dask cluster.

``fit`` has ``train.fit``'s contract. The data is cut once into one shard of consecutive rows
per worker and stays there. Each step the client splits the global mini-batch (the same rows
``train.fit`` would take with the same key) by shard, every worker computes the jitted loss
and gradient of its rows, the client combines them weighted by row count (the loss must be a
mean over the rows of the batch: checked at the first step), applies the optimizer once and
sends the new parameters with the next step's tasks. The client holds the parameters and the
optimizer state, so a worker lost mid-step costs only that step's tasks: Dask reruns them
elsewhere, rebuilding a lost shard from its task, and the result is the same.

Dask is imported at the first call, never at ``import funcgrad`` (``pip install
'funcgrad[distributed]'``). See ``docs/distributed.md`` for the cost model and a real cluster.
"""
import hashlib
import threading
import uuid

import numpy as np

from . import train
from .ad import value_and_grad
from .api import jit
from .data import batches
from .optim import apply_updates
from .tree import tree_map

_STEPS = {}  # in each worker process: key of a loss_fn -> its jitted value_and_grad
_STEPS_LOCK = threading.Lock()
_MAX_STEPS = 16  # step functions kept per worker (oldest dropped first)


def fit(loss_fn, params, optimizer, data, *, client, epochs, batch_size, key=None,
        progress=True, metrics=None):
    """``train.fit`` on a Dask cluster: synchronous data-parallel over ``client``'s workers.

    ``data`` is a tuple of NumPy arrays, or of Dask arrays/dataframes/series split into the
    same row blocks. ``loss_fn(params, *batch)`` must be a mean over the batch's rows (plus
    terms that do not depend on the batch). With the same ``key`` the mini-batches are those of
    ``train.fit``, so the parameters agree with it up to summation order.

    >>> import funcgrad.optim as optim
    >>> from dask.distributed import Client, LocalCluster
    >>> client = Client(LocalCluster(n_workers=2, processes=False, dashboard_address=":0"))
    >>> X = np.linspace(-1, 1, 64)[:, None]; y = 3.0 * X
    >>> loss = lambda w, x, t: ((x * w - t) ** 2).mean()
    >>> w, hist = fit(loss, np.zeros(1), optim.sgd(0.5), (X, y), client=client, epochs=10,
    ...               batch_size=16, progress=False)
    >>> round(float(w[0]), 3), len(hist["loss"])
    (3.0, 40)
    >>> client.close(); client.cluster.close()
    """
    _check_client(client, "fit")
    if not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"funcgrad.distributed.fit: batch_size must be a whole number >= 1, "
                         f"got {batch_size!r}.")
    shards = _Shards(client, data)
    try:
        step = _Step(client, loss_fn, optimizer, shards, -(-shards.n // batch_size))
        try:
            return train.loop(
                step, params, optimizer.init(params),
                lambda k: batches(np.arange(shards.n), batch_size=batch_size, key=k),
                epochs=epochs, steps_per_epoch=step.steps_per_epoch, key=key,
                progress=progress, metrics=metrics)
        except train.NonFiniteLossError as err:
            raise train.NonFiniteLossError(f"{err} On the cluster: {step.nonfinite}") from None
    finally:
        shards.release()


def map(fn, items, *, client, progress=True):
    """``[fn(item) for item in items]`` computed on ``client``'s workers; results in order.

    For sweeps and ensembles (``fn`` may run a whole ``train.fit``). An exception in one item
    cancels the rest and is re-raised with a note naming the item.

    >>> from dask.distributed import Client, LocalCluster
    >>> client = Client(LocalCluster(n_workers=2, processes=False, dashboard_address=":0"))
    >>> map(lambda lr: lr * 10, [0.1, 0.2, 0.3], client=client, progress=False)
    [1.0, 2.0, 3.0]
    >>> client.close(); client.cluster.close()
    """
    from dask.distributed import as_completed
    _check_client(client, "map")
    items = list(items)
    name = getattr(fn, "__name__", "fn").replace("<", "").replace(">", "")
    run = uuid.uuid4().hex[:8]
    futures = client.map(fn, items, key=[f"funcgrad-map-{name}-{i}-{run}"
                                         for i in range(len(items))], pure=False)
    where = {f.key: i for i, f in enumerate(futures)}
    bar = train.progress_bar(len(items), progress, unit="item")
    try:
        for fut in as_completed(futures):
            if fut.status == "error":
                i = where[fut.key]
                _raise_with_note(fut, f"funcgrad.distributed.map: raised by fn(items[{i}]), "
                                      f"items[{i}] = {_short(items[i])}",
                                 cancel=[f for f in futures if f is not fut])
            if bar is not None:
                bar.update(1)
        return client.gather(futures)
    finally:
        if bar is not None:
            bar.close()


class _Shards:
    """The rows of ``data`` on the workers: one future per worker holding a tuple of arrays
    (consecutive rows ``starts[s]:starts[s] + lengths[s]``).

    Each shard is the result of a task Dask can rerun (the rows travel inside it, or it reads
    the partitions of a Dask collection), so a shard lost with its worker is rebuilt on another.
    """

    def __init__(self, client, data):
        self.client = client
        workers = sorted(client.nthreads())
        if not workers:
            raise ValueError("funcgrad.distributed: the cluster has no workers; start some, or "
                             "wait for them with client.wait_for_workers(n).")
        if not isinstance(data, (tuple, list)) or not data:
            raise TypeError(f"funcgrad.distributed.fit: data must be a tuple of arrays split "
                            f"along axis 0, e.g. (X, y); got {type(data).__name__}.")
        lengths, blocks = _row_blocks(client, data)
        groups = _balance(lengths, len(workers))
        self.lengths = np.array([sum(lengths[i] for i in g) for g in groups])
        self.starts = np.concatenate([[0], np.cumsum(self.lengths)[:-1]]).astype(np.int64)
        self.n = int(self.lengths.sum())
        run = uuid.uuid4().hex[:8]
        self.workers = workers[:len(groups)]  # where each shard is meant to live
        with _quiet_large_graphs(blocks):
            self.futures = [
                client.submit(_concat, [blocks[i] for i in g], workers=[w],
                              allow_other_workers=True, key=f"funcgrad-shard-{s}-{run}")
                for s, (g, w) in enumerate(zip(groups, workers))]

    def split(self, idx):
        """``[(shard, rows of that shard)]`` for the global row indices ``idx``."""
        owner = np.searchsorted(self.starts, idx, side="right") - 1
        out = []
        for s in range(len(self.futures)):
            mine = idx[owner == s]
            if len(mine):
                out.append((s, mine - self.starts[s]))
        return out

    def describe(self, s):
        start = int(self.starts[s])
        return f"shard {s} (rows {start}..{start + int(self.lengths[s]) - 1} of data)"

    def release(self):
        self.client.cancel(self.futures)


def _quiet_large_graphs(blocks):
    """NumPy rows go inside their shard's task on purpose, so that the scheduler can rebuild
    the shard (docs/distributed.md): no "large graph" warning for that."""
    import dask
    nbytes = sum(a.nbytes for b in blocks if isinstance(b, tuple) for a in b)
    limit = dask.config.get("distributed.admin.large-graph-warning-threshold")
    return dask.config.set({"distributed.admin.large-graph-warning-threshold":
                            max(dask.utils.parse_bytes(limit), nbytes + 2**20)})


def _row_blocks(client, data):
    """Row counts and blocks of ``data``: NumPy rows embedded in the task (small pieces, one
    per future shard), or futures of the partitions of Dask collections."""
    import dask
    lazy = [dask.is_dask_collection(d) for d in data]
    if any(lazy) and not all(lazy):
        raise TypeError("funcgrad.distributed.fit: data mixes Dask collections and NumPy "
                        "arrays; make them all Dask (e.g. dask.array.from_array(y, "
                        "chunks=(X.chunks[0],))) or all NumPy.")
    if all(lazy):
        return _collection_blocks(client, data)
    arrays = tuple(np.asarray(d) for d in data)
    lengths = [len(a) if a.ndim else None for a in arrays]
    if None in lengths or len(set(lengths)) > 1:
        raise ValueError(f"funcgrad.distributed.fit: the arrays in data have lengths "
                         f"{lengths} along axis 0 (shapes {[a.shape for a in arrays]}); every "
                         "array needs one row per example.")
    k = max(1, min(len(client.nthreads()), lengths[0]))
    cuts = np.linspace(0, lengths[0], k + 1).astype(int)
    return list(np.diff(cuts)), [tuple(a[lo:hi] for a in arrays)
                                 for lo, hi in zip(cuts[:-1], cuts[1:])]


def _collection_blocks(client, data):
    import dask
    parts = []
    for d in data:
        if getattr(d, "ndim", 1) > 1 and hasattr(d, "rechunk"):  # whole rows in each block
            d = d.rechunk({i: -1 for i in range(1, d.ndim)})
        p = d.to_delayed()
        parts.append(list(np.asarray(p, dtype=object).reshape(len(p), -1)[:, 0]))
    counts = [len(p) for p in parts]
    if len(set(counts)) > 1:
        raise ValueError(f"funcgrad.distributed.fit: the Dask collections in data have "
                         f"{counts} row blocks; they must be split into the same row blocks "
                         "(rechunk one like the other, e.g. y.rechunk((X.chunks[0],))).")
    blocks = client.compute([dask.delayed(_partition)(*row) for row in zip(*parts)])
    lengths = client.gather(client.map(_rows, blocks, pure=False))
    return lengths, blocks


def _partition(*parts):
    arrays = tuple(np.asarray(p) for p in parts)
    if len({len(a) for a in arrays}) > 1:
        raise ValueError(f"funcgrad.distributed.fit: a row block of data has arrays of "
                         f"lengths {[len(a) for a in arrays]}; the collections must have the "
                         "same rows in each block.")
    return arrays


def _rows(block):
    return len(block[0])


def _concat(blocks):
    if len(blocks) == 1:
        return tuple(blocks[0])
    return tuple(np.concatenate(cols) for cols in zip(*blocks))


def _balance(lengths, k):
    """At most ``k`` groups of consecutive blocks, of about equal rows: each cut at the block
    boundary nearest to an equal split."""
    ends = np.cumsum(lengths)
    cuts = sorted({int(np.argmin(np.abs(ends - ends[-1] * j / k))) + 1 for j in range(1, k)}
                  | {len(lengths)})
    groups = [list(range(a, b)) for a, b in zip([0] + cuts[:-1], cuts)]
    return [g for g in groups if g and sum(lengths[i] for i in g)]


class _Step:
    """One data-parallel step, called by ``train.loop`` as ``step(params, opt_state, idx)``."""

    def __init__(self, client, loss_fn, optimizer, shards, steps_per_epoch):
        import cloudpickle
        try:
            self.blob = cloudpickle.dumps(loss_fn)
        except Exception as err:
            raise TypeError(f"funcgrad.distributed.fit: loss_fn cannot be sent to the workers "
                            f"({type(err).__name__}: {err}); it must be picklable by "
                            "cloudpickle, without open files, locks or clients.") from None
        self.fn_key = hashlib.sha256(self.blob).hexdigest()[:16]
        self.client, self.shards, self.steps_per_epoch = client, shards, steps_per_epoch
        self.update = jit(_update(optimizer))
        self.checked = set()  # shards whose loss was checked to be a mean over rows
        self.k, self.run, self.nonfinite = 0, uuid.uuid4().hex[:8], ""

    def __call__(self, params, opt_state, idx):
        parts = self.shards.split(idx)
        futures = [self._submit(params, s, rows) for s, rows in parts[:1]]
        if self.k == 0:  # one worker compiles first; the others load it from the disk cache
            self._gather(futures)
        futures += [self._submit(params, s, rows) for s, rows in parts[1:]]
        results = self._gather(futures)
        self.k += 1
        loss = sum(len(rows) * r[0] for (_, rows), r in zip(parts, results)) / len(idx)
        if not np.isfinite(loss):
            self._locate_nonfinite(parts, results, futures)
        grads = tree_map(lambda *g: sum(len(rows) / len(idx) * gs
                                        for (_, rows), gs in zip(parts, g)),
                         *[r[1] for r in results])
        params, opt_state = self.update(grads, opt_state, params)
        return params, opt_state, loss

    def _submit(self, params, s, rows):
        check = s not in self.checked and len(rows) >= 4
        if check:
            self.checked.add(s)
        # Pinned (loosely) to the shard's worker: left free, Dask would schedule these many
        # similar tasks anywhere and copy every shard to every worker.
        return self.client.submit(
            _shard_loss_and_grad, self.fn_key, self.blob, params, self.shards.futures[s],
            rows, check, key=f"funcgrad-step-{self.k}-shard-{s}-{self.run}", pure=False,
            workers=[self.shards.workers[s]], allow_other_workers=True)

    def _gather(self, futures):
        try:
            return self.client.gather(futures)
        except Exception as err:
            epoch = self.k // self.steps_per_epoch
            _add_note(err, f"funcgrad.distributed.fit: at step {self.k} (epoch {epoch}), "
                           "computing the loss and gradient of loss_fn on a worker")
            raise

    def _locate_nonfinite(self, parts, results, futures):
        who = self.client.who_has(futures)
        bad = [f"{self.shards.describe(s)} on worker {', '.join(who.get(f.key, ())) or '?'} "
               f"gave a loss of {r[0]} over its {len(rows)} rows of the batch"
               for (s, rows), r, f in zip(parts, results, futures) if not np.isfinite(r[0])]
        self.nonfinite = "; ".join(bad) + "."


def _update(optimizer):
    def update(grads, opt_state, params):
        updates, opt_state = optimizer.update(grads, opt_state, params)
        return apply_updates(params, updates), opt_state
    return update


def _shard_loss_and_grad(fn_key, blob, params, shard, rows, check):
    """On a worker: the loss and gradient of ``loss_fn`` over ``rows`` of its shard."""
    vg = _step_function(fn_key, blob)
    batch = tuple(a[rows] for a in shard)
    loss, grads = vg(params, *batch)
    if check and np.isfinite(loss):
        _check_mean(vg, params, batch, loss)
    return float(loss), grads


def _step_function(fn_key, blob):
    """This worker's jitted ``value_and_grad(loss_fn)``, built once per ``fn_key`` and kept, so
    each worker traces and compiles (or loads from the disk cache) each loss once."""
    with _STEPS_LOCK:
        vg = _STEPS.get(fn_key)
        if vg is None:
            vg = _STEPS[fn_key] = jit(value_and_grad(_load_loss_fn(blob)))
            while len(_STEPS) > _MAX_STEPS:
                _STEPS.pop(next(iter(_STEPS)))
    return vg


def _load_loss_fn(blob):
    import cloudpickle
    try:
        return cloudpickle.loads(blob)
    except Exception as err:
        raise ImportError(
            f"funcgrad.distributed.fit: a worker cannot load loss_fn ({type(err).__name__}: "
            f"{err}). Functions defined in a module are sent by reference to it, so the "
            "module must be importable on every worker: install it there, send it with "
            "client.upload_file('module.py'), or register it with "
            "cloudpickle.register_pickle_by_value(module).") from err


def _check_mean(vg, params, batch, loss):
    """Weighting shard gradients by row count reproduces ``train.fit`` only if the loss is a
    mean over rows: check that on the two halves of this batch."""
    n, h = len(batch[0]), len(batch[0]) // 2
    l1 = float(vg(params, *(a[:h] for a in batch))[0])
    l2 = float(vg(params, *(a[h:] for a in batch))[0])
    mean = (h * l1 + (n - h) * l2) / n
    tol = float(np.finfo(np.result_type(loss, np.float32)).eps) ** 0.5  # rounding passes, 2x fails
    loss = float(loss)
    if abs(loss - mean) > tol * max(1.0, abs(loss)):
        raise ValueError(
            f"funcgrad.distributed.fit: loss_fn is not a mean over the rows of the batch: on "
            f"{n} rows it is {loss:.6g}, while the row-weighted mean of its values on the two "
            f"halves ({h} and {n - h} rows) is {mean:.6g}. The workers' gradients are combined "
            "weighted by their rows, which matches train.fit only for a mean over examples "
            "(plus terms that do not depend on the batch): use np.mean instead of np.sum, and "
            "no statistics of the whole batch.")


def _check_client(client, what):
    try:
        from dask.distributed import Client
    except ImportError:
        raise ImportError("funcgrad.distributed needs Dask: pip install "
                          "'funcgrad[distributed]'") from None
    if not isinstance(client, Client):
        raise TypeError(f"funcgrad.distributed.{what}: client must be a dask.distributed."
                        f"Client, got {type(client).__name__}; e.g. Client(LocalCluster("
                        "n_workers=2, threads_per_worker=1)) or Client('tcp://host:8786').")


def _raise_with_note(future, note, cancel):
    try:
        future.result()
    except Exception as err:
        future.client.cancel(cancel)
        _add_note(err, note)
        raise


def _add_note(err, note):
    if hasattr(err, "add_note"):  # Python >= 3.11
        err.add_note(note)
    elif err.args and isinstance(err.args[0], str):
        err.args = (f"{err.args[0]}\n{note}",) + err.args[1:]


def _short(x, limit=80):
    text = repr(x)
    return text if len(text) <= limit else text[:limit - 3] + "..."

