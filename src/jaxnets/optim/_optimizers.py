"""More optimizers and gradient transformations: momentum, Nesterov, AdamW, RMSprop,
Adagrad, clipping, L1 (subgradient and proximal), decoupled weight decay, freezing.

Where optax already implements the update it is reused and wrapped in
``optax.inject_hyperparams`` (hyperparameters become arrays in the state, so a
population can vmap over them); the rest are written in optax's own form.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import optax

from jaxnets._validate import check_positive
from jaxnets.losses import default_penalty_mask
from jaxnets.optim._core import ScalarOrSchedule, check_learning_rate, is_traced

Mask = Any  # a pytree of bools like params, or a function params -> such a pytree


def _check(name: str, value: Any, *, allow_zero: bool = True) -> None:
    if not is_traced(value):
        check_positive(name, value, allow_zero=allow_zero)


def _check_decay(name: str, value: Any) -> None:
    """A decay/momentum coefficient must lie in [0, 1)."""
    if not is_traced(value):
        _check(name, value)
        if not float(value) < 1.0:
            raise ValueError(f"{name} must be in [0, 1), found {value!r}")


def momentum(learning_rate: ScalarOrSchedule = 1e-2, momentum: float = 0.9) -> optax.GradientTransformation:
    """Heavy-ball momentum (Polyak, 1964): ``v <- mu v + g``, ``theta <- theta - lr v``."""
    check_learning_rate(learning_rate)
    _check_decay("momentum", momentum)
    return optax.inject_hyperparams(optax.sgd, static_args=("nesterov",))(
        learning_rate=learning_rate, momentum=momentum, nesterov=False)


def nesterov(learning_rate: ScalarOrSchedule = 1e-2, momentum: float = 0.9) -> optax.GradientTransformation:
    """Nesterov momentum (Sutskever et al., 2013 form): ``v <- mu v + g``,
    ``theta <- theta - lr (g + mu v)``."""
    check_learning_rate(learning_rate)
    _check_decay("momentum", momentum)
    return optax.inject_hyperparams(optax.sgd, static_args=("nesterov",))(
        learning_rate=learning_rate, momentum=momentum, nesterov=True)


def adamw(
    learning_rate: ScalarOrSchedule = 1e-3,
    b1: float = 0.9,
    b2: float = 0.999,
    eps: float = 1e-8,
    weight_decay: float = 1e-4,
    mask: Mask | None = None,
) -> optax.GradientTransformation:
    """AdamW (Loshchilov & Hutter, 2019): Adam with decoupled weight decay,
    ``theta <- theta - lr (m_hat / (sqrt(v_hat) + eps) + wd theta)``.

    ``mask`` selects the decayed leaves; default kernels only (no biases or norm scales).
    """
    check_learning_rate(learning_rate)
    _check_decay("b1", b1)
    _check_decay("b2", b2)
    _check("eps", eps)
    _check("weight_decay", weight_decay)
    return optax.inject_hyperparams(optax.adamw, static_args=("mask",))(
        learning_rate=learning_rate, b1=b1, b2=b2, eps=eps, weight_decay=weight_decay,
        mask=default_penalty_mask if mask is None else mask)


def rmsprop(
    learning_rate: ScalarOrSchedule = 1e-3,
    decay: float = 0.9,
    eps: float = 1e-8,
    centered: bool = False,
    momentum: float | None = None,
) -> optax.GradientTransformation:
    """RMSprop (Tieleman & Hinton, 2012): ``s <- rho s + (1-rho) g^2``,
    ``theta <- theta - lr g / sqrt(s + eps)``.

    ``centered=True`` (Graves, 2013) also tracks ``m <- rho m + (1-rho) g`` and divides by
    ``sqrt(s - m^2 + eps)``; ``momentum`` adds heavy-ball momentum on the scaled step.
    """
    check_learning_rate(learning_rate)
    _check_decay("decay", decay)
    _check("eps", eps)
    if momentum is not None:
        _check_decay("momentum", momentum)
    return optax.inject_hyperparams(optax.rmsprop, static_args=("centered",))(
        learning_rate=learning_rate, decay=decay, eps=eps, centered=centered, momentum=momentum)


def adagrad(
    learning_rate: ScalarOrSchedule = 1e-2,
    initial_accumulator_value: float = 0.1,
    eps: float = 1e-7,
) -> optax.GradientTransformation:
    """Adagrad (Duchi et al., 2011): ``s <- s + g^2``, ``theta <- theta - lr g / sqrt(s + eps)``
    with ``s`` starting at ``initial_accumulator_value``."""
    check_learning_rate(learning_rate)
    _check("initial_accumulator_value", initial_accumulator_value)
    _check("eps", eps)
    return optax.inject_hyperparams(optax.adagrad)(
        learning_rate=learning_rate, initial_accumulator_value=initial_accumulator_value, eps=eps)


def clip_by_global_norm(max_norm: float) -> optax.GradientTransformation:
    """Rescale all updates by ``min(1, max_norm / ||g||)`` with ``||g||`` the norm over every leaf
    (Pascanu et al., 2013); put it first in a chain."""
    _check("max_norm", max_norm, allow_zero=False)
    return optax.inject_hyperparams(optax.clip_by_global_norm)(max_norm=max_norm)


def clip_by_value(max_delta: float) -> optax.GradientTransformation:
    """Clip every update element to ``[-max_delta, max_delta]``."""
    _check("max_delta", max_delta, allow_zero=False)
    return optax.inject_hyperparams(optax.clip)(max_delta=max_delta)


class CountState(NamedTuple):
    """A step counter for transformations that evaluate a schedule."""

    count: jax.Array  # [] int32


def _resolve_mask(mask: Mask | None, params: Any) -> Any:
    mask = default_penalty_mask if mask is None else mask
    return mask(params) if callable(mask) else mask


def _value_at(x: ScalarOrSchedule, count: jax.Array) -> jax.Array:
    return x(count) if callable(x) else jnp.asarray(x)


def _count_transformation(
    update_leaf: Callable[..., jax.Array], mask: Mask | None
) -> optax.GradientTransformation:
    """A transformation ``u <- update_leaf(u, w, count)`` on masked leaves (others pass through)."""

    def init_fn(params: optax.Params) -> CountState:
        del params
        return CountState(jnp.zeros([], jnp.int32))

    def update_fn(updates: optax.Updates, state: CountState,
                  params: optax.Params | None = None) -> tuple[optax.Updates, CountState]:
        if params is None:
            raise ValueError("this transformation needs params: call tx.update(grads, state, params)")
        m = _resolve_mask(mask, params)
        out = jax.tree_util.tree_map(
            lambda u, w, keep: update_leaf(u, w, state.count).astype(u.dtype) if keep else u,
            updates, params, m)
        return out, CountState(optax.safe_increment(state.count))

    return optax.GradientTransformation(init_fn, update_fn)


def add_l1(strength: ScalarOrSchedule, mask: Mask | None = None) -> optax.GradientTransformation:
    """L1 by subgradient: ``g <- g + lambda sign(theta)`` on masked leaves (default kernels).

    Put it before the optimizer (``optax.chain(add_l1(1e-4), sgd(0.1))``); it is the
    gradient of ``lambda ||theta||_1`` (with 0 at 0), so weights hover around zero.
    """
    if not callable(strength):
        _check("strength", strength)
    return _count_transformation(
        lambda u, w, c: u + _value_at(strength, c) * jnp.sign(w), mask)


def l1_proximal(strength: float, learning_rate: ScalarOrSchedule,
                mask: Mask | None = None) -> optax.GradientTransformation:
    """L1 by the proximal step (ISTA; Beck & Teboulle, 2009), put LAST in a chain.

    With ``w' = theta + u`` the optimizer's proposal, the new parameters are the soft
    threshold ``sign(w') max(|w'| - lr lambda, 0)``, so weights become exactly zero.
    ``learning_rate`` must be the optimizer's (a float or the same schedule).
    """
    _check("strength", strength)
    check_learning_rate(learning_rate)

    def leaf(u: jax.Array, w: jax.Array, count: jax.Array) -> jax.Array:
        proposal = w + u
        thresh = _value_at(learning_rate, count) * strength
        return jnp.sign(proposal) * jnp.maximum(jnp.abs(proposal) - thresh, 0.0) - w

    return _count_transformation(leaf, mask)


def decoupled_weight_decay(weight_decay: float, learning_rate: ScalarOrSchedule = 1.0,
                           mask: Mask | None = None) -> optax.GradientTransformation:
    """Decoupled weight decay (Loshchilov & Hutter, 2019), put LAST in a chain:
    ``u <- u - lr wd theta`` on masked leaves (default kernels), independent of any
    gradient scaling the optimizer applies (unlike an L2 term in the loss)."""
    _check("weight_decay", weight_decay)
    check_learning_rate(learning_rate)
    return _count_transformation(
        lambda u, w, c: u - _value_at(learning_rate, c) * weight_decay * w, mask)


def _top_level_mask(names: Sequence[str], params: Any) -> Any:
    """True for every leaf under one of the top-level keys ``names``."""
    missing = [n for n in names if n not in params]
    if missing:
        raise ValueError(f"freeze names {missing} are not top-level parameter names; "
                         f"found {sorted(params)}")

    def frozen(path: tuple, leaf: Any) -> bool:
        return getattr(path[0], "key", None) in names

    return jax.tree_util.tree_map_with_path(frozen, params)


def freeze(mask: Mask | Sequence[str]) -> optax.GradientTransformation:
    """Zero the updates of frozen parameters (transfer learning); put it LAST in a chain.

    Args:
      mask: True for frozen leaves: a pytree of bools like params, a function of params,
        or a sequence of top-level parameter names (e.g. ``["dense_0", "dense_1"]``).
    """
    if isinstance(mask, str):
        raise TypeError(f"freeze mask must be a sequence of names, not the string {mask!r}")
    names = tuple(mask) if isinstance(mask, list | tuple) else None

    def init_fn(params: optax.Params) -> optax.EmptyState:
        if names is not None:
            _top_level_mask(names, params)  # a clear error for an unknown name, at init
        return optax.EmptyState()

    def update_fn(updates: optax.Updates, state: optax.EmptyState,
                  params: optax.Params | None = None) -> tuple[optax.Updates, optax.EmptyState]:
        source = params if params is not None else updates
        m = _top_level_mask(names, source) if names is not None else (
            mask(source) if callable(mask) else mask)
        return jax.tree_util.tree_map(
            lambda u, f: jnp.zeros_like(u) if f else u, updates, m), state

    return optax.GradientTransformation(init_fn, update_fn)


__all__ = [
    "CountState",
    "adagrad",
    "adamw",
    "add_l1",
    "clip_by_global_norm",
    "clip_by_value",
    "decoupled_weight_decay",
    "freeze",
    "l1_proximal",
    "momentum",
    "nesterov",
    "rmsprop",
]
