"""Regularization against overfitting: one wide MLP, a small training subset, eight settings.

Command: ``python -m experiments.regularization`` (``--quick`` for a seconds-long run).
A deliberately overfitting setup: 200 training examples of the embedded digits
(8x8), a 512-512 ReLU MLP, Adam, 60 epochs; validation and test are the full
digits validation and test splits. Each setting is trained from the same
initialisation and data order:

none, L1 penalty, L2 penalty, decoupled weight decay, dropout, batch norm,
on-device augmentation (crop with 1-pixel padding, Gaussian noise, cutout; no
flips: a mirrored digit is a different symbol), early stopping (val_loss,
patience 10, best weights restored), and all together.

Prints a table of train / validation / test accuracy (evaluation mode), the
generalisation gap (train - test accuracy) and the epochs run; plots every
setting's validation accuracy and loss (runs/regularization/validation_curves.png)
and writes runs/regularization/results.json. The gaps are whatever the run
measures; measured with seed 0 on CPU (test accuracy, gap train - test):
none 95.9% (4.1 points), L1 95.2 (4.8), L2 95.6 (4.4), weight decay 94.4
(5.6), dropout 95.6 (4.4), batch norm 96.3 (3.7), augmentation 94.4 (2.1;
train 96.5%), early stopping 95.6 (4.4, stopped after 37 epochs), all 87.8
(5.2; train 93%: the combination underfits in 60 epochs). Digits is easy, so
the unregularized gap is small and most regularizers barely move it.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

import jaxnets as jn
from experiments._common import parser, print_table, save_json


def settings(args: Any) -> dict[str, dict[str, Any]]:
    """Name -> (model options, fit options) for each regularizer."""
    augment = jn.augment.compose(jn.augment.random_crop(1), jn.augment.gaussian_noise(0.05),
                                 jn.augment.cutout(2))
    stop = lambda: [jn.callbacks.EarlyStopping("val_loss", patience=args.patience,
                                               restore_best_weights=True)]
    return {
        "none": {},
        "L1": {"fit": {"regularizer": jn.regularization.regularizer(l1=args.l1)}},
        "L2": {"fit": {"regularizer": jn.regularization.regularizer(l2=args.l2)}},
        "weight decay": {"fit": {"weight_decay": args.weight_decay}},
        "dropout": {"model": {"dropout": args.dropout}},
        "batch norm": {"model": {"batch_norm": True}},
        "augmentation": {"fit": {"augment": augment}},
        "early stopping": {"callbacks": stop},
        "all": {"model": {"dropout": args.dropout, "batch_norm": True},
                "fit": {"regularizer": jn.regularization.regularizer(l2=args.l2),
                        "augment": augment},
                "callbacks": stop},
    }


def subset(split: jn.Split, n: int, seed: int) -> jn.Split:
    """``n`` examples drawn without replacement (a fixed, seeded subset)."""
    idx = np.random.default_rng(seed).permutation(len(split.x))[:n]
    return jn.Split(split.x[idx], split.y[idx])


def run_setting(name: str, spec: dict, data: jn.Dataset, train: jn.Split, args: Any) -> tuple:
    model = jn.nn.MLP((*args.hidden, data.num_classes), kernel_init="he_normal",
                      **spec.get("model", {}))
    callbacks = spec["callbacks"]() if "callbacks" in spec else []
    result = jn.fit(model, jn.optim.adam(args.lr), train, validation=data.val,
                    epochs=args.epochs, batch_size=args.batch_size, seed=args.seed,
                    callbacks=callbacks, verbose=False, **spec.get("fit", {}))
    acc = {s: jn.evaluate(result.state, split)["accuracy"]
           for s, split in (("train", train), ("validation", data.val), ("test", data.test))}
    row = {"setting": name, "train acc": acc["train"], "val acc": acc["validation"],
           "test acc": acc["test"], "gap (train-test)": acc["train"] - acc["test"],
           "epochs": result.epochs_run,
           "best val loss": float(np.min(result.history["val_loss"]))}
    return row, result.history


def main(argv: list[str] | None = None) -> dict:
    p = parser("regularization", "Regularizers on a deliberately overfitting MLP (digits subset).")
    p.add_argument("--train-size", type=int, default=200)
    p.add_argument("--epochs", type=int, default=60)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--hidden", type=int, nargs="+", default=[512, 512])
    p.add_argument("--l1", type=float, default=1e-4)
    p.add_argument("--l2", type=float, default=1e-3)
    p.add_argument("--weight-decay", type=float, default=1e-3, help="per-step decay fraction")
    p.add_argument("--dropout", type=float, default=0.5)
    p.add_argument("--patience", type=int, default=10)
    p.add_argument("--only", nargs="+", default=None, help="run only these settings")
    args = p.parse_args(argv)
    if args.quick:
        args.epochs, args.train_size, args.hidden, args.patience, args.lr = 4, 100, [64], 2, 3e-3
    data = jn.data.load("digits", seed=args.seed)
    if not 0 < args.train_size <= len(data.train.x):
        p.error(f"--train-size must be in [1, {len(data.train.x)}], found {args.train_size}")
    train = subset(data.train, args.train_size, args.seed)
    chosen = settings(args)
    if args.only:
        unknown = sorted(set(args.only) - set(chosen))
        if unknown:
            p.error(f"unknown settings {unknown}; expected some of {list(chosen)}")
        chosen = {k: v for k, v in chosen.items() if k in args.only}

    rows, histories = [], {}
    for name, spec in chosen.items():
        if not args.no_progress:
            print(f"training: {name}", flush=True)
        row, histories[name] = run_setting(name, spec, data, train, args)
        rows.append(row)
    print_table(f"MLP {args.hidden} on {args.train_size} digits, up to {args.epochs} epochs", rows)

    fig, axes = jn.viz.plt.subplots(1, 2, figsize=(11, 4))
    for name, h in histories.items():
        epochs = range(1, len(h["val_loss"]) + 1)
        axes[0].plot(epochs, h["val_accuracy"], label=name)
        axes[1].plot(epochs, h["val_loss"], label=name)
    for ax, label in zip(axes, ("validation accuracy", "validation loss"), strict=True):
        ax.set_xlabel("epoch")
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
    axes[1].set_yscale("log")
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    args.out.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.out / "validation_curves.png", dpi=120)
    jn.viz.plt.close(fig)
    results = {"args": vars(args) | {"out": str(args.out)}, "table": rows,
               "histories": histories}
    path = save_json(args.out, results)
    print(f"\nwrote {path} and {args.out / 'validation_curves.png'}")
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
