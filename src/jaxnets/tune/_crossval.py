"""Cross-validation vmapped over folds: every fold's model trains in one compiled program.

Folds have different sizes, so each fold's batches are index arrays into the
shared data, drawn exactly as ``jn.fit`` draws them for that fold's training
set, then padded to equal shapes: extra batches are empty (an exact no-op of the
train step) and extra slots in a batch are masked (they change no loss, gradient
or metric). Fold ``f`` therefore equals ``jn.fit`` on ``train_idx_f`` with
validation on ``val_idx_f`` (up to float summation order).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import optax

from jaxnets.data._types import Split
from jaxnets.losses import get_loss
from jaxnets.metrics import Metric
from jaxnets.optim import get_optimizer
from jaxnets.train import _checks
from jaxnets.train.epoch import BatchPlan, epoch_indices, resolve_batch_size, sequential_indices
from jaxnets.train.fit import resolve_metrics, to_device
from jaxnets.train.step import Augment, Regularizer
from jaxnets.tune._population import (
    PopulationLoop,
    PopulationResult,
    check_data,
    get_engine,
    population,
    take_members,
)
from jaxnets.typing import Array


def check_folds(folds: Sequence[tuple[Any, Any]], n: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Validate ``[(train_idx, val_idx), ...]`` against ``n`` examples."""
    if isinstance(folds, str) or not isinstance(folds, Sequence) or len(folds) == 0:
        raise ValueError(f"folds must be a non-empty list of (train_idx, val_idx) pairs, found "
                         f"{folds!r}")
    out = []
    for f, pair in enumerate(folds):
        if not isinstance(pair, Sequence) or len(pair) != 2:
            raise ValueError(f"folds[{f}] must be a (train_idx, val_idx) pair, found {pair!r}")
        arrays = []
        for name, a in zip(("train_idx", "val_idx"), pair, strict=True):
            a = np.asarray(a)
            if a.ndim != 1 or len(a) == 0 or not np.issubdtype(a.dtype, np.integer):
                raise ValueError(f"folds[{f}] {name} must be a non-empty 1-D integer array, "
                                 f"found shape {a.shape} dtype {a.dtype}")
            if a.min() < 0 or a.max() >= n:
                raise ValueError(f"folds[{f}] {name} must index the {n} examples (0..{n - 1}), "
                                 f"found values in [{a.min()}, {a.max()}]")
            arrays.append(a.astype(np.int32))
        out.append((arrays[0], arrays[1]))
    return out


def pad_stack(idx: Sequence[np.ndarray], mask: Sequence[np.ndarray]) -> tuple[Array, Array]:
    """Stack per-fold ``[steps_f, B_f]`` batches into ``[F, max steps, max B]``, padding masked."""
    steps = max(a.shape[0] for a in idx)
    width = max(a.shape[1] for a in idx)
    pad = lambda a: np.pad(np.asarray(a), [(0, steps - a.shape[0]), (0, width - a.shape[1])])
    return jnp.asarray(np.stack([pad(a) for a in idx])), jnp.asarray(np.stack([pad(m) for m in mask]))


@functools.partial(jax.jit, static_argnums=(2, 3))
def _fold_indices(key: Array, epoch: Array, plan: BatchPlan, shuffle: bool) -> tuple[Array, Array]:
    return epoch_indices(key, epoch, plan, shuffle)


def cross_validate_population(
    model: nn.Module,
    optimizer: str | optax.GradientTransformation,
    data: Any,
    folds: Sequence[tuple[Any, Any]],
    *,
    loss: str | Callable = "cross_entropy",
    metrics: Sequence[str | Metric] | None = None,
    epochs: int = 10,
    batch_size: int | None = 32,
    seed: int | Sequence[int] = 0,
    shuffle: bool = True,
    drop_last: bool = False,
    regularizer: Regularizer | None = None,
    augment: Augment | None = None,
    skip_nonfinite: bool = True,
    eval_batch_size: int | None = None,
    mesh: Any = None,
) -> PopulationResult:
    """Train one model per fold, all folds in one vmapped program; validate on each fold.

    Args:
      model, optimizer, loss, metrics, epochs, batch_size, shuffle, drop_last, regularizer,
        augment, skip_nonfinite, eval_batch_size: as in ``jn.fit``.
      data: the whole data set (a ``Split``, ``(x, y)`` or dict), indexed by ``folds``.
      folds: ``[(train_idx, val_idx), ...]`` (e.g. from ``jn.data`` k-fold or scikit-learn).
      seed: one seed for every fold (as a loop of ``fit(..., seed=seed)``), or one per fold.
      mesh: shard the fold axis over this mesh's devices.

    Returns:
      A ``PopulationResult`` with one member per fold (``history[f]`` has ``val_*``);
      ``info["folds"]`` holds each fold's last-epoch validation metrics, ``info["mean"]`` and
      ``info["std"]`` their mean and standard deviation over folds.
    """
    epochs = _checks.check_int("epochs", epochs, minimum=0)
    get_loss(loss)
    metrics = resolve_metrics(metrics, loss)
    tx = get_optimizer(optimizer)
    split = _checks.as_split(data, "data")
    _checks.check_split(split, "data")
    folds = check_folds(folds, len(split))
    k = len(folds)
    seeds = [seed] * k if np.ndim(seed) == 0 else list(seed)
    if len(seeds) != k:
        raise ValueError(f"seed must be an int or one seed per fold ({k}), found {len(seeds)}")
    sizes = [len(tr) for tr, _ in folds]
    batch = [resolve_batch_size(batch_size, n) for n in sizes]
    plans = [BatchPlan(n, b, drop_last) for n, b in zip(sizes, batch, strict=True)]
    eval_bs = (resolve_batch_size(eval_batch_size, 10**9, "eval_batch_size") if eval_batch_size
               else max(min(batch), 256))
    pop = population(model, lambda: tx, {"seed": seeds}, mesh=mesh)
    x0 = to_device(Split(split.x[:1], split.y[:1]))[0]
    state = pop.init(x0, 0, loss, metrics, pad_to=int(mesh.size) if mesh else 1)
    num_classes = check_data(state, split, None, loss)
    x, y = to_device(split)
    engine = get_engine(loss, metrics, regularizer, augment, skip_nonfinite)
    if mesh is not None:
        from jaxnets.parallel import put_population, put_replicated

        state = put_population(state, mesh)
        x, y = put_replicated((x, y), mesh)
    padded = int(state.step.shape[0])
    # padding members (for the mesh) repeat fold 0
    members = folds + [folds[0]] * (padded - k)
    plans = plans + [plans[0]] * (padded - k)

    def indices(state) -> tuple[Array, Array]:
        keys, done = jax.device_get((state.key, state.epoch))
        parts = [jax.device_get(_fold_indices(jnp.asarray(keys[f]), jnp.asarray(done[f]),
                                              plans[f], shuffle)) for f in range(padded)]
        return pad_stack([members[f][0][i] for f, (i, _) in enumerate(parts)],
                         [m for _, m in parts])

    val_parts = []
    for _, val_idx in members:
        vi, vm = jax.device_get(sequential_indices(BatchPlan(len(val_idx),
                                                             min(eval_bs, len(val_idx)))))
        val_parts.append((val_idx[vi], vm))
    val_indices = pad_stack([a for a, _ in val_parts], [m for _, m in val_parts])
    loop = PopulationLoop(engine, state, (x, y), (x, y), k, num_classes, mesh=mesh)
    history, _ = loop.run(indices, val_indices, max(sizes),
                          max(len(v) for _, v in folds), epochs, None, "val_loss", 0.0, None, False)
    final = [{name[4:]: h[name][-1] for name in h if name.startswith("val_")} for h in history]
    names = final[0].keys() if final else []
    info = {"folds": final,
            "mean": {n: float(np.mean([f[n] for f in final])) for n in names},
            "std": {n: float(np.std([f[n] for f in final])) for n in names},
            "batch_size": batch, "time": loop.elapsed}
    return PopulationResult(take_members(loop.state, k), history,
                            {"fold": np.arange(k), "seed": np.asarray(seeds)}, model, info)


__all__ = ["check_folds", "cross_validate_population"]
