"""Activation functions, by name.

Plain functions come from ``jax.nn``; activations with parameters are Flax
modules and are created by :func:`get_activation` inside a parent module's
``@nn.compact`` method, so their parameters belong to that parent.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from functools import partial

import flax.linen as nn
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


def _broadcast(p: Array, x: Array) -> Array:
    """A scalar or per-channel parameter shaped to broadcast against ``x`` (explicit ranks)."""
    return jnp.reshape(p, (1,) * (x.ndim - p.ndim) + p.shape).astype(x.dtype)


class PReLU(nn.Module):
    """Parametric ReLU (He et al., 2015): ``f(x) = max(x, 0) + a min(x, 0)`` with learnable ``a``.

    Attributes:
      per_channel: one slope per feature (last axis) instead of one shared slope.
      init_slope: the initial ``a`` (0.25 in the paper).

    Gradients: ``df/dx = 1`` for ``x > 0`` and ``a`` otherwise; ``df/da = min(x, 0)``.
    """

    per_channel: bool = False
    init_slope: float = 0.25

    @nn.compact
    def __call__(self, x: Array) -> Array:
        shape = (x.shape[-1],) if self.per_channel else ()
        a = self.param("slope", nn.initializers.constant(self.init_slope), shape, jnp.float32)
        return jnp.maximum(x, 0) + _broadcast(a, x) * jnp.minimum(x, 0)


class LearnableSwish(nn.Module):
    """Swish with a learnable ``beta`` (Ramachandran et al., 2017): ``f(x) = x sigmoid(beta x)``.

    ``beta -> 0`` gives ``x / 2`` (linear), ``beta -> inf`` gives ReLU, ``beta = 1`` SiLU.
    ``df/dbeta = x^2 s (1 - s)`` with ``s = sigmoid(beta x)``.

    Attributes:
      per_channel: one ``beta`` per feature (last axis) instead of one shared value.
      init_beta: the initial ``beta``.
    """

    per_channel: bool = False
    init_beta: float = 1.0

    @nn.compact
    def __call__(self, x: Array) -> Array:
        shape = (x.shape[-1],) if self.per_channel else ()
        beta = self.param("beta", nn.initializers.constant(self.init_beta), shape, jnp.float32)
        return x * jax.nn.sigmoid(_broadcast(beta, x) * x)


class AdaptiveActivation(nn.Module):
    """An activation that adapts to its input distribution: normalise, then a learned mixture.

    For pre-activations ``x`` with features on the last axis::

        z   = (x - mu) / sqrt(var + eps)            # mu, var per feature
        u   = gamma * z + delta                     # learnable per feature (init 1, 0)
        pi  = softmax(alpha)                        # learnable mixture weights (init uniform)
        f(x) = sum_k pi_k g_k(u)                    # g_k: the base activations

    ``mu`` and ``var`` are the batch statistics over every axis but the last in
    training and exponential running averages (``batch_stats``, ``momentum``) at
    evaluation, so the activation sees standardised inputs whatever the scale
    and shift of the layer below, and the mixture learns which nonlinearity
    the layer needs (e.g. drifting toward ``tanh`` or ``relu``). Call with
    ``train=True`` while training (``jn.MLP`` and ``jn.nn.CNN`` pass it).

    Attributes:
      bases: names of the base activations ``g_k``.
      momentum: decay of the running statistics.
      epsilon: added to the variance.
    """

    bases: Sequence[str] = ("relu", "tanh", "swish", "identity")
    momentum: float = 0.9
    epsilon: float = 1e-5

    @nn.compact
    def __call__(self, x: Array, train: bool = False) -> Array:
        if len(self.bases) == 0:
            raise ValueError("AdaptiveActivation.bases must name at least one activation, found ()")
        fns = [get_activation(b) for b in self.bases]
        u = nn.BatchNorm(use_running_average=not train, momentum=self.momentum,
                         epsilon=self.epsilon, name="norm")(x)
        alpha = self.param("mixture", nn.initializers.zeros, (len(fns),), jnp.float32)
        pi = jax.nn.softmax(alpha).astype(u.dtype)
        return sum(pi[k] * f(u) for k, f in enumerate(fns))


# name -> factory returning the activation callable. Factories (not the
# functions themselves) so that parameterised activations (PReLU, learnable
# Swish, adaptive) can build a fresh Flax module each time they are asked for.
ACTIVATIONS: dict[str, Callable[..., Callable[[Array], Array]]] = {
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
    "prelu": PReLU,
    "prelu_channel": partial(PReLU, per_channel=True),
    "learnable_swish": LearnableSwish,
    "adaptive": AdaptiveActivation,
}


def get_activation(activation: str | Callable | None) -> Callable[[Array], Array]:
    """The activation for a name (``"relu"``, ``"leaky_relu:0.2"``...) or a callable.

    ``None`` means the identity. A ``"name:value"`` form passes one number to
    the function's second argument (the slope of leaky_relu, alpha of elu,
    beta of swish) or sets the initial value of a learnable one (``"prelu:0.1"``).
    ``"prelu"``, ``"prelu_channel"``, ``"learnable_swish"`` and ``"adaptive"``
    give a new Flax module; ask for them inside a parent's ``@nn.compact``
    method so that their parameters belong to the parent.
    """
    return _build(activation)


def _build(activation: str | Callable | None, name: str | None = None) -> Callable[[Array], Array]:
    if activation is None:
        return identity
    if isinstance(activation, type) and issubclass(activation, nn.Module):
        return activation(name=name)
    if callable(activation):
        return activation
    if not isinstance(activation, str):
        raise TypeError(f"activation must be a name or a callable, found {type(activation).__name__}")
    key, _, arg = activation.partition(":")
    if key not in ACTIVATIONS:
        raise unknown_name("activation", activation, ACTIVATIONS)
    kwargs = {}
    if arg:
        try:
            kwargs[_ARG_NAMES.get(key, "alpha")] = float(arg)
        except ValueError:
            raise ValueError(f"activation {activation!r}: {arg!r} is not a number") from None
    if key in _MODULES:
        return ACTIVATIONS[key](name=name, **kwargs)
    fn = ACTIVATIONS[key]()
    return partial(fn, **kwargs) if kwargs else fn


_ARG_NAMES = {"leaky_relu": "negative_slope", "elu": "alpha", "swish": "beta", "silu": "beta",
              "prelu": "init_slope", "prelu_channel": "init_slope", "learnable_swish": "init_beta",
              "adaptive": "momentum"}
_MODULES = ("prelu", "prelu_channel", "learnable_swish", "adaptive")


def activation_layer(activation: str | Callable | type | None, name: str | None = None
                     ) -> Callable[[Array], Array]:
    """Like :func:`get_activation`, but a fresh layer each call (for use in ``@nn.compact``).

    Accepts a name, a plain function, a Flax module class (``jn.nn.PReLU``) or a
    module instance (``jn.nn.PReLU(per_channel=True)``), which is copied so that
    every layer gets its own parameters. Module layers are named ``name``.
    """
    if isinstance(activation, nn.Module):
        return activation.copy(name=name)
    return _build(activation, name)


def apply_activation(fn: Callable[..., Array], x: Array, train: bool = False) -> Array:
    """``fn(x)``, passing ``train`` to activations that take it (``AdaptiveActivation``)."""
    if isinstance(fn, nn.Module) and "train" in inspect.signature(type(fn).__call__).parameters:
        return fn(x, train=train)
    return fn(x)


__all__ = [
    "ACTIVATIONS",
    "AdaptiveActivation",
    "LearnableSwish",
    "PReLU",
    "activation_layer",
    "apply_activation",
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
