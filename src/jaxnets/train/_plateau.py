"""``ReduceLROnPlateau``: lower the learning rate between epochs when a metric stalls."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import jax
import numpy as np

from jaxnets.optim import get_hyperparam, set_hyperparam
from jaxnets.optim._core import _hyperparam_states
from jaxnets.optim._plateau import (
    PlateauState,
    plateau_config,
    plateau_init,
    plateau_scale,
    plateau_update,
    replace_plateau_scale,
)
from jaxnets.train.callbacks import Callback

if TYPE_CHECKING:
    from jaxnets.train.fit import Trainer

MAX_METRICS = ("accuracy", "auc", "f1", "precision", "recall", "top")


def _auto_mode(monitor: str) -> str:
    name = monitor.removeprefix("val_")
    return "max" if any(name.startswith(m) for m in MAX_METRICS) else "min"


def _lr_is_scheduled(opt_state: Any) -> bool:
    """Whether the injected learning rate is recomputed from a schedule at every step."""
    for s in _hyperparam_states(opt_state):
        if "learning_rate" in getattr(s, "hyperparams_states", {}):
            return True
    return False


class ReduceLROnPlateau(Callback):
    """Multiply the learning rate by ``factor`` when ``monitor`` has not improved for more
    than ``patience`` epochs, then wait ``cooldown`` epochs; never below ``min_lr``.

    ``mode`` is ``"min"`` (losses), ``"max"`` (accuracy, AUC, ...) or ``"auto"`` (from the
    name). Improvement means beating the best by ``min_delta * |best|`` (``"rel"``) or
    ``min_delta`` (``"abs"``), correct for negative values. The optimizer must inject its
    learning rate as a number (every ``jn.optim`` optimizer does); with a schedule, chain
    ``jn.optim.reduce_on_plateau()`` after the optimizer and this callback drives its scale.
    The rate used each epoch is recorded as ``lr`` in the history.
    """

    def __init__(self, monitor: str = "val_loss", factor: float = 0.1, patience: int = 10,
                 mode: str = "auto", min_delta: float = 1e-4, threshold_mode: str = "rel",
                 cooldown: int = 0, min_lr: float = 0.0, verbose: bool = False):
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"mode must be 'auto', 'min' or 'max', found {mode!r}")
        if not isinstance(min_lr, int | float) or not math.isfinite(min_lr) or min_lr < 0:
            raise ValueError(f"min_lr must be a finite number >= 0, found {min_lr!r}")
        self.monitor, self.min_lr, self.verbose = monitor, float(min_lr), verbose
        mode = _auto_mode(monitor) if mode == "auto" else mode
        self.config = plateau_config(factor, patience, cooldown, min_delta, threshold_mode, mode)
        self.initial_lr: float | None = None
        self.uses_scale = False
        self.state: PlateauState = plateau_init(self.config)

    def on_train_begin(self, trainer: Trainer) -> None:
        opt_state = trainer.state.opt_state
        self.uses_scale = plateau_scale(opt_state) is not None
        lr = get_hyperparam(opt_state, "learning_rate")
        if lr is None:
            raise ValueError("ReduceLROnPlateau needs an optimizer that injects its learning rate "
                             "(any jn.optim optimizer, or optax.inject_hyperparams)")
        if not self.uses_scale and _lr_is_scheduled(opt_state):
            raise ValueError("ReduceLROnPlateau cannot change a scheduled learning rate; chain "
                             "jn.optim.reduce_on_plateau() after the optimizer so it can scale it")
        if self.initial_lr is None:
            self.initial_lr = float(np.max(np.asarray(lr)))
        # a population's per-member rates are all scaled together, keeping their ratios
        self._initial_rates = np.asarray(lr) * (self.initial_lr / max(float(np.max(lr)), 1e-30))
        if self.min_lr > self.initial_lr:
            raise ValueError(f"min_lr must be <= the initial learning rate {self.initial_lr}, "
                             f"found {self.min_lr}")
        min_scale = self.min_lr / self.initial_lr if self.initial_lr > 0 else 0.0
        self.config = self.config._replace(min_scale=min_scale)

    def on_epoch_end(self, trainer: Trainer, epoch: int, logs: dict[str, float]) -> None:
        if self.monitor not in logs:
            raise ValueError(f"ReduceLROnPlateau monitors {self.monitor!r}, which is not in the "
                             f"epoch logs; available: {sorted(logs)}")
        old = float(self.state.scale)
        self.state = jax.device_get(plateau_update(self.state, logs[self.monitor], self.config))
        scale = float(self.state.scale)
        if scale == old:
            return
        opt_state = trainer.state.opt_state
        if self.uses_scale:
            opt_state = replace_plateau_scale(opt_state, scale)
        else:
            opt_state = set_hyperparam(opt_state, "learning_rate", self._initial_rates * scale)
        trainer.state = trainer.state.replace(opt_state=opt_state)
        if self.verbose:
            print(f"epoch {epoch + 1}: {self.monitor} plateaued, learning rate "
                  f"{self.initial_lr * old:.3g} -> {self.initial_lr * scale:.3g}")

    def state_dict(self) -> dict[str, Any]:
        return {"initial_lr": self.initial_lr,
                **{k: float(v) for k, v in self.state._asdict().items()}}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.initial_lr = state["initial_lr"]
        self.state = PlateauState(np.float32(state["scale"]), np.float32(state["best"]),
                                  np.int32(state["num_bad"]), np.int32(state["cooldown"]))


__all__ = ["ReduceLROnPlateau"]
