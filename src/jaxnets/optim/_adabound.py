"""AdaBound and AMSBound (Luo et al., ICLR 2019) as Optax transformations."""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import optax

from jaxnets._validate import check_positive
from jaxnets.optim._core import ScalarOrSchedule, check_learning_rate, is_traced


class ScaleByAdaBoundState(NamedTuple):
    """State of :func:`scale_by_adabound`."""

    count: jax.Array  # [] int32, the number of updates so far
    mu: optax.Updates  # first moment m_t, like params
    nu: optax.Updates  # second moment v_t, like params
    nu_max: optax.Updates | None  # running max of v_t (AMSBound only), like params


def check_adabound_args(final_lr: float, gamma: float, b1: float, b2: float, eps: float) -> None:
    """Eager checks: ``final_lr > 0``, ``gamma >= 0``, ``b1, b2`` in [0, 1), ``eps >= 0``."""
    if not is_traced(final_lr):
        check_positive("final_lr", final_lr)
    if not is_traced(gamma):
        check_positive("gamma", gamma, allow_zero=True)
    for name, b in (("b1", b1), ("b2", b2)):
        if not is_traced(b) and not 0.0 <= float(b) < 1.0:
            raise ValueError(f"{name} must be in [0, 1), found {b!r}")
    if not is_traced(eps):
        check_positive("eps", eps, allow_zero=True)


def scale_by_adabound(
    learning_rate: ScalarOrSchedule,
    final_lr: float = 0.1,
    gamma: float = 1e-3,
    b1: float = 0.9,
    b2: float = 0.999,
    eps: float = 1e-8,
    amsbound: bool = False,
) -> optax.GradientTransformation:
    """The AdaBound update (already negated: add it to the parameters).

    With ``t`` the 1-based step, ``m_t = b1 m + (1-b1) g``, ``v_t = b2 v + (1-b2) g^2``
    (AMSBound: ``v_t <- max(v_max, v_t)``)::

        eta_t = lr * sqrt(1 - b2^t) / (1 - b1^t) / (sqrt(v_t) + eps)
        eta_t = clip(eta_t, final_lr (1 - 1/(gamma t + 1)), final_lr (1 + 1/(gamma t)))
        update = -eta_t * m_t

    so it starts like Adam and becomes SGD with rate ``final_lr``. As in the issue's
    formula the bounds use ``final_lr`` itself; the authors' code also rescales it by
    ``lr / initial lr``, which is the same for a constant rate.
    """
    check_learning_rate(learning_rate)
    check_adabound_args(final_lr, gamma, b1, b2, eps)

    def init_fn(params: optax.Params) -> ScaleByAdaBoundState:
        zeros = jax.tree_util.tree_map(jnp.zeros_like, params)
        return ScaleByAdaBoundState(jnp.zeros([], jnp.int32), zeros, zeros,
                                    zeros if amsbound else None)

    def update_fn(updates: optax.Updates, state: ScaleByAdaBoundState,
                  params: optax.Params | None = None) -> tuple[optax.Updates, ScaleByAdaBoundState]:
        del params
        lr = learning_rate(state.count) if callable(learning_rate) else learning_rate
        count = optax.safe_increment(state.count)
        t = count.astype(jnp.float32)
        mu = optax.tree.update_moment(updates, state.mu, b1, 1)
        nu = optax.tree.update_moment_per_elem_norm(updates, state.nu, b2, 2)
        nu_max = (jax.tree_util.tree_map(jnp.maximum, state.nu_max, nu) if amsbound else None)
        step = lr * jnp.sqrt(1.0 - b2**t) / (1.0 - b1**t)
        lower = final_lr * (1.0 - 1.0 / (gamma * t + 1.0))
        upper = final_lr * (1.0 + 1.0 / (gamma * t))

        def leaf(m: jax.Array, v: jax.Array) -> jax.Array:
            eta = jnp.clip(step / (jnp.sqrt(v) + eps), lower, upper)
            return (-eta * m).astype(m.dtype)

        out = jax.tree_util.tree_map(leaf, mu, nu_max if amsbound else nu)
        return out, ScaleByAdaBoundState(count, mu, nu, nu_max)

    return optax.GradientTransformation(init_fn, update_fn)


def _adabound(learning_rate: ScalarOrSchedule, final_lr: float, gamma: float, b1: float,
              b2: float, eps: float, amsbound: bool) -> optax.GradientTransformation:
    return scale_by_adabound(learning_rate, final_lr, gamma, b1, b2, eps, amsbound)


def adabound(
    learning_rate: ScalarOrSchedule = 1e-3,
    final_lr: float = 0.1,
    gamma: float = 1e-3,
    b1: float = 0.9,
    b2: float = 0.999,
    eps: float = 1e-8,
) -> optax.GradientTransformation:
    """AdaBound (Luo et al., 2019): Adam whose per-element step size is clipped to bounds
    that tighten towards ``final_lr`` (see :func:`scale_by_adabound`). Hyperparameters
    are injected (``optax.inject_hyperparams``) so a population can vmap over them.
    """
    check_learning_rate(learning_rate)
    check_adabound_args(final_lr, gamma, b1, b2, eps)
    return optax.inject_hyperparams(_adabound, static_args=("amsbound",))(
        learning_rate=learning_rate, final_lr=final_lr, gamma=gamma, b1=b1, b2=b2, eps=eps,
        amsbound=False)


def amsbound(
    learning_rate: ScalarOrSchedule = 1e-3,
    final_lr: float = 0.1,
    gamma: float = 1e-3,
    b1: float = 0.9,
    b2: float = 0.999,
    eps: float = 1e-8,
) -> optax.GradientTransformation:
    """AMSBound (Luo et al., 2019): AdaBound with the running maximum of ``v_t``."""
    check_learning_rate(learning_rate)
    check_adabound_args(final_lr, gamma, b1, b2, eps)
    return optax.inject_hyperparams(_adabound, static_args=("amsbound",))(
        learning_rate=learning_rate, final_lr=final_lr, gamma=gamma, b1=b1, b2=b2, eps=eps,
        amsbound=True)


__all__ = ["ScaleByAdaBoundState", "adabound", "amsbound", "scale_by_adabound"]
