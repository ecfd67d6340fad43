"""Interpretability: saliency, SmoothGrad, integrated gradients, activation maximisation.

Every method takes ``f: x [B, ...] -> outputs [B, C]`` (use :func:`model_fn`
to get one from a ``TrainState``) and the class (or unit) ``target`` to explain.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from jaxnets.typing import Array, ArrayLike, PRNGKey

ModelFn = Callable[[Array], Array]


def model_fn(state: Any) -> ModelFn:
    """``x -> outputs`` of a ``TrainState`` in evaluation mode."""
    return lambda x: state.apply_fn(state.variables, x, train=False)


def _targets(target: int | ArrayLike, batch: int) -> Array:
    t = jnp.asarray(target, jnp.int32)
    return jnp.broadcast_to(t, (batch,)) if t.ndim == 0 else t


def _selected(f: ModelFn, x: Array, target: Array) -> Array:
    """``sum_i f(x)_i[target_i]``: each example's output for its own target."""
    out = f(x).reshape(x.shape[0], -1)
    return jnp.sum(jnp.take_along_axis(out, target[:, None], axis=1))


def saliency(f: ModelFn, x: ArrayLike, target: int | ArrayLike) -> Array:
    """Input gradient ``d f(x)[target] / dx`` (Simonyan et al., 2014). Returns x's shape."""
    x = jnp.asarray(x, jnp.float32)
    return jax.grad(_selected, argnums=1)(f, x, _targets(target, x.shape[0]))


def smoothgrad(f: ModelFn, x: ArrayLike, target: int | ArrayLike, *, key: PRNGKey,
               samples: int = 25, noise: float = 0.15) -> Array:
    """Saliency averaged over ``samples`` noisy copies of ``x`` (Smilkov et al., 2017).

    The noise standard deviation is ``noise * (max(x) - min(x))`` per example.
    """
    if samples < 1:
        raise ValueError(f"samples must be >= 1, found {samples}")
    x = jnp.asarray(x, jnp.float32)
    axes = tuple(range(1, x.ndim))
    span = (x.max(axis=axes, keepdims=True) - x.min(axis=axes, keepdims=True))
    sigma = noise * span
    t = _targets(target, x.shape[0])

    def one(k):
        return saliency(f, x + sigma * jax.random.normal(k, x.shape), t)

    return jnp.mean(jax.vmap(one)(jax.random.split(key, samples)), axis=0)


def integrated_gradients(f: ModelFn, x: ArrayLike, target: int | ArrayLike, *,
                         baseline: ArrayLike | None = None, steps: int = 64) -> Array:
    """Integrated gradients (Sundararajan et al., 2017) with the trapezoid rule.

    ``IG_i = (x_i - x'_i) * integral_0^1 d f(x' + a (x - x'))[target] / dx_i da``;
    the attributions sum to ``f(x) - f(x')`` (completeness) up to the
    quadrature error, which shrinks as ``steps`` grows.
    """
    if steps < 1:
        raise ValueError(f"steps must be >= 1, found {steps}")
    x = jnp.asarray(x, jnp.float32)
    base = jnp.zeros_like(x) if baseline is None else jnp.broadcast_to(
        jnp.asarray(baseline, jnp.float32), x.shape)
    t = _targets(target, x.shape[0])
    alphas = jnp.linspace(0.0, 1.0, steps + 1)
    grads = jax.lax.map(lambda a: saliency(f, base + a * (x - base), t), alphas)
    weights = jnp.full((steps + 1,), 1.0 / steps).at[0].set(0.5 / steps).at[-1].set(0.5 / steps)
    avg = jnp.tensordot(weights, grads, axes=1)
    return (x - base) * avg


def activation_maximization(f: ModelFn, unit: int, shape: tuple[int, ...], *, key: PRNGKey,
                            steps: int = 200, learning_rate: float = 0.1, l2: float = 1e-2,
                            clip: tuple[float, float] | None = (0.0, 1.0)) -> tuple[Array, Array]:
    """An input that maximises ``f(x)[unit]`` by gradient ascent (Erhan et al., 2009).

    Maximises ``f(x)[unit] - l2 ||x||^2`` from a small random start; values are
    clipped to ``clip`` after each step (None: no clipping). Returns the input
    [1, *shape] and the unit's value at every step [steps].
    """
    x = 0.5 + 0.01 * jax.random.normal(key, (1, *shape))

    def objective(x):
        return f(x).reshape(1, -1)[0, unit] - l2 * jnp.sum(x * x)

    def step(x, _):
        x = x + learning_rate * jax.grad(objective)(x)
        if clip is not None:
            x = jnp.clip(x, *clip)
        return x, f(x).reshape(1, -1)[0, unit]

    return jax.lax.scan(step, x, None, length=steps)


def plot_image_attributions(images: ArrayLike, attributions: ArrayLike,
                            path: str | os.PathLike | None = None, *, titles: list[str] | None = None):
    """Images (top row) and their attribution heatmaps (bottom row)."""
    from jaxnets.viz import _save, plt

    images, attributions = np.asarray(images), np.asarray(attributions)
    n = len(images)
    fig, axes = plt.subplots(2, n, figsize=(2.2 * n, 4.4), squeeze=False)
    for i in range(n):
        img = images[i].squeeze(-1) if images[i].shape[-1] == 1 else images[i]
        att = attributions[i].sum(-1) if attributions[i].ndim == 3 else attributions[i]
        axes[0, i].imshow(img, cmap="gray")
        lim = float(np.abs(att).max()) or 1.0
        axes[1, i].imshow(att, cmap="bwr", vmin=-lim, vmax=lim)
        for ax in axes[:, i]:
            ax.axis("off")
        if titles:
            axes[0, i].set_title(titles[i], fontsize=8)
    fig.tight_layout()
    return _save(fig, path)


def plot_sequence_attributions(sequence: ArrayLike, attributions: ArrayLike,
                               path: str | os.PathLike | None = None, *, title: str | None = None):
    """A sequence [T] or [T, F] and its per-step attribution (summed over features)."""
    from jaxnets.viz import _save, plt

    seq, att = np.asarray(sequence), np.asarray(attributions)
    seq = seq if seq.ndim == 1 else seq.mean(-1)
    att = att if att.ndim == 1 else att.sum(-1)
    fig, (a0, a1) = plt.subplots(2, 1, figsize=(7, 4), sharex=True)
    a0.plot(seq)
    a0.set_ylabel("input")
    a1.bar(np.arange(len(att)), att, color=np.where(att >= 0, "tab:red", "tab:blue"))
    a1.set_ylabel("attribution")
    a1.set_xlabel("time step")
    if title:
        a0.set_title(title)
    fig.tight_layout()
    return _save(fig, path)


__all__ = [
    "activation_maximization",
    "integrated_gradients",
    "model_fn",
    "plot_image_attributions",
    "plot_sequence_attributions",
    "saliency",
    "smoothgrad",
]
