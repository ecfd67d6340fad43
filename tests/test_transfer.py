"""transfer_state and freeze_layers: copied sub-trees, replaced head, exactly frozen layers."""

from __future__ import annotations

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import jaxnets as jn
from tests.helpers import blobs

X, Y = blobs(32, d=5, classes=3)
BACKBONE = ["dense_0", "dense_1"]


class Other(nn.Module):
    """A model whose only layer shares no name with MLP's."""

    @nn.compact
    def __call__(self, x, train: bool = False):
        return nn.Dense(3, name="other")(x)


def state_of(model, tx, seed=0):
    return jn.TrainState.create(model, tx, X[:1], seed=seed)


@pytest.fixture(scope="module")
def source():
    return jn.fit(jn.nn.MLP((8, 6, 3), batch_norm=True), "adam", (X, Y), epochs=1,
                  batch_size=8, verbose=False).state


def test_transfer_copies_backbone_and_keeps_new_head(source):
    target = state_of(jn.nn.MLP((8, 6, 2), batch_norm=True), optax.adam(1e-2), seed=1)
    out = jn.transfer_state(source, target, exclude=["dense_2"])
    for layer in BACKBONE:
        for k in ("kernel", "bias"):
            np.testing.assert_array_equal(out.params[layer][k], source.params[layer][k])
    np.testing.assert_array_equal(out.model_state["batch_stats"]["bn_0"]["mean"],
                                  source.model_state["batch_stats"]["bn_0"]["mean"])
    np.testing.assert_array_equal(out.params["dense_2"]["kernel"],
                                  target.params["dense_2"]["kernel"])
    assert out.params["dense_2"]["kernel"].shape == (6, 2)
    assert int(out.step) == 0 and int(out.epoch) == 0


def test_transfer_errors(source):
    target = state_of(jn.nn.MLP((8, 6, 2), batch_norm=True), optax.adam(1e-2))
    with pytest.raises(ValueError, match=r"dense_2/bias has shape \(3,\).*\(2,\).*exclude"):
        jn.transfer_state(source, target)
    with pytest.raises(ValueError, match=r"exclude names \['head'\] match no parameter"):
        jn.transfer_state(source, target, exclude=["head"])
    other = state_of(Other(), optax.sgd(0.1))
    with pytest.raises(ValueError, match="copied nothing"):
        jn.transfer_state(source, other)
    with pytest.raises(TypeError, match="target must be a TrainState"):
        jn.transfer_state(source, target.params)


@pytest.mark.parametrize("jit", [False, True])
def test_frozen_layers_get_exact_zero_updates_and_the_rest_plain_adam(jit):
    params = state_of(jn.nn.MLP((8, 6, 3)), optax.sgd(0.1)).params
    grads = jax.tree_util.tree_map(lambda a: jnp.full_like(a, 0.5), params)
    tx = jn.train.freeze_layers(optax.adam(1e-2), BACKBONE)
    update = jax.jit(tx.update) if jit else tx.update
    updates, _ = update(grads, tx.init(params), params)
    head_updates, _ = optax.adam(1e-2).update(grads["dense_2"], optax.adam(1e-2).init(
        params["dense_2"]), params["dense_2"])  # the oracle: adam on the head alone
    for layer in BACKBONE:
        assert all(not np.any(np.asarray(u)) for u in jax.tree_util.tree_leaves(updates[layer]))
    for k in ("kernel", "bias"):
        np.testing.assert_allclose(updates["dense_2"][k], head_updates[k], rtol=1e-6)


def test_fine_tune_leaves_frozen_backbone_untouched(source):
    tx = jn.train.freeze_layers(optax.adam(1e-2), ["dense_0", "dense_1", "bn_0", "bn_1"])
    target = state_of(jn.nn.MLP((8, 6, 3), batch_norm=True), tx, seed=1)
    start = jn.transfer_state(source, target, exclude=["dense_2"])
    tuned = jn.fit(jn.nn.MLP((8, 6, 3), batch_norm=True), None, (X, Y), epochs=2,
                   batch_size=8, verbose=False, initial_state=start).state
    for layer in BACKBONE:
        for k in ("kernel", "bias"):
            np.testing.assert_array_equal(tuned.params[layer][k], source.params[layer][k])
    assert not np.array_equal(tuned.params["dense_2"]["kernel"], start.params["dense_2"]["kernel"])


def test_freeze_errors():
    with pytest.raises(ValueError, match=r"freeze_layers names \['conv'\] match no parameter; "
                                         r"layers are \['dense_0', 'dense_1'\]"):
        tx = jn.train.freeze_layers(optax.sgd(0.1), ["conv"])
        tx.init(state_of(jn.nn.MLP((4, 3)), optax.sgd(0.1)).params)
    with pytest.raises(ValueError, match="at least one layer"):
        jn.train.freeze_layers(optax.sgd(0.1), [])
    with pytest.raises(TypeError, match="GradientTransformation"):
        jn.train.freeze_layers("adam", ["dense_0"])
