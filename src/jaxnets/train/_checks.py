"""Input checks for fit/evaluate/predict: clear errors before any work."""

from __future__ import annotations

from typing import Any

import numpy as np

from jaxnets.data._types import Split


def as_split(data: Any, name: str) -> Split:
    """Coerce a split, an ``(x, y)`` pair, an object with ``.x``/``.y`` or a dict to a ``Split``."""
    if data is None:
        raise ValueError(f"{name} must be a dataset split or an (inputs, labels) pair, found None")
    if isinstance(data, dict):
        if "x" not in data or "y" not in data:
            raise ValueError(f"{name} as a dict must have keys 'x' and 'y', found {sorted(data)}")
        x, y = data["x"], data["y"]
    elif hasattr(data, "x") and hasattr(data, "y"):
        x, y = data.x, data.y
    elif isinstance(data, tuple | list) and len(data) == 2:
        x, y = data
    else:
        raise TypeError(
            f"{name} must be a Split, an (inputs, labels) pair or a dict with 'x' and 'y', "
            f"found {type(data).__name__}"
        )
    return Split(_as_array(x, f"{name} inputs"), _as_array(y, f"{name} labels"))


def _as_array(a: Any, what: str) -> np.ndarray:
    try:
        arr = np.asarray(a)
    except Exception as e:  # noqa: BLE001 - re-raised with the argument named
        raise TypeError(f"{what} must be array-like, found {type(a).__name__}: {e}") from None
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise TypeError(f"{what} must be a numeric array, found dtype {arr.dtype}")
    return arr


def check_split(split: Split, name: str) -> None:
    """Lengths agree, not empty, inputs finite."""
    x, y = split
    if x.ndim == 0 or y.ndim == 0:
        raise ValueError(f"{name}: inputs and labels need a leading example axis, "
                         f"found shapes {x.shape} and {y.shape}")
    if len(x) != len(y):
        raise ValueError(f"{name}: inputs and labels must have the same length, "
                         f"found {len(x)} inputs and {len(y)} labels")
    if len(x) == 0:
        raise ValueError(f"{name} is empty: expected at least one example, found 0")
    for what, arr in (("inputs", x), ("labels", y)):
        if np.issubdtype(arr.dtype, np.floating) and not np.all(np.isfinite(arr)):
            bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
            raise ValueError(f"{name} {what} must be finite, found {bad} NaN or Inf values")


def check_labels(split: Split, name: str, *, classification: bool, num_outputs: int) -> None:
    """Class labels must be integers in [0, C) or one-hot/soft rows of width C."""
    y = split.y
    if not classification:
        return
    num_classes = 2 if num_outputs == 1 else num_outputs
    if np.issubdtype(y.dtype, np.integer) or y.dtype == bool:
        y = y.astype(np.int64)
        lo, hi = int(y.min()), int(y.max())
        if lo < 0 or hi >= num_classes:
            raise ValueError(
                f"{name} labels must be class ids in [0, {num_classes}) for a model with "
                f"{num_outputs} output(s), found values in [{lo}, {hi}]"
            )
        return
    if y.ndim >= 2 and y.shape[-1] == num_outputs and num_outputs > 1:
        return  # one-hot or soft labels
    if num_outputs == 1 and np.all((y >= 0) & (y <= 1)):
        return  # binary targets (probabilities) for a single-logit model
    raise TypeError(
        f"{name} labels for a classification loss must be integer class ids or one-hot rows of "
        f"width {num_outputs}, found dtype {y.dtype} with shape {y.shape}"
    )


def check_feature_shape(split: Split, name: str, expected: tuple[int, ...]) -> None:
    found = tuple(split.x.shape[1:])
    if found != tuple(expected):
        raise ValueError(
            f"{name} inputs must have feature shape {tuple(expected)} (like the training data), "
            f"found {found}"
        )


def check_int(name: str, value: Any, *, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(f"{name} must be an int >= {minimum}, found {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}, found {value}")
    return int(value)


__all__ = ["as_split", "check_feature_shape", "check_int", "check_labels", "check_split"]
