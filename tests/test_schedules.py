"""schedules.py: a callable learning_rate_schedule is checked, update by update."""

import numpy as np
import pytest
from sklearn.datasets import load_digits

from classifiers import LinearSVM, SoftmaxClassifier


# Issue 7, row 4: a callable schedule's output is checked, update by update.
@pytest.mark.parametrize("rate, match", [
    (-0.1, r"returned -0.1 for update t=1; .* >= 0 \(a negative rate trains uphill\)"),
    (None, r"returned None \(NoneType\) for update t=1"),
    ("0.1", r"returned '0.1' \(str\)"),
    (np.array([0.1, 0.2]), r"\(ndarray\)"),
    (float("nan"), r"returned nan"),
    (float("inf"), r"returned inf"),
    (True, r"returned True \(bool\)"),
])
def test_callable_schedule_returning_garbage_is_refused(blobs, rate, match):
    X, y = blobs
    with pytest.raises(ValueError, match=match):
        SoftmaxClassifier(learning_rate_schedule=lambda t: rate, max_iter=2).fit(X, y)


def test_callable_schedule_with_numpy_numbers_and_zero_works(blobs):
    X, y = blobs
    clf = SoftmaxClassifier(learning_rate_schedule=lambda t: np.float32(0.01) if t < 5 else 0,
                            max_iter=3, random_state=0).fit(X, y)
    assert np.isfinite(clf.coef_).all()


@pytest.mark.parametrize("optimizer", ["auto", "exact", "momentum"])
def test_a_schedule_returning_none_is_refused_whichever_solver_runs(optimizer):
    X, y = load_digits(return_X_y=True)
    with pytest.raises(ValueError, match=r"learning_rate_schedule returned None \(NoneType\) "
                                         r"for update t=1"):
        LinearSVM(optimizer=optimizer, learning_rate_schedule=lambda t: None).fit(X[:100], y[:100])
