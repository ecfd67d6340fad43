"""Streaming metrics: jit-able states with ``init`` / ``update`` / ``merge`` / ``compute``.

A metric sees the model's raw outputs (logits, or one logit per example for a
binary classifier, or regression predictions), the labels and a mask of real
examples, so padded examples in the last batch of an epoch never count.

The protocol (every metric follows it, so ``fit`` can accumulate any of them
inside a compiled epoch and under ``vmap``)::

    state = metric.init(num_examples=N, num_classes=C)  # a pytree of arrays
    state = metric.update(state, outputs, labels, mask)  # pure, jit-able
    state = metric.merge(state_a, state_b)
    value = metric.compute(state)  # a scalar array, or a dict of arrays
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import jax.numpy as jnp

from jaxnets._validate import unknown_name
from jaxnets.typing import Array, ArrayLike


def predicted_classes(outputs: ArrayLike) -> Array:
    """Class ids from model outputs: argmax of logits, or ``logit > 0`` for one output."""
    outputs = jnp.asarray(outputs)
    if outputs.ndim == 1 or outputs.shape[-1] == 1:
        return (outputs.reshape(outputs.shape[0]) > 0).astype(jnp.int32)
    return jnp.argmax(outputs, axis=-1).astype(jnp.int32)


def class_labels(labels: ArrayLike) -> Array:
    """Integer class ids from integer labels or one-hot / soft labels."""
    labels = jnp.asarray(labels)
    if jnp.issubdtype(labels.dtype, jnp.integer):
        return labels.reshape(labels.shape[0]).astype(jnp.int32)
    if labels.ndim == 1 or labels.shape[-1] == 1:
        return (labels.reshape(labels.shape[0]) > 0.5).astype(jnp.int32)
    return jnp.argmax(labels, axis=-1).astype(jnp.int32)


def _mask(mask: ArrayLike | None, n: int) -> Array:
    return jnp.ones((n,), jnp.float32) if mask is None else jnp.asarray(mask, jnp.float32)


class SumCount(NamedTuple):
    """A running (weighted) sum and count."""

    total: Array  # [] float32
    count: Array  # [] float32


class Metric:
    """Base class of streaming metrics; subclasses set ``name`` and define the four methods."""

    name: str = "metric"

    def init(self, num_examples: int = 0, num_classes: int = 0) -> Any:
        raise NotImplementedError

    def update(
        self, state: Any, outputs: ArrayLike, labels: ArrayLike, mask: ArrayLike | None = None
    ) -> Any:
        raise NotImplementedError

    def merge(self, a: Any, b: Any) -> Any:
        raise NotImplementedError

    def compute(self, state: Any) -> Array | dict[str, Array]:
        raise NotImplementedError


class _SumCountMetric(Metric):
    """A metric that is a masked mean of a per-example value."""

    def per_example(self, outputs: Array, labels: Array) -> Array:
        raise NotImplementedError

    def init(self, num_examples: int = 0, num_classes: int = 0) -> SumCount:
        return SumCount(jnp.zeros((), jnp.float32), jnp.zeros((), jnp.float32))

    def update(self, state, outputs, labels, mask=None) -> SumCount:
        values = self.per_example(jnp.asarray(outputs), jnp.asarray(labels)).astype(jnp.float32)
        m = _mask(mask, values.shape[0])
        return SumCount(state.total + jnp.sum(values * m), state.count + jnp.sum(m))

    def merge(self, a: SumCount, b: SumCount) -> SumCount:
        return SumCount(a.total + b.total, a.count + b.count)

    def compute(self, state: SumCount) -> Array:
        return state.total / jnp.maximum(state.count, 1.0)


class Accuracy(_SumCountMetric):
    """Fraction of examples whose predicted class equals the label."""

    name = "accuracy"

    def per_example(self, outputs: Array, labels: Array) -> Array:
        return predicted_classes(outputs) == class_labels(labels)


def accuracy(
    predictions: ArrayLike, labels: ArrayLike, mask: ArrayLike | None = None
) -> Array:
    """One-shot accuracy. ``predictions``: class ids [batch] or logits [batch, classes]."""
    p = jnp.asarray(predictions)
    pred = p.astype(jnp.int32) if jnp.issubdtype(p.dtype, jnp.integer) else predicted_classes(p)
    m = Accuracy()
    state = SumCount(
        jnp.sum((pred == class_labels(labels)) * _mask(mask, pred.shape[0])),
        jnp.sum(_mask(mask, pred.shape[0])),
    )
    return m.compute(state)


METRICS: dict[str, Callable[[], Metric]] = {  # extended in metrics/__init__.py
    "accuracy": Accuracy,
}

# Metrics that only make sense for classifiers (fit checks the loss agrees).
CLASSIFICATION_METRICS: set[str] = {"accuracy"}


def get_metric(metric: str | Metric) -> Metric:
    """A metric instance by name, or a ``Metric`` passed through."""
    if isinstance(metric, Metric):
        return metric
    if not isinstance(metric, str) or metric not in METRICS:
        raise unknown_name("metric", metric, METRICS)
    return METRICS[metric]()


__all__ = [
    "CLASSIFICATION_METRICS",
    "METRICS",
    "Accuracy",
    "Metric",
    "SumCount",
    "accuracy",
    "class_labels",
    "get_metric",
    "predicted_classes",
]
