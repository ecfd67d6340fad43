import chex
import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import jaxnets as jn
from jaxnets.train.epoch import BatchPlan
from jaxnets.train.fit import get_runner
from tests.helpers import blobs

X, Y = blobs(32, d=5)


def _state(model, tx=None, seed=0):
    return jn.TrainState.create(model, tx or optax.sgd(0.1), X[:1], seed=seed)


def _batch(x=X, y=Y):
    return jn.Batch(jnp.asarray(x), jnp.asarray(y), jnp.ones(len(x), jnp.float32))


def _leaves_equal(a, b):
    return all(np.array_equal(np.asarray(p), np.asarray(q))
               for p, q in zip(jax.tree_util.tree_leaves(a), jax.tree_util.tree_leaves(b),
                               strict=True))


# --- dropout ------------------------------------------------------------------------------

def test_dropout_is_inverted_scaling_and_preserves_the_mean():
    rate = 0.3
    ones = jnp.ones((200_000,))
    out = nn.Dropout(rate).apply({}, ones, deterministic=False,
                                 rngs={"dropout": jax.random.PRNGKey(0)})
    kept = np.asarray(out) != 0
    np.testing.assert_allclose(np.asarray(out)[kept], 1 / (1 - rate), rtol=1e-6)
    assert abs(kept.mean() - (1 - rate)) < 0.005
    assert abs(float(out.mean()) - 1.0) < 0.01


def test_mlp_dropout_expectation_equals_eval_output_and_eval_is_deterministic():
    # dropout follows the last hidden activation and the output layer is linear, so the
    # expectation of the training-mode output over dropout masks is the eval output
    model = jn.nn.MLP((16, 3), dropout=0.5)
    variables = model.init(jax.random.PRNGKey(0), X[:4])
    keys = jax.random.split(jax.random.PRNGKey(1), 4000)
    sample = jax.vmap(lambda k: model.apply(variables, X[:4], train=True, rngs={"dropout": k}))
    mean = np.asarray(sample(keys).mean(0))
    evaluated = np.asarray(model.apply(variables, X[:4], train=False))
    scale = np.abs(evaluated).max()
    np.testing.assert_allclose(mean, evaluated, atol=0.05 * scale)
    # eval mode is the identity (same as a model without dropout) and needs no key
    plain = jn.nn.MLP((16, 3)).apply(variables, X[:4])
    np.testing.assert_allclose(evaluated, plain, rtol=1e-6)


def test_dropout_mask_is_keyed_per_step():
    model = jn.nn.MLP((16, 3), dropout=0.5)
    step = jax.jit(jn.make_train_step())
    state = _state(model)
    a, _ = step(state, _batch())
    b, _ = step(state, _batch())
    assert _leaves_equal(a.params, b.params)  # same state, same key: same masks
    c, _ = step(state.replace(step=state.step + 1), _batch())
    assert not _leaves_equal(a.params, c.params)  # next step: fresh masks


# --- batch normalisation ------------------------------------------------------------------

def _bn_pre_activation(variables, x):
    p = variables["params"]["dense_0"]
    return np.asarray(x, np.float64) @ np.asarray(p["kernel"]) + np.asarray(p["bias"])


@pytest.mark.parametrize("jit", [True, False])
def test_batch_norm_running_statistics_match_numpy(jit):
    model = jn.nn.MLP((6, 3), batch_norm=True)
    state = _state(model, optax.sgd(0.0))  # lr 0: parameters stay, only statistics move
    step = jn.make_train_step()
    step = jax.jit(step) if jit else step
    mean, var = np.zeros(6), np.ones(6)
    for i in range(2):
        xb = X[8 * i: 8 * (i + 1)]
        h = _bn_pre_activation(state.variables, xb)
        mean = 0.99 * mean + 0.01 * h.mean(0)
        var = 0.99 * var + 0.01 * h.var(0)  # biased batch variance, as Flax uses
        state, _ = step(state, _batch(xb, Y[8 * i: 8 * (i + 1)]))
    stats = state.model_state["batch_stats"]["bn_0"]
    np.testing.assert_allclose(stats["mean"], mean, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(stats["var"], var, rtol=1e-4, atol=1e-6)


def test_batch_norm_eval_uses_running_statistics():
    model = jn.nn.MLP((6, 3), batch_norm=True)
    state = _state(model)
    state, _ = jax.jit(jn.make_train_step())(state, _batch())
    p = jax.tree_util.tree_map(np.asarray, state.params)
    s = jax.tree_util.tree_map(np.asarray, state.model_state["batch_stats"]["bn_0"])
    h = _bn_pre_activation(state.variables, X)
    z = (h - s["mean"]) / np.sqrt(s["var"] + 1e-5) * p["bn_0"]["scale"] + p["bn_0"]["bias"]
    out = np.maximum(z, 0) @ p["dense_1"]["kernel"] + p["dense_1"]["bias"]
    np.testing.assert_allclose(jn.predict(state, X), out, rtol=1e-4, atol=1e-5)
    # the eval-mode loss is that of these outputs (statistics are not updated by evaluation)
    logp = out - np.log(np.exp(out).sum(1, keepdims=True))
    loss = -logp[np.arange(len(Y)), Y].mean()
    np.testing.assert_allclose(jn.evaluate(state, (X, Y))["loss"], loss, rtol=1e-4)


def test_batch_norm_in_the_scanned_epoch_equals_a_python_loop():
    model = jn.nn.MLP((6, 3), batch_norm=True)
    result = jn.fit(model, optax.sgd(0.05), (X, Y), epochs=1, batch_size=8, shuffle=False,
                    strategy="scan", verbose=False)
    state, step = _state(model, optax.sgd(0.05)), jax.jit(jn.make_train_step())
    for i in range(4):
        state, _ = step(state, _batch(X[8 * i: 8 * (i + 1)], Y[8 * i: 8 * (i + 1)]))
    chex.assert_trees_all_close(result.state.model_state, state.model_state, rtol=1e-5,
                                atol=1e-6)
    chex.assert_trees_all_close(result.state.params, state.params, rtol=1e-5, atol=1e-6)


def test_batch_norm_under_vmap_matches_each_member():
    model = jn.nn.MLP((6, 3), batch_norm=True)
    tx = optax.sgd(0.05)  # one transformation: it is static metadata of the stacked state
    members = [_state(model, tx, seed=s) for s in (0, 1)]
    stacked = jax.tree_util.tree_map(lambda *a: jnp.stack(a), *members)
    plan = BatchPlan(len(X), 8)
    x, y = jnp.asarray(X), jnp.asarray(Y)
    pop, _ = get_runner("cross_entropy", ("accuracy",), "scan", 4, True,
                        vmap=True).train_epoch(stacked, x, y, plan, 3)
    single = get_runner("cross_entropy", ("accuracy",), "scan", 4, True)
    for i, member in enumerate(members):
        alone, _ = single.train_epoch(member, x, y, plan, 3)
        chex.assert_trees_all_close(jax.tree_util.tree_map(lambda a, i=i: a[i], pop.model_state),
                                    alone.model_state, rtol=1e-5, atol=1e-6)


# --- L1 / L2 penalties and decoupled weight decay ----------------------------------------

def _objective(model, params, l1, l2):
    logits = model.apply({"params": params}, X)
    data = optax.softmax_cross_entropy_with_integer_labels(logits, Y).mean()
    kernels = [params[k]["kernel"] for k in params]
    return data + l1 * sum(jnp.abs(w).sum() for w in kernels) \
        + l2 * 0.5 * sum((w ** 2).sum() for w in kernels)


@pytest.mark.parametrize("l1, l2, jit", [(0.01, 0.0, True), (0.0, 0.1, True),
                                         (0.02, 0.05, False)])
def test_penalised_step_follows_jax_grad_of_loss_plus_penalty(l1, l2, jit):
    model = jn.nn.MLP((8, 3))
    state = _state(model, optax.sgd(1.0))
    step = jn.make_train_step(regularizer=jn.regularization.regularizer(l1=l1, l2=l2))
    new, _ = (jax.jit(step) if jit else step)(state, _batch())
    grads = jax.grad(lambda p: _objective(model, p, l1, l2))(state.params)
    expected = jax.tree_util.tree_map(lambda p, g: p - g, state.params, grads)
    chex.assert_trees_all_close(new.params, expected, rtol=1e-5, atol=1e-6)


def test_penalty_through_fit_full_batch_equals_one_gradient_step():
    model, l1, l2, lr = jn.nn.MLP((8, 3)), 0.01, 0.1, 0.5
    result = jn.fit(model, optax.sgd(lr), (X, Y), epochs=1, batch_size=None, verbose=False,
                    regularizer=jn.regularization.regularizer(l1=l1, l2=l2))
    state = _state(model, optax.sgd(lr))
    grads = jax.grad(lambda p: _objective(model, p, l1, l2))(state.params)
    expected = jax.tree_util.tree_map(lambda p, g: p - lr * g, state.params, grads)
    chex.assert_trees_all_close(result.state.params, expected, rtol=1e-5, atol=1e-6)


def test_decoupled_weight_decay_through_fit():
    model, lr, wd = jn.nn.MLP((8, 3)), 0.5, 0.1
    result = jn.fit(model, optax.sgd(lr), (X, Y), epochs=1, batch_size=None, verbose=False,
                    weight_decay=wd)
    state = _state(model, optax.sgd(lr))
    grads = jax.grad(lambda p: _objective(model, p, 0.0, 0.0))(state.params)

    def expected(path, p, g):
        decay = wd if path[-1].key == "kernel" else 0.0  # biases are not decayed
        return p - lr * g - decay * p

    chex.assert_trees_all_close(
        result.state.params,
        jax.tree_util.tree_map_with_path(expected, state.params, grads), rtol=1e-5, atol=1e-6)
    # with Adam the decay is not rescaled by the adaptive denominator (decoupled)
    adam = jn.regularization.decoupled_weight_decay(optax.adam(1e-3), wd)
    params = {"dense": {"kernel": jnp.full((2, 2), 3.0), "bias": jnp.ones(2)}}
    zero = jax.tree_util.tree_map(jnp.zeros_like, params)
    updates, _ = adam.update(zero, adam.init(params), params)
    np.testing.assert_allclose(updates["dense"]["kernel"], -wd * 3.0)
    np.testing.assert_allclose(updates["dense"]["bias"], 0.0)


def test_weight_decay_keeps_the_learning_rate_injected_and_checks_its_argument():
    tx = jn.regularization.decoupled_weight_decay(jn.optim.sgd(0.1), 0.01)
    state = jn.TrainState.create(jn.nn.MLP((4, 3)), tx, X[:1])
    np.testing.assert_allclose(jn.optim.get_hyperparam(state.opt_state), 0.1)
    for bad in (-0.1, 1.0, float("nan")):
        with pytest.raises(ValueError, match="weight_decay"):
            jn.fit(jn.nn.MLP((4, 3)), "sgd", (X, Y), epochs=1, weight_decay=bad, verbose=False)
