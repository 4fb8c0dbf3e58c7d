"""The training objective of a linear classifier on one batch.

``J(P) = sum_i w_i * L_i(S_i, y_i) / sum_i w_i + alpha * R(W)``

with scores ``S = X @ W.T + b``.  The parameters live in one matrix
``P = [W | b]`` of shape ``(n_classes, n_features + fit_intercept)`` so that an
optimizer updates a single array; the penalty sees ``W`` only, so the intercept
is never penalised.

Dividing by ``sum_i w_i`` (rather than the number of rows) makes an integer
sample weight exactly equivalent to repeating the sample, and a zero weight to
dropping it; with unit weights it is the plain mean of scikit-learn's SGD.
"""

import numpy as np

from .losses import LOSSES
from .penalties import PENALTIES


def scores(P, X, fit_intercept):
    """Class scores ``S = X @ W.T + b`` of shape ``(n_samples, n_classes)``."""
    if fit_intercept:
        return X @ P[:, :-1].T + P[:, -1]
    return X @ P.T


def objective(P, X, y, sample_weight, *, loss, margin, penalty, alpha,
              l1_ratio, fit_intercept):
    """Objective value and its gradient with respect to ``P``.

    Parameters
    ----------
    P : ndarray of shape (n_classes, n_features + fit_intercept)
        Weights, with the intercept as the last column when ``fit_intercept``.
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)
        Class indices in ``0 .. n_classes - 1``.
    sample_weight : ndarray of shape (n_samples,)
        Non-negative weights with a positive sum.
    loss : {'hinge', 'squared_hinge', 'softmax'}
    margin : float
    penalty : {'l2', 'l1', 'elasticnet', None}
    alpha, l1_ratio : float
    fit_intercept : bool

    Returns
    -------
    J : float
        Weighted mean data loss plus ``alpha * R(W)``.
    dP : ndarray of the shape and dtype of ``P``
    """
    S = scores(P, X, fit_intercept)
    L, dS = LOSSES[loss](S, y, margin)
    w = sample_weight / sample_weight.sum()
    data_loss = float(w @ L)
    dS *= w[:, None]

    W = P[:, :-1] if fit_intercept else P
    R, dR = PENALTIES[penalty](W, l1_ratio)
    dP = np.empty_like(P)
    dW = dP[:, :-1] if fit_intercept else dP
    np.matmul(dS.T, X, out=dW)
    dW += P.dtype.type(alpha) * dR
    if fit_intercept:
        dP[:, -1] = dS.sum(axis=0)
    return data_loss + alpha * R, dP
