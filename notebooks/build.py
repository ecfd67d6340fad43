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


NOTEBOOKS["06_populations_tpu"] = notebook(
    "Populations and many devices",
    "Train many models at once with `jn.tune.population` (one compiled program, `vmap` over "
    "the train state), search hyperparameters, and spread the work over every device: "
    "the population axis over a mesh, or one model's batches with `fit(..., mesh=...)`. "
    "On a Colab TPU (8 cores) both use all of them; on a CPU the same code runs on one device.",
    [
        ("md", "## Sixteen learning rates, one program\nEvery leaf of the state gets a leading "
               "population axis; `history[i]` is member *i*'s, and member *i* equals a plain "
               "`jn.fit` with its learning rate and seed."),
        ("code", '''data = jn.data.load("digits", seed=0)
train = data.train if not QUICK else jn.Split(data.train.x[:300], data.train.y[:300])
epochs = 2 if QUICK else 15
mesh = jn.parallel.data_mesh()          # all local devices (8 TPU cores on Colab)
members = 16 if not QUICK else 4
pop = jn.tune.population(jn.nn.MLP((128, 10)), lambda lr: jn.optim.adam(lr),
                         {"lr": jn.tune.log_grid(1e-4, 1e-1, members)}, mesh=mesh)
result = pop.fit(train, validation=data.val, epochs=epochs, batch_size=64)
print("parameters:", jax.tree_util.tree_map(lambda a: a.shape, result.state.params)["dense_0"])
print("sharded over", len(jax.tree_util.tree_leaves(result.state.params)[0].sharding.device_set),
      "device(s)")
best = result.best("val_accuracy")
print("best member", best.info["member"], best.info["hparams"], "val accuracy",
      round(max(best.history["val_accuracy"]), 4))'''),
        ("code", '''import matplotlib.pyplot as plt
lrs = result.hparams["lr"]
plt.semilogx(lrs, result.scores("val_accuracy"), "o-")
plt.xlabel("learning rate"); plt.ylabel("best validation accuracy"); plt.grid(alpha=0.3);'''),
        ("md", "## Per-member early stopping\nA member whose validation loss stops improving "
               "is frozen while the others train on."),
        ("code", '''stopping = jn.tune.population(jn.nn.MLP((64, 10)), lambda lr: jn.optim.sgd(lr),
                              {"lr": [0.3, 0.03, 0.003, 0.0003]}).fit(
    train, validation=data.val, epochs=epochs + 2, batch_size=64, patience=1)
print("epochs run per member:", [len(h["loss"]) for h in stopping.history])'''),
        ("md", "## Learning-rate finder, all candidates at once"),
        ("code", '''finder = jn.tune.lr_find(jn.nn.MLP((128, 10)), lambda lr: jn.optim.adam(lr), train,
                         lrs=jn.tune.log_grid(1e-5, 1.0, 8 if QUICK else 16), batch_size=64)
print("suggested learning rate:", finder.suggested)
finder.plot();'''),
        ("md", "## Grid search over learning rate x momentum as one population"),
        ("code", '''search = jn.tune.grid_search(
    jn.nn.MLP((128, 10)), lambda lr, momentum: jn.optim.sgd(lr, momentum=momentum),
    {"lr": [0.01, 0.1] if QUICK else [0.003, 0.01, 0.03, 0.1, 0.3],
     "momentum": [0.0, 0.9] if QUICK else [0.0, 0.5, 0.9, 0.95]},
    train, data.val, metric="val_accuracy", epochs=epochs, batch_size=64)
print(search.table(5))
search.plot();'''),
        ("md", "## One model, data parallel\n`fit(..., mesh=...)` splits every batch over the "
               "devices (padded and masked when the batch does not divide) and gives the same "
               "result as one device."),
        ("code", '''single = jn.fit(jn.nn.MLP((128, 10)), jn.optim.adam(1e-3), train, epochs=epochs,
                batch_size=64, verbose=False)
parallel = jn.fit(jn.nn.MLP((128, 10)), jn.optim.adam(1e-3), train, epochs=epochs,
                  batch_size=64, verbose=False, mesh=mesh)
diff = max(float(abs(a - b).max()) for a, b in zip(jax.tree_util.tree_leaves(single.state.params),
                                                     jax.tree_util.tree_leaves(parallel.state.params)))
print(f"{mesh.size} device(s); max parameter difference vs one device: {diff:.2e}")'''),
    ],
)


def main() -> None:
    for name, nb in NOTEBOOKS.items():
        nbformat.write(nb, HERE / f"{name}.ipynb")
        print("wrote", HERE / f"{name}.ipynb")


if __name__ == "__main__":
    main()
