"""Conv blocks (1-D/2-D; standard, dilated, separable), pooling and the CNN classifier."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxnets as jn
from jaxnets.nn import CNN, ConvBlock


def _count(tree):
    return sum(int(np.prod(a.shape)) for a in jax.tree_util.tree_leaves(tree))


def _set(block, x, **params):
    v = block.init(jax.random.PRNGKey(0), x)
    for layer, leaves in params.items():
        for name, value in leaves.items():
            assert v["params"][layer][name].shape == np.shape(value)
            v["params"][layer][name] = jnp.asarray(value, jnp.float32)
    return v


@pytest.mark.parametrize("jit", [False, True])
def test_standard_and_dilated_1d_conv_by_hand(jit):
    x = jnp.array([1.0, 2.0, 3.0, 5.0, 8.0, 13.0]).reshape(1, 6, 1)
    k = np.array([1.0, 0.0, -1.0]).reshape(3, 1, 1)
    std = ConvBlock(1, 3, "standard", padding="VALID", activation=None)
    v = _set(std, x, conv={"kernel": k, "bias": np.array([0.5])})
    apply = jax.jit(std.apply) if jit else std.apply
    # y[p] = x[p] - x[p + 2] + 0.5
    np.testing.assert_allclose(apply(v, x)[0, :, 0], [-1.5, -2.5, -4.5, -7.5])
    dil = ConvBlock(1, 3, "dilated", dilation=2, padding="VALID", activation=None)
    v = _set(dil, x, conv={"kernel": k, "bias": np.array([0.0])})
    # y[p] = x[p] - x[p + 4]
    np.testing.assert_allclose((jax.jit(dil.apply) if jit else dil.apply)(v, x)[0, :, 0],
                               [-7.0, -11.0])


def test_standard_2d_conv_by_hand_with_relu():
    x = jnp.arange(9.0).reshape(1, 3, 3, 1)  # [[0 1 2] [3 4 5] [6 7 8]]
    k = np.array([[1.0, 0.0], [0.0, -2.0]]).reshape(2, 2, 1, 1)
    b = ConvBlock(1, 2, padding="VALID", activation="relu")
    v = _set(b, x, conv={"kernel": k, "bias": np.array([7.0])})
    # y[i, j] = x[i, j] - 2 x[i+1, j+1] + 7 -> [[0-8+7, 1-10+7], [3-14+7, 4-16+7]]
    np.testing.assert_allclose(b.apply(v, x)[0, :, :, 0], [[0.0, 0.0], [0.0, 0.0]])
    v["params"]["conv"]["bias"] = jnp.array([12.0])
    np.testing.assert_allclose(b.apply(v, x)[0, :, :, 0], [[4.0, 3.0], [1.0, 0.0]])


@pytest.mark.parametrize("shape", [(2, 9, 3), (2, 7, 6, 3)])
def test_parameter_counts_by_formula(shape):
    x = jnp.ones(shape)
    d, c, c2, k = len(shape) - 2, shape[-1], 5, 3
    count = {kind: _count(jax.eval_shape(ConvBlock(c2, k, kind).init, jax.random.PRNGKey(0), x))
             for kind in jn.nn.CONV_KINDS}
    assert count["standard"] == c * k**d * c2 + c2
    assert count["dilated"] == count["standard"]
    assert count["separable"] == (c * k**d + c) + (c * c2 + c2)
    bn = jax.eval_shape(ConvBlock(c2, k, batch_norm=True).init, jax.random.PRNGKey(0), x)
    assert _count(bn["params"]) == c * k**d * c2 + 2 * c2  # no conv bias; BN scale + shift


@pytest.mark.parametrize("shape", [(2, 9, 3), (2, 6, 5, 3)])
def test_separable_equals_an_explicit_per_channel_loop(shape):
    x = jax.random.normal(jax.random.PRNGKey(1), shape)
    b = ConvBlock(4, 3, "separable", padding="VALID", activation=None)
    v = b.init(jax.random.PRNGKey(2), x)
    p = jax.tree_util.tree_map(np.asarray, v["params"])
    v["params"]["depthwise"]["bias"] = jnp.array([0.1, -0.2, 0.3])
    p["depthwise"]["bias"] = np.array([0.1, -0.2, 0.3])
    xs, rank, c = np.asarray(x), len(shape) - 2, shape[-1]
    out_sp = tuple(s - 2 for s in shape[1:-1])
    dw = np.zeros((shape[0],) + out_sp + (c,))
    for ch in range(c):  # each channel convolved with its own filter, no mixing
        w = p["depthwise"]["kernel"][..., 0, ch]
        for pos in np.ndindex(*out_sp):
            win = xs[(slice(None),) + tuple(slice(q, q + 3) for q in pos) + (ch,)]
            dw[(slice(None),) + pos + (ch,)] = (win * w).reshape(shape[0], -1).sum(1)
        dw[..., ch] += p["depthwise"]["bias"][ch]
    pw = p["pointwise"]["kernel"].reshape(c, 4)
    expected = dw @ pw + p["pointwise"]["bias"]
    np.testing.assert_allclose(b.apply(v, x), expected, rtol=1e-5, atol=1e-5)
    assert rank in (1, 2)


def test_pooling_by_hand():
    x = jnp.array([[1.0, 5.0, 2.0, 0.0], [3.0, 4.0, 8.0, 6.0],
                   [0.0, 1.0, 1.0, 1.0], [2.0, 9.0, 1.0, 5.0]]).reshape(1, 4, 4, 1)
    np.testing.assert_allclose(jn.nn.max_pool(x)[0, :, :, 0], [[5.0, 8.0], [9.0, 5.0]])
    np.testing.assert_allclose(jn.nn.avg_pool(x)[0, :, :, 0], [[3.25, 4.0], [3.0, 2.0]])
    np.testing.assert_allclose(jn.nn.global_avg_pool(x), [[49.0 / 16]])
    s = jnp.array([1.0, 3.0, 2.0, 2.0, 7.0]).reshape(1, 5, 1)
    np.testing.assert_allclose(jn.nn.max_pool(s)[0, :, 0], [3.0, 2.0])
    np.testing.assert_allclose(jn.nn.avg_pool(s, 3, strides=1)[0, :, 0], [2.0, 7 / 3, 11 / 3])
    np.testing.assert_allclose(jn.nn.pool(s, "none"), s)


@pytest.mark.parametrize(("shape", "kind"), [((3, 16, 2), "separable"), ((3, 8, 8, 1), "dilated")])
def test_cnn_shapes_jit_and_vmap(shape, kind):
    x = jax.random.normal(jax.random.PRNGKey(0), shape)
    m = CNN((4,), num_classes=5, conv=kind, dense=(6,), batch_norm=True, dropout=0.1)
    v = jax.jit(m.init)(jax.random.PRNGKey(1), x)
    y = m.apply(v, x)
    assert y.shape == (3, 5)
    np.testing.assert_allclose(jax.jit(m.apply)(v, x), y, rtol=1e-5, atol=1e-5)
    two = jax.tree_util.tree_map(lambda a: jnp.stack([a, 2 * a]), v)
    ys = jax.jit(jax.vmap(lambda p: m.apply(p, x)))(two)
    np.testing.assert_allclose(ys[0], y, rtol=1e-5, atol=1e-5)


def test_cnn_flatten_head_parameter_count():
    # conv3x3 32-32-pool-64-64-pool, dense 256, 10 classes on 32x32x3
    m = CNN((32, 64), 10, convs_per_stage=2, head="flatten", dense=(256,))
    v = jax.eval_shape(m.init, jax.random.PRNGKey(0), jnp.ones((1, 32, 32, 3)))
    convs = (27 * 32 + 32) + (288 * 32 + 32) + (288 * 64 + 64) + (576 * 64 + 64)
    assert _count(v) == convs + (8 * 8 * 64 * 256 + 256) + (256 * 10 + 10)


def test_bad_inputs_are_named():
    with pytest.raises(ValueError, match=r"x must be \(N, L, C\) or \(N, H, W, C\)"):
        ConvBlock(3).init(jax.random.PRNGKey(0), jnp.ones((1, 2, 3, 4, 5)))
    with pytest.raises(ValueError, match="kind must be one of"):
        ConvBlock(3, kind="atrous").init(jax.random.PRNGKey(0), jnp.ones((1, 4, 2)))
    with pytest.raises(ValueError, match="CNN.pool must be one of"):
        CNN((4,), pool="min").init(jax.random.PRNGKey(0), jnp.ones((1, 4, 2)))
    with pytest.raises(ValueError, match="window must be"):
        jn.nn.max_pool(jnp.ones((1, 4, 4, 1)), (2, 2, 2))


def test_cnn_trains_through_fit_with_the_conv_safe_strategy():
    data = jn.data.load("digits")
    x, y = data.train.x[:200], data.train.y[:200]
    m = CNN((16,), num_classes=10, head="flatten")
    r = jn.fit(m, jn.optim.adam(0.01), (x, y), epochs=5, batch_size=50, verbose=False)
    # per-step or unrolled on CPU (a conv step inside lax.scan is ~100x slower there)
    assert r.info["strategy"] == ("unroll" if jax.default_backend() == "cpu" else "scan")
    assert r.history["loss"][-1] < 0.5 * r.history["loss"][0]
    assert r.history["accuracy"][-1] > 0.8
