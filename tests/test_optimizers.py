import math

import numpy as np
import pytest

from classifiers.optimizers import (
    OPTIMIZERS,
    SGD,
    AccumulatorState,
    AdaDelta,
    AdaDeltaState,
    Adagrad,
    Adam,
    MomentsState,
    Momentum,
    Nadam,
    Nesterov,
    RandomSearch,
    RMSProp,
    VelocityState,
    get_optimizer,
)
from classifiers.schedules import Adaptive, InvScaling, StepDecay

W = np.array([1.0, -2.0])
G = np.array([0.5, -1.0])
LR = 0.1


def step(opt, state):
    updates, new_state = opt.update(G, state, LR)
    assert new_state.t == state.t + 1
    return updates, new_state


def test_sgd_step():
    updates, _ = step(SGD(), SGD().init(W))
    np.testing.assert_allclose(updates, [-0.05, 0.1])


def test_momentum_step():
    updates, state = step(Momentum(mu=0.9), VelocityState(3, np.array([0.2, 0.0])))
    # v = 0.9 * 0.2 - 0.1 * 0.5 = 0.13 ; v = 0 - 0.1 * -1 = 0.1
    np.testing.assert_allclose(updates, [0.13, 0.1])
    np.testing.assert_allclose(state.v, [0.13, 0.1])


def test_nesterov_step():
    updates, state = step(Nesterov(mu=0.9), VelocityState(3, np.array([0.2, 0.0])))
    # -0.9 * 0.2 + 1.9 * 0.13 = 0.067 ; 1.9 * 0.1 = 0.19
    np.testing.assert_allclose(updates, [0.067, 0.19])
    np.testing.assert_allclose(state.v, [0.13, 0.1])


def test_adagrad_step():
    updates, state = step(Adagrad(eps=1e-8), AccumulatorState(1, np.array([1.0, 0.0])))
    np.testing.assert_allclose(state.G, [1.25, 1.0])
    np.testing.assert_allclose(updates, [-0.1 * 0.5 / (math.sqrt(1.25) + 1e-8),
                                         0.1 / (1.0 + 1e-8)])


def test_rmsprop_step():
    updates, state = step(RMSProp(rho=0.9, eps=1e-8), AccumulatorState(1, np.array([1.0, 0.0])))
    # G = 0.9 * 1 + 0.1 * 0.25 = 0.925 ; 0.1 * 1 = 0.1
    np.testing.assert_allclose(state.G, [0.925, 0.1])
    np.testing.assert_allclose(updates, [-0.05 / (math.sqrt(0.925) + 1e-8),
                                         0.1 / (math.sqrt(0.1) + 1e-8)])


def test_adadelta_step():
    state = AdaDeltaState(1, np.array([1.0, 0.0]), np.array([0.04, 0.0]))
    updates, new = step(AdaDelta(rho=0.95, eps=1e-6), state)
    # G = 0.95 * 1 + 0.05 * 0.25 = 0.9625 ; 0.05 * 1 = 0.05
    np.testing.assert_allclose(new.G, [0.9625, 0.05])
    d = [math.sqrt(0.04 + 1e-6) / math.sqrt(0.9625 + 1e-6) * 0.5,
         math.sqrt(1e-6) / math.sqrt(0.05 + 1e-6) * -1.0]
    np.testing.assert_allclose(updates, [-0.1 * d[0], -0.1 * d[1]])
    np.testing.assert_allclose(new.D, [0.95 * 0.04 + 0.05 * d[0] ** 2, 0.05 * d[1] ** 2])


def test_adam_first_step_is_lr_times_sign():
    # With t = 1 the bias corrections make m^ = g and v^ = g^2.
    updates, state = step(Adam(), Adam().init(W))
    np.testing.assert_allclose(updates, [-0.1, 0.1], rtol=1e-6)
    assert state.t == 1


def test_adam_second_step_from_hand_set_state():
    state = MomentsState(1, np.array([0.05, -0.1]), np.array([0.00025, 0.001]))
    updates, new = step(Adam(beta1=0.9, beta2=0.999, eps=1e-8), state)
    m = 0.9 * 0.05 + 0.1 * 0.5                      # 0.095
    v = 0.999 * 0.00025 + 0.001 * 0.25               # 0.00049975
    m_hat, v_hat = m / (1 - 0.9 ** 2), v / (1 - 0.999 ** 2)
    assert new.m[0] == pytest.approx(m) and new.v[0] == pytest.approx(v)
    assert updates[0] == pytest.approx(-0.1 * m_hat / (math.sqrt(v_hat) + 1e-8))


def test_nadam_first_step_uses_lookahead():
    updates, _ = step(Nadam(), Nadam().init(W))
    m_hat = 0.9 * 0.05 / (1 - 0.9 ** 2) + 0.1 * 0.5 / (1 - 0.9)   # 0.7368...
    assert updates[0] == pytest.approx(-0.1 * m_hat / 0.5, rel=1e-6)
    same, _ = step(Adam(nesterov=True), Adam().init(W))
    np.testing.assert_array_equal(updates, same)


def test_momentum_with_zero_mu_is_sgd():
    rng = np.random.default_rng(0)
    w_sgd = w_mom = w_nes = rng.normal(size=5)
    s_sgd, s_mom, s_nes = SGD().init(w_sgd), Momentum(0.0).init(w_mom), Nesterov(0.0).init(w_nes)
    for _ in range(10):
        g = rng.normal(size=5)
        u, s_sgd = SGD().update(g, s_sgd, 0.05)
        w_sgd = w_sgd + u
        u, s_mom = Momentum(0.0).update(g, s_mom, 0.05)
        w_mom = w_mom + u
        u, s_nes = Nesterov(0.0).update(g, s_nes, 0.05)
        w_nes = w_nes + u
    np.testing.assert_allclose(w_mom, w_sgd)
    np.testing.assert_allclose(w_nes, w_sgd)


def test_update_is_pure():
    opt = Adam()
    state = opt.init(W)
    before = [a.copy() for a in state[1:]]
    opt.update(G, state, LR)
    for a, b in zip(state[1:], before):
        np.testing.assert_array_equal(a, b)


def minimize(opt, lr, steps, grad, w0):
    w = np.array(w0, dtype=float)
    state = opt.init(w)
    for _ in range(steps):
        updates, state = opt.update(grad(w), state, lr)
        w = w + updates
    return w


A = np.diag([1.0, 10.0])
C = np.array([3.0, -1.0])

# (optimizer, learning rate) for the quadratic 0.5 (w-c)' A (w-c), 2000 steps
QUADRATIC = [(SGD(), 0.1), (Momentum(0.9), 0.02), (Nesterov(0.9), 0.02), (Adagrad(), 1.0),
             (RMSProp(), 0.01), (AdaDelta(), 1.0), (Adam(), 0.05), (Nadam(), 0.05)]


@pytest.mark.parametrize("opt,lr", QUADRATIC, ids=lambda p: type(p).__name__)
def test_converges_on_convex_quadratic(opt, lr):
    steps = 20000 if isinstance(opt, AdaDelta) else 2000
    w = minimize(opt, lr, steps, lambda w: A @ (w - C), [0.0, 0.0])
    np.testing.assert_allclose(w, C, atol=1e-2)


def rosenbrock_grad(w):
    x, y = w
    return np.array([-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)])


# Rosenbrock's curved valley wants small steps; AdaDelta's step scale is set
# by eps (about sqrt(eps)), so it needs a small eps and many steps.
ROSENBROCK = [(SGD(), 1e-3, 20000), (Momentum(0.9), 1e-4, 20000),
              (Nesterov(0.9), 1e-4, 20000), (Adagrad(), 0.5, 5000),
              (RMSProp(), 1e-3, 20000), (AdaDelta(eps=1e-8), 0.5, 50000),
              (Adam(), 0.02, 5000), (Nadam(), 0.02, 5000)]


@pytest.mark.parametrize("opt,lr,steps", ROSENBROCK, ids=lambda p: type(p).__name__)
def test_converges_on_rosenbrock(opt, lr, steps):
    w = minimize(opt, lr, steps, rosenbrock_grad, [-1.2, 1.0])
    np.testing.assert_allclose(w, [1.0, 1.0], atol=0.05)


def test_every_name_has_an_optimizer():
    for name, cls in OPTIMIZERS.items():
        assert isinstance(get_optimizer(name), cls)
    custom = Adam(beta1=0.8)
    assert get_optimizer(custom) is custom


def test_random_search_keeps_improving_candidates():
    def f(w):
        return float(np.sum((w - 0.5) ** 2))

    for local in (False, True):
        opt = RandomSearch(scale=0.5, local=local, seed=3)
        state = opt.init(np.zeros(4))
        w = np.zeros(4)
        start = best = f(w)
        for _ in range(300):
            candidate, state = opt.propose(w, state)
            if f(candidate) < best:
                w, best = candidate, f(candidate)
        assert best < 0.5 * start


@pytest.mark.parametrize("make,message", [
    (lambda: Momentum(mu=1.5), r"'mu' parameter of Momentum must be a float in the range "
                               r"\[0.0, 1.0\). Got 1.5 instead"),
    (lambda: Momentum(mu="0.9"), r"'mu' parameter of Momentum must be a float .* Got '0.9'"),
    (lambda: Adam(beta1=-0.1), r"'beta1' parameter of Adam must be a float in the range \[0.0"),
    (lambda: Adam(beta2=None), r"'beta2' parameter of Adam must be a float .* Got None"),
    (lambda: Adam(eps=float("inf")), r"'eps' parameter of Adam must be a float in the range "
                                     r"\(0.0, inf\)"),
    (lambda: Adam(nesterov="yes"), "'nesterov' parameter of Adam must be True or False. "
                                   "Got 'yes' instead"),
    (lambda: RMSProp(eps=0.0), r"'eps' parameter of RMSProp must be a float in the range "
                               r"\(0.0, inf\). Got 0.0 instead"),
    (lambda: RandomSearch(scale=-1), r"'scale' parameter of RandomSearch must be a float"),
    (lambda: RandomSearch(seed="x"), r"'seed' parameter of RandomSearch must be an int in the "
                                     r"range \[0, inf\)"),
    (lambda: RandomSearch(local=1), "'local' parameter of RandomSearch must be True or False"),
    (lambda: StepDecay(factor="x"), r"'factor' parameter of StepDecay must be a float in the "
                                    r"range \(0.0, 1.0\]"),
    (lambda: StepDecay(every=True), r"'every' parameter of StepDecay must be a number, not a "
                                    r"bool"),
    (lambda: InvScaling(power_t=None), r"'power_t' parameter of InvScaling must be a float"),
    (lambda: Adaptive(min_rate=-1), r"'min_rate' parameter of Adaptive must be a float in the "
                                    r"range \[0.0, inf\)"),
])
def test_invalid_optimizer_settings(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_settings_take_python_ints_beyond_int64():
    # np.isfinite raises a TypeError on such ints; they are valid integers.
    from classifiers.schedules import StepDecay
    assert StepDecay(every=10**20).for_budget(4 * 10**20).every == 10**20
    assert StepDecay().for_budget(10**20).every == 10**20 // 4


# --------------------------------------------------------------- optimum reached
@pytest.mark.parametrize("optimizer, learning_rate", [
    ("sgd", None), ("momentum", None), ("nesterov", None), ("adagrad", 0.5),
    ("rmsprop", 0.01), ("adadelta", None), ("adam", 0.01), ("nadam", 0.01)])
def test_every_optimizer_reaches_the_logistic_regression_optimum(optimizer, learning_rate):
    # Full batch (no minibatch noise), the default step decay, 3,000 epochs on a
    # strongly convex softmax: the minimum is LogisticRegression's, to rounding.
    from sklearn.datasets import make_classification
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    from classifiers import SoftmaxClassifier
    from classifiers.objective import objective

    X, y = make_classification(n_samples=200, n_features=6, n_informative=4, n_classes=3,
                               random_state=0)
    X = StandardScaler().fit_transform(X)
    alpha, n = 1e-2, len(y)

    def J(model):
        P = np.column_stack([model.coef_, model.intercept_])
        return objective(P, X, y, np.ones(n), loss="softmax", margin=1.0, penalty="l2",
                         alpha=alpha, l1_ratio=0.0, fit_intercept=True)[0]

    reference = LogisticRegression(C=1 / (alpha * n), tol=1e-12, max_iter=10_000).fit(X, y)
    ours = SoftmaxClassifier(optimizer=optimizer, learning_rate=learning_rate, batch_size=None,
                             max_iter=3000, tol=None, alpha=alpha).fit(X, y)
    assert J(ours) == pytest.approx(J(reference), rel=1e-5)
    np.testing.assert_allclose(ours.coef_, reference.coef_, atol=2e-3)
