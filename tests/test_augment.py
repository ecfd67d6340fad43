import chex
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxnets as jn
from jaxnets import augment as A

KEY = jax.random.PRNGKey(0)
IMG = jnp.arange(5 * 6 * 2, dtype=jnp.float32).reshape(5, 6, 2) + 1.0  # no zero pixels
SEQ = jnp.arange(10 * 3, dtype=jnp.float32).reshape(10, 3) + 1.0

IMAGE_TRANSFORMS = [A.random_flip(), A.random_crop(2), A.random_crop(1, "reflect"),
                    A.gaussian_noise(0.1), A.cutout(3)]
SEQUENCE_TRANSFORMS = [A.jitter(0.1), A.scaling(0.2), A.time_mask(4)]
ZERO_STRENGTH = [(A.random_flip(0.0), IMG), (A.random_crop(0), IMG), (A.gaussian_noise(0.0), IMG),
                 (A.cutout(0), IMG), (A.jitter(0.0), SEQ), (A.scaling(0.0), SEQ),
                 (A.time_mask(0), SEQ)]


def _cases():
    return [(t, IMG) for t in IMAGE_TRANSFORMS] + [(t, SEQ) for t in SEQUENCE_TRANSFORMS]


@pytest.mark.parametrize("transform, x", _cases(), ids=lambda v: type(v).__name__)
def test_deterministic_per_key_shape_and_dtype_kept(transform, x):
    out = transform(KEY, x)
    np.testing.assert_array_equal(out, transform(KEY, x))
    np.testing.assert_allclose(out, jax.jit(transform)(KEY, x), rtol=1e-6)  # jitted = eager
    assert out.shape == x.shape and out.dtype == x.dtype
    half = transform(KEY, x.astype(jnp.float16))
    assert half.dtype == jnp.float16
    outs = [np.asarray(transform(jax.random.PRNGKey(s), x)) for s in range(8)]
    assert any(not np.array_equal(outs[0], o) for o in outs[1:])  # the key matters


@pytest.mark.parametrize("transform, x", ZERO_STRENGTH, ids=lambda v: type(v).__name__)
def test_zero_strength_is_the_identity(transform, x):
    np.testing.assert_array_equal(transform(KEY, x), x)


def test_flip_mirrors_the_width_axis():
    flipped = A.random_flip(1.0)(KEY, IMG)
    np.testing.assert_array_equal(flipped, np.asarray(IMG)[:, ::-1, :])
    assert flipped[0, 0, 0] == IMG[0, 5, 0]
    flips = [bool(np.array_equal(A.random_flip()(jax.random.PRNGKey(s), IMG), IMG))
             for s in range(200)]
    assert 0.35 < np.mean(flips) < 0.65


def test_crop_translates_pixels_by_the_drawn_offset():
    pad, img = 2, np.asarray(IMG)
    padded = np.pad(img, ((pad, pad), (pad, pad), (0, 0)))
    seen = set()
    for s in range(60):
        out = np.asarray(A.random_crop(pad)(jax.random.PRNGKey(s), IMG))
        match = [(dy, dx) for dy in range(2 * pad + 1) for dx in range(2 * pad + 1)
                 if np.array_equal(out, padded[dy:dy + 5, dx:dx + 6])]
        assert len(match) == 1
        dy, dx = match[0]
        seen.add(match[0])
        # pixel (i, j) of the output is pixel (i + dy - pad, j + dx - pad) of the input
        i, j = 2, 3
        assert out[i, j, 0] == img[i + dy - pad, j + dx - pad, 0]
    assert len(seen) >= 15  # offsets cover the 5x5 range


def test_cutout_zeros_one_clipped_square_and_keeps_the_rest():
    for s in range(20):
        out = np.asarray(A.cutout(3)(jax.random.PRNGKey(s), IMG))
        zero = out[:, :, 0] == 0
        rows, cols = np.nonzero(zero)
        assert 1 <= zero.sum() <= 9
        assert zero[rows.min():rows.max() + 1, cols.min():cols.max() + 1].all()  # a rectangle
        assert rows.max() - rows.min() < 3 and cols.max() - cols.min() < 3
        np.testing.assert_array_equal(out[~zero], np.asarray(IMG)[~zero])
        assert (out[zero] == 0).all()  # every channel


def test_noise_scaling_and_time_mask_statistics():
    big = jnp.zeros((200, 50))
    noise = np.asarray(A.gaussian_noise(0.5)(KEY, big))
    assert abs(noise.std() - 0.5) < 0.02 and abs(noise.mean()) < 0.02
    scaled = np.asarray(A.scaling(0.2)(KEY, SEQ)) / np.asarray(SEQ)
    np.testing.assert_allclose(scaled, np.broadcast_to(scaled[:1], scaled.shape), rtol=1e-6)
    for s in range(20):
        out = np.asarray(A.time_mask(4)(jax.random.PRNGKey(s), SEQ))
        masked = np.nonzero((out == 0).all(1))[0]
        assert len(masked) <= 4
        if len(masked):
            assert masked.max() - masked.min() == len(masked) - 1  # one contiguous span
        kept = np.setdiff1d(np.arange(10), masked)
        np.testing.assert_array_equal(out[kept], np.asarray(SEQ)[kept])


def test_pipeline_and_batch_keys():
    pipe = A.pipeline(A.random_flip(1.0), A.gaussian_noise(0.0))
    np.testing.assert_array_equal(pipe(KEY, IMG), np.asarray(IMG)[:, ::-1])
    batch = jnp.stack([IMG] * 4)
    out = A.apply_batch(A.random_crop(2), KEY, batch)
    for i in range(4):  # example i is keyed by fold_in(key, i)
        np.testing.assert_array_equal(out[i], A.random_crop(2)(jax.random.fold_in(KEY, i), IMG))
    assert len({np.asarray(o).tobytes() for o in out}) > 1  # examples differ


@pytest.mark.parametrize("jit", [True, False])
def test_mixup_mixes_inputs_and_labels_with_the_same_weights(jit):
    y = jnp.array([0, 1, 2, 3, 1, 0])
    x = jax.nn.one_hot(y, 4)  # inputs equal to the one-hot labels...
    mix = A.compose(mixup=A.mixup(0.4, num_classes=4))
    fn = jax.jit(mix) if jit else mix
    mx, my = fn(KEY, x, y)
    chex.assert_trees_all_close(mx, my, atol=1e-6)  # ...stay equal to them after mixing
    np.testing.assert_allclose(my.sum(1), 1.0, rtol=1e-6)
    assert my.dtype == jnp.float32 and mx.shape == x.shape
    assert not np.allclose(my, jax.nn.one_hot(y, 4))
    ident_x, ident_y = A.compose(mixup=A.mixup(0.0, num_classes=4))(KEY, x, y)
    np.testing.assert_array_equal(ident_x, x)
    np.testing.assert_array_equal(ident_y, jax.nn.one_hot(y, 4))


def test_augment_runs_inside_fit_reproducibly():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(24, 4, 4, 1)).astype(np.float32)
    y = rng.integers(0, 3, 24).astype(np.int32)
    aug = A.compose(A.random_flip(), A.random_crop(1), A.cutout(2),
                    mixup=A.mixup(0.2, num_classes=3))
    fit = lambda augment: jn.fit(jn.nn.MLP((8, 3)), "adam", (x, y), (x, y), epochs=1,
                                 batch_size=12, augment=augment, verbose=False)
    a, b, plain = fit(aug), fit(A.compose(A.random_flip(), A.random_crop(1), A.cutout(2),
                                          mixup=A.mixup(0.2, num_classes=3))), fit(None)
    chex.assert_trees_all_equal(a.state.params, b.state.params)  # same seed, same result
    assert not np.allclose(a.history["loss"], plain.history["loss"])
    assert np.isfinite(a.history["val_loss"]).all()


def test_bad_arguments_are_clear_errors():
    for make, match in [(lambda: A.random_flip(1.5), "p"), (lambda: A.random_crop(-1), "padding"),
                        (lambda: A.random_crop(2, "wrap"), "mode"),
                        (lambda: A.gaussian_noise(-0.1), "std"), (lambda: A.cutout(2.5), "size"),
                        (lambda: A.mixup(-1.0), "alpha"), (lambda: A.time_mask(-2), "max_width")]:
        with pytest.raises(ValueError, match=match):
            make()
    with pytest.raises(ValueError, match="rank 3"):
        A.random_flip()(KEY, jnp.stack([IMG, IMG]))
    with pytest.raises(ValueError, match="num_classes"):
        A.mixup(0.2)(KEY, jnp.ones((2, 3)), jnp.array([0, 1]))
    with pytest.raises(TypeError, match="transform 0"):
        A.pipeline("flip")
