"""Sequence data from files a user brings: any text file, and CSV time series.

Both split *in time* (train first, then validation, then test) rather than at
random: windows cut from one stream overlap, so a random split would put the
same tokens or values in training and test examples.
"""

from __future__ import annotations

import collections
import csv
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from jaxnets.data._datasets import register
from jaxnets.data._images import existing_path
from jaxnets.data._splits import _count
from jaxnets.data._types import Dataset, Split

UNK = {"char": "\ufffd", "word": "<unk>"}
_WORD = re.compile(r"\w+|[^\w\s]")


def _time_bounds(n: int, val: float | int, test: float | int, what: str) -> tuple[int, int]:
    """Ends of the train and validation parts of ``n`` time-ordered items."""
    n_val, n_test = _count(val, n, "val"), _count(test, n, "test")
    if n_val + n_test >= n:
        raise ValueError(f"val + test ({n_val} + {n_test} {what}) must leave training {what} of {n}")
    return n - n_val - n_test, n - n_test


# --------------------------------------------------------------------------- text


def tokenize(text: str, level: str = "char", *, lower: bool = False) -> list[str]:
    """Split text into characters, or into words and punctuation marks (``\\w+|[^\\w\\s]``)."""
    if level not in UNK:
        raise ValueError(f"level must be 'char' or 'word', found {level!r}")
    text = text.lower() if lower else text
    return list(text) if level == "char" else _WORD.findall(text)


def build_vocab(tokens: Sequence[str], level: str, max_vocab: int | None = None) -> list[str]:
    """A vocabulary: the unknown token at id 0, then tokens by falling frequency (ties by token).

    ``max_vocab`` (including the unknown token) keeps the most frequent ones.
    """
    counts = collections.Counter(tokens)
    counts.pop(UNK[level], None)
    ordered = sorted(counts, key=lambda t: (-counts[t], t))
    if max_vocab is not None:
        if max_vocab < 2:
            raise ValueError(f"max_vocab must be >= 2 (the unknown token and one more), found {max_vocab}")
        ordered = ordered[: max_vocab - 1]
    return [UNK[level], *ordered]


def _windows(ids: np.ndarray, seq_len: int, stride: int, part: str) -> Split:
    """Cut ``ids`` [L] into inputs [N, seq_len] and next-token targets [N, seq_len]."""
    if len(ids) == 0:
        empty = np.zeros((0, seq_len), np.int32)
        return Split(empty, empty)
    if len(ids) < seq_len + 1:
        raise ValueError(f"the {part} part holds {len(ids)} tokens; a window needs seq_len + 1 = "
                         f"{seq_len + 1} (lower seq_len or change val/test)")
    win = np.lib.stride_tricks.sliding_window_view(ids, seq_len + 1)[::stride]
    return Split(np.ascontiguousarray(win[:, :-1]), np.ascontiguousarray(win[:, 1:]))


@register("text_file")
def load_text_file(
    *, path: str | Path | None = None, level: str = "char", seq_len: int = 64,
    stride: int | None = None, val: float | int = 0.1, test: float | int = 0.1,
    lower: bool = False, max_vocab: int | None = None, encoding: str = "utf-8",
) -> Dataset:
    """Any text file as next-token prediction windows (character or word level).

    The token stream is split in order: the first ``1 - val - test`` for
    training, then validation, then test. The vocabulary is built from the
    training part only (id 0 is the unknown token, which later tokens not seen
    in training map to). Each part is cut into windows of ``seq_len + 1``
    tokens every ``stride`` tokens: ``x = w[:-1]``, ``y = w[1:]``.

    Args:
      path: the text file.
      level: "char" or "word" (words and punctuation marks, see :func:`tokenize`).
      seq_len: tokens per input window (T).
      stride: tokens between window starts (default ``seq_len``: no overlap).
      val, test: fractions (or counts) of the token stream.
      lower: lower-case the text first.
      max_vocab: keep only the most frequent tokens (the rest become unknown).
      encoding: the file's text encoding.

    Returns:
      x, y: int32 [N, T] token ids; ``info`` has ``vocab`` (list of tokens, so
      ``vocab[i]`` decodes id ``i``), ``vocab_size``, ``level``, ``num_tokens``.
    """
    p = existing_path("text_file", "path", path, folder=False, hint="pass path=... to a text file")
    for arg, value in (("seq_len", seq_len), ("stride", stride if stride is not None else 1)):
        if not isinstance(value, int) or value < 1:
            raise ValueError(f"{arg} must be an int >= 1, found {value!r}")
    tokens = tokenize(p.read_text(encoding=encoding), level, lower=lower)
    if not tokens:
        raise ValueError(f"text_file: '{p}' holds no {level} tokens")
    a, b = _time_bounds(len(tokens), val, test, "tokens")
    vocab = build_vocab(tokens[:a], level, max_vocab)
    index = {t: i for i, t in enumerate(vocab)}
    ids = np.fromiter((index.get(t, 0) for t in tokens), np.int32, len(tokens))
    step = stride or seq_len
    parts = [_windows(ids[s], seq_len, step, part) for s, part in
             ((slice(0, a), "training"), (slice(a, b), "validation"), (slice(b, None), "test"))]
    info = {"vocab": vocab, "vocab_size": len(vocab), "num_classes": len(vocab), "level": level,
            "seq_len": seq_len, "stride": step, "num_tokens": len(tokens), "size": len(tokens),
            "unknown_in_eval": int((ids[a:] == 0).sum()), "source": str(p)}
    return Dataset(f"text_file:{p.name}", *parts, info)


# --------------------------------------------------------------------------- CSV


def _column_index(col: str | int, header: list[str] | None, path: Path) -> int:
    if isinstance(col, int) and not isinstance(col, bool):
        width = len(header) if header else None
        if col < 0 or (width is not None and col >= width):
            raise ValueError(f"column index {col} is out of range for {path} with {width} columns")
        return col
    if header is None or col not in header:
        found = header if header else "no header row"
        raise ValueError(f"column {col!r} not found in {path}; found columns {found}")
    return header.index(col)


def read_csv_columns(
    path: str | Path, columns: Sequence[str | int], *, delimiter: str = ","
) -> tuple[np.ndarray, list[str]]:
    """Read numeric ``columns`` (names or indices) of a CSV file into float64 [rows, len(columns)].

    A first row whose selected cells are not all numbers is taken as the header.
    Empty, non-numeric or non-finite cells are errors naming the row and column.
    """
    path = Path(path)
    with open(path, newline="") as f:
        rows = [r for r in csv.reader(f, delimiter=delimiter) if r]
    if not rows:
        raise ValueError(f"{path} is empty")

    def numeric(row: list[str], idx: list[int]) -> bool:
        try:
            return all(np.isfinite(float(row[i])) for i in idx)
        except (ValueError, IndexError):
            return False

    header = [c.strip() for c in rows[0]]
    idx = [_column_index(c, header, path) for c in columns]
    has_header = not numeric(rows[0], idx) or any(isinstance(c, str) for c in columns)
    names = [header[i] if has_header else f"column_{i}" for i in idx]
    body = rows[1:] if has_header else rows
    out = np.empty((len(body), len(idx)), np.float64)
    for r, row in enumerate(body):
        for j, i in enumerate(idx):
            cell = row[i].strip() if i < len(row) else ""
            try:
                out[r, j] = float(cell)
            except ValueError:
                out[r, j] = np.nan
            if not np.isfinite(out[r, j]):
                line = r + 1 + has_header
                raise ValueError(f"{path}, line {line}, column {names[j]!r}: expected a finite "
                                 f"number, found {cell!r}")
    return out, names


@register("csv_series")
def load_csv_series(
    *, path: str | Path | None = None, column: str | int | None = None, window: int = 24,
    horizon: int = 1, features: Sequence[str | int] = (), stride: int = 1,
    val: float | int = 0.15, test: float | int = 0.15, normalize: bool = True, delimiter: str = ",",
) -> Dataset:
    """A CSV time series as forecasting windows: ``window`` past steps -> the next ``horizon`` values.

    Rows are time steps in order. The series is split in time: the first
    ``1 - val - test`` of the rows are training time, then validation, then
    test. An example whose input window starts at ``t - window`` forecasts
    ``target[t : t + horizon]``; it belongs to the part that holds all of its
    *targets* (examples whose targets straddle a boundary are dropped), so no
    target is ever seen in training, while validation and test inputs may look
    back into earlier time as a real forecaster would. With ``normalize``
    every column is standardised with the mean and std of the training rows.

    Args:
      path: the CSV file (a header row is optional with integer columns).
      column: the target column (name or 0-based index).
      window: input time steps (T).
      horizon: steps ahead to forecast (1: one-step; >1: direct multi-step).
      features: further input columns besides the target (the target's own
        past is always the first input feature).
      stride: steps between consecutive examples.
      val, test: fractions (or counts) of the rows.
      normalize: standardise with training-row statistics.
      delimiter: the CSV delimiter.

    Returns:
      x: float32 [N, window, 1 + len(features)]; y: float32 [N, horizon];
      ``info["mean"]``/``info["std"]`` [F] undo the normalisation (target first).
    """
    p = existing_path("csv_series", "path", path, folder=False, hint="pass path=... to a CSV file")
    if column is None:
        raise ValueError("csv_series: column is required (the target column's name or index)")
    for arg, value in (("window", window), ("horizon", horizon), ("stride", stride)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{arg} must be an int >= 1, found {value!r}")
    series, names = read_csv_columns(p, [column, *features], delimiter=delimiter)
    n = len(series)
    a, b = _time_bounds(n, val, test, "rows")
    if a < window + horizon:
        raise ValueError(f"the training part holds {a} rows; one example needs window + horizon = "
                         f"{window + horizon}")
    mean, std = series[:a].mean(0), series[:a].std(0)
    std = np.where(std > 0, std, 1.0)
    if normalize:
        series = (series - mean) / std
    series = series.astype(np.float32)
    # targets of the example starting at input step s: rows [s + window, s + window + horizon)
    starts = np.arange(0, n - window - horizon + 1, stride)
    first, last = starts + window, starts + window + horizon
    parts = []
    for lo, hi in ((0, a), (a, b), (b, n)):
        s = starts[(first >= lo) & (last <= hi)]
        parts.append(Split(series[s[:, None] + np.arange(window)],
                           series[s[:, None] + window + np.arange(horizon), 0]))
    info: dict[str, Any] = {
        "columns": names, "target": names[0], "window": window, "horizon": horizon, "stride": stride,
        "normalized": normalize, "mean": mean.astype(np.float32), "std": std.astype(np.float32),
        "bounds": (a, b, n), "size": n, "num_classes": None, "input_shape": (window, len(names)),
        "source": str(p)}
    return Dataset(f"csv_series:{p.name}", *parts, info)


__all__ = ["build_vocab", "load_csv_series", "load_text_file", "read_csv_columns", "tokenize"]
