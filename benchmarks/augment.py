"""Augmentation cost: on-device in the compiled epoch vs host-side NumPy vs PyTorch.

Command: ``python -m benchmarks.augment`` (PyTorch optional: ``pip install -e '.[bench]'``).
The same work per batch in every column: random horizontal flip, random crop with
4-pixel zero padding and an 8x8 cutout on 32x32x3 images, then one Adam step of
an MLP 3072-256-10 (small, so the augmentation's share shows). Rows:

- jaxnets fit, no augmentation (the reference cost of training alone);
- jaxnets fit with ``jn.augment`` inside the scanned epoch (per-example keys, vmapped);
- host NumPy augmentation per batch feeding a jitted train step (the loader way);
- PyTorch eager: the same augmentation with torch ops, then the same MLP step.

Steady-state samples/s, medians of repeats, side by side in one run.
"""

from __future__ import annotations

import argparse
import statistics

import jax
import jax.numpy as jnp
import numpy as np

import jaxnets as jn
from benchmarks._util import median_time, print_rows

SHAPE = (32, 32, 3)
WIDTHS = (256, 10)
PAD, CUT = 4, 8


def data(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, *SHAPE)).astype(np.float32), rng.integers(0, 10, n).astype(np.int32)


def device_augment() -> jn.augment.compose:
    return jn.augment.compose(jn.augment.random_flip(), jn.augment.random_crop(PAD),
                              jn.augment.cutout(CUT))


def fit_rate(x, y, batch: int, epochs: int, augment) -> float:
    r = jn.fit(jn.nn.MLP(WIDTHS), jn.optim.adam(1e-3), (x, y), epochs=epochs, batch_size=batch,
               verbose=False, metrics=(), augment=augment)
    return len(x) / statistics.median(r.history["time"][1:])


def numpy_augment(rng: np.random.Generator, xb: np.ndarray) -> np.ndarray:
    """Flip, pad-and-crop and cutout, one example at a time (what a host loader does)."""
    b, h, w, _ = xb.shape
    out = np.empty_like(xb)
    padded = np.pad(xb, ((0, 0), (PAD, PAD), (PAD, PAD), (0, 0)))
    for i in range(b):
        dy, dx = rng.integers(0, 2 * PAD + 1, 2)
        img = padded[i, dy:dy + h, dx:dx + w]
        if rng.random() < 0.5:
            img = img[:, ::-1]
        img = img.copy()
        cy, cx = rng.integers(0, h), rng.integers(0, w)
        img[max(cy - CUT // 2, 0):cy - CUT // 2 + CUT, max(cx - CUT // 2, 0):cx - CUT // 2 + CUT] = 0
        out[i] = img
    return out


def host_numpy_rate(x, y, batch: int, repeats: int) -> float:
    state = jn.TrainState.create(jn.nn.MLP(WIDTHS), jn.optim.adam(1e-3), x[:1])
    step = jax.jit(jn.make_train_step("cross_entropy"))
    nb, rng, mask = len(x) // batch, np.random.default_rng(0), jnp.ones((batch,), jnp.float32)
    holder = [state]

    def epoch():
        s = holder[0]
        for i in range(nb):
            xb = numpy_augment(rng, x[i * batch:(i + 1) * batch])
            s, _ = step(s, jn.Batch(jnp.asarray(xb), jnp.asarray(y[i * batch:(i + 1) * batch]),
                                    mask))
        jax.block_until_ready(s.params)
        holder[0] = s

    return nb * batch / median_time(epoch, repeats)


def torch_rate(x, y, batch: int, repeats: int, threads: int = 2) -> float:
    import torch

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    d = int(np.prod(SHAPE))
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(d, WIDTHS[0]),
                                torch.nn.ReLU(), torch.nn.Linear(*WIDTHS))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()
    nb = len(x) // batch
    xt = torch.from_numpy(x[: nb * batch]).reshape(nb, batch, *SHAPE)
    yt = torch.from_numpy(y[: nb * batch].astype(np.int64)).reshape(nb, batch)
    h, w = SHAPE[:2]
    rows, cols = torch.arange(h)[None, :, None], torch.arange(w)[None, None, :]

    def augment(xb):
        flip = torch.rand(batch) < 0.5
        xb = torch.where(flip[:, None, None, None], xb.flip(2), xb)
        padded = torch.nn.functional.pad(xb, (0, 0, PAD, PAD, PAD, PAD))
        off = torch.randint(0, 2 * PAD + 1, (batch, 2))
        xb = torch.stack([padded[i, off[i, 0]:off[i, 0] + h, off[i, 1]:off[i, 1] + w]
                          for i in range(batch)])
        cy, cx = torch.randint(0, h, (batch, 1, 1)), torch.randint(0, w, (batch, 1, 1))
        inside = ((rows >= cy - CUT // 2) & (rows < cy - CUT // 2 + CUT)
                  & (cols >= cx - CUT // 2) & (cols < cx - CUT // 2 + CUT))
        return xb.masked_fill(inside[..., None], 0.0)

    def epoch():
        for i in range(nb):
            opt.zero_grad(set_to_none=True)
            loss_fn(model(augment(xt[i])), yt[i]).backward()
            opt.step()

    return nb * batch / median_time(epoch, repeats)


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(prog="python -m benchmarks.augment", description=__doc__)
    p.add_argument("--examples", type=int, default=128 * 16)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args(argv)
    x, y = data(args.examples)
    rows = [("jaxnets fit, no augmentation", fit_rate(x, y, args.batch, args.repeats + 1, None)),
            ("jaxnets fit + jn.augment on device",
             fit_rate(x, y, args.batch, args.repeats + 1, device_augment())),
            ("host NumPy augment + jitted step", host_numpy_rate(x, y, args.batch, args.repeats))]
    try:
        rows.append(("PyTorch eager augment + step", torch_rate(x, y, args.batch, args.repeats)))
    except ImportError:
        print("PyTorch not installed: pip install -e '.[bench]' to compare")
    print_rows(f"flip + crop(pad {PAD}) + cutout {CUT} on 32x32x3, MLP 3072-256-10, batch "
               f"{args.batch}, {jax.default_backend()}", rows, "samples/s",
               "jaxnets fit + jn.augment on device")
    return {"rows": rows}


if __name__ == "__main__":
    main()
