"""The transfer experiment runs end to end in --quick mode."""

import json

from experiments import transfer


def test_transfer_quick(tmp_path):
    results = transfer.main(["--quick", "--no-progress", "--out", str(tmp_path)])
    rows = {r["model"]: r for r in results["runs"]}
    assert set(rows) == {"transfer, frozen backbone", "transfer, all layers", "from scratch"}
    assert all(r["labels"] == 50 for r in rows.values())
    assert results["pretrain_test_accuracy"] > 0.8
    assert results["export_max_abs_diff"] < 1e-5
    assert (tmp_path / "curves.png").stat().st_size > 0
    assert (tmp_path / "exported" / "model.stablehlo").exists()
    saved = json.loads((tmp_path / "results.json").read_text())
    assert saved["runs"][0]["test accuracy"] == rows["transfer, frozen backbone"]["test accuracy"]
