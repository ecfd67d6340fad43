"""Optimizers, schedules and gradient transformations (all Optax ``GradientTransformation``s)."""

from jaxnets.optim import schedules
from jaxnets.optim._adabound import ScaleByAdaBoundState, adabound, amsbound, scale_by_adabound
from jaxnets.optim._core import (
    OPTIMIZERS,
    adam,
    check_learning_rate,
    get_hyperparam,
    get_optimizer,
    set_hyperparam,
    sgd,
)
from jaxnets.optim._optimizers import (
    adagrad,
    adamw,
    add_l1,
    clip_by_global_norm,
    clip_by_value,
    decoupled_weight_decay,
    freeze,
    l1_proximal,
    momentum,
    nesterov,
    rmsprop,
)
from jaxnets.optim._plateau import (
    PlateauState,
    current_learning_rate,
    plateau_update,
    reduce_on_plateau,
)
from jaxnets.optim.schedules import (
    constant,
    cosine,
    cyclical,
    exponential_decay,
    inverse_time_decay,
    one_cycle,
    step_decay,
    warm_restarts,
    warmup,
)

OPTIMIZERS.update({
    "momentum": momentum, "nesterov": nesterov, "adamw": adamw, "rmsprop": rmsprop,
    "adagrad": adagrad, "adabound": adabound, "amsbound": amsbound,
})

__all__ = [
    "OPTIMIZERS",
    "adam",
    "check_learning_rate",
    "get_hyperparam",
    "get_optimizer",
    "set_hyperparam",
    "sgd",
    "ScaleByAdaBoundState",
    "adabound",
    "adagrad",
    "adamw",
    "add_l1",
    "amsbound",
    "clip_by_global_norm",
    "clip_by_value",
    "decoupled_weight_decay",
    "freeze",
    "l1_proximal",
    "momentum",
    "nesterov",
    "rmsprop",
    "scale_by_adabound",
    "PlateauState",
    "current_learning_rate",
    "plateau_update",
    "reduce_on_plateau",
    "schedules",
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
