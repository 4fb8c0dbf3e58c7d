"""What a comparison will do, and roughly how long it will take, said before it starts.

The command line prints :func:`describe` before any long work: how many
images are transformed, how many features each set has, how many fits the
grid search runs, and an estimate of the time of each stage.  The estimate
is measured, not guessed: each feature set is timed on a few dozen images
(the bag of words from its arithmetic, timed as a GEMM of this machine),
and a fit from the time of one pass over a block of features, times the
passes a solver typically makes.  It is a rough figure (the iterations a
solver needs depend on the data and alpha), printed as such.
"""

import time

import numpy as np
from sklearn.base import clone
from sklearn.pipeline import FeatureUnion

from classifiers import check_solver
from features import BagOfVisualWords, check_bovw_settings
from features.patches import patch_grid

from .presets import build_classifier, feature_step

#: Images timed per feature set.
SAMPLE = 64

#: Passes over the data a full-batch fit typically makes at the default
#: tolerances, found on CIFAR-10 (the exact SVM solver: 100 to 500 along a
#: warm-started path of 5 alphas, the weakest alpha taking most; L-BFGS
#: fewer); a stochastic optimizer makes one pass per epoch.
FULL_BATCH_PASSES = 200

#: The bag of words' encoding runs at about half the rate of a square GEMM
#: (its products are thin: 108-long patches against the words).
ENCODING_EFFICIENCY = 0.5


def _gemm_seconds_per_flop(dtype=np.float32, n=512):
    """Seconds per floating-point operation of a float32 GEMM on this machine."""
    rng = np.random.default_rng(0)
    a, b = rng.random((n, n), dtype=dtype), rng.random((n, n), dtype=dtype)
    a @ b
    tic = time.perf_counter()
    for _ in range(3):
        a @ b
    return (time.perf_counter() - tic) / (3 * 2 * n ** 3)


def _bovw_seconds(bovw, image_shape, n_images, flop):
    """Encoding ``n_images`` and learning the dictionary, from their GEMMs."""
    rows, cols = patch_grid(image_shape[:2], bovw.patch_size, bovw.stride)
    positions = rows * cols
    dim = bovw.patch_size ** 2 * (image_shape[2] if len(image_shape) == 3 else 1)
    encode = n_images * positions * dim * bovw.n_words * 2 * (2 if bovw.mirror else 1)
    kmeans = min(bovw.n_patches, n_images * positions) * dim * bovw.n_words * 2 \
        * bovw.kmeans_max_iter
    return (encode + kmeans) * flop / ENCODING_EFFICIENCY


def _feature_seconds(spec, params, X, n_images, flop):
    """Seconds to transform ``n_images`` like ``X`` and the number of features."""
    step = feature_step(spec, params)
    parts = step.transformer_list if isinstance(step, FeatureUnion) else [(spec, step)]
    seconds, width = 0.0, 0
    sample = X[:SAMPLE]
    for _, extractor in parts:
        if isinstance(extractor, BagOfVisualWords):
            shape = X.shape[1:] if extractor.image_shape is None else extractor.image_shape
            seconds += _bovw_seconds(extractor, shape, n_images, flop)
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
        (block @ W.T).T @ block
    return (time.perf_counter() - tic) / 3 * n_rows / 1024


def _passes(loss, classifier_params):
    classifier = build_classifier(loss, classifier_params)
    optimizer = check_solver(classifier.optimizer, loss=classifier.loss,
                             penalty=classifier.penalty, alpha=1.0,
                             early_stopping=classifier.early_stopping)
    budget = classifier.max_iter or optimizer.default_max_iter
    return min(FULL_BATCH_PASSES, budget) if optimizer.full_batch else budget


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
             f"{len(settings.alphas)} alphas x {splits} folds + 1 refit = {n_fits} fits"]
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
