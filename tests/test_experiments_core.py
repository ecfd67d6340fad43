"""The core experiments run end to end in --quick mode and write their outputs."""

import json

from experiments import mlp, xor


def test_mlp_quick(tmp_path):
    results = mlp.main(["--quick", "--no-progress", "--out", str(tmp_path)])
    assert (tmp_path / "learning_curves.png").stat().st_size > 0
    saved = json.loads((tmp_path / "results.json").read_text())
    assert saved["test"]["accuracy"] == results["test"]["accuracy"] > 0.8
    assert len(saved["history"]["loss"]) == 3


def test_xor_learns_and_zero_init_keeps_symmetry(tmp_path):
    results = xor.main(["--quick", "--no-progress", "--out", str(tmp_path)])
    runs = {r["network"]: r for r in results["runs"]}
    assert runs["tanh, Glorot init"]["accuracy"] == 1.0
    assert runs["relu, He init"]["accuracy"] == 1.0
    zero = runs["tanh, zero init (chapter)"]
    assert zero["hidden_unit_spread"] == 0.0 and zero["accuracy"] < 1.0
    assert runs["no nonlinearity (chapter)"]["accuracy"] < 1.0
    assert (tmp_path / "loss_curves.png").exists() and (tmp_path / "results.json").exists()


def test_backprop_quick(tmp_path):
    from experiments import backprop

    results = backprop.main(["--quick", "--no-progress", "--out", str(tmp_path)])
    xor_row, digits_row = results["tasks"]
    assert xor_row["accuracy"] == 1.0 and digits_row["accuracy"] > 0.8
    assert xor_row["max |hand - jax.grad|"] < 1e-5 and digits_row["max |hand - jax.grad|"] < 1e-5
    assert (tmp_path / "deltas.png").exists()


def test_regularization_quick(tmp_path):
    from experiments import regularization

    results = regularization.main(["--quick", "--no-progress", "--out", str(tmp_path),
                                   "--only", "none", "dropout", "early stopping", "all"])
    rows = {r["setting"]: r for r in results["table"]}
    assert list(rows) == ["none", "dropout", "early stopping", "all"]
    for r in rows.values():
        assert 0.0 <= r["test acc"] <= 1.0 and 1 <= r["epochs"] <= 4
        assert abs(r["gap (train-test)"] - (r["train acc"] - r["test acc"])) < 1e-12
        assert len(results["histories"][r["setting"]]["val_loss"]) == r["epochs"]
    assert rows["none"]["epochs"] == 4 and rows["none"]["test acc"] > 0.3
    assert (tmp_path / "validation_curves.png").stat().st_size > 0
    assert (tmp_path / "results.json").exists()
