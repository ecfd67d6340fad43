"""Neural-network building blocks: Flax Linen modules and activations."""

from jaxnets.nn.activations import (
    ACTIVATIONS,
    elu,
    gelu,
    get_activation,
    identity,
    leaky_relu,
    relu,
    sigmoid,
    swish,
    tanh,
)
from jaxnets.nn.dropout import HPARAMS, ArrayDropout
from jaxnets.nn.initializers import INITIALIZERS, get_initializer
from jaxnets.nn.mlp import MLP

__all__ = [
    "HPARAMS",
    "ArrayDropout",
    "ACTIVATIONS",
    "INITIALIZERS",
    "MLP",
    "elu",
    "gelu",
    "get_activation",
    "get_initializer",
    "identity",
    "leaky_relu",
    "relu",
    "sigmoid",
    "swish",
    "tanh",
]
