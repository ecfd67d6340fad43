"""Embedded sequence datasets: text corpus and real time series, split in time."""

from __future__ import annotations

import numpy as np
import pytest

import jaxnets as jn


def test_text_windows_are_next_character_pairs_in_time_order():
    d = jn.data.load("text", seq_len=16, max_chars=20_000)
    vocab = d.info["vocab"]
    assert d.info["vocab_size"] == len(vocab) and vocab[0] == "\ufffd"
    text = jn.data.python_docs_text()[:20_000]
    a, b, n = d.info["bounds"]
    assert n == 20_000 and 0 < a < b < n
    for split in (d.train, d.val, d.test):
        assert split.x.dtype == np.int32 and split.x.shape[1] == 16
        np.testing.assert_array_equal(split.x[:, 1:], split.y[:, :-1])
    # the first training window spells the first characters of the corpus
    assert jn.data.decode(d.train.x[0], vocab) == text[:16]
    assert jn.data.decode(d.val.x[0], vocab).replace("\ufffd", "") in text[a:a + 16]
    # windows never cross the split boundaries
    assert len(d.train) == (a - 1) // 16
    assert jn.data.load("text", seq_len=16, max_chars=20_000, seed=3).train.x.tobytes() == \
        d.train.x.tobytes()


def test_text_corpus_is_english_prose_of_known_size():
    text = jn.data.python_docs_text()
    assert len(text) > 100_000
    assert "the" in text and "statement" in text


@pytest.mark.parametrize("name, size", [("goog", 1047), ("membrane", 3000)])
def test_series_targets_follow_their_windows(name, size):
    d = jn.data.load(name, window=10, horizon=3)
    a, b, n = d.info["bounds"]
    assert n == size
    assert d.train.x.shape[1:] == (10, 1) and d.train.y.shape[1:] == (3,)
    # consecutive examples (stride 1) shift by one step: the next window's last input
    # is this example's first target
    np.testing.assert_allclose(d.train.x[1:, -1, 0], d.train.y[:-1, 0])
    np.testing.assert_allclose(d.test.x[1:, -1, 0], d.test.y[:-1, 0])
    # normalised by training statistics: targets of training examples have mean ~0
    flat = np.concatenate([d.train.x[0, :, 0], d.train.y[:, 0]])
    assert abs(flat.mean()) < 0.2
    # every target lies in its part: train + val + test examples = n - window - horizon + 1
    # minus the ones straddling the two boundaries (horizon - 1 each)
    assert len(d.train) + len(d.val) + len(d.test) == n - 10 - 3 + 1 - 2 * (3 - 1)


def test_goog_raw_values_and_series_windows():
    d = jn.data.load("goog", window=5, log=False, normalize=False)
    assert d.info["dates"][0] == "2004-08-19"
    np.testing.assert_allclose(d.train.x[0, :, 0], [100.34, 108.31, 109.4, 104.87, 106.0],
                               rtol=1e-4)
    parts, info = jn.data.series_windows(np.arange(20.0), window=3, horizon=2, val=5, test=5,
                                         normalize=False)
    np.testing.assert_array_equal(parts[0].x[0, :, 0], [0, 1, 2])
    np.testing.assert_array_equal(parts[0].y[-1], [8, 9])
    np.testing.assert_array_equal(parts[1].y[0], [10, 11])
    assert info["bounds"] == (10, 15, 20)


def test_sequence_loader_errors():
    with pytest.raises(ValueError, match="column must be one of"):
        jn.data.load("goog", column="price")
    with pytest.raises(ValueError, match="window must be an int >= 1"):
        jn.data.load("membrane", window=0)
    with pytest.raises(ValueError, match="seq_len must be an int >= 1"):
        jn.data.load("text", seq_len=-2)
    with pytest.raises(ValueError, match="training part holds"):
        jn.data.series_windows(np.arange(10.0), window=8, val=2, test=2)
