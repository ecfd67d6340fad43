"""jaxnets: a functional deep-learning toolkit on JAX.

Networks are Flax Linen modules, optimizers and schedules are Optax
transformations, and every train step is a pure function that can be jitted,
vmapped, scanned and sharded. ``import jaxnets as jn`` reaches everything.
"""

from jaxnets import backprop, data, diagnostics, interpret, losses, metrics, nn, optim, parallel, train, viz
from jaxnets.data import Dataset, Split
from jaxnets.deploy import ExportedModel, export, load_exported
from jaxnets.train import (
    Batch,
    Callback,
    FitResult,
    TrainState,
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
    "Callback",
    "Dataset",
    "ExportedModel",
    "FitResult",
    "Split",
    "TrainState",
    "__version__",
    "backprop",
    "callbacks",
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
    "train",
    "transfer_state",
    "viz",
]
