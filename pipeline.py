"""Build and compare image-classification pipelines; ``python pipeline.py`` runs the comparison.

The library half: :func:`make_pipeline` builds ``features -> StandardScaler ->
classifier`` from short names (``'raw'``, ``'hog'``, ``'color'``, ``'bovw'``
and unions such as ``'hog+color'``), and :func:`compare` grid-searches the
regularization strength of each feature set and loss with the features
computed once per cross-validation split (:class:`CachedFeatures`).

The command-line half (``python pipeline.py --help``) loads CIFAR-10 or an
image folder, runs :func:`compare`, and writes a report with plots (the
module :mod:`report`).
"""

import argparse
import math
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Mapping
from numbers import Integral, Real
from pathlib import Path

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.model_selection import GridSearchCV, StratifiedKFold, check_cv, train_test_split
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import HasMethods
from sklearn.utils.validation import check_is_fitted, check_memory

from classifiers import LinearSVM, SoftmaxClassifier
from classifiers.linear import SMOOTH_PENALTIES
from classifiers.optimizers import OPTIMIZERS
from features import HOG, BagOfVisualWords, ColorHistogram, RawPixels
from features.patches import patch_grid


def _raw():
    return RawPixels()


def _hog():
    # sqrt gamma compression and L1-sqrt blocks: 0.520 against 0.502 for the
    # L2-Hys default in the accuracy study (README, "Measured").
    return HOG(transform_sqrt=True, block_norm="L1-sqrt")


def _color():
    # The 8x8x8 HSV colour cube, square-rooted (Hellinger): with HOG, 0.586.
    return ColorHistogram(mode="joint", bins=8, power=0.5)


def _bovw():
    return BagOfVisualWords()


#: Feature names for :func:`make_pipeline`: name -> (builder, what it builds).
FEATURES = {
    "raw": (_raw, "RawPixels(): the pixels as they are"),
    "hog": (_hog, "HOG(transform_sqrt=True, block_norm='L1-sqrt'): 8x8 cells, 2x2 blocks, "
                  "324 features on 32x32 images"),
    "color": (_color, "ColorHistogram(mode='joint', bins=8, power=0.5): the 8x8x8 HSV cube, "
                      "square-rooted, 512 features"),
    "bovw": (_bovw, "BagOfVisualWords(): Coates-style k-means words on 6x6 patches, triangle "
                    "code, quadrant pooling, square-rooted, mirror images added"),
}

#: Loss names for :func:`make_pipeline`: name -> the classifier it builds.
LOSSES = {
    "hinge": lambda: LinearSVM(),
    "squared_hinge": lambda: LinearSVM(loss="squared_hinge"),
    "softmax": lambda: SoftmaxClassifier(),
}

# Decades around the optima of the default run (4,000 CIFAR-10 images, every
# model trained to its optimum): cross-validation accuracy peaks at alpha 10
# for raw pixels (0.369, 0.344 at 100), 1 for HOG + colour and 0.1 for the
# bag of words (0.621, 0.596 at 0.01).  Below 1e-2 the hinge optimum of a few
# thousand images barely moves and takes longest to certify; 45,000 images
# want less regularization (bag of words: 3e-3 to 1e-2): pass alphas.
DEFAULT_ALPHAS = (1e-2, 1e-1, 1.0, 10.0, 100.0)


def feature_names(features):
    """Split a feature spec such as ``'hog+color'`` into checked names.

    Parameters
    ----------
    features : str
        Names of :data:`FEATURES` joined by ``+``.

    Returns
    -------
    names : list of str

    Raises
    ------
    ValueError
        For an unknown or repeated name, listing the valid ones.
    """
    valid = ", ".join(repr(n) for n in FEATURES)
    if not isinstance(features, str):
        raise ValueError(f"features must be a string such as 'hog+color' (names {valid} "
                         f"joined by '+'), got {features!r}.")
    names = [n.strip() for n in features.split("+")]
    unknown = [n for n in names if n not in FEATURES]
    if unknown:
        raise ValueError(f"Unknown feature name(s) {unknown} in {features!r}; valid names are "
                         f"{valid}, joined by '+' for a union (e.g. 'hog+color').")
    if len(set(names)) != len(names):
        raise ValueError(f"features {features!r} names a feature twice.")
    return names


def feature_step(features="hog+color", feature_params=None):
    """The transformer a feature spec builds: one extractor or a ``FeatureUnion``.

    Parameters
    ----------
    features : str, default='hog+color'
        Names of :data:`FEATURES` joined by ``+``.
    feature_params : dict of str -> dict, optional
        Parameters per name overriding the built settings, e.g.
        ``{'bovw': {'n_words': 400}}``.

    Returns
    -------
    transformer : estimator
    """
    names = feature_names(features)
    feature_params = _check_feature_params(feature_params)
    stray = sorted(set(feature_params) - set(names))
    if stray:
        raise ValueError(f"feature_params names {stray}, which {features!r} does not use.")
    steps = []
    for name in names:
        extractor = FEATURES[name][0]()
        extractor.set_params(**feature_params.get(name, {}))
        steps.append((name, extractor))
    return steps[0][1] if len(steps) == 1 else FeatureUnion(steps)


def _check_feature_params(feature_params):
    """``feature_params`` as a dict of name -> dict of settings (TypeError otherwise)."""
    if feature_params is None:
        return {}
    example = "e.g. {'bovw': {'n_words': 400}}"
    if not isinstance(feature_params, Mapping):
        raise TypeError(f"feature_params must be a dict of feature name -> dict of settings "
                        f"({example}), got {feature_params!r}.")
    for name, params in feature_params.items():
        if not isinstance(params, Mapping):
            raise TypeError(f"feature_params[{name!r}] must be a dict of settings ({example}), "
                            f"got {params!r}.")
    return {name: dict(params) for name, params in feature_params.items()}


# Every loss trains to its optimum, so that a grid search compares the alphas
# rather than how far 20 epochs of momentum got (on the bag of words, 6,400
# features, 45,000 images, the hinge with momentum stopped at 0.653 validation
# accuracy and softmax at 0.664).  The hinge losses get that from their
# classifier's own default (optimizer='auto': the exact solver, certified by
# its duality gap); softmax from L-BFGS, 0.772 in 300 iterations.
SOFTMAX_DEFAULTS = {"optimizer": "lbfgs", "max_iter": 300}


def _classifier(loss, classifier_params):
    """The classifier of ``loss`` with ``classifier_params``.

    Softmax (l2 or no penalty, no early stopping) defaults to
    :data:`SOFTMAX_DEFAULTS` unless ``classifier_params`` names an optimizer;
    ``max_iter`` then counts that optimizer's own units (epochs).
    """
    classifier = LOSSES[_check_loss(loss)]().set_params(**classifier_params)
    # the settings as set, so the classifier's own defaults are not restated here
    if ("optimizer" not in classifier_params and classifier.loss == "softmax"
            and classifier.penalty in SMOOTH_PENALTIES and not classifier.early_stopping):
        classifier.set_params(**{**SOFTMAX_DEFAULTS, **classifier_params})
    return classifier


def make_pipeline(features="hog+color", loss="hinge", *, memory=None, feature_params=None,
                  **classifier_params):
    """A ``features -> StandardScaler -> classifier`` pipeline from short names.

    Parameters
    ----------
    features : str, default='hog+color'
        ``'raw'``, ``'hog'``, ``'color'``, ``'bovw'``, or names joined by
        ``+`` for a :class:`~sklearn.pipeline.FeatureUnion` (see
        :data:`FEATURES` for what each builds).
    loss : {'hinge', 'squared_hinge', 'softmax'}, default='hinge'
        ``LinearSVM()``, ``LinearSVM(loss='squared_hinge')`` or
        ``SoftmaxClassifier()``, with defaults that need no tuning; the two
        smooth losses train with ``optimizer='lbfgs', max_iter=300`` unless
        ``classifier_params`` choose another optimizer (or an l1 penalty or
        early stopping, which L-BFGS cannot do).
    memory : str, path or joblib.Memory, default=None
        Where to cache the features (:class:`CachedFeatures`); None computes
        them on every call.
    feature_params : dict of str -> dict, optional
        Settings per feature name, e.g. ``{'bovw': {'n_words': 400}}``.
    **classifier_params
        Passed to the classifier (``alpha``, ``optimizer``, ...).

    Returns
    -------
    pipeline : sklearn.pipeline.Pipeline
        Steps ``'features'``, ``'scale'``, ``'classifier'``; the grid-search
        name of the regularization is ``'classifier__alpha'``.

    Raises
    ------
    ValueError
        For an unknown feature or loss name (listing the valid ones), an
        unknown classifier parameter or a ``memory`` that is not a folder or
        a ``joblib.Memory``.
    TypeError
        ``feature_params`` is not a dict of name -> dict.

    Examples
    --------
    >>> pipe = make_pipeline("hog+color", loss="softmax", alpha=1e-3)
    >>> [name for name, _ in pipe.steps]
    ['features', 'scale', 'classifier']
    >>> sorted(dict(pipe.named_steps["features"].transformer_list))
    ['color', 'hog']
    """
    step = feature_step(features, feature_params)
    if memory is not None:
        _check_memory_folder(memory)    # a bad memory fails here, not at the first fit
        step = CachedFeatures(step, memory=memory)
    return Pipeline([("features", step), ("scale", StandardScaler()),
                     ("classifier", _classifier(loss, classifier_params))])


def _memory(memory):
    """``check_memory`` that also takes a ``pathlib.Path``."""
    return check_memory(os.fspath(memory) if isinstance(memory, os.PathLike) else memory)


def _check_memory_folder(memory):
    """A cache folder that exists or can be made, and can be written: ValueError otherwise.

    joblib would only find out at the first ``fit``, with a bare ``OSError``.
    """
    if not isinstance(memory, (str, os.PathLike)):
        return _memory(memory)
    folder = Path(memory)
    if not str(memory).strip():
        raise ValueError("memory must name a folder for the feature cache, got an empty "
                         "string.")
    if folder.exists() and not folder.is_dir():
        raise ValueError(f"memory={os.fspath(memory)!r} is a file; give a folder for the "
                         "feature cache (it is created if missing).")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        raise ValueError(f"memory={os.fspath(memory)!r} cannot be used as the feature cache "
                         f"({error.strerror or error}); give a folder you can write "
                         "to.") from None
    return _memory(memory)


def _fit_transform(transformer, X, y):
    Xt = transformer.fit_transform(X, y)
    return transformer, Xt


def _transform(transformer, X):
    return transformer.transform(X)


class CachedFeatures(TransformerMixin, BaseEstimator):
    """A feature transformer whose outputs are cached on disk, keyed by input.

    ``Pipeline(memory=...)`` caches only ``fit_transform`` on the training
    part; a grid search also transforms each validation part once per
    candidate.  This wrapper caches both, keyed by the transformer's
    parameters (or fitted state) and the input array, so that a search over
    the classifier's ``alpha`` computes each split's features once, whatever
    the number of candidates and losses.

    Parameters
    ----------
    transformer : estimator
        The feature extractor (cloned before fitting).
    memory : str, path or joblib.Memory, default=None
        The cache; None disables it.

    Attributes
    ----------
    transformer_ : estimator
        The fitted clone.
    n_features_in_ : int
    """

    _parameter_constraints = {
        "transformer": [HasMethods(["fit", "transform"])],
        "memory": [None, str, os.PathLike, HasMethods(["cache"])],
    }

    def __init__(self, transformer, memory=None):
        self.transformer = transformer
        self.memory = memory

    def fit(self, X, y=None):
        """Fit the transformer (through the cache).

        Returns
        -------
        self
        """
        self.fit_transform(X, y)
        return self

    def fit_transform(self, X, y=None):
        """Fit the transformer and return the features of ``X``, cached.

        Returns
        -------
        features : ndarray of shape (n, n_features_out)
        """
        self._validate_params()
        cached = _memory(self.memory).cache(_fit_transform)
        self.transformer_, Xt = cached(clone(self.transformer), X, y)
        if hasattr(self.transformer_, "n_features_in_"):
            self.n_features_in_ = self.transformer_.n_features_in_
        return Xt

    def transform(self, X):
        """Features of ``X`` from the fitted transformer, cached.

        Returns
        -------
        features : ndarray of shape (n, n_features_out)
        """
        check_is_fitted(self, "transformer_")
        return _memory(self.memory).cache(_transform)(self.transformer_, X)

    def get_feature_names_out(self, input_features=None):
        """The fitted transformer's feature names."""
        check_is_fitted(self, "transformer_")
        return self.transformer_.get_feature_names_out(input_features)


def _check_alphas(alphas):
    what = "alphas must be a non-empty list of distinct positive numbers (a log grid such " \
           "as 1e-4 ... 1e-2)"
    if isinstance(alphas, (str, bytes)) or np.ndim(alphas) != 1 or any(
            isinstance(a, (bool, np.bool_)) for a in alphas):
        raise ValueError(f"{what}, got {alphas!r}.")
    try:
        values = np.asarray(alphas, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{what}, got {alphas!r}.") from None
    if values.size == 0:
        raise ValueError(f"{what}, got {alphas!r}.")
    if not (np.all(np.isfinite(values)) and np.all(values > 0)):
        raise ValueError(f"alphas must all be positive and finite (a log grid such as "
                         f"1e-4 ... 1e-2), got {values.tolist()}.")
    if len(np.unique(values)) != len(values):
        raise ValueError(f"alphas lists a value twice: {values.tolist()}.")
    return [float(a) for a in values]


def _check_names(values, what, check):
    """A name or a list of names, each checked (``check`` returns its canonical form)."""
    if isinstance(values, str):
        values = [values]
    try:
        values = list(values)
    except TypeError:
        raise TypeError(f"{what} must be a name or a list of names, got {values!r}.") from None
    if not values:
        raise ValueError(f"{what}: give at least one.")
    values = [check(value) for value in values]
    if len(set(values)) != len(values):
        raise ValueError(f"{what} lists a value twice: {values}.")
    return values


def _check_loss(loss):
    if not isinstance(loss, str) or loss not in LOSSES:
        raise ValueError(f"Unknown loss {loss!r}; valid losses are "
                         f"{', '.join(repr(n) for n in LOSSES)}.")
    return loss


def _check_random_state(random_state):
    if random_state is None or isinstance(random_state, np.random.RandomState):
        return random_state
    if isinstance(random_state, Integral) and not isinstance(random_state, bool) \
            and 0 <= random_state < 2 ** 32:
        return int(random_state)
    raise ValueError(f"random_state must be None, an int in 0..2**32 - 1 or a "
                     f"numpy.random.RandomState, got {random_state!r}.")


def _check_flag(value, name):
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {value!r}.")
    return bool(value)


def _check_images(X, name):
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


def _check_labels(y, name):
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


def _label(value, class_names=None):
    """A class for a message: its name, or its label without numpy's ``np.int64(...)``."""
    value = value.item() if isinstance(value, np.generic) else value
    return repr(class_names[value]) if class_names is not None else repr(value)


def _stratified_split(X, y, test_size, random_state, class_names=None):
    """``train_test_split`` stratified by ``y``, with errors naming the class and the sizes.

    ``class_names`` (indexed by the labels ``y``) names the classes in the messages.
    """
    labels, counts = np.unique(y, return_counts=True)
    if counts.min() < 2:
        raise ValueError(f"class {_label(labels[np.argmin(counts)], class_names)} has only 1 "
                         "image; holding out test images stratified by class needs at least 2 "
                         "images of every class.")
    n = len(y)
    # train_test_split's rounding: ceil for the test part, the rest for training.
    n_test = math.ceil(test_size * n) if isinstance(test_size, float) else int(test_size)
    if min(n_test, n - n_test) < len(labels):
        raise ValueError(f"test_size={test_size} holds out {n_test} of {n} images and leaves "
                         f"{n - n_test} for training; a split stratified by class needs at "
                         f"least one image of each of the {len(labels)} classes on both sides.")
    X, X_test, y, y_test = train_test_split(X, y, test_size=test_size, stratify=y,
                                            random_state=random_state)
    return X, y, X_test, y_test


def _split_test(X, y, test, test_size, random_state):
    if test is not None:
        if test_size is not None:
            raise ValueError("Give either test=(X_test, y_test) or test_size, not both.")
        if not (isinstance(test, (tuple, list)) and len(test) == 2):
            raise ValueError("test must be a pair (X_test, y_test).")
        X_test, y_test = _check_images(test[0], "X_test"), _check_labels(test[1], "y_test")
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
        raise ValueError(f"test_size must be a fraction in (0, 1) or a count in 1..n-1, "
                         f"got {test_size!r}.")
    # numpy scalars as plain Python numbers: train_test_split refuses np.float32.
    test_size = int(test_size) if isinstance(test_size, Integral) else float(test_size)
    return _stratified_split(X, y, test_size, random_state)


def _check_folds(cv, y, random_state, class_names=None):
    """``cv`` as a splitter; an int must not exceed the images of the smallest class.

    An iterable of splits (a generator is used up by one grid search) is
    materialized once, as scikit-learn's ``check_cv`` does, so every feature
    set and loss is searched over the same splits.
    """
    if isinstance(cv, bool) or (cv is not None and not isinstance(cv, Integral)
                                and not hasattr(cv, "split") and not hasattr(cv, "__iter__")):
        raise ValueError(f"cv must be a number of folds (>= 2), a cross-validation splitter "
                         f"or an iterable of (train, test) index pairs, got {cv!r}.")
    if not isinstance(cv, Integral):
        cv = check_cv(cv, y, classifier=True)
        if cv.get_n_splits() < 1:
            raise ValueError("cv holds no (train, test) split.")
        return cv
    if cv < 2:
        raise ValueError(f"cv must be at least 2 folds, got {cv}.")
    labels, counts = np.unique(y, return_counts=True)
    if counts.min() < cv:
        smallest = _label(labels[np.argmin(counts)], class_names)
        raise ValueError(f"cv={cv} folds need at least {cv} training images of every class "
                         f"(each fold validates on one of them), but class {smallest} has "
                         f"{counts.min()}; lower cv or give more images.")
    return StratifiedKFold(int(cv), shuffle=True, random_state=random_state)


def _smallest_fit(cv, n):
    """Images in the smallest training part of ``cv`` over ``n`` images (roughly)."""
    try:
        k = cv.get_n_splits()
    except (AttributeError, TypeError, ValueError):
        return n
    return n - math.ceil(n / k) if k and k > 1 else n


def _probe_features(spec, params, X, n_fit, shape):
    """Run our extractors of ``spec`` on two images: bad settings and sizes fail here.

    The bag of words is not fitted (k-means is the long work): its settings
    and the image size go through the checks its ``fit`` starts with, and its
    ``n_words`` is checked against the patch positions of ``n_fit`` images
    (the smallest cross-validation training part).  So a bad setting, or
    images too small for HOG cells or patches, fail before any long work.
    ``shape`` is the user's ``X``'s, for the messages.
    """
    step = feature_step(spec, params)
    parts = step.transformer_list if isinstance(step, FeatureUnion) else [(spec, step)]
    for name, extractor in parts:
        if not isinstance(extractor, (RawPixels, HOG, ColorHistogram, BagOfVisualWords)):
            continue                      # someone else's transformer: not ours to probe
        if X.ndim == 2 and extractor.image_shape is None:
            # the probe's own message would show its 2 rows, not the user's X
            raise ValueError(
                f"{name}: X has shape {shape}, flattened images (or a table), and "
                f"{type(extractor).__name__} needs their shape: pass feature_params="
                f"{{'{name}': {{'image_shape': (height, width, channels)}}}}, or X as "
                "(n, height, width[, channels]).")
        if not isinstance(extractor, BagOfVisualWords):
            clone(extractor).fit(X[:2]).transform(X[:2])
            continue
        extractor._validate_params()
        images = extractor._validated(X[:2])
        extractor._check_size(images.shape[1:], extractor._levels())
        rows, cols = patch_grid(images.shape[1:3], extractor.patch_size)
        available = min(extractor.n_patches, n_fit * rows * cols)
        if extractor.n_words > available:
            raise ValueError(
                f"{name}: n_words={extractor.n_words} needs a patch per word, but a "
                f"cross-validation training part of {n_fit} images of "
                f"{images.shape[1]}x{images.shape[2]} pixels gives {available} patches "
                f"(n_patches={extractor.n_patches}); lower n_words (--words) or give more "
                "images.")


def _checked_inputs(X, y, features, losses, alphas, *, cv, test, test_size, n_jobs,
                    random_state, memory, feature_params, classifier_params,
                    class_names=None):
    """Every check of :func:`compare`, before any feature is computed.

    ``class_names`` (indexed by the labels) names classes in the messages.

    Returns a dict of the checked inputs: ``features`` (canonical specs),
    ``losses``, ``alphas``, ``cv`` (a splitter), ``random_state``,
    ``params`` (feature spec -> feature_params, the bag of words seeded),
    ``classifier_params`` and the split ``X_train, y_train, X_test, y_test``.
    """
    features = _check_names(features, "features", lambda f: "+".join(feature_names(f)))
    losses = _check_names(losses, "losses", _check_loss)
    alphas = _check_alphas(alphas)
    random_state = _check_random_state(random_state)
    if n_jobs is not None and (isinstance(n_jobs, bool) or not isinstance(n_jobs, Integral)
                               or n_jobs == 0):
        raise ValueError(f"n_jobs must be None, a positive count or negative (-1: every "
                         f"core), got {n_jobs!r}.")
    if memory is not None:
        _check_memory_folder(memory)
    feature_params = _check_feature_params(feature_params)
    used = {name for spec in features for name in feature_names(spec)}
    stray = sorted(set(feature_params) - used)
    if stray:
        raise ValueError(f"feature_params names {stray}, which none of the features "
                         f"{features} uses.")
    if classifier_params is not None and not isinstance(classifier_params, Mapping):
        raise TypeError(f"classifier_params must be a dict of classifier settings, e.g. "
                        f"{{'max_iter': 10}}, got {classifier_params!r}.")
    classifier_params = dict(classifier_params or {})
    if "alpha" in classifier_params:
        raise ValueError("classifier_params sets 'alpha', which compare searches over: give "
                         "the values as alphas=[...].")
    classifier_params.setdefault("random_state", random_state)
    for loss in losses:                     # settings the classifier would refuse at fit
        classifier = _classifier(loss, classifier_params)
        classifier._validate_params()
        classifier._check_optimizer_fits(classifier._resolved_optimizer())
    params = {}
    for spec in features:
        params[spec] = {k: dict(v) for k, v in feature_params.items()
                        if k in feature_names(spec)}
        if "bovw" in feature_names(spec) and random_state is not None:
            # Seed the k-means dictionary too, so that a seeded comparison repeats.
            params[spec].setdefault("bovw", {}).setdefault("random_state", random_state)
        feature_step(spec, params[spec])

    X = _check_images(X, "X")
    y = _check_labels(y, "y")
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} images but y has {len(y)} labels.")
    if len(y) == 0:
        raise ValueError("X holds no images.")
    if len(np.unique(y)) < 2:
        raise ValueError(f"y holds a single class ({_label(y[0])}); a classifier needs at least "
                         "2.")
    X_train, y_train, X_test, y_test = _split_test(X, y, test, test_size, random_state)
    cv = _check_folds(cv, y_train, random_state, class_names)
    n_fit = _smallest_fit(cv, len(y_train))
    for spec in features:
        _probe_features(spec, params[spec], X_train, n_fit, X.shape)
    return dict(features=features, losses=losses, alphas=alphas, cv=cv, params=params,
                random_state=random_state, classifier_params=classifier_params,
                X_train=X_train, y_train=y_train, X_test=X_test, y_test=y_test)


def _progress(total, verbose, desc):
    from tqdm.auto import tqdm
    return tqdm(total=total, disable=not verbose, desc=desc, leave=False, file=sys.stderr)


def compare(X, y, features=("raw", "hog+color"), losses=("hinge", "softmax"),
            alphas=DEFAULT_ALPHAS, *, cv=3, test=None, test_size=None, n_jobs=None,
            random_state=0, memory=None, feature_params=None, classifier_params=None,
            verbose=False, as_frame=False, return_estimators=False):
    """Grid-search ``alpha`` for each feature set and loss; refit; score on test data.

    For every feature set, each cross-validation split's features are
    computed once (:class:`CachedFeatures`) and shared by all the ``alpha``
    candidates and all the losses.  The best ``alpha`` of each pair is then
    refit on all the training data and scored on the test data.

    Parameters
    ----------
    X : array-like of images, shape (n, H, W[, C]) or flattened
        As every transformer of :mod:`features` accepts them.
    y : array-like of shape (n,)
    features : sequence of str, default=('raw', 'hog+color')
        Feature specs for :func:`make_pipeline` (rows name them without
        spaces: ``'hog + color'`` is ``'hog+color'``).
    losses : sequence of str, default=('hinge', 'softmax')
    alphas : sequence of float, default=(1e-2, 1e-1, 1.0, 10.0, 100.0)
        Distinct positive regularization strengths to search.
    cv : int or cross-validation splitter, default=3
        An int means that many stratified, shuffled folds (seeded by
        ``random_state``, so every feature set sees the same splits); every
        class needs at least that many training images.
    test : (X_test, y_test), optional
        Held-out data; without it ``test_size`` of ``X`` is held out.
    test_size : float or int, default=None
        Fraction (or count) held out, stratified, when ``test`` is None
        (0.2 then).
    n_jobs : int, default=None
        Parallel fits of the grid search, under the active joblib backend
        (e.g. ``joblib.parallel_backend('dask')``).
    random_state : int, RandomState or None, default=0
        Seeds the splits, the classifiers and the bag-of-words dictionary
        (unless ``feature_params`` sets its ``random_state``).
    memory : str, path or joblib.Memory, default=None
        The feature cache; None uses a temporary folder removed at the end.
        On a cluster, give a folder every worker can read.
    feature_params : dict of str -> dict, optional
        Settings per feature name (see :func:`make_pipeline`).
    classifier_params : dict, optional
        Settings for every classifier (``optimizer``, ``max_iter``, ...).
    verbose : bool, default=False
        Show progress bars.
    as_frame : bool, default=False
        Return a pandas DataFrame instead of a list of dicts.
    return_estimators : bool, default=False
        Also return a dict ``(features, loss) -> fitted Pipeline``.

    Returns
    -------
    table : list of dict or pandas.DataFrame
        One row per feature set and loss: ``features``, ``loss``,
        ``best_alpha``, ``cv_score`` (mean accuracy at the best alpha),
        ``test_accuracy``, ``feature_seconds`` (features of all training and
        test images), ``fit_seconds`` (scaler and classifier at the best
        alpha), ``search_seconds`` (the whole grid search), ``n_features``,
        and ``alphas`` / ``cv_scores`` (the search curve).
    estimators : dict, only with ``return_estimators=True``

    Raises
    ------
    ValueError, TypeError
        Before any feature is computed: unknown names, settings a feature
        extractor or classifier would refuse (``classifier_params`` may not
        set ``alpha``), ``feature_params`` for a feature not compared, images
        too small for HOG cells or bag-of-words patches, a ``n_words`` above
        the patches of a cross-validation training part, fewer images of a
        class than ``cv`` folds or than a stratified test split needs, test
        images of another shape or labels the training labels never have.
    ImportError
        ``as_frame=True`` without pandas.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> X, y = load_digits(return_X_y=True)
    >>> images = (X.reshape(-1, 8, 8) * 15).astype("uint8")      # 0..16 -> 0..240
    >>> rows = compare(images, y, features=["raw"], losses=["softmax"],
    ...                alphas=[1e-3, 1e-2], cv=2)
    >>> rows[0]["features"], rows[0]["test_accuracy"] > 0.9
    ('raw', True)
    """
    verbose = _check_flag(verbose, "verbose")
    as_frame = _check_flag(as_frame, "as_frame")
    return_estimators = _check_flag(return_estimators, "return_estimators")
    if as_frame:
        try:                        # now, not after the whole comparison
            import pandas as pd
        except ImportError:
            raise ImportError("as_frame=True needs pandas (pip install pandas); without it, "
                              "compare returns a list of dicts (as_frame=False).") from None
    checked = _checked_inputs(X, y, features, losses, alphas, cv=cv, test=test,
                              test_size=test_size, n_jobs=n_jobs, random_state=random_state,
                              memory=memory, feature_params=feature_params,
                              classifier_params=classifier_params)
    features, losses, alphas, cv = (checked[k] for k in ("features", "losses", "alphas", "cv"))
    classifier_params = checked["classifier_params"]
    X_train, y_train, X_test, y_test = (checked[k] for k in ("X_train", "y_train", "X_test",
                                                             "y_test"))

    rows, estimators = [], {}
    with tempfile.TemporaryDirectory(prefix="pipeline-cache-") as scratch:
        cache = _memory(scratch if memory is None else memory)
        bar = _progress(len(features) * (2 * len(losses) + 1), verbose, "compare")
        for feature in features:
            params = checked["params"][feature]
            for loss in losses:
                bar.set_description(f"{feature} / {loss}: grid search")
                pipe = make_pipeline(feature, loss, memory=cache, feature_params=params,
                                     **classifier_params)
                search = GridSearchCV(pipe, {"classifier__alpha": alphas}, cv=cv,
                                      n_jobs=n_jobs, refit=False, error_score="raise")
                tic = time.perf_counter()
                search.fit(X_train, y_train)
                rows.append({
                    "features": feature, "loss": loss,
                    "best_alpha": float(search.best_params_["classifier__alpha"]),
                    "cv_score": float(search.best_score_),
                    "search_seconds": time.perf_counter() - tic,
                    "alphas": list(alphas),
                    "cv_scores": [float(s) for s in search.cv_results_["mean_test_score"]],
                })
                bar.update()
            bar.set_description(f"{feature}: features of all training and test images")
            extractor = feature_step(feature, params)
            tic = time.perf_counter()
            F_train = extractor.fit_transform(X_train, y_train)
            F_test = extractor.transform(X_test)
            feature_seconds = time.perf_counter() - tic
            bar.update()
            for row in rows[-len(losses):]:
                bar.set_description(f"{feature} / {row['loss']}: refit")
                head = make_pipeline("raw", row["loss"], alpha=row["best_alpha"],
                                     **classifier_params).steps[1:]
                tail = Pipeline(head)
                tic = time.perf_counter()
                tail.fit(F_train, y_train)
                fit_seconds = time.perf_counter() - tic
                row.update(test_accuracy=float(tail.score(F_test, y_test)),
                           feature_seconds=feature_seconds, fit_seconds=fit_seconds,
                           n_features=int(F_train.shape[1]))
                estimators[feature, row["loss"]] = Pipeline([("features", extractor)] + head)
                bar.update()
        bar.close()
    order = ["features", "loss", "best_alpha", "cv_score", "test_accuracy", "feature_seconds",
             "fit_seconds", "search_seconds", "n_features", "alphas", "cv_scores"]
    rows = [{key: row[key] for key in order} for row in rows]
    table = rows
    if as_frame:
        table = pd.DataFrame(rows, columns=order)
    return (table, estimators) if return_estimators else table


# ----------------------------------------------------------------------------
# Data for the command line
# ----------------------------------------------------------------------------

def _subsample(X, y, n, seed, what="n"):
    """At most ``n`` rows, stratified by class, in a fixed order.

    ``what`` names ``n`` in the error raised when ``n`` is below the number
    of classes (e.g. ``'--max-train'``).
    """
    if n is None or n >= len(y):
        return X, y
    labels, codes, counts = np.unique(y, return_inverse=True, return_counts=True)
    if n < len(labels):
        raise ValueError(f"{what}={n} is fewer than the {len(labels)} classes; a subset "
                         "stratified by class needs at least one image of each.")
    keep = None
    if counts.min() >= 2 and len(y) - n >= len(labels):
        keep, _ = train_test_split(np.arange(len(y)), train_size=n, stratify=y,
                                   random_state=seed)
        if len(np.unique(codes[keep])) < len(labels):
            keep = None        # its rounding dropped a small class: share by hand
    if keep is None:
        # train_test_split stratifies neither a class of one image nor a left-out
        # part smaller than the number of classes, and may round a small class
        # away: share n out by hand, in proportion to the classes (largest
        # remainders), one image at least each.
        quota = counts * (n / len(y))
        take = np.maximum(np.floor(quota).astype(int), 1)
        while take.sum() > n:
            take[np.argmax(np.where(take > 1, take - quota, -np.inf))] -= 1
        while take.sum() < n:
            take[np.argmax(np.where(take < counts, quota - take, -np.inf))] += 1
        rng = np.random.default_rng(seed)
        keep = np.concatenate([rng.choice(np.flatnonzero(codes == k), take[k], replace=False)
                               for k in range(len(labels))])
    keep = np.sort(keep)
    return X[keep], y[keep]


def load_dataset(dataset, *, test_size=0.2, seed=0, progress=True, image_size=None,
                 on_error="raise", max_pixels=None):
    """Training and test images of ``dataset`` for the command line.

    Parameters
    ----------
    dataset : str
        ``'cifar10'`` (downloaded once with :func:`features.fetch_cifar10`
        and cached), a CIFAR-10 python folder or a folder with
        ``train/<class>/`` and ``test/<class>/`` (its own test part), or an
        image folder ``<class>/<image>`` (split with ``test_size``; a folder
        holding only ``train/`` is that image folder).
    test_size : float, default=0.2
    seed : int, default=0
    progress : bool, default=True
    image_size : (int, int), optional
        ``(height, width)`` to resize the images of an image folder to
        (:func:`features.load_image_folder`); not for CIFAR-10.
    on_error : {'raise', 'skip'}, default='raise'
        What to do with an unreadable file of an image folder.
    max_pixels : int, optional
        Refuse the images of an image folder larger than this (height x
        width) without ``image_size`` (see :func:`features.load_image_folder`).

    Returns
    -------
    X_train, y_train, X_test, y_test, class_names

    Raises
    ------
    FileNotFoundError, NotADirectoryError
        ``dataset`` is neither ``'cifar10'`` nor a folder.
    ValueError
        An unreadable or empty data set, fewer than 2 classes, a class of a
        single image (no stratified split), train and test classes that
        differ, or ``image_size`` for CIFAR-10.
    """
    from features import fetch_cifar10, load_cifar10, load_image_folder

    path = Path(dataset)
    cifar_python = dataset != "cifar10" and (path / "batches.meta").is_file()
    if image_size is not None and (dataset == "cifar10" or cifar_python):
        raise ValueError(f"image_size resizes the images of an image folder; {dataset} is "
                         "CIFAR-10, whose images are all 32x32.")
    if dataset == "cifar10":
        X, y, names = fetch_cifar10(subset="train", progress=progress)
        X_test, y_test, _ = fetch_cifar10(subset="test", progress=progress)
        return X, y, X_test, y_test, names
    if path.exists() and not path.is_dir():
        raise NotADirectoryError(f"{dataset} is a file, not a folder; give 'cifar10' or a "
                                 "folder of images, <class>/<image> (or train/ and test/ "
                                 "inside, or the CIFAR-10 python version).")
    if not path.is_dir():
        raise FileNotFoundError(f"{dataset}: no such folder; give 'cifar10' or a "
                                "folder of images, <class>/<image> (or train/ and test/ "
                                "inside, or the CIFAR-10 python version).")

    def load(folder):
        return load_image_folder(folder, image_size=image_size, on_error=on_error,
                                 max_pixels=max_pixels)

    if cifar_python:
        X, y, names = load_cifar10(path, "train")
        X_test, y_test, _ = load_cifar10(path, "test")
        return X, y, X_test, y_test, names
    if (path / "train").is_dir() and (path / "test").is_dir():
        X, y, names = load(path / "train")
        X_test, y_test, test_names = load(path / "test")
        if test_names != names:
            raise ValueError(f"{path}: the classes of train/ {names} and test/ {test_names} "
                             "differ.")
        if X_test.shape[1:] != X.shape[1:]:
            raise ValueError(f"{path}: the images of train/ are {X.shape[2]}x{X.shape[1]} "
                             f"pixels but those of test/ {X_test.shape[2]}x{X_test.shape[1]}; "
                             "pass image_size=(height, width) to resize every image to one "
                             "size.")
        return X, y, X_test, y_test, names
    if (path / "train").is_dir():
        path = path / "train"          # e.g. ../shared/data/cifar10: no test part
    X, y, names = load(path)
    if len(names) < 2:
        raise ValueError(f"{path}: found {len(names)} class folder(s) {names}; a classifier "
                         "needs at least 2 (one sub-folder per class).")
    X, y, X_test, y_test = _stratified_split(X, y, test_size, seed, names)
    return X, y, X_test, y_test, names


def text_table(rows):
    """The comparison table as aligned plain text, for the terminal."""
    head = ["features", "loss", "best alpha", "CV acc", "test acc", "feature s", "fit s",
            "search s"]
    body = [[r["features"], r["loss"], f"{r['best_alpha']:g}", f"{r['cv_score']:.4f}",
             f"{r['test_accuracy']:.4f}", f"{r['feature_seconds']:.1f}",
             f"{r['fit_seconds']:.1f}", f"{r['search_seconds']:.1f}"] for r in rows]
    widths = [max(len(str(c)) for c in col) for col in zip(head, *body)]
    return "\n".join("  ".join(str(c).ljust(w) for c, w in zip(line, widths))
                     for line in [head] + body)


# ----------------------------------------------------------------------------
# The command line
# ----------------------------------------------------------------------------

REPORT_FILES = {"report.md", "results.json", "alpha_curve.png", "confusion.png",
                "optimizers.png", "hog.png", "templates.png", "dictionary.png"}


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter,
                     argparse.RawDescriptionHelpFormatter):
    """Defaults shown where there is one to show (not None or an unset flag); epilog as written."""

    def _get_help_string(self, action):
        if action.default is None or action.default is False:
            return action.help
        if isinstance(action.default, list):        # as typed: raw hog+color bovw
            return f"{action.help} (default: {' '.join(map(str, action.default))})"
        return super()._get_help_string(action)


_EPILOG = """\
The report (report.md, results.json, alpha_curve.png, confusion.png,
optimizers.png, hog.png, templates.png, and dictionary.png with bovw) is
written into a hidden folder beside --out and renamed into place when
complete: a failed or interrupted run leaves --out as it was.

exit codes:
  0    done
  1    the run failed (e.g. CIFAR-10 could not be downloaded)
  2    usage error, found before any long work: a bad option, an unusable
       --dataset or --out, or data too small for the settings
  130  interrupted (Ctrl-C; 143 for SIGTERM)

examples:
  python pipeline.py
  python pipeline.py --max-train 0 --max-test 0          # all CIFAR-10 images
  python pipeline.py --dataset photos --image-size 64 64 --features hog+color \\
      --loss hinge softmax --out photos-report
"""


#: Dictionary size of the command line's bag of words unless --words says
#: otherwise: a quarter of the library's 1600, for a run of a few minutes.
QUICK_WORDS = 400

#: Patches per training image the command line gives k-means (up to the
#: default ``n_patches`` of :class:`features.BagOfVisualWords`).
PATCHES_PER_IMAGE = 25

#: Largest images (height x width) the command line loads without
#: --image-size: every image is held in memory, and a folder of full-size
#: photographs (12 MP: 36 MB each, 48 MB of raw features per image in
#: float32) does not fit.
MAX_PIXELS = 1024 * 1024


def _parser():
    parser = argparse.ArgumentParser(
        prog="python pipeline.py",
        description="Compare raw pixels and image features with linear classifiers: a grid\n"
                    "search over alpha per feature set and loss, then a report (report.md,\n"
                    "results.json, plots) in --out.",
        epilog=_EPILOG, formatter_class=_HelpFormatter)
    parser.add_argument("--dataset", default="cifar10", metavar="cifar10|PATH",
                        help="'cifar10' (downloaded once, 170 MB, and cached in "
                             "~/scikit_learn_data), or a folder: <class>/<image> images, "
                             "train/ and test/ image folders, or the CIFAR-10 python version "
                             "(a local folder named cifar10: write ./cifar10)")
    parser.add_argument("--features", nargs="+", default=["raw", "hog+color", "bovw"],
                        metavar="SPEC",
                        help=f"feature sets: {', '.join(FEATURES)}, or unions joined by '+'")
    parser.add_argument("--loss", nargs="+", default=["hinge"], dest="losses",
                        metavar="LOSS", help=f"losses: {', '.join(LOSSES)}")
    parser.add_argument("--optimizer", default=None, metavar="NAME",
                        help=f"classifier optimizer: auto, {', '.join(OPTIMIZERS)} "
                             "(default: auto, the exact solver, for the hinge losses, "
                             "lbfgs for softmax)")
    parser.add_argument("--max-iter", type=int, default=None, metavar="N",
                        help="classifier epochs (lbfgs: iterations) (default: the "
                             "classifier's own budget)")
    parser.add_argument("--alphas", nargs="+", type=float, default=list(DEFAULT_ALPHAS),
                        metavar="ALPHA",
                        help="regularization strengths to search (distinct, positive)")
    parser.add_argument("--cv", type=int, default=3, metavar="K",
                        help="cross-validation folds (at least 2; every class needs K "
                             "training images)")
    parser.add_argument("--max-train", type=int, default=4000, metavar="N",
                        help="use at most this many training images (stratified); 0 for all")
    parser.add_argument("--max-test", type=int, default=2000, metavar="N",
                        help="score on at most this many test images; 0 for all")
    parser.add_argument("--test-size", type=float, default=0.2, metavar="FRACTION",
                        help="fraction held out for testing when the dataset has no test part")
    parser.add_argument("--image-size", type=int, nargs=2, default=None,
                        metavar=("HEIGHT", "WIDTH"),
                        help="resize the images of an image folder to this size (needed "
                             "when they differ in size)")
    parser.add_argument("--skip-unreadable", action="store_true",
                        help="skip files of an image folder that are not readable images "
                             "(default: stop and name the file)")
    parser.add_argument("--words", type=int, default=None, metavar="N",
                        help="bag-of-visual-words dictionary size, with bovw in --features "
                             f"(default: {QUICK_WORDS}, so the default run stays short; "
                             "1600 is BagOfVisualWords' default and its best); its k-means "
                             "learns "
                             f"from {PATCHES_PER_IMAGE} patches per training image, at most "
                             f"{BagOfVisualWords().n_patches:,}")
    parser.add_argument("--n-jobs", type=int, default=1, metavar="N",
                        help="parallel fits of the grid search (-1: all cores)")
    parser.add_argument("--seed", type=int, default=0, metavar="N",
                        help="seeds splits, subsets, training and the bag-of-words "
                             "dictionary (0 .. 2**32 - 1)")
    parser.add_argument("--out", default="report", metavar="DIR",
                        help="report folder: new, empty, or an earlier report (replaced "
                             "atomically); not the current folder")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    return parser


def _check_args(parser, args):
    """Every usage error, before any long work (exit code 2)."""
    try:
        args.features = _check_names(args.features, "--features",
                                     lambda spec: "+".join(feature_names(spec)))
        _check_names(args.losses, "--loss", _check_loss)
        _check_alphas(args.alphas)
        if args.optimizer is not None and args.optimizer not in {"auto", *OPTIMIZERS}:
            raise ValueError(f"Unknown optimizer {args.optimizer!r}; valid optimizers are "
                             f"auto, {', '.join(OPTIMIZERS)}.")
        if args.optimizer is not None:
            for loss in args.losses:
                classifier = _classifier(loss, {"optimizer": args.optimizer})
                classifier._check_optimizer_fits(classifier._resolved_optimizer())
    except ValueError as error:
        parser.error(str(error))
    if args.cv < 2:
        parser.error(f"--cv must be at least 2, got {args.cv}.")
    for name in ("max_train", "max_test"):
        if getattr(args, name) < 0:
            parser.error(f"--{name.replace('_', '-')} must be 0 (all) or positive, got "
                         f"{getattr(args, name)}.")
    if not 0 < args.test_size < 1:
        parser.error(f"--test-size must be a fraction in (0, 1), got {args.test_size}.")
    if args.max_iter is not None and args.max_iter < 1:
        parser.error(f"--max-iter must be positive, got {args.max_iter}.")
    if args.words is not None and args.words < 1:
        parser.error(f"--words must be positive, got {args.words}.")
    if args.words is not None and not any("bovw" in feature_names(spec)
                                          for spec in args.features):
        parser.error(f"--words sets the bag-of-words dictionary, but --features "
                     f"{' '.join(args.features)} has no bovw; add bovw or drop --words.")
    if args.n_jobs == 0:
        parser.error("--n-jobs must be a positive count or negative (-1: all cores), not 0.")
    if not 0 <= args.seed < 2 ** 32:
        parser.error(f"--seed must be in 0 .. 2**32 - 1 (4294967295), got {args.seed}.")
    if args.image_size is not None:
        if min(args.image_size) < 1:
            parser.error(f"--image-size must be two positive sizes HEIGHT WIDTH, got "
                         f"{' '.join(map(str, args.image_size))}.")
        if args.dataset == "cifar10":
            parser.error("--image-size resizes the images of an image folder (--dataset "
                         "PATH); CIFAR-10's are all 32x32.")
    if not args.dataset.strip():
        parser.error("--dataset must be 'cifar10' or a folder of images, got an empty "
                     "string.")
    if args.dataset != "cifar10":
        path = Path(args.dataset)
        if path.exists() and not path.is_dir():
            parser.error(f"--dataset {args.dataset} is a file, not a folder; give 'cifar10' "
                         "or a folder of images (<class>/<image>).")
        if not path.is_dir():
            parser.error(f"--dataset {args.dataset}: no such folder; give 'cifar10' or a "
                         "folder of images (<class>/<image>).")


def _staging_folder(parser, out, dataset):
    """A fresh folder beside ``out`` to write the report into (checks ``out`` is usable)."""
    given = out
    if not str(out).strip():
        parser.error("--out must name a folder, got an empty string.")
    try:
        return _make_staging_folder(parser, given, dataset)
    except OSError as error:           # a name too long, a full disk, ...
        parser.error(f"--out {given}: cannot write there ({error.strerror or error}).")


def _make_staging_folder(parser, given, dataset):
    # Absolute, so that '.', '..' or 'a/..' name a real folder with a parent to rename in.
    out = Path(os.path.abspath(given))
    if out.is_symlink():
        parser.error(f"--out {given} is a symbolic link; the report replaces the whole "
                     "folder, so give the folder itself.")
    # Compared with every link resolved: a path through a link into --dataset
    # (or above the current folder) is that folder.
    real = Path(os.path.realpath(out))
    cwd = Path(os.path.realpath(Path.cwd()))
    if real == cwd or real in cwd.parents:
        parser.error(f"--out {given} is the current folder or holds it, and the report "
                     "replaces the whole --out folder; give a new sub-folder such as "
                     "'report'.")
    if dataset != "cifar10":
        data = Path(os.path.realpath(dataset))
        if real == data or data in real.parents:
            parser.error(f"--out {given} is inside --dataset {dataset}, so the report would "
                         "become part of the data set; give a folder outside it.")
    if out.exists():
        if not out.is_dir():
            parser.error(f"--out {given} exists and is not a folder.")
        # Only the files a report writes may be there, as plain files: the
        # whole folder is replaced.
        foreign = sorted(p.name + ("/" if p.is_dir() else "") for p in out.iterdir()
                         if p.name not in REPORT_FILES or p.is_symlink() or not p.is_file())
        if foreign:
            parser.error(f"--out {given} holds files that are not part of a report "
                         f"({', '.join(foreign[:3])}{', ...' if len(foreign) > 3 else ''}); "
                         "it would be replaced: give a new or empty folder.")
        # Moving a folder to another parent rewrites its '..': it must be writable.
        if not os.access(out, os.W_OK | os.X_OK):
            parser.error(f"--out {given}: cannot replace it (no write permission on it).")
    out.parent.mkdir(parents=True, exist_ok=True)
    if not out.exists():
        # the report is renamed to this name at the very end: make sure it can be
        # (a name too long for the file system would fail only after all the work)
        out.mkdir()
        out.rmdir()
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name[:64]}-", dir=out.parent))
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(staging, 0o777 & ~umask)     # mkdtemp's 0700 is not a report's mode
    return staging


def _publish(staging, out):
    """Move the finished report into place, replacing an older one.

    Interrupted between the two renames, the older report is put back.
    """
    out = Path(os.path.abspath(out))
    old = None
    if out.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{out.name[:64]}-old-", dir=out.parent))
        os.replace(out, old / out.name)
    try:
        os.replace(staging, out)
    except BaseException:
        if old is not None:
            os.replace(old / out.name, out)
        raise
    finally:
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)


def _exit_on_sigterm():
    """Make SIGTERM raise ``SystemExit(143)``, so that cleanup runs; returns the undo.

    Python's default SIGTERM ends the process at once, which would leave the
    hidden staging folder beside ``--out``.  Signal handlers can only be set
    from the main thread; elsewhere this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    previous = signal.getsignal(signal.SIGTERM)

    def terminate(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, terminate)
    return lambda: signal.signal(signal.SIGTERM,
                                 signal.SIG_DFL if previous is None else previous)


def _command_line_hint(message):
    """A loader's message with its Python arguments named as the command line's options."""
    return (message.replace("pass image_size=(height, width)", "pass --image-size HEIGHT WIDTH")
            .replace("pass on_error='skip'", "pass --skip-unreadable"))


def main(argv=None):
    """Run the comparison and write the report; returns the exit code."""
    import report          # imports this module: loaded here, not at the top

    parser = _parser()
    args = parser.parse_args(argv)
    _check_args(parser, args)
    staging = _staging_folder(parser, args.out, args.dataset)
    verbose = not args.quiet
    restore_sigterm = _exit_on_sigterm()
    try:
        try:
            X, y, X_test, y_test, names = load_dataset(
                args.dataset, test_size=args.test_size, seed=args.seed, progress=verbose,
                image_size=None if args.image_size is None else tuple(args.image_size),
                on_error="skip" if args.skip_unreadable else "raise", max_pixels=MAX_PIXELS)
        except Exception as error:
            if args.dataset != "cifar10":   # an unusable folder is a usage error
                if not isinstance(error, (ValueError, OSError)):
                    raise
                print(f"error: --dataset {args.dataset}: {_command_line_hint(str(error))}",
                      file=sys.stderr)
                return 2
            # No network, a proxy, a full disk, a corrupt download, ...
            print(f"error: could not fetch CIFAR-10 ({type(error).__name__}: {error}).\n"
                  "Without network, use --dataset PATH with a folder of images "
                  "(<class>/<image>) or the extracted CIFAR-10 python version.",
                  file=sys.stderr)
            return 1
        classifier_params = {"optimizer": args.optimizer, "max_iter": args.max_iter}
        classifier_params = {k: v for k, v in classifier_params.items() if v is not None}
        feature_params = {}
        if any("bovw" in feature_names(spec) for spec in args.features):
            feature_params["bovw"] = {"n_words": args.words or QUICK_WORDS, "verbose": 0}
        try:                                # data too small for the settings: exit 2 now
            X, y = _subsample(X, y, args.max_train or None, args.seed, "--max-train")
            X_test, y_test = _subsample(X_test, y_test, args.max_test or None, args.seed,
                                        "--max-test")
            if "bovw" in feature_params:
                # k-means is the long step of a small run: learn the words from
                # PATCHES_PER_IMAGE patches per training image, up to the default.
                feature_params["bovw"]["n_patches"] = min(
                    BagOfVisualWords().n_patches, PATCHES_PER_IMAGE * len(y))
            _checked_inputs(X, y, args.features, args.losses, args.alphas, cv=args.cv,
                            test=(X_test, y_test), test_size=None, n_jobs=args.n_jobs,
                            random_state=args.seed, memory=None,
                            feature_params=feature_params,
                            classifier_params=classifier_params, class_names=names)
        except ValueError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        settings = {"dataset": args.dataset, "features": args.features, "losses": args.losses,
                    "alphas": args.alphas, "cv": args.cv, "optimizer": args.optimizer,
                    "max_iter": args.max_iter,
                    "max_train": args.max_train, "max_test": args.max_test,
                    "image_size": args.image_size,
                    "words": feature_params.get("bovw", {}).get("n_words"),
                    "n_jobs": args.n_jobs, "seed": args.seed}
        tic = time.perf_counter()
        try:
            rows, estimators = compare(
                X, y, args.features, args.losses, args.alphas, cv=args.cv,
                test=(X_test, y_test), n_jobs=args.n_jobs, random_state=args.seed,
                feature_params=feature_params, classifier_params=classifier_params,
                verbose=verbose, return_estimators=True)
        except OSError as error:        # the feature cache in TMPDIR: a full disk, ...
            print(f"error: the feature cache in {tempfile.gettempdir()} could not be "
                  f"written ({error.strerror or error}); free some space there or set "
                  "TMPDIR to another folder.", file=sys.stderr)
            return 1
        settings["compare_seconds"] = round(time.perf_counter() - tic, 1)
        print(text_table(rows))
        try:
            report.write_report(staging, rows, estimators,
                                dict(X_train=X, y_train=y, X_test=X_test, y_test=y_test,
                                     class_names=names), settings, verbose=verbose)
            _publish(staging, args.out)
        except OSError as error:        # a full disk, a folder gone meanwhile, ...
            print(f"error: the report could not be written beside --out {args.out} "
                  f"({error.strerror or error}); --out is left as it was.", file=sys.stderr)
            return 1
        print(f"report: {report.printable(Path(args.out) / 'report.md')}")
        return 0
    except KeyboardInterrupt:
        print("\ninterrupted: no report written, --out left as it was.", file=sys.stderr)
        return 130
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        restore_sigterm()


if __name__ == "__main__":
    # Run through the importable module, so that pickled estimators (joblib
    # workers, the cache) refer to ``pipeline.CachedFeatures``, not ``__main__``.
    import pipeline
    sys.exit(pipeline.main())
