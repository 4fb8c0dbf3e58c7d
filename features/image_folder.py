"""Loading an image-folder data set (``root/<class>/<image>``), and decoding one image.

Files are decoded by pillow on a few threads (it releases the GIL while
decoding), converted to RGB uint8 (16-bit grayscale scaled, not clipped),
and copied into one array, in memory or, with ``out``, into a ``.npy`` file
written atomically (:mod:`features.atomic`), so a folder larger than memory
is read without holding it.
"""

import contextlib
import os
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from PIL import Image

from _constraints import Integer, InvalidParameterError, Pair

from .atomic import AtomicWrite, check_npy_path, open_npy
from .images import resolve_n_jobs
from .io import check_folder, check_path

__all__ = ["load_image_folder", "read_image"]

# Pillow modes of one 16-bit (or 32-bit integer) grayscale channel.  Pillow's
# convert("RGB") clips them at 255 instead of scaling, so they are reduced here.
_WIDE_GRAY_MODES = ("I", "I;16", "I;16B", "I;16L", "I;16N", "I;16S", "I;16BS", "I;16LS")


def _list_image_folder(root):
    """Sorted class names, ``(path, class_index)`` pairs, and classes with no file."""
    root = check_folder(root, "root", "load_image_folder",
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
    path = check_path(path, "path", "read_image")
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
    # With out: the hidden files beside it, removed on leaving unless renamed to it.
    with contextlib.nullcontext() if out is None else AtomicWrite(out) as write:
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
                        X = _allocate((len(entries),) + image.shape, write)
                    elif image.shape != X.shape[1:]:
                        raise ValueError(
                            f"{entry[0]} is {image.shape[1]}x{image.shape[0]} pixels but "
                            f"{first} is {X.shape[2]}x{X.shape[1]}; pass image_size=(height, "
                            "width) to resize every image to one size.")
                    X[len(labels)] = image
                    labels.append(entry[1])
        if write is not None and X is not None:
            X = _finish(X, len(labels), write)
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


def _allocate(shape, write):
    """An uint8 array of ``shape``: in memory (``write`` None), or a new hidden ``.npy``
    file of ``write`` (:class:`~features.atomic.AtomicWrite`)."""
    if write is None:
        return np.empty(shape, dtype=np.uint8)
    return open_npy(write.partial(), shape, np.uint8)


def _finish(X, n_rows, write, block=8192):
    """Rename the hidden file of ``X`` to ``write``'s target (first copied to ``n_rows``
    rows when images were skipped) and return the target memory-mapped, read-only."""
    if n_rows < X.shape[0]:
        trimmed = _allocate((n_rows,) + X.shape[1:], write)
        for start in range(0, n_rows, block):
            stop = min(start + block, n_rows)
            trimmed[start:stop] = X[start:stop]
        X = trimmed
    X.flush()
    partial = X.filename
    del X                               # the map is closed before the rename
    write.commit(partial)
    return np.load(write.path, mmap_mode="r")
