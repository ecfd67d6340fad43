"""The training engine: state, pure steps, compiled epochs and the fit loop."""

from jaxnets.train.callbacks import Callback, ProgressBar
from jaxnets.train.checkpoint import Checkpoint, load_checkpoint
from jaxnets.train.crossval import CVResult, cross_validate
from jaxnets.train.epoch import BatchPlan, EpochRunner, choose_strategy, epoch_indices
from jaxnets.train.fit import FitResult, Trainer, evaluate, fit, get_runner, predict
from jaxnets.train.state import TrainState
from jaxnets.train.step import (
    Batch,
    StepOutput,
    make_eval_step,
    make_train_step,
    masked_mean,
    train_step_outputs,
)
from jaxnets.train.transfer import freeze_layers, transfer_state

__all__ = [
    "Batch",
    "BatchPlan",
    "CVResult",
    "Callback",
    "Checkpoint",
    "EpochRunner",
    "FitResult",
    "ProgressBar",
    "StepOutput",
    "TrainState",
    "Trainer",
    "choose_strategy",
    "cross_validate",
    "epoch_indices",
    "evaluate",
    "fit",
    "freeze_layers",
    "get_runner",
    "load_checkpoint",
    "make_eval_step",
    "make_train_step",
    "masked_mean",
    "predict",
    "train_step_outputs",
    "transfer_state",
]
