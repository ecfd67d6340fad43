"""k-fold cross-validation: sequential folds, standardisation fitted on each fold's training part."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import flax.linen as nn
import numpy as np
import optax

from jaxnets.data._kfold import kfold, stratified_kfold
from jaxnets.data._tabular import standardize as standardize_splits
from jaxnets.data._types import Dataset, Split
from jaxnets.losses import is_classification
from jaxnets.metrics import Metric
from jaxnets.train import _checks
from jaxnets.train.fit import evaluate, fit, predict


@dataclass
class CVResult:
    """Per-fold validation metrics and their mean and (population) standard deviation."""

    folds: list[dict[str, float]]
    histories: list[dict[str, list[float]]] = field(default_factory=list)
    indices: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)
    outputs: np.ndarray | None = None  # out-of-fold model outputs [N, ...] (each from its fold)
    labels: np.ndarray | None = None  # the labels [N] of the cross-validated examples

    @property
    def names(self) -> list[str]:
        return [k for k, v in self.folds[0].items() if np.ndim(v) == 0]

    @property
    def mean(self) -> dict[str, float]:
        return {k: float(np.mean([f[k] for f in self.folds])) for k in self.names}

    @property
    def std(self) -> dict[str, float]:
        return {k: float(np.std([f[k] for f in self.folds])) for k in self.names}

    def table(self, digits: int = 4) -> str:
        """A plain-text table: one row per metric, ``mean +- std`` and every fold."""
        k = len(self.folds)
        head = f"{'metric':<20} {'mean +- std':>19}  " + " ".join(f"{'fold ' + str(i):>8}"
                                                                     for i in range(k))
        rows = [head, "-" * len(head)]
        for name in self.names:
            folds = " ".join(f"{f[name]:>8.{digits}f}" for f in self.folds)
            rows.append(f"{name:<20} {self.mean[name]:>9.{digits}f} +- {self.std[name]:<6.{digits}f}"
                        f"  {folds}")
        return "\n".join(rows)

    def __str__(self) -> str:
        return self.table()


def _pool(data: Any) -> Split:
    """The examples to cross-validate: a split, a pair, or a Dataset's train + val (never test)."""
    if isinstance(data, Dataset):
        return Split(np.concatenate([data.train.x, data.val.x]),
                     np.concatenate([data.train.y, data.val.y]))
    return _checks.as_split(data, "data")


def cross_validate(
    model: nn.Module,
    optimizer: str | optax.GradientTransformation,
    data: Any,
    k: int = 5,
    *,
    loss: str = "cross_entropy",
    metrics: Sequence[str | Metric] | None = None,
    stratified: bool | None = None,
    standardize: bool = True,
    seed: int = 0,
    verbose: bool = False,
    parallel: bool = False,
    **fit_kwargs: Any,
) -> CVResult:
    """Train a fresh model on each of ``k`` folds in turn and evaluate it on the held-out fold.

    Args:
      model, optimizer: as for ``fit``; every fold starts from a new initialisation.
      data: a ``Split``, an ``(x, y)`` pair, or a ``Dataset`` (its train and val splits
        are pooled; the test split is never seen).
      k: the number of folds (>= 2).
      loss, metrics: as for ``fit``; the metrics are evaluated on the held-out fold.
      stratified: keep class proportions in every fold (default: for classification).
      standardize: standardise inputs with the mean and std of the fold's training
        part only, so nothing of the held-out fold leaks into training.
      seed: seeds the folds and each fold's training (``seed + fold``).
      parallel: train all folds at once in one vmapped program
        (``jn.tune.cross_validate_population``); every fold gets the same numbers as the
        sequential run (up to float summation order). Each fold's standardised copy of the
        data is stacked, so standardisation stays per fold. ``fit_kwargs`` may then hold
        only ``epochs``, ``batch_size``, ``shuffle``, ``drop_last``, ``regularizer``,
        ``augment``, ``skip_nonfinite``, ``eval_batch_size`` and ``mesh``.
      **fit_kwargs: passed to ``fit`` (``epochs``, ``batch_size``, ``callbacks``, ...).

    Returns:
      ``CVResult`` with ``folds`` (one metrics dict per fold), ``mean``, ``std``,
      ``table()``, the training ``histories``, the fold ``indices``, and the out-of-fold
      ``outputs`` with their ``labels`` (for a pooled ROC curve).
    """
    if "validation" in fit_kwargs:
        raise ValueError("cross_validate makes its own validation folds; do not pass validation")
    pool = _pool(data)
    _checks.check_split(pool, "data")
    classification = is_classification(loss)
    stratified = classification if stratified is None else stratified
    if stratified and not classification:
        raise ValueError(f"stratified folds need class labels, but loss {loss!r} is a regression loss")
    if stratified:
        labels = pool.y if pool.y.ndim == 1 else np.argmax(pool.y, axis=-1)
        folds = stratified_kfold(labels.astype(np.int64), k, seed=seed)
    else:
        folds = kfold(len(pool), k, seed=seed)
    if parallel:
        return _parallel(model, optimizer, pool, folds, loss, metrics, standardize, seed,
                         fit_kwargs)
    results, histories, outputs = [], [], None
    for i, (train_idx, val_idx) in enumerate(folds):
        train, held_out = Split(pool.x[train_idx], pool.y[train_idx]), \
            Split(pool.x[val_idx], pool.y[val_idx])
        if standardize:
            (train, held_out), _, _ = standardize_splits(train, held_out)
        result = fit(model, optimizer, train, loss=loss, metrics=metrics, seed=seed + i,
                     verbose=verbose, **fit_kwargs)
        results.append(dict(evaluate(result.state, held_out)))
        histories.append(result.history)
        fold_out = np.asarray(predict(result.state, held_out.x))
        if outputs is None:
            outputs = np.zeros((len(pool), *fold_out.shape[1:]), fold_out.dtype)
        outputs[val_idx] = fold_out
    return CVResult(results, histories, folds, outputs, pool.y)


PARALLEL_KWARGS = ("epochs", "batch_size", "shuffle", "drop_last", "regularizer", "augment",
                   "skip_nonfinite", "eval_batch_size", "mesh")


def _parallel(model: nn.Module, optimizer: Any, pool: Split, folds: list, loss: str,
              metrics: Any, standardize: bool, seed: int, fit_kwargs: dict) -> CVResult:
    """All folds in one vmapped program. Fold ``f`` indexes its own standardised copy of the
    pool (stacked at offset ``f * N``), so each fold sees only its training statistics."""
    from jaxnets.tune._crossval import cross_validate_population

    unknown = sorted(set(fit_kwargs) - set(PARALLEL_KWARGS))
    if unknown:
        raise ValueError(f"cross_validate(parallel=True) accepts only {PARALLEL_KWARGS} besides "
                         f"its own arguments, found {unknown}")
    n = len(pool)
    copies = []
    for train_idx, _ in folds:
        part = Split(pool.x[train_idx], pool.y[train_idx])
        copies.append(standardize_splits(part, pool)[0][1] if standardize else pool)
    stacked = Split(np.concatenate([c.x for c in copies]), np.concatenate([c.y for c in copies]))
    shifted = [(tr + f * n, va + f * n) for f, (tr, va) in enumerate(folds)]
    res = cross_validate_population(model, optimizer, stacked, shifted, loss=loss,
                                    metrics=metrics, seed=[seed + f for f in range(len(folds))],
                                    **fit_kwargs)
    results, histories, outputs = [], [], None
    for f, (_, val_idx) in enumerate(folds):
        state = res.member(f).state
        held_out = Split(copies[f].x[val_idx], copies[f].y[val_idx])
        results.append(dict(evaluate(state, held_out)))
        histories.append(res.history[f])
        fold_out = np.asarray(predict(state, held_out.x))
        if outputs is None:
            outputs = np.zeros((n, *fold_out.shape[1:]), fold_out.dtype)
        outputs[val_idx] = fold_out
    return CVResult(results, histories, folds, outputs, pool.y)


__all__ = ["CVResult", "cross_validate"]
