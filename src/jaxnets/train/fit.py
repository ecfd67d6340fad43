"""``fit``, ``evaluate`` and ``predict``: the host-side loop around compiled epochs."""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import optax

from jaxnets.data._types import Dataset, Split
from jaxnets.losses import get_loss, is_classification
from jaxnets.metrics import CLASSIFICATION_METRICS, Metric, get_metric
from jaxnets.metrics._report import CLASSIFICATION_REPORT, REGRESSION_REPORT, Report
from jaxnets.optim import current_learning_rate, get_optimizer
from jaxnets.regularization import decoupled_weight_decay
from jaxnets.train import _checks
from jaxnets.train.callbacks import Callback, ProgressBar
from jaxnets.train.epoch import (
    DEFAULT_CHUNK,
    BatchPlan,
    EpochRunner,
    choose_strategy,
    resolve_batch_size,
)
from jaxnets.train.state import TrainState
from jaxnets.train.step import Augment, Regularizer, eval_step_outputs, train_step_outputs
from jaxnets.typing import Array, ArrayLike

History = dict[str, list[float]]


@dataclass
class FitResult:
    """What ``fit`` returns: the final ``state`` and the per-epoch ``history``."""

    state: TrainState
    history: History
    model: nn.Module | None = None
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def epochs_run(self) -> int:
        return len(self.history.get("loss", []))


@functools.lru_cache(maxsize=64)
def get_runner(
    loss: Any,
    metrics: tuple,
    strategy: str,
    chunk: int,
    shuffle: bool,
    regularizer: Regularizer | None = None,
    augment: Augment | None = None,
    skip_nonfinite: bool = True,
    vmap: bool = False,
    mesh: Any = None,
    diagnostics: bool = False,
    max_nonfinite: int | None = None,
) -> EpochRunner:
    """A (cached) compiled epoch runner, so repeated ``fit`` calls reuse compiled code."""
    loss_fn = get_loss(loss)
    train = functools.partial(train_step_outputs, loss_fn=loss_fn, regularizer=regularizer,
                              augment=augment, skip_nonfinite=skip_nonfinite,
                              diagnostics=diagnostics, max_nonfinite=max_nonfinite)
    evaluate_ = functools.partial(eval_step_outputs, loss_fn=loss_fn)
    metric_objs = [get_metric(m) for m in metrics]
    extras = None
    if diagnostics:
        from jaxnets.diagnostics import diagnostic_names as extras
    return EpochRunner(train, evaluate_, metric_objs, strategy=strategy, chunk=chunk,
                       shuffle=shuffle, vmap=vmap, mesh=mesh, extras=extras)


def to_device(split: Split) -> tuple[Array, Array]:
    """Device arrays with float32 floats and int32 integers."""
    def cast(a: np.ndarray) -> Array:
        if np.issubdtype(a.dtype, np.floating):
            return jnp.asarray(a, jnp.float32)
        if np.issubdtype(a.dtype, np.integer) or a.dtype == bool:
            return jnp.asarray(a, jnp.int32)
        return jnp.asarray(a)

    return cast(split.x), cast(split.y)


def output_shape(state: TrainState, x: np.ndarray, name: str) -> tuple[int, ...]:
    """The model's output shape for one example; a clear error if the inputs do not fit."""
    sample = jax.ShapeDtypeStruct((1, *x.shape[1:]), jnp.float32 if x.dtype.kind == "f"
                                  else jnp.int32)
    try:
        out = jax.eval_shape(lambda v, s: state.apply_fn(v, s, train=False), state.variables,
                             sample)
    except Exception as e:  # noqa: BLE001 - shape errors surface from deep inside Flax
        raise ValueError(
            f"{name} inputs with feature shape {tuple(x.shape[1:])} do not fit the model: "
            f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
        ) from e
    return tuple(out.shape[1:])


def resolve_metrics(metrics: Sequence[str | Metric] | None, loss: Any) -> tuple:
    classification = is_classification(loss)
    if metrics is None:
        return ("accuracy",) if classification else ()
    if isinstance(metrics, str | Metric):
        metrics = (metrics,)
    resolved = []
    for m in metrics:
        metric = get_metric(m)  # unknown names raise here
        if isinstance(m, str) and m in CLASSIFICATION_METRICS and not classification:
            raise ValueError(
                f"metric {m!r} is for classifiers, but loss {loss!r} is a regression loss; "
                "use a classification loss or drop the metric"
            )
        resolved.append(m if isinstance(m, str) else metric)
    return tuple(resolved)


class Trainer:
    """The host-side training loop; callbacks see and may change its attributes."""

    def __init__(self, state: TrainState, runner: EpochRunner, train: tuple[Array, Array],
                 validation: tuple[Array, Array] | None, *, batch_size: int, eval_batch_size: int,
                 drop_last: bool, epochs: int, num_classes: int, callbacks: Sequence[Callback],
                 model: nn.Module | None = None):
        self.state, self.runner, self.model = state, runner, model
        self.train_data, self.validation_data = train, validation
        self.epochs, self.num_classes = epochs, num_classes
        # checkpointing callbacks (``runs_last``) go last, so they save the others' updated state
        self.callbacks = sorted(callbacks, key=lambda cb: bool(getattr(cb, "runs_last", False)))
        self.plan = BatchPlan(int(train[0].shape[0]), batch_size, drop_last)
        self.eval_batch_size = eval_batch_size
        self.history: History = {}
        self.stop_training = False
        self.initial_epoch = int(state.epoch)
        self.epoch = self.initial_epoch
        # checkpointing: the position (batch) inside the epoch and its partial metric states
        self.position, self.epoch_states = 0, None
        self.resume_callbacks: list[dict] | None = None
        self.max_nonfinite: int | None = None
        intervals = [cb.step_interval for cb in self.callbacks
                     if getattr(cb, "step_interval", None)]
        self.step_interval = min(intervals) if intervals else None

    def evaluate_arrays(self, x: Array, y: Array) -> dict[str, float]:
        plan = BatchPlan(int(x.shape[0]), min(self.eval_batch_size, int(x.shape[0])))
        return _to_host(self.runner.evaluate(self.state, x, y, plan, self.num_classes))

    def run(self) -> History:
        for cb in self.callbacks:
            cb.check(self)
        for cb in self.callbacks:
            cb.on_train_begin(self)
        if self.resume_callbacks:  # after on_train_begin, which may reset counters
            from jaxnets.train.checkpoint import restore_callbacks

            restore_callbacks(self.callbacks, self.resume_callbacks)
        try:
            for epoch in range(self.initial_epoch, self.epochs):
                if self.stop_training:
                    break
                self.epoch = epoch
                logs = self.run_epoch()
                self.check_nonfinite()
                for key, value in logs.items():
                    self.history.setdefault(key, []).append(value)
                # callbacks see host floats; array metrics (a confusion matrix) go to the history
                scalars = {k: v for k, v in logs.items() if np.ndim(v) == 0}
                for cb in self.callbacks:
                    cb.on_epoch_end(self, epoch, scalars)
        finally:
            for cb in self.callbacks:
                cb.on_train_end(self)
        return self.history

    def run_epoch(self) -> dict[str, float]:
        start = time.perf_counter()
        hooked = self.step_interval is not None or self.max_nonfinite is not None
        self.state, metrics = self.runner.train_epoch(
            self.state, *self.train_data, self.plan, self.num_classes, start=self.position,
            states=self.epoch_states, max_chunk=self.step_interval,
            on_chunk=self.on_chunk if hooked else None)
        self.position, self.epoch_states = 0, None
        logs = _to_host(metrics)
        if self.validation_data is not None:
            val = self.evaluate_arrays(*self.validation_data)
            logs.update({f"val_{k}": v for k, v in val.items()})
        # the rate of the epoch's last update (a schedule's value there, times any plateau scale)
        lr = current_learning_rate(self.state.opt_state)
        if lr is not None:
            logs["lr"] = float(lr)
        logs["time"] = time.perf_counter() - start
        return logs


    def on_chunk(self, state: TrainState, states: Any, position: int) -> TrainState:
        """Between compiled chunks of an epoch: the non-finite guard and step-level hooks."""
        self.state, self.epoch_states, self.position = state, states, position
        self.check_nonfinite()
        for cb in self.callbacks:
            hook = getattr(cb, "on_steps_end", None)
            if hook is not None:
                hook(self, position)
        return self.state

    def check_nonfinite(self) -> None:
        """Stop with an error once ``max_nonfinite`` steps in a row were non-finite."""
        if self.max_nonfinite is None or int(self.state.nonfinite_streak) < self.max_nonfinite:
            return
        step = int(self.state.step)
        raise FloatingPointError(
            f"training stopped: {self.max_nonfinite} consecutive steps had a non-finite (NaN/Inf)"
            f" loss or gradient, the last at step {step} (epoch {self.epoch + 1}); their updates "
            f"were skipped ({int(self.state.skipped)} skipped in all). Lower the learning rate, "
            "clip gradients or check the data for NaN/Inf"
        )


def _to_host(metrics: dict[str, Array]) -> dict[str, float]:
    host = jax.device_get(metrics)
    return {k: (float(v) if np.ndim(v) == 0 else np.asarray(v)) for k, v in host.items()}


def fit(
    model: nn.Module,
    optimizer: str | optax.GradientTransformation | None,
    train: Any,
    validation: Any = None,
    *,
    loss: str | Callable = "cross_entropy",
    metrics: Sequence[str | Metric] | None = None,
    epochs: int = 10,
    batch_size: int | None = 32,
    seed: int = 0,
    callbacks: Sequence[Callback] = (),
    verbose: bool = True,
    shuffle: bool = True,
    drop_last: bool = False,
    strategy: str = "auto",
    chunk: int = DEFAULT_CHUNK,
    regularizer: Regularizer | None = None,
    augment: Augment | None = None,
    skip_nonfinite: bool = True,
    initial_state: TrainState | None = None,
    weight_decay: float = 0.0,
    eval_batch_size: int | None = None,
    mesh: Any = None,
    diagnostics: bool = False,
    resume: bool | str | os.PathLike = False,
    max_nonfinite: int | None = None,
) -> FitResult:
    """Train ``model`` with ``optimizer`` on ``train``; returns the final state and history.

    Args:
      model: a Flax Linen module whose ``__call__(x, train: bool)`` returns outputs [B, ...].
      optimizer: an Optax transformation or a name (``"adam"``); ignored with ``initial_state``.
      train: a ``Split``, an ``(inputs, labels)`` pair or a dict with ``x`` and ``y``.
      validation: the same, evaluated after every epoch (keys ``val_*`` in the history).
      loss: a per-example loss name (``jaxnets.losses.LOSSES``) or callable.
      metrics: metric names or ``Metric`` objects; default accuracy for classifiers.
      epochs: the total number of epochs (a state that has run some continues to this total).
      batch_size: examples per step; ``None`` is full-batch gradient descent, 1 is SGD.
      seed: initialises parameters and derives the dropout and shuffling keys.
      callbacks: host-side hooks run after each compiled epoch.
      verbose: show a progress bar over epochs.
      drop_last: drop the last partial batch instead of masking it.
      strategy: ``"auto"``, ``"scan"``, ``"unroll"`` or ``"step"`` (see ``jaxnets.train.epoch``).
      regularizer: ``params -> penalty`` added to the training loss
        (``jn.regularization.regularizer(l1=..., l2=...)``).
      weight_decay: decoupled weight decay, ``w <- w + update - weight_decay * w`` per step
        on kernels (``jn.regularization.decoupled_weight_decay``); not with ``initial_state``.
      augment: ``(key, x, y) -> (x, y)`` applied to every training batch on the device.
      skip_nonfinite: skip (and count in ``state.skipped``) updates with a non-finite loss/gradient.
      initial_state: continue from this state instead of initialising.
      mesh: a ``jax.sharding.Mesh`` (``jn.parallel.data_mesh()``) for data parallelism: each
        batch is split over the devices (padded and masked to a multiple of their number),
        parameters are replicated; the result equals the one-device run.
      diagnostics: record per-layer ``grad_norm/LAYER``, ``param_norm/LAYER`` and
        ``update_ratio/LAYER`` (epoch means of per-step values) in the history.
      resume: ``True`` continues from the latest checkpoint of the ``Checkpoint`` callback
        (a fresh start when there is none yet); a path continues from that checkpoint or
        run directory. Parameters, optimizer state, step, PRNG key, epoch and position in
        the data order, callback states and history are restored, so ``epochs`` stays the
        total and the result is bitwise that of the uninterrupted run.
      max_nonfinite: stop with ``FloatingPointError`` (naming step and epoch) after this
        many non-finite steps in a row (each is skipped and counted in ``state.skipped``).

    Returns:
      ``FitResult`` with ``.state`` and ``.history`` (lists per epoch: ``loss``, metrics,
      ``val_loss``, ``val_*``, ``lr`` when the optimizer injects it, ``time`` in seconds).
    """
    epochs = _checks.check_int("epochs", epochs, minimum=0)
    chunk = _checks.check_int("chunk", chunk, minimum=1)
    get_loss(loss)
    metrics = resolve_metrics(metrics, loss)
    train_split = _checks.as_split(train, "train")
    _checks.check_split(train_split, "train")
    n = len(train_split)
    batch_size = resolve_batch_size(batch_size, n)
    eval_bs = resolve_batch_size(eval_batch_size, 10**9, "eval_batch_size") if eval_batch_size \
        else max(batch_size, 256)
    val_split = None
    if validation is not None:
        val_split = _checks.as_split(validation, "validation")
        _checks.check_split(val_split, "validation")
        _checks.check_feature_shape(val_split, "validation", train_split.x.shape[1:])
    for cb in callbacks:
        if not isinstance(cb, Callback):
            raise TypeError(f"callbacks must be jaxnets Callback objects, found {type(cb).__name__}")
    if max_nonfinite is not None:
        max_nonfinite = _checks.check_int("max_nonfinite", max_nonfinite, minimum=1)
        if not skip_nonfinite:
            raise ValueError("max_nonfinite counts skipped non-finite steps; it needs "
                             "skip_nonfinite=True, found False")
    resume_dir = _resume_dir(resume, callbacks, initial_state)

    if initial_state is None:
        if optimizer is None:
            raise ValueError("optimizer must be given unless initial_state is")
        tx = decoupled_weight_decay(get_optimizer(optimizer), weight_decay)
        x0 = to_device(Split(train_split.x[:1], train_split.y[:1]))[0]
        state = TrainState.create(model, tx, x0, seed=seed, loss=loss, metrics=metrics)
    else:
        if weight_decay:
            raise ValueError("weight_decay applies when fit builds the optimizer; with "
                             "initial_state it is already part of initial_state.tx, found "
                             f"weight_decay={weight_decay!r}")
        state = initial_state.replace(loss=loss, metrics=metrics)
    out_shape = output_shape(state, train_split.x, "train")
    num_outputs = out_shape[-1] if out_shape else 1
    classification = is_classification(loss)
    _checks.check_labels(train_split, "train", classification=classification,
                         num_outputs=num_outputs)
    if val_split is not None:
        _checks.check_labels(val_split, "validation", classification=classification,
                             num_outputs=num_outputs)

    strategy = choose_strategy(strategy, state.params)
    runner = get_runner(loss, metrics, strategy, chunk, shuffle, regularizer, augment,
                        skip_nonfinite, mesh=mesh, diagnostics=diagnostics,
                        max_nonfinite=max_nonfinite)
    all_callbacks = list(callbacks) + ([ProgressBar()] if verbose else [])
    train_arrays = to_device(train_split)
    val_arrays = to_device(val_split) if val_split else None
    if mesh is not None:
        from jaxnets.parallel import put_replicated

        state, train_arrays, val_arrays = put_replicated((state, train_arrays, val_arrays), mesh)
    trainer = Trainer(
        state, runner, train_arrays, val_arrays,
        batch_size=batch_size, eval_batch_size=eval_bs, drop_last=drop_last, epochs=epochs,
        num_classes=num_outputs, callbacks=all_callbacks, model=model,
    )
    trainer.max_nonfinite = max_nonfinite
    if resume_dir is not None:
        _resume(trainer, resume_dir, explicit=not isinstance(resume, bool))
    history = trainer.run()
    return FitResult(trainer.state, history, model,
                     {"strategy": strategy, "batch_size": batch_size,
                      "skipped": int(trainer.state.skipped)})


def _resume_dir(resume: Any, callbacks: Sequence[Callback],
                initial_state: TrainState | None) -> Path | None:
    """The directory to resume from, or ``None``; errors before any work."""
    if resume is False or resume is None:
        return None
    if initial_state is not None:
        raise ValueError("resume and initial_state cannot both be given: resume restores the "
                         "state from a checkpoint")
    if resume is True:
        from jaxnets.train.checkpoint import Checkpoint

        found = [cb for cb in callbacks if isinstance(cb, Checkpoint)]
        if not found:
            raise ValueError("resume=True needs a jn.callbacks.Checkpoint in callbacks (or pass "
                             "the directory: resume='runs/NAME')")
        return found[0].directory
    if isinstance(resume, str | os.PathLike):
        path = Path(resume)
        if not path.exists():
            raise FileNotFoundError(f"resume: checkpoint path {path} does not exist")
        return path
    raise TypeError(f"resume must be a bool or a path, found {type(resume).__name__}")


def _resume(trainer: Trainer, directory: Path, explicit: bool) -> None:
    """Load the latest checkpoint in ``directory`` into the trainer (none yet: a fresh start,
    unless the directory was named explicitly)."""
    from jaxnets.train import checkpoint as ckpt

    ckpt.clean_leftovers(directory) if directory.is_dir() else None
    if not explicit and not ckpt.list_checkpoints(directory):
        return
    path = ckpt.resolve_path(directory)
    template = trainer.runner.init_train_states(trainer.state, trainer.plan, trainer.num_classes)
    restored = ckpt.restore(path, trainer.state, template)
    if restored.position >= trainer.plan.num_batches:
        raise ValueError(f"checkpoint {path} is at batch {restored.position} of an epoch, but "
                         f"this data has {trainer.plan.num_batches} batches per epoch")
    trainer.state = restored.state
    trainer.initial_epoch = trainer.epoch = int(restored.state.epoch)
    trainer.position, trainer.epoch_states = restored.position, restored.epoch_states
    trainer.history = restored.history
    trainer.resume_callbacks = restored.meta.get("callbacks", [])


def evaluate(
    state: TrainState,
    data: Any,
    *,
    metrics: Sequence[str | Metric] | None = None,
    batch_size: int = 256,
    strategy: str = "auto",
    class_names: Sequence[str] | None = None,
) -> Report:
    """A report of ``state`` on a split, in evaluation mode (exact over all examples).

    With ``metrics=None`` the report holds the loss, the metrics the state was
    trained with and the full set for the task: accuracy, precision, recall, F1,
    AUC-ROC and the confusion matrix for a classifier (macro averages beyond two
    classes), MAE, RMSE and R^2 for a regressor. The result is a ``dict``; printing
    it gives a table (per-class rows and the confusion matrix too). ``class_names``
    label the table's classes (a ``Dataset`` passes its own).
    """
    if class_names is None and isinstance(data, Dataset):
        class_names = data.class_names
    if isinstance(data, Dataset):
        data = data.test
    split = _checks.as_split(data, "data")
    _checks.check_split(split, "data")
    out_shape = output_shape(state, split.x, "data")
    if metrics is None:
        # regression metrics compare outputs with targets of the same shape; a loss that is
        # neither (per-token sequence cross-entropy) reports its loss and trained metrics
        same = tuple(out_shape) == split.y.shape[1:] or (
            tuple(out_shape) == (1,) and split.y.ndim == 1)
        full = (CLASSIFICATION_REPORT if is_classification(state.loss)
                else REGRESSION_REPORT if same else ())
        metrics = tuple(dict.fromkeys([*state.metrics, *full]))
    else:
        metrics = resolve_metrics(metrics, state.loss)
    num_outputs = out_shape[-1] if out_shape else 1
    classification = is_classification(state.loss)
    _checks.check_labels(split, "data", classification=classification, num_outputs=num_outputs)
    runner = get_runner(state.loss, tuple(metrics), choose_strategy(strategy, state.params),
                        DEFAULT_CHUNK, False)
    plan = BatchPlan(len(split), resolve_batch_size(batch_size, len(split)))
    x, y = to_device(split)
    report = Report(_to_host(runner.evaluate(state, x, y, plan, num_outputs)))
    report.class_names = list(class_names) if class_names is not None else None
    return report


@functools.partial(jax.jit, static_argnums=0)
def _predict_batch(apply_fn: Callable, variables: Any, x: Array) -> Array:
    return apply_fn(variables, x, train=False)


def predict(state: TrainState, x: ArrayLike, *, batch_size: int = 1024) -> Array:
    """Model outputs (logits for classifiers) for inputs ``x`` [N, ...], in evaluation mode."""
    x = np.asarray(x)
    if x.ndim == 0 or len(x) == 0:
        raise ValueError(f"x must hold at least one example with a leading axis, found {x.shape}")
    if np.issubdtype(x.dtype, np.floating) and not np.all(np.isfinite(x)):
        raise ValueError("x must be finite, found NaN or Inf values")
    output_shape(state, x, "x")
    batch_size = resolve_batch_size(batch_size, len(x))
    xd = to_device(Split(x, np.zeros(len(x), np.int32)))[0]
    parts = [_predict_batch(state.apply_fn, state.variables, xd[i:i + batch_size])
             for i in range(0, len(x), batch_size)]
    return jnp.concatenate(parts) if len(parts) > 1 else parts[0]


__all__ = ["FitResult", "Trainer", "evaluate", "fit", "get_runner", "predict", "to_device"]
