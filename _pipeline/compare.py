"""The comparison: a grid search over ``alpha`` per feature set and loss, then a refit.

:func:`compare` reads as scikit-learn's ``BaseSearchCV.fit`` does: validate
(:mod:`._pipeline.checks`), run (:func:`run`), format (:mod:`._pipeline.tables`).
"""

import copy
import sys
import time
import warnings
from typing import NamedTuple, Optional

import joblib
import numpy as np
from sklearn.base import clone
from sklearn.pipeline import Pipeline
from tqdm.auto import tqdm

from classifiers.solvers import solver_for
from features import extract, learns_from_data, take_rows

from .caching import CachedFeatures, FeatureCache, memory_of, scratch_cache
from .checks import check_data, check_flags, check_settings
from .presets import feature_step, scaled_classifier, search_classifier
from .tables import COLUMNS, edge_warning


def compare(X, y, features=("raw", "hog+color"), losses=("hinge", "softmax"),
            alphas=None, *, extend=3, cv=3, test=None, test_size=None, n_jobs=None,
            random_state=0, memory=None, feature_params=None, classifier_params=None,
            dictionary="once", verbose=False, as_frame=False, return_estimators=False):
    """Grid-search ``alpha`` for each feature set and loss; refit; score on test data.

    For every feature set, the extractor is fitted once on the training
    images and every training and test image is transformed once
    (:func:`features.extract`, chunk by chunk, into the feature cache); the
    ``alpha`` candidates of every loss are searched on those features, sliced
    per cross-validation split (the scaler is fitted per split).  Raw pixels,
    HOG and colour histograms learn nothing in ``fit``, so this is the same
    as computing them per split; the bag of words learns its dictionary from
    all the training images, without labels (as Coates et al. do), unless
    ``dictionary='per_split'``.  The best ``alpha`` of each pair is then refit
    on all the training features, at its C (:func:`refit_alpha`), and scored
    on the test features.

    Parameters
    ----------
    X : array-like of images, shape (n, H, W[, C]) or flattened
        As every transformer of :mod:`features` accepts them.
    y : array-like of shape (n,)
    features : sequence of str, default=('raw', 'hog+color')
        Feature specs for :func:`make_pipeline` (rows name them without
        spaces: ``'hog + color'`` is ``'hog+color'``).
    losses : sequence of str, default=('hinge', 'softmax')
    alphas : sequence of float, default=None
        Distinct positive regularization strengths to search.  None: four
        decades scaled to the number of training images
        (:func:`~._pipeline.presets.default_alphas`: 1e-1 to 100 at 4,000
        images, 1e-2 to 10 at 40,000), grown past an edge (``extend``).
    extend : int, default=3
        When the best alpha of a feature set and loss lies at an edge of the
        grid, the search adds a decade beyond that edge (a tenth of the
        smallest alpha, or ten times the largest; every split continuing its
        warm path from its solution at the edge) and again while the best
        stays at the edge, up to ``extend`` decades on each side; 0 searches
        ``alphas`` only.  A row whose best alpha is still at an edge then
        comes with a ``UserWarning``.  A grid of one alpha is a choice, not a
        search, and is not extended.
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
        Splits searched at once, and chunks of images transformed at once,
        through joblib: under the active backend (e.g.
        ``joblib.parallel_backend('dask')`` runs both on a Dask cluster).
    random_state : int, RandomState or None, default=0
        Seeds the splits, the classifiers and the bag-of-words dictionary
        (unless ``feature_params`` sets its ``random_state``).
    memory : str, path or joblib.Memory, default=None
        The feature cache; None uses a temporary folder removed at the end.
        On a cluster, give a folder every worker can read.
    feature_params : dict of str -> dict, optional
        Settings per feature name (see :func:`make_pipeline`).
    classifier_params : dict, optional
        Settings for every classifier (``optimizer``, ``max_iter``, ``tol``,
        ...).  With ``tol`` left None, the search's fits stop at their
        solver's looser ``search_tol`` where it has one (the exact SVM:
        certified within 10% of its optimum; L-BFGS: the gradient's largest
        absolute entry at most 1e-3; a stochastic optimizer: none), which
        ranks the alphas alike in a fraction of the time, and the refit at
        its default ``tol`` (exact: 1e-2, i.e. 1%; L-BFGS: 1e-4); a ``tol``
        given here holds for both.
    dictionary : {'once', 'per_split'}, default='once'
        Where the bag of words learns its dictionary: once from all the
        training images (k-means uses no labels, so nothing about the labels
        leaks into the validation splits; every image is encoded once), or
        anew from each split's training part, for a strict cross-validation
        (each split's images encoded again, about 3 times the work at 3
        folds).  The refit learns it from all the training images either way.
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
        ``best_alpha``, ``refit_alpha`` (the alpha of the model refit on all
        the training images, at the C of the best alpha: ``best_alpha``
        times the mean training part of the splits over the training images,
        :func:`refit_alpha`), ``cv_score`` (mean accuracy at the best alpha),
        ``test_accuracy`` (of that refit model), ``feature_seconds`` (features of all training and
        test images), ``fit_seconds`` (scaler and classifier at the refit
        alpha), ``search_seconds`` (the whole grid search), ``n_features``,
        ``alphas`` / ``cv_scores`` (the search curve, alphas ascending,
        extensions included), ``grid`` (the alphas asked for), ``extended``
        (the alphas the search added beyond the grid) and ``at_edge``
        (``'low'`` or ``'high'`` when the best alpha is still at that edge of
        the searched alphas, else None).
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
                              classifier_params=classifier_params, dictionary=dictionary,
                              extend=extend)
    plan = check_data(settings, X, y, test=test, test_size=test_size)
    with scratch_cache() as scratch:
        cache = memory_of(scratch if settings.memory is None else settings.memory)
        rows, estimators, _ = run(plan, cache, verbose=verbose)
    table = pd.DataFrame(rows, columns=COLUMNS) if as_frame else rows
    return (table, estimators) if return_estimators else table


def _features_of(extractor, X, cache, bar, n_jobs=None):
    """Every image's features, computed once: a ``.npy`` file in the cache, memory-mapped.

    Keyed by the fitted extractor (every setting), the images and the versions
    of the code that computes them (:meth:`~._pipeline.caching.FeatureCache.features_file`),
    so a later run with the same ``memory`` reads them back instead; a file
    of other versions is computed again, and removed once its replacement
    is in place.  With several chunks at once
    (``n_jobs``, or the workers of the active joblib backend), the copy sent
    to the workers computes each chunk on one thread, so the two do not
    multiply.
    """
    path, stale = None, []
    if cache.location is not None:
        path, stale = cache.features_file(extractor, X)
        if path.is_file():
            features = _cached(path, len(X))
            if features is not None:
                bar.update(len(X))
                return features
    if joblib.effective_n_jobs(n_jobs) != 1:
        inner = {name: 1 for name in extractor.get_params()
                 if name == "n_jobs" or name.endswith("__n_jobs")}
        extractor = copy.deepcopy(extractor).set_params(**inner)
    features = extract(extractor, X, out=path, n_jobs=n_jobs, progress=bar.update)
    for old, _ in stale:                # replaced (a reader's mapping outlives the name)
        old.unlink(missing_ok=True)
    return features


def _cached(path, n_images):
    """The features in ``path``, memory-mapped, or None (with a warning) when the file
    is damaged: truncated, not a ``.npy`` file, or not one row per image."""
    try:
        features = np.load(path, mmap_mode="r")
        if features.ndim == 2 and features.shape[0] == n_images:
            return features
        problem = f"holds an array of shape {features.shape}, not {n_images} rows of features"
    except (ValueError, OSError, EOFError) as error:
        problem = f"cannot be read ({error})"
    warnings.warn(f"The cached features {path} {problem}; computing them again.",
                  RuntimeWarning, stacklevel=3)
    return None


def _fit(extractor, X, versions=None):
    # ``versions`` is part of the cache key only (FeatureCache.call)
    return extractor.fit(X)


def warm_path(classifier):
    """Whether ``classifier`` reaches the same optimum from any start (so a path can
    warm-start each alpha from the previous one): the exact SVM and L-BFGS, which
    stop at a tolerance (``tol=None`` is their own default, never "no tolerance"),
    not the stochastic optimizers, whose result depends on the start."""
    return solver_for(classifier).warm_path


def _fold_scores(head, tail, X, y, train, test, alphas, start=None):
    """Validation accuracy of ``tail`` at each alpha on one split, in the order of ``alphas``.

    ``head`` (None when ``X`` holds features already) computes the features
    of this split's images.  The scaler is fitted once for all alphas; with
    a full-batch solver the alphas go from the strongest to the weakest,
    each fit warm-started from the last (the optimum is the same, the fits
    shorter, as for scikit-learn's regularization paths), the first from
    ``start`` (``(coef_, intercept_)``, e.g. this split's solution at a
    neighbouring alpha) when given.  The fits use the search's tolerance
    (:func:`~._pipeline.presets.search_classifier`).

    Returns
    -------
    scores : list of float
    solutions : list of (coef_, intercept_), or None
        Each alpha's weights, for the refit or an extension of the grid to
        start from, when the solver reaches the same optimum from any start
        (None otherwise).
    """
    if head is not None:
        head = clone(head)
        F_train, F_test = head.fit_transform(X[train]), head.transform(X[test])
    else:
        # Copies (the scaler scales them in place), read from the features'
        # file without mapping it, so only the copies count in this process.
        F_train, F_test = take_rows(X, train), take_rows(X, test)
    scaler = clone(tail.named_steps["scale"]).set_params(copy=False)
    F_train = scaler.fit_transform(F_train)
    F_test = scaler.transform(F_test)
    classifier = search_classifier(tail.named_steps["classifier"])
    warm = warm_path(classifier)
    order = sorted(range(len(alphas)), key=lambda i: -alphas[i]) if warm else range(len(alphas))
    scores, solutions = [None] * len(alphas), [None] * len(alphas)
    for i in order:
        model = classifier if warm else clone(classifier)
        model.set_params(alpha=alphas[i], warm_start=warm)
        if warm and start is not None:
            model.fit(F_train, y[train], coef_init=start[0], intercept_init=start[1])
            start = None
        else:
            model.fit(F_train, y[train])
        scores[i] = float(model.score(F_test, y[test]))
        solutions[i] = (model.coef_.copy(), model.intercept_.copy())
    return scores, (solutions if warm else None)


class SearchResult(NamedTuple):
    """What :func:`search` found: the curve, its best point and how the grid grew."""

    #: Every alpha searched, ascending (the grid and its extensions).
    alphas: list
    #: Mean validation accuracy of each of ``alphas`` over the splits.
    means: list
    #: Index of the best alpha in ``alphas``.
    best: int
    #: ``coef_init`` / ``intercept_init`` for the refit at the best alpha, or None.
    start: Optional[dict]
    #: The alphas added beyond the grid, ascending.
    extended: list
    #: 'low' or 'high' when the best alpha is still at that edge, else None.
    at_edge: Optional[str]


def _splits_scores(head, tail, X, y, alphas, splits, n_jobs, bar, starts=None):
    """:func:`_fold_scores` of every split as joblib tasks: (scores, solutions) per split."""
    starts = [None] * len(splits) if starts is None else starts
    tasks = joblib.Parallel(n_jobs=n_jobs, return_as="generator")(
        joblib.delayed(_fold_scores)(head, tail, X, y, train, test, alphas, start)
        for (train, test), start in zip(splits, starts))
    results = []
    for result in tasks:
        results.append(result)
        if bar is not None:
            bar.update(len(alphas))
    return results


def _best(means):
    """Index of the best of ``means`` (alphas ascending): the highest, and of equal
    ones the strongest regularization (the largest alpha), met first on the warm
    path from the strongest alpha to the weakest."""
    means = np.asarray(means)
    return int(len(means) - 1 - np.argmax(means[::-1]))


def _edge(means, extend_left):
    """The edge the best alpha lies at ('low' or 'high') while the grid may still grow
    there, or None.  Ties go to the larger alpha (:func:`_best`), so a plateau
    reaching the low edge ends the search (those fits are the slowest) and one
    reaching the high edge is followed up to where the score falls."""
    if len(means) < 2:
        return None
    best = _best(means)
    if best == 0 and extend_left["low"]:
        return "low"
    if best == len(means) - 1 and extend_left["high"]:
        return "high"
    return None


def search(head, tail, X, y, alphas, splits, n_jobs=None, bar=None, extend=0):
    """Cross-validated accuracy of ``tail`` at every alpha, the grid grown past an edge.

    One task per split (:func:`_fold_scores`), through joblib, so the active
    backend runs them (processes, or a Dask cluster).  The best alpha has the
    highest mean score, the largest of equal ones (:func:`_best`).  While it
    lies at an edge of the searched alphas, a decade is added beyond that
    edge (at most ``extend`` on each side), each split starting from its own
    solution at the edge, so the warm path goes on.
    The search stops when the score turns down (the best is inside), or at
    the limit; the result then says which edge the best is still at.

    Returns
    -------
    SearchResult
        ``start`` holds ``coef_init`` and ``intercept_init`` for the refit
        at the best alpha: the mean of the splits' solutions there (the
        refit's training set is their union, so its optimum lies near), when
        the classifier reaches the same optimum from any start; else None.
    """
    alphas = sorted(float(a) for a in alphas)
    results = _splits_scores(head, tail, X, y, alphas, splits, n_jobs, bar)
    per_split = [list(scores) for scores, _ in results]
    solutions = [None if solved is None else list(solved) for _, solved in results]
    left = {"low": extend if len(alphas) > 1 else 0, "high": extend if len(alphas) > 1 else 0}
    extended = []
    while (side := _edge(np.mean(per_split, axis=0), left)) is not None:
        left[side] -= 1
        at = 0 if side == "low" else len(alphas) - 1
        alpha = float(f"{alphas[at] * (0.1 if side == 'low' else 10.0):.6g}")
        if bar is not None:
            bar.total += len(splits)
            bar.refresh()
        starts = [None if solved is None else solved[at] for solved in solutions]
        grown = _splits_scores(head, tail, X, y, [alpha], splits, n_jobs, bar, starts)
        where = 0 if side == "low" else len(alphas)
        alphas.insert(where, alpha)
        extended.append(alpha)
        for scores, solved, (new, new_solved) in zip(per_split, solutions, grown):
            scores.insert(where, new[0])
            if solved is not None:
                solved.insert(where, new_solved[0])
    means = np.mean(per_split, axis=0)
    best = _best(means)
    at_edge = None
    if len(alphas) > 1 and best in (0, len(alphas) - 1):
        at_edge = "low" if best == 0 else "high"
    start = None
    # Only solutions over every class can start the refit (a splitter that
    # leaves a class out of a training part gives weights of other shapes).
    n_classes = np.unique(y).size
    rows = 1 if n_classes == 2 else n_classes
    if all(solved is not None and all(coef.shape[0] == rows for coef, _ in solved)
           for solved in solutions):
        start = {"coef_init": np.mean([solved[best][0] for solved in solutions], axis=0),
                 "intercept_init": np.mean([solved[best][1] for solved in solutions], axis=0)}
    return SearchResult(alphas, [float(m) for m in means], best, start, sorted(extended),
                        at_edge)


def refit_alpha(alpha, splits, n_train):
    """The alpha of the refit on all ``n_train`` training images, at the search's best.

    The objective's data term is a mean over the images and its penalty is
    not, so the same model on more images needs a proportionally smaller
    alpha: the search picked ``C = 1 / (alpha n_fit)`` on training parts of
    ``n_fit`` images (their mean), and the refit keeps that C,
    ``alpha * n_fit / n_train``.  It is what scikit-learn's ``GridSearchCV``
    does with ``LinearSVC`` or ``LogisticRegression``, whose ``C`` weighs a
    sum over the images.

    Examples
    --------
    >>> splits = [(range(20), range(20, 30)), (range(10, 30), range(10))]
    >>> refit_alpha(0.3, splits, 30)
    0.2
    """
    n_fit = float(np.mean([len(train) for train, _ in splits]))
    return float(f"{alpha * n_fit / n_train:.6g}")


def _refit(tail, F, y, start):
    """Fit ``tail`` (scaler, classifier) on all the training features ``F``: one copy in
    memory (:func:`features.take_rows`), scaled in place, as the splits do."""
    scaler, classifier = tail.named_steps["scale"], tail.named_steps["classifier"]
    F = take_rows(F, np.arange(len(F)))
    F = scaler.fit(F).transform(F, copy=False)
    classifier.fit(F, y, **start)


def _test_accuracy(tail, F, y):
    return float(tail.score(take_rows(F, np.arange(len(F))), y))


def run(plan, cache, verbose=False, warn=True):
    """The comparison of a checked :class:`~._pipeline.checks.Plan`.

    For every feature set: the extractor is fitted once on the training
    images (the bag of words learns its dictionary there: no labels, as
    Coates et al. do), every training and test image is transformed once
    (:func:`features.extract`, into the cache folder), and every loss's
    alphas are searched on those features, sliced per split.  Nothing leaks:
    raw pixels, HOG and colour histograms learn nothing in ``fit``, and the
    dictionary is unsupervised; with ``dictionary='per_split'`` the bag of
    words learns one per split instead.  The best alpha of each loss is then
    refit on all the training features, at its C (:func:`refit_alpha`), and
    scored on the test features.

    Parameters
    ----------
    plan : Plan
    cache : joblib.Memory or folder
        Where the fitted extractors and the features go (a temporary folder
        of the caller's, or the user's ``memory``), as a :class:`FeatureCache`
        keeps them.
    verbose : bool, default=False
        A progress bar per stage.
    warn : bool, default=True
        A ``UserWarning`` for each row whose best alpha is still at an edge
        of the alphas searched (the command line prints them itself).

    Returns
    -------
    rows : list of dict
        Keys :data:`~._pipeline.tables.COLUMNS`.
    estimators : dict of (features, loss) -> fitted Pipeline
    features : dict of features -> (F_train, F_test)
        Every image's features (memory-mapped when cached on disk), for the
        report to reuse.
    """
    settings, cache = plan.settings, FeatureCache(cache)
    losses, alphas = settings.losses, settings.alphas
    splits = list(plan.cv.split(plan.X_train, plan.y_train))
    rows, estimators, computed = [], {}, {}
    for feature in settings.features:
        params = settings.params[feature]
        tic = time.perf_counter()
        stage = tqdm(total=len(plan.y_train) + len(plan.y_test), disable=not verbose,
                     desc=f"{feature}: features", unit="image", leave=False,
                     file=sys.stderr)
        extractor = cache.call(_fit, feature_step(feature, params), plan.X_train,
                               what=f"The cached fitted extractor of {feature}")
        F_train = _features_of(extractor, plan.X_train, cache, stage, settings.n_jobs)
        F_test = _features_of(extractor, plan.X_test, cache, stage, settings.n_jobs)
        stage.close()
        computed[feature] = (F_train, F_test)
        feature_seconds = time.perf_counter() - tic
        per_split = (settings.dictionary == "per_split" and learns_from_data(extractor))
        for loss in losses:
            tail = scaled_classifier(loss, **settings.classifier_params)
            head = CachedFeatures(feature_step(feature, params), memory=cache.memory) \
                if per_split else None
            stage = tqdm(total=len(alphas) * len(splits), disable=not verbose,
                         desc=f"{feature} / {loss}: grid search", unit="fit", leave=False,
                         file=sys.stderr)
            tic = time.perf_counter()
            found = search(head, tail, plan.X_train if per_split else F_train, plan.y_train,
                           alphas, splits, settings.n_jobs, stage, extend=settings.extend)
            search_seconds = time.perf_counter() - tic
            stage.close()
            best_alpha = found.alphas[found.best]
            alpha = refit_alpha(best_alpha, splits, len(plan.y_train))
            tail.set_params(classifier__alpha=alpha)
            tic = time.perf_counter()
            _refit(tail, F_train, plan.y_train, found.start or {})
            fit_seconds = time.perf_counter() - tic
            rows.append({
                "features": feature, "loss": loss, "best_alpha": best_alpha,
                "refit_alpha": alpha, "cv_score": found.means[found.best],
                "test_accuracy": _test_accuracy(tail, F_test, plan.y_test),
                "feature_seconds": feature_seconds, "fit_seconds": fit_seconds,
                "search_seconds": search_seconds, "n_features": int(F_train.shape[1]),
                "alphas": found.alphas, "cv_scores": found.means,
                "grid": sorted(alphas), "extended": found.extended,
                "at_edge": found.at_edge})
            estimators[feature, loss] = Pipeline([("features", extractor)] + tail.steps)
    rows = [{key: row[key] for key in COLUMNS} for row in rows]
    if warn:
        for row in rows:
            if row["at_edge"] is not None:
                warnings.warn(edge_warning(row), UserWarning, stacklevel=3)
    return rows, estimators, computed
