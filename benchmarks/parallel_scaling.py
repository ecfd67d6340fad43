"""Data-parallel ``fit`` samples/s on 1, 2, 4 and 8 simulated CPU devices.

Command: ``python -m benchmarks.parallel_scaling``.
The simulated devices share this machine's cores, so this measures the
overhead of sharding (partitioned compilation, collectives), not speed-up.
On real hardware run the same module with ``--real`` on a GPU/TPU host: it uses
the devices present (``jax.local_devices()``) instead of simulating them, and
the ratio to one device is the scaling efficiency times the device count.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys


def measure(devices: int, examples: int, batch: int, epochs: int) -> float:
    import numpy as np

    import jaxnets as jn

    rng = np.random.default_rng(0)
    x = rng.normal(size=(examples, 256)).astype(np.float32)
    y = rng.integers(0, 10, examples).astype(np.int32)
    r = jn.fit(jn.nn.MLP((512, 512, 10)), jn.optim.adam(1e-3), (x, y), epochs=epochs,
               batch_size=batch, verbose=False, metrics=(), mesh=jn.parallel.data_mesh(devices))
    return examples / statistics.median(r.history["time"][1:])


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m benchmarks.parallel_scaling", description=__doc__)
    p.add_argument("--examples", type=int, default=256 * 20)
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--epochs", type=int, default=6)
    p.add_argument("--real", action="store_true", help="use the real local devices")
    p.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        print(json.dumps(measure(args.child, args.examples, args.batch, args.epochs)))
        return
    import jax

    counts = [n for n in (1, 2, 4, 8) if not args.real or n <= jax.local_device_count()]
    rates = {}
    for n in counts:
        env = dict(os.environ)
        if not args.real:
            env["XLA_FLAGS"] = "--xla_force_host_platform_device_count=8"
        cmd = [sys.executable, "-m", "benchmarks.parallel_scaling", "--child", str(n),
               "--examples", str(args.examples), "--batch", str(args.batch),
               "--epochs", str(args.epochs)]
        out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stdout
        rates[n] = float(out.strip().splitlines()[-1])
    kind = "real" if args.real else "simulated CPU"
    print(f"\nMLP 256-512-512-10, batch {args.batch}, data parallel over {kind} devices")
    for n, r in rates.items():
        print(f"  {n} device(s): {r:10.0f} samples/s   {r / rates[1]:5.2f}x one device")


if __name__ == "__main__":
    main()
