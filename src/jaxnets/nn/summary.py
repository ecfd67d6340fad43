"""A model summary: layers with output shapes, parameter counts and FLOPs per example.

Nothing is computed: the model is traced abstractly (``jax.eval_shape``) with
an interceptor that records every submodule call. FLOPs are counted as two
per multiply-accumulate of each ``kernel`` (Dense and every convolution kind):
for a kernel of shape ``(*window, C_in / groups, C_out)`` and an output of
shape ``(N, *positions, C_out)``::

    flops per example = 2 * prod(positions) * C_out * prod(window) * C_in / groups

Biases, normalisation, activations and pooling are not counted (they are a
few percent of a conv net); ``xla_flops`` gives XLA's own count of the whole
compiled forward pass for one example, all operations included.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import flax.linen as nn
import jax
import jax.numpy as jnp
from flax import traverse_util

from jaxnets.typing import ArrayLike


class LayerInfo(NamedTuple):
    """One row of a summary."""

    name: str  # the module path, "stage_0_block_0/conv_0"
    kind: str  # the module class, "Conv"
    output_shape: Any  # shape(s) of the output for the sample input
    params: int  # parameters owned by the module and its children
    flops: int  # kernel FLOPs per example of the module and its children


class Summary(NamedTuple):
    """The layer table of a model and its totals; ``str(summary)`` is the printed table."""

    layers: list[LayerInfo]
    total_params: int
    flops_per_example: int  # kernel FLOPs (see the module docstring)
    xla_flops: float  # XLA's count for the whole forward pass of one example
    state_size: int  # non-trainable entries (batch-norm statistics)

    def __str__(self) -> str:
        header = ("layer", "module", "output shape", "params", "FLOPs")
        rows = [(r.name, r.kind, _shape_text(r.output_shape), f"{r.params:,}", f"{r.flops:,}")
                for r in self.layers]
        rows.append(("total", "", "", f"{self.total_params:,}", f"{self.flops_per_example:,}"))
        widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(5)]
        fmt = lambda row: "  ".join(str(c).ljust(w) if i < 3 else str(c).rjust(w)
                                    for i, (c, w) in enumerate(zip(row, widths, strict=True)))
        line = "-" * len(fmt(header))
        lines = [fmt(header), line, *map(fmt, rows[:-1]), line, fmt(rows[-1])]
        lines.append(f"non-trainable state: {self.state_size:,}; "
                     f"XLA FLOPs per example (all ops): {self.xla_flops:,.0f}")
        return "\n".join(lines)


def _shape_text(shape: Any) -> str:
    leaves = jax.tree_util.tree_leaves(shape, is_leaf=lambda s: isinstance(s, tuple))
    return ", ".join(str(tuple(s)) for s in leaves)


def _record_calls(model: nn.Module, variables: Any, x: jax.ShapeDtypeStruct
                  ) -> list[tuple[tuple[str, ...], str, Any]]:
    """``(path, class name, output shapes)`` of every submodule call, in call order."""
    calls: list[Any] = []

    def interceptor(next_fun, args, kwargs, context):
        if context.method_name != "__call__":
            return next_fun(*args, **kwargs)
        slot = len(calls)
        calls.append(None)
        out = next_fun(*args, **kwargs)
        shapes = jax.tree_util.tree_map(lambda a: tuple(a.shape), out)
        calls[slot] = (tuple(context.module.path), type(context.module).__name__, shapes)
        return out

    def run(v, x):
        with nn.intercept_methods(interceptor):
            return model.apply(v, x)

    jax.eval_shape(run, variables, x)
    return calls


def _kernel_flops(params: dict[str, Any], path: tuple[str, ...], out_shape: Any) -> int:
    kernel = params.get((*path, "kernel"))
    if kernel is None or not isinstance(out_shape, tuple) or len(out_shape) < 2:
        return 0
    return 2 * math.prod(out_shape[1:]) * math.prod(kernel.shape[:-1])


def summary(model: nn.Module, x: ArrayLike, *, depth: int | None = None, seed: int = 0) -> Summary:
    """The layer table of ``model`` for a sample input ``x`` [batch, ...] (nothing is run).

    Args:
      model: a Flax Linen module.
      x: a sample input (an array or ``jax.ShapeDtypeStruct``); one example is enough.
      depth: show modules up to this nesting depth (their rows total their children);
        ``None`` shows every leaf module.
      seed: for the abstract ``init`` (shapes do not depend on it).

    Returns:
      a :class:`Summary`; ``print(summary(model, x))`` prints the table.
    """
    if depth is not None and depth < 1:
        raise ValueError(f"depth must be >= 1 or None, found {depth}")
    if not hasattr(x, "shape") or len(x.shape) < 1:
        raise ValueError(f"x must be an array [batch, ...], found {type(x).__name__}")
    one = jax.ShapeDtypeStruct((1, *x.shape[1:]), getattr(x, "dtype", jnp.float32))
    variables = jax.eval_shape(model.init, jax.random.PRNGKey(seed), one)
    params = traverse_util.flatten_dict(dict(variables.get("params", {})))
    calls = [c for c in _record_calls(model, variables, one) if c[0]]
    first: dict[tuple[str, ...], tuple[str, Any]] = {}
    for path, kind, shape in calls:
        first.setdefault(path, (kind, shape))
    own_flops = {p: _kernel_flops(params, p, s) for p, (_, s) in first.items()}
    rows = []
    for path, (kind, shape) in first.items():
        has_children = any(q[:len(path)] == path and len(q) > len(path) for q in first)
        if depth is None:
            # a leaf, or a parent's own parameters (e.g. a mixture beside a child norm)
            inside = (lambda q, path=path: q == path) if has_children else \
                (lambda q, path=path: q[:len(path)] == path)
            if has_children and not any(k[:-1] == path for k in params):
                continue
        else:
            if len(path) > depth or (len(path) < depth and has_children):
                continue
            inside = lambda q, path=path: q[:len(path)] == path
        n = sum(math.prod(a.shape) for k, a in params.items() if inside(k[:-1]))
        rows.append(LayerInfo("/".join(path), kind, shape, n,
                              sum(f for q, f in own_flops.items() if inside(q))))
    total = sum(math.prod(a.shape) for a in params.values())
    state = sum(math.prod(a.shape) for k, col in variables.items() if k != "params"
                for a in jax.tree_util.tree_leaves(col))
    cost = jax.jit(lambda v, x: model.apply(v, x)).lower(variables, one).cost_analysis()
    cost = cost[0] if isinstance(cost, list | tuple) else cost
    xla = float((cost or {}).get("flops", float("nan")))
    return Summary(rows, total, sum(own_flops.values()), xla, state)


__all__ = ["LayerInfo", "Summary", "summary"]
