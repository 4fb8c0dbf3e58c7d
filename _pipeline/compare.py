"""The comparison: a grid search over ``alpha`` per feature set and loss, then a refit.

:func:`compare` reads as scikit-learn's ``BaseSearchCV.fit`` does: validate
(:mod:`._pipeline.checks`), run (:func:`run`), format (:mod:`._pipeline.tables`).
"""

import sys
import tempfile
import time

from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from tqdm.auto import tqdm

from .caching import memory_of
from .checks import check_data, check_flags, check_settings
from .presets import DEFAULT_ALPHAS, feature_step, make_pipeline, scaled_classifier
from .tables import COLUMNS


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
    check_flags("compare", verbose=verbose, as_frame=as_frame,
                return_estimators=return_estimators)
    if as_frame:
        try:                        # now, not after the whole comparison
            import pandas as pd
        except ImportError:
            raise ImportError("as_frame=True needs pandas (pip install pandas); without it, "
                              "compare returns a list of dicts (as_frame=False).") from None
    settings = check_settings(features, losses, alphas, cv=cv, n_jobs=n_jobs,
                              random_state=random_state, memory=memory,
                              feature_params=feature_params,
                              classifier_params=classifier_params)
    plan = check_data(settings, X, y, test=test, test_size=test_size)
    rows, estimators = run(plan, verbose=verbose)
    table = pd.DataFrame(rows, columns=COLUMNS) if as_frame else rows
    return (table, estimators) if return_estimators else table


def run(plan, verbose=False):
    """The comparison of a checked :class:`~._pipeline.checks.Plan`.

    For every feature set, each cross-validation split's features are
    computed once (:class:`~._pipeline.caching.CachedFeatures`) and shared by
    all the alphas and losses; the best alpha of each pair is refit on all
    the training data (:func:`~._pipeline.presets.scaled_classifier` on the
    features of every training image) and scored on the test data.

    Returns
    -------
    rows : list of dict
        Keys :data:`~._pipeline.tables.COLUMNS`.
    estimators : dict of (features, loss) -> fitted Pipeline
    """
    settings = plan.settings
    losses, alphas = settings.losses, settings.alphas
    rows, estimators = [], {}
    with tempfile.TemporaryDirectory(prefix="pipeline-cache-") as scratch:
        cache = memory_of(scratch if settings.memory is None else settings.memory)
        bar = tqdm(total=len(settings.features) * (2 * len(losses) + 1),
                   disable=not verbose, desc="compare", leave=False, file=sys.stderr)
        for feature in settings.features:
            params = settings.params[feature]
            for loss in losses:
                bar.set_description(f"{feature} / {loss}: grid search")
                pipe = make_pipeline(feature, loss, memory=cache, feature_params=params,
                                     **settings.classifier_params)
                search = GridSearchCV(pipe, {"classifier__alpha": alphas}, cv=plan.cv,
                                      n_jobs=settings.n_jobs, refit=False,
                                      error_score="raise")
                tic = time.perf_counter()
                search.fit(plan.X_train, plan.y_train)
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
            F_train = extractor.fit_transform(plan.X_train, plan.y_train)
            F_test = extractor.transform(plan.X_test)
            feature_seconds = time.perf_counter() - tic
            bar.update()
            for row in rows[-len(losses):]:
                bar.set_description(f"{feature} / {row['loss']}: refit")
                tail = scaled_classifier(row["loss"], alpha=row["best_alpha"],
                                         **settings.classifier_params)
                tic = time.perf_counter()
                tail.fit(F_train, plan.y_train)
                fit_seconds = time.perf_counter() - tic
                row.update(test_accuracy=float(tail.score(F_test, plan.y_test)),
                           feature_seconds=feature_seconds, fit_seconds=fit_seconds,
                           n_features=int(F_train.shape[1]))
                estimators[feature, row["loss"]] = Pipeline([("features", extractor)]
                                                            + tail.steps)
                bar.update()
        bar.close()
    return [{key: row[key] for key in COLUMNS} for row in rows], estimators
