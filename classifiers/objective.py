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

from typing import NamedTuple, Optional

import numpy as np

from .losses import LOSSES
from .penalties import PENALTIES, l1_weight

# Rows per block of the objective: 512 rows of 3,072 float32 features are
# 6 MiB, which stay in the L3 cache between a block's two matrix products.
BLOCK_ROWS = 512

# A batch objective this many times above where training started means the
# steps overshoot and grow geometrically: a convex objective never climbs that
# far under a working step size, and waiting for inf could take many epochs
# (or never come, when ``tol`` stops training first).
DIVERGENCE_FACTOR = 1e4


class Problem(NamedTuple):
    """The settings that define the objective: loss, penalty and intercept."""

    loss: str
    margin: float
    penalty: Optional[str]
    alpha: float
    l1_ratio: float
    fit_intercept: bool

    @classmethod
    def of(cls, estimator):
        """The problem an estimator's settings define."""
        return cls(estimator.loss, estimator.margin, estimator.penalty, estimator.alpha,
                   estimator.l1_ratio, estimator.fit_intercept)

    def objective(self, P, X, y, sample_weight, l1_in_gradient=True, dS_out=None):
        """:func:`objective` of this problem."""
        return objective(P, X, y, sample_weight, loss=self.loss, margin=self.margin,
                         penalty=self.penalty, alpha=self.alpha, l1_ratio=self.l1_ratio,
                         fit_intercept=self.fit_intercept, l1_in_gradient=l1_in_gradient,
                         dS_out=dS_out)


class Solution(NamedTuple):
    """What a solver hands back to the estimator.

    ``opt_state`` is what a warm start or ``partial_fit`` continues from;
    ``dual_gap`` the exact solver's certificate (None for the others);
    ``l1_state`` the cumulative L1 penalty a ``partial_fit`` epoch leaves
    for the next (None for ``fit``).
    """

    P: np.ndarray
    opt_state: object
    n_iter: int
    t: int
    loss_curve: list
    validation_scores: Optional[list]
    best_loss: float
    dual_gap: Optional[float] = None
    l1_state: Optional[object] = None


def scores(P, X, fit_intercept):
    """Class scores ``S = X @ W.T + b`` of shape ``(n_samples, n_classes)``."""
    if fit_intercept:
        return X @ P[:, :-1].T + P[:, -1]
    return X @ P.T


def objective(P, X, y, sample_weight, *, loss, margin, penalty, alpha,
              l1_ratio, fit_intercept, block_rows=BLOCK_ROWS, l1_in_gradient=True,
              dS_out=None):
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
    loss : {'hinge', 'squared_hinge', 'ovr_hinge', 'ovr_squared_hinge', 'softmax'} or callable
        A name of :data:`~classifiers.losses.LOSSES`, or a function
        ``(S, y, margin) -> (L, dS)`` of the same form (e.g. the smoothed
        hinge with its smoothing set).
    margin : float
    penalty : {'l2', 'l1', 'elasticnet', None}
    alpha, l1_ratio : float
    fit_intercept : bool
    l1_in_gradient : bool, default=True
        False leaves the subgradient of the L1 part of the penalty out of
        ``dP`` (the value ``J`` keeps it), for a solver that applies it as a
        proximal step instead.
    dS_out : ndarray of shape (n_samples, n_classes), optional
        Receives every sample's ``dL_i / dS_i`` (unweighted): for the hinge
        losses, the dual variables of the point (:mod:`classifiers.duality`).
    block_rows : int, default=BLOCK_ROWS
        Rows of ``X`` per block.  Each block's forward and backward products
        run back to back while the block is still in cache, so a full batch
        streams ``X`` from memory once instead of twice.

    Returns
    -------
    J : float
        Weighted mean data loss plus ``alpha * R(W)``, accumulated in float64.
    dP : ndarray of the shape and dtype of ``P``
    """
    loss_fn = LOSSES[loss] if isinstance(loss, str) else loss
    w = sample_weight / sample_weight.sum()
    dP = np.zeros_like(P)
    dW = dP[:, :-1] if fit_intercept else dP
    data_loss = 0.0
    for start in range(0, X.shape[0], block_rows):
        rows = slice(start, start + block_rows)
        Xb, wb = X[rows], w[rows]
        L, dS = loss_fn(scores(P, Xb, fit_intercept), y[rows], margin)
        data_loss += float(np.dot(wb.astype(np.float64), L.astype(np.float64)))
        if dS_out is not None:
            dS_out[rows] = dS
        dS *= wb[:, None]
        dW += dS.T @ Xb
        if fit_intercept:
            dP[:, -1] += dS.sum(axis=0)

    W = P[:, :-1] if fit_intercept else P
    R, dR = PENALTIES[penalty](W, l1_ratio)
    if not l1_in_gradient and l1_weight(penalty, l1_ratio):
        dR -= P.dtype.type(l1_weight(penalty, l1_ratio)) * np.sign(W)
    dW += P.dtype.type(alpha) * dR
    return data_loss + alpha * R, dP


def shift_pairs(pairs, shift, fit_intercept):
    """L-BFGS curvature pairs ``(s, y, rho)`` of this objective at another L2 strength.

    Only the penalty's curvature ``alpha I`` on ``W`` depends on ``alpha``, so
    a pair measured at ``alpha`` holds at ``alpha + shift`` once each ``y``
    gains ``shift * s`` on the columns of ``W`` (not the intercept's); ``rho``
    is recomputed by the solver.
    """
    shifted = []
    for step, change, _ in pairs:
        change = change.copy()
        if fit_intercept:
            change[:, :-1] += change.dtype.type(shift) * step[:, :-1]
        else:
            change += change.dtype.type(shift) * step
        shifted.append((step, change, None))
    return shifted
