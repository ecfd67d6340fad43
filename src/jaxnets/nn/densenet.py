"""DenseNet (Huang et al., 2017, "Densely Connected Convolutional Networks"), CIFAR style.

A 3x3 stem convolution, then dense blocks separated by transition layers,
then ``BN -> ReLU -> global average pool -> Dense``. Inside a dense block
every layer sees the concatenation of all earlier feature maps and adds
``k`` (the growth rate) new channels::

    x_l = H_l([x_0, x_1, ..., x_{l-1}])      H_l = BN-ReLU-Conv3x3(k)
    (bottleneck, "B"):                       H_l = BN-ReLU-Conv1x1(4k)-BN-ReLU-Conv3x3(k)

A transition ``BN-ReLU-Conv1x1(floor(theta C))-AvgPool2x2`` compresses the
``C`` channels by ``theta`` ("C", ``compression < 1``). DenseNet-BC has both;
with depth ``L`` each of the three blocks has ``(L - 4) / 6`` bottleneck layers
(``(L - 4) / 3`` plain ones without bottleneck). DenseNet-BC (L=100, k=12) has
about 0.8M parameters.
"""

from __future__ import annotations

from functools import partial

import flax.linen as nn
import jax.numpy as jnp

from jaxnets.nn.conv import avg_pool, global_avg_pool, spatial_rank
from jaxnets.nn.initializers import get_initializer
from jaxnets.typing import Array


def _bn_relu_conv(x: Array, features: int, k: int, train: bool, name: str) -> Array:
    rank = x.ndim - 2
    x = nn.BatchNorm(use_running_average=not train, momentum=0.9, name=f"{name}_bn")(x)
    return nn.Conv(features, (k,) * rank, use_bias=False, kernel_init=get_initializer("he_normal"),
                   name=f"{name}_conv")(nn.relu(x))


class DenseLayer(nn.Module):
    """``H_l``: ``growth_rate`` new channels from all earlier ones, concatenated to the input."""

    growth_rate: int
    bottleneck: bool = True

    @nn.compact
    def __call__(self, x: Array, train: bool = False) -> Array:
        h = x
        if self.bottleneck:
            h = _bn_relu_conv(h, 4 * self.growth_rate, 1, train, "bottleneck")
        h = _bn_relu_conv(h, self.growth_rate, 3, train, "layer")
        return jnp.concatenate([x, h], axis=-1)


class Transition(nn.Module):
    """``BN-ReLU-Conv1x1(floor(compression C))-AvgPool2x2`` between dense blocks."""

    compression: float = 0.5

    @nn.compact
    def __call__(self, x: Array, train: bool = False) -> Array:
        features = int(self.compression * x.shape[-1])
        return avg_pool(_bn_relu_conv(x, features, 1, train, "transition"), 2)


class DenseNet(nn.Module):
    """A CIFAR DenseNet of ``depth`` layers and growth rate ``growth_rate`` (module docstring).

    Attributes:
      depth: total weighted layers ``L`` (100 for DenseNet-BC-100).
      growth_rate: ``k``, channels added by each layer.
      bottleneck: 1x1 bottleneck convolutions (the "B").
      compression: ``theta`` of the transitions (0.5 for "C", 1 for none).
      num_blocks: dense blocks (3 on CIFAR).
      num_classes: logits out.

    Input: ``(N, H, W, C)``; output logits ``(N, num_classes)``.
    """

    depth: int = 100
    growth_rate: int = 12
    bottleneck: bool = True
    compression: float = 0.5
    num_blocks: int = 3
    num_classes: int = 10

    def layers_per_block(self) -> int:
        """``(L - 4) / 6`` with bottlenecks (two convs per layer), ``(L - 4) / 3`` without."""
        per = self.num_blocks * (2 if self.bottleneck else 1)
        if self.depth < 4 + per or (self.depth - 4) % per:
            raise ValueError(f"DenseNet.depth must be 4 + a positive multiple of {per}, "
                             f"found {self.depth}")
        return (self.depth - 4) // per

    @nn.compact
    def __call__(self, x: Array, train: bool = False) -> Array:
        n = self.layers_per_block()
        if not 0 < self.compression <= 1:
            raise ValueError(f"DenseNet.compression must be in (0, 1], found {self.compression}")
        rank = spatial_rank(x)
        stem = 2 * self.growth_rate if self.bottleneck and self.compression < 1 else 16
        x = nn.Conv(stem, (3,) * rank, use_bias=False, kernel_init=get_initializer("he_normal"),
                    name="stem")(x)
        for b in range(self.num_blocks):
            for i in range(n):
                x = DenseLayer(self.growth_rate, self.bottleneck, name=f"block_{b}_layer_{i}")(
                    x, train)
            if b < self.num_blocks - 1:
                x = Transition(self.compression, name=f"transition_{b}")(x, train)
        x = nn.relu(nn.BatchNorm(use_running_average=not train, momentum=0.9, name="final_bn")(x))
        return nn.Dense(self.num_classes, name="logits")(global_avg_pool(x))


DenseNetBC100 = partial(DenseNet, depth=100, growth_rate=12, bottleneck=True, compression=0.5)


__all__ = ["DenseLayer", "DenseNet", "DenseNetBC100", "Transition"]
