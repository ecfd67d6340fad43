"""Many devices with JAX's own runtime: meshes, shardings, a pmap step, multi-host set-up.

Data parallelism uses ``jax.sharding``: a 1-D mesh over the local devices with
a ``"data"`` axis; batches are split along it, parameters are replicated, and
the compiled step is the same pure function as on one device (XLA's SPMD
partitioner inserts the gradient all-reduce). ``jn.fit(..., mesh=data_mesh())``
is all a user writes. For pmap-style code, :func:`make_pmap_train_step` wraps
the same step with cross-device reductions.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from jaxnets.losses import get_loss
from jaxnets.train.state import TrainState
from jaxnets.train.step import Batch, train_step_outputs

DATA_AXIS = "data"


def data_mesh(devices: Sequence[jax.Device] | int | None = None, axis: str = DATA_AXIS) -> Mesh:
    """A 1-D mesh over ``devices`` (default: all local devices; an int takes the first n)."""
    local = jax.local_devices() if jax.process_count() == 1 else jax.devices()
    if devices is None:
        devices = local
    elif isinstance(devices, int) and not isinstance(devices, bool):
        if not 1 <= devices <= len(local):
            raise ValueError(f"devices must be between 1 and {len(local)} (the devices present), "
                             f"found {devices}")
        devices = local[:devices]
    devices = list(devices)
    if not devices:
        raise ValueError("devices must name at least one device, found none")
    return Mesh(np.array(devices), (axis,))


def replicated(mesh: Mesh) -> NamedSharding:
    """Every device holds the whole array."""
    return NamedSharding(mesh, PartitionSpec())


def sharded(mesh: Mesh, axis: str | None = None) -> NamedSharding:
    """The leading axis split over the mesh's (first) axis."""
    return NamedSharding(mesh, PartitionSpec(axis or mesh.axis_names[0]))


def batch_constraint(mesh: Mesh) -> Callable[[Batch], Batch]:
    """Inside a compiled step: lay a batch out split over the data axis."""
    sharding = sharded(mesh)

    def constrain(batch: Batch) -> Batch:
        return jax.tree_util.tree_map(
            lambda a: jax.lax.with_sharding_constraint(a, sharding), batch)

    return constrain


def put_replicated(tree: Any, mesh: Mesh) -> Any:
    """Place a pytree (a TrainState, the data) on every device of the mesh.

    With several processes (multi-host), each host passes the same full arrays
    and gets a global array back.
    """
    sharding = replicated(mesh)
    if jax.process_count() > 1:
        return jax.tree_util.tree_map(
            lambda a: jax.make_array_from_process_local_data(sharding, np.asarray(a)), tree)
    return jax.device_put(tree, sharding)


def put_population(tree: Any, mesh: Mesh) -> Any:
    """Split a population pytree (leading member axis) over the mesh's devices."""
    size = int(mesh.size)
    members = jax.tree_util.tree_leaves(tree)[0].shape[0]
    if members % size:
        raise ValueError(f"population size must be a multiple of the device count {size} to "
                         f"shard it, found {members} members")
    return jax.device_put(tree, sharded(mesh))


def make_pmap_train_step(
    loss: str | Callable = "cross_entropy", *, axis_name: str = "batch", **step_kwargs: Any
) -> Callable[[TrainState, Batch], tuple[TrainState, dict[str, jax.Array]]]:
    """A ``jax.pmap``-ped train step built from the same pure step.

    Inputs carry a leading device axis: a replicated state (``replicate(state)``)
    and a batch split into ``[devices, B / devices, ...]`` (``split_batch``). The
    gradient is the cross-device sum of per-device gradients of
    ``sum(loss * mask) / psum(count)``, i.e. exactly the gradient of the global
    masked mean; with equal shards this is the ``lax.pmean`` of the per-device
    mean gradients.
    """
    loss_fn = get_loss(loss)

    def step(state: TrainState, batch: Batch):
        state, out = train_step_outputs(state, batch, loss_fn=loss_fn, axis_name=axis_name,
                                        **step_kwargs)
        count = jax.lax.psum(out.count, axis_name)
        loss_value = jax.lax.psum(out.loss_sum, axis_name) / jnp.maximum(count, 1.0)
        return state, {"loss": loss_value, "count": count, "grad_norm": out.grad_norm}

    return jax.pmap(step, axis_name=axis_name)


def replicate(tree: Any, devices: Sequence[jax.Device] | None = None) -> Any:
    """Stack a pytree once per local device (the pmap layout)."""
    devices = list(devices or jax.local_devices())
    stacked = jax.tree_util.tree_map(lambda a: jnp.stack([jnp.asarray(a)] * len(devices)), tree)
    return jax.device_put(stacked, NamedSharding(Mesh(np.array(devices), ("replica",)),
                                                 PartitionSpec("replica")))


def unreplicate(tree: Any) -> Any:
    """The first device's copy of a pmap-replicated pytree."""
    return jax.tree_util.tree_map(lambda a: a[0], tree)


def split_batch(batch: Batch, devices: int) -> Batch:
    """Pad a batch (masked) to a multiple of ``devices`` and split it to ``[devices, B/d, ...]``."""
    n = batch.x.shape[0]
    extra = -n % devices

    def pad_split(a):
        a = jnp.asarray(a)
        if extra:
            a = jnp.concatenate([a, jnp.zeros((extra, *a.shape[1:]), a.dtype)])
        return a.reshape(devices, -1, *a.shape[1:])

    return Batch(pad_split(batch.x), pad_split(batch.y), pad_split(batch.mask))


def initialize(
    coordinator_address: str | None = None,
    num_processes: int | None = None,
    process_id: int | None = None,
    **kwargs: Any,
) -> None:
    """Join a multi-host run (``jax.distributed.initialize``); call before any other JAX call.

    On Cloud TPU pods and SLURM/Kubernetes clusters the arguments are detected
    from the environment and may be left out.
    """
    jax.distributed.initialize(coordinator_address=coordinator_address,
                               num_processes=num_processes, process_id=process_id, **kwargs)


def host_shard(x: Any, y: Any, *, process_index: int | None = None,
               process_count: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """This host's contiguous share of ``(x, y)`` for per-host data loading.

    Shares differ by at most one example; every example belongs to exactly one host.
    """
    index = jax.process_index() if process_index is None else process_index
    count = jax.process_count() if process_count is None else process_count
    if not 0 <= index < count:
        raise ValueError(f"process_index must be in [0, {count}), found {index}")
    x, y = np.asarray(x), np.asarray(y)
    if len(x) != len(y):
        raise ValueError(f"x and y must have the same length, found {len(x)} and {len(y)}")
    bounds = np.linspace(0, len(x), count + 1).round().astype(int)
    return x[bounds[index]:bounds[index + 1]], y[bounds[index]:bounds[index + 1]]


__all__ = [
    "DATA_AXIS",
    "batch_constraint",
    "data_mesh",
    "host_shard",
    "initialize",
    "make_pmap_train_step",
    "put_population",
    "put_replicated",
    "replicate",
    "replicated",
    "sharded",
    "split_batch",
    "unreplicate",
]
