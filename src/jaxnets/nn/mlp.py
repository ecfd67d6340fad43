"""Multi-layer perceptron."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import flax.linen as nn
import jax.numpy as jnp

from jaxnets.nn.activations import activation_layer, apply_activation, get_activation
from jaxnets.nn.dropout import ArrayDropout
from jaxnets.nn.initializers import get_initializer
from jaxnets.typing import Array


class MLP(nn.Module):
    """A fully connected network: ``Dense -> [BatchNorm] -> act -> [Dropout]`` per hidden layer.

    Attributes:
      features: widths of every layer; the last is the number of outputs.
      activation: name, callable, or learnable activation module (class or instance,
        e.g. ``"prelu"``, ``PReLU(per_channel=True)``, ``"adaptive"``) for the hidden
        layers; each layer gets its own copy (``act_i``).
      kernel_init, bias_init: initializer names or callables.
      dropout: dropout rate after each hidden activation (0 disables).
      batch_norm: batch normalisation before each hidden activation.
      residual: add the layer input to its output wherever the widths match.
      output_activation: applied to the last layer (None: raw outputs/logits).
      array_dropout: keep the dropout rate as an array in the model state
        (``ArrayDropout``), so ``jn.tune.population`` can vary it per member; the
        dropout layers then exist even at rate 0.

    Input ``x``: [batch, ...]; trailing axes are flattened. Output: [batch, features[-1]].
    """

    features: Sequence[int]
    activation: str | Callable = "relu"
    kernel_init: str | Callable = "glorot_uniform"
    bias_init: str | Callable = "zeros"
    dropout: float = 0.0
    batch_norm: bool = False
    residual: bool = False
    output_activation: str | Callable | None = None
    array_dropout: bool = False

    @nn.compact
    def __call__(self, x: Array, train: bool = False) -> Array:
        if len(self.features) == 0:
            raise ValueError("MLP.features must name at least one layer width, found ()")
        x = jnp.reshape(x, (x.shape[0], -1))
        kinit = get_initializer(self.kernel_init)
        binit = get_initializer(self.bias_init)
        for i, width in enumerate(self.features[:-1]):
            h = nn.Dense(width, kernel_init=kinit, bias_init=binit, name=f"dense_{i}")(x)
            if self.batch_norm:
                h = nn.BatchNorm(use_running_average=not train, name=f"bn_{i}")(h)
            h = apply_activation(activation_layer(self.activation, f"act_{i}"), h, train)
            if self.array_dropout:
                h = ArrayDropout(self.dropout, name=f"dropout_{i}")(h, deterministic=not train)
            elif self.dropout > 0:
                h = nn.Dropout(self.dropout, deterministic=not train)(h)
            x = x + h if self.residual and x.shape[-1] == width else h
        out = nn.Dense(self.features[-1], kernel_init=kinit, bias_init=binit,
                       name=f"dense_{len(self.features) - 1}")(x)
        return get_activation(self.output_activation)(out)


__all__ = ["MLP"]
