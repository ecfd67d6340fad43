"""The training state: one pytree holding everything a step reads and writes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp
import optax
from flax import struct

from jaxnets.typing import Array, ArrayLike, Params, PRNGKey


class TrainState(struct.PyTreeNode):
    """Step, parameters, model state, optimizer state and PRNG key, as one pytree.

    The key is never advanced: the dropout key of step ``t`` is
    ``fold_in(key, t)`` and the data order of epoch ``e`` comes from
    ``fold_in(shuffle_key, e)``, so a state alone determines what comes next
    (which makes resuming bit-exact and populations independent).

    Static (non-pytree) fields: ``apply_fn`` (the model's ``apply``), ``tx``
    (the Optax transformation), ``loss`` and ``metrics`` (names or objects),
    so ``evaluate(state, split)`` and ``predict(state, x)`` need nothing else.
    """

    step: Array  # [] int32, optimizer steps taken
    epoch: Array  # [] int32, epochs completed
    params: Params
    model_state: dict[str, Any]  # mutable collections, e.g. {"batch_stats": ...}
    opt_state: optax.OptState
    key: PRNGKey  # uint32[2], the run's base key
    skipped: Array  # [] int32, updates skipped because loss or gradients were not finite
    nonfinite_streak: Array  # [] int32, consecutive non-finite steps up to now
    apply_fn: Callable[..., Any] = struct.field(pytree_node=False)
    tx: optax.GradientTransformation = struct.field(pytree_node=False)
    loss: Any = struct.field(pytree_node=False, default="cross_entropy")
    metrics: tuple = struct.field(pytree_node=False, default=("accuracy",))

    @property
    def variables(self) -> dict[str, Any]:
        """The Flax variables dict ``{"params": ..., **model_state}``."""
        return {"params": self.params, **self.model_state}

    @classmethod
    def create(
        cls,
        model: nn.Module,
        tx: optax.GradientTransformation,
        sample_input: ArrayLike,
        *,
        seed: int | None = 0,
        key: PRNGKey | None = None,
        loss: Any = "cross_entropy",
        metrics: tuple = ("accuracy",),
    ) -> TrainState:
        """Initialise a model on ``sample_input`` ([batch, ...], one example suffices)."""
        if key is None:
            key = jax.random.PRNGKey(0 if seed is None else seed)
        init_key, run_key = jax.random.split(key)
        variables = init_variables(model, init_key, sample_input)
        params = variables.pop("params")
        return cls(
            step=jnp.zeros((), jnp.int32),
            epoch=jnp.zeros((), jnp.int32),
            params=params,
            model_state=dict(variables),
            opt_state=tx.init(params),
            key=run_key,
            skipped=jnp.zeros((), jnp.int32),
            nonfinite_streak=jnp.zeros((), jnp.int32),
            apply_fn=model.apply,
            tx=tx,
            loss=loss,
            metrics=tuple(metrics),
        )


def init_variables(model: nn.Module, key: PRNGKey, sample_input: ArrayLike) -> dict[str, Any]:
    """``model.init`` with params and dropout keys, in evaluation mode, as a plain dict."""
    params_key, dropout_key = jax.random.split(key)
    x = jnp.asarray(sample_input)
    variables = model.init({"params": params_key, "dropout": dropout_key}, x, train=False)
    return dict(variables)


__all__ = ["TrainState", "init_variables"]
