"""SIGKILL a training process at random points (during training and during saving), resume
each time, and compare every leaf of the final state with the uninterrupted run, exactly."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from jaxnets.train import checkpoint as ckpt

ROOT = Path(__file__).resolve().parents[1]
EPOCHS = 20  # 4 steps per epoch, 80 steps, a save every 3 steps


def start(directory: Path, out: Path) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=f"{ROOT / 'src'}{os.pathsep}{ROOT}", JAX_PLATFORMS="cpu")
    return subprocess.Popen([sys.executable, "-m", "tests._ckpt_worker", str(directory),
                             str(out), str(EPOCHS)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)


def finish(directory: Path, out: Path) -> dict:
    proc = start(directory, out)
    stdout, _ = proc.communicate(timeout=300)
    assert proc.returncode == 0 and "DONE" in stdout, stdout[-2000:]
    with np.load(out) as f:
        return {k: f[k] for k in f.files}


def kill_during(proc: subprocess.Popen, saves: int, delay: float) -> int:
    """Kill after the ``saves``-th dispatched save plus ``delay`` s (0: while it is written)."""
    seen = 0
    for line in proc.stdout:
        if line.startswith("SAVE"):
            seen += 1
            if seen >= saves:
                break
        if line.startswith("DONE"):
            break
    if delay:
        time.sleep(delay)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    return seen


@pytest.mark.slow
def test_sigkill_at_random_points_then_resume_is_bitwise_identical(tmp_path):
    reference = finish(tmp_path / "reference", tmp_path / "reference.npz")
    rng = random.Random(0)
    directory = tmp_path / "killed"
    leftovers_seen = 0
    for i in range(7):
        # even kills: right after a save is dispatched (its files are being written);
        # odd kills: at a random moment of training after some saves
        delay = 0.0 if i % 2 == 0 else rng.uniform(0.05, 0.4)
        kill_during(start(directory, tmp_path / "never.npz"), rng.randint(1, 2), delay)
        leftovers_seen += sum(1 for p in directory.iterdir() if ".orbax-checkpoint-tmp" in p.name) \
            if directory.exists() else 0
        found = ckpt.list_checkpoints(directory)
        assert found, "every kill comes after at least one dispatched save"
        ckpt.read_meta(found[-1])  # the latest complete checkpoint is readable
    assert not (tmp_path / "never.npz").exists()  # no run got to the end
    resumed = finish(directory, tmp_path / "resumed.npz")
    assert not any(".orbax-checkpoint-tmp" in p.name for p in directory.iterdir())
    assert reference.keys() == resumed.keys()
    for k in reference:
        np.testing.assert_array_equal(resumed[k], reference[k], err_msg=k)
    print(f"leftover temporary directories seen after kills: {leftovers_seen}")
