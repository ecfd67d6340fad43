"""16 models at once: a vmapped population vs 16 sequential fits (jaxnets, PyTorch, Keras 3).

Command: ``python -m benchmarks.population`` (PyTorch and Keras are optional:
``pip install -e '.[bench]'``; Keras runs on its JAX backend unless
``KERAS_BACKEND`` says otherwise).

Workload (issue #8): the digits-sized MLP 64-128-10 (embedded digits, 1257
training examples), batch 32, Adam, 5 epochs, 16 learning rates log-spaced
from 1e-4 to 1e-1. Rows, side by side in one run, wall-clock seconds for all 16:

- jaxnets population: one compiled program, steady state (a second ``fit``);
- jaxnets population, first call (compilation included);
- 16 sequential ``jn.fit`` calls sharing one compiled program (the learning rate
  is an array in the optimizer state, set per run with ``set_hyperparam``);
- 16 sequential ``jn.fit`` calls as usually written (``adam(lr)`` per call, so
  every call compiles its own program);
- 16 sequential PyTorch eager runs; 16 sequential Keras ``fit`` calls.

``--scaling`` adds where vmapping stops paying: a population of 16 vs 16
sequential (warm) fits for wider MLPs at batch 128; on a CPU the wide, compute-
bound models gain nothing, because vmapping only removes per-step overhead.

Measured (2 CPU cores, shared with other jobs, one run; ratios to the population):
population 0.23 s; with compilation 5.1 s; 16 fits sharing one program 0.34 s
(1.5x); 16 compiling fits 11.3 s (49x); 16 PyTorch eager runs 3.3 s (14x); 16
Keras 3 fits (JAX backend) 13.7 s (60x). Scaling at batch 128: MLP 64-128-128-10
2.3x faster as a population, 64-512-512-10 1.1x, 64-1024-1024-10 0.66x (slower:
the batched matmuls of a compute-bound model on 2 cores gain nothing, and the
population holds 16 models' activations at once).
"""

from __future__ import annotations

import argparse
import os
import time

import jax
import numpy as np

import jaxnets as jn

MEMBERS = 16


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def population_seconds(model, x, y, lrs, batch, epochs) -> tuple[float, float]:
    """(first call with compilation, steady-state second call)."""
    pop = jn.tune.population(model, lambda lr: jn.optim.adam(lr), {"lr": lrs})

    def run():
        r = pop.fit((x, y), epochs=epochs, batch_size=batch, metrics=())
        jax.block_until_ready(r.state.params)

    return timed(run), timed(run)


def sequential_shared_seconds(model, x, y, lrs, batch, epochs) -> float:
    """16 fits reusing one compiled program (one optimizer object; the rate set per run)."""
    tx = jn.optim.adam(lrs[0])
    base = jn.TrainState.create(model, tx, x[:1], seed=0, metrics=())

    def run(lr):
        state = base.replace(opt_state=jn.optim.set_hyperparam(base.opt_state, "learning_rate", lr))
        r = jn.fit(model, None, (x, y), epochs=epochs, batch_size=batch, initial_state=state,
                   metrics=(), verbose=False)
        jax.block_until_ready(r.state.params)

    run(lrs[0])  # compile once, outside the timing
    return timed(lambda: [run(lr) for lr in lrs])


def sequential_naive_seconds(model, x, y, lrs, batch, epochs) -> float:
    """16 fits as a loop of ``jn.fit(model, adam(lr), ...)`` (each compiles)."""
    def run(lr):
        r = jn.fit(model, jn.optim.adam(lr), (x, y), epochs=epochs, batch_size=batch, metrics=(),
                   verbose=False)
        jax.block_until_ready(r.state.params)

    return timed(lambda: [run(lr) for lr in lrs])


def torch_seconds(widths, x, y, lrs, batch, epochs, threads: int = 2) -> float:
    import torch

    torch.set_num_threads(threads)
    xt, yt = torch.from_numpy(x.reshape(len(x), -1)), torch.from_numpy(y.astype(np.int64))

    def run(lr):
        torch.manual_seed(0)
        layers, d = [], xt.shape[1]
        for i, w in enumerate(widths):
            layers.append(torch.nn.Linear(d, w))
            if i < len(widths) - 1:
                layers.append(torch.nn.ReLU())
            d = w
        model = torch.nn.Sequential(*layers)
        opt = torch.optim.Adam(model.parameters(), lr=lr)
        loss_fn = torch.nn.CrossEntropyLoss()
        g = torch.Generator().manual_seed(0)
        for _ in range(epochs):
            order = torch.randperm(len(xt), generator=g)
            for s in range(0, len(xt), batch):
                i = order[s:s + batch]
                opt.zero_grad(set_to_none=True)
                loss_fn(model(xt[i]), yt[i]).backward()
                opt.step()

    return timed(lambda: [run(lr) for lr in lrs])


def keras_seconds(widths, x, y, lrs, batch, epochs) -> float:
    os.environ.setdefault("KERAS_BACKEND", "jax")
    import keras

    xf = x.reshape(len(x), -1)

    def run(lr):
        keras.utils.set_random_seed(0)
        layers = [keras.layers.Dense(w, activation="relu") for w in widths[:-1]]
        model = keras.Sequential([keras.Input((xf.shape[1],)), *layers,
                                  keras.layers.Dense(widths[-1])])
        model.compile(optimizer=keras.optimizers.Adam(lr),
                      loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        model.fit(xf, y, batch_size=batch, epochs=epochs, verbose=0)

    return timed(lambda: [run(lr) for lr in lrs])


def print_ratios(title: str, rows: list[tuple[str, float]], ref: str) -> None:
    base = dict(rows)[ref]
    print(f"\n{title}")
    width = max(len(n) for n, _ in rows)
    for name, seconds in rows:
        print(f"  {name.ljust(width)}  {seconds:8.2f} s   {seconds / base:7.1f}x the population")


def main_comparison(args) -> list[tuple[str, float]]:
    data = jn.data.load("digits")
    x, y = data.train.x.reshape(len(data.train), -1), data.train.y
    widths = (128, data.num_classes)
    model = jn.nn.MLP(widths)
    lrs = jn.tune.log_grid(1e-4, 1e-1, MEMBERS)
    cold, warm = population_seconds(model, x, y, lrs, args.batch, args.epochs)
    rows = [("jaxnets population (one program)", warm),
            ("jaxnets population, incl. compile", cold),
            ("16 x jn.fit, one compiled program", sequential_shared_seconds(
                model, x, y, lrs, args.batch, args.epochs))]
    if not args.skip_naive:
        rows.append(("16 x jn.fit(adam(lr)), compile each", sequential_naive_seconds(
            model, x, y, lrs, args.batch, args.epochs)))
    for name, fn in (("16 x PyTorch eager (2 threads)", torch_seconds),
                     ("16 x Keras 3 fit", keras_seconds)):
        try:
            rows.append((name, fn(widths, x, y, lrs, args.batch, args.epochs)))
        except ImportError as e:
            print(f"{name}: skipped ({e}); pip install -e '.[bench]'")
    print_ratios(f"{MEMBERS} MLPs 64-128-10 on digits ({len(x)} examples), batch {args.batch}, "
                 f"Adam, {args.epochs} epochs, {jax.default_backend()}", rows, rows[0][0])
    return rows


def scaling(args) -> list[dict]:
    """Population of 16 vs 16 warm sequential fits as the MLP widens (batch 128)."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(args.scaling_examples, 64)).astype(np.float32)
    y = rng.integers(0, 10, len(x)).astype(np.int32)
    lrs = jn.tune.log_grid(1e-4, 1e-2, MEMBERS)
    out = []
    print(f"\nwhere vmapping stops paying: {MEMBERS} members, batch 128, {len(x)} examples, "
          f"1 epoch (steady state)")
    for width in args.widths:
        model = jn.nn.MLP((width, width, 10))
        _, pop = population_seconds(model, x, y, lrs, 128, 1)
        seq = sequential_shared_seconds(model, x, y, lrs, 128, 1)
        out.append({"width": width, "population_s": pop, "sequential_s": seq,
                    "speedup": seq / pop})
        print(f"  MLP 64-{width}-{width}-10: population {pop:6.2f} s, 16 fits {seq:6.2f} s, "
              f"speed-up {seq / pop:5.2f}x")
    return out


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(prog="python -m benchmarks.population", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--skip-naive", action="store_true",
                   help="skip the 16 compiling jn.fit calls (the slowest jaxnets row)")
    p.add_argument("--scaling", action="store_true", help="also measure wider MLPs")
    p.add_argument("--widths", type=int, nargs="+", default=[128, 512, 1024])
    p.add_argument("--scaling-examples", type=int, default=128 * 16)
    args = p.parse_args(argv)
    result = {"rows": main_comparison(args)}
    if args.scaling:
        result["scaling"] = scaling(args)
    return result


if __name__ == "__main__":
    main()
