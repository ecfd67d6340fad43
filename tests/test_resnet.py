"""ResNet (CIFAR) and DenseNet: exact parameter counts, shortcut, shapes, jit."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxnets as jn

CIFAR = jnp.ones((1, 32, 32, 3))


def _count(tree):
    return sum(int(np.prod(a.shape)) for a in jax.tree_util.tree_leaves(tree))


def _params(model, x=CIFAR):
    return jax.eval_shape(model.init, jax.random.PRNGKey(0), x)["params"]


def resnet_cifar_count(n, classes=10):
    """He et al. 2016, option A: 3x3 convs without bias, BN scale+shift, a Dense head."""
    conv = lambda cin, cout: 9 * cin * cout
    total = conv(3, 16) + 2 * 16
    for cin, cout in ((16, 16), (16, 32), (32, 64)):
        total += conv(cin, cout) + (2 * n - 1) * conv(cout, cout) + 2 * n * 2 * cout
    return total + 64 * classes + classes


@pytest.mark.parametrize(("model", "n"), [(jn.nn.ResNet20, 3), (jn.nn.ResNet32, 5),
                                          (jn.nn.ResNet56, 9)])
def test_resnet_parameter_counts(model, n):
    assert _count(_params(model())) == resnet_cifar_count(n)


def test_resnet20_has_the_papers_0_27m_parameters():
    assert _count(_params(jn.nn.ResNet20())) == 269_722
    # option B adds two 1x1 projections with BN
    extra = (16 * 32 + 2 * 32) + (32 * 64 + 2 * 64)
    assert _count(_params(jn.nn.ResNet20(shortcut="B"))) == 269_722 + extra


def densenet_count(depth=100, k=12, bc=True, classes=10):
    """DenseNet(-BC) (Huang et al. 2017) counted layer by layer."""
    n, c = ((depth - 4) // 6, 2 * k) if bc else ((depth - 4) // 3, 16)
    total = 9 * 3 * c
    for block in range(3):
        for _ in range(n):
            if bc:  # BN, 1x1 to 4k, BN, 3x3 to k
                total += 2 * c + c * 4 * k + 2 * 4 * k + 9 * 4 * k * k
            else:  # BN, 3x3 to k
                total += 2 * c + 9 * c * k
            c += k
        if block < 2:
            out = c // 2 if bc else c
            total += 2 * c + c * out
            c = out
    return total + 2 * c + c * classes + classes


def test_densenet_bc_100_parameter_count_without_running_it():
    count = _count(_params(jn.nn.DenseNetBC100()))
    assert count == densenet_count() == 769_162  # "0.8M" in the paper
    assert _count(_params(jn.nn.DenseNet(depth=40, growth_rate=12, bottleneck=False,
                                         compression=1.0))) == densenet_count(40, bc=False)


def test_option_a_shortcut_by_hand():
    x = jnp.arange(32.0).reshape(1, 4, 4, 2)
    y = jn.nn.pad_shortcut(x, 6, 2)
    assert y.shape == (1, 2, 2, 6)
    np.testing.assert_allclose(y[0, :, :, 2:4], np.asarray(x)[0, ::2, ::2, :])
    np.testing.assert_allclose(y[..., :2], 0.0)
    np.testing.assert_allclose(y[..., 4:], 0.0)


def test_small_resnet_runs_jitted_and_not():
    x = jax.random.normal(jax.random.PRNGKey(0), (2, 8, 8, 3))
    m = jn.nn.ResNet(stage_sizes=(1, 1), filters=(4, 8), num_classes=3)
    v = jax.jit(m.init)(jax.random.PRNGKey(1), x)
    y = m.apply(v, x)
    assert y.shape == (2, 3)
    np.testing.assert_allclose(jax.jit(m.apply)(v, x), y, rtol=1e-4, atol=1e-5)


def test_small_densenet_trains_its_batch_stats():
    x = jax.random.normal(jax.random.PRNGKey(0), (2, 8, 8, 3))
    m = jn.nn.DenseNet(depth=10, growth_rate=4, num_classes=3)
    v = jax.jit(m.init)(jax.random.PRNGKey(1), x)
    y, upd = jax.jit(lambda v, x: m.apply(v, x, train=True, mutable=["batch_stats"]))(v, x)
    assert y.shape == (2, 3)
    changed = jax.tree_util.tree_map(lambda a, b: bool(jnp.any(a != b)),
                                     upd["batch_stats"], v["batch_stats"])
    assert all(jax.tree_util.tree_leaves(changed))


def test_dense_block_grows_by_k_and_transition_compresses():
    x = jnp.ones((1, 8, 8, 6))
    layer = jn.nn.DenseLayer(growth_rate=4)
    v = jax.eval_shape(layer.init, jax.random.PRNGKey(0), x)
    assert jax.eval_shape(layer.apply, v, x).shape == (1, 8, 8, 10)
    t = jn.nn.Transition(0.5)
    vt = jax.eval_shape(t.init, jax.random.PRNGKey(0), x)
    assert jax.eval_shape(t.apply, vt, x).shape == (1, 4, 4, 3)


def test_bad_architecture_arguments_are_named():
    with pytest.raises(ValueError, match="DenseNet.depth must be 4 \\+ a positive multiple of 6"):
        _params(jn.nn.DenseNet(depth=99))
    with pytest.raises(ValueError, match="ResNet.shortcut must be one of"):
        _params(jn.nn.ResNet(shortcut="C"))
    with pytest.raises(ValueError, match="stage_sizes"):
        _params(jn.nn.ResNet(stage_sizes=(3, 3)))


def test_resnet_and_densenet_trace_under_vmap_of_their_parameters():
    x = jnp.ones((2, 8, 8, 3))
    for m in (jn.nn.ResNet20(num_classes=3), jn.nn.DenseNet(depth=10, growth_rate=4, num_classes=3)):
        v = jax.eval_shape(m.init, jax.random.PRNGKey(0), x)
        pop = jax.tree_util.tree_map(lambda a: jax.ShapeDtypeStruct((4, *a.shape), a.dtype), v)
        out = jax.eval_shape(jax.vmap(lambda p, m=m: m.apply(p, x)), pop)
        assert out.shape == (4, 2, 3)
