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


NOTEBOOKS["10_checkpoints"] = notebook(
    "Checkpoints, resume, export and transfer learning",
    "Save with orbax, resume bit for bit, export StableHLO for serving, fine-tune a new head.",
    [
        ("md", "## Checkpoint every epoch, stop, resume\n`fit(epochs=2)` then "
               "`fit(epochs=4, resume=True)` equals `fit(epochs=4)` bit for bit: the state holds "
               "the PRNG key, step, epoch and optimizer moments, and the checkpoint the history "
               "and callback counters."),
        ("code", '''import tempfile, pathlib
data = jn.data.load("digits", seed=0)
model = jn.nn.MLP((64, 10), dropout=0.1)
run_dir = pathlib.Path(tempfile.mkdtemp()) / "run"
epochs = 2 if QUICK else 10
fit = lambda n, **kw: jn.fit(model, jn.optim.adam(3e-3), data.train, validation=data.val,
                             epochs=n, batch_size=64, seed=0, verbose=False, **kw)
first = fit(epochs // 2, callbacks=[jn.callbacks.Checkpoint(run_dir, best="val_accuracy")])
print(sorted(p.name for p in run_dir.iterdir()))
resumed = fit(epochs, callbacks=[jn.callbacks.Checkpoint(run_dir, best="val_accuracy")],
              resume=True)
straight = fit(epochs)
identical = all(bool((a == b).all()) for a, b in zip(
    jax.tree_util.tree_leaves(resumed.state), jax.tree_util.tree_leaves(straight.state)))
print("bitwise identical:", identical)
assert identical'''),
        ("md", "## Export for serving\nSerialized StableHLO plus msgpack weights: reloads and "
               "runs without the model's Python class."),
        ("code", '''served = jn.load_exported(jn.export(resumed, run_dir.parent / "export", data.test.x[:1]))
print(served.input_shape, served.output_shape)
gap = float(abs(served(data.test.x) - jn.predict(resumed.state, data.test.x)).max())
print("max |served - predict|:", gap)
assert gap < 1e-5'''),
        ("md", "## Transfer: load, new head, frozen backbone\nA 5-class head on the "
               "10-class network's hidden layer, fine-tuned with the backbone frozen."),
        ("code", '''like = jn.TrainState.create(model, jn.optim.adam(3e-3), data.train.x[:1])
pretrained = jn.load_checkpoint(run_dir, like)
small = jn.Split(data.train.x[data.train.y < 5][:100], data.train.y[data.train.y < 5][:100])
new = jn.nn.MLP((64, 5))
tx = jn.train.freeze_layers(jn.optim.adam(1e-2), ["dense_0"])
start = jn.transfer_state(pretrained, jn.TrainState.create(new, tx, small.x[:1]), exclude=["dense_1"])
tuned = jn.fit(new, None, small, epochs=3 if QUICK else 30, batch_size=32, verbose=False,
               initial_state=start)
unchanged = bool((tuned.state.params["dense_0"]["kernel"]
                  == pretrained.params["dense_0"]["kernel"]).all())
print("backbone unchanged:", unchanged)
assert unchanged
test5 = jn.Split(data.test.x[data.test.y < 5], data.test.y[data.test.y < 5])
print(jn.evaluate(tuned.state, test5))'''),
    ],
)


def main() -> None:
    for name, nb in NOTEBOOKS.items():
        nbformat.write(nb, HERE / f"{name}.ipynb")
        print("wrote", HERE / f"{name}.ipynb")


if __name__ == "__main__":
    main()
