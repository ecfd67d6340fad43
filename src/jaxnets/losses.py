"""Per-example losses. Reduction (mean, masking, weighting) is the caller's.

Every loss has the signature ``loss(outputs, labels) -> [batch]``.
"""

from __future__ import annotations

from collections.abc import Callable

import jax.numpy as jnp
import optax

from jaxnets._validate import unknown_name
from jaxnets.typing import Array, ArrayLike, LossFn


def _per_example(x: Array) -> Array:
    """Average every axis but the leading batch axis."""
    return x.reshape(x.shape[0], -1).mean(axis=1) if x.ndim > 1 else x


def mse(predictions: ArrayLike, targets: ArrayLike) -> Array:
    """Mean squared error per example: ``mean_j (p_j - t_j)^2``.

    Args:
      predictions: [batch, ...] float.
      targets: [batch, ...] same shape (a [batch] target is broadcast against [batch, 1]).
    Returns:
      [batch] losses.
    """
    p, t = jnp.asarray(predictions), jnp.asarray(targets)
    if t.ndim == p.ndim - 1 and p.shape[-1] == 1:
        t = t[..., None]
    return _per_example(jnp.square(p - t.astype(p.dtype)))


def cross_entropy(logits: ArrayLike, labels: ArrayLike) -> Array:
    """Softmax cross-entropy per example, ``-sum_c y_c log softmax(z)_c``.

    Args:
      logits: [batch, classes].
      labels: [batch] integer class ids, or [batch, classes] one-hot / soft labels.
    Returns:
      [batch] losses.
    """
    logits = jnp.asarray(logits)
    labels = jnp.asarray(labels)
    if jnp.issubdtype(labels.dtype, jnp.integer):
        return optax.softmax_cross_entropy_with_integer_labels(logits, labels)
    return optax.softmax_cross_entropy(logits, labels.astype(logits.dtype))


LOSSES: dict[str, LossFn] = {
    "mse": mse,
    "cross_entropy": cross_entropy,
}

# Losses whose labels are class ids (integers) or per-class probabilities.
CLASSIFICATION_LOSSES: set[str] = {"cross_entropy"}


def get_loss(loss: str | Callable) -> LossFn:
    """Return the per-example loss for a name or pass a callable through."""
    if callable(loss):
        return loss
    if loss not in LOSSES:
        raise unknown_name("loss", loss, LOSSES)
    return LOSSES[loss]


def is_classification(loss: str | Callable) -> bool:
    """Whether a loss (by name, or a callable tagged ``classification=True``) takes class labels."""
    if isinstance(loss, str):
        return loss in CLASSIFICATION_LOSSES
    return bool(getattr(loss, "classification", False))


__all__ = ["CLASSIFICATION_LOSSES", "LOSSES", "cross_entropy", "get_loss", "is_classification", "mse"]
