"""L-BFGS: the minimizer on test functions, and optimizer='lbfgs' in the estimators."""

import pickle
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_digits, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC

from classifiers import LinearClassifier, LinearSVM, SoftmaxClassifier
from classifiers.lbfgs import F_NOISE, line_search, minimize, two_loop
from classifiers.optimizers import LBFGS
from classifiers.solvers import solver_for


def rosenbrock(x):
    f = 100 * (x[1] - x[0] ** 2) ** 2 + (1 - x[0]) ** 2
    g = np.array([-400 * x[0] * (x[1] - x[0] ** 2) - 2 * (1 - x[0]),
                  200 * (x[1] - x[0] ** 2)])
    return f, g


def assert_descends_within_rounding(values):
    """Every accepted step lowers f, or raises it by no more than the line search's
    allowance for rounding (Hager & Zhang's approximate Wolfe test, F_NOISE * |f|)."""
    rises = [b - a for a, b in zip(values, values[1:]) if b > a]
    allowed = [F_NOISE * abs(a) for a, b in zip(values, values[1:]) if b > a]
    assert all(r <= tol for r, tol in zip(rises, allowed)), (rises, allowed)


def quadratic(seed=0, n=30, ridge=0.1):
    rng = np.random.default_rng(seed)
    M = rng.standard_normal((n, n))
    A = M @ M.T + ridge * np.eye(n)
    b = rng.standard_normal(n)
    return A, b, lambda x: (0.5 * x @ A @ x - b @ x, A @ x - b)


@pytest.mark.parametrize("x0", [[-1.2, 1.0], [2.0, 2.0], [-3.0, -4.0]])
def test_rosenbrock_minimum_to_tolerance(x0):
    result = minimize(rosenbrock, np.array(x0), max_iter=500, tol=1e-9)
    assert result.status == "converged"
    assert np.max(np.abs(result.grad)) <= 1e-9
    np.testing.assert_allclose(result.x, [1.0, 1.0], atol=1e-8)


@pytest.mark.parametrize("tol", [1e-4, 1e-8])
def test_convex_quadratic_minimum_to_tolerance(tol):
    A, b, f = quadratic()
    result = minimize(f, np.zeros(len(b)), max_iter=2000, tol=tol)
    assert result.status == "converged" and np.max(np.abs(result.grad)) <= tol
    # |x - x*| <= |A^-1| |g| bounds the error by the gradient
    bound = tol * np.sqrt(len(b)) / np.linalg.eigvalsh(A)[0]
    assert np.max(np.abs(result.x - np.linalg.solve(A, b))) <= bound


def test_two_loop_with_one_pair_is_the_bfgs_update_of_scaled_identity():
    # With one pair (s, y), H = (I - rho s y^T) H0 (I - rho y s^T) + rho s s^T,
    # H0 = (s.y / y.y) I (N&W eq. 7.20 and 6.17).
    rng = np.random.default_rng(1)
    s, y, g = rng.standard_normal((3, 5))
    y = y + 2 * s                              # make s.y > 0
    rho = 1 / (s @ y)
    H0 = (s @ y) / (y @ y) * np.eye(5)
    V = np.eye(5) - rho * np.outer(y, s)
    H = V.T @ H0 @ V + rho * np.outer(s, s)
    np.testing.assert_allclose(two_loop(g, [(s, y, rho)]), -H @ g, rtol=1e-12)
    np.testing.assert_array_equal(two_loop(g, []), -g)


def test_two_loop_satisfies_the_secant_equation():
    rng = np.random.default_rng(2)
    pairs = []
    for _ in range(4):
        s = rng.standard_normal(6)
        y = s + 0.1 * rng.standard_normal(6)
        pairs.append((s, y, 1 / (s @ y)))
    s, y, _ = pairs[-1]
    np.testing.assert_allclose(two_loop(y, pairs), -s, rtol=1e-10)   # H y = s


def test_line_search_returns_a_strong_wolfe_step():
    A, b, f = quadratic(3)
    x = np.zeros(len(b))
    g = f(x)[1]
    p = -g * 10.0                               # a badly scaled direction

    def phi(a):
        fa, ga = f(x + a * p)
        return fa, ga @ p, None

    f0, d0 = f(x)[0], g @ p
    a, fa, _, n, ok = line_search(phi, f0, d0, 1.0, c1=1e-4, c2=0.9)
    assert ok and n <= 20
    assert fa <= f0 + 1e-4 * a * d0
    assert abs(phi(a)[1]) <= 0.9 * abs(d0)


def test_line_search_shrinks_from_overflow():
    def phi(a):                                 # minimum at 1, overflows past 10
        if a > 10:
            return np.inf, np.nan, None
        return (a - 1) ** 2, 2 * (a - 1), None
    a, fa, _, _, ok = line_search(phi, 1.0, -2.0, 1e3)
    assert ok and np.isfinite(fa) and abs(a - 1) < 0.5


def test_minimize_keeps_float32_and_does_not_modify_x0():
    A, b, _ = quadratic(4, n=10)
    A32, b32 = A.astype(np.float32), b.astype(np.float32)
    x0 = np.zeros(10, np.float32)
    result = minimize(lambda x: (float(0.5 * x @ A32 @ x - b32 @ x), A32 @ x - b32), x0,
                      tol=1e-3)
    assert result.x.dtype == np.float32 and result.grad.dtype == np.float32
    assert result.status == "converged"
    np.testing.assert_array_equal(x0, 0)


def test_minimize_stops_at_max_iter_and_calls_back():
    seen = []
    result = minimize(rosenbrock, np.array([-1.2, 1.0]), max_iter=5, tol=1e-12,
                      callback=lambda k, x, f, g: seen.append((k, f)))
    assert result.status == "max_iter" and result.n_iter == 5
    assert [k for k, _ in seen] == [1, 2, 3, 4, 5]
    values = [f for _, f in seen]
    assert_descends_within_rounding(values)


def test_minimize_stops_cleanly_when_no_step_helps():
    # A gradient that points the wrong way: no step along -g lowers f.
    result = minimize(lambda x: (float(x @ x), -2 * x), np.ones(3), tol=1e-12)
    assert result.status == "line_search" and result.n_iter == 0
    np.testing.assert_array_equal(result.x, np.ones(3))


@pytest.mark.parametrize("kwargs, match", [
    ({"m": 0}, r"'m' parameter of LBFGS must be an int in the range \[1, inf\)"),
    ({"m": 2.5}, "'m' parameter of LBFGS must be an int"),
    ({"m": True}, "'m' parameter of LBFGS must be a number, not a bool"),
    ({"max_ls": 0}, "'max_ls' parameter of LBFGS must be an int"),
    ({"c1": 0.9, "c2": 0.1}, "0 < c1 < c2 < 1"),
    ({"c2": 1.0}, r"'c2' parameter of LBFGS must be a float in the range \(0.0, 1.0\)"),
    ({"c1": None}, "'c1' parameter of LBFGS must be a float"),
])
def test_lbfgs_settings_are_checked(kwargs, match):
    with pytest.raises(ValueError, match=match):
        LBFGS(**kwargs)


# ---------------------------------------------------------------- estimator
def _multiclass(n=300, seed=0, dtype=np.float64):
    X, y = make_classification(n_samples=n, n_features=12, n_informative=6, n_classes=4,
                               random_state=seed)
    return StandardScaler().fit_transform(X).astype(dtype), y


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("alpha", [1e-3, 1e-1])
def test_softmax_lbfgs_equals_logistic_regression(alpha, fit_intercept):
    X, y = _multiclass()
    n = len(y)
    ref = LogisticRegression(C=1 / (alpha * n), tol=1e-10, max_iter=10_000,
                             fit_intercept=fit_intercept).fit(X, y)
    ours = SoftmaxClassifier(optimizer="lbfgs", alpha=alpha, tol=1e-10, max_iter=10_000,
                             fit_intercept=fit_intercept).fit(X, y)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-4)
    # The multinomial intercepts are defined up to a common shift; both are centred.
    np.testing.assert_allclose(ours.intercept_, ref.intercept_ - ref.intercept_.mean(),
                               atol=1e-4)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-6)


def test_lbfgs_with_sample_and_class_weights_equals_logistic_regression():
    X, y = _multiclass(seed=1)
    sw = np.random.default_rng(0).uniform(0.5, 2.0, len(y))
    cw = {0: 1.0, 1: 2.0, 2: 0.5, 3: 1.0}
    alpha = 1e-2
    total = (sw * np.vectorize(cw.get)(y)).sum()
    # Our loss is a weighted mean: C scales with the weights' total.
    ref = LogisticRegression(C=1 / (alpha * total), class_weight=cw, tol=1e-10,
                             max_iter=10_000).fit(X, y, sample_weight=sw)
    ours = SoftmaxClassifier(optimizer="lbfgs", alpha=alpha, class_weight=cw, tol=1e-10,
                             max_iter=10_000).fit(X, y, sample_weight=sw)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-4)


def test_lbfgs_float32_and_float64_agree():
    X, y = _multiclass()
    fit32 = SoftmaxClassifier(optimizer="lbfgs", alpha=1e-2, tol=1e-4).fit(
        X.astype(np.float32), y)
    fit64 = SoftmaxClassifier(optimizer="lbfgs", alpha=1e-2, tol=1e-4).fit(X, y)
    assert fit32.coef_.dtype == np.float32 and fit64.coef_.dtype == np.float64
    np.testing.assert_allclose(fit32.coef_, fit64.coef_, atol=1e-3)
    assert np.max(np.abs(SoftmaxClassifier(optimizer="lbfgs", alpha=1e-2)._objective(
        fit32._P.astype(np.float64), X, np.searchsorted(fit32.classes_, y),
        np.ones(len(y)))[1])) <= 1e-4 * 1.01


def test_lbfgs_squared_hinge_reaches_zero_gradient():
    X, y = _multiclass(seed=2)
    svm = LinearSVM(loss="squared_hinge", optimizer="lbfgs", alpha=1e-2, tol=1e-8,
                    max_iter=2000).fit(X, y)
    y_idx = np.searchsorted(svm.classes_, y)
    _, grad = svm._objective(svm._P, X, y_idx, np.ones(len(y)))
    assert np.max(np.abs(grad)) <= 1e-8
    # The same objective minimized by scipy's L-BFGS-B ends no lower.
    from scipy.optimize import minimize as scipy_minimize

    def fun(p):
        J, dP = svm._objective(p.reshape(svm._P.shape), X, y_idx, np.ones(len(y)))
        return J, dP.ravel()
    ref = scipy_minimize(fun, np.zeros(svm._P.size), jac=True, method="L-BFGS-B",
                         options={"gtol": 1e-10, "ftol": 1e-15, "maxiter": 5000})
    assert svm.best_loss_ <= ref.fun + 1e-12
    np.testing.assert_allclose(svm._P.ravel(), ref.x, atol=1e-5)
    assert svm.n_iter_ == svm.t_ == len(svm.loss_curve_)
    assert svm.best_loss_ == min(svm.loss_curve_)
    # Near the optimum the approximate Wolfe test accepts steps whose value
    # rises within rounding (by one ulp on some BLAS kernels): the promise is
    # descent up to F_NOISE, and the optimum reached (checked above).
    assert_descends_within_rounding(svm.loss_curve_)
    assert svm.loss_curve_[-1] <= ref.fun + F_NOISE * abs(ref.fun)


@pytest.mark.parametrize("fit_intercept", [False, True])
def test_one_vs_rest_squared_hinge_equals_linearsvc(fit_intercept):
    # Per class, ours is (1/N) sum_i max(0, 1 - t_i s_i)^2 + alpha/2 ||w||^2;
    # times 1/alpha that is LinearSVC's 1/2 ||w||^2 + C sum (...)^2 with
    # C = 1 / (alpha N).  liblinear penalizes its intercept (a constant
    # feature of value intercept_scaling) where ours is free: a large scaling
    # makes that penalty negligible.
    X, y = _multiclass(seed=3)
    alpha = 1e-2
    ours = LinearSVM(loss="ovr_squared_hinge", optimizer="lbfgs", alpha=alpha, tol=1e-10,
                     max_iter=5000, fit_intercept=fit_intercept).fit(X, y)
    ref = LinearSVC(loss="squared_hinge", C=1 / (alpha * len(y)), tol=1e-12,
                    max_iter=1_000_000, fit_intercept=fit_intercept, intercept_scaling=1e3,
                    random_state=0).fit(X, y)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-4)
    np.testing.assert_allclose(ours.decision_function(X), ref.decision_function(X),
                               atol=1e-3)
    # Two classes: the two rows solve mirrored problems (w0 = -w1), and the
    # one row exposed is their difference, twice LinearSVC's.
    binary = y < 2
    ours = ours.fit(X[binary], y[binary])
    ref = ref.set_params(C=1 / (alpha * binary.sum())).fit(X[binary], y[binary])
    np.testing.assert_allclose(ours.coef_, 2 * ref.coef_, atol=2e-4)


def test_one_vs_rest_losses_are_not_for_the_exact_solver():
    X, y = _multiclass(n=60)
    with pytest.raises(ValueError, match="Weston-Watkins hinge losses only, got "
                                         "loss='ovr_squared_hinge'.*optimizer='lbfgs'"):
        LinearSVM(loss="ovr_squared_hinge", optimizer="exact").fit(X, y)
    # 'auto' trains them as any loss the exact solver does not know: momentum
    assert solver_for(LinearSVM(loss="ovr_hinge")).name == "minibatch"
    with pytest.raises(ValueError, match="got loss='ovr_hinge'; use loss='ovr_squared_hinge'"):
        LinearSVM(loss="ovr_hinge", optimizer="lbfgs").fit(X, y)
    assert solver_for(LinearSVM(loss="ovr_squared_hinge", optimizer="lbfgs")).name == "lbfgs"


def test_lbfgs_max_iter_warns_and_counts_iterations():
    X, y = _multiclass()
    with pytest.warns(ConvergenceWarning, match="max_iter=3 iterations"):
        clf = SoftmaxClassifier(optimizer="lbfgs", max_iter=3, tol=1e-12).fit(X, y)
    assert clf.n_iter_ == 3 and len(clf.loss_curve_) == 3
    # tol=None and max_iter=None take lbfgs's own defaults: 1e-4 and 100 iterations.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clf = SoftmaxClassifier(optimizer="lbfgs", alpha=1e-2).fit(X, y)
    y_idx = np.searchsorted(clf.classes_, y)
    assert 0 < clf.n_iter_ < 100
    assert np.max(np.abs(clf._objective(clf._P, X, y_idx, np.ones(len(y)))[1])) <= 1e-4


def test_lbfgs_warm_start_reuses_the_solution_along_an_alpha_path():
    X, y = _multiclass(n=400)
    clf = SoftmaxClassifier(optimizer="lbfgs", warm_start=True, tol=1e-6, max_iter=1000)
    warm_iters, cold_iters = [], []
    for alpha in [1e-1, 3e-2, 1e-2, 3e-3]:
        clf.set_params(alpha=alpha).fit(X, y)
        warm_iters.append(clf.n_iter_)
        cold = clone(clf).set_params(warm_start=False).fit(X, y)
        cold_iters.append(cold.n_iter_)
        np.testing.assert_allclose(clf.coef_, cold.coef_, atol=1e-4)
    assert sum(warm_iters[1:]) < sum(cold_iters[1:])
    # At the optimum already: refitting takes no iteration.
    clf.fit(X, y)
    assert clf.n_iter_ == 0 and clf.loss_curve_ == []


def test_minimize_warm_started_with_pairs_needs_fewer_iterations():
    # In 6 dimensions the 10 remembered pairs of a finished run span the
    # quadratic's curvature, so a restart from another point converges faster.
    for seed in range(3):
        A, b, fun = quadratic(seed=seed, n=6)
        first = minimize(fun, np.zeros(6), tol=1e-10, max_iter=1000)
        assert first.status == "converged" and len(first.pairs) == 10
        x0 = first.x + np.random.default_rng(seed).standard_normal(6)
        cold = minimize(fun, x0, tol=1e-8, max_iter=1000)
        warm = minimize(fun, x0, tol=1e-8, max_iter=1000, pairs=first.pairs)
        np.testing.assert_allclose(warm.x, np.linalg.solve(A, b), atol=1e-6)
        assert warm.n_iter < cold.n_iter


def test_minimize_drops_pairs_without_positive_curvature():
    _, _, fun = quadratic()
    bad = [(np.ones(30), -np.ones(30), None)]
    result = minimize(fun, np.zeros(30), tol=1e-8, max_iter=1000, pairs=bad)
    assert result.status == "converged"
    assert all(float(s @ y) > 0 for s, y, _ in result.pairs)


def test_lbfgs_warm_path_reuses_curvature_pairs(monkeypatch):
    X, y = _multiclass(n=400)
    alphas = [1e-1, 3e-2, 1e-2, 3e-3, 1e-3]

    def path_iterations():
        clf = SoftmaxClassifier(optimizer="lbfgs", warm_start=True, tol=1e-6, max_iter=1000)
        iters = [clf.set_params(alpha=a).fit(X, y).n_iter_ for a in alphas]
        return sum(iters[1:]), clf.coef_

    with_pairs, coef = path_iterations()
    # Only the previous solution, no curvature memory:
    monkeypatch.setattr(SoftmaxClassifier, "_previous_state", lambda self, optimizer: None)
    without_pairs, coef_without = path_iterations()
    np.testing.assert_allclose(coef, coef_without, atol=1e-4)
    assert with_pairs < without_pairs


def test_lbfgs_verbose_prints_iterations(capsys):
    X, y = _multiclass()
    SoftmaxClassifier(optimizer="lbfgs", max_iter=2, tol=None, verbose=1).fit(X, y)
    out = capsys.readouterr().out
    assert "Iteration 1/2: loss" in out and "Iteration 2/2" in out


def test_lbfgs_object_and_pickle_round_trip():
    X, y = _multiclass()
    clf = SoftmaxClassifier(optimizer=LBFGS(m=3), alpha=1e-2).fit(X, y)
    again = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(again.predict(X), clf.predict(X))
    assert clone(clf).get_params()["optimizer"] == LBFGS(m=3)


@pytest.mark.parametrize("params, match", [
    ({"loss": "hinge"}, r"needs a smooth loss .* got loss='hinge'.*squared_hinge"),
    ({"loss": "softmax", "penalty": "l1"}, r"needs a smooth penalty .* penalty='l1'"),
    ({"loss": "softmax", "penalty": "elasticnet"}, r"penalty='elasticnet'"),
    ({"loss": "softmax", "early_stopping": True}, r"set early_stopping=False"),
])
def test_lbfgs_refuses_what_it_cannot_minimize(params, match):
    X, y = _multiclass(n=60)
    with pytest.raises(ValueError, match=match):
        LinearClassifier(optimizer="lbfgs", **params).fit(X, y)


def test_lbfgs_refuses_partial_fit():
    X, y = _multiclass(n=60)
    assert not hasattr(SoftmaxClassifier(optimizer="lbfgs"), "partial_fit")
    with pytest.raises(AttributeError) as info:
        SoftmaxClassifier(optimizer="lbfgs").partial_fit(X, y, classes=np.unique(y))
    assert "partial_fit takes one stochastic epoch" in str(info.value.__cause__)


def test_partial_fit_after_an_lbfgs_fit_starts_a_fresh_optimizer_state():
    X, y = _multiclass(n=120)
    clf = SoftmaxClassifier(optimizer="lbfgs", alpha=1e-2).fit(X, y)
    n_lbfgs, t_lbfgs, coef = clf.n_iter_, clf.t_, clf.coef_.copy()
    clf.set_params(optimizer="sgd").partial_fit(X, y)
    # one more epoch, counted on from the lbfgs fit, by an SGD state started
    # afresh (one update of one batch of 120 rows), from the lbfgs weights
    assert clf.n_iter_ == n_lbfgs + 1 and clf.t_ == t_lbfgs + 1
    assert type(clf._opt_state).__name__ == "StepState" and clf._opt_state.t == 1
    assert np.isfinite(clf.coef_).all() and 0 < np.abs(clf.coef_ - coef).max() < 0.1


def test_lbfgs_overflow_at_start_raises_a_clear_error():
    X, y = _multiclass(n=60, dtype=np.float32)
    with pytest.raises(ValueError, match="overflows at the starting weights"):
        LinearSVM(loss="squared_hinge", optimizer="lbfgs").fit(X * np.float32(1e37), y)


def test_lbfgs_on_unscaled_digits_never_returns_nan():
    X, y = load_digits(return_X_y=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = SoftmaxClassifier(optimizer="lbfgs", alpha=1e-3, max_iter=50).fit(X, y)
    assert np.isfinite(clf.coef_).all() and clf.score(X, y) > 0.95


@pytest.mark.parametrize("optimizer, make", [("lbfgs", SoftmaxClassifier), ("exact", LinearSVM)])
def test_random_state_seeds_the_preconditioner(optimizer, make):
    # more columns than the preconditioner's rank (256): a random projection
    X, y = make_classification(600, 300, n_informative=20, n_classes=3, random_state=0)
    X = X.astype(np.float32)
    few = dict(optimizer=optimizer, alpha=1e-3, max_iter=3, tol=0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        seeded = [make(random_state=7, **few).fit(X, y).coef_ for _ in range(2)]
        unseeded = [make(random_state=seed, **few).fit(X, y).coef_ for seed in (1, 2)]
    np.testing.assert_array_equal(seeded[0], seeded[1])     # an int repeats the fit
    assert np.abs(unseeded[0] - unseeded[1]).max() > 1e-4   # the seed does steer it


def _phis(n=60, seed=0):
    """1-D functions with a minimum past 0 and nonzero third derivatives (a cubic
    fit of two points is never exact), with their derivative."""
    rng = np.random.default_rng(seed)
    for _ in range(n):
        q, m = rng.uniform(0.1, 3), rng.uniform(0.5, 5)
        r, s = rng.uniform(0, 2), rng.uniform(-2, 2)

        def phi(a, q=q, m=m, r=r, s=s):
            e = r * np.exp(s * a)
            return q * (a - m) ** 4 / 4 + e, q * (a - m) ** 3 + s * e, a

        if phi(0.0)[1] < 0:
            yield phi


@pytest.mark.parametrize("step", [1e-3, 0.3, 1.0, 30.0])
@pytest.mark.parametrize("c2", [0.1, 0.5, 0.9])
def test_line_search_steps_meet_the_strong_wolfe_conditions(step, c2):
    # Armijo alone, or the weak curvature test phi'(a) >= c2 phi'(0), would accept
    # steps far past the minimum (phi'(a) > 0): the strong test bounds |phi'(a)|.
    for phi in _phis():
        f0, d0, _ = phi(0.0)
        a, fa, payload, n, ok = line_search(phi, f0, d0, step, c1=1e-4, c2=c2, max_evals=40)
        assert ok and payload == a
        assert fa <= f0 + 1e-4 * a * d0
        assert abs(phi(a)[1]) <= c2 * abs(d0)


def test_line_search_takes_the_first_step_when_it_is_a_strong_wolfe_step():
    # a first trial at the exact minimum of a quadratic is accepted at once (the
    # unit step of a quasi-Newton method), without extrapolating past it
    def phi(a):
        return (a - 2.0) ** 2, 2 * (a - 2.0), None
    a, _, _, n, ok = line_search(phi, 4.0, -4.0, 2.0, c2=0.1)
    assert ok and a == 2.0 and n == 1
    a, _, _, n, ok = line_search(phi, 4.0, -4.0, 1.9, c2=0.1)   # close enough too
    assert ok and a == 1.9 and n == 1
