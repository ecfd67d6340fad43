"""Recurrent networks: simple (Elman) RNN, LSTM and GRU cells, scanned layers, and models.

A cell is a pure step ``carry, x_proj -> carry`` on the *projected* input
``x_proj = x W + b``. A layer projects every time step at once (one matrix
product [B*T, I] x [I, G*H], outside the loop) and scans only the recurrent
part ``h W_rec`` over time with ``jax.lax.scan``. Hoisting the input
projection out of the loop is the main CPU speed-up for short hidden sizes.

Equations (``s`` the logistic sigmoid, ``*`` elementwise):

* SimpleRNN (Elman 1990): ``h' = act(x W + b + h U)``.
* LSTM (Hochreiter & Schmidhuber 1997, with a forget gate, Gers et al. 2000),
  gates in the order i, f, g, o: ``[i f g o] = x W + b + h U``;
  ``c' = s(f) * c + s(i) * tanh(g)``, ``h' = s(o) * tanh(c')``.
* GRU (Cho et al. 2014, the "reset after" form also used by cuDNN/PyTorch),
  gates r, z, n: ``r = s(x W_r + b_r + h U_r + c_r)``, ``z = s(x W_z + b_z + h U_z + c_z)``,
  ``n = tanh(x W_n + b_n + r * (h U_n + c_n))``, ``h' = (1 - z) * n + z * h``.

Parameters per layer and direction (I inputs, H units): SimpleRNN
``H(H+I) + H``; LSTM ``4(H(H+I) + H)``; GRU ``3(H(H+I) + 2H)`` (an extra
recurrent bias ``c``). Recurrent kernels are orthogonal by default (Saxe et
al. 2014), input kernels Glorot-uniform, and the LSTM forget-gate bias starts
at 1 (Jozefowicz et al. 2015).

Masking: with ``lengths`` [B] (or a ``mask`` [B, T]) a padded step leaves the
carry unchanged and outputs zeros, so a padded sequence gives exactly the
result of the truncated one — in both directions, since the reverse scan
starts with the padding and holds its initial state until the real steps.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np

from jaxnets._validate import unknown_name
from jaxnets.nn.activations import get_activation
from jaxnets.nn.initializers import get_initializer
from jaxnets.typing import Array, ArrayLike, PRNGKey

Carry = Any  # h [B, H] for SimpleRNN and GRU; (c, h) for LSTM

GATES = {"rnn": 1, "lstm": 4, "gru": 3}


# --------------------------------------------------------------------------- steps


def rnn_step(carry: Array, x_proj: Array, w_rec: Array, b_rec: Array | None = None,
             activation: Callable[[Array], Array] = jnp.tanh) -> Array:
    """Elman step ``h' = act(x_proj + h U)``. carry, x_proj: [B, H]; w_rec: [H, H]."""
    del b_rec
    return activation(x_proj + carry @ w_rec)


def lstm_step(carry: tuple[Array, Array], x_proj: Array, w_rec: Array,
              b_rec: Array | None = None) -> tuple[Array, Array]:
    """LSTM step. carry: (c, h) [B, H]; x_proj: [B, 4H] (gates i, f, g, o); w_rec: [H, 4H]."""
    del b_rec
    c, h = carry
    i, f, g, o = jnp.split(x_proj + h @ w_rec, 4, axis=-1)
    c = jax.nn.sigmoid(f) * c + jax.nn.sigmoid(i) * jnp.tanh(g)
    return c, jax.nn.sigmoid(o) * jnp.tanh(c)


def gru_step(carry: Array, x_proj: Array, w_rec: Array, b_rec: Array) -> Array:
    """GRU step (reset after the recurrent product). carry: [B, H]; x_proj: [B, 3H] (r, z, n)."""
    xr, xz, xn = jnp.split(x_proj, 3, axis=-1)
    hr, hz, hn = jnp.split(carry @ w_rec + b_rec[None, :], 3, axis=-1)
    r = jax.nn.sigmoid(xr + hr)
    z = jax.nn.sigmoid(xz + hz)
    n = jnp.tanh(xn + r * hn)
    return (1.0 - z) * n + z * carry


def hidden_state(carry: Carry) -> Array:
    """The output ``h`` of a carry (the second entry of an LSTM's ``(c, h)``)."""
    return carry[1] if isinstance(carry, tuple) else carry


def zero_carry(cell: str, batch: int, features: int, dtype: Any = jnp.float32) -> Carry:
    """The all-zeros initial carry of a cell kind for ``batch`` sequences."""
    h = jnp.zeros((batch, features), dtype)
    return (h, h) if cell == "lstm" else h


def _step_fn(cell: str, activation: str | Callable) -> Callable:
    if cell == "rnn":
        return functools.partial(rnn_step, activation=get_activation(activation))
    return lstm_step if cell == "lstm" else gru_step


def _check_cell(cell: str) -> None:
    if cell not in GATES:
        raise unknown_name("recurrent cell", cell, GATES)


def _lstm_bias_init(base: Callable, features: int) -> Callable:
    """The base bias initializer with the forget-gate block (the second of four) set to 1."""
    def init(key: PRNGKey, shape: Sequence[int], dtype: Any = jnp.float32) -> Array:
        return base(key, shape, dtype).at[features:2 * features].set(1.0)

    return init


class CellParams(nn.Module):
    """Declares one cell's parameters: ``kernel`` [I, G*H], ``bias`` [G*H],
    ``recurrent_kernel`` [H, G*H] and, for the GRU, ``recurrent_bias`` [G*H]."""

    cell: str
    features: int
    kernel_init: str | Callable = "glorot_uniform"
    recurrent_init: str | Callable = "orthogonal"
    bias_init: str | Callable = "zeros"
    unit_forget_bias: bool = True

    @nn.compact
    def __call__(self, in_features: int) -> dict[str, Array]:
        _check_cell(self.cell)
        if not isinstance(self.features, int | np.integer) or self.features < 1:
            raise ValueError(f"features must be an int >= 1, found {self.features!r}")
        width = GATES[self.cell] * self.features
        bias_init = get_initializer(self.bias_init, "zeros")
        if self.cell == "lstm" and self.unit_forget_bias:
            bias_init = _lstm_bias_init(bias_init, self.features)
        p = {
            "kernel": self.param("kernel", get_initializer(self.kernel_init), (in_features, width)),
            "bias": self.param("bias", bias_init, (width,)),
            "recurrent_kernel": self.param("recurrent_kernel",
                                           get_initializer(self.recurrent_init),
                                           (self.features, width)),
        }
        if self.cell == "gru":
            p["recurrent_bias"] = self.param("recurrent_bias", get_initializer(self.bias_init, "zeros"),
                                             (width,))
        return p


def _cell_kwargs(m: nn.Module) -> dict[str, Any]:
    return {"kernel_init": m.kernel_init, "recurrent_init": m.recurrent_init,
            "bias_init": m.bias_init, "unit_forget_bias": m.unit_forget_bias}


# --------------------------------------------------------------------------- cells


class _Cell(nn.Module):
    """One time step of a recurrent cell: ``(carry, x [B, I]) -> (carry, h [B, H])``."""

    features: int
    kernel_init: str | Callable = "glorot_uniform"
    recurrent_init: str | Callable = "orthogonal"
    bias_init: str | Callable = "zeros"
    unit_forget_bias: bool = True
    activation: str | Callable = "tanh"
    kind: ClassVar[str] = "rnn"

    @nn.compact
    def __call__(self, carry: Carry, x: Array) -> tuple[Carry, Array]:
        p = CellParams(self.kind, self.features, name="cell", **_cell_kwargs(self))(x.shape[-1])
        x_proj = x @ p["kernel"] + p["bias"][None, :]
        carry = _step_fn(self.kind, self.activation)(carry, x_proj, p["recurrent_kernel"],
                                                     p.get("recurrent_bias"))
        return carry, hidden_state(carry)

    def initialize_carry(self, batch: int, dtype: Any = jnp.float32) -> Carry:
        """Zeros of the carry's shape for ``batch`` sequences."""
        return zero_carry(self.kind, batch, self.features, dtype)


class SimpleRNNCell(_Cell):
    """Elman cell ``h' = act(x W + b + h U)`` (``activation`` default tanh)."""

    kind: ClassVar[str] = "rnn"


class LSTMCell(_Cell):
    """LSTM cell with a forget gate; carry ``(c, h)``. See the module docstring."""

    kind: ClassVar[str] = "lstm"


class GRUCell(_Cell):
    """GRU cell (reset after the recurrent product); carry ``h``. See the module docstring."""

    kind: ClassVar[str] = "gru"


# --------------------------------------------------------------------------- layers


def sequence_mask(lengths: ArrayLike, steps: int) -> Array:
    """``mask[b, t] = t < lengths[b]``: [B] lengths -> [B, T] bool."""
    lengths = jnp.asarray(lengths)
    return jnp.arange(steps)[None, :] < lengths[:, None]


def scan_cell(step: Callable, carry: Carry, x_proj: Array, w_rec: Array, b_rec: Array | None,
              mask: Array | None = None, *, reverse: bool = False, unroll: int = 1
              ) -> tuple[Carry, Array]:
    """Run ``step`` over time. x_proj: [B, T, G*H]; mask: [B, T] or None.

    Returns the final carry and the outputs [B, T, H] (zeros at masked steps).
    """
    xs = jnp.swapaxes(x_proj, 0, 1)
    if mask is None:
        def body(c: Carry, x_t: Array) -> tuple[Carry, Array]:
            c = step(c, x_t, w_rec, b_rec)
            return c, hidden_state(c)

        carry, ys = jax.lax.scan(body, carry, xs, reverse=reverse, unroll=unroll)
    else:
        def body_masked(c: Carry, inp: tuple[Array, Array]) -> tuple[Carry, Array]:
            x_t, m_t = inp
            new = step(c, x_t, w_rec, b_rec)
            c = jax.tree_util.tree_map(lambda n, o: jnp.where(m_t, n, o), new, c)
            return c, jnp.where(m_t, hidden_state(new), 0.0)

        m = jnp.swapaxes(jnp.asarray(mask, bool), 0, 1)[:, :, None]
        carry, ys = jax.lax.scan(body_masked, carry, (xs, m), reverse=reverse, unroll=unroll)
    return carry, jnp.swapaxes(ys, 0, 1)


class RecurrentLayer(nn.Module):
    """One recurrent layer in one direction: x [B, T, I] -> (final carry, outputs [B, T, H])."""

    cell: str
    features: int
    reverse: bool = False
    activation: str | Callable = "tanh"
    kernel_init: str | Callable = "glorot_uniform"
    recurrent_init: str | Callable = "orthogonal"
    bias_init: str | Callable = "zeros"
    unit_forget_bias: bool = True
    unroll: int = 1

    @nn.compact
    def __call__(self, x: Array, mask: Array | None = None,
                 initial_carry: Carry | None = None) -> tuple[Carry, Array]:
        p = CellParams(self.cell, self.features, name="cell", **_cell_kwargs(self))(x.shape[-1])
        batch = x.shape[0]
        # One [B*T, I] x [I, G*H] product for every step, outside the time loop.
        x_proj = (x.reshape(-1, x.shape[-1]) @ p["kernel"] + p["bias"][None, :]).reshape(
            batch, x.shape[1], -1)
        carry = initial_carry if initial_carry is not None else zero_carry(
            self.cell, batch, self.features, x_proj.dtype)
        return scan_cell(_step_fn(self.cell, self.activation), carry, x_proj,
                         p["recurrent_kernel"], p.get("recurrent_bias"), mask,
                         reverse=self.reverse, unroll=self.unroll)


def _check_sequence(x: Array, name: str = "x") -> None:
    if x.ndim != 3:
        raise ValueError(f"{name} must be a batch of sequences [batch, time, features], "
                         f"found shape {tuple(x.shape)}")


def _resolve_mask(x: Array, lengths: ArrayLike | None, mask: ArrayLike | None) -> Array | None:
    if lengths is not None and mask is not None:
        raise ValueError("pass lengths or mask, not both")
    if lengths is not None:
        lengths = jnp.asarray(lengths)
        if lengths.shape != (x.shape[0],):
            raise ValueError(f"lengths must have shape [batch] = ({x.shape[0]},), "
                             f"found {tuple(lengths.shape)}")
        return sequence_mask(lengths, x.shape[1])
    if mask is not None:
        mask = jnp.asarray(mask, bool)
        if mask.shape != x.shape[:2]:
            raise ValueError(f"mask must have shape [batch, time] = {tuple(x.shape[:2])}, "
                             f"found {tuple(mask.shape)}")
    return mask


class _Recurrent(nn.Module):
    """A stack of recurrent layers, optionally bidirectional.

    Attributes:
      features: hidden units H per layer and direction.
      num_layers: stacked layers; each reads the previous one's output sequence.
      bidirectional: run a second layer backwards in time and concatenate (2H outputs).
      return_sequences: outputs [B, T, D*H] (True) or the last state [B, D*H] (False; for
        the backward direction, its state after reading back to the first step).
      dropout: dropout rate between stacked layers (training only).
      unroll: time steps per loop iteration of the scan (a CPU speed knob).
      kernel_init, recurrent_init, bias_init: initializer names or callables.
      unit_forget_bias: LSTM forget-gate bias starts at 1.
      activation: the SimpleRNN nonlinearity.

    Call: ``x`` [B, T, I]; ``lengths`` [B] or ``mask`` [B, T] for padded batches;
    ``initial_carry``/``return_carry`` pass carries (a tuple over layers x directions).
    """

    features: int
    num_layers: int = 1
    bidirectional: bool = False
    return_sequences: bool = True
    dropout: float = 0.0
    unroll: int = 1
    kernel_init: str | Callable = "glorot_uniform"
    recurrent_init: str | Callable = "orthogonal"
    bias_init: str | Callable = "zeros"
    unit_forget_bias: bool = True
    activation: str | Callable = "tanh"
    kind: ClassVar[str] = "rnn"

    @nn.compact
    def __call__(self, x: Array, *, lengths: ArrayLike | None = None,
                 mask: ArrayLike | None = None, initial_carry: Sequence[Carry] | None = None,
                 return_carry: bool = False, train: bool = False) -> Any:
        _check_sequence(x)
        if self.num_layers < 1:
            raise ValueError(f"num_layers must be >= 1, found {self.num_layers}")
        mask = _resolve_mask(x, lengths, mask)
        dirs = (False, True) if self.bidirectional else (False,)
        if initial_carry is not None and len(initial_carry) != self.num_layers * len(dirs):
            raise ValueError(f"initial_carry must hold {self.num_layers * len(dirs)} carries "
                             f"(layers x directions), found {len(initial_carry)}")
        carries, h = [], x
        for layer in range(self.num_layers):
            if layer > 0 and self.dropout > 0:
                h = nn.Dropout(self.dropout, deterministic=not train)(h)
            outs = []
            for reverse in dirs:
                name = f"layer_{layer}" + ("_bwd" if reverse else "")
                init = initial_carry[len(carries)] if initial_carry is not None else None
                carry, ys = RecurrentLayer(self.kind, self.features, reverse, self.activation,
                                           unroll=self.unroll, name=name,
                                           **_cell_kwargs(self))(h, mask, init)
                carries.append(carry)
                outs.append(ys)
            h = jnp.concatenate(outs, axis=-1) if len(outs) > 1 else outs[0]
        if self.return_sequences:
            out = h
        else:
            last = carries[-len(dirs):]
            out = jnp.concatenate([hidden_state(c) for c in last], axis=-1) if len(last) > 1 \
                else hidden_state(last[0])
        return (out, tuple(carries)) if return_carry else out


class SimpleRNN(_Recurrent):
    """Stacked Elman RNN layers over [B, T, I] sequences (see ``_Recurrent`` for options)."""

    kind: ClassVar[str] = "rnn"


class LSTM(_Recurrent):
    """Stacked LSTM layers over [B, T, I] sequences (see ``_Recurrent`` for options)."""

    kind: ClassVar[str] = "lstm"


class GRU(_Recurrent):
    """Stacked GRU layers over [B, T, I] sequences (see ``_Recurrent`` for options)."""

    kind: ClassVar[str] = "gru"


RECURRENT: dict[str, type[_Recurrent]] = {"rnn": SimpleRNN, "lstm": LSTM, "gru": GRU}


def get_recurrent(cell: str) -> type[_Recurrent]:
    """The layer class for a cell name: ``"rnn"``, ``"lstm"`` or ``"gru"``."""
    if cell not in RECURRENT:
        raise unknown_name("recurrent cell", cell, RECURRENT)
    return RECURRENT[cell]


# --------------------------------------------------------------------------- models


class SequenceClassifier(nn.Module):
    """Classify sequences: (embedding) -> recurrent stack -> pooling -> Dense(num_classes).

    Attributes:
      num_classes: output logits.
      features, num_layers, bidirectional, dropout, unroll: the recurrent stack's.
      cell: ``"rnn"``, ``"lstm"`` or ``"gru"``.
      pooling: ``"last"`` (final state), ``"mean"`` or ``"max"`` over the real steps.
      vocab_size, embed_dim: for integer token inputs [B, T], an embedding first.
      pad_id: with token inputs, this id marks padding (masked out).

    Input: floats [B, T, F] or token ids [B, T]; optional ``lengths`` [B].
    Output: logits [B, num_classes].
    """

    num_classes: int
    features: int = 64
    cell: str = "lstm"
    num_layers: int = 1
    bidirectional: bool = False
    pooling: str = "last"
    vocab_size: int | None = None
    embed_dim: int = 32
    pad_id: int | None = None
    dropout: float = 0.0
    unroll: int = 1

    @nn.compact
    def __call__(self, x: Array, *, lengths: ArrayLike | None = None, train: bool = False) -> Array:
        if self.pooling not in ("last", "mean", "max"):
            raise unknown_name("pooling", self.pooling, ("last", "mean", "max"))
        mask = None
        if self.vocab_size is not None:
            if x.ndim != 2:
                raise ValueError(f"token inputs must be [batch, time] ids, found shape {x.shape}")
            if self.pad_id is not None and lengths is None:
                mask = x != self.pad_id
            x = nn.Embed(self.vocab_size, self.embed_dim, name="embed")(x.astype(jnp.int32))
        _check_sequence(x)
        if lengths is not None:
            mask = _resolve_mask(x, lengths, None)
        rnn = get_recurrent(self.cell)(self.features, self.num_layers, self.bidirectional,
                                       return_sequences=self.pooling != "last",
                                       dropout=self.dropout, unroll=self.unroll, name="rnn")
        h = rnn(x, mask=mask, train=train)
        if self.pooling != "last":
            m = jnp.ones(h.shape[:2], bool) if mask is None else mask
            m3 = m[:, :, None]
            if self.pooling == "mean":
                h = jnp.sum(jnp.where(m3, h, 0.0), axis=1) / jnp.maximum(
                    jnp.sum(m3, axis=1), 1).astype(h.dtype)
            else:
                h = jnp.max(jnp.where(m3, h, -jnp.inf), axis=1)
        if self.dropout > 0:
            h = nn.Dropout(self.dropout, deterministic=not train)(h)
        return nn.Dense(self.num_classes, name="head")(h)


class CharLM(nn.Module):
    """A character (token) language model: Embed -> recurrent stack -> Dense(vocab) per step.

    Input token ids [B, T]; output next-token logits [B, T, V]. Train with
    ``loss="sequence_cross_entropy"``; perplexity is ``exp(loss)``. ``sample``
    continues a prompt with temperature sampling.
    """

    vocab_size: int
    embed_dim: int = 32
    features: int = 128
    num_layers: int = 1
    cell: str = "lstm"
    dropout: float = 0.0
    unroll: int = 1

    @nn.compact
    def __call__(self, tokens: Array, *, train: bool = False,
                 initial_carry: Sequence[Carry] | None = None, return_carry: bool = False) -> Any:
        if tokens.ndim != 2:
            raise ValueError(f"tokens must be [batch, time] ids, found shape {tuple(tokens.shape)}")
        e = nn.Embed(self.vocab_size, self.embed_dim, name="embed")(tokens.astype(jnp.int32))
        rnn = get_recurrent(self.cell)(self.features, self.num_layers, dropout=self.dropout,
                                       unroll=self.unroll, name="rnn")
        h, carry = rnn(e, initial_carry=initial_carry, return_carry=True, train=train)
        if self.dropout > 0:
            h = nn.Dropout(self.dropout, deterministic=not train)(h)
        logits = nn.Dense(self.vocab_size, name="head")(h)
        return (logits, carry) if return_carry else logits

    def sample(self, variables: Any, prompt: ArrayLike, length: int, *, key: PRNGKey,
               temperature: float = 1.0) -> Array:
        """Continue ``prompt`` [B, P] (P >= 1) by ``length`` tokens; returns [B, P + length].

        Each token is drawn from ``softmax(logits / temperature)``; ``temperature=0``
        takes the most likely token (greedy).
        """
        prompt = jnp.asarray(prompt, jnp.int32)
        if prompt.ndim == 1:
            prompt = prompt[None, :]
        if prompt.ndim != 2 or prompt.shape[1] < 1:
            raise ValueError(f"prompt must be [batch, P >= 1] token ids, found {prompt.shape}")
        if not isinstance(length, int) or length < 0:
            raise ValueError(f"length must be an int >= 0, found {length!r}")
        if temperature < 0:
            raise ValueError(f"temperature must be >= 0, found {temperature}")
        return _sample(self, variables, prompt, length, key, jnp.float32(temperature),
                       temperature == 0)


@functools.partial(jax.jit, static_argnums=(0, 3, 6))
def _sample(model: CharLM, variables: Any, prompt: Array, length: int, key: PRNGKey,
            temperature: Array, greedy: bool) -> Array:
    logits, carry = model.apply(variables, prompt, return_carry=True)

    def draw(k: PRNGKey, last: Array) -> Array:
        if greedy:
            return jnp.argmax(last, axis=-1).astype(jnp.int32)
        return jax.random.categorical(k, last / temperature, axis=-1).astype(jnp.int32)

    def body(state: tuple, k: PRNGKey) -> tuple[tuple, Array]:
        carry, last = state
        token = draw(k, last)
        logits, carry = model.apply(variables, token[:, None], initial_carry=carry,
                                    return_carry=True)
        return (carry, logits[:, -1]), token

    _, tokens = jax.lax.scan(body, (carry, logits[:, -1]), jax.random.split(key, length))
    return jnp.concatenate([prompt, jnp.swapaxes(tokens, 0, 1)], axis=1)


class Forecaster(nn.Module):
    """Time-series regression: recurrent stack -> last state -> Dense(horizon).

    Input x [B, T, F] (the target's past is feature 0); output [B, horizon]
    (one-step with ``horizon=1``, direct multi-step otherwise). With
    ``skip_last`` the network predicts the change from the last observed
    value: ``y = x[:, -1, 0] + f(x)``, so it starts from the naive forecast.
    ``rollout`` forecasts recursively, feeding predictions back (univariate).
    """

    horizon: int = 1
    features: int = 64
    cell: str = "lstm"
    num_layers: int = 1
    dropout: float = 0.0
    skip_last: bool = False
    unroll: int = 1

    @nn.compact
    def __call__(self, x: Array, *, train: bool = False) -> Array:
        _check_sequence(x)
        h = get_recurrent(self.cell)(self.features, self.num_layers, return_sequences=False,
                                     dropout=self.dropout, unroll=self.unroll, name="rnn")(
            x, train=train)
        y = nn.Dense(self.horizon, name="head")(h)
        if self.skip_last:
            y = y + x[:, -1:, 0]
        return y

    def rollout(self, variables: Any, x: ArrayLike, steps: int) -> Array:
        """Recursive multi-step forecast of a univariate series: x [B, T, 1] -> [B, steps].

        Each one-step forecast is appended to the window (the oldest step dropped).
        """
        x = jnp.asarray(x, jnp.float32)
        _check_sequence(x)
        if x.shape[-1] != 1:
            raise ValueError(f"rollout feeds forecasts back, so x must be univariate [B, T, 1], "
                             f"found {tuple(x.shape)}")
        if not isinstance(steps, int) or steps < 1:
            raise ValueError(f"steps must be an int >= 1, found {steps!r}")
        return _rollout(self, variables, x, steps)


@functools.partial(jax.jit, static_argnums=(0, 3))
def _rollout(model: Forecaster, variables: Any, x: Array, steps: int) -> Array:
    def body(window: Array, _: None) -> tuple[Array, Array]:
        y = model.apply(variables, window)[:, :1]
        return jnp.concatenate([window[:, 1:], y[:, :, None]], axis=1), y[:, 0]

    _, ys = jax.lax.scan(body, x, None, length=steps)
    return jnp.swapaxes(ys, 0, 1)


__all__ = [
    "GATES",
    "GRU",
    "LSTM",
    "RECURRENT",
    "CharLM",
    "Forecaster",
    "GRUCell",
    "LSTMCell",
    "RecurrentLayer",
    "SequenceClassifier",
    "SimpleRNN",
    "SimpleRNNCell",
    "get_recurrent",
    "gru_step",
    "hidden_state",
    "lstm_step",
    "rnn_step",
    "scan_cell",
    "sequence_mask",
    "zero_carry",
]
