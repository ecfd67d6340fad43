import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxnets as jn
from jaxnets import backprop as bp
from jaxnets import diagnostics as dg
from tests.helpers import blobs


def _mlp(widths=(6, 3), activation="tanh", x=None):
    x = blobs(12, d=4)[0] if x is None else x
    model = jn.nn.MLP(widths, activation=activation)
    return model, model.init(jax.random.PRNGKey(0), x)


def test_gradient_check_passes_a_right_gradient_and_flags_a_wrong_one():
    x, y = blobs(12, d=4)
    model, variables = _mlp()
    assert dg.model_gradient_check(model, variables, x, y).ok

    def loss(p, x, y):
        return bp.backprop(p, x, y, activation="tanh", loss="cross_entropy").loss

    right = lambda p, x, y: bp.backprop(p, x, y, activation="tanh", loss="cross_entropy").grads

    def wrong(p, x, y):  # a classic bug: forgetting f'(z) in the hidden layer
        g = right(p, x, y)
        return {**g, "dense_0": {k: 2.0 * v for k, v in g["dense_0"].items()}}

    params = variables["params"]
    good = dg.gradient_check(loss, params, x, y, grad_fn=right)
    bad = dg.gradient_check(loss, params, x, y, grad_fn=wrong)
    assert good.ok and good.max_error < 1e-6
    assert not bad.ok and bad.max_error > 1e-2


def test_fit_records_per_layer_diagnostics():
    x, y = blobs(30, d=4)
    r = jn.fit(jn.nn.MLP((6, 3)), jn.optim.sgd(0.1), (x, y), epochs=2, batch_size=None,
               verbose=False, diagnostics=True)
    for kind in dg.KINDS:
        for layer in ("dense_0", "dense_1"):
            assert len(r.history[f"{kind}/{layer}"]) == 2
    # full batch, one step per epoch: the recorded norm is the gradient at the epoch's start
    model, _ = _mlp()
    state = jn.TrainState.create(jn.nn.MLP((6, 3)), jn.optim.sgd(0.1), x[:1])
    g = dg.gradient_norms(jn.nn.MLP((6, 3)), state.variables, x, y)
    np.testing.assert_allclose(r.history["grad_norm/dense_0"][0], g["dense_0"], rtol=1e-5)
    # update ratio of plain SGD = lr * ||g|| / ||theta_new||
    p = r.history["param_norm/dense_1"][0]
    np.testing.assert_allclose(r.history["update_ratio/dense_1"][0],
                               0.1 * r.history["grad_norm/dense_1"][0] / p, rtol=1e-4)


def test_flow_warnings_fire_on_a_vanishing_network_and_not_on_a_healthy_one():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 16)).astype(np.float32)
    y = rng.integers(0, 4, 32).astype(np.int32)
    deep = jn.nn.MLP((16,) * 30 + (4,), activation="sigmoid")
    norms = dg.gradient_norms(deep, deep.init(jax.random.PRNGKey(0), x), x, y)
    messages = dg.flow_warnings(norms)
    assert any("vanishing gradient in layer 'dense_0'" in m for m in messages)
    healthy = jn.nn.MLP((16, 16, 4), activation="relu", kernel_init="he_normal")
    assert dg.flow_warnings(dg.gradient_norms(healthy, healthy.init(jax.random.PRNGKey(0), x),
                                              x, y)) == []
    assert dg.flow_warnings({"a": float("nan"), "b": 1.0})[0].startswith("exploding")


def test_gradient_monitor_callback_warns_during_fit():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(16, 8)).astype(np.float32)
    y = rng.integers(0, 2, 16).astype(np.int32)
    monitor = dg.GradientMonitor()
    with pytest.warns(RuntimeWarning, match="vanishing gradient in layer 'dense_0'"):
        jn.fit(jn.nn.MLP((8,) * 20 + (2,), activation="sigmoid"), "sgd", (x, y), epochs=1,
               verbose=False, diagnostics=True, callbacks=[monitor])
    assert monitor.messages
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        jn.fit(jn.nn.MLP((8, 2)), "sgd", (x, y), epochs=1, verbose=False, diagnostics=True,
               callbacks=[dg.GradientMonitor()])
    with pytest.raises(ValueError, match="diagnostics=True"):
        jn.fit(jn.nn.MLP((8, 2)), "sgd", (x, y), epochs=1, verbose=False,
               callbacks=[dg.GradientMonitor()])


def test_activation_stats_dead_relu_and_saturated_sigmoid():
    x = np.abs(np.random.default_rng(0).normal(size=(20, 4))).astype(np.float32)
    model = jn.nn.MLP((5, 2), activation="relu")
    v = model.init(jax.random.PRNGKey(0), x)
    v = jax.tree_util.tree_map(lambda a: a, v)
    v["params"]["dense_0"]["kernel"] = -jnp.abs(v["params"]["dense_0"]["kernel"])
    v["params"]["dense_0"]["bias"] = jnp.full((5,), -1.0)
    assert dg.activation_stats(model, v, x, "relu")["dense_0"]["dead"] == 1.0
    sig = jn.nn.MLP((5, 2), activation="sigmoid")
    vs = sig.init(jax.random.PRNGKey(0), x)
    vs["params"]["dense_0"]["kernel"] = vs["params"]["dense_0"]["kernel"] * 1000
    assert dg.activation_stats(sig, vs, x, "sigmoid")["dense_0"]["saturated"] > 0.8
