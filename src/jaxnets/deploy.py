"""Export a trained model for inference as serialized StableHLO (``jax.export``).

``export(state, "model_dir", sample_input)`` writes a directory with

- ``model.stablehlo``: the serialized ``jax.export.Exported`` of
  ``(variables, x) -> outputs`` in evaluation mode, with a symbolic batch size;
- ``variables.msgpack``: the parameters and model state (batch statistics),
  ``flax.serialization`` msgpack (plain arrays, never pickle);
- ``meta.json``: input and output shapes and dtypes, platforms, versions and
  SHA-256 digests of both files (a corrupted file is caught on load).

``load_exported("model_dir")`` runs it without the model's Python class: only
``jax.export.deserialize`` and ``msgpack_restore`` are needed.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from flax import serialization
from flax.core import unfreeze

from jaxnets.train.state import TrainState
from jaxnets.typing import Array, ArrayLike

FORMAT = "jaxnets-export"
VERSION = 1
FILES = ("model.stablehlo", "variables.msgpack")


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _input_dtype(x: np.ndarray) -> np.dtype:
    """The dtype ``fit`` feeds the model: float32 floats, int32 integers."""
    if np.issubdtype(x.dtype, np.floating):
        return np.dtype(np.float32)
    if np.issubdtype(x.dtype, np.integer) or x.dtype == bool:
        return np.dtype(np.int32)
    raise TypeError(f"sample_input must hold numbers, found dtype {x.dtype}")


def _host_variables(state: TrainState) -> dict[str, Any]:
    variables = unfreeze(jax.device_get(state.variables))
    return jax.tree_util.tree_map(np.asarray, variables)


def _write_atomically(path: Path, files: dict[str, bytes], overwrite: bool) -> None:
    """Write into a temporary sibling, then rename into place (an old export is replaced
    only with ``overwrite``, and only once the new one is complete)."""
    tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    for name, data in files.items():
        (tmp / name).write_bytes(data)
    if path.exists():
        old = path.with_name(f"{path.name}.old-{os.getpid()}")
        os.replace(path, old)
        os.replace(tmp, path)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(tmp, path)
    del overwrite  # checked by the caller before any work


def export(
    state: Any,
    path: str | os.PathLike,
    sample_input: ArrayLike,
    *,
    overwrite: bool = False,
    platforms: Sequence[str] | None = None,
    batch_polymorphic: bool = True,
) -> Path:
    """Write ``state``'s model (a ``TrainState`` or ``FitResult``) for inference.

    Args:
      state: the trained state; its ``apply_fn`` is traced in evaluation mode.
      path: a new directory (an existing one needs ``overwrite=True``).
      sample_input: example inputs [N, ...]; fixes the feature shape and dtype.
      overwrite: replace an existing export at ``path``.
      platforms: lower for these (``"cpu"``, ``"cuda"``, ``"tpu"``); default the current one.
      batch_polymorphic: a symbolic batch size (any N on load); ``False`` fixes N.

    Returns:
      The export directory.
    """
    state = getattr(state, "state", state)  # a FitResult
    if not isinstance(state, TrainState):
        raise TypeError(f"state must be a TrainState or FitResult, found {type(state).__name__}")
    path = Path(path)
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} exists; pass overwrite=True to replace it")
    x = np.asarray(sample_input)
    if x.ndim == 0 or len(x) == 0:
        raise ValueError(f"sample_input must be [N, ...] with N >= 1, found shape {x.shape}")
    dtype = _input_dtype(x)
    variables = _host_variables(state)
    if not all(np.all(np.isfinite(a)) for a in jax.tree_util.tree_leaves(variables)
               if np.issubdtype(a.dtype, np.inexact)):
        raise ValueError("state holds NaN/Inf parameters; refusing to export them")
    batch = jax.export.symbolic_shape("batch")[0] if batch_polymorphic else x.shape[0]
    spec_x = jax.ShapeDtypeStruct((batch, *x.shape[1:]), dtype)
    spec_v = jax.tree_util.tree_map(lambda a: jax.ShapeDtypeStruct(a.shape, a.dtype), variables)
    apply_fn = state.apply_fn
    fn = jax.jit(lambda v, inputs: apply_fn(v, inputs, train=False))
    try:
        exported = jax.export.export(fn, platforms=platforms)(spec_v, spec_x)
    except Exception as e:  # noqa: BLE001 - tracing errors come from the user's model
        hint = " (try batch_polymorphic=False)" if batch_polymorphic else ""
        raise ValueError(f"cannot export the model on inputs of shape {spec_x.shape}{hint}: "
                         f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}") from e
    blob = bytes(exported.serialize())
    weights = serialization.msgpack_serialize(variables)
    out = exported.out_avals[0]
    meta = {
        "format": FORMAT, "version": VERSION,
        "input_shape": [None if batch_polymorphic else x.shape[0], *x.shape[1:]],
        "input_dtype": str(dtype),
        "output_shape": [None if batch_polymorphic else int(out.shape[0]),
                         *[int(d) for d in out.shape[1:]]],
        "output_dtype": str(out.dtype),
        "platforms": list(exported.platforms),
        "jax": jax.__version__,
        "sha256": {"model.stablehlo": _digest(blob), "variables.msgpack": _digest(weights)},
    }
    files = {"model.stablehlo": blob, "variables.msgpack": weights,
             "meta.json": json.dumps(meta, indent=2).encode()}
    _write_atomically(path, files, overwrite)
    return path


class ExportedModel:
    """A loaded export: call it on inputs [N, ...] to get outputs (no Python model class)."""

    def __init__(self, exported: jax.export.Exported, variables: Any, meta: dict[str, Any]):
        self.exported, self.variables, self.meta = exported, variables, meta

    @property
    def input_shape(self) -> tuple:
        return tuple(self.meta["input_shape"])

    @property
    def output_shape(self) -> tuple:
        return tuple(self.meta["output_shape"])

    def __call__(self, x: ArrayLike) -> Array:
        x = np.asarray(x)
        expected = self.input_shape
        if x.ndim != len(expected) or tuple(x.shape[1:]) != tuple(expected[1:]) or (
                expected[0] is not None and x.shape[0] != expected[0]):
            raise ValueError(f"x must have shape {expected} (None: any batch size), "
                             f"found {x.shape}")
        return self.exported.call(self.variables, jnp.asarray(x, self.meta["input_dtype"]))


def _read(path: Path, name: str) -> bytes:
    file = path / name
    if not file.is_file():
        raise FileNotFoundError(f"{path} is not a complete export: {name} is missing")
    return file.read_bytes()


def load_exported(path: str | os.PathLike) -> ExportedModel:
    """Load what ``export`` wrote; checks the format and the files' SHA-256 digests."""
    path = Path(path)
    if not path.is_dir():
        raise FileNotFoundError(f"export directory {path} does not exist")
    try:
        meta = json.loads(_read(path, "meta.json"))
    except ValueError as e:
        raise ValueError(f"{path}/meta.json is corrupt: {e}") from e
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ValueError(f"{path} is not a jaxnets export (format {FORMAT!r} expected)")
    if meta.get("version", 0) > VERSION:
        raise ValueError(f"{path} has export version {meta['version']}; this jaxnets reads "
                         f"up to {VERSION}")
    data = {name: _read(path, name) for name in FILES}
    for name, blob in data.items():
        if _digest(blob) != meta["sha256"][name]:
            raise ValueError(f"{path / name} is corrupt: its SHA-256 does not match meta.json")
    exported = jax.export.deserialize(bytearray(data["model.stablehlo"]))
    variables = serialization.msgpack_restore(data["variables.msgpack"])
    return ExportedModel(exported, variables, meta)


__all__ = ["ExportedModel", "export", "load_exported"]
