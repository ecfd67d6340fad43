"""Populations: K models trained in one compiled program (``vmap`` over the train state).

Every member has its own parameters, optimizer state, PRNG key and
hyperparameters; all share the model architecture, the loss and the data. The
train state gets a leading population axis on every leaf and the scanned epoch
of ``jaxnets.train`` is vmapped over it, so K models cost one dispatch per epoch.

Hyperparameters are split by name:

- ``"seed"``: the member's seed (parameter initialisation, dropout, shuffling), as in ``fit``;
- a name that is a variable of the model's ``hparams`` collection (``jn.nn.ArrayDropout``,
  ``MLP(array_dropout=True)`` gives ``"dropout"``): written into the member's model state;
- every other name: an argument of ``make_optimizer``, which
  ``optax.inject_hyperparams`` turns into an array in the optimizer state.

Member ``i`` follows exactly the computation of ``jn.fit`` with
``make_optimizer(**hparams_i)`` and ``seed=seed_i`` (up to float summation order).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import optax

from jaxnets.data._types import Split
from jaxnets.losses import get_loss, is_classification
from jaxnets.metrics import Metric, get_metric
from jaxnets.nn.dropout import HPARAMS
from jaxnets.optim import get_hyperparam
from jaxnets.train import _checks
from jaxnets.train.epoch import (
    BatchPlan,
    compute_metrics,
    epoch_indices,
    init_metric_states,
    resolve_batch_size,
    scan_eval_steps,
    scan_train_steps,
    sequential_indices,
)
from jaxnets.train.fit import FitResult, output_shape, resolve_metrics, to_device
from jaxnets.train.state import TrainState, init_variables
from jaxnets.train.step import Augment, Regularizer, eval_step_outputs, train_step_outputs
from jaxnets.typing import Array

History = dict[str, list[float]]


# ----------------------------------------------------------------------------- hyperparameters


def log_grid(low: float, high: float, num: int) -> list[float]:
    """``num`` values spaced evenly in log space from ``low`` to ``high`` (both included)."""
    if not (low > 0 and high > 0):
        raise ValueError(f"log_grid needs low > 0 and high > 0, found low={low!r}, high={high!r}")
    if isinstance(num, bool) or not isinstance(num, int) or num < 1:
        raise ValueError(f"num must be a positive int, found {num!r}")
    return [float(v) for v in np.geomspace(low, high, num)]


def check_hparams(hparams: Mapping[str, Any]) -> tuple[dict[str, np.ndarray], int]:
    """Validate ``{name: values}``; scalars broadcast. Returns numeric arrays [K] and K."""
    if not isinstance(hparams, Mapping):
        raise TypeError(f"hparams must be a dict of name -> list of values, found "
                        f"{type(hparams).__name__}")
    lengths = {k: len(v) for k, v in hparams.items() if np.ndim(v) > 0}
    if len(set(lengths.values())) > 1:
        raise ValueError(f"hparams lists must all have the same length (the population size), "
                         f"found lengths {lengths}")
    size = next(iter(lengths.values()), 1)
    if size < 1:
        raise ValueError("hparams lists must hold at least one value, found empty lists")
    arrays = {}
    for name, values in hparams.items():
        if not isinstance(name, str) or not name.isidentifier():
            raise ValueError(f"hparams names must be identifiers, found {name!r}")
        arr = np.asarray(values)
        if arr.dtype == bool or not np.issubdtype(arr.dtype, np.number):
            raise TypeError(f"hparams[{name!r}] must be numbers (a population varies arrays; "
                            f"search structural choices with jn.tune.bayesian_search), found "
                            f"{values!r}")
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"hparams[{name!r}] must be finite, found {values!r}")
        arr = np.broadcast_to(arr, (size,))
        if name == "seed":
            if not np.all(arr == np.round(arr)) or np.any(arr < 0):
                raise ValueError(f"hparams['seed'] must be non-negative integers, found {values!r}")
            arr = arr.astype(np.int64)
        elif np.issubdtype(arr.dtype, np.floating):
            arr = arr.astype(np.float32)
        else:
            arr = arr.astype(np.int32)
        arrays[name] = np.array(arr)
    return arrays, size


def model_hparam_names(model: nn.Module, x0: Array) -> set[str]:
    """Names of the variables in the model's ``hparams`` collection (e.g. ``"dropout"``)."""
    shapes = jax.eval_shape(lambda: init_variables(model, jax.random.PRNGKey(0), x0))
    tree = shapes.get(HPARAMS, {})
    paths = jax.tree_util.tree_flatten_with_path(tree)[0]
    return {str(getattr(path[-1], "key", path[-1])) for path, _ in paths}


def set_model_hparams(model_state: dict[str, Any], values: Mapping[str, Array]) -> dict[str, Any]:
    """Write ``values[name]`` into every ``hparams`` variable called ``name``."""
    if not values or HPARAMS not in model_state:
        return model_state

    def put(path, leaf):
        name = str(getattr(path[-1], "key", path[-1]))
        return jnp.asarray(values[name], leaf.dtype) if name in values else leaf

    new = dict(model_state)
    new[HPARAMS] = jax.tree_util.tree_map_with_path(put, model_state[HPARAMS])
    return new


def population_optimizer(make_optimizer: Callable[..., optax.GradientTransformation],
                         values: Mapping[str, Any]) -> optax.GradientTransformation:
    """``make_optimizer`` with its arguments injected as arrays in the optimizer state."""
    return optax.inject_hyperparams(make_optimizer)(**values)


# ----------------------------------------------------------------------------- compiled engine


class Engine:
    """Compiled, population-vmapped train epoch, evaluation and metric computation.

    Every function takes per-member index arrays ``[K, steps, B]`` into shared data,
    so members can see different orders (seeds) or different subsets (folds).
    """

    def __init__(self, loss: Any, metrics: tuple, regularizer: Regularizer | None,
                 augment: Augment | None, skip_nonfinite: bool):
        loss_fn = get_loss(loss)
        train = functools.partial(train_step_outputs, loss_fn=loss_fn, regularizer=regularizer,
                                  augment=augment, skip_nonfinite=skip_nonfinite)
        evaluate = functools.partial(eval_step_outputs, loss_fn=loss_fn)
        self.metrics = tuple(get_metric(m) for m in metrics)
        steps = lambda *a: scan_train_steps(train, self.metrics, *a)
        evals = lambda *a: scan_eval_steps(evaluate, self.metrics, *a)
        axes = (0, 0, None, None, 0, 0)
        self.steps = jax.jit(jax.vmap(steps, in_axes=axes))
        self.evals = jax.jit(jax.vmap(evals, in_axes=axes))
        self.compute = jax.jit(jax.vmap(lambda s: compute_metrics(self.metrics, s)))
        self.select = jax.jit(jax.vmap(lambda keep, new, old: jax.tree_util.tree_map(
            lambda a, b: jnp.where(keep, a, b), new, old)))

    def init_states(self, num_examples: int, num_classes: int, size: int) -> Any:
        states = init_metric_states(self.metrics, num_examples, num_classes)
        return jax.tree_util.tree_map(lambda a: jnp.broadcast_to(a, (size, *a.shape)), states)


@functools.lru_cache(maxsize=32)
def get_engine(loss: Any, metrics: tuple, regularizer: Regularizer | None = None,
               augment: Augment | None = None, skip_nonfinite: bool = True) -> Engine:
    """A cached engine, so repeated population fits reuse compiled code."""
    return Engine(loss, metrics, regularizer, augment, skip_nonfinite)


@functools.partial(jax.jit, static_argnums=(2, 3))
def population_indices(keys: Array, epochs: Array, plan: BatchPlan, shuffle: bool
                       ) -> tuple[Array, Array]:
    """Each member's batch indices ``[K, num_batches, B]`` and masks, as ``fit`` draws them."""
    return jax.vmap(lambda k, e: epoch_indices(k, e, plan, shuffle))(keys, epochs)


# ----------------------------------------------------------------------------- results


def _mode(metric: str, mode: str | None) -> str:
    if mode is None:
        return "min" if "loss" in metric or "error" in metric else "max"
    if mode not in ("min", "max"):
        raise ValueError(f"mode must be 'min', 'max' or None (inferred), found {mode!r}")
    return mode


def take(tree: Any, i: int) -> Any:
    """Member ``i`` of a pytree with a leading population axis."""
    return jax.tree_util.tree_map(lambda a: a[i], tree)


@dataclass
class PopulationResult:
    """What ``Population.fit`` returns.

    ``state`` has a leading population axis on every leaf; ``history[i]`` is member
    ``i``'s per-epoch history (as ``fit`` records it; a member stopped early has a
    shorter one); ``hparams`` maps each name to its ``[K]`` values.
    """

    state: TrainState
    history: list[History]
    hparams: dict[str, np.ndarray]
    model: nn.Module | None = None
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return len(self.history)

    def member_hparams(self, i: int) -> dict[str, float | int]:
        return {k: v[i].item() for k, v in self.hparams.items()}

    def member(self, i: int) -> FitResult:
        """Member ``i`` as a ``FitResult`` (its state works with ``jn.evaluate``/``predict``)."""
        if not -self.size <= i < self.size:
            raise IndexError(f"member index must be in [0, {self.size}), found {i}")
        i = i % self.size
        return FitResult(take(self.state, i), self.history[i], self.model,
                         {"member": i, "hparams": self.member_hparams(i),
                          "stopped_epoch": self.info.get("stopped_epoch", [None] * self.size)[i]})

    def scores(self, metric: str, mode: str | None = None, reduce: str = "best") -> np.ndarray:
        """Each member's ``metric`` [K]: its best epoch (``reduce="best"``) or its last."""
        mode = _mode(metric, mode)
        out = np.full(self.size, np.nan)
        for i, h in enumerate(self.history):
            if metric not in h:
                raise KeyError(f"metric {metric!r} is not in the history; found {sorted(h)}")
            v = np.asarray(h[metric], np.float64)
            v = np.where(np.isfinite(v), v, np.inf if mode == "min" else -np.inf)
            if len(v):
                out[i] = (v.min() if mode == "min" else v.max()) if reduce == "best" else v[-1]
        return out

    def best(self, metric: str = "val_loss", mode: str | None = None) -> FitResult:
        """The member whose best epoch has the best ``metric`` (``mode`` inferred from the name)."""
        scores = self.scores(metric, mode)
        pick = np.nanargmin if _mode(metric, mode) == "min" else np.nanargmax
        result = self.member(int(pick(scores)))
        result.info["score"] = float(scores[result.info["member"]])
        return result

    def table(self, metric: str = "val_loss", mode: str | None = None) -> list[dict[str, Any]]:
        """One row per member: its hyperparameters, best ``metric`` and epochs run."""
        scores = self.scores(metric, mode)
        return [{"member": i, **self.member_hparams(i), metric: float(scores[i]),
                 "epochs": len(self.history[i].get("loss", []))} for i in range(self.size)]


# ----------------------------------------------------------------------------- the population


class EarlyStop:
    """Per-member early stopping on the host: patience counters over a monitored value."""

    def __init__(self, size: int, monitor: str, patience: int, min_delta: float, mode: str | None):
        self.monitor, self.patience, self.min_delta = monitor, patience, float(min_delta)
        self.sign = 1.0 if _mode(monitor, mode) == "min" else -1.0
        self.best = np.full(size, np.inf)
        self.wait = np.zeros(size, np.int64)

    def update(self, values: np.ndarray, active: np.ndarray) -> np.ndarray:
        """Update with this epoch's values; returns which active members stop now."""
        v = self.sign * np.where(np.isfinite(values), values, np.inf)
        improved = v < self.best - self.min_delta
        self.best = np.where(active & improved, v, self.best)
        self.wait = np.where(active & ~improved, self.wait + 1, np.where(active, 0, self.wait))
        return active & (self.wait >= self.patience)


@dataclass
class Population:
    """K models that differ in anything that can be an array; see :func:`population`."""

    model: nn.Module
    make_optimizer: Callable[..., optax.GradientTransformation]
    hparams: dict[str, np.ndarray]
    size: int
    mesh: Any = None
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    def init(self, x0: Array, seed: int = 0, loss: Any = "cross_entropy",
             metrics: tuple = ("accuracy",), pad_to: int = 1) -> TrainState:
        """The stacked initial states ``[K', ...]`` (K padded to a multiple of ``pad_to``)."""
        names = model_hparam_names(self.model, x0)
        hp = {k: v for k, v in self.hparams.items()}
        extra = -self.size % pad_to  # padding members copy member 0; dropped from results
        hp = {k: np.concatenate([v, np.repeat(v[:1], extra)]) for k, v in hp.items()}
        size = self.size + extra
        seeds = hp.pop("seed", np.full(size, seed, np.int64))
        model_hp = {k: hp.pop(k) for k in list(hp) if k in names}
        check_optimizer_names(self.make_optimizer, list(hp), names)
        tx, init_fn = self._compiled(tuple(hp), tuple(model_hp))
        params, model_state, opt_state, keys = init_fn(
            jnp.asarray(seeds, jnp.uint32), {k: jnp.asarray(v) for k, v in hp.items()},
            {k: jnp.asarray(v) for k, v in model_hp.items()}, x0)
        zeros = jnp.zeros((size,), jnp.int32)
        return TrainState(step=zeros, epoch=zeros, params=params, model_state=model_state,
                          opt_state=opt_state, key=keys, skipped=zeros, nonfinite_streak=zeros,
                          apply_fn=self.model.apply,
                          tx=tx, loss=loss, metrics=tuple(metrics))

    def _compiled(self, opt_names: tuple, model_names: tuple) -> tuple[Any, Callable]:
        """The static optimizer and the jitted, vmapped member initialiser, built once per
        population (so a second ``fit`` reuses every compiled program)."""
        key = (opt_names, model_names)
        if key not in self._cache:
            model, make_optimizer = self.model, self.make_optimizer
            tx = population_optimizer(make_optimizer, {k: jnp.asarray(self.hparams[k][0])
                                                       for k in opt_names})

            def member(seed_, opt_hp, mod_hp, x0):
                init_key, run_key = jax.random.split(jax.random.PRNGKey(seed_))
                variables = init_variables(model, init_key, x0)
                params = variables.pop("params")
                model_state = set_model_hparams(dict(variables), mod_hp)
                opt_state = population_optimizer(make_optimizer, opt_hp).init(params)
                return params, model_state, opt_state, run_key

            self._cache[key] = (tx, jax.jit(jax.vmap(member, in_axes=(0, 0, 0, None))))
        return self._cache[key]

    def fit(
        self,
        train: Any,
        validation: Any = None,
        *,
        loss: str | Callable = "cross_entropy",
        metrics: Sequence[str | Metric] | None = None,
        epochs: int = 10,
        batch_size: int | None = 32,
        seed: int = 0,
        shuffle: bool = True,
        drop_last: bool = False,
        regularizer: Regularizer | None = None,
        augment: Augment | None = None,
        skip_nonfinite: bool = True,
        eval_batch_size: int | None = None,
        patience: int | None = None,
        monitor: str = "val_loss",
        min_delta: float = 0.0,
        mode: str | None = None,
        mesh: Any = None,
        verbose: bool = False,
    ) -> PopulationResult:
        """Train every member; the same arguments as ``jn.fit`` plus per-member early stopping.

        Args:
          train, validation, loss, metrics, epochs, batch_size, shuffle, drop_last,
            regularizer, augment, skip_nonfinite, eval_batch_size: as in ``jn.fit``.
          seed: every member's seed unless the hyperparameters include ``"seed"``.
          patience: stop a member after this many epochs without improvement of
            ``monitor`` (by more than ``min_delta``); its state then stays frozen
            while the others train on. ``None`` disables early stopping.
          mesh: shard the population axis over this mesh's devices (default: the
            mesh given to ``population``); members are padded to a multiple of the
            device count with copies of member 0, dropped from the result.
          verbose: print one line per epoch.

        Returns:
          ``PopulationResult``: ``.state`` ``[K, ...]``, per-member ``.history``, ``.best(metric)``.
        """
        epochs = _checks.check_int("epochs", epochs, minimum=0)
        get_loss(loss)
        metrics = resolve_metrics(metrics, loss)
        if patience is not None:
            patience = _checks.check_int("patience", patience, minimum=1)
            _mode(monitor, mode)
        train_split = _checks.as_split(train, "train")
        _checks.check_split(train_split, "train")
        val_split = None
        if validation is not None:
            val_split = _checks.as_split(validation, "validation")
            _checks.check_split(val_split, "validation")
            _checks.check_feature_shape(val_split, "validation", train_split.x.shape[1:])
        if patience is not None and monitor.startswith("val_") and val_split is None:
            raise ValueError(f"monitor={monitor!r} needs validation data, found validation=None")
        mesh = mesh if mesh is not None else self.mesh
        n = len(train_split)
        batch_size = resolve_batch_size(batch_size, n)
        eval_bs = (resolve_batch_size(eval_batch_size, 10**9, "eval_batch_size")
                   if eval_batch_size else max(batch_size, 256))
        x0 = to_device(Split(train_split.x[:1], train_split.y[:1]))[0]
        state = self.init(x0, seed, loss, metrics, pad_to=int(mesh.size) if mesh else 1)
        num_classes = check_data(state, train_split, val_split, loss)
        x, y = to_device(train_split)
        val = to_device(val_split) if val_split is not None else None
        engine = get_engine(loss, metrics, regularizer, augment, skip_nonfinite)
        if mesh is not None:
            from jaxnets.parallel import put_population, put_replicated

            state = put_population(state, mesh)
            x, y, val = put_replicated((x, y, val), mesh)
        plan = BatchPlan(n, batch_size, drop_last)

        def indices(state: TrainState) -> tuple[Array, Array]:
            return population_indices(state.key, state.epoch, plan, shuffle)

        val_indices = None
        if val is not None:
            vplan = BatchPlan(len(val_split), min(eval_bs, len(val_split)))
            vi, vm = sequential_indices(vplan)
            k = state.step.shape[0]
            val_indices = (jnp.broadcast_to(vi, (k, *vi.shape)), jnp.broadcast_to(vm, (k, *vm.shape)))
        loop = PopulationLoop(engine, state, (x, y), val, self.size, num_classes, mesh=mesh)
        history, stopped = loop.run(indices, val_indices, n, len(val_split) if val_split else 0,
                                    epochs, patience, monitor, min_delta, mode, verbose)
        return PopulationResult(take_members(loop.state, self.size), history, dict(self.hparams),
                                self.model, {"batch_size": batch_size, "stopped_epoch": stopped,
                                             "time": loop.elapsed, "padded_to": loop.padded})


def check_optimizer_names(make_optimizer: Callable, names: list[str], model_names: set[str]
                          ) -> None:
    """Every non-seed, non-model hyperparameter must be an argument of ``make_optimizer``."""
    import inspect

    try:
        params = inspect.signature(make_optimizer).parameters
    except (TypeError, ValueError):
        return  # no signature to check against (a builtin); optax reports the mismatch
    if any(p.kind is p.VAR_KEYWORD for p in params.values()):
        return
    unknown = [k for k in names if k not in params]
    if unknown:
        raise ValueError(f"hparams {unknown} are neither 'seed', model hyperparameters "
                         f"{sorted(model_names)} nor arguments of make_optimizer "
                         f"{list(params)}")


def take_members(tree: Any, size: int) -> Any:
    """The first ``size`` members (drops padding members)."""
    leaves = jax.tree_util.tree_leaves(tree)
    if leaves and leaves[0].shape[0] == size:
        return tree
    return jax.tree_util.tree_map(lambda a: a[:size], tree)


def check_data(state: TrainState, train: Split, val: Split | None, loss: Any) -> int:
    """Check shapes and labels against the model (as ``fit`` does); the class count or 0."""
    member0 = take(state, 0)
    out_shape = output_shape(member0, train.x, "train")
    num_outputs = out_shape[-1] if out_shape else 1
    classification = is_classification(loss)
    _checks.check_labels(train, "train", classification=classification, num_outputs=num_outputs)
    if val is not None:
        _checks.check_labels(val, "validation", classification=classification,
                             num_outputs=num_outputs)
    return num_outputs if classification else 0


class PopulationLoop:
    """The host loop around compiled population epochs (early stopping between them)."""

    def __init__(self, engine: Engine, state: TrainState, train: tuple[Array, Array],
                 val: tuple[Array, Array] | None, size: int, num_classes: int, mesh: Any = None):
        self.engine, self.state, self.train, self.val = engine, state, train, val
        self.size, self.num_classes, self.mesh = size, num_classes, mesh
        self.padded = int(state.step.shape[0])
        self.elapsed = 0.0

    def _states(self, num_examples: int) -> Any:
        states = self.engine.init_states(num_examples, self.num_classes, self.padded)
        if self.mesh is not None:
            from jaxnets.parallel import put_population

            states = put_population(states, self.mesh)
        return states

    def run(self, indices: Callable[[TrainState], tuple[Array, Array]],
            val_indices: tuple[Array, Array] | None, num_train: int, num_val: int, epochs: int,
            patience: int | None, monitor: str, min_delta: float, mode: str | None,
            verbose: bool) -> tuple[list[History], list[int | None]]:
        """Train for ``epochs``; returns per-member histories and stop epochs (None: ran all)."""
        k, padded = self.size, self.padded
        history: list[History] = [{} for _ in range(k)]
        active = np.ones(padded, bool)
        stopped: list[int | None] = [None] * k
        stopper = EarlyStop(padded, monitor, patience, min_delta, mode) if patience else None
        start = time.perf_counter()
        for epoch in range(int(self.state.epoch[0]), epochs):
            if not active[:k].any():
                break
            t0 = time.perf_counter()
            lr = get_hyperparam(self.state.opt_state, "learning_rate")
            idx, mask = indices(self.state)
            new, states = self.engine.steps(self.state, self._states(num_train), *self.train,
                                            idx, mask)
            new = new.replace(epoch=new.epoch + 1)
            # A stopped member keeps its state: the whole pytree is selected per member.
            self.state = new if active.all() else self.engine.select(jnp.asarray(active), new,
                                                                     self.state)
            logs = jax.device_get(self.engine.compute(states))
            if self.val is not None and val_indices is not None:
                v = self.engine.evals(self.state, self._states(num_val), *self.val, *val_indices)
                logs.update({f"val_{n}": a for n, a in jax.device_get(self.engine.compute(v)).items()})
            if lr is not None:
                logs["lr"] = np.asarray(lr)
            seconds = time.perf_counter() - t0
            for i in np.flatnonzero(active[:k]):
                for name, values in logs.items():
                    history[i].setdefault(name, []).append(_scalar(values, i))
                history[i].setdefault("time", []).append(seconds)
            if stopper is not None:
                values = np.asarray(logs.get(monitor, np.full(padded, np.nan)), np.float64)
                if monitor not in logs:
                    raise ValueError(f"monitor {monitor!r} is not a logged value; found "
                                     f"{sorted(logs)}")
                stop = stopper.update(values, active)
                for i in np.flatnonzero(stop[:k]):
                    stopped[i] = epoch
                active &= ~stop
            if verbose:
                print(f"epoch {epoch + 1}/{epochs}: {int(active[:k].sum())}/{k} members active, "
                      f"{seconds:.2f} s", flush=True)
        self.elapsed = time.perf_counter() - start
        return history, stopped


def _scalar(values: Any, i: int) -> Any:
    a = np.asarray(values)
    if a.ndim == 0:
        return float(a)
    item = a[i]
    return float(item) if np.ndim(item) == 0 else np.asarray(item)


def population(
    model: nn.Module,
    make_optimizer: Callable[..., optax.GradientTransformation],
    hparams: Mapping[str, Any],
    *,
    mesh: Any = None,
) -> Population:
    """A population of models differing in ``hparams``, trained as one compiled program.

    Args:
      model: a Flax Linen module shared by all members (``MLP(array_dropout=True)``
        exposes ``"dropout"`` as a hyperparameter).
      make_optimizer: ``make_optimizer(**optimizer_hparams) -> optax transformation``;
        its arguments become arrays in the optimizer state (``optax.inject_hyperparams``),
        so learning rates, momenta, weight decays and schedule parameters may all vary.
      hparams: ``{name: [v_1, ..., v_K]}`` (scalars broadcast). ``"seed"`` sets each
        member's seed; names of the model's ``hparams`` variables go to the model; the
        rest to ``make_optimizer``.
      mesh: shard the population axis over this mesh (``jn.parallel.data_mesh()``).

    Returns:
      A :class:`Population`; call ``.fit(train, validation=..., ...)`` as with ``jn.fit``.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a flax.linen Module, found {type(model).__name__}")
    if not callable(make_optimizer):
        raise TypeError(f"make_optimizer must be a callable returning an optax transformation, "
                        f"found {type(make_optimizer).__name__}")
    arrays, size = check_hparams(hparams)
    return Population(model, make_optimizer, arrays, size, mesh)


__all__ = [
    "Engine",
    "Population",
    "PopulationResult",
    "check_hparams",
    "get_engine",
    "log_grid",
    "model_hparam_names",
    "population",
    "population_indices",
    "set_model_hparams",
    "take",
]
