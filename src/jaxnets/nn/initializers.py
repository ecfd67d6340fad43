"""Weight initializers by name (thin names over ``jax.nn.initializers``)."""

from __future__ import annotations

from collections.abc import Callable

import jax.nn.initializers as jinit

from jaxnets._validate import unknown_name
from jaxnets.typing import Initializer

INITIALIZERS: dict[str, Callable[[], Initializer]] = {
    "glorot_uniform": jinit.glorot_uniform,
    "glorot_normal": jinit.glorot_normal,
    "xavier_uniform": jinit.glorot_uniform,
    "xavier_normal": jinit.glorot_normal,
    "he_uniform": jinit.he_uniform,
    "he_normal": jinit.he_normal,
    "kaiming_uniform": jinit.he_uniform,
    "kaiming_normal": jinit.he_normal,
    "lecun_uniform": jinit.lecun_uniform,
    "lecun_normal": jinit.lecun_normal,
    "orthogonal": jinit.orthogonal,
    "zeros": lambda: jinit.zeros,
    "ones": lambda: jinit.ones,
}


def get_initializer(init: str | Initializer | None, default: str = "lecun_normal") -> Initializer:
    """An initializer ``(key, shape, dtype) -> array`` for a name, or a callable passed through."""
    if init is None:
        init = default
    if callable(init):
        return init
    if not isinstance(init, str) or init not in INITIALIZERS:
        raise unknown_name("initializer", init, INITIALIZERS)
    return INITIALIZERS[init]()


__all__ = ["INITIALIZERS", "get_initializer"]
