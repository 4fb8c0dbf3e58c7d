"""The data of the command line: loading, and the subsets and splits stratified by class."""

import math
import warnings
from pathlib import Path

import numpy as np
from sklearn.model_selection import train_test_split

from _constraints import Flag, Integer, Pair, Real, StrOptions, validate
from features import fetch_cifar10, load_cifar10, load_image_folder


def label_of(value, class_names=None):
    """A class for a message: its name, or its label without numpy's ``np.int64(...)``."""
    value = value.item() if isinstance(value, np.generic) else value
    return repr(class_names[value]) if class_names is not None else repr(value)


def stratified_split(X, y, test_size, random_state, class_names=None):
    """``train_test_split`` stratified by ``y``, with errors naming the class and the sizes.

    ``class_names`` (indexed by the labels ``y``) names the classes in the messages.
    """
    labels, counts = np.unique(y, return_counts=True)
    if counts.min() < 2:
        raise ValueError(f"class {label_of(labels[np.argmin(counts)], class_names)} has only 1 "
                         "image; holding out test images stratified by class needs at least 2 "
                         "images of every class.")
    n = len(y)
    # train_test_split's rounding: ceil for the test part, the rest for training.
    n_test = math.ceil(test_size * n) if isinstance(test_size, float) else int(test_size)
    if min(n_test, n - n_test) < len(labels):
        raise ValueError(f"test_size={test_size} holds out {n_test} of {n} images and leaves "
                         f"{n - n_test} for training; a split stratified by class needs at "
                         f"least one image of each of the {len(labels)} classes on both sides.")
    X, X_test, y, y_test = train_test_split(X, y, test_size=test_size, stratify=y,
                                            random_state=random_state)
    return X, y, X_test, y_test


def subsample(X, y, n, seed, what="n"):
    """At most ``n`` rows, stratified by class, in a fixed order.

    ``what`` names ``n`` in the error raised when ``n`` is below the number
    of classes (e.g. ``'--max-train'``).
    """
    if n is None or n >= len(y):
        return X, y
    keep = subsample_indices(y, n, seed, what)
    return X[keep], y[keep]


def subsample_indices(y, n, seed, what="n"):
    """The sorted indices of :func:`subsample`: at most ``n``, stratified by class."""
    if n is None or n >= len(y):
        return np.arange(len(y))
    labels, codes, counts = np.unique(y, return_inverse=True, return_counts=True)
    if n < len(labels):
        raise ValueError(f"{what}={n} is fewer than the {len(labels)} classes; a subset "
                         "stratified by class needs at least one image of each.")
    keep = None
    if counts.min() >= 2 and len(y) - n >= len(labels):
        keep, _ = train_test_split(np.arange(len(y)), train_size=n, stratify=y,
                                   random_state=seed)
        if len(np.unique(codes[keep])) < len(labels):
            keep = None        # its rounding dropped a small class: share by hand
    if keep is None:
        # train_test_split stratifies neither a class of one image nor a left-out
        # part smaller than the number of classes, and may round a small class
        # away: share n out by hand, in proportion to the classes (largest
        # remainders), one image at least each.
        quota = counts * (n / len(y))
        take = np.maximum(np.floor(quota).astype(int), 1)
        while take.sum() > n:
            take[np.argmax(np.where(take > 1, take - quota, -np.inf))] -= 1
        while take.sum() < n:
            take[np.argmax(np.where(take < counts, quota - take, -np.inf))] += 1
        rng = np.random.default_rng(seed)
        keep = np.concatenate([rng.choice(np.flatnonzero(codes == k), take[k], replace=False)
                               for k in range(len(labels))])
    return np.sort(keep)


def _class_folders(folder):
    """The sub-folders of ``folder`` that can be classes (not hidden); [] if unreadable."""
    try:
        return sorted(p.name for p in Path(folder).iterdir()
                      if p.is_dir() and not p.name.startswith("."))
    except OSError:
        return []


def _split_layout(path):
    """How to read the folder ``path``: ``'train+test'`` (``train/<class>/`` and
    ``test/<class>/``), ``'train'`` (only ``train/<class>/``) or ``'classes'``
    (``<class>/<image>``, split by ``test_size``).

    ``train/`` and ``test/`` are splits only when they hold class folders: a
    class named ``train`` (CIFAR-100 has one) holds images.  When the folder
    could be read both ways, a warning says which reading was chosen.
    """
    folders = _class_folders(path)
    splits = [name for name in ("train", "test")
              if name in folders and _class_folders(path / name)]
    others = [name for name in folders if name not in splits]
    if splits == ["train", "test"] or (splits == ["train"] and not others):
        layout = "+".join(splits)
        if others:
            warnings.warn(f"{path}: read as train/ and test/ splits of class folders; the "
                          f"other folders beside them ({', '.join(others[:5])}) are not "
                          "read.", UserWarning, stacklevel=3)
        return layout
    named = [name for name in ("train", "test") if name in folders]
    if named:
        warnings.warn(f"{path}: read as class folders <class>/<image>, with "
                      f"{' and '.join(n + '/' for n in named)} as classes (a split would "
                      "need train/<class>/ and test/<class>/ folders).", UserWarning,
                      stacklevel=3)
    return "classes"


@validate({"dataset": [str], "test_size": [Real(0, 1, closed="neither")],
           "seed": [Integer(0, 2**32 - 1)], "progress": [Flag()], "image_size": [Pair(), None],
           "on_error": [StrOptions({"raise", "skip"})], "max_pixels": [Integer(1), None]})
def load_dataset(dataset, *, test_size=0.2, seed=0, progress=True, image_size=None,
                 on_error="raise", max_pixels=None):
    """Training and test images of ``dataset`` for the command line.

    Parameters
    ----------
    dataset : str
        ``'cifar10'`` (downloaded once with :func:`features.fetch_cifar10`
        and cached), a CIFAR-10 python folder or a folder with
        ``train/<class>/`` and ``test/<class>/`` (its own test part), or an
        image folder ``<class>/<image>`` (split with ``test_size``; a folder
        holding only ``train/<class>/`` is that image folder).  ``train/``
        and ``test/`` are splits only when they hold class folders (a class
        may be named ``train``); a warning says which reading was chosen
        when both were possible.
    test_size : float, default=0.2
    seed : int, default=0
    progress : bool, default=True
    image_size : (int, int), optional
        ``(height, width)`` to resize the images of an image folder to
        (:func:`features.load_image_folder`); not for CIFAR-10.
    on_error : {'raise', 'skip'}, default='raise'
        What to do with an unreadable file of an image folder.
    max_pixels : int, optional
        Refuse the images of an image folder larger than this (height x
        width) without ``image_size`` (see :func:`features.load_image_folder`).

    Returns
    -------
    X_train, y_train, X_test, y_test, class_names

    Raises
    ------
    InvalidParameterError
        (a ValueError and a TypeError) An argument of the wrong kind.
    FileNotFoundError, NotADirectoryError
        ``dataset`` is neither ``'cifar10'`` nor a folder.
    ValueError
        An unreadable or empty data set, fewer than 2 classes, a class of a
        single image (no stratified split), train and test classes that
        differ, or ``image_size`` for CIFAR-10.
    """
    path = Path(dataset)
    cifar_python = dataset != "cifar10" and (path / "batches.meta").is_file()
    if image_size is not None and (dataset == "cifar10" or cifar_python):
        raise ValueError(f"image_size resizes the images of an image folder; {dataset} is "
                         "CIFAR-10, whose images are all 32x32.")
    if dataset == "cifar10":
        X, y, names = fetch_cifar10(subset="train", progress=progress)
        X_test, y_test, _ = fetch_cifar10(subset="test", progress=progress)
        return X, y, X_test, y_test, names
    if path.exists() and not path.is_dir():
        raise NotADirectoryError(f"{dataset} is a file, not a folder; give 'cifar10' or a "
                                 "folder of images, <class>/<image> (or train/ and test/ "
                                 "inside, or the CIFAR-10 python version).")
    if not path.is_dir():
        raise FileNotFoundError(f"{dataset}: no such folder; give 'cifar10' or a "
                                "folder of images, <class>/<image> (or train/ and test/ "
                                "inside, or the CIFAR-10 python version).")

    def load(folder):
        return load_image_folder(folder, image_size=image_size, on_error=on_error,
                                 max_pixels=max_pixels)

    if cifar_python:
        X, y, names = load_cifar10(path, "train")
        X_test, y_test, _ = load_cifar10(path, "test")
        return X, y, X_test, y_test, names
    layout = _split_layout(path)
    if layout == "train+test":
        X, y, names = load(path / "train")
        X_test, y_test, test_names = load(path / "test")
        if test_names != names:
            raise ValueError(f"{path}: the classes of train/ {names} and test/ {test_names} "
                             "differ.")
        if X_test.shape[1:] != X.shape[1:]:
            raise ValueError(f"{path}: the images of train/ are {X.shape[2]}x{X.shape[1]} "
                             f"pixels but those of test/ {X_test.shape[2]}x{X_test.shape[1]}; "
                             "pass image_size=(height, width) to resize every image to one "
                             "size.")
        return X, y, X_test, y_test, names
    if layout == "train":
        path = path / "train"          # e.g. ../shared/data/cifar10: no test part
    X, y, names = load(path)
    if len(names) < 2:
        raise ValueError(f"{path}: found {len(names)} class folder(s) {names}; a classifier "
                         "needs at least 2 (one sub-folder per class).")
    X, y, X_test, y_test = stratified_split(X, y, test_size, seed, names)
    return X, y, X_test, y_test, names
