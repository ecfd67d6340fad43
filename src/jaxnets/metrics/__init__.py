"""Streaming metrics: jit-able states with ``init`` / ``update`` / ``merge`` / ``compute``.

Classification: accuracy, top-k accuracy, confusion matrix, precision / recall /
F1 / specificity (binary, micro, macro, weighted, per class), log-loss, exact
AUC-ROC and average precision, ROC and precision-recall curves. Regression:
MAE, MSE, RMSE, R^2. Each has a one-shot function ``name(predictions, labels,
...)`` and a ``Metric`` class; ``get_metric(name)`` resolves the names that
``fit`` and ``evaluate`` accept (``METRICS``). All agree with scikit-learn.
"""

from jaxnets.metrics._base import (
    CLASSIFICATION_METRICS,
    METRICS,
    Accuracy,
    Metric,
    SumCount,
    accuracy,
    class_labels,
    get_metric,
    predicted_classes,
)
from jaxnets.metrics._classification import (
    AVERAGES,
    ConfusionMatrix,
    ConfusionScore,
    LogLoss,
    TopKAccuracy,
    as_classes,
    confusion_counts,
    confusion_matrix,
    f1,
    log_loss,
    precision,
    recall,
    score_from_confusion,
    specificity,
    top_k_accuracy,
)
from jaxnets.metrics._ranking import (
    AUCROC,
    AveragePrecision,
    CurvePoints,
    PrecisionRecallCurve,
    ROCCurve,
    ScoreBuffer,
    auc_roc,
    average_precision,
    binary_auc,
    binary_average_precision,
    curve_points,
    pr_curve_from_points,
    precision_recall_curve,
    ranking_scores,
    roc_curve,
    roc_curve_from_points,
)
from jaxnets.metrics._regression import MAE, MSE, R2, RMSE, RegressionState, mae, mse, r2, rmse
from jaxnets.metrics._report import CLASSIFICATION_REPORT, REGRESSION_REPORT, Report, format_report


def _register() -> None:
    """Add the metrics of this package to the name registry used by ``fit``."""
    named = {
        "confusion_matrix": ConfusionMatrix,
        "log_loss": LogLoss,
        "auc": AUCROC,
        "auc_roc": AUCROC,
        "roc_auc": AUCROC,
        "auc_weighted": lambda: AUCROC("weighted"),
        "auc_per_class": lambda: AUCROC(None),
        "average_precision": AveragePrecision,
        "pr_auc": AveragePrecision,
        "average_precision_weighted": lambda: AveragePrecision("weighted"),
    }
    for k in (2, 3, 5):
        named[f"top_{k}_accuracy"] = lambda k=k: TopKAccuracy(k)
    for kind in ("precision", "recall", "f1", "specificity"):
        named[kind] = lambda kind=kind: ConfusionScore(kind)
        for avg in ("micro", "macro", "weighted"):
            named[f"{kind}_{avg}"] = lambda kind=kind, avg=avg: ConfusionScore(kind, avg)
        named[f"{kind}_per_class"] = lambda kind=kind: ConfusionScore(kind, None)
    METRICS.update(named)
    CLASSIFICATION_METRICS.update(named)
    METRICS.update({"mae": MAE, "mse": MSE, "rmse": RMSE, "r2": R2})


_register()

__all__ = [
    "AUCROC",
    "AVERAGES",
    "CLASSIFICATION_REPORT",
    "CLASSIFICATION_METRICS",
    "MAE",
    "METRICS",
    "MSE",
    "R2",
    "REGRESSION_REPORT",
    "RMSE",
    "Report",
    "Accuracy",
    "AveragePrecision",
    "ConfusionMatrix",
    "ConfusionScore",
    "CurvePoints",
    "LogLoss",
    "Metric",
    "PrecisionRecallCurve",
    "ROCCurve",
    "RegressionState",
    "ScoreBuffer",
    "SumCount",
    "TopKAccuracy",
    "accuracy",
    "as_classes",
    "auc_roc",
    "average_precision",
    "binary_auc",
    "binary_average_precision",
    "class_labels",
    "confusion_counts",
    "confusion_matrix",
    "curve_points",
    "f1",
    "format_report",
    "get_metric",
    "log_loss",
    "mae",
    "mse",
    "pr_curve_from_points",
    "precision",
    "precision_recall_curve",
    "predicted_classes",
    "r2",
    "ranking_scores",
    "recall",
    "rmse",
    "roc_curve",
    "roc_curve_from_points",
    "score_from_confusion",
    "specificity",
    "top_k_accuracy",
]
