"""Learning-rate schedules.

A schedule maps the base rate ``lr0`` and the progress of training to the rate
of the next update.  ``t`` is the 1-based number of that update and ``epoch``
the 0-based epoch it belongs to.  Strings name the defaults below; a plain
callable ``t -> rate`` is also accepted by the estimators and wins over
``learning_rate``.
"""

from dataclasses import dataclass, replace
from numbers import Real
from typing import Optional

import numpy as np

from ._checks import check_number


class Schedule:
    """Base of the schedules: ``rate(lr0, t, epoch) -> float``."""

    #: whether the estimator divides the rate when the loss stalls
    adaptive = False

    def for_budget(self, max_iter):
        """The schedule for a run of ``max_iter`` epochs (itself, unless it scales)."""
        return self


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

    def __post_init__(self):
        check_number(self, "factor", self.factor, low=0, high=1, low_open=True)
        if self.every is not None:
            check_number(self, "every", self.every, low=1, integer=True)

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

    def __post_init__(self):
        check_number(self, "power_t", self.power_t, low=0)

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

    def __post_init__(self):
        check_number(self, "factor", self.factor, low=0, high=1, low_open=True, high_open=True)
        check_number(self, "min_rate", self.min_rate, low=0)

    def rate(self, lr0, t, epoch):
        return lr0


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
    if isinstance(rate, (bool, np.bool_)) or not isinstance(rate, (Real, np.floating,
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
