import numpy as np
import pytest
from naive import NAIVE

from classifiers import check_gradient
from classifiers.losses import LOSSES, hinge, log_softmax, ovr_hinge, ovr_squared_hinge, softmax
from classifiers.objective import objective
from classifiers.penalties import PENALTIES

# The course's 3-class example: columns are examples (cat, car, frog images),
# rows are the class scores (cat, car, frog); GUIDE s.1.
COURSE_SCORES = np.array([[3.2, 1.3, 2.2], [5.1, 4.9, 2.5], [-1.7, 2.0, -3.1]]).T
COURSE_LABELS = np.array([0, 1, 2])


def test_hinge_reproduces_course_values():
    L, _ = hinge(COURSE_SCORES, COURSE_LABELS, margin=1.0)
    np.testing.assert_allclose(L, [2.9, 0.0, 12.9], atol=1e-12)
    assert L.mean() == pytest.approx(15.8 / 3) and round(L.mean(), 2) == 5.27


def test_one_vs_rest_hinges_by_hand():
    # the cat image (scores cat 3.2, car 5.1, frog -1.7), margin 1: the cat
    # score clears +1 (0), the car score should be below -1 (6.1), the frog's
    # is (0); the car image: 1 - 4.9 < 0, 1 + 1.3 = 2.3, 1 + 2.0 = 3.0
    L, dS = ovr_hinge(COURSE_SCORES[:2], COURSE_LABELS[:2], margin=1.0)
    np.testing.assert_allclose(L, [6.1, 5.3])
    np.testing.assert_array_equal(dS, [[0, 1, 0], [1, 0, 1]])
    L, dS = ovr_squared_hinge(COURSE_SCORES[:2], COURSE_LABELS[:2], margin=1.0)
    np.testing.assert_allclose(L, [6.1 ** 2, 2.3 ** 2 + 3.0 ** 2])
    np.testing.assert_allclose(dS, [[0, 12.2, 0], [4.6, 0, 6.0]])


def test_softmax_reproduces_course_value_with_natural_log():
    L, _ = softmax(COURSE_SCORES, COURSE_LABELS)
    p_cat = np.exp(3.2) / np.exp([3.2, 5.1, -1.7]).sum()
    assert round(p_cat, 2) == 0.13
    assert L[0] == pytest.approx(-np.log(p_cat))
    assert round(L[0], 2) == 2.04


@pytest.mark.parametrize("n_classes", [2, 3, 10])
@pytest.mark.parametrize("margin", [1.0, 2.5])
def test_losses_at_zero_weights(n_classes, margin):
    S = np.zeros((4, n_classes))
    y = np.arange(4) % n_classes
    np.testing.assert_allclose(hinge(S, y, margin)[0], (n_classes - 1) * margin)
    np.testing.assert_allclose(softmax(S, y)[0], np.log(n_classes))
    # one-vs-rest: every class's binary margin is violated by ``margin``
    np.testing.assert_allclose(ovr_hinge(S, y, margin)[0], n_classes * margin)
    np.testing.assert_allclose(ovr_squared_hinge(S, y, margin)[0], n_classes * margin ** 2)


@pytest.mark.parametrize("loss", sorted(LOSSES))
def test_vectorized_losses_match_naive_loops(loss):
    rng = np.random.default_rng(0)
    S = rng.normal(size=(30, 5)) * 3
    y = rng.integers(0, 5, size=30)
    L, _ = LOSSES[loss](S, y, 1.0)
    np.testing.assert_allclose(L, NAIVE[loss](S.tolist(), y.tolist(), 1.0), rtol=1e-12)


def test_softmax_never_overflows():
    S = np.array([[1000.0, 0.0, -1000.0], [-1e4, -1e4 + 1, -1e4]])
    L, dS = softmax(S, np.array([0, 1]))
    assert np.isfinite(L).all() and np.isfinite(dS).all()
    np.testing.assert_allclose(L[0], 0.0, atol=1e-12)
    np.testing.assert_allclose(np.exp(log_softmax(S)).sum(axis=1), 1.0)


@pytest.mark.parametrize("loss", sorted(LOSSES))
def test_float32_scores_stay_float32(loss):
    S = np.ones((3, 4), dtype=np.float32)
    L, dS = LOSSES[loss](S, np.array([0, 1, 2]), 1.0)
    assert L.dtype == np.float32 and dS.dtype == np.float32


@pytest.mark.parametrize("penalty", ["l2", "l1", "elasticnet", None])
@pytest.mark.parametrize("loss", sorted(LOSSES))
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_objective_gradient_matches_central_differences(loss, penalty, fit_intercept):
    rng = np.random.default_rng(42)
    n, d, C = 20, 6, 4
    X = rng.normal(size=(n, d))
    y = rng.integers(0, C, size=n)
    sw = rng.uniform(0.5, 2.0, size=n)
    P = rng.normal(size=(C, d + fit_intercept)) * 0.5

    def f(P):
        return objective(P, X, y, sw, loss=loss, margin=1.0, penalty=penalty,
                         alpha=0.3, l1_ratio=0.4, fit_intercept=fit_intercept)

    assert check_gradient(f, P) < 1e-6


def test_intercept_is_not_penalised():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(8, 3)), rng.integers(0, 3, size=8)
    P = rng.normal(size=(3, 4))
    kw = dict(loss="softmax", margin=1.0, penalty="l2", l1_ratio=0.0, fit_intercept=True)
    J0, g0 = objective(P, X, y, np.ones(8), alpha=0.0, **kw)
    J1, g1 = objective(P, X, y, np.ones(8), alpha=2.0, **kw)
    assert J1 - J0 == pytest.approx(2.0 * 0.5 * np.sum(P[:, :-1] ** 2))
    np.testing.assert_allclose(g1[:, -1], g0[:, -1])
    np.testing.assert_allclose(g1[:, :-1] - g0[:, :-1], 2.0 * P[:, :-1])


def test_penalty_values_by_hand():
    W = np.array([[1.0, -2.0], [0.0, 3.0]])
    assert PENALTIES["l2"](W)[0] == pytest.approx(0.5 * 14)
    assert PENALTIES["l1"](W)[0] == pytest.approx(6)
    np.testing.assert_array_equal(PENALTIES["l1"](W)[1], [[1, -1], [0, 1]])
    assert PENALTIES["elasticnet"](W, 0.25)[0] == pytest.approx(0.25 * 6 + 0.75 * 7)
    assert PENALTIES[None](W)[0] == 0


def test_integer_weights_equal_repeated_samples():
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(6, 3)), rng.integers(0, 3, size=6)
    w = np.array([0, 1, 2, 3, 1, 2])
    P = rng.normal(size=(3, 4))
    kw = dict(loss="hinge", margin=1.0, penalty="l2", alpha=0.1, l1_ratio=0.0,
              fit_intercept=True)
    J_w, g_w = objective(P, X, y, w.astype(float), **kw)
    J_r, g_r = objective(P, X.repeat(w, axis=0), y.repeat(w), np.ones(w.sum()), **kw)
    assert J_w == pytest.approx(J_r)
    np.testing.assert_allclose(g_w, g_r)


def test_check_gradient_detects_a_wrong_gradient():
    x = np.array([1.0, -2.0, 0.5])
    assert check_gradient(lambda x: (np.sum(x ** 3), 3 * x ** 2), x) < 1e-8
    assert check_gradient(lambda x: (np.sum(x ** 3), 3 * x), x) > 0.1
    with pytest.raises(ValueError, match="gradient of shape"):
        check_gradient(lambda x: (0.0, np.zeros(2)), x)
