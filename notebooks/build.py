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


NOTEBOOKS["03_rnns"] = notebook(
    "Recurrent networks: RNN, LSTM, GRU",
    "Cells checked against their equations, masking of padded steps, a character language "
    "model on Python's own documentation, and forecasting a real time series against the "
    "naive last-value forecast.",
    [
        ("md", "## One LSTM step is four gates\n`[i f g o] = x W + b + h U`, "
               "`c' = s(f) c + s(i) tanh(g)`, `h' = s(o) tanh(c')`. A layer projects all time "
               "steps at once and scans only the recurrent part with `jax.lax.scan`."),
        ("code", '''import jax, jax.numpy as jnp, numpy as np
x = np.random.default_rng(0).normal(size=(2, 6, 3)).astype(np.float32)   # [batch, time, features]
lstm = jn.nn.LSTM(5)
v = lstm.init(jax.random.key(0), x)
p = v["params"]["layer_0"]["cell"]
print({k: a.shape for k, a in p.items()}, "parameters:", sum(a.size for a in jax.tree.leaves(v)),
      "= 4(H(H+I)+H) =", 4 * (5 * (5 + 3) + 5))
sig = lambda z: 1 / (1 + np.exp(-z))
h = c = np.zeros((2, 5))
for t in range(6):                      # the equations by hand, in NumPy
    z = x[:, t] @ p["kernel"] + p["bias"] + h @ p["recurrent_kernel"]
    i, f, g, o = np.split(z, 4, axis=-1)
    c = sig(f) * c + sig(i) * np.tanh(g)
    h = sig(o) * np.tanh(c)
print("max |layer - NumPy| =", float(np.abs(lstm.apply(v, x)[:, -1] - h).max()))'''),
        ("md", "## Padded batches: masking equals truncation\nWith `lengths`, a padded step "
               "keeps the state and outputs zeros, in both directions of a bidirectional GRU."),
        ("code", '''gru = jn.nn.GRU(4, bidirectional=True, return_sequences=False)
v = gru.init(jax.random.key(0), x)
padded = x.copy(); padded[1, 3:] = 99.0                     # garbage after 3 real steps
full = gru.apply(v, padded, lengths=np.array([6, 3]))
print(np.allclose(full[1], gru.apply(v, x[1:, :3])[0], atol=1e-6))'''),
        ("md", "## A character language model on Python's documentation\n`jn.data.load(\"text\")` "
               "is CPython's `pydoc_data.topics` (ships with Python), split in time. Perplexity "
               "is `exp(loss)`; uniform guessing scores the vocabulary size."),
        ("code", '''import optax
text = jn.data.load("text", seq_len=32 if QUICK else 64, max_chars=20_000 if QUICK else 300_000)
vocab = text.info["vocab"]
lm = jn.nn.CharLM(len(vocab), features=32 if QUICK else 128, cell="gru")
res = jn.fit(lm, optax.chain(optax.clip_by_global_norm(1.0), jn.optim.adam(3e-3)),
             text.train, validation=text.val, loss="sequence_cross_entropy",
             epochs=1 if QUICK else 6, batch_size=64, seed=0)
print("vocabulary", len(vocab), "validation perplexity", np.exp(res.history["val_loss"][-1]))
prompt = np.array([[vocab.index(ch) for ch in "The "]])
for temperature in (0.5, 1.0):
    ids = lm.sample(res.state.variables, prompt, 120, key=jax.random.key(1), temperature=temperature)
    print(f"--- temperature {temperature}")
    print(jn.data.decode(ids[0], vocab))'''),
        ("md", "## Forecasting a real series against the naive forecast\n`membrane` is a "
               "recorded membrane potential shipped with matplotlib. The forecaster predicts the "
               "change from the last value (`skip_last=True`), so it starts from the naive "
               "forecast and must learn to beat it."),
        ("code", '''series = jn.data.load("membrane", window=32)
fc = jn.nn.Forecaster(features=16 if QUICK else 32, cell="lstm", skip_last=True)
res = jn.fit(fc, jn.optim.adam(3e-3), series.train, validation=series.val, loss="mse",
             epochs=2 if QUICK else 30, batch_size=64, seed=0)
pred = np.asarray(jn.predict(res.state, series.test.x))[:, 0]
rmse = lambda a: float(np.sqrt(np.mean((a - series.test.y[:, 0]) ** 2)))
print(f"test RMSE (standardised): LSTM {rmse(pred):.4f}, naive {rmse(series.test.x[:, -1, 0]):.4f}")
plt = jn.viz.plt
plt.figure(figsize=(8, 3)); plt.plot(series.test.y[:150, 0], "k", label="actual")
plt.plot(pred[:150], label="LSTM"); plt.legend(); plt.title("one-step forecasts, test period");'''),
        ("md", "## Exploding gradients\nAn Elman RNN whose recurrent kernel is orthogonal x 2: "
               "the gradient norm at initialisation grows exponentially with the sequence length. "
               "`optax.clip_by_global_norm` bounds every update (see `experiments/gradient_flow.py`)."),
        ("code", '''import flax.linen as nn
class Readout(nn.Module):
    gain: float
    @nn.compact
    def __call__(self, x, train=False):
        rnn = jn.nn.SimpleRNN(32, return_sequences=False,
                              recurrent_init=jax.nn.initializers.orthogonal(self.gain))
        return nn.Dense(1)(rnn(x))
for gain in (1.0, 2.0):
    norms = []
    for T in (10, 25, 50):
        xs = np.random.default_rng(0).normal(size=(32, T, 1)).astype(np.float32)
        m = Readout(gain); v = m.init(jax.random.key(0), xs)
        g = jax.grad(lambda p: jnp.mean((m.apply({"params": p}, xs) - xs[:, -1]) ** 2))(v["params"])
        norms.append(float(optax.global_norm(g)))
    print(f"gain {gain}: gradient norm at T=10, 25, 50:", [f"{n:.3g}" for n in norms])'''),
    ],
)


def main() -> None:
    for name, nb in NOTEBOOKS.items():
        nbformat.write(nb, HERE / f"{name}.ipynb")
        print("wrote", HERE / f"{name}.ipynb")


if __name__ == "__main__":
    main()
