"""jn.evaluate's full report and the evaluation plots."""

from __future__ import annotations

import numpy as np
import optax
import pytest
from sklearn import metrics as skm

import jaxnets as jn
from tests.helpers import blobs


@pytest.fixture(scope="module")
def trained():
    x, y = blobs(n=60, d=4, classes=3, seed=0)
    result = jn.fit(jn.nn.MLP(features=(8, 3)), optax.adam(0.05), (x[:40], y[:40]), epochs=3,
                    batch_size=16, verbose=False)
    return result.state, x[40:], y[40:]


def test_evaluate_report_matches_sklearn(trained):
    state, x, y = trained
    report = jn.evaluate(state, (x, y), batch_size=7)  # uneven batches: last one padded
    logits = np.asarray(jn.predict(state, x), np.float64)
    pred = logits.argmax(1)
    probs = np.exp(logits - logits.max(1, keepdims=True))
    probs /= probs.sum(1, keepdims=True)
    assert isinstance(report, dict)
    assert report["accuracy"] == pytest.approx(skm.accuracy_score(y, pred), abs=1e-6)
    assert report["precision"] == pytest.approx(
        skm.precision_score(y, pred, average="macro", zero_division=0), abs=1e-6)
    assert report["recall"] == pytest.approx(skm.recall_score(y, pred, average="macro"), abs=1e-6)
    assert report["f1"] == pytest.approx(skm.f1_score(y, pred, average="macro"), abs=1e-6)
    assert report["auc"] == pytest.approx(skm.roc_auc_score(y, probs, multi_class="ovr"),
                                          abs=1e-6)
    np.testing.assert_array_equal(report["confusion_matrix"],
                                  skm.confusion_matrix(y, pred, labels=range(3)))
    report.class_names = ["a", "b", "c"]
    table = str(report)
    assert "confusion matrix" in table and "support" in table and "auc" in table
    assert table.splitlines()[0].startswith("loss")


def test_evaluate_with_explicit_metrics_only_those(trained):
    state, x, y = trained
    report = jn.evaluate(state, (x, y), metrics=("accuracy",))
    assert set(report) == {"loss", "accuracy"}


def test_plots_write_pngs(tmp_path, trained):
    state, x, y = trained
    logits = np.asarray(jn.predict(state, x))
    jn.viz.plot_roc_curves(logits, y, tmp_path / "roc.png", class_names=["a", "b", "c"])
    jn.viz.plot_pr_curves(logits, y, tmp_path / "pr.png")
    cm = jn.metrics.confusion_matrix(logits, y, 3)
    jn.viz.plot_confusion_matrix(cm, tmp_path / "cm.png", normalize=True)
    rng = np.random.default_rng(0)
    yb = rng.integers(0, 2, 30)
    jn.viz.plot_roc_curves(rng.normal(size=30) + yb, yb, tmp_path / "roc_binary.png")
    for name in ("roc", "pr", "cm", "roc_binary"):
        assert (tmp_path / f"{name}.png").stat().st_size > 1000
    with pytest.raises(ValueError, match="square"):
        jn.viz.plot_confusion_matrix(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="class_names must have 3"):
        jn.viz.plot_roc_curves(logits, y, class_names=["a"])


def test_plot_history_skips_array_entries(tmp_path):
    x, y = blobs(n=40, d=4, classes=3, seed=1)
    r = jn.fit(jn.nn.MLP((8, 3)), "adam", (x, y), epochs=2, batch_size=16, verbose=False,
               metrics=("accuracy", "confusion_matrix"))
    assert np.ndim(r.history["confusion_matrix"][0]) == 2
    fig = jn.viz.plot_history(r.history, tmp_path / "curves.png")
    assert sorted(ax.get_ylabel() for ax in fig.axes) == ["accuracy", "loss"]
    assert (tmp_path / "curves.png").exists()
    with pytest.raises(ValueError, match="no scalar metric"):
        jn.viz.plot_history({"confusion_matrix": [np.eye(2)]})
