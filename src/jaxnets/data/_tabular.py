"""Embedded tabular datasets from scikit-learn (they ship inside the install; nothing is downloaded).

Each loader returns seeded, stratified train/validation/test splits (exact sizes,
disjoint) with metadata, and by default standardises the features with the mean
and standard deviation of the *training split only*, so no statistic of the
validation or test examples leaks into the inputs the model is trained on.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from jaxnets.data._datasets import register
from jaxnets.data._splits import train_val_test_split
from jaxnets.data._types import Dataset, Split


def standardize(
    train: Split, *others: Split, axis: int | tuple[int, ...] = 0
) -> tuple[list[Split], np.ndarray, np.ndarray]:
    """Standardise inputs with statistics of ``train`` only: ``x' = (x - mean_train) / std_train``.

    Args:
      train: the split whose inputs ``x`` [N, ...] give the mean and standard
        deviation (over ``axis``, by default the example axis).
      *others: further splits transformed with the same statistics.
      axis: the axes reduced to compute the statistics.

    Returns:
      ``([train', *others'], mean, std)``; a feature that is constant on the
      training split has ``std = 1`` so that it maps to zero instead of NaN.
    """
    x = np.asarray(train.x, dtype=np.float64)
    if x.shape[0] == 0:
        raise ValueError("standardize: the training split is empty; found 0 examples")
    mean = x.mean(axis=axis, keepdims=True)
    std = x.std(axis=axis, keepdims=True)
    std = np.where(std > 0, std, 1.0)

    def apply(s: Split) -> Split:
        return Split(((np.asarray(s.x) - mean) / std).astype(np.float32), s.y)

    mean, std = np.squeeze(mean, axis), np.squeeze(std, axis)
    return [apply(s) for s in (train, *others)], mean.astype(np.float32), std.astype(np.float32)


def _tabular(
    name: str, bunch: Any, source: str, *, seed: int, val: float | int, test: float | int,
    standardize_features: bool,
) -> Dataset:
    """Split a scikit-learn ``Bunch`` (``data`` [N, F], ``target`` [N]) into a :class:`Dataset`."""
    x = np.asarray(bunch.data, dtype=np.float32)
    y = np.asarray(bunch.target, dtype=np.int32)
    splits = train_val_test_split(x, y, val=val, test=test, seed=seed, stratify=True)
    info: dict[str, Any] = {
        "num_classes": int(len(bunch.target_names)),
        "class_names": [str(c) for c in bunch.target_names],
        "feature_names": [str(f) for f in bunch.feature_names],
        "input_shape": x.shape[1:],
        "size": len(x),
        "source": source,
        "standardized": standardize_features,
    }
    if standardize_features:
        splits, info["mean"], info["std"] = standardize(*splits)
    return Dataset(name, *splits, info)


def _sklearn(fn_name: str) -> Callable[[], Any]:
    import sklearn.datasets

    return getattr(sklearn.datasets, fn_name)


@register("breast_cancer")
def load_breast_cancer(
    *, seed: int = 0, val: float | int = 0.15, test: float | int = 0.15, standardize: bool = True
) -> Dataset:
    """Wisconsin diagnostic breast cancer: 569 tumours, 30 real features, binary label.

    Provenance: ``sklearn.datasets.load_breast_cancer`` (UCI ML repository; W. H.
    Wolberg, W. N. Street, O. L. Mangasarian, 1995), 212 malignant and 357 benign.
    Features are the mean, standard error and "worst" value of ten measurements of
    cell nuclei in a digitised image of a fine-needle aspirate.

    Args:
      seed: seed of the stratified splits.
      val, test: fractions of the whole (or counts) for validation and test.
      standardize: standardise features with the training split's mean and std
        (kept in ``info["mean"]``, ``info["std"]``, each [30]).

    Returns:
      x: float32 [N, 30]; y: int32 [N] with 0 = malignant, 1 = benign
      (scikit-learn's coding); ``info`` has class and feature names.
    """
    return _tabular("breast_cancer", _sklearn("load_breast_cancer")(),
                    "sklearn.datasets.load_breast_cancer (UCI breast cancer Wisconsin, diagnostic)",
                    seed=seed, val=val, test=test, standardize_features=standardize)


@register("iris")
def load_iris(
    *, seed: int = 0, val: float | int = 0.2, test: float | int = 0.2, standardize: bool = True
) -> Dataset:
    """Fisher's iris flowers: 150 examples, 4 features (cm), 3 balanced classes.

    Provenance: ``sklearn.datasets.load_iris`` (UCI ML repository; R. A. Fisher,
    1936). Features: sepal length, sepal width, petal length, petal width.

    Args:
      seed: seed of the stratified splits.
      val, test: fractions of the whole (or counts); 0.2 each gives 90/30/30.
      standardize: standardise features with the training split's mean and std.

    Returns:
      x: float32 [N, 4]; y: int32 [N] in {0: setosa, 1: versicolor, 2: virginica}.
    """
    return _tabular("iris", _sklearn("load_iris")(), "sklearn.datasets.load_iris (UCI iris, Fisher 1936)",
                    seed=seed, val=val, test=test, standardize_features=standardize)


@register("wine")
def load_wine(
    *, seed: int = 0, val: float | int = 0.2, test: float | int = 0.2, standardize: bool = True
) -> Dataset:
    """Italian wines from three cultivars: 178 examples, 13 chemical features, 3 classes (59/71/48).

    Provenance: ``sklearn.datasets.load_wine`` (UCI ML repository; M. Forina et
    al., PARVUS). Features such as alcohol, malic acid, flavanoids and proline
    span very different scales, so standardisation matters here.

    Args:
      seed: seed of the stratified splits.
      val, test: fractions of the whole (or counts).
      standardize: standardise features with the training split's mean and std.

    Returns:
      x: float32 [N, 13]; y: int32 [N] in {0, 1, 2} (cultivars ``class_0`` .. ``class_2``).
    """
    return _tabular("wine", _sklearn("load_wine")(), "sklearn.datasets.load_wine (UCI wine recognition)",
                    seed=seed, val=val, test=test, standardize_features=standardize)


__all__ = ["load_breast_cancer", "load_iris", "load_wine", "standardize"]
