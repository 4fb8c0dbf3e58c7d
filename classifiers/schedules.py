"""Learning-rate schedules.

A schedule maps the base rate ``lr0`` and the progress of training to the rate
of the next update.  ``t`` is the 1-based number of that update and ``epoch``
the 0-based epoch it belongs to.  Strings name the defaults below; a plain
callable ``t -> rate`` is also accepted by the estimators and wins over
``learning_rate``.
"""

from dataclasses import dataclass, fields, replace
from numbers import Real as RealNumber
from typing import NamedTuple, Optional

import numpy as np

from _constraints import Integer, Real, check_params


class Plateau(NamedTuple):
    """A plateau watch's state: epochs without improvement, and the rate's multiplier."""

    stall: int
    scale: float


class Schedule:
    """Base of the schedules: ``rate(lr0, t, epoch) -> float`` and the plateau rule.

    :meth:`plateau` is what happens when epochs stop improving (by ``tol``):
    here, training stops after ``patience`` of them; :class:`Adaptive`
    divides the rate first.  Its state is a :class:`Plateau` passed in and
    returned, as optax's ``reduce_on_plateau`` keeps its counters.
    """

    #: whether the estimator divides the rate when the loss stalls
    adaptive = False
    #: name -> constraints of the settings, checked when the object is built
    _constraints = {}

    def __post_init__(self):
        check_params(self._constraints,
                     {f.name: getattr(self, f.name) for f in fields(self)}, type(self).__name__)

    def for_budget(self, max_iter):
        """The schedule for a run of ``max_iter`` epochs (itself, unless it scales)."""
        return self

    def plateau(self, state, improved, lr0, patience):
        """Count an epoch; stop after ``patience`` in a row that did not improve.

        Returns
        -------
        state : Plateau
        stop : bool
        """
        stall = 0 if improved else state.stall + 1
        return Plateau(stall, state.scale), stall >= patience


@dataclass(frozen=True)
class Constant(Schedule):
    """``lr0`` throughout."""

    def rate(self, lr0, t, epoch):
        return lr0


@dataclass(frozen=True)
class StepDecay(Schedule):
    """Multiply the rate by ``factor`` every ``every`` epochs.

    ``rate = lr0 * factor ** (epoch // every)``

    Parameters
    ----------
    factor : float in (0, 1], default=0.5
    every : int >= 1 or None, default=None
        None takes a quarter of the run's ``max_iter`` epochs (at least 1), so
        the rate is halved three times over any budget: every 5 epochs of the
        default 20.
    """

    factor: float = 0.5
    every: Optional[int] = None

    _constraints = {"factor": [Real(0, 1, closed="right")], "every": [Integer(1), None]}

    def for_budget(self, max_iter):
        if self.every is not None:
            return self
        return replace(self, every=max(1, max_iter // 4))

    def rate(self, lr0, t, epoch):
        return lr0 * self.factor ** (epoch // self.every)


@dataclass(frozen=True)
class InvScaling(Schedule):
    """``rate = lr0 / t ** power_t``, scikit-learn's 'invscaling'."""

    power_t: float = 0.5

    _constraints = {"power_t": [Real(0)]}

    def rate(self, lr0, t, epoch):
        return lr0 / t ** self.power_t


@dataclass(frozen=True)
class Adaptive(Schedule):
    """scikit-learn's 'adaptive': keep ``lr0`` while the loss improves.

    Each time ``n_iter_no_change`` consecutive epochs fail to lower the
    training loss by ``tol`` (or to raise the validation score by ``tol`` with
    early stopping), the rate is multiplied by ``factor`` (divided by 5 by
    default); training stops once it falls below ``min_rate``.
    """

    factor: float = 0.2
    min_rate: float = 1e-6
    adaptive = True

    _constraints = {"factor": [Real(0, 1, closed="neither")], "min_rate": [Real(0)]}

    def rate(self, lr0, t, epoch):
        return lr0

    def plateau(self, state, improved, lr0, patience):
        """After ``patience`` epochs without improvement, divide the rate (stop at ``min_rate``)."""
        stall = 0 if improved else state.stall + 1
        if stall < patience:
            return Plateau(stall, state.scale), False
        if lr0 * state.scale * self.factor >= self.min_rate:
            return Plateau(0, state.scale * self.factor), False
        return Plateau(stall, state.scale), True


@dataclass(frozen=True)
class FromCallable(Schedule):
    """Wraps a user's ``t -> rate``; ``lr0`` and ``epoch`` are not used."""

    fn: object

    def rate(self, lr0, t, epoch):
        return self.fn(t)


def checked_rate(rate, t):
    """``rate`` as a float, or a ValueError if it is not a finite number >= 0.

    Guards the estimators against a user's callable returning a negative rate
    (which would train uphill), NaN, None, a string or an array.
    """
    if isinstance(rate, (bool, np.bool_)) or not isinstance(rate, (RealNumber, np.floating,
                                                                      np.integer)):
        raise ValueError(
            f"learning_rate_schedule returned {rate!r} ({type(rate).__name__}) for update "
            f"t={t}; it must return a float >= 0, the learning rate of that update.")
    rate = float(rate)
    if not (np.isfinite(rate) and rate >= 0):
        raise ValueError(
            f"learning_rate_schedule returned {rate!r} for update t={t}; the learning "
            "rate must be a finite float >= 0 (a negative rate trains uphill).")
    return rate


SCHEDULES = {"constant": Constant, "step": StepDecay, "invscaling": InvScaling,
             "adaptive": Adaptive}


def get_schedule(schedule):
    """The :class:`Schedule` for a name, an instance, or a callable ``t -> rate``."""
    if isinstance(schedule, Schedule):
        return schedule
    if isinstance(schedule, str):
        return SCHEDULES[schedule]()
    return FromCallable(schedule)
