"""Core optimizers (sgd, adam) and the helpers every optimizer shares.

Optimizers are Optax ``GradientTransformation``s built with
``optax.inject_hyperparams`` so that their hyperparameters live in the optimizer
state as arrays: a population can vmap over them, and callbacks (plateau
reduction) can change them between compiled epochs without recompiling.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import optax

from jaxnets._validate import check_positive, unknown_name

ScalarOrSchedule = float | jax.Array | optax.Schedule


def is_traced(value: Any) -> bool:
    """Whether ``value`` is a JAX tracer (inside jit/vmap), which cannot be checked eagerly."""
    return isinstance(value, jax.core.Tracer)


def check_learning_rate(learning_rate: Any, name: str = "learning_rate") -> None:
    """A learning rate must be a schedule or a finite number >= 0."""
    if callable(learning_rate) or is_traced(learning_rate):
        return
    if isinstance(learning_rate, jax.Array) and learning_rate.ndim > 0:
        return  # a vector of rates for a population; checked by the caller
    check_positive(name, learning_rate, allow_zero=True)


def sgd(
    learning_rate: ScalarOrSchedule = 1e-2, momentum: float | None = None, nesterov: bool = False
) -> optax.GradientTransformation:
    """(Stochastic) gradient descent: ``theta <- theta - lr * g``.

    With ``momentum`` (heavy ball): ``v <- momentum * v + g``, ``theta <- theta - lr * v``;
    ``nesterov=True`` uses ``g + momentum * v`` as the step direction.
    """
    check_learning_rate(learning_rate)
    if momentum is None:
        return optax.inject_hyperparams(optax.sgd)(learning_rate=learning_rate)
    check_positive("momentum", momentum, allow_zero=True)
    return optax.inject_hyperparams(optax.sgd, static_args=("nesterov",))(
        learning_rate=learning_rate, momentum=momentum, nesterov=nesterov)


def adam(
    learning_rate: ScalarOrSchedule = 1e-3,
    b1: float = 0.9,
    b2: float = 0.999,
    eps: float = 1e-8,
) -> optax.GradientTransformation:
    """Adam (Kingma & Ba, 2015) with bias-corrected moments.

    ``m <- b1 m + (1-b1) g``, ``v <- b2 v + (1-b2) g^2``,
    ``theta <- theta - lr * m_hat / (sqrt(v_hat) + eps)``.
    """
    check_learning_rate(learning_rate)
    return optax.inject_hyperparams(optax.adam)(learning_rate=learning_rate, b1=b1, b2=b2, eps=eps)


OPTIMIZERS: dict[str, Callable[..., optax.GradientTransformation]] = {
    "sgd": sgd,
    "adam": adam,
}


def get_optimizer(
    optimizer: str | optax.GradientTransformation, **kwargs: Any
) -> optax.GradientTransformation:
    """An optimizer by name (with keyword hyperparameters) or a transformation passed through."""
    if isinstance(optimizer, optax.GradientTransformation):
        return optimizer
    if not isinstance(optimizer, str):
        raise TypeError(
            "optimizer must be an optax.GradientTransformation or a name, "
            f"found {type(optimizer).__name__}"
        )
    if optimizer not in OPTIMIZERS:
        raise unknown_name("optimizer", optimizer, OPTIMIZERS)
    return OPTIMIZERS[optimizer](**kwargs)


def _is_injected(node: Any) -> bool:
    """Whether ``node`` is the state of ``optax.inject_hyperparams`` (any optax version)."""
    return isinstance(node, tuple) and hasattr(node, "hyperparams") and hasattr(node, "inner_state")


def _hyperparam_states(opt_state: Any) -> list[Any]:
    """Every ``InjectHyperparamsState`` inside an optimizer state, outermost first."""
    found = []

    def visit(node: Any) -> None:
        if _is_injected(node):
            found.append(node)
            visit(node.inner_state)
        elif isinstance(node, tuple | list):
            for child in node:
                visit(child)
        elif isinstance(node, dict):
            for child in node.values():
                visit(child)

    visit(opt_state)
    return found


def get_hyperparam(opt_state: Any, name: str = "learning_rate") -> jax.Array | None:
    """The current value of an injected hyperparameter (e.g. the learning rate), or None."""
    for s in _hyperparam_states(opt_state):
        if name in s.hyperparams:
            return jnp.asarray(s.hyperparams[name])
    return None


def set_hyperparam(opt_state: Any, name: str, value: Any) -> Any:
    """Return ``opt_state`` with the injected hyperparameter ``name`` replaced by ``value``.

    Works for a constant hyperparameter (one given as a number, not a schedule).
    """
    def replace(node: Any) -> Any:
        if _is_injected(node):
            hp = dict(node.hyperparams)
            if name in hp:
                old = jnp.asarray(hp[name])
                hp[name] = jnp.broadcast_to(jnp.asarray(value, old.dtype), old.shape)
            return node._replace(hyperparams=hp, inner_state=replace(node.inner_state))
        if isinstance(node, tuple) and hasattr(node, "_fields"):
            return type(node)(*(replace(c) for c in node))
        if isinstance(node, tuple | list):
            return type(node)(replace(c) for c in node)
        if isinstance(node, dict):
            return {k: replace(v) for k, v in node.items()}
        return node

    return replace(opt_state)


__all__ = [
    "OPTIMIZERS",
    "adam",
    "check_learning_rate",
    "get_hyperparam",
    "is_traced",
    "get_optimizer",
    "set_hyperparam",
    "sgd",
]
