"""Seeded k-fold and stratified k-fold index splits (disjoint validation folds that cover the data)."""

from __future__ import annotations

import numpy as np


def _check_k(k: int, n: int, name: str = "k") -> int:
    if isinstance(k, bool) or not isinstance(k, int | np.integer):
        raise TypeError(f"{name} must be an int >= 2, found {type(k).__name__}")
    if k < 2:
        raise ValueError(f"{name} must be >= 2, found {k}")
    if k > n:
        raise ValueError(f"{name}={k} folds need at least {k} examples, found {n}")
    return int(k)


def _folds_from_assignment(fold: np.ndarray, k: int) -> list[tuple[np.ndarray, np.ndarray]]:
    idx = np.arange(len(fold))
    return [(idx[fold != i], idx[fold == i]) for i in range(k)]


def kfold(n: int, k: int = 5, *, seed: int = 0, shuffle: bool = True
          ) -> list[tuple[np.ndarray, np.ndarray]]:
    """``k`` (train, validation) index pairs; validation folds are disjoint and cover ``range(n)``.

    Fold sizes differ by at most one (the first ``n % k`` folds get the extra
    example). With ``shuffle`` the examples are permuted by ``seed`` first.
    Indices inside each array are sorted.
    """
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise ValueError(f"n must be a positive int (the number of examples), found {n!r}")
    k = _check_k(k, int(n))
    order = np.random.default_rng(seed).permutation(n) if shuffle else np.arange(n)
    fold = np.empty(n, np.int64)
    for i, part in enumerate(np.array_split(order, k)):
        fold[part] = i
    return _folds_from_assignment(fold, k)


def stratified_kfold(labels: np.ndarray, k: int = 5, *, seed: int = 0
                     ) -> list[tuple[np.ndarray, np.ndarray]]:
    """``k`` folds that keep the class proportions of ``labels`` [N] (integer classes).

    Each class's examples are shuffled (by ``seed``) and dealt to the folds in
    turn, continuing the rotation across classes: every fold gets each class's
    count to within one, and the fold sizes differ by at most one.
    """
    y = np.asarray(labels)
    if y.ndim != 1 or not (np.issubdtype(y.dtype, np.integer) or y.dtype == bool):
        raise ValueError(f"labels must be integer classes [N], found dtype {y.dtype} "
                         f"shape {y.shape}")
    k = _check_k(k, len(y))
    counts = np.bincount(y - y.min()) if len(y) else np.zeros(0, int)
    if counts[counts > 0].min() < k:
        raise ValueError(f"stratified k-fold with k={k} needs every class to have at least "
                         f"{k} examples; the smallest class has {counts[counts > 0].min()}")
    rng = np.random.default_rng(seed)
    dealt = np.concatenate([rng.permutation(np.flatnonzero(y == c)) for c in np.unique(y)])
    fold = np.empty(len(y), np.int64)
    fold[dealt] = np.arange(len(y)) % k
    return _folds_from_assignment(fold, k)


__all__ = ["kfold", "stratified_kfold"]
