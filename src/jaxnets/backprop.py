"""Backpropagation written out with the chain rule, for an MLP — the textbook made executable.

The network is the one ``jn.nn.MLP(features, activation=...)`` builds (no batch
norm, dropout or residual), with its parameter tree ``{"dense_l": {"kernel": W_l,
"bias": b_l}}``, so the hand-written gradients can be checked against
``jax.grad`` of the very same model.

Forward pass, for layers ``l = 1..L`` with ``a_0 = x``::

    z_l = a_{l-1} W_l + b_l        a_l = f(z_l)  (l < L),   a_L = z_L  (outputs)

Output error for the mean loss over a batch of ``B`` examples::

    MSE  L = 1/B sum_i mean_j (z_Lij - y_ij)^2   ->  delta_L = 2 (z_L - y) / (B k)
    softmax cross-entropy                         ->  delta_L = (softmax(z_L) - onehot(y)) / B

Backward pass (the chain rule), for ``l = L-1 .. 1``::

    delta_l = (delta_{l+1} W_{l+1}^T) * f'(z_l)
    dL/dW_l = a_{l-1}^T delta_l      dL/db_l = sum_i delta_l,i

The chapter's own code has no nonlinearity and no biases, so it cannot learn
XOR; this version has both.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp

from jaxnets._validate import unknown_name
from jaxnets.typing import Array, ArrayLike


def _sigmoid_prime(z: Array, a: Array) -> Array:
    return a * (1.0 - a)


def _tanh_prime(z: Array, a: Array) -> Array:
    return 1.0 - a * a


def _relu_prime(z: Array, a: Array) -> Array:
    return (z > 0).astype(z.dtype)


def _leaky_relu_prime(z: Array, a: Array, slope: float = 0.01) -> Array:
    return jnp.where(z > 0, 1.0, slope).astype(z.dtype)


# name -> (f, f') with f' written from the textbook derivative; f' takes (z, f(z)).
DERIVATIVES: dict[str, tuple[Callable[[Array], Array], Callable[[Array, Array], Array]]] = {
    "sigmoid": (jax.nn.sigmoid, _sigmoid_prime),
    "tanh": (jnp.tanh, _tanh_prime),
    "relu": (jax.nn.relu, _relu_prime),
    "leaky_relu": (lambda z: jnp.where(z > 0, z, 0.01 * z), _leaky_relu_prime),
}
LOSSES = ("mse", "cross_entropy")


class Cache(NamedTuple):
    """What the forward pass keeps for the backward pass."""

    pre_activations: list[Array]  # z_l, [B, n_l] for l = 1..L
    activations: list[Array]  # a_l, [B, n_l] for l = 0..L (a_0 = x)


class Backprop(NamedTuple):
    """Everything backpropagation computes."""

    loss: Array  # []
    outputs: Array  # [B, k]
    deltas: list[Array]  # dL/dz_l, [B, n_l] for l = 1..L
    grads: dict[str, dict[str, Array]]  # same structure as the MLP's params


def _layers(params: Any) -> list[dict[str, Array]]:
    names = sorted(params, key=lambda n: int(n.rsplit("_", 1)[-1]))
    if not names or any(not n.startswith("dense_") for n in names):
        raise ValueError("params must be an MLP's {'dense_0': ..., 'dense_1': ...} tree, "
                         f"found keys {sorted(params)}")
    return [params[n] for n in names]


def _check(activation: str, loss: str) -> None:
    if activation not in DERIVATIVES:
        raise unknown_name("activation", activation, DERIVATIVES)
    if loss not in LOSSES:
        raise unknown_name("loss", loss, LOSSES)


def forward(params: Any, x: ArrayLike, activation: str = "sigmoid") -> tuple[Array, Cache]:
    """The forward pass; returns the outputs ``z_L`` [B, k] and the cache."""
    _check(activation, "mse")
    f, _ = DERIVATIVES[activation]
    a = jnp.asarray(x).reshape(jnp.shape(x)[0], -1)
    zs, acts = [], [a]
    layers = _layers(params)
    for i, layer in enumerate(layers):
        z = a @ layer["kernel"] + layer["bias"][None, :]
        a = f(z) if i < len(layers) - 1 else z
        zs.append(z)
        acts.append(a)
    return a, Cache(zs, acts)


def output_delta(outputs: Array, y: ArrayLike, loss: str) -> tuple[Array, Array]:
    """The loss and ``dL/dz_L`` for the batch-mean loss."""
    b = outputs.shape[0]
    y = jnp.asarray(y)
    if loss == "mse":
        target = y.reshape(outputs.shape).astype(outputs.dtype)
        err = outputs - target
        return jnp.mean(jnp.mean(err**2, axis=1)), 2.0 * err / (b * outputs.shape[1])
    onehot = jax.nn.one_hot(y, outputs.shape[1], dtype=outputs.dtype) if y.ndim == 1 else y
    logp = jax.nn.log_softmax(outputs)
    return -jnp.mean(jnp.sum(onehot * logp, axis=1)), (jnp.exp(logp) - onehot) / b


def backward(params: Any, cache: Cache, delta_out: Array, activation: str) -> tuple[list, dict]:
    """Propagate ``delta_L`` back through the layers; returns every delta and gradient."""
    _, f_prime = DERIVATIVES[activation]
    layers = _layers(params)
    deltas = [delta_out]
    for l in range(len(layers) - 2, -1, -1):  # noqa: E741 - l is the textbook's layer index
        z, a = cache.pre_activations[l], cache.activations[l + 1]
        deltas.insert(0, (deltas[0] @ layers[l + 1]["kernel"].T) * f_prime(z, a))
    grads = {
        f"dense_{l}": {"kernel": cache.activations[l].T @ d, "bias": jnp.sum(d, axis=0)}
        for l, d in enumerate(deltas)  # noqa: E741
    }
    return deltas, grads


def backprop(params: Any, x: ArrayLike, y: ArrayLike, *, activation: str = "sigmoid",
             loss: str = "mse") -> Backprop:
    """Forward and backward pass for the batch-mean ``loss``; equal to ``jax.grad`` (see tests)."""
    _check(activation, loss)
    outputs, cache = forward(params, x, activation)
    value, delta = output_delta(outputs, y, loss)
    deltas, grads = backward(params, cache, delta, activation)
    return Backprop(value, outputs, deltas, grads)


def gradient_descent_step(params: Any, x: ArrayLike, y: ArrayLike, learning_rate: float, *,
                          activation: str = "sigmoid", loss: str = "mse") -> tuple[Any, Backprop]:
    """``theta <- theta - lr * dL/dtheta`` with the hand-written gradients."""
    result = backprop(params, x, y, activation=activation, loss=loss)
    new = jax.tree_util.tree_map(lambda p, g: p - learning_rate * g, params, result.grads)
    return new, result


__all__ = [
    "DERIVATIVES",
    "Backprop",
    "Cache",
    "backprop",
    "backward",
    "forward",
    "gradient_descent_step",
    "output_delta",
]
