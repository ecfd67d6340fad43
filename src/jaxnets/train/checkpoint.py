"""Checkpoints with orbax-checkpoint: the ``Checkpoint`` callback, validated restore, resume.

A checkpoint is a directory ``DIR/step_00000123`` written by an orbax
``AsyncCheckpointer``: orbax writes into a temporary sibling and renames it into
place when complete, so a process killed mid-save leaves every earlier
checkpoint intact; leftovers (``step_*.<suffix>``) are ignored and removed.
It holds two items:

- ``arrays``: every leaf of the ``TrainState`` (step, epoch, parameters, model
  state, optimizer state, PRNG key, skip counters) and, for a checkpoint taken
  inside an epoch, the epoch's partial metric states, as a flat dict;
- ``meta``: JSON with the leaf paths, shapes and dtypes (checked on restore:
  orbax would silently cast dtypes), the position in the epoch's data order,
  the history so far, the callbacks' ``state_dict``s and the epoch's logs.

Because the state alone determines the data order (``fold_in(key, epoch)``)
and dropout keys (``fold_in(key, step)``), restoring it and the position gives
a run that is bitwise identical to the uninterrupted one.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jax
import numpy as np

from jaxnets.train.callbacks import Callback
from jaxnets.train.state import TrainState

if TYPE_CHECKING:
    from jaxnets.train.fit import Trainer

FORMAT = "jaxnets-checkpoint"
VERSION = 1
STATE_FIELDS = ("step", "epoch", "params", "model_state", "opt_state", "key", "skipped",
                "nonfinite_streak")
_NAME = re.compile(r"^step_(\d{8,})$")
_LEFTOVER = re.compile(r"^step_\d{8,}\..+$")  # orbax temporaries and our own trash


def _ocp():
    import orbax.checkpoint as ocp  # imported lazily: it is slow to import

    return ocp


# ----------------------------------------------------------------------------- pytrees

def state_tree(state: TrainState) -> dict[str, Any]:
    """The array part of a ``TrainState`` as a dict keyed by field name."""
    return {f: getattr(state, f) for f in STATE_FIELDS}


def leaf_specs(tree: Any) -> list[tuple[str, list[int], str]]:
    """``(path, shape, dtype)`` of every leaf, in flattening order."""
    flat = jax.tree_util.tree_flatten_with_path(tree)[0]
    return [(jax.tree_util.keystr(p), list(np.shape(v)), str(getattr(v, "dtype", None)
                                                             or np.asarray(v).dtype))
            for p, v in flat]


def _flat(tree: Any, prefix: str) -> dict[str, Any]:
    return {f"{prefix}{i:05d}": v for i, v in enumerate(jax.tree_util.tree_leaves(tree))}


def all_finite(tree: Any) -> bool:
    """Whether every floating-point leaf is free of NaN and Inf."""
    for leaf in jax.tree_util.tree_leaves(tree):
        a = np.asarray(jax.device_get(leaf))
        if np.issubdtype(a.dtype, np.inexact) and not np.all(np.isfinite(a)):
            return False
    return True


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray | np.generic) or hasattr(value, "__array__"):
        a = np.asarray(value)
        return a.item() if a.ndim == 0 else a.tolist()
    return value


def check_specs(saved: Sequence, template: Sequence, what: str, path: Path) -> None:
    """A clear error when a checkpoint's leaves differ from the model's in structure,
    shape or dtype (orbax would cast dtypes silently)."""
    saved = [tuple(s) for s in saved]
    names_saved = [s[0] for s in saved]
    names_model = [t[0] for t in template]
    if names_saved != names_model:
        missing = sorted(set(names_model) - set(names_saved))[:5]
        extra = sorted(set(names_saved) - set(names_model))[:5]
        raise ValueError(
            f"checkpoint {path} does not match the model's {what} structure: "
            f"in the model but not the checkpoint {missing}, in the checkpoint but not the "
            f"model {extra} ({len(names_saved)} saved leaves, {len(names_model)} expected)"
        )
    wrong = [(name, shape, dtype, tshape, tdtype)
             for (name, shape, dtype), (_, tshape, tdtype) in zip(saved, template, strict=True)
             if list(shape) != list(tshape) or dtype != tdtype]
    if wrong:  # name a parameter rather than its optimizer moment when both differ
        name, shape, dtype, tshape, tdtype = min(wrong, key=lambda w: "['params']" not in w[0])
        raise ValueError(
            f"checkpoint {path} does not match the model at {what}{name}: expected shape "
            f"{tuple(tshape)} dtype {tdtype}, found shape {tuple(shape)} dtype {dtype} "
            f"({len(wrong)} leaves differ)"
        )


# ----------------------------------------------------------------------------- directory

@dataclass
class Restored:
    """What a checkpoint gives back to ``fit``."""

    state: TrainState
    meta: dict[str, Any]
    path: Path
    epoch_states: Any = None  # partial metric states when taken inside an epoch

    @property
    def position(self) -> int:
        return int(self.meta.get("position", 0))

    @property
    def history(self) -> dict[str, list]:
        return {k: [np.asarray(v) if isinstance(v, list) else v for v in vals]
                for k, vals in self.meta.get("history", {}).items()}


def step_dir(directory: Path, step: int) -> Path:
    return directory / f"step_{step:08d}"


def list_checkpoints(directory: str | os.PathLike) -> list[Path]:
    """Complete checkpoints in ``directory``, oldest first (temporaries are ignored)."""
    directory = Path(directory)
    if not directory.is_dir():
        return []
    found = [(int(m.group(1)), p) for p in directory.iterdir()
             if (m := _NAME.match(p.name)) and p.is_dir()]
    return [p for _, p in sorted(found)]


def clean_leftovers(directory: Path) -> list[Path]:
    """Remove what interrupted saves and deletions left behind; returns what was removed."""
    removed = []
    if directory.is_dir():
        for p in directory.iterdir():
            if _LEFTOVER.match(p.name):
                shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink(missing_ok=True)
                removed.append(p)
    return removed


def remove_checkpoint(path: Path) -> None:
    """Rename out of the namespace first (atomic), then delete: a kill mid-delete
    leaves a leftover, never a half-deleted checkpoint under a valid name."""
    trash = path.with_name(path.name + ".deleting")
    os.replace(path, trash)
    shutil.rmtree(trash, ignore_errors=True)


def read_meta(path: Path) -> dict[str, Any]:
    """The JSON metadata of one checkpoint, with a clear error when it is unreadable."""
    file = path / "meta" / "metadata"
    try:
        meta = json.loads(file.read_text())
    except (OSError, ValueError) as e:
        raise ValueError(
            f"checkpoint {path} is corrupt or incomplete: cannot read {file} "
            f"({type(e).__name__}: {e}); delete it to fall back to an earlier one"
        ) from e
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ValueError(f"{path} is not a jaxnets checkpoint (format {FORMAT!r} expected in "
                         f"{file})")
    if meta.get("version", 0) > VERSION:
        raise ValueError(f"checkpoint {path} has format version {meta.get('version')}; this "
                         f"jaxnets reads up to {VERSION}")
    return meta


def resolve_path(path: str | os.PathLike) -> Path:
    """A checkpoint directory itself, or the latest checkpoint inside a run directory."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"checkpoint path {path} does not exist")
    if (path / "meta").is_dir() or _NAME.match(path.name):
        return path
    found = list_checkpoints(path)
    if not found:
        raise FileNotFoundError(f"no checkpoint (step_NNNNNNNN directory) in {path}")
    return found[-1]


def _abstract(leaf: Any) -> jax.ShapeDtypeStruct:
    sharding = getattr(leaf, "sharding", None)
    if sharding is None:
        sharding = jax.sharding.SingleDeviceSharding(jax.devices()[0])
    return jax.ShapeDtypeStruct(np.shape(leaf), leaf.dtype, sharding=sharding)


def restore(path: str | os.PathLike, like: TrainState, epoch_states: Any = None) -> Restored:
    """Restore a checkpoint onto ``like`` (a freshly initialised state of the same model),
    placed with ``like``'s shardings (so a different device count works).

    Structure, shapes and dtypes are checked against ``like`` before any array is read.
    """
    if not isinstance(like, TrainState):
        raise TypeError(f"like must be a TrainState, found {type(like).__name__}")
    path = resolve_path(path)
    meta = read_meta(path)
    tree = state_tree(like)
    check_specs(meta["state_leaves"], leaf_specs(tree), "state", path)
    targets = {k: _abstract(v) for k, v in _flat(tree, "s").items()}
    partial = meta.get("position", 0) > 0
    if partial and epoch_states is not None:
        check_specs(meta["metric_leaves"], leaf_specs(epoch_states), "metric states", path)
        targets.update({k: _abstract(v) for k, v in _flat(epoch_states, "m").items()})
    elif partial:  # the state alone (load_checkpoint): read the partial metrics as saved
        one = jax.sharding.SingleDeviceSharding(jax.devices()[0])
        targets.update({f"m{i:05d}": jax.ShapeDtypeStruct(tuple(shape), dtype, sharding=one)
                        for i, (_, shape, dtype) in enumerate(meta["metric_leaves"])})
    ocp = _ocp()
    try:
        with ocp.Checkpointer(ocp.CompositeCheckpointHandler()) as ckptr:
            arrays = ckptr.restore(path.absolute(), args=ocp.args.Composite(
                arrays=ocp.args.StandardRestore(targets)))["arrays"]
    except Exception as e:  # noqa: BLE001 - orbax/tensorstore raise many kinds
        raise ValueError(f"checkpoint {path} is corrupt or incomplete: cannot read its arrays "
                         f"({type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}); "
                         "delete it to fall back to an earlier one") from e
    for k, target in targets.items():
        if k not in arrays or arrays[k].dtype != target.dtype or arrays[k].shape != target.shape:
            raise ValueError(f"checkpoint {path}: array {k} is missing or does not match")
    leaves = [arrays[k] for k in sorted(k for k in targets if k.startswith("s"))]
    treedef = jax.tree_util.tree_structure(tree)
    state = like.replace(**jax.tree_util.tree_unflatten(treedef, leaves))
    states = None
    if partial and epoch_states is not None:
        mleaves = [arrays[k] for k in sorted(k for k in targets if k.startswith("m"))]
        states = jax.tree_util.tree_unflatten(jax.tree_util.tree_structure(epoch_states), mleaves)
    return Restored(state, meta, path, states)


def load_checkpoint(path: str | os.PathLike, like: TrainState) -> TrainState:
    """The ``TrainState`` saved at ``path`` (a checkpoint, or a run directory: its latest).

    ``like`` is a state of the same model and optimizer (``TrainState.create``); the
    checkpoint must match its structure, shapes and dtypes exactly.
    """
    return restore(path, like).state


# ----------------------------------------------------------------------------- callback

def _infer_mode(monitor: str) -> str:
    return "min" if "loss" in monitor or "error" in monitor else "max"


@dataclass
class _Saved:
    step: int
    path: Path
    value: float | None = None  # the monitored metric, for epoch-end checkpoints


class Checkpoint(Callback):
    """Save the training state with orbax every ``every`` epochs and/or ``every_steps`` steps.

    Keeps the last ``keep`` checkpoints plus, with ``best="val_loss"`` (any history
    key), the best one by that metric (``mode`` ``"min"``/``"max"``, inferred from
    the name). Saves are asynchronous (training continues while orbax writes) and
    are waited for when training ends, also on error. A state with NaN/Inf values
    is never written (a warning says so). ``fit(..., resume=True)`` continues from
    the latest checkpoint. A fresh (not resumed) run into a directory that already
    holds checkpoints is an error unless ``overwrite=True``, which deletes them first.

    ``every_steps`` saves at the end of the first compiled chunk at or after each
    multiple of the step count; for the ``"scan"`` strategy ``fit`` cuts epochs
    into chunks of at most ``every_steps`` batches so the saves land exactly.
    """

    runs_last = True  # the Trainer runs it after other callbacks, so their state is current

    def __init__(self, directory: str | os.PathLike, *, every: int | None = 1,
                 every_steps: int | None = None, keep: int = 3, best: str | None = None,
                 mode: str | None = None, async_save: bool = True, overwrite: bool = False):
        for name, value in (("every", every), ("every_steps", every_steps)):
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                      or value < 1):
                raise ValueError(f"{name} must be a positive int or None, found {value!r}")
        if every is None and every_steps is None:
            raise ValueError("Checkpoint needs every (epochs) or every_steps, found both None")
        if isinstance(keep, bool) or not isinstance(keep, int) or keep < 1:
            raise ValueError(f"keep must be a positive int, found {keep!r}")
        if mode not in (None, "min", "max"):
            raise ValueError(f"mode must be 'min', 'max' or None (inferred), found {mode!r}")
        if best is not None and not isinstance(best, str):
            raise TypeError(f"best must be a history key such as 'val_loss', found {best!r}")
        self.directory = Path(directory)
        if self.directory.exists() and not self.directory.is_dir():
            raise ValueError(f"directory {self.directory} exists and is not a directory")
        self.every, self.every_steps, self.keep = every, every_steps, keep
        self.best, self.async_save, self.overwrite = best, async_save, overwrite
        self.mode = mode or (_infer_mode(best) if best else "min")
        self._ckptr = None
        self._saved: list[_Saved] = []
        self._last_step = 0
        self.skipped_nonfinite = 0

    # the hook ``fit`` reads to cut epochs into chunks and call ``on_steps_end``
    @property
    def step_interval(self) -> int | None:
        return self.every_steps

    # -- lifecycle -------------------------------------------------------------
    def on_train_begin(self, trainer: Trainer) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        clean_leftovers(self.directory)
        existing = list_checkpoints(self.directory)
        if existing and getattr(trainer, "resume_callbacks", None) is None:
            if not self.overwrite:
                raise ValueError(
                    f"Checkpoint directory {self.directory} already holds {len(existing)} "
                    "checkpoints of an earlier run; pass resume=True to fit to continue it, "
                    "overwrite=True to Checkpoint to replace it, or choose another directory")
            for path in existing:
                remove_checkpoint(path)
        self._saved = []
        for path in list_checkpoints(self.directory):
            try:
                meta = read_meta(path)
            except ValueError:
                continue  # left alone (never deleted) and reported on restore
            value = meta.get("logs", {}).get(self.best) if self.best else None
            self._saved.append(_Saved(int(meta["step"]), path, value))
        self._last_step = max((s.step for s in self._saved), default=0)
        ocp = _ocp()
        handler = ocp.CompositeCheckpointHandler()
        self._ckptr = (ocp.AsyncCheckpointer(handler) if self.async_save
                       else ocp.Checkpointer(handler))

    def _step_due(self, step: int) -> bool:
        """Whether a multiple of ``every_steps`` was crossed since the last save."""
        return bool(self.every_steps) and step // self.every_steps > \
            self._last_step // self.every_steps

    def on_steps_end(self, trainer: Trainer, position: int) -> None:
        if self._step_due(int(trainer.state.step)):
            self.save(trainer, position=position, states=trainer.epoch_states)

    def on_epoch_end(self, trainer: Trainer, epoch: int, logs: dict[str, float]) -> None:
        done = epoch + 1
        # the last epoch is always saved: nothing trained is lost
        by_epoch = done == trainer.epochs or (self.every is not None and done % self.every == 0)
        if by_epoch or self._step_due(int(trainer.state.step)) or trainer.stop_training:
            self.save(trainer, logs=logs)

    def on_train_end(self, trainer: Trainer) -> None:
        self.wait()
        self._prune()
        if self._ckptr is not None:
            self._ckptr.close()
            self._ckptr = None

    # -- saving ----------------------------------------------------------------
    def wait(self) -> None:
        """Block until the last asynchronous save is on disk."""
        if self._ckptr is not None and hasattr(self._ckptr, "wait_until_finished"):
            self._ckptr.wait_until_finished()

    def save(self, trainer: Trainer, *, logs: dict[str, float] | None = None,
             position: int = 0, states: Any = None) -> Path | None:
        """Write the trainer's state (and, inside an epoch, its partial metrics)."""
        state = trainer.state
        step = int(state.step)
        tree = state_tree(state)
        if not all_finite((tree["params"], tree["opt_state"], tree["model_state"])):
            self.skipped_nonfinite += 1
            warnings.warn(f"Checkpoint: the state at step {step} holds NaN/Inf values; "
                          f"not written (the last good checkpoint stays in {self.directory})",
                          RuntimeWarning, stacklevel=2)
            return None
        self.wait()  # one save in flight at a time; the previous one is complete now
        self._prune()
        path = step_dir(self.directory, step)
        if path.exists():  # the same step saved before (a resumed run): identical content
            return path
        meta = self._meta(trainer, state, tree, logs, position, states)
        arrays = _flat(tree, "s")
        if position > 0:
            arrays.update(_flat(states, "m"))
        ocp = _ocp()
        self._ckptr.save(path.absolute(), args=ocp.args.Composite(
            arrays=ocp.args.StandardSave(arrays), meta=ocp.args.JsonSave(meta)))
        value = None if logs is None or self.best is None else logs.get(self.best)
        self._saved.append(_Saved(step, path, None if value is None else float(value)))
        self._last_step = step
        return path

    def _meta(self, trainer: Trainer, state: TrainState, tree: dict, logs: dict | None,
              position: int, states: Any) -> dict[str, Any]:
        callbacks = [{"class": type(cb).__name__, "state": _jsonable(cb.state_dict())}
                     for cb in trainer.callbacks]
        return {
            "format": FORMAT, "version": VERSION,
            "step": int(state.step), "epoch": int(state.epoch), "position": int(position),
            "epochs": int(trainer.epochs),
            "logs": _jsonable({k: v for k, v in (logs or {}).items() if np.ndim(v) == 0}),
            "history": _jsonable(trainer.history),
            "callbacks": callbacks,
            "state_leaves": leaf_specs(tree),
            "metric_leaves": leaf_specs(states) if position > 0 else [],
            "jax": jax.__version__,
        }

    def _best(self) -> _Saved | None:
        scored = [s for s in self._saved if s.value is not None and math.isfinite(s.value)]
        if not scored:
            return None
        sign = 1.0 if self.mode == "min" else -1.0
        return min(scored, key=lambda s: (sign * s.value, -s.step))

    def _prune(self) -> None:
        """Delete all but the last ``keep`` and the best; never one still being written."""
        self._saved.sort(key=lambda s: s.step)
        keep = {id(s) for s in self._saved[-self.keep:]}
        best = self._best()
        if best is not None:
            keep.add(id(best))
        remaining = []
        for s in self._saved:
            if not s.path.exists():
                continue  # removed by hand
            if id(s) in keep:
                remaining.append(s)
            else:
                remove_checkpoint(s.path)
        self._saved = remaining

    @property
    def best_path(self) -> Path | None:
        """The best checkpoint by the monitored metric (``None`` without ``best``)."""
        best = self._best()
        return best.path if best else None


def restore_callbacks(callbacks: Sequence[Callback], saved: Sequence[dict]) -> None:
    """Give each callback the ``state_dict`` saved for the callback of the same class
    at the same rank among its class."""
    by_class: dict[str, list[dict]] = {}
    for entry in saved:
        by_class.setdefault(entry["class"], []).append(entry["state"])
    seen: dict[str, int] = {}
    for cb in callbacks:
        name = type(cb).__name__
        rank = seen.get(name, 0)
        seen[name] = rank + 1
        states = by_class.get(name, [])
        if rank < len(states) and states[rank]:
            cb.load_state_dict(states[rank])


__all__ = ["Checkpoint", "Restored", "list_checkpoints", "load_checkpoint", "restore",
           "restore_callbacks"]
