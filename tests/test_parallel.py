"""Multi-device behaviour, on 8 simulated CPU devices in a subprocess."""

import os
import subprocess
import sys
from pathlib import Path

import jax
import numpy as np
import pytest

import jaxnets as jn

ROOT = Path(__file__).resolve().parents[1]


def _run(*checks: str) -> str:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}
    proc = subprocess.run([sys.executable, "-m", "tests._multidevice", *checks], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def test_multidevice_checks():
    out = _run()
    for name in ("check_data_parallel_equals_single_device", "check_batch_not_divisible_by_devices",
                 "check_pmap_step_equals_sharded_step",
                 "check_sharded_population_equals_unsharded"):
        assert f"PASS {name}" in out


def test_data_mesh_on_one_device():
    mesh = jn.parallel.data_mesh()
    assert mesh.axis_names == ("data",) and mesh.size == jax.device_count()
    with pytest.raises(ValueError, match=r"devices must be between 1 and"):
        jn.parallel.data_mesh(jax.device_count() + 1)


def test_host_shard_partitions_the_data():
    x, y = np.arange(10)[:, None], np.arange(10)
    parts = [jn.parallel.host_shard(x, y, process_index=i, process_count=3) for i in range(3)]
    np.testing.assert_array_equal(np.concatenate([p[1] for p in parts]), y)
    assert sorted(len(p[1]) for p in parts) == [3, 3, 4]
    with pytest.raises(ValueError, match=r"process_index must be in \[0, 3\)"):
        jn.parallel.host_shard(x, y, process_index=3, process_count=3)


def test_split_batch_pads_with_masked_examples():
    b = jn.Batch(np.ones((5, 2), np.float32), np.zeros(5, np.int32), np.ones(5, np.float32))
    s = jn.parallel.split_batch(b, 4)
    assert s.x.shape == (4, 2, 2) and float(s.mask.sum()) == 5
