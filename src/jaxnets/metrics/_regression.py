"""Regression metrics: MAE, MSE, RMSE and R^2, per output, averaged uniformly.

The state holds, per output column ``d``, the count, the target mean and the
sum of squared deviations ``M2`` (merged with Chan et al.'s parallel update, so
streaming over batches is as accurate as one pass), and the sums of absolute
and squared errors::

    MAE_d = sum|y - p| / n     MSE_d = sum (y - p)^2 / n     RMSE_d = sqrt(MSE_d)
    R2_d  = 1 - sum (y - p)^2 / M2_d

then the mean over outputs (scikit-learn's ``multioutput="uniform_average"``).
R^2 of a constant target is 1 for a perfect fit and 0 otherwise, as in scikit-learn.
"""

from __future__ import annotations

from typing import NamedTuple

import jax.numpy as jnp

from jaxnets.metrics._base import Metric, _mask
from jaxnets.typing import Array, ArrayLike


class RegressionState(NamedTuple):
    """Per-output sufficient statistics."""

    count: Array  # [] float32
    mean: Array  # [D] target mean
    m2: Array  # [D] sum of squared deviations of the target from its mean
    abs_err: Array  # [D] sum |y - p|
    sq_err: Array  # [D] sum (y - p)^2


def _columns(a: ArrayLike, n: int) -> Array:
    return jnp.asarray(a, jnp.float32).reshape(n, -1)


def batch_state(outputs: ArrayLike, targets: ArrayLike, mask: ArrayLike | None) -> RegressionState:
    """The statistics of one (masked) batch; outputs and targets [B] or [B, D]."""
    n = jnp.asarray(outputs).shape[0]
    p, y = _columns(outputs, n), _columns(targets, n)
    if p.shape != y.shape:
        raise ValueError(f"outputs {tuple(jnp.shape(outputs))} and targets "
                         f"{tuple(jnp.shape(targets))} do not match")
    m = _mask(mask, n)[:, None]
    count = jnp.sum(m)
    mean = jnp.sum(y * m, axis=0) / jnp.maximum(count, 1.0)
    err = y - p
    return RegressionState(count, mean, jnp.sum(m * (y - mean[None, :]) ** 2, axis=0),
                           jnp.sum(m * jnp.abs(err), axis=0), jnp.sum(m * err**2, axis=0))


def merge_states(a: RegressionState, b: RegressionState) -> RegressionState:
    """Chan et al. (1979) pairwise combination of means and M2."""
    n = a.count + b.count
    safe = jnp.maximum(n, 1.0)
    delta = b.mean - a.mean
    mean = a.mean + delta * (b.count / safe)
    m2 = a.m2 + b.m2 + delta**2 * (a.count * b.count / safe)
    return RegressionState(n, mean, m2, a.abs_err + b.abs_err, a.sq_err + b.sq_err)


def r2_per_output(state: RegressionState) -> Array:
    defined = state.m2 > 0
    r2 = 1.0 - state.sq_err / jnp.where(defined, state.m2, 1.0)
    return jnp.where(defined, r2, jnp.where(state.sq_err == 0, 1.0, 0.0))


class _RegressionMetric(Metric):
    def init(self, num_examples: int = 0, num_classes: int = 0) -> RegressionState:
        d = max(int(num_classes), 1)  # fit passes the number of outputs
        z = jnp.zeros((d,), jnp.float32)
        return RegressionState(jnp.zeros((), jnp.float32), z, z, z, z)

    def update(self, state, outputs, labels, mask=None) -> RegressionState:
        b = batch_state(outputs, labels, mask)
        if b.mean.shape != state.mean.shape:
            raise ValueError(f"{self.name}: the batch has {b.mean.shape[0]} outputs, the state "
                             f"{state.mean.shape[0]}; init with num_classes=outputs")
        return merge_states(state, b)

    def merge(self, a: RegressionState, b: RegressionState) -> RegressionState:
        return merge_states(a, b)

    def per_output(self, state: RegressionState) -> Array:
        raise NotImplementedError

    def compute(self, state: RegressionState) -> Array:
        return jnp.mean(self.per_output(state))


class MAE(_RegressionMetric):
    """Mean absolute error."""

    name = "mae"

    def per_output(self, state):
        return state.abs_err / jnp.maximum(state.count, 1.0)


class MSE(_RegressionMetric):
    """Mean squared error."""

    name = "mse"

    def per_output(self, state):
        return state.sq_err / jnp.maximum(state.count, 1.0)


class RMSE(_RegressionMetric):
    """Root mean squared error (per output, then averaged)."""

    name = "rmse"

    def per_output(self, state):
        return jnp.sqrt(state.sq_err / jnp.maximum(state.count, 1.0))


class R2(_RegressionMetric):
    """Coefficient of determination ``1 - SSE / SST``."""

    name = "r2"

    def per_output(self, state):
        return r2_per_output(state)


def _one_shot(metric: _RegressionMetric, predictions, targets, mask) -> Array:
    return metric.compute(batch_state(predictions, targets, mask))


def mae(predictions: ArrayLike, targets: ArrayLike, mask: ArrayLike | None = None) -> Array:
    """One-shot mean absolute error; ``predictions`` and ``targets`` [B] or [B, D]."""
    return _one_shot(MAE(), predictions, targets, mask)


def mse(predictions: ArrayLike, targets: ArrayLike, mask: ArrayLike | None = None) -> Array:
    """One-shot mean squared error."""
    return _one_shot(MSE(), predictions, targets, mask)


def rmse(predictions: ArrayLike, targets: ArrayLike, mask: ArrayLike | None = None) -> Array:
    """One-shot root mean squared error."""
    return _one_shot(RMSE(), predictions, targets, mask)


def r2(predictions: ArrayLike, targets: ArrayLike, mask: ArrayLike | None = None) -> Array:
    """One-shot R^2."""
    return _one_shot(R2(), predictions, targets, mask)


__all__ = ["MAE", "MSE", "R2", "RMSE", "RegressionState", "mae", "mse", "r2", "rmse"]
