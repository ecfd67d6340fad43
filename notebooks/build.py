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


REGULARIZATION_05: list[tuple[str, str]] = [
        ("md", "## An overfitting setup\n150 training digits and a wide MLP: training accuracy "
               "reaches 100% long before validation accuracy stops moving."),
        ("code", '''import numpy as np
data = jn.data.load("digits", seed=0)
idx = np.random.default_rng(0).permutation(len(data.train.x))[:150]
small = jn.Split(data.train.x[idx], data.train.y[idx])
EPOCHS = 3 if QUICK else 60
HIDDEN = (64,) if QUICK else (512, 512)

def run(name, model_opts=None, **fit_opts):
    model = jn.nn.MLP((*HIDDEN, 10), kernel_init="he_normal", **(model_opts or {}))
    r = jn.fit(model, jn.optim.adam(1e-3), small, validation=data.val, epochs=EPOCHS,
               batch_size=32, seed=0, verbose=False, **fit_opts)
    train = jn.evaluate(r.state, small)["accuracy"]
    test = jn.evaluate(r.state, data.test)["accuracy"]
    print(f"{name:>14}: train {train:.3f}  test {test:.3f}  gap {train - test:+.3f}  "
          f"epochs {r.epochs_run}")
    return r

runs = {"none": run("none")}'''),
        ("md", "## Penalties and weight decay\n`regularizer` adds `l1 * sum|w| + l2 * 1/2 sum w^2` "
               "(kernels only) to the loss; `weight_decay` shrinks kernels outside the gradient "
               "(decoupled, as in AdamW)."),
        ("code", '''runs["L2"] = run("L2", regularizer=jn.regularization.regularizer(l2=1e-3))
runs["weight decay"] = run("weight decay", weight_decay=1e-3)'''),
        ("md", "## Dropout and batch norm\nDropout is inverted (kept units are scaled by "
               "`1/(1-p)`), so evaluation needs no rescaling; batch norm uses batch statistics in "
               "training and the running averages in evaluation."),
        ("code", '''import jax.numpy as jnp
drop = jn.nn.MLP((256, 10), dropout=0.5)
v = drop.init(jax.random.PRNGKey(0), small.x[:2])
outs = jax.vmap(lambda k: drop.apply(v, small.x[:2], train=True, rngs={"dropout": k}))(
    jax.random.split(jax.random.PRNGKey(1), 2000))
print("mean of training outputs:", np.round(outs.mean(0)[0, :4], 2))
print("evaluation output:       ", np.round(drop.apply(v, small.x[:2])[0, :4], 2))
runs["dropout"] = run("dropout", {"dropout": 0.5})
runs["batch norm"] = run("batch norm", {"batch_norm": True})'''),
        ("md", "## Augmentation on the device\nPure `(key, x) -> x` transforms, vmapped over the "
               "batch inside the compiled step, one key per example. No flips for digits."),
        ("code", '''aug = jn.augment.compose(jn.augment.random_crop(1), jn.augment.gaussian_noise(0.05),
                         jn.augment.cutout(3))
shown = jn.augment.apply_batch(aug.transform, jax.random.PRNGKey(0), jnp.asarray(small.x[:6]))
fig, axes = jn.viz.plt.subplots(2, 6, figsize=(9, 3))
for i in range(6):
    axes[0, i].imshow(small.x[i, :, :, 0], cmap="gray")
    axes[1, i].imshow(shown[i, :, :, 0], cmap="gray")
    axes[0, i].axis("off"); axes[1, i].axis("off")
runs["augmentation"] = run("augmentation", augment=aug)'''),
        ("md", "## Callbacks\nEarly stopping restores the best weights; the history holds only the "
               "epochs that ran. CSV and TensorBoard logs need no TensorFlow."),
        ("code", '''import tempfile, pathlib
logs = pathlib.Path(tempfile.mkdtemp())
stop = jn.callbacks.EarlyStopping("val_loss", patience=2 if QUICK else 8, restore_best_weights=True)
runs["early stopping"] = run("early stopping", callbacks=[
    stop, jn.callbacks.ReduceLROnPlateau("val_loss", factor=0.5, patience=4),
    jn.callbacks.CSVLogger(logs / "log.csv"), jn.callbacks.TensorBoard(logs / "tb")])
print("best epoch", stop.best_epoch, "stopped at", stop.stopped_epoch)
print((logs / "log.csv").read_text().splitlines()[0])
print(sorted(p.name for p in (logs / "tb").iterdir()))'''),
        ("code", '''fig, ax = jn.viz.plt.subplots(figsize=(7, 4))
for name, r in runs.items():
    ax.plot(r.history["val_accuracy"], label=name)
ax.set_xlabel("epoch"); ax.set_ylabel("validation accuracy"); ax.legend(); ax.grid(alpha=0.3)'''),
]
# 05 evaluation half (k-fold report, ROC and PR curves, the full test report).
EVALUATION_05: list[tuple[str, str]] = [
    ("md", "## Evaluation: k-fold cross-validation without leakage\n"
           "`jn.cross_validate` trains a fresh model on each fold in turn. Inputs are "
           "standardised with the statistics of the fold's training part only, folds are "
           "stratified, and a `Dataset`'s test split is never seen."),
    ("code", '''cancer = jn.data.load("breast_cancer", seed=0, standardize=False)
cv = jn.cross_validate(jn.nn.MLP((16, 2), activation="relu"), jn.optim.adam(3e-3), cancer,
                       k=3 if QUICK else 5, metrics=("accuracy", "precision", "recall", "f1", "auc"),
                       epochs=2 if QUICK else 40, batch_size=32, seed=0)
print(cv.table())'''),
    ("md", "## ROC and precision-recall curves of the out-of-fold scores\n"
           "AUC-ROC is exact (ties counted as scikit-learn counts them), not a histogram "
           "over fixed thresholds."),
    ("code", '''jn.viz.plot_roc_curves(cv.outputs, cv.labels, class_names=cancer.class_names)
jn.viz.plot_pr_curves(cv.outputs, cv.labels, class_names=cancer.class_names)
print("pooled out-of-fold AUC:", float(jn.metrics.auc_roc(cv.outputs, cv.labels, from_logits=True)))'''),
    ("md", "## The full report on a test split\n`jn.evaluate` returns a dict that prints "
           "as a table: accuracy, macro precision / recall / F1, one-vs-rest AUC-ROC, per-class "
           "rows and the confusion matrix."),
    ("code", '''digits = jn.data.load("digits", seed=0)
fit = jn.fit(jn.nn.MLP((64, 10)), jn.optim.adam(3e-3), digits.train, validation=digits.val,
             metrics=("accuracy", "f1", "auc"), epochs=2 if QUICK else 30, batch_size=64,
             verbose=False)
report = jn.evaluate(fit.state, digits.test, class_names=digits.class_names)
print(report)
jn.viz.plot_confusion_matrix(report["confusion_matrix"], class_names=digits.class_names);'''),
    ("md", "## One-shot metrics agree with scikit-learn"),
    ("code", '''import numpy as np
from sklearn import metrics as skm
logits = np.asarray(jn.predict(fit.state, digits.test.x)); pred = logits.argmax(1); y = digits.test.y
print("f1 macro", float(jn.metrics.f1(pred, y, num_classes=10, average="macro")),
      skm.f1_score(y, pred, average="macro"))
print("top-3   ", float(jn.metrics.top_k_accuracy(logits, y, k=3)),
      skm.top_k_accuracy_score(y, logits, k=3))'''),
]
NOTEBOOKS["05_regularization_evaluation"] = notebook(
    "Regularization and evaluation",
    "Fighting overfitting, and measuring a model honestly: k-fold cross-validation, "
    "exact AUC-ROC, ROC and precision-recall curves, the full report with a confusion matrix.",
    [*REGULARIZATION_05, *EVALUATION_05],
)


NOTEBOOKS["07_checkpoints"] = notebook(
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
