"""Learning-rate schedules: ``step -> learning rate`` functions for any optimizer.

Every schedule validates its arguments eagerly (a ``ValueError`` naming the
argument) and is a pure, jit-able function of the integer step. Where optax has
the schedule (cosine decay, one-cycle) it is reused.
"""

from __future__ import annotations

import math
from typing import Any

import jax
import jax.numpy as jnp
import optax

from jaxnets._validate import check_positive
from jaxnets.optim._core import check_learning_rate

Schedule = optax.Schedule


def _rate(name: str, value: Any) -> float:
    """A learning rate: a finite number >= 0."""
    check_learning_rate(value, name)
    return float(value)


def _steps(name: str, value: Any) -> int | float:
    check_positive(name, value)
    return value


def _step(count: Any) -> jax.Array:
    return jnp.asarray(count, jnp.float32)


def constant(learning_rate: float) -> Schedule:
    """``lr_t = learning_rate``."""
    lr = _rate("learning_rate", learning_rate)
    return lambda count: jnp.full([], lr, jnp.float32)


def exponential_decay(learning_rate: float, decay_rate: float, decay_steps: int = 1,
                      staircase: bool = False) -> Schedule:
    """``lr_t = lr * decay_rate^(t / decay_steps)`` (``floor(t / decay_steps)`` if ``staircase``).

    With ``decay_steps`` = steps per epoch and ``staircase=True`` this is the textbook
    ``initial_lr * decay_rate^epoch``.
    """
    lr = _rate("learning_rate", learning_rate)
    check_positive("decay_rate", decay_rate)
    _steps("decay_steps", decay_steps)

    def schedule(count: Any) -> jax.Array:
        p = _step(count) / decay_steps
        return lr * jnp.power(decay_rate, jnp.floor(p) if staircase else p)

    return schedule


def step_decay(learning_rate: float, step_size: int, decay_rate: float = 0.5) -> Schedule:
    """``lr_t = lr * decay_rate^floor(t / step_size)``: drop by a factor every ``step_size`` steps."""
    return exponential_decay(_rate("learning_rate", learning_rate), decay_rate,
                             _steps("step_size", step_size), staircase=True)


def inverse_time_decay(learning_rate: float, decay_rate: float, decay_steps: int = 1) -> Schedule:
    """``lr_t = lr / (1 + decay_rate * t / decay_steps)``."""
    lr = _rate("learning_rate", learning_rate)
    check_positive("decay_rate", decay_rate)
    _steps("decay_steps", decay_steps)
    return lambda count: lr / (1.0 + decay_rate * _step(count) / decay_steps)


def cosine(learning_rate: float, decay_steps: int, alpha: float = 0.0) -> Schedule:
    """Cosine decay (Loshchilov & Hutter, 2017) without restarts:
    ``lr_t = lr ((1 - alpha) (1 + cos(pi min(t, T) / T)) / 2 + alpha)`` with ``T = decay_steps``."""
    lr = _rate("learning_rate", learning_rate)
    _steps("decay_steps", decay_steps)
    check_positive("alpha", alpha, allow_zero=True)
    return optax.cosine_decay_schedule(lr, int(decay_steps), alpha)


def warmup(schedule: float | Schedule, warmup_steps: int, init_value: float = 0.0) -> Schedule:
    """Linear warmup in front of any schedule (Goyal et al., 2017).

    ``lr_t = init + (s(0) - init) t / W`` for ``t < W``, then ``s(t - W)``: the wrapped
    schedule starts after the warmup, so its own shape is unchanged.
    """
    after = constant(schedule) if not callable(schedule) else schedule
    _steps("warmup_steps", warmup_steps)
    init = _rate("init_value", init_value)

    def scheduled(count: Any) -> jax.Array:
        t = _step(count)
        ramp = init + (after(0) - init) * t / warmup_steps
        return jnp.where(t < warmup_steps, ramp, after(jnp.maximum(t - warmup_steps, 0)))

    return scheduled


CYCLICAL_MODES = ("triangular", "triangular2", "exp_range")


def cyclical(base_lr: float, max_lr: float, step_size: int, mode: str = "triangular",
             gamma: float = 1.0) -> Schedule:
    """Cyclical learning rate (Smith, 2017).

    ``cycle = floor(1 + t / (2 s))``, ``x = |t / s - 2 cycle + 1|``,
    ``lr_t = base + (max - base) max(0, 1 - x) scale`` with ``scale = 1`` (triangular),
    ``1 / 2^(cycle - 1)`` (triangular2) or ``gamma^t`` (exp_range). It rises from
    ``base_lr`` at step 0 to ``max_lr`` at step ``s`` and back at ``2 s``.
    """
    base, top = _rate("base_lr", base_lr), _rate("max_lr", max_lr)
    if top < base:
        raise ValueError(f"max_lr must be >= base_lr={base_lr}, found {max_lr}")
    _steps("step_size", step_size)
    if mode not in CYCLICAL_MODES:
        raise ValueError(f"mode must be one of {CYCLICAL_MODES}, found {mode!r}")
    check_positive("gamma", gamma, allow_zero=True)

    def schedule(count: Any) -> jax.Array:
        t = _step(count)
        cycle = jnp.floor(1.0 + t / (2.0 * step_size))
        x = jnp.abs(t / step_size - 2.0 * cycle + 1.0)
        if mode == "triangular":
            scale = 1.0
        elif mode == "triangular2":
            scale = 1.0 / jnp.power(2.0, cycle - 1.0)
        else:
            scale = jnp.power(gamma, t)
        return base + (top - base) * jnp.maximum(0.0, 1.0 - x) * scale

    return schedule


def _restart_index(t: jax.Array, period: float, t_mult: float) -> jax.Array:
    """The index ``i`` of the SGDR cycle holding step ``t`` (cycle ``i`` lasts ``T0 t_mult^i``)."""
    if t_mult == 1.0:
        return jnp.floor(t / period)
    i = jnp.floor(jnp.log(t * (t_mult - 1.0) / period + 1.0) / math.log(t_mult))
    start = lambda k: period * (jnp.power(t_mult, k) - 1.0) / (t_mult - 1.0)  # noqa: E731
    # the logarithm can land a hair off at a boundary; fix i so start(i) <= t < start(i+1)
    i = jnp.where(t >= start(i + 1.0), i + 1.0, i)
    return jnp.where(t < start(i), i - 1.0, i)


def warm_restarts(learning_rate: float, period: int, t_mult: float = 1.0, min_lr: float = 0.0,
                  decay: float = 1.0) -> Schedule:
    """SGDR: cosine annealing with warm restarts (Loshchilov & Hutter, 2017).

    Cycle ``i`` lasts ``T_i = T0 t_mult^i`` steps; inside it
    ``lr_t = min + (max_i - min) (1 + cos(pi T_cur / T_i)) / 2`` with ``T_cur`` the steps
    since the restart and ``max_i = lr decay^i``. At each restart the rate jumps back up.
    """
    lr = _rate("learning_rate", learning_rate)
    _steps("period", period)
    if not (math.isfinite(t_mult) and t_mult >= 1.0):
        raise ValueError(f"t_mult must be a finite number >= 1, found {t_mult!r}")
    low = _rate("min_lr", min_lr)
    if low > lr:
        raise ValueError(f"min_lr must be <= learning_rate={learning_rate}, found {min_lr}")
    check_positive("decay", decay)

    def schedule(count: Any) -> jax.Array:
        t = _step(count)
        i = _restart_index(t, float(period), float(t_mult))
        start = period * i if t_mult == 1.0 else period * (t_mult**i - 1.0) / (t_mult - 1.0)
        length = period * jnp.power(t_mult, i)
        top = lr * jnp.power(decay, i)
        return low + (top - low) * 0.5 * (1.0 + jnp.cos(jnp.pi * (t - start) / length))

    return schedule


def one_cycle(max_lr: float, total_steps: int, pct_start: float = 0.3, div_factor: float = 25.0,
              final_div_factor: float = 1e4) -> Schedule:
    """One-cycle policy (Smith & Topin, 2019), cosine form: from ``max_lr / div_factor`` up to
    ``max_lr`` over ``pct_start`` of the run, then down to ``max_lr / (div_factor
    final_div_factor)`` at ``total_steps``."""
    peak = _rate("max_lr", max_lr)
    _steps("total_steps", total_steps)
    if not 0.0 < pct_start < 1.0:
        raise ValueError(f"pct_start must be in (0, 1), found {pct_start!r}")
    check_positive("div_factor", div_factor)
    check_positive("final_div_factor", final_div_factor)
    return optax.cosine_onecycle_schedule(int(total_steps), peak, pct_start, div_factor,
                                          final_div_factor)


SCHEDULES = {
    "constant": constant,
    "exponential_decay": exponential_decay,
    "step_decay": step_decay,
    "inverse_time_decay": inverse_time_decay,
    "cosine": cosine,
    "warmup": warmup,
    "cyclical": cyclical,
    "warm_restarts": warm_restarts,
    "one_cycle": one_cycle,
}

__all__ = [
    "CYCLICAL_MODES",
    "SCHEDULES",
    "Schedule",
    "constant",
    "cosine",
    "cyclical",
    "exponential_decay",
    "inverse_time_decay",
    "one_cycle",
    "step_decay",
    "warm_restarts",
    "warmup",
]
