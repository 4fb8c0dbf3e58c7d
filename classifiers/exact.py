"""The multiclass SVM trained to a certified optimum (``optimizer='exact'``).

:func:`minimize_svm` minimizes the objective of :class:`~classifiers.LinearSVM`
with the L2 penalty,

    J(W, b) = sum_i v_i sum_{j != y_i} ell(s_ij - s_iy_i + margin) + alpha / 2 ||W||^2,

``ell`` the hinge or the squared hinge, until the duality gap of
:mod:`classifiers.duality` certifies ``J(W, b) - J* <= tol * J(W, b)``.

Method
------
* **Smoothing with continuation.**  The hinge has no gradient at the margin, so
  each term is replaced by its Huber smoothing of width ``mu``
  (:func:`classifiers.losses.smoothed_hinge`; Nesterov 2005), a smooth
  objective ``J_mu`` that L-BFGS (:mod:`classifiers.lbfgs`) minimizes with
  the same blocked matrix products as every solver here: two GEMMs per
  evaluation, in the dtype of ``X``.  Smoothing costs the certificate
  ``mu sum_i v_i sum_j a_ij (1 - a_ij)`` (``a = clip(m / mu, 0, 1)``), which
  only the terms inside the quadratic band contribute; ``mu`` starts at the
  margin and shrinks each time this part exceeds half the gap, that is when
  the smoothing rather than the optimization stands between the iterate
  and the certificate.  The squared hinge is smooth already: no smoothing.
* **Preconditioning.**  Image features are badly conditioned (the second
  moment of raw CIFAR-10 pixels spans eight decades of eigenvalues); L-BFGS
  starts its two-loop recursion from the inverse of ``h Sigma + alpha I``
  (:mod:`classifiers.preconditioning`), ``Sigma`` the data's second moment
  and ``h`` the smoothed loss's average curvature at the last iterate.
* **Certificate.**  The smoothed loss's derivative at every accepted iterate
  is a dual point; repaired and scaled (:func:`classifiers.duality.duality_gap`)
  it bounds ``J - J*`` from above, whatever the solver did to get there.

Why not dual coordinate ascent (Keerthi et al. 2008; Shalev-Shwartz & Zhang
2013; Wang & Scott 2021's exact Weston-Watkins subproblem solver)?  It is the
method of choice in compiled code, but each update touches one sample: in
NumPy, 45,000 small Python-level subproblems per epoch, where this method
spends its time in BLAS, and the unpenalized intercept adds an equality
constraint that coordinate updates cannot keep.

References
----------
.. [1] Y. Nesterov, "Smooth minimization of non-smooth functions",
   Mathematical Programming 103, 2005.
.. [2] S. S. Keerthi, S. Sundararajan, K.-W. Chang, C.-J. Hsieh and C.-J. Lin,
   "A sequential dual method for large scale multi-class linear SVMs", KDD 2008.
.. [3] Y. Wang and C. Scott, "An exact solver for the Weston-Watkins SVM
   subproblem", ICML 2021.
.. [4] J. Nocedal and S. J. Wright, "Numerical Optimization", 2nd ed., 2006.
"""

import time
from functools import partial
from typing import NamedTuple

import numpy as np
from sklearn.utils import check_random_state

from . import lbfgs
from .convergence import DivergenceError, overflowed, warn_short_of_tol
from .duality import DualPoint, class_members, dual_value, duality_gap
from .losses import smoothed_hinge, squared_hinge
from .objective import Solution, objective, shift_pairs
from .preconditioning import loss_curvature, reusable_second_moment

#: Each shrink of the smoothing divides it by at least 2 and at most 20.
SHRINK_RANGE = (0.05, 0.5)
#: Weight of the old mean in the running average of the dual points.
AVERAGE = 0.9
#: The estimator's ``max_iter`` (L-BFGS iterations) and ``tol`` (relative
#: certified gap) when they are None.
DEFAULT_MAX_ITER = 1000
DEFAULT_TOL = 1e-2
#: The ``tol`` of a grid search's fits (``tol=None``): a model certified
#: within 10% of its optimal objective.  At small alphas the certificate
#: closes slowly (the smoothed problem is badly conditioned there) while the
#: model, and its validation accuracy, have long settled (on the bag of words
#: at alpha 1e-3 a fit passes 10% in a fraction of the iterations that 1%
#: takes, with the same validation accuracy to the third digit).  The refit
#: at the best alpha trains to :data:`DEFAULT_TOL`.
SEARCH_TOL = 0.1
#: The relative certified gap beyond which an exact fit stopped by the
#: arithmetic's precision counts as untrained, and raises.
UNTRAINED = 0.5


class SVMMemory(NamedTuple):
    """What an exact fit keeps for a warm start along an ``alpha`` path."""

    alpha: float
    smoothing: float
    pairs: list
    #: (key, SecondMoment) of :func:`~.preconditioning.reusable_second_moment`
    moment: tuple = None


class ExactResult(NamedTuple):
    """What :func:`minimize_svm` found.

    Attributes
    ----------
    P : ndarray of shape (n_classes, n_features + fit_intercept)
        The last accepted point.
    objective : float
        ``J(P)``, the true (unsmoothed) objective.
    gap : float
        Its certified bound on ``J(P) - J*``.
    n_iter : int
        L-BFGS iterations over all stages.
    loss_curve : list of float
        ``J`` after each iteration.
    status : {'certified', 'max_iter', 'precision'}
        ``gap <= tol * objective``; ``max_iter`` iterations ran; or L-BFGS
        could not lower the smoothed objective any more (the arithmetic's
        precision) with the gap still above ``tol``.
    memory : SVMMemory
        For a warm start.
    """

    P: np.ndarray
    objective: float
    gap: float
    n_iter: int
    loss_curve: list
    status: str
    memory: SVMMemory


class _Point(NamedTuple):
    """One evaluation: the true objective, the dual variables and ``G(A)``."""

    primal: float
    A: np.ndarray
    G: np.ndarray


def minimize_svm(P0, X, y, sample_weight, *, squared, margin, alpha, fit_intercept, tol,
                 max_iter, settings, memory=None, random_state=0, verbose=0):
    """Minimize the (squared) hinge SVM objective to a certified relative gap ``tol``.

    In the dtype of ``X``; when float32 arithmetic runs out of precision
    (the line search can lower the objective no more) with the certified gap
    still above ``tol``, the fit goes on in float64 from where it stopped,
    on a float64 copy of ``X`` (twice its memory, for the last iterations
    only), and its point is returned in the dtype of ``P0``.  So ``tol`` is
    met, or ``max_iter`` reached, whatever the dtype: a float32 fit never
    stops far from the optimum because float32 ran out of digits.

    Parameters
    ----------
    P0 : ndarray of shape (n_classes, n_features + fit_intercept)
        Starting point (not modified); its dtype is kept.
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)
        Class indices.
    sample_weight : ndarray of shape (n_samples,)
        Non-negative, positive sum.
    squared : bool
        Squared hinge (no smoothing needed), else the hinge.
    margin : float
    alpha : float > 0
    fit_intercept : bool
    tol : float > 0
        Stop once the certified gap is at most ``tol`` times the objective.
    max_iter : int
        L-BFGS iterations over all stages.
    settings : classifiers.optimizers.Exact
        ``smoothing`` (the first ``mu``, in units of ``margin``), ``rank``
        of the preconditioner, and the L-BFGS settings ``m``, ``c1``,
        ``c2``, ``max_ls``.
    memory : SVMMemory, optional
        A previous fit's, to warm-start (its smoothing and curvature pairs).
    random_state : int, default=0
        Seeds the preconditioner's sample of rows.
    verbose : int, default=0
        Print the objective and the certified gap at every iteration.

    Returns
    -------
    ExactResult
    """
    result = _minimize_in_dtype(
        P0, X, y, sample_weight, squared=squared, margin=margin, alpha=alpha,
        fit_intercept=fit_intercept, tol=tol, max_iter=max_iter, settings=settings,
        memory=memory, random_state=random_state, verbose=verbose)
    if (result.status != "precision" or X.dtype == np.float64
            or not result.n_iter < max_iter):
        return result
    if verbose:
        print(f"-- float32 ran out of precision at a certified gap of {result.gap:.3g}: "
              "going on in float64")
    wide = result.memory
    wide = wide._replace(pairs=[(s.astype(np.float64), z.astype(np.float64), rho)
                                for s, z, rho in wide.pairs], moment=None)
    finish = _minimize_in_dtype(
        result.P.astype(np.float64), X.astype(np.float64), y, sample_weight, squared=squared,
        margin=margin, alpha=alpha, fit_intercept=fit_intercept, tol=tol,
        max_iter=max_iter - result.n_iter, settings=settings, memory=wide,
        random_state=random_state, verbose=verbose)
    # every dual point of either run bounds J* from below; the lower primal is returned
    best_dual = max(finish.objective - finish.gap, result.objective - result.gap)
    P, objective_value = ((finish.P, finish.objective) if finish.objective <= result.objective
                          else (result.P, result.objective))
    dtype = P0.dtype
    narrow = finish.memory._replace(
        pairs=[(s.astype(dtype), z.astype(dtype), rho) for s, z, rho in finish.memory.pairs],
        moment=result.memory.moment)
    return ExactResult(P.astype(dtype), objective_value, max(objective_value - best_dual, 0.0),
                       result.n_iter + finish.n_iter, result.loss_curve + finish.loss_curve,
                       finish.status, narrow)


def _minimize_in_dtype(P0, X, y, sample_weight, *, squared, margin, alpha, fit_intercept, tol,
                       max_iter, settings, memory=None, random_state=0, verbose=0):
    """:func:`minimize_svm` in the dtype of ``X``, with the same parameters and result."""
    n, n_classes = X.shape[0], P0.shape[0]
    v = np.asarray(sample_weight, dtype=np.float64)
    v = v / v.sum()
    members = class_members(y, v, n_classes)
    mu = None if squared else settings.smoothing * margin
    pairs = ()
    if memory is not None:
        if mu is not None and memory.alpha == alpha:
            mu = min(mu, memory.smoothing)
        pairs = shift_pairs(memory.pairs, alpha - memory.alpha, fit_intercept)
    keyed_moment = None
    if settings.rank:
        keyed_moment = reusable_second_moment(
            X, v, fit_intercept, rank=int(settings.rank), random_state=random_state,
            previous=memory.moment if memory is not None else None)
    moment = keyed_moment[1] if keyed_moment is not None else None
    # id(point) -> (point, _Point) for the points of the current iteration's
    # line search (the point is kept so that its id is not reused)
    evaluated = {}
    loss_curve = []
    dS = np.empty((n, n_classes), dtype=X.dtype)
    rows = np.arange(n)
    tic = time.perf_counter()

    def fun(P):
        loss = squared_hinge if squared else partial(smoothed_hinge, smoothing=mu)
        J, grad = objective(P, X, y, sample_weight, loss=loss, margin=margin, penalty=None,
                            alpha=0.0, l1_ratio=0.0, fit_intercept=fit_intercept, dS_out=dS)
        W, gW = (P[:, :-1], grad[:, :-1]) if fit_intercept else (P, grad)
        G = gW.copy()
        gW += P.dtype.type(alpha) * W
        w = W.ravel().astype(np.float64)
        J += alpha / 2 * float(w @ w)
        A = dS.copy()
        A[rows, y] = 0
        primal = J
        if not squared:
            # h(z) - h_mu(z) = mu (a - a^2 / 2) for every term
            primal += mu * float(v @ (A.sum(axis=1) - np.einsum("ij,ij->i", A, A) / 2))
        evaluated[id(P)] = (P, _Point(primal, A, G))
        return J, grad

    def certify(point):
        return duality_gap(point.primal, point.A, point.G, X, y, v, squared=squared,
                           margin=margin, alpha=alpha, fit_intercept=fit_intercept,
                           members=members)

    def precondition(Q):
        A = (last or next(reversed(evaluated.values()))[1]).A
        curvature = loss_curvature("squared_hinge" if squared else "hinge", A, y, v, mu)
        return moment.inverse(curvature, alpha)(Q)

    best = None            # (objective, P) of the lowest iterate: the one returned
    best_dual = -np.inf    # every feasible dual point bounds J*; keep the highest
    mean = None            # running average of the dual points (also feasible)
    last = None            # the latest accepted point
    status = None

    def check(n_iter, P, f, grad):
        nonlocal best, best_dual, mean, last, status
        last = evaluated[id(P)][1]
        evaluated.clear()           # the line search's other points are done with
        cert, dual_point = certify(last)
        best_dual = max(best_dual, cert.dual)
        if dual_point is not None:
            # an average of dual points smooths out the noise of the support
            # vectors' a = clip(m / mu, 0, 1) near the optimum
            mean = dual_point if mean is None else DualPoint(
                *(AVERAGE * old + (1 - AVERAGE) * new for old, new in zip(mean, dual_point)))
            best_dual = max(best_dual, dual_value(*mean, v, squared=squared, margin=margin,
                                                  alpha=alpha))
        loss_curve.append(last.primal)
        if best is None or last.primal < best[0]:
            best = (last.primal, P)
        gap = max(best[0] - best_dual, 0.0)
        if verbose:
            smoothing = "" if squared else f", smoothing {mu:.3g}"
            print(f"-- Iteration {len(loss_curve)}/{max_iter}: loss {last.primal:.6g}, "
                  f"certified gap {gap:.3g} ({gap / best[0]:.2g} of the lowest loss)"
                  f"{smoothing}, {time.perf_counter() - tic:.2f} s")
        if gap <= tol * best[0]:
            status = "certified"
            return True
        # the smoothing, not the optimization, stands in the way: shrink it
        return not squared and _smoothing_part(last.A, v, mu) > (last.primal - best_dual) / 2

    P = P0
    if np.any(P0) and (memory is None or memory.alpha != alpha):
        # A given start (``coef_init``, or the last alpha's optimum on a warm
        # path) may be certified as it is, and is the iterate to beat: the
        # first steps, on a wider smoothing, can leave it.  The continuation
        # restarts from the start's own smoothing part: the last alpha's final
        # smoothing, far narrower, would leave L-BFGS a nearly nonsmooth
        # function to cross the whole distance between the two optima.
        fun(P0)
        start = evaluated.pop(id(P0))[1]
        cert, _ = certify(start)
        best, best_dual = (start.primal, P0), cert.dual
        if cert.gap <= tol * start.primal:
            status = "certified"
        elif mu is not None:
            # Near the optimum already: the smoothing can start as narrow as
            # the continuation would take it from here.
            part = _smoothing_part(start.A, v, mu)
            if part > 0:
                mu *= float(np.clip(np.sqrt(tol * start.primal / (4 * part)), *SHRINK_RANGE))
    while status is None:
        result = lbfgs.minimize(
            fun, P, m=int(settings.m), max_iter=max_iter - len(loss_curve), tol=0.0,
            c1=settings.c1, c2=settings.c2, max_ls=int(settings.max_ls), callback=check,
            pairs=pairs, precondition=precondition if moment is not None else None)
        P, pairs = result.x, result.pairs
        if status is not None:
            break
        if result.status == "max_iter":
            status = "max_iter"
        elif squared or last is None:      # smooth already, or not one step possible
            status = "precision"
        else:
            part = _smoothing_part(last.A, v, mu)
            gap = last.primal - best_dual
            if result.status != "callback" and part <= gap / 10:
                status = "precision"       # the smoothing is not what stops it
            else:
                factor = np.sqrt(tol * last.primal / (4 * part)) if part > 0 else 0
                mu *= float(np.clip(factor, *SHRINK_RANGE))
    if best is None:                       # not one step: certify the start
        fun(P0)
        cert, _ = certify(evaluated[id(P0)][1])
        best, best_dual = (cert.primal, P0), cert.dual
        if status == "precision" and cert.gap <= tol * cert.primal:
            status = "certified"
    objective_value, P = best
    return ExactResult(P, objective_value, max(objective_value - best_dual, 0.0),
                       len(loss_curve), loss_curve, status,
                       SVMMemory(alpha, mu if mu is not None else 0.0, pairs, keyed_moment))


def _smoothing_part(A, v, mu):
    """The part of the gap the smoothing accounts for: ``mu sum_i v_i sum_j a (1 - a)``."""
    return mu * float(v @ np.einsum("ij,ij->i", A, 1 - A))


def fit(estimator, P, X, y, sw, optimizer, previous=None):
    """Train ``estimator`` to a certified gap: the ``fit`` of the 'exact' solver.

    The signature of :attr:`classifiers.solvers.Solver.fit`: the settings of
    ``estimator`` (hinge losses, 'l2' penalty) are read, not modified;
    ``optimizer`` is an :class:`~classifiers.optimizers.Exact`, ``previous``
    the last fit's :class:`SVMMemory` for a warm start.  The solution's
    ``dual_gap`` is the certificate.

    Raises
    ------
    DivergenceError
        The objective overflows at the start, or the fit stopped by the
        arithmetic's precision (in float64 too) untrained.
    """
    owner = type(estimator).__name__
    max_iter = DEFAULT_MAX_ITER if estimator.max_iter is None else estimator.max_iter
    tol = DEFAULT_TOL if estimator.tol is None else estimator.tol
    squared = estimator.loss == "squared_hinge"
    memory = previous
    if memory is not None and memory.pairs and memory.pairs[0][0].shape != P.shape:
        memory = memory._replace(pairs=[])
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        result = minimize_svm(P, X, y, sw, squared=squared,
                              margin=estimator.margin, alpha=estimator.alpha,
                              fit_intercept=estimator.fit_intercept, tol=tol,
                              max_iter=max_iter, settings=optimizer, memory=memory,
                              random_state=check_random_state(
                                  estimator.random_state).randint(2**31),
                              verbose=estimator.verbose)
    stuck_at_zero = result.n_iter == 0 and result.status == "precision" and not np.any(P)
    if stuck_at_zero or not np.isfinite(result.objective):
        overflowed(owner, X)
    relative = result.gap / result.objective if result.objective > 0 else 0.0
    # The objective of zero weights: each sample's n_classes - 1 terms at the
    # margin.  Not its start's: a warm start (the last alpha's optimum) or a
    # coef_init may already be far below it, or far above.
    untrained = (P.shape[0] - 1) * estimator.margin ** (2 if squared else 1)
    if (result.status == "precision" and not relative <= UNTRAINED
            and not result.objective < UNTRAINED * untrained):
        # float64 could not go further either: the certificate cannot even
        # say the model is within a factor 2 of the optimum, and the
        # objective is not even half that of zero weights (a fit below it,
        # e.g. on nearly separable data at a tiny alpha, keeps its warning)
        raise DivergenceError(
            f"{owner} (exact) could not lower the objective any further "
            f"after {result.n_iter} iterations, in float64 arithmetic too, with a "
            f"certified duality gap of {relative:.3g} of the objective: the model would "
            f"be untrained. The features are badly scaled (X from "
            f"{float(np.min(X)):.3g} to {float(np.max(X)):.3g}); standardize X (e.g. "
            "StandardScaler), or use a larger alpha.")
    warn_short_of_tol(
        owner, "exact", result.status, f"a certified duality gap of {relative:.3g} of the "
        "objective", max_iter, tol, result.n_iter, X.dtype,
        "or tol, a larger alpha, or standardize X")
    best_loss = min(result.loss_curve) if result.loss_curve else result.objective
    return Solution(result.P, result.memory, result.n_iter, result.n_iter,
                    result.loss_curve, None, best_loss, result.gap)
