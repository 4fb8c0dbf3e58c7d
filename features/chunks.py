"""Features of many images, chunk by chunk: in memory, into a file, or on a cluster.

The transformers of this package compute a whole batch at once, and hold it:
fine for CIFAR-10 (50,000 images of HOG and colour are 0.2 GB), not for raw
pixels of 500,000 images (6.1 GB of float32) or ImageNet at 32x32.
:func:`extract` cuts the images into chunks, transforms each through joblib,
and writes the rows where they belong, in memory or in a ``.npy`` file that
is returned memory-mapped (written atomically, :mod:`features.atomic`): only
one chunk's features per worker are ever held.  Because the chunks go
through :class:`joblib.Parallel`, the backend the caller picks decides where
they run: threads or processes here, or the workers of a Dask cluster under
``joblib.parallel_backend('dask')``, the same switch that distributes a grid
search.  :func:`take_rows` reads rows of such a file without mapping them
into the process.  Scaling features larger than memory is
:class:`features.scaler.ChunkedScaler`'s.

:func:`learns_from_data` says whether a transformer's ``fit`` learns
anything from the images: when it does not (HOG, colour histograms, raw
pixels), every image's features are the same whichever images it was fitted
on, so they can be computed once per image and sliced for any split without
leaking anything.
"""

import mmap
import os

import joblib
import numpy as np
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.utils.validation import check_is_fitted

from _constraints import N_JOBS, Flag, HasMethods, Integer, validate

from .atomic import check_npy_path, write_npy
from .base import ImageTransformer

# Model files saved before ChunkedScaler had a module of its own name it
# features.chunks.ChunkedScaler: skops finds it here by that name.
from .scaler import ChunkedScaler  # noqa: F401

__all__ = ["extract", "learns_from_data", "take_rows", "DEFAULT_CHUNK_ROWS"]

#: Images per chunk: 2,048 CIFAR images are 6 MB of pixels and 25 MB of raw
#: features in float32; a chunk is large enough to keep BLAS and the batched
#: kernels busy and small enough for one worker's memory.
DEFAULT_CHUNK_ROWS = 2048


def learns_from_data(transformer):
    """Whether ``transformer.fit`` learns anything from the values of the images.

    False for :class:`~features.RawPixels`, :class:`~features.HOG` and
    :class:`~features.ColorHistogram` (their ``fit`` records the image shape
    only), for a ``FeatureUnion`` or ``Pipeline`` of such steps, and for an
    estimator tagged ``requires_fit=False`` by scikit-learn (e.g.
    ``FunctionTransformer``); True for :class:`~features.BagOfVisualWords`
    (k-means learns its dictionary) and for anything unknown, to be safe.

    Parameters
    ----------
    transformer : estimator

    Returns
    -------
    bool
    """
    if isinstance(transformer, FeatureUnion):
        return any(learns_from_data(step) for _, step in transformer.transformer_list
                   if step not in ("drop", None))
    if isinstance(transformer, Pipeline):
        return any(learns_from_data(step) for _, step in transformer.steps
                   if step not in ("passthrough", None))
    if isinstance(transformer, ImageTransformer):
        return type(transformer)._learns_from_data
    try:
        return bool(transformer.__sklearn_tags__().requires_fit)
    except AttributeError:
        return True


def _transform(transformer, images):
    return transformer.transform(images)


@validate({"transformer": [HasMethods(["transform"])],
           "chunk_rows": [Integer(1)],
           "out": [None, str, os.PathLike],
           "n_jobs": N_JOBS,
           "progress": [Flag(), callable]})
def extract(transformer, X, *, chunk_rows=DEFAULT_CHUNK_ROWS, out=None, n_jobs=None,
            progress=False):
    """The features of every image of ``X``, computed chunk by chunk through joblib.

    Parameters
    ----------
    transformer : fitted transformer
        Anything with ``transform`` (a feature transformer of this package,
        a ``FeatureUnion`` of them, ...), fitted.  It is sent to the workers
        as it is: set its own ``n_jobs`` to 1 when ``n_jobs`` here runs
        several chunks at once, or the two multiply.
    X : array-like of shape (n_images, ...)
        Images as ``transformer.transform`` takes them; a memory-mapped array
        (``np.load(path, mmap_mode='r')``) is read one chunk at a time, and
        joblib's process workers map the same file instead of receiving
        copies.
    chunk_rows : int >= 1, default=DEFAULT_CHUNK_ROWS
        Images per chunk.
    out : str, path or None, default=None
        A ``.npy`` file to write the features into; it is created (or
        replaced) atomically and returned memory-mapped read-only, so the
        features never need to fit in memory.  None returns an in-memory
        array.
    n_jobs : int or None, default=None
        Chunks run at once, as joblib reads it: None is one, unless a
        ``joblib.parallel_config`` / ``parallel_backend`` context says
        otherwise (under the Dask backend: every worker of the cluster).
    progress : bool or callable, default=False
        True shows a progress bar over the images (tqdm, on stderr); a
        callable is called with the number of images of each chunk done
        (e.g. the ``update`` of the caller's own bar).

    Returns
    -------
    features : ndarray or numpy.memmap of shape (n_images, n_features_out)
        Row ``i`` is ``transformer.transform(X[i:i+1])``; the dtype is the
        transformer's.

    Raises
    ------
    sklearn.exceptions.NotFittedError
        ``transformer`` is an unfitted estimator.
    InvalidParameterError
        A bad ``chunk_rows``, ``out``, ``n_jobs`` or ``progress``.
    FileNotFoundError
        The folder of ``out`` does not exist.

    Examples
    --------
    >>> import numpy as np
    >>> from features import RawPixels, extract
    >>> images = np.zeros((5, 4, 4), np.uint8)
    >>> extract(RawPixels().fit(images), images, chunk_rows=2).shape
    (5, 16)
    """
    from tqdm.auto import tqdm

    if hasattr(transformer, "get_params"):
        check_is_fitted(transformer)
    n = len(X)
    if out is not None:
        out = check_npy_path(out)
    parts = [slice(start, min(start + chunk_rows, n)) for start in range(0, n, chunk_rows)]
    if not parts:                      # no image: as the transformer answers it
        features = transformer.transform(X)
        if out is None:
            return features
        return write_npy(out, features.shape, features.dtype, lambda array: None)
    # A generator: each chunk's features are written as soon as they come,
    # in order, so that no more than a few chunks are ever held.
    results = joblib.Parallel(n_jobs=n_jobs, return_as="generator")(
        joblib.delayed(_transform)(transformer, X[part]) for part in parts)
    bar = tqdm(total=n, disable=progress is not True, desc="features", unit="image",
               leave=False)
    done = progress if callable(progress) else bar.update
    try:
        first = next(results)
    except BaseException:
        bar.close()
        raise
    first = _checked_block(transformer, first, parts[0], None)
    shape, dtype = (n,) + first.shape[1:], first.dtype

    def fill(array):
        array[parts[0]] = first
        done(parts[0].stop)
        for part, block in zip(parts[1:], results):
            array[part] = _checked_block(transformer, block, part, first)
            done(part.stop - part.start)

    try:
        if out is None:
            features = np.empty(shape, dtype)
            fill(features)
            return features
        return write_npy(out, shape, dtype, fill)
    finally:
        bar.close()


def _checked_block(transformer, block, part, first):
    """One chunk's features, after checking they are one row per image of the chunk
    and, after the first chunk, as wide and of the same dtype as the first's.

    Without it, a wrong shape is a bare broadcast error, and a float64 chunk
    after a float32 first one overflows silently to inf when written.
    """
    block = np.asarray(block)
    rows = part.stop - part.start
    what = (f"{type(transformer).__name__}.transform returned, for the chunk of images "
            f"{part.start}..{part.stop - 1}, an array of shape {block.shape}")
    if block.ndim < 1 or block.shape[0] != rows:
        raise ValueError(f"{what}: expected one row per image, {rows} rows.")
    if first is not None and block.shape[1:] != first.shape[1:]:
        raise ValueError(f"{what}, but {first.shape[1:]} per row for the first chunk; every "
                         "chunk must give the same number of features.")
    if first is not None and block.dtype != first.dtype:
        raise ValueError(f"{what} and dtype {block.dtype}, but {first.dtype} for the first "
                         "chunk; every chunk must give the same dtype.")
    return block


def _mapped_file(X):
    """``(path, offset)`` of the ``.npy`` data behind ``X`` when ``X`` is a whole
    memory-mapped file as ``np.load(mmap_mode='r')`` returns it, else None."""
    if not (isinstance(X, np.memmap) and isinstance(X.base, mmap.mmap) and X.filename
            and X.ndim == 2 and X.flags.c_contiguous):
        return None                     # a view of a map: its offset is its parent's
    try:
        if os.path.getsize(X.filename) != X.offset + X.nbytes:
            return None                 # the file changed since it was mapped
    except OSError:
        return None
    return X.filename, X.offset


def take_rows(X, rows, block_rows=1024):
    """``X[rows]`` in memory; from a memory-mapped ``.npy`` file, read with file reads.

    Slicing a memory map maps the pages it reads into this process, where
    they count in its resident memory for as long as the map lives, on top
    of the copy; a grid search that slices the same features for every split
    would hold the whole file there.  Read block by block with ``readinto``
    instead, the pages stay in the operating system's file cache (shared,
    reclaimable) and the process holds the copy alone.

    Parameters
    ----------
    X : ndarray or numpy.memmap of shape (n_samples, n_features)
    rows : array-like of int, shape (n_rows,)
        Row indices, in any order (repeats allowed).
    block_rows : int, default=1024
        Rows of the file read at once.

    Returns
    -------
    taken : ndarray of shape (n_rows, n_features)
        A new array, equal to ``X[rows]``.
    """
    rows = np.asarray(rows)
    mapped = _mapped_file(X)
    if mapped is None or rows.ndim != 1 or rows.dtype.kind not in "iu":
        return X[rows]
    n = X.shape[0]
    if rows.size and (rows.min() < -n or rows.max() >= n):
        return X[rows]                  # the IndexError NumPy gives
    rows = np.where(rows < 0, rows + n, rows)
    order = np.argsort(rows, kind="stable")
    wanted = rows[order]
    taken = np.empty((rows.size, X.shape[1]), X.dtype)
    block = np.empty((block_rows, X.shape[1]), X.dtype)
    row_bytes = X.shape[1] * X.dtype.itemsize
    path, offset = mapped
    with open(path, "rb", buffering=0) as f:
        for start in range(0, n, block_rows):
            lo, hi = np.searchsorted(wanted, [start, start + block_rows])
            if lo == hi:
                continue
            stop = min(start + block_rows, n)
            f.seek(offset + start * row_bytes)
            buffer = memoryview(block[:stop - start]).cast("B")
            got = 0
            while got < buffer.nbytes:  # a raw read may return less than asked
                count = f.readinto(buffer[got:])
                if not count:
                    raise OSError(f"{path} ended before its {n} rows: it changed while "
                                  "being read.")
                got += count
            taken[order[lo:hi]] = block[wanted[lo:hi] - start]
    return taken
