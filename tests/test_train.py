import chex
import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from jax.test_util import check_grads

import jaxnets as jn
from jaxnets.train.epoch import BatchPlan, epoch_indices
from jaxnets.train.fit import get_runner
from tests.helpers import TinyCNN, blobs


def _state(model=None, tx=None, x=None, seed=0):
    model = model or jn.nn.MLP((8, 3))
    x = blobs()[0] if x is None else x
    return jn.TrainState.create(model, tx or jn.optim.adam(1e-2), x[:1], seed=seed)


def _batch(x, y, mask=None):
    mask = np.ones(len(x), np.float32) if mask is None else mask
    return jn.Batch(jnp.asarray(x), jnp.asarray(y), jnp.asarray(mask))


def _tree_equal(a, b):
    return all(jax.tree_util.tree_leaves(jax.tree_util.tree_map(
        lambda p, q: bool(np.array_equal(np.asarray(p), np.asarray(q))), a, b)))


class TestStep(chex.TestCase):
    @chex.variants(with_jit=True, without_jit=True)
    def test_step_jitted_equals_not_jitted(self):
        x, y = blobs(16)
        step = jn.make_train_step("cross_entropy")
        state = _state(x=x)
        new, metrics = self.variant(step)(state, _batch(x, y))
        ref, ref_metrics = step(state, _batch(x, y))
        chex.assert_trees_all_close(new.params, ref.params, rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(metrics["loss"], ref_metrics["loss"], rtol=1e-6)
        assert int(new.step) == 1

    def test_step_reduces_loss(self):
        x, y = blobs(32)
        step = jax.jit(jn.make_train_step("cross_entropy"))
        state = _state(x=x)
        losses = []
        for _ in range(30):
            state, m = step(state, _batch(x, y))
            losses.append(float(m["loss"]))
        assert losses[-1] < 0.5 * losses[0]

    def test_eval_step_uses_eval_mode(self):
        x, y = blobs(16)
        model = jn.nn.MLP((8, 3), dropout=0.5, batch_norm=True)
        state = _state(model, x=x)
        m1 = jax.jit(jn.make_eval_step())(state, _batch(x, y))
        m2 = jn.make_eval_step()(state, _batch(x, y))
        np.testing.assert_allclose(m1["loss"], m2["loss"], rtol=1e-6)

    def test_batch_norm_state_updated_in_training(self):
        x, y = blobs(16)
        state = _state(jn.nn.MLP((8, 3), batch_norm=True), x=x)
        new, _ = jn.make_train_step()(state, _batch(x, y))
        before = state.model_state["batch_stats"]["bn_0"]["mean"]
        after = new.model_state["batch_stats"]["bn_0"]["mean"]
        assert not np.allclose(before, after)

    def test_nonfinite_update_is_skipped_and_counted(self):
        x, y = blobs(8)
        state = _state(x=x)
        bad = x.copy()
        bad[0, 0] = np.nan
        new, m = jn.make_train_step()(state, _batch(bad, y))
        assert not bool(m["finite"])
        assert int(new.skipped) == 1 and int(new.step) == 1
        assert _tree_equal(new.params, state.params)


def test_mlp_loss_gradient_matches_finite_differences():
    x, y = blobs(6, d=3)
    model = jn.nn.MLP((4, 3), activation="tanh")
    params = model.init(jax.random.PRNGKey(0), x)["params"]

    def loss(p):
        return jn.losses.cross_entropy(model.apply({"params": p}, x), y).mean()

    with jax.enable_x64():
        p64 = jax.tree_util.tree_map(lambda a: jnp.asarray(a, jnp.float64), params)
        x64 = jnp.asarray(x, jnp.float64)
        loss64 = lambda p: jn.losses.cross_entropy(model.apply({"params": p}, x64), y).mean()
        check_grads(loss64, (p64,), order=1, modes=("rev",), eps=1e-6, atol=1e-6, rtol=1e-6)
    assert np.isfinite(float(loss(params)))


def test_scanned_epoch_equals_python_loop():
    x, y = blobs(37)
    state = _state(x=x)
    plan = BatchPlan(37, 8)
    runner = get_runner("cross_entropy", ("accuracy",), "scan", 8, True)
    scanned, metrics = runner.train_epoch(state, jnp.asarray(x), jnp.asarray(y), plan, 3)

    step = jax.jit(jn.make_train_step())
    idx, mask = epoch_indices(state.key, state.epoch, plan)
    loop, total, count = state, 0.0, 0.0
    for i, m in zip(np.asarray(idx), np.asarray(mask), strict=True):
        loop, out = step(loop, _batch(x[i], y[i], m))
        total += float(out["loss"]) * float(out["count"])
        count += float(out["count"])
    chex.assert_trees_all_close(scanned.params, loop.params, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(float(metrics["loss"]), total / count, rtol=1e-5)
    assert count == 37 and int(scanned.step) == 5 and int(scanned.epoch) == 1


@pytest.mark.parametrize("strategy", ["unroll", "step"])
def test_strategies_agree_on_a_conv_net(strategy):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(20, 6, 6, 1)).astype(np.float32)
    y = rng.integers(0, 3, 20).astype(np.int32)
    kw = dict(epochs=2, batch_size=6, verbose=False, seed=1)
    ref = jn.fit(TinyCNN(), jn.optim.sgd(0.1), (x, y), strategy="scan", **kw)
    other = jn.fit(TinyCNN(), jn.optim.sgd(0.1), (x, y), strategy=strategy, chunk=3, **kw)  # padded
    chex.assert_trees_all_close(ref.state.params, other.state.params, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ref.history["loss"], other.history["loss"], rtol=1e-5)


def test_auto_strategy_unrolls_conv_nets_on_cpu():
    x = np.zeros((4, 6, 6, 1), np.float32)
    y = np.zeros(4, np.int32)
    r = jn.fit(TinyCNN(), "sgd", (x, y), epochs=1, verbose=False)
    assert r.info["strategy"] == ("unroll" if jax.default_backend() == "cpu" else "scan")
    r = jn.fit(jn.nn.MLP((3,)), "sgd", (x, y), epochs=1, verbose=False)
    assert r.info["strategy"] == "scan"


def test_same_seed_same_data_bitwise_identical():
    x, y = blobs(50)
    kw = dict(epochs=3, batch_size=8, seed=3, verbose=False)
    a = jn.fit(jn.nn.MLP((16, 3), dropout=0.2), jn.optim.adam(1e-2), (x, y), **kw)
    b = jn.fit(jn.nn.MLP((16, 3), dropout=0.2), jn.optim.adam(1e-2), (x, y), **kw)
    assert _tree_equal(a.state.params, b.state.params)
    c = jn.fit(jn.nn.MLP((16, 3), dropout=0.2), jn.optim.adam(1e-2), (x, y), **{**kw, "seed": 4})
    assert not _tree_equal(a.state.params, c.state.params)


def test_last_batch_is_masked_in_evaluation():
    x, y = blobs(23)
    state = _state(x=x)
    logits = jn.predict(state, x)
    expected = float(jn.losses.cross_entropy(logits, y).mean())
    for bs in (1, 5, 23, 64):
        got = jn.evaluate(state, (x, y), batch_size=bs)["loss"]
        np.testing.assert_allclose(got, expected, rtol=1e-5)


def test_last_partial_batch_loss_is_mean_of_real_examples():
    x, y = blobs(10)
    state = _state(x=x)
    mask = np.array([1] * 4 + [0] * 6, np.float32)
    _, m = jn.make_train_step()(state, _batch(x, y, mask))
    per_example = jn.losses.cross_entropy(jn.predict(state, x[:4]), y[:4])
    np.testing.assert_allclose(float(m["loss"]), float(per_example.mean()), rtol=1e-5)
    assert float(m["count"]) == 4


def test_masked_padding_does_not_change_the_update():
    x, y = blobs(10)
    state = _state(tx=jn.optim.sgd(0.1), x=x)
    step = jn.make_train_step()
    real, _ = step(state, _batch(x[:4], y[:4]))
    junk = x.copy()
    junk[4:] = 100.0
    padded, _ = step(state, _batch(junk, y, np.array([1] * 4 + [0] * 6, np.float32)))
    chex.assert_trees_all_close(real.params, padded.params, rtol=1e-5, atol=1e-6)


def test_drop_last_drops_the_partial_batch():
    x, y = blobs(23)
    r = jn.fit(jn.nn.MLP((3,)), "sgd", (x, y), epochs=1, batch_size=5, drop_last=True,
               verbose=False)
    assert int(r.state.step) == 4
    r = jn.fit(jn.nn.MLP((3,)), "sgd", (x, y), epochs=1, batch_size=5, verbose=False)
    assert int(r.state.step) == 5


@pytest.mark.parametrize("batch_size,steps", [(None, 1), (1, 12), (5, 3)])
def test_full_batch_sgd_and_minibatch_share_the_engine(batch_size, steps):
    x, y = blobs(12)
    r = jn.fit(jn.nn.MLP((3,)), jn.optim.sgd(0.05), (x, y), epochs=2, batch_size=batch_size,
               verbose=False)
    assert int(r.state.step) == 2 * steps
    assert len(r.history["loss"]) == 2 and np.isfinite(r.history["loss"]).all()


def test_full_batch_gradient_descent_equals_manual_optax_loop():
    x, y = blobs(12)
    model = jn.nn.MLP((3,))
    r = jn.fit(model, jn.optim.sgd(0.1), (x, y), epochs=3, batch_size=None, verbose=False,
               metrics=())
    params = _state(model, jn.optim.sgd(0.1), x).params
    tx = optax.sgd(0.1)
    opt = tx.init(params)
    for _ in range(3):
        g = jax.grad(lambda p: jn.losses.cross_entropy(model.apply({"params": p}, x), y).mean())(
            params)
        upd, opt = tx.update(g, opt)
        params = optax.apply_updates(params, upd)
    chex.assert_trees_all_close(r.state.params, params, rtol=1e-5, atol=1e-6)


def test_fit_history_has_keras_keys_and_learns():
    x, y = blobs(60)
    r = jn.fit(jn.nn.MLP((16, 3)), jn.optim.adam(1e-2), (x[:40], y[:40]),
               validation=(x[40:], y[40:]), epochs=5, batch_size=8, verbose=False)
    for key in ("loss", "accuracy", "val_loss", "val_accuracy", "lr"):
        assert len(r.history[key]) == 5, key
    assert r.history["loss"][-1] < r.history["loss"][0]
    assert r.history["lr"][0] == pytest.approx(1e-2)
    assert jn.evaluate(r.state, (x, y))["accuracy"] > 0.8


def test_fit_accepts_split_dict_and_named_optimizer():
    x, y = blobs(20)
    for data in (jn.Split(x, y), {"x": x, "y": y}, [x, y]):
        r = jn.fit(jn.nn.MLP((3,)), "adam", data, epochs=1, verbose=False)
        assert r.epochs_run == 1


def test_regression_with_mse():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 2)).astype(np.float32)
    y = (x @ np.array([1.5, -2.0], np.float32) + 0.5)[:, None]
    r = jn.fit(jn.nn.MLP((1,)), jn.optim.adam(5e-2), (x, y), loss="mse", epochs=40,
               batch_size=16, verbose=False)
    assert "accuracy" not in r.history
    assert r.history["loss"][-1] < 0.01


def test_initial_state_continues_to_total_epochs():
    x, y = blobs(20)
    kw = dict(batch_size=5, verbose=False)
    full = jn.fit(jn.nn.MLP((3,)), "adam", (x, y), epochs=4, **kw)
    part = jn.fit(jn.nn.MLP((3,)), "adam", (x, y), epochs=2, **kw)
    rest = jn.fit(jn.nn.MLP((3,)), None, (x, y), epochs=4, initial_state=part.state, **kw)
    assert len(rest.history["loss"]) == 2
    assert _tree_equal(full.state.params, rest.state.params)


def test_train_step_does_not_retrace():
    x, y = blobs(8)
    step = jax.jit(chex.assert_max_traces(jn.make_train_step(), n=1))
    state = _state(x=x)
    for _ in range(3):
        state, _ = step(state, _batch(x, y))


def test_empty_batch_is_an_exact_noop():
    x, y = blobs(8)
    state = _state(x=x)
    new, m = jn.make_train_step()(state, _batch(x, y, np.zeros(8, np.float32)))
    assert _tree_equal(new, state) and float(m["count"]) == 0
