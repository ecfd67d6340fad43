"""Datasets, splits and batching.

Embedded (ship with the install): ``digits``, ``iris``, ``wine``, ``breast_cancer``.
Files a user brings: ``cifar10``, ``cifar100``, ``mnist``, ``fashion_mnist``
(``data_dir=...``), ``text_file`` and ``csv_series`` (``path=...``). All through
``load(name, **options)``.
"""

from jaxnets.data._datasets import LOADERS, load, load_digits, register
from jaxnets.data._files import build_vocab, load_csv_series, load_text_file, read_csv_columns, tokenize
from jaxnets.data._images import (
    load_cifar10,
    load_cifar100,
    load_fashion_mnist,
    load_mnist,
    read_cifar_bin,
    read_idx,
)
from jaxnets.data._kfold import kfold, stratified_kfold
from jaxnets.data._safe_pickle import RestrictedUnpickler, restricted_load
from jaxnets.data._sequences import (
    decode,
    load_goog,
    load_membrane,
    load_text,
    python_docs_text,
    series_windows,
)
from jaxnets.data._splits import train_val_test_split
from jaxnets.data._tabular import load_breast_cancer, load_iris, load_wine, standardize
from jaxnets.data._types import Dataset, Split

__all__ = [
    "LOADERS",
    "Dataset",
    "RestrictedUnpickler",
    "Split",
    "build_vocab",
    "decode",
    "load_goog",
    "load_membrane",
    "load_text",
    "python_docs_text",
    "series_windows",
    "load",
    "load_breast_cancer",
    "load_cifar10",
    "load_cifar100",
    "load_csv_series",
    "load_digits",
    "load_fashion_mnist",
    "load_iris",
    "kfold",
    "stratified_kfold",
    "load_mnist",
    "load_text_file",
    "load_wine",
    "read_cifar_bin",
    "read_csv_columns",
    "read_idx",
    "register",
    "restricted_load",
    "standardize",
    "tokenize",
    "train_val_test_split",
]
