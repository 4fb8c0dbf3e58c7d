"""Loading image data sets: image folders, the CIFAR-10 python version, and its download.

Every loader checks its arguments before it reads or downloads anything, and
every file it reads is checked for what it must hold: a file that is not what
it should be raises a ``ValueError`` naming the file and what is wrong, never
a bare traceback from deep inside pickle or pillow, and never garbage.
"""

import os
import pickle
import shutil
import tarfile
import tempfile
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

import numpy as np
from PIL import Image

from _constraints import Flag, Integer, InvalidParameterError, Pair, Rule, StrOptions, check_params

from .chunks import check_npy_path, open_npy, partial_beside
from .images import resolve_n_jobs

__all__ = ["load_image_folder", "read_image", "load_cifar10", "fetch_cifar10", "cifar10_split"]

CIFAR10_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
CIFAR10_MD5 = "c58f30108f718f92721af3b95e74349a"     # published with the archive
CIFAR10_FOLDER = "cifar-10-batches-py"
CIFAR10_BATCHES = {"train": [f"data_batch_{i}" for i in range(1, 6)], "test": ["test_batch"]}
CIFAR10_FILES = ("batches.meta", *CIFAR10_BATCHES["train"], *CIFAR10_BATCHES["test"])

# Pillow modes of one 16-bit (or 32-bit integer) grayscale channel.  Pillow's
# convert("RGB") clips them at 255 instead of scaling, so they are reduced here.
_WIDE_GRAY_MODES = ("I", "I;16", "I;16B", "I;16L", "I;16N", "I;16S", "I;16BS", "I;16LS")


def _check_path(path, name, owner):
    """``path`` as a Path; a TypeError for anything that is not a str or path-like."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"{owner}: {name} must be a str or path-like (a folder), got "
                        f"{type(path).__name__} {path!r}.")
    return Path(path)


def _check_folder(path, name, owner, what):
    """Raise unless ``path`` is an existing folder; ``what`` says what it should hold."""
    path = _check_path(path, name, owner)
    if not path.exists():
        raise FileNotFoundError(f"{owner}: {path} does not exist; expected a folder {what}.")
    if not path.is_dir():
        raise NotADirectoryError(f"{owner}: {path} is a file, not a folder; expected a "
                                 f"folder {what}.")
    return path


def _list_image_folder(root):
    """Sorted class names, ``(path, class_index)`` pairs, and classes with no file."""
    root = _check_folder(root, "root", "load_image_folder",
                         "with one sub-folder per class (root/<class>/<image>)")
    classes = sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not classes:
        raise ValueError(f"{root} has no class sub-folders; expected root/<class>/<image>.")
    entries, empty, nested = [], [], []
    for index, name in enumerate(classes):
        found = 0
        for path in sorted((root / name).iterdir()):
            # Hidden files (.DS_Store, editor droppings) are never images of a
            # class.  A dangling symlink is listed, so that reading it fails
            # with its name instead of the file vanishing from the data set.
            if path.name.startswith("."):
                continue
            if path.is_file() or (path.is_symlink() and not path.exists()):
                entries.append((path, index))
                found += 1
            elif path.is_dir():
                nested.append(path)
        if not found:
            empty.append(name)
    if not entries:
        hint = ""
        if nested:
            hint = (f"; they hold only sub-folders (such as {nested[0]}): is "
                    f"{nested[0].parent} the data set root?")
        raise ValueError(f"The class folders of {root} hold no files{hint}.")
    return classes, entries, empty


def _to_rgb(im):
    """An open pillow image as RGB, with 16-bit grayscale scaled rather than clipped."""
    if im.mode in _WIDE_GRAY_MODES:
        values = np.asarray(im)
        lo, hi = int(values.min()), int(values.max())
        if lo < 0 or hi > 65535:
            raise ValueError(f"{im.mode!r} pixels range over {lo}..{hi}; only 16-bit data "
                             "(0..65535) can be scaled to 0..255")
        # The high byte, 0..65535 -> 0..255: what pillow keeps of 16-bit RGB
        # files (and skimage's img_as_ubyte of uint16), so a 16-bit gray file
        # loads as its 16-bit RGB copy does.
        return Image.fromarray((values >> 8).astype(np.uint8)).convert("RGB")
    if im.mode == "F":
        raise ValueError("its pixels are 32-bit floats of unknown range; save it as an "
                         "8- or 16-bit image")
    if im.mode == "P" and "transparency" in im.info:
        im = im.convert("RGBA")     # palette transparency must go through RGBA
    # Grayscale, palette, CMYK, 16-bit colour and alpha modes all become RGB
    # (alpha is dropped, as PIL's RGBA -> RGB conversion does).
    return im.convert("RGB")


def _decode(path, image_size):
    """One file as an RGB uint8 array, resized to ``image_size`` (H, W) if given."""
    with Image.open(path) as im:
        rgb = _to_rgb(im)
        if image_size is not None and rgb.size != (image_size[1], image_size[0]):
            rgb = rgb.resize((image_size[1], image_size[0]), Image.Resampling.BILINEAR)
        return np.asarray(rgb)


def _check_image_size(image_size):
    if image_size is None:
        return None
    if not Pair().is_satisfied_by(image_size):
        raise InvalidParameterError(
            f"image_size must be (height, width) with positive ints, got {image_size!r}.")
    height, width = int(image_size[0]), int(image_size[1])
    # pillow's own ceiling on decoded images (a decompression bomb beyond it)
    limit = Image.MAX_IMAGE_PIXELS
    if limit and height * width > limit:
        raise ValueError(f"image_size={image_size!r} asks for {height * width} pixels per "
                         f"image, more than pillow's limit of {limit} "
                         "(PIL.Image.MAX_IMAGE_PIXELS).")
    return height, width


def _check_pixels(entries, max_pixels):
    """Refuse a first image of more than ``max_pixels``, from its header alone."""
    for path, _ in entries:
        try:
            with Image.open(path) as im:
                width, height = im.size
        except Exception:        # unreadable: decoding reports it, or skips it
            continue
        if width * height > max_pixels:
            raise ValueError(
                f"{path} is {width}x{height} pixels, more than the {max_pixels} pixels "
                "(height x width) this run loads at full size: every image is held in "
                "memory, and its raw pixels are one feature each; pass image_size=(height, "
                "width) to resize every image to one size.")
        return


def read_image(path, image_size=None):
    """One image file as an RGB uint8 array, converted as :func:`load_image_folder` does.

    Parameters
    ----------
    path : str or path-like
    image_size : (int, int) or None, default=None
        ``(height, width)`` to resize to (bilinear); None keeps its size.

    Returns
    -------
    image : ndarray of shape (height, width, 3), dtype uint8

    Raises
    ------
    ValueError
        The file cannot be decoded as an image (corrupt, truncated, not an
        image, 32-bit float pixels); the message names it.
    """
    path = _check_path(path, "path", "read_image")
    image_size = _check_image_size(image_size)
    try:
        return _decode(path, image_size)
    except MemoryError:
        raise
    except Exception as exc:        # pillow raises many types on malformed files
        raise ValueError(f"Cannot read {path} as an image ({type(exc).__name__}: "
                         f"{exc}).") from exc


def load_image_folder(root, image_size=None, on_error="raise", n_jobs=2, max_pixels=None,
                      out=None):
    """Load an image-folder data set (one sub-folder per class) into memory, or to disk.

    Classes are the sub-folders in sorted order and files are read in sorted
    name order, so the result is the same on every machine.

    Parameters
    ----------
    root : str or path-like
        Folder holding ``<class>/<image file>``.  Hidden files and folders
        are ignored, and so are folders inside a class folder.
    image_size : (int, int) or None, default=None
        ``(height, width)`` to resize every image to (bilinear).  With None,
        all images must share the size of the first one.
    on_error : {'raise', 'skip'}, default='raise'
        What to do with a file that cannot be decoded as an image (corrupt,
        truncated, a dangling symlink, or not an image at all): raise a
        ``ValueError`` naming the file, or skip it and warn once with the
        number of skipped files.
    n_jobs : int or None, default=2
        Decoding threads (pillow releases the GIL while decoding); -1 for
        every core, as in joblib.
    max_pixels : int or None, default=None
        Without ``image_size``, refuse images of more than ``max_pixels``
        pixels (height x width) before decoding them all: every image is
        held in memory, and a folder of photographs at full size can take
        gigabytes.  None: no limit.
    out : str, path or None, default=None
        A ``.npy`` file to write the images into as they are decoded,
        returned memory-mapped (read-only): a folder larger than memory is
        read without holding it, and later runs can ``np.load(out,
        mmap_mode='r')`` it instead of decoding again.  Written to a hidden
        file beside ``out`` and renamed into place when complete, so an
        interrupted load leaves ``out`` as it was.  Its folder must exist.

    Returns
    -------
    X : ndarray or numpy.memmap of shape (n_images, height, width, 3), dtype uint8
        RGB images (memory-mapped from ``out`` when given); grayscale,
        palette, RGBA and 16-bit files are converted to RGB (16-bit values
        keep their high byte, 0..65535 -> 0..255, as pillow reduces 16-bit
        colour files).
    y : ndarray of shape (n_images,), dtype int64
        Index of each image's class in ``class_names``.
    class_names : list of str
        Every class folder, also one with no readable image (a
        ``UserWarning`` names it): class indices then agree with those of
        another split of the same data set, such as ``train/`` and ``test/``.

    Raises
    ------
    TypeError
        ``root`` is not a str or path-like.
    FileNotFoundError, NotADirectoryError
        ``root`` does not exist, or is a file.
    ValueError
        An invalid argument; no class folder or no file at all; a file that
        is not a readable image (with ``on_error='raise'``), including 32-bit
        float images, whose range is unknown; or, without ``image_size``, an
        image whose size differs from the first, or one larger than
        ``max_pixels``.

    Examples
    --------
    >>> X, y, class_names = load_image_folder("../shared/data/cifar10/train")  # doctest: +SKIP
    >>> X.shape, class_names[:2]  # doctest: +SKIP
    ((50000, 32, 32, 3), ['airplane', 'automobile'])
    """
    if not isinstance(on_error, str) or on_error not in ("raise", "skip"):
        raise ValueError(f"on_error must be 'raise' or 'skip', got {on_error!r}.")
    image_size = _check_image_size(image_size)
    if max_pixels is not None and not Integer(1).is_satisfied_by(max_pixels):
        raise ValueError(f"max_pixels must be None or a positive int, got {max_pixels!r}.")
    n_jobs = resolve_n_jobs(n_jobs)
    if out is not None:
        if not isinstance(out, (str, os.PathLike)):
            raise TypeError(f"out must be None or a path to a .npy file, got "
                            f"{type(out).__name__}.")
        out = check_npy_path(out)
        # An out among the images would be read as one, or overwrite one.
        if Path(os.path.realpath(root)) in Path(os.path.realpath(out)).parents:
            raise ValueError(f"out={os.fspath(out)!r} is inside the folder being read, "
                             f"{os.fspath(root)!r}: it would overwrite an image or be read "
                             "as one by later loads; give a file outside it.")
    classes, entries, empty = _list_image_folder(root)
    if image_size is None and max_pixels is not None:
        _check_pixels(entries, max_pixels)

    def decode(entry):
        try:
            return _decode(entry[0], image_size)
        except MemoryError:
            raise
        except Exception as exc:    # pillow raises many types on malformed files
            if on_error == "raise":
                raise ValueError(
                    f"Cannot read {entry[0]} as an image ({type(exc).__name__}: {exc}); "
                    "remove it or pass on_error='skip'.") from exc
            return None

    X = None
    labels, skipped, first = [], 0, None
    partials = []                     # the hidden files behind ``out``, removed on failure
    try:
        with ThreadPoolExecutor(max_workers=n_jobs) as pool:
            # In windows of images, so that at most a window of decoded images
            # waits in memory whatever the size of the folder.
            for start in range(0, len(entries), _DECODE_WINDOW):
                window = entries[start:start + _DECODE_WINDOW]
                for entry, image in zip(window, pool.map(decode, window)):
                    if image is None:
                        skipped += 1
                        continue
                    if X is None:
                        first = entry[0]
                        X = _allocate((len(entries),) + image.shape, out, partials)
                    elif image.shape != X.shape[1:]:
                        raise ValueError(
                            f"{entry[0]} is {image.shape[1]}x{image.shape[0]} pixels but "
                            f"{first} is {X.shape[2]}x{X.shape[1]}; pass image_size=(height, "
                            "width) to resize every image to one size.")
                    X[len(labels)] = image
                    labels.append(entry[1])
        if out is not None and X is not None:
            X = _finish(X, len(labels), out, partials)
    except BaseException:
        for partial in partials:
            Path(partial).unlink(missing_ok=True)
        raise
    if skipped:
        warnings.warn(f"Skipped {skipped} file(s) under {root} that could not be read as "
                      "images.", UserWarning, stacklevel=2)
    if not labels:
        raise ValueError(f"No readable image under {root}.")
    y = np.asarray(labels, dtype=np.int64)
    missing = [classes[i] for i in np.setdiff1d(np.arange(len(classes)), y)]
    if missing:
        reasons = [f"{name!r} (" + ("no file in its folder" if name in empty
                                    else "every file skipped") + ")" for name in missing]
        warnings.warn(
            f"No image of class {', '.join(reasons)} under {root}: it stays in class_names, "
            "so that class indices agree with other splits, but no sample has it.",
            UserWarning, stacklevel=2)
    return X[:len(labels)], y, classes


#: Images decoded ahead of being copied into the output (``load_image_folder``).
_DECODE_WINDOW = 4096


def _allocate(shape, out, partials):
    """An uint8 array of ``shape``: in memory, or a hidden ``.npy`` file beside ``out``."""
    if out is None:
        return np.empty(shape, dtype=np.uint8)
    partial = partial_beside(out)
    partials.append(partial)
    return open_npy(partial, shape, np.uint8)


def _finish(X, n_rows, out, partials, block=8192):
    """Rename the hidden file of ``X`` to ``out`` (first copied to ``n_rows`` rows when
    images were skipped) and return ``out`` memory-mapped, read-only."""
    if n_rows < X.shape[0]:
        trimmed = _allocate((n_rows,) + X.shape[1:], out, partials)
        for start in range(0, n_rows, block):
            stop = min(start + block, n_rows)
            trimmed[start:stop] = X[start:stop]
        X = trimmed
    X.flush()
    partial = X.filename
    del X
    os.replace(partial, out)
    for other in partials:
        Path(other).unlink(missing_ok=True)
    return np.load(out, mmap_mode="r")


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
    path = _check_folder(path, "path", "load_cifar10",
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


def _safe_extract(archive, destination):
    """Extract a tar archive, refusing any member that would land outside ``destination``.

    Absolute paths, ``..`` components, links and device files are refused
    before anything is written.
    """
    destination = Path(destination).resolve()
    # Python >= 3.12 filters members itself; "data" is its strictest filter
    # and matches the checks below.
    filtered = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
    try:
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
                tar.extract(member, destination, set_attrs=False, **filtered)
    except (tarfile.TarError, EOFError) as exc:
        raise ValueError(f"{archive} is not a readable tar.gz archive ({exc}).") from exc


def _is_complete(folder):
    """Whether ``folder`` holds every file of the CIFAR-10 python version."""
    return all((folder / name).is_file() for name in CIFAR10_FILES)


@contextmanager
def _install_lock(home, stale_after=60.0):
    """Let one process at a time move an extracted copy into place.

    The lock is a folder (``mkdir`` is atomic on every platform).  It is held
    only for a few renames, milliseconds, so one older than ``stale_after``
    seconds was left by a process that died holding it and is broken.
    """
    lock = home / ".install.lock"
    while True:
        try:
            lock.mkdir()
            break
        except FileExistsError:
            try:
                age = time.time() - lock.stat().st_mtime
            except FileNotFoundError:
                continue                        # released meanwhile: try again
            if age > stale_after:
                shutil.rmtree(lock, ignore_errors=True)
            else:
                time.sleep(0.02)
    try:
        yield
    finally:
        shutil.rmtree(lock, ignore_errors=True)


def _install(staged, folder):
    """Rename the extracted ``staged`` folder to ``folder``, replacing a stale one.

    A complete copy already in place (another process was first) is kept and
    ``staged`` is left for the caller to delete.  Anything else at ``folder``
    (a copy left half-way by a crash, a stray file) is first renamed to a
    temporary sibling, so ``folder`` is at every moment absent, stale, or
    complete; never half-replaced.
    """
    with _install_lock(folder.parent):
        if _is_complete(folder):
            return
        if folder.exists() or folder.is_symlink():
            trash = Path(tempfile.mkdtemp(prefix=".stale-", dir=folder.parent))
            os.replace(folder, trash / "old")
            shutil.rmtree(trash, ignore_errors=True)
        os.replace(staged, folder)


def _remove_leftovers(home, older_than=3600.0):
    """Delete temporary folders that crashed fetches left in ``home``.

    A live fetch extracts in well under ``older_than`` seconds, so only the
    folders of dead processes are that old.
    """
    now = time.time()
    for path in [*home.glob(".extract-*"), *home.glob(".stale-*")]:
        try:
            if now - path.stat().st_mtime > older_than:
                shutil.rmtree(path, ignore_errors=True)
        except FileNotFoundError:
            pass                            # another process removed it first


class _HttpUrl(Rule):
    """An http:// or https:// address."""

    def is_satisfied_by(self, val):
        return (isinstance(val, str) and urlparse(val).scheme in ("http", "https")
                and bool(urlparse(val).netloc))

    def __str__(self):
        return "the http:// or https:// address of the archive"


class _Md5(Rule):
    """32 hexadecimal digits."""

    def is_satisfied_by(self, val):
        return (isinstance(val, str) and len(val) == 32
                and all(c in "0123456789abcdefABCDEF" for c in val))

    def __str__(self):
        return "the 32 hex digits of the archive's md5"


#: The arguments of :func:`fetch_cifar10` (``data_home`` is checked as a path).
FETCH_CONSTRAINTS = {"subset": [StrOptions(set(CIFAR10_BATCHES))], "url": [_HttpUrl()],
                     "md5": [_Md5()], "progress": [Flag()]}


def _check_fetch_args(data_home, subset, url, md5, progress):
    """Every argument of fetch_cifar10, before anything is downloaded."""
    check_params(FETCH_CONSTRAINTS, dict(subset=subset, url=url, md5=md5, progress=progress),
                 "fetch_cifar10")
    if data_home is not None:
        home = _check_path(data_home, "data_home", "fetch_cifar10")
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
        staging = Path(tempfile.mkdtemp(prefix=".extract-", dir=home))
        try:
            _safe_extract(archive, staging)
            if not _is_complete(staging / CIFAR10_FOLDER):
                raise ValueError(f"{archive} does not hold all of {CIFAR10_FOLDER}/ "
                                 f"{list(CIFAR10_FILES)}.")
            _install(staging / CIFAR10_FOLDER, folder)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        _remove_leftovers(home)
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
