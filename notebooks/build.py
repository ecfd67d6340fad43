"""Build the Colab-ready notebooks from the cell sources below.

Command: ``python notebooks/build.py`` (rewrites notebooks/*.ipynb). The notebooks
are executed by the test suite (tests/test_notebooks.py) with
``JAXNETS_QUICK=1``, which shrinks every run so none can rot.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent

SETUP = '''# Colab: install jaxnets (from PyPI, or from JAXNETS_SOURCE: a path or a git URL).
import os, subprocess, sys
if "google.colab" in sys.modules:
    subprocess.run([sys.executable, "-m", "pip", "install", "-q",
                    os.environ.get("JAXNETS_SOURCE", "jaxnets")], check=True)

import jax
import jaxnets as jn
QUICK = os.environ.get("JAXNETS_QUICK") == "1"   # tiny settings (the test suite sets it)
print(f"backend: {jax.default_backend()}, devices: {jax.device_count()}, jaxnets {jn.__version__}")'''


def notebook(title: str, intro: str, cells: list[tuple[str, str]]) -> nbformat.NotebookNode:
    nb = new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["colab"] = {"provenance": []}
    nb.metadata["accelerator"] = "TPU"
    nb.cells = [new_markdown_cell(f"# {title}\n\n{intro}"), new_code_cell(SETUP)]
    for kind, source in cells:
        nb.cells.append(new_markdown_cell(source) if kind == "md" else new_code_cell(source))
    return nb


NOTEBOOKS: dict[str, nbformat.NotebookNode] = {}

NOTEBOOKS["01_quickstart"] = notebook(
    "jaxnets quickstart",
    "Train an MLP on the embedded digits data, evaluate it, and look inside the pure train step.",
    [
        ("md", "## Data: ships with scikit-learn, nothing is downloaded"),
        ("code", '''data = jn.data.load("digits", seed=0)
print(data, data.train.x.shape, data.train.y[:10])'''),
        ("md", "## Model, optimizer, fit\n`fit` compiles a whole epoch into one `lax.scan`; "
               "the progress bar advances once per epoch."),
        ("code", '''model = jn.nn.MLP((128, 64, 10), activation="relu", kernel_init="he_normal")
result = jn.fit(model, jn.optim.adam(3e-3), data.train, validation=data.val,
                loss="cross_entropy", metrics=("accuracy",),
                epochs=3 if QUICK else 30, batch_size=64, seed=0)
print({k: round(v[-1], 4) for k, v in result.history.items()})'''),
        ("code", '''print(jn.evaluate(result.state, data.test))
jn.viz.plot_history(result.history, metrics=("loss", "accuracy"));'''),
        ("md", "## The step is a pure function\n`(state, batch) -> (state, metrics)`: jit it, "
               "vmap it, scan it. Same seed and data give bitwise-identical parameters."),
        ("code", '''import jax.numpy as jnp
step = jax.jit(jn.make_train_step("cross_entropy"))
batch = jn.Batch(jnp.asarray(data.train.x[:32]), jnp.asarray(data.train.y[:32]), jnp.ones(32))
state, metrics = step(result.state, batch)
print(int(state.step), float(metrics["loss"]))
again = jn.fit(model, jn.optim.adam(3e-3), data.train, epochs=2, batch_size=64, seed=0, verbose=False)
same = jn.fit(model, jn.optim.adam(3e-3), data.train, epochs=2, batch_size=64, seed=0, verbose=False)
print("bitwise identical:", all(bool((a == b).all()) for a, b in zip(
    jax.tree_util.tree_leaves(again.state.params), jax.tree_util.tree_leaves(same.state.params))))'''),
        ("md", "## XOR, done right\nA hidden nonlinearity and a symmetry-breaking "
               "initialisation (the chapter's zero-initialised, linear network cannot learn it)."),
        ("code", '''import numpy as np
X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], np.float32); Y = np.array([0, 1, 1, 0])
for init in ("glorot_uniform", "zeros"):
    r = jn.fit(jn.nn.MLP((4, 2), activation="tanh", kernel_init=init), jn.optim.adam(0.05),
               (X, Y), epochs=300, batch_size=None, verbose=False)
    print(init, "accuracy", jn.evaluate(r.state, (X, Y))["accuracy"])'''),
    ],
)


NOTEBOOKS["04_optimizers"] = notebook(
    "Losses, optimizers and learning-rate schedules",
    "Per-example losses, optimizers as Optax transformations (AdaBound included), schedules "
    "(cyclical, warm restarts, one-cycle) and plateau reduction, all usable from `fit`.",
    [
        ("md", "## Losses are per-example\nFocal loss down-weights easy examples; with "
               "`gamma=0` it is cross-entropy. Huber is quadratic near zero and linear beyond `delta`."),
        ("code", '''import jax.numpy as jnp
import numpy as np
z = jnp.linspace(-6, 6, 121)
ones = jnp.ones_like(z)
curves = {"cross-entropy": jn.losses.binary_cross_entropy(z, ones),
          **{f"focal gamma={g}": jn.losses.focal(z, ones, gamma=g) for g in (0.5, 2.0, 5.0)}}
ax = jn.viz.plt.figure(figsize=(5, 3)).gca()
for name, c in curves.items():
    ax.plot(z, c, label=name)
ax.set_xlabel("logit of the true class"); ax.legend();
print("huber(e=0.5), huber(e=3):", jn.losses.huber(jnp.array([[0.5], [3.0]]), jnp.zeros((2, 1))))'''),
        ("md", "## Compare optimizers on the same network, data and seed"),
        ("code", '''data = jn.data.load("digits", seed=0)
model = jn.nn.MLP((64, 10), activation="relu", kernel_init="he_normal")
epochs = 2 if QUICK else 20
optimizers = {"SGD": jn.optim.sgd(0.05), "momentum": jn.optim.momentum(0.01),
              "RMSprop": jn.optim.rmsprop(1e-3), "Adam": jn.optim.adam(1e-3),
              "AdaBound": jn.optim.adabound(1e-3, final_lr=0.1)}
if QUICK:
    optimizers = {k: optimizers[k] for k in ("SGD", "AdaBound")}
losses = {name: jn.fit(model, tx, data.train, validation=data.val, epochs=epochs, batch_size=64,
                       seed=0, verbose=False).history["val_loss"]
          for name, tx in optimizers.items()}
jn.viz.plot_curves(losses, ylabel="validation loss", logy=True);'''),
        ("md", "## AdaBound's step-size bounds\nEach element's Adam step size is clipped to "
               "`[final_lr (1 - 1/(gamma t + 1)), final_lr (1 + 1/(gamma t))]`, which closes on "
               "`final_lr`: Adam early, SGD late."),
        ("code", '''t = np.arange(1, 20001)
final_lr, gamma = 0.1, 1e-3
ax = jn.viz.plt.figure(figsize=(5, 3)).gca()
ax.plot(t, final_lr * (1 - 1 / (gamma * t + 1)), label="lower")
ax.plot(t, final_lr * (1 + 1 / (gamma * t)), label="upper")
ax.set_yscale("log"); ax.set_xlabel("step"); ax.legend();'''),
        ("md", "## Schedules are `step -> rate` functions"),
        ("code", '''S = jn.optim.schedules
schedules = {"step decay": S.step_decay(0.1, 200), "cosine": S.cosine(0.1, 1000),
             "warmup + cosine": S.warmup(S.cosine(0.1, 900), 100),
             "cyclical triangular2": S.cyclical(0.01, 0.1, 100, "triangular2"),
             "SGDR (x2)": S.warm_restarts(0.1, 100, t_mult=2.0), "one-cycle": S.one_cycle(0.1, 1000)}
jn.viz.plot_schedules(schedules, 1000);'''),
        ("md", "## Plateau reduction from `fit`\nThe history records the rate each epoch used."),
        ("code", '''r = jn.fit(model, jn.optim.momentum(0.05), data.train, validation=data.val,
           epochs=3 if QUICK else 20, batch_size=64, seed=0, verbose=False,
           callbacks=[jn.callbacks.ReduceLROnPlateau("val_loss", factor=0.5, patience=1)])
print("lr per epoch:", [round(v, 4) for v in r.history["lr"]])'''),
        ("md", "## Injected hyperparameters: one compiled program for a population\n"
               "The rate lives in the optimizer state as an array, so `vmap` runs many at once."),
        ("code", '''import optax
def rosenbrock(w):
    return (1 - w[0]) ** 2 + 100 * (w[1] - w[0] ** 2) ** 2
def final_loss(lr):
    tx = jn.optim.adabound(lr, final_lr=1e-3)
    def body(carry, _):
        w, s = carry
        u, s = tx.update(jax.grad(rosenbrock)(w), s, w)
        return (optax.apply_updates(w, u), s), None
    w0 = jnp.array([-1.0, 1.0])
    (w, _), _ = jax.lax.scan(body, (w0, tx.init(w0)), None, 500 if QUICK else 5000)
    return rosenbrock(w)
lrs = jnp.array([1e-3, 3e-3, 1e-2, 3e-2])
print(dict(zip(lrs.tolist(), jax.jit(jax.vmap(final_loss))(lrs).tolist())))'''),
    ],
)


def main() -> None:
    for name, nb in NOTEBOOKS.items():
        nbformat.write(nb, HERE / f"{name}.ipynb")
        print("wrote", HERE / f"{name}.ipynb")


if __name__ == "__main__":
    main()
