"""Datasets, splits and batching."""

from jaxnets.data._datasets import LOADERS, load, load_digits, register
from jaxnets.data._splits import train_val_test_split
from jaxnets.data._types import Dataset, Split

__all__ = ["LOADERS", "Dataset", "Split", "load", "load_digits", "register", "train_val_test_split"]
