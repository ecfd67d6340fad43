"""Bad input gets a clear error naming the argument, what was expected and what was found."""

import numpy as np
import pytest

import jaxnets as jn
from tests.helpers import blobs

X, Y = blobs(20)
MLP = jn.nn.MLP((8, 3))


def fit(train=(X, Y), **kw):
    kw.setdefault("verbose", False)
    kw.setdefault("epochs", 1)
    return jn.fit(kw.pop("model", MLP), kw.pop("optimizer", "adam"), train, **kw)


@pytest.mark.parametrize(
    "kwargs,error,match",
    [
        (dict(train=(X, Y[:-1])), ValueError, r"train: inputs and labels must have the same length"),
        (dict(train=(X[:0], Y[:0])), ValueError, r"train is empty"),
        (dict(train=(X, np.full(20, 3))), ValueError, r"class ids in \[0, 3\).*\[3, 3\]"),
        (dict(train=(X, np.full(20, -1))), ValueError, r"class ids in \[0, 3\).*\[-1, -1\]"),
        (dict(train=(X, Y.astype(np.float32))), TypeError, r"integer class ids or one-hot"),
        (dict(train=(np.where(X > 2, np.nan, X), Y)), ValueError, r"train inputs must be finite"),
        (dict(train=(np.where(X > 2, np.inf, X), Y)), ValueError, r"NaN or Inf"),
        (dict(batch_size=0), ValueError, r"batch_size must be a positive int.*found 0"),
        (dict(batch_size=-3), ValueError, r"batch_size .* found -3"),
        (dict(batch_size=2.5), TypeError, r"batch_size"),
        (dict(epochs=-1), ValueError, r"epochs must be an int >= 0"),
        (dict(loss="hinge"), ValueError, r"unknown loss 'hinge'; expected one of: .*cross_entropy"),
        (dict(metrics=("acc",)), ValueError, r"unknown metric 'acc'; expected one of: .*accuracy"),
        (dict(optimizer="adamx"), ValueError, r"unknown optimizer 'adamx'; expected one of: .*adam"),
        (dict(validation=(X[:, :3], Y)), ValueError, r"validation inputs must have feature shape"),
        (dict(loss="mse", metrics=("accuracy",)), ValueError, r"metric 'accuracy' is for classifiers"),
        (dict(train="data"), TypeError, r"train must be a Split"),
        (dict(callbacks=[object()]), TypeError, r"callbacks must be jaxnets Callback"),
        (dict(strategy="fast"), ValueError, r"strategy must be one of"),
    ],
)
def test_fit_rejects_bad_input(kwargs, error, match):
    with pytest.raises(error, match=match):
        fit(**kwargs)


def test_input_shape_that_does_not_fit_an_existing_state():
    state = fit().state
    with pytest.raises(ValueError, match=r"train inputs with feature shape \(7,\) do not fit"):
        jn.fit(MLP, None, (np.zeros((4, 7), np.float32), Y[:4]), initial_state=state,
               verbose=False)
    with pytest.raises(ValueError, match=r"x inputs with feature shape"):
        jn.predict(state, np.zeros((4, 7), np.float32))


def test_unknown_activation_and_initializer_names():
    with pytest.raises(ValueError, match=r"unknown activation 'relu6'; expected one of"):
        jn.nn.get_activation("relu6")
    with pytest.raises(ValueError, match=r"unknown initializer 'glorot'; expected one of"):
        jn.nn.get_initializer("glorot")
    with pytest.raises(ValueError, match=r"unknown activation"):
        fit(model=jn.nn.MLP((4, 3), activation="nope"))


def test_unknown_dataset_name():
    with pytest.raises(ValueError, match=r"unknown dataset 'digitz'; expected one of: .*digits"):
        jn.data.load("digitz")


def test_negative_learning_rate():
    with pytest.raises(ValueError, match=r"learning_rate must be a finite number >= 0"):
        jn.optim.adam(-1.0)
