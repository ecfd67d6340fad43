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


NOTEBOOKS["02_cnns"] = notebook(
    "Convolutional networks",
    "Conv blocks for 1-D sequences and 2-D images (standard, dilated, depthwise-separable), "
    "pooling, model summaries of ResNet-20 and DenseNet-BC, and a small CNN trained on digits.",
    [
        ("md", "## Three kinds of convolution\nThe spatial rank comes from the input: "
               "`(N, L, C)` is 1-D, `(N, H, W, C)` is 2-D. A depthwise-separable block is a "
               "per-channel convolution (`feature_group_count = C`) then a 1x1 pointwise one: "
               "`C k^2 + C` plus `C C' + C'` parameters instead of `C k^2 C' + C'`."),
        ("code", '''import jax.numpy as jnp
for shape in [(1, 32, 16), (1, 16, 16, 16)]:
    x = jnp.ones(shape)
    for kind in jn.nn.CONV_KINDS:
        s = jn.nn.summary(jn.nn.ConvBlock(32, kind=kind), x)
        print(f"{str(shape):16} {kind:10} params {s.total_params:6,}  "
              f"FLOPs/example {s.flops_per_example:10,}  out {s.layers[-1].output_shape}")'''),
        ("md", "A dilated convolution spaces its taps `r` apart: the receptive field of a "
               "3-tap kernel grows from 3 to `2r + 1` at the same cost. Here an impulse shows "
               "which inputs each output sees."),
        ("code", '''import numpy as np
impulse = jnp.zeros((1, 11, 1)).at[0, 5, 0].set(1.0)
for kind in ("standard", "dilated"):
    block = jn.nn.ConvBlock(1, 3, kind, dilation=3, activation=None)
    v = {"params": {"conv": {"kernel": jnp.ones((3, 1, 1)), "bias": jnp.zeros(1)}}}
    print(f"{kind:9}", np.asarray(block.apply(v, impulse)[0, :, 0]).astype(int))'''),
        ("md", "## ResNet-20 for CIFAR (He et al., 2016)\nThree stages of basic blocks with "
               "16/32/64 filters and parameter-free (option A) shortcuts: 0.27M parameters. "
               "Nothing is run: the summary traces shapes only."),
        ("code", '''print(jn.nn.summary(jn.nn.ResNet20(), jnp.ones((1, 32, 32, 3)), depth=1))'''),
        ("code", '''for name, m in [("ResNet-32", jn.nn.ResNet32()), ("ResNet-56", jn.nn.ResNet56()),
                ("DenseNet-BC-100 (k=12)", jn.nn.DenseNetBC100())]:
    s = jn.nn.summary(m, jnp.ones((1, 32, 32, 3)), depth=1)
    print(f"{name:24} {s.total_params:9,} parameters  {s.flops_per_example / 1e6:6.1f} MFLOPs/image")'''),
        ("md", "## A small CNN on digits\n`fit` notices the convolutions and, on CPU, unrolls "
               "a few steps per compiled call instead of scanning the whole epoch (XLA's "
               "in-loop convolution gradient is slow there)."),
        ("code", '''data = jn.data.load("digits", seed=0)
model = jn.nn.CNN((8, 16) if QUICK else (32, 64), num_classes=10)
print(jn.nn.summary(model, data.train.x[:1]))
result = jn.fit(model, jn.optim.adam(3e-3), data.train, validation=data.val,
                epochs=2 if QUICK else 20, batch_size=64, seed=0)
print("strategy:", result.info["strategy"], "| test:", jn.evaluate(result.state, data.test))
jn.viz.plot_history(result.history, metrics=("loss", "accuracy"));'''),
    ],
)


def main() -> None:
    for name, nb in NOTEBOOKS.items():
        nbformat.write(nb, HERE / f"{name}.ipynb")
        print("wrote", HERE / f"{name}.ipynb")


if __name__ == "__main__":
    main()
