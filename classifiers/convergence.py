"""What a solver says when training goes wrong: diverged, overflowed, or short of ``tol``.

Every solver (:mod:`.minibatch`, :mod:`.full_batch`, :mod:`.exact`) raises
:class:`DivergenceError` for a fit that would leave an untrained or broken
model, and warns with a ``ConvergenceWarning`` for one that stopped before
its tolerance; the messages name the estimator (``owner``) and say what to
change.
"""

import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning


class DivergenceError(ValueError):
    """Training diverged (learning rate too large): see :meth:`LinearClassifier.fit`."""


def overflowed(owner, X):
    """Raise the DivergenceError of a full-batch solver that cannot leave its start.

    From zero weights a short step along the negative gradient always lowers
    a smooth objective, unless the arithmetic overflows: so a solver stuck
    there, or with an infinite objective, has met features too large for the
    dtype of ``X``.
    """
    raise DivergenceError(
        f"{owner}: the objective or its gradient overflows at the "
        f"starting weights, or no step from them lowers it in {X.dtype} arithmetic "
        f"(X up to {float(np.max(np.abs(X))):.3g}); standardize X (e.g. "
        "StandardScaler).")


def warn_short_of_tol(owner, solver, status, reached, max_iter, tol, n_iter, dtype, hint):
    """The ConvergenceWarning of a full-batch solver that stopped before ``tol``.

    ``status`` 'max_iter' ran out of iterations; 'line_search' and
    'precision' could not lower the objective any further.  Any other status
    (converged, certified) warns nothing.
    """
    if status == "max_iter":
        warnings.warn(
            f"{owner} ({solver}) reached max_iter={max_iter} iterations with {reached} > "
            f"tol={tol}; consider a larger max_iter, {hint}.", ConvergenceWarning)
    elif status in ("line_search", "precision"):
        remedy = "a larger tol" if dtype == np.float64 else "a larger tol, or float64 X"
        warnings.warn(
            f"{owner} ({solver}): the line search could not lower the objective any "
            f"further ({reached} > tol={tol}) after {n_iter} iterations: the precision "
            f"limit of {dtype} arithmetic, or badly scaled features (standardize X, "
            f"e.g. StandardScaler). Use {remedy}.", ConvergenceWarning)
