"""Callbacks: host-side hooks run between compiled epochs.

The protocol is small. A callback subclasses :class:`Callback` and overrides
any of these; each receives the :class:`~jaxnets.train.fit.Trainer`, whose
``state`` (the ``TrainState``), ``history`` and ``stop_training`` it may read
and change::

    check(trainer)                      # every callback's, before any other hook: raise
                                        # on bad arguments before anything is written
    on_train_begin(trainer)             # before the first epoch
    on_epoch_end(trainer, epoch, logs)  # logs: host floats of this epoch (loss, metrics,
                                        # val_*, lr, time); setting trainer.stop_training
                                        # ends training after this epoch
    on_train_end(trainer)               # always runs, also after an exception

Callbacks never run inside compiled code: the epoch is one compiled program
(or a few compiled chunks) and callbacks see plain Python floats after it. A
callback that changes ``trainer.state`` (restoring weights, lowering an
injected learning rate) does so between epochs, without recompiling.
``state_dict``/``load_state_dict`` let a checkpoint save and restore a
callback's counters, so a resumed run stops where the uninterrupted one would:
``on_train_begin`` resets the counters and a resuming engine loads the saved
ones after it.

Every N steps: a callback whose ``step_interval`` is N also gets
``on_steps_end(trainer, position)`` between compiled chunks of at most N steps
(``fit`` cuts each epoch at the smallest interval any callback asks for;
``position`` is the number of batches done in the current epoch, and
``trainer.state`` is the state after them; the epoch's end is ``on_epoch_end``'s).
Hooks run in list order; the progress bar ``fit(verbose=True)`` adds runs last.
"""

from __future__ import annotations

import csv
import math
import os
import socket
import struct
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jax
import jax.numpy as jnp
import numpy as np

if TYPE_CHECKING:
    from jaxnets.train.fit import Trainer

Logs = dict[str, float]


class Callback:
    """Base class; override the hooks you need. ``state_dict``/``load_state_dict`` let
    checkpointing save and restore a callback's counters."""

    def check(self, trainer: Trainer) -> None:
        """Raise a clear error if this callback cannot work with ``trainer`` (runs for every
        callback before any ``on_train_begin``, so nothing is written on bad input)."""

    def on_train_begin(self, trainer: Trainer) -> None:
        pass

    step_interval: int | None = None  # N: also call on_steps_end at most every N steps

    def on_steps_end(self, trainer: Trainer, position: int) -> None:
        pass

    def on_epoch_end(self, trainer: Trainer, epoch: int, logs: Logs) -> None:
        pass

    def on_train_end(self, trainer: Trainer) -> None:
        pass

    def state_dict(self) -> dict[str, Any]:
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        pass


def _format(logs: Logs, keys: int = 6) -> dict[str, str]:
    return {k: f"{v:.4g}" for k, v in list(logs.items())[:keys]}


def _scalars(logs: dict[str, Any]) -> Logs:
    """The scalar entries of ``logs`` (drops arrays such as confusion matrices)."""
    return {k: float(v) for k, v in logs.items() if np.ndim(v) == 0}


class ProgressBar(Callback):
    """A tqdm bar over epochs (notebook-aware via ``tqdm.auto``) with the latest metrics.

    Args:
      leave: keep the finished bar on screen.
      keys: the log entries to show (default: the first six besides ``epoch``/``time``).
    """

    def __init__(self, leave: bool = True, keys: Sequence[str] | None = None):
        self.leave = leave
        self.keys = None if keys is None else tuple(keys)
        self._bar = None

    def on_train_begin(self, trainer: Trainer) -> None:
        from tqdm.auto import tqdm

        self._bar = tqdm(total=trainer.epochs, initial=trainer.initial_epoch, unit="epoch",
                         leave=self.leave, dynamic_ncols=True)

    def on_epoch_end(self, trainer: Trainer, epoch: int, logs: Logs) -> None:
        if self._bar is None:
            return
        logs = _scalars(logs)
        if self.keys is not None:
            shown = {k: logs[k] for k in self.keys if k in logs}
        else:
            shown = {k: v for k, v in logs.items() if k not in ("epoch", "time")}
        self._bar.set_postfix(_format(shown), refresh=False)
        self._bar.update(1)

    def on_train_end(self, trainer: Trainer) -> None:
        if self._bar is None:
            return
        if trainer.stop_training:  # say why the bar ends short of its total
            self._bar.set_description_str(f"stopped after epoch {trainer.epoch + 1}")
        self._bar.close()
        self._bar = None


# --- monitoring a logged value -------------------------------------------------------------

MODES = ("auto", "min", "max")
# Metric names (after a "val_" prefix) that are better when larger.
_MAXIMISED = ("acc", "accuracy", "auc", "f1", "precision", "recall", "top", "r2", "pr_auc")


def resolve_mode(mode: str, monitor: str) -> str:
    """``"min"``/``"max"``; ``"auto"`` maximises accuracy-like names and minimises the rest."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, found {mode!r}")
    if mode != "auto":
        return mode
    name = monitor.removeprefix("val_")
    return "max" if any(name.startswith(p) for p in _MAXIMISED) else "min"


def _check_nonneg(name: str, value: Any, integer: bool = False) -> None:
    kinds = (int, np.integer) if integer else (int, float, np.integer, np.floating)
    if isinstance(value, bool) or not isinstance(value, kinds) or not value >= 0 \
            or not math.isfinite(value):
        kind = "int" if integer else "number"
        raise ValueError(f"{name} must be a finite {kind} >= 0, found {value!r}")


class _Monitor:
    """Tracks the best value of one logged quantity with a ``min_delta`` margin."""

    def __init__(self, monitor: str, mode: str, min_delta: float):
        if not isinstance(monitor, str) or not monitor:
            raise ValueError(f"monitor must be the name of a logged value, found {monitor!r}")
        _check_nonneg("min_delta", min_delta)
        self.monitor, self.mode, self.min_delta = monitor, resolve_mode(mode, monitor), min_delta

    def check_available(self, trainer: Trainer, who: str) -> None:
        if self.monitor.startswith("val_") and trainer.validation_data is None:
            raise ValueError(f"{who} monitors {self.monitor!r}, which needs validation data; "
                             "pass fit(..., validation=...) or monitor a training value")

    def value(self, logs: Logs, who: str) -> float:
        if self.monitor not in logs:
            raise ValueError(f"{who} monitors {self.monitor!r}, which is not logged; "
                             f"logged values: {sorted(logs)}")
        return float(logs[self.monitor])

    def worst(self) -> float:
        return math.inf if self.mode == "min" else -math.inf

    def improves(self, current: float, best: float) -> bool:
        """``current < best - min_delta`` (min) or ``current > best + min_delta`` (max)."""
        if not math.isfinite(current):
            return False
        if self.mode == "min":
            return current < best - self.min_delta
        return current > best + self.min_delta


def _copy_tree(tree: Any) -> Any:
    # A real copy: the live state's buffers may be donated to a later compiled epoch.
    return jax.tree_util.tree_map(jnp.copy, tree)


class EarlyStopping(Callback):
    """Stop when a monitored value has not improved for ``patience`` epochs.

    After each epoch, the value improves when it beats the best so far by more
    than ``min_delta`` (``current < best - min_delta`` in mode ``"min"``,
    ``current > best + min_delta`` in mode ``"max"``; NaN never improves).
    The best starts at ``baseline`` when given (so training stops after
    ``patience`` epochs that never beat it), else at +-infinity. Each epoch
    without improvement increments a counter; training stops at the epoch where
    it reaches ``patience`` (so with patience ``p`` and the last improvement at
    epoch ``e``, the last epoch run is ``e + p``).

    With ``restore_best_weights`` the parameters and model state (batch
    statistics) of the best epoch are put back into ``trainer.state`` when
    training ends, whether it stopped early or ran out of epochs (and only if
    some epoch improved). The history keeps every epoch that ran.

    Args:
      monitor: a logged name (``"val_loss"``, ``"val_accuracy"``, ``"loss"``, ...).
      mode: ``"min"``, ``"max"`` or ``"auto"`` (max for accuracy-like names).
      patience: epochs without improvement before stopping (>= 1).
      min_delta: the margin an improvement must exceed (>= 0).
      restore_best_weights: put the best epoch's weights back at the end.
      baseline: a value the monitored quantity must beat.
    """

    def __init__(self, monitor: str = "val_loss", mode: str = "auto", patience: int = 5,
                 min_delta: float = 0.0, restore_best_weights: bool = False,
                 baseline: float | None = None):
        self._monitor = _Monitor(monitor, mode, min_delta)
        _check_nonneg("patience", patience, integer=True)
        if patience < 1:
            raise ValueError(f"patience must be an int >= 1, found {patience}")
        if baseline is not None and (isinstance(baseline, bool) or not isinstance(
                baseline, int | float | np.integer | np.floating) or not math.isfinite(baseline)):
            raise ValueError(f"baseline must be a finite number or None, found {baseline!r}")
        self.monitor, self.mode = monitor, self._monitor.mode
        self.patience, self.min_delta = int(patience), float(min_delta)
        self.restore_best_weights, self.baseline = restore_best_weights, baseline
        self._reset()

    def _reset(self) -> None:
        self.best = self._monitor.worst() if self.baseline is None else float(self.baseline)
        self.best_epoch: int | None = None
        self.wait = 0
        self.stopped_epoch: int | None = None
        self.best_weights: tuple[Any, Any] | None = None

    def check(self, trainer: Trainer) -> None:
        self._monitor.check_available(trainer, "EarlyStopping")

    def on_train_begin(self, trainer: Trainer) -> None:
        self._reset()  # a resumed run loads the saved counters after this

    def on_epoch_end(self, trainer: Trainer, epoch: int, logs: Logs) -> None:
        current = self._monitor.value(logs, "EarlyStopping")
        if self._monitor.improves(current, self.best):
            self.best, self.best_epoch, self.wait = current, epoch, 0
            if self.restore_best_weights:
                self.best_weights = _copy_tree((trainer.state.params, trainer.state.model_state))
            return
        self.wait += 1
        if self.wait >= self.patience:
            self.stopped_epoch = epoch
            trainer.stop_training = True

    def on_train_end(self, trainer: Trainer) -> None:
        if self.restore_best_weights and self.best_weights is not None:
            params, model_state = self.best_weights
            trainer.state = trainer.state.replace(params=params, model_state=model_state)

    def state_dict(self) -> dict[str, Any]:
        return {"best": self.best, "best_epoch": self.best_epoch, "wait": self.wait,
                "stopped_epoch": self.stopped_epoch}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.best, self.best_epoch = float(state["best"]), state["best_epoch"]
        self.wait, self.stopped_epoch = int(state["wait"]), state["stopped_epoch"]


class TerminateOnNaN(Callback):
    """Stop training after an epoch whose loss (or any of ``monitor``) is NaN or infinite.

    With ``fit(skip_nonfinite=True)`` (the default) non-finite steps are skipped
    and counted in ``state.skipped``; ``max_skipped`` also stops training once
    more than that many updates have been skipped in total.
    """

    def __init__(self, monitor: Sequence[str] = ("loss",), max_skipped: int | None = None):
        self.monitor = (monitor,) if isinstance(monitor, str) else tuple(monitor)
        if max_skipped is not None:
            _check_nonneg("max_skipped", max_skipped, integer=True)
        self.max_skipped = max_skipped
        self.stopped_epoch: int | None = None
        self.reason = ""

    def on_epoch_end(self, trainer: Trainer, epoch: int, logs: Logs) -> None:
        bad = [k for k in self.monitor if k in logs and not np.all(np.isfinite(logs[k]))]
        skipped = int(np.max(np.asarray(trainer.state.skipped)))
        if bad:
            self.reason = f"non-finite {', '.join(bad)} at epoch {epoch}"
        elif self.max_skipped is not None and skipped > self.max_skipped:
            self.reason = f"{skipped} skipped updates by epoch {epoch} (max {self.max_skipped})"
        else:
            return
        self.stopped_epoch = epoch
        trainer.stop_training = True


class CSVLogger(Callback):
    """Append one row per epoch (``epoch`` then every scalar log) to a CSV file.

    The columns are those of the first epoch logged; a later epoch missing one
    leaves it empty. With ``append`` an existing file is continued (its header
    kept), else it is overwritten. The file is flushed after every row.
    """

    def __init__(self, path: str | os.PathLike, separator: str = ",", append: bool = False):
        if not isinstance(separator, str) or len(separator) != 1:
            raise ValueError(f"separator must be one character, found {separator!r}")
        self.path, self.separator, self.append = Path(path), separator, append
        if self.path.exists() and self.path.is_dir():
            raise ValueError(f"path must be a file, found the directory {str(self.path)!r}")
        self._file = None
        self._writer: Any = None
        self._columns: list[str] | None = None

    def on_train_begin(self, trainer: Trainer) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._columns = None
        if self.append and self.path.exists() and self.path.stat().st_size > 0:
            with open(self.path, newline="") as f:
                self._columns = next(csv.reader(f, delimiter=self.separator), None)
        self._file = open(self.path, "a" if self.append else "w", newline="")  # noqa: SIM115
        self._writer = csv.writer(self._file, delimiter=self.separator)

    def on_epoch_end(self, trainer: Trainer, epoch: int, logs: Logs) -> None:
        row = {"epoch": epoch, **_scalars(logs)}
        if self._columns is None:
            self._columns = list(row)
            self._writer.writerow(self._columns)
        self._writer.writerow([_csv_value(row.get(c)) for c in self._columns])
        self._file.flush()

    def on_train_end(self, trainer: Trainer) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


def _csv_value(v: Any) -> str:
    if v is None:
        return ""
    return str(v) if isinstance(v, int) else repr(float(v))


# --- TensorBoard event files, written without TensorFlow ----------------------------------
# An event file is a sequence of TFRecords: [len: u64][masked crc32c(len): u32]
# [data][masked crc32c(data): u32], each data an ``Event`` protocol buffer:
# wall_time (field 1, double), step (2, int64), file_version (3, string) or
# summary (5, Summary{value (1): Value{tag (1, string), simple_value (2, float)}}).


def _crc32c_table() -> list[int]:
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


_CRC_TABLE = _crc32c_table()


def crc32c(data: bytes) -> int:
    """CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), as TFRecord framing uses."""
    c = 0xFFFFFFFF
    for b in data:
        c = _CRC_TABLE[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def masked_crc32c(data: bytes) -> int:
    """TFRecord's masked CRC: ``((crc >> 15) | (crc << 17)) + 0xa282ead8`` mod 2^32."""
    c = crc32c(data)
    return (((c >> 15) | (c << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def _varint(n: int) -> bytes:
    out = bytearray()
    n &= (1 << 64) - 1
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _field(number: int, wire: int, payload: bytes) -> bytes:
    key = _varint((number << 3) | wire)
    if wire == 2:
        return key + _varint(len(payload)) + payload
    return key + payload


def encode_event(wall_time: float, step: int, *, file_version: str | None = None,
                 scalars: dict[str, float] | None = None) -> bytes:
    """One serialized ``tensorflow.Event`` with a file version or scalar summaries."""
    body = _field(1, 1, struct.pack("<d", wall_time)) + _field(2, 0, _varint(step))
    if file_version is not None:
        body += _field(3, 2, file_version.encode())
    if scalars:
        values = b"".join(
            _field(1, 2, _field(1, 2, tag.encode()) + _field(2, 5, struct.pack("<f", value)))
            for tag, value in scalars.items()
        )
        body += _field(5, 2, values)
    return body


def tfrecord(data: bytes) -> bytes:
    """``data`` framed as one TFRecord."""
    header = struct.pack("<Q", len(data))
    return (header + struct.pack("<I", masked_crc32c(header)) + data
            + struct.pack("<I", masked_crc32c(data)))


class TensorBoard(Callback):
    """Write every scalar log as a TensorBoard scalar (step = epoch) without TensorFlow.

    Training values go to ``log_dir/train`` and ``val_*`` values (prefix dropped)
    to ``log_dir/validation``, so TensorBoard overlays ``loss`` and ``val_loss``.
    Files are ``events.out.tfevents.<time>.<host>`` in the standard format.
    """

    def __init__(self, log_dir: str | os.PathLike):
        self.log_dir = Path(log_dir)
        if self.log_dir.exists() and not self.log_dir.is_dir():
            raise ValueError(f"log_dir must be a directory, found the file {str(log_dir)!r}")
        self._files: dict[str, Any] = {}

    def _open(self, run: str) -> Any:
        if run not in self._files:
            folder = self.log_dir / run
            folder.mkdir(parents=True, exist_ok=True)
            now = time.time()
            name = f"events.out.tfevents.{int(now)}.{socket.gethostname()}.{os.getpid()}"
            f = open(folder / name, "ab")  # noqa: SIM115 - closed in on_train_end
            f.write(tfrecord(encode_event(now, 0, file_version="brain.Event:2")))
            self._files[run] = f
        return self._files[run]

    def on_train_begin(self, trainer: Trainer) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)

    def on_epoch_end(self, trainer: Trainer, epoch: int, logs: Logs) -> None:
        scalars = {k: v for k, v in _scalars(logs).items() if math.isfinite(v)}
        runs = {"train": {k: v for k, v in scalars.items() if not k.startswith("val_")},
                "validation": {k[4:]: v for k, v in scalars.items() if k.startswith("val_")}}
        for run, values in runs.items():
            if values:
                f = self._open(run)
                f.write(tfrecord(encode_event(time.time(), epoch, scalars=values)))
                f.flush()

    def on_train_end(self, trainer: Trainer) -> None:
        for f in self._files.values():
            f.close()
        self._files = {}


class LambdaCallback(Callback):
    """A callback from plain functions, e.g. a checkpoint hook::

        LambdaCallback(on_epoch_end=lambda trainer, epoch, logs: save(trainer.state))
    """

    def __init__(self, on_train_begin: Callable[[Trainer], None] | None = None,
                 on_epoch_end: Callable[[Trainer, int, Logs], None] | None = None,
                 on_train_end: Callable[[Trainer], None] | None = None):
        for name, fn in (("on_train_begin", on_train_begin), ("on_epoch_end", on_epoch_end),
                         ("on_train_end", on_train_end)):
            if fn is not None and not callable(fn):
                raise TypeError(f"{name} must be callable or None, found {type(fn).__name__}")
        self._begin, self._epoch, self._end = on_train_begin, on_epoch_end, on_train_end

    def on_train_begin(self, trainer: Trainer) -> None:
        if self._begin is not None:
            self._begin(trainer)

    def on_epoch_end(self, trainer: Trainer, epoch: int, logs: Logs) -> None:
        if self._epoch is not None:
            self._epoch(trainer, epoch, logs)

    def on_train_end(self, trainer: Trainer) -> None:
        if self._end is not None:
            self._end(trainer)


__all__ = [
    "CSVLogger",
    "Checkpoint",
    "Callback",
    "EarlyStopping",
    "LambdaCallback",
    "ProgressBar",
    "ReduceLROnPlateau",
    "TensorBoard",
    "TerminateOnNaN",
    "crc32c",
    "encode_event",
    "masked_crc32c",
    "resolve_mode",
    "tfrecord",
]
from jaxnets.train._plateau import ReduceLROnPlateau as ReduceLROnPlateau  # noqa: E402
from jaxnets.train.checkpoint import Checkpoint as Checkpoint  # noqa: E402
