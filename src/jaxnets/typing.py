"""Type aliases shared across jaxnets."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import jax
from jax.typing import ArrayLike

Array = jax.Array
PRNGKey = jax.Array
Params = Any  # a pytree of arrays (Flax's "params" collection)
ModelState = Mapping[str, Any]  # mutable Flax collections, e.g. {"batch_stats": ...}
Metrics = dict[str, Array]
LossFn = Callable[[Array, Array], Array]  # (outputs [B, ...], labels [B, ...]) -> [B]
Initializer = Callable[..., Array]

__all__ = [
    "Array",
    "ArrayLike",
    "Initializer",
    "LossFn",
    "Metrics",
    "ModelState",
    "PRNGKey",
    "Params",
]
