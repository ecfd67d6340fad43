"""The evaluation experiment's quick run: cross-validation table, digits report, plots."""

from __future__ import annotations

import json

from experiments import evaluation


def test_evaluation_quick(tmp_path):
    results = evaluation.main(["--quick", "--no-progress", "--folds", "3", "--out", str(tmp_path)])
    cv = results["cross_validation"]
    assert len(cv["folds"]) == 3
    assert {"accuracy", "precision", "recall", "f1", "auc"} <= set(cv["mean"])
    assert cv["mean"]["auc"] > 0.8  # breast cancer is easy even after two epochs
    report = results["digits"]["report"]
    assert len(report["confusion_matrix"]) == 10 and report["accuracy"] > 0.5
    saved = json.loads((tmp_path / "results.json").read_text())
    assert saved["digits"]["report"]["confusion_matrix"] == report["confusion_matrix"].tolist()
    for name in ("roc_breast_cancer", "roc_digits", "pr_digits", "confusion_digits"):
        assert (tmp_path / f"{name}.png").stat().st_size > 1000
