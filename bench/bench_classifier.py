"""Our LinearSVM / SoftmaxClassifier against scikit-learn's linear models.

Same standardized data, same run: CIFAR-10 raw pixels (45,000 train / 5,000
validation of ../shared/data/cifar10/train, fixed seed) when present, digits
otherwise.  Every figure is validation accuracy (the official test split is
not here); alphas picked on that same split are said to be.  Times are
medians of alternated repeats unless a line says "one fit" (a model taking
minutes a fit).  scikit-learn's version and each side's float type printed.

Sections (all by default, or pick with --sections):

* exact: LinearSVM's default solver (optimizer='exact', to a certified duality
  gap of 1e-3) against LinearSVC (liblinear's dual, one-vs-rest),
  SGDClassifier(hinge) and 20 epochs of momentum (the old default), at one
  alpha, on 20,000 standardized raw-pixel images (alpha=1e-3) and on the
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
* defaults: LinearSVM(alpha=a) and SoftmaxClassifier(alpha=a) with the
  defaults before and now, against LogisticRegression and SGDClassifier,
  alpha picked from {1e-3, 1e-2, 1e-1} on validation (one fit each).

Run: python bench/bench_classifier.py [--repeats 3] [--epochs 20] [--no-linearsvc]
     [--sections exact curves compare lbfgs defaults]
"""

import argparse
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


def bench_exact(data, alpha, repeats, with_linearsvc, what):
    """optimizer='exact' to a certified gap of 1e-3 against LinearSVC and SGDClassifier."""
    X_train, X_val, y_train, y_val = data
    n = len(y_train)
    fits = {
        "exact": lambda: LinearSVM(alpha=alpha, tol=1e-3).fit(X_train, y_train),
        "momentum (the old default)": lambda: LinearSVM(
            alpha=alpha, optimizer="momentum", random_state=0).fit(X_train, y_train),
        "SGDClassifier(hinge)": lambda: SGDClassifier(
            loss="hinge", alpha=alpha, n_jobs=2, random_state=0).fit(X_train, y_train),
    }
    if with_linearsvc:
        # liblinear's dual coordinate descent, one-vs-rest: 1/2 ||w||^2 + C sum
        # hinge per class is alpha/2 ||w||^2 + mean hinge for C = 1 / (alpha n).
        fits["LinearSVC(hinge)"] = lambda: LinearSVC(
            loss="hinge", dual=True, C=1 / (alpha * n), random_state=0).fit(X_train, y_train)
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


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--no-linearsvc", action="store_true",
                        help="skip LinearSVC (minutes per fit on CIFAR-10)")
    parser.add_argument("--no-path", action="store_true",
                        help="lbfgs: skip the timing of the warm-started alpha path")
    parser.add_argument("--no-unpreconditioned", action="store_true",
                        help="lbfgs: skip our L-BFGS without its preconditioner")
    parser.add_argument("--reference-iter", type=int, default=1000,
                        help="lbfgs: iterations of the two long runs that set J*")
    parser.add_argument("--sections", nargs="+",
                        default=["exact", "curves", "compare", "lbfgs", "defaults"],
                        choices=["exact", "curves", "compare", "lbfgs", "defaults"])
    args = parser.parse_args()
    warnings.simplefilter("ignore", ConvergenceWarning)

    name, X_train, X_val, y_train, y_val = load_data()
    print(machine_line())
    print(f"scikit-learn {sklearn.__version__}; our solvers compute in the dtype of X "
          "(float32 here), LinearSVC (liblinear) and SGDClassifier in float64 (their only "
          "choice), on the same float32 arrays; 2 threads each (n_jobs=2 for "
          "SGDClassifier's one-vs-rest, BLAS's 2 threads for ours; liblinear has one)")
    print(f"data: {name}, {X_train.shape[1]} features, float32", flush=True)
    lines = []
    if "exact" in args.sections:
        lines += bench_exact((X_train[:20000], X_val, y_train[:20000], y_val), 1e-3,
                             args.repeats, not args.no_linearsvc, "raw pixels, 20,000 images")
        bovw = standardized_features("bovw")
        if bovw is not None:
            lines += bench_exact(bovw, 1e-2, args.repeats, not args.no_linearsvc,
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
