"""What every image transformer shares: input checks, settings checks, fitted shape, names."""

from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils._param_validation import (Interval, InvalidParameterError, Options,
                                             validate_parameter_constraints)
from sklearn.utils.validation import check_is_fitted

from .images import check_image_shape, check_images


class FloatDtype(Options):
    """Constraint: float32 or float64, as a type, an ``np.dtype`` or a name.

    Other dtypes give garbage rather than an error further down (float16
    overflows in the gradients, HOG turns to NaN; an integer type truncates
    histograms to zeros), so they are refused with the settings.
    """

    def __init__(self):
        super().__init__(object, {np.float32, np.float64})

    def is_satisfied_by(self, val):
        # np.dtype(None) is float64: None is no dtype here.
        if val is None or isinstance(val, (bool, np.bool_)):
            return False
        try:
            return np.dtype(val) in (np.dtype(np.float32), np.dtype(np.float64))
        except (TypeError, ValueError):
            return False

    def __str__(self):
        return "np.float32 or np.float64 (or their np.dtype or name)"


#: Settings of the chunked, threaded feature functions, shared by their tables.
CHUNKED_CONSTRAINTS = {
    "image_shape": [tuple, list, None],
    "dtype": [FloatDtype()],
    "chunk_size": [Interval(Integral, 1, None, closed="left")],
    "n_jobs": [Interval(Integral, None, -1, closed="right"),
               Interval(Integral, 1, None, closed="left"), None],
}


def check_settings(constraints, settings, owner):
    """Check settings against a ``_parameter_constraints`` table, plus what it cannot say.

    Parameters
    ----------
    constraints : dict
        ``name -> list of constraints``, as scikit-learn's ``_parameter_constraints``.
    settings : dict
        ``name -> value``; names without a constraint are not checked.
    owner : str
        The function or class named in the messages.

    Raises
    ------
    sklearn.utils._param_validation.InvalidParameterError
        (a ValueError and a TypeError) naming the setting, what it must be
        and what it was.  Beyond the table: a bool where a number is expected
        (``Interval`` admits ``True`` as the int 1), and an ``image_shape``
        that is not a tuple of 2 or 3 positive ints.
    """
    validate_parameter_constraints(constraints, settings, caller_name=owner)
    for name, value in settings.items():
        kinds = constraints.get(name, [])
        if (isinstance(value, (bool, np.bool_)) and "boolean" not in kinds
                and any(isinstance(c, Interval) for c in kinds)):
            raise InvalidParameterError(
                f"The {name!r} parameter of {owner} must be a number, not a bool. "
                f"Got {value!r} instead.")
    if "image_shape" in settings:
        try:
            check_image_shape(settings["image_shape"], owner)
        except ValueError as exc:
            raise InvalidParameterError(str(exc)) from None


def check_pair(value, name, owner):
    """``value`` as a tuple of two ints >= 1 (numpy ints accepted, bools refused)."""
    if (not isinstance(value, (tuple, list)) or len(value) != 2
            or not all(isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))
                       and v >= 1 for v in value)):
        raise InvalidParameterError(
            f"The {name!r} parameter of {owner} must be a pair of ints >= 1, such as (8, 8). "
            f"Got {value!r} instead.")
    return (int(value[0]), int(value[1]))


class ImageTransformer(TransformerMixin, BaseEstimator):
    """Base of the stateless image transformers.

    ``fit`` checks the settings (against the class's ``_parameter_constraints``
    and the subclass's ``_check_params``), then the images, and records their
    shape; ``transform`` checks the settings again (it reads them, so a
    ``set_params`` after ``fit`` is checked too), checks that later batches
    have the fitted shape and calls the subclass's ``_transform(images)`` on
    the validated ``(n, H, W[, C])`` array.  Subclasses set ``_channels`` (the
    accepted channel counts) and ``_parameter_constraints``, may extend
    ``_check_settings()`` (checks that need no image), and implement
    ``_check_params(image_shape)`` (checks against the image size),
    ``_transform`` and ``_feature_names()``.
    """

    _channels = (1, 3)
    _parameter_constraints: dict = {}

    def _validated(self, X):
        return check_images(X, self.image_shape, channels=self._channels,
                            owner=type(self).__name__)

    def _check_settings(self):
        """The settings alone, before any pixel is read (subclasses may add to it)."""
        check_settings(getattr(self, "_parameter_constraints", {}),
                       self.get_params(deep=False), type(self).__name__)

    def fit(self, X, y=None):
        """Check the images and the parameters; record the image shape.

        Parameters
        ----------
        X : array-like of shape (n, H, W), (n, H, W, C) or (n, H*W*C)
            uint8 in 0..255 or float in 0..1; flattened needs ``image_shape``.
        y : ignored

        Returns
        -------
        self
        """
        self._check_settings()
        images = self._validated(X)
        self._check_params(images.shape[1:])
        self.image_shape_ = images.shape[1:]
        self.n_features_in_ = int(np.prod(self.image_shape_))
        return self

    def transform(self, X):
        """Features of every image.

        Parameters
        ----------
        X : array-like of images, as in :meth:`fit`

        Returns
        -------
        features : ndarray of shape (n, n_features_out)
        """
        check_is_fitted(self)
        self._check_settings()
        images = self._validated(X)
        if images.shape[1:] != self.image_shape_:
            raise ValueError(
                f"{type(self).__name__} was fitted on images of shape {self.image_shape_} "
                f"but got images of shape {images.shape[1:]}.")
        self._check_params(images.shape[1:])
        return self._transform(images)

    def get_feature_names_out(self, input_features=None):
        """Names of the output features, e.g. ``hog_b0_1_r0_c1_o3``.

        Parameters
        ----------
        input_features : ignored
            The inputs are pixels; the names describe the outputs.

        Returns
        -------
        names : ndarray of str
        """
        check_is_fitted(self)
        return np.asarray(self._feature_names(), dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = True
        tags.input_tags.positive_only = True     # pixel intensities
        tags.transformer_tags.preserves_dtype = []
        return tags
