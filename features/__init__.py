"""Image features as scikit-learn transformers, and image loading.

Every transformer takes images as ``(n, H, W)`` or ``(n, H, W, C)`` arrays
(1 to 4 channels, any real or boolean dtype: see :mod:`features.images`),
or flattened ``(n, H*W*C)`` with
``image_shape=(H, W[, C])``, and computes its features for the whole batch at
once.  Each is a thin wrapper over a plain function that can be called
directly: :func:`hog`, :func:`color_histogram`, and for the bag of words
:func:`learn_dictionary` (``fit``) and :func:`encode_images` (``transform``).
The ``check_*`` functions check settings and image sizes before any work,
as the transformers do.
"""

from .bovw import (
                   BagOfVisualWords,
                   check_bovw_settings,
                   check_bovw_size,
                   learn_dictionary,
)
from .chunks import extract, learns_from_data, take_rows
from .cifar10 import fetch_cifar10, load_cifar10
from .color import (
                   ColorHistogram,
                   check_color_settings,
                   check_color_size,
                   color_histogram,
)
from .encoding import encode_images
from .hog import HOG, check_hog_settings, check_hog_size, hog, hog_image
from .image_folder import load_image_folder, read_image
from .images import check_images
from .raw import RawPixels
from .scaler import ChunkedScaler

__all__ = ["BagOfVisualWords", "HOG", "ColorHistogram", "RawPixels", "hog", "hog_image",
           "color_histogram", "learn_dictionary", "encode_images", "check_images",
           "check_hog_settings", "check_hog_size", "check_color_settings",
           "check_color_size", "check_bovw_settings", "check_bovw_size",
           "load_image_folder", "read_image", "load_cifar10", "fetch_cifar10", "extract",
           "learns_from_data", "take_rows", "ChunkedScaler"]
