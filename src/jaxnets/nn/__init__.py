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
from jaxnets.nn.initializers import INITIALIZERS, get_initializer
from jaxnets.nn.mlp import MLP
from jaxnets.nn.recurrent import (
    GRU,
    LSTM,
    CharLM,
    Forecaster,
    GRUCell,
    LSTMCell,
    RecurrentLayer,
    SequenceClassifier,
    SimpleRNN,
    SimpleRNNCell,
    get_recurrent,
    sequence_mask,
)

__all__ = [
    "GRU",
    "LSTM",
    "CharLM",
    "Forecaster",
    "GRUCell",
    "LSTMCell",
    "RecurrentLayer",
    "SequenceClassifier",
    "SimpleRNN",
    "SimpleRNNCell",
    "get_recurrent",
    "sequence_mask",
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
