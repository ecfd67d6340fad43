"""The recurrent and gradient-flow experiments run end to end in --quick mode."""

import json
import math

from experiments import gradient_flow, rnn_text, timeseries


def test_rnn_text_quick(tmp_path):
    results = rnn_text.main(["--quick", "--no-progress", "--out", str(tmp_path)])
    vocab = results["vocab_size"]
    for row in results["models"]:
        # trained models beat the uniform guess over the vocabulary by a wide margin
        assert row["val perplexity"] < 0.5 * vocab and row["test perplexity"] < 0.5 * vocab
    for cell in ("lstm", "gru"):
        for text in results["samples"][cell].values():
            assert text.startswith("The ") and len(text) == 4 + 40
    saved = json.loads((tmp_path / "results.json").read_text())
    assert saved["models"][0]["cell"] == "lstm"
    assert (tmp_path / "perplexity.png").stat().st_size > 0


def test_timeseries_quick(tmp_path):
    results = timeseries.main(["--quick", "--no-progress", "--out", str(tmp_path)])
    rows = {r["model"]: r for r in results["models"]}
    assert set(rows) == {"naive last value", "LSTM", "GRU"}
    assert rows["naive last value"]["test RMSE / naive"] == 1.0
    # starting from the naive forecast (skip_last), a few epochs stay near or below it
    assert all(r["test RMSE / naive"] < 1.5 for r in rows.values())
    assert (tmp_path / "forecast.png").exists() and (tmp_path / "loss.png").exists()


def test_gradient_flow_quick(tmp_path):
    results = gradient_flow.main(["--quick", "--no-progress", "--out", str(tmp_path)])
    mlp = {r["network"]: r for r in results["mlp"]}
    assert mlp["sigmoid, Glorot"]["last / first"] > 1e4  # vanishing towards the input
    assert mlp["sigmoid, Glorot"]["warnings"] > 0
    assert mlp["ReLU, He, batch norm, residual"]["max / min (hidden)"] < 100
    assert mlp["ReLU, He, batch norm, residual"]["warnings"] == 0
    by_gain = {r["gain"]: r for r in results["rnn_gradient_vs_length"]}
    assert by_gain[2.0]["T=50"] > 100 * by_gain[2.0]["T=10"]  # exponential growth with length
    assert by_gain[1.0]["T=50"] < 10 * by_gain[1.0]["T=10"]
    plain, clipped = results["rnn_training"]
    assert plain["max grad norm"] > 1e3  # exploding gradients at length 50, gain 2
    assert math.isfinite(clipped["initial loss"]) and clipped["initial loss"] == plain["initial loss"]
    for name in ("mlp_gradients.png", "rnn_gradients.png", "rnn_training.png"):
        assert (tmp_path / name).exists()
