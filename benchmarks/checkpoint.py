"""Checkpoint cost: what a save every epoch adds to training, and save/restore vs PyTorch.

Command: ``python -m benchmarks.checkpoint`` (PyTorch optional: ``pip install -e '.[bench]'``).

1. ``fit`` of an MLP 784-1024-1024-10 with Adam: wall seconds per epoch (saves and
   the final wait included) with no checkpoint, with ``Checkpoint(every=1)`` asynchronous (orbax writes in the
   background while the next epoch trains) and synchronous.
2. One save and one restore of the same state (parameters + Adam moments):
   orbax synchronous save, the blocking part of an asynchronous save,
   ``jn.load_checkpoint``; ``torch.save``/``torch.load`` of the equivalent
   ``state_dict``s (model + Adam optimizer) of the same network.

All side by side in one run, medians of repeats, with ratios.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

import jaxnets as jn
from benchmarks._util import median_time, print_rows, set_torch_threads
from jaxnets.train import checkpoint as ckpt

WIDTHS = (1024, 1024, 10)
IN = 784


def data(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, IN)).astype(np.float32), rng.integers(0, 10, n).astype(np.int32)


def fit_seconds(x, y, epochs: int, callback=None) -> float:
    """Wall seconds of a whole ``fit`` (saves and the final wait included), compiled code
    reused from the warm-up."""
    start = time.perf_counter()
    jn.fit(jn.nn.MLP(WIDTHS), jn.optim.adam(1e-3), (x, y), epochs=epochs, batch_size=128,
           verbose=False, metrics=(), callbacks=[callback] if callback else [])
    return time.perf_counter() - start


def epoch_times(x, y, epochs: int, repeats: int) -> list[tuple[str, float]]:
    """Seconds per epoch without / with async / with sync checkpoints, runs interleaved so
    load changes on a shared machine hit all three alike; medians over repeats."""
    fit_seconds(x, y, 1)  # compile once (the runner is cached across fit calls)
    runs: dict[str, list[float]] = {"no checkpoint": [], "Checkpoint async": [],
                                    "Checkpoint sync": []}
    for _ in range(repeats):
        for name in runs:
            with tempfile.TemporaryDirectory() as d:
                cb = None if name == "no checkpoint" else jn.callbacks.Checkpoint(
                    d, async_save=name.endswith("async"))
                runs[name].append(fit_seconds(x, y, epochs, cb) / epochs)
    return [(name, statistics.median(v)) for name, v in runs.items()]


class _Trainer:
    """The attributes ``Checkpoint.save`` reads, for timing a save outside ``fit``."""

    def __init__(self, state):
        self.state, self.history, self.callbacks, self.epochs = state, {}, [], 1


def save_times(x, repeats: int) -> dict[str, float]:
    state = jn.TrainState.create(jn.nn.MLP(WIDTHS), jn.optim.adam(1e-3), x[:1])
    out = {}
    for name, async_save in (("orbax sync save", False), ("orbax async save (blocking)", True)):
        times = []
        for i in range(repeats + 1):
            d = Path(tempfile.mkdtemp())
            cb = jn.callbacks.Checkpoint(d, async_save=async_save)
            trainer = _Trainer(state.replace(step=state.step + i))
            cb.on_train_begin(trainer)
            start = time.perf_counter()
            cb.save(trainer)
            times.append(time.perf_counter() - start)
            cb.on_train_end(trainer)
            if i == repeats:
                saved = d
            else:
                shutil.rmtree(d)
        out[name] = statistics.median(times[1:])
    out["jn.load_checkpoint"] = median_time(
        lambda: ckpt.load_checkpoint(saved, state).params["dense_0"]["kernel"].block_until_ready(),
        repeats)
    shutil.rmtree(saved)
    return out


def torch_times(repeats: int) -> dict[str, float]:
    import torch

    set_torch_threads()
    net = torch.nn.Sequential(torch.nn.Linear(IN, 1024), torch.nn.ReLU(), torch.nn.Linear(1024, 1024),
                              torch.nn.ReLU(), torch.nn.Linear(1024, 10))
    opt = torch.optim.Adam(net.parameters(), 1e-3)
    net(torch.randn(8, IN)).sum().backward()
    opt.step()  # creates the Adam moments
    d = Path(tempfile.mkdtemp())
    path = d / "ckpt.pt"
    save = lambda: torch.save({"model": net.state_dict(), "opt": opt.state_dict()}, path)
    out = {"torch.save": median_time(save, repeats),
           "torch.load": median_time(lambda: torch.load(path, weights_only=True), repeats)}
    shutil.rmtree(d)
    return out


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m benchmarks.checkpoint", description=__doc__)
    p.add_argument("--examples", type=int, default=2048)
    p.add_argument("--epochs", type=int, default=4)
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args(argv)
    x, y = data(args.examples)
    rows = epoch_times(x, y, args.epochs, args.repeats)
    print_rows(f"fit, MLP 784-1024-1024-10, {args.examples} examples, batch 128, a save every "
               "epoch: wall time per epoch", [(n, v * 1e3) for n, v in rows], "ms",
               "no checkpoint")
    times = save_times(x, args.repeats)
    try:
        times |= torch_times(args.repeats)
    except ImportError:
        print("(PyTorch not installed: no peer rows)")
    print_rows("one save / restore of parameters + Adam moments (1.9M parameters)",
               [(n, v * 1e3) for n, v in times.items()], "ms",
               "torch.save" if "torch.save" in times else "orbax sync save")


if __name__ == "__main__":
    main()
