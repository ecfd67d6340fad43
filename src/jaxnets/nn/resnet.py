"""ResNet for CIFAR (He et al., 2016, "Deep Residual Learning for Image Recognition", sec. 4.2).

A 3x3 convolution with 16 filters, then three stages of ``n`` basic blocks with
16, 32 and 64 filters (the first block of stages 2 and 3 halves the spatial
size with stride 2), global average pooling and a Dense classifier: ``6n + 2``
weighted layers. A basic block is::

    y = relu(BN(conv3x3(relu(BN(conv3x3(x))))) + shortcut(x))

The paper's CIFAR shortcut is option A, parameter free: the identity, with the
input subsampled by the stride and zero-padded to the new channel count; option
B projects with a 1x1 convolution + BN. With option A ResNet-20/32/56 have
0.27M/0.46M/0.85M parameters.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial

import flax.linen as nn
import jax.numpy as jnp

from jaxnets.nn.activations import activation_layer, apply_activation
from jaxnets.nn.conv import global_avg_pool, spatial_rank
from jaxnets.nn.initializers import get_initializer
from jaxnets.typing import Array

SHORTCUTS = ("A", "B")


def pad_shortcut(x: Array, features: int, stride: int) -> Array:
    """Option A: subsample the spatial axes by ``stride`` and zero-pad channels to ``features``."""
    rank = x.ndim - 2
    x = x[(slice(None),) + (slice(None, None, stride),) * rank]
    extra = features - x.shape[-1]
    if extra < 0:
        raise ValueError(f"option-A shortcut cannot shrink channels {x.shape[-1]} -> {features}")
    pad = [(0, 0)] * (x.ndim - 1) + [(extra // 2, extra - extra // 2)]
    return jnp.pad(x, pad)


class BasicBlock(nn.Module):
    """Two 3x3 conv + BN layers with a residual shortcut (see the module docstring).

    Attributes:
      features: output channels.
      strides: stride of the first convolution (2 where a stage starts).
      shortcut: ``"A"`` (zero-padded identity) or ``"B"`` (1x1 projection) when shapes change.
      activation: the nonlinearity (ReLU in the paper).
    """

    features: int
    strides: int = 1
    shortcut: str = "A"
    activation: str | Callable = "relu"

    @nn.compact
    def __call__(self, x: Array, train: bool = False) -> Array:
        rank = spatial_rank(x)
        conv = partial(nn.Conv, use_bias=False, kernel_init=get_initializer("he_normal"))
        norm = partial(nn.BatchNorm, use_running_average=not train, momentum=0.9)
        h = conv(self.features, (3,) * rank, (self.strides,) * rank, name="conv_0")(x)
        h = apply_activation(activation_layer(self.activation, "act_0"), norm(name="bn_0")(h), train)
        h = conv(self.features, (3,) * rank, name="conv_1")(h)
        h = norm(name="bn_1")(h)
        if x.shape[-1] != self.features or self.strides != 1:
            if self.shortcut == "A":
                x = pad_shortcut(x, self.features, self.strides)
            else:
                x = conv(self.features, (1,) * rank, (self.strides,) * rank, name="proj")(x)
                x = norm(name="proj_bn")(x)
        return apply_activation(activation_layer(self.activation, "act_1"), h + x, train)


class ResNet(nn.Module):
    """A CIFAR-style ResNet: ``stage_sizes`` basic blocks per stage (see the module docstring).

    Attributes:
      stage_sizes: blocks per stage, ``(n, n, n)`` for ResNet-(6n+2).
      filters: channels of each stage (16, 32, 64 in the paper); ``filters[0]`` also
        for the first convolution.
      num_classes: logits out.
      shortcut: ``"A"`` (paper, parameter free) or ``"B"`` (projection).

    Input: ``(N, H, W, C)`` (or ``(N, L, C)``); output logits ``(N, num_classes)``.
    """

    stage_sizes: Sequence[int] = (3, 3, 3)
    filters: Sequence[int] = (16, 32, 64)
    num_classes: int = 10
    shortcut: str = "A"
    activation: str | Callable = "relu"

    @nn.compact
    def __call__(self, x: Array, train: bool = False) -> Array:
        if self.shortcut not in SHORTCUTS:
            raise ValueError(f"ResNet.shortcut must be one of {SHORTCUTS}, found {self.shortcut!r}")
        if len(self.stage_sizes) != len(self.filters) or min(self.stage_sizes, default=0) < 1:
            raise ValueError("ResNet.stage_sizes must be positive block counts, one per filter "
                             f"width; found {tuple(self.stage_sizes)} for {tuple(self.filters)}")
        rank = spatial_rank(x)
        x = nn.Conv(self.filters[0], (3,) * rank, use_bias=False,
                    kernel_init=get_initializer("he_normal"), name="stem")(x)
        x = nn.BatchNorm(use_running_average=not train, momentum=0.9, name="stem_bn")(x)
        x = apply_activation(activation_layer(self.activation, "stem_act"), x, train)
        for i, (n, width) in enumerate(zip(self.stage_sizes, self.filters, strict=True)):
            for j in range(n):
                stride = 2 if i > 0 and j == 0 else 1
                x = BasicBlock(width, stride, self.shortcut, self.activation,
                               name=f"stage_{i}_block_{j}")(x, train)
        return nn.Dense(self.num_classes, name="logits")(global_avg_pool(x))


ResNet20 = partial(ResNet, stage_sizes=(3, 3, 3))
ResNet32 = partial(ResNet, stage_sizes=(5, 5, 5))
ResNet56 = partial(ResNet, stage_sizes=(9, 9, 9))
ResNet110 = partial(ResNet, stage_sizes=(18, 18, 18))


__all__ = ["BasicBlock", "ResNet", "ResNet20", "ResNet32", "ResNet56", "ResNet110", "pad_shortcut"]
