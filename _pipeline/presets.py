"""Loss presets, and the pipelines built from feature and loss names.

Each feature name (:data:`FEATURES`, the registry of
:mod:`~._pipeline.extractors`) builds the best settings of the accuracy
studies (README's "Measured" tables); each loss name the classifier that
trains it to its optimum.  :func:`make_pipeline` assembles ``features -> ChunkedScaler ->
classifier``; :func:`scaled_classifier` the last two alone, which is what a
refit on precomputed features needs.
"""

import math

from sklearn.base import clone
from sklearn.pipeline import Pipeline

from _constraints import InvalidParameterError
from classifiers import LinearSVM, SoftmaxClassifier
from classifiers.solvers import SOLVERS, solver_for
from features import ChunkedScaler

from .caching import CachedFeatures, check_memory_folder
from .extractors import FEATURES
from .spec import FeatureSpec

__all__ = ["FEATURES", "LOSSES", "DEFAULT_LOSS", "DEFAULT_ALPHAS", "REFERENCE_IMAGES",
           "default_alphas", "check_loss", "feature_step", "build_classifier", "make_pipeline",
           "scaled_classifier", "search_classifier"]


#: Loss names for :func:`make_pipeline`: name -> the classifier it builds.
LOSSES = {
    "hinge": lambda: LinearSVM(),
    "squared_hinge": lambda: LinearSVM(loss="squared_hinge"),
    "ovr_squared_hinge": lambda: LinearSVM(loss="ovr_squared_hinge"),
    "softmax": lambda: SoftmaxClassifier(),
}

#: The command line's loss when ``--loss`` is left out: the one-vs-rest L2-SVM
#: of Coates et al. (2011), which on all of CIFAR-10 was the most accurate of
#: the losses on HOG + colour and the bag of words (softmax led on raw pixels;
#: README, "Benchmarks"); its search (L-BFGS) was longer than the
#: Weston-Watkins squared hinge's (the exact solver) on HOG + colour only.
DEFAULT_LOSS = "ovr_squared_hinge"


#: The default grid at :data:`REFERENCE_IMAGES` training images: four decades
#: around the optima of the default run (4,000 CIFAR-10 images, every model
#: trained to its optimum).  Not lower: the weakest alphas are the slowest
#: fits (the exact SVM's certificate closes slowest there), and only the bag
#: of words peaks at the low edge, where the search adds the decade below.
DEFAULT_ALPHAS = (1e-1, 1.0, 10.0, 100.0)

#: The number of training images :data:`DEFAULT_ALPHAS` is centred for.
REFERENCE_IMAGES = 4000


def default_alphas(n_train):
    """The default grid for ``n_train`` training images: :data:`DEFAULT_ALPHAS` moved
    by a decade per tenfold change of ``n_train``.

    The data term of the objective is a mean over the images while the
    penalty is not, so as the images multiply the same model needs a
    proportionally smaller ``alpha`` (the optima of ``C = 1 / (alpha n)``
    move little).  The shift is rounded to whole decades so the grid stays
    on round values; the search extends it beyond an edge anyway.

    Parameters
    ----------
    n_train : int
        Training images of the comparison (before the cross-validation
        splits).

    Returns
    -------
    alphas : list of float, ascending

    Examples
    --------
    >>> default_alphas(4000)
    [0.1, 1.0, 10.0, 100.0]
    >>> default_alphas(40000)
    [0.01, 0.1, 1.0, 10.0]
    """
    shift = round(math.log10(REFERENCE_IMAGES / max(int(n_train), 1)))
    return [float(f"{alpha * 10.0 ** shift:.6g}") for alpha in DEFAULT_ALPHAS]


def check_loss(loss):
    if not isinstance(loss, str) or loss not in LOSSES:
        raise InvalidParameterError(
            f"Unknown loss {loss!r}; valid losses are "
            f"{', '.join(repr(n) for n in LOSSES)}.")
    return loss


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
    return FeatureSpec.parse(features, feature_params).build()


# Every loss trains to its optimum, so that a grid search compares the alphas
# rather than how far a budget of epochs got (on wide features such as the bag
# of words, 20 epochs of momentum stop well short of it; README has the
# figures).  The Weston-Watkins hinge losses get that from their classifier's
# own default (optimizer='auto': the exact solver, certified by its duality
# gap); the losses whose default is a stochastic rule but that L-BFGS can
# minimize (softmax, the one-vs-rest squared hinge) from L-BFGS.
LBFGS_DEFAULTS = {"optimizer": "lbfgs", "max_iter": 300}


def build_classifier(loss, classifier_params):
    """The classifier of ``loss`` with ``classifier_params``.

    A classifier whose own default (``optimizer='auto'``) is a stochastic
    rule, but whose settings L-BFGS minimizes (softmax and the one-vs-rest
    squared hinge with the l2 penalty or none, no early stopping), defaults
    to :data:`LBFGS_DEFAULTS` unless ``classifier_params`` names an
    optimizer; ``max_iter`` then counts that optimizer's own units (epochs).
    """
    classifier = LOSSES[check_loss(loss)]().set_params(**classifier_params)
    # the settings as set, so the classifier's own defaults are not restated here
    if ("optimizer" not in classifier_params and not solver_for(classifier).full_batch
            and SOLVERS["lbfgs"].accepts(classifier.loss, classifier.penalty, classifier.alpha,
                                         classifier.early_stopping)):
        classifier.set_params(**{**LBFGS_DEFAULTS, **classifier_params})
    return classifier


def make_pipeline(features="hog+color", loss="hinge", *, memory=None, feature_params=None,
                  **classifier_params):
    """A ``features -> ChunkedScaler -> classifier`` pipeline from short names.

    :class:`features.ChunkedScaler` is ``StandardScaler`` computed block by
    block: the same statistics, faster on wide float32 features, and a
    memory-mapped input is scaled into a file rather than into memory.

    Parameters
    ----------
    features : str, default='hog+color'
        ``'raw'``, ``'hog'``, ``'color'``, ``'hogfine'``, ``'colorgrid'``,
        ``'bovw'``, or names joined by
        ``+`` for a :class:`~sklearn.pipeline.FeatureUnion` (see
        :data:`FEATURES` for what each builds).
    loss : {'hinge', 'squared_hinge', 'ovr_squared_hinge', 'softmax'}, default='hinge'
        ``LinearSVM()``, ``LinearSVM(loss='squared_hinge')``,
        ``LinearSVM(loss='ovr_squared_hinge')`` or ``SoftmaxClassifier()``,
        with defaults that need no tuning: the first two train with the
        exact solver, the last two with ``optimizer='lbfgs', max_iter=300``
        unless ``classifier_params`` choose another optimizer (or an l1
        penalty or early stopping, which L-BFGS cannot do).
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
    >>> sorted(pipe.named_steps["features"].named_transformers)
    ['color', 'hog']
    """
    step = feature_step(features, feature_params)
    if memory is not None:
        check_memory_folder(memory)    # a bad memory fails here, not at the first fit
        step = CachedFeatures(step, memory=memory)
    return Pipeline([("features", step), ("scale", ChunkedScaler()),
                     ("classifier", build_classifier(loss, classifier_params))])


def scaled_classifier(loss, **classifier_params):
    """``ChunkedScaler -> classifier`` of ``loss``: the tail of :func:`make_pipeline`.

    What a refit on precomputed features trains (steps ``'scale'`` and
    ``'classifier'``).
    """
    return Pipeline([("scale", ChunkedScaler()),
                     ("classifier", build_classifier(loss, classifier_params))])


def search_classifier(classifier):
    """A clone of ``classifier`` as a grid search fits it: with its solver's looser
    ``search_tol`` when its ``tol`` is None (the exact SVM: certified within 10%
    of the optimum rather than 1%; L-BFGS: a gradient of 1e-3 rather than 1e-4),
    which ranks the alphas alike in a fraction of the iterations.  A ``tol``
    the user set is kept."""
    classifier = clone(classifier)
    search_tol = solver_for(classifier).search_tol
    if search_tol is not None and classifier.get_params().get("tol", 0) is None:
        classifier.set_params(tol=search_tol)
    return classifier
