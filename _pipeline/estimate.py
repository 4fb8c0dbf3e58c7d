"""What a comparison will do, and roughly how long it will take, said before it starts.

The command line prints :func:`describe` before any long work: how many
images are transformed, how many features each set has, how many fits the
grid search runs, and an estimate of the time of each stage.  The estimate
is measured, not guessed: each feature set is timed on a few dozen images
(the bag of words' k-means from its arithmetic, timed as a GEMM of this
machine), and a fit from the time of one pass over a block of features,
times the passes a solver typically makes.  It is a rough figure (the iterations a
solver needs depend on the data and alpha), printed as such.
"""

import time

import numpy as np
from sklearn.base import clone
from sklearn.pipeline import FeatureUnion

from classifiers.solvers import solver_for
from features import BagOfVisualWords, check_bovw_settings
from features.patches import patch_grid

from .presets import build_classifier, feature_step

#: Images timed per feature set.
SAMPLE = 64

#: Passes over the data a full-batch fit typically makes at the default
#: tolerances along a warm-started path of alphas, measured on CIFAR-10 (the
#: exact SVM solver: about 50 per fit on raw pixels, 75 on the bag of words,
#: the weakest alpha taking most); a stochastic optimizer makes one per epoch.
FULL_BATCH_PASSES = 60

#: Each pass of a full-batch solver reads the features twice (scores, then
#: gradient), bound by memory bandwidth rather than by the products' flops.
PASS_COST = 1.5

#: k-means (mini-batch, ``kmeans_max_iter`` passes at most) ends after about
#: this many passes over the patches on CIFAR-10.
KMEANS_PASSES = 5

#: k-means' products run at about half the rate of a square GEMM (its
#: products are thin: 108-long patches against the words).
KMEANS_EFFICIENCY = 0.5


def _gemm_seconds_per_flop(dtype=np.float32, n=512):
    """Seconds per floating-point operation of a float32 GEMM on this machine."""
    rng = np.random.default_rng(0)
    a, b = rng.random((n, n), dtype=dtype), rng.random((n, n), dtype=dtype)
    a @ b
    tic = time.perf_counter()
    for _ in range(3):
        a @ b
    return (time.perf_counter() - tic) / (3 * 2 * n ** 3)


def _bovw_seconds(bovw, sample, n_images, flop):
    """Learning the dictionary (from its arithmetic) and encoding ``n_images`` (timed on
    ``sample`` with a dictionary learned quickly from it)."""
    shape = sample.shape[1:] if bovw.image_shape is None else bovw.image_shape
    rows, cols = patch_grid(shape[:2], bovw.patch_size, bovw.stride)
    positions = rows * cols
    dim = bovw.patch_size ** 2 * (shape[2] if len(shape) == 3 else 1)
    kmeans = min(bovw.n_patches, n_images * positions) * dim * bovw.n_words * 2 \
        * min(KMEANS_PASSES, bovw.kmeans_max_iter)
    # Timed: a dictionary of the same size from the sample's patches (one pass
    # of k-means: the words' values do not change the encoding's cost).
    n_patches = max(bovw.n_words, min(len(sample) * positions, 50_000))
    quick = clone(bovw).set_params(kmeans_max_iter=1, n_patches=n_patches, verbose=0,
                                   n_jobs=bovw.n_jobs).fit(sample)
    tic = time.perf_counter()
    quick.transform(sample)
    encode = (time.perf_counter() - tic) * n_images / len(sample)
    return kmeans * flop / KMEANS_EFFICIENCY + encode


def _feature_seconds(spec, params, X, n_images, flop):
    """Seconds to transform ``n_images`` like ``X`` and the number of features."""
    step = feature_step(spec, params)
    parts = step.transformer_list if isinstance(step, FeatureUnion) else [(spec, step)]
    seconds, width = 0.0, 0
    sample = X[:SAMPLE]
    for _, extractor in parts:
        if isinstance(extractor, BagOfVisualWords):
            seconds += _bovw_seconds(extractor, sample, n_images, flop)
            levels = check_bovw_settings(extractor.get_params())
            width += extractor.n_words * sum(level * level for level in levels)
            continue
        fitted = clone(extractor).fit(sample[:2])
        tic = time.perf_counter()
        features = fitted.transform(sample)
        seconds += (time.perf_counter() - tic) * n_images / len(sample)
        width += features.shape[1]
    return seconds, width


def _pass_seconds(n_rows, n_features, n_classes):
    """One pass of a linear model over ``n_rows`` rows: forward and backward products."""
    rng = np.random.default_rng(0)
    block = rng.random((1024, n_features), dtype=np.float32)
    W = rng.random((n_classes, n_features), dtype=np.float32)
    tic = time.perf_counter()
    for _ in range(3):
        block @ W.T
    return PASS_COST * (time.perf_counter() - tic) / 3 * n_rows / 1024


def _passes(loss, classifier_params):
    classifier = build_classifier(loss, classifier_params)
    solver = solver_for(classifier)
    budget = classifier.max_iter or solver.default_max_iter
    return min(FULL_BATCH_PASSES, budget) if solver.full_batch else budget


def describe(plan):
    """The run ahead: what it computes and an estimate of each stage's time.

    Parameters
    ----------
    plan : Plan
        A checked plan (:func:`._pipeline.checks.check_data`).

    Returns
    -------
    lines : list of str
        For the terminal.
    seconds : float
        The estimated total.
    """
    settings = plan.settings
    n_train, n_test = len(plan.y_train), len(plan.y_test)
    n_classes = len(np.unique(plan.y_train))
    splits = plan.cv.get_n_splits(plan.X_train, plan.y_train)
    n_fits = len(settings.alphas) * splits + 1
    fold_rows = n_train * (splits - 1) // max(splits, 1)
    flop = _gemm_seconds_per_flop()
    lines = [f"plan: {n_train:,} training and {n_test:,} test images of "
             f"{'x'.join(map(str, plan.X_train.shape[1:]))}; per feature set and loss, "
             f"{len(settings.alphas)} alphas x {splits} folds + 1 refit = {n_fits} fits"
             + (f" (and {splits} more for each decade the grid grows past an edge, at most "
                f"{settings.extend} per edge)" if settings.extend and len(settings.alphas) > 1
                else "")]
    total = 0.0
    for spec in settings.features:
        seconds, width = _feature_seconds(spec, settings.params[spec], plan.X_train,
                                          n_train + n_test, flop)
        total += seconds
        fits = 0.0
        for loss in settings.losses:
            passes = _passes(loss, settings.classifier_params)
            fits += passes * (len(settings.alphas) * splits
                              * _pass_seconds(fold_rows, width, n_classes)
                              + _pass_seconds(n_train, width, n_classes))
        total += fits
        lines.append(f"  {spec:<12} {width:>6,} features; every image once: ~{seconds:,.0f} s; "
                     f"{len(settings.losses) * n_fits} fits: ~{fits:,.0f} s")
    lines.append(f"estimate: ~{total / 60:.1f} min before the report (rough: the "
                 "iterations of a fit depend on the data and alpha)")
    return lines, total
