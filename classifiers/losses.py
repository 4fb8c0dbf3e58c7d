"""Multiclass data losses on a batch of scores, each next to its gradient.

Every loss takes the scores ``S`` of shape ``(n_samples, n_classes)`` and the
integer class indices ``y`` of shape ``(n_samples,)`` and returns the per-sample
losses ``L`` of shape ``(n_samples,)`` together with ``dS = dL_i / dS_i`` of the
same shape as ``S``.  Weighting and averaging over samples is the caller's job
(see :mod:`classifiers.objective`), so each function stays the textbook formula.

References
----------
.. [1] J. Weston and C. Watkins, "Support vector machines for multi-class
   pattern recognition", ESANN 1999.
.. [2] A. Coates, H. Lee and A. Y. Ng, "An analysis of single-layer networks
   in unsupervised feature learning", AISTATS 2011 (L2-SVM, squared hinge).
.. [3] CS231n, "Linear classification: Support Vector Machine / Softmax".
"""

import numpy as np


def _hinge_margins(S, y, margin):
    """Margins ``s_j - s_{y_i} + margin`` with the true-class entry zeroed."""
    rows = np.arange(S.shape[0])
    M = S - S[rows, y][:, None] + S.dtype.type(margin)
    M[rows, y] = 0
    return M, rows


def hinge(S, y, margin=1.0):
    """Weston-Watkins multiclass hinge loss.

    ``L_i = sum_{j != y_i} max(0, s_j - s_{y_i} + margin)``

    Parameters
    ----------
    S : ndarray of shape (n_samples, n_classes)
        Class scores.
    y : ndarray of shape (n_samples,)
        Index of the true class of each sample.
    margin : float, default=1.0
        The desired gap (the course's delta) between the true score and the others.

    Returns
    -------
    L : ndarray of shape (n_samples,)
    dS : ndarray of shape (n_samples, n_classes)
        Gradient of each ``L_i`` with respect to its row of scores.
    """
    M, rows = _hinge_margins(S, y, margin)
    np.maximum(M, 0, out=M)
    L = M.sum(axis=1)
    # Each violated class pushes its own score up by one and the true score
    # down by one, so the true-class entry is minus the number of violations.
    dS = (M > 0).astype(S.dtype)
    dS[rows, y] = -dS.sum(axis=1)
    return L, dS


def squared_hinge(S, y, margin=1.0):
    """Squared multiclass hinge loss (the L2-SVM of Coates et al.).

    ``L_i = sum_{j != y_i} max(0, s_j - s_{y_i} + margin) ** 2``

    Parameters and returns as in :func:`hinge`.
    """
    M, rows = _hinge_margins(S, y, margin)
    np.maximum(M, 0, out=M)
    L = np.einsum("ij,ij->i", M, M)
    dS = 2 * M
    dS[rows, y] = -dS.sum(axis=1)
    return L, dS


def log_softmax(S):
    """Row-wise ``log(softmax(S))``, stable for any finite scores.

    Subtracting the row maximum first makes every exponent <= 0, so ``exp``
    cannot overflow, and the largest term is exactly 1 so the sum cannot
    underflow to zero (log-sum-exp trick).
    """
    Z = S - S.max(axis=1, keepdims=True)
    return Z - np.log(np.exp(Z).sum(axis=1, keepdims=True))


def softmax(S, y, margin=None):
    """Softmax cross-entropy loss with the natural logarithm.

    ``L_i = -s_{y_i} + log(sum_j exp(s_j))``

    ``margin`` is accepted for a uniform signature and ignored.

    Returns
    -------
    L : ndarray of shape (n_samples,)
    dS : ndarray of shape (n_samples, n_classes)
        ``softmax(S_i) - onehot(y_i)``.
    """
    rows = np.arange(S.shape[0])
    logP = log_softmax(S)
    L = -logP[rows, y]
    dS = np.exp(logP)
    dS[rows, y] -= 1
    return L, dS


LOSSES = {"hinge": hinge, "squared_hinge": squared_hinge, "softmax": softmax}
