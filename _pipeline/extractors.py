"""The feature extractors known by name, and what the pipeline knows of each.

:data:`FEATURES` is the one registry of feature names.  Its :class:`Feature`
records say how a name builds its extractor and what that builds, and carry
what the comparison asks of it: the check of its settings, the probe that
runs it on two images before any long work, its cost model for the time
estimate, and whether its ``fit`` learns from the images.  A new extractor is
one record here; :class:`~._pipeline.spec.FeatureSpec` reads them for the
checks, the estimate and the pipelines.
"""

import time
from typing import Callable, NamedTuple, Optional

from sklearn.base import clone

from _constraints import check_params
from features import (
    HOG,
    BagOfVisualWords,
    ColorHistogram,
    RawPixels,
    check_bovw_settings,
    check_bovw_size,
    check_color_settings,
    check_hog_settings,
    check_images,
)
from features.patches import patch_grid

# ------------------------------------------------------------------ the presets

def _raw():
    return RawPixels()


def hog_preset():
    # sqrt gamma compression and L1-sqrt blocks beat the L2-Hys default in
    # the accuracy study (README, "Measured").
    return HOG(transform_sqrt=True, block_norm="L1-sqrt")


def hog_fine_preset():
    # The same HOG on cells of 4x4 pixels: the shapes of parts of the object,
    # which 8x8 cells on a 32x32 image blur (README, "Measured": beside the
    # 8x8 cells and the colour histograms, +3 to +4 points of accuracy).
    return hog_preset().set_params(pixels_per_cell=(4, 4))


def _color():
    # The 8x8x8 HSV colour cube, square-rooted (Hellinger): the best colour
    # histogram beside HOG in the accuracy study (README, "Measured").
    return ColorHistogram(mode="joint", bins=8, power=0.5)


def _color_grid():
    # Where the colours are: a coarser 4x4x4 cube in each quadrant of the
    # image (sky above, ground below), square-rooted as the global one.
    return ColorHistogram(mode="joint", bins=4, grid=(2, 2), power=0.5)


def _bovw():
    return BagOfVisualWords()


# ------------------------------------------------------------------- the probes

def _check_image_shape(name, extractor, X, shape):
    """Flattened images need the extractor's ``image_shape``: said with the user's ``shape``."""
    if X.ndim == 2 and extractor.image_shape is None:
        # the probe's own message would show its 2 rows, not the user's X
        raise ValueError(
            f"{name}: X has shape {shape}, flattened images (or a table), and "
            f"{type(extractor).__name__} needs their shape: pass feature_params="
            f"{{'{name}': {{'image_shape': (height, width, channels)}}}}, or X as "
            "(n, height, width[, channels]).")


def probe_transform(name, extractor, X, n_fit, shape):
    """Fit and transform two images: bad settings and images too small fail here."""
    _check_image_shape(name, extractor, X, shape)
    clone(extractor).fit(X[:2]).transform(X[:2])


def probe_bovw(name, bovw, X, n_fit, shape):
    """The bag of words unfitted (k-means is the long work): its settings and the image
    size through the checks its ``fit`` starts with, and ``n_words`` against the patch
    positions of ``n_fit`` images (the smallest cross-validation training part)."""
    _check_image_shape(name, bovw, X, shape)
    settings = bovw.get_params()
    levels = check_bovw_settings(settings)
    images = check_images(X[:2], settings["image_shape"], owner="BagOfVisualWords")
    check_bovw_size(images.shape[1:], settings["patch_size"], settings["stride"], levels)
    rows, cols = patch_grid(images.shape[1:3], settings["patch_size"])
    available = min(settings["n_patches"], n_fit * rows * cols)
    if settings["n_words"] > available:
        raise ValueError(
            f"{name}: n_words={settings['n_words']} needs a patch per word, but a "
            f"cross-validation training part of {n_fit} images of "
            f"{images.shape[1]}x{images.shape[2]} pixels gives {available} patches "
            f"(n_patches={settings['n_patches']}); lower n_words (--words) or give more "
            "images.")


# -------------------------------------------------------------- the cost models

#: k-means (mini-batch, ``kmeans_max_iter`` passes at most) ends after about
#: this many passes over the patches on CIFAR-10.
KMEANS_PASSES = 5

#: k-means' products run at about half the rate of a square GEMM (its
#: products are thin: 108-long patches against the words).
KMEANS_EFFICIENCY = 0.5


def timed_cost(extractor, sample, n_images, flop):
    """Seconds to transform ``n_images`` (timed on ``sample``) and the number of features."""
    fitted = clone(extractor).fit(sample[:2])
    tic = time.perf_counter()
    features = fitted.transform(sample)
    return (time.perf_counter() - tic) * n_images / len(sample), features.shape[1]


def bovw_cost(bovw, sample, n_images, flop):
    """Learning the dictionary (from its arithmetic, at ``flop`` seconds per
    floating-point operation) and encoding ``n_images`` (timed on ``sample`` with a
    dictionary learned quickly from it); and the number of features."""
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
    levels = check_bovw_settings(bovw.get_params())
    width = bovw.n_words * sum(level * level for level in levels)
    return kmeans * flop / KMEANS_EFFICIENCY + encode, width


# ---------------------------------------------------------------- the registry

class Feature(NamedTuple):
    """What a feature name builds, and what the comparison asks of it.

    Only ``build`` and ``description`` are needed: an extractor without a
    check or a probe is not checked before the run (someone else's
    transformer: not ours to probe), and without a cost model its transform
    is timed on a sample.
    """

    #: Makes the extractor with its preset settings: ``build() -> transformer``.
    build: Callable
    #: What ``build`` makes, for the documentation.
    description: str
    #: ``check(settings, owner)`` raises on settings the extractor would refuse.
    check: Optional[Callable] = None
    #: ``probe(name, extractor, X, n_fit, shape)`` raises on images or settings it
    #: would fail on, from two images of ``X`` (``shape``: the user's ``X``'s).
    probe: Optional[Callable] = None
    #: ``cost(extractor, sample, n_images, flop) -> (seconds, n_features)``;
    #: None: :func:`timed_cost`.
    cost: Optional[Callable] = None
    #: Its ``fit`` learns from the images: seeded by a comparison's ``random_state``.
    learned: bool = False


def _check_raw_settings(settings, owner):
    check_params(RawPixels._parameter_constraints, settings, owner)


#: Feature names for :func:`~._pipeline.presets.make_pipeline`: name ->
#: :class:`Feature`, whose first two fields are (builder, what it builds).
FEATURES = {
    "raw": Feature(_raw, "RawPixels(): the pixels as they are",
                   check=_check_raw_settings, probe=probe_transform),
    "hog": Feature(hog_preset, "HOG(transform_sqrt=True, block_norm='L1-sqrt'): 8x8 cells, "
                               "2x2 blocks, 324 features on 32x32 images",
                   check=check_hog_settings, probe=probe_transform),
    "color": Feature(_color, "ColorHistogram(mode='joint', bins=8, power=0.5): the 8x8x8 HSV "
                             "cube, square-rooted, 512 features",
                     check=check_color_settings, probe=probe_transform),
    "hogfine": Feature(hog_fine_preset, "HOG(transform_sqrt=True, block_norm='L1-sqrt', "
                                        "pixels_per_cell=(4, 4)): 4x4 cells, 2x2 blocks, "
                                        "1,764 features on 32x32 images",
                       check=check_hog_settings, probe=probe_transform),
    "colorgrid": Feature(_color_grid, "ColorHistogram(mode='joint', bins=4, grid=(2, 2), "
                                      "power=0.5): a 4x4x4 HSV cube per quadrant, "
                                      "square-rooted, 256 features",
                         check=check_color_settings, probe=probe_transform),
    "bovw": Feature(_bovw, "BagOfVisualWords(): Coates-style k-means words on 6x6 patches, "
                           "triangle code, quadrant pooling, square-rooted, mirror images "
                           "added",
                    check=check_bovw_settings, probe=probe_bovw, cost=bovw_cost,
                    learned=True),
}


def feature(name):
    """The :class:`Feature` record of a registered ``name`` (a bare pair
    ``(builder, description)`` read as one, without check, probe or cost model)."""
    return Feature(*FEATURES[name])
