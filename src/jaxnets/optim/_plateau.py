"""Reduce-on-plateau: a pure state machine, an Optax transformation built on it, and
the learning rate actually in use (injected rate times any plateau scale)."""

from __future__ import annotations

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import optax

from jaxnets._validate import check_positive
from jaxnets.optim._core import _is_injected, check_learning_rate, get_hyperparam


class PlateauState(NamedTuple):
    """State of reduce-on-plateau. All fields are [] arrays."""

    scale: jax.Array  # float32, the factor applied to the learning rate (starts at 1)
    best: jax.Array  # float32, the best monitored value so far (+-inf at first)
    num_bad: jax.Array  # int32, evaluations since the last improvement
    cooldown: jax.Array  # int32, evaluations left before bad ones count again


class PlateauConfig(NamedTuple):
    """Hyperparameters of reduce-on-plateau (checked by :func:`plateau_config`)."""

    factor: float
    patience: int
    cooldown: int
    threshold: float
    threshold_mode: str
    mode: str
    min_scale: float


def plateau_config(factor: float = 0.1, patience: int = 10, cooldown: int = 0,
                   threshold: float = 1e-4, threshold_mode: str = "rel", mode: str = "min",
                   min_scale: float = 0.0) -> PlateauConfig:
    """Validate reduce-on-plateau hyperparameters (a ``ValueError`` naming the argument)."""
    check_positive("factor", factor)
    if not factor < 1.0:
        raise ValueError(f"factor must be in (0, 1), found {factor!r}")
    for name, v in (("patience", patience), ("cooldown", cooldown)):
        if isinstance(v, bool) or not isinstance(v, int) or v < 0:
            raise ValueError(f"{name} must be an int >= 0, found {v!r}")
    check_positive("threshold", threshold, allow_zero=True)
    if threshold_mode not in ("rel", "abs"):
        raise ValueError(f"threshold_mode must be 'rel' or 'abs', found {threshold_mode!r}")
    if mode not in ("min", "max"):
        raise ValueError(f"mode must be 'min' or 'max', found {mode!r}")
    check_positive("min_scale", min_scale, allow_zero=True)
    if min_scale > 1.0:
        raise ValueError(f"min_scale must be <= 1 (a floor below the initial rate), found {min_scale}")
    return PlateauConfig(factor, patience, cooldown, threshold, threshold_mode, mode, min_scale)


def plateau_init(config: PlateauConfig) -> PlateauState:
    worst = jnp.inf if config.mode == "min" else -jnp.inf
    return PlateauState(jnp.ones([], jnp.float32), jnp.full([], worst, jnp.float32),
                        jnp.zeros([], jnp.int32), jnp.zeros([], jnp.int32))


def is_improvement(value: jax.Array, best: jax.Array, config: PlateauConfig) -> jax.Array:
    """Whether ``value`` beats ``best`` by the threshold.

    The relative margin is ``threshold * |best|``: with ``best * (1 - threshold)`` (as in
    optax.contrib) a negative best moves the bar to the wrong side, and a constant
    negative loss counts as improving forever, so the rate is never reduced.
    """
    margin = config.threshold * jnp.abs(best) if config.threshold_mode == "rel" else config.threshold
    margin = jnp.where(jnp.isfinite(best), margin, 0.0)
    if config.mode == "min":
        return value < best - margin
    return value > best + margin


def plateau_update(state: PlateauState, value: Any, config: PlateauConfig) -> PlateauState:
    """One evaluation of the monitored ``value`` (PyTorch's ReduceLROnPlateau rules).

    An improvement resets the bad count; during cooldown bad evaluations do not count;
    after more than ``patience`` bad evaluations the scale is multiplied by ``factor``
    (never below ``min_scale``) and the cooldown starts. A NaN value is never an improvement.
    """
    value = jnp.asarray(value, jnp.float32)
    better = is_improvement(value, state.best, config)
    best = jnp.where(better, value, state.best)
    num_bad = jnp.where(better, 0, state.num_bad + 1)
    in_cooldown = state.cooldown > 0
    cooldown = jnp.where(in_cooldown, state.cooldown - 1, 0)
    num_bad = jnp.where(in_cooldown, 0, num_bad)
    new_scale = jnp.maximum(state.scale * config.factor, config.min_scale)
    reduce = (num_bad > config.patience) & (state.scale - new_scale > 1e-12)
    return PlateauState(
        scale=jnp.where(reduce, new_scale, state.scale).astype(jnp.float32),
        best=best.astype(jnp.float32),
        num_bad=jnp.where(reduce, 0, num_bad).astype(jnp.int32),
        cooldown=jnp.where(reduce, config.cooldown, cooldown).astype(jnp.int32),
    )


def reduce_on_plateau(
    factor: float = 0.1,
    patience: int = 10,
    cooldown: int = 0,
    threshold: float = 1e-4,
    threshold_mode: str = "rel",
    mode: str = "min",
    min_lr: float = 0.0,
    learning_rate: float | None = None,
) -> optax.GradientTransformationExtraArgs:
    """Scale updates by a factor that drops when a monitored value stops improving.

    Put it after the optimizer: ``optax.chain(adam(1e-3), reduce_on_plateau(...))``.
    ``tx.update(g, state, params, value=metric)`` counts one evaluation of ``metric``
    (a loss in mode ``"min"``, an accuracy in ``"max"``; negative values are fine);
    calls without ``value`` only apply the current scale. The
    :class:`jaxnets.callbacks.ReduceLROnPlateau` callback drives the same state from
    ``fit``'s epoch metrics. ``min_lr`` is an absolute floor when ``learning_rate`` (the
    optimizer's initial rate) is given, else a floor on the scale.
    """
    if learning_rate is not None:
        check_learning_rate(learning_rate)
        check_positive("learning_rate", learning_rate)
        check_positive("min_lr", min_lr, allow_zero=True)
        if min_lr > learning_rate:
            raise ValueError(f"min_lr must be <= the initial learning_rate={learning_rate}, "
                             f"found {min_lr}")
        min_scale = min_lr / learning_rate
    else:
        min_scale = min_lr
    config = plateau_config(factor, patience, cooldown, threshold, threshold_mode, mode, min_scale)

    def init_fn(params: optax.Params) -> PlateauState:
        del params
        return plateau_init(config)

    def update_fn(updates: optax.Updates, state: PlateauState, params: optax.Params | None = None,
                  value: Any = None, **extra: Any) -> tuple[optax.Updates, PlateauState]:
        del params, extra
        if value is not None:
            state = plateau_update(state, value, config)
        scaled = jax.tree_util.tree_map(lambda u: (u * state.scale).astype(u.dtype), updates)
        return scaled, state

    return optax.GradientTransformationExtraArgs(init_fn, update_fn)


def _plateau_states(opt_state: Any) -> list[PlateauState]:
    found: list[PlateauState] = []

    def visit(node: Any) -> None:
        if isinstance(node, PlateauState):
            found.append(node)
        elif _is_injected(node):
            visit(node.inner_state)
        elif isinstance(node, tuple | list):
            for child in node:
                visit(child)
        elif isinstance(node, dict):
            for child in node.values():
                visit(child)

    visit(opt_state)
    return found


def replace_plateau_scale(opt_state: Any, scale: Any) -> Any:
    """``opt_state`` with the scale of every :class:`PlateauState` set to ``scale``."""
    def replace(node: Any) -> Any:
        if isinstance(node, PlateauState):
            return node._replace(scale=jnp.asarray(scale, jnp.float32))
        if isinstance(node, tuple) and hasattr(node, "_fields"):
            return type(node)(*(replace(c) for c in node))
        if isinstance(node, tuple | list):
            return type(node)(replace(c) for c in node)
        if isinstance(node, dict):
            return {k: replace(v) for k, v in node.items()}
        return node

    return replace(opt_state)


def plateau_scale(opt_state: Any) -> jax.Array | None:
    """The product of the scales of every :class:`PlateauState` in ``opt_state`` (None if none)."""
    states = _plateau_states(opt_state)
    if not states:
        return None
    scale = jnp.ones([], jnp.float32)
    for s in states:
        scale = scale * s.scale
    return scale


def current_learning_rate(opt_state: Any) -> jax.Array | None:
    """The learning rate of the most recent update: the injected ``learning_rate`` (for a
    schedule, its value at that update) times any plateau scale; None if not injected."""
    lr = get_hyperparam(opt_state, "learning_rate")
    scale = plateau_scale(opt_state)
    if lr is None or scale is None:
        return lr
    return lr * scale


__all__ = [
    "PlateauConfig",
    "PlateauState",
    "current_learning_rate",
    "is_improvement",
    "plateau_config",
    "plateau_init",
    "plateau_scale",
    "plateau_update",
    "reduce_on_plateau",
    "replace_plateau_scale",
]
