"""Bad input to the classifiers found by the adversarial pass (issue 7): clear errors."""

import numpy as np
import pytest
from sklearn.datasets import load_digits, make_blobs, make_classification
from sklearn.linear_model import SGDClassifier
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError

from classifiers import DivergenceError, LinearClassifier, LinearSVM, SoftmaxClassifier


@pytest.fixture(scope="module")
def blobs():
    X, y = make_blobs(n_samples=200, centers=3, n_features=5, random_state=0)
    return StandardScaler().fit_transform(X), y


# Row 3: one batch per epoch used to leave the update that blows up unchecked.
def test_a_single_huge_step_is_caught_and_previous_weights_kept(blobs):
    X, y = blobs
    with pytest.raises(DivergenceError, match="diverged at epoch 1"):
        LinearSVM(optimizer="sgd", learning_rate=1e30, max_iter=1).fit(X * 1e6, y)
    fitted = LinearSVM(optimizer="sgd", learning_rate=1e-3, max_iter=2).fit(X, y)
    before = fitted.coef_.copy()
    fitted.set_params(learning_rate=1e30, warm_start=True)
    with pytest.raises(DivergenceError, match="keeps its previous weights"):
        fitted.fit(X * 1e6, y)
    np.testing.assert_array_equal(fitted.coef_, before)


def test_partial_fit_catches_growth_across_calls(blobs):
    X, y = blobs
    clf = LinearSVM(optimizer="sgd", learning_rate=1e30)
    with pytest.raises(DivergenceError, match="was left unfitted"):
        clf.partial_fit(X * 1e6, y, classes=np.unique(y))
    assert not hasattr(clf, "coef_")
    clf = LinearSVM(optimizer="sgd", learning_rate=1e-3).partial_fit(X, y, classes=[0, 1, 2])
    before = clf.coef_.copy()
    clf.set_params(learning_rate=1e30)
    with pytest.raises(DivergenceError, match="keeps its previous weights"):
        clf.partial_fit(X * 1e6, y)
    np.testing.assert_array_equal(clf.coef_, before)


# Row 4: a callable schedule's output is checked, update by update.
@pytest.mark.parametrize("rate, match", [
    (-0.1, r"returned -0.1 for update t=1; .* >= 0 \(a negative rate trains uphill\)"),
    (None, r"returned None \(NoneType\) for update t=1"),
    ("0.1", r"returned '0.1' \(str\)"),
    (np.array([0.1, 0.2]), r"\(ndarray\)"),
    (float("nan"), r"returned nan"),
    (float("inf"), r"returned inf"),
    (True, r"returned True \(bool\)"),
])
def test_callable_schedule_returning_garbage_is_refused(blobs, rate, match):
    X, y = blobs
    with pytest.raises(ValueError, match=match):
        SoftmaxClassifier(learning_rate_schedule=lambda t: rate, max_iter=2).fit(X, y)


def test_callable_schedule_with_numpy_numbers_and_zero_works(blobs):
    X, y = blobs
    clf = SoftmaxClassifier(learning_rate_schedule=lambda t: np.float32(0.01) if t < 5 else 0,
                            max_iter=3, random_state=0).fit(X, y)
    assert np.isfinite(clf.coef_).all()


def test_divergence_message_names_the_rate_actually_used(blobs):
    X, y = blobs
    with pytest.raises(DivergenceError, match=r"last update used 1e\+30, from "
                                              r"learning_rate_schedule"):
        LinearSVM(optimizer="sgd", learning_rate_schedule=lambda t: 1e30,
                  max_iter=1).fit(X * 1e6, y)
    with pytest.raises(DivergenceError, match=r"last update used 1e\+30, learning_rate "
                                              r"times the schedule"):
        LinearSVM(optimizer="sgd", learning_rate=1e30, max_iter=1).fit(X * 1e6, y)


def test_divergence_from_alpha_says_so(blobs):
    # A sane rate, but alpha * rate >= 1: the L2 step itself overshoots.
    X, y = blobs
    with pytest.raises(DivergenceError, match=r"alpha \* rate = 1e\+06 \* 0.1 >= 1.*"
                                              r"smaller alpha also helps"):
        LinearSVM(optimizer="sgd", learning_rate=0.1, alpha=1e6, max_iter=5).fit(X, y)


# Row 5: class weights are checked like sample weights.
@pytest.mark.parametrize("weight", [-0.1, -5, float("nan"), float("inf"), "heavy", None, True])
def test_bad_class_weight_names_the_class(blobs, weight):
    X, y = blobs
    with pytest.raises(ValueError, match=r"class_weight gives class 0 the weight"):
        LinearSVM(class_weight={0: weight, 1: 1, 2: 1}).fit(X, y)


def test_class_weight_for_an_unknown_class_is_refused(blobs):
    X, y = blobs
    with pytest.raises(ValueError, match=r"class_weight names the classes \[7\], which are "
                                         r"not in y \(its classes are \[0, 1, 2\]\)"):
        LinearSVM(class_weight={7: 2.0}).fit(X, y)


# Row 7: huge (or tiny) sample weights must not overflow float32 sums.
@pytest.mark.parametrize("scale", [1e37, 1e-40])
def test_extreme_sample_weights_train_like_unit_weights(blobs, scale):
    X, y = blobs
    X = X.astype(np.float32)
    unit = SoftmaxClassifier(random_state=0, max_iter=5).fit(X, y)
    scaled = SoftmaxClassifier(random_state=0, max_iter=5).fit(
        X, y, sample_weight=np.full(len(y), scale))
    assert np.isfinite(scaled.loss_curve_).all()
    np.testing.assert_allclose(scaled.coef_, unit.coef_, rtol=1e-5, atol=1e-6)


def test_infinite_or_negative_sample_weight_is_refused(blobs):
    X, y = blobs
    for bad in (np.inf, np.nan, -1.0):
        sw = np.ones(len(y))
        sw[3] = bad
        with pytest.raises(ValueError):
            SoftmaxClassifier().fit(X, y, sample_weight=sw)


# Judgement call: L1 gives exact zeros, as SGDClassifier's does.
@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "nesterov", "adagrad", "rmsprop",
                                       "adam", "nadam", "adadelta"])
@pytest.mark.parametrize("penalty", ["l1", "elasticnet"])
def test_l1_zeroes_the_weights_of_irrelevant_features(optimizer, penalty):
    # shuffle=False: the 2 informative columns first, then 20 of noise
    X, y = make_classification(n_samples=600, n_features=22, n_informative=2,
                               n_redundant=0, n_repeated=0, n_classes=2, shuffle=False,
                               random_state=0)
    X = StandardScaler().fit_transform(X)
    clf = LinearClassifier(penalty=penalty, l1_ratio=0.9, alpha=0.02, optimizer=optimizer,
                           random_state=0).fit(X, y)
    peer = SGDClassifier(penalty=penalty, l1_ratio=0.9, alpha=0.02, random_state=0).fit(X, y)
    noise_zeros = int(np.sum(clf.coef_[:, 2:] == 0))
    # measured: 16 or 17 of the 20 noise weights (SGDClassifier: 18)
    assert noise_zeros >= 16, (noise_zeros, int(np.sum(peer.coef_[:, 2:] == 0)))
    assert np.all(clf.coef_[:, :2] != 0)            # the informative ones are kept
    assert clf.score(X, y) >= peer.score(X, y) - 0.05


def test_l1_proximal_fixed_point_is_the_lasso_optimum():
    # Full batch, so the iteration is deterministic: the fixed point of the
    # proximal step satisfies the subgradient optimality of the L1 objective.
    X, y = make_classification(n_samples=300, n_features=8, n_informative=3,
                               n_redundant=0, random_state=1)
    X = StandardScaler().fit_transform(X)
    alpha = 0.05
    clf = SoftmaxClassifier(penalty="l1", alpha=alpha, batch_size=None,
                            learning_rate_schedule="constant", max_iter=3000,
                            random_state=0).fit(X, y)
    P = clf._P
    data_only = SoftmaxClassifier(penalty=None)._objective
    _, grad = data_only(P, X, np.searchsorted(clf.classes_, y), np.ones(len(y)))
    W, gW = P[:, :-1], grad[:, :-1]
    nonzero = W != 0
    assert nonzero.any() and (~nonzero).any()
    np.testing.assert_allclose(gW[nonzero], -alpha * np.sign(W[nonzero]), atol=1e-6)
    assert np.all(np.abs(gW[~nonzero]) <= alpha + 1e-6)
    np.testing.assert_allclose(grad[:, -1], 0, atol=1e-6)       # the intercept is free


def test_l1_loss_curve_counts_the_penalty(blobs):
    X, y = blobs
    with_l1 = SoftmaxClassifier(penalty="l1", alpha=0.1, max_iter=3, random_state=0).fit(X, y)
    y_idx = np.searchsorted(with_l1.classes_, y)
    J, _ = with_l1._objective(with_l1._P, X, y_idx, np.ones(len(y)))
    J0, _ = SoftmaxClassifier(penalty=None)._objective(with_l1._P, X, y_idx, np.ones(len(y)))
    assert J == pytest.approx(J0 + 0.1 * np.abs(with_l1._P[:, :-1]).sum())


# The sweep: every public parameter refuses bad values at fit, with its name.
@pytest.mark.parametrize("params, name", [
    ({"margin": 0}, "margin"), ({"margin": "1"}, "margin"), ({"alpha": np.nan}, "alpha"),
    ({"l1_ratio": 1.5}, "l1_ratio"), ({"optimizer": "Adam"}, "optimizer"),
    ({"learning_rate": 0}, "learning_rate"), ({"learning_rate": "auto"}, "learning_rate"),
    ({"learning_rate_schedule": "cosine"}, "learning_rate_schedule"),
    ({"batch_size": 0}, "batch_size"), ({"batch_size": 2.5}, "batch_size"),
    ({"max_iter": 0}, "max_iter"), ({"max_iter": 1.5}, "max_iter"), ({"tol": -1}, "tol"),
    ({"n_iter_no_change": 0}, "n_iter_no_change"), ({"early_stopping": "yes"}, "early_stopping"),
    ({"validation_fraction": 1.0}, "validation_fraction"), ({"shuffle": 1}, "shuffle"),
    ({"random_state": "seed"}, "random_state"), ({"warm_start": None}, "warm_start"),
    ({"fit_intercept": "no"}, "fit_intercept"), ({"class_weight": "equal"}, "class_weight"),
    ({"verbose": "loud"}, "verbose"), ({"penalty": "l3"}, "penalty"),
])
def test_every_parameter_is_validated_at_fit(blobs, params, name):
    X, y = blobs
    with pytest.raises(InvalidParameterError, match=f"The '{name}' parameter"):
        LinearClassifier(**params).fit(X, y)


@pytest.mark.parametrize("optimizer", ["auto", "exact", "momentum"])
def test_a_schedule_returning_none_is_refused_whichever_solver_runs(optimizer):
    X, y = load_digits(return_X_y=True)
    with pytest.raises(ValueError, match=r"learning_rate_schedule returned None \(NoneType\) "
                                         r"for update t=1"):
        LinearSVM(optimizer=optimizer, learning_rate_schedule=lambda t: None).fit(X[:100], y[:100])
