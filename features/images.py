"""The one image input convention shared by every transformer.

Images enter as ``(n, H, W)`` (grayscale) or ``(n, H, W, C)`` (colour), uint8 in
0..255 or float in 0..1, or flattened as ``(n, H * W * C)`` together with
``image_shape=(H, W[, C])``.  Validation happens once, here, before any
expensive work; conversion to float is done chunk by chunk by the feature
functions (:func:`to_float`), so a 50,000-image uint8 batch is never copied
whole to float.
"""

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np


def check_images(X, image_shape=None, *, channels=(1, 3), owner="images"):
    """Validate a batch of images and return it as ``(n, H, W)`` or ``(n, H, W, C)``.

    Parameters
    ----------
    X : array-like of shape (n, H, W), (n, H, W, C) or (n, H * W * C)
        uint8 (or another integer type) in 0..255, or float in 0..1.
    image_shape : tuple (H, W) or (H, W, C), default=None
        Needed for flattened input; checked against ``X`` otherwise.
    channels : tuple of int, default=(1, 3)
        Channel counts accepted; a single channel is returned as ``(n, H, W)``.
    owner : str
        Name used in error messages.

    Returns
    -------
    images : ndarray of shape (n, H, W) or (n, H, W, C)
        A view of ``X`` where possible, in its original dtype.

    Raises
    ------
    ValueError
        With the expected shapes and what was received: wrong number of
        dimensions, a flattened length that does not match ``image_shape``, an
        unsupported channel count, an empty batch, complex or non-numeric
        data, NaN or infinity, or values outside 0..255 (integers) or 0..1
        (floats).
    TypeError
        For sparse matrices.
    """
    expected = ("expected images of shape (n, H, W) or (n, H, W, C), uint8 in 0..255 or "
                "float in 0..1, or flattened (n, H*W*C) with image_shape=(H, W[, C])")
    if hasattr(X, "toarray") or hasattr(X, "tocsr"):
        raise TypeError(f"{owner}: sparse input is not supported; images must be dense "
                        f"arrays ({expected}).")
    if hasattr(X, "to_numpy"):          # a pandas DataFrame of flattened pixels
        X = X.to_numpy()
    X = np.asarray(X)
    if X.dtype == object:               # e.g. nested lists of Python numbers
        try:
            X = X.astype(np.float64)
        except (TypeError, ValueError):
            raise ValueError(f"{owner}: {expected}; got an object array that is not "
                             "numeric.") from None
    if np.iscomplexobj(X):
        raise ValueError(f"{owner}: Complex data not supported; {expected}.")
    if X.dtype == object or not (np.issubdtype(X.dtype, np.number) or X.dtype == bool):
        raise ValueError(f"{owner}: {expected}; got an array of dtype {X.dtype}.")
    if X.dtype == bool:
        raise ValueError(f"{owner}: got a boolean array; {expected}.")
    if X.size == 0:
        raise ValueError(f"{owner}: got an empty array of shape {X.shape}; {expected}.")
    # Values first: their errors say what is wrong whatever the shape.
    lo, hi = X.min(), X.max()
    floating = np.issubdtype(X.dtype, np.floating)
    if floating and not (np.isfinite(lo) and np.isfinite(hi)):
        raise ValueError(f"{owner}: the images contain NaN or infinity.")
    if lo < 0:
        raise ValueError(f"{owner}: Negative values in data (minimum {lo:g}); images must "
                         "be uint8 in 0..255 or float in 0..1.")
    if image_shape is not None:
        image_shape = tuple(int(s) for s in image_shape)
        if len(image_shape) not in (2, 3) or min(image_shape) < 1:
            raise ValueError(f"{owner}: image_shape must be (H, W) or (H, W, C) with "
                             f"positive sizes, got {image_shape}.")
    if X.ndim == 2:
        if image_shape is None:
            raise ValueError(
                f"{owner}: got a 2-D array of shape {X.shape}, which is flattened images "
                f"only together with image_shape=(H, W[, C]); {expected}.")
        if X.shape[1] != np.prod(image_shape):
            raise ValueError(
                f"{owner}: image_shape={image_shape} means {int(np.prod(image_shape))} values "
                f"per image, but X has {X.shape[1]} columns (shape {X.shape}).")
        X = X.reshape((X.shape[0],) + image_shape)
    elif X.ndim in (3, 4):
        if image_shape is not None and X.shape[1:] != image_shape and not (
                X.ndim == 3 and image_shape == X.shape[1:] + (1,)):
            raise ValueError(f"{owner}: got images of shape {X.shape[1:]} but "
                             f"image_shape={image_shape}.")
    else:
        raise ValueError(f"{owner}: {expected}; got an array of shape {X.shape}.")
    if X.ndim == 4:
        if X.shape[3] not in channels:
            raise ValueError(f"{owner}: images have {X.shape[3]} channels (shape {X.shape}); "
                             f"expected {' or '.join(map(str, channels))}.")
        if X.shape[3] == 1:
            X = X[..., 0]
    elif 1 not in channels:
        raise ValueError(f"{owner}: got grayscale images of shape {X.shape}; expected "
                         f"(n, H, W, {channels[0]}) colour images.")
    if floating and hi > 1:
        raise ValueError(
            f"{owner}: float images must be in 0..1, got values up to {hi:g}; "
            "divide by 255 or pass uint8.")
    if not floating and hi > 255:
        raise ValueError(f"{owner}: integer images must be in 0..255, got values up to {hi}.")
    return X


def to_float(images, dtype=np.float32, scale=1):
    """A chunk of checked images as float in ``0..scale``.

    ``scale=1``: integers are divided by 255 (the division makes uint8 input
    equal the user's own ``x / 255``).  ``scale=255``: integers are taken as
    they are and floats multiplied by 255, the units scikit-image works in
    for uint8 images.
    """
    integer = np.issubdtype(images.dtype, np.integer)
    # Never scale the caller's array in place: copy floats whenever we scale.
    out = images.astype(dtype, order="C", copy=not integer and scale != 1)
    if integer and scale != 255:
        out /= 255 / scale
    elif not integer and scale != 1:
        out *= dtype(scale)
    return out


def chunks(n, size):
    """Slices that cover ``range(n)`` in pieces of at most ``size``."""
    return [slice(start, min(start + size, n)) for start in range(0, n, size)]


def run_chunks(work, parts, n_jobs=1):
    """Call ``work(part)`` for every chunk, on ``n_jobs`` threads.

    NumPy releases the GIL inside its loops, so chunks on two threads use two
    cores.  ``work`` writes its own rows of a preallocated output, so the
    threads share nothing else.  ``n_jobs=-1`` uses every core.
    """
    if n_jobs == -1:
        n_jobs = os.cpu_count() or 1
    if not (isinstance(n_jobs, (int, np.integer)) and n_jobs >= 1):
        raise ValueError(f"n_jobs must be a positive int or -1, got {n_jobs!r}.")
    if n_jobs == 1 or len(parts) == 1:
        for part in parts:
            work(part)
        return
    with ThreadPoolExecutor(max_workers=n_jobs) as pool:
        for _ in pool.map(work, parts):      # re-raises the first error
            pass
