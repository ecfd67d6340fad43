"""Shared plumbing for experiments: arguments, result tables, JSON and plots under runs/NAME."""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np


def parser(name: str, description: str) -> argparse.ArgumentParser:
    """An argument parser with the options every experiment has."""
    p = argparse.ArgumentParser(prog=f"python -m experiments.{name}", description=description)
    p.add_argument("--quick", action="store_true", help="tiny settings (used by the tests)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--out", type=Path, default=Path("runs") / name,
                   help=f"output directory (default runs/{name})")
    p.add_argument("--no-progress", action="store_true", help="hide progress bars")
    return p


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray) or hasattr(value, "__array__"):
        arr = np.asarray(value)
        return arr.item() if arr.ndim == 0 else arr.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value


def save_json(out: Path, results: Mapping[str, Any], filename: str = "results.json") -> Path:
    """Write ``results`` as JSON (atomically: a temporary file renamed into place)."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / filename
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(_jsonable(results), indent=2, allow_nan=True))
    os.replace(tmp, path)
    return path


def format_table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str] | None = None) -> str:
    """A plain-text table of dict rows (floats to 4 significant digits)."""
    if not rows:
        return "(no rows)"
    columns = list(columns or rows[0].keys())

    def cell(v: Any) -> str:
        if isinstance(v, float | np.floating):
            return f"{v:.4g}"
        return str(v)

    cells = [[cell(r.get(c, "")) for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
    line = "  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))
    sep = "  ".join("-" * w for w in widths)
    body = ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)) for row in cells]
    return "\n".join([line, sep, *body])


def print_table(title: str, rows: Sequence[Mapping[str, Any]],
                columns: Sequence[str] | None = None) -> None:
    print(f"\n{title}")
    print(format_table(rows, columns))
