"""The registry of solvers: what each supports, which one an estimator gets, and a new one.

The oracle of what a solver supports is the rule its documentation states
(the exact solver: the hinge losses with the 'l2' penalty, ``alpha > 0``,
no early stopping; L-BFGS: a smooth loss and penalty, no early stopping;
the minibatch rules: anything), written out here by hand.
"""

import itertools
from dataclasses import dataclass

import numpy as np
import pytest
from sklearn.datasets import make_blobs
from sklearn.neighbors import NearestCentroid

from _pipeline.compare import warm_path
from classifiers import LinearClassifier, LinearSVM, SoftmaxClassifier, check_solver, solver_for
from classifiers.objective import Solution
from classifiers.optimizers import LBFGS, Adam, Exact, Momentum, Optimizer
from classifiers.solvers import SOLVERS, Solver, resolve, solver_of

LOSSES = ("hinge", "squared_hinge", "ovr_hinge", "ovr_squared_hinge", "softmax")
PENALTIES = ("l2", "l1", "elasticnet", None)
SETTINGS = list(itertools.product(LOSSES, PENALTIES, (0.0, 0.1), (False, True), (False, True)))


def _documented(name, loss, penalty, alpha, early_stopping, partial):
    """Whether solver ``name`` trains these settings, by its documented rule."""
    if name == "minibatch":
        return True
    if partial or early_stopping:
        return False
    if name == "exact":
        return loss in ("hinge", "squared_hinge") and penalty == "l2" and alpha > 0
    return loss in ("softmax", "squared_hinge", "ovr_squared_hinge") and penalty in ("l2", None)


def _why_not(name, loss, penalty, alpha, early_stopping, partial):
    """The pattern of the message that refuses these settings (the first rule broken)."""
    if partial:
        return "partial_fit takes one stochastic epoch at a time"
    if name == "exact":
        if loss not in ("hinge", "squared_hinge"):
            return f"certifies the SVM's optimum by its dual.*got loss='{loss}'"
        if penalty != "l2":
            return f"needs the 'l2' penalty with alpha > 0.*got penalty={penalty!r}"
        if not alpha > 0:
            return f"needs the 'l2' penalty with alpha > 0.*got alpha={alpha!r}"
        return "has no epochs to stop early; set early_stopping=False"
    if loss not in ("softmax", "squared_hinge", "ovr_squared_hinge"):
        return f"LBFGS needs a smooth loss .*got loss='{loss}'"
    if penalty not in ("l2", None):
        return f"LBFGS needs a smooth penalty .*penalty='{penalty}'"
    return "has no epochs to stop early; set early_stopping=False"


@pytest.mark.parametrize("name", ["exact", "lbfgs", "minibatch"])
@pytest.mark.parametrize("settings", SETTINGS, ids=lambda s: "-".join(map(str, s)))
def test_every_solver_supports_what_its_documentation_says_and_check_solver_agrees(name,
                                                                                  settings):
    loss, penalty, alpha, early_stopping, partial = settings
    solver = SOLVERS[name]
    expected = _documented(name, *settings)
    assert solver.accepts(*settings) is expected
    optimizer = solver.default()
    if expected:
        assert solver.supports(*settings) is True
        assert check_solver(optimizer, loss=loss, penalty=penalty, alpha=alpha,
                            early_stopping=early_stopping, partial=partial) is optimizer
        return
    pattern = _why_not(name, *settings)
    with pytest.raises(ValueError, match=pattern):
        solver.supports(*settings)
    with pytest.raises(ValueError, match=pattern):
        check_solver(optimizer, loss=loss, penalty=penalty, alpha=alpha,
                     early_stopping=early_stopping, partial=partial)


@pytest.mark.parametrize("settings", SETTINGS, ids=lambda s: "-".join(map(str, s)))
def test_auto_is_exact_where_exact_can_train_and_momentum_everywhere_else(settings):
    loss, penalty, alpha, early_stopping, partial = settings
    solver, optimizer = resolve("auto", loss=loss, penalty=penalty, alpha=alpha,
                                early_stopping=early_stopping, partial=partial)
    exact = _documented("exact", *settings)
    assert (solver.name, type(optimizer)) == (("exact", Exact) if exact
                                              else ("minibatch", Momentum))


def test_what_each_solver_can_do():
    # the documented defaults of max_iter and tol (LinearClassifier's docstring),
    # and the grid search's looser tol (README, compare's docstring)
    table = {name: (s.full_batch, s.warm_path, s.default_max_iter, s.default_tol,
                    s.search_tol, s.partial_fit is not None) for name, s in SOLVERS.items()}
    assert table == {"exact": (True, True, 1000, 1e-2, 0.1, False),
                     "lbfgs": (True, True, 100, 1e-4, 1e-3, False),
                     "minibatch": (False, False, None, None, None, True)}
    assert [s.stops_at.format(tol=0.25) for s in SOLVERS.values()] == [
        "certified within 25% of their optimal objective (tol=0.25)",
        "the gradient's largest absolute entry was at most tol=0.25",
        "they reached tol=0.25"]


@dataclass(frozen=True)
class MyAdam(Adam):
    pass


@dataclass(frozen=True, kw_only=True)
class MyExact(Exact):
    pass


@pytest.mark.parametrize("optimizer, name", [
    ("exact", "exact"), (Exact(rank=0), "exact"), (MyExact(), "exact"),
    ("lbfgs", "lbfgs"), (LBFGS(m=3), "lbfgs"),
    ("sgd", "minibatch"), ("random_search", "minibatch"), (MyAdam(), "minibatch"),
])
def test_an_optimizer_runs_on_the_solver_of_its_closest_class(optimizer, name):
    assert solver_of(optimizer) is SOLVERS[name]


@pytest.mark.parametrize("make, partial, name", [
    (lambda: LinearSVM(), False, "exact"),
    (lambda: LinearSVM(loss="squared_hinge"), False, "exact"),
    (lambda: LinearSVM(), True, "minibatch"),
    (lambda: LinearSVM(penalty="l1"), False, "minibatch"),
    (lambda: LinearSVM(alpha=0.0), False, "minibatch"),
    (lambda: LinearSVM(early_stopping=True), False, "minibatch"),
    (lambda: LinearSVM(loss="squared_hinge", optimizer="lbfgs"), False, "lbfgs"),
    (lambda: SoftmaxClassifier(), False, "minibatch"),
    (lambda: SoftmaxClassifier(optimizer=LBFGS(m=5), penalty=None), False, "lbfgs"),
    (lambda: LinearClassifier(optimizer="adam"), True, "minibatch"),
])
def test_solver_for_an_estimator(make, partial, name):
    assert solver_for(make(), partial=partial) is SOLVERS[name]


@pytest.mark.parametrize("make, partial, pattern", [
    (lambda: SoftmaxClassifier(optimizer="exact"), False, "certifies the SVM's optimum"),
    (lambda: SoftmaxClassifier(optimizer="lbfgs", penalty="l1"), False, "smooth penalty"),
    (lambda: LinearSVM(optimizer="lbfgs"), False, "LBFGS needs a smooth loss"),
    (lambda: LinearSVM(optimizer="exact"), True, "partial_fit takes one stochastic epoch"),
])
def test_solver_for_refuses_what_the_solver_cannot_train(make, partial, pattern):
    with pytest.raises(ValueError, match=pattern):
        solver_for(make(), partial=partial)


# ------------------------------------------------ a solver added in one place

@dataclass(frozen=True)
class Centroids(Optimizer):
    """A made-up optimizer: each class's row is its mean, the nearest-centroid rule."""


def _fit_centroids(estimator, P, X, y, sw, optimizer, previous=None):
    # scores x . m_c - |m_c|^2 / 2 rank the classes as the distances |x - m_c| do
    means = np.stack([X[y == c].mean(axis=0) for c in range(P.shape[0])])
    P = np.column_stack([means, -0.5 * np.einsum("ij,ij->i", means, means)]).astype(X.dtype)
    return Solution(P, None, 1, 1, [0.0], None, 0.0)


def _check_centroids(label, loss, penalty, alpha, early_stopping):
    if penalty is not None:
        raise ValueError(f"optimizer={label} fits no penalty, got penalty={penalty!r}.")


@pytest.fixture
def centroids(monkeypatch):
    monkeypatch.setitem(SOLVERS, "centroids", Solver(
        "centroids", Centroids, Centroids, full_batch=True, warm_path=False,
        default_max_iter=1, default_tol=None, check=_check_centroids, fit=_fit_centroids))
    return SOLVERS["centroids"]


def test_a_new_solver_registered_once_trains_estimators_and_answers_the_pipeline(centroids):
    X, y = make_blobs(n_samples=90, centers=3, n_features=4, cluster_std=4.0, random_state=0)
    clf = LinearClassifier(optimizer=Centroids(), penalty=None).fit(X, y)
    np.testing.assert_array_equal(clf.predict(X), NearestCentroid().fit(X, y).predict(X))
    assert solver_for(clf) is centroids
    assert not hasattr(clf, "partial_fit")          # it has no partial_fit
    assert warm_path(clf) is False
    with pytest.raises(ValueError, match="Centroids fits no penalty, got penalty='l2'"):
        LinearClassifier(optimizer=Centroids()).fit(X, y)
