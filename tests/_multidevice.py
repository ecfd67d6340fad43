"""Checks run in a subprocess with 8 simulated CPU devices (see test_parallel.py).

Each check prints ``PASS name``; any failure raises (non-zero exit).
"""

import os
import sys

os.environ["XLA_FLAGS"] = "--xla_force_host_platform_device_count=8"
os.environ["JAX_PLATFORMS"] = "cpu"

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

import jaxnets as jn  # noqa: E402
from tests.helpers import blobs  # noqa: E402

assert jax.device_count() == 8, jax.devices()


def close(a, b, tol=1e-5):
    leaves = jax.tree_util.tree_leaves(jax.tree_util.tree_map(
        lambda p, q: float(np.max(np.abs(np.asarray(p) - np.asarray(q)))), a, b))
    assert max(leaves) <= tol, max(leaves)


def fit(mesh=None, n=64, batch_size=16, epochs=5, **kw):
    x, y = blobs(n, d=6, classes=4)
    return jn.fit(jn.nn.MLP((16, 4)), jn.optim.adam(1e-2), (x, y), validation=(x, y),
                  epochs=epochs, batch_size=batch_size, seed=0, verbose=False, mesh=mesh, **kw)


def check_data_parallel_equals_single_device():
    single = fit()  # 64 / 16 = 4 steps per epoch, 5 epochs = 20 steps
    multi = fit(mesh=jn.parallel.data_mesh())
    assert int(multi.state.step) == 20
    close(single.state.params, multi.state.params)
    np.testing.assert_allclose(single.history["val_loss"], multi.history["val_loss"], rtol=1e-5)
    sharding = jax.tree_util.tree_leaves(multi.state.params)[0].sharding
    assert len(sharding.device_set) == 8


def check_batch_not_divisible_by_devices():
    single = fit(n=50, batch_size=10, epochs=4)  # batches of 10 on 8 devices; last batch too
    multi = fit(mesh=jn.parallel.data_mesh(), n=50, batch_size=10, epochs=4)
    close(single.state.params, multi.state.params)
    np.testing.assert_allclose(single.history["loss"], multi.history["loss"], rtol=1e-5)
    sub = fit(mesh=jn.parallel.data_mesh(3), n=50, batch_size=10, epochs=4)
    close(single.state.params, sub.state.params)


def check_pmap_step_equals_sharded_step():
    x, y = blobs(48, d=6, classes=4)
    state = jn.TrainState.create(jn.nn.MLP((16, 4)), jn.optim.adam(1e-2), x[:1])
    step = jax.jit(jn.make_train_step())
    pstep = jn.parallel.make_pmap_train_step()
    pstate = jn.parallel.replicate(state)
    mask = np.ones(12, np.float32)
    mask[-2:] = 0  # a partly masked batch, uneven over devices
    for i in range(4):
        batch = jn.Batch(jnp.asarray(x[12 * i:12 * i + 12]), jnp.asarray(y[12 * i:12 * i + 12]),
                         jnp.asarray(mask))
        state, m = step(state, batch)
        pstate, pm = pstep(pstate, jn.parallel.split_batch(batch, 8))
        np.testing.assert_allclose(float(pm["loss"][0]), float(m["loss"]), rtol=1e-5)
    close(state.params, jn.parallel.unreplicate(pstate).params)


def check_sharded_population_equals_unsharded():
    x, y = blobs(48, d=6, classes=4)
    hp = {"lr": list(np.geomspace(1e-3, 1e-1, 8)), "seed": list(range(8))}
    make = lambda lr: jn.optim.adam(lr)  # noqa: E731
    plain = jn.tune.population(jn.nn.MLP((16, 4)), make, hp).fit(
        (x, y), validation=(x, y), epochs=3, batch_size=16)
    mesh = jn.parallel.data_mesh()
    sharded = jn.tune.population(jn.nn.MLP((16, 4)), make, hp, mesh=mesh).fit(
        (x, y), validation=(x, y), epochs=3, batch_size=16)
    leaf = jax.tree_util.tree_leaves(sharded.state.params)[0]
    assert len(leaf.sharding.device_set) == 8, leaf.sharding
    close(plain.state.params, sharded.state.params)
    for a, b in zip(plain.history, sharded.history, strict=True):
        np.testing.assert_allclose(a["val_loss"], b["val_loss"], rtol=1e-5)
    # 5 members on 8 devices: padded with copies of member 0, dropped from the result
    five = {k: v[:5] for k, v in hp.items()}
    padded = jn.tune.population(jn.nn.MLP((16, 4)), make, five, mesh=mesh).fit(
        (x, y), validation=(x, y), epochs=3, batch_size=16)
    assert padded.info["padded_to"] == 8 and len(padded.history) == 5
    close(jax.tree_util.tree_map(lambda a: a[:5], plain.state.params), padded.state.params)


if __name__ == "__main__":
    names = sys.argv[1:] or [n for n in dir() if n.startswith("check_")]
    for name in names:
        globals()[name]()
        print("PASS", name, flush=True)
