"""Checkpoint resume and restore on 8 simulated CPU devices (a subprocess: see
tests/_multidevice_ckpt.py)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_checkpoint_on_8_devices():
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}
    proc = subprocess.run([sys.executable, "-m", "tests._multidevice_ckpt"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr[-4000:]
    for name in ("check_resume_on_8_devices_is_bitwise_identical",
                 "check_restore_onto_other_device_counts"):
        assert f"PASS {name}" in proc.stdout
