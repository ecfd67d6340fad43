"""Evaluation reports: a dict of metric values that prints as a readable table."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

CLASSIFICATION_REPORT = ("accuracy", "precision", "recall", "f1", "auc", "confusion_matrix")
REGRESSION_REPORT = ("mae", "rmse", "r2")


def _per_class_rows(cm: np.ndarray, names: Sequence[str]) -> list[str]:
    tp = np.diag(cm).astype(float)
    pred, support = cm.sum(0), cm.sum(1)
    prec = np.divide(tp, pred, out=np.zeros_like(tp), where=pred > 0)
    rec = np.divide(tp, support, out=np.zeros_like(tp), where=support > 0)
    f1 = np.divide(2 * tp, pred + support, out=np.zeros_like(tp), where=pred + support > 0)
    width = max(8, *(len(n) for n in names))
    rows = [f"{'class':<{width}} {'precision':>9} {'recall':>9} {'f1':>9} {'support':>8}"]
    for i, n in enumerate(names):
        rows.append(f"{n:<{width}} {prec[i]:>9.4f} {rec[i]:>9.4f} {f1[i]:>9.4f} {support[i]:>8d}")
    return rows


def _matrix_rows(cm: np.ndarray, names: Sequence[str]) -> list[str]:
    width = max(6, *(len(n) for n in names), len(str(cm.max())) + 1)
    rows = ["confusion matrix (rows: true, columns: predicted)",
            " " * width + " " + " ".join(f"{n:>{width}}" for n in names)]
    for i, n in enumerate(names):
        rows.append(f"{n:>{width}} " + " ".join(f"{v:>{width}d}" for v in cm[i]))
    return rows


def format_report(values: dict, class_names: Sequence[str] | None = None) -> str:
    """Scalar metrics as ``name value`` rows; a confusion matrix adds per-class rows and a grid."""
    order = sorted(values, key=lambda k: k != "loss")  # the loss first, then as given
    rows = [f"{k:<24} {float(values[k]):.4f}" for k in order if np.ndim(values[k]) == 0]
    cm = values.get("confusion_matrix")
    if cm is not None:
        cm = np.asarray(cm).astype(np.int64)
        names = [str(c) for c in (class_names or range(cm.shape[0]))]
        if len(names) != cm.shape[0]:  # e.g. two columns for a one-logit binary model
            names = [str(c) for c in range(cm.shape[0])]
        rows += ["", *_per_class_rows(cm, names), "", *_matrix_rows(cm, names)]
    return "\n".join(rows)


class Report(dict):
    """Metric values by name (a plain ``dict``) that print as a table."""

    class_names: list[str] | None = None

    def table(self) -> str:
        return format_report(self, self.class_names)

    def __str__(self) -> str:
        return self.table()


__all__ = ["CLASSIFICATION_REPORT", "REGRESSION_REPORT", "Report", "format_report"]
