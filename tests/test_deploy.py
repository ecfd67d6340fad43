"""jn.export / jn.load_exported: serialized StableHLO round trip, no model class, clear errors."""

from __future__ import annotations

import json

import jax
import numpy as np
import pytest
from flax import serialization

import jaxnets as jn
from tests.helpers import TinyCNN, blobs

X, Y = blobs(40, d=5, classes=3)


@pytest.fixture(scope="module")
def trained():
    model = jn.nn.MLP((8, 3), dropout=0.2, batch_norm=True)  # eval mode: running stats, no dropout
    return jn.fit(model, "adam", (X, Y), epochs=2, batch_size=8, verbose=False)


def test_round_trip_equals_predict_for_any_batch(tmp_path, trained):
    path = jn.export(trained, tmp_path / "model", X[:2], platforms=("cpu", "cuda", "tpu"))
    loaded = jn.load_exported(path)
    assert loaded.input_shape == (None, 5) and loaded.output_shape == (None, 3)
    assert loaded.meta["platforms"] == ["cpu", "cuda", "tpu"]
    for n in (1, 7, 40):
        np.testing.assert_array_equal(np.asarray(loaded(X[:n])),
                                      np.asarray(jn.predict(trained.state, X[:n])))


def test_runs_with_plain_jax_and_flax_only(tmp_path, trained):
    """The files alone suffice: deserialize + msgpack_restore, no jaxnets, no model class."""
    path = jn.export(trained.state, tmp_path / "model", X[:1])
    exported = jax.export.deserialize(bytearray((path / "model.stablehlo").read_bytes()))
    variables = serialization.msgpack_restore((path / "variables.msgpack").read_bytes())
    out = exported.call(variables, np.asarray(X[:4], np.float32))
    np.testing.assert_array_equal(np.asarray(out), np.asarray(jn.predict(trained.state, X[:4])))


def test_conv_model_and_fixed_batch(tmp_path):
    x = np.random.default_rng(0).normal(size=(6, 8, 8, 1)).astype(np.float32)
    state = jn.TrainState.create(TinyCNN(), jn.optim.sgd(0.1), x[:1])
    loaded = jn.load_exported(jn.export(state, tmp_path / "cnn", x[:3], batch_polymorphic=False))
    assert loaded.input_shape == (3, 8, 8, 1)
    np.testing.assert_allclose(np.asarray(loaded(x[:3])), np.asarray(jn.predict(state, x[:3])),
                               rtol=1e-6, atol=1e-6)
    with pytest.raises(ValueError, match=r"x must have shape \(3, 8, 8, 1\)"):
        loaded(x[:4])


def test_never_overwrites_silently(tmp_path, trained):
    target = tmp_path / "model"
    target.mkdir()
    (target / "mine.txt").write_text("user data")
    with pytest.raises(FileExistsError, match="overwrite=True"):
        jn.export(trained, target, X[:1])
    assert (target / "mine.txt").read_text() == "user data"
    jn.export(trained, target, X[:1], overwrite=True)
    assert not (target / "mine.txt").exists() and jn.load_exported(target)(X[:2]).shape == (2, 3)
    assert [p.name for p in tmp_path.iterdir()] == ["model"]  # no temporaries left


def test_corrupt_missing_and_bad_inputs(tmp_path, trained):
    path = jn.export(trained, tmp_path / "model", X[:1])
    loaded = jn.load_exported(path)
    with pytest.raises(ValueError, match=r"x must have shape \(None, 5\)"):
        loaded(X[:, :4])
    blob = bytearray((path / "variables.msgpack").read_bytes())
    blob[len(blob) // 2] ^= 0xFF
    (path / "variables.msgpack").write_bytes(bytes(blob))
    with pytest.raises(ValueError, match="variables.msgpack is corrupt"):
        jn.load_exported(path)
    (path / "model.stablehlo").unlink()
    with pytest.raises(FileNotFoundError, match="model.stablehlo is missing"):
        jn.load_exported(path)
    (path / "meta.json").write_text(json.dumps({"format": "other"}))
    with pytest.raises(ValueError, match="not a jaxnets export"):
        jn.load_exported(path)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        jn.load_exported(tmp_path / "nothing")
    with pytest.raises(TypeError, match="TrainState or FitResult"):
        jn.export(trained.state.params, tmp_path / "p", X[:1])
    with pytest.raises(ValueError, match="sample_input must be"):
        jn.export(trained, tmp_path / "e", X[:0])
    nan_state = trained.state.replace(params=jax.tree_util.tree_map(
        lambda a: a * np.nan, trained.state.params))
    with pytest.raises(ValueError, match="NaN/Inf"):
        jn.export(nan_state, tmp_path / "n", X[:1])
    assert not (tmp_path / "n").exists()
