"""The parameter constraints of the whole library, and the one check that applies them.

Every public setting is checked against a table ``name -> [constraint, ...]``
in scikit-learn's ``_param_validation`` style: the estimators through their
``_parameter_constraints`` (scikit-learn's own machinery), and the optimizer
objects, the feature functions and the main job's functions through
:func:`check_params` and :func:`validate`.  scikit-learn's ``Interval``
admits ``True`` as the int 1 and cannot say "a pair of positive ints" or "an
image shape", the kinds of value this library asks for again and again; the
classes here say them once.  Every violation raises scikit-learn's
``InvalidParameterError``, which is both a ValueError and a TypeError.

Every message has scikit-learn's words: ``"The 'name' parameter of owner must
be <allowed>. Got <value> instead."``, whoever checks.
"""

import functools
import inspect
import math
from numbers import Integral
from numbers import Real as RealNumber

import numpy as np
from sklearn.utils._param_validation import (
    HasMethods,
    InvalidParameterError,
    Options,
    StrOptions,
    make_constraint,
)

__all__ = ["Rule", "Real", "Integer", "Flag", "Pair", "ImageShape", "FloatDtype", "N_JOBS",
           "check_params", "validate", "InvalidParameterError", "HasMethods", "Options",
           "StrOptions"]


class Rule(Options):
    """Base of the constraints here: a predicate and the words that describe it.

    A subclass of scikit-learn's ``Options`` only so that its
    ``make_constraint`` (which knows its own classes alone) takes it as is,
    in the estimators' ``_parameter_constraints`` too.
    """

    def __init__(self):
        super().__init__(object, set())


def _is_bool(value):
    return isinstance(value, (bool, np.bool_))


def _interval(low, high, closed):
    left = "-inf" if low is None else repr(low)
    right = "inf" if high is None else repr(high)
    return (f"{'[' if closed in ('left', 'both') and low is not None else '('}{left}, "
            f"{right}{']' if closed in ('right', 'both') and high is not None else ')'}")


def _inside(value, low, high, closed):
    if low is not None and not (value >= low if closed in ("left", "both") else value > low):
        return False
    return high is None or (value <= high if closed in ("right", "both") else value < high)


class Real(Rule):
    """A finite real number in an interval (numpy scalars accepted, bools refused).

    ``closed`` in {'left', 'right', 'both', 'neither'}, as scikit-learn's
    ``Interval``; ``None`` for a bound leaves that side open to infinity.  A
    Python int too large for a float is refused.
    """

    def __init__(self, low=None, high=None, *, closed="both"):
        super().__init__()
        self.low, self.high, self.closed = low, high, closed

    def is_satisfied_by(self, val):
        if _is_bool(val) or not isinstance(val, RealNumber):
            return False
        try:
            val = float(val)
        except OverflowError:
            return False
        return math.isfinite(val) and _inside(val, self.low, self.high, self.closed)

    def __str__(self):
        low = None if self.low is None else float(self.low)
        high = None if self.high is None else float(self.high)
        return f"a float in the range {_interval(low, high, self.closed)}"


class Integer(Rule):
    """An int in an interval (numpy ints accepted, bools refused); bounds inclusive."""

    def __init__(self, low=None, high=None):
        super().__init__()
        self.low, self.high = low, high

    def is_satisfied_by(self, val):
        return (isinstance(val, Integral) and not _is_bool(val)
                and _inside(val, self.low, self.high, "both"))

    def __str__(self):
        return f"an int in the range {_interval(self.low, self.high, 'both')}"


class Flag(Rule):
    """True or False (numpy bools accepted; 0 and 1 are not flags)."""

    def is_satisfied_by(self, val):
        return _is_bool(val)

    def __str__(self):
        return "True or False"


class Pair(Rule):
    """A pair (tuple or list) of two ints >= 1, such as (8, 8)."""

    def is_satisfied_by(self, val):
        return (isinstance(val, (tuple, list)) and len(val) == 2
                and all(Integer(1).is_satisfied_by(v) for v in val))

    def __str__(self):
        return "a pair of ints >= 1, such as (8, 8)"


class ImageShape(Rule):
    """``(height, width)`` or ``(height, width, channels)``: 2 or 3 ints >= 1."""

    def is_satisfied_by(self, val):
        return (isinstance(val, (tuple, list)) and len(val) in (2, 3)
                and all(Integer(1).is_satisfied_by(v) for v in val))

    def __str__(self):
        return "a tuple (H, W) or (H, W, C) of positive ints"


class FloatDtype(Options):
    """float32 or float64, as a type, an ``np.dtype`` or a name.

    Other dtypes give garbage rather than an error further down (float16
    overflows in the gradients, HOG turns to NaN; an integer type truncates
    histograms to zeros), so they are refused with the settings.
    """

    def __init__(self):
        super().__init__(object, {np.float32, np.float64})

    def is_satisfied_by(self, val):
        # np.dtype(None) is float64: None is no dtype here.
        if val is None or _is_bool(val):
            return False
        try:
            return np.dtype(val) in (np.dtype(np.float32), np.dtype(np.float64))
        except (TypeError, ValueError):
            return False

    def __str__(self):
        return "np.float32 or np.float64 (or their np.dtype or name)"


#: Worker counts as joblib reads them: None is 1, -1 every core, -2 all but one.
N_JOBS = [Integer(None, -1), Integer(1, None), None]


def _allowed(constraints):
    words = [str(c) for c in constraints if not getattr(c, "hidden", False)]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def check_params(constraints, params, owner):
    """Check ``params`` against a constraints table; raise on the first violation.

    Parameters
    ----------
    constraints : dict of str -> list
        ``name -> [constraint, ...]``: the constraints of this module,
        scikit-learn's (``Interval``, ``StrOptions``, ``HasMethods``, ...),
        or anything ``make_constraint`` takes (a type, None, 'boolean', ...).
        A value is valid when it meets any of its constraints.
    params : dict of str -> object
        Names without constraints are not checked.
    owner : str
        The class or function the message names.

    Raises
    ------
    InvalidParameterError
        (a ValueError and a TypeError) ``"The 'name' parameter of owner must
        be <allowed>. Got <value> instead."``; a bool where only numbers are
        allowed is said to be one.
    """
    for name, value in params.items():
        if name not in constraints:
            continue
        kinds = [make_constraint(c) for c in constraints[name]]
        if any(c.is_satisfied_by(value) for c in kinds):
            continue
        if _is_bool(value) and any(isinstance(c, (Real, Integer)) for c in kinds):
            allowed = "a number, not a bool"
        else:
            allowed = _allowed(kinds)
        raise InvalidParameterError(
            f"The {name!r} parameter of {owner} must be {allowed}. Got {value!r} instead.")


def validate(constraints):
    """Decorate a function so that its arguments are checked by :func:`check_params` first.

    The table names the parameters, as scikit-learn's ``validate_params``;
    messages start with the function's name.
    """
    def decorate(function):
        signature = inspect.signature(function)

        @functools.wraps(function)
        def checked(*args, **kwargs):
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            check_params(constraints, bound.arguments, function.__name__)
            return function(*args, **kwargs)

        return checked

    return decorate
