"""LSTM character-LM training throughput: jaxnets ``fit`` vs PyTorch eager vs Keras 3 (JAX).

Command: ``python -m benchmarks.lstm`` (PyTorch and Keras are optional: ``pip install -e '.[bench]'``).
The shapes of issue #3: sequences of length 50, input width 32 (an embedding of
a 32-symbol vocabulary), one LSTM layer of 128 units, a Dense(32) next-token
head on every step, batch 64, Adam, per-token cross-entropy. Steady-state
training samples/s (sequences/s), medians of repeated epochs, side by side in
one run; ratios against PyTorch eager with 2 threads.

jaxnets variants: the scan over time with ``unroll`` 1 and 2 steps per loop
iteration; the input projection of all time steps is always one matrix product
outside the scan (see ``jaxnets.nn.recurrent``).

Contenders run in turns, one epoch each per round (``benchmarks._util.interleaved``);
ratios are medians over rounds. Measured 2026-11-28 on the idle machine (8
rounds): ``fit`` unroll 1 2066 samples/s, unroll 2 2151, Keras 3 2036, PyTorch
eager 4224: ``fit`` is 0.48x PyTorch and 0.96-0.99x Keras 3, about 21% of the
matmul peak; issue #3's target is not met. (An earlier 1.87x was timed one
contender after another under heavy load; it is withdrawn.) PyTorch runs the
whole sequence in fused oneDNN LSTM kernels; here each time step is a scan
iteration whose products (64x128 @ 128x512) are too small for XLA-CPU to run
near peak. Unrolling 5 steps was about 3x slower, so unroll 1 stays the default.
"""

from __future__ import annotations

import argparse
import os
import statistics

import numpy as np

VOCAB, EMBED, HIDDEN, LENGTH = 32, 32, 128, 50
# forward 2 flops per weight per step (LSTM 4H(H+E), head H*V); backward twice that
FLOPS_PER_SAMPLE = 6 * LENGTH * (4 * HIDDEN * (HIDDEN + EMBED) + HIDDEN * VOCAB)


def data(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Random token windows [n, LENGTH + 1] cut into inputs and next-token targets."""
    ids = np.random.default_rng(seed).integers(0, VOCAB, (n, LENGTH + 1)).astype(np.int32)
    return ids[:, :-1], ids[:, 1:]


def fit_run(x: np.ndarray, y: np.ndarray, batch: int, epochs: int, unroll: int):
    """``jn.fit`` of the char LM as ``callbacks -> FitResult`` (for ``interleaved``)."""
    import jaxnets as jn

    model = jn.nn.CharLM(VOCAB, embed_dim=EMBED, features=HIDDEN, unroll=unroll)
    return lambda callbacks: jn.fit(model, jn.optim.adam(1e-3), (x, y),
                                    loss="sequence_cross_entropy", epochs=epochs,
                                    batch_size=batch, verbose=False, metrics=(),
                                    callbacks=callbacks)


def torch_eager(x: np.ndarray, y: np.ndarray, batch: int, threads: int = 2):
    """One epoch in PyTorch eager mode (a callable)."""
    import torch

    torch.set_num_threads(threads)
    torch.manual_seed(0)

    class LM(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.embed = torch.nn.Embedding(VOCAB, EMBED)
            self.lstm = torch.nn.LSTM(EMBED, HIDDEN, batch_first=True)
            self.head = torch.nn.Linear(HIDDEN, VOCAB)

        def forward(self, t: torch.Tensor) -> torch.Tensor:
            return self.head(self.lstm(self.embed(t))[0])

    model = LM()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()
    nb = len(x) // batch
    xt = torch.from_numpy(x[: nb * batch].astype(np.int64)).reshape(nb, batch, LENGTH)
    yt = torch.from_numpy(y[: nb * batch].astype(np.int64)).reshape(nb, batch, LENGTH)

    def epoch() -> None:
        for i in range(nb):
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(xt[i]).reshape(-1, VOCAB), yt[i].reshape(-1))
            loss.backward()
            opt.step()

    return epoch


def keras_jax(x: np.ndarray, y: np.ndarray, batch: int):
    """One epoch of Keras 3's ``fit`` on the JAX backend (a callable)."""
    os.environ.setdefault("KERAS_BACKEND", "jax")
    import keras

    if keras.backend.backend() != "jax":
        raise RuntimeError(f"Keras runs on {keras.backend.backend()!r}, not 'jax'")
    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.Input((LENGTH,), dtype="int32"),
        keras.layers.Embedding(VOCAB, EMBED),
        keras.layers.LSTM(HIDDEN, return_sequences=True),
        keras.layers.Dense(VOCAB),
    ])
    model.compile(optimizer=keras.optimizers.Adam(1e-3),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    nb = len(x) // batch
    xs, ys = x[: nb * batch], y[: nb * batch]
    return lambda: model.fit(xs, ys, batch_size=batch, epochs=1, verbose=0, shuffle=False)


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(prog="python -m benchmarks.lstm", description=__doc__)
    p.add_argument("--examples", type=int, default=64 * 20)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--rounds", type=int, default=8, help="measured epochs of every contender")
    p.add_argument("--unrolls", type=int, nargs="+", default=[1, 2])
    args = p.parse_args(argv)
    os.environ.setdefault("KERAS_BACKEND", "jax")
    import jax

    from benchmarks._util import interleaved, matmul_peak_gflops, print_table, round_ratio

    x, y = data(args.examples)
    n = len(x) // args.batch * args.batch
    peers = {}
    for name, make in (("Keras 3 (JAX backend)", keras_jax),
                       ("PyTorch eager (2 threads)", torch_eager)):
        try:
            peers[name] = make(x, y, args.batch)
        except ImportError as e:
            print(f"{name} skipped: {e} (pip install -e '.[bench]')")
    ref = list(peers)[-1] if peers else None
    rows, peer_rows, vs_keras = [], [], {}
    for u in args.unrolls:  # every variant in its own rounds, against every peer
        times = interleaved(fit_run(x, y, args.batch, args.rounds + 1, u), peers)
        rows.append((f"jaxnets fit, unroll {u}", n / statistics.median(times["fit"]),
                     round_ratio(times, "fit", ref) if ref else None))
        if "Keras 3 (JAX backend)" in peers:
            vs_keras[u] = round_ratio(times, "fit", "Keras 3 (JAX backend)")
        if not peer_rows:
            peer_rows = [(k, n / statistics.median(times[k]), round_ratio(times, k, ref))
                         for k in peers]
    print_table(f"LSTM char LM: length {LENGTH}, input {EMBED}, hidden {HIDDEN}, vocab {VOCAB}, "
                f"batch {args.batch}, Adam, {jax.default_backend()} ({args.rounds} interleaved "
                "rounds; ratio = median over rounds)", rows + peer_rows, "samples/s", ref or "")
    for u, r in vs_keras.items():
        print(f"  fit unroll {u} / Keras 3: {r:.2f}x")
    peak = matmul_peak_gflops()
    best = max(v for _, v, _ in rows)
    achieved = best * FLOPS_PER_SAMPLE / 1e9
    print(f"\n  XLA f32 matmul peak {peak:.1f} GFLOP/s; best jaxnets run reaches {achieved:.1f} "
          f"GFLOP/s = {achieved / peak:.0%} of it")
    return {"rows": rows + peer_rows, "peak_gflops": peak, "fit_gflops": achieved}


if __name__ == "__main__":
    main()
