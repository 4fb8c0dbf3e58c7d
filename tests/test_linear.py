import pickle
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_digits, make_blobs, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.estimator_checks import parametrize_with_checks

from classifiers import DivergenceError, LinearClassifier, LinearSVM, SoftmaxClassifier
from classifiers.optimizers import LBFGS, Adam, Momentum, Nadam
from classifiers.schedules import StepDecay

OLD_DEFAULTS = dict(learning_rate_schedule="constant", tol=1e-4, max_iter=200)


@parametrize_with_checks([
    LinearClassifier(), LinearSVM(), SoftmaxClassifier(),
    LinearSVM(loss="squared_hinge", optimizer="adagrad"),
    LinearClassifier(optimizer="nesterov", learning_rate=1e-3),
    # The defaults before issue 6 (constant rate, tol=1e-4, 200 epochs) still work:
    SoftmaxClassifier(optimizer=Nadam(beta1=0.8), penalty="elasticnet", **OLD_DEFAULTS),
    LinearClassifier(optimizer=Momentum(mu=0.5), penalty="l1"),
    LinearSVM(optimizer="adadelta", learning_rate_schedule="invscaling"),
    SoftmaxClassifier(optimizer="rmsprop", batch_size=None, **OLD_DEFAULTS),
    SoftmaxClassifier(optimizer="lbfgs"),
    LinearSVM(loss="squared_hinge", optimizer=LBFGS(m=5)),
    LinearSVM(loss="squared_hinge", optimizer="exact", tol=1e-6),
    LinearSVM(loss="ovr_squared_hinge", optimizer="lbfgs"), LinearSVM(loss="ovr_hinge"),
])
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=0)
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test), y_train, y_test


@pytest.fixture(scope="module")
def blobs():
    X, y = make_blobs(n_samples=300, centers=4, n_features=5, random_state=0)
    return StandardScaler().fit_transform(X), y


@pytest.mark.parametrize("model", [LinearSVM, SoftmaxClassifier])
def test_digits_accuracy(digits, model):
    X_train, X_test, y_train, y_test = digits
    clf = model(alpha=1e-3, optimizer="momentum", max_iter=100, tol=None,
                random_state=0).fit(X_train, y_train)
    assert clf.score(X_test, y_test) >= 0.95


def test_grid_search_over_alpha_in_pipeline(digits):
    X_train, X_test, y_train, y_test = digits
    pipe = Pipeline([("scale", StandardScaler()),
                     ("svm", LinearSVM(optimizer="momentum", max_iter=30, tol=None,
                                       random_state=0))])
    search = GridSearchCV(pipe, {"svm__alpha": [1e-4, 1e-2, 100.0]}, cv=3, n_jobs=2)
    search.fit(X_train, y_train)
    assert search.best_params_["svm__alpha"] in (1e-4, 1e-2)
    assert search.cv_results_["mean_test_score"][2] < search.best_score_
    assert search.score(X_test, y_test) > 0.9


@pytest.mark.parametrize("model", [LinearSVM(optimizer="momentum"),
                                   SoftmaxClassifier(optimizer="momentum")])
def test_clone_pickle_and_seed_reproducibility(blobs, model):
    X, y = blobs
    model.set_params(random_state=7, max_iter=20, batch_size=32, tol=None)
    a = clone(model).fit(X, y)
    b = clone(model).fit(X, y)
    np.testing.assert_array_equal(a.coef_, b.coef_)
    np.testing.assert_array_equal(a.intercept_, b.intercept_)
    restored = pickle.loads(pickle.dumps(a))
    np.testing.assert_array_equal(restored.predict(X), a.predict(X))
    np.testing.assert_array_equal(restored.decision_function(X), a.decision_function(X))
    other_seed = clone(model).set_params(random_state=8).fit(X, y)
    assert not np.array_equal(other_seed.coef_, a.coef_)


def test_string_labels_and_binary_shapes(blobs):
    X, y = blobs
    names = np.array(["cat", "dog", "frog", "ship"])[y]
    clf = SoftmaxClassifier(random_state=0).fit(X, names)
    assert list(clf.classes_) == ["cat", "dog", "frog", "ship"]
    assert clf.coef_.shape == (4, 5) and clf.intercept_.shape == (4,)
    assert set(clf.predict(X)) <= set(names)

    binary = y < 2
    svm = LinearSVM(random_state=0).fit(X[binary], names[binary])
    assert svm.coef_.shape == (1, 5) and svm.intercept_.shape == (1,)
    scores = svm.decision_function(X[binary])
    assert scores.shape == (binary.sum(),)
    np.testing.assert_array_equal(svm.predict(X[binary]),
                                  np.where(scores > 0, svm.classes_[1], svm.classes_[0]))
    # a matrix-vector product against decision_function's matrix product: they
    # round differently, so an absolute floor for scores that cancel to ~0
    np.testing.assert_allclose(scores, X[binary] @ svm.coef_[0] + svm.intercept_[0], rtol=1e-6,
                               atol=1e-9 * np.abs(scores).max())


def test_binary_softmax_probabilities_are_sigmoids(blobs):
    X, y = blobs
    clf = SoftmaxClassifier(random_state=0).fit(X[y < 2], y[y < 2])
    proba = clf.predict_proba(X[:10])
    np.testing.assert_allclose(proba[:, 1], 1 / (1 + np.exp(-clf.decision_function(X[:10]))))
    np.testing.assert_allclose(np.log(proba), clf.predict_log_proba(X[:10]))


def test_probabilities_only_with_softmax():
    assert not hasattr(LinearSVM(), "predict_proba")
    assert not hasattr(LinearClassifier(loss="squared_hinge"), "predict_log_proba")
    assert hasattr(SoftmaxClassifier(), "predict_proba")
    assert hasattr(LinearClassifier(loss="softmax"), "predict_log_proba")


def test_float32_is_trained_in_float32(blobs):
    X, y = blobs
    for clf in (LinearSVM(), SoftmaxClassifier(optimizer="adadelta")):
        clf.fit(X.astype(np.float32), y)
        assert clf.coef_.dtype == np.float32 and clf.intercept_.dtype == np.float32
        assert clf.decision_function(X.astype(np.float32)).dtype == np.float32
        assert clf.fit(X, y).coef_.dtype == np.float64


def test_fitted_attributes(blobs):
    X, y = blobs
    clf = LinearSVM(optimizer="momentum", max_iter=7, tol=None, batch_size=100,
                    random_state=0).fit(X, y)
    assert clf.n_iter_ == 7 and clf.t_ == 7 * 3
    assert len(clf.loss_curve_) == 7 and clf.best_loss_ == min(clf.loss_curve_)
    assert clf.loss_curve_[0] < 3.0 + 1e-9            # (C - 1) * margin at W = 0
    assert clf.loss_curve_[-1] < clf.loss_curve_[0]
    assert clf.validation_scores_ is None
    assert clf.n_features_in_ == 5


def test_first_epoch_loss_is_course_sanity_value(blobs):
    X, y = blobs
    # A full batch at W = 0: hinge = (C - 1) * margin, softmax = ln C.
    hinge = LinearSVM(optimizer="momentum", batch_size=None, max_iter=1, tol=None,
                      margin=2.0).fit(X, y)
    assert hinge.loss_curve_[0] == pytest.approx(3 * 2.0)
    soft = SoftmaxClassifier(batch_size=None, max_iter=1, tol=None).fit(X, y)
    assert soft.loss_curve_[0] == pytest.approx(np.log(4))


def test_early_stopping_records_validation_and_keeps_best():
    X, y = make_classification(n_samples=400, n_features=20, n_informative=5, flip_y=0.2,
                               n_classes=3, random_state=1)
    clf = SoftmaxClassifier(early_stopping=True, validation_fraction=0.2, max_iter=200,
                            n_iter_no_change=3, learning_rate=0.5, batch_size=16,
                            learning_rate_schedule="constant", random_state=0).fit(X, y)
    scores = clf.validation_scores_
    assert len(scores) == clf.n_iter_ < 200
    # the held-out part, drawn as the estimator draws it (stratified, seeded)
    _, val = train_test_split(np.arange(len(y)), test_size=80, stratify=y,
                              random_state=check_random_state(0))
    # the weights kept are those of the best epoch, not the last one
    assert scores[-1] < max(scores)
    assert clf.score(X[val], y[val]) == max(scores)


def test_early_stopping_on_too_little_data_says_what_to_do():
    X, y = np.eye(6), [0, 1, 2, 0, 1, 2]
    with pytest.raises(ValueError, match=r"holds out validation_fraction=0.1 of the 6 samples "
                                         r"\(1\).*each of the 3 classes"):
        SoftmaxClassifier(early_stopping=True).fit(X, y)


def test_tol_stops_training_and_max_iter_warns(blobs):
    X, y = blobs
    stopped = LinearSVM(tol=1e-2, max_iter=500, random_state=0).fit(X, y)
    assert stopped.n_iter_ < 500
    with pytest.warns(ConvergenceWarning, match="max_iter=2"):
        LinearSVM(max_iter=2, tol=1e-9).fit(X, y)


@pytest.mark.parametrize("schedule", ["constant", "step", "invscaling", "adaptive",
                                      StepDecay(factor=0.1, every=1), lambda t: 0.1 / t])
def test_learning_rate_schedules_train(blobs, schedule):
    X, y = blobs
    clf = LinearSVM(optimizer="sgd", learning_rate=0.1, learning_rate_schedule=schedule,
                    max_iter=30, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    assert clf.score(X, y) > 0.8


def test_step_schedule_changes_the_rate(blobs, capsys):
    X, y = blobs
    LinearSVM(optimizer="sgd", learning_rate=0.4, learning_rate_schedule=StepDecay(0.5, 2),
              max_iter=4, tol=None, verbose=1).fit(X, y)
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 4 and "Epoch 1/4" in out[0] and "loss" in out[0]
    rates = [line.split("learning rate ")[1].split(",")[0] for line in out]
    assert rates == ["0.4", "0.4", "0.2", "0.2"]


def test_adaptive_schedule_divides_by_five_when_stalled(blobs, capsys):
    X, y = blobs
    clf = LinearSVM(optimizer="sgd", learning_rate=1.0, learning_rate_schedule="adaptive",
                    tol=10.0, n_iter_no_change=1, max_iter=4, verbose=1).fit(X, y)
    rates = [line.split("learning rate ")[1].split(",")[0]
             for line in capsys.readouterr().out.splitlines()]
    # epoch 1 sets the best loss, epoch 2 stalls, so the rate drops from epoch 3 on
    assert rates == ["1", "1", "0.2", "0.04"]
    assert clf.n_iter_ == 4


def test_callable_schedule_receives_update_count(blobs):
    X, y = blobs
    seen = []
    LinearSVM(optimizer="sgd", learning_rate_schedule=lambda t: seen.append(t) or 0.01,
              batch_size=100, max_iter=2, tol=None).fit(X, y)
    assert seen == [1, 2, 3, 4, 5, 6]


@pytest.mark.parametrize("optimizer", ["exact", "momentum"])
def test_class_weight_shifts_the_decision(optimizer):
    X, y = make_classification(n_samples=300, n_features=5, n_informative=3, n_classes=3,
                               flip_y=0.2, random_state=0)
    params = dict(optimizer=optimizer, random_state=0)
    plain = LinearSVM(**params).fit(X, y)
    heavy = LinearSVM(class_weight={0: 50.0}, **params).fit(X, y)
    assert (heavy.predict(X) == 0).sum() > (plain.predict(X) == 0).sum()
    # a class weight multiplies the sample weights of its class
    as_weights = LinearSVM(**params).fit(X, y, sample_weight=np.where(y == 0, 50.0, 1.0))
    np.testing.assert_array_equal(heavy.coef_, as_weights.coef_)
    # 'balanced': n / (n_classes * count) per class
    counts = np.bincount(y[:200])
    balanced = LinearSVM(class_weight="balanced", **params).fit(X[:200], y[:200])
    expected = LinearSVM(**params).fit(X[:200], y[:200],
                                       sample_weight=(200 / (3 * counts))[y[:200]])
    assert len(set(counts)) > 1                     # unbalanced, so weights differ
    np.testing.assert_allclose(balanced.coef_, expected.coef_, rtol=1e-6, atol=1e-9)


def test_partial_fit_continues_and_counts(blobs):
    X, y = blobs
    clf = SoftmaxClassifier(random_state=0)
    clf.partial_fit(X[:150], y[:150], classes=np.unique(y))
    first_t = clf.t_
    clf.partial_fit(X[150:], y[150:])
    assert clf.n_iter_ == 2 and clf.t_ == 2 * first_t and len(clf.loss_curve_) == 2
    for _ in range(30):
        clf.partial_fit(X, y)
    assert clf.score(X, y) > 0.9


def test_warm_start_continues_from_previous_weights(blobs):
    X, y = blobs
    clf = LinearSVM(optimizer="momentum", alpha=1e-4, max_iter=3, tol=None, warm_start=True,
                    random_state=0).fit(X, y)
    first_loss = clf.loss_curve_[-1]
    clf.fit(X, y)
    assert clf.loss_curve_[0] < first_loss + 1e-3
    cold = LinearSVM(optimizer="momentum", alpha=1e-4, max_iter=3, tol=None,
                     random_state=0).fit(X, y)
    assert clf.loss_curve_[0] < cold.loss_curve_[0]


def test_warm_start_refuses_other_classes_or_features(blobs):
    X, y = blobs
    clf = LinearSVM(max_iter=2, tol=None, warm_start=True).fit(X, y)
    with pytest.raises(ValueError, match="warm start needs the same 4 classes as before, got 3"):
        clf.fit(X[y < 3], y[y < 3])
    with pytest.raises(ValueError, match="warm start needs the same features"):
        clf.set_params(fit_intercept=False).fit(X, y)


def test_random_search_improves_on_its_start(blobs):
    X, y = blobs
    clf = LinearSVM(optimizer="random_search", batch_size=None, max_iter=200, tol=None,
                    random_state=0).fit(X, y)
    assert clf.loss_curve_[-1] < 3.0                  # the loss at W = 0
    assert clf.loss_curve_[-1] <= clf.loss_curve_[0]
    assert np.all(np.diff(clf.loss_curve_) <= 0)      # full batch: only improvements kept
    assert clf.score(X, y) > 0.25


# ---------------------------------------------------------------- bad input
@pytest.mark.parametrize("X,message", [
    ([[0.0, np.nan], [1.0, 2.0]], "Input X contains NaN"),
    ([[0.0, np.inf], [1.0, 2.0]], "Input X contains infinity"),
    ([0.0, 1.0], "Expected 2D array, got 1D array"),
    (np.zeros((2, 2, 2)), "Found array with dim 3"),
    (np.zeros((0, 3)), "0 sample"),
])
def test_bad_X_is_a_clear_value_error(X, message):
    with pytest.raises(ValueError, match=message):
        LinearSVM().fit(X, [0, 1][:len(X)] if len(X) else [])


def test_a_single_class_is_refused():
    with pytest.raises(ValueError, match="at least 2 classes.*only one class: 'cat'"):
        SoftmaxClassifier().fit(np.eye(3), ["cat"] * 3)


def test_partial_fit_needs_declared_classes():
    X, y = np.eye(4), np.array([0, 1, 0, 1])
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        LinearSVM().partial_fit(X, y)
    clf = LinearSVM().partial_fit(X, y, classes=[0, 1])
    with pytest.raises(ValueError, match=r"labels \[2\].*not among the classes \[0, 1\]"):
        clf.partial_fit(X, [0, 1, 2, 1])
    with pytest.raises(ValueError, match="differs from the classes"):
        clf.partial_fit(X, y, classes=[0, 1, 2])
    with pytest.raises(ValueError, match="X has 3 features, but LinearSVM is expecting 4"):
        clf.partial_fit(X[:, :3], y)
    with pytest.raises(ValueError, match="'balanced' needs the whole training set"):
        LinearSVM(class_weight="balanced").partial_fit(X, y, classes=[0, 1])


def test_zero_total_weight_is_refused():
    with pytest.raises(ValueError, match="at least one non-zero number"):
        LinearSVM().fit(np.eye(4), [0, 1, 0, 1], sample_weight=np.zeros(4))
    with pytest.raises(ValueError, match="sum to zero"):
        LinearSVM(class_weight={0: 0.0, 1: 0.0}).fit(np.eye(4), [0, 1, 0, 1])
    with pytest.raises(ValueError, match="Negative values in data passed to `sample_weight`"):
        LinearSVM().fit(np.eye(4), [0, 1, 0, 1], sample_weight=[1, -1, 1, 1])


@pytest.mark.parametrize("params,name", [
    ({"loss": "log"}, "loss"), ({"alpha": -1.0}, "alpha"), ({"optimizer": "newton"}, "optimizer"),
    ({"learning_rate": 0.0}, "learning_rate"), ({"batch_size": 0}, "batch_size"),
    ({"learning_rate_schedule": "cosine"}, "learning_rate_schedule"),
    ({"penalty": "l3"}, "penalty"), ({"l1_ratio": 1.5}, "l1_ratio"),
    ({"max_iter": 0}, "max_iter"), ({"class_weight": "auto"}, "class_weight"),
])
def test_invalid_parameters_raise_at_fit(params, name):
    clf = LinearClassifier(**params)                    # nothing checked in __init__
    with pytest.raises(InvalidParameterError, match=f"The '{name}' parameter of LinearClassifier"):
        clf.fit(np.eye(4), [0, 1, 0, 1])


def test_presets_restrict_their_loss():
    with pytest.raises(InvalidParameterError, match="'loss' parameter of LinearSVM"):
        LinearSVM(loss="softmax").fit(np.eye(4), [0, 1, 0, 1])
    with pytest.raises(InvalidParameterError, match="'loss' parameter of SoftmaxClassifier"):
        SoftmaxClassifier(loss="hinge").fit(np.eye(4), [0, 1, 0, 1])
    assert SoftmaxClassifier().loss == "softmax" and LinearSVM().loss == "hinge"


def test_divergence_raises_and_never_leaves_nan(blobs):
    X, y = blobs
    X = X * 1e3
    with pytest.raises(DivergenceError, match="diverged at epoch 1.*smaller learning_rate"):
        LinearSVM(optimizer="sgd", learning_rate=1e30, max_iter=5).fit(X, y)
    clf = SoftmaxClassifier(optimizer="sgd", learning_rate=1e30, max_iter=5)
    with pytest.raises(DivergenceError, match="was left unfitted"):
        clf.fit(X, y)
    assert not hasattr(clf, "coef_")

    warm = SoftmaxClassifier(optimizer="sgd", learning_rate=0.01, max_iter=3, tol=None,
                             warm_start=True).fit(X / 1e3, y)
    before = warm.coef_.copy()
    warm.set_params(learning_rate=1e30)
    with pytest.raises(DivergenceError, match="keeps its previous weights"):
        warm.fit(X, y)
    np.testing.assert_array_equal(warm.coef_, before)
    assert np.isfinite(warm.coef_).all()
    with pytest.raises(DivergenceError):
        warm.partial_fit(X, y)
    np.testing.assert_array_equal(warm.coef_, before)


def test_a_loss_that_explodes_without_overflow_is_divergence():
    # Squared hinge with plain SGD on unscaled, overlapping blobs: the loss grows
    # by orders of magnitude each epoch but stays finite, and tol would stop it
    # as "converged" after n_iter_no_change epochs. It must be reported.
    X, y = make_blobs(centers=2, random_state=0, cluster_std=20)
    with pytest.raises(DivergenceError, match="grew over 10000 times its value at zero weights"):
        LinearSVM(loss="squared_hinge", optimizer="sgd", learning_rate=0.01).fit(X, y)
    scaled = LinearSVM(loss="squared_hinge", optimizer="sgd", learning_rate=0.01,
                       max_iter=50, tol=None).fit(StandardScaler().fit_transform(X), y)
    assert scaled.loss_curve_[-1] < scaled.loss_curve_[0] <= 1.0 + 1e-9


def test_custom_optimizer_is_never_mutated(blobs):
    X, y = blobs
    opt = Adam(beta1=0.8)
    clf = SoftmaxClassifier(optimizer=opt, max_iter=3, tol=None).fit(X, y)
    assert clf.optimizer is opt and opt == Adam(beta1=0.8)
    assert clone(clf).optimizer == opt


# ------------------------------------------------------------------ defaults
def test_defaults_reach_095_on_digits_scaled_or_not():
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=0)
    scaler = StandardScaler().fit(X_train)
    for model in (LinearSVM, SoftmaxClassifier):
        for A, B in ((X_train, X_test), (scaler.transform(X_train), scaler.transform(X_test))):
            with warnings.catch_warnings():
                warnings.simplefilter("error")        # no divergence, no ConvergenceWarning
                clf = model(random_state=0).fit(A, y_train)
            assert clf.score(B, y_test) >= 0.95


def test_default_budget_is_20_epochs_or_2000_updates():
    X, y = make_blobs(n_samples=3000, centers=3, n_features=4, random_state=0)
    momentum = dict(optimizer="momentum", random_state=0)
    clf = LinearSVM(**momentum).fit(X, y)                       # 12 batches of 256
    assert clf.n_iter_ == 167 and clf.t_ == 167 * 12
    big = LinearSVM(batch_size=10, **momentum).fit(X, y)        # 300 batches per epoch
    assert big.n_iter_ == 20
    assert LinearSVM(max_iter=3, **momentum).fit(X, y).n_iter_ == 3


def test_default_rate_is_scaled_to_the_data():
    # Weights scale as 1 / ||x||: a model fitted on 1000 * X is the model of X
    # divided by 1000, step for step (no intercept, whose feature is always 1,
    # and no penalty, whose strength alpha is tied to the scale of X).
    X, y = make_blobs(n_samples=200, centers=3, n_features=6, random_state=1)
    params = dict(fit_intercept=False, penalty=None, random_state=0, max_iter=30)
    for model in (LinearSVM, SoftmaxClassifier):
        small = model(**params).fit(X, y)
        large = model(**params).fit(1000 * X, y)
        np.testing.assert_allclose(large.coef_ * 1000, small.coef_, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("optimizer, expected", [
    ("sgd", 3.0), ("momentum", 0.3), ("nesterov", 0.3), (Momentum(mu=0.5), 1.5),
    ("adam", 1e-3), ("adagrad", 0.1), ("adadelta", 1.0),
])
def test_default_learning_rate_of_each_optimizer(optimizer, expected):
    # hinge: 3 / mean ||x||^2 (here 1, plus 1 for the intercept: 2) times (1 - mu)
    X = np.array([[1.0, 0.0], [0.0, -1.0]], dtype=np.float64)
    clf = LinearSVM(optimizer=optimizer)
    from classifiers.minibatch import base_learning_rate
    from classifiers.optimizers import get_optimizer
    rate = base_learning_rate(None, get_optimizer(optimizer), clf._problem(), X, np.ones(2))
    scaled = expected / 2 if get_optimizer(optimizer).default_learning_rate is None else expected
    assert rate == pytest.approx(scaled)


def test_step_schedule_halves_three_times_over_any_budget():
    schedule = StepDecay().for_budget(20)
    assert [schedule.rate(1.0, 0, e) for e in (0, 4, 5, 10, 15, 19)] == [
        1, 1, 0.5, 0.25, 0.125, 0.125]
    assert StepDecay().for_budget(400).every == 100
    assert StepDecay().for_budget(2).every == 1
    assert StepDecay(every=3).for_budget(400).every == 3


def test_explicit_settings_of_before_still_work(digits):
    # The defaults before issue 6, spelt out, train as they did.
    X_train, X_test, y_train, y_test = digits
    clf = SoftmaxClassifier(optimizer="adam", learning_rate=1e-3,
                            learning_rate_schedule="constant", max_iter=200, tol=1e-4,
                            random_state=0).fit(X_train, y_train)
    assert clf.n_iter_ <= 200 and clf.score(X_test, y_test) > 0.93


# ------------------------------------------------------- coef_init, intercept_init

def _digits_scaled():
    X, y = load_digits(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@pytest.mark.parametrize("make, sooner", [
    # the exact solver's smoothing continuation may take as many iterations from
    # a near start as from zeros (it did on SkylakeX): the same optimum, not sooner
    (lambda: LinearSVM(alpha=1e-1, tol=1e-4, max_iter=2000, random_state=0), False),
    (lambda: SoftmaxClassifier(optimizer="lbfgs", alpha=1e-2, tol=1e-7, max_iter=2000,
                               random_state=0), True),
], ids=["svm-exact", "softmax-lbfgs"])
def test_coef_init_reaches_the_cold_optimum(make, sooner):
    X, y = _digits_scaled()
    cold = make().fit(X, y)
    near = make().fit(X[::2], y[::2])                     # a similar problem's solution
    seeded = make().fit(X, y, coef_init=near.coef_, intercept_init=near.intercept_)
    y_idx, ones = np.searchsorted(cold.classes_, y), np.ones(len(y))
    J_seeded, _ = seeded._objective(seeded._P, X, y_idx, ones)
    J_cold, _ = cold._objective(cold._P, X, y_idx, ones)
    np.testing.assert_allclose(J_seeded, J_cold, rtol=1e-4)
    if sooner:
        assert seeded.n_iter_ < cold.n_iter_
    # the start is used: one iteration from it is already near the optimum
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        one_cold = make().set_params(max_iter=1).fit(X, y)
        one_seeded = make().set_params(max_iter=1).fit(X, y, coef_init=cold.coef_,
                                                      intercept_init=cold.intercept_)
    assert one_seeded.score(X, y) == pytest.approx(cold.score(X, y), abs=0.01)
    assert one_cold.score(X, y) < cold.score(X, y) - 0.02


def test_coef_init_of_two_classes_has_the_shape_of_coef():
    X, y = make_classification(200, 5, random_state=0)
    clf = LinearSVM(alpha=1e-1, tol=1e-6, random_state=0).fit(X, y)
    assert clf.coef_.shape == (1, 5)
    again = LinearSVM(alpha=1e-1, tol=1e-6, max_iter=1, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        again.fit(X, y, coef_init=clf.coef_, intercept_init=clf.intercept_)
    np.testing.assert_allclose(again.coef_, clf.coef_, rtol=0.05, atol=1e-3)
    # the start splits the scores evenly: W0 = -coef / 2, W1 = coef / 2
    start = LinearSVM()._given_params(np.array([[2.0, 4, 6, 8, 10]]), np.array([1.0]),
                                      X, np.array([0, 1]))
    np.testing.assert_array_equal(start, [[-1, -2, -3, -4, -5, -0.5], [1, 2, 3, 4, 5, 0.5]])


@pytest.mark.parametrize("kwargs, match", [
    ({"coef_init": np.zeros((3, 64))}, r"coef_init must have shape \(10, 64\) for 10 classes"),
    ({"coef_init": np.zeros(64)}, r"must have shape \(10, 64\) .* got \(64,\)"),
    ({"coef_init": np.full((10, 64), np.nan)}, "coef_init must be finite"),
    ({"coef_init": np.zeros((10, 64)), "intercept_init": np.zeros(9)},
     r"intercept_init must have shape \(10,\)"),
    ({"coef_init": np.array([["a"] * 64] * 10)}, "coef_init must hold numbers"),
    ({"intercept_init": np.zeros(10)}, "intercept_init needs coef_init"),
])
def test_coef_init_refuses_what_does_not_fit_clearly(kwargs, match):
    X, y = _digits_scaled()
    with pytest.raises(ValueError, match=match):
        SoftmaxClassifier(optimizer="lbfgs").fit(X, y, **kwargs)
    with pytest.raises(ValueError, match="fit_intercept=False"):
        SoftmaxClassifier(fit_intercept=False).fit(X, y, coef_init=np.zeros((10, 64)),
                                                   intercept_init=np.zeros(10))
