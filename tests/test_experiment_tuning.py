"""The tuning experiment runs end to end in --quick mode."""

import json

import pytest

from experiments import tuning


@pytest.mark.slow
def test_tuning_quick(tmp_path):
    results = tuning.main(["--quick", "--no-progress", "--out", str(tmp_path)])
    searches = {r["search"]: r for r in results["best"]}
    assert len(searches) == 3
    assert len(results["grid"]) == 4  # 2 learning rates x 2 momenta, one population
    assert all(0.0 <= r["val_accuracy"] <= 1.0 for r in results["random"])
    assert searches["grid (lr x momentum)"]["val_accuracy"] > 0.5
    for name in ("grid.png", "random.png", "bayesian.png", "results.json"):
        assert (tmp_path / name).stat().st_size > 0
    saved = json.loads((tmp_path / "results.json").read_text())
    assert saved["best"][0]["models"] == 4
