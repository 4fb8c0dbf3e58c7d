"""What every image transformer shares: input checks, settings checks, fitted shape, names."""

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from _constraints import N_JOBS, FloatDtype, ImageShape, Integer, check_params

from .images import CHANNELS, check_images

#: Settings of the chunked, threaded feature functions, shared by their tables.
CHUNKED_CONSTRAINTS = {
    "image_shape": [ImageShape(), None],
    "dtype": [FloatDtype()],
    "chunk_size": [Integer(1)],
    "n_jobs": N_JOBS,
}

__all__ = ["CHUNKED_CONSTRAINTS", "FloatDtype", "ImageTransformer", "check_params"]


class ImageTransformer(TransformerMixin, BaseEstimator):
    """Base of the stateless image transformers.

    ``fit`` and ``transform`` check the settings once each (``transform``
    reads them, so a ``set_params`` after ``fit`` is checked too) with
    :meth:`_settings`, which returns what the subclass derives from them;
    then the images, whose shape ``fit`` records and ``transform`` must see
    again; then ``_check_params(image_shape, settings)`` (checks against the
    image size) before ``_transform(images, settings)`` computes the
    features of the validated ``(n, H, W[, C])`` array.  Subclasses set
    ``_channels`` (the accepted channel counts) and
    ``_parameter_constraints``, may extend :meth:`_settings`, and implement
    ``_check_params``, ``_transform`` and ``_feature_names(settings)``.
    """

    _channels = CHANNELS
    #: Whether values outside the dtype's nominal range are refused
    #: (:func:`features.images.check_images`).
    _in_nominal_range = False
    _parameter_constraints: dict = {}
    #: Whether ``fit`` learns from the pixels (not only their shape); read by
    #: :func:`features.learns_from_data`.
    _learns_from_data = False

    def _validated(self, X):
        return check_images(X, self.image_shape, channels=self._channels,
                            in_nominal_range=self._in_nominal_range,
                            owner=type(self).__name__)

    def _settings(self):
        """The settings checked against the table, before any pixel is read."""
        check_params(getattr(self, "_parameter_constraints", {}), self.get_params(deep=False),
                     type(self).__name__)

    def fit(self, X, y=None):
        """Check the images and the parameters; record the image shape.

        Parameters
        ----------
        X : array-like of shape (n, H, W), (n, H, W, C) or (n, H*W*C)
            1 to 4 channels, any real or boolean dtype (see
            :mod:`features.images`); flattened needs ``image_shape``.
        y : ignored

        Returns
        -------
        self
        """
        settings = self._settings()
        images = self._validated(X)
        self._check_params(images.shape[1:], settings)
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
        settings = self._settings()
        images = self._validated(X)
        if images.shape[1:] != self.image_shape_:
            raise ValueError(
                f"{type(self).__name__} was fitted on images of shape {self.image_shape_} "
                f"but got images of shape {images.shape[1:]}.")
        self._check_params(images.shape[1:], settings)
        return self._transform(images, settings)

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
        return np.asarray(self._feature_names(self._settings()), dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = True
        # negative values are refused only where intensities are binned
        tags.input_tags.positive_only = self._in_nominal_range
        tags.transformer_tags.preserves_dtype = []
        return tags
