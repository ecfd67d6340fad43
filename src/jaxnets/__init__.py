"""jaxnets: a functional deep-learning toolkit on JAX.

Networks are Flax Linen modules, optimizers and schedules are Optax
transformations, and every train step is a pure function that can be jitted,
vmapped, scanned and sharded. ``import jaxnets as jn`` reaches everything.
"""

from jaxnets import augment as augment
from jaxnets import backprop, data, diagnostics, interpret, losses, metrics, nn, optim, parallel, train, viz
from jaxnets import regularization as regularization
from jaxnets import tune as tune
from jaxnets.data import Dataset, Split
from jaxnets.deploy import ExportedModel, export, load_exported
from jaxnets.train import (
    Batch,
    Callback,
    CVResult,
    FitResult,
    TrainState,
    cross_validate,
    evaluate,
    fit,
    make_eval_step,
    make_train_step,
    predict,
)
from jaxnets.train import callbacks as callbacks
from jaxnets.train.checkpoint import load_checkpoint
from jaxnets.train.transfer import transfer_state

__version__ = "0.1.0"

__all__ = [
    "Batch",
    "CVResult",
    "Callback",
    "Dataset",
    "ExportedModel",
    "FitResult",
    "Split",
    "TrainState",
    "__version__",
    "augment",
    "backprop",
    "callbacks",
    "cross_validate",
    "data",
    "diagnostics",
    "evaluate",
    "export",
    "fit",
    "interpret",
    "load_checkpoint",
    "load_exported",
    "losses",
    "make_eval_step",
    "make_train_step",
    "metrics",
    "nn",
    "optim",
    "parallel",
    "predict",
    "regularization",
    "train",
    "tune",
    "transfer_state",
    "viz",
]
