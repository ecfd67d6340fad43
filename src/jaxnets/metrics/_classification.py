"""Confusion-matrix metrics: precision, recall, F1, specificity; top-k accuracy; log-loss.

Every score here is a function of the confusion matrix ``cm[true, predicted]``
(``int32`` counts, so streaming over batches is exact). Per class ``c``::

    tp = cm[c, c]    fp = sum(cm[:, c]) - tp    fn = sum(cm[c, :]) - tp    tn = total - tp - fp - fn
    precision = tp / (tp + fp)    recall = tp / (tp + fn)    specificity = tn / (tn + fp)
    f1 = 2 tp / (2 tp + fp + fn)

A zero denominator gives 0 (scikit-learn's ``zero_division`` default). Averages:
``"binary"`` (class 1 of two), ``"micro"`` (pool the counts), ``"macro"`` (mean
over the classes present in the labels or the predictions, as scikit-learn's
default ``labels``), ``"weighted"`` (mean weighted by support), ``None`` (per
class) and ``"auto"`` (binary for two classes, else macro).
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from jaxnets.metrics._base import Metric, _mask, _SumCountMetric, class_labels, predicted_classes
from jaxnets.typing import Array, ArrayLike

AVERAGES = ("auto", "binary", "micro", "macro", "weighted", None)
KINDS = ("precision", "recall", "f1", "specificity")


def _is_concrete(*arrays: ArrayLike) -> bool:
    return not any(isinstance(a, jax.core.Tracer) for a in arrays)


def as_classes(predictions: ArrayLike) -> Array:
    """Class ids from class ids [B] (integers) or outputs (logits [B, C], or one logit [B])."""
    p = jnp.asarray(predictions)
    if jnp.issubdtype(p.dtype, jnp.integer) or p.dtype == jnp.bool_:
        return p.reshape(p.shape[0]).astype(jnp.int32)
    return predicted_classes(p)


def check_average(average: str | None, allowed: tuple = AVERAGES) -> None:
    """A clear error for an unknown ``average``."""
    if average not in allowed:
        raise ValueError(f"average must be one of {allowed}, found {average!r}")


def infer_num_classes(num_classes: int | None, *class_arrays: ArrayLike) -> int:
    """``num_classes`` if given, else ``max(label) + 1`` of concrete arrays (at least 2)."""
    if num_classes is not None:
        if isinstance(num_classes, bool) or not isinstance(num_classes, int | np.integer) \
                or num_classes < 1:
            raise ValueError(f"num_classes must be a positive int, found {num_classes!r}")
        return max(int(num_classes), 2)
    if not _is_concrete(*class_arrays):
        raise ValueError("num_classes must be given when the metric is traced (under jit/vmap)")
    top = max((int(np.max(np.asarray(a))) if np.size(a) else 0) for a in class_arrays)
    return max(top + 1, 2)


def check_class_range(name: str, ids: ArrayLike, num_classes: int) -> None:
    """Raise if concrete class ids fall outside ``[0, num_classes)``."""
    if _is_concrete(ids) and np.size(ids):
        a = np.asarray(ids)
        if a.min() < 0 or a.max() >= num_classes:
            raise ValueError(f"{name} must be class ids in [0, {num_classes}), "
                             f"found values in [{a.min()}, {a.max()}]")


def confusion_counts(
    predicted: ArrayLike, labels: ArrayLike, num_classes: int, mask: ArrayLike | None = None
) -> Array:
    """``cm[true, predicted]`` counts [C, C] (int32) of the real (``mask > 0``) examples."""
    pred, true = jnp.asarray(predicted, jnp.int32), jnp.asarray(labels, jnp.int32)
    real = _mask(mask, pred.shape[0]) > 0
    ok = real & (pred >= 0) & (pred < num_classes) & (true >= 0) & (true < num_classes)
    flat = jnp.where(ok, true * num_classes + pred, 0)
    counts = jnp.zeros((num_classes * num_classes,), jnp.int32).at[flat].add(ok.astype(jnp.int32))
    return counts.reshape(num_classes, num_classes)


class Counts(NamedTuple):
    """Per-class counts [C] from a confusion matrix (float32 for the divisions)."""

    tp: Array
    fp: Array
    fn: Array
    tn: Array


def class_counts(cm: Array) -> Counts:
    cm = cm.astype(jnp.float32)
    tp = jnp.diagonal(cm)
    fp, fn = cm.sum(0) - tp, cm.sum(1) - tp
    return Counts(tp, fp, fn, cm.sum() - tp - fp - fn)


def _divide(num: Array, den: Array) -> Array:
    """``num / den`` with 0 where ``den == 0`` (scikit-learn's zero_division default)."""
    return jnp.where(den > 0, num / jnp.where(den > 0, den, 1.0), 0.0)


def _fraction(kind: str, c: Counts) -> tuple[Array, Array]:
    """Numerator and denominator of a score, per class (or pooled, for micro)."""
    if kind == "precision":
        return c.tp, c.tp + c.fp
    if kind == "recall":
        return c.tp, c.tp + c.fn
    if kind == "specificity":
        return c.tn, c.tn + c.fp
    return 2 * c.tp, 2 * c.tp + c.fp + c.fn


def score_from_confusion(cm: Array, kind: str, average: str | None = "auto") -> Array:
    """Precision, recall, F1 or specificity from ``cm`` [C, C] with an ``average``."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, found {kind!r}")
    check_average(average)
    num_classes = cm.shape[0]
    if average == "auto":
        average = "binary" if num_classes == 2 else "macro"
    if average == "binary" and num_classes != 2:
        raise ValueError(f"average='binary' needs 2 classes, found {num_classes}; "
                         "use 'micro', 'macro', 'weighted' or None")
    c = class_counts(cm)
    if average == "micro":
        num, den = _fraction(kind, Counts(*(a.sum() for a in c)))
        return _divide(num, den)
    per_class = _divide(*_fraction(kind, c))
    if average is None:
        return per_class
    if average == "binary":
        return per_class[1]
    support = c.tp + c.fn
    if average == "weighted":
        return _divide(jnp.sum(per_class * support), jnp.sum(support))
    present = (support + c.tp + c.fp) > 0  # in the labels or the predictions
    return _divide(jnp.sum(jnp.where(present, per_class, 0.0)), jnp.sum(present))


class ConfusionMatrix(Metric):
    """Streaming confusion matrix ``cm[true, predicted]`` [C, C] of int32 counts."""

    name = "confusion_matrix"

    def __init__(self, num_classes: int | None = None):
        self.num_classes = num_classes

    def init(self, num_examples: int = 0, num_classes: int = 0) -> Array:
        c = self.num_classes or num_classes
        if not c:
            raise ValueError(f"{type(self).__name__} needs num_classes (found 0): pass it to "
                             "the constructor, or use it with a classification loss")
        c = max(int(c), 2)  # one output logit is a binary classifier
        return jnp.zeros((c, c), jnp.int32)

    def update(self, state: Array, outputs: ArrayLike, labels: ArrayLike,
               mask: ArrayLike | None = None) -> Array:
        pred = as_classes(outputs)
        return state + confusion_counts(pred, class_labels(labels), state.shape[0], mask)

    def merge(self, a: Array, b: Array) -> Array:
        return a + b

    def compute(self, state: Array) -> Array:
        return state


class ConfusionScore(ConfusionMatrix):
    """Precision, recall, F1 or specificity, accumulated as a confusion matrix.

    ``average=None`` computes a dict of per-class values ``{"0": ..., "1": ...}``
    (flattened in histories as ``NAME_0``, ``NAME_1``, ...).
    """

    def __init__(self, kind: str, average: str | None = "auto", num_classes: int | None = None):
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, found {kind!r}")
        check_average(average)
        super().__init__(num_classes)
        self.kind, self.average = kind, average
        plain = average in ("auto", "binary", None)  # per-class values are NAME_0, NAME_1, ...
        self.name = kind if plain else f"{kind}_{average}"

    def compute(self, state: Array) -> Array | dict[str, Array]:
        value = score_from_confusion(state, self.kind, self.average)
        if self.average is None:
            return {str(i): value[i] for i in range(value.shape[0])}
        return value


def _score(kind: str, predicted: ArrayLike, labels: ArrayLike, num_classes: int | None,
           average: str | None, mask: ArrayLike | None) -> Array:
    check_average(average)
    pred, true = as_classes(predicted), class_labels(labels)
    c = infer_num_classes(num_classes, pred, true)
    check_class_range("predicted classes", pred, c)
    check_class_range("labels", true, c)
    return score_from_confusion(confusion_counts(pred, true, c, mask), kind, average)


def confusion_matrix(predicted: ArrayLike, labels: ArrayLike, num_classes: int | None = None,
                     mask: ArrayLike | None = None) -> Array:
    """One-shot ``cm[true, predicted]`` [C, C]; ``predicted``: class ids [B] or logits [B, C]."""
    pred, true = as_classes(predicted), class_labels(labels)
    c = infer_num_classes(num_classes, pred, true)
    check_class_range("predicted classes", pred, c)
    check_class_range("labels", true, c)
    return confusion_counts(pred, true, c, mask)


def precision(predicted: ArrayLike, labels: ArrayLike, num_classes: int | None = None,
              average: str | None = "auto", mask: ArrayLike | None = None) -> Array:
    """Precision ``tp / (tp + fp)`` (see the module docstring for ``average``)."""
    return _score("precision", predicted, labels, num_classes, average, mask)


def recall(predicted: ArrayLike, labels: ArrayLike, num_classes: int | None = None,
           average: str | None = "auto", mask: ArrayLike | None = None) -> Array:
    """Recall (sensitivity) ``tp / (tp + fn)``."""
    return _score("recall", predicted, labels, num_classes, average, mask)


def f1(predicted: ArrayLike, labels: ArrayLike, num_classes: int | None = None,
       average: str | None = "auto", mask: ArrayLike | None = None) -> Array:
    """F1 ``2 tp / (2 tp + fp + fn)``, the harmonic mean of precision and recall."""
    return _score("f1", predicted, labels, num_classes, average, mask)


def specificity(predicted: ArrayLike, labels: ArrayLike, num_classes: int | None = None,
                average: str | None = "auto", mask: ArrayLike | None = None) -> Array:
    """Specificity ``tn / (tn + fp)`` (the recall of the negatives)."""
    return _score("specificity", predicted, labels, num_classes, average, mask)


def top_k_hits(scores: Array, labels: Array, k: int) -> Array:
    """Whether the label is among the ``k`` highest scores [B] (bool).

    Ties are broken as scikit-learn's ``top_k_accuracy_score`` does (a stable
    ascending sort, reversed: among equal scores the higher class id ranks first):
    class ``j`` is in the top k iff fewer than ``k`` classes ``c`` have
    ``s_c > s_j`` or ``s_c == s_j and c > j``.
    """
    true_score = jnp.take_along_axis(scores, labels[:, None], axis=1)
    ids = jnp.arange(scores.shape[1])[None, :]
    ahead = (scores > true_score) | ((scores == true_score) & (ids > labels[:, None]))
    return jnp.sum(ahead, axis=1) < k


class TopKAccuracy(_SumCountMetric):
    """Fraction of examples whose label is among the ``k`` highest outputs."""

    def __init__(self, k: int = 5):
        if isinstance(k, bool) or not isinstance(k, int) or k < 1:
            raise ValueError(f"k must be a positive int, found {k!r}")
        self.k = k
        self.name = f"top_{k}_accuracy"

    def per_example(self, outputs: Array, labels: Array) -> Array:
        if outputs.ndim != 2:
            raise ValueError(f"top-k accuracy needs scores [batch, classes], found {outputs.shape}")
        return top_k_hits(outputs, class_labels(labels), self.k)


def top_k_accuracy(scores: ArrayLike, labels: ArrayLike, k: int = 5,
                   mask: ArrayLike | None = None) -> Array:
    """One-shot top-k accuracy; ``scores`` [B, C] (logits or probabilities)."""
    m = TopKAccuracy(k)
    return m.compute(m.update(m.init(), scores, labels, mask))


LOG_EPS = float(np.finfo(np.float32).eps)  # scikit-learn clips probabilities to [eps, 1 - eps]


def log_probabilities(logits: Array) -> Array:
    """Log-probabilities [B, C] from logits [B, C], or from one logit per example (binary)."""
    if logits.ndim == 1 or logits.shape[-1] == 1:
        z = logits.reshape(logits.shape[0])
        return jnp.stack([jax.nn.log_sigmoid(-z), jax.nn.log_sigmoid(z)], axis=1)
    return jax.nn.log_softmax(logits, axis=-1)


class LogLoss(_SumCountMetric):
    """Mean negative log-likelihood ``-log p(label)`` from logits, clipped as scikit-learn."""

    name = "log_loss"

    def per_example(self, outputs: Array, labels: Array) -> Array:
        logp = log_probabilities(outputs.astype(jnp.float32))
        true = jnp.take_along_axis(logp, class_labels(labels)[:, None], axis=1)[:, 0]
        return -jnp.clip(true, np.log(LOG_EPS), np.log1p(-LOG_EPS))


def log_loss(logits: ArrayLike, labels: ArrayLike, mask: ArrayLike | None = None) -> Array:
    """One-shot log-loss (cross-entropy) from logits [B, C] or one logit [B] per example."""
    m = LogLoss()
    return m.compute(m.update(m.init(), logits, labels, mask))


__all__ = [
    "AVERAGES",
    "ConfusionMatrix",
    "ConfusionScore",
    "LogLoss",
    "TopKAccuracy",
    "as_classes",
    "confusion_counts",
    "confusion_matrix",
    "f1",
    "log_loss",
    "precision",
    "recall",
    "score_from_confusion",
    "specificity",
    "top_k_accuracy",
]
