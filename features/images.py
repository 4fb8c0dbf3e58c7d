"""The one image input convention shared by every transformer.

Images enter as ``(n, H, W)`` (grayscale) or ``(n, H, W, C)`` with 1 to 4
channels (gray, gray + alpha, RGB, RGBA), or flattened as ``(n, H * W * C)``
together with ``image_shape=(H, W[, C])``.  Any real or boolean dtype is
accepted, with the values as they are (NaN and infinity are refused): each
dtype has a *nominal range* that stands for black..white (:func:`nominal_max`),
0..255 for uint8 and other integers, 0..65535 for uint16, 0..1 for floats and
bools, and each feature reads the values against it the way scikit-image
does (HOG uses the values as they are, like ``skimage.feature.hog``; raw
pixels are scaled by the nominal maximum, like ``skimage.util.img_as_float``).
Validation happens once, here, before any expensive work; conversion to float
is done chunk by chunk by the feature functions (:func:`to_float`), so a
50,000-image uint8 batch is never copied whole to float.
"""

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from _constraints import N_JOBS, ImageShape, InvalidParameterError


def check_image_shape(image_shape, owner="images"):
    """``image_shape`` as a tuple ``(H, W)`` or ``(H, W, C)`` of positive ints, or None.

    Raises a ValueError for anything else (floats such as 32.5, bools, strings,
    other lengths), so a flattened batch is never reshaped with a truncated size.
    """
    if image_shape is None:
        return None
    if not ImageShape().is_satisfied_by(image_shape):
        raise InvalidParameterError(f"{owner}: image_shape must be a tuple (H, W) or (H, W, C) "
                                    f"of positive ints, got {image_shape!r}.")
    return tuple(int(s) for s in image_shape)


#: Channel counts every feature accepts: gray, gray + alpha, RGB, RGBA.
CHANNELS = (1, 2, 3, 4)


def nominal_max(dtype):
    """The value that stands for white in images of ``dtype``.

    255 for uint8 and every other integer type but uint16 (arrays of 8-bit
    values are often int64), 65535 for uint16 (16-bit images), 1 for floats
    and bools, as ``skimage.util.img_as_float`` reads uint8, uint16, float and
    bool images.
    """
    dtype = np.dtype(dtype)
    if dtype == np.uint16:
        return 65535
    if np.issubdtype(dtype, np.integer):
        return 255
    return 1


def _ragged_sizes(given):
    """The first two distinct image shapes in a list, with their indices, or ''."""
    try:
        shapes = [np.shape(image) for image in given]
    except (TypeError, ValueError):
        return ""
    for index, shape in enumerate(shapes):
        if shape != shapes[0]:
            return (f": image 0 has shape {shapes[0]} but image {index} has shape {shape}")
    return ""


def _range_hint(dtype, hi):
    """What probably went wrong with values above the nominal range."""
    if np.issubdtype(dtype, np.floating) and hi <= 255:
        return "; 8-bit values as floats? divide them by 255"
    if np.issubdtype(dtype, np.integer) and hi <= 65535:
        return "; 16-bit values? pass them as uint16"
    return ""


def check_images(X, image_shape=None, *, channels=CHANNELS, in_nominal_range=False,
                 owner="images"):
    """Validate a batch of images and return it as ``(n, H, W)`` or ``(n, H, W, C)``.

    Parameters
    ----------
    X : array-like of shape (n, H, W), (n, H, W, C) or (n, H * W * C)
        Any real or boolean dtype, values as they are (see the module
        docstring for how each dtype's values are read).
    image_shape : tuple (H, W) or (H, W, C), default=None
        Needed for flattened input; checked against ``X`` otherwise.
    channels : tuple of int, default=(1, 2, 3, 4)
        Channel counts accepted; a single channel is returned as ``(n, H, W)``.
    in_nominal_range : bool, default=False
        Refuse values outside the dtype's nominal range (:func:`nominal_max`),
        for features that bin intensities of a fixed range.
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
        unsupported channel count, an empty batch, images of several sizes
        (naming two of them), complex or non-numeric data, NaN or infinity,
        or (``in_nominal_range``) values outside the nominal range.  A 3-D
        array whose last axis has 2 to 4 entries and is shorter than the one
        before it, such as ``(32, 32, 3)``, is refused as a single image (pass
        ``X[None]``) unless ``image_shape=(H, W)`` says it is a batch of
        narrow grayscale images.
    TypeError
        For sparse matrices.

    Notes
    -----
    The single-image rule: ``(H, W, 3)`` and ``(n, H, W)`` are the same kind
    of array, and reading a colour image as ``H`` grayscale images of
    ``W x 3`` pixels silently gives wrong features (``RawPixels`` would return
    ``(32, 96)``).  Grayscale images 2 to 4 pixels wide and taller than wide
    are rare enough that refusing them without ``image_shape`` costs little.
    """
    expected = ("expected images of shape (n, H, W) or (n, H, W, C), or flattened "
                "(n, H*W*C) with image_shape=(H, W[, C])")
    # The settings first: they are cheap to check and the pixels are not.
    image_shape = check_image_shape(image_shape, owner)
    if hasattr(X, "toarray") or hasattr(X, "tocsr"):
        raise TypeError(f"{owner}: sparse input is not supported; images must be dense "
                        f"arrays ({expected}).")
    if hasattr(X, "to_numpy"):          # a pandas DataFrame of flattened pixels
        X = X.to_numpy()
    given = X
    try:
        X = np.asarray(X)
    except ValueError as exc:           # a ragged list: images of several sizes
        sizes = _ragged_sizes(given) or f" ({exc})"
        raise ValueError(f"{owner}: cannot stack the images into one array{sizes}; a batch "
                         "holds images of one size (load_image_folder(image_size=(H, W)) "
                         "resizes them).") from None
    if X.ndim == 0:                     # None, a number, a generator, ...
        raise ValueError(f"{owner}: {expected}; got {type(given).__name__} "
                         f"{str(given)[:40]}.")
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
    if X.size == 0:
        raise ValueError(f"{owner}: got an empty array of shape {X.shape}; {expected}.")
    # Values first: their errors say what is wrong whatever the shape.
    floating = np.issubdtype(X.dtype, np.floating)
    if floating or in_nominal_range:
        lo, hi = X.min(), X.max()
    if floating and not (np.isfinite(lo) and np.isfinite(hi)):
        raise ValueError(f"{owner}: the images contain NaN or infinity.")
    top = nominal_max(X.dtype)
    if in_nominal_range and lo < 0:
        raise ValueError(f"{owner}: Negative values in data (minimum {lo:.9g}); {X.dtype} "
                         f"images must be in 0..{top} here.")
    if in_nominal_range and hi > top:
        # .9g: a value a rounding above 1 must not print as "1"
        raise ValueError(f"{owner}: {X.dtype} images must be in 0..{top} here, got values "
                         f"up to {hi:.9g}{_range_hint(X.dtype, hi)}.")
    if X.ndim == 2:
        if image_shape is None:
            raise ValueError(
                f"{owner}: got a 2-D array of shape {X.shape}, which is flattened images "
                f"only together with image_shape=(H, W[, C]); {expected}.  For a single "
                "grayscale image pass X[None].")
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
        if (X.ndim == 3 and image_shape is None and X.shape[2] in (2, 3, 4)
                and X.shape[1] > X.shape[2]):
            raise ValueError(
                f"{owner}: got an array of shape {X.shape}, which looks like one colour "
                f"image (H, W, C) rather than a batch; pass X[None] for a batch of one "
                f"image.  If it really is {X.shape[0]} grayscale images of "
                f"{X.shape[1]}x{X.shape[2]} pixels, pass image_shape={X.shape[1:]}.")
    else:
        raise ValueError(f"{owner}: {expected}; got an array of shape {X.shape}.")
    if X.ndim == 4 and X.shape[3] not in channels:
        hint = ""
        if X.shape[1] in channels and X.shape[1] != 1:
            hint = ("; channels-first images? pass np.moveaxis(X, 1, -1) for "
                    "channels-last (n, H, W, C)")
        raise ValueError(f"{owner}: images have {X.shape[3]} channels (shape {X.shape}); "
                         f"expected {', '.join(map(str, channels))}{hint}.")
    if X.ndim == 3 and 1 not in channels:
        raise ValueError(f"{owner}: got grayscale images of shape {X.shape}; expected "
                         f"(n, H, W, {channels[0]}) colour images.")
    if X.ndim == 4 and X.shape[3] == 1:
        X = X[..., 0]
    return X


def as_rgb(images):
    """Checked images as RGB ``(n, H, W, 3)`` views: alpha dropped, gray repeated.

    Gray + alpha is gray; gray is repeated into three equal channels (as
    pillow's ``convert('RGB')`` does), without copying the pixels.
    """
    if images.ndim == 4 and images.shape[3] >= 3:
        return images[..., :3]
    gray = images[..., 0] if images.ndim == 4 else images
    return np.broadcast_to(gray[..., None], gray.shape + (3,))


def to_float(images, dtype=np.float32, scale=1):
    """A chunk of checked images as float, the nominal range mapped to ``0..scale``.

    ``scale=1``: integers are divided by their nominal maximum
    (:func:`nominal_max`; a division, so uint8 input equals the user's own
    ``x / 255``), floats and bools kept as they are.  ``scale=255``: the
    units scikit-image works in for uint8 images (uint8 as it is, floats
    times 255, uint16 divided by 257).  ``scale=None``: the values as they
    are, whatever the dtype (what ``skimage.feature.hog`` computes on).
    """
    # Always a copy: the features scale (and take square roots) in place,
    # never in the caller's array.
    out = images.astype(dtype, order="C")
    top = nominal_max(images.dtype)
    if scale is None or top == scale:
        return out
    if top > scale:
        out /= dtype(top / scale)
    else:
        out *= dtype(scale / top)
    return out


def chunks(n, size):
    """Slices that cover ``range(n)`` in pieces of at most ``size``."""
    # A guard, not a validation: a size below 1 would give no chunk at all
    # and leave an output array uninitialised.
    if not (isinstance(size, (int, np.integer)) and size >= 1):
        raise ValueError(f"chunk_size must be an int >= 1, got {size!r}.")
    return [slice(start, min(start + size, n)) for start in range(0, n, size)]


def resolve_n_jobs(n_jobs):
    """The number of threads ``n_jobs`` asks for, as joblib reads it.

    None and 1 mean one thread; -1 every core, -2 all but one, and so on;
    0, bools and non-integers raise a ValueError.
    """
    if n_jobs is None:
        return 1
    if not any(rule.is_satisfied_by(n_jobs) for rule in N_JOBS[:2]):
        raise ValueError(f"n_jobs must be a positive int, -1 (every core), -2 (all but "
                         f"one), ... or None, got {n_jobs!r}.")
    if n_jobs < 0:
        return max(1, (os.cpu_count() or 1) + 1 + int(n_jobs))
    return int(n_jobs)


def run_chunks(work, parts, n_jobs=1):
    """Call ``work(part)`` for every chunk, on ``n_jobs`` threads.

    NumPy releases the GIL inside its loops, so chunks on two threads use two
    cores.  ``work`` writes its own rows of a preallocated output, so the
    threads share nothing else.  ``n_jobs`` is read as joblib reads it
    (:func:`resolve_n_jobs`): -1 uses every core.
    """
    n_jobs = resolve_n_jobs(n_jobs)
    if n_jobs == 1 or len(parts) == 1:
        for part in parts:
            work(part)
        return
    with ThreadPoolExecutor(max_workers=min(n_jobs, len(parts))) as pool:
        for _ in pool.map(work, parts):      # re-raises the first error
            pass
