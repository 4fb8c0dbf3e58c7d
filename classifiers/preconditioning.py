"""A preconditioner for the full-batch solvers: the data's second moment, low rank.

The Hessian of a linear classifier's objective in the weights of one class is
about ``h * Sigma + alpha * I``, with ``Sigma = sum_i v_i x_i x_i^T`` the
(weighted, uncentred) second moment of the rows of ``X`` (with a 1 appended
for the intercept) and ``h`` the loss's average curvature in the scores.  On
image features ``Sigma``'s eigenvalues spread over eight decades (raw CIFAR-10
pixels: 860 down to 1e-6), which is what makes L-BFGS from the scaled identity
slow.  Starting its two-loop recursion from ``H0 = gamma M^-1`` with
``M = h Sigma + alpha I`` (Nocedal & Wright, s.7.2: any positive definite
``H0`` will do) removes most of that spread.

``Sigma`` is approximated at rank ``k`` by a randomized Nystrom approximation
(Tropp et al. 2017) computed from at most ``max_rows`` rows, two passes over
them; the directions it misses keep the ``k``-th eigenvalue (Frangella, Tropp &
Udell 2023), so that ``M^-1 q = U (h Lambda + alpha)^-1 U^T q + (q - U U^T q) /
(h lambda_k + alpha)`` costs two thin products.

References
----------
.. [1] J. A. Tropp, A. Yurtsever, M. Udell and V. Cevher, "Fixed-rank
   approximation of a positive-semidefinite matrix from streaming data",
   NeurIPS 2017 (the stable Nystrom approximation, algorithm 3).
.. [2] Z. Frangella, J. A. Tropp and M. Udell, "Randomized Nystrom
   preconditioning", SIAM J. Matrix Anal. Appl. 44, 2023.
.. [3] J. Nocedal and S. J. Wright, "Numerical Optimization", 2nd ed., 2006.
"""

import hashlib
from typing import NamedTuple

import numpy as np
import scipy.linalg

#: Rows of ``X`` the second moment is estimated from (a uniform sample).
MAX_ROWS = 4096
#: Rank of the approximation: every eigenvalue of raw CIFAR-10 pixels'
#: second moment above ~1e-2 (a tenth of its 3,073).
RANK = 512


class SecondMoment(NamedTuple):
    """Rank-``k`` eigen-approximation ``Sigma ~ U diag(eigenvalues) U^T``.

    Attributes
    ----------
    eigenvalues : ndarray of shape (k,)
        Decreasing, >= 0.
    U : ndarray of shape (n_columns, k)
        Orthonormal columns, float64 whatever the dtype of ``X``: ``M^-1``
        subtracts the projection ``U U^T q`` from ``q``, and in float32 that
        difference drowns in rounding once ``alpha`` is far below the
        data's curvature, leaving ``M^-1`` indefinite (no descent direction).
    """

    eigenvalues: np.ndarray
    U: np.ndarray

    def inverse(self, curvature, alpha):
        """The function ``Q -> Q M^-1`` with ``M = curvature * Sigma + alpha I``, row by row.

        ``Q`` has shape ``(n_classes, n_columns)`` (one row of weights per
        class); the directions outside ``U`` count as having the ``k``-th
        eigenvalue.  With no curvature (every margin met), ``M = alpha I``.
        """
        lam = curvature * self.eigenvalues
        U = self.U
        # without a penalty (alpha = 0), directions the data never spans
        # still need a finite step: a floor far below the data's curvature
        alpha = max(alpha, 1e-10 * float(lam[0]), np.finfo(np.float64).tiny)
        inner = 1 / (lam + alpha)
        outer = 1 / (lam[-1] + alpha)

        def apply(Q):
            # (Q - Q U U^T) / (h lambda_k + alpha) + Q U (h Lambda + alpha)^-1 U^T,
            # in float64: the first term is a small difference of large terms
            Q64 = Q.astype(np.float64)
            QU = Q64 @ U
            return (outer * (Q64 - QU @ U.T) + (QU * inner) @ U.T).astype(Q.dtype)

        return apply


def loss_curvature(loss, dS, y, v, smoothing=None):
    """``h``: the loss's average curvature in one class's scores, at the point of ``dS``.

    The average over the classes and the samples of the diagonal of each
    sample's Hessian in its scores.  The hinge losses: every term with a
    nonzero dual variable (``dS_ij`` off the true class) counts ``ell'' = 2``
    (squared hinge) or ``1 / mu`` (the hinge smoothed by ``mu``), once in its
    class and once in the true class.  The one-vs-rest squared hinge: every
    nonzero ``dS_ik`` counts 2, in its own class only.  Softmax: ``diag(p) -
    p p^T``, whose diagonal sums to ``1 - sum_k p_k^2``.

    Parameters
    ----------
    loss : {'hinge', 'squared_hinge', 'ovr_squared_hinge', 'softmax'}
    dS : ndarray of shape (n_samples, n_classes)
        The loss's derivative in the scores (:func:`classifiers.objective.objective`'s
        ``dS_out``); a true-class column of zeros is fine for the hinge losses.
    y : ndarray of shape (n_samples,)
    v : ndarray of shape (n_samples,)
        Normalised sample weights.
    smoothing : float, optional
        ``mu`` of the smoothed hinge.
    """
    n_classes = dS.shape[1]
    true = dS[np.arange(len(y)), y]
    if loss == "softmax":
        p_squared = np.einsum("ij,ij->i", dS, dS) + 2 * true + 1    # with p_y = dS_y + 1
        return float(v @ (1 - p_squared)) / n_classes
    if loss == "ovr_squared_hinge":
        return 2 * float(v @ np.count_nonzero(dS, axis=1)) / n_classes
    active = float(v @ (np.count_nonzero(dS, axis=1) - (true != 0)))
    return 2 * active * (2.0 if loss == "squared_hinge" else 1 / smoothing) / n_classes


def second_moment(X, sample_weight, fit_intercept, *, rank=RANK, max_rows=MAX_ROWS,
                  random_state=0):
    """Nystrom approximation of ``sum_i w_i [x_i, 1] [x_i, 1]^T``.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    sample_weight : ndarray of shape (n_samples,)
        Non-negative, with a positive sum (normalised weights give the
        weighted second moment; curvatures give a Hessian's shape).
    fit_intercept : bool
        Append the constant column of the intercept.
    rank : int, default=RANK
        At most ``n_columns``; the full matrix when it is that large.
    max_rows : int, default=MAX_ROWS
        Rows used; more data are sampled uniformly (with ``random_state``).
    random_state : int, default=0

    Returns
    -------
    SecondMoment or None
        None when ``X`` holds values whose squares overflow (no
        preconditioning then; the solver meets the overflow itself).
    """
    rng = np.random.default_rng(random_state)
    return _factor(_weighted_sample(X, sample_weight, fit_intercept, max_rows, rng), rank,
                   rng)


def reusable_second_moment(X, sample_weight, fit_intercept, *, rank=RANK, max_rows=MAX_ROWS,
                           random_state=0, previous=None):
    """:func:`second_moment`, reusing ``previous`` when it was computed from the same sample.

    A warm start along an ``alpha`` path fits the same ``X`` again: its
    second moment does not change, and its factorization is the costly part
    (a few passes over a 4,096-row sample).  The sample (rows, weights and
    intercept column) is drawn again, cheaply, and fingerprinted with the
    settings; a match returns the previous factorization.

    Returns
    -------
    (key, SecondMoment or None)
        The fingerprint, to pass back as ``previous=(key, moment)``.
    """
    rng = np.random.default_rng(random_state)
    Xs = _weighted_sample(X, sample_weight, fit_intercept, max_rows, rng)
    digest = hashlib.blake2b(np.ascontiguousarray(Xs).view(np.uint8), digest_size=16)
    key = (digest.hexdigest(), Xs.shape, str(Xs.dtype), rank, random_state)
    if previous is not None and previous[0] == key:
        return previous
    return key, _factor(Xs, rank, rng)


def _weighted_sample(X, sample_weight, fit_intercept, max_rows, rng):
    """At most ``max_rows`` rows of ``[X, 1]``, scaled by the square roots of their weights."""
    weight = np.asarray(sample_weight, dtype=np.float64)
    rows = np.flatnonzero(weight > 0)
    if rows.size > max_rows:
        rows = np.sort(rng.choice(rows, max_rows, replace=False))
    Xs = X[rows]
    if fit_intercept:
        Xs = np.hstack([Xs, np.ones((Xs.shape[0], 1), X.dtype)])
    v = weight[rows]
    # the sample's weights scaled up to the total, so Sigma keeps its scale
    return Xs * np.sqrt(v * (weight.sum() / v.sum())).astype(X.dtype)[:, None]


def _factor(Xs, rank, rng):
    """The Nystrom factorization of ``Xs.T @ Xs`` (see :func:`second_moment`)."""
    X = Xs                                 # its dtype is the data's
    d = Xs.shape[1]
    k = min(rank, d)
    with np.errstate(over="ignore", invalid="ignore"):
        scale = float(np.abs(Xs).max(initial=0.0))
    # the products below sum d * rows squares in the dtype of X
    if not scale * scale * d * max(Xs.shape[0], 1) < np.finfo(X.dtype).max:
        return None
    if scale == 0:                         # no data: Sigma = 0
        return SecondMoment(np.zeros(k), np.eye(d, k))
    if k == d:
        # Small enough to decompose exactly.
        lam, U = scipy.linalg.eigh((Xs.T @ Xs).astype(np.float64))
        lam, U = lam[::-1], U[:, ::-1]
    else:
        # Tropp et al. 2017, alg. 3: Y = Sigma Omega with a tiny shift nu for
        # a stable Cholesky factor, then an SVD of the thin factor.
        omega, _ = np.linalg.qr(rng.standard_normal((d, k)))
        Y = (Xs.T @ (Xs @ omega.astype(X.dtype))).astype(np.float64)
        nu = np.sqrt(d) * np.finfo(X.dtype).eps * np.linalg.norm(Y, 2)
        Y += nu * omega
        core = scipy.linalg.cholesky(omega.T @ Y, lower=False)
        B = scipy.linalg.solve_triangular(core, Y.T, trans="T", lower=False).T
        U, s, _ = scipy.linalg.svd(B, full_matrices=False)
        lam = s * s - nu
    lam = np.maximum(lam, 0)
    return SecondMoment(lam, np.ascontiguousarray(U, dtype=np.float64))
