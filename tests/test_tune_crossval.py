"""Cross-validation vmapped over folds equals a loop of single fits on the same folds."""

import jax
import numpy as np
import pytest
from sklearn.model_selection import KFold

import jaxnets as jn
from tests.helpers import blobs


def test_parallel_folds_equal_sequential_fits():
    x, y = blobs(47, d=4, classes=3)  # folds of 16, 16, 15: unequal shapes, padded and masked
    folds = list(KFold(3, shuffle=True, random_state=0).split(x))
    tx = jn.optim.adam(1e-2)
    res = jn.tune.cross_validate_population(jn.nn.MLP((8, 3)), tx, (x, y), folds, epochs=3,
                                            batch_size=10, seed=0,
                                            metrics=("accuracy",))
    assert len(res.history) == 3
    for f, (tr, va) in enumerate(folds):
        single = jn.fit(jn.nn.MLP((8, 3)), tx, (x[tr], y[tr]), validation=(x[va], y[va]),
                        epochs=3, batch_size=10, seed=0, verbose=False)
        diffs = jax.tree_util.tree_map(lambda a, b: float(np.max(np.abs(a - b))),
                                       res.member(f).state.params, single.state.params)
        assert max(jax.tree_util.tree_leaves(diffs)) < 1e-5
        for key in ("loss", "val_loss", "val_accuracy"):
            np.testing.assert_allclose(res.history[f][key], single.history[key], rtol=1e-5)
        assert res.info["folds"][f]["accuracy"] == pytest.approx(single.history["val_accuracy"][-1])
    accs = [single_acc["accuracy"] for single_acc in res.info["folds"]]
    assert res.info["mean"]["accuracy"] == pytest.approx(np.mean(accs))


def test_bad_folds():
    x, y = blobs(10, d=2, classes=2)
    model, tx = jn.nn.MLP((2,)), jn.optim.adam(1e-2)
    with pytest.raises(ValueError, match="non-empty list"):
        jn.tune.cross_validate_population(model, tx, (x, y), [])
    with pytest.raises(ValueError, match=r"must index the 10 examples"):
        jn.tune.cross_validate_population(model, tx, (x, y), [(np.arange(5), np.arange(8, 12))])
    with pytest.raises(ValueError, match="one seed per fold"):
        jn.tune.cross_validate_population(model, tx, (x, y), [(np.arange(5), np.arange(5, 10))],
                                          seed=[0, 1])
