"""The network experiments run end to end in --quick mode and write their outputs."""

import json

from experiments import activations, cnn


def test_activations_quick(tmp_path):
    results = activations.main(["--quick", "--no-progress", "--out", str(tmp_path)])
    runs = {r["activation"]: r for r in results["runs"]}
    assert set(runs) == set(activations.QUICK)
    for r in runs.values():
        assert len(r["grad_norms"]) == results["depth"] + 1 and r["final_loss"] > 0
    assert runs["adaptive"]["final_loss"] < runs["sigmoid"]["final_loss"]
    saved = json.loads((tmp_path / "results.json").read_text())
    assert saved["runs"][0]["activation"] == results["runs"][0]["activation"]
    assert (tmp_path / "grad_norms.png").exists() and (tmp_path / "loss_curves.png").exists()


def test_cnn_quick(tmp_path):
    results = cnn.main(["--quick", "--no-progress", "--out", str(tmp_path)])
    rows = {r["conv"]: r for r in results["digits"]}
    assert set(rows) == {"standard", "dilated", "separable"}
    assert rows["separable"]["params"] < rows["standard"]["params"] == rows["dilated"]["params"]
    assert all(0.0 <= r["test_accuracy"] <= 1.0 and r["sec_per_epoch"] > 0 for r in rows.values())
    assert (tmp_path / "val_accuracy.png").exists() and (tmp_path / "results.json").exists()
