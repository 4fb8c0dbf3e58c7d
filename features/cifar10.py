"""CIFAR-10: reading the official python version, its download, and the project's split.

The python version is five training batches and a test batch, each a
pickled dict of ``(n, 3072)`` uint8 rows and their labels, and
``batches.meta`` with the class names (Krizhevsky, 2009).  Each is unpickled
with only numpy's array types allowed and checked for what it must hold.
:func:`fetch_cifar10` downloads the archive once, checks its md5 and
installs it with the shared helpers of :mod:`features.io`.
"""

import pickle
import shutil
from pathlib import Path

import numpy as np

from _constraints import Flag, Integer, StrOptions, check_params

from .atomic import tagged_folder
from .image_folder import load_image_folder
from .io import HttpUrl, Md5, check_folder, check_path, install, remove_leftovers, safe_extract

__all__ = ["load_cifar10", "fetch_cifar10", "cifar10_split"]

CIFAR10_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
CIFAR10_MD5 = "c58f30108f718f92721af3b95e74349a"     # published with the archive
CIFAR10_FOLDER = "cifar-10-batches-py"
CIFAR10_BATCHES = {"train": [f"data_batch_{i}" for i in range(1, 6)], "test": ["test_batch"]}
CIFAR10_FILES = ("batches.meta", *CIFAR10_BATCHES["train"], *CIFAR10_BATCHES["test"])


class _BatchUnpickler(pickle.Unpickler):
    """Unpickles the CIFAR-10 batches: dicts, lists, numbers, bytes and numpy arrays only.

    A pickle can name any function to call while loading, so a plain
    ``pickle.load`` of a downloaded or copied file runs whatever it names.
    The batches need only numpy's array reconstruction (and ``_codecs.encode``,
    which protocol-2 pickles use for bytes); everything else is refused.
    """

    _ALLOWED = {
        ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
        ("numpy.core.multiarray", "scalar"), ("numpy._core.multiarray", "scalar"),
        ("numpy.core.numeric", "_frombuffer"), ("numpy._core.numeric", "_frombuffer"),
        ("numpy", "ndarray"), ("numpy", "dtype"), ("_codecs", "encode"),
    }

    def find_class(self, module, name):
        if (module, name) not in self._ALLOWED:
            raise pickle.UnpicklingError(f"it refers to {module}.{name}, which a CIFAR-10 "
                                         "batch never holds")
        return super().find_class(module, name)


def _read_pickle(path, what):
    """The dict pickled in ``path``, or a ValueError naming the file."""
    try:
        with open(path, "rb") as f:
            content = _BatchUnpickler(f, encoding="bytes").load()
    except MemoryError:
        raise
    except OSError:
        raise
    except Exception as exc:       # UnpicklingError, EOFError, ValueError, ...
        raise ValueError(f"Cannot read {path} as a CIFAR-10 {what} ({type(exc).__name__}: "
                         f"{exc}); the file is corrupt or not from the CIFAR-10 python "
                         "version.") from exc
    if not isinstance(content, dict):
        raise ValueError(f"{path} holds a {type(content).__name__}, not the dict of a "
                         f"CIFAR-10 {what}.")
    return content


def _unpickle_batch(path, n_classes):
    """Images (n, 32, 32, 3) uint8 and labels (n,) int64 of one batch file, checked."""
    batch = _read_pickle(path, "batch")
    missing = [key.decode() for key in (b"data", b"labels") if key not in batch]
    if missing:
        raise ValueError(f"{path} lacks {missing}: a CIFAR-10 batch holds b'data' and "
                         f"b'labels' (it holds {sorted(batch)[:6]}).")
    data = batch[b"data"]
    if not (isinstance(data, np.ndarray) and data.dtype == np.uint8 and data.ndim == 2
            and data.shape[1] == 3072 and data.shape[0] > 0):
        described = (f"an array of shape {data.shape}, dtype {data.dtype}"
                     if isinstance(data, np.ndarray) else f"a {type(data).__name__}")
        raise ValueError(f"{path}: b'data' is {described}; expected uint8 rows of 3072 "
                         "values (n, 3072), one 32x32 RGB image per row.")
    try:
        labels = np.asarray(batch[b"labels"])
    except (TypeError, ValueError):
        labels = np.asarray(None)
    if labels.ndim != 1 or labels.dtype.kind not in "iu":
        raise ValueError(f"{path}: b'labels' must be a list of ints, got "
                         f"{type(batch[b'labels']).__name__} {str(batch[b'labels'])[:60]}.")
    if len(labels) != len(data):
        raise ValueError(f"{path} holds {len(data)} images but {len(labels)} labels.")
    if labels.min() < 0 or labels.max() >= n_classes:
        raise ValueError(f"{path}: labels range over {labels.min()}..{labels.max()}; "
                         f"expected 0..{n_classes - 1}.")
    # Rows are 3072 bytes: the 1024 red values, then green, then blue, each
    # plane in row-major order; hence (n, 3, 32, 32) moved to channels-last.
    images = data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    return np.ascontiguousarray(images), labels.astype(np.int64)


def _label_names(meta):
    """The 10 class names of ``batches.meta``, checked."""
    content = _read_pickle(meta, "batches.meta")
    names = content.get(b"label_names")
    if (not isinstance(names, (list, tuple)) or len(names) != 10
            or not all(isinstance(n, (bytes, str)) for n in names)):
        raise ValueError(f"{meta}: b'label_names' must be the list of the 10 class names, "
                         f"got {str(names)[:80]}.")
    try:
        return [n.decode() if isinstance(n, bytes) else n for n in names]
    except UnicodeDecodeError as exc:
        raise ValueError(f"{meta}: a class name is not text ({exc}).") from None


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

    Raises
    ------
    ValueError
        A batch or ``batches.meta`` that is not what the python version
        holds, named with what is wrong: a corrupt or foreign pickle, a
        missing ``b'data'`` or ``b'labels'``, data that are not ``(n, 3072)``
        uint8 rows, labels outside 0..9 or not one per image.  The batches
        are unpickled with only numpy's array types allowed, so a file that
        names any other function to call is refused rather than run.
    FileNotFoundError
        ``path`` holds neither layout, or lacks some of the batches.

    References
    ----------
    .. [1] A. Krizhevsky, "Learning multiple layers of features from tiny
       images", 2009.
    """
    if not isinstance(subset, str) or subset not in CIFAR10_BATCHES:
        raise ValueError(f"subset must be 'train' or 'test', got {subset!r}.")
    path = check_folder(path, "path", "load_cifar10",
                        f"with the CIFAR-10 python version or {subset}/<class>/ images")
    meta = path / "batches.meta"
    if meta.is_file():
        names = CIFAR10_BATCHES[subset]
        missing = [n for n in names if not (path / n).is_file()]
        if missing:
            raise FileNotFoundError(
                f"{path} looks like the CIFAR-10 python version but lacks {missing}.")
        class_names = _label_names(meta)
        parts = [_unpickle_batch(path / n, len(class_names)) for n in names]
        return (np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]),
                class_names)
    if (path / subset).is_dir():
        return load_image_folder(path / subset)
    hint = ""
    if (path / CIFAR10_FOLDER / "batches.meta").is_file():
        hint = f"; did you mean {path / CIFAR10_FOLDER}?"
    raise FileNotFoundError(
        f"{path} holds neither the CIFAR-10 python version (batches.meta, data_batch_1..5, "
        f"test_batch) nor an image folder {path / subset}/<class>/{hint}")


def _is_complete(folder):
    """Whether ``folder`` holds every file of the CIFAR-10 python version."""
    return all((folder / name).is_file() for name in CIFAR10_FILES)


#: The arguments of :func:`fetch_cifar10` (``data_home`` is checked as a path).
FETCH_CONSTRAINTS = {"subset": [StrOptions(set(CIFAR10_BATCHES))], "url": [HttpUrl()],
                     "md5": [Md5()], "progress": [Flag()]}


def _check_fetch_args(data_home, subset, url, md5, progress):
    """Every argument of fetch_cifar10, before anything is downloaded."""
    check_params(FETCH_CONSTRAINTS, dict(subset=subset, url=url, md5=md5, progress=progress),
                 "fetch_cifar10")
    if data_home is not None:
        home = check_path(data_home, "data_home", "fetch_cifar10")
        if home.exists() and not home.is_dir():
            raise NotADirectoryError(f"fetch_cifar10: data_home {home} is a file, not a "
                                     "folder.")


def fetch_cifar10(data_home=None, subset="train", *, url=CIFAR10_URL, md5=CIFAR10_MD5,
                  progress=True):
    """Download (once) and load the official CIFAR-10 python version.

    The archive is fetched with pooch, checked against its published md5 and
    cached under ``<data_home>/cifar10``; it is then extracted into a
    temporary folder that is renamed into place only when complete.  A
    download that fails half-way, or an archive whose checksum does not
    match, leaves nothing behind that a later call would trust; an
    incomplete ``cifar-10-batches-py`` folder (left by a crash, or by hand)
    is replaced, temporary folders of crashed calls are removed after an
    hour, and concurrent first calls (threads or processes) all succeed.

    Parameters
    ----------
    data_home : str or path-like, default=None
        Cache root; None uses scikit-learn's ``get_data_home()``
        (``~/scikit_learn_data`` or ``$SCIKIT_LEARN_DATA``).
    subset : {'train', 'test'}, default='train'
    url : str, default=the official archive
        Where to download from (a mirror), http:// or https://.
    md5 : str, default='c58f30108f718f92721af3b95e74349a'
        Expected md5 of the archive, 32 hex digits.
    progress : bool, default=True
        Show a tqdm progress bar of the download on stderr.

    Returns
    -------
    X, y, class_names
        As :func:`load_cifar10`.

    Raises
    ------
    ValueError
        An invalid argument (checked before anything is downloaded), a
        checksum that does not match, an archive member that would be
        written outside the cache folder, or a cached batch that
        :func:`load_cifar10` refuses (the message says which folder to
        delete to download it again).
    """
    _check_fetch_args(data_home, subset, url, md5, progress)
    import pooch
    from sklearn.datasets import get_data_home

    home = Path(get_data_home(data_home)) / "cifar10"
    folder = home / CIFAR10_FOLDER
    if not _is_complete(folder):
        home.mkdir(parents=True, exist_ok=True)
        name = "cifar-10-python.tar.gz"
        # progressbar=True: pooch draws a tqdm bar on stderr
        downloader = pooch.HTTPDownloader(progressbar=bool(progress))
        archive = pooch.retrieve(url, known_hash=f"md5:{md5}", fname=name, path=home,
                                 downloader=downloader)
        staging = tagged_folder(home, ".extract-")
        try:
            safe_extract(archive, staging)
            if not _is_complete(staging / CIFAR10_FOLDER):
                raise ValueError(f"{archive} does not hold all of {CIFAR10_FOLDER}/ "
                                 f"{list(CIFAR10_FILES)}.")
            install(staging / CIFAR10_FOLDER, folder, _is_complete)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        remove_leftovers(home)
    try:
        return load_cifar10(folder, subset)
    except ValueError as exc:
        raise ValueError(f"{exc} Delete {folder} to download and extract it again.") from exc


def cifar10_split(n_images=50000, n_val=5000, seed=0):
    """The project's fixed train / validation split of the shared training images.

    ``numpy.random.default_rng(seed).permutation(n_images)``: the last
    ``n_val`` indices are validation (``../shared/data/README.md``).

    Parameters
    ----------
    n_images : int >= 2, default=50000
    n_val : int in 1 .. n_images - 1, default=5000
    seed : int >= 0, default=0

    Returns
    -------
    train, val : ndarray of int
        Disjoint, together every index in ``range(n_images)``.
    """
    if not Integer(2).is_satisfied_by(n_images):
        raise ValueError(f"n_images must be an int >= 2, got {n_images!r}.")
    if not Integer(1, n_images - 1).is_satisfied_by(n_val):
        # n_val=0 would make order[:-0] empty: everything validation, nothing to train on
        raise ValueError(f"n_val must be an int in 1..{n_images - 1} (n_images - 1), got "
                         f"{n_val!r}.")
    if not Integer(0).is_satisfied_by(seed):
        raise ValueError(f"seed must be an int >= 0 (the split is fixed by it), got {seed!r}.")
    order = np.random.default_rng(seed).permutation(n_images)
    return order[:-n_val], order[-n_val:]
