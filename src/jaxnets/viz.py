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
    """Learning curves: one panel per metric, training and validation curves together.

    Without ``metrics``: every scalar per-epoch entry except ``val_*``, ``time`` and ``lr``
    (array-valued entries such as a confusion matrix are skipped).
    """
    import numpy as np

    names = metrics or [k for k, v in history.items()
                        if not k.startswith("val_") and k not in ("time", "lr")
                        and all(np.ndim(e) == 0 for e in v)]
    if not names:
        raise ValueError(f"history has no scalar metric to plot; found keys {sorted(history)}")
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


def _class_columns(scores, labels, from_logits: bool, class_names: Sequence[str] | None):
    """(name, column or None) for each curve: one for a binary scorer, one per class otherwise."""
    import numpy as np

    from jaxnets.metrics import ranking_scores

    columns = int(ranking_scores(np.asarray(scores), from_logits).shape[1])
    if columns == 1:
        name = class_names[1] if class_names and len(class_names) == 2 else "positive class"
        return [(str(name), None)]
    names = class_names or [str(c) for c in range(columns)]
    if len(names) != columns:
        raise ValueError(f"class_names must have {columns} entries, found {len(names)}")
    return [(str(n), c) for c, n in enumerate(names)]


def plot_roc_curves(
    scores,
    labels,
    path: str | os.PathLike | None = None,
    *,
    from_logits: bool = True,
    class_names: Sequence[str] | None = None,
    title: str | None = "ROC curve",
):
    """ROC curves (one-vs-rest per class for more than two), exact AUC in the legend.

    ``scores``: model outputs [N] / [N, 1] / [N, C] (logits unless ``from_logits=False``).
    """
    from jaxnets.metrics import auc_roc, roc_curve

    fig, ax = plt.subplots(figsize=(5, 4.5))
    for name, col in _class_columns(scores, labels, from_logits, class_names):
        fpr, tpr, _ = roc_curve(scores, labels, from_logits=from_logits, column=col)
        if col is None:
            auc = float(auc_roc(scores, labels, from_logits=from_logits))
        else:
            auc = float(auc_roc(scores, labels, average=None, from_logits=from_logits)[col])
        ax.plot(fpr, tpr, label=f"{name} (AUC {auc:.3f})")
    ax.plot([0, 1], [0, 1], "k:", lw=1, label="chance")
    ax.set_xlabel("false positive rate")
    ax.set_ylabel("true positive rate")
    ax.set_xlim(-0.01, 1.01)
    ax.set_ylim(-0.01, 1.01)
    ax.legend(fontsize="small", loc="lower right")
    ax.grid(alpha=0.3)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return _save(fig, path)


def plot_pr_curves(
    scores,
    labels,
    path: str | os.PathLike | None = None,
    *,
    from_logits: bool = True,
    class_names: Sequence[str] | None = None,
    title: str | None = "Precision-recall curve",
):
    """Precision-recall step curves (per class beyond two), average precision in the legend."""
    from jaxnets.metrics import average_precision, precision_recall_curve

    fig, ax = plt.subplots(figsize=(5, 4.5))
    for name, col in _class_columns(scores, labels, from_logits, class_names):
        prec, rec, _ = precision_recall_curve(scores, labels, from_logits=from_logits, column=col)
        ap = average_precision(scores, labels, average=None, from_logits=from_logits)
        ap = float(ap if col is None else ap[col])
        ax.step(rec, prec, where="post", label=f"{name} (AP {ap:.3f})")
    ax.set_xlabel("recall")
    ax.set_ylabel("precision")
    ax.set_xlim(-0.01, 1.01)
    ax.set_ylim(-0.01, 1.01)
    ax.legend(fontsize="small", loc="lower left")
    ax.grid(alpha=0.3)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return _save(fig, path)


def plot_confusion_matrix(
    cm,
    path: str | os.PathLike | None = None,
    *,
    class_names: Sequence[str] | None = None,
    normalize: bool = False,
    title: str | None = "Confusion matrix",
):
    """A heatmap of ``cm[true, predicted]`` with the counts (or row fractions) written in."""
    import numpy as np

    cm = np.asarray(cm)
    if cm.ndim != 2 or cm.shape[0] != cm.shape[1]:
        raise ValueError(f"cm must be a square [classes, classes] matrix, found shape {cm.shape}")
    shown = cm / np.maximum(cm.sum(1, keepdims=True), 1) if normalize else cm
    names = [str(n) for n in (class_names or range(cm.shape[0]))]
    if len(names) != cm.shape[0]:
        raise ValueError(f"class_names must have {cm.shape[0]} entries, found {len(names)}")
    size = 1.5 + 0.45 * cm.shape[0]
    fig, ax = plt.subplots(figsize=(size + 1, size))
    im = ax.imshow(shown, cmap="Blues")
    fig.colorbar(im, ax=ax, fraction=0.046)
    ax.set_xticks(range(len(names)), names, rotation=45 if len(names) > 4 else 0)
    ax.set_yticks(range(len(names)), names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    top = shown.max() if shown.size else 0
    for i in range(cm.shape[0]):
        for j in range(cm.shape[1]):
            text = f"{shown[i, j]:.2f}" if normalize else f"{int(cm[i, j])}"
            ax.text(j, i, text, ha="center", va="center", fontsize="small",
                    color="white" if shown[i, j] > 0.6 * top else "black")
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return _save(fig, path)


__all__ += ["plot_confusion_matrix", "plot_pr_curves", "plot_roc_curves"]
