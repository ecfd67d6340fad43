"""Losses against hand-computed values, torch-free closed forms and finite differences."""

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.test_util import check_grads

import jaxnets as jn
from jaxnets import losses as L
from tests.helpers import blobs


def _np_log_softmax(z):
    z = z - z.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


@pytest.mark.parametrize("jit", [False, True])
def test_regression_losses_hand_values(jit):
    p = np.array([[1.0, 2.0], [0.0, -3.0]], np.float32)
    t = np.array([[1.5, 0.0], [0.0, 1.0]], np.float32)
    f = jax.jit if jit else (lambda g: g)
    np.testing.assert_allclose(f(L.mae)(p, t), [(0.5 + 2.0) / 2, (0 + 4.0) / 2])
    np.testing.assert_allclose(f(L.mse)(p, t), [(0.25 + 4.0) / 2, 16.0 / 2])
    # Huber, delta=1: 0.5 e^2 for |e|<=1, |e| - 0.5 beyond.
    np.testing.assert_allclose(f(L.huber)(p, t), [(0.125 + 1.5) / 2, (0 + 3.5) / 2])
    # a [batch] target against [batch, 1] predictions
    np.testing.assert_allclose(L.mae(np.array([[1.0], [2.0]]), np.array([0.0, 0.0])), [1.0, 2.0])


def test_huber_two_regimes():
    e = np.linspace(-5, 5, 41).astype(np.float32)
    for delta in (0.5, 2.0):
        h = np.asarray(L.huber(e[:, None], np.zeros((41, 1), np.float32), delta=delta))
        small = np.abs(e) <= delta
        np.testing.assert_allclose(h[small], 0.5 * e[small] ** 2, rtol=1e-6)
        np.testing.assert_allclose(h[~small], delta * np.abs(e[~small]) - 0.5 * delta**2, rtol=1e-6)


def test_cross_entropy_int_onehot_soft_and_smoothing():
    z = np.array([[2.0, 0.5, -1.0], [0.0, 1.0, 3.0]], np.float32)
    y = np.array([0, 2])
    logp = _np_log_softmax(z.astype(np.float64))
    expected = -logp[np.arange(2), y]
    np.testing.assert_allclose(L.cross_entropy(z, y), expected, rtol=1e-6)
    np.testing.assert_allclose(L.cross_entropy(z, np.eye(3, dtype=np.float32)[y]), expected, rtol=1e-6)
    soft = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]], np.float32)
    np.testing.assert_allclose(L.cross_entropy(z, soft), -(soft * logp).sum(-1), rtol=1e-6)
    a = 0.1
    smooth = (1 - a) * np.eye(3)[y] + a / 3
    np.testing.assert_allclose(L.cross_entropy(z, y, label_smoothing=a), -(smooth * logp).sum(-1),
                               rtol=1e-6)
    np.testing.assert_allclose(jax.jit(functools.partial(L.cross_entropy, label_smoothing=a))(z, y),
                               -(smooth * logp).sum(-1), rtol=1e-6)


def test_cross_entropy_matches_sklearn_log_loss():
    from sklearn.metrics import log_loss

    rng = np.random.default_rng(0)
    z = rng.normal(size=(20, 4)).astype(np.float32)
    y = rng.integers(0, 4, 20)
    p = np.exp(_np_log_softmax(z.astype(np.float64)))
    np.testing.assert_allclose(np.mean(L.cross_entropy(z, y)), log_loss(y, p, labels=range(4)),
                               rtol=1e-5)


def test_binary_cross_entropy_hand_and_sklearn():
    from sklearn.metrics import log_loss

    z = np.array([0.0, 2.0, -1.0, 3.0], np.float32)
    y = np.array([1, 0, 0, 1])
    p = 1 / (1 + np.exp(-z.astype(np.float64)))
    hand = -(y * np.log(p) + (1 - y) * np.log(1 - p))
    np.testing.assert_allclose(L.binary_cross_entropy(z, y), hand, rtol=1e-6)
    np.testing.assert_allclose(L.binary_cross_entropy(z[:, None], y), hand, rtol=1e-6)
    np.testing.assert_allclose(np.mean(L.binary_cross_entropy(z, y)), log_loss(y, p), rtol=1e-6)


def test_focal_hand_values_and_gamma_zero():
    z = np.array([0.5, -2.0, 1.0], np.float32)
    y = np.array([1.0, 1.0, 0.0], np.float32)
    p = 1 / (1 + np.exp(-z.astype(np.float64)))
    pt = np.where(y == 1, p, 1 - p)
    at = np.where(y == 1, 0.25, 0.75)
    hand = -at * (1 - pt) ** 2 * np.log(pt)
    np.testing.assert_allclose(L.focal(z, y, alpha=0.25, gamma=2.0), hand, rtol=1e-5)
    np.testing.assert_allclose(L.focal(z, y, gamma=0.0), L.binary_cross_entropy(z, y), rtol=1e-6)

    zc = np.array([[2.0, 0.5, -1.0], [0.0, 1.0, 3.0]], np.float32)
    yc = np.array([1, 2])
    pc = np.exp(_np_log_softmax(zc.astype(np.float64)))[np.arange(2), yc]
    alpha = np.array([0.2, 0.3, 0.5], np.float32)
    hand_c = -alpha[yc] * (1 - pc) ** 1.5 * np.log(pc)
    np.testing.assert_allclose(L.softmax_focal(zc, yc, alpha=alpha, gamma=1.5), hand_c, rtol=1e-5)
    np.testing.assert_allclose(L.softmax_focal(zc, yc, gamma=0.0), L.cross_entropy(zc, yc), rtol=1e-6)
    np.testing.assert_allclose(jax.jit(L.softmax_focal)(zc, yc), L.softmax_focal(zc, yc), rtol=1e-6)


ALL_CLASS = [
    (L.cross_entropy, True), (functools.partial(L.cross_entropy, label_smoothing=0.1), False),
    (L.softmax_focal, True), (functools.partial(L.softmax_focal, gamma=0.5), True),
]


@pytest.mark.parametrize("fn,confident_is_zero", ALL_CLASS)
def test_softmax_losses_finite_for_huge_and_masked_logits(fn, confident_is_zero):
    z = jnp.array([[1e4, -1e4, 0.0], [-1e4, 1e4, -jnp.inf], [0.3, -jnp.inf, 1.0]], jnp.float32)
    y = jnp.array([0, 0, 2])
    val = fn(z, y)
    grad = jax.grad(lambda z: fn(z, y).sum())(z)
    assert np.all(np.isfinite(val)) and np.all(np.isfinite(grad))
    if confident_is_zero:  # smoothing keeps a cost of a * |z| for a confident answer
        assert float(val[0]) == pytest.approx(0.0, abs=1e-6)


@pytest.mark.parametrize("fn", [L.binary_cross_entropy, L.focal,
                                functools.partial(L.focal, alpha=0.25, gamma=0.5)])
def test_sigmoid_losses_finite_for_huge_logits(fn):
    z = jnp.array([1e4, -1e4, 1e4, -1e4, jnp.inf, -jnp.inf], jnp.float32)
    y = jnp.array([1.0, 0.0, 0.0, 1.0, 1.0, 0.0])
    val, grad = fn(z, y), jax.grad(lambda z: fn(z, y).sum())(z)
    assert np.all(np.isfinite(val)) and np.all(np.isfinite(grad))
    np.testing.assert_allclose(val[:2], 0.0, atol=1e-6)
    assert float(val[2]) > 100  # a confident wrong answer costs about |z|


@pytest.mark.parametrize("name", ["mse", "mae", "huber", "cross_entropy", "binary_cross_entropy",
                                  "focal", "softmax_focal"])
def test_gradients_match_finite_differences(name):
    rng = np.random.default_rng(1)
    fn = jn.losses.get_loss(name)
    if name in ("cross_entropy", "softmax_focal"):
        z, y = rng.normal(size=(3, 4)), rng.integers(0, 4, 3)
    elif name in ("binary_cross_entropy", "focal"):
        z, y = rng.normal(size=(5,)), rng.integers(0, 2, 5).astype(np.float64)
    else:  # avoid the kinks of |e| and of Huber at +-delta
        z, y = rng.normal(size=(3, 2)), rng.normal(size=(3, 2)) + 3.0
    check_grads(lambda z: fn(z, jnp.asarray(y, jnp.float32) if y.dtype.kind == "f" else y),
                (jnp.asarray(z, jnp.float32),), order=1, modes=("rev",), eps=1e-2, atol=2e-2,
                rtol=2e-2)


def test_losses_usable_by_name_in_fit():
    x, y = blobs(40, 5, 2)
    for loss in ("softmax_focal",):
        r = jn.fit(jn.nn.MLP((8, 2)), jn.optim.adam(1e-2), (x, y), loss=loss, epochs=2,
                   batch_size=20, verbose=False)
        assert np.isfinite(r.history["loss"]).all()
    for loss in ("focal",):
        r = jn.fit(jn.nn.MLP((8, 1)), jn.optim.adam(1e-2), (x, y), loss=loss, epochs=2,
                   batch_size=20, verbose=False)
        assert r.history["loss"][-1] < r.history["loss"][0]
    for loss in ("huber",):
        r = jn.fit(jn.nn.MLP((8, 1)), jn.optim.adam(1e-2), (x, x[:, 0]), loss=loss, epochs=2,
                   batch_size=20, verbose=False)
        assert r.history["loss"][-1] < r.history["loss"][0]


def test_bad_loss_hyperparameters():
    z, y = np.zeros((2, 3), np.float32), np.array([0, 1])
    with pytest.raises(ValueError, match="delta"):
        L.huber(z, z, delta=0.0)
    with pytest.raises(ValueError, match="label_smoothing"):
        L.cross_entropy(z, y, label_smoothing=1.5)
    with pytest.raises(ValueError, match="gamma"):
        L.softmax_focal(z, y, gamma=-1.0)
    with pytest.raises(ValueError, match="alpha"):
        L.focal(z[:, 0], y, alpha=2.0)
    with pytest.raises(ValueError, match="unknown loss"):
        jn.losses.get_loss("hinge_maybe")
