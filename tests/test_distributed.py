"""funcgrad.distributed on a real LocalCluster (2 worker processes, 1 thread each): equality
with train.fit, a worker killed mid-step, a NaN loss, compiled code reused, map, bad input.

The losses here are module-level functions: the workers import this module to load them
(their sys.path is this process's, which holds tests/)."""
import importlib.util
import os
import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.optim as optim
import funcgrad.random as fr
from funcgrad import train

distributed = pytest.importorskip("distributed")
from funcgrad import distributed as fgd  # noqa: E402

RNG = np.random.default_rng(0)
X = RNG.normal(size=(203, 3))  # 203 rows: shards, batches and the last batch all uneven
Y = X @ np.array([1.0, -2.0, 0.5]) + 0.3 + 0.1 * RNG.normal(size=203)


def linreg(p, x, y):
    return np.mean((x @ p["w"] + p["b"] - y) ** 2)


def linreg_sum(p, x, y):
    return np.sum((x @ p["w"] + p["b"] - y) ** 2)


def params0():
    return {"w": np.zeros(3), "b": np.zeros(())}


@pytest.fixture(scope="module")
def client():
    # the workers check compiled code, as every test does (conftest's FUNCGRAD_TIERED=0), from
    # their start: no function of an earlier test may switch to compiled code (and log it)
    # while a later test reads the workers' compile logs
    before = os.environ.get("FUNCGRAD_TIERED")
    os.environ["FUNCGRAD_TIERED"] = "0"
    try:
        cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                           dashboard_address=":0")
    finally:
        if before is None:
            os.environ.pop("FUNCGRAD_TIERED")
        else:
            os.environ["FUNCGRAD_TIERED"] = before
    c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()
    # Dask keeps one thread for the rest of the process (its "offload" pool); funcgrad's
    # parallel compiler never forks beside threads, and later tests expect it to fork. Swap
    # in a fresh pool, whose thread starts only if Dask is used again.
    import concurrent.futures

    import distributed.utils as dask_utils
    dask_utils._offload_executor.shutdown(wait=True)
    dask_utils._offload_executor = concurrent.futures.ThreadPoolExecutor(
        max_workers=1, thread_name_prefix="Dask-Offload")
    # (funcgrad's own compile-process threads, started by tiered execution in earlier tests,
    # may live on: they are not Dask's)
    # Dask's threads that watch its worker processes end shortly after ``cluster.close``
    # returns (one was still alive at this check in a CI run): give them a few seconds.
    left = _other_threads()
    deadline = time.monotonic() + 10
    while left and time.monotonic() < deadline:
        left[0].join(timeout=0.1)
        left = _other_threads()
    assert not left, left


def _other_threads():
    return [t for t in threading.enumerate()
            if t is not threading.main_thread() and not t.name.startswith("funcgrad-")]


@pytest.fixture
def cluster_of_two(client):
    """The module's client, with both workers up (a test before may have killed one)."""
    client.wait_for_workers(2, timeout=120)
    return client


def max_diff(a, b):
    return max(float(np.max(np.abs(np.asarray(u) - np.asarray(v))))
               for u, v in zip(fg.tree_leaves(a), fg.tree_leaves(b)))


def reference(optimizer, epochs=2, batch_size=32, key=fr.key(3), data=(X, Y)):
    return train.fit(linreg, params0(), optimizer, data, epochs=epochs, batch_size=batch_size,
                     key=key, progress=False)


@pytest.mark.parametrize("key", [fr.key(3), None])
def test_fit_equals_train_fit_in_float64(cluster_of_two, key):
    opt = optim.adam(0.05)
    p_ref, h_ref = reference(opt, key=key)
    p, h = fgd.fit(linreg, params0(), opt, (X, Y), client=cluster_of_two, epochs=2,
                   batch_size=32, key=key, progress=False)
    assert max_diff(p, p_ref) < 1e-10
    np.testing.assert_allclose(h["loss"], h_ref["loss"], rtol=1e-10)
    assert len(h["loss"]) == 2 * 7 and len(h["epoch_time"]) == 2 and not h["interrupted"]
    assert max_diff(p, params0()) > 0.05  # it trained


def test_dask_arrays_give_the_same_batches(cluster_of_two):
    da = pytest.importorskip("dask.array")
    opt = optim.adam(0.05)
    p_ref, _ = reference(opt)
    data = (da.from_array(X, chunks=(41, 2)), da.from_array(Y, chunks=41))  # 5 row blocks
    p, _ = fgd.fit(linreg, params0(), opt, data, client=cluster_of_two, epochs=2,
                   batch_size=32, key=fr.key(3), progress=False)
    assert max_diff(p, p_ref) < 1e-10


def test_dask_dataframe_from_csv_files(cluster_of_two, tmp_path):
    dd = pytest.importorskip("dask.dataframe")
    for i, lo in enumerate(range(0, len(X), 70)):  # three files
        rows = np.column_stack([X[lo:lo + 70], Y[lo:lo + 70]])
        np.savetxt(tmp_path / f"part{i}.csv", rows, delimiter=",", header="a,b,c,y",
                   comments="", fmt="%.17g")
    df = dd.read_csv(str(tmp_path / "part*.csv"))
    opt = optim.adam(0.05)
    p, _ = fgd.fit(linreg, params0(), opt, (df[["a", "b", "c"]], df["y"]),
                   client=cluster_of_two, epochs=2, batch_size=32, key=fr.key(3),
                   progress=False)
    assert max_diff(p, reference(opt)[0]) < 1e-10


class KillAtStep(distributed.WorkerPlugin):
    """A worker plugin: when the task of ``step``'s shard 1 starts executing, the worker
    writes its pid to ``marker`` and waits there, to be killed by the test. Once only."""

    name = "funcgrad-test-kill"

    def __init__(self, marker, step):
        self.marker, self.prefix = str(marker), f"funcgrad-step-{step}-shard-1-"

    def transition(self, key, start, finish, **kwargs):
        if finish == "executing" and str(key).startswith(self.prefix) and \
                not os.path.exists(self.marker):
            with open(self.marker + ".tmp", "w") as f:
                f.write(str(os.getpid()))
            os.rename(self.marker + ".tmp", self.marker)
            time.sleep(60)  # killed long before this ends


def test_a_worker_killed_mid_step_loses_nothing(cluster_of_two, tmp_path):
    client = cluster_of_two
    opt = optim.adam(0.05)
    kwargs = dict(client=client, epochs=2, batch_size=32, key=fr.key(3), progress=False)
    p_clean, h_clean = fgd.fit(linreg, params0(), opt, (X, Y), **kwargs)
    before = set(client.run(os.getpid).values())
    marker = tmp_path / "killed"
    client.register_plugin(KillAtStep(marker, step=4))
    killed = []

    def killer():
        deadline = time.monotonic() + 120
        while not marker.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        if marker.exists():
            pid = int(marker.read_text())
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)

    thread = threading.Thread(target=killer)
    thread.start()
    try:
        p, h = fgd.fit(linreg, params0(), opt, (X, Y), **kwargs)
    finally:
        thread.join()
        client.unregister_worker_plugin(KillAtStep.name)
    assert killed and killed[0] in before  # a worker died inside step 4 (epoch 0)
    assert max_diff(p, p_clean) == 0.0 and h["loss"] == h_clean["loss"]
    assert max_diff(p, reference(opt)[0]) < 1e-10
    client.wait_for_workers(2, timeout=120)  # the nanny restarted it
    assert killed[0] not in set(client.run(os.getpid).values())


def test_nan_loss_stops_like_train_fit_naming_step_and_worker(cluster_of_two):
    Xn = X.copy()
    Xn[150, 1] = np.nan  # in shard 1
    kwargs = dict(epochs=3, batch_size=32, key=fr.key(3), progress=False)
    with pytest.raises(train.NonFiniteLossError) as ref:
        train.fit(linreg, params0(), optim.sgd(0.05), (Xn, Y), **kwargs)
    with pytest.raises(train.NonFiniteLossError) as err:
        fgd.fit(linreg, params0(), optim.sgd(0.05), (Xn, Y), client=cluster_of_two, **kwargs)
    want = str(ref.value).split("); ")[0]
    assert want.startswith("the loss became nan at step ")
    msg = str(err.value)
    assert msg.startswith(want), msg
    assert "On the cluster: shard 1 (rows 101..202 of data) on worker tcp://" in msg
    assert "gave a loss of nan over its" in msg


def test_a_sum_loss_is_refused_not_silently_rescaled(cluster_of_two):
    with pytest.raises(ValueError, match="not a mean over the rows of the batch") as err:
        fgd.fit(linreg_sum, params0(), optim.sgd(0.01), (X, Y), client=cluster_of_two,
                epochs=1, batch_size=32, progress=False)
    assert "use np.mean instead of np.sum" in str(err.value)


def test_loss_fn_raising_on_a_worker_names_the_step(cluster_of_two):
    bad = (X[:, :2], Y)  # (32, 2) @ (3,): the user's shape error, raised on the worker
    with pytest.raises(Exception) as err:
        fgd.fit(linreg, params0(), optim.sgd(0.01), bad, client=cluster_of_two, epochs=1,
                batch_size=32, progress=False)
    notes = "\n".join(getattr(err.value, "__notes__", [])) + str(err.value)
    assert "at step 0 (epoch 0)" in notes


def test_each_worker_compiles_once_the_second_loads_from_the_disk_cache(cluster_of_two,
                                                                        tmp_path):
    client = cluster_of_two
    cache, logs = tmp_path / "cache", tmp_path / "logs"
    logs.mkdir()
    client.run(_log_compiles_to, str(cache), str(logs))
    try:
        for _ in range(2):  # the second fit reuses each worker's jitted function
            fgd.fit(tanh_fit, params0(), optim.sgd(0.05), (X, Y), client=client, epochs=2,
                    batch_size=32, progress=False)
    finally:
        client.run(_stop_logging)
    lines = [ln for f in logs.iterdir() for ln in f.read_text().splitlines()
             if ln.startswith("funcgrad:")]
    compiled = [ln for ln in lines if ln.startswith("funcgrad: compiled")]
    loaded = [ln for ln in lines if "loaded compiled code from the disk cache" in ln]
    # over 2 fits x 14 steps: one worker compiled, the other loaded that; each new shard batch
    # size only reuses the compiled code (shape-generic)
    assert len(compiled) == 1 and len(loaded) == 1, "\n".join(lines)
    assert all("reused compiled code" in ln for ln in lines if ln not in compiled + loaded)


def tanh_fit(p, x, y):  # a loss of its own, compiled by no other test
    return np.mean((np.tanh(x @ p["w"]) + p["b"] - y) ** 2)


def _log_compiles_to(cache, logs):
    os.environ["FUNCGRAD_CACHE_DIR"] = cache
    os.environ["FUNCGRAD_LOG_COMPILES"] = "1"
    os.environ["FUNCGRAD_TIERED"] = "0"  # each first call compiles or loads, logged once
    sys.stderr = open(os.path.join(logs, f"{os.getpid()}.log"), "a", buffering=1)


def _stop_logging():
    for var in ("FUNCGRAD_CACHE_DIR", "FUNCGRAD_LOG_COMPILES"):
        os.environ.pop(var, None)
    sys.stderr.close()
    sys.stderr = sys.__stderr__


def slow_square(i):
    time.sleep(0.05 * (5 - i))  # the last items finish first
    return i * i


def fails_on_three(c):
    if c["lr"] == 3:
        raise ValueError(f"diverged with lr={c['lr']}")
    return c["lr"]


def test_map_returns_results_in_order(cluster_of_two):
    assert fgd.map(slow_square, range(6), client=cluster_of_two, progress=False) == \
        [i * i for i in range(6)]
    assert fgd.map(slow_square, [], client=cluster_of_two, progress=False) == []


def test_map_reraises_naming_the_item(cluster_of_two):
    items = [{"lr": i} for i in range(6)]
    with pytest.raises(ValueError, match="diverged with lr=3") as err:
        fgd.map(fails_on_three, items, client=cluster_of_two, progress=False)
    notes = "\n".join(getattr(err.value, "__notes__", [])) + str(err.value)
    assert "raised by fn(items[3]), items[3] = {'lr': 3}" in notes


def test_bad_inputs_say_what_to_do(cluster_of_two, tmp_path, monkeypatch):
    c = cluster_of_two
    kw = dict(epochs=1, batch_size=8, progress=False)
    with pytest.raises(TypeError, match="client must be a dask.distributed.Client, got NoneType"):
        fgd.fit(linreg, params0(), optim.sgd(0.1), (X, Y), client=None, **kw)
    with pytest.raises(ValueError, match="batch_size must be a whole number >= 1, got 0"):
        fgd.fit(linreg, params0(), optim.sgd(0.1), (X, Y), client=c, epochs=1, batch_size=0)
    with pytest.raises(TypeError, match="data must be a tuple of arrays"):
        fgd.fit(linreg, params0(), optim.sgd(0.1), X, client=c, **kw)
    with pytest.raises(ValueError, match=r"lengths \[203, 202\] along axis 0"):
        fgd.fit(linreg, params0(), optim.sgd(0.1), (X, Y[:-1]), client=c, **kw)
    with pytest.raises(TypeError, match="cannot be sent to the workers"):
        lock = threading.Lock()
        fgd.fit(lambda p, x, y: linreg(p, x, y) + 0 * bool(lock), params0(), optim.sgd(0.1),
                (X, Y), client=c, **kw)
    da = pytest.importorskip("dask.array")
    with pytest.raises(TypeError, match="mixes Dask collections and NumPy"):
        fgd.fit(linreg, params0(), optim.sgd(0.1), (da.from_array(X), Y), client=c, **kw)
    with pytest.raises(ValueError, match="same row blocks"):
        fgd.fit(linreg, params0(), optim.sgd(0.1),
                (da.from_array(X, chunks=(50, 3)), da.from_array(Y, chunks=60)), client=c,
                **kw)
    # a loss from a module the workers cannot import
    (tmp_path / "fg_user_loss.py").write_text(
        "import numpy as np\ndef loss(p, x, y):\n    return np.mean((x @ p['w'] - y) ** 2)\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    import fg_user_loss
    with pytest.raises(ImportError, match="cannot load loss_fn .*No module named "
                                          "'fg_user_loss'.*client.upload_file"):
        fgd.fit(fg_user_loss.loss, params0(), optim.sgd(0.1), (X, Y), client=c, **kw)


def test_importing_funcgrad_never_imports_dask():
    code = ("import sys, funcgrad, funcgrad.distributed, funcgrad.train; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('dask', 'distributed')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


def load_example():
    path = os.path.join(os.path.dirname(__file__), "..", "examples", "distributed_digits.py")
    spec = importlib.util.spec_from_file_location("distributed_digits_example", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_example_trains_digits_like_one_process(cluster_of_two):
    pytest.importorskip("sklearn")
    r = load_example().run(epochs=2, client=cluster_of_two, verbose=False)
    assert r["accuracy"] > 0.85 and abs(r["accuracy"] - r["accuracy_one"]) <= 1 / 360
    assert r["max_param_diff"] < 1e-4  # float32, the same mini-batches


@pytest.mark.slow
def test_example_on_its_own_cluster_reaches_97_percent(capsys):
    pytest.importorskip("sklearn")
    r = load_example().run(epochs=20)
    assert r["accuracy"] >= 0.97
    out = capsys.readouterr().out
    assert "distributed.fit on 2 workers: test accuracy" in out and "ms per epoch" in out
