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
.. [4] Y. Nesterov, "Smooth minimization of non-smooth functions",
   Mathematical Programming 103, 2005 (the smoothed hinge).
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
    """Squared Weston-Watkins multiclass hinge loss.

    ``L_i = sum_{j != y_i} max(0, s_j - s_{y_i} + margin) ** 2``

    Parameters and returns as in :func:`hinge`.
    """
    M, rows = _hinge_margins(S, y, margin)
    np.maximum(M, 0, out=M)
    L = np.einsum("ij,ij->i", M, M)
    dS = 2 * M
    dS[rows, y] = -dS.sum(axis=1)
    return L, dS


def smoothed_hinge(S, y, margin=1.0, smoothing=1.0):
    """The multiclass hinge with each term Huber-smoothed (Nesterov 2005).

    ``L_i = sum_{j != y_i} h_mu(m_ij)`` with ``m_ij = s_j - s_{y_i} + margin`` and

    ``h_mu(z) = max_{0 <= a <= 1} (a z - mu a^2 / 2)``: 0 for ``z <= 0``,
    ``z^2 / (2 mu)`` for ``0 < z < mu`` and ``z - mu / 2`` beyond.

    Its derivative ``a = clip(z / mu, 0, 1)`` is continuous, so a quasi-Newton
    method can minimize it, and the maximizing ``a`` is a feasible point of the
    hinge's dual (:mod:`classifiers.duality`).  The smoothing lowers each term
    by ``h(z) - h_mu(z) = mu (a - a^2 / 2)``, between 0 and ``mu / 2``.

    Parameters
    ----------
    S : ndarray of shape (n_samples, n_classes)
    y : ndarray of shape (n_samples,)
    margin : float, default=1.0
    smoothing : float > 0, default=1.0
        ``mu``, the width of the quadratic piece.

    Returns
    -------
    L : ndarray of shape (n_samples,)
    dS : ndarray of shape (n_samples, n_classes)
        ``a_ij`` off the true class, ``-sum_j a_ij`` on it.
    """
    M, rows = _hinge_margins(S, y, margin)
    mu = S.dtype.type(smoothing)
    np.maximum(M, 0, out=M)
    A = np.minimum(M, mu)
    A /= mu
    # h_mu(z) = a z - mu a^2 / 2 at the maximizing a
    L = np.einsum("ij,ij->i", A, M) - mu / 2 * np.einsum("ij,ij->i", A, A)
    A[rows, y] = -A.sum(axis=1)
    return L, A


def _ovr_margins(S, y, margin):
    """``margin - t_ik s_ik`` and the targets ``t_ik``: +1 for the true class, -1 elsewhere."""
    T = np.full(S.shape, -1, dtype=S.dtype)
    T[np.arange(S.shape[0]), y] = 1
    return S.dtype.type(margin) - T * S, T


def ovr_hinge(S, y, margin=1.0):
    """One-vs-rest hinge loss: a binary SVM per class, each against all the others.

    ``L_i = sum_k max(0, margin - t_ik s_ik)`` with ``t_ik = +1`` for
    ``k = y_i`` and ``-1`` otherwise: each score is pushed to its own side of
    zero, independently of the other classes' scores (scikit-learn's
    ``LinearSVC(loss='hinge')``).

    Parameters and returns as in :func:`hinge`.
    """
    M, T = _ovr_margins(S, y, margin)
    np.maximum(M, 0, out=M)
    return M.sum(axis=1), -T * (M > 0)


def ovr_squared_hinge(S, y, margin=1.0):
    """One-vs-rest squared hinge loss: the L2-SVM of Coates et al. [2]_ and of
    scikit-learn's ``LinearSVC``, one binary problem per class.

    ``L_i = sum_k max(0, margin - t_ik s_ik) ** 2`` with ``t_ik`` as in
    :func:`ovr_hinge`.

    Parameters and returns as in :func:`hinge`.
    """
    M, T = _ovr_margins(S, y, margin)
    np.maximum(M, 0, out=M)
    return np.einsum("ij,ij->i", M, M), -2 * T * M


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


LOSSES = {"hinge": hinge, "squared_hinge": squared_hinge, "ovr_hinge": ovr_hinge,
          "ovr_squared_hinge": ovr_squared_hinge, "softmax": softmax}
