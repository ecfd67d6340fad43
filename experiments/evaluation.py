"""Evaluation: 5-fold cross-validation on breast cancer, and a full report on digits.

Command: ``python -m experiments.evaluation`` (``--quick`` for a seconds-long run).

1. A binary MLP classifier on the embedded breast-cancer data (train + validation
   pooled, test held out), stratified 5-fold cross-validation with standardisation
   fitted on each fold's training part: accuracy, precision, recall, F1 and exact
   AUC-ROC, mean +- std over folds, and the ROC curve of the pooled out-of-fold scores.
2. An MLP on digits: the full test report (accuracy, macro precision / recall / F1,
   one-vs-rest AUC-ROC, per-class rows, confusion matrix), with confusion-matrix,
   per-class ROC and precision-recall plots.

Expected (full run, seed 0, measured): breast cancer 0.981 +- 0.004 accuracy,
0.985 +- 0.003 F1 and 0.996 +- 0.005 AUC-ROC over the folds; digits 0.974 test
accuracy, 0.974 macro F1, 0.999 one-vs-rest AUC-ROC.
Writes runs/evaluation/results.json and the PNGs listed at the end of the run.
"""

from __future__ import annotations

import sys

import numpy as np

import jaxnets as jn
from experiments._common import parser, print_table, save_json

CV_METRICS = ("accuracy", "precision", "recall", "f1", "auc")


def cross_validation(args, epochs: int) -> dict:
    """Stratified k-fold on breast cancer; returns the table rows and writes the ROC plot."""
    data = jn.data.load("breast_cancer", seed=args.seed, standardize=False)
    model = jn.nn.MLP((16, 2), activation="relu", kernel_init="he_normal")
    cv = jn.cross_validate(model, jn.optim.adam(args.lr), data, k=args.folds,
                           loss="cross_entropy", metrics=CV_METRICS, epochs=epochs,
                           batch_size=32, seed=args.seed, verbose=not args.no_progress)
    rows = [{"metric": m, "mean": cv.mean[m], "std": cv.std[m],
             **{f"fold {i}": f[m] for i, f in enumerate(cv.folds)}} for m in CV_METRICS]
    print_table(f"breast cancer: {args.folds}-fold stratified cross-validation "
                f"({len(cv.labels)} examples, test split held out)", rows)
    jn.viz.plot_roc_curves(cv.outputs, cv.labels, args.out / "roc_breast_cancer.png",
                           class_names=data.class_names,
                           title=f"breast cancer, out-of-fold ROC ({args.folds} folds)")
    pooled_auc = float(jn.metrics.auc_roc(cv.outputs, cv.labels, from_logits=True))
    return {"folds": cv.folds, "mean": cv.mean, "std": cv.std, "rows": rows,
            "pooled_out_of_fold_auc": pooled_auc}


def digits_report(args, epochs: int) -> dict:
    """Train on digits and report every metric on the test split, with plots."""
    data = jn.data.load("digits", seed=args.seed)
    model = jn.nn.MLP((128, 64, data.num_classes), activation="relu", kernel_init="he_normal")
    result = jn.fit(model, jn.optim.adam(args.lr), data.train, validation=data.val,
                    metrics=("accuracy", "f1", "auc"), epochs=epochs, batch_size=64,
                    seed=args.seed, verbose=not args.no_progress)
    report = jn.evaluate(result.state, data.test, class_names=data.class_names)
    print(f"\ndigits test report ({len(data.test)} examples)\n{report}")
    logits = np.asarray(jn.predict(result.state, data.test.x))
    jn.viz.plot_confusion_matrix(report["confusion_matrix"], args.out / "confusion_digits.png",
                                 class_names=data.class_names, title="digits, test split")
    jn.viz.plot_roc_curves(logits, data.test.y, args.out / "roc_digits.png",
                           class_names=data.class_names, title="digits, one-vs-rest ROC")
    jn.viz.plot_pr_curves(logits, data.test.y, args.out / "pr_digits.png",
                          class_names=data.class_names, title="digits, precision-recall")
    jn.viz.plot_history(result.history, args.out / "learning_curves_digits.png",
                        metrics=("loss", "accuracy", "f1", "auc"), title="digits MLP")
    return {"report": dict(report), "history": result.history}


def main(argv: list[str] | None = None) -> dict:
    p = parser("evaluation", "Cross-validation on breast cancer and a full report on digits.")
    p.add_argument("--epochs", type=int, default=40)
    p.add_argument("--folds", type=int, default=5)
    p.add_argument("--lr", type=float, default=3e-3)
    args = p.parse_args(argv)
    if args.folds < 2:
        p.error(f"--folds must be >= 2, found {args.folds}")
    if args.epochs < 1:
        p.error(f"--epochs must be >= 1, found {args.epochs}")
    epochs = 2 if args.quick else args.epochs
    results = {"args": vars(args) | {"out": str(args.out)},
               "cross_validation": cross_validation(args, epochs),
               "digits": digits_report(args, epochs)}
    path = save_json(args.out, results)
    pngs = ", ".join(sorted(str(f.name) for f in args.out.glob("*.png")))
    print(f"\nwrote {path} and {pngs} in {args.out}")
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
