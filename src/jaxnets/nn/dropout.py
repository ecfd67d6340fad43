"""Dropout whose rate is an array in the model state, so a population can vary it."""

from __future__ import annotations

import flax.linen as nn
import jax
import jax.numpy as jnp

from jaxnets.typing import Array

HPARAMS = "hparams"  # the variable collection that holds per-model hyperparameters


class ArrayDropout(nn.Module):
    """Inverted dropout with the rate stored as a variable ``hparams/<param>``.

    Training: ``y = x * b / (1 - rate)`` with ``b ~ Bernoulli(1 - rate)`` drawn from
    the ``"dropout"`` stream, exactly as ``flax.linen.Dropout`` draws it, so for equal
    rates and keys the two give the same output. Evaluation: ``y = x``.

    Because the rate is an array in the model state (not a Python constant),
    ``jn.tune.population`` can give every member its own rate (``{"dropout": [...]}``)
    inside one compiled program.

    Attributes:
      rate: the initial rate, in [0, 1).
      param: the variable's name, i.e. the population hyperparameter it answers to.
    """

    rate: float = 0.0
    param: str = "dropout"

    @nn.compact
    def __call__(self, x: Array, deterministic: bool = True) -> Array:
        if not 0.0 <= float(self.rate) < 1.0:
            raise ValueError(f"ArrayDropout.rate must be in [0, 1), found {self.rate!r}")
        rate = self.variable(HPARAMS, self.param, lambda: jnp.asarray(self.rate, jnp.float32)).value
        if deterministic:
            return x
        keep = 1.0 - rate
        mask = jax.random.bernoulli(self.make_rng("dropout"), p=keep, shape=x.shape)
        return jax.lax.select(mask, x / keep.astype(x.dtype), jnp.zeros_like(x))


__all__ = ["HPARAMS", "ArrayDropout"]
