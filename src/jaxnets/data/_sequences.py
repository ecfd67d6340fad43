"""Embedded sequence data: an English text corpus and real time series, split in time.

* ``text``: the documentation topics that ship with CPython (``pydoc_data.topics``).
* ``goog``: daily Google stock prices, 2004-08-19 to 2008-10-14 (matplotlib sample data).
* ``membrane``: 12,000 samples of a recorded membrane potential (matplotlib sample data).

Nothing is downloaded: every file is part of Python or of matplotlib. Windows
cut from one stream overlap, so every split is *in time* (train, then
validation, then test), never random; ``seed`` is accepted for a uniform
``load(name, seed=...)`` call but cannot change a time-ordered split.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from jaxnets.data._datasets import register
from jaxnets.data._files import _time_bounds, _windows, build_vocab, tokenize
from jaxnets.data._types import Dataset, Split


def _check_int(name: str, value: Any, minimum: int = 1) -> None:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}, found {value!r}")


# --------------------------------------------------------------------------- text


def python_docs_text() -> str:
    """The text of CPython's ``pydoc_data.topics`` (what ``help("if")`` etc. print), topics
    joined in sorted order with blank lines: about 0.46 M characters of English prose and
    code examples (the exact size depends on the Python version)."""
    from pydoc_data.topics import topics

    return "\n\n".join(topics[k].strip() for k in sorted(topics)) + "\n"


@register("text")
def load_text(
    *, seq_len: int = 64, stride: int | None = None, val: float | int = 0.05,
    test: float | int = 0.05, lower: bool = False, max_chars: int | None = None,
    max_vocab: int | None = None, seed: int = 0,
) -> Dataset:
    """An English corpus for character language models: Python's own documentation topics.

    Provenance: ``pydoc_data.topics``, part of the CPython standard library (the
    help texts of the language reference, about 0.46 M characters and ~100
    distinct characters on Python 3.11). The character stream is split in order
    into train / validation / test; the vocabulary is built from the training
    part (id 0 is the unknown character). Windows of ``seq_len + 1`` characters
    every ``stride`` give ``x = w[:-1]`` and next-character targets ``y = w[1:]``.

    Args:
      seq_len: characters per input window (T).
      stride: characters between window starts (default ``seq_len``).
      val, test: fractions (or counts) of the character stream.
      lower: lower-case the text first (a smaller vocabulary).
      max_chars: use only the first ``max_chars`` characters (quick runs).
      max_vocab: keep only the most frequent characters.
      seed: unused (the split is in time order); accepted for a uniform ``load`` call.

    Returns:
      x, y: int32 [N, T]; ``info["vocab"][i]`` decodes id ``i`` (see :func:`decode`).
    """
    del seed
    _check_int("seq_len", seq_len)
    if stride is not None:
        _check_int("stride", stride)
    text = python_docs_text()
    if max_chars is not None:
        _check_int("max_chars", max_chars, minimum=seq_len + 1)
        text = text[:max_chars]
    tokens = tokenize(text, "char", lower=lower)
    a, b = _time_bounds(len(tokens), val, test, "characters")
    vocab = build_vocab(tokens[:a], "char", max_vocab)
    index = {t: i for i, t in enumerate(vocab)}
    ids = np.fromiter((index.get(t, 0) for t in tokens), np.int32, len(tokens))
    step = stride or seq_len
    parts = [_windows(ids[s], seq_len, step, part) for s, part in
             ((slice(0, a), "training"), (slice(a, b), "validation"), (slice(b, None), "test"))]
    info = {"vocab": vocab, "vocab_size": len(vocab), "num_classes": None, "level": "char",
            "seq_len": seq_len, "stride": step, "num_tokens": len(tokens), "size": len(tokens),
            "bounds": (a, b, len(tokens)),
            "source": "pydoc_data.topics (CPython standard library documentation topics)"}
    return Dataset("text", *parts, info)


def decode(ids: Any, vocab: list[str]) -> str:
    """Token ids [T] -> the string they spell (characters joined)."""
    return "".join(vocab[int(i)] for i in np.asarray(ids).reshape(-1))


# --------------------------------------------------------------------------- series


def series_windows(
    series: np.ndarray, *, window: int, horizon: int = 1, stride: int = 1,
    val: float | int = 0.15, test: float | int = 0.15, normalize: bool = True,
) -> tuple[list[Split], dict[str, Any]]:
    """Cut a time series [n, F] (target first) into forecasting examples, split in time.

    An example whose inputs are rows ``[s, s + window)`` forecasts the target at
    rows ``[s + window, s + window + horizon)``; it belongs to the part that
    holds all its targets (train, validation or test in time order), so no
    target is seen in training while later inputs may look back across a
    boundary. With ``normalize``, columns are standardised by the training rows'
    mean and std.

    Returns:
      [train, val, test] splits (x float32 [N, window, F], y float32 [N, horizon])
      and info with ``mean``, ``std`` [F] and ``bounds``.
    """
    for name, value in (("window", window), ("horizon", horizon), ("stride", stride)):
        _check_int(name, value)
    series = np.asarray(series, np.float64)
    series = series[:, None] if series.ndim == 1 else series
    n = len(series)
    a, b = _time_bounds(n, val, test, "steps")
    if a < window + horizon:
        raise ValueError(f"the training part holds {a} steps; one example needs window + "
                         f"horizon = {window + horizon}")
    mean, std = series[:a].mean(0), series[:a].std(0)
    std = np.where(std > 0, std, 1.0)
    values = ((series - mean) / std if normalize else series).astype(np.float32)
    starts = np.arange(0, n - window - horizon + 1, stride)
    first, last = starts + window, starts + window + horizon
    parts = []
    for lo, hi in ((0, a), (a, b), (b, n)):
        s = starts[(first >= lo) & (last <= hi)]
        parts.append(Split(values[s[:, None] + np.arange(window)],
                           values[s[:, None] + window + np.arange(horizon), 0]))
    info = {"window": window, "horizon": horizon, "stride": stride, "normalized": normalize,
            "mean": mean.astype(np.float32), "std": std.astype(np.float32), "bounds": (a, b, n),
            "size": n, "num_classes": None, "input_shape": (window, series.shape[1])}
    return parts, info


def _sample_data(name: str) -> Path:
    import matplotlib.cbook

    return Path(matplotlib.cbook.get_sample_data(name, asfileobj=False))


GOOG_FIELDS = ("open", "high", "low", "close", "volume", "adj_close")


@register("goog")
def load_goog(
    *, window: int = 20, horizon: int = 1, stride: int = 1, column: str = "close",
    log: bool = True, val: float | int = 0.15, test: float | int = 0.15, normalize: bool = True,
    seed: int = 0,
) -> Dataset:
    """Daily Google (GOOG) stock prices, 2004-08-19 to 2008-10-14: 1,047 trading days.

    Provenance: ``goog.npz`` in matplotlib's sample data (Yahoo Finance quotes),
    read with ``allow_pickle=False``. The target is one column (default the
    closing price, optionally its natural log), forecast ``horizon`` days ahead
    from the last ``window`` days; see :func:`series_windows` for the split.
    A random walk is a strong baseline for prices, which is the point of
    comparing against the naive last-value forecast.

    Returns:
      x float32 [N, window, 1], y float32 [N, horizon]; ``info["dates"]`` (ISO strings).
    """
    del seed
    if column not in GOOG_FIELDS:
        raise ValueError(f"column must be one of {', '.join(GOOG_FIELDS)}, found {column!r}")
    with np.load(_sample_data("goog.npz"), allow_pickle=False) as f:
        data = f["price_data"]
    series = data[column].astype(np.float64)
    if log:
        series = np.log(series)
    parts, info = series_windows(series, window=window, horizon=horizon, stride=stride, val=val,
                                 test=test, normalize=normalize)
    info.update(columns=[f"log_{column}" if log else column], target=column, log=log,
                dates=[str(d) for d in data["date"]],
                source="matplotlib sample data goog.npz (Yahoo Finance daily quotes)")
    return Dataset("goog", *parts, info)


@register("membrane")
def load_membrane(
    *, window: int = 32, horizon: int = 1, stride: int = 1, downsample: int = 4,
    val: float | int = 0.15, test: float | int = 0.15, normalize: bool = True, seed: int = 0,
) -> Dataset:
    """A recorded membrane potential: 12,000 float32 samples (matplotlib sample data).

    Provenance: ``membrane.dat`` in matplotlib's sample data (little-endian
    float32, used by its examples). ``downsample`` keeps every k-th sample
    (default 4: 3,000 steps) so that a window spans more of the slow dynamics.

    Returns:
      x float32 [N, window, 1], y float32 [N, horizon].
    """
    del seed
    _check_int("downsample", downsample)
    raw = np.fromfile(_sample_data("membrane.dat"), dtype="<f4")
    series = raw[::downsample].astype(np.float64)
    parts, info = series_windows(series, window=window, horizon=horizon, stride=stride, val=val,
                                 test=test, normalize=normalize)
    info.update(columns=["potential"], target="potential", downsample=downsample,
                raw_size=len(raw), source="matplotlib sample data membrane.dat")
    return Dataset("membrane", *parts, info)


__all__ = ["decode", "load_goog", "load_membrane", "load_text", "python_docs_text",
           "series_windows"]
