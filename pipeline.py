"""Build and compare image-classification pipelines; ``python pipeline.py`` runs the comparison.

The library half: :func:`make_pipeline` builds ``features -> StandardScaler ->
classifier`` from short names (``'raw'``, ``'hog'``, ``'color'``, ``'bovw'``
and unions such as ``'hog+color'``), and :func:`compare` grid-searches the
regularization strength of each feature set and loss with the features
computed once per cross-validation split (:class:`CachedFeatures`).

The command-line half (``python pipeline.py --help``) loads CIFAR-10 or an
image folder, runs :func:`compare`, and writes a report with plots
(:mod:`report`-like functions at the bottom of this module).
"""

import argparse
import json
import math
import os
import shutil
import sys
import tempfile
import time
import warnings
from numbers import Integral, Real
from pathlib import Path

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.metrics import confusion_matrix
from sklearn.model_selection import GridSearchCV, StratifiedKFold, train_test_split
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted, check_memory

from classifiers import LinearSVM, SoftmaxClassifier
from classifiers.optimizers import OPTIMIZERS
from features import HOG, BagOfVisualWords, ColorHistogram, RawPixels


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
                    "code, quadrant pooling"),
}

#: Loss names for :func:`make_pipeline`: name -> the classifier it builds.
LOSSES = {
    "hinge": lambda: LinearSVM(),
    "squared_hinge": lambda: LinearSVM(loss="squared_hinge"),
    "softmax": lambda: SoftmaxClassifier(),
}

DEFAULT_ALPHAS = (1e-4, 3e-4, 1e-3, 3e-3, 1e-2)


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
    feature_params = {} if feature_params is None else dict(feature_params)
    stray = sorted(set(feature_params) - set(names))
    if stray:
        raise ValueError(f"feature_params names {stray}, which {features!r} does not use.")
    steps = []
    for name in names:
        extractor = FEATURES[name][0]()
        extractor.set_params(**feature_params.get(name, {}))
        steps.append((name, extractor))
    return steps[0][1] if len(steps) == 1 else FeatureUnion(steps)


def _classifier(loss, classifier_params):
    if loss not in LOSSES:
        raise ValueError(f"Unknown loss {loss!r}; valid losses are "
                         f"{', '.join(repr(n) for n in LOSSES)}.")
    return LOSSES[loss]().set_params(**classifier_params)


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
        ``SoftmaxClassifier()``, with defaults that need no tuning.
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
        For an unknown feature or loss name (listing the valid ones) or an
        unknown classifier parameter.

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
        step = CachedFeatures(step, memory=memory)
    return Pipeline([("features", step), ("scale", StandardScaler()),
                     ("classifier", _classifier(loss, classifier_params))])


def _memory(memory):
    """``check_memory`` that also takes a ``pathlib.Path``."""
    return check_memory(os.fspath(memory) if isinstance(memory, os.PathLike) else memory)


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
        cached = _memory(self.memory).cache(_fit_transform)
        self.transformer_, Xt = cached(clone(self.transformer), X, y)
        self.n_features_in_ = getattr(self.transformer_, "n_features_in_", None)
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
    try:
        values = np.asarray(alphas, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"alphas must be a list of positive numbers, got {alphas!r}.") from None
    if values.ndim != 1 or values.size == 0:
        raise ValueError(f"alphas must be a non-empty list of positive numbers, got {alphas!r}.")
    if not (np.all(np.isfinite(values)) and np.all(values > 0)):
        raise ValueError(f"alphas must all be positive and finite (a log grid such as "
                         f"1e-4 ... 1e-2), got {values.tolist()}.")
    return [float(a) for a in values]


def _check_names(values, what, check):
    if isinstance(values, str):
        values = [values]
    values = list(values)
    if not values:
        raise ValueError(f"{what}: give at least one.")
    for value in values:
        check(value)
    if len(set(values)) != len(values):
        raise ValueError(f"{what} lists a value twice: {values}.")
    return values


def _check_loss(loss):
    if loss not in LOSSES:
        raise ValueError(f"Unknown loss {loss!r}; valid losses are "
                         f"{', '.join(repr(n) for n in LOSSES)}.")


def _split_test(X, y, test, test_size, random_state):
    if test is not None:
        if test_size is not None:
            raise ValueError("Give either test=(X_test, y_test) or test_size, not both.")
        if not (isinstance(test, (tuple, list)) and len(test) == 2):
            raise ValueError("test must be a pair (X_test, y_test).")
        X_test, y_test = np.asarray(test[0]), np.asarray(test[1])
        if len(X_test) != len(y_test) or len(X_test) == 0:
            raise ValueError(f"test: X_test has {len(X_test)} rows and y_test "
                             f"{len(y_test)}; they must match and be non-empty.")
        return X, y, X_test, y_test
    test_size = 0.2 if test_size is None else test_size
    if isinstance(test_size, bool) or not isinstance(test_size, Real) or not (
            (isinstance(test_size, Integral) and 0 < test_size < len(y))
            or (not isinstance(test_size, Integral) and 0 < test_size < 1)):
        raise ValueError(f"test_size must be a fraction in (0, 1) or a count in 1..n-1, "
                         f"got {test_size!r}.")
    X, X_test, y, y_test = train_test_split(X, y, test_size=test_size, stratify=y,
                                            random_state=random_state)
    return X, y, X_test, y_test


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
        Feature specs for :func:`make_pipeline`.
    losses : sequence of str, default=('hinge', 'softmax')
    alphas : sequence of float, default=(1e-4, 3e-4, 1e-3, 3e-3, 1e-2)
        Positive regularization strengths to search.
    cv : int or cross-validation splitter, default=3
        An int means that many stratified, shuffled folds (seeded by
        ``random_state``, so every feature set sees the same splits).
    test : (X_test, y_test), optional
        Held-out data; without it ``test_size`` of ``X`` is held out.
    test_size : float or int, default=None
        Fraction (or count) held out, stratified, when ``test`` is None
        (0.2 then).
    n_jobs : int, default=None
        Parallel fits of the grid search, under the active joblib backend
        (e.g. ``joblib.parallel_backend('dask')``).
    random_state : int, default=0
        Seeds the splits and the classifiers.
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
    features = _check_names(features, "features", feature_names)
    losses = _check_names(losses, "losses", _check_loss)
    alphas = _check_alphas(alphas)
    classifier_params = dict(classifier_params or {})
    classifier_params.setdefault("random_state", random_state)
    for feature in features:                  # every name checked before any work
        feature_step(feature, {k: v for k, v in (feature_params or {}).items()
                               if k in feature_names(feature)})
    for loss in losses:
        _classifier(loss, classifier_params)
    y = np.asarray(y)
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} images but y has {len(y)} labels.")
    X_train, y_train, X_test, y_test = _split_test(np.asarray(X), y, test, test_size,
                                                   random_state)
    if isinstance(cv, Integral) and not isinstance(cv, bool):
        if cv < 2:
            raise ValueError(f"cv must be at least 2 folds, got {cv}.")
        cv = StratifiedKFold(int(cv), shuffle=True, random_state=random_state)

    rows, estimators = [], {}
    with tempfile.TemporaryDirectory(prefix="pipeline-cache-") as scratch:
        cache = _memory(scratch if memory is None else memory)
        bar = _progress(len(features) * (2 * len(losses) + 1), verbose, "compare")
        for feature in features:
            params = {k: v for k, v in (feature_params or {}).items()
                      if k in feature_names(feature)}
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
        import pandas as pd
        table = pd.DataFrame(rows, columns=order)
    return (table, estimators) if return_estimators else table


# ----------------------------------------------------------------------------
# Data for the command line
# ----------------------------------------------------------------------------

def _subsample(X, y, n, seed):
    """At most ``n`` rows, stratified, in a fixed order."""
    if n is None or n >= len(y):
        return X, y
    keep, _ = train_test_split(np.arange(len(y)), train_size=n, stratify=y, random_state=seed)
    keep = np.sort(keep)
    return X[keep], y[keep]


def load_dataset(dataset, *, test_size=0.2, seed=0, progress=True):
    """Training and test images of ``dataset`` for the command line.

    Parameters
    ----------
    dataset : str
        ``'cifar10'`` (downloaded once with :func:`features.fetch_cifar10`
        and cached), a CIFAR-10 python folder or a folder with
        ``train/<class>/`` and ``test/<class>/`` (its own test part), or an
        image folder ``<class>/<image>`` (split with ``test_size``).
    test_size : float, default=0.2
    seed : int, default=0
    progress : bool, default=True

    Returns
    -------
    X_train, y_train, X_test, y_test, class_names
    """
    from features import fetch_cifar10, load_cifar10, load_image_folder

    if dataset == "cifar10":
        X, y, names = fetch_cifar10(subset="train", progress=progress)
        X_test, y_test, _ = fetch_cifar10(subset="test", progress=progress)
        return X, y, X_test, y_test, names
    path = Path(dataset)
    if not path.is_dir():
        raise FileNotFoundError(f"--dataset {dataset}: no such folder; give 'cifar10' or a "
                                "folder of images, <class>/<image> (or train/ and test/ "
                                "inside, or the CIFAR-10 python version).")
    if (path / "train").is_dir() and not (path / "test").is_dir():
        path = path / "train"          # e.g. ../shared/data/cifar10: no test part
    elif (path / "batches.meta").is_file() or (path / "train").is_dir():
        X, y, names = load_cifar10(path, "train")
        X_test, y_test, test_names = load_cifar10(path, "test")
        if test_names != names:
            raise ValueError(f"{path}: the classes of train/ {names} and test/ {test_names} "
                             "differ.")
        return X, y, X_test, y_test, names
    X, y, names = load_image_folder(path)
    if len(names) < 2:
        raise ValueError(f"{path}: found {len(names)} class folder(s) {names}; a classifier "
                         "needs at least 2 (one sub-folder per class).")
    X, X_test, y, y_test = train_test_split(X, y, test_size=test_size, stratify=y,
                                            random_state=seed)
    return X, y, X_test, y_test, names


# ----------------------------------------------------------------------------
# The report: plots (matplotlib's object API, no global backend) and files
# ----------------------------------------------------------------------------

def _figure(width, height):
    from matplotlib.figure import Figure
    return Figure(figsize=(width, height), dpi=100, layout="constrained")


def _show(ax, image, title=None):
    """An image in an axes without ticks; 2-D images in gray."""
    ax.imshow(image, cmap="gray" if image.ndim == 2 else None, interpolation="nearest")
    if title is not None:
        ax.set_title(title, fontsize="small")
    ax.axis("off")


def plot_alpha_curves(rows, path):
    """Cross-validation accuracy against alpha, a line per feature set and loss."""
    fig = _figure(6.5, 4)
    ax = fig.add_subplot()
    for row in rows:
        ax.plot(row["alphas"], row["cv_scores"], marker="o",
                label=f"{row['features']} / {row['loss']}")
    ax.set(xscale="log", xlabel="alpha (L2 strength)", ylabel="cross-validation accuracy",
           title="Grid search over alpha")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize="small")
    fig.savefig(path)


def optimizer_study(F, y, *, loss="softmax", alpha=1e-3, epochs=10, random_state=0):
    """Training loss per epoch of every minibatch optimizer on the same features.

    Parameters
    ----------
    F : ndarray of shape (n, d)
        Standardized features.
    y : ndarray of shape (n,)
    loss : str, default='softmax'
    alpha : float, default=1e-3
    epochs : int, default=10
    random_state : int, default=0

    Returns
    -------
    curves : dict of str -> list of float
        ``loss_curve_`` of each optimizer of :data:`classifiers.optimizers.OPTIMIZERS`
        except lbfgs (whose iterations are not epochs), with its defaults.
    """
    curves = {}
    for name in OPTIMIZERS:
        if name == "lbfgs":
            continue
        clf = _classifier(loss, dict(optimizer=name, alpha=alpha, max_iter=epochs, tol=None,
                                     random_state=random_state))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            clf.fit(F, y)
        curves[name] = [float(v) for v in clf.loss_curve_]
    return curves


def plot_optimizer_curves(curves, title, path):
    """The training loss curves of :func:`optimizer_study`."""
    fig = _figure(6.5, 4)
    ax = fig.add_subplot()
    for name, curve in curves.items():
        ax.plot(np.arange(1, len(curve) + 1), curve, label=name,
                linestyle="--" if name == "random_search" else "-")
    ax.set(xlabel="epoch", ylabel="training objective", yscale="log", title=title)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize="small", ncol=2)
    fig.savefig(path)


def plot_confusion(matrix, class_names, title, path):
    """A confusion matrix with counts in the cells (rows: true, columns: predicted)."""
    k = len(class_names)
    fig = _figure(1.6 + 0.55 * k, 1.2 + 0.5 * k)
    ax = fig.add_subplot()
    image = ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(k), class_names, rotation=45, ha="right")
    ax.set_yticks(range(k), class_names)
    ax.set(xlabel="predicted", ylabel="true", title=title)
    threshold = matrix.max() / 2
    for i in range(k):
        for j in range(k):
            ax.text(j, i, str(matrix[i, j]), ha="center", va="center", fontsize="x-small",
                    color="white" if matrix[i, j] > threshold else "black")
    fig.colorbar(image, ax=ax, shrink=0.8)
    fig.savefig(path)


def plot_hog_pictures(images, labels, path):
    """Sample images beside the picture of their HOG cells."""
    from features import hog_image

    hog_settings = _hog().get_params()
    pictures = hog_image(images, orientations=hog_settings["orientations"],
                         pixels_per_cell=hog_settings["pixels_per_cell"],
                         transform_sqrt=hog_settings["transform_sqrt"])
    n = len(images)
    fig = _figure(1.6 * n, 3.4)
    for i in range(n):
        _show(fig.add_subplot(2, n, i + 1), images[i], labels[i])
        _show(fig.add_subplot(2, n, n + i + 1), pictures[i])
    fig.savefig(path)


def weight_images(coef, scale, image_shape):
    """A raw-pixel classifier's weights as images, one per class, uint8.

    The classifier sees standardized pixels, so its weight on pixel ``j`` in
    the original units is ``coef[:, j] / scale[j]``; each class's template is
    stretched to 0..255 (the course's "templates").

    Returns
    -------
    images : ndarray of shape (n_classes, *image_shape), dtype uint8
    """
    W = np.asarray(coef, dtype=np.float64) / np.asarray(scale, dtype=np.float64)
    lo = W.min(axis=1, keepdims=True)
    span = np.maximum(W.max(axis=1, keepdims=True) - lo, 1e-12)
    return np.round(255 * (W - lo) / span).astype(np.uint8).reshape(len(W), *image_shape)


def plot_templates(templates, class_names, path):
    """The class templates of :func:`weight_images` side by side."""
    n = len(templates)
    fig = _figure(1.4 * n, 1.8)
    for i in range(n):
        _show(fig.add_subplot(1, n, i + 1), templates[i], class_names[i])
    fig.savefig(path)


def plot_dictionary(tile, path):
    """The bag-of-words dictionary, as a tile image of de-whitened patches."""
    fig = _figure(7, 7 * tile.shape[0] / tile.shape[1] + 0.4)
    _show(fig.add_subplot(), tile, "k-means dictionary (de-whitened patches)")
    fig.savefig(path)


def _markdown_table(rows):
    head = ("| features | loss | best alpha | CV accuracy | test accuracy | feature s | "
            "fit s | search s |")
    lines = [head, "|" + " --- |" * 8]
    for r in rows:
        lines.append(f"| {r['features']} | {r['loss']} | {r['best_alpha']:g} | "
                     f"{r['cv_score']:.4f} | {r['test_accuracy']:.4f} | "
                     f"{r['feature_seconds']:.1f} | {r['fit_seconds']:.1f} | "
                     f"{r['search_seconds']:.1f} |")
    return "\n".join(lines)


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


def _fitted_bovw(estimator):
    step = estimator.named_steps["features"]
    if isinstance(step, BagOfVisualWords):
        return step
    if isinstance(step, FeatureUnion):
        return dict(step.transformer_list).get("bovw")
    return None


def write_report(folder, rows, estimators, data, settings, *, verbose=False):
    """Write ``report.md``, ``results.json`` and the PNG plots into ``folder``.

    Parameters
    ----------
    folder : path
        An existing, empty folder.
    rows, estimators
        What :func:`compare` returned (``return_estimators=True``).
    data : dict
        ``X_train, y_train, X_test, y_test, class_names``.
    settings : dict
        The run's settings, written into both files.
    verbose : bool, default=False
        Progress bar over the plots.
    """
    folder = Path(folder)
    X_train, y_train = data["X_train"], data["y_train"]
    X_test, y_test, names = data["X_test"], data["y_test"], data["class_names"]
    seed = settings.get("seed", 0)
    bar = _progress(6, verbose, "report")
    plots = {}

    plot_alpha_curves(rows, folder / "alpha_curve.png")
    plots["alpha_curve.png"] = "Cross-validation accuracy against alpha (the grid search)."
    bar.update()

    best = max(rows, key=lambda r: (r["test_accuracy"], r["cv_score"]))
    model = estimators[best["features"], best["loss"]]
    predicted = model.predict(X_test)
    matrix = confusion_matrix(y_test, predicted, labels=np.arange(len(names)))
    plot_confusion(matrix, names, f"{best['features']} / {best['loss']}: test accuracy "
                   f"{best['test_accuracy']:.3f}", folder / "confusion.png")
    plots["confusion.png"] = (f"Confusion matrix of the best model ({best['features']} / "
                              f"{best['loss']}) on the test images.")
    bar.update()

    bar.set_description("report: optimizer study")
    X_study, y_study = _subsample(X_train, y_train, 5000, seed)
    F = StandardScaler().fit_transform(model.named_steps["features"].transform(X_study))
    curves = optimizer_study(F, y_study, loss=best["loss"], alpha=best["best_alpha"],
                             random_state=seed)
    plot_optimizer_curves(curves, f"{len(curves)} optimizers on {best['features']} features, "
                          f"{best['loss']}, {len(y_study)} images", folder / "optimizers.png")
    plots["optimizers.png"] = ("Training objective per epoch of every optimizer (defaults) on "
                               "the same features.")
    bar.update()

    samples = [int(np.flatnonzero(y_test == k)[0]) for k in range(len(names))
               if np.any(y_test == k)][:6]
    plot_hog_pictures(X_test[samples], [names[y_test[i]] for i in samples],
                      folder / "hog.png")
    plots["hog.png"] = "Sample test images and their HOG cells."
    bar.update()

    raw = [r for r in rows if r["features"] == "raw"]
    if raw:
        raw_model = estimators["raw", max(raw, key=lambda r: r["test_accuracy"])["loss"]]
    else:
        bar.set_description("report: raw-pixel templates")
        raw_model = make_pipeline("raw", "softmax", alpha=1e-3, random_state=seed)
        raw_model.fit(*_subsample(X_train, y_train, 5000, seed))
    templates = weight_images(raw_model.named_steps["classifier"].coef_,
                              raw_model.named_steps["scale"].scale_, X_train.shape[1:])
    plot_templates(templates, names, folder / "templates.png")
    plots["templates.png"] = "Raw-pixel weights of each class shown as images (templates)."
    bar.update()

    bovw = next((b for b in (_fitted_bovw(m) for m in estimators.values()) if b is not None),
                None)
    if bovw is not None:
        plot_dictionary(bovw.dictionary_image(), folder / "dictionary.png")
        plots["dictionary.png"] = "The bag-of-words dictionary (k-means words)."
    bar.update()
    bar.close()

    results = {"settings": settings, "rows": rows,
               "best": {"features": best["features"], "loss": best["loss"]},
               "class_names": list(names), "confusion_matrix": matrix.tolist(),
               "optimizer_curves": curves, "plots": sorted(plots)}
    with open(folder / "results.json", "w") as f:
        json.dump(results, f, indent=2)
    lines = ["# Classification report", "",
             f"Data: {settings['dataset']}, {len(y_train)} training and {len(y_test)} test "
             f"images of shape {tuple(X_train.shape[1:])}, {len(names)} classes.", "",
             "Settings: " + ", ".join(f"`{k}={v}`" for k, v in settings.items()), "",
             "## Comparison", "", _markdown_table(rows), "",
             f"Best on the test images: **{best['features']} / {best['loss']}**, accuracy "
             f"{best['test_accuracy']:.4f} at alpha {best['best_alpha']:g}.", ""]
    for name, caption in plots.items():
        lines += [f"## {caption}", "", f"![{caption}]({name})", ""]
    (folder / "report.md").write_text("\n".join(lines))
    return results


# ----------------------------------------------------------------------------
# The command line
# ----------------------------------------------------------------------------

REPORT_FILES = {"report.md", "results.json", "alpha_curve.png", "confusion.png",
                "optimizers.png", "hog.png", "templates.png", "dictionary.png"}


def _parser():
    parser = argparse.ArgumentParser(
        prog="python pipeline.py",
        description="Compare raw pixels and image features with linear classifiers: a "
                    "grid search over alpha per feature set and loss, then a report "
                    "(report.md, results.json, plots) in --out.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--dataset", default="cifar10",
                        help="'cifar10' (downloaded once, 170 MB, and cached in "
                             "~/scikit_learn_data), or a folder: <class>/<image> images, "
                             "train/ and test/ image folders, or the CIFAR-10 python version")
    parser.add_argument("--features", nargs="+", default=["raw", "hog+color", "bovw"],
                        help=f"feature sets: {', '.join(FEATURES)}, or unions joined by '+'")
    parser.add_argument("--loss", nargs="+", default=["hinge"], dest="losses",
                        help=f"losses: {', '.join(LOSSES)}")
    parser.add_argument("--optimizer", default=None,
                        help=f"classifier optimizer: {', '.join(OPTIMIZERS)} (default: the "
                             "classifier's, momentum)")
    parser.add_argument("--max-iter", type=int, default=None,
                        help="classifier epochs (lbfgs: iterations); default: the "
                             "classifier's own budget")
    parser.add_argument("--alphas", nargs="+", type=float, default=list(DEFAULT_ALPHAS),
                        help="regularization strengths to search (positive)")
    parser.add_argument("--cv", type=int, default=3, help="cross-validation folds")
    parser.add_argument("--max-train", type=int, default=4000,
                        help="use at most this many training images (stratified); 0 for all")
    parser.add_argument("--max-test", type=int, default=2000,
                        help="score on at most this many test images; 0 for all")
    parser.add_argument("--test-size", type=float, default=0.2,
                        help="fraction held out for testing when the dataset has no test part")
    parser.add_argument("--words", type=int, default=None,
                        help="bag-of-visual-words dictionary size (default: "
                             "BagOfVisualWords' own)")
    parser.add_argument("--n-jobs", type=int, default=1,
                        help="parallel fits of the grid search (-1: all cores)")
    parser.add_argument("--seed", type=int, default=0, help="seeds splits and training")
    parser.add_argument("--out", default="report", help="report folder (replaced atomically)")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    return parser


def _check_args(parser, args):
    """Every usage error, before any long work (exit code 2)."""
    try:
        for spec in args.features:
            feature_names(spec)
        _check_names(args.features, "--features", lambda v: None)
        _check_names(args.losses, "--loss", _check_loss)
        _check_alphas(args.alphas)
        if args.optimizer is not None and args.optimizer not in OPTIMIZERS:
            raise ValueError(f"Unknown optimizer {args.optimizer!r}; valid optimizers are "
                             f"{', '.join(OPTIMIZERS)}.")
        if args.optimizer is not None:
            for loss in args.losses:
                _classifier(loss, {"optimizer": args.optimizer})._check_optimizer_fits(
                    OPTIMIZERS[args.optimizer]())
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
    if args.n_jobs == 0:
        parser.error("--n-jobs must be a positive count or negative (-1: all cores), not 0.")
    if args.dataset != "cifar10" and not Path(args.dataset).is_dir():
        parser.error(f"--dataset {args.dataset}: no such folder; give 'cifar10' or a folder "
                     "of images (<class>/<image>).")


def _staging_folder(parser, out):
    """A fresh folder beside ``out`` to write the report into (checks ``out`` is usable)."""
    out = Path(out)
    if out.exists():
        if not out.is_dir():
            parser.error(f"--out {out} exists and is not a folder.")
        foreign = sorted(p.name for p in out.iterdir() if p.name not in REPORT_FILES)
        if foreign:
            parser.error(f"--out {out} holds files that are not part of a report "
                         f"({', '.join(foreign[:3])}{', ...' if len(foreign) > 3 else ''}); "
                         "it would be replaced: give a new or empty folder.")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(staging, 0o777 & ~umask)     # mkdtemp's 0700 is not a report's mode
        return staging
    except OSError as error:
        parser.error(f"--out {out}: cannot write there ({error.strerror or error}).")


def _publish(staging, out):
    """Move the finished report into place, replacing an older one."""
    out = Path(out)
    old = None
    if out.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}-old-", dir=out.parent))
        os.replace(out, old / out.name)
    os.replace(staging, out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def main(argv=None):
    """Run the comparison and write the report; returns the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    _check_args(parser, args)
    staging = _staging_folder(parser, args.out)
    verbose = not args.quiet
    try:
        try:
            X, y, X_test, y_test, names = load_dataset(args.dataset, test_size=args.test_size,
                                                       seed=args.seed, progress=verbose)
        except (ValueError, FileNotFoundError) as error:
            print(f"error: --dataset {args.dataset}: {error}", file=sys.stderr)
            return 2
        except Exception as error:          # no network, a proxy, a full disk, ...
            print(f"error: could not fetch CIFAR-10 ({type(error).__name__}: {error}).\n"
                  "Without network, use --dataset PATH with a folder of images "
                  "(<class>/<image>) or the extracted CIFAR-10 python version.",
                  file=sys.stderr)
            return 1
        X, y = _subsample(X, y, args.max_train or None, args.seed)
        X_test, y_test = _subsample(X_test, y_test, args.max_test or None, args.seed)
        classifier_params = {"optimizer": args.optimizer, "max_iter": args.max_iter}
        classifier_params = {k: v for k, v in classifier_params.items() if v is not None}
        feature_params = {}
        if args.words is not None:
            feature_params["bovw"] = {"n_words": args.words}
        if any("bovw" in feature_names(spec) for spec in args.features):
            feature_params.setdefault("bovw", {})["verbose"] = 0
        settings = {"dataset": args.dataset, "features": args.features, "losses": args.losses,
                    "alphas": args.alphas, "cv": args.cv, "optimizer": args.optimizer,
                    "max_iter": args.max_iter,
                    "max_train": args.max_train, "max_test": args.max_test,
                    "words": args.words, "n_jobs": args.n_jobs, "seed": args.seed}
        tic = time.perf_counter()
        rows, estimators = compare(
            X, y, args.features, args.losses, args.alphas, cv=args.cv, test=(X_test, y_test),
            n_jobs=args.n_jobs, random_state=args.seed,
            feature_params={k: v for k, v in feature_params.items()
                            if any(k in feature_names(s) for s in args.features)},
            classifier_params=classifier_params, verbose=verbose, return_estimators=True)
        settings["compare_seconds"] = round(time.perf_counter() - tic, 1)
        print(text_table(rows))
        write_report(staging, rows, estimators,
                     dict(X_train=X, y_train=y, X_test=X_test, y_test=y_test,
                          class_names=names), settings, verbose=verbose)
        _publish(staging, args.out)
        print(f"report: {Path(args.out) / 'report.md'}")
        return 0
    finally:
        shutil.rmtree(staging, ignore_errors=True)


if __name__ == "__main__":
    # Run through the importable module, so that pickled estimators (joblib
    # workers, the cache) refer to ``pipeline.CachedFeatures``, not ``__main__``.
    import pipeline
    sys.exit(pipeline.main())
