"""Bag of visual words: Coates, Lee & Ng's single-layer k-means features.

``fit`` samples random patches, normalises their brightness and contrast,
fits a ZCA whitening and clusters the whitened patches with scikit-learn's
k-means: the centroids are the visual words.  ``transform`` encodes every
patch of every image against the words and sums the codes over spatial
regions (:func:`features.encoding.encode_images`).

References
----------
.. [1] A. Coates, H. Lee and A. Y. Ng, "An Analysis of Single-Layer Networks in
   Unsupervised Feature Learning", AISTATS 2011.
.. [2] A. Coates and A. Y. Ng, "The Importance of Encoding Versus Training with
   Sparse Coding and Vector Quantization", ICML 2011.
.. [3] S. Lazebnik, C. Schmid and J. Ponce, "Beyond Bags of Features", CVPR 2006.
.. [4] F. Perronnin, J. Sanchez and T. Mensink, "Improving the Fisher kernel for
   large-scale image classification", ECCV 2010.
"""

import time
from typing import NamedTuple, Optional

import numpy as np
from sklearn.cluster import KMeans, MiniBatchKMeans
from sklearn.exceptions import NotFittedError
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.validation import check_is_fitted

from _constraints import Flag, Integer, InvalidParameterError, Real

from .base import CHUNKED_CONSTRAINTS, ImageTransformer, check_params
from .encoding import ENCODINGS, encode_images
from .patches import (
    fit_zca,
    normalize_patches,
    patch_grid,
    sample_patches,
    tile_patches,
)

POOLINGS = {"quadrants": (2,), "global": (1,)}

#: The settings of :class:`BagOfVisualWords` (``pooling`` checked in detail by
#: :func:`check_bovw_settings`).
BOVW_CONSTRAINTS = {
    # one word gives every patch the same triangle code: constant features
    "n_words": [Integer(2)],
    "patch_size": [Integer(1)],
    "stride": [Integer(1)],
    "n_patches": [Integer(2)],
    "normalize_patches": [Flag()],
    # added to the patch variances (up to 1.6e4 in 0..255 units): far beyond
    # them it divides every patch down to float32 noise (at 1e30 the features
    # vary by 1e-7)
    "normalize_eps": [Real(0, 1e6, closed="right")],
    "whiten": [Flag()],
    "whiten_eps": [Real(0, None, closed="neither")],
    "encoding": [StrOptions(set(ENCODINGS))],
    "threshold": [Real()],
    "pooling": [StrOptions(set(POOLINGS)), tuple, list],
    # a compression of the pooled sums (up to ~1e4): beyond 2 they overflow
    # float32 at once
    "power": [Real(0, 2, closed="right")],
    "mirror": [Flag()],
    "kmeans": [StrOptions({"lloyd", "minibatch"})],
    "kmeans_max_iter": [Integer(1)],
    **CHUNKED_CONSTRAINTS,
    "random_state": ["random_state"],
    "verbose": ["verbose"],
}


class Dictionary(NamedTuple):
    """What :func:`learn_dictionary` learns.

    Attributes
    ----------
    words : ndarray of shape (n_words, d), float32
        The k-means centroids, in whitened patch space.
    patch_mean, whitening, coloring : ndarray or None
        The ZCA whitening (None without whitening): whitened patches are
        ``(x - patch_mean) @ whitening``, and ``coloring`` undoes it.
    n_patches : int
        Patches sampled.
    inertia : float
        k-means' sum of squared distances of those patches to their word.
    n_iter : int
        k-means' iterations (mini-batch: epochs).
    """

    words: np.ndarray
    patch_mean: Optional[np.ndarray]
    whitening: Optional[np.ndarray]
    coloring: Optional[np.ndarray]
    n_patches: int
    inertia: float
    n_iter: int


def check_bovw_settings(settings, owner="BagOfVisualWords"):
    """Check bag-of-words settings (a dict of the parameters); return the pooling levels.

    Raises an ``InvalidParameterError`` (a ValueError) naming the first
    invalid setting, before any image is read.

    Returns
    -------
    levels : tuple of int
        Cells per side of each pooling level.
    """
    check_params(BOVW_CONSTRAINTS, settings, owner)
    pooling = settings["pooling"]
    if isinstance(pooling, str):
        return POOLINGS[pooling]
    levels = tuple(pooling)
    if not levels or not all(Integer(1).is_satisfied_by(g) for g in levels):
        raise InvalidParameterError(
            "pooling must be 'quadrants', 'global' or a non-empty tuple of ints >= 1 "
            f"(cells per side of each pyramid level, e.g. (1, 2, 4)); got {pooling!r}.")
    return tuple(int(g) for g in levels)


def check_bovw_size(image_shape, patch_size, stride, levels, *, n_images=None, n_words=None,
                    n_patches=None, owner="BagOfVisualWords"):
    """Raise a ValueError naming the sizes if these images cannot be encoded (or learnt from).

    Parameters
    ----------
    image_shape : tuple
        ``(H, W[, C])`` of one image.
    patch_size, stride : int
    levels : tuple of int
        :func:`check_bovw_settings`' pooling levels.
    n_images, n_words, n_patches : int, optional
        For learning a dictionary: ``n_images`` must hold at least one patch
        per word among the ``n_patches`` sampled.
    owner : str
    """
    height, width = image_shape[:2]
    if min(height, width) < patch_size:
        raise ValueError(
            f"{owner}: images of {height}x{width} pixels are smaller than "
            f"patch_size={patch_size}; they need at least {patch_size} rows "
            f"and {patch_size} columns.")
    grid = patch_grid((height, width), patch_size, stride)
    if min(grid) < max(levels):
        raise ValueError(
            f"{owner}: images of {height}x{width} pixels have a {grid[0]}x{grid[1]} grid "
            f"of patch positions (patch_size={patch_size}, stride={stride}), "
            f"fewer than the {max(levels)}x{max(levels)} pooling cells of pooling "
            f"{levels}.")
    if n_images is not None:
        positions = n_images * int(np.prod(patch_grid((height, width), patch_size)))
        if n_words > min(n_patches, positions):
            raise ValueError(
                f"n_words={n_words} is more than the {min(n_patches, positions)} patches "
                f"sampled (n_patches={n_patches}; {n_images} images of {height}x{width} "
                f"pixels hold {positions} patch positions); k-means needs at least one "
                "patch per word.")


def learn_dictionary(images, n_words, *, patch_size=6, n_patches=400_000, normalize_eps=10.0,
                     whiten_eps=1.0, kmeans="minibatch", kmeans_max_iter=10, random_state=None,
                     verbose=0):
    """Learn the visual words of Coates, Lee & Ng: k-means of whitened random patches.

    The plain-function core of :meth:`BagOfVisualWords.fit`, as
    :func:`features.encoding.encode_images` is of its ``transform``.

    Parameters
    ----------
    images : ndarray of shape (n, H, W) or (n, H, W, C)
        Checked images (:func:`features.images.check_images`).
    n_words : int
    patch_size : int, default=6
    n_patches : int, default=400_000
        Random patches sampled (all of them if the images hold fewer).
    normalize_eps : float or None, default=10.0
        Contrast normalisation of each patch; None skips it.
    whiten_eps : float or None, default=1.0
        ZCA whitening's eigenvalue floor; None skips whitening.
    kmeans : {'minibatch', 'lloyd'}, default='minibatch'
    kmeans_max_iter : int, default=10
    random_state : int, RandomState or None
    verbose : int, default=0

    Returns
    -------
    Dictionary
    """
    rng = check_random_state(random_state)
    tic = time.perf_counter()

    def say(message):
        if verbose:
            print(f"[BagOfVisualWords] {message} ({time.perf_counter() - tic:.1f} s)",
                  flush=True)

    patches = sample_patches(images, n_patches, patch_size, rng)
    say(f"sampled {len(patches)} patches of {patches.shape[1]} values")
    if normalize_eps is not None:
        normalize_patches(patches, normalize_eps)
    if whiten_eps is not None:
        mean, whitening, coloring = fit_zca(patches, whiten_eps)
        patches -= mean
        patches = patches @ whitening
    else:
        mean = whitening = coloring = None
    say("normalised and whitened")
    seed = rng.randint(np.iinfo(np.int32).max)
    if kmeans == "lloyd":
        km = KMeans(n_words, init="random", n_init=1, max_iter=kmeans_max_iter,
                    random_state=seed, verbose=verbose > 1)
    else:
        km = MiniBatchKMeans(n_words, init="random", n_init=1, batch_size=4096,
                             max_iter=kmeans_max_iter, random_state=seed, verbose=verbose > 1)
    km.fit(patches)
    say(f"k-means: {n_words} words, {km.n_iter_} iterations, inertia {km.inertia_:.4g}")
    return Dictionary(km.cluster_centers_.astype(np.float32), mean, whitening, coloring,
                      len(patches), float(km.inertia_), int(km.n_iter_))


class BagOfVisualWords(ImageTransformer):
    """Single-layer k-means features (Coates, Lee & Ng 2011) as a transformer.

    Parameters
    ----------
    n_words : int >= 2, default=1600
        Dictionary size (k-means centroids).  Features are ``n_words`` per
        pooling region: 6400 with the default quadrants.
    patch_size : int, default=6
        Side of the square patches, in pixels.
    stride : int, default=1
        Step between the patches encoded by ``transform`` (the dictionary is
        learnt from patches at any position).
    n_patches : int, default=400_000
        Random patches sampled by ``fit`` for the whitening and k-means (all
        of them if the images hold fewer).
    normalize_patches : bool, default=True
        Subtract each patch's mean and divide by ``sqrt(var + normalize_eps)``.
    normalize_eps : float in (0, 1e6], default=10.0
        In squared 0..255 units (the paper's 10).
    whiten : bool, default=True
        ZCA-whiten patches (:func:`features.patches.fit_zca`).
    whiten_eps : float, default=1.0
        Added to the covariance's eigenvalues.  The paper's 0.1 amplifies the
        weakest directions of patch space ten times more; on JPEG images
        (CIFAR-10 as shared here) those hold mostly compression noise, which
        1.0 damps: it scored higher on this project's CIFAR-10 validation
        split.
    encoding : {'triangle', 'hard', 'soft_threshold'}, default='triangle'
        ``'triangle'``: ``max(0, mean(z) - z_k)`` of the distances ``z_k`` to
        the words; ``'hard'``: 1 for the nearest word, 0 elsewhere (word
        counts); ``'soft_threshold'``: ``max(0, d_k . x - threshold)`` with the
        words ``d_k`` scaled to unit norm [2]_.
    threshold : float, default=0.25
        Of ``'soft_threshold'`` (the value of [2]_).
    pooling : {'quadrants', 'global'} or tuple of int, default='quadrants'
        Codes are summed over the four quadrants of the patch grid, the whole
        grid, or the cells of each level of a spatial pyramid [3]_, e.g.
        ``(1, 2, 4)`` for 1 + 4 + 16 regions.
    power : float in (0, 2], default=0.5
        Every pooled code is raised to this power.  The square root (power
        normalisation [4]_) damps the words that fire all over an image
        relative to the rare ones, which helps a linear classifier.  1.0
        gives the paper's sums.
    mirror : bool, default=True
        Add the pooled codes of each image's mirror image (flipped left to
        right) to its own, so that the features do not change when an image
        is flipped.  A linear classifier on these features scores an image
        and its mirror image alike, as training on mirrored copies of the
        training images and averaging the scores of both orientations would,
        without doubling the training set.  It doubles the work of
        ``transform``.
    kmeans : {'minibatch', 'lloyd'}, default='minibatch'
        scikit-learn's ``MiniBatchKMeans`` (batches of 4096, initialised with
        random patches, small clusters re-seeded as it goes, stopped when
        its smoothed inertia stalls: about 3 epochs) or ``KMeans`` (Lloyd,
        random patches as initial centroids).
    kmeans_max_iter : int, default=10
        Epochs of mini-batch k-means at most, or iterations of Lloyd's algorithm.
    image_shape : tuple or None, default=None
        ``(H, W[, C])`` when ``X`` holds flattened images.
    chunk_size : int, default=32
        Images a worker takes at a time: it holds their patches (300 KiB per
        32 x 32 x 3 image) and one image's products with the words (4.5 MiB
        with 1600 words).
    n_jobs : int or None, default=-1
        Worker threads of ``transform``, read as joblib reads it (None is 1,
        -1 every core, -2 all but one, as BLAS would use anyway); each runs
        BLAS on one thread.
    random_state : int, RandomState or None, default=None
        Seeds the patch sampling and k-means.
    verbose : int, default=0
        1 prints the stages of ``fit``; 2 also k-means' iterations.

    Attributes
    ----------
    dictionary_ : ndarray of shape (n_words, patch_size * patch_size * C), float32
        The words, in whitened patch space, ``(row, column, channel)`` order.
    patch_mean_ : ndarray of shape (d,) or None
        Mean of the normalised training patches (None without whitening).
    whitening_ : ndarray of shape (d, d) or None
        Symmetric ZCA matrix: whitened patches are ``(x - patch_mean_) @ whitening_``.
    coloring_ : ndarray of shape (d, d) or None
        Its inverse, to show the words as patches (:meth:`dictionary_image`).
    patch_shape_ : tuple
        ``(patch_size, patch_size[, C])``.
    n_patches_ : int
        Patches the dictionary was learnt from.
    inertia_ : float
        k-means' sum of squared distances of those patches to their word.
    n_iter_ : int
        Epochs of mini-batch k-means, or Lloyd iterations, run.
    levels_ : tuple of int
        Pooling grid of each level.
    image_shape_ : tuple
        Shape of one image seen in ``fit``.
    n_features_in_ : int
        Values per image seen in ``fit``.

    Notes
    -----
    The recipe is the paper's [1]_ (6 x 6 patches, brightness and contrast
    normalisation with eps 10, ZCA whitening, 1600 k-means words, triangle
    code at stride 1, sums over the quadrants), with four departures chosen
    on the CIFAR-10 validation split of this project: ``whiten_eps=1.0``
    instead of 0.1, the square root of the pooled codes (``power=0.5``) and
    mini-batch k-means, and the mirror image's codes added (``mirror=True``);
    README ("Measured") has the mirror's worth.  ``mirror=False,
    power=1.0, whiten_eps=0.1, kmeans='lloyd', kmeans_max_iter=50`` is the
    paper's setting.

    ``transform`` accepts images of another height and width than ``fit``
    (the pooling regions are fractions of the patch grid), as long as they
    have the same channels and at least one patch position per pooling cell.

    References
    ----------
    .. [1] A. Coates, H. Lee and A. Y. Ng, "An Analysis of Single-Layer Networks
       in Unsupervised Feature Learning", AISTATS 2011.
    .. [2] A. Coates and A. Y. Ng, "The Importance of Encoding Versus Training
       with Sparse Coding and Vector Quantization", ICML 2011.
    .. [3] S. Lazebnik, C. Schmid and J. Ponce, "Beyond Bags of Features", CVPR 2006.
    .. [4] F. Perronnin, J. Sanchez and T. Mensink, "Improving the Fisher kernel
       for large-scale image classification", ECCV 2010.

    Examples
    --------
    >>> import numpy as np
    >>> from features import BagOfVisualWords
    >>> images = np.random.default_rng(0).integers(0, 256, (20, 16, 16, 3), dtype=np.uint8)
    >>> bovw = BagOfVisualWords(n_words=10, n_patches=2000, random_state=0).fit(images)
    >>> bovw.transform(images).shape                  # 10 words x 4 quadrants
    (20, 40)
    >>> bovw.get_feature_names_out()[11]
    'bovw_g2_r0_c1_w1'
    >>> bovw.dictionary_image().shape          # 3 rows of 4 words, 6 x 6 pixels each
    (22, 29, 3)
    """

    _parameter_constraints = BOVW_CONSTRAINTS
    _learns_from_data = True

    def __init__(self, n_words=1600, patch_size=6, stride=1, n_patches=400_000,
                 normalize_patches=True, normalize_eps=10.0, whiten=True, whiten_eps=1.0,
                 encoding="triangle", threshold=0.25, pooling="quadrants", power=0.5,
                 mirror=True, kmeans="minibatch", kmeans_max_iter=10, image_shape=None,
                 chunk_size=32, n_jobs=-1, random_state=None, verbose=0):
        self.n_words = n_words
        self.patch_size = patch_size
        self.stride = stride
        self.n_patches = n_patches
        self.normalize_patches = normalize_patches
        self.normalize_eps = normalize_eps
        self.whiten = whiten
        self.whiten_eps = whiten_eps
        self.encoding = encoding
        self.threshold = threshold
        self.pooling = pooling
        self.power = power
        self.mirror = mirror
        self.kmeans = kmeans
        self.kmeans_max_iter = kmeans_max_iter
        self.image_shape = image_shape
        self.chunk_size = chunk_size
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------ checks
    def _settings(self):
        """The pooling levels, the settings checked (also after a ``set_params``)."""
        return check_bovw_settings(self.get_params(deep=False), type(self).__name__)

    # ------------------------------------------------------------------ fit
    def fit(self, X, y=None):
        """Learn the whitening and the dictionary from random patches of ``X``.

        Parameters
        ----------
        X : array-like of shape (n, H, W), (n, H, W, C) or (n, H*W*C)
            1 to 4 channels, any real or boolean dtype, read in 0..255 units
            (:mod:`features.images`); flattened needs ``image_shape``.
        y : ignored

        Returns
        -------
        self
        """
        levels = self._settings()
        images = self._validated(X)
        check_bovw_size(images.shape[1:], self.patch_size, self.stride, levels,
                        n_images=images.shape[0], n_words=self.n_words,
                        n_patches=self.n_patches, owner=type(self).__name__)
        learnt = learn_dictionary(
            images, self.n_words, patch_size=self.patch_size, n_patches=self.n_patches,
            normalize_eps=self.normalize_eps if self.normalize_patches else None,
            whiten_eps=self.whiten_eps if self.whiten else None, kmeans=self.kmeans,
            kmeans_max_iter=self.kmeans_max_iter, random_state=self.random_state,
            verbose=self.verbose)
        self.dictionary_ = learnt.words
        self.patch_mean_, self.whitening_, self.coloring_ = (
            learnt.patch_mean, learnt.whitening, learnt.coloring)
        self.patch_shape_ = (self.patch_size, self.patch_size) + tuple(images.shape[3:])
        self.n_patches_ = learnt.n_patches
        self.inertia_ = learnt.inertia
        self.n_iter_ = learnt.n_iter
        self.levels_ = levels
        self.image_shape_ = images.shape[1:]
        self.n_features_in_ = int(np.prod(self.image_shape_))
        self._dictionary_settings = self._learning_settings()
        return self

    #: The settings that decide the dictionary: changed after ``fit``, they need a refit.
    _LEARNING = ("n_words", "patch_size", "n_patches", "normalize_patches", "normalize_eps",
                 "whiten", "whiten_eps", "kmeans", "kmeans_max_iter", "random_state")

    def _learning_settings(self):
        return {name: getattr(self, name) for name in self._LEARNING}

    def _check_dictionary_settings(self):
        """NotFittedError when set_params has changed a setting of the dictionary since fit."""
        fitted = getattr(self, "_dictionary_settings", None)
        if fitted is None:
            return
        now = self._learning_settings()
        changed = [f"{name}={now[name]!r} (fitted with {fitted[name]!r})"
                   for name in self._LEARNING if now[name] != fitted[name]]
        if changed:
            raise NotFittedError(
                f"{type(self).__name__}: set_params changed {', '.join(changed)} since fit, "
                "and the dictionary was learnt with the old values; call fit again before "
                "transform.")

    # ------------------------------------------------------------------ transform
    def transform(self, X):
        """Pooled codes of every image.

        Parameters
        ----------
        X : array-like of images, as in :meth:`fit`
            Of the same channels as in ``fit``; height and width may differ.

        Returns
        -------
        features : ndarray of shape (n, n_regions * n_words), float32
            Ordered (pyramid level, cell row, cell column, word).
        """
        check_is_fitted(self)
        self._settings()                # set_params after fit is checked too
        self._check_dictionary_settings()
        images = self._validated(X)
        if images.shape[3:] != self.image_shape_[2:]:
            raise ValueError(
                f"{type(self).__name__} was fitted on images of shape {self.image_shape_} "
                f"(patches of {int(np.prod(self.patch_shape_))} values) but got images of "
                f"shape {images.shape[1:]}; the number of channels must match.")
        # the patch size and pooling are those of the fitted dictionary, even
        # if set_params has changed them since
        patch_size = self.patch_shape_[0]
        check_bovw_size(images.shape[1:], patch_size, self.stride, self.levels_,
                        owner=type(self).__name__)
        return encode_images(
            images, self.dictionary_, patch_size=patch_size, stride=self.stride,
            patch_mean=self.patch_mean_, whitening=self.whitening_,
            normalize_eps=self.normalize_eps if self.normalize_patches else None,
            encoding=self.encoding, threshold=self.threshold, levels=self.levels_,
            power=self.power, mirror=self.mirror, chunk_size=self.chunk_size,
            n_jobs=self.n_jobs)

    def _feature_names(self, levels):
        return [f"bovw_g{g}_r{i}_c{j}_w{k}" for g in self.levels_
                for i in range(g) for j in range(g) for k in range(len(self.dictionary_))]

    def dictionary_image(self, n_cols=None, border=1):
        """The words as patches (de-whitened), tiled into one uint8 image.

        Parameters
        ----------
        n_cols : int >= 1, default=None
            Words per row; ``ceil(sqrt(n_words))`` when None.
        border : int >= 0, default=1
            Black pixels between words.

        Returns
        -------
        image : ndarray of shape (H', W') or (H', W', C), uint8
            Each word stretched to 0..255 (:func:`features.patches.tile_patches`).
        """
        check_is_fitted(self)
        words = self.dictionary_
        if self.coloring_ is not None:
            words = words @ self.coloring_ + self.patch_mean_
        return tile_patches(words, self.patch_shape_, n_cols=n_cols, border=border)
