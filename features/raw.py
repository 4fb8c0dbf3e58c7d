"""Raw pixels: the baseline of the feature comparison."""

import numpy as np

from .base import CHUNKED_CONSTRAINTS, FloatDtype, ImageTransformer
from .images import chunks, to_float


class RawPixels(ImageTransformer):
    """Images flattened to rows of pixel values, the dtype's nominal range as 0..1.

    Integer images are divided by their nominal maximum (255, or 65535 for
    uint16), float and boolean images are kept as they are (see
    :mod:`features.images`); every channel is kept (alpha too); the
    output is ``(n, H * W * C)`` in ``dtype``, row-major with the channel
    last, like ``images.reshape(n, -1)``.  A single colour image ``(H, W, 3)``
    is refused with a hint to pass ``image[None]``, rather than read as ``H``
    grayscale images ``W x 3`` pixels in size (see
    :func:`features.images.check_images`).

    Parameters
    ----------
    image_shape : tuple or None, default=None
        ``(H, W[, C])`` when ``X`` holds flattened images.
    dtype : {np.float32, np.float64}, default=np.float32
        Output type; checked at ``fit`` (scikit-learn's ``InvalidParameterError``).

    Attributes
    ----------
    image_shape_ : tuple
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np
    >>> from features import RawPixels
    >>> RawPixels().fit_transform(np.full((2, 2, 2, 3), 255, np.uint8))[0, :3]
    array([1., 1., 1.], dtype=float32)
    """

    _parameter_constraints = {"image_shape": CHUNKED_CONSTRAINTS["image_shape"],
                              "dtype": [FloatDtype()]}

    def __init__(self, image_shape=None, dtype=np.float32):
        self.image_shape = image_shape
        self.dtype = dtype

    def _check_params(self, image_shape, settings):
        pass

    def _transform(self, images, settings):
        dtype = np.dtype(self.dtype).type
        out = np.empty((images.shape[0], int(np.prod(images.shape[1:]))), dtype=dtype)
        for part in chunks(images.shape[0], 4096):
            out[part] = to_float(images[part], dtype).reshape(len(out[part]), -1)
        return out

    def _feature_names(self, settings):
        shape = self.image_shape_
        if len(shape) == 2:
            return [f"pixel_r{r}_c{c}" for r, c in np.ndindex(*shape)]
        return [f"pixel_r{r}_c{c}_ch{k}" for r, c, k in np.ndindex(*shape)]
