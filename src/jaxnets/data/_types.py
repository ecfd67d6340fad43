"""Containers for datasets."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np


class Split(NamedTuple):
    """One split of a dataset: inputs ``x`` [N, ...] and labels/targets ``y`` [N, ...]."""

    x: np.ndarray
    y: np.ndarray

    def __len__(self) -> int:  # the number of examples, not the tuple's length
        return int(self.x.shape[0])

    @property
    def num_examples(self) -> int:
        return int(self.x.shape[0])


@dataclass(frozen=True)
class Dataset:
    """Train / validation / test splits with metadata (class names, shapes, provenance)."""

    name: str
    train: Split
    val: Split
    test: Split
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def num_classes(self) -> int | None:
        return self.info.get("num_classes")

    @property
    def class_names(self) -> list[str] | None:
        return self.info.get("class_names")

    def __repr__(self) -> str:
        sizes = ", ".join(f"{k}={len(getattr(self, k))}" for k in ("train", "val", "test"))
        return f"Dataset({self.name!r}, {sizes}, x{tuple(self.train.x.shape[1:])})"


__all__ = ["Dataset", "Split"]
