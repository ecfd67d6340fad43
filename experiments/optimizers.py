"""Compare optimizers: SGD, momentum, RMSprop, Adam and AdaBound on the same network,
data and seed (the chapter's "compare optimizers" exercise).

Command: ``python -m experiments.optimizers`` (``--quick`` for a seconds-long run).
Expected (digits, MLP 64-10, 30 epochs, batch 64, seed 0, under a minute on 2 CPU
cores): momentum, RMSprop, Adam and AdaBound reach the target training loss of 0.2 in
about 17-22 epochs (final train loss 0.11-0.14); plain SGD at lr 0.05 is the slowest and
does not reach it in 30 epochs (0.21). All end at 96-97% validation accuracy. Writes
runs/optimizers/results.json, loss_curves.png and val_loss_curves.png.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence

import numpy as np
import optax

import jaxnets as jn
from experiments._common import parser, print_table, save_json

OPTIMIZERS: dict[str, Callable[[], optax.GradientTransformation]] = {
    "SGD (lr 0.05)": lambda: jn.optim.sgd(0.05),
    "momentum (lr 0.01, 0.9)": lambda: jn.optim.momentum(0.01, 0.9),
    "RMSprop (lr 1e-3)": lambda: jn.optim.rmsprop(1e-3),
    "Adam (lr 1e-3)": lambda: jn.optim.adam(1e-3),
    "AdaBound (lr 1e-3, final 0.1)": lambda: jn.optim.adabound(1e-3, final_lr=0.1),
}


def epochs_to_reach(losses: Sequence[float], target: float) -> int | None:
    """The first epoch (1-based) whose training loss is <= ``target``; None if never."""
    hits = np.flatnonzero(np.asarray(losses) <= target)
    return int(hits[0]) + 1 if hits.size else None


def main(argv: list[str] | None = None) -> dict:
    p = parser("optimizers", "SGD, momentum, RMSprop, Adam and AdaBound on the same MLP and data.")
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--hidden", type=int, nargs="+", default=[64])
    p.add_argument("--target", type=float, default=0.2, help="target training loss (default 0.2)")
    args = p.parse_args(argv)
    epochs = 3 if args.quick else args.epochs

    data = jn.data.load("digits", seed=args.seed)
    model = jn.nn.MLP((*args.hidden, data.num_classes), activation="relu", kernel_init="he_normal")
    rows, curves, val_curves = [], {}, {}
    for name, make in OPTIMIZERS.items():
        r = jn.fit(model, make(), data.train, validation=data.val, loss="cross_entropy",
                   epochs=epochs, batch_size=args.batch_size, seed=args.seed,
                   verbose=not args.no_progress)
        h = r.history
        curves[name], val_curves[name] = h["loss"], h["val_loss"]
        reached = epochs_to_reach(h["loss"], args.target)
        rows.append({"optimizer": name, "train loss": h["loss"][-1], "val loss": h["val_loss"][-1],
                     "val accuracy": h["val_accuracy"][-1],
                     f"epochs to loss {args.target:g}": reached if reached else f"> {epochs}",
                     "s/epoch": float(np.median(h["time"]))})
    print_table(f"optimizers on digits, MLP {args.hidden}, {epochs} epochs, seed {args.seed}", rows)
    jn.viz.plot_curves(curves, args.out / "loss_curves.png", ylabel="training loss", logy=True,
                       title="training loss per optimizer")
    jn.viz.plot_curves(val_curves, args.out / "val_loss_curves.png", ylabel="validation loss",
                       logy=True, title="validation loss per optimizer")
    results = {"args": vars(args) | {"out": str(args.out)}, "rows": rows, "train_loss": curves,
               "val_loss": val_curves}
    path = save_json(args.out, results)
    print(f"\nwrote {path}, {args.out / 'loss_curves.png'} and {args.out / 'val_loss_curves.png'}")
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
