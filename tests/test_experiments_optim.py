"""The optimizer and schedule experiments run end to end in --quick mode."""

import json

import pytest

from experiments import optimizers, schedules


def test_optimizers_quick(tmp_path):
    results = optimizers.main(["--quick", "--no-progress", "--out", str(tmp_path)])
    names = [r["optimizer"].split(" (")[0] for r in results["rows"]]
    assert names == ["SGD", "momentum", "RMSprop", "Adam", "AdaBound"]
    assert all(len(c) == 3 and c[-1] < c[0] for c in results["train_loss"].values())
    assert (tmp_path / "loss_curves.png").stat().st_size > 0
    assert json.loads((tmp_path / "results.json").read_text())["rows"][0]["optimizer"] == "SGD (lr 0.05)"
    assert optimizers.epochs_to_reach([0.5, 0.3, 0.1], 0.3) == 2
    assert optimizers.epochs_to_reach([0.5, 0.4], 0.1) is None


def test_schedules_quick(tmp_path):
    results = schedules.main(["--quick", "--no-progress", "--out", str(tmp_path)])
    assert len(results["rows"]) == 4  # --quick trains with a few; all are plotted
    spe = results["steps_per_epoch"]
    # the history's lr is the schedule at each epoch's last step
    sched = schedules.make_schedules(spe, 3)["cosine"]
    lrs = results["lr"]["cosine"]
    assert [round(v, 6) for v in lrs] == [round(float(sched(spe * (e + 1) - 1)), 6) for e in range(3)]
    assert results["lr"]["constant"] == pytest.approx([schedules.LR] * 3)
    for name in ("schedules.png", "loss_curves.png", "lr_curves.png", "results.json"):
        assert (tmp_path / name).stat().st_size > 0
