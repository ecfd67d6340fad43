"""Hyperparameter search: grid, random and Bayesian (optuna TPE), run as populations.

Configurations that differ only in numeric values of optimizer or model-array
hyperparameters (learning rate, momentum, weight decay, dropout, seed) are
trained together as one :func:`~jaxnets.tune.population`. Configurations that
differ in structure (arguments of a ``make_model`` factory, or non-numeric
optimizer arguments) form separate groups, one population each.
"""

from __future__ import annotations

import functools
import inspect
import itertools
import math
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import flax.linen as nn
import numpy as np
import optax

from jaxnets.train.fit import FitResult
from jaxnets.tune._population import _mode, population

# ----------------------------------------------------------------------------- the space


class Distribution:
    """A search dimension: ``sample(rng, n)`` for random search, ``suggest`` for optuna."""

    def sample(self, rng: np.random.Generator, n: int) -> list[Any]:
        raise NotImplementedError

    def suggest(self, trial: Any, name: str) -> Any:
        raise NotImplementedError


def _check_bounds(kind: str, low: float, high: float, positive: bool = False) -> None:
    for name, v in (("low", low), ("high", high)):
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            raise TypeError(f"{kind}.{name} must be a finite number, found {v!r}")
    if not low < high:
        raise ValueError(f"{kind} needs low < high, found low={low!r}, high={high!r}")
    if positive and low <= 0:
        raise ValueError(f"{kind} needs low > 0 (log scale), found low={low!r}")


@dataclass(frozen=True)
class Uniform(Distribution):
    """A float drawn uniformly from ``[low, high)``."""

    low: float
    high: float

    def __post_init__(self):
        _check_bounds("Uniform", self.low, self.high)

    def sample(self, rng, n):
        return [float(v) for v in rng.uniform(self.low, self.high, n)]

    def suggest(self, trial, name):
        return trial.suggest_float(name, self.low, self.high)


@dataclass(frozen=True)
class LogUniform(Distribution):
    """A float whose logarithm is uniform on ``[log low, log high)``."""

    low: float
    high: float

    def __post_init__(self):
        _check_bounds("LogUniform", self.low, self.high, positive=True)

    def sample(self, rng, n):
        values = np.exp(rng.uniform(np.log(self.low), np.log(self.high), n))
        return [float(np.clip(v, self.low, self.high)) for v in values]

    def suggest(self, trial, name):
        return trial.suggest_float(name, self.low, self.high, log=True)


@dataclass(frozen=True)
class IntUniform(Distribution):
    """An integer drawn uniformly from ``low..high`` (both included)."""

    low: int
    high: int

    def __post_init__(self):
        for name, v in (("low", self.low), ("high", self.high)):
            if isinstance(v, bool) or not isinstance(v, int):
                raise TypeError(f"IntUniform.{name} must be an int, found {v!r}")
        if self.low > self.high:
            raise ValueError(f"IntUniform needs low <= high, found {self.low} > {self.high}")

    def sample(self, rng, n):
        return [int(v) for v in rng.integers(self.low, self.high + 1, n)]

    def suggest(self, trial, name):
        return trial.suggest_int(name, self.low, self.high)


@dataclass(frozen=True)
class Choice(Distribution):
    """One of ``options`` with equal probability (numbers, strings, tuples...)."""

    options: tuple

    def __init__(self, options: Sequence[Any]):
        if isinstance(options, str) or not isinstance(options, Sequence) or len(options) == 0:
            raise ValueError(f"Choice needs a non-empty sequence of options, found {options!r}")
        object.__setattr__(self, "options", tuple(options))

    def sample(self, rng, n):
        return [self.options[i] for i in rng.integers(0, len(self.options), n)]

    def suggest(self, trial, name):
        # optuna stores choices that are None/bool/int/float/str; index anything else
        index = trial.suggest_categorical(name, list(range(len(self.options))))
        return self.options[index]


def as_distribution(name: str, value: Any) -> Distribution:
    """A ``Distribution``, or a list of values (a ``Choice``)."""
    if isinstance(value, Distribution):
        return value
    if isinstance(value, Sequence) and not isinstance(value, str):
        return Choice(value)
    raise TypeError(f"space[{name!r}] must be a Distribution (Uniform, LogUniform, IntUniform, "
                    f"Choice) or a list of values, found {value!r}")


def sample_space(space: Mapping[str, Any], num: int, seed: int = 0) -> list[dict[str, Any]]:
    """``num`` configurations drawn independently from ``space`` (reproducible from ``seed``)."""
    if isinstance(num, bool) or not isinstance(num, int) or num < 1:
        raise ValueError(f"num_samples must be a positive int, found {num!r}")
    rng = np.random.default_rng(seed)
    dists = {k: as_distribution(k, v) for k, v in space.items()}
    columns = {k: d.sample(rng, num) for k, d in dists.items()}
    return [{k: columns[k][i] for k in dists} for i in range(num)]


def grid(axes: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    """Every combination of the axes' values (the Cartesian product), first axis slowest."""
    if not axes:
        raise ValueError("a grid needs at least one axis, found {}")
    for k, v in axes.items():
        if isinstance(v, str) or not isinstance(v, Sequence) or len(v) == 0:
            raise ValueError(f"grid axis {k!r} must be a non-empty list of values, found {v!r}")
    names = list(axes)
    return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*axes.values())]


# ----------------------------------------------------------------------------- results


@dataclass
class SearchResult:
    """Every configuration tried, its score, and the best one.

    ``rows``: one dict per configuration (its hyperparameters, ``metric``, ``group``).
    """

    rows: list[dict[str, Any]]
    metric: str
    mode: str
    best_result: FitResult | None = None
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def best(self) -> dict[str, Any]:
        """The row with the best score (non-finite scores never win)."""
        sign = 1.0 if self.mode == "min" else -1.0
        key = lambda r: sign * r[self.metric] if math.isfinite(r[self.metric]) else math.inf
        return min(self.rows, key=key)

    def sorted_rows(self, top: int | None = None) -> list[dict[str, Any]]:
        sign = 1.0 if self.mode == "min" else -1.0
        key = lambda r: sign * r[self.metric] if math.isfinite(r[self.metric]) else math.inf
        return sorted(self.rows, key=key)[:top]

    def table(self, top: int | None = 10) -> str:
        """A plain-text table of the ``top`` configurations, best first."""
        rows = self.sorted_rows(top)
        columns = list(rows[0])

        def cell(v: Any) -> str:
            return f"{v:.4g}" if isinstance(v, float) else str(v)

        cells = [[cell(r.get(c, "")) for c in columns] for r in rows]
        widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
        lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)),
                 "  ".join("-" * w for w in widths)]
        lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)) for row in cells]
        return "\n".join(lines)

    def plot(self, path: str | os.PathLike | None = None, *, x: str | None = None,
             y: str | None = None, title: str | None = None):
        """The score over the space: a colour-coded scatter over two parameters (``x``, ``y``),
        or one panel per numeric parameter. Log axes for parameters spanning > 2 decades."""
        from jaxnets.viz import _save, plt

        params = [k for k in self.rows[0] if k not in (self.metric, "group", "trial", "member")
                  and all(isinstance(r[k], int | float) for r in self.rows)]
        scores = np.array([r[self.metric] for r in self.rows], float)
        if x is None and y is None and len(params) == 2:
            x, y = params
        if x is not None and y is not None:
            fig, ax = plt.subplots(figsize=(5.5, 4.2))
            sc = ax.scatter([r[x] for r in self.rows], [r[y] for r in self.rows], c=scores,
                            cmap="viridis", s=60, edgecolors="k")
            fig.colorbar(sc, ax=ax, label=self.metric)
            _log_axis(ax, "x", [r[x] for r in self.rows])
            _log_axis(ax, "y", [r[y] for r in self.rows])
            ax.set_xlabel(x)
            ax.set_ylabel(y)
        else:
            names = params or ["group"]
            fig, axes = plt.subplots(1, len(names), figsize=(4 * len(names), 3.5), squeeze=False)
            for ax, name in zip(axes[0], names, strict=True):
                values = [r.get(name, "") for r in self.rows]
                if name == "group":
                    values = [str(v) for v in values]
                ax.scatter(values, scores, s=30)
                if name != "group":
                    _log_axis(ax, "x", values)
                ax.set_xlabel(name)
                ax.set_ylabel(self.metric)
                ax.grid(alpha=0.3)
        if title:
            fig.suptitle(title)
        fig.tight_layout()
        return _save(fig, path)


def _log_axis(ax: Any, which: str, values: Sequence[float]) -> None:
    v = np.asarray(values, float)
    if np.all(v > 0) and v.max() / v.min() > 100:
        (ax.set_xscale if which == "x" else ax.set_yscale)("log")


# ----------------------------------------------------------------------------- running


ModelLike = nn.Module | Callable[..., nn.Module]


def _model_args(model: ModelLike) -> set[str]:
    """Argument names of a ``make_model`` factory (none for a module)."""
    if isinstance(model, nn.Module):
        return set()
    if not callable(model):
        raise TypeError(f"model must be a flax Module or a make_model(**choices) factory, found "
                        f"{type(model).__name__}")
    return set(inspect.signature(model).parameters)


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float | np.integer | np.floating) and not isinstance(v, bool)


def _groups(configs: list[dict[str, Any]], model: ModelLike
            ) -> list[tuple[dict[str, Any], list[int]]]:
    """Configurations grouped by their structural part (model arguments, non-numbers)."""
    model_args = _model_args(model)
    groups: dict[tuple, tuple[dict[str, Any], list[int]]] = {}
    for i, cfg in enumerate(configs):
        fixed = {k: v for k, v in cfg.items() if k in model_args or not _is_number(v)}
        key = tuple(sorted((k, repr(v)) for k, v in fixed.items()))
        groups.setdefault(key, (fixed, []))[1].append(i)
    return list(groups.values())


def _group_label(fixed: Mapping[str, Any]) -> str:
    return ",".join(f"{k}={v}" for k, v in fixed.items()) or "-"


def run_configs(
    model: ModelLike,
    make_optimizer: Callable[..., optax.GradientTransformation],
    configs: list[dict[str, Any]],
    train: Any,
    validation: Any = None,
    *,
    metric: str = "val_loss",
    mode: str | None = None,
    mesh: Any = None,
    **fit_kwargs: Any,
) -> SearchResult:
    """Train every configuration, one population per structural group; score by ``metric``
    (each member's best epoch)."""
    mode = _mode(metric, mode)
    if not configs:
        raise ValueError("configs must hold at least one configuration, found none")
    model_args = _model_args(model)
    rows: list[dict[str, Any] | None] = [None] * len(configs)
    best: tuple[float, FitResult | None] = (math.inf, None)
    sign = 1.0 if mode == "min" else -1.0
    for g, (fixed, members) in enumerate(_groups(configs, model)):
        net = model(**{k: v for k, v in fixed.items() if k in model_args}) \
            if model_args or not isinstance(model, nn.Module) else model
        opt_fixed = {k: v for k, v in fixed.items() if k not in model_args}
        make = functools.partial(make_optimizer, **opt_fixed) if opt_fixed else make_optimizer
        hp = {k: [configs[i][k] for i in members] for k in configs[members[0]] if k not in fixed}
        if not hp:
            hp = {"seed": [fit_kwargs.get("seed", 0)] * len(members)}
        result = population(net, make, hp, mesh=mesh).fit(train, validation, **fit_kwargs)
        scores = result.scores(metric, mode)
        for j, i in enumerate(members):
            rows[i] = {**configs[i], metric: float(scores[j]), "group": g}
        j = int(np.nanargmin(sign * np.where(np.isfinite(scores), scores, sign * np.inf)))
        if math.isfinite(scores[j]) and sign * scores[j] < best[0]:
            member = result.member(j)
            member.info["config"] = configs[members[j]]
            best = (sign * scores[j], member)
    return SearchResult([r for r in rows if r is not None], metric, mode, best[1],
                        {"groups": len(_groups(configs, model))})


def grid_search(
    model: ModelLike,
    make_optimizer: Callable[..., optax.GradientTransformation],
    axes: Mapping[str, Sequence[Any]],
    train: Any,
    validation: Any = None,
    *,
    metric: str = "val_loss",
    mode: str | None = None,
    **fit_kwargs: Any,
) -> SearchResult:
    """Train every combination of ``axes`` (numeric ones as one population per group).

    ``model`` is a module, or ``make_model(**choices)`` whose arguments are axes too.
    ``fit_kwargs`` go to ``Population.fit`` (``epochs``, ``batch_size``, ``patience``...).
    """
    return run_configs(model, make_optimizer, grid(axes), train, validation, metric=metric,
                       mode=mode, **fit_kwargs)


def random_search(
    model: ModelLike,
    make_optimizer: Callable[..., optax.GradientTransformation],
    space: Mapping[str, Any],
    train: Any,
    validation: Any = None,
    *,
    num_samples: int = 16,
    seed: int = 0,
    metric: str = "val_loss",
    mode: str | None = None,
    **fit_kwargs: Any,
) -> SearchResult:
    """``num_samples`` configurations drawn from ``space`` with ``seed`` (which also seeds
    training unless the space has ``"seed"``), trained as populations."""
    configs = sample_space(space, num_samples, seed)
    fit_kwargs.setdefault("seed", seed)
    return run_configs(model, make_optimizer, configs, train, validation, metric=metric,
                       mode=mode, **fit_kwargs)


def bayesian_search(
    make_model: ModelLike,
    make_optimizer: Callable[..., optax.GradientTransformation],
    structure: Mapping[str, Any],
    continuous: Mapping[str, Any],
    train: Any,
    validation: Any = None,
    *,
    trials: int = 8,
    population_size: int = 4,
    seed: int = 0,
    metric: str = "val_loss",
    mode: str | None = None,
    **fit_kwargs: Any,
) -> SearchResult:
    """Bayesian optimisation (optuna's TPE) over structural choices; each trial trains a
    population of ``population_size`` random draws from ``continuous``.

    Args:
      make_model: ``make_model(**structural) -> Module`` (structural names it does not take go
        to ``make_optimizer``).
      structure: ``{name: Choice | IntUniform | ...}``, proposed by TPE.
      continuous: ``{name: LogUniform | Uniform | ...}``, sampled per trial (seeded by
        ``seed`` and the trial number) and trained as one population.
      trials: number of TPE trials; the trial's score is its population's best member.
    """
    import optuna

    if isinstance(trials, bool) or not isinstance(trials, int) or trials < 1:
        raise ValueError(f"trials must be a positive int, found {trials!r}")
    mode = _mode(metric, mode)
    dists = {k: as_distribution(k, v) for k, v in structure.items()}
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction="minimize" if mode == "min" else "maximize",
                                sampler=optuna.samplers.TPESampler(seed=seed))
    rows: list[dict[str, Any]] = []
    best: list[Any] = [None, None]  # (score, FitResult)
    fit_kwargs.setdefault("seed", seed)

    def objective(trial: Any) -> float:
        choice = {k: d.suggest(trial, k) for k, d in dists.items()}
        draws = sample_space(continuous, population_size, seed=seed * 100_003 + trial.number)
        configs = [{**choice, **d} for d in draws]
        result = run_configs(make_model, make_optimizer, configs, train, validation,
                             metric=metric, mode=mode, **fit_kwargs)
        rows.extend({**r, "trial": trial.number} for r in result.rows)
        score = result.best[metric]
        if result.best_result is not None and (
                best[0] is None or (score < best[0] if mode == "min" else score > best[0])):
            best[:] = [score, result.best_result]
        return score if math.isfinite(score) else (math.inf if mode == "min" else -math.inf)

    study.optimize(objective, n_trials=trials)
    return SearchResult(rows, metric, mode, best[1], {"study": study})


__all__ = [
    "Choice",
    "Distribution",
    "IntUniform",
    "LogUniform",
    "SearchResult",
    "Uniform",
    "bayesian_search",
    "grid",
    "grid_search",
    "random_search",
    "run_configs",
    "sample_space",
]
