"""Optimizers: each against a plain NumPy loop of its paper's update, parabola and
Rosenbrock minimisation without recompiling, clipping, L1, weight decay, freezing,
vmapped populations and bad input."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import jaxnets as jn

G = np.random.default_rng(0).normal(size=(12, 2, 3)).astype(np.float32)  # scripted gradients
W0 = np.random.default_rng(1).normal(size=(2, 3)).astype(np.float32)


def run_scripted(tx, jit):
    """Apply ``tx`` to the scripted gradients; returns the parameters after each step."""
    def step(w, s, g):
        u, s = tx.update(g, s, w)
        return optax.apply_updates(w, u), s

    step = jax.jit(step) if jit else step
    w, s, out = jnp.asarray(W0), tx.init(jnp.asarray(W0)), []
    for g in G:
        w, s = step(w, s, jnp.asarray(g))
        out.append(np.asarray(w))
    return np.stack(out)


def np_loop(update, state):
    """A NumPy loop: ``update(w, g, state, t) -> (w, state)`` over the scripted gradients."""
    w, out = W0.astype(np.float64), []
    for t, g in enumerate(G.astype(np.float64), start=1):
        w, state = update(w, g, state, t)
        out.append(w)
    return np.stack(out)


def np_sgd(lr):
    return lambda w, g, s, t: (w - lr * g, s)


def np_momentum(lr, mu, nesterov):
    def update(w, g, v, t):
        v = mu * v + g
        return w - lr * ((g + mu * v) if nesterov else v), v
    return update


def np_adam(lr, b1=0.9, b2=0.999, eps=1e-8, wd=0.0):
    def update(w, g, s, t):
        m, v = s
        m, v = b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g * g
        mh, vh = m / (1 - b1**t), v / (1 - b2**t)
        return w - lr * (mh / (np.sqrt(vh) + eps) + wd * w), (m, v)
    return update


def np_rmsprop(lr, rho=0.9, eps=1e-8, centered=False):
    def update(w, g, s, t):
        ms, mg = s
        ms, mg = rho * ms + (1 - rho) * g * g, rho * mg + (1 - rho) * g
        denom = ms - mg**2 if centered else ms
        return w - lr * g / np.sqrt(denom + eps), (ms, mg)
    return update


def np_adagrad(lr, eps=1e-7):
    def update(w, g, s, t):
        s = s + g * g
        return w - lr * g / np.sqrt(s + eps), s
    return update


def np_adabound(lr, final_lr, gamma, b1=0.9, b2=0.999, eps=1e-8, ams=False):
    """Luo et al. (2019), Algorithm 2 as in the authors' reference code."""
    def update(w, g, s, t):
        m, v, vmax = s
        m, v = b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g * g
        vmax = np.maximum(vmax, v)
        step = lr * np.sqrt(1 - b2**t) / (1 - b1**t)
        eta = step / (np.sqrt(vmax if ams else v) + eps)
        eta = np.clip(eta, final_lr * (1 - 1 / (gamma * t + 1)), final_lr * (1 + 1 / (gamma * t)))
        return w - eta * m, (m, v, vmax)
    return update


Z = np.zeros_like(W0, np.float64)
CASES = {
    "sgd": (lambda: jn.optim.sgd(0.1), np_sgd(0.1), None),
    "momentum": (lambda: jn.optim.momentum(0.05, 0.9), np_momentum(0.05, 0.9, False), Z),
    "nesterov": (lambda: jn.optim.nesterov(0.05, 0.9), np_momentum(0.05, 0.9, True), Z),
    "adam": (lambda: jn.optim.adam(0.01), np_adam(0.01), (Z, Z)),
    "adamw": (lambda: jn.optim.adamw(0.01, weight_decay=0.1), np_adam(0.01, wd=0.1), (Z, Z)),
    "rmsprop": (lambda: jn.optim.rmsprop(0.01), np_rmsprop(0.01), (Z, Z)),
    "rmsprop_centered": (lambda: jn.optim.rmsprop(0.01, centered=True),
                         np_rmsprop(0.01, centered=True), (Z, Z)),
    "adagrad": (lambda: jn.optim.adagrad(0.1), np_adagrad(0.1), Z + 0.1),
    "adabound": (lambda: jn.optim.adabound(0.01, final_lr=0.05, gamma=0.1),
                 np_adabound(0.01, 0.05, 0.1), (Z, Z, Z)),
    "amsbound": (lambda: jn.optim.amsbound(0.01, final_lr=0.05, gamma=0.1),
                 np_adabound(0.01, 0.05, 0.1, ams=True), (Z, Z, Z)),
}


@pytest.mark.parametrize("jit", [False, True])
@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_numpy_loop_of_the_paper(name, jit):
    make, update, state = CASES[name]
    np.testing.assert_allclose(run_scripted(make(), jit), np_loop(update, state), rtol=2e-5,
                               atol=2e-6)


@pytest.mark.parametrize("ams", [False, True])
def test_adabound_100_steps_step_by_step(ams):
    rng = np.random.default_rng(2)
    grads = rng.normal(size=(100, 4)).astype(np.float32) * np.array([1e-3, 1.0, 10.0, 0.1], np.float32)
    tx = (jn.optim.amsbound if ams else jn.optim.adabound)(1e-2, final_lr=0.1, gamma=1e-2)
    scan_step = jax.jit(lambda c, g: (lambda u_s: ((optax.apply_updates(c[0], u_s[0]), u_s[1]),
                                                   optax.apply_updates(c[0], u_s[0])))(
        tx.update(g, c[1], c[0])))
    w0 = jnp.ones(4)
    _, traj = jax.lax.scan(scan_step, (w0, tx.init(w0)), jnp.asarray(grads))
    update = np_adabound(1e-2, 0.1, 1e-2, ams=ams)
    w, s = np.ones(4), (np.zeros(4),) * 3
    for t, g in enumerate(grads.astype(np.float64), start=1):
        w, s = update(w, g, s, t)
        np.testing.assert_allclose(traj[t - 1], w, rtol=1e-5, atol=1e-6, err_msg=f"step {t}")


def rosenbrock(w):
    return (1 - w[0]) ** 2 + 100 * (w[1] - w[0] ** 2) ** 2


def parabola(w):
    return jnp.sum(jnp.square(w - jnp.array([1.0, -2.0])))


MINIMISERS = {  # learning rates that solve Rosenbrock from (-1, 1) in 10k steps
    "sgd": lambda: jn.optim.sgd(2e-3),
    "momentum": lambda: jn.optim.momentum(2e-4),
    "nesterov": lambda: jn.optim.nesterov(2e-4),
    "adam": lambda: jn.optim.adam(3e-2),
    "adamw": lambda: jn.optim.adamw(3e-2, weight_decay=0.0),
    "rmsprop": lambda: jn.optim.rmsprop(1e-3),
    "rmsprop_centered": lambda: jn.optim.rmsprop(1e-3, centered=True),
    "adagrad": lambda: jn.optim.adagrad(0.3),
    "adabound": lambda: jn.optim.adabound(1e-2, final_lr=1e-3),
    "amsbound": lambda: jn.optim.amsbound(1e-2, final_lr=1e-3),
}


@pytest.mark.parametrize("name", sorted(MINIMISERS))
def test_minimises_parabola_and_rosenbrock_without_recompiling(name):
    tx = MINIMISERS[name]()

    traces = []

    def minimise(f, steps):
        def run(w0):
            traces.append(f)
            def body(carry, _):
                w, s = carry
                u, s = tx.update(jax.grad(f)(w), s, w)
                return (optax.apply_updates(w, u), s), None
            return jax.lax.scan(body, (w0, tx.init(w0)), None, steps)[0][0]
        return jax.jit(run)

    ros = minimise(rosenbrock, 10_000)
    np.testing.assert_allclose(ros(jnp.array([-1.0, 1.0])), [1.0, 1.0], atol=1e-2)
    assert float(rosenbrock(ros(jnp.array([-0.5, 1.5])))) < 5e-3  # a new start, no retrace
    par = minimise(parabola, 5000)
    np.testing.assert_allclose(par(jnp.array([0.0, 0.0])), [1.0, -2.0], atol=1e-2)
    np.testing.assert_allclose(par(jnp.array([3.0, 1.0])), [1.0, -2.0], atol=1e-2)
    assert traces == [rosenbrock, parabola]  # each compiled once, the second call reused it


def test_hyperparameters_are_injected_and_vmap_over_a_population():
    lrs = jnp.array([1e-3, 1e-2, 1e-1])

    def final(lr):
        tx = jn.optim.adabound(lr, final_lr=0.05)
        w = jnp.ones(3)
        s = tx.init(w)
        for _ in range(3):
            u, s = tx.update(2 * w, s, w)
            w = optax.apply_updates(w, u)
        return w, jn.optim.get_hyperparam(s)

    ws, used = jax.vmap(final)(lrs)
    np.testing.assert_allclose(used, lrs)
    for i, lr in enumerate(lrs):
        np.testing.assert_allclose(ws[i], final(float(lr))[0], rtol=1e-6)
    state = jn.optim.rmsprop(0.1).init(jnp.ones(2))
    state = jn.optim.set_hyperparam(state, "learning_rate", 0.5)
    assert float(jn.optim.get_hyperparam(state)) == 0.5


def test_clipping():
    g = {"a": jnp.array([3.0, 4.0]), "b": jnp.array([12.0])}  # global norm 13
    tx = jn.optim.clip_by_global_norm(1.3)
    u, _ = tx.update(g, tx.init(g))
    np.testing.assert_allclose(u["a"], [0.3, 0.4], rtol=1e-6)
    np.testing.assert_allclose(u["b"], [1.2], rtol=1e-6)
    tx = jn.optim.clip_by_value(3.5)
    u, _ = jax.jit(tx.update)(g, tx.init(g))
    np.testing.assert_allclose(u["a"], [3.0, 3.5])
    np.testing.assert_allclose(u["b"], [3.5])


def test_l1_subgradient_and_proximal_and_decoupled_decay():
    w = {"dense": {"kernel": jnp.array([[0.5, -0.05], [0.0, -2.0]]), "bias": jnp.array([1.0, -1.0])}}
    g = jax.tree_util.tree_map(jnp.zeros_like, w)
    tx = optax.chain(jn.optim.add_l1(0.1), jn.optim.sgd(1.0))
    u, _ = tx.update(g, tx.init(w), w)
    np.testing.assert_allclose(u["dense"]["kernel"], [[-0.1, 0.1], [0.0, 0.1]])
    np.testing.assert_allclose(u["dense"]["bias"], [0.0, 0.0])  # biases not penalised by default

    tx = optax.chain(jn.optim.sgd(0.5), jn.optim.l1_proximal(0.2, 0.5))
    new = optax.apply_updates(w, jax.jit(tx.update)(g, tx.init(w), w)[0])
    # soft threshold at lr * lambda = 0.1: 0.5 -> 0.4, -0.05 -> 0, -2 -> -1.9
    np.testing.assert_allclose(new["dense"]["kernel"], [[0.4, 0.0], [0.0, -1.9]], atol=1e-7)
    np.testing.assert_allclose(new["dense"]["bias"], [1.0, -1.0])

    sched = optax.linear_schedule(1.0, 0.0, 2)
    tx = optax.chain(jn.optim.sgd(sched), jn.optim.decoupled_weight_decay(0.1, sched))
    s = tx.init(w)
    for lr in (1.0, 0.5):
        u, s = tx.update(g, s, w)
        np.testing.assert_allclose(u["dense"]["kernel"], -lr * 0.1 * w["dense"]["kernel"], rtol=1e-6)
        np.testing.assert_allclose(u["dense"]["bias"], 0.0)


def test_freeze_by_names_mask_and_function():
    model = jn.nn.MLP((4, 3))
    params = model.init(jax.random.PRNGKey(0), jnp.ones((1, 5)))["params"]
    g = jax.tree_util.tree_map(jnp.ones_like, params)
    for mask in (["dense_0"], {"dense_0": {"kernel": True, "bias": True},
                               "dense_1": {"kernel": False, "bias": False}},
                 lambda p: jax.tree_util.tree_map_with_path(
                     lambda path, _: path[0].key == "dense_0", p)):
        tx = optax.chain(jn.optim.adam(0.1), jn.optim.freeze(mask))
        u, _ = jax.jit(tx.update)(g, tx.init(params), params)
        assert float(jnp.abs(u["dense_0"]["kernel"]).max()) == 0.0
        assert float(jnp.abs(u["dense_1"]["kernel"]).min()) > 0.0
    with pytest.raises(ValueError, match="dense_9"):
        jn.optim.freeze(["dense_9"]).init(params)


@pytest.mark.parametrize("make,arg", [
    (lambda: jn.optim.adabound(-1e-3), "learning_rate"),
    (lambda: jn.optim.adam(float("nan")), "learning_rate"),
    (lambda: jn.optim.momentum(float("inf")), "learning_rate"),
    (lambda: jn.optim.adabound(final_lr=0.0), "final_lr"),
    (lambda: jn.optim.amsbound(gamma=-1.0), "gamma"),
    (lambda: jn.optim.rmsprop(decay=1.5), "decay"),
    (lambda: jn.optim.adamw(weight_decay=-1.0), "weight_decay"),
    (lambda: jn.optim.clip_by_global_norm(0.0), "max_norm"),
    (lambda: jn.optim.add_l1(-0.1), "strength"),
])
def test_bad_hyperparameters_name_the_argument(make, arg):
    with pytest.raises(ValueError, match=arg):
        make()


def test_optimizers_by_name():
    for name in ("momentum", "nesterov", "adamw", "rmsprop", "adagrad", "adabound", "amsbound"):
        tx = jn.optim.get_optimizer(name, learning_rate=0.01)
        assert isinstance(tx, optax.GradientTransformation)
