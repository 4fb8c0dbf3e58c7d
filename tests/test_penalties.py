"""penalties.py: L1 gives exact zeros at the lasso optimum and counts in the loss curve."""

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.linear_model import SGDClassifier
from sklearn.preprocessing import StandardScaler

from classifiers import LinearClassifier, SoftmaxClassifier


# Judgement call: L1 gives exact zeros, as SGDClassifier's does.
@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "nesterov", "adagrad", "rmsprop",
                                       "adam", "nadam", "adadelta"])
@pytest.mark.parametrize("penalty", ["l1", "elasticnet"])
def test_l1_zeroes_the_weights_of_irrelevant_features(optimizer, penalty):
    # shuffle=False: the 2 informative columns first, then 20 of noise
    X, y = make_classification(n_samples=600, n_features=22, n_informative=2,
                               n_redundant=0, n_repeated=0, n_classes=2, shuffle=False,
                               random_state=0)
    X = StandardScaler().fit_transform(X)
    clf = LinearClassifier(penalty=penalty, l1_ratio=0.9, alpha=0.02, optimizer=optimizer,
                           random_state=0).fit(X, y)
    peer = SGDClassifier(penalty=penalty, l1_ratio=0.9, alpha=0.02, random_state=0).fit(X, y)
    noise_zeros = int(np.sum(clf.coef_[:, 2:] == 0))
    # measured: 16 or 17 of the 20 noise weights (SGDClassifier: 18)
    assert noise_zeros >= 16, (noise_zeros, int(np.sum(peer.coef_[:, 2:] == 0)))
    assert np.all(clf.coef_[:, :2] != 0)            # the informative ones are kept
    assert clf.score(X, y) >= peer.score(X, y) - 0.05


def test_l1_proximal_fixed_point_is_the_lasso_optimum():
    # Full batch, so the iteration is deterministic: the fixed point of the
    # proximal step satisfies the subgradient optimality of the L1 objective.
    X, y = make_classification(n_samples=300, n_features=8, n_informative=3,
                               n_redundant=0, random_state=1)
    X = StandardScaler().fit_transform(X)
    alpha = 0.05
    clf = SoftmaxClassifier(penalty="l1", alpha=alpha, batch_size=None,
                            learning_rate_schedule="constant", max_iter=3000,
                            random_state=0).fit(X, y)
    P = clf._P
    data_only = SoftmaxClassifier(penalty=None)._objective
    _, grad = data_only(P, X, np.searchsorted(clf.classes_, y), np.ones(len(y)))
    W, gW = P[:, :-1], grad[:, :-1]
    nonzero = W != 0
    assert nonzero.any() and (~nonzero).any()
    np.testing.assert_allclose(gW[nonzero], -alpha * np.sign(W[nonzero]), atol=1e-6)
    assert np.all(np.abs(gW[~nonzero]) <= alpha + 1e-6)
    np.testing.assert_allclose(grad[:, -1], 0, atol=1e-6)       # the intercept is free


def test_l1_loss_curve_counts_the_penalty(blobs):
    X, y = blobs
    with_l1 = SoftmaxClassifier(penalty="l1", alpha=0.1, max_iter=3, random_state=0).fit(X, y)
    y_idx = np.searchsorted(with_l1.classes_, y)
    J, _ = with_l1._objective(with_l1._P, X, y_idx, np.ones(len(y)))
    J0, _ = SoftmaxClassifier(penalty=None)._objective(with_l1._P, X, y_idx, np.ones(len(y)))
    assert J == pytest.approx(J0 + 0.1 * np.abs(with_l1._P[:, :-1]).sum())
