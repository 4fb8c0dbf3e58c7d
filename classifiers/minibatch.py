"""The minibatch solver: epochs of stochastic updates, until ``tol`` or ``max_iter``.

:func:`run_epoch` makes one pass over the data in minibatches, one GEMM
forward and one backward each, with any rule of :mod:`classifiers.optimizers`
and an L1 penalty applied as Tsuruoka et al.'s cumulative clipped step.  Its
state goes in and comes out as an :class:`EpochState` (weights, optimizer
state, update count, L1 state); nothing passed in is modified, so a diverged
epoch leaves the caller's weights as they were.  :func:`solve` runs the
epochs, watching for stalls through the schedule's plateau logic
(:meth:`classifiers.schedules.Schedule.plateau`) and holding out a
validation split for early stopping.
"""

import time
import warnings
from functools import partial
from typing import NamedTuple, Optional

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state

from .convergence import DivergenceError
from .objective import DIVERGENCE_FACTOR, Problem, Solution, scores
from .penalties import CumulativeL1, l1_weight
from .schedules import Plateau, checked_rate, get_schedule

# Plain SGD step, in units of 1 / mean ||x||^2, when learning_rate is None
# (see base_learning_rate); measured on standardized CIFAR-10 pixels and HOG
# features (README, "Defaults").  The hinge gradient sums up to C - 1 violated
# margins per sample where the softmax's sums to at most 2, hence the smaller
# step; the one-vs-rest hinges (up to C terms) take the hinge's, unmeasured.
SGD_STEP = {"softmax": 30.0, "hinge": 3.0, "squared_hinge": 3.0, "ovr_hinge": 3.0,
            "ovr_squared_hinge": 3.0}

# The default budget: 20 epochs (CIFAR-10 sized data is there in 20), or on
# small data sets as many as make 2,000 updates.
DEFAULT_EPOCHS = 20
MIN_UPDATES = 2000


class Steps(NamedTuple):
    """How an epoch steps: the rule, the rates, the batches, and the divergence guard.

    ``diverged(epoch, lr)`` raises the estimator's ``DivergenceError``.
    """

    optimizer: object
    schedule: object
    lr0: float
    batch_size: Optional[int]
    shuffle: bool
    ceiling: float
    diverged: object


class EpochState(NamedTuple):
    """What one epoch hands the next."""

    P: np.ndarray
    opt_state: object
    t: int
    l1: Optional[CumulativeL1]


def default_epochs(batch_size, n_samples):
    """``DEFAULT_EPOCHS``, or more on small data so that training makes ``MIN_UPDATES`` updates."""
    size = n_samples if batch_size is None else min(batch_size, n_samples)
    return max(DEFAULT_EPOCHS, -(-MIN_UPDATES // -(-n_samples // size)))


def epochs(estimator, n_samples):
    """``estimator.max_iter``, or when None :func:`default_epochs` of ``n_samples``."""
    if estimator.max_iter is not None:
        return estimator.max_iter
    return default_epochs(estimator.batch_size, n_samples)


def diverged(estimator, epoch, lr):
    """Raise the DivergenceError of ``estimator`` at ``epoch``, saying what to change.

    ``lr`` is the last update's learning rate (None when no update ran).
    """
    kept = "keeps its previous weights" if hasattr(estimator, "coef_") else "was left unfitted"
    if lr is None:
        cause = "Standardize X (e.g. StandardScaler)"
    else:
        source = ("from learning_rate_schedule" if callable(estimator.learning_rate_schedule)
                  else "the default scaled to the data" if estimator.learning_rate is None
                  else "learning_rate times the schedule")
        cause = (f"Try a smaller learning_rate (the last update used {lr:.3g}, "
                 f"{source}) or standardize X (e.g. StandardScaler)")
        if estimator.penalty in ("l2", "elasticnet") and lr * estimator.alpha >= 1:
            # The L2 part alone multiplies W by (1 - lr * alpha) every step.
            cause += (f"; alpha * rate = {estimator.alpha:g} * {lr:.3g} >= 1, so the "
                      "penalty's own step overshoots too: a smaller alpha also helps")
    raise DivergenceError(
        f"{type(estimator).__name__} diverged at epoch {epoch + 1}: the loss or the "
        f"weights became infinite or NaN, or the loss grew over "
        f"{DIVERGENCE_FACTOR:g} times its value at zero weights. {cause}. "
        f"The estimator {kept}.")


def base_learning_rate(learning_rate, optimizer, problem, X, sw):
    """``learning_rate``, or when None the optimizer's default for this data.

    The plain gradient rules get ``SGD_STEP[loss] / mean_i ||x_i||^2``: the
    weights of a linear model scale as ``1 / ||x||`` and its gradients as
    ``||x||``, so a step in those units trains the same on pixels in 0..255
    and on standardized features.  The mean is weighted by ``sw``, so that
    weights and repeated samples give the same rate.
    """
    if learning_rate is not None:
        return float(learning_rate)
    sq_norms = np.einsum("ij,ij->i", X, X).astype(np.float64)
    mean_sq_norm = float(sw @ sq_norms) / float(sw.sum()) + problem.fit_intercept
    return optimizer.default_rate(SGD_STEP[problem.loss] / max(mean_sq_norm, 1e-12))


def loss_ceiling(problem, P, X, y, sw, warm):
    """Batch objective above which training counts as diverged.

    ``DIVERGENCE_FACTOR`` times the objective at zero weights (e.g.
    ``(C - 1) * margin`` for the hinge) on the first rows of the data, or at
    the starting weights of a warm start if that is larger (a warm start
    under a larger ``alpha`` may start high).  ``partial_fit`` never raises
    the ceiling to where its last call ended, so weights growing a little
    more with every call are still caught.
    """
    k = min(X.shape[0], 1024)
    at_zero = problem.objective(np.zeros_like(P), X[:k], y[:k], sw[:k])[0]
    at_start = problem.objective(P, X[:k], y[:k], sw[:k])[0] if warm else at_zero
    return DIVERGENCE_FACTOR * max(at_start, at_zero)


def start_optimizer(optimizer, P, rng):
    """A fresh state of ``optimizer`` for ``P`` (random search draws its seed from ``rng``)."""
    if optimizer.uses_gradient:
        return optimizer.init(P)
    return optimizer.init(P, random_state=int(rng.randint(2**31)))


def run_epoch(state, epoch, X, y, sw, rng, problem, steps, lr_scale=1.0):
    """One pass over the data in minibatches.

    Parameters
    ----------
    state : EpochState
        Not modified: the epoch works on a copy of its weights, so if the
        loss or the weights stop being finite, or the loss passes
        ``steps.ceiling``, ``steps.diverged`` raises with the caller's
        weights untouched.
    epoch : int
        0-based, for the schedule.
    X, y, sw : ndarray
        Rows, class indices and sample weights.
    rng : numpy.random.RandomState
        Draws the order of the minibatches.
    problem : classifiers.objective.Problem
    steps : Steps
    lr_scale : float, default=1.0
        The plateau's multiplier of the schedule's rate.

    Returns
    -------
    state : EpochState
    loss : float
        The weighted mean over the epoch's batches of each batch's objective,
        taken before its update.
    """
    P = state.P.copy()
    opt_state, t, l1_state = state.opt_state, state.t, state.l1
    n_cols = P.shape[1] - problem.fit_intercept
    l1 = problem.alpha * l1_weight(problem.penalty, problem.l1_ratio)
    if l1 and l1_state is None:
        l1_state = CumulativeL1.start((P.shape[0], n_cols), P.dtype)
    optimizer = steps.optimizer
    n = X.shape[0]
    size = n if steps.batch_size is None else min(steps.batch_size, n)
    order = rng.permutation(n) if steps.shuffle and size < n else None
    loss_sum = weight_sum = 0.0
    lr = None
    with np.errstate(all="ignore"):
        for start in range(0, n, size):
            batch = (slice(start, start + size) if order is None
                     else np.sort(order[start:start + size]))
            Xb, yb, wb = X[batch], y[batch], sw[batch]
            if not wb.sum() > 0:
                continue
            t += 1
            if optimizer.uses_gradient:
                loss, grad = problem.objective(P, Xb, yb, wb, l1_in_gradient=not l1)
                lr = checked_rate(steps.schedule.rate(steps.lr0, t, epoch), t) * lr_scale
                updates, opt_state = optimizer.update(grad, opt_state, lr)
                P += updates
                if l1:
                    step = np.asarray(optimizer.step_size(opt_state, lr), P.dtype)
                    W, l1_state = l1_state.apply(
                        P[:, :n_cols], l1 * (step[:, :n_cols] if step.ndim else step))
                    P[:, :n_cols] = W
            else:
                loss = problem.objective(P, Xb, yb, wb)[0]
                candidate, opt_state = optimizer.propose(P, opt_state)
                cand_loss = problem.objective(candidate, Xb, yb, wb)[0]
                if cand_loss < loss:
                    P, loss = candidate, cand_loss
            if not loss <= steps.ceiling:           # also catches NaN
                steps.diverged(epoch, lr)
            batch_weight = float(wb.sum())
            loss_sum += loss * batch_weight
            weight_sum += batch_weight
        # Each batch's loss is taken before its update: check where the last
        # update landed too (with one batch per epoch it is the only one).
        k = min(n, 1024)
        if not (np.isfinite(P).all()
                and problem.objective(P, X[:k], y[:k], sw[:k])[0] <= steps.ceiling):
            steps.diverged(epoch, lr)
    return EpochState(P, opt_state, t, l1_state), loss_sum / weight_sum


def validation_split(y, fraction, rng):
    """Stratified (train, validation) indices for early stopping."""
    n_val = int(np.ceil(fraction * y.size))
    n_classes = np.unique(y).size
    if n_val < n_classes or y.size - n_val < n_classes:
        raise ValueError(
            f"early_stopping holds out validation_fraction={fraction} of the {y.size} "
            f"samples ({n_val}) and needs at least one sample of each of the {n_classes} "
            "classes on both sides; use more data, another validation_fraction, or "
            "early_stopping=False.")
    return train_test_split(np.arange(y.size), test_size=n_val, stratify=y, random_state=rng)


def solve(P, X, y, sw, *, problem, steps, max_iter, tol, n_iter_no_change, early_stopping,
          validation_fraction, rng, opt_state, warm, learning_rate=None, verbose=0,
          owner="LinearClassifier"):
    """Minibatch epochs with a stochastic optimizer until ``tol`` or ``max_iter``.

    ``steps.lr0`` (from ``learning_rate``, or scaled to the data when None)
    and ``steps.ceiling`` are set here from the training part (and the
    starting weights, for a ``warm`` start).  With ``tol=None``
    the run is a fixed budget of epochs, unless something asked to watch for
    stalls: early stopping or the adaptive schedule (which then count any
    lack of improvement as a stall); the schedule's :meth:`plateau` decides
    what a stall does.

    Returns
    -------
    Solution
        With early stopping, the weights of the best epoch on the held-out
        split and its scores per epoch.
    """
    X_val = y_val = None
    if early_stopping:
        train, val = validation_split(y, validation_fraction, rng)
        X, X_val = X[train], X[val]
        y, y_val, sw = y[train], y[val], sw[train]
    steps = steps._replace(
        lr0=base_learning_rate(learning_rate, steps.optimizer, problem, X, sw),
        ceiling=loss_ceiling(problem, P, X, y, sw, warm))
    schedule = steps.schedule

    def gained(gain):
        return gain >= tol if tol else gain > 0

    state = EpochState(P, opt_state, 0, None)
    plateau = Plateau(0, 1.0)
    best_loss = best_score = None
    best_P = P
    loss_curve, val_scores = [], []
    converged = False
    watch = tol is not None or early_stopping or schedule.adaptive
    for epoch in range(max_iter):
        tic = time.perf_counter()
        state, loss = run_epoch(state, epoch, X, y, sw, rng, problem, steps, plateau.scale)
        loss_curve.append(loss)
        if early_stopping:
            S = scores(state.P, X_val, problem.fit_intercept)
            score = float(np.mean(S.argmax(axis=1) == y_val))
            val_scores.append(score)
            improved = best_score is None or gained(score - best_score)
            if best_score is None or score > best_score:
                best_score, best_P = score, state.P
        else:
            improved = best_loss is None or gained(best_loss - loss)
        if best_loss is None or loss < best_loss:
            best_loss = loss
        if verbose:
            val = f", validation accuracy {val_scores[-1]:.4f}" if early_stopping else ""
            rate = schedule.rate(steps.lr0, state.t, epoch) * plateau.scale
            print(f"-- Epoch {epoch + 1}/{max_iter}: loss {loss:.6g}{val}, "
                  f"learning rate {rate:.3g}, {time.perf_counter() - tic:.2f} s")
        if watch:
            plateau, converged = schedule.plateau(plateau, improved, steps.lr0,
                                                  n_iter_no_change)
            if converged:
                break
    if watch and not converged:
        what = "validation accuracy" if early_stopping else "loss"
        warnings.warn(
            f"{owner} reached max_iter={max_iter} epochs before the {what} stopped "
            f"improving by tol={tol or 0}; consider a larger max_iter or learning rate.",
            ConvergenceWarning)
    return Solution(best_P if early_stopping else state.P, state.opt_state, len(loss_curve),
                    state.t, loss_curve, val_scores if early_stopping else None, best_loss)


def fit(estimator, P, X, y, sw, optimizer, previous=None):
    """Train ``estimator`` by minibatch epochs: the ``fit`` of the 'minibatch' solver.

    The signature of :attr:`classifiers.solvers.Solver.fit`: the settings of
    ``estimator`` are read, not modified; ``optimizer`` is a stochastic
    rule.  ``previous`` is unused: a warm start keeps the weights, and the
    optimizer's state starts afresh.
    """
    rng = check_random_state(estimator.random_state)
    opt_state = start_optimizer(optimizer, P, rng)
    n = X.shape[0]
    held_out = int(np.ceil(estimator.validation_fraction * n)) if estimator.early_stopping else 0
    max_iter = epochs(estimator, n - held_out)
    schedule = get_schedule(estimator.learning_rate_schedule).for_budget(max_iter)
    steps = Steps(optimizer, schedule, None, estimator.batch_size, estimator.shuffle, None,
                  partial(diverged, estimator))
    return solve(
        P, X, y, sw, problem=Problem.of(estimator), steps=steps, max_iter=max_iter,
        tol=estimator.tol, n_iter_no_change=estimator.n_iter_no_change,
        early_stopping=estimator.early_stopping,
        validation_fraction=estimator.validation_fraction, rng=rng, opt_state=opt_state,
        warm=estimator.warm_start, verbose=estimator.verbose, owner=type(estimator).__name__,
        learning_rate=estimator.learning_rate)


def partial_fit(estimator, P, X, y, sw, optimizer, previous=None):
    """One epoch over ``(X, y)``: the ``partial_fit`` of the 'minibatch' solver.

    The signature of :attr:`classifiers.solvers.Solver.fit`, with ``P`` the
    weights to continue from (zeros at the first call) and ``previous``
    ``optimizer``'s state from the last call (None starts it afresh).  When
    ``estimator`` is fitted already (not modified here), its update count
    ``t_``, epochs ``n_iter_``, ``loss_curve_`` and cumulative L1 penalty go
    on: the solution cumulates them, with ``l1_state`` for the next call.
    """
    rng = check_random_state(estimator.random_state)
    problem = Problem.of(estimator)
    if hasattr(estimator, "classes_"):
        state = EpochState(P, None, estimator.t_, getattr(estimator, "_l1_state", None))
        n_iter, loss_curve = estimator.n_iter_, list(estimator.loss_curve_)
    else:
        state = EpochState(P, None, 0, None)
        n_iter, loss_curve = 0, []
    opt_state = previous
    if opt_state is None:           # first call, or another optimizer than last time
        opt_state = start_optimizer(optimizer, P, rng)
    schedule = get_schedule(estimator.learning_rate_schedule).for_budget(
        epochs(estimator, X.shape[0]))
    steps = Steps(optimizer, schedule,
                  base_learning_rate(estimator.learning_rate, optimizer, problem, X, sw),
                  estimator.batch_size, estimator.shuffle,
                  loss_ceiling(problem, P, X, y, sw, warm=False),
                  partial(diverged, estimator))
    state, loss = run_epoch(state._replace(opt_state=opt_state), n_iter, X, y, sw, rng,
                            problem, steps)
    loss_curve.append(loss)
    # one stochastic epoch certifies nothing: no dual gap
    return Solution(state.P, state.opt_state, n_iter + 1, state.t, loss_curve, None,
                    min(loss_curve), None, state.l1)
