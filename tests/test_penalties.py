import jax
import numpy as np

import jaxnets as jn


def _params():
    model = jn.nn.MLP((4, 3), batch_norm=True)
    return model.init(jax.random.PRNGKey(0), np.ones((2, 5), np.float32))["params"]


def test_default_mask_covers_kernels_only():
    mask = jn.losses.default_penalty_mask(_params())
    assert mask["dense_0"]["kernel"] and mask["dense_1"]["kernel"]
    assert not mask["dense_0"]["bias"] and not mask["bn_0"]["scale"] and not mask["bn_0"]["bias"]


def test_penalties_equal_hand_sums():
    p = _params()
    kernels = [np.asarray(p["dense_0"]["kernel"]), np.asarray(p["dense_1"]["kernel"])]
    np.testing.assert_allclose(jn.losses.l1_penalty(p), sum(np.abs(k).sum() for k in kernels), rtol=1e-6)
    np.testing.assert_allclose(jn.losses.l2_penalty(p), 0.5 * sum((k**2).sum() for k in kernels),
                               rtol=1e-6)
    reg = jax.jit(jn.losses.regularizer(l1=0.1, l2=0.01))
    np.testing.assert_allclose(reg(p), 0.1 * jn.losses.l1_penalty(p) + 0.01 * jn.losses.l2_penalty(p),
                               rtol=1e-6)


def test_penalty_mask_override_and_gradient():
    p = _params()
    everything = jax.tree_util.tree_map(lambda _: True, p)
    total = sum(float(np.sum(np.asarray(w) ** 2)) for w in jax.tree_util.tree_leaves(p))
    np.testing.assert_allclose(jn.losses.l2_penalty(p, everything), 0.5 * total, rtol=1e-6)
    g = jax.grad(jn.losses.l2_penalty)(p)
    np.testing.assert_allclose(g["dense_0"]["kernel"], p["dense_0"]["kernel"])
    np.testing.assert_array_equal(g["dense_0"]["bias"], 0.0)


def test_negative_coefficient_is_refused():
    import pytest

    with pytest.raises(ValueError, match="l2"):
        jn.losses.regularizer(l2=-1.0)
