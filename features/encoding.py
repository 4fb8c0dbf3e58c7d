"""Dense encoding of images against a visual dictionary, pooled over spatial regions.

The inner loop of :class:`features.BagOfVisualWords`, as a plain function
(:func:`encode_images`).  For a chunk of images: every patch (dense im2col),
normalised; then image by image, the patches whitened, one float32 matrix
product of all of them with the (augmented) dictionary, the encoding done in
place on the product while it is in cache, and the pooling.

* ``'triangle'`` (Coates, Lee & Ng 2011): ``z_k = ||x - c_k||``,
  ``f_k = max(0, mean(z) - z_k)``.  The product gives squared distances
  directly, ``[x, 1, |x|^2] . [-2 c_k, |c_k|^2, 1]``, so no pass adds the norms.
* ``'hard'``: one count for the nearest word (vector quantisation); the
  product is ``[x, 1] . [-2 c_k, |c_k|^2]``, whose row minimum is the nearest word.
* ``'soft_threshold'`` (Coates & Ng 2011): ``f_k = max(0, d_k . x - threshold)``
  with ``d_k`` the unit-norm words.

Pooling sums the codes of the patches of each region.  The regions of all
pyramid levels are unions of "atoms" (the grid of all their boundaries), so one
pass sums each image's codes per atom and the levels add atoms up.  The
triangle's ``max(0, mu - z)`` is pooled as ``sum(mu) - sum(min(z, mu))`` and the
soft threshold's ``max(0, y - t)`` as ``sum(max(y, t)) - sum(t)``: one
elementwise pass each instead of two, and with both sums added in the same
order, exactly zero where no patch is active (never a rounding-error below).

References
----------
.. [1] A. Coates, H. Lee and A. Y. Ng, "An Analysis of Single-Layer Networks in
   Unsupervised Feature Learning", AISTATS 2011.
.. [2] A. Coates and A. Y. Ng, "The Importance of Encoding Versus Training with
   Sparse Coding and Vector Quantization", ICML 2011.
.. [3] S. Lazebnik, C. Schmid and J. Ponce, "Beyond Bags of Features: Spatial
   Pyramid Matching for Recognizing Natural Scene Categories", CVPR 2006.
"""

import numpy as np
from threadpoolctl import threadpool_limits

from .images import chunks, run_chunks
from .patches import extract_patches, normalize_patches, patch_grid

ENCODINGS = ("triangle", "hard", "soft_threshold")


def region_bounds(size, cells):
    """Edges of ``cells`` regions splitting ``size`` patch positions, rounding halves up.

    Coates, Lee & Ng's quadrants of a 27 x 27 patch grid are 14 + 13 rows
    (MATLAB's ``round(27 / 2)``); finer levels split the same way, and the
    edges of a level are among those of any level with a multiple of its cells.

    Examples
    --------
    >>> region_bounds(27, 2)
    [0, 14, 27]
    >>> region_bounds(27, 4)
    [0, 7, 14, 20, 27]
    """
    return [int(np.floor(i * size / cells + 0.5)) for i in range(cells + 1)]


class Pooling:
    """The pooling regions of a patch grid: atoms and how levels add them up.

    Parameters
    ----------
    grid : (int, int)
        Patch positions per image, rows and columns.
    levels : sequence of int
        Cells per side of each level: ``(2,)`` quadrants, ``(1,)`` the whole
        image, ``(1, 2, 4)`` a spatial pyramid (Lazebnik, Schmid & Ponce 2006).
    """

    def __init__(self, grid, levels):
        self.grid = tuple(grid)
        self.levels = tuple(levels)
        self.row_edges = sorted({e for g in levels for e in region_bounds(grid[0], g)})
        self.col_edges = sorted({e for g in levels for e in region_bounds(grid[1], g)})
        self.n_regions = sum(g * g for g in levels)
        # level cell (g, i, j) -> slices of atom rows and columns
        self.cells = []
        for g in self.levels:
            rows, cols = region_bounds(grid[0], g), region_bounds(grid[1], g)
            for i in range(g):
                for j in range(g):
                    self.cells.append((
                        slice(self.row_edges.index(rows[i]), self.row_edges.index(rows[i + 1])),
                        slice(self.col_edges.index(cols[j]), self.col_edges.index(cols[j + 1]))))
        # atom of every patch position, for the histogram of hard codes
        row_atom = np.searchsorted(self.row_edges, np.arange(grid[0]), side="right") - 1
        col_atom = np.searchsorted(self.col_edges, np.arange(grid[1]), side="right") - 1
        self.n_atoms = (len(self.row_edges) - 1, len(self.col_edges) - 1)
        self.atom_of_position = (row_atom[:, None] * self.n_atoms[1] + col_atom).ravel()
        self.region_sizes = np.array(
            [(self.row_edges[r.stop] - self.row_edges[r.start])
             * (self.col_edges[c.stop] - self.col_edges[c.start]) for r, c in self.cells])

    def atom_sums(self, values):
        """Sums over atoms: ``(rows, cols, ...) -> (n_atom_rows, n_atom_cols, ...)``.

        Each pass adds whole rows of the patch grid (contiguous runs of
        ``cols * n_words`` values), the fastest way NumPy reduces.
        """
        by_rows = np.stack([values[a:b].sum(axis=0)
                            for a, b in zip(self.row_edges[:-1], self.row_edges[1:])])
        return np.stack([by_rows[:, a:b].sum(axis=1)
                         for a, b in zip(self.col_edges[:-1], self.col_edges[1:])], axis=1)

    def regions(self, atoms):
        """Sums over each level's cells: ``(atom rows, atom cols, ...) -> (n_regions, ...)``."""
        return np.stack([atoms[r, c].sum(axis=(0, 1)) for r, c in self.cells])

    def pool(self, values):
        """Sums over every region: ``(rows, cols, m) -> (n_regions, m)``.

        The additions run in the same order for every column ``m``: float
        rounding is monotone, so if one column is at most another everywhere,
        so are their sums, and equal columns give equal sums.
        """
        return self.regions(self.atom_sums(values))

    def pool_constant(self, values):
        """:meth:`pool` of a ``(rows, cols)`` array, added in the very order
        :meth:`pool` adds each column of a wider array (two columns keep it
        from being summed along its contiguous axis, which NumPy does pairwise)."""
        wide = np.empty(values.shape + (2,), dtype=values.dtype)
        wide[...] = values[..., None]
        return self.pool(wide)[:, 0]


def encode_images(images, dictionary, *, patch_size, stride=1, patch_mean=None,
                  whitening=None, normalize_eps=10.0, encoding="triangle", threshold=0.25,
                  levels=(2,), power=1.0, mirror=False, chunk_size=32, n_jobs=1):
    """Bag-of-visual-words features of a batch of images.

    Parameters
    ----------
    images : ndarray of shape (n, H, W) or (n, H, W, C)
        Checked images (:func:`features.images.check_images`), uint8 in
        0..255 or float in 0..1.
    dictionary : ndarray of shape (n_words, patch_size * patch_size * C)
        The words, in whitened patch space.
    patch_size, stride : int
    patch_mean : ndarray of shape (d,) or None
        Subtracted before whitening (None: no whitening).
    whitening : ndarray of shape (d, d) or None
        Symmetric whitening matrix (None: no whitening).
    normalize_eps : float or None, default=10.0
        Per-patch contrast normalisation (:func:`features.patches.normalize_patches`);
        None skips it.
    encoding : {'triangle', 'hard', 'soft_threshold'}, default='triangle'
    threshold : float, default=0.25
        Of ``'soft_threshold'``.
    levels : tuple of int, default=(2,)
        Pooling grid of each level (:class:`Pooling`).
    power : float > 0, default=1.0
        Every pooled code is raised to this power (0.5: square root).
    mirror : bool, default=False
        Add the features of each image's mirror image (flipped left to
        right), computed the same way, to its own: twice the work, and
        features that a horizontal flip leaves unchanged.
    chunk_size : int, default=32
        Images a worker takes at a time: it holds their
        ``chunk_size * rows * cols * d`` patch values (float32) and one
        image's ``rows * cols * n_words`` products.
    n_jobs : int, default=1
        Worker threads (-1: every core), each running BLAS on one thread.

    Returns
    -------
    features : ndarray of shape (n, n_regions * n_words), float32
        Ordered (level, cell row, cell column, word).
    """
    dictionary = np.asarray(dictionary, dtype=np.float32)
    n_words, d = dictionary.shape
    grid = patch_grid(images.shape[1:3], patch_size, stride)
    pooling = Pooling(grid, levels)
    n_positions = grid[0] * grid[1]
    out = np.empty((images.shape[0], pooling.n_regions * n_words), dtype=np.float32)
    if encoding == "triangle":
        words = np.vstack([-2 * dictionary.T, np.einsum("kd,kd->k", dictionary, dictionary),
                           np.ones(n_words, np.float32)])
    elif encoding == "hard":
        words = np.vstack([-2 * dictionary.T, np.einsum("kd,kd->k", dictionary, dictionary)])
    else:
        norms = np.sqrt(np.einsum("kd,kd->k", dictionary, dictionary))
        words = (dictionary / np.maximum(norms, 1e-12)[:, None]).T
    words = np.ascontiguousarray(words, dtype=np.float32)
    shift = None if whitening is None else (patch_mean @ whitening).astype(np.float32)
    mean_weights = np.full(n_words, 1 / n_words, dtype=np.float32)
    floor = np.full(n_words, threshold, dtype=np.float32)

    def one_chunk(part):
        flips = (images[part], images[part, :, ::-1]) if mirror else (images[part],)
        x = np.empty((n_positions, words.shape[0]), dtype=np.float32)
        x[:, d:] = 1
        z = np.empty((n_positions, n_words), dtype=np.float32)
        for k, chunk in enumerate(flips):
            patches = extract_patches(chunk, patch_size, stride).reshape(-1, n_positions, d)
            if normalize_eps is not None:
                normalize_patches(patches.reshape(-1, d), normalize_eps)
            # One image at a time: its products (4.7 MB for 729 patches and
            # 1600 words) stay in cache for the encoding passes, and every
            # image goes through operations of the same shapes whatever the
            # batch, so its features do not depend on the chunking (BLAS
            # kernels round differently for different matrix sizes).
            for i, patches_i in enumerate(patches):
                if whitening is None:
                    x[:, :d] = patches_i
                else:
                    np.matmul(patches_i, whitening, out=x[:, :d])
                    x[:, :d] -= shift
                if encoding == "triangle":
                    np.einsum("ij,ij->i", x[:, :d], x[:, :d], out=x[:, d + 1])
                np.matmul(x, words, out=z)
                pooled = _encode_image(z, encoding, pooling, mean_weights, floor)
                if power == 0.5:
                    np.sqrt(pooled, out=pooled)
                elif power != 1:
                    np.power(pooled, np.float32(power), out=pooled)
                if k == 0:
                    out[part.start + i] = pooled.ravel()
                else:
                    out[part.start + i] += pooled.ravel()

    # One BLAS thread per worker: a product of one image's patches is too
    # small for BLAS's own threads to pay (and they are ruinous when the cores
    # are busy with other work), and the workers run the encoding passes in
    # parallel as well.
    with threadpool_limits(limits=1, user_api="blas"):
        run_chunks(one_chunk, chunks(images.shape[0], chunk_size), n_jobs)
    return out


def _encode_image(z, encoding, pooling, mean_weights, floor):
    """Encode and pool the products ``z`` of one image's patches, in place.

    Returns ``(n_regions, n_words)`` pooled codes.
    """
    n_words = z.shape[1]
    if encoding == "hard":
        # histogram of (atom, nearest word) pairs in one bincount
        index = pooling.atom_of_position * n_words + z.argmin(axis=1)
        counts = np.bincount(index, minlength=pooling.n_atoms[0] * pooling.n_atoms[1] * n_words)
        return pooling.regions(counts.reshape(pooling.n_atoms + (n_words,))).astype(np.float32)
    grid = pooling.grid + (n_words,)
    if encoding == "triangle":
        # |d2| rather than max(d2, 0): both only change rounding noise around 0,
        # and abs is a much faster pass
        np.abs(z, out=z)
        np.sqrt(z, out=z)
        mu = z @ mean_weights
        np.minimum(z, mu[:, None], out=z)
        # sum(max(0, mu - z)) = sum(mu) - sum(min(z, mu)): one pass instead of
        # two, and exactly 0 (never below) where no patch is closer than mu
        pooled = pooling.pool(z.reshape(grid))
        pooled_mu = pooling.pool_constant(mu.reshape(pooling.grid))
        return np.subtract(pooled_mu[:, None], pooled, out=pooled)
    # sum(max(0, y - t)) = sum(max(y, t)) - sum(t), exact in the same way
    np.maximum(z, floor, out=z)
    pooled = pooling.pool(z.reshape(grid))
    pooled -= pooling.pool_constant(np.full(pooling.grid, floor[0]))[:, None]
    return pooled
