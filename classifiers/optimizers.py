"""First-order optimizers as pure update rules, plus random search.

Each optimizer is a small frozen dataclass holding only its settings, with two
pure methods in the style of optax:

* ``init(params) -> state``: a fresh state (a ``NamedTuple``) for ``params``;
* ``update(grads, state, learning_rate) -> (updates, state)``: the step to
  *add* to the parameters, and the next state.

Settings and running state are kept apart, so an optimizer object passed to an
estimator is never mutated and the estimator stays clone-safe.  The step count
``t`` in a state is the number of updates already applied: the first update
sees ``t = 1`` (Adam's bias corrections ``1 - beta ** t`` use that ``t``).

All rules are element-wise, with ``g`` the gradient (GUIDE s.1):

=========  ==============================================================
sgd        ``w -= lr * g``
momentum   ``v = mu * v - lr * g; w += v``  (Polyak heavy ball)
nesterov   ``v' = mu * v - lr * g; w += -mu * v + (1 + mu) * v'``
adagrad    ``G += g^2; w -= lr * g / (sqrt(G) + eps)``
rmsprop    ``G = rho * G + (1 - rho) * g^2; w -= lr * g / (sqrt(G) + eps)``
adadelta   ``G = rho G + (1-rho) g^2; d = sqrt(D + eps) / sqrt(G + eps) * g;``
           ``D = rho D + (1-rho) d^2; w -= lr * d``  (``lr`` defaults to 1)
adam       ``m, v`` moving moments, bias-corrected by ``1 - beta^t``
nadam      Adam with the Nesterov look-ahead on the first moment
=========  ==============================================================

References
----------
.. [1] B. T. Polyak, "Some methods of speeding up the convergence of
   iteration methods", 1964.
.. [2] Y. Nesterov, "A method of solving a convex programming problem with
   convergence rate O(1/k^2)", 1983; I. Sutskever et al., "On the importance
   of initialization and momentum in deep learning", ICML 2013.
.. [3] J. Duchi, E. Hazan and Y. Singer, "Adaptive subgradient methods",
   JMLR 2011.
.. [4] T. Tieleman and G. Hinton, Lecture 6.5 (RMSProp), Coursera 2012.
.. [5] M. D. Zeiler, "ADADELTA: an adaptive learning rate method", 2012.
.. [6] D. P. Kingma and J. Ba, "Adam: a method for stochastic
   optimization", ICLR 2015.
.. [7] T. Dozat, "Incorporating Nesterov momentum into Adam", ICLR 2016
   workshop.
"""

from dataclasses import dataclass, field, fields
from typing import NamedTuple

import numpy as np

from _constraints import Flag, Integer, InvalidParameterError, Real, check_params

from . import lbfgs


class Optimizer:
    """Base of every optimizer: settings only, no state.

    Subclasses implement ``init`` and ``update``.  When the estimator's
    ``learning_rate`` is None it asks :meth:`default_rate`: the adaptive
    rules (Adagrad, RMSProp, AdaDelta, Adam, Nadam) normalise each step by the
    gradient's own scale and set a fixed ``default_learning_rate``; the
    plain gradient rules (SGD, momentum, Nesterov) leave it None and take a
    step scaled to the data, which the estimator works out.  Which solver
    runs an optimizer (minibatch epochs, or a full-batch one for
    :class:`LBFGS` and :class:`Exact`), with its default budget and
    tolerance, is :mod:`classifiers.solvers`' to say.
    """

    default_learning_rate = None
    uses_gradient = True

    def default_rate(self, sgd_step):
        """The base learning rate when the estimator's is None.

        Parameters
        ----------
        sgd_step : float
            A plain SGD step suited to the data and loss (see
            :meth:`classifiers.LinearClassifier.fit`).
        """
        if self.default_learning_rate is None:
            return sgd_step
        return self.default_learning_rate

    def step_size(self, state, learning_rate):
        """The step ``d`` per coordinate such that, at a fixed point, the update is ``-d * g``.

        The proximal (soft-threshold) step of an L1 penalty uses it, so that
        the fixed points of training are the minimizers of the penalized
        objective whatever the rule (Duchi et al. 2011 do the same for
        Adagrad).  ``state`` is the state after the update.
        """
        return learning_rate

    #: name -> constraints of the settings, checked when the object is built
    #: (so that ``Momentum(mu='0.9')`` fails at once, not inside a step)
    _constraints = {}

    def __post_init__(self):
        check_params(self._constraints,
                     {f.name: getattr(self, f.name) for f in fields(self)}, type(self).__name__)


class StepState(NamedTuple):
    t: int


class VelocityState(NamedTuple):
    t: int
    v: np.ndarray


class AccumulatorState(NamedTuple):
    t: int
    G: np.ndarray


class AdaDeltaState(NamedTuple):
    t: int
    G: np.ndarray
    D: np.ndarray


class MomentsState(NamedTuple):
    t: int
    m: np.ndarray
    v: np.ndarray


@dataclass(frozen=True)
class SGD(Optimizer):
    """Vanilla (stochastic) gradient descent: ``w -= lr * g``."""

    def init(self, params):
        return StepState(0)

    def update(self, grads, state, learning_rate):
        return -learning_rate * grads, StepState(state.t + 1)


@dataclass(frozen=True)
class Momentum(Optimizer):
    """Polyak momentum: ``v = mu * v - lr * g; w += v``.

    Parameters
    ----------
    mu : float in [0, 1), default=0.9
        Fraction of the previous velocity kept; ``mu=0`` is plain SGD.
    """

    mu: float = 0.9

    _constraints = {"mu": [Real(0, 1, closed="left")]}

    def default_rate(self, sgd_step):
        # Over many steps the velocity sums the gradients with weights 1/(1 - mu):
        # scale the rate down by that factor so the effective step is sgd's.
        return (1 - self.mu) * sgd_step

    def step_size(self, state, learning_rate):
        # At a fixed point the velocity is -lr g / (1 - mu), for Nesterov too.
        return learning_rate / (1 - self.mu)

    def init(self, params):
        return VelocityState(0, np.zeros_like(params))

    def update(self, grads, state, learning_rate):
        v = self.mu * state.v - learning_rate * grads
        return v, VelocityState(state.t + 1, v)


@dataclass(frozen=True)
class Nesterov(Momentum):
    """Nesterov accelerated gradient in the look-ahead form of CS231n.

    ``v' = mu * v - lr * g; w += -mu * v + (1 + mu) * v'``, with ``g`` taken at
    the stored parameters, which track the look-ahead point ``w + mu * v``
    rather than ``w`` itself, so no second gradient evaluation is needed.
    """

    def update(self, grads, state, learning_rate):
        v = self.mu * state.v - learning_rate * grads
        return -self.mu * state.v + (1 + self.mu) * v, VelocityState(state.t + 1, v)


@dataclass(frozen=True)
class Adagrad(Optimizer):
    """Adagrad: per-coordinate rates shrinking with the summed squared gradient.

    Parameters
    ----------
    eps : float, default=1e-8
        Added to ``sqrt(G)`` so that a coordinate with no gradient yet does not
        divide by zero.
    """

    eps: float = 1e-8
    default_learning_rate = 0.1

    _constraints = {"eps": [Real(0, None, closed="neither")]}

    def init(self, params):
        return AccumulatorState(0, np.zeros_like(params))

    def update(self, grads, state, learning_rate):
        G = state.G + grads * grads
        return (-learning_rate * grads / (np.sqrt(G) + self.eps),
                AccumulatorState(state.t + 1, G))

    def step_size(self, state, learning_rate):
        return learning_rate / (np.sqrt(state.G) + self.eps)


@dataclass(frozen=True)
class RMSProp(Optimizer):
    """RMSProp: Adagrad with a leaky (exponentially decaying) accumulator.

    Parameters
    ----------
    rho : float in [0, 1), default=0.9
        Decay of the squared-gradient average.
    eps : float, default=1e-8
    """

    rho: float = 0.9
    eps: float = 1e-8
    default_learning_rate = 0.001

    _constraints = {"rho": [Real(0, 1, closed="left")], "eps": [Real(0, None, closed="neither")]}

    def init(self, params):
        return AccumulatorState(0, np.zeros_like(params))

    def update(self, grads, state, learning_rate):
        G = self.rho * state.G + (1 - self.rho) * grads * grads
        return (-learning_rate * grads / (np.sqrt(G) + self.eps),
                AccumulatorState(state.t + 1, G))

    step_size = Adagrad.step_size


@dataclass(frozen=True)
class AdaDelta(Optimizer):
    """AdaDelta (Zeiler 2012): step sizes from the ratio of two RMS averages.

    The step has the units of the parameters (RMS of past steps over RMS of
    gradients), so no learning rate is needed: ``learning_rate`` is a plain
    multiplier that defaults to 1.  ``eps`` sits inside both square roots, as
    in the paper: it starts the very first steps (when ``D = 0``) at about
    ``sqrt(eps)``.

    Parameters
    ----------
    rho : float in [0, 1), default=0.95
    eps : float, default=1e-6
    """

    rho: float = 0.95
    eps: float = 1e-6
    default_learning_rate = 1.0

    _constraints = {"rho": [Real(0, 1, closed="left")], "eps": [Real(0, None, closed="neither")]}

    def init(self, params):
        return AdaDeltaState(0, np.zeros_like(params), np.zeros_like(params))

    def update(self, grads, state, learning_rate):
        rho, eps = self.rho, self.eps
        G = rho * state.G + (1 - rho) * grads * grads
        d = np.sqrt(state.D + eps) / np.sqrt(G + eps) * grads
        D = rho * state.D + (1 - rho) * d * d
        return -learning_rate * d, AdaDeltaState(state.t + 1, G, D)

    def step_size(self, state, learning_rate):
        return learning_rate * np.sqrt(state.D + self.eps) / np.sqrt(state.G + self.eps)


@dataclass(frozen=True)
class Adam(Optimizer):
    """Adam (Kingma & Ba 2015), and Nadam (Dozat 2016) with ``nesterov=True``.

    ``m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2;  w -= lr m^ / (sqrt(v^) + eps)``

    with ``v^ = v / (1 - b2^t)`` and ``m^ = m / (1 - b1^t)`` for Adam, or, for
    Nadam, the look-ahead ``m^ = b1 m / (1 - b1^(t+1)) + (1-b1) g / (1 - b1^t)``
    (Dozat's rule with a constant momentum; the form optax and Keras use).
    ``t`` starts at 1 on the first update.

    Parameters
    ----------
    beta1 : float in [0, 1), default=0.9
    beta2 : float in [0, 1), default=0.999
    eps : float, default=1e-8
        Added after the square root, as in the paper.
    nesterov : bool, default=False
    """

    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    nesterov: bool = False
    default_learning_rate = 0.001

    _constraints = {"beta1": [Real(0, 1, closed="left")], "beta2": [Real(0, 1, closed="left")],
                    "eps": [Real(0, None, closed="neither")],
                    "nesterov": [Flag()]}

    def init(self, params):
        return MomentsState(0, np.zeros_like(params), np.zeros_like(params))

    def update(self, grads, state, learning_rate):
        b1, b2, t = self.beta1, self.beta2, state.t + 1
        m = b1 * state.m + (1 - b1) * grads
        v = b2 * state.v + (1 - b2) * grads * grads
        if self.nesterov:
            m_hat = b1 * m / (1 - b1 ** (t + 1)) + (1 - b1) * grads / (1 - b1 ** t)
        else:
            m_hat = m / (1 - b1 ** t)
        v_hat = v / (1 - b2 ** t)
        return -learning_rate * m_hat / (np.sqrt(v_hat) + self.eps), MomentsState(t, m, v)

    def step_size(self, state, learning_rate):
        # At a fixed point m^ is the gradient itself (for Nadam too).
        return learning_rate / (np.sqrt(state.v / (1 - self.beta2 ** state.t)) + self.eps)


@dataclass(frozen=True)
class Nadam(Adam):
    """Nadam: :class:`Adam` with ``nesterov=True`` (Dozat 2016)."""

    nesterov: bool = True


class SearchState(NamedTuple):
    t: int
    rng: np.random.Generator


@dataclass(frozen=True)
class RandomSearch(Optimizer):
    """Random search, the course's first and deliberately poor strategy.

    It ignores the gradient.  At each step it draws a candidate and keeps it
    only if it lowers the objective on the current batch:

    * ``local=False`` (default): a fresh ``W ~ N(0, scale^2)``, as in the
      course's "sample weight matrices at random, keep the best";
    * ``local=True``: a perturbation ``W + N(0, scale^2)`` of the current
      weights (random local search).

    Parameters
    ----------
    scale : float, default=1e-3
        Standard deviation of the Gaussian draws.  ``learning_rate`` is ignored.
    local : bool, default=False
    seed : int, default=0
        Seed of the draws, so that a fit is reproducible; the estimator mixes
        in its own ``random_state``.
    """

    scale: float = 1e-3
    local: bool = False
    seed: int = 0
    uses_gradient = False

    _constraints = {"scale": [Real(0, None, closed="neither")], "local": [Flag()],
                    "seed": [Integer(0)]}

    def init(self, params, random_state=None):
        return SearchState(0, np.random.default_rng([self.seed, random_state or 0]))

    def propose(self, params, state):
        """A candidate for ``params`` and the next state."""
        noise = state.rng.standard_normal(params.shape).astype(params.dtype, copy=False)
        noise *= params.dtype.type(self.scale)
        candidate = params + noise if self.local else noise
        return candidate, SearchState(state.t + 1, state.rng)


@dataclass(frozen=True)
class LBFGS(Optimizer):
    """Limited-memory BFGS over the full batch, with a strong-Wolfe line search.

    Not a step rule like the others: the estimator hands it the whole
    objective and it runs to the optimum (see :func:`classifiers.lbfgs.minimize`
    for the algorithm).  It needs a smooth objective: 'softmax',
    'squared_hinge' or 'ovr_squared_hinge' with the 'l2' penalty or none.  ``learning_rate`` and its
    schedule are ignored: the line search picks every step.

    Parameters
    ----------
    m : int >= 1, default=10
        Curvature pairs remembered (3 to 20 is the usual range).
    c1, c2 : float, default=1e-4, 0.9
        Sufficient decrease and curvature constants, ``0 < c1 < c2 < 1``.
    max_ls : int >= 1, default=20
        Objective evaluations per line search at most.
    rank : int >= 0, default=256, keyword-only
        Rank of the preconditioner, the data's second moment
        (:mod:`classifiers.preconditioning`) that starts each direction; 0
        turns it off (the scaled identity of plain L-BFGS).

    References
    ----------
    .. [1] J. Nocedal and S. J. Wright, "Numerical Optimization", 2nd ed., 2006.
    """

    m: int = 10
    c1: float = 1e-4
    c2: float = 0.9
    max_ls: int = 20
    rank: int = field(default=256, kw_only=True)

    _constraints = {"m": [Integer(1)], "max_ls": [Integer(1)], "rank": [Integer(0)],
                    "c1": [Real(0, 1, closed="neither")], "c2": [Real(0, 1, closed="neither")]}

    def __post_init__(self):
        super().__post_init__()
        if not self.c1 < self.c2:
            raise InvalidParameterError(
                f"The 'c1' and 'c2' parameters of {type(self).__name__} must satisfy "
                f"0 < c1 < c2 < 1. Got c1={self.c1!r}, c2={self.c2!r} instead.")

    def minimize(self, fun, x0, *, max_iter, tol, callback=None, pairs=(), precondition=None):
        """Run :func:`classifiers.lbfgs.minimize` with these settings."""
        return lbfgs.minimize(fun, x0, m=int(self.m), max_iter=max_iter, tol=tol, c1=self.c1,
                              c2=self.c2, max_ls=int(self.max_ls), callback=callback,
                              pairs=pairs, precondition=precondition)


@dataclass(frozen=True, kw_only=True)
class Exact(LBFGS):
    """The multiclass SVM to a certified optimum: smoothing, preconditioned L-BFGS, duality gap.

    The L-BFGS settings ``m``, ``c1``, ``c2``, ``max_ls`` are :class:`LBFGS`'s
    (and its positional ones); ``smoothing`` and ``rank`` are keyword-only.

    Only for the hinge losses with the 'l2' penalty and ``alpha > 0``: the
    estimator's ``tol`` is then the relative duality gap at which it stops
    (1e-2 by default), and ``max_iter`` counts L-BFGS iterations (1000 by
    default).  See :mod:`classifiers.exact` for the method and why.

    Parameters
    ----------
    smoothing : float > 0, default=1.0
        Width of the hinge's first smoothing, in units of the margin; it
        shrinks as the optimum nears.  Unused by the squared hinge.
    """

    smoothing: float = 1.0

    _constraints = {**LBFGS._constraints, "smoothing": [Real(0, None, closed="neither")]}


OPTIMIZERS = {
    "sgd": SGD, "momentum": Momentum, "nesterov": Nesterov, "adagrad": Adagrad,
    "rmsprop": RMSProp, "adadelta": AdaDelta, "adam": Adam, "nadam": Nadam,
    "random_search": RandomSearch, "lbfgs": LBFGS, "exact": Exact,
}


def get_optimizer(optimizer):
    """The optimizer object for a name of :data:`OPTIMIZERS` or an instance."""
    if isinstance(optimizer, Optimizer):
        return optimizer
    return OPTIMIZERS[optimizer]()
