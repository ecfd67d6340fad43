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


