"""A training process for the SIGKILL test: ``python -m tests._ckpt_worker DIR OUT EPOCHS``.

Trains with a ``Checkpoint`` every 3 steps and ``resume=True``, printing ``SAVE step`` as each
asynchronous save is dispatched (the parent kills it then, or at random times), and at the
end writes every leaf of the final state to OUT (``.npz``).
"""

import sys

import jax
import numpy as np

import jaxnets as jn
from tests.helpers import blobs


class LoudCheckpoint(jn.callbacks.Checkpoint):
    def save(self, trainer, **kw):
        path = super().save(trainer, **kw)
        print("SAVE", int(trainer.state.step), flush=True)
        return path


def main(directory: str, out: str, epochs: int) -> None:
    x, y = blobs(32, d=5, classes=3)
    result = jn.fit(jn.nn.MLP((16, 3), dropout=0.1), jn.optim.adam(1e-2), (x, y),
                    validation=(x, y), epochs=epochs, batch_size=8, seed=0, verbose=False,
                    callbacks=[LoudCheckpoint(directory, every=None, every_steps=3, keep=2)],
                    resume=True)
    leaves = jax.tree_util.tree_leaves(result.state)
    np.savez(out, *[np.asarray(v) for v in leaves],
             loss=np.asarray(result.history["loss"]), val=np.asarray(result.history["val_loss"]))
    print("DONE", int(result.state.step), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
