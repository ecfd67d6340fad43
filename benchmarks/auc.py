"""Exact streaming AUC-ROC vs bucketed AUC (Keras) vs scikit-learn: error and time.

Command: ``python -m benchmarks.auc [--n 100000] [--batch 1000]``.

The same binary scores are streamed batch by batch into jaxnets' exact ``AUCROC``
state (inside one ``lax.scan``, as in a compiled evaluation epoch) and into
Keras 3's ``keras.metrics.AUC`` (JAX backend; a histogram over ``num_thresholds``
evenly spaced thresholds, which is what Keras and metrax compute), and scored
at once by scikit-learn's ``roc_auc_score`` (float64, the reference). Two score
distributions: moderate logits, and confident ones (logits x 8, probabilities
pushed against 0 and 1, where a fixed grid of thresholds loses the ranking).
Reports |AUC - scikit-learn| and the wall time, with time ratios to scikit-learn.
"""

from __future__ import annotations

import argparse
import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.metrics import roc_auc_score  # noqa: E402

import jaxnets as jn  # noqa: E402
from benchmarks._util import median_time  # noqa: E402


def scores(n: int, scale: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Imbalanced labels (20% positive) and logits that separate them imperfectly."""
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.2).astype(np.int32)
    z = (rng.normal(size=n) + 1.2 * y) * scale
    return z.astype(np.float32), y


def jaxnets_streaming(z: np.ndarray, y: np.ndarray, batch: int):
    """A compiled function: scan over batches updating the exact AUC state, then compute."""
    metric = jn.metrics.AUCROC()
    nb = len(z) // batch
    zb, yb = jnp.asarray(z[: nb * batch]).reshape(nb, batch), jnp.asarray(y[: nb * batch]).reshape(
        nb, batch)

    @jax.jit
    def run(zb, yb):
        def body(state, xs):
            return metric.update(state, xs[0], xs[1]), None

        state, _ = jax.lax.scan(body, metric.init(nb * batch, 2), (zb, yb))
        return metric.compute(state)

    return lambda: run(zb, yb).block_until_ready()


def keras_streaming(p: np.ndarray, y: np.ndarray, batch: int, thresholds: int):
    import keras

    metric = keras.metrics.AUC(num_thresholds=thresholds)
    nb = len(p) // batch
    pb, yb = p[: nb * batch].reshape(nb, batch), y[: nb * batch].reshape(nb, batch)

    def run():
        metric.reset_state()
        for i in range(nb):
            metric.update_state(yb[i], pb[i])
        return float(metric.result())

    return run


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.auc", description=__doc__)
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--batch", type=int, default=1000)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args(argv)
    n = args.n - args.n % args.batch
    print(f"{n} examples in batches of {args.batch}, backend {jax.default_backend()}; "
          "times are medians, measured side by side in this run")
    for label, scale in (("moderate logits", 1.0), ("confident logits (x8)", 8.0)):
        z, y = scores(n, scale)
        p = (1 / (1 + np.exp(-z.astype(np.float64)))).astype(np.float32)
        exact = roc_auc_score(y, z)
        one_shot = jax.jit(jn.metrics.auc_roc)
        runs = {
            "scikit-learn roc_auc_score (float64)": lambda y=y, z=z: roc_auc_score(y, z),
            "jaxnets AUCROC, exact, streamed in a scan": jaxnets_streaming(z, y, args.batch),
            "jaxnets auc_roc one-shot, jitted":
                lambda y=y, z=z, f=one_shot: f(z, y).block_until_ready(),
        }
        for t in (200, 10_000):
            runs[f"keras.metrics.AUC({t} thresholds), streamed"] = keras_streaming(
                p, y, args.batch, t)
        print(f"\n{label}: scikit-learn AUC {exact:.6f}")
        base = None
        for name, fn in runs.items():
            value = float(fn())
            seconds = median_time(fn, repeats=args.repeats)
            base = base or seconds
            print(f"  {name:<44} AUC {value:.6f}  |error| {abs(value - exact):.1e}  "
                  f"{seconds * 1e3:9.1f} ms  {seconds / base:6.2f}x scikit-learn")


if __name__ == "__main__":
    main()
