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

from typing import NamedTuple

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


class CumulativeL1(NamedTuple):
    """The L1 penalty applied as clipped, cumulative proximal steps (Tsuruoka et al. 2009).

    After each stochastic update, every weight is pulled towards zero by the
    penalty it has been owed so far, and clipped at zero rather than crossing
    it.  ``u`` sums the penalty every weight could have received
    (``alpha_l1 * step``, per coordinate for the adaptive rules) and ``q``
    the penalty it actually received.  A weight that minibatch noise keeps
    nudging off zero stays at exactly zero, unless its gradient outweighs the
    penalty over time, which is what makes L1 models sparse; a plain
    soft-threshold step (to which this reduces for a single step) lets the
    noise win.

    The state is immutable: :meth:`apply` returns the new weights and state.

    References
    ----------
    .. [1] Y. Tsuruoka, J. Tsujii and S. Ananiadou, "Stochastic gradient
       descent training for L1-regularized log-linear models with cumulative
       penalty", ACL 2009.
    """

    u: np.ndarray
    q: np.ndarray

    @classmethod
    def start(cls, shape, dtype):
        """No penalty owed or received yet, for weights of ``shape``."""
        return cls(np.zeros(shape, dtype), np.zeros(shape, dtype))

    def apply(self, W, penalty):
        """``W`` after this step's ``penalty`` (scalar or like ``W``, >= 0), and the next state.

        Returns
        -------
        W : ndarray
            A new array; the ``W`` given is not modified.
        state : CumulativeL1
        """
        u = self.u + penalty
        out = W.copy()
        np.copyto(out, np.maximum(0, W - (u + self.q)), where=W > 0)
        np.copyto(out, np.minimum(0, W + (u - self.q)), where=W < 0)
        return out, CumulativeL1(u, self.q + (out - W))
