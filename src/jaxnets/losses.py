"""Per-example losses. Reduction (mean, masking, weighting) is the caller's.

Every loss has the signature ``loss(outputs, labels) -> [batch]``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import optax

from jaxnets._validate import check_positive, unknown_name
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


# Parameter names that are never penalised by default: biases and the scales and
# offsets of normalisation layers (decaying them only fights the normalisation).
UNPENALISED_NAMES = frozenset({"bias", "scale"})


def default_penalty_mask(params: Any) -> Any:
    """``True`` for leaves an L1/L2 penalty should cover: kernels and embeddings.

    A leaf is excluded when its name is ``bias`` or ``scale`` (normalisation
    layers) or when it has fewer than two axes (biases, PReLU slopes, norms).
    """
    def keep(path: tuple, leaf: Any) -> bool:
        name = getattr(path[-1], "key", getattr(path[-1], "name", None)) if path else None
        return bool(jnp.ndim(leaf) >= 2 and name not in UNPENALISED_NAMES)

    return jax.tree_util.tree_map_with_path(keep, params)


def _masked_leaves(params: Any, mask: Any | None) -> list[Array]:
    mask = default_penalty_mask(params) if mask is None else mask
    if callable(mask):
        mask = mask(params)
    kept = jax.tree_util.tree_map(lambda p, m: p if m else None, params, mask)
    return jax.tree_util.tree_leaves(kept)


def l1_penalty(params: Any, mask: Any | None = None) -> Array:
    """``sum_i |w_i|`` over the penalised leaves (``mask``: a pytree of bools or a
    function of ``params``; default :func:`default_penalty_mask`)."""
    leaves = _masked_leaves(params, mask)
    return sum((jnp.sum(jnp.abs(w)) for w in leaves), jnp.zeros(()))


def l2_penalty(params: Any, mask: Any | None = None) -> Array:
    """``1/2 sum_i w_i^2`` over the penalised leaves (the 1/2 makes its gradient ``w``)."""
    leaves = _masked_leaves(params, mask)
    return 0.5 * sum((jnp.sum(jnp.square(w)) for w in leaves), jnp.zeros(()))


def regularizer(l1: float = 0.0, l2: float = 0.0, mask: Any | None = None) -> Callable[[Any], Array]:
    """A ``params -> l1 * L1(params) + l2 * L2(params)`` penalty for ``fit(regularizer=...)``."""
    check_positive("l1", l1, allow_zero=True)
    check_positive("l2", l2, allow_zero=True)

    def penalty(params: Any) -> Array:
        total = jnp.zeros(())
        if l1:
            total = total + l1 * l1_penalty(params, mask)
        if l2:
            total = total + l2 * l2_penalty(params, mask)
        return total

    return penalty


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


__all__ = [
    "CLASSIFICATION_LOSSES",
    "LOSSES",
    "cross_entropy",
    "default_penalty_mask",
    "get_loss",
    "is_classification",
    "l1_penalty",
    "l2_penalty",
    "mse",
    "regularizer",
]


# --------------------------------------------------------------------------- sequences


def sequence_cross_entropy(logits: ArrayLike, labels: ArrayLike) -> Array:
    """Per-token softmax cross-entropy averaged over each sequence's real tokens.

    ``loss_b = sum_t m_bt * CE(z_bt, y_bt) / max(sum_t m_bt, 1)`` with
    ``m_bt = [y_bt >= 0]``: a negative label marks a padded step and is ignored.
    For windows of equal length this is the mean per-token loss, and
    ``exp(loss)`` is the perplexity.

    Args:
      logits: [batch, time, vocab].
      labels: [batch, time] integer token ids (negative: padding).
    Returns:
      [batch] losses.
    """
    logits, labels = jnp.asarray(logits), jnp.asarray(labels)
    if logits.ndim != 3 or labels.shape != logits.shape[:2]:
        raise ValueError(f"sequence_cross_entropy needs logits [batch, time, vocab] and labels "
                         f"[batch, time], found {tuple(logits.shape)} and {tuple(labels.shape)}")
    mask = labels >= 0
    per_token = optax.softmax_cross_entropy_with_integer_labels(logits, jnp.where(mask, labels, 0))
    m = mask.astype(per_token.dtype)
    return jnp.sum(per_token * m, axis=1) / jnp.maximum(jnp.sum(m, axis=1), 1.0)


LOSSES["sequence_cross_entropy"] = sequence_cross_entropy
__all__ += ["sequence_cross_entropy"]
