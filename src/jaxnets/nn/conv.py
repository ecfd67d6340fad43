"""Convolutional blocks for 1-D ``(N, L, C)`` and 2-D ``(N, H, W, C)`` inputs, pooling, a CNN.

The spatial rank is read from the input: ``x.ndim - 2`` (1 for sequences, 2
for images). A block is one of three kinds:

- ``"standard"``: ``y[p, o] = sum_{u, c} x[p + u, c] w[u, c, o] + b[o]``, with
  ``C k^d C' + C'`` parameters (``d`` spatial dims, kernel ``k``).
- ``"dilated"``: the same with taps spaced ``r`` apart, ``x[p + r u, c]`` (Yu &
  Koltun, 2016): the receptive field grows to ``r (k - 1) + 1`` at the same
  parameter count.
- ``"separable"`` (depthwise-separable, Chollet 2017 / Howard et al. 2017): a
  depthwise convolution with one filter per input channel
  (``feature_group_count = C``; ``y[p, c] = sum_u x[p + u, c] w[u, c]``) then a
  1x1 pointwise convolution mixing channels: ``C k^d + C`` plus ``C C' + C'``
  parameters instead of ``C k^d C' + C'``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import flax.linen as nn
import jax.numpy as jnp

from jaxnets.nn.activations import activation_layer, apply_activation
from jaxnets.nn.initializers import get_initializer
from jaxnets.typing import Array

CONV_KINDS = ("standard", "dilated", "separable")
POOLS = ("max", "avg", "none")
HEADS = ("global", "flatten")


def spatial_rank(x: Array, name: str = "x") -> int:
    """The number of spatial axes of ``x``: 1 for ``(N, L, C)``, 2 for ``(N, H, W, C)``."""
    if x.ndim not in (3, 4):
        raise ValueError(f"{name} must be (N, L, C) or (N, H, W, C), found shape {tuple(x.shape)}")
    return x.ndim - 2


def _window(size: int | Sequence[int], rank: int, name: str) -> tuple[int, ...]:
    sizes = (size,) * rank if isinstance(size, int) else tuple(size)
    if len(sizes) != rank or any(not isinstance(s, int) or s < 1 for s in sizes):
        raise ValueError(f"{name} must be a positive int or {rank} positive ints, found {size!r}")
    return sizes


def max_pool(x: Array, window: int | Sequence[int] = 2, strides: int | Sequence[int] | None = None,
             padding: str = "VALID") -> Array:
    """Max pooling over the spatial axes: ``y[p] = max_{u < window} x[s p + u]`` per channel."""
    rank = spatial_rank(x)
    w = _window(window, rank, "window")
    return nn.max_pool(x, w, _window(strides, rank, "strides") if strides else w, padding)


def avg_pool(x: Array, window: int | Sequence[int] = 2, strides: int | Sequence[int] | None = None,
             padding: str = "VALID") -> Array:
    """Average pooling over the spatial axes: ``y[p] = mean_{u < window} x[s p + u]`` per channel."""
    rank = spatial_rank(x)
    w = _window(window, rank, "window")
    return nn.avg_pool(x, w, _window(strides, rank, "strides") if strides else w, padding)


def global_avg_pool(x: Array) -> Array:
    """The mean over every spatial axis: ``(N, ..., C) -> (N, C)``."""
    rank = spatial_rank(x)
    return jnp.mean(x, axis=tuple(range(1, 1 + rank)))


def pool(x: Array, kind: str, window: int = 2) -> Array:
    """``max_pool``, ``avg_pool`` or nothing (``"none"``) by name."""
    if kind not in POOLS:
        raise ValueError(f"pool must be one of {POOLS}, found {kind!r}")
    if kind == "none":
        return x
    return (max_pool if kind == "max" else avg_pool)(x, window)


class ConvBlock(nn.Module):
    """``conv -> [BatchNorm] -> activation`` for 1-D or 2-D inputs (see the module docstring).

    Attributes:
      features: output channels ``C'``.
      kernel_size: ``k`` (an int, or one per spatial axis).
      kind: ``"standard"``, ``"dilated"`` or ``"separable"``.
      dilation: the tap spacing ``r`` of a dilated block.
      strides: the step of the (pointwise output of the) convolution.
      padding: ``"SAME"`` keeps the spatial size at stride 1; ``"VALID"`` uses no padding.
      activation: name, callable or learnable module; ``None`` for a linear block.
      batch_norm: batch normalisation before the activation (then the conv has no bias).
      kernel_init: initializer name or callable (He normal suits ReLU).

    Input: ``(N, L, C)`` or ``(N, H, W, C)``; output ``(N, L', C')`` or ``(N, H', W', C')``.
    """

    features: int
    kernel_size: int | Sequence[int] = 3
    kind: str = "standard"
    dilation: int = 2
    strides: int = 1
    padding: str = "SAME"
    activation: str | Callable | None = "relu"
    batch_norm: bool = False
    kernel_init: str | Callable = "he_normal"

    @nn.compact
    def __call__(self, x: Array, train: bool = False) -> Array:
        if self.kind not in CONV_KINDS:
            raise ValueError(f"ConvBlock.kind must be one of {CONV_KINDS}, found {self.kind!r}")
        rank = spatial_rank(x)
        k = _window(self.kernel_size, rank, "kernel_size")
        init = get_initializer(self.kernel_init)
        bias = not self.batch_norm
        dil = (self.dilation,) * rank if self.kind == "dilated" else (1,) * rank
        strides = (self.strides,) * rank
        if self.kind == "separable":
            channels = x.shape[-1]
            x = nn.Conv(channels, k, padding=self.padding, feature_group_count=channels,
                        kernel_init=init, name="depthwise")(x)
            x = nn.Conv(self.features, (1,) * rank, strides=strides, use_bias=bias,
                        kernel_init=init, name="pointwise")(x)
        else:
            x = nn.Conv(self.features, k, strides=strides, padding=self.padding,
                        kernel_dilation=dil, use_bias=bias, kernel_init=init, name="conv")(x)
        if self.batch_norm:
            x = nn.BatchNorm(use_running_average=not train, name="bn")(x)
        return apply_activation(activation_layer(self.activation, "act"), x, train)


class CNN(nn.Module):
    """A configurable convolutional classifier for 1-D or 2-D inputs.

    ``len(features)`` stages of ``convs_per_stage`` :class:`ConvBlock` s (``features[i]``
    channels, kind ``conv``), each followed by pooling (window 2); then a head
    (global average pooling or flattening), optional hidden Dense layers
    (``dense``, with dropout) and a Dense layer of ``num_classes`` logits.

    Example: the classic ``conv3x3 32-32-pool-64-64-pool, dense 256`` network is
    ``CNN((32, 64), num_classes=10, convs_per_stage=2, head="flatten", dense=(256,))``.

    Input: ``(N, L, C)`` or ``(N, H, W, C)``; a 2-D ``(N, L)`` input is read as
    ``(N, L, 1)``. Output: logits ``(N, num_classes)``.
    """

    features: Sequence[int] = (32, 64)
    num_classes: int = 10
    conv: str = "standard"
    kernel_size: int = 3
    convs_per_stage: int = 1
    dilation: int = 2
    pool: str = "max"
    head: str = "global"
    dense: Sequence[int] = ()
    activation: str | Callable = "relu"
    batch_norm: bool = False
    dropout: float = 0.0

    @nn.compact
    def __call__(self, x: Array, train: bool = False) -> Array:
        self._check()
        if x.ndim == 2:
            x = x[..., None]
        for i, width in enumerate(self.features):
            for j in range(self.convs_per_stage):
                x = ConvBlock(width, self.kernel_size, self.conv, self.dilation,
                              activation=self.activation, batch_norm=self.batch_norm,
                              name=f"block_{i}_{j}")(x, train)
            x = pool(x, self.pool)
        x = global_avg_pool(x) if self.head == "global" else jnp.reshape(x, (x.shape[0], -1))
        for i, width in enumerate(self.dense):
            x = nn.Dense(width, kernel_init=get_initializer("he_normal"), name=f"dense_{i}")(x)
            x = apply_activation(activation_layer(self.activation, f"dense_act_{i}"), x, train)
            if self.dropout > 0:
                x = nn.Dropout(self.dropout, deterministic=not train)(x)
        return nn.Dense(self.num_classes, name="logits")(x)

    def _check(self) -> None:
        if len(self.features) == 0:
            raise ValueError("CNN.features must name at least one stage width, found ()")
        if self.conv not in CONV_KINDS:
            raise ValueError(f"CNN.conv must be one of {CONV_KINDS}, found {self.conv!r}")
        if self.pool not in POOLS:
            raise ValueError(f"CNN.pool must be one of {POOLS}, found {self.pool!r}")
        if self.head not in HEADS:
            raise ValueError(f"CNN.head must be one of {HEADS}, found {self.head!r}")
        if self.convs_per_stage < 1:
            raise ValueError(f"CNN.convs_per_stage must be >= 1, found {self.convs_per_stage}")


__all__ = [
    "CNN",
    "CONV_KINDS",
    "ConvBlock",
    "avg_pool",
    "global_avg_pool",
    "max_pool",
    "pool",
    "spatial_rank",
]
