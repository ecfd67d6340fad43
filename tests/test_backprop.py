"""Hand-written backpropagation equals jax.grad for every activation/loss pair and depth."""

import chex
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxnets as jn
from jaxnets import backprop as bp


def _problem(depth, loss, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(7, 3)).astype(np.float32)
    y = rng.integers(0, 4, 7).astype(np.int32) if loss == "cross_entropy" else \
        rng.normal(size=(7, 4)).astype(np.float32)
    widths = tuple([5] * (depth - 1) + [4])
    return x, y, widths


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu", "leaky_relu"])
@pytest.mark.parametrize("loss", ["mse", "cross_entropy"])
@pytest.mark.parametrize("depth", [1, 2, 3, 4, 5])
def test_hand_written_gradients_equal_jax_grad(activation, loss, depth):
    x, y, widths = _problem(depth, loss, seed=depth)
    model = jn.nn.MLP(widths, activation=activation)
    params = model.init(jax.random.PRNGKey(depth), x)["params"]
    loss_fn = jn.losses.get_loss(loss)
    with jax.enable_x64():
        p64 = jax.tree_util.tree_map(lambda a: jnp.asarray(a, jnp.float64), params)
        x64 = jnp.asarray(x, jnp.float64)
        y64 = y if loss == "cross_entropy" else jnp.asarray(y, jnp.float64)
        value, expected = jax.value_and_grad(
            lambda p: loss_fn(model.apply({"params": p}, x64), y64).mean())(p64)
        result = bp.backprop(p64, x64, y64, activation=activation, loss=loss)
        np.testing.assert_allclose(result.loss, value, rtol=1e-10)
        chex.assert_trees_all_close(result.grads, expected, rtol=1e-6, atol=1e-10)
        assert [d.shape for d in result.deltas] == [(7, w) for w in widths]


def test_deltas_are_gradients_with_respect_to_pre_activations():
    x, y, widths = _problem(3, "mse")
    model = jn.nn.MLP(widths, activation="tanh")
    params = model.init(jax.random.PRNGKey(0), x)["params"]
    result = bp.backprop(params, x, y, activation="tanh", loss="mse")
    # dL/db_l is the batch sum of delta_l
    for i, d in enumerate(result.deltas):
        np.testing.assert_allclose(result.grads[f"dense_{i}"]["bias"], d.sum(0), rtol=1e-6)


def test_jitted_equals_not_jitted():
    x, y, widths = _problem(3, "cross_entropy")
    params = jn.nn.MLP(widths).init(jax.random.PRNGKey(0), x)["params"]
    f = lambda p: bp.backprop(p, x, y, activation="relu", loss="cross_entropy").grads
    chex.assert_trees_all_close(jax.jit(f)(params), f(params), rtol=1e-6)


def test_hand_written_gradient_descent_learns_xor():
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], np.float32)
    y = np.array([0, 1, 1, 0], np.int32)
    params = jn.nn.MLP((4, 2), activation="tanh").init(jax.random.PRNGKey(0), x)["params"]
    step = jax.jit(lambda p: bp.gradient_descent_step(p, x, y, 1.0, activation="tanh",
                                                      loss="cross_entropy"))
    for _ in range(500):
        params, result = step(params)
    assert np.array_equal(np.argmax(result.outputs, 1), y)


def test_unknown_names():
    with pytest.raises(ValueError, match=r"unknown activation 'swish'"):
        bp.backprop({"dense_0": {}}, np.zeros((1, 1)), np.zeros(1), activation="swish")
    with pytest.raises(ValueError, match=r"unknown loss 'huber'"):
        bp.backprop({"dense_0": {}}, np.zeros((1, 1)), np.zeros(1), loss="huber")
