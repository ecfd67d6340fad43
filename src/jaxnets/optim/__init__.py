"""Optimizers, schedules and gradient transformations (all Optax ``GradientTransformation``s)."""

from jaxnets.optim._core import (
    OPTIMIZERS,
    adam,
    check_learning_rate,
    get_hyperparam,
    get_optimizer,
    set_hyperparam,
    sgd,
)

__all__ = [
    "OPTIMIZERS",
    "adam",
    "check_learning_rate",
    "get_hyperparam",
    "get_optimizer",
    "set_hyperparam",
    "sgd",
]
