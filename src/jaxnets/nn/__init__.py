"""Neural-network building blocks: Flax Linen modules and activations."""

from jaxnets.nn.activations import (
    ACTIVATIONS,
    AdaptiveActivation,
    LearnableSwish,
    PReLU,
    activation_layer,
    apply_activation,
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
from jaxnets.nn.initializers import INITIALIZERS, get_initializer
from jaxnets.nn.mlp import MLP

__all__ = [
    "ACTIVATIONS",
    "AdaptiveActivation",
    "LearnableSwish",
    "PReLU",
    "activation_layer",
    "apply_activation",
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
