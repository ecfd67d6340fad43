"""Schedules against their closed forms (and SGDR/CLR at cycle boundaries); reduce-on-plateau
on scripted metric sequences; the callback in fit; the lr recorded in the history."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import jaxnets as jn
from jaxnets.optim import schedules as S
from jaxnets.optim._plateau import plateau_config, plateau_init, plateau_update
from tests.helpers import blobs

B, M = 0.001, 0.006
CASES = [  # (schedule, {step: closed-form value})
    (S.constant(0.1), {0: 0.1, 1000: 0.1}),
    (S.exponential_decay(0.1, 0.5, 10), {0: 0.1, 5: 0.1 * 0.5**0.5, 30: 0.0125}),
    (S.exponential_decay(0.1, 0.5, 10, staircase=True), {9: 0.1, 10: 0.05, 15: 0.05, 29: 0.025}),
    (S.step_decay(0.1, 10, 0.5), {9: 0.1, 10: 0.05, 25: 0.025}),
    (S.inverse_time_decay(0.1, 0.5, 10), {0: 0.1, 20: 0.05, 60: 0.025}),
    (S.cosine(0.1, 100), {0: 0.1, 50: 0.05, 25: 0.05 * (1 + math.cos(math.pi / 4)), 100: 0.0,
                          150: 0.0}),
    (S.warmup(S.cosine(0.1, 100), 10), {0: 0.0, 5: 0.05, 10: 0.1, 60: 0.05, 110: 0.0}),
    (S.warmup(0.2, 4, init_value=0.1), {0: 0.1, 2: 0.15, 4: 0.2, 99: 0.2}),
    (S.cyclical(B, M, 4), {0: B, 2: (B + M) / 2, 4: M, 6: (B + M) / 2, 8: B, 12: M, 16: B}),
    (S.cyclical(B, M, 4, "triangular2"), {4: M, 8: B, 12: B + (M - B) / 2, 20: B + (M - B) / 4}),
    (S.cyclical(B, M, 4, "exp_range", gamma=0.99), {0: B, 4: B + (M - B) * 0.99**4,
                                                    12: B + (M - B) * 0.99**12}),
    (S.warm_restarts(0.1, 10), {0: 0.1, 5: 0.05, 10: 0.1, 25: 0.05, 30: 0.1}),
    (S.warm_restarts(0.1, 10, t_mult=2.0), {0: 0.1, 5: 0.05, 10: 0.1, 20: 0.05, 30: 0.1, 50: 0.05,
                                            70: 0.1, 9: 0.05 * (1 + math.cos(0.9 * math.pi))}),
    (S.warm_restarts(0.1, 10, min_lr=0.01, decay=0.5), {0: 0.1, 5: 0.055, 10: 0.05, 15: 0.03}),
    (S.one_cycle(0.1, 100), {0: 0.1 / 25, 30: 0.1, 100: 0.1 / 25 / 1e4}),
]


@pytest.mark.parametrize("jit", [False, True])
@pytest.mark.parametrize("i", range(len(CASES)))
def test_schedule_matches_closed_form(i, jit):
    schedule, expected = CASES[i]
    f = jax.jit(schedule) if jit else schedule
    for step, value in expected.items():
        np.testing.assert_allclose(float(f(jnp.asarray(step))), value, rtol=1e-5, atol=1e-8,
                                   err_msg=f"step {step}")


def test_sgdr_jumps_at_every_restart_and_clr_peaks():
    s = S.warm_restarts(1.0, 3, t_mult=2.0)
    values = np.asarray(jax.vmap(s)(jnp.arange(46)))
    jumps = [t for t in range(1, 46) if values[t] > values[t - 1] + 1e-6]
    assert jumps == [3, 9, 21, 45]  # cycles of 3, 6, 12, 24 steps
    clr = np.asarray(jax.vmap(S.cyclical(0.0, 1.0, 5))(jnp.arange(31)))
    assert list(np.flatnonzero(clr > 1 - 1e-6)) == [5, 15, 25]
    assert list(np.flatnonzero(clr < 1e-6)) == [0, 10, 20, 30]


@pytest.mark.parametrize("make,arg", [
    (lambda: S.exponential_decay(0.1, 0.0), "decay_rate"),
    (lambda: S.exponential_decay(-0.1, 0.5), "learning_rate"),
    (lambda: S.exponential_decay(float("nan"), 0.5), "learning_rate"),
    (lambda: S.step_decay(0.1, 0), "step_size"),
    (lambda: S.cyclical(B, M, 0), "step_size"),
    (lambda: S.cyclical(B, M, 4, "exp_range", gamma=-0.5), "gamma"),
    (lambda: S.cyclical(M, B, 4), "max_lr"),
    (lambda: S.cyclical(B, M, 4, "zigzag"), "mode"),
    (lambda: S.inverse_time_decay(0.1, -1.0), "decay_rate"),
    (lambda: S.warm_restarts(0.1, 10, min_lr=0.2), "min_lr"),
    (lambda: S.warmup(0.1, 0), "warmup_steps"),
    (lambda: S.one_cycle(0.1, 100, pct_start=1.5), "pct_start"),
    (lambda: jn.optim.reduce_on_plateau(learning_rate=0.01, min_lr=0.1), "min_lr"),
    (lambda: jn.optim.reduce_on_plateau(factor=1.5), "factor"),
    (lambda: jn.callbacks.ReduceLROnPlateau(min_lr=-1.0), "min_lr"),
])
def test_bad_schedule_arguments_raise_at_construction(make, arg):
    with pytest.raises(ValueError, match=arg):
        make()


def scales(values, **kwargs):
    config = plateau_config(**kwargs)
    state, out = plateau_init(config), []
    step = jax.jit(plateau_update, static_argnums=2)
    for v in values:
        state = step(state, v, config)
        out.append(float(state.scale))
    return out


def test_plateau_fires_exactly_when_it_should():
    # min mode, strict improvement, patience 2, cooldown 1
    got = scales([5, 4, 4, 4, 4, 4, 4, 4, 4], factor=0.5, patience=2, cooldown=1, threshold=0.0,
                 threshold_mode="abs")
    assert got == [1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.25]
    # a constant negative loss is a plateau (optax.contrib never reduces here)
    assert scales([-5.0] * 4, factor=0.5, patience=2) == [1, 1, 1, 0.5]
    assert scales([-5.0, -6.0, -6.0, -6.0], factor=0.5, patience=2) == [1, 1, 1, 1]
    # max mode, positive and negative
    got = scales([0.5, 0.6, 0.6, 0.6, 0.7, 0.7, 0.7, 0.7], mode="max", factor=0.5, patience=2)
    assert got == [1, 1, 1, 1, 1, 1, 1, 0.5]
    assert scales([-3, -2, -2, -2, -2], mode="max", factor=0.5, patience=2) == [1, 1, 1, 1, 0.5]
    # a relative threshold: a 0.001% gain on -1000 is not an improvement at threshold 1e-4
    assert scales([-1000.0, -1000.01, -1000.02], factor=0.5, patience=1) == [1, 1, 0.5]
    # the floor
    assert scales([1.0] * 8, factor=0.1, patience=0, min_scale=0.05) == pytest.approx(
        [1, 0.1, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05])


def test_reduce_on_plateau_transformation_scales_updates():
    tx = optax.chain(jn.optim.sgd(1.0), jn.optim.reduce_on_plateau(factor=0.5, patience=0))
    w = jnp.ones(2)
    s = tx.init(w)
    update = jax.jit(tx.update)
    u, s = update(w, s, w, value=-1.0)
    np.testing.assert_allclose(u, -1.0)
    u, s = update(w, s, w, value=-1.0)  # no improvement -> halve
    np.testing.assert_allclose(u, -0.5)
    u, s = update(w, s, w)  # no value: only apply the scale
    np.testing.assert_allclose(u, -0.5)
    assert float(jn.optim.current_learning_rate(s)) == 0.5


class Scripted(jn.Callback):
    """Writes a scripted metric into the logs (runs before the plateau callback)."""

    def __init__(self, values):
        self.values = values

    def on_epoch_end(self, trainer, epoch, logs):
        logs["scripted"] = self.values[epoch]


def test_callback_in_fit_records_the_rate_used():
    x, y = blobs(32, 4, 2)
    cb = jn.callbacks.ReduceLROnPlateau("scripted", factor=0.5, patience=1, mode="min")
    r = jn.fit(jn.nn.MLP((4, 2)), jn.optim.sgd(0.1), (x, y), epochs=6, batch_size=16,
               callbacks=[Scripted([-1.0] * 6), cb], verbose=False)
    np.testing.assert_allclose(r.history["lr"], [0.1, 0.1, 0.1, 0.05, 0.05, 0.025], rtol=1e-6)
    assert cb.state_dict()["scale"] == 0.25

    # a schedule: the recorded rate is the one of each epoch's last step; plateau scales it
    sched = S.step_decay(0.1, 2, 0.5)  # 2 steps per epoch
    cb = jn.callbacks.ReduceLROnPlateau("scripted", factor=0.1, patience=0, mode="max")
    tx = optax.chain(jn.optim.sgd(sched), jn.optim.reduce_on_plateau())
    r = jn.fit(jn.nn.MLP((4, 2)), tx, (x, y), epochs=3, batch_size=16,
               callbacks=[Scripted([1.0, 2.0, 2.0]), cb], verbose=False)
    np.testing.assert_allclose(r.history["lr"], [0.1, 0.05, 0.025], rtol=1e-6)
    r = jn.fit(jn.nn.MLP((4, 2)), tx, (x, y), epochs=4, batch_size=16, verbose=False,
               callbacks=[Scripted([1.0, 1.0, 1.0, 1.0]),
                          jn.callbacks.ReduceLROnPlateau("scripted", factor=0.1, patience=0)])
    np.testing.assert_allclose(r.history["lr"], [0.1, 0.05, 0.025 * 0.1, 0.0125 * 0.01],
                               rtol=1e-5)


def test_callback_bad_setups_fail_before_training():
    x, y = blobs(16, 4, 2)
    with pytest.raises(ValueError, match="min_lr"):
        jn.fit(jn.nn.MLP((2,)), jn.optim.sgd(0.01), (x, y), epochs=1, verbose=False,
               callbacks=[jn.callbacks.ReduceLROnPlateau(min_lr=0.1)])
    with pytest.raises(ValueError, match="schedule"):
        jn.fit(jn.nn.MLP((2,)), jn.optim.sgd(S.cosine(0.1, 10)), (x, y), epochs=1, verbose=False,
               callbacks=[jn.callbacks.ReduceLROnPlateau()])
    with pytest.raises(ValueError, match="val_loss"):
        jn.fit(jn.nn.MLP((2,)), jn.optim.sgd(0.1), (x, y), epochs=1, verbose=False,
               callbacks=[jn.callbacks.ReduceLROnPlateau("val_loss")])
