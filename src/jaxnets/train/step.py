"""Pure train and eval steps: ``(state, batch) -> (state, metrics)`` and ``(state, batch) -> metrics``.

Both are plain functions of pytrees, so they can be jitted, vmapped over a
population axis, scanned over the batches of an epoch and sharded over devices
unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import optax

from jaxnets.losses import get_loss
from jaxnets.train.state import TrainState
from jaxnets.typing import Array, Params, PRNGKey

# Fixed tags folded into the run key so dropout, augmentation and shuffling
# draw independent streams.
DROPOUT_STREAM = 0
AUGMENT_STREAM = 1
SHUFFLE_STREAM = 2

Regularizer = Callable[[Params], Array]  # params -> scalar penalty added to the loss
Augment = Callable[[PRNGKey, Array, Array], tuple[Array, Array]]  # (key, x, y) -> (x, y)


class Batch(NamedTuple):
    """A batch: inputs [B, ...], labels [B, ...] and a mask [B] of real (not padding) examples."""

    x: Array
    y: Array
    mask: Array


class StepOutput(NamedTuple):
    """What one step reports to the epoch loop (which folds it into metric states)."""

    loss_sum: Array  # [] sum of per-example losses over real examples
    count: Array  # [] number of real examples
    outputs: Array  # [B, ...] model outputs, for metrics
    labels: Array  # [B, ...] labels the loss saw (after augmentation)
    finite: Array  # [] bool, whether the update was applied
    grad_norm: Array  # [] global gradient norm
    extras: dict[str, Array] | None = None  # per-layer diagnostics (opt-in), scalars


def step_key(state: TrainState, stream: int) -> PRNGKey:
    """The key of the current step for one random stream (dropout, augmentation)."""
    return jax.random.fold_in(jax.random.fold_in(state.key, stream), state.step)


def masked_mean(values: Array, mask: Array) -> Array:
    """``sum(values * mask) / max(sum(mask), 1)`` over the leading axis."""
    mask = mask.astype(values.dtype)
    return jnp.sum(values * mask) / jnp.maximum(jnp.sum(mask), 1.0)


def global_norm(tree: Any) -> Array:
    """``sqrt(sum of squares)`` over every leaf of a pytree."""
    leaves = jax.tree_util.tree_leaves(tree)
    return jnp.sqrt(sum(jnp.sum(jnp.square(x)) for x in leaves)) if leaves else jnp.zeros(())


def apply_model(
    state: TrainState, params: Params, x: Array, *, train: bool, key: PRNGKey | None = None
) -> tuple[Array, dict[str, Any]]:
    """Run the model; in training mode update mutable collections (batch statistics)."""
    variables = {"params": params, **state.model_state}
    rngs = {"dropout": key} if key is not None else None
    if train and state.model_state:
        out, new_state = state.apply_fn(
            variables, x, train=True, rngs=rngs, mutable=list(state.model_state)
        )
        return out, dict(new_state)
    return state.apply_fn(variables, x, train=train, rngs=rngs), state.model_state


def train_step_outputs(
    state: TrainState,
    batch: Batch,
    *,
    loss_fn: Callable[[Array, Array], Array],
    regularizer: Regularizer | None = None,
    augment: Augment | None = None,
    skip_nonfinite: bool = True,
    axis_name: str | None = None,
    diagnostics: bool = False,
    max_nonfinite: int | None = None,
) -> tuple[TrainState, StepOutput]:
    """One optimizer step; returns the new state and what the epoch loop needs.

    ``state.nonfinite_streak`` counts consecutive skipped (non-finite) steps;
    once it reaches ``max_nonfinite`` every further step is an exact no-op, so
    the host can stop with an error naming the step (``fit`` does).

    With ``diagnostics`` the report carries per-layer gradient norms, parameter
    norms and update/parameter ratios (``jaxnets.diagnostics.step_diagnostics``).

    With ``axis_name`` (inside ``pmap``/``shard_map``) the loss is the global
    masked mean ``sum(l * mask) / psum(count)`` and gradients are summed over the
    axis, so every device applies the same update; batch statistics are averaged.
    """
    x, y = batch.x, batch.y
    if augment is not None:
        x, y = augment(step_key(state, AUGMENT_STREAM), x, y)
    dropout_key = step_key(state, DROPOUT_STREAM)

    def objective(params: Params) -> tuple[Array, tuple[Array, Array, Any]]:
        outputs, model_state = apply_model(state, params, x, train=True, key=dropout_key)
        per_example = loss_fn(outputs, y)
        if axis_name is None:
            data_loss = masked_mean(per_example, batch.mask)
            penalty = regularizer(params) if regularizer is not None else 0.0
        else:
            mask = batch.mask.astype(per_example.dtype)
            count = jax.lax.psum(jnp.sum(mask), axis_name)
            data_loss = jnp.sum(per_example * mask) / jnp.maximum(count, 1.0)
            devices = jax.lax.psum(1, axis_name)
            penalty = regularizer(params) / devices if regularizer is not None else 0.0
        return data_loss + penalty, (per_example, outputs, model_state)

    grads, (per_example, outputs, model_state) = jax.grad(objective, has_aux=True)(state.params)
    if axis_name is not None:
        grads = jax.lax.psum(grads, axis_name)
        model_state = jax.lax.pmean(model_state, axis_name)
    mask = batch.mask.astype(per_example.dtype)
    loss_sum = jnp.sum(jnp.where(mask > 0, per_example, 0.0))
    count = jnp.sum(mask)
    grad_norm = global_norm(grads)
    # The global norm is finite exactly when every gradient is (a sum of squares
    # that overflows float32 counts as non-finite too), so one reduction serves both.
    finite = jnp.logical_and(jnp.isfinite(loss_sum), jnp.isfinite(grad_norm))
    nonempty = count > 0
    if max_nonfinite is not None:  # halted: freeze everything, the host raises
        nonempty = jnp.logical_and(nonempty, state.nonfinite_streak < max_nonfinite)
    # An empty (fully masked) batch is an exact no-op: it pads an epoch to a whole
    # number of compiled chunks. A non-finite loss or gradient (when skipped)
    # leaves parameters and optimizer state as they were but advances the step
    # counter, so the next step draws fresh dropout keys, and is counted.
    apply = jnp.logical_and(nonempty, finite) if skip_nonfinite else nonempty

    def update(_: None) -> tuple[Params, Any, Any]:
        updates, opt_state = state.tx.update(grads, state.opt_state, state.params)
        return optax.apply_updates(state.params, updates), opt_state, model_state

    def keep(_: None) -> tuple[Params, Any, Any]:
        return state.params, state.opt_state, state.model_state

    # A cond runs one branch; selecting between old and new afterwards would read
    # and write every parameter and optimizer moment once more per step (about 10%
    # of an MLP step on CPU). Under vmap it becomes that select anyway.
    params, opt_state, new_model_state = jax.lax.cond(apply, update, keep, None)
    bad = jnp.logical_and(nonempty, ~finite) if skip_nonfinite else jnp.zeros((), bool)
    new = state.replace(params=params, model_state=new_model_state, opt_state=opt_state,
                        step=state.step + nonempty.astype(jnp.int32),
                        skipped=state.skipped + bad.astype(jnp.int32),
                        nonfinite_streak=jnp.where(
                            bad, state.nonfinite_streak + 1,
                            jnp.where(apply, 0, state.nonfinite_streak)))
    extras = None
    if diagnostics:
        from jaxnets.diagnostics import step_diagnostics

        extras = step_diagnostics(grads, state.params, new.params)
    report = StepOutput(loss_sum, count, outputs, y, finite, grad_norm, extras)
    return new, report


def make_train_step(
    loss: str | Callable = "cross_entropy",
    *,
    regularizer: Regularizer | None = None,
    augment: Augment | None = None,
    skip_nonfinite: bool = True,
) -> Callable[[TrainState, Batch], tuple[TrainState, dict[str, Array]]]:
    """A pure ``train_step(state, batch) -> (state, metrics)``.

    ``metrics`` holds the batch's mean ``loss`` over real examples, ``count``,
    ``grad_norm`` and ``finite`` (whether the update was applied).
    """
    loss_fn = get_loss(loss)

    def train_step(state: TrainState, batch: Batch) -> tuple[TrainState, dict[str, Array]]:
        state, out = train_step_outputs(
            state, batch, loss_fn=loss_fn, regularizer=regularizer, augment=augment,
            skip_nonfinite=skip_nonfinite,
        )
        metrics = {
            "loss": out.loss_sum / jnp.maximum(out.count, 1.0),
            "count": out.count,
            "grad_norm": out.grad_norm,
            "finite": out.finite,
        }
        return state, metrics

    return train_step


def eval_step_outputs(
    state: TrainState, batch: Batch, *, loss_fn: Callable[[Array, Array], Array]
) -> StepOutput:
    """Model outputs and loss in evaluation mode (running statistics, no dropout)."""
    outputs, _ = apply_model(state, state.params, batch.x, train=False)
    per_example = loss_fn(outputs, batch.y)
    mask = batch.mask.astype(per_example.dtype)
    loss_sum = jnp.sum(jnp.where(mask > 0, per_example, 0.0))
    return StepOutput(loss_sum, jnp.sum(mask), outputs, batch.y, jnp.isfinite(loss_sum),
                      jnp.zeros((), per_example.dtype))


def make_eval_step(
    loss: str | Callable = "cross_entropy",
) -> Callable[[TrainState, Batch], dict[str, Array]]:
    """A pure ``eval_step(state, batch) -> metrics`` (``loss`` and ``count``)."""
    loss_fn = get_loss(loss)

    def eval_step(state: TrainState, batch: Batch) -> dict[str, Array]:
        out = eval_step_outputs(state, batch, loss_fn=loss_fn)
        return {"loss": out.loss_sum / jnp.maximum(out.count, 1.0), "count": out.count}

    return eval_step


__all__ = [
    "Batch",
    "StepOutput",
    "eval_step_outputs",
    "make_eval_step",
    "make_train_step",
    "masked_mean",
    "step_key",
    "train_step_outputs",
]
