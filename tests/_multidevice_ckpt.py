"""Checkpoint checks run in a subprocess with 8 simulated CPU devices (test_checkpoint_devices).

Each check prints ``PASS name``; any failure raises (non-zero exit).
"""

import os
import sys
import tempfile
from pathlib import Path

os.environ["XLA_FLAGS"] = "--xla_force_host_platform_device_count=8"
os.environ["JAX_PLATFORMS"] = "cpu"

import jax  # noqa: E402
import numpy as np  # noqa: E402

import jaxnets as jn  # noqa: E402
from tests.helpers import blobs  # noqa: E402

assert jax.device_count() == 8, jax.devices()
X, Y = blobs(48, d=6, classes=4)


def fit(epochs, mesh=None, callbacks=(), resume=False):
    return jn.fit(jn.nn.MLP((16, 4), dropout=0.1), jn.optim.adam(1e-2), (X, Y),
                  validation=(X, Y), epochs=epochs, batch_size=12, seed=0, verbose=False,
                  mesh=mesh, callbacks=list(callbacks), resume=resume)


def same(a, b):
    la, lb = jax.tree_util.tree_leaves(a), jax.tree_util.tree_leaves(b)
    return len(la) == len(lb) and all(np.array_equal(np.asarray(p), np.asarray(q))
                                      for p, q in zip(la, lb, strict=True))


def check_resume_on_8_devices_is_bitwise_identical():
    mesh = jn.parallel.data_mesh()
    full = fit(4, mesh)
    with tempfile.TemporaryDirectory() as d:
        fit(2, mesh, [jn.callbacks.Checkpoint(d, every_steps=3)])  # mid-epoch saves too
        resumed = fit(4, mesh, [jn.callbacks.Checkpoint(d, every_steps=3)], resume=True)
        sharding = jax.tree_util.tree_leaves(resumed.state.params)[0].sharding
        assert len(sharding.device_set) == 8
    assert same(resumed.state, full.state)
    hist = {k: v for k, v in resumed.history.items() if k != "time"}
    assert hist == {k: v for k, v in full.history.items() if k != "time"}


def check_restore_onto_other_device_counts():
    with tempfile.TemporaryDirectory() as d:
        saved = fit(2, jn.parallel.data_mesh(), [jn.callbacks.Checkpoint(d)])
        like = jn.TrainState.create(jn.nn.MLP((16, 4), dropout=0.1), jn.optim.adam(1e-2), X[:1])
        one = jn.load_checkpoint(d, like)  # one device, no mesh
        assert len(jax.tree_util.tree_leaves(one.params)[0].sharding.device_set) == 1
        assert same(one.params, saved.state.params)
        four = fit(3, jn.parallel.data_mesh(4), resume=Path(d))  # continue on 4 devices
        assert len(jax.tree_util.tree_leaves(four.state.params)[0].sharding.device_set) == 4
        assert int(four.state.step) == 12 and len(four.history["loss"]) == 3


if __name__ == "__main__":
    names = sys.argv[1:] or [n for n in dir() if n.startswith("check_")]
    for name in names:
        globals()[name]()
        print("PASS", name, flush=True)
