"""Embedded tabular datasets: seeded disjoint stratified splits, metadata, train-only standardisation."""

import numpy as np
import pytest
import sklearn.datasets

import jaxnets as jn

SK = {"iris": sklearn.datasets.load_iris, "wine": sklearn.datasets.load_wine,
      "breast_cancer": sklearn.datasets.load_breast_cancer}
# (total, features, classes, train, val, test) with the default fractions
SIZES = {"iris": (150, 4, 3, 90, 30, 30), "wine": (178, 13, 3, 106, 36, 36),
         "breast_cancer": (569, 30, 2, 399, 85, 85)}


def _rows(*arrays):
    """Rows of the arrays as a sorted list of tuples (a multiset, duplicates kept)."""
    return sorted(map(tuple, np.concatenate(arrays).tolist()))


@pytest.mark.parametrize("name", sorted(SK))
def test_splits_partition_the_sklearn_data_with_exact_sizes(name):
    total, features, classes, *sizes = SIZES[name]
    d = jn.data.load(name, standardize=False)
    assert [len(d.train), len(d.val), len(d.test)] == sizes
    assert sum(sizes) == total
    bunch = SK[name]()
    # together the three splits are exactly the original rows (with labels): a partition
    with_labels = [np.column_stack([s.x, s.y]) for s in (d.train, d.val, d.test)]
    assert _rows(*with_labels) == _rows(np.column_stack([bunch.data.astype(np.float32), bunch.target]))
    assert d.train.x.dtype == np.float32 and d.train.y.dtype == np.int32
    assert d.train.x.shape[1:] == (features,) and d.info["input_shape"] == (features,)
    assert d.num_classes == classes and d.class_names == [str(c) for c in bunch.target_names]
    assert d.info["feature_names"] == list(bunch.feature_names) and d.info["size"] == total
    assert "sklearn.datasets" in d.info["source"]


@pytest.mark.parametrize("name", sorted(SK))
def test_splits_are_stratified(name):
    d = jn.data.load(name, standardize=False)
    whole = np.bincount(SK[name]().target) / SIZES[name][0]
    for split in (d.train, d.val, d.test):
        expected = whole * len(split)
        assert np.all(np.abs(np.bincount(split.y, minlength=len(whole)) - expected) <= 1)


def test_same_seed_same_splits_other_seed_other_splits():
    a, b, c = (jn.data.load("wine", seed=s) for s in (3, 3, 4))
    for part in ("train", "val", "test"):
        np.testing.assert_array_equal(getattr(a, part).x, getattr(b, part).x)
    assert not np.array_equal(a.test.x, c.test.x)


@pytest.mark.parametrize("name", sorted(SK))
def test_standardisation_uses_training_statistics_only(name):
    raw = jn.data.load(name, standardize=False, seed=1)
    std = jn.data.load(name, seed=1)
    mean, sd = raw.train.x.astype(np.float64).mean(0), raw.train.x.astype(np.float64).std(0)
    np.testing.assert_allclose(std.info["mean"], mean, rtol=1e-5)
    np.testing.assert_allclose(std.info["std"], sd, rtol=1e-5)
    for part in ("train", "val", "test"):
        np.testing.assert_allclose(getattr(std, part).x, (getattr(raw, part).x - mean) / sd,
                                   rtol=1e-4, atol=1e-4)
        np.testing.assert_array_equal(getattr(std, part).y, getattr(raw, part).y)
    np.testing.assert_allclose(std.train.x.mean(0), 0, atol=1e-5)
    np.testing.assert_allclose(std.train.x.std(0), 1, atol=1e-5)
    # statistics of all the data would differ: the test split is not centred exactly
    assert np.abs(std.test.x.mean(0)).max() > 1e-3


def test_standardize_constant_feature_maps_to_zero():
    train = jn.Split(np.array([[1.0, 5.0], [3.0, 5.0]]), np.array([0, 1]))
    test = jn.Split(np.array([[2.0, 7.0]]), np.array([0]))
    (tr, te), mean, std = jn.data.standardize(train, test)
    np.testing.assert_allclose(mean, [2.0, 5.0])
    np.testing.assert_allclose(std, [1.0, 1.0])
    np.testing.assert_allclose(tr.x, [[-1.0, 0.0], [1.0, 0.0]])
    np.testing.assert_allclose(te.x, [[0.0, 2.0]])


def test_split_counts_and_errors():
    d = jn.data.load("iris", val=10, test=20)
    assert (len(d.train), len(d.val), len(d.test)) == (120, 10, 20)
    with pytest.raises(ValueError, match=r"val must be a fraction in \[0, 1\) or a count"):
        jn.data.load("iris", val=-0.1)
    with pytest.raises(TypeError, match="data_dir"):
        jn.data.load("iris", data_dir="/tmp")


def test_unknown_dataset_names_list_the_valid_ones():
    with pytest.raises(ValueError, match=r"unknown dataset 'irises'; expected one of: .*breast_cancer.*"
                                         r"cifar10.*csv_series.*iris.*mnist.*text_file.*wine"):
        jn.data.load("irises")


def test_an_mlp_learns_iris():
    d = jn.data.load("iris")
    result = jn.fit(jn.nn.MLP((16, 3)), jn.optim.adam(3e-2), d.train, loss="cross_entropy",
                    metrics=("accuracy",), epochs=30, batch_size=32, verbose=False)
    assert jn.evaluate(result.state, d.test)["accuracy"] > 0.85

