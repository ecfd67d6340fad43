"""Data augmentation on the device: pure, jit-able transforms keyed by a PRNG key.

An example transform is a pure function ``(key, x) -> x`` of ONE example: an
image ``[H, W, C]`` or a sequence ``[T, F]``. Each keeps the shape and dtype of
its input and is the identity at zero strength. They compose with
:func:`pipeline` (each stage gets its own key) and become a batch augmentation
for ``fit`` with :func:`compose`, which vmaps them over the batch with one key
per example (``fold_in(step_key, position)``; the step key comes from the run's
seed and the step counter, so a run is reproducible) and optionally adds
:func:`mixup`, which mixes pairs of examples and their labels::

    augment = jn.augment.compose(jn.augment.random_flip(), jn.augment.random_crop(2),
                                 mixup=jn.augment.mixup(0.2, num_classes=10))
    jn.fit(model, "adam", data.train, augment=augment)

The augmentation runs inside the compiled train step (so inside the scanned
epoch), on training batches only; evaluation never sees it. Transforms are
frozen dataclasses: equal settings compare equal, so repeated ``fit`` calls
reuse the compiled epoch.

Images: :func:`random_flip`, :func:`random_crop` (pad then crop: small
translations), :func:`gaussian_noise`, :func:`cutout`. Sequences:
:func:`jitter`, :func:`scaling`, :func:`time_mask`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp

from jaxnets.typing import Array, PRNGKey

Transform = Callable[[PRNGKey, Array], Array]  # one example -> one example


def _check(name: str, value: Any, *, lo: float = 0.0, hi: float = math.inf,
           integer: bool = False, hi_open: bool = False) -> None:
    kinds = (int,) if integer else (int, float)
    ok = (not isinstance(value, bool) and isinstance(value, kinds) and math.isfinite(value)
          and lo <= value and (value < hi if hi_open else value <= hi))
    if not ok:
        kind = "an int" if integer else "a number"
        bound = f"< {hi}" if hi_open else f"<= {hi}"
        rng = f">= {lo}" + ("" if hi == math.inf else f" and {bound}")
        raise ValueError(f"{name} must be {kind} {rng}, found {value!r}")


def _check_rank(x: Array, rank: int, what: str, fn: str) -> None:
    if x.ndim != rank:
        raise ValueError(f"{fn} transforms one {what} of rank {rank}, found shape {x.shape}; "
                         "use compose(...) to apply it to a batch")


# --- images [H, W, C] ---------------------------------------------------------------------

@dataclass(frozen=True)
class random_flip:  # lower-case: a transform factory, used like a function
    """Flip an image ``[H, W, C]`` left-right with probability ``p``."""

    p: float = 0.5

    def __post_init__(self):
        _check("p", self.p, hi=1.0)

    def __call__(self, key: PRNGKey, x: Array) -> Array:
        _check_rank(x, 3, "image [H, W, C]", "random_flip")
        return jnp.where(jax.random.bernoulli(key, self.p), x[:, ::-1, :], x)


@dataclass(frozen=True)
class random_crop:
    """Pad an image by ``padding`` pixels on each side, then crop its original size at a
    uniformly random offset: a translation by up to ``padding`` pixels each way.

    ``mode``: ``"constant"`` (zeros) or ``"reflect"``/``"edge"`` (``jnp.pad`` modes).
    """

    padding: int = 4
    mode: str = "constant"

    def __post_init__(self):
        _check("padding", self.padding, integer=True)
        if self.mode not in ("constant", "reflect", "edge"):
            raise ValueError(f"mode must be 'constant', 'reflect' or 'edge', found {self.mode!r}")

    def __call__(self, key: PRNGKey, x: Array) -> Array:
        _check_rank(x, 3, "image [H, W, C]", "random_crop")
        p = self.padding
        if p == 0:
            return x
        padded = jnp.pad(x, ((p, p), (p, p), (0, 0)), mode=self.mode)
        dy, dx = jax.random.randint(key, (2,), 0, 2 * p + 1)
        return jax.lax.dynamic_slice(padded, (dy, dx, 0), x.shape)


@dataclass(frozen=True)
class gaussian_noise:
    """``x + std * N(0, 1)``, elementwise (any shape: images or sequences)."""

    std: float = 0.1

    def __post_init__(self):
        _check("std", self.std)

    def __call__(self, key: PRNGKey, x: Array) -> Array:
        return (x + self.std * jax.random.normal(key, x.shape, jnp.float32)).astype(x.dtype)


@dataclass(frozen=True)
class cutout:
    """Zero a ``size x size`` square centred on a uniformly random pixel of an image
    ``[H, W, C]`` (clipped at the border; DeVries & Taylor, 2017)."""

    size: int = 8

    def __post_init__(self):
        _check("size", self.size, integer=True)

    def __call__(self, key: PRNGKey, x: Array) -> Array:
        _check_rank(x, 3, "image [H, W, C]", "cutout")
        if self.size == 0:
            return x
        h, w = x.shape[0], x.shape[1]
        cy = jax.random.randint(jax.random.fold_in(key, 0), (), 0, h)
        cx = jax.random.randint(jax.random.fold_in(key, 1), (), 0, w)
        lo_y, lo_x = cy - self.size // 2, cx - self.size // 2
        rows = jnp.arange(h)[:, None]
        cols = jnp.arange(w)[None, :]
        inside = ((rows >= lo_y) & (rows < lo_y + self.size)
                  & (cols >= lo_x) & (cols < lo_x + self.size))
        return jnp.where(inside[:, :, None], jnp.zeros((), x.dtype), x)


# --- sequences [T, F] ---------------------------------------------------------------------

@dataclass(frozen=True)
class jitter(gaussian_noise):
    """Additive Gaussian noise on a sequence ``[T, F]``: ``x + std * N(0, 1)``."""

    std: float = 0.03


@dataclass(frozen=True)
class scaling:
    """Multiply each feature channel of a sequence ``[T, F]`` by ``1 + std * N(0, 1)``."""

    std: float = 0.1

    def __post_init__(self):
        _check("std", self.std)

    def __call__(self, key: PRNGKey, x: Array) -> Array:
        _check_rank(x, 2, "sequence [T, F]", "scaling")
        factor = 1.0 + self.std * jax.random.normal(key, (1, x.shape[1]), jnp.float32)
        return (x * factor).astype(x.dtype)


@dataclass(frozen=True)
class time_mask:
    """Zero a random span of ``0..max_width`` consecutive steps of a sequence ``[T, F]``
    (SpecAugment-style time masking)."""

    max_width: int = 5

    def __post_init__(self):
        _check("max_width", self.max_width, integer=True)

    def __call__(self, key: PRNGKey, x: Array) -> Array:
        _check_rank(x, 2, "sequence [T, F]", "time_mask")
        if self.max_width == 0:
            return x
        t = x.shape[0]
        width = jax.random.randint(jax.random.fold_in(key, 0), (), 0,
                                   min(self.max_width, t) + 1)
        start = jax.random.randint(jax.random.fold_in(key, 1), (), 0, t - width + 1)
        steps = jnp.arange(t)[:, None]
        masked = (steps >= start) & (steps < start + width)
        return jnp.where(masked, jnp.zeros((), x.dtype), x)


# --- composition --------------------------------------------------------------------------

@dataclass(frozen=True)
class pipeline:
    """Apply ``transforms`` in order; stage ``i`` gets ``fold_in(key, i)``."""

    transforms: tuple[Transform, ...]

    def __init__(self, *transforms: Transform):
        for i, t in enumerate(transforms):
            if not callable(t):
                raise TypeError(f"transform {i} must be a (key, x) -> x callable, "
                                f"found {type(t).__name__}")
        object.__setattr__(self, "transforms", tuple(transforms))

    def __call__(self, key: PRNGKey, x: Array) -> Array:
        for i, t in enumerate(self.transforms):
            x = t(jax.random.fold_in(key, i), x)
        return x


def example_keys(key: PRNGKey, n: int) -> Array:
    """One key per example of a batch: ``fold_in(key, i)`` for ``i < n``."""
    return jax.vmap(lambda i: jax.random.fold_in(key, i))(jnp.arange(n))


def apply_batch(transform: Transform, key: PRNGKey, x: Array) -> Array:
    """``transform`` on every example of ``x`` ``[B, ...]``, example ``i`` keyed by
    ``fold_in(key, i)``."""
    return jax.vmap(transform)(example_keys(key, x.shape[0]), x)


@dataclass(frozen=True)
class mixup:
    """MixUp (Zhang et al., 2018) on a batch: ``x_i <- lam_i x_i + (1 - lam_i) x_j`` and
    ``y_i <- lam_i y_i + (1 - lam_i) y_j`` with ``j`` a random permutation of the batch
    and ``lam_i ~ Beta(alpha, alpha)`` per example. Integer labels become one-hot rows
    of width ``num_classes`` (float); the loss must accept soft labels (cross-entropy
    does). ``alpha = 0`` is the identity (labels still one-hot)."""

    alpha: float = 0.2
    num_classes: int | None = None

    def __post_init__(self):
        _check("alpha", self.alpha)
        if self.num_classes is not None:
            _check("num_classes", self.num_classes, lo=2, integer=True)

    def __call__(self, key: PRNGKey, x: Array, y: Array) -> tuple[Array, Array]:
        y = self.soft_labels(y)
        if self.alpha == 0:
            return x, y
        b = x.shape[0]
        lam = jax.random.beta(jax.random.fold_in(key, 0), self.alpha, self.alpha, (b,))
        perm = jax.random.permutation(jax.random.fold_in(key, 1), b)
        lx = lam.reshape((b,) + (1,) * (x.ndim - 1)).astype(x.dtype)
        ly = lam.reshape((b,) + (1,) * (y.ndim - 1)).astype(y.dtype)
        return lx * x + (1 - lx) * x[perm], ly * y + (1 - ly) * y[perm]

    def soft_labels(self, y: Array) -> Array:
        if jnp.issubdtype(y.dtype, jnp.integer):
            if self.num_classes is None:
                raise ValueError("mixup needs num_classes to mix integer labels, found None")
            return jax.nn.one_hot(y, self.num_classes, dtype=jnp.float32)
        return y.astype(jnp.float32)


@dataclass(frozen=True)
class compose:
    """A batch augmentation ``(key, x, y) -> (x, y)`` for ``fit(augment=...)``: the example
    ``transforms`` (a :func:`pipeline`) on every example, then optionally ``mixup``."""

    transform: pipeline
    mixup: mixup | None = None

    def __init__(self, *transforms: Transform, mixup: mixup | None = None):
        if mixup is not None and not callable(mixup):
            raise TypeError(f"mixup must be a jn.augment.mixup, found {type(mixup).__name__}")
        object.__setattr__(self, "transform", pipeline(*transforms))
        object.__setattr__(self, "mixup", mixup)

    def __call__(self, key: PRNGKey, x: Array, y: Array) -> tuple[Array, Array]:
        if self.transform.transforms:
            x = apply_batch(self.transform, jax.random.fold_in(key, 0), x)
        if self.mixup is not None:
            x, y = self.mixup(jax.random.fold_in(key, 1), x, y)
        return x, y


__all__ = [
    "Transform",
    "apply_batch",
    "compose",
    "cutout",
    "example_keys",
    "gaussian_noise",
    "jitter",
    "mixup",
    "pipeline",
    "random_crop",
    "random_flip",
    "scaling",
    "time_mask",
]
