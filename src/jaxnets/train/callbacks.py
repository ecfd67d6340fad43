"""Callbacks: host-side hooks run between compiled epochs.

The protocol is small. A callback subclasses :class:`Callback` and overrides
any of these; each receives the :class:`Trainer`, whose ``state`` (the
``TrainState``), ``history`` and ``stop_training`` it may read and change::

    on_train_begin(trainer)
    on_epoch_end(trainer, epoch, logs)  # logs: host floats for this epoch
    on_train_end(trainer)

Callbacks never run inside compiled code: they see plain Python floats.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jaxnets.train.fit import Trainer


class Callback:
    """Base class; override the hooks you need. ``state_dict``/``load_state_dict`` let
    checkpointing save and restore a callback's counters."""

    def on_train_begin(self, trainer: Trainer) -> None:
        pass

    def on_epoch_end(self, trainer: Trainer, epoch: int, logs: dict[str, float]) -> None:
        pass

    def on_train_end(self, trainer: Trainer) -> None:
        pass

    def state_dict(self) -> dict[str, Any]:
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        pass


def _format(logs: dict[str, float], keys: int = 6) -> dict[str, str]:
    return {k: f"{v:.4g}" for k, v in list(logs.items())[:keys]}


class ProgressBar(Callback):
    """A tqdm bar over epochs (notebook-aware via ``tqdm.auto``) with the latest metrics."""

    def __init__(self, leave: bool = True):
        self.leave = leave
        self._bar = None

    def on_train_begin(self, trainer: Trainer) -> None:
        from tqdm.auto import tqdm

        self._bar = tqdm(total=trainer.epochs, initial=trainer.initial_epoch, unit="epoch",
                         leave=self.leave, dynamic_ncols=True)

    def on_epoch_end(self, trainer: Trainer, epoch: int, logs: dict[str, float]) -> None:
        if self._bar is not None:
            shown = {k: v for k, v in logs.items() if k not in ("epoch", "time")}
            self._bar.set_postfix(_format(shown), refresh=False)
            self._bar.update(1)

    def on_train_end(self, trainer: Trainer) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


__all__ = ["Callback", "ProgressBar"]
from jaxnets.train.checkpoint import Checkpoint  # noqa: E402,F401  (ckpt: re-export)
