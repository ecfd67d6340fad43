"""Grid, random and Bayesian search."""

import itertools

import numpy as np
import pytest

import jaxnets as jn
from tests.helpers import blobs

DATA = blobs(40, d=4, classes=3)
VAL = blobs(20, d=4, classes=3, seed=1)


def sgd(lr, momentum):
    return jn.optim.sgd(lr, momentum=momentum)


def test_grid_is_the_product_of_its_axes():
    axes = {"lr": [0.01, 0.1, 0.3], "momentum": [0.0, 0.9], "width": [4, 8]}
    configs = jn.tune.grid(axes)
    assert len(configs) == 12
    got = {tuple(c[k] for k in axes) for c in configs}
    assert got == set(itertools.product(*axes.values()))
    with pytest.raises(ValueError, match="non-empty list"):
        jn.tune.grid({"lr": []})


def test_grid_search_runs_numeric_axes_as_one_population():
    axes = {"lr": [0.01, 0.3], "momentum": [0.0, 0.9]}
    res = jn.tune.grid_search(jn.nn.MLP((8, 3)), sgd, axes, DATA, VAL, metric="val_accuracy",
                              epochs=2, batch_size=20)
    assert res.info["groups"] == 1 and len(res.rows) == 4
    assert {(r["lr"], r["momentum"]) for r in res.rows} == set(itertools.product(*axes.values()))
    best = res.best
    assert best["val_accuracy"] == max(r["val_accuracy"] for r in res.rows)
    assert res.best_result.info["config"] == {"lr": best["lr"], "momentum": best["momentum"]}
    # the winner equals a plain fit with its hyperparameters
    single = jn.fit(jn.nn.MLP((8, 3)), sgd(best["lr"], best["momentum"]), DATA, validation=VAL,
                    epochs=2, batch_size=20, verbose=False)
    assert max(single.history["val_accuracy"]) == pytest.approx(best["val_accuracy"], abs=1e-6)
    assert "lr" in res.table() and res.table().count("\n") == 5


def test_random_search_respects_bounds_and_is_seeded():
    space = {"lr": jn.tune.LogUniform(1e-4, 1e-1), "momentum": jn.tune.Uniform(0.5, 0.99),
             "width": jn.tune.IntUniform(2, 5), "act": jn.tune.Choice(["relu", "tanh"])}
    a = jn.tune.sample_space(space, 200, seed=3)
    assert a == jn.tune.sample_space(space, 200, seed=3)
    assert a != jn.tune.sample_space(space, 200, seed=4)
    lr = np.array([c["lr"] for c in a])
    assert lr.min() >= 1e-4 and lr.max() <= 1e-1
    # log-uniform: about a third of the draws in each decade
    assert 0.2 < np.mean(lr < 1e-3) < 0.45 and 0.2 < np.mean(lr > 1e-2) < 0.45
    m = np.array([c["momentum"] for c in a])
    assert m.min() >= 0.5 and m.max() < 0.99
    assert {c["width"] for c in a} == {2, 3, 4, 5}
    assert {c["act"] for c in a} == {"relu", "tanh"}
    with pytest.raises(ValueError, match="low > 0"):
        jn.tune.LogUniform(0.0, 1.0)
    with pytest.raises(ValueError, match="low < high"):
        jn.tune.Uniform(1.0, 1.0)


def test_random_search_groups_structural_choices():
    def make_model(width):
        return jn.nn.MLP((width, 3))

    space = {"lr": jn.tune.LogUniform(1e-3, 1e-1), "width": jn.tune.Choice([4, 8])}
    res = jn.tune.random_search(make_model, lambda lr: jn.optim.adam(lr), space, DATA, VAL,
                                num_samples=4, seed=0, epochs=1, batch_size=20)
    widths = {c["width"] for c in jn.tune.sample_space(space, 4, 0)}
    assert res.info["groups"] == len(widths) and len(res.rows) == 4


def test_bayesian_search_trains_a_population_per_trial(tmp_path):
    def make_model(depth, activation):
        return jn.nn.MLP((8,) * depth + (3,), activation=activation)

    res = jn.tune.bayesian_search(
        make_model, lambda lr: jn.optim.adam(lr),
        {"depth": jn.tune.IntUniform(1, 2), "activation": jn.tune.Choice(["relu", "tanh"])},
        {"lr": jn.tune.LogUniform(1e-3, 1e-1)}, DATA, VAL, trials=2, population_size=2, seed=0,
        epochs=1, batch_size=20)
    assert len(res.rows) == 4 and {r["trial"] for r in res.rows} == {0, 1}
    assert len(res.info["study"].trials) == 2
    assert res.best["val_loss"] == min(r["val_loss"] for r in res.rows)
    res.plot(tmp_path / "bayes.png")
    assert (tmp_path / "bayes.png").stat().st_size > 0
