"""Optimizer update throughput: jaxnets (hyperparameters injected as arrays) vs plain optax
vs torch.optim, side by side in one run on the parameters of an MLP 784-512-512-10
(about 670k parameters in six tensors).

Command: ``python -m benchmarks.optimizers`` (PyTorch is optional: ``pip install -e '.[bench]'``).
JAX runs ``--steps`` updates inside one jitted ``lax.scan``; PyTorch runs the same number
of ``optimizer.step()`` calls (foreach kernels) on tensors with fixed gradients. AdaBound has
no torch.optim version, so its torch column is the reference algorithm written with
torch's foreach ops. Reports updates/s (medians of repeats) and ratios to optax.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np
import optax

import jaxnets as jn
from benchmarks._util import median_time, set_torch_threads

SHAPES = {"w0": (784, 512), "b0": (512,), "w1": (512, 512), "b1": (512,), "w2": (512, 10),
          "b2": (10,)}

# name -> (jaxnets factory, plain optax factory or None, torch factory name)
OPTIMIZERS: dict[str, tuple[Callable, Callable | None]] = {
    "sgd": (lambda: jn.optim.sgd(1e-2), lambda: optax.sgd(1e-2)),
    "momentum": (lambda: jn.optim.momentum(1e-2), lambda: optax.sgd(1e-2, momentum=0.9)),
    "nesterov": (lambda: jn.optim.nesterov(1e-2),
                 lambda: optax.sgd(1e-2, momentum=0.9, nesterov=True)),
    "adam": (lambda: jn.optim.adam(1e-3), lambda: optax.adam(1e-3)),
    "adamw": (lambda: jn.optim.adamw(1e-3, weight_decay=1e-4, mask=lambda p: jax.tree.map(
        lambda x: x.ndim >= 2, p)), lambda: optax.adamw(1e-3, weight_decay=1e-4, mask=lambda p:
                                                        jax.tree.map(lambda x: x.ndim >= 2, p))),
    "rmsprop": (lambda: jn.optim.rmsprop(1e-3), lambda: optax.rmsprop(1e-3)),
    "adagrad": (lambda: jn.optim.adagrad(1e-2), lambda: optax.adagrad(1e-2)),
    "adabound": (lambda: jn.optim.adabound(1e-3), None),
    "amsbound": (lambda: jn.optim.amsbound(1e-3), None),
}


def params_and_grads(seed: int = 0) -> tuple[dict, dict]:
    rng = np.random.default_rng(seed)
    p = {k: rng.normal(size=s).astype(np.float32) * 0.05 for k, s in SHAPES.items()}
    g = {k: rng.normal(size=s).astype(np.float32) * 0.01 for k, s in SHAPES.items()}
    return p, g


def jax_rate(tx: optax.GradientTransformation, steps: int, repeats: int) -> float:
    """Updates/s of ``steps`` updates in one jitted scan (gradients fixed, state carried)."""
    p, g = params_and_grads()
    p, g = jax.tree.map(jnp.asarray, p), jax.tree.map(jnp.asarray, g)

    @jax.jit
    def run(p, s):
        def body(c, _):
            p, s = c
            u, s = tx.update(g, s, p)
            return (optax.apply_updates(p, u), s), None
        return jax.lax.scan(body, (p, s), None, steps)[0]

    holder = [(p, tx.init(p))]

    def once():
        holder[0] = jax.block_until_ready(run(*holder[0]))

    return steps / median_time(once, repeats)


def torch_optimizer(name: str, params: list):
    import torch

    o = torch.optim
    makers = {
        "sgd": lambda: o.SGD(params, lr=1e-2, foreach=True),
        "momentum": lambda: o.SGD(params, lr=1e-2, momentum=0.9, foreach=True),
        "nesterov": lambda: o.SGD(params, lr=1e-2, momentum=0.9, nesterov=True, foreach=True),
        "adam": lambda: o.Adam(params, lr=1e-3, foreach=True),
        "adamw": lambda: o.AdamW(params, lr=1e-3, weight_decay=1e-4, foreach=True),
        "rmsprop": lambda: o.RMSprop(params, lr=1e-3, alpha=0.9, foreach=True),
        "adagrad": lambda: o.Adagrad(params, lr=1e-2, initial_accumulator_value=0.1, foreach=True),
        "adabound": lambda: TorchAdaBound(params, 1e-3, amsbound=False),
        "amsbound": lambda: TorchAdaBound(params, 1e-3, amsbound=True),
    }
    return makers[name]()


class TorchAdaBound:
    """The AdaBound/AMSBound update (Luo et al., 2019) written with torch foreach ops."""

    def __init__(self, params: list, lr: float, final_lr: float = 0.1, gamma: float = 1e-3,
                 b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8, amsbound: bool = False):
        import torch

        self.params, self.lr, self.final_lr, self.gamma = params, lr, final_lr, gamma
        self.b1, self.b2, self.eps, self.amsbound, self.t = b1, b2, eps, amsbound, 0
        self.m = [torch.zeros_like(p) for p in params]
        self.v = [torch.zeros_like(p) for p in params]
        self.vmax = [torch.zeros_like(p) for p in params]

    def step(self) -> None:
        import torch

        self.t += 1
        t, grads = self.t, [p.grad for p in self.params]
        with torch.no_grad():
            torch._foreach_lerp_(self.m, grads, 1 - self.b1)
            torch._foreach_mul_(self.v, self.b2)
            torch._foreach_addcmul_(self.v, grads, grads, value=1 - self.b2)
            if self.amsbound:
                torch._foreach_maximum_(self.vmax, self.v)
            denom = torch._foreach_add(torch._foreach_sqrt(self.vmax if self.amsbound else self.v),
                                       self.eps)
            step = self.lr * (1 - self.b2**t) ** 0.5 / (1 - self.b1**t)
            eta = torch._foreach_div(torch._foreach_mul(denom, 0.0), denom)
            torch._foreach_add_(eta, step)
            eta = torch._foreach_div(eta, denom)
            lo = self.final_lr * (1 - 1 / (self.gamma * t + 1))
            hi = self.final_lr * (1 + 1 / (self.gamma * t))
            torch._foreach_clamp_min_(eta, lo)
            torch._foreach_clamp_max_(eta, hi)
            torch._foreach_mul_(eta, self.m)
            torch._foreach_sub_(self.params, eta)


def torch_rate(name: str, steps: int, repeats: int) -> float:
    import torch

    p, g = params_and_grads()
    params = [torch.tensor(p[k], requires_grad=True) for k in SHAPES]
    for t, k in zip(params, SHAPES, strict=True):
        t.grad = torch.tensor(g[k])
    opt = torch_optimizer(name, params)

    def once():
        for _ in range(steps):
            opt.step()

    return steps / median_time(once, repeats)


def main(argv: list[str] | None = None) -> list[dict]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--threads", type=int, default=1,
                    help="torch threads (default 1: on a shared machine more threads only contend)")
    ap.add_argument("--only", nargs="*", default=None, help="optimizer names (default all)")
    args = ap.parse_args(argv)
    try:
        set_torch_threads(args.threads)
        has_torch = True
    except ImportError:
        has_torch = False
    rows = []
    for name, (ours, plain) in OPTIMIZERS.items():
        if args.only and name not in args.only:
            continue
        row = {"optimizer": name, "jaxnets": jax_rate(ours(), args.steps, args.repeats)}
        row["optax"] = jax_rate(plain(), args.steps, args.repeats) if plain else float("nan")
        row["torch"] = torch_rate(name, args.steps, args.repeats) if has_torch else float("nan")
        rows.append(row)
    print(f"\nupdates/s on {sum(int(np.prod(s)) for s in SHAPES.values()):,} parameters, "
          f"{jax.default_backend()}, {args.steps} updates per timing")
    print(f"  {'optimizer':10s} {'jaxnets':>10s} {'optax':>10s} {'torch':>10s}"
          f"  {'jaxnets/optax':>13s} {'jaxnets/torch':>13s}")
    for r in rows:
        print(f"  {r['optimizer']:10s} {r['jaxnets']:10.0f} {r['optax']:10.0f} {r['torch']:10.0f}"
              f"  {r['jaxnets'] / r['optax']:13.2f} {r['jaxnets'] / r['torch']:13.2f}")
    return rows


if __name__ == "__main__":
    main()
