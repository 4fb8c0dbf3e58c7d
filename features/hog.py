"""Histogram of Oriented Gradients, computed for a whole batch of images at once.

The stages follow Dalal & Triggs (2005) as scikit-image implements them, so that
with the same settings the output equals ``skimage.feature.hog`` image by image:

1. optional square-root (gamma) compression;
2. centred gradients ``[-1, 0, 1]`` along rows and columns, zero on the border;
   for several channels (alpha included, as scikit-image's ``channel_axis``
   does), each pixel keeps the channel with the largest gradient;
3. per cell, the mean gradient magnitude voted into ``orientations`` hard
   bins of unsigned orientation (0..180 degrees);
4. each block of ``cells_per_block`` cells normalised ('L1', 'L1-sqrt', 'L2',
   'L2-Hys', eps = 1e-5), or no blocks at all (``block_norm=None``: the cell
   histograms of the CS231n variant).

Every stage is a NumPy operation over a chunk of images (no Python loop over
images), in float32 by default.

References
----------
.. [1] N. Dalal and B. Triggs, "Histograms of oriented gradients for human
   detection", CVPR 2005.
.. [2] scikit-image, ``skimage.feature.hog``.
"""

import functools

import numpy as np
from sklearn.utils._param_validation import StrOptions

from _constraints import Flag, Integer, Pair

from .base import CHUNKED_CONSTRAINTS, ImageTransformer, check_params
from .images import check_images, chunks, run_chunks, to_float

BLOCK_NORMS = ("L1", "L1-sqrt", "L2", "L2-Hys")
COLOR_MODES = ("max_gradient", "grayscale")
#: The settings of :func:`hog` and :class:`HOG`.
HOG_CONSTRAINTS = {
    "orientations": [Integer(1)],
    "pixels_per_cell": [Pair()],
    "cells_per_block": [Pair()],
    "block_norm": [StrOptions(set(BLOCK_NORMS)), None],
    "transform_sqrt": [Flag()],
    "color_mode": [StrOptions(set(COLOR_MODES))],
    **CHUNKED_CONSTRAINTS,
}
_EPS = 1e-5                         # scikit-image's block-normalisation eps
# Bytes of one float array of a step's images at most (images per step are
# also bounded by chunk_size): what a core's cache holds beside the rest.
_STEP_BYTES = 768 * 1024
# ITU-R 601-2 luma weights of skimage.color.rgb2gray
_GRAY = (0.2125, 0.7154, 0.0721)


def _gradients(x):
    """Centred differences along the last two axes (rows, columns), zero on the border."""
    g_row = np.empty_like(x)
    g_col = np.empty_like(x)
    np.subtract(x[..., 2:, :], x[..., :-2, :], out=g_row[..., 1:-1, :])
    np.subtract(x[..., 2:], x[..., :-2], out=g_col[..., 1:-1])
    g_row[..., 0, :] = g_row[..., -1, :] = 0
    g_col[..., 0] = g_col[..., -1] = 0
    return g_row, g_col


def _dominant_channel(g_row, g_col):
    """Per pixel, the gradient of the channel with the largest magnitude.

    ``g_row`` and ``g_col`` are channel-major, ``(C, B, H, W)``, float or
    int16, C-contiguous: each channel's planes are one contiguous block, so
    every step below is a contiguous element-wise loop.  Integer gradients (of uint8 or
    bool images) are compared exactly, in int32, and ties such as (2, 1)
    against (-2, 1) go to the first channel: scikit-image's ``argmax``
    choice.  Float channels whose magnitude ties with the largest to 1e-5
    relative go to the first of them: the tolerance makes float input such
    as ``u8 / 255``, whose gradients are not exact, choose the same channel
    as uint8 input.

    The choice is applied as exact 0/1 weights, ``sum_c w_c * g_c`` with one
    non-zero term, which is several times faster than a branchy ``where``.
    """
    exact = np.issubdtype(g_row.dtype, np.integer)
    wide = np.int32 if exact else g_row.dtype       # 2 * 255**2 overflows int16
    squared = g_row.astype(wide)
    squared *= squared
    col = g_col.astype(wide)
    col *= col
    squared += col
    # The largest magnitude as a chain of element-wise maxima of whole
    # planes: a reduction along the channel axis walks them with a stride.
    threshold = np.maximum(squared[0], squared[-1])
    for c in range(1, len(squared) - 1):
        np.maximum(threshold, squared[c], out=threshold)
    if not exact:
        threshold *= threshold.dtype.type(1 - 1e-5)
    # channel 0 wins wherever it reaches the threshold; each later channel
    # where it does and no earlier one did; the last one where none did
    taken = squared[0] >= threshold
    out_row = g_row[0] * taken
    out_col = g_col[0] * taken
    last = len(squared) - 1
    for c in range(1, last + 1):
        if c < last:
            take = squared[c] >= threshold
            take &= ~taken
            taken |= take
        else:
            take = ~taken
        out_row += g_row[c] * take
        out_col += g_col[c] * take
    return out_row, out_col


def _orientation_bins(g_row, g_col, orientations):
    """Hard orientation bin in ``0 .. orientations - 1`` of every gradient.

    The bin of the unsigned angle ``theta = atan2(g_row, g_col) mod 180``
    without computing an arctangent (which costs ~40 ns a pixel).  Each
    gradient is folded into the upper half-plane, ``(u, v)`` with ``u >= 0``,
    where the pseudo-angle ``p = v / (u + |v|)`` falls from 1 (0 degrees)
    through 0 (90) to -1 (180) monotonically; ``theta`` has passed the k-th
    bin edge exactly when ``p`` is at or below that edge's pseudo-angle.
    """
    u = np.abs(g_row)
    v = np.sign(g_row)
    v *= g_col
    # A gradient along the row axis (u == 0) has theta = 0 whatever the sign
    # of g_col (scikit-image's 180 mod 180 = 0): there v = 0 too, p = 0 / 0 is
    # NaN, no edge comparison holds, and the pixel lands in bin 0.
    with np.errstate(invalid="ignore", divide="ignore"):
        p = v / (u + np.abs(v))
    edges = np.pi * np.arange(1, orientations) / orientations
    edge_p = np.cos(edges) / (np.sin(edges) + np.abs(np.cos(edges)))
    edge_p[np.abs(edge_p) < 1e-12] = 0      # cos(pi / 2) is 6e-17, not 0
    bins = np.zeros(p.shape, dtype=np.int32)
    for edge in edge_p.astype(p.dtype):
        bins += p <= edge
    return bins


@functools.lru_cache(maxsize=16)
def _orientation_table(orientations, dtype):
    """The bin of every integer gradient ``(g_row, g_col)`` in -255..255, flattened.

    Made by :func:`_orientation_bins` itself on float gradients of those
    values (exact), so a look-up gives the same bin bit for bit.
    """
    g_row, g_col = np.meshgrid(*[np.arange(-255, 256).astype(dtype)] * 2, indexing="ij")
    table = _orientation_bins(g_row, g_col, orientations)
    return table.astype(np.int8 if orientations <= 127 else np.int32).ravel()


def _cell_histograms(g_row, g_col, orientations, cell, dtype=np.float32):
    """Orientation histograms of whole cells, shape (B, n_cells_row, n_cells_col, orientations).

    Each pixel votes its gradient magnitude into its hard orientation bin, and
    each cell averages its pixels' votes, as scikit-image does.  Pixels beyond
    the last whole cell are ignored.  One ``bincount`` sums the whole chunk.

    Integer gradients (of 8-bit images, -255..255) take their bins from a
    table, one look-up a pixel instead of a pseudo-angle and a comparison
    per bin edge; their magnitudes are exact in ``dtype``, as the float
    path computes them.
    """
    B, H, W = g_row.shape
    n_rows, n_cols = H // cell[0], W // cell[1]
    g_row = g_row[:, :n_rows * cell[0], :n_cols * cell[1]]
    g_col = g_col[:, :n_rows * cell[0], :n_cols * cell[1]]
    if np.issubdtype(g_row.dtype, np.integer):
        row, col = g_row.astype(np.int32), g_col.astype(np.int32)
        squared = row * row
        squared += col * col
        magnitude = np.sqrt(squared.astype(dtype))      # exact: below 2**24
        row += 255
        row *= 511
        row += col
        row += 255
        bins = np.take(_orientation_table(orientations, np.dtype(dtype).type), row).astype(np.intp)
    else:
        magnitude = np.sqrt(g_row * g_row + g_col * g_col)
        bins = _orientation_bins(g_row, g_col, orientations).astype(np.intp)
    # Flat index of (image, cell row, cell column, bin) for every pixel.
    cell_of_pixel = ((np.arange(n_rows * cell[0]) // cell[0])[:, None] * n_cols
                     + np.arange(n_cols * cell[1]) // cell[1])
    bins += cell_of_pixel * orientations
    bins += (np.arange(B) * (n_rows * n_cols * orientations))[:, None, None]
    hist = np.bincount(bins.ravel(), weights=magnitude.ravel(),
                       minlength=B * n_rows * n_cols * orientations)
    # The mean vote per pixel of the cell, as scikit-image stores it (checked
    # against its visualisation, which draws the raw cell histograms);
    # it sets the weight of the normalisation eps.
    hist /= cell[0] * cell[1]
    return hist.reshape(B, n_rows, n_cols, orientations)


def _normalize_blocks(hist, block, method):
    """Blocks of cells, each normalised; shape (B, nbr, nbc, br, bc, orientations)."""
    B, n_rows, n_cols, n = hist.shape
    nbr, nbc = n_rows - block[0] + 1, n_cols - block[1] + 1
    # Gather the blocks with one copy per cell offset (a handful of slices)
    # rather than summing over strided window views.
    blocks = np.empty((B, nbr, nbc, block[0], block[1], n), dtype=hist.dtype)
    for i in range(block[0]):
        for j in range(block[1]):
            blocks[:, :, :, i, j] = hist[:, i:i + nbr, j:j + nbc]
    flat = blocks.reshape(B, nbr, nbc, -1)
    eps = hist.dtype.type(_EPS)
    if method in ("L1", "L1-sqrt"):
        flat /= np.abs(flat).sum(axis=-1, keepdims=True) + eps
        if method == "L1-sqrt":
            np.sqrt(flat, out=flat)
        return blocks
    flat /= np.sqrt(np.einsum("...i,...i->...", flat, flat)[..., None] + eps * eps)
    if method == "L2-Hys":
        # Clip large votes (Lowe's SIFT trick) so one strong edge cannot
        # dominate, then renormalise.
        np.minimum(flat, hist.dtype.type(0.2), out=flat)
        flat /= np.sqrt(np.einsum("...i,...i->...", flat, flat)[..., None] + eps * eps)
    return blocks


def hog_output_shape(image_hw, orientations=9, pixels_per_cell=(8, 8),
                     cells_per_block=(2, 2), block_norm="L2-Hys"):
    """Shape of one image's HOG before flattening.

    Returns ``(n_blocks_row, n_blocks_col, b_row, b_col, orientations)``, or
    ``(n_cells_row, n_cells_col, orientations)`` when ``block_norm`` is None.

    Examples
    --------
    >>> hog_output_shape((32, 32))
    (3, 3, 2, 2, 9)
    """
    n_rows, n_cols = image_hw[0] // pixels_per_cell[0], image_hw[1] // pixels_per_cell[1]
    if block_norm is None:
        return (n_rows, n_cols, orientations)
    return (n_rows - cells_per_block[0] + 1, n_cols - cells_per_block[1] + 1,
            cells_per_block[0], cells_per_block[1], orientations)


def check_hog_settings(settings, owner):
    """Check HOG settings (a dict of :func:`hog`'s keywords); return (cell, block) as tuples.

    Raises an ``InvalidParameterError`` (a ValueError) naming the first invalid
    setting, before any image is read.
    """
    check_params(HOG_CONSTRAINTS, settings, owner)
    return (tuple(int(v) for v in settings["pixels_per_cell"]),
            tuple(int(v) for v in settings["cells_per_block"]))


def check_hog_size(image_hw, orientations, cell, block, block_norm):
    """Raise a ValueError unless images of ``image_hw`` hold one block; return the shape."""
    shape = hog_output_shape(image_hw, orientations, cell, block, block_norm)
    if min(shape) < 1:
        need = (cell[0] * (1 if block_norm is None else block[0]),
                cell[1] * (1 if block_norm is None else block[1]))
        raise ValueError(
            f"Images of {image_hw[0]}x{image_hw[1]} pixels are too small for "
            f"pixels_per_cell={tuple(cell)} and cells_per_block="
            f"{tuple(block)} (each image is too small given those settings): they need "
            f"at least {need[0]} rows and {need[1]} columns.")
    return shape


def hog(images, orientations=9, pixels_per_cell=(8, 8), cells_per_block=(2, 2),
        block_norm="L2-Hys", transform_sqrt=False, color_mode="max_gradient",
        image_shape=None, dtype=np.float32, chunk_size=128, n_jobs=1):
    """HOG descriptors of a batch of images, one row per image.

    Parameters
    ----------
    images : array-like of shape (n, H, W), (n, H, W, C) or (n, H*W*C)
        1 to 4 channels, any real or boolean dtype; the values are used as
        they are, as ``skimage.feature.hog`` uses them (see
        :mod:`features.images`).
    orientations : int, default=9
        Orientation bins over 0..180 degrees.
    pixels_per_cell : (int, int), default=(8, 8)
    cells_per_block : (int, int), default=(2, 2)
        scikit-image's default is (3, 3); (2, 2) is Dalal & Triggs' and the
        one used throughout this project.
    block_norm : {'L1', 'L1-sqrt', 'L2', 'L2-Hys'} or None, default='L2-Hys'
        None returns the cell histograms without blocks (the CS231n variant).
    transform_sqrt : bool, default=False
        Square-root (gamma) compression of the image first.
    color_mode : {'max_gradient', 'grayscale'}, default='max_gradient'
        For images of several channels: per pixel, the gradient of the
        channel with the largest magnitude, every channel taking part
        (scikit-image's rule with ``channel_axis=-1``); or one gray channel
        first: the luma of RGB (``skimage.color.rgb2gray`` weights, alpha
        ignored), or the gray channel of gray + alpha.  Grayscale images
        ignore it.
    image_shape : tuple, default=None
        ``(H, W[, C])`` for flattened input.
    dtype : {np.float32, np.float64}, default=np.float32
        Computation and output type (a name or an ``np.dtype`` works too).
    chunk_size : int >= 1, default=128
        Images processed at once at most (fewer where a step's arrays
        would outgrow the CPU cache); bounds the temporary memory to a few
        arrays of ``chunk_size * H * W * C`` values per thread.
    n_jobs : int or None, default=1
        Threads working on chunks at once (NumPy releases the GIL); -1 for
        every core, -2 for all but one, as in joblib; None means 1.

    Raises
    ------
    ValueError
        An ``InvalidParameterError`` naming the first invalid setting, checked
        before any pixel is read; a ``ValueError`` for images that break the
        input convention (:func:`features.images.check_images`) or are too
        small for one block.

    Returns
    -------
    features : ndarray of shape (n, n_features)
        With ``block_norm``: ``n_blocks_row * n_blocks_col * b_row * b_col *
        orientations`` values per image, ordered as scikit-image's
        ``(block row, block col, cell row, cell col, orientation)``.  Without:
        ``n_cells_row * n_cells_col * orientations``.

    Notes
    -----
    The pixel values are used as they are, whatever the dtype (uint8 and
    uint16 as their integer values, bools as 0 and 1, floats of any range and
    sign), as ``skimage.feature.hog`` uses them, so ``hog(x)`` equals
    ``skimage.feature.hog(x)`` image by image for every dtype.  HOG is
    invariant to the scale of the values only up to the 1e-5 normalisation
    eps: ``hog(u8)`` and ``hog(u8 / 255)`` differ slightly, as they do in
    scikit-image.

    Deliberate differences from ``skimage.feature.hog``: the computation is
    float32 by default, so a pixel whose gradient angle lies within ~1e-5
    degrees of a bin edge may vote into the neighbouring bin; on float
    images, colour channels whose gradient magnitudes tie to 1e-5 relative go
    to the first of them, where scikit-image's float64 rounding decides (on
    uint8 and bool images the choice is exact, scikit-image's own);
    ``block_norm=None`` returns the cell histograms, which scikit-image does
    not offer; ``color_mode='grayscale'`` converts colour first.

    Examples
    --------
    >>> import numpy as np
    >>> images = np.random.default_rng(0).integers(0, 256, (5, 32, 32, 3), dtype=np.uint8)
    >>> hog(images).shape          # 3*3 blocks of 2*2 cells of 9 bins
    (5, 324)
    """
    cell, block = check_hog_settings(
        dict(orientations=orientations, pixels_per_cell=pixels_per_cell,
             cells_per_block=cells_per_block, block_norm=block_norm,
             transform_sqrt=transform_sqrt, color_mode=color_mode, image_shape=image_shape,
             dtype=dtype, chunk_size=chunk_size, n_jobs=n_jobs), "hog")
    images = check_images(images, image_shape, owner="hog")
    check_hog_size(images.shape[1:3], orientations, cell, block, block_norm)
    return _hog_checked(images, orientations, cell, block, block_norm, transform_sqrt,
                        color_mode, np.dtype(dtype).type, chunk_size, n_jobs)


def _hog_checked(images, orientations, cell, block, block_norm, transform_sqrt, color_mode,
                 dtype, chunk_size, n_jobs=1):
    n_features = int(np.prod(hog_output_shape(images.shape[1:3], orientations, cell, block,
                                              block_norm)))
    out = np.empty((images.shape[0], n_features), dtype=dtype)
    gray = np.asarray(_GRAY, dtype=dtype)

    def one_chunk(part):
        # The values as they are, as scikit-image computes on them: the
        # weight of the 1e-5 eps (and the sqrt transform) then matches it.
        chunk = images[part]
        if chunk.ndim == 4 and color_mode == "grayscale" and chunk.shape[3] <= 2:
            chunk = chunk[..., 0]                   # gray + alpha: the gray
        # 8-bit images: exact int16 gradients, half the memory traffic of
        # float32, the colour choice exactly scikit-image's argmax, and the
        # orientation bins looked up (_cell_histograms)
        exact = (not transform_sqrt and chunk.dtype in (np.uint8, np.bool_)
                 and (chunk.ndim == 3 or color_mode != "grayscale"))
        if chunk.ndim == 4 and color_mode != "grayscale":
            # channel-major (C, B, H, W), rearranged before the conversion:
            # moving 1-byte pixels is four times cheaper than moving floats
            chunk = np.moveaxis(chunk, 3, 0)
        # order="C": astype keeps the moved axes' strides otherwise, and
        # every later step would loop over strided planes
        x = chunk.astype(np.int16, order="C") if exact else to_float(chunk, dtype, scale=None)
        if x.ndim == 4 and color_mode == "grayscale":
            # Three products added in a fixed order, not ``x @ gray``: BLAS
            # kernels round a matrix-vector product differently (FMA or not)
            # depending on the CPU and the matrix's shape.  Alpha is ignored.
            x = x[..., 0] * gray[0] + x[..., 1] * gray[1] + x[..., 2] * gray[2]
        if transform_sqrt:
            np.sqrt(x, out=x)
        g_row, g_col = _gradients(x)
        if x.ndim == 4:
            g_row, g_col = _dominant_channel(g_row, g_col)
        hist = _cell_histograms(g_row, g_col, orientations, cell, dtype).astype(dtype)
        if block_norm is not None:
            hist = _normalize_blocks(hist, block, block_norm)
        out[part] = hist.reshape(hist.shape[0], -1)

    # Each step's arrays should stay in the CPU's cache: a colour chunk of
    # 128 images makes a dozen temporaries of 1.5 MiB each in float32.
    per_image = int(np.prod(images.shape[1:])) * np.dtype(dtype).itemsize
    step = max(1, min(chunk_size, _STEP_BYTES // per_image))
    run_chunks(one_chunk, chunks(images.shape[0], step), n_jobs)
    return out


def hog_image(images, orientations=9, pixels_per_cell=(8, 8), transform_sqrt=False,
              color_mode="max_gradient"):
    """Draw the oriented-gradient picture of images' HOG cells.

    Each cell shows, for every orientation bin, a line through its centre
    along the edge direction (perpendicular to the bin's gradient), as bright
    as that bin's mean vote: scikit-image's ``hog(..., visualize=True)``
    picture, for a whole batch at once.

    Parameters
    ----------
    images : array-like of shape (H, W), (H, W, C), (n, H, W) or (n, H, W, C)
        One image or a batch, as for :func:`hog`; ``(H, W, C)`` with ``C``
        from 2 to 4 and ``H > C`` is one image.
    orientations, pixels_per_cell, transform_sqrt, color_mode
        As for :func:`hog`, and checked the same way.

    Returns
    -------
    pictures : ndarray of shape (n, H, W)
        Or ``(H, W)`` for a single image; float32.  Pixels beyond the last
        whole cell are zero, as in scikit-image's picture.

    Examples
    --------
    >>> import numpy as np
    >>> image = np.zeros((16, 16), np.uint8); image[:, 8:] = 255    # a vertical edge
    >>> hog_image(image).shape
    (16, 16)
    """
    settings = dict(orientations=orientations, pixels_per_cell=pixels_per_cell,
                    transform_sqrt=transform_sqrt, color_mode=color_mode)
    check_params(HOG_CONSTRAINTS, settings, "hog_image")
    cell = tuple(int(v) for v in pixels_per_cell)
    x = np.asarray(images)
    single = x.ndim == 2 or (x.ndim == 3 and x.shape[2] in (2, 3, 4) and x.shape[1] > x.shape[2])
    if single:
        x = x[None]
    cells = hog(x, orientations, cell, block_norm=None,
                transform_sqrt=transform_sqrt, color_mode=color_mode)
    n_rows = x.shape[1] // cell[0]
    cells = cells.reshape(len(x), n_rows, -1, orientations)
    templates = _orientation_templates(orientations, cell)
    pictures = np.einsum("nrco,oij->nricj", cells, templates)
    n, r, i, c, j = pictures.shape
    full = np.zeros((n,) + x.shape[1:3], dtype=pictures.dtype)
    full[:, :r * i, :c * j] = pictures.reshape(n, r * i, c * j)
    return full[0] if single else full


def _orientation_templates(orientations, cell):
    """One cell-sized line drawing per orientation bin (at the bin's midpoint)."""
    from skimage.draw import line

    radius = min(cell) // 2 - 1
    middle = np.pi * (np.arange(orientations) + 0.5) / orientations
    centre = (cell[0] // 2, cell[1] // 2)
    templates = np.zeros((orientations,) + tuple(cell), dtype=np.float32)
    for o, angle in enumerate(middle):
        dr, dc = radius * np.sin(angle), radius * np.cos(angle)
        rr, cc = line(int(centre[0] - dc), int(centre[1] + dr),
                      int(centre[0] + dc), int(centre[1] - dr))
        keep = (rr >= 0) & (rr < cell[0]) & (cc >= 0) & (cc < cell[1])
        templates[o, rr[keep], cc[keep]] = 1
    return templates


class HOG(ImageTransformer):
    """HOG descriptors as a scikit-learn transformer (see :func:`hog`).

    Parameters
    ----------
    orientations : int, default=9
    pixels_per_cell : (int, int), default=(8, 8)
    cells_per_block : (int, int), default=(2, 2)
        Note: scikit-image's default is (3, 3).
    block_norm : {'L1', 'L1-sqrt', 'L2', 'L2-Hys'} or None, default='L2-Hys'
        None gives the cell histograms without blocks (the CS231n variant).
    transform_sqrt : bool, default=False
    color_mode : {'max_gradient', 'grayscale'}, default='max_gradient'
    image_shape : tuple or None, default=None
        ``(H, W[, C])`` when ``X`` holds flattened images.
    dtype : {np.float32, np.float64}, default=np.float32
    chunk_size : int >= 1, default=128
        Images per vectorized step at most (bounds the temporary memory).
    n_jobs : int or None, default=1
        Threads working on chunks at once; -1 for every core.

    Every setting is checked against ``_parameter_constraints`` (and pairs
    in detail) by ``fit`` and again by ``transform``, before any pixel is
    read: an invalid one raises scikit-learn's ``InvalidParameterError``.

    Attributes
    ----------
    image_shape_ : tuple
        Shape of one image seen in ``fit``.
    n_features_in_ : int
        Values per image (``prod(image_shape_)``).

    Examples
    --------
    >>> import numpy as np
    >>> from features import HOG
    >>> images = np.random.default_rng(0).integers(0, 256, (4, 32, 32, 3), dtype=np.uint8)
    >>> HOG().fit_transform(images).shape
    (4, 324)
    >>> HOG(block_norm=None).fit(images).get_feature_names_out()[3]
    'hog_r0_c0_o3'
    """

    _parameter_constraints = HOG_CONSTRAINTS

    def __init__(self, orientations=9, pixels_per_cell=(8, 8), cells_per_block=(2, 2),
                 block_norm="L2-Hys", transform_sqrt=False, color_mode="max_gradient",
                 image_shape=None, dtype=np.float32, chunk_size=128, n_jobs=1):
        self.orientations = orientations
        self.pixels_per_cell = pixels_per_cell
        self.cells_per_block = cells_per_block
        self.block_norm = block_norm
        self.transform_sqrt = transform_sqrt
        self.color_mode = color_mode
        self.image_shape = image_shape
        self.dtype = dtype
        self.chunk_size = chunk_size
        self.n_jobs = n_jobs

    def _settings(self):
        """``(pixels_per_cell, cells_per_block)`` as tuples, the settings checked."""
        return check_hog_settings(self.get_params(deep=False), type(self).__name__)

    def _check_params(self, image_shape, settings):
        cell, block = settings
        check_hog_size(image_shape[:2], self.orientations, cell, block, self.block_norm)

    def _transform(self, images, settings):
        cell, block = settings
        return _hog_checked(images, self.orientations, cell, block, self.block_norm,
                            self.transform_sqrt, self.color_mode, np.dtype(self.dtype).type,
                            self.chunk_size, self.n_jobs)

    def _feature_names(self, settings):
        cell, block = settings
        shape = hog_output_shape(self.image_shape_[:2], self.orientations, cell, block,
                                 self.block_norm)
        if self.block_norm is None:
            return [f"hog_r{r}_c{c}_o{o}" for r, c, o in np.ndindex(*shape)]
        # block (r, c) holds the cells (r + i, c + j)
        return [f"hog_b{r}_{c}_r{r + i}_c{c + j}_o{o}" for r, c, i, j, o in np.ndindex(*shape)]
