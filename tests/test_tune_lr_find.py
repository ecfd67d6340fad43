"""The parallel learning-rate range test."""

import numpy as np
import pytest

import jaxnets as jn
from tests.helpers import blobs


def test_lr_find_matches_single_fits_and_suggests_the_lowest_loss(tmp_path):
    data = blobs(60, d=4, classes=3)
    lrs = [1e-4, 1e-2, 1e-1, 1e3]
    res = jn.tune.lr_find(jn.nn.MLP((8, 3)), lambda lr: jn.optim.sgd(lr), data, lrs=lrs,
                          epochs=2, batch_size=20)
    single = jn.fit(jn.nn.MLP((8, 3)), jn.optim.sgd(lrs[2]), data, validation=data, epochs=2,
                    batch_size=20, verbose=False)
    assert res.losses[2] == pytest.approx(single.history["val_loss"][-1], rel=1e-5)
    finite = np.where(np.isfinite(res.losses), res.losses, np.inf)
    assert res.suggested == lrs[int(np.argmin(finite))]
    assert res.losses[1] < res.initial_loss  # a sensible rate makes progress
    untrained = jn.fit(jn.nn.MLP((8, 3)), jn.optim.sgd(0.0), data, validation=data, epochs=1,
                       batch_size=20, verbose=False)
    assert res.initial_loss == pytest.approx(untrained.history["val_loss"][-1], rel=1e-5)
    res.plot(tmp_path / "lr.png")
    assert (tmp_path / "lr.png").stat().st_size > 0
    with pytest.raises(ValueError, match="at least two positive"):
        jn.tune.lr_find(jn.nn.MLP((8, 3)), lambda lr: jn.optim.sgd(lr), data, lrs=[0.1])
