"""Regularization in one place: loss penalties (L1, L2) and decoupled weight decay.

- ``regularizer(l1, l2)``: ``params -> l1 * sum|w| + l2 * 1/2 sum w^2`` added to
  the training loss (``fit(regularizer=...)``); its gradient flows through the
  optimizer (so with Adam it is rescaled like any gradient).
- ``decoupled_weight_decay(tx, rate)``: L2 as weight decay applied outside the
  gradient (Loshchilov & Hutter, 2019): after the optimizer's update ``u``,
  ``w <- w + u - rate * w`` (``fit(weight_decay=...)``). For plain SGD with
  learning rate ``lr`` it equals an L2 penalty of ``rate / lr``; for adaptive
  optimizers it does not, which is the point of decoupling.

Both cover kernels only by default (``jaxnets.losses.default_penalty_mask``):
biases and normalisation scales/offsets are not decayed. Dropout and batch
normalisation are model options (``jn.nn.MLP(dropout=..., batch_norm=True)``),
and early stopping is a callback (``jn.callbacks.EarlyStopping``).
"""

from __future__ import annotations

from typing import Any

import optax

from jaxnets._validate import check_positive
from jaxnets.losses import default_penalty_mask, l1_penalty, l2_penalty, regularizer


def decoupled_weight_decay(
    tx: optax.GradientTransformation, rate: float, mask: Any | None = None
) -> optax.GradientTransformation:
    """``tx`` followed by ``u <- u - rate * w`` on the masked leaves (kernels by default).

    Args:
      tx: any Optax transformation (its injected hyperparameters stay reachable).
      rate: the fraction of each weight removed per step, in [0, 1).
      mask: a pytree of bools or a function of the params; default kernels only.
    """
    check_positive("weight_decay", rate, allow_zero=True)
    if rate >= 1:
        raise ValueError(f"weight_decay must be in [0, 1) (a per-step fraction), found {rate!r}")
    if not rate:
        return tx
    mask = default_penalty_mask if mask is None else mask
    return optax.chain(tx, optax.add_decayed_weights(-float(rate), mask=mask))


__all__ = [
    "decoupled_weight_decay",
    "default_penalty_mask",
    "l1_penalty",
    "l2_penalty",
    "regularizer",
]
