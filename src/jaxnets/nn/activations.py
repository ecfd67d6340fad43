"""Activation functions, by name.

Plain functions come from ``jax.nn``; activations with parameters are Flax
modules and are created by :func:`get_activation` inside a parent module's
``@nn.compact`` method, so their parameters belong to that parent.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import jax
import jax.numpy as jnp

from jaxnets._validate import unknown_name
from jaxnets.typing import Array, ArrayLike


def sigmoid(x: ArrayLike) -> Array:
    """``1 / (1 + exp(-x))``."""
    return jax.nn.sigmoid(x)


def tanh(x: ArrayLike) -> Array:
    """Hyperbolic tangent."""
    return jnp.tanh(x)


def relu(x: ArrayLike) -> Array:
    """``max(x, 0)``."""
    return jax.nn.relu(x)


def leaky_relu(x: ArrayLike, negative_slope: float = 0.01) -> Array:
    """``x`` for ``x >= 0`` and ``negative_slope * x`` otherwise."""
    return jax.nn.leaky_relu(x, negative_slope)


def elu(x: ArrayLike, alpha: float = 1.0) -> Array:
    """``x`` for ``x > 0`` and ``alpha (exp(x) - 1)`` otherwise."""
    return jax.nn.elu(x, alpha)


def gelu(x: ArrayLike) -> Array:
    """Gaussian error linear unit (tanh approximation)."""
    return jax.nn.gelu(x)


def swish(x: ArrayLike, beta: float = 1.0) -> Array:
    """``x * sigmoid(beta x)`` (Ramachandran et al., 2017); ``beta=1`` is SiLU."""
    return x * jax.nn.sigmoid(beta * jnp.asarray(x))


def identity(x: ArrayLike) -> Array:
    """The identity (a linear layer's output)."""
    return jnp.asarray(x)


# name -> factory returning the activation callable. Factories (not the
# functions themselves) so that parameterised activations (PReLU, learnable
# Swish, adaptive) can build a fresh Flax module each time they are asked for.
ACTIVATIONS: dict[str, Callable[[], Callable[[Array], Array]]] = {
    "sigmoid": lambda: sigmoid,
    "tanh": lambda: tanh,
    "relu": lambda: relu,
    "leaky_relu": lambda: leaky_relu,
    "elu": lambda: elu,
    "gelu": lambda: gelu,
    "swish": lambda: swish,
    "silu": lambda: swish,
    "identity": lambda: identity,
    "linear": lambda: identity,
}


def get_activation(activation: str | Callable | None) -> Callable[[Array], Array]:
    """The activation for a name (``"relu"``, ``"leaky_relu:0.2"``...) or a callable.

    ``None`` means the identity. A ``"name:value"`` form passes one number to
    the function's second argument (the slope of leaky_relu, alpha of elu,
    beta of swish).
    """
    if activation is None:
        return identity
    if callable(activation):
        return activation
    if not isinstance(activation, str):
        raise TypeError(f"activation must be a name or a callable, found {type(activation).__name__}")
    name, _, arg = activation.partition(":")
    if name not in ACTIVATIONS:
        raise unknown_name("activation", activation, ACTIVATIONS)
    fn = ACTIVATIONS[name]()
    if arg:
        try:
            value = float(arg)
        except ValueError:
            raise ValueError(f"activation {activation!r}: {arg!r} is not a number") from None
        fn = partial(fn, **{_ARG_NAMES.get(name, "alpha"): value})
    return fn


_ARG_NAMES = {"leaky_relu": "negative_slope", "elu": "alpha", "swish": "beta", "silu": "beta"}

__all__ = [
    "ACTIVATIONS",
    "elu",
    "gelu",
    "get_activation",
    "identity",
    "leaky_relu",
    "relu",
    "sigmoid",
    "swish",
    "tanh",
]
