"""Recurrent cells, layers and models against hand-written NumPy loops."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxnets as jn

B, T, IN, H = 2, 4, 3, 5


def _sig(x):
    return 1.0 / (1.0 + np.exp(-x))


def np_rnn(p, x, h):
    return np.tanh(x @ p["kernel"] + p["bias"] + h @ p["recurrent_kernel"])


def np_lstm(p, x, c, h):
    z = x @ p["kernel"] + p["bias"] + h @ p["recurrent_kernel"]
    i, f, g, o = (z[:, k * H:(k + 1) * H] for k in range(4))
    c = _sig(f) * c + _sig(i) * np.tanh(g)
    return c, _sig(o) * np.tanh(c)


def np_gru(p, x, h):
    gx = x @ p["kernel"] + p["bias"]
    gh = h @ p["recurrent_kernel"] + p["recurrent_bias"]
    r = _sig(gx[:, :H] + gh[:, :H])
    z = _sig(gx[:, H:2 * H] + gh[:, H:2 * H])
    n = np.tanh(gx[:, 2 * H:] + r * gh[:, 2 * H:])
    return (1 - z) * n + z * h


def np_sequence(kind, p, xs, reverse=False):
    """A plain loop over time: outputs [B, T, H] and the final hidden state."""
    p = {k: np.asarray(v, np.float64) for k, v in p.items()}
    h = np.zeros((xs.shape[0], H))
    c = np.zeros_like(h)
    outs = [None] * xs.shape[1]
    steps = range(xs.shape[1] - 1, -1, -1) if reverse else range(xs.shape[1])
    for t in steps:
        if kind == "rnn":
            h = np_rnn(p, xs[:, t], h)
        elif kind == "lstm":
            c, h = np_lstm(p, xs[:, t], c, h)
        else:
            h = np_gru(p, xs[:, t], h)
        outs[t] = h
    return np.stack(outs, 1), h


def _random_params(variables, seed=1):
    """Replace every parameter with N(0, 0.5) so biases and gates are all exercised."""
    leaves, tree = jax.tree_util.tree_flatten(variables)
    keys = jax.random.split(jax.random.key(seed), len(leaves))
    return jax.tree_util.tree_unflatten(
        tree, [0.5 * jax.random.normal(k, v.shape) for k, v in zip(keys, leaves, strict=True)])


LAYERS = {"rnn": jn.nn.SimpleRNN, "lstm": jn.nn.LSTM, "gru": jn.nn.GRU}
CELLS = {"rnn": jn.nn.SimpleRNNCell, "lstm": jn.nn.LSTMCell, "gru": jn.nn.GRUCell}
XS = np.random.default_rng(0).normal(size=(B, T, IN)).astype(np.float32)


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("jit", [False, True])
def test_layer_equals_numpy_loop(kind, jit):
    model = LAYERS[kind](H)
    v = _random_params(model.init(jax.random.key(0), XS))
    apply = jax.jit(model.apply) if jit else model.apply
    got = np.asarray(apply(v, XS))
    want, _ = np_sequence(kind, v["params"]["layer_0"]["cell"], XS.astype(np.float64))
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_one_cell_step_equals_numpy(kind):
    cell = CELLS[kind](H)
    carry = cell.initialize_carry(B)
    v = _random_params(cell.init(jax.random.key(0), carry, XS[:, 0]))
    carry2 = jax.tree_util.tree_map(lambda a: a + 0.3, carry)  # a non-zero state
    new, y = jax.jit(cell.apply)(v, carry2, XS[:, 0])
    p = {k: np.asarray(a, np.float64) for k, a in v["params"]["cell"].items()}
    x = XS[:, 0].astype(np.float64)
    h0 = np.full((B, H), 0.3)
    if kind == "lstm":
        want = np_lstm(p, x, h0, h0)[1]
    else:
        want = (np_rnn if kind == "rnn" else np_gru)(p, x, h0)
    np.testing.assert_allclose(np.asarray(y), want, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kind, count", [
    ("rnn", H * (H + IN) + H),
    ("lstm", 4 * (H * (H + IN) + H)),
    ("gru", 3 * (H * (H + IN) + 2 * H)),
])
def test_parameter_counts(kind, count):
    v = LAYERS[kind](H).init(jax.random.key(0), XS)
    assert sum(a.size for a in jax.tree_util.tree_leaves(v)) == count
    two = LAYERS[kind](H, num_layers=2, bidirectional=True).init(jax.random.key(0), XS)
    # layer 0: two directions over I inputs; layer 1: two directions over 2H inputs
    g = {"rnn": 1, "lstm": 4, "gru": 3}[kind]
    extra = g * H if kind == "gru" else 0
    per = lambda i: g * (H * (H + i) + H) + extra  # noqa: E731
    assert sum(a.size for a in jax.tree_util.tree_leaves(two)) == 2 * per(IN) + 2 * per(2 * H)


def test_lstm_init_orthogonal_recurrent_and_forget_bias():
    v = jn.nn.LSTM(H).init(jax.random.key(0), XS)["params"]["layer_0"]["cell"]
    u = np.asarray(v["recurrent_kernel"])
    np.testing.assert_allclose(u @ u.T, np.eye(H), atol=1e-5)  # orthonormal rows
    np.testing.assert_array_equal(np.asarray(v["bias"]),
                                  np.r_[np.zeros(H), np.ones(H), np.zeros(2 * H)])


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_bidirectional_backward_half_is_reversed_loop(kind):
    model = LAYERS[kind](H, bidirectional=True)
    v = _random_params(model.init(jax.random.key(0), XS))
    out = np.asarray(model.apply(v, XS))
    want_b, _ = np_sequence(kind, v["params"]["layer_0_bwd"]["cell"], XS.astype(np.float64),
                            reverse=True)
    assert out.shape == (B, T, 2 * H)
    np.testing.assert_allclose(out[..., H:], want_b, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("kind, layers", [("rnn", 1), ("lstm", 2), ("gru", 1)])
def test_masking_equals_truncation(kind, layers):
    # bidirectional, so both the forward and the reverse scan see the padding
    model = LAYERS[kind](H, num_layers=layers, bidirectional=True, return_sequences=False)
    v = _random_params(model.init(jax.random.key(0), XS))
    lengths = np.array([T, 2])
    padded = XS.copy()
    padded[1, 2:] = 99.0  # garbage in the padding must not matter
    last = np.asarray(jax.jit(lambda v, x, n: model.apply(v, x, lengths=n))(v, padded, lengths))
    short = np.asarray(model.apply(v, XS[1:, :2]))
    np.testing.assert_allclose(last[1], short[0], rtol=1e-5, atol=1e-6)
    seq_model = model.clone(return_sequences=True)
    seq = np.asarray(seq_model.apply(v, padded, lengths=lengths))
    np.testing.assert_allclose(seq[1, :2], np.asarray(seq_model.apply(v, XS[1:, :2]))[0],
                               rtol=1e-5, atol=1e-6)
    assert np.all(seq[1, 2:] == 0)


def test_vmap_over_parameters():
    model = jn.nn.GRU(H, return_sequences=False)
    keys = jax.random.split(jax.random.key(0), 3)
    vs = jax.vmap(lambda k: model.init(k, XS))(keys)
    out = jax.vmap(lambda v: model.apply(v, XS))(vs)
    assert out.shape == (3, B, H)
    np.testing.assert_allclose(out[1], model.apply(jax.tree_util.tree_map(lambda a: a[1], vs), XS),
                               rtol=1e-6)


def test_sequence_cross_entropy_ignores_padding():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(2, 3, 4)).astype(np.float32)
    labels = np.array([[1, 2, 3], [0, -1, -1]])
    got = np.asarray(jn.losses.sequence_cross_entropy(logits, labels))
    logp = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    want = [-np.mean([logp[0, t, labels[0, t]] for t in range(3)]), -logp[1, 0, 0]]
    np.testing.assert_allclose(got, want, rtol=1e-5)
    with pytest.raises(ValueError, match="labels"):
        jn.losses.sequence_cross_entropy(logits, labels[:, :2])


def test_char_lm_trains_with_fit_and_samples():
    text = np.array([0, 1, 2, 3, 4] * 30, np.int32)
    win = np.lib.stride_tricks.sliding_window_view(text, 9)[::2]
    x, y = win[:, :-1], win[:, 1:]
    model = jn.nn.CharLM(5, embed_dim=8, features=16)
    result = jn.fit(model, jn.optim.adam(0.05), (x, y), loss="sequence_cross_entropy", epochs=4,
                    batch_size=16, verbose=False)
    loss = result.history["loss"]
    assert loss[-1] < 0.5 * loss[0]
    prompt = np.array([[0, 1], [2, 3]], np.int32)
    greedy = model.sample(result.state.variables, prompt, 6, key=jax.random.key(0), temperature=0)
    assert greedy.shape == (2, 8)
    np.testing.assert_array_equal(np.asarray(greedy[0]), [0, 1, 2, 3, 4, 0, 1, 2])
    hot = model.sample(result.state.variables, prompt, 6, key=jax.random.key(0), temperature=5.0)
    assert hot.shape == (2, 8) and int(hot.max()) < 5
    with pytest.raises(ValueError, match="temperature"):
        model.sample(result.state.variables, prompt, 3, key=jax.random.key(0), temperature=-1)


def test_sequence_classifier_fit_with_padding_tokens():
    rng = np.random.default_rng(0)
    n = 64
    y = rng.integers(0, 2, n).astype(np.int32)
    lengths = rng.integers(3, 8, n)
    x = np.zeros((n, 8), np.int32)  # id 0 is padding
    for k in range(n):
        x[k, :lengths[k]] = rng.integers(1, 3, lengths[k]) + 2 * y[k]  # class 0: ids 1-2; 1: 3-4
    model = jn.nn.SequenceClassifier(2, features=8, cell="gru", vocab_size=5, pad_id=0,
                                     pooling="mean", embed_dim=4)
    result = jn.fit(model, jn.optim.adam(0.03), (x, y), epochs=6, batch_size=16, verbose=False)
    assert result.history["loss"][-1] < 0.5 * result.history["loss"][0]
    assert result.history["accuracy"][-1] > 0.9


def test_forecaster_rollout_equals_manual_loop():
    model = jn.nn.Forecaster(features=6, skip_last=True)
    x = XS[:, :, :1]
    v = model.init(jax.random.key(0), x)
    window, preds, apply = jnp.asarray(x), [], jax.jit(model.apply)
    for _ in range(3):
        y = apply(v, window)
        preds.append(y[:, 0])
        window = jnp.concatenate([window[:, 1:], y[:, :, None]], axis=1)
    np.testing.assert_allclose(np.asarray(model.rollout(v, x, 3)), np.stack(preds, 1), rtol=1e-5,
                               atol=1e-6)
    with pytest.raises(ValueError, match="univariate"):
        model.rollout(v, XS, 2)


def test_clear_errors():
    with pytest.raises(ValueError, match=r"\[batch, time, features\]"):
        jn.nn.LSTM(H).init(jax.random.key(0), XS[0])
    with pytest.raises(ValueError, match="unknown recurrent cell 'lstn'"):
        jn.nn.get_recurrent("lstn")
    with pytest.raises(ValueError, match="lengths must have shape"):
        jn.nn.LSTM(H).init(jax.random.key(0), XS, lengths=np.array([1, 2, 3]))
    with pytest.raises(ValueError, match="features must be an int"):
        jn.nn.GRU(0).init(jax.random.key(0), XS)
