"""Small helpers that turn bad input into clear errors (argument, expected, found)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def unknown_name(kind: str, name: Any, valid: Iterable[str]) -> ValueError:
    """An error for a name that is not in a registry, listing the valid names."""
    names = ", ".join(sorted(valid))
    return ValueError(f"unknown {kind} {name!r}; expected one of: {names}")


def check_positive(name: str, value: Any, *, allow_zero: bool = False) -> None:
    """Raise ValueError unless ``value`` is a finite number > 0 (or >= 0)."""
    import math

    import jax

    if isinstance(value, jax.core.Tracer):
        return  # a traced hyperparameter (a population member's): checked before tracing
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a number, found {type(value).__name__}") from None
    ok = math.isfinite(v) and (v >= 0 if allow_zero else v > 0)
    if not ok:
        expected = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be a finite number {expected}, found {value!r}")
