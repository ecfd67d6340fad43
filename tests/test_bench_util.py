"""The benchmark harness: contenders measured in turns, ratios from the same rounds."""

from __future__ import annotations

import numpy as np
import pytest

import jaxnets as jn
from benchmarks._util import interleaved, round_ratio


def test_interleaved_runs_every_peer_after_each_fit_epoch():
    calls: list[str] = []
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(32, 4)).astype(np.float32), rng.integers(0, 3, 32)

    class Recorder(jn.callbacks.Callback):
        def on_epoch_end(self, trainer, epoch, logs):
            calls.append("fit")

    def fit_run(callbacks):
        return jn.fit(jn.nn.MLP((8, 3)), jn.optim.adam(1e-2), (x, y), epochs=4, batch_size=8,
                      verbose=False, metrics=(), callbacks=[Recorder(), *callbacks])

    peers = {"a": lambda: calls.append("a"), "b": lambda: calls.append("b")}
    times = interleaved(fit_run, peers, warmup=1)
    # one warm-up call of each peer, then after every fit epoch one epoch of each peer
    assert calls == ["a", "b"] + ["fit", "a", "b"] * 4
    assert set(times) == {"fit", "a", "b"}
    assert all(len(v) == 3 and all(t >= 0 for t in v) for v in times.values())


def test_round_ratio_is_the_median_of_per_round_ratios():
    times = {"fit": [1.0, 2.0, 1.0], "ref": [2.0, 3.0, 4.0]}
    # per-round ratios 2.0, 1.5, 4.0 -> median 2.0 (the ratio of medians would be 3/1 = 3)
    assert round_ratio(times, "fit", "ref") == pytest.approx(2.0)
    with pytest.raises(ValueError):
        round_ratio({"fit": [1.0], "ref": [1.0, 2.0]}, "fit", "ref")
