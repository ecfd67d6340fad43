"""Build the Colab-ready notebooks from the cell sources below.

Command: ``python notebooks/build.py`` (rewrites notebooks/*.ipynb). The notebooks
are executed by the test suite (tests/test_notebooks.py) with
``JAXNETS_QUICK=1``, which shrinks every run so none can rot.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent

SETUP = '''# Colab: install jaxnets (from PyPI, or from JAXNETS_SOURCE: a path or a git URL).
import os, subprocess, sys
if "google.colab" in sys.modules:
    subprocess.run([sys.executable, "-m", "pip", "install", "-q",
                    os.environ.get("JAXNETS_SOURCE", "jaxnets")], check=True)

import jax
import jaxnets as jn
QUICK = os.environ.get("JAXNETS_QUICK") == "1"   # tiny settings (the test suite sets it)
print(f"backend: {jax.default_backend()}, devices: {jax.device_count()}, jaxnets {jn.__version__}")'''


def notebook(title: str, intro: str, cells: list[tuple[str, str]]) -> nbformat.NotebookNode:
    nb = new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["colab"] = {"provenance": []}
    nb.metadata["accelerator"] = "TPU"
    nb.cells = [new_markdown_cell(f"# {title}\n\n{intro}"), new_code_cell(SETUP)]
    for kind, source in cells:
        nb.cells.append(new_markdown_cell(source) if kind == "md" else new_code_cell(source))
    return nb


NOTEBOOKS: dict[str, nbformat.NotebookNode] = {}

NOTEBOOKS["01_quickstart"] = notebook(
    "jaxnets quickstart",
    "Train an MLP on the embedded digits data, evaluate it, and look inside the pure train step.",
    [
        ("md", "## Data: ships with scikit-learn, nothing is downloaded"),
        ("code", '''data = jn.data.load("digits", seed=0)
print(data, data.train.x.shape, data.train.y[:10])'''),
        ("md", "## Model, optimizer, fit\n`fit` compiles a whole epoch into one `lax.scan`; "
               "the progress bar advances once per epoch."),
        ("code", '''model = jn.nn.MLP((128, 64, 10), activation="relu", kernel_init="he_normal")
result = jn.fit(model, jn.optim.adam(3e-3), data.train, validation=data.val,
                loss="cross_entropy", metrics=("accuracy",),
                epochs=3 if QUICK else 30, batch_size=64, seed=0)
print({k: round(v[-1], 4) for k, v in result.history.items()})'''),
        ("code", '''print(jn.evaluate(result.state, data.test))
jn.viz.plot_history(result.history, metrics=("loss", "accuracy"));'''),
        ("md", "## The step is a pure function\n`(state, batch) -> (state, metrics)`: jit it, "
               "vmap it, scan it. Same seed and data give bitwise-identical parameters."),
        ("code", '''import jax.numpy as jnp
step = jax.jit(jn.make_train_step("cross_entropy"))
batch = jn.Batch(jnp.asarray(data.train.x[:32]), jnp.asarray(data.train.y[:32]), jnp.ones(32))
state, metrics = step(result.state, batch)
print(int(state.step), float(metrics["loss"]))
again = jn.fit(model, jn.optim.adam(3e-3), data.train, epochs=2, batch_size=64, seed=0, verbose=False)
same = jn.fit(model, jn.optim.adam(3e-3), data.train, epochs=2, batch_size=64, seed=0, verbose=False)
print("bitwise identical:", all(bool((a == b).all()) for a, b in zip(
    jax.tree_util.tree_leaves(again.state.params), jax.tree_util.tree_leaves(same.state.params))))'''),
        ("md", "## XOR, done right\nA hidden nonlinearity and a symmetry-breaking "
               "initialisation (the chapter's zero-initialised, linear network cannot learn it)."),
        ("code", '''import numpy as np
X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], np.float32); Y = np.array([0, 1, 1, 0])
for init in ("glorot_uniform", "zeros"):
    r = jn.fit(jn.nn.MLP((4, 2), activation="tanh", kernel_init=init), jn.optim.adam(0.05),
               (X, Y), epochs=300, batch_size=None, verbose=False)
    print(init, "accuracy", jn.evaluate(r.state, (X, Y))["accuracy"])'''),
    ],
)


# 05: the regularization engineer adds REGULARIZATION_05 cells; EVALUATION_05 is the
# evaluation half (k-fold report, ROC and PR curves, the full test report).
REGULARIZATION_05: list[tuple[str, str]] = []
EVALUATION_05: list[tuple[str, str]] = [
    ("md", "## Evaluation: k-fold cross-validation without leakage\n"
           "`jn.cross_validate` trains a fresh model on each fold in turn. Inputs are "
           "standardised with the statistics of the fold's training part only, folds are "
           "stratified, and a `Dataset`'s test split is never seen."),
    ("code", '''cancer = jn.data.load("breast_cancer", seed=0, standardize=False)
cv = jn.cross_validate(jn.nn.MLP((16, 2), activation="relu"), jn.optim.adam(3e-3), cancer,
                       k=3 if QUICK else 5, metrics=("accuracy", "precision", "recall", "f1", "auc"),
                       epochs=2 if QUICK else 40, batch_size=32, seed=0)
print(cv.table())'''),
    ("md", "## ROC and precision-recall curves of the out-of-fold scores\n"
           "AUC-ROC is exact (ties counted as scikit-learn counts them), not a histogram "
           "over fixed thresholds."),
    ("code", '''jn.viz.plot_roc_curves(cv.outputs, cv.labels, class_names=cancer.class_names)
jn.viz.plot_pr_curves(cv.outputs, cv.labels, class_names=cancer.class_names)
print("pooled out-of-fold AUC:", float(jn.metrics.auc_roc(cv.outputs, cv.labels, from_logits=True)))'''),
    ("md", "## The full report on a test split\n`jn.evaluate` returns a dict that prints "
           "as a table: accuracy, macro precision / recall / F1, one-vs-rest AUC-ROC, per-class "
           "rows and the confusion matrix."),
    ("code", '''digits = jn.data.load("digits", seed=0)
fit = jn.fit(jn.nn.MLP((64, 10)), jn.optim.adam(3e-3), digits.train, validation=digits.val,
             metrics=("accuracy", "f1", "auc"), epochs=2 if QUICK else 30, batch_size=64,
             verbose=False)
report = jn.evaluate(fit.state, digits.test, class_names=digits.class_names)
print(report)
jn.viz.plot_confusion_matrix(report["confusion_matrix"], class_names=digits.class_names);'''),
    ("md", "## One-shot metrics agree with scikit-learn"),
    ("code", '''import numpy as np
from sklearn import metrics as skm
logits = np.asarray(jn.predict(fit.state, digits.test.x)); pred = logits.argmax(1); y = digits.test.y
print("f1 macro", float(jn.metrics.f1(pred, y, num_classes=10, average="macro")),
      skm.f1_score(y, pred, average="macro"))
print("top-3   ", float(jn.metrics.top_k_accuracy(logits, y, k=3)),
      skm.top_k_accuracy_score(y, logits, k=3))'''),
]
NOTEBOOKS["05_regularization_evaluation"] = notebook(
    "Regularization and evaluation",
    "Fighting overfitting, and measuring a model honestly: k-fold cross-validation, "
    "exact AUC-ROC, ROC and precision-recall curves, the full report with a confusion matrix.",
    [*REGULARIZATION_05, *EVALUATION_05],
)


def main() -> None:
    for name, nb in NOTEBOOKS.items():
        nbformat.write(nb, HERE / f"{name}.ipynb")
        print("wrote", HERE / f"{name}.ipynb")


if __name__ == "__main__":
    main()
