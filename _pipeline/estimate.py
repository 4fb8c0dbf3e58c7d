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

from classifiers.solvers import solver_for

from .presets import build_classifier
from .spec import FeatureSpec

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


def _gemm_seconds_per_flop(dtype=np.float32, n=512):
    """Seconds per floating-point operation of a float32 GEMM on this machine."""
    rng = np.random.default_rng(0)
    a, b = rng.random((n, n), dtype=dtype), rng.random((n, n), dtype=dtype)
    a @ b
    tic = time.perf_counter()
    for _ in range(3):
        a @ b
    return (time.perf_counter() - tic) / (3 * 2 * n ** 3)


def _feature_seconds(spec, params, X, n_images, flop):
    """Seconds to transform ``n_images`` like ``X`` and the number of features: each
    extractor's cost model (:meth:`~._pipeline.spec.FeatureSpec.cost`) on a sample."""
    return FeatureSpec.parse(spec, params).cost(X[:SAMPLE], n_images, flop)


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
