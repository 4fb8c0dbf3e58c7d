"""Image features as scikit-learn transformers, and image loading.

Every transformer takes images as ``(n, H, W)`` or ``(n, H, W, C)`` arrays,
uint8 in 0..255 or float in 0..1, or flattened ``(n, H*W*C)`` with
``image_shape=(H, W[, C])``, and computes its features for the whole batch at
once.  Each is a thin wrapper over a plain function that can be called
directly: :func:`hog`, :func:`color_histogram`.
"""

from .bovw import BagOfVisualWords
from .color import ColorHistogram, color_histogram
from .hog import HOG, hog, hog_image
from .io import fetch_cifar10, load_cifar10, load_image_folder
from .raw import RawPixels

__all__ = ["BagOfVisualWords",
           "HOG", "ColorHistogram", "RawPixels", "hog", "hog_image", "color_histogram",
           "load_image_folder", "load_cifar10", "fetch_cifar10"]
