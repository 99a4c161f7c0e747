"""The benchmark workloads, each a function ``(have, timer) -> ({impl: seconds}, note)``."""
import os
import subprocess
import sys
import tempfile
import textwrap
import time

import numpy as np

import funcgrad as fg
import funcgrad.numpy as fnp
import funcgrad.optim as optim

RNG = np.random.default_rng(0)


# --- W0 / W1: the micrograd moons MLP 2-16-16-1 on 100 points ---------------------------------

def moons_data():
    import funcgrad.random as fr
    from funcgrad import data
    X, y = data.make_moons(100, noise=0.1, key=fr.key(1))
    return X, 2.0 * y - 1.0


def mlp_params(sizes, dtype=np.float64, seed=0):
    rng = np.random.default_rng(seed)
    return [{"w": (rng.normal(size=(a, b)) / np.sqrt(a)).astype(dtype),
             "b": np.zeros(b, dtype)} for a, b in zip(sizes[:-1], sizes[1:])]


def relu(m, h):
    return m.relu(h) if m.__name__ == "torch" else m.maximum(h, 0.0)


def svm_loss(m):
    def loss(params, X, y):
        h = X
        for i, p in enumerate(params):
            h = h @ p["w"] + p["b"]
            if i < len(params) - 1:
                h = relu(m, h)
        data_loss = m.mean(relu(m, 1.0 - y * h[:, 0]))
        return data_loss + 1e-4 * sum(m.sum(p["w"] * p["w"]) for p in params)
    return loss


def w0_eager_grad(have, timer):
    X, y = moons_data()
    params = mlp_params([2, 16, 16, 1])
    res = {"funcgrad grad (eager)": timer(lambda: fg.grad(svm_loss(np))(params, X, y))}
    if have["autograd"]:
        import autograd
        import autograd.numpy as anp
        g = autograd.grad(svm_loss(anp))
        res["autograd grad"] = timer(lambda: g(params, X, y))
    if have["torch"]:
        import torch
        tp = [{k: torch.tensor(v, requires_grad=True) for k, v in p.items()} for p in params]
        tX, ty = torch.tensor(X), torch.tensor(y)

        def tgrad():
            loss = svm_loss(torch)(tp, tX, ty)
            return torch.autograd.grad(loss, [v for p in tp for v in p.values()])
        res["torch autograd (eager)"] = timer(tgrad)
    return res, "Eager (not compiled) gradient of the loss, the issue-2 figure."


def w1_moons_step(have, timer):
    X, y = moons_data()
    params = mlp_params([2, 16, 16, 1])
    lr = 0.5

    @fg.jit
    def step(params, X, y):
        g = fg.grad(svm_loss(fnp))(params, X, y)
        return fg.tree_map(lambda p, d: p - lr * d, params, g)

    res = {"funcgrad jit": timer(lambda: step(params, X, y))}
    res.update(_peer_steps(have, timer, params, X, y, lr))
    res["numpy (hand-written)"] = timer(lambda: numpy_moons_step(params, X, y, lr))
    # sanity: funcgrad's step equals the hand-written one
    a = fg.tree_leaves(step(params, X, y))
    b = fg.tree_leaves(numpy_moons_step(params, X, y, lr))
    assert all(np.allclose(u, v, rtol=1e-10) for u, v in zip(a, b))
    return res, "One SGD step: SVM loss + 1e-4 L2, forward, backward and update."


def _peer_steps(have, timer, params, X, y, lr):
    res = {}
    if have["jax"]:
        import jax
        import jax.numpy as jnp

        @jax.jit
        def jstep(params, X, y):
            g = jax.grad(svm_loss(jnp))(params, X, y)
            return jax.tree_util.tree_map(lambda p, d: p - lr * d, params, g)
        jp = jax.tree_util.tree_map(jnp.asarray, params)
        jX, jy = jnp.asarray(X), jnp.asarray(y)
        res["jax jit"] = timer(lambda: jax.block_until_ready(jstep(jp, jX, jy)))
    if have["torch"]:
        import torch
        tp = [{k: torch.tensor(v, requires_grad=True) for k, v in p.items()} for p in params]
        tX, ty = torch.tensor(X), torch.tensor(y)
        flat = [v for p in tp for v in p.values()]

        def tstep():
            loss = svm_loss(torch)(tp, tX, ty)
            gs = torch.autograd.grad(loss, flat)
            with torch.no_grad():
                return [v - lr * g for v, g in zip(flat, gs)]
        res["torch eager"] = timer(tstep)
    if have["autograd"]:
        import autograd
        import autograd.numpy as anp
        g = autograd.grad(svm_loss(anp))
        res["autograd"] = timer(lambda: [
            {k: p[k] - lr * d[k] for k in p} for p, d in zip(params, g(params, X, y))])
    return res


def numpy_moons_step(params, X, y, lr):
    hs, pre = [X], []
    h = X
    for i, p in enumerate(params):
        z = h @ p["w"] + p["b"]
        pre.append(z)
        h = np.maximum(z, 0.0) if i < len(params) - 1 else z
        hs.append(h)
    s = h[:, 0]
    margin = 1.0 - y * s
    dscore = np.where(margin > 0, -y, 0.0) / len(y)
    dh = dscore[:, None]
    new = [None] * len(params)
    for i in reversed(range(len(params))):
        p = params[i]
        if i < len(params) - 1:
            dh = dh * (pre[i] > 0)
        dw = hs[i].T @ dh + 2e-4 * p["w"]
        db = dh.sum(0)
        new[i] = {"w": p["w"] - lr * dw, "b": p["b"] - lr * db}
        dh = dh @ p["w"].T
    return new


# --- W2: digits MLP 64-256-256-10, float32, batch 128, Adam -----------------------------------

def ce_loss(m, log_softmax):
    def loss(params, X, y_onehot):
        h = X
        for i, p in enumerate(params):
            h = h @ p["w"] + p["b"]
            if i < len(params) - 1:
                h = relu(m, h)
        return -m.mean(m.sum(y_onehot * log_softmax(h), axis=1))
    return loss


def fg_log_softmax(z):
    import funcgrad.nn as nn
    return nn.log_softmax(z)


def digits_batch():
    rng = np.random.default_rng(0)
    X = rng.random((128, 64)).astype(np.float32)
    y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, 128)]
    return X, y


def jax_adam_step(jloss):
    """The W2 step in JAX: gradient and an Adam update (lr 1e-3), as optax would do it."""
    import jax
    import jax.numpy as jnp

    def jstep(params, m, v, t, X, y):
        g = jax.grad(jloss)(params, X, y)
        m = jax.tree_util.tree_map(lambda a, b: 0.9 * a + 0.1 * b, m, g)
        v = jax.tree_util.tree_map(lambda a, b: 0.999 * a + 0.001 * b * b, v, g)
        t = t + 1
        upd = jax.tree_util.tree_map(
            lambda p, a, b: p - 1e-3 * (a / (1 - 0.9 ** t)) / (
                jnp.sqrt(b / (1 - 0.999 ** t)) + 1e-8), params, m, v)
        return upd, m, v, t
    return jstep


def numpy_adam(grad_fn):
    """A step of ``grad_fn`` followed by an Adam update in NumPy (state in the closure)."""
    state = {}

    def step(params, X, y):
        g = grad_fn(params, X, y)
        t = state["t"] = state.get("t", 0) + 1
        m = state.setdefault("m", [{k: np.zeros_like(a) for k, a in p.items()} for p in g])
        v = state.setdefault("v", [{k: np.zeros_like(a) for k, a in p.items()} for p in g])
        out = []
        for p, gp, mp, vp in zip(params, g, m, v):
            q = {}
            for k in p:
                mp[k] = 0.9 * mp[k] + 0.1 * gp[k]
                vp[k] = 0.999 * vp[k] + 0.001 * gp[k] ** 2
                q[k] = p[k] - 1e-3 * (mp[k] / (1 - 0.9 ** t)) / (
                    np.sqrt(vp[k] / (1 - 0.999 ** t)) + 1e-8)
            out.append(q)
        return out
    return step


def fg_digits_step():
    """The jitted W2 step and its arguments: ``step, (params, state, X, y)``."""
    X, y = digits_batch()
    params = mlp_params([64, 256, 256, 10], np.float32)
    opt = optim.adam(1e-3)
    loss = ce_loss(fnp, fg_log_softmax)

    @fg.jit
    def step(params, state, X, y):
        g = fg.grad(loss)(params, X, y)
        u, state = opt.update(g, state, params)
        return optim.apply_updates(params, u), state

    return step, (params, opt.init(params), X, y)


def w2_digits_step(have, timer):
    step, (params, state, X, y) = fg_digits_step()
    res = {"funcgrad jit": timer(lambda: step(params, state, X, y))}
    if have["jax"]:
        import jax
        import jax.numpy as jnp
        jloss = ce_loss(jnp, jax.nn.log_softmax)

        jstep = jax.jit(jax_adam_step(jloss))
        jp = jax.tree_util.tree_map(jnp.asarray, params)
        zeros = jax.tree_util.tree_map(jnp.zeros_like, jp)
        jX, jy = jnp.asarray(X), jnp.asarray(y)
        t0 = jnp.asarray(0.0, jnp.float32)
        res["jax jit"] = timer(lambda: jax.block_until_ready(
            jstep(jp, zeros, zeros, t0, jX, jy)))
    if have["torch"]:
        import torch
        tp = [{k: torch.tensor(v, requires_grad=True) for k, v in p.items()} for p in params]
        flat = [v for p in tp for v in p.values()]
        topt = torch.optim.Adam(flat, lr=1e-3)
        tX, ty = torch.tensor(X), torch.tensor(y)
        tloss = ce_loss(torch, lambda z: torch.log_softmax(z, 1))

        def tstep():
            topt.zero_grad()
            tloss(tp, tX, ty).backward()
            topt.step()
        res["torch eager"] = timer(tstep)
    if have["autograd"]:
        import autograd
        import autograd.numpy as anp
        from autograd.scipy.special import logsumexp
        aloss = ce_loss(anp, lambda z: z - logsumexp(z, axis=1, keepdims=True))
        astep = numpy_adam(autograd.grad(aloss))
        res["autograd + numpy adam"] = timer(lambda: astep(params, X, y))
    return res, "One Adam step of an MLP 64-256-256-10 in float32 on a batch of 128."


# --- W3: elementwise value_and_grad on 1e6 float64 ------------------------------------------

def w3_elementwise(have, timer):
    x = RNG.normal(size=1_000_000)

    def f(m):
        return lambda x: m.sum(m.tanh(x) * m.sin(x) + m.exp(-x ** 2))

    vg = fg.jit(fg.value_and_grad(f(fnp)))
    res = {"funcgrad jit": timer(lambda: vg(x))}
    if have["jax"]:
        import jax
        import jax.numpy as jnp
        jvg = jax.jit(jax.value_and_grad(f(jnp)))
        jx = jnp.asarray(x)
        res["jax jit"] = timer(lambda: jax.block_until_ready(jvg(jx)))
    if have["torch"]:
        import torch
        tx = torch.tensor(x, requires_grad=True)

        def tvg():
            v = f(torch)(tx)
            return v, torch.autograd.grad(v, tx)
        res["torch eager"] = timer(tvg)
    if have["autograd"]:
        import autograd
        import autograd.numpy as anp
        res["autograd"] = timer(lambda: autograd.value_and_grad(f(anp))(x))

    def numpy_vg():
        t, s, e = np.tanh(x), np.sin(x), np.exp(-x * x)
        v = np.sum(t * s + e)
        return v, (1 - t * t) * s + t * np.cos(x) - 2 * x * e
    res["numpy (hand-written)"] = timer(numpy_vg)
    np.testing.assert_allclose(vg(x)[1], numpy_vg()[1], rtol=1e-9, atol=1e-12)
    return res, "value_and_grad of sum(tanh(x) sin(x) + exp(-x^2)), x of 1e6 float64."


# --- W4: Hessian of Rosenbrock in 64 dimensions, jitted ---------------------------------------

def rosen(m):
    return lambda x: m.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def w4_hessian(have, timer):
    x = RNG.uniform(-1, 1, 64)
    h = fg.jit(fg.hessian(rosen(fnp)))
    res = {"funcgrad jit": timer(lambda: h(x))}
    if have["jax"]:
        import jax
        import jax.numpy as jnp
        jh = jax.jit(jax.hessian(rosen(jnp)))
        jx = jnp.asarray(x)
        res["jax jit"] = timer(lambda: jax.block_until_ready(jh(jx)))
        np.testing.assert_allclose(h(x), np.asarray(jh(jx)), rtol=1e-10)
    if have["torch"]:
        import torch
        tx = torch.tensor(x)
        res["torch eager"] = timer(lambda: torch.autograd.functional.hessian(rosen(torch), tx))
    if have["autograd"]:
        import autograd
        import autograd.numpy as anp
        ah = autograd.hessian(rosen(anp))
        res["autograd"] = timer(lambda: ah(x))
    return res, "hessian(rosenbrock) at a 64-dim point (forward-over-reverse)."


# --- W5: first-call latency of the W2 step in a fresh process ---------------------------------

W5_FG = textwrap.dedent("""
    import time; t0 = time.perf_counter()
    import sys; sys.path.insert(0, %r)
    import numpy as np, funcgrad as fg, funcgrad.optim as optim, funcgrad.numpy as fnp
    from workloads import ce_loss, fg_log_softmax, mlp_params, digits_batch
    X, y = digits_batch(); params = mlp_params([64, 256, 256, 10], np.float32)
    opt = optim.adam(1e-3); loss = ce_loss(fnp, fg_log_softmax)
    t1 = time.perf_counter()
    @fg.jit
    def step(params, state, X, y):
        g = fg.grad(loss)(params, X, y)
        u, state = opt.update(g, state, params)
        return optim.apply_updates(params, u), state
    step(params, opt.init(params), X, y)
    print(time.perf_counter() - t1, t1 - t0)
""")

W5_JAX = textwrap.dedent("""
    import time; t0 = time.perf_counter()
    import sys; sys.path.insert(0, %r)
    import jax, jax.numpy as jnp, numpy as np
    from workloads import ce_loss, mlp_params, digits_batch, jax_adam_step
    X, y = digits_batch(); params = mlp_params([64, 256, 256, 10], np.float32)
    loss = ce_loss(jnp, jax.nn.log_softmax)
    zeros = jax.tree_util.tree_map(np.zeros_like, params)
    t1 = time.perf_counter()
    step = jax.jit(jax_adam_step(loss))
    jax.block_until_ready(step(params, zeros, zeros, np.float32(0), X, y))
    print(time.perf_counter() - t1, t1 - t0)
""")


def _first_call(prog, env):
    r = subprocess.run([sys.executable, "-c", prog], env=env, capture_output=True, text=True,
                       timeout=600)
    if r.returncode:
        raise RuntimeError(r.stderr)
    return float(r.stdout.split()[0])


def w5_first_call(have, timer):
    here = os.path.dirname(os.path.abspath(__file__))
    res = {}

    def cold(**extra):  # median over fresh cache directories (both, unless extra names one)
        times = []
        for _ in range(3):
            with tempfile.TemporaryDirectory() as d:
                env = dict(os.environ, FUNCGRAD_CACHE_DIR=os.path.join(d, "c"),
                           FUNCGRAD_KERNEL_CACHE_DIR=os.path.join(d, "k"))
                times.append(_first_call(W5_FG % here, dict(env, **extra)))
        return float(np.median(times))

    # FUNCGRAD_TIERED=0: the compiled code's first result (with tiering, the evaluator's)
    res["funcgrad cold cache, compiled"] = cold(FUNCGRAD_TIERED="0")
    res["funcgrad cold, compiled, FUNCGRAD_COMPILE_WORKERS=1"] = cold(
        FUNCGRAD_TIERED="0", FUNCGRAD_COMPILE_WORKERS="1")
    with tempfile.TemporaryDirectory() as k:  # the kernel library compiled by an earlier run
        _first_call(W5_FG % here, dict(os.environ, FUNCGRAD_KERNEL_CACHE_DIR=k,
                                       FUNCGRAD_CACHE_DIR=os.path.join(k, "first"),
                                       FUNCGRAD_TIERED="0"))
        res["funcgrad new cache dir, kernels cached, compiled"] = cold(
            FUNCGRAD_KERNEL_CACHE_DIR=k, FUNCGRAD_TIERED="0")
    with tempfile.TemporaryDirectory() as d:
        env = dict(os.environ, FUNCGRAD_CACHE_DIR=d, FUNCGRAD_TIERED="0")
        _first_call(W5_FG % here, env)
        res["funcgrad warm disk cache, compiled"] = float(np.median(
            [_first_call(W5_FG % here, env) for _ in range(3)]))
    res["funcgrad cold, tiered (the default)"] = cold(FUNCGRAD_TIERED="1")
    if have["jax"]:
        res["jax (no persistent cache)"] = float(np.median(
            [_first_call(W5_JAX % here, dict(os.environ)) for _ in range(2)]))
    return res, ("Seconds from defining the jitted W2 step to its first result, in a new "
                 "process (imports excluded; funcgrad imports Numba at the first jit call, so "
                 "that is included). Cold: a new FUNCGRAD_CACHE_DIR and a new "
                 "FUNCGRAD_KERNEL_CACHE_DIR (as after installing or upgrading); 'kernels "
                 "cached': only the kernel library compiled, by an earlier program. The "
                 "step's ~500 generated lines are compiled as two pieces at once, one in a "
                 "forked process (FUNCGRAD_COMPILE_WORKERS, default: the usable CPUs). Tiered "
                 "(the default) answers the first calls with the NumPy evaluator while another "
                 "process compiles; FUNCGRAD_TIERED=0 waits for the compiled code, as the "
                 "'compiled' rows measure. benchmarks/first_calls.py has more.")


# --- W6: dispatch, jit(grad(f)) on Python floats ----------------------------------------------

def w6_dispatch(have, timer):
    f = lambda x, y: x * y + fnp.sin(x)  # noqa: E731
    g = fg.jit(fg.grad(f))
    res = {"funcgrad jit": timer(lambda: g(1.5, 2.0))}
    assert abs(g(1.5, 2.0) - (2.0 + np.cos(1.5))) < 1e-12
    if have["jax"]:
        import jax
        import jax.numpy as jnp
        jg = jax.jit(jax.grad(lambda x, y: x * y + jnp.sin(x)))
        res["jax jit"] = timer(lambda: jax.block_until_ready(jg(1.5, 2.0)))
    if have["torch"]:
        import torch

        def tg():
            x = torch.tensor(1.5, requires_grad=True)
            return torch.autograd.grad(x * 2.0 + torch.sin(x), x)
        res["torch eager"] = timer(tg)
    if have["autograd"]:
        import autograd
        import autograd.numpy as anp
        ag = autograd.grad(lambda x, y: x * y + anp.sin(x))
        res["autograd"] = timer(lambda: ag(1.5, 2.0))
    return res, "Per-call time of a compiled scalar gradient: dispatch overhead dominates."


# --- K: the vectorizable math kernels on 1e6 float64 ------------------------------------------

def k_kernels(have, timer):
    """Each kernel as fg.jit compiles it (a loop calling funcgrad's kernel), against NumPy's
    ufunc and a Numba loop calling libm (math.*), which does not vectorize."""
    import math

    from numba import njit

    import funcgrad.nn as nn
    x = RNG.uniform(-5, 5, 1_000_000)
    pos = np.abs(x) + 1e-3
    # numba.njit needs Python functions, not the builtins themselves
    libm = {"exp": lambda v: math.exp(v), "expm1": lambda v: math.expm1(v),
            "log": lambda v: math.log(v), "log1p": lambda v: math.log1p(v),
            "tanh": lambda v: math.tanh(v), "sin": lambda v: math.sin(v),
            "cos": lambda v: math.cos(v), "logistic": lambda v: 1.0 / (1.0 + math.exp(-v)),
            "sinh": lambda v: math.sinh(v), "cosh": lambda v: math.cosh(v),
            "arcsinh": lambda v: math.asinh(v), "arccosh": lambda v: math.acosh(v),
            "arctanh": lambda v: math.atanh(v), "exp2": lambda v: math.pow(2.0, v),
            "tan": lambda v: math.tan(v), "arctan": lambda v: math.atan(v),
            "arcsin": lambda v: math.asin(v), "arccos": lambda v: math.acos(v),
            "cbrt": lambda v: np.cbrt(v),  # (Numba has no math.cbrt: libm's cbrt either way)
            "power": lambda v: v ** 1.7}
    fns = {"exp": (fnp.exp, np.exp), "expm1": (fnp.expm1, np.expm1), "log": (fnp.log, np.log),
           "log1p": (fnp.log1p, np.log1p), "tanh": (fnp.tanh, np.tanh),
           "logistic": (nn.sigmoid, lambda v: 1.0 / (1.0 + np.exp(-v))),
           "sin": (fnp.sin, np.sin), "cos": (fnp.cos, np.cos), "sinh": (fnp.sinh, np.sinh),
           "cosh": (fnp.cosh, np.cosh), "arcsinh": (fnp.arcsinh, np.arcsinh),
           "arccosh": (fnp.arccosh, np.arccosh), "arctanh": (fnp.arctanh, np.arctanh),
           "exp2": (fnp.exp2, np.exp2), "tan": (fnp.tan, np.tan),
           "arctan": (fnp.arctan, np.arctan), "arcsin": (fnp.arcsin, np.arcsin),
           "arccos": (fnp.arccos, np.arccos), "cbrt": (fnp.cbrt, np.cbrt),
           "power": (lambda v: v ** 1.7, lambda v: v ** 1.7)}
    unit = x / 5.001  # in (-1, 1)
    args = {"log": pos, "log1p": pos, "power": pos, "arccosh": pos + 1.0, "arctanh": unit,
            "arcsin": unit, "arccos": unit}

    def measure(name, a):
        """(funcgrad, NumPy, Numba loop over libm) times of ``name`` on ``a``."""
        compiled, np_fn, m = fg.jit(fns[name][0]), fns[name][1], njit(libm[name])

        @njit
        def loop(v, out):
            for i in range(v.shape[0]):
                out[i] = m(v[i])
            return out

        out = np.empty_like(a)
        return (timer(lambda: compiled(a)), timer(lambda: np_fn(a)),
                timer(lambda: loop(a, out)))

    rows = {name: measure(name, args.get(name, x)) for name in fns}
    libm["softplus"] = lambda v: max(v, 0.0) + math.log1p(math.exp(-abs(v)))
    fns["softplus"] = (nn.softplus, lambda v: np.logaddexp(v, 0.0))
    rows["softplus"] = measure("softplus", x)
    for name in ("softplus", "exp", "expm1", "log", "log1p", "tanh", "logistic", "sin", "cos",
                 "tan", "sinh", "cosh", "arctan", "arcsin", "arccos", "cbrt", "arcsinh",
                 "arccosh", "arctanh", "exp2", "power"):
        rows[f"{name}, float32"] = measure(name, args.get(name, x).astype(np.float32))
    return rows, ("Milliseconds for 1e6 float64 values in [-5, 5] (logs of positive values, "
                  "arccosh of values above 1, arctanh, arcsin and arccos of values in "
                  "(-1, 1), power is x ** 1.7 of positive x): funcgrad's "
                  "kernel in compiled code (a fresh output array, as fg.jit returns), NumPy's "
                  "ufunc, and a Numba loop over libm's math.*. softplus is logaddexp(x, 0) "
                  "(NumPy's, which Numba compiles too, calls libm). The float32 rows: the "
                  "same values in float32, against NumPy's float32 ufuncs (the Numba loop "
                  "computes in float64).")


# --- R: reductions, 1e6 float64 ------------------------------------------------------------

def r_reductions(have, timer):
    """Reductions as fg.jit compiles them, against NumPy, JAX (jit) and PyTorch on the same
    arrays: a whole vector, and the rows or columns of a 1000 x 1000 matrix."""
    x = RNG.normal(size=1_000_000)
    m = x.reshape(1000, 1000)

    def logsumexp_rows(np_):
        return lambda a: np_.log(np_.sum(np_.exp(a - np_.max(a, axis=1, keepdims=True)),
                                         axis=1))
    cases = {"max": (lambda a: a.max(), x), "argmax": (lambda a: a.argmax(), x),
             "max of rows": (lambda a: a.max(axis=1), m),
             "argmax of rows": (lambda a: a.argmax(axis=1), m),
             "argmax of columns": (lambda a: a.argmax(axis=0), m),
             "sum": (lambda a: a.sum(), x)}
    peers, lse_in = {}, {}  # how each peer runs a case; its logsumexp of rows
    if have["jax"]:
        import jax
        import jax.numpy as jnp

        def in_jax(f, a):
            jf, ja = jax.jit(f), jnp.asarray(a)
            return lambda: jax.block_until_ready(jf(ja))
        peers["jax"], lse_in["jax"] = in_jax, logsumexp_rows(jnp)
    if have["torch"]:
        import torch

        def in_torch(f, a):
            ta = torch.as_tensor(a)
            return lambda: f(ta)
        peers["torch"] = in_torch
        lse_in["torch"] = lambda a: torch.log(torch.sum(torch.exp(a - torch.amax(a, 1, True)),
                                                        1))
    rows = {}
    for name, (f, a) in list(cases.items()) + [("logsumexp of rows", (None, m))]:
        ours = fg.jit(logsumexp_rows(fnp) if f is None else
                      lambda v, f=f: f(fnp.asarray(v)))
        npf = logsumexp_rows(np) if f is None else f
        row = [timer(lambda c=ours, a=a: c(a)), timer(lambda f=npf, a=a: f(a))]
        for peer in ("jax", "torch"):
            if peer not in peers:
                row.append(float("nan"))
            elif f is None:
                row.append(timer(peers[peer](lse_in[peer], a)))
            else:
                row.append(timer(peers[peer](f, a)))
        rows[name] = tuple(row)
    return rows, ("Milliseconds for 1e6 float64 values: a vector, or a 1000 x 1000 matrix by "
                  "rows or columns (funcgrad returns a fresh array, as do the others).")


r_reductions.columns = ("funcgrad (fg.jit)", "NumPy", "JAX jit", "PyTorch")


# --- W7: the user's script, start to exit ------------------------------------------------------

W7_RUNS = 3


def _script_seconds(argv, env):
    """Wall seconds of a fresh process, from start to exit."""
    t0 = time.perf_counter()
    r = subprocess.run(argv, env=dict(env, MPLBACKEND="Agg"), capture_output=True, text=True,
                       timeout=900)
    if r.returncode:
        raise RuntimeError(f"{' '.join(argv)} failed:\n{r.stderr}")
    return time.perf_counter() - t0


def _median_runs(argv, make_env, runs=W7_RUNS):
    """Median over ``runs`` of ``argv``, each with ``make_env(tmp)`` for a new temporary
    directory (fresh caches) or the same env (warm ones)."""
    times = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as d:
            times.append(_script_seconds(argv + [os.path.join(d, "out")], make_env(d)))
    return float(np.median(times))


def _w7(example, have):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    here = os.path.join(root, "benchmarks")
    fg_argv = [sys.executable, os.path.join(root, "examples", f"{example}.py")]
    # the user's script runs with funcgrad's defaults (run.py turns tiering off for the rest)
    user = {k: v for k, v in os.environ.items()
            if k not in ("FUNCGRAD_TIERED", "FUNCGRAD_TIER_UP_AFTER")}
    res = {}
    res["funcgrad cold (new cache dirs)"] = _median_runs(fg_argv, lambda d: dict(
        user, FUNCGRAD_CACHE_DIR=os.path.join(d, "c"),
        FUNCGRAD_KERNEL_CACHE_DIR=os.path.join(d, "k")))
    with tempfile.TemporaryDirectory() as warm:
        env = dict(user, FUNCGRAD_CACHE_DIR=os.path.join(warm, "c"),
                   FUNCGRAD_KERNEL_CACHE_DIR=os.path.join(warm, "k"))
        _script_seconds(fg_argv + [os.path.join(warm, "out")], env)
        res["funcgrad new cache dir, kernels cached"] = _median_runs(fg_argv, lambda d: dict(
            env, FUNCGRAD_CACHE_DIR=os.path.join(d, "c")))
        res["funcgrad warm cache"] = _median_runs(fg_argv, lambda d: env)
        # the compiled code's run: the cache filled by a run that waited for it
        compiled = dict(env, FUNCGRAD_TIERED="0")
        _script_seconds(fg_argv + [os.path.join(warm, "out")], compiled)
        res["funcgrad FUNCGRAD_TIERED=0, warm cache"] = _median_runs(fg_argv, lambda d: compiled)
    peers = [("numpy", True), ("jax", have["jax"]), ("torch", have["torch"])]
    for lib, present in peers:
        if not present:
            continue
        argv = [sys.executable, os.path.join(here, f"w7_{lib}.py"), example]
        label = f"{lib} (no persistent cache)" if lib == "jax" else lib
        res[label] = _median_runs(argv, lambda d: dict(os.environ))
        if lib == "jax":  # with JAX's persistent compilation cache, warm
            with tempfile.TemporaryDirectory() as jc:
                env = dict(os.environ, JAX_COMPILATION_CACHE_DIR=jc,
                           JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS="0")
                _script_seconds(argv + [os.path.join(jc, "out")], env)
                res["jax, warm persistent cache"] = _median_runs(argv, lambda d: env)
    return res


def w7_moons(have, timer):
    return _w7("moons", have), (
        "Wall seconds of `python examples/moons.py OUT` as a new process, start to exit "
        "(imports, data, 100 steps, two plots, the saved parameters), median of "
        f"{W7_RUNS}, with funcgrad's defaults (tiered execution; the native code is loaded "
        "after 0.5 s of evaluator time if cached, else compiled after 2 s: "
        "FUNCGRAD_TIER_UP_AFTER). Cold: new FUNCGRAD_CACHE_DIR and FUNCGRAD_KERNEL_CACHE_DIR; "
        "'kernels cached': a new FUNCGRAD_CACHE_DIR only; "
        "'warm': after a run of the same script; 'FUNCGRAD_TIERED=0': compiled code only, "
        "the cache filled by such a run. Peers: the same script for NumPy, JAX and "
        "PyTorch (benchmarks/w7_*.py), same model, data, steps, optimizer and outputs.")


def w7_digits(have, timer):
    return _w7("digits", have), (
        "Wall seconds of `python examples/digits.py OUT` (20 epochs of Adam on the 8x8 digits, "
        f"batch 128, a plot, the parameters saved and reloaded), median of {W7_RUNS}; "
        "caches and peers as for moons.")


ALL = [
    ("W0", "eager grad, micrograd moons MLP 2-16-16-1, 100 points", w0_eager_grad),
    ("W1", "micrograd moons step (jit)", w1_moons_step),
    ("W2", "digits step, MLP 64-256-256-10 f32, batch 128, Adam", w2_digits_step),
    ("W3", "elementwise value_and_grad, 1e6 float64", w3_elementwise),
    ("W4", "hessian of Rosenbrock, 64 dims, jitted", w4_hessian),
    ("W5", "first-call latency of the W2 step", w5_first_call),
    ("W6", "dispatch: jit(grad(f)) on Python floats", w6_dispatch),
    ("W7", "the user's script: python examples/moons.py", w7_moons),
    ("W7", "the user's script: python examples/digits.py", w7_digits),
    ("K", "vectorizable math kernels, 1e6 float64", k_kernels),
    ("R", "reductions, 1e6 float64", r_reductions),
]
