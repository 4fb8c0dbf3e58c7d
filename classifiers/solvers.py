"""Which solver trains what: the registry of solvers, the choice behind ``optimizer='auto'``.

A solver is one way of minimizing the objective, described once by a
:class:`Solver` record in :data:`SOLVERS`: the optimizer objects it runs,
the settings it supports (and the ValueError saying why not, and what to use
instead, before any work), whether it is full-batch and warm-startable along
an ``alpha`` path, its default budget and tolerance, and the functions that
run it.  The solvers themselves live beside this module:

* :mod:`classifiers.exact`: the SVM to a certified optimum;
* :mod:`classifiers.full_batch`: L-BFGS to a gradient tolerance;
* :mod:`classifiers.minibatch`: epochs of stochastic updates (and the one
  epoch of ``partial_fit``).

:func:`check_solver` is to the estimators what scikit-learn's
``_check_solver`` is to ``LogisticRegression``: given the settings, the
optimizer object that will train them, or the ValueError.
:func:`solver_for` gives an estimator's :class:`Solver` record, which is
what the estimators and the pipeline ask ("is it warm-startable?", "what is
its default budget?").  A new solver is a module with a ``fit`` function and
one record in :data:`SOLVERS`.
"""

from dataclasses import dataclass
from typing import Callable, Optional

from . import exact, full_batch, minibatch
from .optimizers import LBFGS, Exact, Momentum, Optimizer, get_optimizer

#: Losses and penalties with a continuous gradient, which a full-batch
#: quasi-Newton solver needs (its curvature pairs assume a smooth objective).
SMOOTH_LOSSES = ("softmax", "squared_hinge", "ovr_squared_hinge")
SMOOTH_PENALTIES = ("l2", None)
#: The losses whose dual the exact solver certifies (the Weston-Watkins ones).
HINGE_LOSSES = ("hinge", "squared_hinge")


@dataclass(frozen=True)
class Solver:
    """One solver: what it runs, what it supports, and how to run it.

    Attributes
    ----------
    name : str
        Its key in :data:`SOLVERS`.
    runs : type
        The :class:`~classifiers.optimizers.Optimizer` class whose objects it
        runs (subclasses too, unless a record runs a closer class).
    default : callable
        ``() -> optimizer``: the object it runs when ``optimizer='auto'``
        picks it.
    full_batch : bool
        It minimizes the whole objective in one call (no epochs, no
        learning rate, no minibatches), to a tolerance.
    warm_path : bool
        It reaches the same optimum from any start, so a path over ``alpha``
        can start each fit from the previous optimum.
    default_max_iter, default_tol : int or None, float or None
        The estimator's ``max_iter`` and ``tol`` when they are None (None:
        the solver works its own out, e.g. epochs from the data's size).
    check : callable
        ``check(label, loss, penalty, alpha, early_stopping)`` raises a
        ValueError for settings it cannot minimize; ``label`` names the
        optimizer in the message.
    fit : callable
        ``fit(estimator, P, X, y, sw, optimizer, previous) -> Solution``,
        ``previous`` the state the estimator's last fit left for this
        optimizer (for a warm start), or None.
    partial_fit : callable or None
        The same signature, for one epoch of ``partial_fit``; None when the
        solver has none.
    search_tol : float or None, default=None
        The ``tol`` a grid search's fits use when the estimator's is None: a
        looser one than ``default_tol`` where that still ranks the alphas
        (the refit at the best alpha keeps ``default_tol``); None: the same.
    stops_at : str, default='they reached tol={tol:g}'
        What its ``tol`` means, a phrase completing "the fits stopped once
        ..." with ``{tol}`` in it, for reports.
    """

    name: str
    runs: type
    default: Callable
    full_batch: bool
    warm_path: bool
    default_max_iter: Optional[int]
    default_tol: Optional[float]
    check: Callable
    fit: Callable
    partial_fit: Optional[Callable] = None
    search_tol: Optional[float] = None
    stops_at: str = "they reached tol={tol:g}"

    def supports(self, loss, penalty, alpha, early_stopping, partial=False, *, optimizer=None):
        """True if this solver minimizes these settings, else raise the ValueError saying why.

        Parameters
        ----------
        loss, penalty, alpha, early_stopping
            The estimator's settings.
        partial : bool, default=False
            For ``partial_fit``.
        optimizer : Optimizer, optional
            The object to name in the message (default: :attr:`runs`).

        Raises
        ------
        ValueError
            Naming the setting and the alternatives.
        """
        label = type(optimizer).__name__ if optimizer is not None else self.runs.__name__
        if partial and self.partial_fit is None:
            raise ValueError(no_partial_fit(optimizer if optimizer is not None else self.name))
        self.check(label, loss, penalty, alpha, early_stopping)
        return True

    def accepts(self, loss, penalty, alpha, early_stopping, partial=False):
        """Whether :meth:`supports` these settings, as a bool."""
        try:
            return self.supports(loss, penalty, alpha, early_stopping, partial)
        except ValueError:
            return False


def no_partial_fit(optimizer):
    """The message of a ``partial_fit`` asked of a full-batch ``optimizer``."""
    return (f"partial_fit takes one stochastic epoch at a time, which "
            f"optimizer={optimizer!r} (full batch) cannot do; use fit, or a "
            "stochastic optimizer such as 'momentum', 'sgd' or 'adam'.")


def _check_exact(label, loss, penalty, alpha, early_stopping):
    if loss not in HINGE_LOSSES:
        raise ValueError(
            f"optimizer='exact' certifies the SVM's optimum by its dual, which it knows for "
            f"the Weston-Watkins hinge losses only, got loss={loss!r}; use loss='hinge' or "
            "'squared_hinge', or optimizer='lbfgs' to minimize the softmax or "
            "'ovr_squared_hinge' to tol.")
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


def _check_lbfgs(label, loss, penalty, alpha, early_stopping):
    if loss not in SMOOTH_LOSSES:
        squared = "ovr_squared_hinge" if loss == "ovr_hinge" else "squared_hinge"
        raise ValueError(
            f"optimizer={label} needs a smooth loss ({', '.join(map(repr, SMOOTH_LOSSES))}), "
            f"got loss={loss!r}; use loss={squared!r} (an L2-SVM), or a "
            "stochastic optimizer such as 'momentum', 'sgd' or 'adam' for the hinge.")
    if penalty not in SMOOTH_PENALTIES:
        raise ValueError(
            f"optimizer={label} needs a smooth penalty ('l2' or None), got "
            f"penalty={penalty!r}; use penalty='l2', or a stochastic optimizer "
            "such as 'momentum', 'sgd' or 'adam' for the l1 and elastic-net penalties.")
    if early_stopping:
        raise ValueError(
            f"optimizer={label} minimizes the training objective to tol and has no "
            "epochs to stop early; set early_stopping=False, or use a stochastic "
            "optimizer such as 'momentum' or 'adam' with early_stopping=True.")


def _check_nothing(label, loss, penalty, alpha, early_stopping):
    """A stochastic rule takes a step on any loss and penalty (a subgradient at a kink)."""


#: Every solver, by name.  :func:`solver_of` picks for an optimizer object
#: the record whose ``runs`` is its closest class, so the order is free.
SOLVERS = {
    "exact": Solver("exact", Exact, Exact, full_batch=True, warm_path=True,
                    default_max_iter=exact.DEFAULT_MAX_ITER, default_tol=exact.DEFAULT_TOL,
                    check=_check_exact, fit=exact.fit, search_tol=exact.SEARCH_TOL,
                    stops_at="certified within {tol:.0%} of their optimal objective (tol={tol:g})"),
    "lbfgs": Solver("lbfgs", LBFGS, LBFGS, full_batch=True, warm_path=True,
                    default_max_iter=full_batch.DEFAULT_MAX_ITER,
                    default_tol=full_batch.DEFAULT_TOL, check=_check_lbfgs, fit=full_batch.fit,
                    search_tol=full_batch.SEARCH_TOL,
                    stops_at="the gradient's largest absolute entry was at most tol={tol:g}"),
    "minibatch": Solver("minibatch", Optimizer, Momentum, full_batch=False, warm_path=False,
                        default_max_iter=None, default_tol=None, check=_check_nothing,
                        fit=minibatch.fit, partial_fit=minibatch.partial_fit),
}

#: What ``optimizer='auto'`` tries, in order: the first solver that supports
#: the settings, with its default object.  The minibatch one supports all.
AUTO = ("exact", "minibatch")


def solver_of(optimizer):
    """The :class:`Solver` that runs ``optimizer`` (a name of ``OPTIMIZERS`` or an object)."""
    optimizer = get_optimizer(optimizer)
    mro = type(optimizer).__mro__
    candidates = [s for s in SOLVERS.values() if isinstance(optimizer, s.runs)]
    if not candidates:
        raise ValueError(f"No solver runs the optimizer {optimizer!r}.")
    return min(candidates, key=lambda solver: mro.index(solver.runs))


def resolve(optimizer, *, loss, penalty, alpha, early_stopping, partial=False):
    """The :class:`Solver` and the optimizer object that train these settings.

    Parameters are :func:`check_solver`'s.

    Returns
    -------
    solver : Solver
    optimizer : classifiers.optimizers.Optimizer
    """
    if isinstance(optimizer, str) and optimizer == "auto":
        for name in AUTO:
            solver = SOLVERS[name]
            if solver.accepts(loss, penalty, alpha, early_stopping, partial):
                return solver, solver.default()
    optimizer = get_optimizer(optimizer)
    solver = solver_of(optimizer)
    solver.supports(loss, penalty, alpha, early_stopping, partial, optimizer=optimizer)
    return solver, optimizer


def check_solver(optimizer, *, loss, penalty, alpha, early_stopping, partial=False):
    """The optimizer object that trains these settings; ValueError if it cannot.

    Parameters
    ----------
    optimizer : str or classifiers.optimizers.Optimizer
        A name of :data:`classifiers.optimizers.OPTIMIZERS`, 'auto', or an
        object.  'auto' is :class:`~classifiers.optimizers.Exact` for the
        Weston-Watkins hinge losses with the 'l2' penalty (``alpha > 0``, no early stopping),
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
        A solver asked for settings it cannot minimize (a full-batch one
        asked for ``partial_fit``, say): naming the setting and the
        alternatives.
    """
    return resolve(optimizer, loss=loss, penalty=penalty, alpha=alpha,
                   early_stopping=early_stopping, partial=partial)[1]


def solver_for(estimator, *, partial=False):
    """The :class:`Solver` record that trains ``estimator``'s settings.

    Parameters
    ----------
    estimator : classifiers.LinearClassifier
        Its ``optimizer``, ``loss``, ``penalty``, ``alpha`` and
        ``early_stopping`` are read (an alpha grid searched over positive
        values asks with any positive ``alpha``).
    partial : bool, default=False
        For ``partial_fit``.

    Returns
    -------
    Solver

    Raises
    ------
    ValueError
        As :func:`check_solver`.

    Examples
    --------
    >>> from classifiers import LinearSVM, SoftmaxClassifier
    >>> solver_for(LinearSVM()).name, solver_for(SoftmaxClassifier(optimizer="lbfgs")).name
    ('exact', 'lbfgs')
    >>> solver_for(SoftmaxClassifier()).warm_path
    False
    """
    return resolve(estimator.optimizer, loss=estimator.loss, penalty=estimator.penalty,
                   alpha=estimator.alpha, early_stopping=estimator.early_stopping,
                   partial=partial)[0]
