"""k-fold splits against scikit-learn's properties, and cross-validation without leakage."""

from __future__ import annotations

import numpy as np
import optax
import pytest
from sklearn.model_selection import KFold, StratifiedKFold

import jaxnets as jn
from jaxnets.data import kfold, stratified_kfold
from tests.helpers import blobs


@pytest.mark.parametrize("n,k", [(10, 2), (23, 5), (7, 7)])
def test_kfold_disjoint_cover_and_sizes(n, k):
    folds = kfold(n, k, seed=3)
    vals = [v for _, v in folds]
    np.testing.assert_array_equal(np.sort(np.concatenate(vals)), np.arange(n))
    sizes = sorted(len(v) for v in vals)
    assert sizes[-1] - sizes[0] <= 1
    for train, val in folds:
        assert not np.intersect1d(train, val).size
        np.testing.assert_array_equal(np.union1d(train, val), np.arange(n))
    assert [list(v) for _, v in kfold(n, k, seed=3)] == [list(v) for v in vals]  # seeded
    assert any(not np.array_equal(a[1], b[1]) for a, b in zip(folds, kfold(n, k, seed=4),
                                                             strict=True))


def test_unshuffled_kfold_equals_sklearn():
    for ours, theirs in zip(kfold(23, 5, shuffle=False), KFold(5).split(np.zeros(23)),
                            strict=True):
        np.testing.assert_array_equal(ours[0], theirs[0])
        np.testing.assert_array_equal(ours[1], theirs[1])


def test_stratified_kfold_keeps_proportions_like_sklearn():
    rng = np.random.default_rng(0)
    y = rng.choice(3, 101, p=[0.6, 0.3, 0.1]).astype(np.int64)
    ours = stratified_kfold(y, 5, seed=1)
    theirs = list(StratifiedKFold(5, shuffle=True, random_state=1).split(np.zeros(101), y))
    np.testing.assert_array_equal(np.sort(np.concatenate([v for _, v in ours])), np.arange(101))
    totals = np.bincount(y)
    for (tr, va), (_, sk_va) in zip(ours, theirs, strict=True):
        assert not np.intersect1d(tr, va).size
        counts = np.bincount(y[va], minlength=3)
        # every class to within one of its share, as scikit-learn guarantees
        assert np.all(np.abs(counts - totals / 5) < 1)
        assert abs(len(va) - len(sk_va)) <= 1


def test_fold_errors_are_clear():
    with pytest.raises(ValueError, match="k must be >= 2"):
        kfold(10, 1)
    with pytest.raises(ValueError, match="need at least 12 examples"):
        kfold(10, 12)
    with pytest.raises(ValueError, match="smallest class has 2"):
        stratified_kfold(np.array([0, 0, 0, 1, 1]), 3)


def test_train_val_test_split_disjoint_exact_stratified():
    x, y = blobs(n=100, d=2, classes=2, seed=1)
    tr, va, te = jn.data.train_val_test_split(x, y, val=0.2, test=0.1, seed=0)
    assert (len(tr), len(va), len(te)) == (70, 20, 10)
    rows = [tuple(r) for s in (tr, va, te) for r in s.x]
    assert len(set(rows)) == 100
    assert abs(va.y.mean() - y.mean()) < 0.05


def test_standardisation_statistics_come_from_the_training_part_only():
    x, y = blobs(n=40, d=3, classes=2, seed=2)
    a, b = jn.data.Split(x[:30], y[:30]), jn.data.Split(x[30:], y[30:])
    (_, b1), mean, std = jn.data.standardize(a, b)
    b_changed = jn.data.Split(b.x * 100 + 7, b.y)
    _, mean2, std2 = jn.data.standardize(a, b_changed)
    np.testing.assert_array_equal(mean, mean2)
    np.testing.assert_array_equal(std, std2)
    np.testing.assert_allclose(mean, x[:30].mean(0), rtol=1e-5)


def test_cross_validate_folds_mean_std_and_no_leakage(monkeypatch):
    x, y = blobs(n=48, d=4, classes=2, seed=0)
    seen = []
    real_fit = jn.train.crossval.fit

    def spy(model, tx, train, **kw):
        seen.append(train)
        return real_fit(model, tx, train, **kw)

    monkeypatch.setattr(jn.train.crossval, "fit", spy)
    model = jn.nn.MLP(features=(8, 2))
    cv = jn.cross_validate(model, optax.adam(0.05), (x, y), k=3,
                           metrics=("accuracy", "f1", "auc"), epochs=4, batch_size=8)
    assert len(cv.folds) == 3 and set(cv.names) >= {"accuracy", "f1", "auc", "loss"}
    acc = [f["accuracy"] for f in cv.folds]
    assert cv.mean["accuracy"] == pytest.approx(np.mean(acc))
    assert cv.std["accuracy"] == pytest.approx(np.std(acc))
    assert cv.mean["accuracy"] > 0.8  # separable blobs
    for (train_idx, _), train in zip(cv.indices, seen, strict=True):
        # standardised with the training part's own statistics: mean 0, std 1 exactly there
        np.testing.assert_allclose(train.x.mean(0), 0, atol=1e-5)
        np.testing.assert_allclose(train.x.std(0), 1, atol=1e-4)
        assert len(train.x) == len(train_idx)
    assert "mean +- std" in cv.table() and "auc" in str(cv)
    assert cv.outputs.shape == (48, 2) and np.array_equal(cv.labels, y)
    _, val_idx = cv.indices[0]  # out-of-fold outputs reproduce the fold's accuracy
    fold_acc = np.mean(cv.outputs[val_idx].argmax(1) == y[val_idx])
    assert fold_acc == pytest.approx(cv.folds[0]["accuracy"], abs=1e-6)


def test_cross_validate_never_sees_the_test_split():
    x, y = blobs(n=60, d=3, classes=2, seed=1)
    splits = jn.data.train_val_test_split(x, y, val=10, test=20, seed=0)
    ds = jn.data.Dataset("blobs", *splits)
    poisoned = jn.data.Dataset("blobs", ds.train, ds.val,
                               jn.data.Split(np.full_like(ds.test.x, np.nan), ds.test.y))
    cv = jn.cross_validate(jn.nn.MLP(features=(4, 2)), "sgd", poisoned, k=2, epochs=1)
    assert sum(len(v) for _, v in cv.indices) == 40
    assert np.isfinite(cv.mean["loss"])
    with pytest.raises(ValueError, match="do not pass validation"):
        jn.cross_validate(jn.nn.MLP(features=(4, 2)), "sgd", (x, y), validation=(x, y))
