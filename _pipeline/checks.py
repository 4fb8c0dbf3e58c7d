"""Every check of :func:`pipeline.compare`, before any feature is computed.

In two steps, so that the command line can run the first before it loads
any image, and nothing is checked twice: :func:`check_settings` (the names,
the grid, what every extractor and classifier would refuse) and
:func:`check_data` (the images, the labels, the splits, the sizes against
HOG cells and patches).  Parameter mistakes raise ``InvalidParameterError``
(a ValueError and a TypeError), unusable data a ValueError.
"""

import math
from collections.abc import Mapping
from numbers import Integral, Real
from typing import NamedTuple, Optional

import numpy as np
from sklearn.model_selection import StratifiedKFold, check_cv

from _constraints import N_JOBS, Flag, Integer, InvalidParameterError, StrOptions, check_params
from classifiers.solvers import solver_for

from .caching import check_memory_folder
from .data import label_of, stratified_split
from .presets import build_classifier, check_loss, default_alphas
from .spec import FeatureSpec, check_feature_params


class Settings(NamedTuple):
    """:func:`check_settings`' result: every setting of a comparison, checked.

    ``features`` are canonical specs (``'hog+color'``); ``params`` the
    ``feature_params`` of each spec (the bag of words seeded with
    ``random_state``); ``classifier_params`` hold ``random_state``.
    """

    features: list
    losses: list
    alphas: list
    cv: object
    n_jobs: Optional[int]
    random_state: object
    memory: object
    params: dict
    classifier_params: dict
    dictionary: str = "once"
    #: Decades the search may add beyond each edge of ``alphas``.
    extend: int = 0


class Plan(NamedTuple):
    """:func:`check_data`'s result: the settings, the folds and the split data."""

    settings: Settings
    cv: object
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray


def check_settings(features, losses, alphas, *, cv, n_jobs, random_state, memory,
                   feature_params, classifier_params, dictionary="once", extend=0):
    """The settings of a comparison, checked without any image.

    ``alphas=None`` stays None until :func:`check_data` knows the number of
    training images (:func:`~._pipeline.presets.default_alphas`).

    Returns
    -------
    Settings

    Raises
    ------
    InvalidParameterError
        (a ValueError and a TypeError) naming the first invalid setting.
    ValueError
        A classifier setting its solver cannot honour.
    """
    features = check_names(features, "features", lambda f: str(FeatureSpec.parse(f)))
    losses = check_names(losses, "losses", check_loss)
    alphas = None if alphas is None else check_alphas(alphas)
    check_params({"extend": [Integer(0, None)]}, {"extend": extend}, "compare")
    random_state = check_random_state(random_state)
    check_params({"n_jobs": N_JOBS, "dictionary": [StrOptions({"once", "per_split"})]},
                 {"n_jobs": n_jobs, "dictionary": dictionary}, "compare")
    cv = check_folds(cv)
    if memory is not None:
        check_memory_folder(memory)
    feature_params = check_feature_params(feature_params)
    specs = {text: FeatureSpec.parse(text) for text in features}
    used = {name for spec in specs.values() for name in spec.names}
    stray = sorted(set(feature_params) - used)
    if stray:
        raise InvalidParameterError(f"feature_params names {stray}, which none of the "
                                    f"features {features} uses.")
    if classifier_params is not None and not isinstance(classifier_params, Mapping):
        raise InvalidParameterError(
            f"classifier_params must be a dict of classifier settings, e.g. "
            f"{{'max_iter': 10}}, got {classifier_params!r}.")
    classifier_params = dict(classifier_params or {})
    if "alpha" in classifier_params:
        raise InvalidParameterError("classifier_params sets 'alpha', which compare searches "
                                    "over: give the values as alphas=[...].")
    classifier_params.setdefault("random_state", random_state)
    for loss in losses:                     # settings the classifier would refuse at fit
        classifier = build_classifier(loss, classifier_params)
        classifier._validate_params()
        solver_for(classifier)              # its alpha stands for the grid's, all positive
    params = {}
    for text, spec in specs.items():
        params[text] = {k: dict(v) for k, v in feature_params.items() if k in spec.names}
        if random_state is not None:
            # Seed what learns from the images too (the k-means dictionary), so
            # that a seeded comparison repeats.
            for name in spec.learned:
                params[text].setdefault(name, {}).setdefault("random_state", random_state)
        FeatureSpec.parse(text, params[text]).check()   # what each extractor would refuse
    return Settings(features, losses, alphas, cv, n_jobs, random_state, memory, params,
                    classifier_params, dictionary, extend)


def check_data(settings, X, y, *, test, test_size, class_names=None):
    """The data of a comparison checked against its settings, and split.

    ``class_names`` (indexed by the labels) names classes in the messages.

    Returns
    -------
    Plan

    Raises
    ------
    ValueError
        Unusable data (shapes, labels, classes too small for ``cv`` or the
        test split, images too small for HOG cells or patches).
    InvalidParameterError
        Inconsistent ``test`` / ``test_size``.
    """
    X = check_image_array(X, "X")
    y = check_labels(y, "y")
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} images but y has {len(y)} labels.")
    if len(y) == 0:
        raise ValueError("X holds no images.")
    if len(np.unique(y)) < 2:
        raise ValueError(f"y holds a single class ({label_of(y[0])}); a classifier needs at "
                         "least 2.")
    X_train, y_train, X_test, y_test = split_test(X, y, test, test_size,
                                                  settings.random_state)
    if settings.alphas is None:
        settings = settings._replace(alphas=default_alphas(len(y_train)))
    cv = make_folds(settings.cv, y_train, settings.random_state, class_names)
    n_fit = smallest_fit(cv, len(y_train))
    for spec in settings.features:          # every extractor on two images
        FeatureSpec.parse(spec, settings.params[spec]).probe(X_train, n_fit, X.shape)
    return Plan(settings, cv, X_train, y_train, X_test, y_test)


def check_flags(owner, **flags):
    """Each flag True or False (InvalidParameterError otherwise)."""
    check_params({name: [Flag()] for name in flags}, flags, owner)


#: The largest alpha compared: the weights of a model scale as 1/alpha, and
#: features are float32, so 1/alpha must be a normal float32 number (beyond,
#: it loses its precision, and past 3.4e38 alpha itself is infinite there).
MAX_ALPHA = float(1 / np.finfo(np.float32).tiny)


def check_alphas(alphas):
    what = "alphas must be a non-empty list of distinct positive numbers (a log grid such " \
           "as 1e-4 ... 1e-2)"
    if isinstance(alphas, (str, bytes)) or np.ndim(alphas) != 1 or any(
            isinstance(a, (bool, np.bool_)) for a in alphas):
        raise InvalidParameterError(f"{what}, got {alphas!r}.")
    try:
        values = np.asarray(alphas, dtype=float)
    except (TypeError, ValueError):
        raise InvalidParameterError(f"{what}, got {alphas!r}.") from None
    if values.size == 0:
        raise InvalidParameterError(f"{what}, got {alphas!r}.")
    if not (np.all(np.isfinite(values)) and np.all(values > 0)):
        raise InvalidParameterError(f"alphas must all be positive and finite (a log grid such as "
                         f"1e-4 ... 1e-2), got {values.tolist()}.")
    if len(np.unique(values)) != len(values):
        raise InvalidParameterError(f"alphas lists a value twice: {values.tolist()}.")
    if values.max() > MAX_ALPHA:
        raise InvalidParameterError(
            f"alphas holds {values.max():g}, above {MAX_ALPHA:.2g}: the weights of a model "
            f"shrink as 1/alpha, and beyond that bound they fall below the smallest normal "
            f"float32 number ({np.finfo(np.float32).tiny:.2g}), where the float32 features "
            "can no longer hold them (the model would be all zeros or fail). Give smaller "
            "alphas (the default grid is 1e-2 ... 1e2).")
    return [float(a) for a in values]



def check_names(values, what, check):
    """A name or a list of names, each checked (``check`` returns its canonical form)."""
    if isinstance(values, str):
        values = [values]
    try:
        values = list(values)
    except TypeError:
        raise InvalidParameterError(
            f"{what} must be a name or a list of names, got {values!r}.") from None
    if not values:
        raise InvalidParameterError(f"{what}: give at least one.")
    values = [check(value) for value in values]
    if len(set(values)) != len(values):
        raise InvalidParameterError(f"{what} lists a value twice: {values}.")
    return values


def check_random_state(random_state):
    if random_state is None or isinstance(random_state, np.random.RandomState):
        return random_state
    if Integer(0, 2 ** 32 - 1).is_satisfied_by(random_state):
        return int(random_state)
    raise InvalidParameterError(f"random_state must be None, an int in 0..2**32 - 1 or a "
                     f"numpy.random.RandomState, got {random_state!r}.")


def check_image_array(X, name):
    """``X`` as one array of images of one shape (ValueError naming ``name`` otherwise)."""
    try:
        X = np.asarray(X)
    except ValueError:      # numpy refuses a ragged list: images of several sizes
        raise ValueError(f"{name} must be images of one shape, (n, H, W) or (n, H, W, C); "
                         "got images of several shapes (resize them to one size first, as "
                         "features.load_image_folder(image_size=...) does).") from None
    if X.dtype == object or X.ndim < 2:
        got = "objects" if X.dtype == object else "an array"
        raise ValueError(f"{name} must be an array of images, (n, H, W), (n, H, W, C) or "
                         f"flattened (n, H*W*C); got {got} of shape {X.shape}.")
    return X


def check_labels(y, name):
    """``y`` as a 1-D array of labels of one sortable type (ValueError otherwise)."""
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array of labels, got shape {y.shape}.")
    try:
        np.unique(y)
    except TypeError:
        kinds = sorted({type(v).__name__ for v in y.tolist()})
        raise ValueError(f"{name}: labels must be of one sortable type (all numbers or all "
                         f"strings), got a mix of {', '.join(kinds)}.") from None
    if y.dtype == object and any(v is None for v in y.tolist()):
        raise ValueError(f"{name} holds None among its labels; every image needs a label.")
    return y


def split_test(X, y, test, test_size, random_state):
    if test is not None:
        if test_size is not None:
            raise InvalidParameterError("Give either test=(X_test, y_test) or test_size, not both.")
        if not (isinstance(test, (tuple, list)) and len(test) == 2):
            raise InvalidParameterError("test must be a pair (X_test, y_test).")
        X_test, y_test = check_image_array(test[0], "X_test"), check_labels(test[1], "y_test")
        if len(X_test) != len(y_test) or len(X_test) == 0:
            raise ValueError(f"test: X_test has {len(X_test)} rows and y_test "
                             f"{len(y_test)}; they must match and be non-empty.")
        if X_test.shape[1:] != X.shape[1:]:
            raise ValueError(f"test: X_test holds images of shape {X_test.shape[1:]} but X "
                             f"of shape {X.shape[1:]}; they must match.")
        try:
            unseen = np.setdiff1d(y_test, y)
        except TypeError:
            raise ValueError(f"test: y_test holds labels of another type ({y_test.dtype}) "
                             f"than y ({y.dtype}); label both the same way.") from None
        if unseen.size:
            raise ValueError(f"test: y_test holds labels {unseen.tolist()[:5]} that y never "
                             f"has (y: {np.unique(y).tolist()[:10]}); no classifier trained on "
                             "X, y can predict them. Are both labelled the same way?")
        return X, y, X_test, y_test
    test_size = 0.2 if test_size is None else test_size
    if isinstance(test_size, (bool, np.bool_)) or not isinstance(test_size, Real) or not (
            (isinstance(test_size, Integral) and 0 < test_size < len(y))
            or (not isinstance(test_size, Integral) and 0 < test_size < 1)):
        raise InvalidParameterError(f"test_size must be a fraction in (0, 1) or a count in 1..n-1, "
                         f"got {test_size!r}.")
    # numpy scalars as plain Python numbers: train_test_split refuses np.float32.
    test_size = int(test_size) if isinstance(test_size, Integral) else float(test_size)
    return stratified_split(X, y, test_size, random_state)


def check_folds(cv):
    """``cv`` as an int >= 2 or a splitter; an iterable of splits materialized once.

    A generator is used up by one grid search: like scikit-learn's
    ``check_cv``, the splits are listed once, so every feature set and loss
    is searched over the same ones.
    """
    if isinstance(cv, bool) or not (isinstance(cv, Integral) or hasattr(cv, "split")
                                    or hasattr(cv, "__iter__")):
        raise InvalidParameterError(
            f"cv must be a number of folds (>= 2), a cross-validation splitter or an "
            f"iterable of (train, test) index pairs, got {cv!r}.")
    if isinstance(cv, Integral):
        if cv < 2:
            raise InvalidParameterError(f"cv must be at least 2 folds, got {cv}.")
        return int(cv)
    if hasattr(cv, "split"):
        return cv
    cv = check_cv(cv)
    if cv.get_n_splits() < 1:
        raise InvalidParameterError("cv holds no (train, test) split.")
    return cv


def make_folds(cv, y, random_state, class_names=None):
    """The splitter of a checked ``cv``: an int must not exceed the images of the smallest class."""
    if not isinstance(cv, Integral):
        folds = getattr(cv, "test_fold", None)            # PredefinedSplit
        if folds is not None and len(folds) != len(y):
            raise ValueError(
                f"cv={type(cv).__name__} assigns folds to {len(folds)} images, but the "
                f"grid search runs on the {len(y)} training images left once the test "
                "split is taken out; give its test_fold one entry per training image, "
                "or pass the test images as test=(X_test, y_test) and X, y the training "
                "images only.")
        return cv
    labels, counts = np.unique(y, return_counts=True)
    if counts.min() < cv:
        smallest = label_of(labels[np.argmin(counts)], class_names)
        raise ValueError(f"cv={cv} folds need at least {cv} training images of every class "
                         f"(each fold validates on one of them), but class {smallest} has "
                         f"{counts.min()}; lower cv or give more images.")
    return StratifiedKFold(cv, shuffle=True, random_state=random_state)


def smallest_fit(cv, n):
    """Images in the smallest training part of ``cv`` over ``n`` images (roughly)."""
    try:
        k = cv.get_n_splits()
    except (AttributeError, TypeError, ValueError):
        return n
    return n - math.ceil(n / k) if k and k > 1 else n
