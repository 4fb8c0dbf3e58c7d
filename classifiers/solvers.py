"""Which solver trains what: the choice behind ``optimizer='auto'``, and the checks.

:func:`check_solver` is to the estimators what scikit-learn's
``_check_solver`` is to ``LogisticRegression``: given the settings, the
optimizer object that will train them, or a ValueError saying why that
solver cannot and what to use instead, before any work.  The solvers
themselves live beside it: :mod:`classifiers.minibatch` (epochs of
stochastic updates), :mod:`classifiers.full_batch` (L-BFGS to a gradient
tolerance) and :mod:`classifiers.exact` (the SVM to a certified optimum).
"""

from .optimizers import Exact, Momentum, get_optimizer

#: Losses and penalties with a continuous gradient, which a full-batch
#: quasi-Newton solver needs (its curvature pairs assume a smooth objective).
SMOOTH_LOSSES = ("softmax", "squared_hinge")
SMOOTH_PENALTIES = ("l2", None)
#: The losses whose dual the exact solver certifies.
HINGE_LOSSES = ("hinge", "squared_hinge")


def check_solver(optimizer, *, loss, penalty, alpha, early_stopping, partial=False):
    """The optimizer object that trains these settings; ValueError if it cannot.

    Parameters
    ----------
    optimizer : str or classifiers.optimizers.Optimizer
        A name of :data:`classifiers.optimizers.OPTIMIZERS`, 'auto', or an
        object.  'auto' is :class:`~classifiers.optimizers.Exact` for the
        hinge losses with the 'l2' penalty (``alpha > 0``, no early stopping),
        :class:`~classifiers.optimizers.Momentum` otherwise and for every
        ``partial_fit``.
    loss, penalty, alpha, early_stopping
        The estimator's settings.
    partial : bool, default=False
        For ``partial_fit``, which takes one stochastic epoch.

    Returns
    -------
    optimizer : classifiers.optimizers.Optimizer

    Raises
    ------
    ValueError
        A full-batch solver asked for settings it cannot minimize: naming
        the setting and the alternatives.
    """
    if isinstance(optimizer, str) and optimizer == "auto":
        if (not partial and loss in HINGE_LOSSES and penalty == "l2" and alpha > 0
                and not early_stopping):
            return Exact()
        return Momentum()
    optimizer = get_optimizer(optimizer)
    if isinstance(optimizer, Exact):
        _check_exact(loss, penalty, alpha, early_stopping)
    elif optimizer.full_batch:
        _check_lbfgs(type(optimizer).__name__, loss, penalty, early_stopping)
    return optimizer


def _check_exact(loss, penalty, alpha, early_stopping):
    if loss not in HINGE_LOSSES:
        raise ValueError(
            f"optimizer='exact' certifies the SVM's optimum by its dual, which it knows for "
            f"the hinge losses only, got loss={loss!r}; use loss='hinge' or "
            "'squared_hinge', or optimizer='lbfgs' to minimize the softmax to tol.")
    if penalty != "l2" or not alpha > 0:
        got = f"penalty={penalty!r}" if penalty != "l2" else f"alpha={alpha!r}"
        raise ValueError(
            f"optimizer='exact' needs the 'l2' penalty with alpha > 0 (its dual is "
            f"defined through alpha * ||W||^2), got {got}; use penalty='l2' with a "
            "positive alpha, or a stochastic optimizer such as 'momentum' for the l1 "
            "and elastic-net penalties.")
    if early_stopping:
        raise ValueError(
            "optimizer='exact' minimizes the training objective to a certified gap "
            "and has no epochs to stop early; set early_stopping=False, or use a "
            "stochastic optimizer such as 'momentum' with early_stopping=True.")


def _check_lbfgs(name, loss, penalty, early_stopping):
    if loss not in SMOOTH_LOSSES:
        raise ValueError(
            f"optimizer={name} needs a smooth loss ({', '.join(map(repr, SMOOTH_LOSSES))}), "
            f"got loss={loss!r}; use loss='squared_hinge' (the L2-SVM), or a "
            "stochastic optimizer such as 'momentum', 'sgd' or 'adam' for the hinge.")
    if penalty not in SMOOTH_PENALTIES:
        raise ValueError(
            f"optimizer={name} needs a smooth penalty ('l2' or None), got "
            f"penalty={penalty!r}; use penalty='l2', or a stochastic optimizer "
            "such as 'momentum', 'sgd' or 'adam' for the l1 and elastic-net penalties.")
    if early_stopping:
        raise ValueError(
            f"optimizer={name} minimizes the training objective to tol and has no "
            "epochs to stop early; set early_stopping=False, or use a stochastic "
            "optimizer such as 'momentum' or 'adam' with early_stopping=True.")
