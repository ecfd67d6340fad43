"""Embedded datasets: everything ships with an installed package; nothing is downloaded."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from jaxnets._validate import unknown_name
from jaxnets.data._splits import train_val_test_split
from jaxnets.data._types import Dataset

LOADERS: dict[str, Callable[..., Dataset]] = {}


def register(name: str) -> Callable[[Callable[..., Dataset]], Callable[..., Dataset]]:
    """Register a dataset loader under ``name`` for :func:`load`."""

    def deco(fn: Callable[..., Dataset]) -> Callable[..., Dataset]:
        LOADERS[name] = fn
        return fn

    return deco


def load(name: str, **kwargs: Any) -> Dataset:
    """Load a dataset by name, e.g. ``load("digits", seed=0)``.

    Embedded datasets ship with installed packages; datasets a user brings take
    ``data_dir=...``. Every loader returns seeded train/validation/test splits.
    """
    if name not in LOADERS:
        raise unknown_name("dataset", name, LOADERS)
    return LOADERS[name](**kwargs)


@register("digits")
def load_digits(
    *, seed: int = 0, val: float = 0.15, test: float = 0.15, flatten: bool = False
) -> Dataset:
    """scikit-learn's handwritten digits: 1,797 grey 8x8 images of 0-9 (UCI ML repository).

    Inputs are float32 in [0, 1], shaped [N, 8, 8, 1] (or [N, 64] with
    ``flatten``); labels are int32 in [0, 10). Stratified seeded splits.
    """
    from sklearn.datasets import load_digits as _sk_digits

    bunch = _sk_digits()
    x = (bunch.images / 16.0).astype(np.float32)[..., None]
    if flatten:
        x = x.reshape(len(x), -1)
    y = bunch.target.astype(np.int32)
    train, val_split, test_split = train_val_test_split(x, y, val=val, test=test, seed=seed)
    info = {
        "num_classes": 10,
        "class_names": [str(i) for i in range(10)],
        "input_shape": x.shape[1:],
        "source": "sklearn.datasets.load_digits (UCI optical recognition of handwritten digits)",
        "size": len(x),
    }
    return Dataset("digits", train, val_split, test_split, info)


__all__ = ["LOADERS", "load", "load_digits", "register"]
