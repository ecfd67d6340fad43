"""Gradient and activation diagnostics: finite-difference checks, per-layer norms, warnings.

- :func:`gradient_check` compares any gradient with central finite differences.
- ``jn.fit(..., diagnostics=True)`` records per-layer ``grad_norm/LAYER``,
  ``param_norm/LAYER`` and ``update_ratio/LAYER`` (``||delta theta|| / ||theta||``)
  in the history, averaged over each epoch's steps (computed inside the compiled
  step; a few reductions per layer).
- :func:`flow_warnings` and the :class:`GradientMonitor` callback name the layers
  whose gradients vanish or explode.
- :func:`activation_stats` gives saturated sigmoid/tanh and dead ReLU fractions.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

import flax.linen as nn
import jax
import jax.flatten_util
import jax.numpy as jnp
import numpy as np
from flax import traverse_util

from jaxnets.train.callbacks import Callback
from jaxnets.typing import Array

KINDS = ("grad_norm", "param_norm", "update_ratio")


def _group(tree: Any) -> dict[str, list[Array]]:
    """Leaves grouped by the module that owns them (``block_1/conv`` for ``.../kernel``)."""
    flat = traverse_util.flatten_dict(tree, sep="/") if isinstance(tree, Mapping) else {}
    groups: dict[str, list[Array]] = {}
    for path, leaf in flat.items():
        layer = path.rsplit("/", 1)[0] if "/" in path else path
        groups.setdefault(layer, []).append(leaf)
    return groups


def layer_names(params: Any) -> list[str]:
    """The names of the modules that own parameters, in a stable order."""
    return sorted(_group(params))


def layer_norms(tree: Any) -> dict[str, Array]:
    """The L2 norm of each layer's leaves together (e.g. of its gradients)."""
    return {name: jnp.sqrt(sum(jnp.sum(jnp.square(x)) for x in leaves))
            for name, leaves in sorted(_group(tree).items())}


def diagnostic_names(params: Any) -> list[str]:
    """History keys ``fit(..., diagnostics=True)`` adds for these parameters."""
    return [f"{kind}/{layer}" for kind in KINDS for layer in layer_names(params)]


def step_diagnostics(grads: Any, old_params: Any, new_params: Any) -> dict[str, Array]:
    """Per-layer gradient norm, parameter norm and update/parameter ratio of one step."""
    g, p = layer_norms(grads), layer_norms(new_params)
    u = layer_norms(jax.tree_util.tree_map(lambda a, b: a - b, new_params, old_params))
    out = {f"grad_norm/{k}": v for k, v in g.items()}
    out.update({f"param_norm/{k}": v for k, v in p.items()})
    out.update({f"update_ratio/{k}": u[k] / jnp.maximum(p[k], 1e-12) for k in p})
    return out


class GradCheck(NamedTuple):
    """Result of a finite-difference gradient check."""

    ok: bool
    max_error: float  # largest |analytic - numeric| / max(|analytic|, |numeric|, tiny)
    analytic: np.ndarray  # [checks] directional derivatives from the gradient
    numeric: np.ndarray  # [checks] central differences


def gradient_check(
    fn: Callable[..., Array],
    params: Any,
    *args: Any,
    grad_fn: Callable[..., Any] | None = None,
    checks: int = 10,
    eps: float = 1e-4,
    tolerance: float = 1e-4,
    seed: int = 0,
) -> GradCheck:
    """Check ``grad_fn(params, *args)`` (default ``jax.grad(fn)``) against finite differences.

    Along ``checks`` random unit directions ``d`` the analytic directional
    derivative ``<g, d>`` is compared with ``(f(p + eps d) - f(p - eps d)) / (2 eps)``,
    computed in float64. A wrong gradient (a bug in a hand-written backward
    pass, a missing term) fails; a right one agrees to ~1e-8.
    """
    if checks < 1:
        raise ValueError(f"checks must be >= 1, found {checks}")
    if not eps > 0:
        raise ValueError(f"eps must be > 0, found {eps}")
    with jax.enable_x64():
        p64 = jax.tree_util.tree_map(lambda a: jnp.asarray(a, jnp.float64), params)
        a64 = [jnp.asarray(a, jnp.float64) if jnp.issubdtype(jnp.asarray(a).dtype, jnp.floating)
               else a for a in args]
        f = jax.jit(lambda p: fn(p, *a64))
        grads = (grad_fn or jax.grad(fn))(p64, *a64)
        flat_g, unravel = jax.flatten_util.ravel_pytree(grads)
        flat_p, unravel_p = jax.flatten_util.ravel_pytree(p64)
        dirs = jax.random.normal(jax.random.PRNGKey(seed), (checks, flat_p.size), jnp.float64)
        dirs = dirs / jnp.linalg.norm(dirs, axis=1, keepdims=True)
        analytic = np.asarray(dirs @ jnp.asarray(flat_g, jnp.float64))
        both = jax.jit(jax.vmap(lambda d: (f(unravel_p(flat_p + eps * d)) -
                                           f(unravel_p(flat_p - eps * d))) / (2 * eps)))
        numeric = np.asarray(both(dirs))
    del unravel
    scale = np.maximum(np.maximum(np.abs(analytic), np.abs(numeric)), 1e-8)
    err = float(np.max(np.abs(analytic - numeric) / scale))
    return GradCheck(err <= tolerance, err, analytic, numeric)


def model_gradient_check(model: nn.Module, variables: Any, x: Any, y: Any,
                         loss: str | Callable = "cross_entropy", **kwargs: Any) -> GradCheck:
    """:func:`gradient_check` of ``mean(loss(model(x), y))`` with respect to the parameters."""
    from jaxnets.losses import get_loss

    loss_fn = get_loss(loss)
    rest = {k: v for k, v in variables.items() if k != "params"}

    def objective(params, x, y):
        return jnp.mean(loss_fn(model.apply({"params": params, **rest}, x, train=False), y))

    return gradient_check(objective, variables["params"], x, y, **kwargs)


def flow_warnings(norms: Mapping[str, float], *, vanish: float = 1e-4,
                  explode: float = 1e3) -> list[str]:
    """Messages naming layers whose gradient norm vanishes or explodes.

    Vanishing: a layer's norm is below ``vanish`` times the largest layer's (or
    exactly zero). Exploding: above ``explode`` in absolute terms, or not finite.
    """
    values = {k: float(v) for k, v in norms.items()}
    finite = [v for v in values.values() if math.isfinite(v)]
    top = max(finite, default=0.0)
    messages = []
    for layer, v in values.items():
        if not math.isfinite(v) or v > explode:
            messages.append(f"exploding gradient in layer {layer!r}: norm {v:.3g} > {explode:g}")
        elif top > 0 and (v == 0.0 or v < vanish * top):
            messages.append(f"vanishing gradient in layer {layer!r}: norm {v:.3g} is below "
                            f"{vanish:g} x the largest layer norm {top:.3g}")
    return messages


def gradient_norms(model: nn.Module, variables: Any, x: Any, y: Any,
                   loss: str | Callable = "cross_entropy") -> dict[str, float]:
    """Per-layer gradient norms of the mean loss on one batch (evaluation mode)."""
    from jaxnets.losses import get_loss

    loss_fn = get_loss(loss)
    rest = {k: v for k, v in variables.items() if k != "params"}
    grads = jax.jit(jax.grad(lambda p: jnp.mean(loss_fn(
        model.apply({"params": p, **rest}, jnp.asarray(x), train=False), jnp.asarray(y)))))(
        variables["params"])
    return {k: float(v) for k, v in layer_norms(grads).items()}


class GradientMonitor(Callback):
    """Warn (``RuntimeWarning``) when a layer's gradient vanishes or explodes.

    Reads the ``grad_norm/LAYER`` entries that ``fit(..., diagnostics=True)`` logs.
    Warnings raised are also kept in ``self.messages``.
    """

    def __init__(self, vanish: float = 1e-4, explode: float = 1e3, every: int = 1):
        self.vanish, self.explode, self.every = vanish, explode, every
        self.messages: list[str] = []

    def on_train_begin(self, trainer: Any) -> None:
        if not trainer.runner.extras:
            raise ValueError("GradientMonitor needs fit(..., diagnostics=True) to log grad norms")

    def on_epoch_end(self, trainer: Any, epoch: int, logs: dict[str, float]) -> None:
        if epoch % self.every:
            return
        norms = {k.split("/", 1)[1]: v for k, v in logs.items() if k.startswith("grad_norm/")}
        for message in flow_warnings(norms, vanish=self.vanish, explode=self.explode):
            self.messages.append(f"epoch {epoch}: {message}")
            warnings.warn(f"epoch {epoch}: {message}", RuntimeWarning, stacklevel=2)


def activation_stats(model: nn.Module, variables: Any, x: Any,
                     activation: str = "relu") -> dict[str, dict[str, float]]:
    """Saturation / death of each Dense or Conv layer's units on a batch ``x``.

    From the captured pre-activations ``z``: for sigmoid the fraction of values
    with ``sigmoid(z)`` outside [0.01, 0.99]; for tanh with ``|tanh(z)| > 0.99``;
    for ReLU-like the fraction of units that are zero for every example ("dead").
    """
    _, state = model.apply(variables, jnp.asarray(x), train=False, capture_intermediates=True,
                           mutable=["intermediates"])
    flat = traverse_util.flatten_dict(state["intermediates"], sep="/")
    stats: dict[str, dict[str, float]] = {}
    for path, values in sorted(flat.items()):
        layer = path.rsplit("/", 1)[0]
        if not (layer.startswith("dense") or "Dense" in layer or "Conv" in layer or
                layer.startswith("conv")) or layer == "__call__":
            continue
        z = jnp.asarray(values[0] if isinstance(values, tuple | list) else values)
        z = z.reshape(-1, z.shape[-1])
        entry = {"mean": float(z.mean()), "std": float(z.std())}
        if activation == "sigmoid":
            s = jax.nn.sigmoid(z)
            entry["saturated"] = float(jnp.mean((s < 0.01) | (s > 0.99)))
        elif activation == "tanh":
            entry["saturated"] = float(jnp.mean(jnp.abs(jnp.tanh(z)) > 0.99))
        else:
            entry["dead"] = float(jnp.mean(jnp.all(z <= 0, axis=0)))
        stats[layer.removesuffix("/__call__")] = entry
    return stats


__all__ = [
    "GradCheck",
    "GradientMonitor",
    "activation_stats",
    "diagnostic_names",
    "flow_warnings",
    "gradient_check",
    "gradient_norms",
    "layer_names",
    "layer_norms",
    "model_gradient_check",
    "step_diagnostics",
]
