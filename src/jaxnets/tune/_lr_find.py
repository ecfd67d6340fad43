"""Learning-rate range test with every candidate rate trained at once (a vmapped population).

The classic range test (Smith, 2017, "Cyclical Learning Rates for Training
Neural Networks") raises the rate step by step within one run. With a
population, each candidate rate instead trains its own copy of the same
initial model for the same short budget, all in one compiled program, so the
curve is not blurred by the history of earlier, smaller rates.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import flax.linen as nn
import numpy as np
import optax

from jaxnets.data._types import Split
from jaxnets.train._checks import as_split
from jaxnets.train.fit import evaluate, to_device
from jaxnets.tune._population import log_grid, population, take


@dataclass
class LRFindResult:
    """Candidate ``lrs``, the loss each reached (``inf`` if it diverged) and the suggestion.

    ``suggested`` is the rate with the lowest loss after the budget; ``initial_loss`` is the
    loss before training (the same model for every rate).
    """

    lrs: np.ndarray
    losses: np.ndarray
    suggested: float
    initial_loss: float
    info: dict[str, Any] = field(default_factory=dict)

    def plot(self, path: str | os.PathLike | None = None, title: str | None = None):
        """Loss against learning rate (log axis), the suggestion marked."""
        from jaxnets.viz import _save, plt

        fig, ax = plt.subplots(figsize=(5.5, 3.8))
        finite = np.isfinite(self.losses)
        ax.plot(self.lrs[finite], self.losses[finite], "o-", label="loss after the budget")
        if (~finite).any():
            top = np.nanmax(self.losses[finite]) if finite.any() else self.initial_loss
            ax.plot(self.lrs[~finite], np.full((~finite).sum(), top), "rx", label="diverged")
        ax.axhline(self.initial_loss, color="gray", ls=":", label="initial loss")
        ax.axvline(self.suggested, color="C2", ls="--", label=f"suggested {self.suggested:.2g}")
        ax.set_xscale("log")
        ax.set_xlabel("learning rate")
        ax.set_ylabel("loss")
        ax.legend()
        ax.grid(alpha=0.3)
        if title:
            ax.set_title(title)
        fig.tight_layout()
        return _save(fig, path)


def lr_find(
    model: nn.Module,
    make_optimizer: Callable[[Any], optax.GradientTransformation],
    train: Any,
    validation: Any = None,
    *,
    lrs: Sequence[float] | None = None,
    epochs: int = 1,
    batch_size: int | None = 32,
    seed: int = 0,
    mesh: Any = None,
    **fit_kwargs: Any,
) -> LRFindResult:
    """Train the model once per candidate rate, in parallel, and suggest a rate.

    Args:
      model: the model (every candidate starts from the same initialisation, ``seed``).
      make_optimizer: ``make_optimizer(lr) -> optax transformation``.
      train: the data to train on (a few hundred examples suffice).
      validation: where the loss is measured after training (default: ``train``).
      lrs: candidate rates (default: 16 log-spaced from 1e-5 to 1).
      epochs, batch_size, seed, mesh, fit_kwargs: as in ``Population.fit``.

    Returns:
      ``LRFindResult`` (``.plot(path)`` draws loss against rate).
    """
    lrs = log_grid(1e-5, 1.0, 16) if lrs is None else [float(v) for v in lrs]
    if len(lrs) < 2 or min(lrs) <= 0:
        raise ValueError(f"lrs must hold at least two positive rates, found {lrs!r}")
    pop = population(model, lambda lr: make_optimizer(lr), {"lr": lrs}, mesh=mesh)
    measure = train if validation is None else validation
    result = pop.fit(train, measure, epochs=epochs, batch_size=batch_size, seed=seed,
                     **fit_kwargs)
    losses = np.array([h["val_loss"][-1] for h in result.history], float)
    losses = np.where(np.isfinite(losses), losses, np.inf)
    split = as_split(train, "train")
    x0 = to_device(Split(split.x[:1], split.y[:1]))[0]
    loss = fit_kwargs.get("loss", "cross_entropy")
    start = take(pop.init(x0, seed, loss, result.state.metrics), 0)  # same init for every rate
    initial = evaluate(start, measure, metrics=())["loss"]
    return LRFindResult(np.asarray(lrs), losses, float(lrs[int(np.argmin(losses))]),
                        float(initial), {"epochs": epochs, "time": result.info["time"]})


__all__ = ["LRFindResult", "lr_find"]
