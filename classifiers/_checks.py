"""Checks of the settings of optimizer and schedule objects, made when they are built.

The estimators validate their own parameters with scikit-learn's
``_parameter_constraints``; the small frozen dataclasses of
:mod:`classifiers.optimizers` and :mod:`classifiers.schedules` check theirs
here, so that ``Momentum(mu='0.9')`` fails at once with a message naming the
class and the setting, not later with a bare ``TypeError`` from inside a step.
"""

import math
from numbers import Integral, Real

import numpy as np


def check_number(owner, name, value, *, low=None, high=None, low_open=False,
                 high_open=False, integer=False):
    """Raise a ValueError unless ``value`` is a finite number in the interval.

    Parameters
    ----------
    owner : object
        The object being built; its class name starts the message.
    name : str
        The setting's name.
    value : object
    low, high : float or None
        Bounds of the interval; None leaves that side open to infinity.
    low_open, high_open : bool
        Whether the interval excludes ``low`` / ``high``.
    integer : bool
        Require an integer (numpy integers accepted, bools refused).
    """
    kind = Integral if integer else Real
    ok = isinstance(value, kind) and not isinstance(value, (bool, np.bool_))
    # math.isfinite, not np.isfinite: a Python int beyond int64 is a valid
    # (finite) integer, on which np.isfinite raises a TypeError.  A real
    # setting must also be a float: 10**400 is an int no float can hold.
    ok = ok and (integer or _as_float(value) is not None)
    if ok and low is not None:
        ok = value > low if low_open else value >= low
    if ok and high is not None:
        ok = value < high if high_open else value <= high
    if not ok:
        left = "-inf" if low is None else f"{low:g}"
        right = "inf" if high is None else f"{high:g}"
        interval = (f"{'(' if low_open or low is None else '['}{left}, "
                    f"{right}{')' if high_open or high is None else ']'}")
        what = "an integer" if integer else "a finite number"
        raise ValueError(f"{type(owner).__name__}: {name} must be {what} in {interval}, "
                         f"got {value!r}.")


def check_bool(owner, name, value):
    """Raise a ValueError unless ``value`` is a bool."""
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{type(owner).__name__}: {name} must be True or False, "
                         f"got {value!r}.")


def _as_float(value):
    """``value`` as a finite float, or None (overflow, inf, NaN)."""
    try:
        value = float(value)
    except (OverflowError, TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None
