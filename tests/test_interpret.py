import chex
import jax
import jax.numpy as jnp
import numpy as np

import jaxnets as jn
from jaxnets import interpret as it


def _f():
    model = jn.nn.MLP((8, 3), activation="tanh")
    x = np.random.default_rng(0).normal(size=(4, 5)).astype(np.float32)
    v = model.init(jax.random.PRNGKey(1), x)
    return (lambda z: model.apply(v, z)), x


def test_saliency_of_a_linear_model_is_its_weight_row():
    w = jnp.asarray(np.random.default_rng(0).normal(size=(5, 3)), jnp.float32)
    f = lambda x: x @ w
    x = jnp.ones((2, 5))
    s = it.saliency(f, x, jnp.array([0, 2]))
    np.testing.assert_allclose(s, jnp.stack([w[:, 0], w[:, 2]]), rtol=1e-6)


def test_integrated_gradients_completeness():
    f, x = _f()
    t = jnp.array([0, 1, 2, 0])
    ig = it.integrated_gradients(f, x, t, steps=128)
    total = ig.reshape(4, -1).sum(1)
    delta = jnp.take_along_axis(f(x) - f(jnp.zeros_like(x)), t[:, None], axis=1)[:, 0]
    np.testing.assert_allclose(total, delta, rtol=1e-2, atol=1e-4)


def test_jitted_equals_not_jitted_and_smoothgrad_is_seeded():
    f, x = _f()
    chex.assert_trees_all_close(jax.jit(lambda x: it.saliency(f, x, 1))(x), it.saliency(f, x, 1),
                                rtol=1e-5)
    a = it.smoothgrad(f, x, 1, key=jax.random.PRNGKey(0), samples=8)
    b = it.smoothgrad(f, x, 1, key=jax.random.PRNGKey(0), samples=8)
    np.testing.assert_array_equal(a, b)
    assert a.shape == x.shape


def test_activation_maximization_increases_the_unit():
    f, _ = _f()
    x, values = it.activation_maximization(f, 2, (5,), key=jax.random.PRNGKey(0), steps=50)
    assert x.shape == (1, 5) and float(values[-1]) > float(values[0])


def test_plots(tmp_path):
    img = np.random.default_rng(0).random((2, 8, 8, 1))
    it.plot_image_attributions(img, img - 0.5, tmp_path / "a.png", titles=["a", "b"])
    it.plot_sequence_attributions(np.arange(10.0), np.sin(np.arange(10.0)), tmp_path / "s.png")
    assert (tmp_path / "a.png").stat().st_size > 0 and (tmp_path / "s.png").stat().st_size > 0
