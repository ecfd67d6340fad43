import csv
import math
import struct
from types import SimpleNamespace

import jax
import numpy as np
import pytest
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

import jaxnets as jn
from jaxnets.train.callbacks import crc32c, masked_crc32c
from tests.helpers import blobs

X, Y = blobs(40)
XV, YV = blobs(20, seed=1)


def _fake_trainer(validation=True):
    state = SimpleNamespace(params={"w": np.zeros(2)}, model_state={}, skipped=np.int32(0))
    state.replace = lambda **kw: SimpleNamespace(**{**vars(state), **kw})
    return SimpleNamespace(state=state, stop_training=False, epoch=0, initial_epoch=0,
                           validation_data=(XV, YV) if validation else None)


def _drive(cb, values, key="val_loss"):
    """Run ``cb`` over a scripted metric sequence; returns the last epoch run."""
    trainer = _fake_trainer()
    cb.check(trainer)
    cb.on_train_begin(trainer)
    for epoch, v in enumerate(values):
        trainer.epoch = epoch
        cb.on_epoch_end(trainer, epoch, {key: v})
        if trainer.stop_training:
            break
    cb.on_train_end(trainer)
    return epoch


@pytest.mark.parametrize("values, kwargs, last", [
    # best at epoch 1; epochs 2 and 3 do not improve -> stop at 3 with patience 2
    ([1.0, 0.9, 0.95, 0.92, 0.5], dict(patience=2), 3),
    ([1.0, 0.9, 0.95, 0.92, 0.5], dict(patience=3), 4),
    # min_delta: 0.96 is not below 1.0 - 0.05, 0.93 is; 0.90 is not below 0.88
    ([1.0, 0.96, 0.93, 0.90, 0.80, 0.79, 0.78], dict(patience=2, min_delta=0.05), 6),
    ([1.0, 0.96, 0.93, 0.90, 0.80, 0.79, 0.78], dict(patience=1, min_delta=0.05), 1),
    # a NaN never improves
    ([1.0, float("nan"), float("nan"), 0.1], dict(patience=2), 2),
    # baseline: nothing beats 0.5 -> stop after patience epochs
    ([0.9, 0.8, 0.7, 0.4], dict(patience=3, baseline=0.5), 2),
    ([0.9, 0.4, 0.7, 0.6, 0.5], dict(patience=3, baseline=0.5), 4),
])
def test_early_stopping_stops_at_the_scripted_epoch(values, kwargs, last):
    assert _drive(jn.callbacks.EarlyStopping(mode="min", **kwargs), values) == last


def test_early_stopping_max_and_auto_modes():
    acc = [0.5, 0.6, 0.55, 0.58, 0.9]
    assert _drive(jn.callbacks.EarlyStopping("val_accuracy", mode="max", patience=2), acc,
                  "val_accuracy") == 3
    auto = jn.callbacks.EarlyStopping("val_accuracy", patience=2)
    assert auto.mode == "max" and _drive(auto, acc, "val_accuracy") == 3
    assert jn.callbacks.EarlyStopping("val_loss").mode == "min"


class _Script(jn.Callback):
    """Writes a scripted value into the logs and records the parameters of every epoch."""

    def __init__(self, values):
        self.values, self.params = values, []

    def on_epoch_end(self, trainer, epoch, logs):
        logs["score"] = self.values[epoch]
        self.params.append(jax.device_get(trainer.state.params))


@pytest.mark.parametrize("restore", [True, False])
def test_early_stopping_through_fit_restores_exactly_the_best_parameters(restore):
    script = _Script([0.9, 0.5, 0.7, 0.6, 0.55, 0.1, 0.0, 0.0])
    stop = jn.callbacks.EarlyStopping("score", mode="min", patience=3,
                                      restore_best_weights=restore)
    result = jn.fit(jn.nn.MLP((8, 3)), jn.optim.adam(1e-2), (X, Y), (XV, YV), epochs=8,
                    batch_size=16, callbacks=[script, stop], verbose=False)
    assert result.epochs_run == 5 and len(result.history["val_loss"]) == 5  # epochs 0..4
    assert stop.best_epoch == 1 and stop.stopped_epoch == 4
    expected = script.params[1] if restore else script.params[4]
    for a, b in zip(jax.tree_util.tree_leaves(result.state.params),
                    jax.tree_util.tree_leaves(expected), strict=True):
        np.testing.assert_array_equal(np.asarray(a), b)
    assert int(result.state.epoch) == 5


def test_early_stopping_restores_batch_statistics_too():
    script = _Script([0.1, 0.5, 0.6, 0.7])
    stats = []
    record = jn.callbacks.LambdaCallback(
        on_epoch_end=lambda t, e, logs: stats.append(jax.device_get(t.state.model_state)))
    stop = jn.callbacks.EarlyStopping("score", patience=2, restore_best_weights=True)
    result = jn.fit(jn.nn.MLP((8, 3), batch_norm=True), "adam", (X, Y), epochs=4, batch_size=8,
                    callbacks=[script, record, stop], verbose=False)
    assert result.epochs_run == 3
    chex_equal = jax.tree_util.tree_map(np.array_equal, jax.device_get(result.state.model_state),
                                        stats[0])
    assert all(jax.tree_util.tree_leaves(chex_equal))


def test_early_stopping_state_dict_resumes_the_counters():
    a = jn.callbacks.EarlyStopping(mode="min", patience=3)
    _drive(a, [1.0, 0.5, 0.7])
    b = jn.callbacks.EarlyStopping(mode="min", patience=3)
    trainer = _fake_trainer()
    b.on_train_begin(trainer)  # resets; a resuming engine then loads the saved counters
    b.load_state_dict(a.state_dict())
    assert (b.best, b.wait) == (0.5, 1)
    for epoch, v in [(3, 0.8), (4, 0.9)]:
        b.on_epoch_end(trainer, epoch, {"val_loss": v})
    assert trainer.stop_training and b.stopped_epoch == 4


def test_reduce_lr_on_plateau_through_fit():
    script = _Script([1.0, 1.0, 1.0, 0.5, 0.6, 0.6, 0.6, 0.6])
    # patience counts as in PyTorch: a reduction after MORE than `patience` bad epochs
    plateau = jn.callbacks.ReduceLROnPlateau("score", mode="min", factor=0.5, patience=1,
                                             cooldown=1, min_lr=0.02)
    result = jn.fit(jn.nn.MLP((8, 3)), jn.optim.sgd(0.1), (X, Y), epochs=8, batch_size=20,
                    callbacks=[script, plateau], verbose=False)
    # epochs 1,2 stall -> halve after epoch 2; cooldown 1 (epoch 3 improves anyway);
    # epochs 4,5 stall -> halve after 5; epoch 6 is cooldown, 7 counts once. The history's
    # lr is the rate each epoch trained with.
    np.testing.assert_allclose(result.history["lr"], [0.1, 0.1, 0.1, 0.05, 0.05, 0.05,
                                                      0.025, 0.025], rtol=1e-6)
    final = jn.optim.get_hyperparam(result.state.opt_state, "learning_rate")
    np.testing.assert_allclose(final, 0.025, rtol=1e-6)


def test_reduce_lr_respects_min_lr():
    script = _Script([1.0] * 6)
    plateau = jn.callbacks.ReduceLROnPlateau("score", mode="min", factor=0.1, patience=0,
                                             min_lr=0.05)
    result = jn.fit(jn.nn.MLP((8, 3)), jn.optim.sgd(0.1), (X, Y), epochs=4, batch_size=40,
                    callbacks=[script, plateau], verbose=False)
    np.testing.assert_allclose(result.history["lr"], [0.1, 0.1, 0.05, 0.05], rtol=1e-6)


def test_terminate_on_nan_scripted_and_through_fit():
    cb = jn.callbacks.TerminateOnNaN()
    assert _drive(cb, [1.0, 2.0, float("inf"), 1.0], "loss") == 2
    assert "loss" in cb.reason
    # a learning rate large enough to overflow float32 within a few epochs
    xr = np.linspace(-1, 1, 32, dtype=np.float32)[:, None]
    yr = (3 * xr).astype(np.float32)
    result = jn.fit(jn.nn.MLP((16, 1)), jn.optim.sgd(1e12), (xr, yr), loss="mse", epochs=50,
                    batch_size=8, callbacks=[jn.callbacks.TerminateOnNaN()], verbose=False)
    assert result.epochs_run < 50
    assert not math.isfinite(result.history["loss"][-1])
    assert all(math.isfinite(v) for v in result.history["loss"][:-1])


def test_csv_logger_matches_history(tmp_path):
    path = tmp_path / "sub" / "log.csv"
    result = jn.fit(jn.nn.MLP((8, 3)), "adam", (X, Y), (XV, YV), epochs=3, batch_size=16,
                    callbacks=[jn.callbacks.CSVLogger(path)], verbose=False)
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 3 and [int(r["epoch"]) for r in rows] == [0, 1, 2]
    for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
        np.testing.assert_array_equal([float(r[key]) for r in rows], result.history[key])
    # append continues the same columns without a second header
    jn.fit(jn.nn.MLP((8, 3)), "adam", (X, Y), (XV, YV), epochs=1, batch_size=16,
           callbacks=[jn.callbacks.CSVLogger(path, append=True)], verbose=False)
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    assert len(rows) == 5 and rows[0][0] == "epoch" and rows[-1][0] == "0"


def test_crc32c_known_values():
    assert crc32c(b"123456789") == 0xE3069283  # the standard check value (RFC 3720)
    assert crc32c(b"") == 0
    assert crc32c(bytes(32)) == 0x8A9136AA  # RFC 3720 B.4: 32 bytes of zeros
    c = crc32c(b"abc")
    assert masked_crc32c(b"abc") == ((((c >> 15) | (c << 17)) + 0xA282EAD8) & 0xFFFFFFFF)


def _event_class():
    """``tensorflow.Event`` (the fields TensorBoard reads) built with protobuf itself."""
    fdp = descriptor_pb2.FileDescriptorProto(name="ev_test.proto", package="evtest")
    T = descriptor_pb2.FieldDescriptorProto
    value = fdp.message_type.add(name="Value")
    value.field.add(name="tag", number=1, type=T.TYPE_STRING, label=T.LABEL_OPTIONAL)
    value.field.add(name="simple_value", number=2, type=T.TYPE_FLOAT, label=T.LABEL_OPTIONAL)
    summary = fdp.message_type.add(name="Summary")
    summary.field.add(name="value", number=1, type=T.TYPE_MESSAGE, label=T.LABEL_REPEATED,
                      type_name=".evtest.Value")
    event = fdp.message_type.add(name="Event")
    event.field.add(name="wall_time", number=1, type=T.TYPE_DOUBLE, label=T.LABEL_OPTIONAL)
    event.field.add(name="step", number=2, type=T.TYPE_INT64, label=T.LABEL_OPTIONAL)
    event.field.add(name="file_version", number=3, type=T.TYPE_STRING, label=T.LABEL_OPTIONAL)
    event.field.add(name="summary", number=5, type=T.TYPE_MESSAGE, label=T.LABEL_OPTIONAL,
                    type_name=".evtest.Summary")
    pool = descriptor_pool.DescriptorPool()
    pool.Add(fdp)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName("evtest.Event"))


def _read_records(path):
    data, records, pos = path.read_bytes(), [], 0
    while pos < len(data):
        header = data[pos:pos + 8]
        (length,) = struct.unpack("<Q", header)
        assert struct.unpack("<I", data[pos + 8:pos + 12])[0] == masked_crc32c(header)
        body = data[pos + 12:pos + 12 + length]
        assert struct.unpack("<I", data[pos + 12 + length:pos + 16 + length])[0] == \
            masked_crc32c(body)
        records.append(body)
        pos += 16 + length
    return records


def test_tensorboard_event_files_decode_with_protobuf(tmp_path):
    result = jn.fit(jn.nn.MLP((8, 3)), "adam", (X, Y), (XV, YV), epochs=3, batch_size=16,
                    callbacks=[jn.callbacks.TensorBoard(tmp_path / "tb")], verbose=False)
    Event = _event_class()
    for run, prefix in (("train", ""), ("validation", "val_")):
        (path,) = (tmp_path / "tb" / run).glob("events.out.tfevents.*")
        events = [Event.FromString(r) for r in _read_records(path)]
        assert events[0].file_version == "brain.Event:2"
        assert [e.step for e in events[1:]] == [0, 1, 2]
        for e in events[1:]:
            values = {v.tag: v.simple_value for v in e.summary.value}
            for tag in ("loss", "accuracy"):
                np.testing.assert_allclose(values[tag], result.history[prefix + tag][e.step],
                                           rtol=1e-6)


def test_progress_bar_and_lambda_callback_run_through_fit():
    seen = []
    cb = jn.callbacks.LambdaCallback(on_train_begin=lambda t: seen.append("begin"),
                                     on_epoch_end=lambda t, e, logs: seen.append(e),
                                     on_train_end=lambda t: seen.append("end"))
    jn.fit(jn.nn.MLP((8, 3)), "adam", (X, Y), epochs=2, batch_size=20,
           callbacks=[cb, jn.callbacks.ProgressBar(keys=("loss",))], verbose=True)
    assert seen == ["begin", 0, 1, "end"]


def test_bad_callback_arguments_raise_before_any_file_is_written(tmp_path):
    path = tmp_path / "log.csv"
    with pytest.raises(ValueError, match="needs validation data"):
        jn.fit(jn.nn.MLP((8, 3)), "adam", (X, Y), epochs=1, verbose=False,
               callbacks=[jn.callbacks.CSVLogger(path), jn.callbacks.EarlyStopping("val_loss")])
    assert not path.exists()
    with pytest.raises(ValueError, match="not logged"):
        jn.fit(jn.nn.MLP((8, 3)), "adam", (X, Y), epochs=1, verbose=False,
               callbacks=[jn.callbacks.EarlyStopping("f1")])
    with pytest.raises(ValueError, match="injects its learning rate"):
        jn.fit(jn.nn.MLP((8, 3)), __import__("optax").sgd(0.1), (X, Y), epochs=1,
               verbose=False, callbacks=[jn.callbacks.ReduceLROnPlateau("loss")])
    for make, match in [
        (lambda: jn.callbacks.EarlyStopping(patience=0), "patience"),
        (lambda: jn.callbacks.EarlyStopping(mode="lowest"), "mode"),
        (lambda: jn.callbacks.EarlyStopping(min_delta=-1), "min_delta"),
        (lambda: jn.callbacks.EarlyStopping(baseline=float("nan")), "baseline"),
        (lambda: jn.callbacks.ReduceLROnPlateau(factor=1.5), "factor"),
        (lambda: jn.callbacks.CSVLogger(tmp_path), "directory"),
        (lambda: jn.callbacks.CSVLogger(path, separator=";;"), "separator"),
    ]:
        with pytest.raises(ValueError, match=match):
            make()


def test_callback_every_n_steps_sees_the_state_after_those_steps():
    class EverySteps(jn.Callback):
        step_interval = 3

        def __init__(self):
            self.seen = []

        def on_steps_end(self, trainer, position):
            self.seen.append((trainer.epoch, position, int(trainer.state.step)))

    cb = EverySteps()
    # 40 examples, batch 4: 10 batches per epoch, cut into chunks of 3, 3, 3 and 1
    for strategy in ("scan", "step"):
        cb.seen = []
        jn.fit(jn.nn.MLP((8, 3)), jn.optim.sgd(0.1), (X, Y), epochs=2, batch_size=4,
               callbacks=[cb], verbose=False, strategy=strategy)
        assert all(step == 10 * e + p for e, p, step in cb.seen), strategy
        for e in range(2):
            # the epoch's end (position 10) is on_epoch_end's
            positions = [0] + [p for ep, p, _ in cb.seen if ep == e] + [10]
            assert max(np.diff(positions)) <= 3 and min(np.diff(positions)) > 0, strategy
            if strategy == "scan":  # chunks of exactly 3, 3, 3 and 1 batches
                assert positions == [0, 3, 6, 9, 10]
