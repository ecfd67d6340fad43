"""The chapter's claim on gradient flow in a 30-layer MLP."""

import jax
import jax.numpy as jnp
import numpy as np

import jaxnets as jn
from jaxnets import diagnostics as dg

DEPTH, WIDTH = 30, 32


def _layer_grad_norms(model, x, y):
    """Per-Dense-layer gradient norms of the mean cross-entropy at initialisation, train mode."""
    v = jax.jit(model.init)(jax.random.PRNGKey(0), x)
    rest = {k: a for k, a in v.items() if k != "params"}

    def loss(p):
        logits, _ = model.apply({"params": p, **rest}, x, train=True, mutable=["batch_stats"])
        return jnp.mean(jn.losses.cross_entropy(logits, y))

    norms = dg.layer_norms(jax.jit(jax.grad(loss))(v["params"]))
    return np.array([float(norms[f"dense_{i}"]) for i in range(DEPTH)])


def _data():
    rng = np.random.default_rng(0)
    return (rng.normal(size=(64, WIDTH)).astype(np.float32),
            rng.integers(0, 10, 64).astype(np.int32))


def test_plain_sigmoid_gradients_vanish_toward_the_input():
    x, y = _data()
    model = jn.nn.MLP((WIDTH,) * (DEPTH - 1) + (10,), activation="sigmoid",
                      kernel_init="glorot_uniform")
    g = _layer_grad_norms(model, x, y)
    assert g[-1] > 1e-2
    assert g[0] < 1e-6 * g[-1]  # many orders of magnitude (often underflows to 0)
    assert g[10] < g[20] < g[-1]  # and it decays layer by layer
    assert any("vanishing gradient in layer 'dense_0'" in m
               for m in dg.flow_warnings({f"dense_{i}": v for i, v in enumerate(g)}))


def test_relu_he_batchnorm_residual_keeps_gradients_within_100x():
    x, y = _data()
    model = jn.nn.MLP((WIDTH,) * (DEPTH - 1) + (10,), activation="relu", kernel_init="he_normal",
                      batch_norm=True, residual=True)
    g = _layer_grad_norms(model, x, y)
    assert np.all(np.isfinite(g)) and np.all(g > 0)
    assert g.max() / g.min() < 100
    assert dg.flow_warnings({f"dense_{i}": v for i, v in enumerate(g)}) == []
