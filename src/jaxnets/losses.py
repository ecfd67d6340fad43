"""Per-example losses. Reduction (mean, masking, weighting) is the caller's.

Every loss has the signature ``loss(outputs, labels) -> [batch]``.
"""

from __future__ import annotations

import math
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


def _labels_like(predictions: Array, targets: ArrayLike) -> Array:
    """``targets`` as ``predictions``' dtype; a [batch] target meets [batch, 1] outputs."""
    t = jnp.asarray(targets)
    if t.ndim == predictions.ndim - 1 and predictions.shape[-1] == 1:
        t = t[..., None]
    return t.astype(predictions.dtype)


def mae(predictions: ArrayLike, targets: ArrayLike) -> Array:
    """Mean absolute error per example: ``mean_j |p_j - t_j|``.

    Args:
      predictions: [batch, ...] float.
      targets: [batch, ...] same shape (a [batch] target is broadcast against [batch, 1]).
    Returns:
      [batch] losses.
    """
    p = jnp.asarray(predictions)
    return _per_example(jnp.abs(p - _labels_like(p, targets)))


def _check_static_positive(name: str, value: Any) -> None:
    """Validate a hyperparameter given as a Python number (traced arrays pass through)."""
    if isinstance(value, int | float):
        check_positive(name, value)


def huber(predictions: ArrayLike, targets: ArrayLike, delta: float = 1.0) -> Array:
    """Huber loss per example (Huber, 1964), averaged over trailing axes.

    With ``e = p - t``: ``e^2 / 2`` for ``|e| <= delta`` and ``delta * |e| - delta^2 / 2``
    beyond, so it is quadratic near zero and linear (robust to outliers) far away.

    Args:
      predictions: [batch, ...] float.
      targets: [batch, ...] same shape.
      delta: the threshold between the quadratic and linear parts, > 0.
    Returns:
      [batch] losses.
    """
    _check_static_positive("delta", delta)
    p = jnp.asarray(predictions)
    return _per_example(optax.huber_loss(p, _labels_like(p, targets), delta=delta))


def _xlogy(y: Array, logp: Array) -> Array:
    """``y * logp`` with ``0 * -inf = 0`` (masked classes) and a finite gradient there."""
    zero = y == 0
    return jnp.where(zero, 0.0, y * jnp.where(zero, 0.0, logp))


def _class_probabilities(logits: Array, labels: Array, label_smoothing: float) -> Array:
    """Integer or one-hot/soft labels as [batch, classes] probabilities, smoothed.

    Smoothing moves ``label_smoothing`` of the mass uniformly onto the classes whose
    logit is not ``-inf`` (a masked class never receives probability).
    """
    if jnp.issubdtype(labels.dtype, jnp.integer) or labels.dtype == jnp.bool_:
        y = jax.nn.one_hot(labels, logits.shape[-1], dtype=logits.dtype)
    else:
        y = labels.astype(logits.dtype)
    if label_smoothing:
        valid = (logits > -jnp.inf).astype(logits.dtype)
        uniform = valid / jnp.maximum(valid.sum(axis=-1, keepdims=True), 1.0)
        y = (1.0 - label_smoothing) * y + label_smoothing * uniform
    return y


def _check_smoothing(label_smoothing: Any) -> None:
    if isinstance(label_smoothing, int | float) and not 0.0 <= label_smoothing < 1.0:
        raise ValueError(f"label_smoothing must be in [0, 1), found {label_smoothing!r}")


def cross_entropy(logits: ArrayLike, labels: ArrayLike, label_smoothing: float = 0.0) -> Array:
    """Softmax cross-entropy per example, ``-sum_c y_c log softmax(z)_c``.

    Label smoothing (Szegedy et al., 2016) replaces ``y`` by
    ``(1 - a) y + a / K`` over the K classes whose logit is not ``-inf``. Logits of
    ``-inf`` (masked classes) with zero label give finite values and gradients.

    Args:
      logits: [batch, classes].
      labels: [batch] integer class ids, or [batch, classes] one-hot / soft labels.
      label_smoothing: ``a`` in [0, 1).
    Returns:
      [batch] losses.
    """
    _check_smoothing(label_smoothing)
    logits = jnp.asarray(logits)
    y = _class_probabilities(logits, jnp.asarray(labels), label_smoothing)
    return -jnp.sum(_xlogy(y, jax.nn.log_softmax(logits, axis=-1)), axis=-1)


def _binary_log_probs(logits: Array, labels: Array) -> tuple[Array, Array]:
    """``(log p_t, log(1 - p_t))`` for sigmoid logits, stable for any finite or infinite logit.

    ``log p_t = y log s(z) + (1-y) log s(-z)`` with ``s`` the sigmoid.
    """
    ls_pos, ls_neg = jax.nn.log_sigmoid(logits), jax.nn.log_sigmoid(-logits)
    log_pt = _xlogy(labels, ls_pos) + _xlogy(1.0 - labels, ls_neg)
    log_1m_pt = _xlogy(labels, ls_neg) + _xlogy(1.0 - labels, ls_pos)
    return log_pt, log_1m_pt


def binary_cross_entropy(logits: ArrayLike, labels: ArrayLike) -> Array:
    """Sigmoid binary cross-entropy from logits per example, averaged over trailing axes.

    ``-(y log s(z) + (1 - y) log(1 - s(z)))`` with ``log s(z)`` computed as
    ``-softplus(-z)`` so logits of +-1e4 stay finite.

    Args:
      logits: [batch] or [batch, ...] (a [batch] label meets [batch, 1] logits).
      labels: same shape, in [0, 1] (0/1 or probabilities).
    Returns:
      [batch] losses.
    """
    z = jnp.asarray(logits)
    log_pt, _ = _binary_log_probs(z, _labels_like(z, labels))
    return _per_example(-log_pt)


def _modulating_factor(one_minus_p: Array, gamma: float) -> Array:
    """``(1 - p)^gamma`` with ``0^0 = 1`` and a zero (not NaN) gradient at ``p = 1``."""
    positive = one_minus_p > 0
    safe = jnp.where(positive, one_minus_p, 1.0)
    at_zero = 1.0 if (isinstance(gamma, int | float) and gamma == 0) else 0.0
    return jnp.where(positive, safe ** gamma, at_zero)


def _check_focal(alpha: Any, gamma: Any) -> None:
    if isinstance(gamma, int | float) and not (math.isfinite(gamma) and gamma >= 0):
        raise ValueError(f"gamma must be a finite number >= 0, found {gamma!r}")
    if isinstance(alpha, int | float) and not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must be in [0, 1] or None, found {alpha!r}")


def focal(logits: ArrayLike, labels: ArrayLike, alpha: float | None = None,
          gamma: float = 2.0) -> Array:
    """Binary (sigmoid) focal loss per example (Lin et al., 2017), averaged over trailing axes.

    ``FL = -alpha_t (1 - p_t)^gamma log p_t`` with ``p_t = p`` for ``y = 1`` and ``1 - p``
    for ``y = 0``, ``alpha_t = alpha y + (1 - alpha)(1 - y)`` (no weighting when ``alpha``
    is None). ``gamma = 0`` and ``alpha = None`` give binary cross-entropy.

    Args:
      logits: [batch] or [batch, ...] sigmoid logits.
      labels: same shape, 0/1.
      alpha: the weight of the positive class in [0, 1], or None.
      gamma: the focusing parameter >= 0.
    Returns:
      [batch] losses.
    """
    _check_focal(alpha, gamma)
    z = jnp.asarray(logits)
    y = _labels_like(z, labels)
    log_pt, log_1m_pt = _binary_log_probs(z, y)
    loss = -_modulating_factor(jnp.exp(log_1m_pt), gamma) * log_pt
    if alpha is not None:
        loss = (alpha * y + (1.0 - alpha) * (1.0 - y)) * loss
    return _per_example(loss)


def softmax_focal(logits: ArrayLike, labels: ArrayLike, alpha: ArrayLike | None = None,
                  gamma: float = 2.0) -> Array:
    """Multi-class (softmax) focal loss per example (Lin et al., 2017).

    ``FL = -sum_c alpha_c y_c (1 - p_c)^gamma log p_c`` with ``p = softmax(z)``; ``gamma = 0``
    and ``alpha = None`` give :func:`cross_entropy`. Masked ``-inf`` logits stay finite.

    Args:
      logits: [batch, classes].
      labels: [batch] integer class ids or [batch, classes] one-hot / soft labels.
      alpha: None, a scalar, or per-class weights [classes].
      gamma: the focusing parameter >= 0.
    Returns:
      [batch] losses.
    """
    _check_focal(None, gamma)
    logits = jnp.asarray(logits)
    y = _class_probabilities(logits, jnp.asarray(labels), 0.0)
    logp = jax.nn.log_softmax(logits, axis=-1)
    weight = _modulating_factor(-jnp.expm1(logp), gamma)
    if alpha is not None:
        a = jnp.asarray(alpha, logits.dtype)
        weight = weight * a.reshape((1,) * (weight.ndim - a.ndim) + a.shape)
    return -jnp.sum(weight * _xlogy(y, logp), axis=-1)


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
    "mae": mae,
    "huber": huber,
    "binary_cross_entropy": binary_cross_entropy,
    "focal": focal,
    "softmax_focal": softmax_focal,
}

# Losses whose labels are class ids (integers) or per-class probabilities.
CLASSIFICATION_LOSSES: set[str] = {"cross_entropy", "binary_cross_entropy", "focal",
                                     "softmax_focal"}


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
    "binary_cross_entropy",
    "cross_entropy",
    "default_penalty_mask",
    "focal",
    "get_loss",
    "is_classification",
    "l1_penalty",
    "huber",
    "l2_penalty",
    "mae",
    "mse",
    "regularizer",
    "softmax_focal",
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
