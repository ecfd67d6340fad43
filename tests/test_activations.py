"""Learnable activations: hand-computed values and gradients, MLP integration, training."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxnets as jn
from jaxnets.nn import AdaptiveActivation, LearnableSwish, PReLU
from tests.helpers import blobs


def _sigmoid(v):
    return 1.0 / (1.0 + np.exp(-v))


@pytest.mark.parametrize("jit", [False, True])
def test_prelu_shared_values_and_gradients(jit):
    x = jnp.array([[-2.0, -0.5, 1.5, 3.0]])
    m = PReLU()
    v = m.init(jax.random.PRNGKey(0), x)
    assert v["params"]["slope"].shape == ()
    apply = jax.jit(m.apply) if jit else m.apply
    np.testing.assert_allclose(apply(v, x), [[-0.5, -0.125, 1.5, 3.0]])
    # d/da sum f = sum min(x, 0) = -2.5; d/dx = a where x < 0 else 1
    ga = jax.grad(lambda p: apply(p, x).sum())(v)["params"]["slope"]
    np.testing.assert_allclose(ga, -2.5)
    gx = jax.grad(lambda x: apply(v, x).sum())(x)
    np.testing.assert_allclose(gx, [[0.25, 0.25, 1.0, 1.0]])


def test_prelu_per_channel():
    x = jnp.array([[-1.0, -2.0, -3.0], [1.0, -1.0, 2.0]])
    m = PReLU(per_channel=True)
    v = {"params": {"slope": jnp.array([0.1, 0.2, 0.3])}}
    assert m.init(jax.random.PRNGKey(0), x)["params"]["slope"].shape == (3,)
    np.testing.assert_allclose(m.apply(v, x), [[-0.1, -0.4, -0.9], [1.0, -0.2, 2.0]], rtol=1e-6)
    g = jax.grad(lambda p: m.apply(p, x).sum())(v)["params"]["slope"]
    np.testing.assert_allclose(g, [-1.0, -3.0, -3.0])


@pytest.mark.parametrize("jit", [False, True])
def test_learnable_swish_values_and_beta_gradient(jit):
    x = jnp.array([-1.0, 0.5, 2.0])
    m = LearnableSwish(init_beta=2.0)
    v = m.init(jax.random.PRNGKey(0), x)
    apply = jax.jit(m.apply) if jit else m.apply
    xs = np.array([-1.0, 0.5, 2.0])
    s = _sigmoid(2.0 * xs)
    np.testing.assert_allclose(apply(v, x), xs * s, rtol=1e-6)
    g = jax.grad(lambda p: apply(p, x).sum())(v)["params"]["beta"]
    np.testing.assert_allclose(g, np.sum(xs**2 * s * (1 - s)), rtol=1e-5)


def test_adaptive_activation_math_and_running_statistics():
    x = jnp.array([[0.0, 1.0], [2.0, -3.0], [4.0, 5.0]])
    m = AdaptiveActivation(bases=("relu", "tanh"), momentum=0.9, epsilon=1e-5)
    v = m.init(jax.random.PRNGKey(0), x)
    assert v["params"]["mixture"].shape == (2,)
    y, upd = m.apply(v, x, train=True, mutable=["batch_stats"])
    xs = np.asarray(x)
    z = (xs - xs.mean(0)) / np.sqrt(xs.var(0) + 1e-5)
    np.testing.assert_allclose(y, 0.5 * np.maximum(z, 0) + 0.5 * np.tanh(z), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(upd["batch_stats"]["norm"]["mean"], 0.1 * xs.mean(0), rtol=1e-6)
    # evaluation uses the running statistics and the learned mixture
    v2 = {"params": {**v["params"], "mixture": jnp.array([np.log(3.0), 0.0])},
          "batch_stats": {"norm": {"mean": jnp.array([1.0, -1.0]), "var": jnp.array([4.0, 1.0])}}}
    z2 = (xs - np.array([1.0, -1.0])) / np.sqrt(np.array([4.0, 1.0]) + 1e-5)
    np.testing.assert_allclose(m.apply(v2, x), 0.75 * np.maximum(z2, 0) + 0.25 * np.tanh(z2),
                               rtol=1e-5, atol=1e-6)
    # the gradient of the mixture logits matches finite differences
    def f(p):
        return jnp.sum(m.apply({"params": p, "batch_stats": v["batch_stats"]}, x) ** 2)
    assert jn.diagnostics.gradient_check(f, v["params"]).ok


def test_adaptive_activation_is_scale_invariant():
    x = jax.random.normal(jax.random.PRNGKey(1), (16, 3))
    m = AdaptiveActivation()
    v = m.init(jax.random.PRNGKey(0), x)
    a, _ = m.apply(v, x, train=True, mutable=["batch_stats"])
    b, _ = m.apply(v, 100.0 * x - 7.0, train=True, mutable=["batch_stats"])
    np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-4)


@pytest.mark.parametrize("act", ["prelu", "prelu_channel:0.1", "learnable_swish", "adaptive",
                                 PReLU, PReLU(per_channel=True), LearnableSwish(init_beta=0.5)])
def test_mlp_accepts_learnable_activations_with_one_copy_per_layer(act):
    x, _ = blobs(8, d=3)
    m = jn.nn.MLP((5, 5, 2), activation=act)
    v = m.init(jax.random.PRNGKey(0), x)
    assert {"act_0", "act_1"} <= set(v["params"])
    assert m.apply(v, x).shape == (8, 2)
    vm = jax.vmap(lambda p: m.apply(p, x))(jax.tree_util.tree_map(lambda a: jnp.stack([a, a]), v))
    np.testing.assert_allclose(vm[0], vm[1])


def test_unknown_and_malformed_activation_names():
    with pytest.raises(ValueError, match="unknown activation 'prelux'.*adaptive.*prelu"):
        jn.nn.get_activation("prelux")
    with pytest.raises(ValueError, match="'x' is not a number"):
        jn.nn.get_activation("prelu:x")
    assert jn.nn.get_activation("adaptive:0.99").momentum == 0.99
    assert isinstance(jn.nn.get_activation(PReLU), PReLU)
    with pytest.raises(ValueError, match="bases"):
        AdaptiveActivation(bases=()).init(jax.random.PRNGKey(0), jnp.ones((2, 2)))


def _spiral(n=120, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    t = rng.uniform(0.5, 3.0, n)
    x = np.stack([t * np.cos(2 * t + np.pi * y), t * np.sin(2 * t + np.pi * y)], 1)
    return (x + rng.normal(0, 0.05, x.shape)).astype(np.float32), y.astype(np.int32)


def test_adaptive_activation_trains_a_deep_mlp_and_moves_its_mixture():
    x, y = _spiral()
    model = jn.nn.MLP((16, 16, 16, 2), activation="adaptive")
    r = jn.fit(model, jn.optim.adam(0.02), (x, y), epochs=30, batch_size=40, verbose=False)
    loss = r.history["loss"]
    assert loss[-1] < 0.6 * loss[0]
    assert r.history["accuracy"][-1] > 0.85
    mix = jax.nn.softmax(r.state.params["act_0"]["mixture"])
    assert float(jnp.max(jnp.abs(mix - 0.25))) > 0.01  # the mixture was learned, not fixed
    acc = jn.evaluate(r.state, (x, y))["accuracy"]  # evaluation uses running statistics
    assert acc > 0.8
