"""minibatch.py: a step that blows up is caught, named and leaves the weights as they were."""

import numpy as np
import pytest

from classifiers import DivergenceError, LinearSVM


# Issue 7, row 3: one batch per epoch used to leave the update that blows up unchecked.
def test_a_single_huge_step_is_caught_and_previous_weights_kept(blobs):
    X, y = blobs
    with pytest.raises(DivergenceError, match="diverged at epoch 1"):
        LinearSVM(optimizer="sgd", learning_rate=1e30, max_iter=1).fit(X * 1e6, y)
    fitted = LinearSVM(optimizer="sgd", learning_rate=1e-3, max_iter=2).fit(X, y)
    before = fitted.coef_.copy()
    fitted.set_params(learning_rate=1e30, warm_start=True)
    with pytest.raises(DivergenceError, match="keeps its previous weights"):
        fitted.fit(X * 1e6, y)
    np.testing.assert_array_equal(fitted.coef_, before)


def test_partial_fit_catches_growth_across_calls(blobs):
    X, y = blobs
    clf = LinearSVM(optimizer="sgd", learning_rate=1e30)
    with pytest.raises(DivergenceError, match="was left unfitted"):
        clf.partial_fit(X * 1e6, y, classes=np.unique(y))
    assert not hasattr(clf, "coef_")
    clf = LinearSVM(optimizer="sgd", learning_rate=1e-3).partial_fit(X, y, classes=[0, 1, 2])
    before = clf.coef_.copy()
    clf.set_params(learning_rate=1e30)
    with pytest.raises(DivergenceError, match="keeps its previous weights"):
        clf.partial_fit(X * 1e6, y)
    np.testing.assert_array_equal(clf.coef_, before)


def test_divergence_message_names_the_rate_actually_used(blobs):
    X, y = blobs
    with pytest.raises(DivergenceError, match=r"last update used 1e\+30, from "
                                              r"learning_rate_schedule"):
        LinearSVM(optimizer="sgd", learning_rate_schedule=lambda t: 1e30,
                  max_iter=1).fit(X * 1e6, y)
    with pytest.raises(DivergenceError, match=r"last update used 1e\+30, learning_rate "
                                              r"times the schedule"):
        LinearSVM(optimizer="sgd", learning_rate=1e30, max_iter=1).fit(X * 1e6, y)


def test_divergence_from_alpha_says_so(blobs):
    # A sane rate, but alpha * rate >= 1: the L2 step itself overshoots.
    X, y = blobs
    with pytest.raises(DivergenceError, match=r"alpha \* rate = 1e\+06 \* 0.1 >= 1.*"
                                              r"smaller alpha also helps"):
        LinearSVM(optimizer="sgd", learning_rate=0.1, alpha=1e6, max_iter=5).fit(X, y)
