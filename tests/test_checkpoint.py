"""Checkpoint callback, bit-exact resume, negative controls, atomicity, validated restore,
non-finite guard."""

from __future__ import annotations

import json
import shutil

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxnets as jn
from jaxnets.train import checkpoint as ckpt
from tests.helpers import blobs

X, Y = blobs(40, d=5, classes=3)


def model():
    return jn.nn.MLP((8, 3), dropout=0.2)


def run(epochs, *callbacks, resume=False, initial_state=None, **kw):
    kw.setdefault("batch_size", 8)
    return jn.fit(model(), jn.optim.adam(1e-2), (X, Y), validation=(X, Y), epochs=epochs,
                  seed=0, verbose=False, callbacks=list(callbacks), resume=resume,
                  initial_state=initial_state, **kw)


def same(a, b) -> bool:
    la, lb = jax.tree_util.tree_leaves(a), jax.tree_util.tree_leaves(b)
    return len(la) == len(lb) and all(np.array_equal(np.asarray(p), np.asarray(q))
                                      for p, q in zip(la, lb, strict=True))


def no_time(history):
    return {k: v for k, v in history.items() if k != "time"}


@pytest.fixture(scope="module")
def full():
    return run(4)  # 5 steps per epoch, 20 steps


class Counter(jn.Callback):
    """A callback with state: epochs seen and the best loss so far."""

    def __init__(self):
        self.seen, self.best = 0, float("inf")

    def on_train_begin(self, trainer):
        self.seen, self.best = 0, float("inf")  # reset, as EarlyStopping does

    def on_epoch_end(self, trainer, epoch, logs):
        self.seen += 1
        self.best = min(self.best, logs["loss"])

    def state_dict(self):
        return {"seen": self.seen, "best": self.best}

    def load_state_dict(self, state):
        self.seen, self.best = state["seen"], state["best"]


def test_resume_at_epoch_is_bitwise_identical(tmp_path, full):
    counter = Counter()
    run(2, jn.callbacks.Checkpoint(tmp_path), counter)
    assert [p.name for p in ckpt.list_checkpoints(tmp_path)] == ["step_00000005", "step_00000010"]
    counter2 = Counter()
    resumed = run(4, jn.callbacks.Checkpoint(tmp_path), counter2, resume=True)
    assert same(resumed.state, full.state)  # params, optimizer state, step, key, counters
    assert no_time(resumed.history) == no_time(full.history)
    assert counter2.seen == 4 and counter2.best == min(full.history["loss"])


def test_resume_mid_epoch_is_bitwise_identical(tmp_path, full):
    # every 3 steps; scan epochs are cut into chunks of 3 batches (5 = 3 + 2), so the
    # saves land at steps 3, 8 and 13 (batch 3 of an epoch, with partial metrics) and 10
    cb = jn.callbacks.Checkpoint(tmp_path, every=None, every_steps=3, keep=2)
    run(3, cb, strategy="scan")
    metas = [ckpt.read_meta(p) for p in ckpt.list_checkpoints(tmp_path)]
    assert [m["step"] for m in metas] == [13, 15]  # keep=2; 15 is the end of training
    shutil.rmtree(ckpt.list_checkpoints(tmp_path)[-1])  # as if killed before the last save
    assert ckpt.read_meta(ckpt.list_checkpoints(tmp_path)[-1])["position"] == 3
    resumed = run(4, jn.callbacks.Checkpoint(tmp_path, every=None, every_steps=3, keep=5),
                  resume=True, strategy="scan")
    assert same(resumed.state, full.state)
    assert no_time(resumed.history) == no_time(full.history)
    like = jn.TrainState.create(model(), jn.optim.adam(1e-2), X[:1], seed=0)
    assert int(jn.load_checkpoint(tmp_path / "step_00000013", like).step) == 13
    # the step strategy, resumed from the same mid-epoch checkpoint, agrees too
    again = run(4, resume=tmp_path / "step_00000013", strategy="step")
    assert same(again.state.params, full.state.params)


def test_negative_controls_break_equality(tmp_path, full):
    """What the comparison must catch: each mistake alone makes the resumed run differ."""
    run(2, jn.callbacks.Checkpoint(tmp_path))
    like = jn.TrainState.create(model(), jn.optim.adam(1e-2), X[:1], seed=0)
    state = jn.load_checkpoint(tmp_path, like)
    ok = run(4, initial_state=state)
    assert same(ok.state.params, full.state.params)  # the control itself is sound
    no_opt = state.replace(opt_state=state.tx.init(state.params))
    reused_dropout = state.replace(step=jnp.zeros_like(state.step))
    reshuffled = state.replace(epoch=state.epoch + 1)  # each epoch draws another permutation
    for bad, epochs in ((no_opt, 4), (reused_dropout, 4), (reshuffled, 5)):
        assert not same(run(epochs, initial_state=bad).state.params, full.state.params)


def test_keep_last_and_best(tmp_path):
    cb = jn.callbacks.Checkpoint(tmp_path, keep=2, best="val_loss")
    result = jn.fit(model(), jn.optim.sgd(0.5), (X, Y), validation=(X[:6], Y[:6]), epochs=6,
                    batch_size=8, seed=0, verbose=False, callbacks=[cb])
    val = result.history["val_loss"]
    best_epoch = int(np.argmin(val)) + 1
    steps = sorted(int(ckpt.read_meta(p)["step"]) for p in ckpt.list_checkpoints(tmp_path))
    expected = sorted({25, 30, 5 * best_epoch})
    assert steps == expected
    assert cb.best_path == ckpt.step_dir(tmp_path, 5 * best_epoch)
    assert cb.mode == "min" and jn.callbacks.Checkpoint(tmp_path, best="val_accuracy").mode == "max"


def test_leftovers_ignored_and_cleaned_and_corruption_reported(tmp_path):
    run(1, jn.callbacks.Checkpoint(tmp_path))
    good = ckpt.list_checkpoints(tmp_path)[-1]
    # what a SIGKILL during a save leaves: a temporary directory with part of a checkpoint
    tmp = tmp_path / "step_00000099.orbax-checkpoint-tmp-1234"
    shutil.copytree(good, tmp)
    (tmp / "meta" / "metadata").write_text("{trunc")
    assert ckpt.list_checkpoints(tmp_path) == [good]
    like = jn.TrainState.create(model(), jn.optim.adam(1e-2), X[:1], seed=0)
    assert int(jn.load_checkpoint(tmp_path, like).step) == 5
    run(2, jn.callbacks.Checkpoint(tmp_path), resume=True)
    assert not tmp.exists()
    latest = ckpt.list_checkpoints(tmp_path)[-1]
    (latest / "meta" / "metadata").write_text('{"format": "jaxnets-checkpoint", "ver')
    with pytest.raises(ValueError, match="corrupt or incomplete"):
        jn.load_checkpoint(tmp_path, like)
    shutil.rmtree(latest)
    # truncate every array file of the remaining checkpoint
    victim = ckpt.list_checkpoints(tmp_path)[-1]
    for f in (victim / "arrays").rglob("*"):
        if f.is_file() and f.stat().st_size > 0 and f.name not in ("_METADATA", "_sharding"):
            f.write_bytes(f.read_bytes()[: f.stat().st_size // 3])
    with pytest.raises(ValueError, match="corrupt or incomplete|does not match"):
        jn.load_checkpoint(victim, like)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        jn.load_checkpoint(tmp_path / "nope", like)


def test_mismatched_restore_is_a_clear_error(tmp_path):
    run(1, jn.callbacks.Checkpoint(tmp_path))
    wider = jn.TrainState.create(jn.nn.MLP((9, 3)), jn.optim.adam(1e-2), X[:1], seed=0)
    at = r"\['params'\]\['dense_0'\]\['bias'\]"
    with pytest.raises(ValueError, match=at + r": expected shape \(9,\) .*found shape \(8,\)"):
        jn.load_checkpoint(tmp_path, wider)
    deeper = jn.TrainState.create(jn.nn.MLP((8, 8, 3)), jn.optim.adam(1e-2), X[:1], seed=0)
    with pytest.raises(ValueError, match="structure"):
        jn.load_checkpoint(tmp_path, deeper)
    other_opt = jn.TrainState.create(model(), jn.optim.sgd(0.1), X[:1], seed=0)
    with pytest.raises(ValueError, match="structure"):
        jn.load_checkpoint(tmp_path, other_opt)
    like = jn.TrainState.create(model(), jn.optim.adam(1e-2), X[:1], seed=0)
    half = like.replace(params=jax.tree_util.tree_map(lambda a: a.astype(jnp.bfloat16),
                                                      like.params))
    with pytest.raises(ValueError, match="dtype bfloat16, found .* dtype float32"):
        jn.load_checkpoint(tmp_path, half)
    with pytest.raises(TypeError, match="like must be a TrainState"):
        jn.load_checkpoint(tmp_path, like.params)


def test_bad_arguments():
    with pytest.raises(ValueError, match="every_steps must be a positive int"):
        jn.callbacks.Checkpoint("x", every_steps=0)
    with pytest.raises(ValueError, match="keep must be a positive int"):
        jn.callbacks.Checkpoint("x", keep=0)
    with pytest.raises(ValueError, match="needs every"):
        jn.callbacks.Checkpoint("x", every=None)
    with pytest.raises(ValueError, match="resume=True needs a jn.callbacks.Checkpoint"):
        run(1, resume=True)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        run(1, resume="/nonexistent/run")


# ----------------------------------------------------------------------------- non-finite

POISON = 7.0  # the label value whose loss is NaN (a regression target)


def poisoned_loss(outputs, y):
    err = jnp.mean(jnp.square(outputs - y[:, None]), axis=-1)
    return jnp.where(y == POISON, jnp.nan, 1.0) * err  # NaN loss and NaN gradients


def poisoned_data(bad_batches, n=24, batch=4):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 3)).astype(np.float32)
    y = rng.normal(size=n).astype(np.float32)
    for b in bad_batches:
        y[b * batch] = POISON  # first example of batch b (shuffle=False)
    return x, y


def fit_poisoned(bad_batches, epochs=2, **kw):
    return jn.fit(jn.nn.MLP((4, 1)), jn.optim.sgd(0.05), poisoned_data(bad_batches),
                  loss=poisoned_loss, epochs=epochs, batch_size=4, shuffle=False, seed=0,
                  verbose=False, **kw)


def test_nan_at_chosen_step_is_skipped_and_counted(tmp_path):
    clean = fit_poisoned([], epochs=1, strategy="step")
    result = fit_poisoned([2], epochs=1, strategy="step", max_nonfinite=2,
                          callbacks=[jn.callbacks.Checkpoint(tmp_path)])
    assert int(result.state.skipped) == 1 and int(result.state.step) == 6
    assert jax.tree_util.tree_all(jax.tree_util.tree_map(lambda a: bool(jnp.all(jnp.isfinite(a))),
                                                         result.state.params))
    assert not same(clean.state.params, result.state.params)
    # the same skip by hand: run steps 0, 1, 3, 4, 5 of the clean data
    x, y = poisoned_data([2])
    state = jn.TrainState.create(jn.nn.MLP((4, 1)), jn.optim.sgd(0.05), x[:1], seed=0,
                                 loss=poisoned_loss)
    step = jax.jit(jn.make_train_step(poisoned_loss))
    for b in range(6):
        batch = jn.Batch(jnp.asarray(x[4 * b:4 * b + 4]), jnp.asarray(y[4 * b:4 * b + 4]),
                         jnp.ones(4))
        state, m = step(state, batch)
        assert bool(m["finite"]) == (b != 2)
    assert same(state.params, result.state.params)
    assert len(ckpt.list_checkpoints(tmp_path)) == 1


def test_consecutive_nonfinite_stop_with_error_naming_step_and_epoch():
    fit_poisoned([1, 3], epochs=2, max_nonfinite=2)  # never two in a row: trains on
    fit_poisoned([1, 2], epochs=2, max_nonfinite=3)
    with pytest.raises(FloatingPointError, match=r"2 consecutive.*step 3 \(epoch 1\)"):
        fit_poisoned([1, 2], epochs=2, max_nonfinite=2)
    # batches 5 (end of epoch 1) and 0 of epoch 2 are consecutive steps 6 and 7
    with pytest.raises(FloatingPointError, match=r"2 consecutive.*step 7 \(epoch 2\)"):
        fit_poisoned([0, 5], epochs=2, max_nonfinite=2)


def test_nonfinite_state_is_never_written(tmp_path):
    cb = jn.callbacks.Checkpoint(tmp_path)
    with pytest.warns(RuntimeWarning, match="NaN/Inf values; not written"):
        fit_poisoned([2], epochs=1, skip_nonfinite=False, callbacks=[cb])
    assert ckpt.list_checkpoints(tmp_path) == [] and cb.skipped_nonfinite == 1


def test_meta_is_plain_json(tmp_path):
    run(1, jn.callbacks.Checkpoint(tmp_path))
    meta = json.loads((ckpt.list_checkpoints(tmp_path)[0] / "meta" / "metadata").read_text())
    assert meta["format"] == "jaxnets-checkpoint" and meta["epoch"] == 1
    assert len(meta["history"]["loss"]) == 1


def test_epoch_time_is_a_duration(tmp_path):
    result = run(2, jn.callbacks.Checkpoint(tmp_path, every_steps=2))
    assert all(0 < t < 600 for t in result.history["time"])


def test_fresh_run_never_overwrites_silently(tmp_path):
    run(1, jn.callbacks.Checkpoint(tmp_path))
    with pytest.raises(ValueError, match="already holds 1 checkpoints.*resume=True"):
        run(1, jn.callbacks.Checkpoint(tmp_path))
    assert [p.name for p in ckpt.list_checkpoints(tmp_path)] == ["step_00000005"]
    run(2, jn.callbacks.Checkpoint(tmp_path, overwrite=True), batch_size=20)
    assert [p.name for p in ckpt.list_checkpoints(tmp_path)] == ["step_00000002", "step_00000004"]
