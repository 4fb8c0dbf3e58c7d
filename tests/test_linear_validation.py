"""linear.py's checks at fit: class and sample weights, every parameter by its name.

Apart from test_linear.py because these tests read conftest.py's three-class ``blobs``
and test_linear.py has a four-class ``blobs`` of its own.
"""

import numpy as np
import pytest
from sklearn.utils._param_validation import InvalidParameterError

from classifiers import LinearClassifier, LinearSVM, SoftmaxClassifier


# Issue 7, row 5: class weights are checked like sample weights.
@pytest.mark.parametrize("weight", [-0.1, -5, float("nan"), float("inf"), "heavy", None, True])
def test_bad_class_weight_names_the_class(blobs, weight):
    X, y = blobs
    with pytest.raises(ValueError, match=r"class_weight gives class 0 the weight"):
        LinearSVM(class_weight={0: weight, 1: 1, 2: 1}).fit(X, y)


def test_class_weight_for_an_unknown_class_is_refused(blobs):
    X, y = blobs
    with pytest.raises(ValueError, match=r"class_weight names the classes \[7\], which are "
                                         r"not in y \(its classes are \[0, 1, 2\]\)"):
        LinearSVM(class_weight={7: 2.0}).fit(X, y)


def test_infinite_or_negative_sample_weight_is_refused(blobs):
    X, y = blobs
    for bad in (np.inf, np.nan, -1.0):
        sw = np.ones(len(y))
        sw[3] = bad
        with pytest.raises(ValueError):
            SoftmaxClassifier().fit(X, y, sample_weight=sw)


# The sweep: every public parameter refuses bad values at fit, with its name.
@pytest.mark.parametrize("params, name", [
    ({"margin": 0}, "margin"), ({"margin": "1"}, "margin"), ({"alpha": np.nan}, "alpha"),
    ({"l1_ratio": 1.5}, "l1_ratio"), ({"optimizer": "Adam"}, "optimizer"),
    ({"learning_rate": 0}, "learning_rate"), ({"learning_rate": "auto"}, "learning_rate"),
    ({"learning_rate_schedule": "cosine"}, "learning_rate_schedule"),
    ({"batch_size": 0}, "batch_size"), ({"batch_size": 2.5}, "batch_size"),
    ({"max_iter": 0}, "max_iter"), ({"max_iter": 1.5}, "max_iter"), ({"tol": -1}, "tol"),
    ({"n_iter_no_change": 0}, "n_iter_no_change"), ({"early_stopping": "yes"}, "early_stopping"),
    ({"validation_fraction": 1.0}, "validation_fraction"), ({"shuffle": 1}, "shuffle"),
    ({"random_state": "seed"}, "random_state"), ({"warm_start": None}, "warm_start"),
    ({"fit_intercept": "no"}, "fit_intercept"), ({"class_weight": "equal"}, "class_weight"),
    ({"verbose": "loud"}, "verbose"), ({"penalty": "l3"}, "penalty"),
])
def test_every_parameter_is_validated_at_fit(blobs, params, name):
    X, y = blobs
    with pytest.raises(InvalidParameterError, match=f"The '{name}' parameter"):
        LinearClassifier(**params).fit(X, y)
