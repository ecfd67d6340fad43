"""Timing helpers shared by the benchmarks."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import jax


def median_time(fn: Callable[[], object], repeats: int = 5, warmup: int = 1) -> float:
    """Median wall time of ``fn()`` over ``repeats`` runs after ``warmup`` runs."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def matmul_peak_gflops(n: int = 2048, repeats: int = 5) -> float:
    """XLA's float32 matmul throughput on this machine, a practical peak."""
    a = jax.random.normal(jax.random.PRNGKey(0), (n, n))
    f = jax.jit(lambda a: a @ a)
    t = median_time(lambda: f(a).block_until_ready(), repeats)
    return 2 * n**3 / t / 1e9


def print_rows(title: str, rows: list[tuple[str, float]], unit: str, ref: str) -> None:
    """Print values and their ratio to the row named ``ref``."""
    base = dict(rows)[ref]
    print(f"\n{title}")
    width = max(len(n) for n, _ in rows)
    for name, value in rows:
        print(f"  {name.ljust(width)}  {value:12.1f} {unit}   {value / base:6.2f}x {ref}")


def set_torch_threads(n: int = 2) -> None:
    import torch

    torch.set_num_threads(n)




def interleaved(
    fit_run: Callable[[list], object], peers: dict[str, Callable[[], object]], warmup: int = 1
) -> dict[str, list[float]]:
    """Epoch times of ``fit`` and of every peer, measured in turns.

    ``fit_run(callbacks)`` runs ``jn.fit`` with the given callbacks; after each of
    its epochs a callback runs one epoch of every peer (``peers[name]()``), so all
    contenders share the machine's load of that moment. On a shared machine whose
    speed drifts by +-20% within a minute, this makes the ratios far steadier than
    timing one contender after the other. Each peer runs once first (compiling,
    warming caches); the first ``warmup`` rounds are dropped. ``fit``'s epoch time
    is its history's ``time`` (the epoch alone, not the callbacks).
    """
    import jaxnets as jn

    for fn in peers.values():
        fn()
    times: dict[str, list[float]] = {name: [] for name in peers}

    class Turns(jn.callbacks.Callback):
        def on_epoch_end(self, trainer, epoch, logs):
            for name, fn in peers.items():
                start = time.perf_counter()
                fn()
                times[name].append(time.perf_counter() - start)

    result = fit_run([Turns()])
    out = {"fit": list(result.history["time"]), **times}
    return {k: v[warmup:] for k, v in out.items()}


def round_ratio(times: dict[str, list[float]], name: str, ref: str) -> float:
    """Median over rounds of ``ref``'s epoch time over ``name``'s: how many times faster."""
    return statistics.median(b / a for a, b in zip(times[name], times[ref], strict=True))


def print_table(title: str, rows: list[tuple[str, float, float | None]], unit: str,
                ref: str) -> None:
    """Rows of (name, value, ratio to ``ref`` measured in the same rounds, or None)."""
    print(f"\n{title}")
    width = max(len(n) for n, *_ in rows)
    for name, value, ratio in rows:
        rel = f"{ratio:6.2f}x {ref}" if ratio is not None else ""
        print(f"  {name.ljust(width)}  {value:12.1f} {unit}   {rel}")
