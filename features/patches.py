"""Image patches for the bag of visual words: extraction, normalisation, ZCA whitening.

Patches are flattened in ``(row, column, channel)`` order, so a row of
``patch_size * patch_size * C`` values reshapes to ``(patch_size, patch_size, C)``;
pixel values are in 0..255 units whatever the input type (float images in 0..1
are multiplied by 255), the units in which Coates, Lee & Ng's constants are given.

References
----------
.. [1] A. Coates, H. Lee and A. Y. Ng, "An Analysis of Single-Layer Networks in
   Unsupervised Feature Learning", AISTATS 2011.
.. [2] A. J. Bell and T. J. Sejnowski, "The 'independent components' of natural
   scenes are edge filters", Vision Research 1997 (ZCA whitening).
"""

import numpy as np

from _constraints import Integer

from .images import nominal_max, to_float


def patch_grid(image_hw, patch_size, stride=1):
    """Number of patch positions ``(rows, columns)`` in an image of ``image_hw`` pixels.

    Examples
    --------
    >>> patch_grid((32, 32), 6)
    (27, 27)
    >>> patch_grid((32, 32), 6, stride=2)
    (14, 14)
    """
    return tuple((size - patch_size) // stride + 1 for size in image_hw[:2])


def extract_patches(images, patch_size, stride=1):
    """Every ``patch_size`` x ``patch_size`` patch of a chunk of images (dense im2col).

    Parameters
    ----------
    images : ndarray of shape (n, H, W) or (n, H, W, C)
        Checked images (:func:`features.images.check_images`), any dtype;
        read in 0..255 units (:func:`features.images.to_float` with ``scale=255``).
    patch_size : int
    stride : int, default=1
        Step between patch positions, in pixels.

    Returns
    -------
    patches : ndarray of shape (n, rows, cols, patch_size * patch_size * C), float32
        ``rows, cols = patch_grid((H, W), patch_size, stride)``; values in 0..255.

    Notes
    -----
    A row of pixels ``patch_size * C`` values long is contiguous in the image,
    so the copy is ``patch_size`` strided block copies of whole patch rows
    (one per row offset), not a gather of single pixels; uint8 pixels are
    converted to float32 during that copy.
    """
    n, height, width = images.shape[:3]
    channels = images.shape[3] if images.ndim == 4 else 1
    if nominal_max(images.dtype) != 255:
        # 0..255 units whatever the dtype, as sample_patches gives them
        images = to_float(images, np.float32, scale=255)
    rows, cols = patch_grid((height, width), patch_size, stride)
    span = patch_size * channels
    # (n, H, W - patch_size + 1, span) view: every run of patch_size pixels of a row
    runs = np.lib.stride_tricks.sliding_window_view(
        images.reshape(n, height, width * channels), span, axis=2)[:, :, ::channels * stride]
    out = np.empty((n, rows, cols, patch_size, span), dtype=np.float32)
    last = stride * (rows - 1) + 1
    for i in range(patch_size):
        out[:, :, :, i] = runs[:, i:i + last:stride, :cols]
    return out.reshape(n, rows, cols, patch_size * span)


def sample_patches(images, n_patches, patch_size, random_state):
    """Random patches of a batch of images, for fitting the whitening and the dictionary.

    Parameters
    ----------
    images : ndarray of shape (n, H, W) or (n, H, W, C)
        Checked images, any dtype of the input convention.
    n_patches : int
        Patches drawn, each at a uniformly random position (stride 1) of a
        uniformly random image, with replacement.  If the images hold no more
        than ``n_patches`` positions in all, every patch is taken once.
    patch_size : int
    random_state : numpy.random.RandomState

    Returns
    -------
    patches : ndarray of shape (m, patch_size * patch_size * C), float32
        ``m = min(n_patches, n * rows * cols)``; values in 0..255.
    """
    n = images.shape[0]
    rows, cols = patch_grid(images.shape[1:3], patch_size)
    total = n * rows * cols
    if total <= n_patches:
        flat = np.arange(total)
    else:
        flat = random_state.randint(0, total, size=n_patches)
    which, position = np.divmod(flat, rows * cols)
    top, left = np.divmod(position, cols)
    offsets = np.arange(patch_size)
    # fancy indexing gathers (m, patch_size, patch_size[, C]) at once
    patches = images[which[:, None, None], (top[:, None] + offsets)[:, :, None],
                     (left[:, None] + offsets)[:, None, :]]
    patches = patches.reshape(len(flat), -1)
    return to_float(patches, np.float32, scale=255)


def normalize_patches(patches, eps=10.0):
    """Per-patch brightness and contrast normalisation, in place.

    Each row becomes ``(x - mean(x)) / sqrt(var(x) + eps)`` with the unbiased
    variance, as in Coates, Lee & Ng's code [1]_; ``eps`` (in squared 0..255
    units, 10 in the paper) keeps flat patches from having their noise blown
    up to full contrast.

    Parameters
    ----------
    patches : ndarray of shape (m, d), float32
        Modified in place.
    eps : float, default=10.0

    Returns
    -------
    patches : ndarray of shape (m, d)
        The same array.
    """
    d = patches.shape[1]
    patches -= patches.mean(axis=1, keepdims=True)
    scale = np.einsum("ij,ij->i", patches, patches)
    scale /= max(d - 1, 1)
    scale += patches.dtype.type(eps)
    np.sqrt(scale, out=scale)
    patches /= scale[:, None]
    return patches


def fit_zca(patches, eps=0.1, chunk_size=65536):
    """ZCA whitening of patches: the mean and the symmetric whitening matrix.

    ``W = V diag(1 / sqrt(lambda + eps)) V^T`` from the eigendecomposition of
    the (unbiased) covariance ``V diag(lambda) V^T``, so that ``(x - mean) @ W``
    has covariance ``V diag(lambda / (lambda + eps)) V^T``: the identity
    in every direction whose variance is well above ``eps``, less in the
    directions of noise (eps 0.1 on normalised patches, as in [1]_).  Being
    symmetric, ZCA keeps whitened patches looking like patches [2]_.

    Parameters
    ----------
    patches : ndarray of shape (m, d)
        Normalised patches; ``m >= 2``.
    eps : float, default=0.1
        Added to every eigenvalue.
    chunk_size : int, default=65536
        Rows accumulated at a time (the covariance is summed in float64).

    Returns
    -------
    mean : ndarray of shape (d,), float32
    whitening : ndarray of shape (d, d), float32
        Symmetric; whitened patches are ``(patches - mean) @ whitening``.
    coloring : ndarray of shape (d, d), float32
        Its inverse, ``V diag(sqrt(lambda + eps)) V^T``, to turn whitened
        vectors (dictionary words) back into patches.
    """
    m, d = patches.shape
    mean = patches.mean(axis=0, dtype=np.float64)
    cov = np.zeros((d, d))
    for start in range(0, m, chunk_size):
        centred = patches[start:start + chunk_size].astype(np.float64) - mean
        cov += centred.T @ centred
    cov /= m - 1
    eigenvalues, vectors = np.linalg.eigh(cov)
    # rounding can leave the zero eigenvalue of mean-removed patches slightly negative
    eigenvalues = np.maximum(eigenvalues, 0) + eps
    whitening = (vectors / np.sqrt(eigenvalues)) @ vectors.T
    coloring = (vectors * np.sqrt(eigenvalues)) @ vectors.T
    return mean.astype(np.float32), whitening.astype(np.float32), coloring.astype(np.float32)


def tile_patches(patches, patch_shape, n_cols=None, border=1):
    """Lay patches out as one image, each stretched to the full 0..255 range.

    Parameters
    ----------
    patches : ndarray of shape (k, prod(patch_shape))
        Flattened patches in ``(row, column, channel)`` order, any scale.
    patch_shape : tuple (p, q) or (p, q, C)
    n_cols : int >= 1, default=None
        Patches per row of the tile image; ``ceil(sqrt(k))`` when None.
    border : int >= 0, default=1
        Black pixels between patches and around the image.

    Returns
    -------
    tiles : ndarray of shape (H', W') or (H', W', C), uint8
        ``H' = n_rows * (p + border) + border``, ``W' = n_cols * (q + border) +
        border``, ``n_rows = ceil(k / n_cols)``.  Each patch is stretched on
        its own (its minimum to 0, maximum to 255; a constant patch is grey),
        which shows the structure of every word whatever its contrast.

    Examples
    --------
    >>> tile_patches(np.arange(8.0).reshape(2, 4), (2, 2), border=1).shape
    (4, 7)
    """
    for name, value, low in (("n_cols", n_cols, 1), ("border", border, 0)):
        if value is None and name == "n_cols":
            continue
        if not Integer(low).is_satisfied_by(value):
            raise ValueError(f"{name} must be an int >= {low}"
                             f"{' or None' if name == 'n_cols' else ''}, got {value!r}.")
    patches = np.asarray(patches, dtype=np.float64)
    k = patches.shape[0]
    n_cols = int(np.ceil(np.sqrt(k))) if n_cols is None else int(n_cols)
    n_rows = -(-k // n_cols)
    low = patches.min(axis=1, keepdims=True)
    spread = patches.max(axis=1, keepdims=True) - low
    flat = spread[:, 0] == 0
    spread[flat] = 1
    scaled = np.round((patches - low) / spread * 255)
    scaled[flat] = 128
    p, q = patch_shape[:2]
    extra = tuple(patch_shape[2:])
    out = np.zeros((n_rows * (p + border) + border, n_cols * (q + border) + border) + extra,
                   dtype=np.uint8)
    for index, patch in enumerate(scaled.reshape((k,) + tuple(patch_shape))):
        r, c = divmod(index, n_cols)
        top, left = border + r * (p + border), border + c * (q + border)
        out[top:top + p, left:left + q] = patch
    return out
