"""Loading image data sets: image folders, the CIFAR-10 python version, and its download."""

import os
import pickle
import shutil
import sys
import tarfile
import tempfile
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

__all__ = ["load_image_folder", "load_cifar10", "fetch_cifar10"]

CIFAR10_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
CIFAR10_MD5 = "c58f30108f718f92721af3b95e74349a"     # published with the archive
CIFAR10_FOLDER = "cifar-10-batches-py"

# Decoding errors PIL raises on corrupt, truncated or non-image files.
_DECODE_ERRORS = (UnidentifiedImageError, OSError, SyntaxError, ValueError,
                  Image.DecompressionBombError)


def _list_image_folder(root):
    """Sorted class names and ``(path, class_index)`` pairs of an image folder."""
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(
            f"{root} is not a folder; expected one sub-folder per class "
            "(root/<class>/<image>).")
    classes = sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not classes:
        raise ValueError(f"{root} has no class sub-folders; expected root/<class>/<image>.")
    entries = []
    for index, name in enumerate(classes):
        for path in sorted((root / name).iterdir()):
            # Hidden files (.DS_Store, editor droppings) are never images of a class.
            if path.is_file() and not path.name.startswith("."):
                entries.append((path, index))
    if not entries:
        raise ValueError(f"The class folders of {root} hold no files.")
    return classes, entries


def _decode(path, image_size):
    """One file as an RGB uint8 array, resized to ``image_size`` (H, W) if given."""
    with Image.open(path) as im:
        if im.mode == "P" and "transparency" in im.info:
            im = im.convert("RGBA")     # palette transparency must go through RGBA
        # Grayscale, palette, CMYK, 16-bit and alpha modes all become RGB
        # (alpha is dropped, as PIL's RGBA -> RGB conversion does).
        rgb = im.convert("RGB")
        if image_size is not None and rgb.size != (image_size[1], image_size[0]):
            rgb = rgb.resize((image_size[1], image_size[0]), Image.Resampling.BILINEAR)
        return np.asarray(rgb)


def load_image_folder(root, image_size=None, on_error="raise", n_jobs=2):
    """Load an image-folder data set (one sub-folder per class) into memory.

    Classes are the sub-folders in sorted order and files are read in sorted
    name order, so the result is the same on every machine.

    Parameters
    ----------
    root : str or path-like
        Folder holding ``<class>/<image file>``.  Hidden files are ignored.
    image_size : (int, int) or None, default=None
        ``(height, width)`` to resize every image to (bilinear).  With None,
        all images must share the size of the first one.
    on_error : {'raise', 'skip'}, default='raise'
        What to do with a file that cannot be decoded as an image (corrupt,
        truncated, or not an image at all): raise a ``ValueError`` naming the
        file, or skip it and warn once with the number of skipped files.
    n_jobs : int, default=2
        Decoding threads (pillow releases the GIL while decoding).

    Returns
    -------
    X : ndarray of shape (n_images, height, width, 3), dtype uint8
        RGB images; grayscale, palette and RGBA files are converted to RGB.
    y : ndarray of shape (n_images,), dtype int64
        Index of each image's class in ``class_names``.
    class_names : list of str

    Raises
    ------
    ValueError
        A file that is not a readable image (with ``on_error='raise'``), or,
        without ``image_size``, an image whose size differs from the first.

    Examples
    --------
    >>> X, y, class_names = load_image_folder("../shared/data/cifar10/train")  # doctest: +SKIP
    >>> X.shape, class_names[:2]  # doctest: +SKIP
    ((50000, 32, 32, 3), ['airplane', 'automobile'])
    """
    if on_error not in ("raise", "skip"):
        raise ValueError(f"on_error must be 'raise' or 'skip', got {on_error!r}.")
    if image_size is not None:
        if (len(image_size) != 2 or not all(isinstance(s, (int, np.integer)) and s > 0
                                            for s in image_size)):
            raise ValueError(
                f"image_size must be (height, width) with positive ints, got {image_size!r}.")
        image_size = (int(image_size[0]), int(image_size[1]))
    classes, entries = _list_image_folder(root)

    def decode(entry):
        try:
            return _decode(entry[0], image_size)
        except _DECODE_ERRORS as exc:
            if on_error == "raise":
                raise ValueError(
                    f"Cannot read {entry[0]} as an image ({exc}); remove it or pass "
                    "on_error='skip'.") from exc
            return None

    X = None
    labels, skipped, first = [], 0, None
    with ThreadPoolExecutor(max_workers=max(1, n_jobs)) as pool:
        for entry, image in zip(entries, pool.map(decode, entries)):
            if image is None:
                skipped += 1
                continue
            if X is None:
                first = entry[0]
                X = np.empty((len(entries),) + image.shape, dtype=np.uint8)
            elif image.shape != X.shape[1:]:
                raise ValueError(
                    f"{entry[0]} is {image.shape[1]}x{image.shape[0]} pixels but {first} "
                    f"is {X.shape[2]}x{X.shape[1]}; pass image_size=(height, width) to "
                    "resize every image to one size.")
            X[len(labels)] = image
            labels.append(entry[1])
    if skipped:
        warnings.warn(f"Skipped {skipped} file(s) under {root} that could not be read as "
                      "images.", UserWarning)
    if not labels:
        raise ValueError(f"No readable image under {root}.")
    return X[:len(labels)], np.asarray(labels, dtype=np.int64), classes


def _unpickle_batch(path):
    with open(path, "rb") as f:
        batch = pickle.load(f, encoding="bytes")
    data = np.asarray(batch[b"data"], dtype=np.uint8)
    # Rows are 3072 bytes: the 1024 red values, then green, then blue, each
    # plane in row-major order; hence (n, 3, 32, 32) moved to channels-last.
    images = data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    return np.ascontiguousarray(images), np.asarray(batch[b"labels"], dtype=np.int64)


def load_cifar10(path, subset="train"):
    """Load CIFAR-10 from the official python version or an image-folder copy.

    Parameters
    ----------
    path : str or path-like
        Either the extracted "CIFAR-10 python version" folder (holding
        ``data_batch_1`` ... ``data_batch_5``, ``test_batch`` and
        ``batches.meta``), or a folder with ``train/<class>/`` and
        ``test/<class>/`` image folders (like ``../shared/data/cifar10``).
    subset : {'train', 'test'}, default='train'

    Returns
    -------
    X : ndarray of shape (n_images, 32, 32, 3), dtype uint8
    y : ndarray of shape (n_images,), dtype int64
    class_names : list of str

    References
    ----------
    .. [1] A. Krizhevsky, "Learning multiple layers of features from tiny
       images", 2009.
    """
    if subset not in ("train", "test"):
        raise ValueError(f"subset must be 'train' or 'test', got {subset!r}.")
    path = Path(path)
    meta = path / "batches.meta"
    if meta.is_file():
        names = ["test_batch"] if subset == "test" else [f"data_batch_{i}" for i in range(1, 6)]
        missing = [n for n in names if not (path / n).is_file()]
        if missing:
            raise FileNotFoundError(
                f"{path} looks like the CIFAR-10 python version but lacks {missing}.")
        parts = [_unpickle_batch(path / n) for n in names]
        with open(meta, "rb") as f:
            label_names = pickle.load(f, encoding="bytes")[b"label_names"]
        return (np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]),
                [n.decode() for n in label_names])
    if (path / subset).is_dir():
        return load_image_folder(path / subset)
    raise FileNotFoundError(
        f"{path} holds neither the CIFAR-10 python version (batches.meta, data_batch_1..5, "
        f"test_batch) nor an image folder {path / subset}/<class>/.")


class _Progress:
    """A minimal progress bar for pooch's downloader: a line per 10 percent on stderr."""

    def __init__(self, name, stream=None):
        self.name, self.stream = name, stream or sys.stderr
        self.total, self.done, self.shown = None, 0, -1

    def update(self, n):
        self.done += n
        if self.total:
            tenth = min(10, 10 * self.done // self.total)
            if tenth > self.shown:
                self.shown = tenth
                print(f"downloading {self.name}: {10 * tenth}% of {self.total / 1e6:.1f} MB",
                      file=self.stream, flush=True)

    def reset(self):
        self.done, self.shown = 0, -1

    def close(self):
        pass


def _safe_extract(archive, destination):
    """Extract a tar archive, refusing any member that would land outside ``destination``.

    Absolute paths, ``..`` components, links and device files are refused
    before anything is written.
    """
    destination = Path(destination).resolve()
    with tarfile.open(archive) as tar:
        members = tar.getmembers()
        for member in members:
            target = (destination / member.name).resolve()
            if not (member.isfile() or member.isdir()):
                raise ValueError(f"Refusing to extract {member.name!r} from {archive}: "
                                 "only regular files and folders are expected.")
            if target != destination and destination not in target.parents:
                raise ValueError(f"Refusing to extract {member.name!r} from {archive}: "
                                 "it would be written outside the target folder.")
        for member in members:
            tar.extract(member, destination, set_attrs=False)


def fetch_cifar10(data_home=None, subset="train", *, url=CIFAR10_URL, md5=CIFAR10_MD5,
                  progress=True):
    """Download (once) and load the official CIFAR-10 python version.

    The archive is fetched with pooch, checked against its published md5 and
    cached under ``<data_home>/cifar10``; it is then extracted into a
    temporary folder that is renamed into place only when complete.  A
    download that fails half-way, or an archive whose checksum does not
    match, leaves nothing behind that a later call would trust.

    Parameters
    ----------
    data_home : str or path-like, default=None
        Cache root; None uses scikit-learn's ``get_data_home()``
        (``~/scikit_learn_data`` or ``$SCIKIT_LEARN_DATA``).
    subset : {'train', 'test'}, default='train'
    url : str, default=the official archive
        Where to download from (a mirror).
    md5 : str, default='c58f30108f718f92721af3b95e74349a'
        Expected md5 of the archive.
    progress : bool, default=True
        Print download progress to stderr.

    Returns
    -------
    X, y, class_names
        As :func:`load_cifar10`.

    Raises
    ------
    ValueError
        If the checksum does not match, or the archive holds a member that
        would be written outside the cache folder.
    """
    import pooch
    from sklearn.datasets import get_data_home

    home = Path(get_data_home(data_home)) / "cifar10"
    folder = home / CIFAR10_FOLDER
    if not (folder / "batches.meta").is_file():
        home.mkdir(parents=True, exist_ok=True)
        name = "cifar-10-python.tar.gz"
        downloader = pooch.HTTPDownloader(progressbar=_Progress(name) if progress else False)
        archive = pooch.retrieve(url, known_hash=f"md5:{md5}", fname=name, path=home,
                                 downloader=downloader)
        staging = Path(tempfile.mkdtemp(prefix=".extract-", dir=home))
        try:
            _safe_extract(archive, staging)
            if not (staging / CIFAR10_FOLDER / "batches.meta").is_file():
                raise ValueError(f"{archive} does not hold {CIFAR10_FOLDER}/batches.meta.")
            os.replace(staging / CIFAR10_FOLDER, folder)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return load_cifar10(folder, subset)


def cifar10_split(n_images=50000, n_val=5000, seed=0):
    """The project's fixed train / validation split of the shared training images.

    ``numpy.random.default_rng(seed).permutation(n_images)``: the last
    ``n_val`` indices are validation (``../shared/data/README.md``).

    Returns
    -------
    train, val : ndarray of int
    """
    order = np.random.default_rng(seed).permutation(n_images)
    return order[:-n_val], order[-n_val:]
