"""Plots with matplotlib (Agg backend when no display), saved as PNG."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

import matplotlib

if not os.environ.get("DISPLAY") and "inline" not in matplotlib.get_backend().lower():
    matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def _save(fig, path: str | os.PathLike | None):
    if path is not None:
        os.makedirs(os.path.dirname(os.fspath(path)) or ".", exist_ok=True)
        fig.savefig(path, dpi=120, bbox_inches="tight")
    return fig


def plot_history(
    history: Mapping[str, Sequence[float]],
    path: str | os.PathLike | None = None,
    *,
    metrics: Sequence[str] | None = None,
    title: str | None = None,
):
    """Learning curves: one panel per metric, training and validation curves together."""
    names = metrics or [k for k in history if not k.startswith("val_") and k not in ("time", "lr")]
    fig, axes = plt.subplots(1, len(names), figsize=(4.5 * len(names), 3.5), squeeze=False)
    for ax, name in zip(axes[0], names, strict=True):
        epochs = range(1, len(history[name]) + 1)
        ax.plot(epochs, history[name], label=f"train {name}")
        if f"val_{name}" in history:
            ax.plot(epochs, history[f"val_{name}"], label=f"validation {name}")
        ax.set_xlabel("epoch")
        ax.set_ylabel(name)
        ax.legend()
        ax.grid(alpha=0.3)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return _save(fig, path)


def plot_curves(
    curves: Mapping[str, Sequence[float]],
    path: str | os.PathLike | None = None,
    *,
    xlabel: str = "epoch",
    ylabel: str = "",
    title: str | None = None,
    logy: bool = False,
):
    """Several named curves on one axis (e.g. the loss of each optimizer)."""
    fig, ax = plt.subplots(figsize=(6, 4))
    for name, values in curves.items():
        ax.plot(range(1, len(values) + 1), values, label=name)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if logy:
        ax.set_yscale("log")
    if title:
        ax.set_title(title)
    ax.legend()
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return _save(fig, path)


__all__ = ["plot_curves", "plot_history", "plot_schedules", "plt"]


def plot_schedules(
    schedules: Mapping[str, object],
    steps: int,
    path: str | os.PathLike | None = None,
    *,
    title: str | None = "learning-rate schedules",
    logy: bool = False,
):
    """Each ``step -> learning rate`` schedule over ``steps`` steps, one panel per schedule."""
    import jax
    import jax.numpy as jnp
    import numpy as np

    if not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps must be an int >= 1, found {steps!r}")
    bad = [name for name, s in schedules.items() if not callable(s)]
    if not schedules or bad:
        raise ValueError(f"schedules must be a non-empty mapping of name -> callable, found "
                         f"non-callables {bad}" if bad else "schedules must not be empty")
    n = len(schedules)
    cols = min(n, 3)
    rows = -(-n // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 2.8 * rows), squeeze=False)
    t = jnp.arange(steps)
    for ax, (name, schedule) in zip(axes.flat, schedules.items(), strict=False):
        ax.plot(np.arange(steps), np.asarray(jax.vmap(schedule)(t)))
        ax.set_title(name, fontsize=10)
        ax.set_xlabel("step")
        ax.set_ylabel("learning rate")
        if logy:
            ax.set_yscale("log")
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return _save(fig, path)
