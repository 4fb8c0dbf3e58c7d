"""Regularization penalties ``R(W)`` and their (sub)gradients.

The objective adds ``alpha * R(W)`` to the mean data loss; only the weights are
penalised, never the intercept (:mod:`classifiers.objective` passes ``W`` alone).
Conventions follow scikit-learn's ``SGDClassifier`` so that an ``alpha`` grid
means the same in both:

* ``l2``: ``R = 0.5 * ||W||_2^2``, gradient ``W``.  The course writes
  ``lambda * sum(W ** 2)``, i.e. ``alpha = 2 * lambda``.
* ``l1``: ``R = ||W||_1``, subgradient ``sign(W)`` (0 at 0).
* ``elasticnet``: ``R = l1_ratio * ||W||_1 + (1 - l1_ratio) * 0.5 * ||W||_2^2``.

Each function returns ``(R, dR)`` with ``dR`` shaped like ``W``.
"""

import numpy as np


def l2(W, l1_ratio=None):
    """Half the squared Frobenius norm (summed in float64, for the line search)."""
    w = W.ravel().astype(np.float64)
    return 0.5 * float(w @ w), W.copy()


def l1(W, l1_ratio=None):
    """Sum of absolute values; ``sign`` is the subgradient that is 0 at 0."""
    return float(np.abs(W).sum(dtype=np.float64)), np.sign(W)


def elasticnet(W, l1_ratio=0.15):
    """Convex mix of :func:`l1` (weight ``l1_ratio``) and :func:`l2`."""
    r1, g1 = l1(W)
    r2, g2 = l2(W)
    rho = W.dtype.type(l1_ratio)
    return l1_ratio * r1 + (1 - l1_ratio) * r2, rho * g1 + (1 - rho) * g2


def none(W, l1_ratio=None):
    """No penalty."""
    return 0.0, np.zeros_like(W)


PENALTIES = {"l2": l2, "l1": l1, "elasticnet": elasticnet, None: none}


def l1_weight(penalty, l1_ratio):
    """The weight of ``||W||_1`` in ``R``: 1 for l1, ``l1_ratio`` for the elastic net."""
    return {"l1": 1.0, "elasticnet": l1_ratio}.get(penalty, 0.0)


def soft_threshold(W, tau):
    """The proximal operator of ``tau * ||W||_1``, in place: ``sign(W) max(|W| - tau, 0)``.

    Weights within ``tau`` of zero become exactly zero, which is how an L1
    penalty gives sparse models under stochastic steps (a subgradient step
    only makes them oscillate around zero).

    Parameters
    ----------
    W : ndarray
        Modified in place.
    tau : float or ndarray broadcastable to ``W``, >= 0
    """
    shrunk = np.abs(W) - tau
    np.maximum(shrunk, 0, out=shrunk)
    np.copysign(shrunk, W, out=W)
    return W
