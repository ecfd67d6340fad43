"""Populations: member i equals a single fit with member i's hyperparameters and seed."""

import jax
import numpy as np
import optax
import pytest

import jaxnets as jn
from tests.helpers import blobs


def close(a, b, tol=1e-5):
    diffs = jax.tree_util.tree_leaves(jax.tree_util.tree_map(
        lambda p, q: float(np.max(np.abs(np.asarray(p) - np.asarray(q)))), a, b))
    assert max(diffs) <= tol, max(diffs)


DATA = blobs(50, d=5, classes=3)
VAL = blobs(20, d=5, classes=3, seed=1)


def sgd_momentum(lr, momentum):
    return jn.optim.sgd(lr, momentum=momentum)


def test_members_equal_single_fits_lr_momentum_seed_dropout():
    model = jn.nn.MLP((8, 3), dropout=0.1, array_dropout=True)
    hp = {"lr": [0.05, 0.1, 0.02], "momentum": [0.0, 0.9, 0.5], "seed": [0, 3, 7],
          "dropout": [0.0, 0.3, 0.5]}
    pop = jn.tune.population(model, sgd_momentum, hp)
    res = pop.fit(DATA, validation=VAL, epochs=3, batch_size=16)
    assert jax.tree_util.tree_leaves(res.state.params)[0].shape[0] == 3
    for i in range(3):
        single = jn.fit(jn.nn.MLP((8, 3), dropout=hp["dropout"][i], array_dropout=True),
                        sgd_momentum(hp["lr"][i], hp["momentum"][i]), DATA, validation=VAL,
                        epochs=3, batch_size=16, seed=hp["seed"][i], verbose=False)
        close(res.member(i).state.params, single.state.params)
        np.testing.assert_allclose(res.history[i]["val_loss"], single.history["val_loss"],
                                   rtol=1e-5)
        np.testing.assert_allclose(res.history[i]["accuracy"], single.history["accuracy"],
                                   rtol=1e-5)
        np.testing.assert_allclose(res.history[i]["lr"], single.history["lr"], rtol=1e-6)
    # the member's state works with evaluate
    ev = jn.evaluate(res.member(1).state, VAL)
    np.testing.assert_allclose(ev["loss"], res.history[1]["val_loss"][-1], rtol=1e-5)


def test_adam_with_schedule_parameter():
    def make(lr, alpha):
        return optax.adam(optax.cosine_decay_schedule(lr, decay_steps=4, alpha=alpha))

    hp = {"lr": [1e-2, 3e-2], "alpha": [0.5, 0.1]}
    res = jn.tune.population(jn.nn.MLP((8, 3)), make, hp).fit(DATA, epochs=2, batch_size=25)
    for i in range(2):
        single = jn.fit(jn.nn.MLP((8, 3)), make(hp["lr"][i], hp["alpha"][i]), DATA, epochs=2,
                        batch_size=25, verbose=False)
        close(res.member(i).state.params, single.state.params)


def test_early_stopping_freezes_only_that_member():
    hp = {"lr": [0.5, 0.0, 0.1]}  # lr 0: the validation loss never improves after epoch 1
    pop = jn.tune.population(jn.nn.MLP((8, 3)), lambda lr: jn.optim.sgd(lr), hp)
    res = pop.fit(DATA, validation=VAL, epochs=5, batch_size=25, patience=1, min_delta=1e-9)
    assert res.info["stopped_epoch"][1] == 1  # epoch 0 sets the best, epoch 1 does not improve
    assert len(res.history[1]["loss"]) == 2
    frozen = jn.fit(jn.nn.MLP((8, 3)), jn.optim.sgd(0.0), DATA, epochs=2, batch_size=25,
                    verbose=False)
    close(res.member(1).state.params, frozen.state.params)
    assert int(res.member(1).state.step) == int(frozen.state.step) == 4
    for i in (0, 2):
        n = len(res.history[i]["loss"])
        single = jn.fit(jn.nn.MLP((8, 3)), jn.optim.sgd(hp["lr"][i]), DATA, epochs=n,
                        batch_size=25, verbose=False)
        close(res.member(i).state.params, single.state.params)


def test_best_and_table():
    hp = {"lr": jn.tune.log_grid(1e-4, 1e-1, 4)}
    res = jn.tune.population(jn.nn.MLP((8, 3)), lambda lr: jn.optim.adam(lr), hp).fit(
        DATA, validation=VAL, epochs=3, batch_size=16)
    scores = res.scores("val_loss")
    best = res.best("val_loss")
    assert best.info["member"] == int(np.argmin(scores))
    assert res.best("val_accuracy").info["member"] == int(np.argmax(res.scores("val_accuracy")))
    rows = res.table("val_loss")
    assert [r["lr"] for r in rows] == pytest.approx(hp["lr"], rel=1e-6)
    np.testing.assert_allclose(jn.tune.log_grid(1e-4, 1e-1, 4), [1e-4, 1e-3, 1e-2, 1e-1])


def test_bad_input():
    model = jn.nn.MLP((8, 3))
    adam = lambda lr: jn.optim.adam(lr)  # noqa: E731
    with pytest.raises(ValueError, match="same length"):
        jn.tune.population(model, adam, {"lr": [1e-3, 1e-2], "seed": [0, 1, 2]})
    with pytest.raises(TypeError, match="must be numbers"):
        jn.tune.population(model, adam, {"lr": ["a", "b"]})
    with pytest.raises(ValueError, match="non-negative integers"):
        jn.tune.population(model, adam, {"lr": [1e-3], "seed": [0.5]})
    with pytest.raises(ValueError, match="arguments of make_optimizer"):
        jn.tune.population(model, adam, {"lr": [1e-3], "momentum": [0.9]}).fit(DATA, epochs=1)
    with pytest.raises(ValueError, match="needs validation data"):
        jn.tune.population(model, adam, {"lr": [1e-3]}).fit(DATA, epochs=1, patience=2)
    with pytest.raises(TypeError, match="flax.linen Module"):
        jn.tune.population("mlp", adam, {"lr": [1e-3]})


def test_array_dropout_matches_flax_dropout():
    import flax.linen as nn
    import jax.numpy as jnp

    x = jnp.ones((4, 6))
    key = jax.random.PRNGKey(0)
    ours = jn.nn.ArrayDropout(0.4)
    variables = ours.init(key, x)
    assert float(variables["hparams"]["dropout"]) == pytest.approx(0.4)
    a = ours.apply(variables, x, deterministic=False, rngs={"dropout": key})
    b = nn.Dropout(0.4).apply({}, x, deterministic=False, rngs={"dropout": key})
    np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    np.testing.assert_array_equal(np.asarray(ours.apply(variables, x)), np.asarray(x))
    jitted = jax.jit(lambda v: ours.apply(v, x, deterministic=False, rngs={"dropout": key}))
    np.testing.assert_array_equal(np.asarray(jitted(variables)), np.asarray(b))
