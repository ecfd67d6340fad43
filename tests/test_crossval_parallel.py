"""cross_validate(parallel=True): all folds in one vmapped program, same numbers as sequential."""

import numpy as np
import pytest

import jaxnets as jn


@pytest.mark.parametrize("standardize", [True, False])
def test_parallel_cross_validation_equals_sequential(standardize):
    rng = np.random.default_rng(0)
    x = (rng.normal(size=(53, 5)) * [1, 10, 0.1, 3, 1] + 2).astype(np.float32)
    y = (x[:, 0] + 0.1 * x[:, 1] > 2.5).astype(np.int32)
    kw = dict(k=3, metrics=("accuracy",), epochs=3, batch_size=8, seed=4,
              standardize=standardize)
    model, tx = jn.nn.MLP((8, 2)), jn.optim.adam(1e-2)
    seq = jn.cross_validate(model, tx, (x, y), **kw)
    par = jn.cross_validate(model, tx, (x, y), parallel=True, **kw)
    assert [np.array_equal(a[1], b[1]) for a, b in zip(seq.indices, par.indices, strict=True)] \
        == [True] * 3
    for f_seq, f_par in zip(seq.folds, par.folds, strict=True):
        assert f_seq.keys() == f_par.keys()
        for name in seq.names:
            np.testing.assert_allclose(f_par[name], f_seq[name], rtol=1e-4, atol=1e-5,
                                       err_msg=name)
    np.testing.assert_allclose(par.outputs, seq.outputs, rtol=1e-4, atol=1e-4)
    for h_seq, h_par in zip(seq.histories, par.histories, strict=True):
        np.testing.assert_allclose(h_par["loss"], h_seq["loss"], rtol=1e-4)


def test_parallel_cross_validation_rejects_fit_only_arguments():
    x = np.zeros((20, 3), np.float32)
    y = np.arange(20) % 2
    with pytest.raises(ValueError, match="parallel=True.*callbacks"):
        jn.cross_validate(jn.nn.MLP((4, 2)), "adam", (x, y), k=2, parallel=True, epochs=1,
                          callbacks=[])
