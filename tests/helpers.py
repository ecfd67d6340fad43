"""Small shared fixtures for tests."""

from __future__ import annotations

import flax.linen as nn
import numpy as np


def blobs(n: int = 40, d: int = 5, classes: int = 3, seed: int = 0):
    """Separable Gaussian blobs: float32 inputs [n, d], int32 labels [n]."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, classes, n).astype(np.int32)
    centers = rng.normal(0, 3, (classes, d))
    x = (centers[y] + rng.normal(0, 1, (n, d))).astype(np.float32)
    return x, y


class TinyCNN(nn.Module):
    """A two-conv network for strategy tests."""

    classes: int = 3

    @nn.compact
    def __call__(self, x, train: bool = False):
        x = nn.relu(nn.Conv(4, (3, 3))(x))
        x = nn.relu(nn.Conv(4, (3, 3))(x))
        x = x.mean(axis=(1, 2))
        return nn.Dense(self.classes)(x)
