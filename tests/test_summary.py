"""jn.nn.summary: layer rows, parameter counts and FLOPs against hand formulas."""

import jax.numpy as jnp
import pytest

import jaxnets as jn


def test_mlp_rows_params_and_flops_by_hand():
    s = jn.nn.summary(jn.nn.MLP((5, 2)), jnp.ones((4, 3)))
    assert [(r.name, r.kind, r.output_shape, r.params, r.flops) for r in s.layers] == [
        ("dense_0", "Dense", (1, 5), 3 * 5 + 5, 2 * 3 * 5),
        ("dense_1", "Dense", (1, 2), 5 * 2 + 2, 2 * 5 * 2)]
    assert s.total_params == 32 and s.flops_per_example == 50 and s.state_size == 0
    # XLA counts the matmuls plus bias adds and the ReLU
    assert 50 <= s.xla_flops <= 50 + 3 * (5 + 2)


def test_conv_kinds_flops_and_params():
    x = jnp.ones((1, 8, 8, 2))
    s = jn.nn.summary(jn.nn.CNN((4,), 3, conv="separable"), x)
    rows = {r.name: r for r in s.layers}
    dw, pw = rows["block_0_0/depthwise"], rows["block_0_0/pointwise"]
    assert dw.params == 2 * 9 + 2 and pw.params == 2 * 4 + 4
    assert dw.flops == 2 * (8 * 8 * 2) * 9  # one 3x3 filter per channel
    assert pw.flops == 2 * (8 * 8 * 4) * 2
    assert rows["logits"].flops == 2 * 4 * 3 and rows["logits"].output_shape == (1, 3)
    d = jn.nn.summary(jn.nn.CNN((4,), 3, conv="dilated"), x)
    assert d.layers[0].flops == 2 * (8 * 8 * 4) * 9 * 2 and d.layers[0].params == 9 * 2 * 4 + 4


def test_resnet20_summary_totals():
    s = jn.nn.summary(jn.nn.ResNet20(), jnp.ones((2, 32, 32, 3)), depth=1)
    assert s.total_params == 269_722 == sum(r.params for r in s.layers)
    assert s.state_size == 2 * (16 + 2 * 3 * (16 + 32 + 64))  # BN means and variances
    assert [r.name for r in s.layers][:3] == ["stem", "stem_bn", "stage_0_block_0"]
    assert s.layers[-1].output_shape == (1, 10)
    # the commonly quoted ~41M multiply-accumulates per 32x32 image
    assert s.flops_per_example == 81_102_080
    assert "total" in str(s) and "269,722" in str(s)


def test_summary_validates_arguments():
    with pytest.raises(ValueError, match="depth must be >= 1"):
        jn.nn.summary(jn.nn.MLP((2,)), jnp.ones((1, 3)), depth=0)
    with pytest.raises(ValueError, match="x must be an array"):
        jn.nn.summary(jn.nn.MLP((2,)), 3.0)
