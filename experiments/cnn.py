"""Convolution kinds on digits; ResNet-20 on CIFAR-10 when the files are given.

Command: ``python -m experiments.cnn`` (``--quick`` for a seconds-long run).

Part 1 (always, embedded digits 8x8x1): the same two-stage CNN
(``jn.nn.CNN((32, 64))``: conv-pool-conv-pool, global average pooling, Dense
10) with standard, dilated (rate 2) and depthwise-separable 3x3 convolutions,
Adam, ``--epochs`` epochs: test accuracy, parameters, kernel FLOPs per example
and seconds per epoch (median after the compiling first epoch).
Expected (default, seed 0, 2 CPU cores): standard ~98% test accuracy
(19,466 parameters, 628 kFLOPs/example), dilated ~96% (same size: the 8x8
images are too small for its wider receptive field to help), separable ~94%
with 6x fewer parameters and 8x fewer FLOPs -- yet no faster per epoch on CPU,
where XLA's depthwise (grouped) convolution is slow. About a minute.

Part 2 (``--data-dir DIR`` with ``cifar-10-batches-bin/`` or ``cifar-10-batches-py/``):
ResNet-20 (He et al., 2016) on CIFAR-10 with the paper's recipe: SGD with
momentum 0.9, batch 128, learning rate 0.1 divided by 10 after 50% and 75%
of training, weight decay 1e-4 on the kernels, 4-pixel padding + random
32x32 crops + horizontal flips (on the device). The full budget is
``--cifar-epochs 182`` (64k iterations, as in the paper, which reports 91.25%
test accuracy; not yet run with this code); that is a GPU run (tens of minutes); on 2 CPU cores an
epoch of ResNet-20 takes minutes, so the default is 182 epochs only when a
GPU is present and 2 otherwise. Not run in CI.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import optax

import jaxnets as jn
from experiments._common import parser, print_table, save_json


def conv_kinds(data: jn.Dataset, args: argparse.Namespace, epochs: int, features: tuple) -> list:
    """Train one CNN per convolution kind; rows of accuracy, size, cost and speed."""
    rows = []
    for kind in jn.nn.CONV_KINDS:
        model = jn.nn.CNN(features, num_classes=data.num_classes, conv=kind)
        r = jn.fit(model, jn.optim.adam(args.lr), data.train, validation=data.val, epochs=epochs,
                   batch_size=args.batch_size, seed=args.seed, verbose=not args.no_progress)
        s = jn.nn.summary(model, data.train.x[:1])
        times = r.history["time"][1:] or r.history["time"]
        rows.append({"conv": kind, "test_accuracy": jn.evaluate(r.state, data.test)["accuracy"],
                     "params": s.total_params, "kflops/example": s.flops_per_example / 1e3,
                     "sec_per_epoch": float(np.median(times)), "strategy": r.info["strategy"],
                     "loss_curve": r.history["loss"], "val_curve": r.history["val_accuracy"]})
    return rows


def crop_flip(key: jax.Array, x: jax.Array, y: jax.Array, pad: int = 4) -> tuple:
    """CIFAR augmentation on the device: zero-pad ``pad`` pixels, random crop back, random flip."""
    n, h, w, _ = x.shape
    k1, k2, k3 = jax.random.split(key, 3)
    padded = jnp.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    dy = jax.random.randint(k1, (n,), 0, 2 * pad + 1)
    dx = jax.random.randint(k2, (n,), 0, 2 * pad + 1)
    crop = jax.vmap(lambda img, i, j: jax.lax.dynamic_slice(img, (i, j, 0), (h, w, img.shape[-1])))
    out = crop(padded, dy, dx)
    flip = jax.random.bernoulli(k3, 0.5, (n, 1, 1, 1))
    return jnp.where(flip, out[:, :, ::-1, :], out), y


def resnet_sgd(steps: int, lr: float = 0.1, weight_decay: float = 1e-4) -> optax.GradientTransformation:
    """He et al.'s recipe: momentum 0.9, lr / 10 at 50% and 75% of the steps, L2 on kernels."""
    schedule = optax.piecewise_constant_schedule(lr, {steps // 2: 0.1, (3 * steps) // 4: 0.1})
    kernels = lambda params: jax.tree_util.tree_map(lambda a: a.ndim > 1, params)
    return optax.chain(optax.add_decayed_weights(weight_decay, mask=kernels),
                       optax.sgd(schedule, momentum=0.9))


def cifar_resnet(args: argparse.Namespace, p: argparse.ArgumentParser) -> dict:
    """ResNet-20 on CIFAR-10 from ``--data-dir`` (part 2)."""
    try:
        data = jn.data.load("cifar10", data_dir=args.data_dir, seed=args.seed)
    except (FileNotFoundError, ValueError) as e:
        p.error(str(e))
    train = data.train
    if args.quick:
        train = jn.data.Split(train.x[:512], train.y[:512])
    mean = train.x.mean(axis=(0, 1, 2))
    std = train.x.std(axis=(0, 1, 2))
    norm = lambda s: jn.data.Split(((s.x - mean) / std).astype(np.float32), s.y)
    epochs = 1 if args.quick else args.cifar_epochs or (182 if jax.default_backend() != "cpu" else 2)
    steps = epochs * -(-len(train) // 128)
    model = jn.nn.ResNet20(num_classes=data.num_classes)
    r = jn.fit(model, resnet_sgd(steps), norm(train), validation=norm(data.val), epochs=epochs,
               batch_size=128, seed=args.seed, augment=crop_flip, verbose=not args.no_progress)
    test = jn.evaluate(r.state, norm(data.test))
    row = {"model": "ResNet-20", "epochs": epochs, "test_accuracy": test["accuracy"],
           "params": jn.nn.summary(model, train.x[:1]).total_params,
           "sec_per_epoch": float(np.median(r.history["time"][1:] or r.history["time"]))}
    print_table("ResNet-20 on CIFAR-10", [row])
    return {**row, "history": r.history}


def main(argv: list[str] | None = None) -> dict:
    p = parser("cnn", "Standard vs dilated vs depthwise-separable CNNs on digits; "
                      "ResNet-20 on CIFAR-10 with --data-dir.")
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--data-dir", type=Path, default=None,
                   help="directory with CIFAR-10 files; runs ResNet-20 on it")
    p.add_argument("--cifar-epochs", type=int, default=None,
                   help="ResNet-20 epochs (default 182 on a GPU/TPU, 2 on CPU)")
    args = p.parse_args(argv)
    if args.epochs < 1:
        p.error("--epochs must be >= 1")
    epochs, features = (2, (8, 16)) if args.quick else (args.epochs, (32, 64))
    data = jn.data.load("digits", seed=args.seed)
    if args.quick:  # a few batches: seconds, not minutes, of compiling unrolled steps
        data = dataclasses.replace(data, train=jn.data.Split(data.train.x[:384],
                                                             data.train.y[:384]))
    rows = conv_kinds(data, args, epochs, features)
    print_table(f"CNN {features} on digits, {epochs} epochs", rows,
                ["conv", "test_accuracy", "params", "kflops/example", "sec_per_epoch", "strategy"])
    jn.viz.plot_curves({r["conv"]: r["val_curve"] for r in rows}, args.out / "val_accuracy.png",
                       ylabel="validation accuracy", title=f"CNN {features} on digits")
    results = {"args": vars(args) | {"out": str(args.out), "data_dir": str(args.data_dir)},
               "epochs": epochs, "features": features, "digits": rows}
    if args.data_dir is not None:
        results["cifar10"] = cifar_resnet(args, p)
    path = save_json(args.out, results)
    print(f"\nwrote {path} and {args.out / 'val_accuracy.png'}")
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
