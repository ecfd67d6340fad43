"""Exact ranking metrics: AUC-ROC, average precision, ROC and precision-recall curves.

Not bucketed: the streaming state keeps every real example's score in a buffer
preallocated for the split (``init(num_examples=N)``), written at a running
offset inside the compiled epoch (padded examples are dropped), and ``compute``
ranks them exactly. Ties count as scikit-learn counts them:

    AUC = (1 / (P N)) * sum over positives i of (#negatives with s < s_i + 1/2 #negatives with s = s_i)
    AP  = (1 / P) * sum over positives i of precision(s_i),
          precision(t) = #positives with s >= t / #examples with s >= t

(the Mann-Whitney statistic, and scikit-learn's ``sum_n (R_n - R_{n-1}) P_n``
over distinct thresholds, written per positive). Multi-class scores are
one-vs-rest per class with ``average`` ``"macro"``, ``"weighted"`` (by the
number of positives) or ``None``. An AUC with a single class present is
undefined: traced code gives NaN, concrete one-shot calls raise.
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from jaxnets.metrics._base import Metric, _mask, class_labels
from jaxnets.metrics._classification import _is_concrete
from jaxnets.typing import Array, ArrayLike

RANK_AVERAGES = ("macro", "weighted", None)


def ranking_scores(outputs: ArrayLike, from_logits: bool = True) -> Array:
    """Scores [B, K]: K = 1 for a binary classifier, else one column per class.

    From logits, a binary model's margin (``z`` for one logit, ``z1 - z0`` for two)
    and a multi-class model's log-softmax: monotone in the probabilities that
    scikit-learn ranks, without the ties that float32 saturation would add.
    Without ``from_logits`` the scores are used as given (column 1 of two).
    """
    s = jnp.asarray(outputs, jnp.float32)
    if s.ndim == 1:
        return s[:, None]
    if s.shape[-1] == 1:
        return s
    if s.shape[-1] == 2:
        return (s[:, 1] - s[:, 0])[:, None] if from_logits else s[:, 1:]
    return jax.nn.log_softmax(s, axis=-1) if from_logits else s


def _count_below(values: Array, include: Array, queries: Array, side: str = "left") -> Array:
    """How many included ``values`` are < (``"left"``) or <= (``"right"``) each query."""
    n = jnp.sum(include)
    ordered = jnp.sort(jnp.where(include, values, jnp.inf))  # excluded ones sort last
    return jnp.minimum(jnp.searchsorted(ordered, queries, side=side), n)


def binary_auc(scores: Array, positive: Array, valid: Array) -> Array:
    """Exact AUC-ROC of ``scores`` [N] for ``positive`` [N] over ``valid`` [N] (NaN if undefined)."""
    pos, neg = valid & positive, valid & ~positive
    n_pos, n_neg = jnp.sum(pos), jnp.sum(neg)
    twice = _count_below(scores, neg, scores, "left") + _count_below(scores, neg, scores, "right")
    twice = jnp.where(pos, twice, 0)
    pairs = n_pos.astype(jnp.float32) * n_neg.astype(jnp.float32)
    # Integer sum is exact while it fits int32; beyond that, average fractions in float32.
    exact = jnp.sum(twice).astype(jnp.float32) / (2.0 * pairs)
    approx = jnp.sum(twice / (2.0 * jnp.maximum(n_neg, 1))) / jnp.maximum(n_pos, 1)
    auc = jnp.where(pairs < 2.0**29, exact, approx)
    return jnp.where((n_pos > 0) & (n_neg > 0), auc, jnp.nan)


def binary_average_precision(scores: Array, positive: Array, valid: Array) -> Array:
    """Exact average precision (area under the step PR curve); NaN without positives."""
    pos, neg = valid & positive, valid & ~positive
    n_pos, n_neg = jnp.sum(pos), jnp.sum(neg)
    tp = n_pos - _count_below(scores, pos, scores)
    fp = n_neg - _count_below(scores, neg, scores)
    prec = tp / jnp.maximum(tp + fp, 1)
    ap = jnp.sum(jnp.where(pos, prec, 0.0)) / jnp.maximum(n_pos, 1)
    return jnp.where(n_pos > 0, ap, jnp.nan)


def _per_class(fn, scores: Array, labels: Array, valid: Array) -> tuple[Array, Array]:
    """``fn`` one-vs-rest for each column of ``scores`` [N, K]; and the positives per class."""
    if scores.shape[1] == 1:
        positive = labels == 1
        return fn(scores[:, 0], positive, valid)[None], jnp.sum(valid & positive)[None]
    classes = jnp.arange(scores.shape[1])
    positive = labels[:, None] == classes[None, :]
    values = jax.vmap(fn, in_axes=(1, 1, None))(scores, positive, valid)
    return values, jnp.sum(positive & valid[:, None], axis=0)


def _average(values: Array, support: Array, average: str | None) -> Array:
    if values.shape[0] == 1:
        return values[0]
    if average is None:
        return values
    if average == "weighted":
        return jnp.sum(values * support) / jnp.sum(support)
    return jnp.mean(values)


class ScoreBuffer(NamedTuple):
    """Every real example's scores and label, in arrival order."""

    scores: Array  # [capacity, K] float32
    labels: Array  # [capacity] int32
    count: Array  # [] int32, real examples seen (more than capacity means overflow)


def empty_buffer(capacity: int, columns: int) -> ScoreBuffer:
    return ScoreBuffer(jnp.zeros((capacity, columns), jnp.float32),
                       jnp.zeros((capacity,), jnp.int32), jnp.zeros((), jnp.int32))


def append(buf: ScoreBuffer, scores: Array, labels: Array, mask: ArrayLike | None) -> ScoreBuffer:
    """Write the real rows (``mask > 0``) after the ones already held (pure, jit-able)."""
    real = _mask(mask, scores.shape[0]) > 0
    offset = buf.count + jnp.cumsum(real.astype(jnp.int32)) - 1
    capacity = buf.scores.shape[0]
    slot = jnp.where(real, offset, capacity)  # out of range: dropped
    return ScoreBuffer(buf.scores.at[slot].set(scores.astype(jnp.float32), mode="drop"),
                       buf.labels.at[slot].set(labels.astype(jnp.int32), mode="drop"),
                       buf.count + jnp.sum(real.astype(jnp.int32)))


def concat_buffers(a: ScoreBuffer, b: ScoreBuffer) -> ScoreBuffer:
    grown = ScoreBuffer(jnp.concatenate([a.scores, jnp.zeros_like(b.scores)]),
                        jnp.concatenate([a.labels, jnp.zeros_like(b.labels)]), a.count)
    held = jnp.arange(b.scores.shape[0]) < jnp.minimum(b.count, b.scores.shape[0])
    out = append(grown, b.scores, b.labels, held)
    return out._replace(count=a.count + b.count)


def buffer_valid(buf: ScoreBuffer) -> Array:
    """Rows holding real examples [capacity]; none if the buffer overflowed (-> NaN results)."""
    capacity = buf.scores.shape[0]
    return (jnp.arange(capacity) < buf.count) & (buf.count <= capacity)


class _RankingMetric(Metric):
    """A metric computed from all scores of a split, held in a ``ScoreBuffer``."""

    def __init__(self, average: str | None = "macro"):
        if average not in RANK_AVERAGES:
            raise ValueError(f"average must be one of {RANK_AVERAGES}, found {average!r}")
        self.average = average

    def init(self, num_examples: int = 0, num_classes: int = 0) -> ScoreBuffer:
        if num_examples <= 0:
            raise ValueError(f"{type(self).__name__} holds every score of the split: init needs "
                             f"num_examples > 0, found {num_examples}")
        return empty_buffer(num_examples, 1 if num_classes <= 2 else num_classes)

    def update(self, state: ScoreBuffer, outputs: ArrayLike, labels: ArrayLike,
               mask: ArrayLike | None = None) -> ScoreBuffer:
        scores = ranking_scores(outputs)
        if scores.shape[1] != state.scores.shape[1]:
            raise ValueError(f"{type(self).__name__}: outputs give {scores.shape[1]} score "
                             f"columns, the state holds {state.scores.shape[1]}")
        return append(state, scores, class_labels(labels), mask)

    def merge(self, a: ScoreBuffer, b: ScoreBuffer) -> ScoreBuffer:
        return concat_buffers(a, b)

    def per_class(self, state: ScoreBuffer) -> tuple[Array, Array]:
        raise NotImplementedError

    def compute(self, state: ScoreBuffer) -> Array | dict[str, Array]:
        values, support = self.per_class(state)
        value = _average(values, support, self.average)
        if value.ndim == 1:
            return {str(i): value[i] for i in range(value.shape[0])}
        return value


class AUCROC(_RankingMetric):
    """Exact area under the ROC curve (one-vs-rest for more than two classes)."""

    def __init__(self, average: str | None = "macro"):
        super().__init__(average)
        self.name = "auc" if average in ("macro", None) else f"auc_{average}"

    def per_class(self, state: ScoreBuffer) -> tuple[Array, Array]:
        return _per_class(binary_auc, state.scores, state.labels, buffer_valid(state))


class AveragePrecision(_RankingMetric):
    """Exact average precision, the area under the precision-recall step curve."""

    def __init__(self, average: str | None = "macro"):
        super().__init__(average)
        self.name = "average_precision" if average in ("macro", None) \
            else f"average_precision_{average}"

    def per_class(self, state: ScoreBuffer) -> tuple[Array, Array]:
        return _per_class(binary_average_precision, state.scores, state.labels,
                          buffer_valid(state))


class CurvePoints(NamedTuple):
    """Counts at every candidate threshold, highest first (padded to the buffer size)."""

    thresholds: Array  # [N] the scores, descending
    tps: Array  # [N] positives with score >= threshold
    fps: Array  # [N] negatives with score >= threshold
    keep: Array  # [N] True at the last row of each distinct valid score


def curve_points(scores: Array, positive: Array, valid: Array) -> CurvePoints:
    """Cumulative true/false positives over descending thresholds (jit-able, fixed shape)."""
    order = jnp.lexsort((-scores, ~valid))  # valid rows first, scores descending
    s, p, v = scores[order], (positive & valid)[order], valid[order]
    tps, fps = jnp.cumsum(p), jnp.cumsum(v & ~p)
    n = jnp.sum(valid)
    i = jnp.arange(s.shape[0])
    last = (i == n - 1) | ((i < n - 1) & (s != jnp.roll(s, -1)))
    return CurvePoints(s, tps, fps, v & last)


class ROCCurve(_RankingMetric):
    """Streaming ROC curve; ``compute`` gives fixed-shape ``CurvePoints`` per score column.

    Use ``roc_curve_from_points`` on the host to get scikit-learn's arrays.
    """

    name = "roc_curve"

    def __init__(self):
        super().__init__(None)

    def compute(self, state: ScoreBuffer) -> CurvePoints:
        valid = buffer_valid(state)
        if state.scores.shape[1] == 1:
            return curve_points(state.scores[:, 0], state.labels == 1, valid)
        classes = jnp.arange(state.scores.shape[1])
        return jax.vmap(curve_points, in_axes=(1, 1, None))(
            state.scores, state.labels[:, None] == classes[None, :], valid)


class PrecisionRecallCurve(ROCCurve):
    """Streaming precision-recall curve: the same ``CurvePoints`` as ``ROCCurve``.

    Use ``pr_curve_from_points`` on the host to get scikit-learn's arrays.
    """

    name = "precision_recall_curve"


def _curve_arrays(points: CurvePoints) -> tuple[np.ndarray, ...]:
    p = jax.tree_util.tree_map(np.asarray, points)
    k = p.keep
    return (p.thresholds[k].astype(np.float64), p.tps[k].astype(np.float64),
            p.fps[k].astype(np.float64))


def roc_curve_from_points(points: CurvePoints) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(fpr, tpr, thresholds)`` as scikit-learn's ``roc_curve(drop_intermediate=False)``."""
    t, tps, fps = _curve_arrays(points)
    fpr = np.concatenate([[0.0], fps / fps[-1] if fps[-1] > 0 else np.full_like(fps, np.nan)])
    tpr = np.concatenate([[0.0], tps / tps[-1] if tps[-1] > 0 else np.full_like(tps, np.nan)])
    return fpr, tpr, np.concatenate([[np.inf], t])


def pr_curve_from_points(points: CurvePoints) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(precision, recall, thresholds)`` as scikit-learn's ``precision_recall_curve``."""
    t, tps, fps = _curve_arrays(points)
    precision = np.where(tps + fps > 0, tps / np.maximum(tps + fps, 1), 0.0)
    recall = tps / tps[-1] if tps[-1] > 0 else np.ones_like(tps)
    return (np.concatenate([precision[::-1], [1.0]]), np.concatenate([recall[::-1], [0.0]]),
            t[::-1])


def _binary_inputs(scores: ArrayLike, labels: ArrayLike, mask: ArrayLike | None,
                   from_logits: bool) -> tuple[Array, Array, Array]:
    s = ranking_scores(scores, from_logits)
    y = class_labels(labels)
    if s.shape[0] != y.shape[0]:
        raise ValueError(f"scores and labels must have the same length, found {s.shape[0]} "
                         f"and {y.shape[0]}")
    return s, y, _mask(mask, y.shape[0]) > 0


def _check_defined(name: str, support: Array, valid: Array, columns: int) -> None:
    """Raise, for concrete inputs, when a class has no positives or no negatives."""
    if not _is_concrete(support, valid):
        return
    n = int(np.sum(np.asarray(valid)))
    bad = [i for i, k in enumerate(np.asarray(support).tolist()) if k == 0 or k == n]
    if bad:
        which = "the labels" if columns == 1 else f"class(es) {bad} (one-vs-rest)"
        raise ValueError(f"{name} is undefined when only one class is present: {which} "
                         f"have only positives or only negatives among {n} examples")


def _ranking(name: str, fn, scores, labels, average, mask, from_logits) -> Array:
    if average not in RANK_AVERAGES:
        raise ValueError(f"average must be one of {RANK_AVERAGES}, found {average!r}")
    s, y, valid = _binary_inputs(scores, labels, mask, from_logits)
    values, support = _per_class(fn, s, y, valid)
    if name == "AUC-ROC":
        _check_defined(name, support, valid, s.shape[1])
    elif _is_concrete(support) and np.any(np.asarray(support) == 0):
        raise ValueError(f"{name} is undefined for a class without positive examples")
    return _average(values, support, average)


def auc_roc(scores: ArrayLike, labels: ArrayLike, average: str | None = "macro",
            mask: ArrayLike | None = None, from_logits: bool = False) -> Array:
    """Exact AUC-ROC; ``scores`` [B] or [B, 1] (binary) or [B, C] (one-vs-rest).

    ``from_logits=True`` ranks logits through a log-softmax (as the probabilities).
    """
    return _ranking("AUC-ROC", binary_auc, scores, labels, average, mask, from_logits)


def average_precision(scores: ArrayLike, labels: ArrayLike, average: str | None = "macro",
                      mask: ArrayLike | None = None, from_logits: bool = False) -> Array:
    """Exact average precision (PR-AUC as scikit-learn's ``average_precision_score``)."""
    return _ranking("average precision", binary_average_precision, scores, labels, average,
                    mask, from_logits)


def _curve(scores, labels, mask, from_logits, column, convert):
    s, y, valid = _binary_inputs(scores, labels, mask, from_logits)
    if s.shape[1] == 1:
        positive, col = y == 1, s[:, 0]
    else:
        if column is None:
            raise ValueError(f"scores have {s.shape[1]} classes: pass column=CLASS for its "
                             "one-vs-rest curve")
        positive, col = y == column, s[:, column]
    return convert(curve_points(col, positive, valid))


def roc_curve(scores: ArrayLike, labels: ArrayLike, mask: ArrayLike | None = None,
              from_logits: bool = False, column: int | None = None):
    """``(fpr, tpr, thresholds)`` NumPy arrays at every distinct score (host function)."""
    return _curve(scores, labels, mask, from_logits, column, roc_curve_from_points)


def precision_recall_curve(scores: ArrayLike, labels: ArrayLike, mask: ArrayLike | None = None,
                           from_logits: bool = False, column: int | None = None):
    """``(precision, recall, thresholds)`` NumPy arrays, as scikit-learn orders them."""
    return _curve(scores, labels, mask, from_logits, column, pr_curve_from_points)


__all__ = [
    "AUCROC",
    "AveragePrecision",
    "CurvePoints",
    "PrecisionRecallCurve",
    "ROCCurve",
    "ScoreBuffer",
    "auc_roc",
    "average_precision",
    "binary_auc",
    "binary_average_precision",
    "curve_points",
    "precision_recall_curve",
    "pr_curve_from_points",
    "ranking_scores",
    "roc_curve",
    "roc_curve_from_points",
]
