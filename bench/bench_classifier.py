"""Our LinearSVM / SoftmaxClassifier against scikit-learn's linear models.

Same standardized data, same run: CIFAR-10 raw pixels (45,000 train / 5,000
validation of ../shared/data/cifar10/train, fixed seed) when present, digits
otherwise.  Every figure is validation accuracy (the official test split is
not here); alphas picked on that same split are said to be.  Times are
medians of alternated repeats unless a line says "one fit" (a model taking
minutes a fit).  scikit-learn's version and each side's float type printed.

Sections (all by default, or pick with --sections):

* exact: LinearSVM's default solver (optimizer='exact', to a certified duality
  gap of 1e-3) against SGDClassifier(hinge) and 20 epochs of momentum (the old
  default), at one alpha, on 20,000 standardized raw-pixel images (alpha=1e-3) and on the
  bag-of-words features of 45,000 (1,600 words, alpha=1e-2, the hinge's best
  on validation): time, validation accuracy, and each model's multiclass-hinge
  objective against the certified lower bound;
* curves: validation accuracy per alpha of the hinge at its optimum and of
  20 momentum epochs, raw pixels and bag of words, 45,000 / 5,000;
* compare: every model with its own defaults (ours with no tuned rate),
  alpha picked from one grid on validation;
* lbfgs: SoftmaxClassifier(optimizer='lbfgs'), with and without its
  preconditioner, against LogisticRegression (lbfgs) on the first 20,000
  training images at alpha=1e-3, C = 1 / (alpha * n): the time each needs to
  come within 1e-4 of the optimum J* (the lower of both run long): one long
  run of each records its objective per iteration (LogisticRegression's
  iterates through scikit-learn's fit callbacks), the fewest iterations that
  reach the target are checked in float64 and timed as plain fits; and a
  5-value alpha path with warm starts against 5 cold fits;
* linearsvc: LinearSVM() (the exact solver, its default tol) against
  LinearSVC given its best, on the first --peer-n (10,000) standardized
  raw-pixel images, float32 for ours and float64 for liblinear:
  OneVsRestClassifier(LinearSVC(loss='hinge', dual=True), n_jobs=2) and
  LinearSVC(multi_class='crammer_singer') (one core; a different multiclass
  objective from our Weston-Watkins hinge: the largest margin violation
  instead of their sum; liblinear also penalizes the intercept).  Each side
  tunes its own regularization on the validation split (alpha; C = 1 /
  (alpha n) as the starting correspondence), every fit to its own
  convergence (n_iter_ printed, ConvergenceWarnings printed): the best
  accuracy of each, its time, and the time to equal accuracy (the better
  side's fastest setting reaching the other's best).  Crammer-Singer fits are
  capped by wall clock (--peer-cap), as scikit-learn does not pass max_iter
  to that solver;
* defaults: LinearSVM(alpha=a) and SoftmaxClassifier(alpha=a) with the
  defaults before and now, against LogisticRegression and SGDClassifier,
  alpha picked from {1e-3, 1e-2, 1e-1} on validation (one fit each).

Run: python bench/bench_classifier.py [--repeats 3] [--epochs 20] [--no-linearsvc]
     [--sections exact curves compare lbfgs linearsvc defaults] [--peer-n 10000]
     [--peer-cap 200]
"""

import argparse
import os
import warnings

import numpy as np
import sklearn
from common import (
    cifar10_fixed_split,
    cifar10_train_images,
    machine_line,
    median_times,
    standardized_features,
    summary,
    timed,
)
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC

from classifiers import LinearSVM, SoftmaxClassifier
from classifiers.objective import objective
from classifiers.optimizers import LBFGS

ALPHAS = [1e-3, 1e-2, 1e-1, 1.0]


def load_data():
    data = cifar10_train_images()
    if data is not None:
        X, y, _ = data
        X_train, X_val, y_train, y_val = cifar10_fixed_split(X.reshape(len(X), -1), y)
        name = "CIFAR-10 raw pixels, 45,000 / 5,000"
    else:
        X, y = load_digits(return_X_y=True)
        X_train, X_val, y_train, y_val = train_test_split(
            X, y, test_size=0.25, stratify=y, random_state=0)
        name = "digits (../shared/data absent), 1347 / 450"
    scaler = StandardScaler().fit(X_train.astype(np.float32))
    return (name, scaler.transform(X_train.astype(np.float32)).astype(np.float32),
            scaler.transform(X_val.astype(np.float32)).astype(np.float32), y_train, y_val)


def models(epochs, n_train):
    """name -> (alpha -> unfitted estimator): every model with its own defaults.

    Ours get no tuned rate or schedule (the split is the one reported), the
    peers their defaults; all get the same alpha grid.
    """
    return {
        "LinearSVM": lambda a: LinearSVM(alpha=a),
        "SoftmaxClassifier": lambda a: SoftmaxClassifier(alpha=a, random_state=0),
        "SoftmaxClassifier(lbfgs)": lambda a: SoftmaxClassifier(alpha=a, optimizer="lbfgs"),
        "SGDClassifier": lambda a: SGDClassifier(
            loss="hinge", alpha=a, max_iter=epochs, tol=None, n_jobs=2, random_state=0),
        "LogisticRegression": lambda a: LogisticRegression(C=1 / (a * n_train)),
    }


class Trajectory:
    """A scikit-learn fit callback keeping LogisticRegression's L-BFGS iterates.

    scikit-learn (>= 1.9) calls ``on_fit_task_end`` at the end of each
    L-BFGS iteration ("lbfgs-iter") with the estimator as it stands there;
    the k-th recorded iterate equals a fit stopped at ``max_iter=k``.
    """

    def __init__(self):
        self.iterates = []

    def setup(self, estimator, context):
        pass

    def teardown(self, estimator, context):
        pass

    def on_fit_task_begin(self, estimator, context):
        pass

    def on_fit_task_end(self, estimator, context, *, fitted_estimator=None):
        if context.task_name == "lbfgs-iter" and fitted_estimator is not None:
            self.iterates.append((fitted_estimator.coef_.copy(),
                                  fitted_estimator.intercept_.copy()))


def first_at_most(values, target):
    """The 1-based index of the first value <= ``target``, or None."""
    return next((k for k, value in enumerate(values, start=1) if value <= target), None)


def fewest_iterations(make, guess, reaches, limit):
    """Correct ``guess`` to the fewest ``max_iter`` whose fit reaches the target.

    Each solver is deterministic, so a fit stopped at ``k`` iterations is the
    k-th iterate of the long run; the guess (from a curve computed in the
    solver's own precision) is checked in float64 one iteration either side.
    """
    k = guess
    while not reaches(k):
        if k >= limit:
            return None
        k += 1
    while k > 1 and reaches(k - 1):
        k -= 1
    return k


def bench_lbfgs(X_train, X_val, y_train, y_val, repeats, n=20000, alpha=1e-3, rel=1e-4,
                path=True, reference_iter=1000, unpreconditioned=True):
    """Our lbfgs against LogisticRegression's: the time each needs to come within
    ``rel`` of the optimum of the same objective.

    One long run of each solver records its objective per iteration (ours its
    ``loss_curve_``, LogisticRegression its iterates through a scikit-learn
    callback, evaluated here in float64); J* is the lower of the two ends.
    The fewest iterations reaching J* + rel |J*| are then timed as plain fits
    with ``max_iter`` set to them, medians of alternated repeats.
    """
    X, y = X_train[:n], y_train[:n]
    n = len(y)
    X64 = X.astype(np.float64)
    classes = np.unique(y)
    y_index = np.searchsorted(classes, y)
    ones = np.ones(n)

    def J_of(coef, intercept):
        P = np.column_stack([coef, intercept]).astype(np.float64)
        return objective(P, X64, y_index, ones, loss="softmax", margin=1.0, penalty="l2",
                         alpha=alpha, l1_ratio=0.0, fit_intercept=True)[0]

    def J(model):
        return J_of(model.coef_, model.intercept_)

    # random_state=0: the preconditioner's sample and projection are seeded,
    # so a fit stopped at k iterations is the long run's k-th iterate; the
    # spread over other seeds is printed below.
    ours = {
        "ours (preconditioned)": lambda k, tol=0.0, seed=0: SoftmaxClassifier(
            optimizer="lbfgs", alpha=alpha, max_iter=k, tol=tol, random_state=seed),
        "ours, no preconditioner": lambda k, tol=0.0, seed=0: SoftmaxClassifier(
            optimizer=LBFGS(rank=0), alpha=alpha, max_iter=k, tol=tol, random_state=seed),
    }
    if not unpreconditioned:
        del ours["ours, no preconditioner"]

    def peer(k, tol=0.0):
        return LogisticRegression(C=1 / (alpha * n), max_iter=k, tol=tol)
    makers = {**ours, "LogisticRegression": peer}

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        long_runs = {name: make(reference_iter, tol=1e-8).fit(X, y) for name, make in ours.items()}
        trajectory = Trajectory()
        long_runs["LogisticRegression"] = peer(reference_iter, tol=1e-10).set_callbacks(
            trajectory).fit(X, y)
    curves = {name: list(model.loss_curve_) for name, model in long_runs.items()
              if name != "LogisticRegression"}
    curves["LogisticRegression"] = [J_of(c, b) for c, b in trajectory.iterates]
    ends = {name: J(model) for name, model in long_runs.items()}
    J_star = min(ends.values())
    target = J_star + rel * abs(J_star)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        dtypes = {name: str(make(1).fit(X[:200], y[:200]).coef_.dtype)
                  for name, make in makers.items()}
    print(f"  lbfgs, {n} images, alpha={alpha:g}: J* = {J_star:.6f}, the lowest end of "
          f"{reference_iter} iterations at most (ours tol=1e-8, LogisticRegression "
          f"tol=1e-10): " + ", ".join(f"{name} {ends[name]:.6f} after "
                                     f"{len(curves[name])}" for name in makers)
          + f"; target J* + {rel:g} |J*| = {target:.6f}; coefficients: {dtypes}", flush=True)

    def reaches(make):
        return lambda k: J(make(k).fit(X, y)) <= target

    iters = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for name, make in makers.items():
            guess = first_at_most(curves[name], target)
            if name == "LogisticRegression":
                iters[name] = guess    # its iterates were evaluated in float64 already
            elif guess is not None:
                iters[name] = fewest_iterations(make, guess, reaches(make), reference_iter)
            else:
                iters[name] = None
        fits = {name: (lambda make=make, k=k: make(k).fit(X, y))
                for name, make in makers.items() if (k := iters[name]) is not None}
        models_ = {}
        times = median_times(fits, repeats, results=models_)
    for name in makers:
        if iters[name] is None:
            print(f"  {name:<28} did not reach the target in {reference_iter} iterations",
                  flush=True)
            continue
        reached = J(models_[name])
        assert reached <= target, (name, reached, target)
        print(f"  {name:<28} {iters[name]:4d} iterations {times[name]:7.2f} s "
              f"({times[name] / iters[name]:.3f} s per iteration)  objective "
              f"{reached:.6f}  validation {models_[name].score(X_val, y_val):.4f}",
              flush=True)
    if iters["ours (preconditioned)"] is not None:
        make, k = ours["ours (preconditioned)"], iters["ours (preconditioned)"]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            spread = [first_at_most(make(3 * k, seed=seed).fit(X, y).loss_curve_, target)
                      for seed in range(1, 6)]
        print(f"  ours (preconditioned), iterations to the target with random_state 1..5 "
              f"(from loss_curve_): {spread}", flush=True)
    lines = []
    for name in ours:
        if name in times and "LogisticRegression" in times:
            per_iteration = ((times["LogisticRegression"] / iters["LogisticRegression"])
                             / (times[name] / iters[name]))
            lines.append(summary(
                f"lbfgs, {n} images, alpha={alpha:g}, time to within {rel:g} of the optimum "
                f"(median of {repeats}): SoftmaxClassifier {name} vs LogisticRegression",
                f"{times[name]:.2f} s, {iters[name]} iterations",
                f"{times['LogisticRegression']:.2f} s, {iters['LogisticRegression']} "
                "iterations",
                f"{times['LogisticRegression'] / times[name]:.1f}x faster "
                f"({iters['LogisticRegression'] / iters[name]:.1f}x fewer iterations, "
                f"per-iteration cost peer / ours {per_iteration:.2f})"))

    if not path:
        return lines
    # A regularization path, each fit to convergence (tol 1e-4 on the gradient).
    path = [1e-1, 3e-2, 1e-2, 3e-3, 1e-3]

    def warm_path():
        clf = SoftmaxClassifier(optimizer="lbfgs", warm_start=True, max_iter=2000,
                                random_state=0)
        return [clf.set_params(alpha=a).fit(X, y).n_iter_ for a in path]

    def cold_path():
        return [SoftmaxClassifier(optimizer="lbfgs", alpha=a, max_iter=2000,
                                  random_state=0).fit(X, y).n_iter_ for a in path]

    warm_iters, cold_iters = warm_path(), cold_path()
    print(f"  path iterations per alpha: warm {warm_iters}, cold {cold_iters}", flush=True)
    t = median_times({"warm": warm_path, "cold": cold_path}, repeats)
    lines.append(summary(
        f"lbfgs alpha path {path} to tol=1e-4, {n} images: warm starts vs cold fits",
        f"{t['warm']:.2f} s, {sum(warm_iters)} iterations",
        f"{t['cold']:.2f} s, {sum(cold_iters)} iterations",
        f"{t['cold'] / t['warm']:.1f}x faster"))
    return lines


def svm_objective(clf, X, y, alpha, margin=1.0):
    """The Weston-Watkins hinge objective of a linear model, in float64.

    For a one-vs-rest peer it is evaluated on its own coefficients: how far
    its solution is from the multiclass SVM's optimum, not a measure of its
    own training.
    """
    classes = np.unique(y)
    coef = np.atleast_2d(clf.coef_).astype(np.float64)
    P = np.column_stack([coef, np.ravel(clf.intercept_)]).astype(np.float64)
    J, _ = objective(P, X.astype(np.float64), np.searchsorted(classes, y), np.ones(len(y)),
                     loss="hinge", margin=margin, penalty="l2", alpha=alpha, l1_ratio=0.0,
                     fit_intercept=True)
    return J


def bench_exact(data, alpha, repeats, what):
    """optimizer='exact' to a certified gap of 1e-3 against SGDClassifier and momentum.

    LinearSVC has its own section (:func:`bench_linearsvc`), tuned and to
    convergence.
    """
    X_train, X_val, y_train, y_val = data
    fits = {
        "exact": lambda: LinearSVM(alpha=alpha, tol=1e-3).fit(X_train, y_train),
        "momentum (the old default)": lambda: LinearSVM(
            alpha=alpha, optimizer="momentum", random_state=0).fit(X_train, y_train),
        "SGDClassifier(hinge)": lambda: SGDClassifier(
            loss="hinge", alpha=alpha, n_jobs=2, random_state=0).fit(X_train, y_train),
    }
    models_, seconds = {}, {}
    for name, fit in fits.items():
        models_[name], first = timed(fit)
        seconds[name] = [first]
        print(f"  {name:<28} first fit {first:8.1f} s", flush=True)
    # Models that take minutes a fit get that one fit: a repeat changes no ratio.
    slow = [name for name, s in seconds.items() if s[0] > 120]
    for _ in range(repeats - 1):                         # alternated repeats
        for name in fits:
            if name not in slow:
                seconds[name].append(timed(fits[name])[1])
    times = {k: float(np.median(v)) for k, v in seconds.items()}
    exact = models_["exact"]
    J = {k: svm_objective(m, X_train, y_train, alpha) for k, m in models_.items()}
    acc = {k: m.score(X_val, y_val) for k, m in models_.items()}
    print(f"  exact: {exact.n_iter_} iterations, objective {exact.loss_curve_[-1]:.6f}, "
          f"certified gap {exact.dual_gap_:.3g} ({exact.dual_gap_ / exact.loss_curve_[-1]:.2g}"
          " of it)")
    for k in fits:
        note = " (one fit)" if k in slow else ""
        print(f"  {k:<28} {times[k]:8.2f} s{note}  validation {acc[k]:.4f}  multiclass-hinge "
              f"objective {J[k]:.6f} (+{J[k] - exact.loss_curve_[-1] + exact.dual_gap_:.3g} "
              "above the certified lower bound)", flush=True)
    lines = []
    for peer in [k for k in fits if k != "exact"]:
        ratio = times[peer] / times["exact"]
        speed = f"{ratio:.1f}x faster" if ratio >= 1 else f"{1 / ratio:.1f}x slower"
        lines.append(summary(
            f"{what}, alpha={alpha:g}: LinearSVM(exact, tol=1e-3) vs {peer}",
            f"{times['exact']:.2f} s, acc {acc['exact']:.4f}",
            f"{times[peer]:.2f} s, acc {acc[peer]:.4f}",
            f"{speed}, {acc['exact'] - acc[peer]:+.4f} accuracy (validation)"))
    return lines


def bench_alpha_curves(data, grid, what):
    """Validation accuracy per alpha: the hinge at its optimum against 20 momentum epochs."""
    X_train, X_val, y_train, y_val = data
    rows = {}
    for alpha in grid:
        exact, t_exact = timed(lambda: LinearSVM(alpha=alpha).fit(X_train, y_train))
        momentum, t_mom = timed(lambda: LinearSVM(alpha=alpha, optimizer="momentum",
                                                  random_state=0).fit(X_train, y_train))
        rows[alpha] = (exact.score(X_val, y_val), t_exact, exact.n_iter_,
                       momentum.score(X_val, y_val), t_mom)
        print(f"  {what} alpha={alpha:<8g} exact {rows[alpha][0]:.4f} ({t_exact:5.1f} s, "
              f"{exact.n_iter_} it.)  momentum {rows[alpha][3]:.4f} ({t_mom:5.1f} s)",
              flush=True)
    best_exact = max(grid, key=lambda a: rows[a][0])
    best_mom = max(grid, key=lambda a: rows[a][3])
    curve = ", ".join(f"{a:g}: {rows[a][0]:.4f} / {rows[a][3]:.4f}" for a in grid)
    print(f"  {what} validation curve, alpha: exact / momentum: {curve}")
    return [summary(
        f"{what}, best alpha of {grid} (validation): LinearSVM() exact vs momentum",
        f"{rows[best_exact][0]:.4f} at {best_exact:g} ({rows[best_exact][1]:.1f} s)",
        f"{rows[best_mom][3]:.4f} at {best_mom:g} ({rows[best_mom][4]:.1f} s)",
        f"{rows[best_exact][0] - rows[best_mom][3]:+.4f}")]


# The defaults before issue 6 (explicit), for the before / after table.
OLD_DEFAULTS = dict(optimizer="adam", learning_rate=1e-3, learning_rate_schedule="constant",
                    max_iter=200, tol=1e-4, batch_size=256)


def bench_defaults(X_train, X_val, y_train, y_val, epochs):
    """Accuracy and fit time of each model at its best alpha of the grid."""
    n = len(y_train)
    makers = {
        "LinearSVM, defaults before": lambda a: LinearSVM(alpha=a, random_state=0,
                                                          **OLD_DEFAULTS),
        "LinearSVM, defaults now": lambda a: LinearSVM(alpha=a, random_state=0),
        "SoftmaxClassifier, defaults before": lambda a: SoftmaxClassifier(
            alpha=a, random_state=0, **OLD_DEFAULTS),
        "SoftmaxClassifier, defaults now": lambda a: SoftmaxClassifier(alpha=a, random_state=0),
        "SoftmaxClassifier(optimizer='lbfgs')": lambda a: SoftmaxClassifier(
            alpha=a, optimizer="lbfgs"),
        "LogisticRegression()": lambda a: LogisticRegression(C=1 / (a * n)),
        f"SGDClassifier(hinge), {epochs} epochs": lambda a: SGDClassifier(
            alpha=a, max_iter=epochs, tol=None, n_jobs=2, random_state=0),
    }
    grid = [1e-3, 1e-2, 1e-1]
    best = {}
    for model, make in makers.items():
        for alpha in grid:
            est, seconds = timed(lambda: make(alpha).fit(X_train, y_train))
            acc = est.score(X_val, y_val)
            if model not in best or acc > best[model][1]:
                best[model] = (alpha, acc, seconds)
    print(f"\n{'defaults, alpha from ' + str(grid):<46}{'alpha':>8}{'validation':>12}{'fit s':>8}")
    for model, (alpha, acc, seconds) in best.items():
        print(f"{model:<46}{alpha:>8g}{acc:>12.4f}{seconds:>8.1f}")
    lines = []
    for loss, goal in (("LinearSVM", 0.40), ("SoftmaxClassifier", 0.41)):
        before, now = best[f"{loss}, defaults before"], best[f"{loss}, defaults now"]
        lines.append(summary(
            f"{loss}(alpha=a) defaults now vs before (goal >= {goal})",
            f"{now[1]:.4f} in {now[2]:.1f} s", f"{before[1]:.4f} in {before[2]:.1f} s",
            f"{now[1] - before[1]:+.4f}"))
    return lines


# Fair peers of the exact solver (issue 24): each side tunes its own
# regularization on the same validation split, to its own convergence.
PEER_ALPHAS = [10.0, 3.0, 1.0, 0.3]           # strongest first; C = 1 / (alpha n) below
OVR_MAX_ITER = 2000
CS_SOLVER_MAX_ITER = 100000   # liblinear's own bound: scikit-learn does not pass max_iter to it


def _fit_in_child(make, X, y, conn):
    model, seconds = timed(lambda: make().fit(X, y))
    conn.send((model, seconds))
    conn.close()


def fit_within(make, X, y, cap):
    """Fit ``make()`` in a forked child process; (model, seconds), or None after ``cap`` s.

    scikit-learn's Crammer-Singer fit ignores ``max_iter``, so a wall-clock cap
    is the only way to stop a fit that would run for an hour; the child is
    ended and the fit reported as unfinished.
    """
    import multiprocessing

    context = multiprocessing.get_context("fork")
    parent, child = context.Pipe(duplex=False)
    process = context.Process(target=_fit_in_child, args=(make, X, y, child))
    process.start()
    child.close()
    result = parent.recv() if parent.poll(cap) else None
    if result is None:
        process.terminate()
    process.join()
    return result


def ovr_convergence(model):
    """'converged' or 'did NOT converge', and the classes' largest n_iter_.

    The warnings of one-vs-rest's worker processes do not reach this one, so
    convergence is read from each binary LinearSVC's n_iter_ against max_iter.
    """
    n_iter = [int(est.n_iter_) for est in model.estimators_]
    stopped = sum(k >= OVR_MAX_ITER for k in n_iter)
    state = "converged" if not stopped else f"did NOT converge ({stopped} classes at max_iter)"
    return f"n_iter_ per class {n_iter}, {state}"


def bench_linearsvc(X_train, X_val, y_train, y_val, n, repeats, cap):
    """Our LinearSVM (default exact solver) against LinearSVC given its best.

    ``n`` training images, 2 cores each: ours with 2 BLAS threads,
    OneVsRestClassifier(LinearSVC(hinge, dual), n_jobs=2) on 2 processes,
    LinearSVC(crammer_singer) on one (liblinear has no threads).  Each side's
    regularization comes from the same grid, in its own units (C = 1 / (alpha
    n) as the starting correspondence), strongest first, stopped at the first
    setting whose validation accuracy falls below the best so far or whose fit
    did not finish.  The grid fits, run alternately, are the first repeat; the
    settings reported are fitted ``repeats - 1`` more times, alternately, and
    timed by their median.
    """
    from sklearn.multiclass import OneVsRestClassifier
    from threadpoolctl import threadpool_limits

    X, y = X_train[:n], y_train[:n]
    X64, X_val64 = X.astype(np.float64), X_val.astype(np.float64)

    def ours(alpha):
        def fit():
            with threadpool_limits(limits=2, user_api="blas"):
                return LinearSVM(alpha=alpha).fit(X, y)
        return fit

    def ovr(alpha):
        return lambda: OneVsRestClassifier(LinearSVC(
            loss="hinge", dual=True, C=1 / (alpha * n), max_iter=OVR_MAX_ITER,
            random_state=0), n_jobs=2).fit(X64, y)

    def crammer_singer(alpha):
        def fit():
            result = fit_within(lambda: LinearSVC(
                multi_class="crammer_singer", C=1 / (alpha * n), max_iter=CS_SOLVER_MAX_ITER,
                random_state=0), X64, y, cap)
            if result is None:
                raise TimeoutError
            return result[0]
        return fit

    sides = {"LinearSVM (ours)": (ours, X_val, "alpha"),
             "LinearSVC one-vs-rest": (ovr, X_val64, "C"),
             "LinearSVC crammer_singer": (crammer_singer, X_val64, "C")}
    print(f"  {n} training images, {len(y_val)} validation (figures are validation "
          f"accuracy, not test); alphas {PEER_ALPHAS}, C = 1 / (alpha * {n}); "
          f"one-vs-rest max_iter={OVR_MAX_ITER}; crammer_singer capped at {cap:g} s a fit",
          flush=True)
    def label(side, alpha):
        unit = sides[side][2]
        return f"alpha={alpha:g}" if unit == "alpha" else f"C={1 / (alpha * n):.3g}"

    print(f"  load average at the start (1, 5, 15 min): {os.getloadavg()} on "
          f"{os.cpu_count()} cpus (above the cpus: shared with other work)", flush=True)
    # Start one-vs-rest's worker processes, so that no timed fit pays for it.
    OneVsRestClassifier(LinearSVC(loss="hinge"), n_jobs=2).fit(X64[:200], y[:200])
    grid = {side: {} for side in sides}          # alpha -> (accuracy, [seconds])
    open_sides = set(sides)
    for alpha in PEER_ALPHAS:
        for side, (make, Xv, _) in sides.items():
            if side not in open_sides:
                continue
            setting = label(side, alpha)
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", ConvergenceWarning)
                try:
                    model, seconds = timed(make(alpha))
                except TimeoutError:
                    print(f"  {side:<26} {setting:<12} did NOT finish within {cap:g} s "
                          "(ended); larger C takes longer: grid stopped", flush=True)
                    open_sides.discard(side)
                    continue
            acc = model.score(Xv, y_val)
            if side.startswith("LinearSVM"):
                state = (f"n_iter_ {model.n_iter_}, certified gap "
                         f"{model.dual_gap_ / model.loss_curve_[-1]:.2g} of the objective")
            elif "one-vs-rest" in side:
                state = ovr_convergence(model)
            else:
                n_iter = int(np.max(model.n_iter_))
                state = f"n_iter_ {n_iter}, " + (
                    "converged" if n_iter < CS_SOLVER_MAX_ITER else "did NOT converge")
            for warning in caught:
                print(f"    ConvergenceWarning: {warning.message}", flush=True)
            print(f"  {side:<26} {setting:<12} validation {acc:.4f}  fit {seconds:7.2f} s  "
                  f"{state}", flush=True)
            best = max((a for a, _ in grid[side].values()), default=-1.0)
            grid[side][alpha] = (acc, [seconds])
            if acc < best:
                open_sides.discard(side)

    def best_of(side):
        return max(grid[side], key=lambda a: grid[side][a][0]) if grid[side] else None

    def fastest_reaching(side, target):
        reach = [a for a, (acc, _) in grid[side].items() if acc >= target]
        return min(reach, key=lambda a: grid[side][a][1][0]) if reach else None

    ours_side = "LinearSVM (ours)"
    pairs = []                        # (peer, lower side, its best, higher side, its setting)
    timed_settings = {(side, best_of(side)) for side in sides if best_of(side) is not None}
    for peer in ("LinearSVC one-vs-rest", "LinearSVC crammer_singer"):
        if best_of(peer) is None:
            continue
        a_ours, a_peer = best_of(ours_side), best_of(peer)
        if grid[ours_side][a_ours][0] >= grid[peer][a_peer][0]:
            low, high = (peer, a_peer), ours_side
        else:
            low, high = (ours_side, a_ours), peer
        reach = fastest_reaching(high, grid[low[0]][low[1]][0])
        pairs.append((peer, low, (high, reach)))
        timed_settings.add((high, reach))
    for _ in range(repeats - 1):                      # alternated repeats
        for side, alpha in sorted(timed_settings, key=lambda s: list(sides).index(s[0])):
            try:
                grid[side][alpha][1].append(timed(sides[side][0](alpha))[1])
            except TimeoutError:                      # counted as the cap: a lower bound
                print(f"  {side} {label(side, alpha)}: a repeat did NOT finish within "
                      f"{cap:g} s, counted as {cap:g} s", flush=True)
                grid[side][alpha][1].append(float(cap))

    def median(side, alpha):
        return float(np.median(grid[side][alpha][1]))

    for side, alpha in sorted(timed_settings, key=lambda s: list(sides).index(s[0])):
        print(f"  {side:<26} {label(side, alpha):<12} timed fits (the grid's first): "
              + ", ".join(f"{t:.2f}" for t in grid[side][alpha][1]) + " s", flush=True)
    print(f"  load average at the end: {os.getloadavg()}", flush=True)
    lines = []
    a_ours = best_of(ours_side)
    for peer in ("LinearSVC one-vs-rest", "LinearSVC crammer_singer"):
        a_peer = best_of(peer)
        if a_peer is None:
            print(f"  {peer}: no fit finished, no figure", flush=True)
            continue
        t_ours, t_peer = median(ours_side, a_ours), median(peer, a_peer)
        lines.append(summary(
            f"raw pixels, {n} images, each side's best regularization on validation, "
            f"median of {repeats}: LinearSVM (exact) vs {peer}",
            f"{t_ours:.2f} s, acc {grid[ours_side][a_ours][0]:.4f} ({label(ours_side, a_ours)})",
            f"{t_peer:.2f} s, acc {grid[peer][a_peer][0]:.4f} ({label(peer, a_peer)})",
            f"time ratio peer / ours {t_peer / t_ours:.2f}, "
            f"{grid[ours_side][a_ours][0] - grid[peer][a_peer][0]:+.4f} accuracy (validation)"))
    for peer, (low, a_low), (high, a_high) in pairs:
        target = grid[low][a_low][0]
        t_low, t_high = median(low, a_low), median(high, a_high)
        ours_is_high = high == ours_side
        ours_t, peer_t = (t_high, t_low) if ours_is_high else (t_low, t_high)
        ratio = peer_t / ours_t
        lines.append(summary(
            f"raw pixels, {n} images, time to equal accuracy {target:.4f} (validation; the "
            f"best of {low}), median of {repeats}: LinearSVM (exact) vs {peer}",
            f"{ours_t:.2f} s ({label(ours_side, a_high if ours_is_high else a_low)}"
            + (", reaches it" if ours_is_high else ", its best") + ")",
            f"{peer_t:.2f} s ({label(peer, a_low if ours_is_high else a_high)}"
            + (", its best" if ours_is_high else ", reaches it") + ")",
            f"{ratio:.1f}x faster" if ratio >= 1 else f"{1 / ratio:.1f}x slower"))
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--no-linearsvc", action="store_true",
                        help="skip the linearsvc section (minutes per fit on CIFAR-10)")
    parser.add_argument("--peer-n", type=int, default=10000,
                        help="linearsvc: training images (the first of the 45,000)")
    parser.add_argument("--peer-cap", type=float, default=200.0,
                        help="linearsvc: seconds a crammer_singer fit may take")
    parser.add_argument("--no-path", action="store_true",
                        help="lbfgs: skip the timing of the warm-started alpha path")
    parser.add_argument("--no-unpreconditioned", action="store_true",
                        help="lbfgs: skip our L-BFGS without its preconditioner")
    parser.add_argument("--reference-iter", type=int, default=1000,
                        help="lbfgs: iterations of the two long runs that set J*")
    parser.add_argument("--sections", nargs="+",
                        default=["exact", "curves", "compare", "lbfgs", "linearsvc", "defaults"],
                        choices=["exact", "curves", "compare", "lbfgs", "linearsvc", "defaults"])
    args = parser.parse_args()
    warnings.simplefilter("ignore", ConvergenceWarning)

    name, X_train, X_val, y_train, y_val = load_data()
    print(machine_line())
    print(f"scikit-learn {sklearn.__version__}, numpy {np.__version__}; our solvers compute "
          "in the dtype of X (float32 here), LinearSVC (liblinear) and SGDClassifier in "
          "float64 (their only choice; LinearSVC gets float64 arrays); 2 threads each "
          "(n_jobs=2 for the one-vs-rest peers, BLAS's 2 threads for ours; liblinear's "
          "crammer_singer has one)")
    print(f"data: {name}, {X_train.shape[1]} features, float32", flush=True)
    lines = []
    if "exact" in args.sections:
        lines += bench_exact((X_train[:20000], X_val, y_train[:20000], y_val), 1e-3,
                             args.repeats, "raw pixels, 20,000 images")
        bovw = standardized_features("bovw")
        if bovw is not None:
            lines += bench_exact(bovw, 1e-2, args.repeats,
                                 "bag of words (1,600 words), 45,000 images")
    if "curves" in args.sections:
        lines += bench_alpha_curves((X_train, X_val, y_train, y_val),
                                    [1e-4, 1e-3, 1e-2, 3e-2, 1e-1, 3e-1, 1.0, 3.0],
                                    "raw pixels, 45,000 images")
        bovw = standardized_features("bovw")
        if bovw is not None:
            lines += bench_alpha_curves(bovw, [1e-3, 3e-3, 1e-2, 3e-2, 1e-1],
                                        "bag of words, 45,000 images")
    if "lbfgs" in args.sections:
        lines += bench_lbfgs(X_train, X_val, y_train, y_val, args.repeats,
                             path=not args.no_path, reference_iter=args.reference_iter,
                             unpreconditioned=not args.no_unpreconditioned)
    if "linearsvc" in args.sections and not args.no_linearsvc:
        lines += bench_linearsvc(X_train, X_val, y_train, y_val, args.peer_n, args.repeats,
                                 args.peer_cap)
    if "defaults" in args.sections:
        lines += bench_defaults(X_train, X_val, y_train, y_val, args.epochs)
    if "compare" in args.sections:
        lines += compare(args, X_train, X_val, y_train, y_val)
    print("\nsummary\nwhat | ours | peer | ratio")
    for line in lines:
        print(line)


def compare(args, X_train, X_val, y_train, y_val):
    """Every model with its defaults, alpha picked on validation, against the peers."""
    print(f"grid alpha={ALPHAS}; {args.epochs} epochs for SGDClassifier", flush=True)
    makers = models(args.epochs, len(y_train))
    best = {}
    for model, make in makers.items():
        for alpha in ALPHAS:
            est, seconds = timed(lambda: make(alpha).fit(X_train, y_train))
            acc = est.score(X_val, y_val)
            print(f"  {model:<26} alpha={alpha:<7g} validation {acc:.4f}  fit {seconds:7.2f} s",
                  flush=True)
            if model not in best or acc > best[model][1]:
                best[model] = (alpha, acc, seconds)
    medians = median_times(
        {m: (lambda m=m: makers[m](best[m][0]).fit(X_train, y_train)) for m in makers},
        args.repeats)
    print(f"\n{'model':<26}{'alpha':>8}{'validation':>12}{'fit s':>10}")
    for m in makers:
        print(f"{m:<26}{best[m][0]:>8g}{best[m][1]:>12.4f}{medians[m]:>10.2f}")
    lines = []
    for ours, peer in (("LinearSVM", "SGDClassifier"),
                       ("SoftmaxClassifier", "LogisticRegression"),
                       ("SoftmaxClassifier(lbfgs)", "LogisticRegression")):
        lines.append(summary(
            f"defaults, best alpha of {ALPHAS} on validation: {ours} vs {peer}",
            f"{medians[ours]:.2f} s, acc {best[ours][1]:.4f} (alpha {best[ours][0]:g})",
            f"{medians[peer]:.2f} s, acc {best[peer][1]:.4f} (alpha {best[peer][0]:g})",
            f"{medians[peer] / medians[ours]:.1f}x faster, "
            f"{best[ours][1] - best[peer][1]:+.4f} accuracy (validation)"))
    return lines


if __name__ == "__main__":
    main()
