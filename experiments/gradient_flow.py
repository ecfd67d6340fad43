"""Gradient flow: vanishing gradients in deep MLPs, exploding gradients in RNNs, and the cures.

Command: ``python -m experiments.gradient_flow`` (``--quick`` for a seconds-long run).

Part 1 (deep MLPs, 30 hidden layers of 64 units, on a batch of digits): the
per-layer gradient norms at initialisation of sigmoid (Glorot), tanh (Glorot),
ReLU + He, and ReLU + He + batch norm + residual connections.
Expected: sigmoid's first-layer gradient is ~1e-7 of its last hidden layer's at
depth 12 and underflows to exactly 0 in float32 at depth 30 (24 layers flagged
as vanishing); tanh with Glorot and ReLU with He stay within ~3x at
initialisation; ReLU + He + batch norm + residual within ~10x (the claim of
issue #3: within 100x), with no warnings.

Part 2 (an Elman RNN, tanh, 32 units, recurrent kernel orthogonal x gain,
reading out its last input from its last state): the gradient norm at
initialisation grows exponentially with the sequence length when the gain is
above 1 (about 1e6 at length 100 with gain 2), then SGD on length-100
sequences (gain 1.5) with and without ``optax.clip_by_global_norm(1)``.
Expected (seed 0): gradient norm at T=100 is 1.6 (gain 1), 81 (gain 1.5) and
1.2e6 (gain 2). Without clipping the gradient norm reaches ~2e5 and one step
throws the loss from ~1 to ~5e4 (the exploding gradient); with clipping the
worst loss is ~2 and training ends at a slightly lower loss.
Writes runs/gradient_flow/{results.json, mlp_gradients.png, rnn_gradients.png,
rnn_training.png}. About a minute on 2 CPU cores.
"""

from __future__ import annotations

import math
import re
import sys

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import optax

import jaxnets as jn
from experiments._common import parser, print_table, save_json

MLP_CONFIGS = {
    "sigmoid, Glorot": {"activation": "sigmoid", "kernel_init": "glorot_normal"},
    "tanh, Glorot": {"activation": "tanh", "kernel_init": "glorot_normal"},
    "ReLU, He": {"activation": "relu", "kernel_init": "he_normal"},
    "ReLU, He, batch norm, residual": {"activation": "relu", "kernel_init": "he_normal",
                                       "batch_norm": True, "residual": True},
}


# --------------------------------------------------------------------------- part 1


def mlp_layer_gradients(model: nn.Module, x: np.ndarray, y: np.ndarray, seed: int) -> list[float]:
    """Per-layer gradient norms (dense layers in depth order) of the mean cross-entropy at init.

    Training mode, so batch norm normalises with the batch statistics as it would in a step.
    """
    variables = model.init(jax.random.key(seed), x[:1])
    rest = {k: v for k, v in variables.items() if k != "params"}

    def loss(params: dict) -> jax.Array:
        logits, _ = model.apply({"params": params, **rest}, x, train=True, mutable=list(rest))
        return jnp.mean(jn.losses.cross_entropy(logits, y))

    norms = jn.diagnostics.layer_norms(jax.jit(jax.grad(loss))(variables["params"]))
    dense = {int(m.group(1)): float(v) for k, v in norms.items()
             if (m := re.fullmatch(r"dense_(\d+)", k))}
    return [dense[i] for i in sorted(dense)]


def _ratio(a: float, b: float) -> float:
    """``a / b``, infinite when ``b`` underflowed to zero (float32 gradients do at depth 30)."""
    return a / b if b > 0 else math.inf


def part_mlp(args, x: np.ndarray, y: np.ndarray) -> tuple[list[dict], dict[str, list[float]]]:
    rows, curves = [], {}
    for name, cfg in MLP_CONFIGS.items():
        model = jn.nn.MLP((*([args.width] * args.depth), 10), **cfg)
        norms = mlp_layer_gradients(model, x, y, args.seed)
        hidden = norms[:-1]  # the hidden layers; the output layer is the reference "last"
        warnings = jn.diagnostics.flow_warnings({f"dense_{i}": v for i, v in enumerate(norms)})
        rows.append({"network": name, "first layer": norms[0], "last hidden": hidden[-1],
                     "output layer": norms[-1], "last / first": _ratio(hidden[-1], norms[0]),
                     "max / min (hidden)": _ratio(max(hidden), min(hidden)),
                     "warnings": len(warnings)})
        curves[name] = norms
    return rows, curves


# --------------------------------------------------------------------------- part 2


class ReadoutRNN(nn.Module):
    """Elman RNN whose last state feeds a linear readout; recurrent kernel orthogonal x gain."""

    features: int = 32
    gain: float = 2.0

    @nn.compact
    def __call__(self, x: jax.Array, train: bool = False) -> jax.Array:
        h = jn.nn.SimpleRNN(self.features, return_sequences=False,
                            recurrent_init=jax.nn.initializers.orthogonal(self.gain))(x)
        return nn.Dense(1)(h)


def recall_data(n: int, length: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Inputs N(0, 1) [n, length, 1]; the target is the last input [n, 1].

    The readout is easy, but the loss's gradient reaches the recurrent kernel
    through every earlier step, so it explodes with the length when the gain is above 1.
    """
    x = np.random.default_rng(seed).normal(size=(n, length, 1)).astype(np.float32)
    return x, x[:, -1].copy()


def init_gradient_norm(model: nn.Module, x: np.ndarray, y: np.ndarray, seed: int) -> float:
    """Global norm of the mean-squared-error gradient at initialisation."""
    v = model.init(jax.random.key(seed), x[:1])
    g = jax.grad(lambda p: jnp.mean(jn.losses.mse(model.apply({"params": p}, x), y)))(v["params"])
    return float(jn.train.step.global_norm(g))


def gradient_vs_length(args) -> list[dict]:
    rows = []
    for gain in args.gains:
        row: dict = {"gain": gain}
        for length in args.lengths:
            x, y = recall_data(64, length, args.seed)
            row[f"T={length}"] = init_gradient_norm(ReadoutRNN(gain=gain), x, y, args.seed)
        rows.append(row)
    return rows


def train_rnn(args, clip: float | None) -> dict[str, list[float]]:
    """SGD steps on length-``args.length`` sequences; per-step loss and gradient norm."""
    x, y = recall_data(args.steps * args.batch_size, args.length, args.seed + 1)
    sgd = optax.sgd(args.lr)
    tx = optax.chain(optax.clip_by_global_norm(clip), sgd) if clip else sgd
    model = ReadoutRNN(gain=args.gain)
    state = jn.TrainState.create(model, tx, x[:1], seed=args.seed, loss="mse", metrics=())
    step = jax.jit(jn.make_train_step("mse", skip_nonfinite=False))
    losses, norms = [], []
    for i in range(args.steps):
        s = slice(i * args.batch_size, (i + 1) * args.batch_size)
        batch = jn.Batch(jnp.asarray(x[s]), jnp.asarray(y[s]), jnp.ones(args.batch_size, bool))
        state, m = step(state, batch)
        losses.append(float(m["loss"]))
        norms.append(float(m["grad_norm"]))
    return {"loss": losses, "grad_norm": norms}


def _summary(name: str, run: dict[str, list[float]]) -> dict:
    loss = np.array(run["loss"])
    finite = np.isfinite(loss)
    first_bad = int(np.argmin(finite)) if not finite.all() else None
    tail = loss[finite][-10:]
    return {"training": name, "initial loss": float(loss[0]),
            "worst loss": float(np.max(loss[finite])),
            "final loss (last 10 finite)": float(tail.mean()) if len(tail) else math.nan,
            "max grad norm": float(np.nanmax(np.where(np.isfinite(run["grad_norm"]),
                                                      run["grad_norm"], np.nan))),
            "non-finite steps": int((~finite).sum()),
            "first non-finite step": first_bad if first_bad is not None else "none"}


# --------------------------------------------------------------------------- plots & main


def _plot_mlp(curves: dict[str, list[float]], path) -> None:
    plt = jn.viz.plt
    fig, ax = plt.subplots(figsize=(7, 4))
    for name, norms in curves.items():
        ax.plot(range(1, len(norms) + 1), norms, marker=".", label=name)
    ax.set_yscale("log")
    ax.set_xlabel("layer (1 = input side)")
    ax.set_ylabel("gradient norm at initialisation")
    ax.set_title(f"{len(next(iter(curves.values()))) - 1}-hidden-layer MLPs on digits")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def _plot_rnn(length_rows: list[dict], runs: dict[str, dict], out) -> None:
    plt = jn.viz.plt
    fig, ax = plt.subplots(figsize=(6, 4))
    for row in length_rows:
        lengths = [int(k[2:]) for k in row if k.startswith("T=")]
        ax.plot(lengths, [row[f"T={t}"] for t in lengths], marker="o", label=f"gain {row['gain']}")
    ax.set_yscale("log")
    ax.set_xlabel("sequence length")
    ax.set_ylabel("gradient norm at initialisation")
    ax.set_title("Elman RNN (tanh): gradient norm vs length")
    ax.legend()
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(out / "rnn_gradients.png", dpi=120)
    plt.close(fig)
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    for name, run in runs.items():
        axes[0].plot(run["loss"], label=name)
        axes[1].plot(run["grad_norm"], label=name)
    for ax, label in zip(axes, ("training loss (MSE)", "gradient norm"), strict=True):
        ax.set_yscale("log")
        ax.set_xlabel("SGD step")
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    fig.savefig(out / "rnn_training.png", dpi=120)
    plt.close(fig)


def main(argv: list[str] | None = None) -> dict:
    p = parser("gradient_flow", "Per-layer gradient norms of deep MLPs; exploding RNN gradients.")
    p.add_argument("--depth", type=int, default=30, help="hidden layers of the MLPs")
    p.add_argument("--width", type=int, default=64)
    p.add_argument("--gains", type=float, nargs="+", default=[1.0, 1.5, 2.0])
    p.add_argument("--lengths", type=int, nargs="+", default=[10, 25, 50, 100])
    p.add_argument("--gain", type=float, default=1.5, help="recurrent gain for the training runs")
    p.add_argument("--length", type=int, default=100, help="sequence length for the training runs")
    p.add_argument("--steps", type=int, default=150)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--lr", type=float, default=0.05)
    p.add_argument("--clip", type=float, default=1.0)
    args = p.parse_args(argv)
    if args.quick:
        args.depth, args.lengths, args.length, args.steps, args.gain = 12, [10, 50], 50, 30, 2.0
    if args.depth < 2 or args.steps < 1 or min(args.lengths) < 1:
        p.error("--depth must be >= 2, --steps >= 1 and every length >= 1")

    digits = jn.data.load("digits", flatten=True, seed=args.seed)
    mlp_rows, mlp_curves = part_mlp(args, digits.train.x[:256], digits.train.y[:256])
    print_table(f"gradient norms at initialisation, MLPs with {args.depth} hidden layers of "
                f"{args.width} (batch of 256 digits)", mlp_rows)
    length_rows = gradient_vs_length(args)
    print_table("Elman RNN: global gradient norm at initialisation vs sequence length", length_rows)
    runs = {"SGD": train_rnn(args, None), f"SGD + clip_by_global_norm({args.clip:g})":
            train_rnn(args, args.clip)}
    train_rows = [_summary(name, run) for name, run in runs.items()]
    print_table(f"SGD (lr {args.lr:g}) on length-{args.length} sequences, recurrent gain "
                f"{args.gain:g}, {args.steps} steps", train_rows)

    args.out.mkdir(parents=True, exist_ok=True)
    _plot_mlp(mlp_curves, args.out / "mlp_gradients.png")
    _plot_rnn(length_rows, runs, args.out)
    results = {"args": vars(args) | {"out": str(args.out)}, "mlp": mlp_rows,
               "mlp_layer_norms": mlp_curves, "rnn_gradient_vs_length": length_rows,
               "rnn_training": train_rows, "rnn_runs": runs}
    path = save_json(args.out, results)
    print(f"\nwrote {path} and the plots mlp_gradients.png, rnn_gradients.png, rnn_training.png")
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
