"""Seeded, optionally stratified splits of exact sizes."""

from __future__ import annotations

import numpy as np
from sklearn.model_selection import train_test_split

from jaxnets.data._types import Split


def _count(fraction: float | int, n: int, name: str) -> int:
    if isinstance(fraction, int | np.integer) and not isinstance(fraction, bool) and fraction >= 1:
        return int(fraction)
    if not 0 <= float(fraction) < 1:
        raise ValueError(f"{name} must be a fraction in [0, 1) or a count >= 1, found {fraction!r}")
    return int(round(float(fraction) * n))


def train_val_test_split(
    x: np.ndarray,
    y: np.ndarray,
    *,
    val: float | int = 0.15,
    test: float | int = 0.15,
    seed: int = 0,
    stratify: bool = True,
) -> tuple[Split, Split, Split]:
    """Split ``(x, y)`` into disjoint train/validation/test parts of exact sizes.

    ``val`` and ``test`` are fractions of the whole (or counts). With
    ``stratify`` every part keeps the class proportions of ``y``.
    """
    x, y = np.asarray(x), np.asarray(y)
    n = len(x)
    if len(y) != n:
        raise ValueError(f"x and y must have the same length, found {n} and {len(y)}")
    n_test, n_val = _count(test, n, "test"), _count(val, n, "val")
    if n_test + n_val >= n:
        raise ValueError(f"val + test ({n_val} + {n_test}) must leave training examples of {n}")
    idx = np.arange(n)
    strat = y if stratify else None
    rest, test_idx = (idx, idx[:0]) if n_test == 0 else train_test_split(
        idx, test_size=n_test, random_state=seed, stratify=strat)
    strat = y[rest] if stratify else None
    train_idx, val_idx = (rest, rest[:0]) if n_val == 0 else train_test_split(
        rest, test_size=n_val, random_state=seed + 1, stratify=strat)
    return tuple(Split(x[i], y[i]) for i in (np.sort(train_idx), np.sort(val_idx), np.sort(test_idx)))


__all__ = ["train_val_test_split"]
