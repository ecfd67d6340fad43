"""Transfer learning: copy a trained backbone into a new model, freeze layers by name.

A typical fine-tune::

    source = jn.load_checkpoint("runs/pretrain", like=old_state)      # or result.state
    tx = jn.train.freeze_layers(jn.optim.adam(1e-3), ["dense_0", "dense_1"])
    target = jn.TrainState.create(new_model, tx, x[:1])                # new head
    state = jn.transfer_state(source, target, exclude=["dense_2"])     # copy the backbone
    jn.fit(new_model, None, data, initial_state=state, epochs=...)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import jax
import optax

from jaxnets.train.state import TrainState
from jaxnets.typing import Params

FROZEN, TRAINABLE = "frozen", "trainable"


def _names(path: tuple) -> tuple[str, ...]:
    return tuple(str(getattr(k, "key", getattr(k, "name", k))) for k in path)


def _matches(names: tuple[str, ...], prefixes: Sequence[str]) -> bool:
    """Whether a leaf at ``names`` lies under one of the ``a/b`` style ``prefixes``."""
    joined = ["/".join(names[:k]) for k in range(1, len(names) + 1)]
    return any(p in joined for p in prefixes)


def _layer_list(params: Params) -> list[str]:
    return sorted({"/".join(_names(p)[:-1]) for p, _ in
                   jax.tree_util.tree_flatten_with_path(params)[0]})


def _check_names(params: Params, names: Sequence[str], what: str) -> None:
    paths = [_names(p) for p, _ in jax.tree_util.tree_flatten_with_path(params)[0]]
    unknown = [n for n in names if not any(_matches(p, [n]) for p in paths)]
    if unknown:
        raise ValueError(f"{what} names {unknown} match no parameter; layers are "
                         f"{_layer_list(params)}")


def freeze_labels(frozen: Sequence[str]) -> Callable[[Params], Any]:
    """``params -> tree of "frozen"/"trainable"`` for ``optax.multi_transform``."""
    frozen = [frozen] if isinstance(frozen, str) else list(frozen)

    def labels(params: Params) -> Any:
        _check_names(params, frozen, "freeze_layers")
        return jax.tree_util.tree_map_with_path(
            lambda p, _: FROZEN if _matches(_names(p), frozen) else TRAINABLE, params)

    return labels


def freeze_layers(tx: optax.GradientTransformation,
                  frozen: Sequence[str]) -> optax.GradientTransformation:
    """``tx`` on every parameter except those under the layers named in ``frozen``
    (``"dense_0"`` or nested ``"encoder/dense_0"``), whose updates are exactly zero.

    An ``optax.multi_transform``: frozen leaves get ``optax.set_to_zero()`` (no optimizer
    state, no weight decay), the rest ``tx`` as if it were applied to them alone. An
    unknown layer name is an error listing the model's layers.
    """
    if not isinstance(tx, optax.GradientTransformation):
        raise TypeError(f"tx must be an optax GradientTransformation, found {type(tx).__name__}")
    if isinstance(frozen, str):
        frozen = [frozen]
    if not frozen:
        raise ValueError("frozen must name at least one layer, found none")
    return optax.multi_transform({TRAINABLE: tx, FROZEN: optax.set_to_zero()},
                                 freeze_labels(frozen))


def _copy_tree(source: Any, target: Any, exclude: Sequence[str], what: str,
               copied: list[str]) -> Any:
    src = {_names(p): v for p, v in jax.tree_util.tree_flatten_with_path(source)[0]}

    def pick(path: tuple, leaf: Any) -> Any:
        names = _names(path)
        if _matches(names, exclude) or names not in src:
            return leaf
        new = src[names]
        if tuple(new.shape) != tuple(leaf.shape) or new.dtype != leaf.dtype:
            raise ValueError(
                f"transfer_state: {what} {'/'.join(names)} has shape {tuple(new.shape)} "
                f"{new.dtype} in the source but {tuple(leaf.shape)} {leaf.dtype} in the target; "
                f"add its layer to exclude to keep the target's fresh initialisation"
            )
        copied.append("/".join(names))
        return new

    return jax.tree_util.tree_map_with_path(pick, target)


def transfer_state(source: Any, target: TrainState, *,
                   exclude: Sequence[str] = ()) -> TrainState:
    """``target`` with every parameter (and batch statistic) that ``source`` has at the same
    path copied over, except under the layers in ``exclude`` (e.g. the old head).

    Args:
      source: a trained ``TrainState``, ``FitResult`` or a params dict.
      target: a fresh state of the new model (``TrainState.create``), whose optimizer may
        freeze layers (``freeze_layers``).
      exclude: layer names (``"dense_2"``, ``"encoder/dense_0"``) left as initialised.

    Returns:
      The target state with copied values, step/epoch 0 and its optimizer state
      re-initialised on the new parameters. A leaf present in both with another shape is
      an error (exclude its layer); copying nothing at all is an error too.
    """
    source = getattr(source, "state", source)  # FitResult
    if not isinstance(target, TrainState):
        raise TypeError(f"target must be a TrainState, found {type(target).__name__}")
    exclude = [exclude] if isinstance(exclude, str) else list(exclude)
    src_params = source.params if isinstance(source, TrainState) else source
    src_model_state = source.model_state if isinstance(source, TrainState) else {}
    if exclude:
        _check_names(target.params, exclude, "exclude")
    copied: list[str] = []
    params = _copy_tree(src_params, target.params, exclude, "parameter", copied)
    if not copied:
        raise ValueError("transfer_state copied nothing: the source and target share no "
                         f"parameter path (source layers {_layer_list(src_params)}, target "
                         f"layers {_layer_list(target.params)})")
    model_state = {col: _copy_tree(src_model_state.get(col, {}), tree, exclude, col, [])
                   for col, tree in target.model_state.items()}
    return target.replace(params=params, model_state=model_state,
                          opt_state=target.tx.init(params))


__all__ = ["freeze_labels", "freeze_layers", "transfer_state"]
