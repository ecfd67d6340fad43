"""Metrics against scikit-learn: one-shot, jitted, and streamed over uneven masked batches."""

from __future__ import annotations

import functools
import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import metrics as skm

import jaxnets as jn
from jaxnets import metrics as M

TOL = dict(rtol=1e-6, atol=1e-6)


def _case(seed: int, n: int, classes: int, ties: bool, imbalance: float):
    """Random labels (with a skewed class distribution), logits and predictions."""
    rng = np.random.default_rng(seed)
    p = np.full(classes, (1 - imbalance) / max(classes - 1, 1))
    p[0] = imbalance
    y = rng.choice(classes, n, p=p / p.sum()).astype(np.int32)
    y[:classes] = np.arange(classes)  # every class present
    logits = rng.normal(size=(n, classes)).astype(np.float32) + 0.8 * np.eye(classes)[y]
    if ties:
        logits = np.round(logits * 2) / 2
    pred = np.argmax(logits, 1).astype(np.int32)
    return y, logits, pred


def _stream(metric, outputs, labels, sizes, num_classes, jit=True):
    """Stream ``metric`` over batches of the given sizes, each padded to one width with
    masked junk rows (so every update has one shape and compiles once)."""
    n = len(labels)
    width = n  # > every size: each batch carries at least one junk row
    state = metric.init(n, num_classes)
    update = jax.jit(metric.update) if jit else metric.update
    start = 0
    rng = np.random.default_rng(1)
    for size in sizes:
        out, lab = outputs[start:start + size], labels[start:start + size]
        pad = width - size
        junk_out = rng.normal(size=(pad, *outputs.shape[1:])).astype(outputs.dtype) * 9
        junk_lab = rng.integers(0, max(num_classes, 2), pad).astype(labels.dtype) \
            if labels.dtype.kind == "i" else rng.normal(size=(pad, *labels.shape[1:])).astype(
                labels.dtype)
        mask = np.concatenate([np.ones(len(lab)), np.zeros(pad)]).astype(np.float32)
        state = update(state, np.concatenate([out, junk_out]), np.concatenate([lab, junk_lab]),
                       mask)
        start += size
    assert start == n
    return jax.jit(metric.compute)(state) if jit else metric.compute(state)


def _uneven(n: int, seed: int) -> list[int]:
    rng = np.random.default_rng(seed)
    cuts = np.sort(rng.choice(np.arange(1, n), size=min(3, n - 1), replace=False))
    return list(np.diff(np.concatenate([[0], cuts, [n]])))


def _softmax(z):
    e = np.exp(z - z.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)


# ---------------------------------------------------------------- confusion-matrix scores

_AVERAGES = ("micro", "macro", "weighted", None, "binary")


@functools.partial(jax.jit, static_argnums=2)
def _all_scores(pred, y, classes):
    """Every (kind, average) score from one confusion matrix, compiled once per class count."""
    cm = M.confusion_matrix(pred, y, classes)
    return {f"{kind} {avg}": M.score_from_confusion(cm, kind, avg)
            for kind in ("precision", "recall", "f1")
            for avg in _AVERAGES if avg != "binary" or classes == 2}


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 10**6), classes=st.sampled_from([2, 4]),
       imbalance=st.sampled_from([0.1, 0.5, 0.8]))
def test_confusion_scores_match_sklearn(seed, classes, imbalance):
    y, logits, pred = _case(seed, 40, classes, False, imbalance)
    sk = {"precision": skm.precision_score, "recall": skm.recall_score, "f1": skm.f1_score}
    got = _all_scores(pred, y, classes)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for key, value in got.items():
            kind, avg = key.split()
            avg = None if avg == "None" else avg
            want = sk[kind](y, pred, average=avg, zero_division=0)
            np.testing.assert_allclose(value, want, **TOL, err_msg=f"{kind} {avg}")
    np.testing.assert_array_equal(got_cm := M.confusion_matrix(pred, y, classes),
                                  skm.confusion_matrix(y, pred, labels=range(classes)))
    assert got_cm.dtype == jnp.int32


def test_zero_division_and_absent_classes():
    y = np.array([0, 0, 1, 1])
    pred = np.array([0, 0, 0, 0])  # class 1 never predicted: precision 0/0 -> 0
    assert float(M.precision(pred, y, num_classes=2, average="binary")) == 0.0
    assert float(M.f1(pred, y, num_classes=2, average="binary")) == 0.0
    # class 2 absent from labels and predictions: excluded from macro, as scikit-learn
    want = skm.recall_score(y, pred, average="macro", zero_division=0)
    np.testing.assert_allclose(M.recall(pred, y, num_classes=3, average="macro"), want, **TOL)


def test_specificity_matches_multilabel_confusion():
    y, _, pred = _case(3, 50, 4, False, 0.5)
    mcm = skm.multilabel_confusion_matrix(y, pred, labels=range(4))
    tn, fp = mcm[:, 0, 0], mcm[:, 0, 1]
    np.testing.assert_allclose(M.specificity(pred, y, 4, average=None), tn / (tn + fp), **TOL)
    yb, _, pb = _case(4, 40, 2, False, 0.3)
    np.testing.assert_allclose(M.specificity(pb, yb, 2), skm.recall_score(yb, pb, pos_label=0),
                               **TOL)


@pytest.mark.parametrize("jit", [False, True])
def test_confusion_scores_stream_equals_one_shot(jit):
    y, logits, pred = _case(7, 57, 4, True, 0.6)
    for avg in ("micro", "macro", "weighted"):
        m = M.ConfusionScore("f1", avg)
        got = _stream(m, logits, y, _uneven(57, 2), 4, jit)
        np.testing.assert_allclose(got, skm.f1_score(y, pred, average=avg), **TOL)
    per_class = _stream(M.ConfusionScore("precision", None), logits, y, _uneven(57, 3), 4, jit)
    want = skm.precision_score(y, pred, average=None, zero_division=0)
    np.testing.assert_allclose([per_class[str(i)] for i in range(4)], want, **TOL)
    cm = _stream(M.ConfusionMatrix(), logits, y, _uneven(57, 4), 4, jit)
    np.testing.assert_array_equal(cm, skm.confusion_matrix(y, pred))


def test_one_shot_jit_equals_eager():
    y, logits, pred = _case(11, 40, 3, False, 0.4)
    f = jax.jit(lambda p, t: M.f1(p, t, num_classes=3, average="weighted"))
    np.testing.assert_allclose(f(pred, y), M.f1(pred, y, num_classes=3, average="weighted"),
                               **TOL)
    with pytest.raises(ValueError, match="num_classes must be given"):
        jax.jit(lambda p, t: M.f1(p, t))(pred, y)


# ---------------------------------------------------------------- top-k and log-loss

_TOPK = jax.jit(M.top_k_accuracy, static_argnums=2)


@settings(max_examples=6, deadline=None)
@given(seed=st.integers(0, 10**6), classes=st.integers(3, 4), k=st.integers(1, 4))
def test_top_k_matches_sklearn_with_ties(seed, classes, k):
    y, logits, _ = _case(seed, 40, classes, True, 0.5)
    want = skm.top_k_accuracy_score(y, logits, k=k, labels=range(classes))
    np.testing.assert_allclose(_TOPK(logits, y, k), want, **TOL)


def test_top_k_streams_and_one_shot():
    y, logits, _ = _case(1, 40, 4, True, 0.5)
    want = skm.top_k_accuracy_score(y, logits, k=2)
    np.testing.assert_allclose(M.top_k_accuracy(logits, y, 2), want, **TOL)
    np.testing.assert_allclose(_stream(M.TopKAccuracy(2), logits, y, _uneven(40, 3), 4), want,
                               **TOL)


def test_log_loss_matches_sklearn():
    y, logits, _ = _case(5, 50, 4, False, 0.5)
    want = skm.log_loss(y, _softmax(logits.astype(np.float64)), labels=range(4))
    np.testing.assert_allclose(M.log_loss(logits, y), want, **TOL)
    np.testing.assert_allclose(_stream(M.LogLoss(), logits, y, _uneven(50, 1), 4), want,
                               **TOL)
    z = np.random.default_rng(0).normal(size=30).astype(np.float32)
    yb = (z + np.random.default_rng(1).normal(size=30) > 0).astype(np.int32)
    np.testing.assert_allclose(M.log_loss(z, yb), skm.log_loss(yb, 1 / (1 + np.exp(-z))),
                               **TOL)


# ---------------------------------------------------------------- ranking metrics

_JIT_AUC, _JIT_AP = jax.jit(M.auc_roc), jax.jit(M.average_precision)


@settings(max_examples=12, deadline=None)
@given(seed=st.integers(0, 10**6), ties=st.booleans(),
       imbalance=st.sampled_from([0.05, 0.3, 0.5, 0.9]))
def test_binary_auc_and_ap_match_sklearn(seed, ties, imbalance):
    rng = np.random.default_rng(seed)
    n = 40
    y = (rng.random(n) < imbalance).astype(np.int32)
    y[:2] = [0, 1]
    s = rng.normal(size=n).astype(np.float32) + y
    if ties:
        s = np.round(s)
    np.testing.assert_allclose(_JIT_AUC(s, y), skm.roc_auc_score(y, s), **TOL)
    np.testing.assert_allclose(_JIT_AP(s, y), skm.average_precision_score(y, s), **TOL)
    fpr, tpr, thr = M.roc_curve(s, y)
    for got, want in zip((fpr, tpr, thr), skm.roc_curve(y, s, drop_intermediate=False),
                         strict=True):
        np.testing.assert_allclose(got, want, **TOL)
    for got, want in zip(M.precision_recall_curve(s, y), skm.precision_recall_curve(y, s),
                         strict=True):
        np.testing.assert_allclose(got, want, **TOL)


@pytest.mark.parametrize("jit,ties", [(True, False), (True, True), (False, True)])
def test_binary_auc_streams_exactly(jit, ties):
    rng = np.random.default_rng(3)
    n = 61
    y = (rng.random(n) < 0.3).astype(np.int32)
    z = (rng.normal(size=n) + 1.5 * y).astype(np.float32)
    if ties:
        z = np.round(z * 2) / 2
    if not jit:
        np.testing.assert_allclose(M.auc_roc(z, y), skm.roc_auc_score(y, z), **TOL)
        np.testing.assert_allclose(M.average_precision(z, y), skm.average_precision_score(y, z),
                                   **TOL)
    forms = (z, z[:, None], np.stack([np.zeros_like(z), z], 1)) if jit and ties else (z,)
    for outputs in forms:
        auc = _stream(M.AUCROC(), outputs, y, _uneven(n, 5), 2, jit)
        np.testing.assert_allclose(auc, skm.roc_auc_score(y, z), **TOL)
        ap = _stream(M.AveragePrecision(), outputs, y, _uneven(n, 6), 2, jit)
        np.testing.assert_allclose(ap, skm.average_precision_score(y, z), **TOL)


@pytest.mark.parametrize("average", ["macro", "weighted"])
def test_multiclass_auc_ovr_matches_sklearn(average):
    y, logits, _ = _case(9, 70, 4, False, 0.55)
    probs = _softmax(logits.astype(np.float64))
    want = skm.roc_auc_score(y, probs, multi_class="ovr", average=average)
    auc = jax.jit(M.auc_roc, static_argnames=("average", "from_logits"))
    np.testing.assert_allclose(auc(probs.astype(np.float32), y, average), want, **TOL)
    np.testing.assert_allclose(auc(logits, y, average, from_logits=True), want, **TOL)
    # streaming, with ties: the metric ranks float32 log-softmax scores one-vs-rest
    y, logits, _ = _case(10, 70, 4, True, 0.55)
    lsm = np.asarray(jax.nn.log_softmax(logits))
    want = np.average([skm.roc_auc_score(y == c, lsm[:, c]) for c in range(4)],
                      weights=np.bincount(y) if average == "weighted" else None)
    np.testing.assert_allclose(_stream(M.AUCROC(average), logits, y, _uneven(70, 8), 4), want,
                               **TOL)
    want_ap = skm.average_precision_score(y, lsm, average=average)
    np.testing.assert_allclose(_stream(M.AveragePrecision(average), logits, y, _uneven(70, 2), 4),
                               want_ap, **TOL)


def test_roc_curve_metric_per_class():
    y, logits, _ = _case(2, 30, 3, False, 0.5)
    points = _stream(M.ROCCurve(), logits, y, _uneven(30, 1), 3)
    lsm = np.asarray(jax.nn.log_softmax(logits))
    for c in range(3):
        fpr, tpr, _ = M.roc_curve_from_points(jax.tree_util.tree_map(lambda a, c=c: a[c], points))
        want = skm.roc_curve(y == c, lsm[:, c], drop_intermediate=False)
        np.testing.assert_allclose(fpr, want[0], **TOL)
        np.testing.assert_allclose(tpr, want[1], **TOL)


def test_pr_curve_metric_streams():
    rng = np.random.default_rng(8)
    y = rng.integers(0, 2, 30).astype(np.int32)
    z = np.round(rng.normal(size=30) + y, 1).astype(np.float32)
    points = _stream(M.PrecisionRecallCurve(), z, y, _uneven(30, 2), 2)
    for got, want in zip(M.pr_curve_from_points(points), skm.precision_recall_curve(y, z),
                         strict=True):
        np.testing.assert_allclose(got, want, **TOL)


def test_one_shot_masks_equal_the_unmasked_subset():
    y, logits, pred = _case(12, 40, 3, True, 0.5)
    mask = (np.arange(40) % 3 != 0).astype(np.float32)
    keep = mask > 0
    f1 = jax.jit(lambda p, t, m: M.f1(p, t, 3, "weighted", mask=m))
    np.testing.assert_allclose(f1(pred, y, mask), skm.f1_score(y[keep], pred[keep],
                                                               average="weighted"), **TOL)
    auc = jax.jit(lambda s, t, m: M.auc_roc(s, t, mask=m, from_logits=True))
    lsm = np.asarray(jax.nn.log_softmax(logits))[keep]
    want = np.mean([skm.roc_auc_score(y[keep] == c, lsm[:, c]) for c in range(3)])
    np.testing.assert_allclose(auc(logits, y, mask), want, **TOL)
    np.testing.assert_allclose(M.accuracy(pred, y, mask=mask),
                               skm.accuracy_score(y[keep], pred[keep]), **TOL)


def test_metric_states_vmap_over_a_population():
    y, logits, _ = _case(13, 30, 3, False, 0.5)
    stacked = np.stack([logits, -logits])  # two "models" on the same data
    for m in (M.AUCROC(), M.ConfusionScore("f1", "macro"), M.LogLoss(), M.TopKAccuracy(2)):
        state = jax.tree_util.tree_map(lambda a: jnp.broadcast_to(a, (2, *a.shape)),
                                       m.init(30, 3))
        one = jax.jit(lambda s, o, m=m: m.compute(m.update(s, o, y)))
        got = jax.jit(jax.vmap(one))(state, stacked)
        for i in range(2):
            want = one(m.init(30, 3), stacked[i])
            np.testing.assert_allclose(got[i], want, **TOL, err_msg=m.name)


def test_single_class_auc_is_undefined():
    s, y = np.array([0.1, 0.4, 0.3]), np.array([1, 1, 1])
    with pytest.raises(ValueError, match="undefined when only one class"):
        M.auc_roc(s, y)
    assert np.isnan(jax.jit(M.auc_roc)(s, y))


def test_buffer_merge_equals_single_stream():
    y, logits, _ = _case(4, 40, 3, True, 0.5)
    m = M.AUCROC()
    a = jax.jit(m.update)(m.init(25, 3), logits[:25], y[:25])
    b = jax.jit(m.update)(m.init(15, 3), logits[25:], y[25:])
    lsm = np.asarray(jax.nn.log_softmax(logits))
    want = np.mean([skm.roc_auc_score(y == c, lsm[:, c]) for c in range(3)])
    np.testing.assert_allclose(jax.jit(lambda a, b: m.compute(m.merge(a, b)))(a, b), want, **TOL)


def test_buffer_overflow_gives_nan_not_a_wrong_value():
    m = M.AUCROC()
    run = jax.jit(lambda s, y: m.compute(m.update(m.init(3, 2), s, y)))
    assert np.isnan(run(np.array([0.1, 0.2, 0.3, 0.4]), np.array([0, 1, 0, 1])))


# ---------------------------------------------------------------- regression

_REGRESSION = {name: jax.jit(getattr(M, name)) for name in ("mae", "mse", "rmse", "r2")}


def _regression_case(seed: int, n: int, d: int):
    rng = np.random.default_rng(seed)
    y = (rng.normal(size=(n, d)) * 3 + 100).astype(np.float32)  # offset: tests stable variance
    p = (y + rng.normal(size=(n, d))).astype(np.float32)
    want = {"mae": skm.mean_absolute_error(y, p), "mse": skm.mean_squared_error(y, p),
            "rmse": skm.root_mean_squared_error(y, p), "r2": skm.r2_score(y, p)}
    return y, p, want


@settings(max_examples=6, deadline=None)
@given(seed=st.integers(0, 10**6), d=st.integers(1, 2))
def test_regression_matches_sklearn(seed, d):
    y, p, want = _regression_case(seed, 30, d)
    for name, fn in _REGRESSION.items():
        np.testing.assert_allclose(fn(p, y), want[name], **TOL, err_msg=name)


@pytest.mark.parametrize("jit", [False, True])
def test_regression_streams_exactly(jit):
    y, p, want = _regression_case(0, 30, 2)
    for m in (M.MAE(), M.MSE(), M.RMSE(), M.R2()):
        got = _stream(m, p, y, _uneven(30, 4), 2, jit)
        np.testing.assert_allclose(got, want[m.name], **TOL, err_msg=m.name)
    np.testing.assert_allclose(M.r2(p[:, 0], y[:, 0]), skm.r2_score(y[:, 0], p[:, 0]), **TOL)


def test_r2_constant_target_follows_sklearn():
    y = np.ones(5, np.float32)
    assert float(M.r2(y, y)) == skm.r2_score(y, y) == 1.0
    assert float(M.r2(y + 1, y)) == skm.r2_score(y, y + 1) == 0.0


# ---------------------------------------------------------------- in fit and by name

def test_fit_records_named_metrics_for_train_and_validation():
    from tests.helpers import blobs

    x, y = blobs(n=60, d=4, classes=3, seed=0)
    model = jn.nn.MLP(features=(8, 3))
    names = ("accuracy", "f1", "precision_weighted", "auc", "top_2_accuracy", "log_loss")
    result = jn.fit(model, "adam", (x[:40], y[:40]), validation=(x[40:], y[40:]),
                    metrics=names, epochs=2, batch_size=16, verbose=False)
    for name in names:
        assert len(result.history[name]) == 2 and len(result.history[f"val_{name}"]) == 2
    logits = np.asarray(jn.predict(result.state, x[40:]))
    want_auc = skm.roc_auc_score(y[40:], _softmax(logits.astype(np.float64)), multi_class="ovr")
    np.testing.assert_allclose(result.history["val_auc"][-1], want_auc, **TOL)
    want_f1 = skm.f1_score(y[40:], logits.argmax(1), average="macro")
    np.testing.assert_allclose(result.history["val_f1"][-1], want_f1, **TOL)


def test_fit_history_keeps_the_confusion_matrix_and_callbacks_see_floats():
    from tests.helpers import blobs

    seen = []

    class Spy(jn.Callback):
        def on_epoch_end(self, trainer, epoch, logs):
            seen.append(logs)

    x, y = blobs(n=30, d=3, classes=3, seed=1)
    result = jn.fit(jn.nn.MLP(features=(4, 3)), "adam", (x, y), validation=(x, y),
                    metrics=("accuracy", "confusion_matrix"), epochs=1, batch_size=8,
                    callbacks=[Spy()], verbose=True)
    cm = result.history["val_confusion_matrix"][0]
    pred = np.asarray(jn.predict(result.state, x)).argmax(1)
    np.testing.assert_array_equal(cm, skm.confusion_matrix(y, pred, labels=range(3)))
    assert all(isinstance(v, float) for v in seen[0].values()) and "val_accuracy" in seen[0]


def test_fit_regression_metrics_multi_output():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 3)).astype(np.float32)
    y = np.stack([x.sum(1), x[:, 0] - x[:, 1]], 1).astype(np.float32)
    model = jn.nn.MLP(features=(8, 2))
    result = jn.fit(model, "adam", (x, y), loss="mse", metrics=("rmse", "r2"), epochs=1,
                    batch_size=16, verbose=False)
    pred = np.asarray(jn.predict(result.state, x))
    report = jn.evaluate(result.state, (x, y), metrics=("rmse", "r2", "mae"))
    np.testing.assert_allclose(report["r2"], skm.r2_score(y, pred), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(report["rmse"], skm.root_mean_squared_error(y, pred), rtol=1e-5)


def test_errors_name_the_argument():
    with pytest.raises(ValueError, match="unknown metric"):
        M.get_metric("f2")
    with pytest.raises(ValueError, match="average must be one of"):
        M.f1([0, 1], [0, 1], average="mean")
    with pytest.raises(ValueError, match="labels must be class ids"):
        M.precision([0, 1], [0, 5], num_classes=2)
    with pytest.raises(ValueError, match="needs 2 classes"):
        M.recall([0, 1, 2], [0, 1, 2], average="binary")
    with pytest.raises(ValueError, match="k must be a positive int"):
        M.TopKAccuracy(0)
    with pytest.raises(ValueError, match="column=CLASS"):
        M.roc_curve(np.eye(3, dtype=np.float32), [0, 1, 2])


def test_jnp_inputs_and_metric_names_resolve():
    for name in M.METRICS:
        assert isinstance(M.get_metric(name), M.Metric)
    assert float(M.accuracy(jnp.array([1, 0]), jnp.array([1, 1]))) == 0.5
