"""``python pipeline.py predict MODEL PATH...``: a saved model's predictions on image files.

The images are read, checked and predicted in batches, and each batch's rows
are written to the CSV file as they come, so a folder larger than memory is
predicted in the memory of one batch.  Before any image is decoded, every
file's header is read: a file that is not an image, or an image of another
size than the model's (without ``--resize``), stops the command at once,
named.  The CSV file is written to a hidden file beside ``--out`` and
renamed into place when complete.
"""

import argparse
import csv
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from PIL import Image
from tqdm.auto import tqdm

from features import read_image
from features.atomic import replacing

from .model import ModelFileError, load_model
from .report import printable

#: Images decoded and predicted at once unless --batch-size says otherwise.
BATCH_SIZE = 256

#: Threads decoding images (pillow releases the GIL while decoding), as the loaders.
DECODE_THREADS = 2


class _Unreadable(ValueError):
    """A file that is not a readable image (the command's --skip-unreadable applies)."""


def list_images(paths, exclude=()):
    """The files to predict: each file as given, and each folder's files, recursively.

    Hidden files and folders (names starting with a dot) inside a folder are
    left out, as the loaders leave them out; files are sorted by path within
    each folder.  ``exclude`` (such as the CSV being written) is left out too.

    Raises
    ------
    FileNotFoundError
        A path that does not exist, or a folder with no file.
    """
    excluded = {os.path.realpath(p) for p in exclude}
    files = []
    for given in paths:
        path = Path(given)
        if path.is_file():
            files.append(path)
            continue
        if not path.is_dir():
            raise FileNotFoundError(f"{printable(given)}: no such file or folder.")
        found = []
        for folder, subfolders, names in os.walk(path):
            subfolders[:] = sorted(name for name in subfolders if not name.startswith("."))
            found += [Path(folder) / name for name in sorted(names) if not name.startswith(".")
                      and os.path.realpath(Path(folder) / name) not in excluded]
        if not found:
            raise FileNotFoundError(f"{printable(given)}: the folder holds no file.")
        files += found
    return files


def _header_size(path):
    """``(height, width)`` from the file's header, without decoding the pixels."""
    try:
        with Image.open(path) as im:
            return im.size[1], im.size[0]
    except Exception as error:      # pillow raises many types on malformed files
        raise _Unreadable(f"cannot read {printable(path)} as an image "
                          f"({type(error).__name__}: {error})") from None


def check_files(files, image_size, *, resize, skip_unreadable, progress=False):
    """The files to predict, after reading every header: unreadable files skipped (or
    refused), images of another size refused unless ``resize``.

    Returns
    -------
    readable : list of Path
    skipped : list of str
        One line per skipped file: its name and why.
    """
    readable, skipped, wrong = [], [], []
    for path in tqdm(files, desc="checking", unit="file", leave=False, disable=not progress,
                     file=sys.stderr):
        try:
            size = _header_size(path)
        except _Unreadable as error:
            if not skip_unreadable:
                raise _Unreadable(f"{error}; remove it or pass --skip-unreadable.") from None
            skipped.append(str(error))
            continue
        if size != tuple(image_size) and not resize:
            wrong.append((path, size))
        readable.append(path)
    if wrong:
        path, (height, width) = wrong[0]
        more = f" (and {len(wrong) - 1} more)" if len(wrong) > 1 else ""
        raise ValueError(f"{printable(path)}{more} is {width}x{height} pixels, but the model "
                         f"takes {image_size[1]}x{image_size[0]} images; pass --resize to "
                         "resize every image to the model's size (bilinear), as training "
                         "with --image-size does.")
    return readable, skipped


def _decode(path, image_size):
    try:
        return read_image(path, image_size)
    except ValueError as error:     # e.g. truncated: its header read, its pixels not
        reason = error.__cause__ or error
        return _Unreadable(f"cannot read {printable(path)} as an image "
                           f"({type(reason).__name__}: {reason})")


def predict_files(model, files, out, *, top_k=3, resize=False, skip_unreadable=False,
                  batch_size=BATCH_SIZE, progress=False):
    """Predict image files in batches and write a CSV file of the predictions.

    Parameters
    ----------
    model : Model
    files : list of path
        Image files (see :func:`list_images`).
    out : path
        The CSV file: one row per image, ``file, predicted`` and, for each of
        the ``top_k`` best classes, ``class_<i>`` and ``probability_<i>``
        (softmax models) or ``score_<i>`` (the decision scores).  Written
        beside ``out`` and renamed into place when complete.
    top_k : int, default=3
    resize : bool, default=False
        Resize images of another size than the model's (bilinear); without
        it they are refused, named, before any prediction.
    skip_unreadable : bool, default=False
        Skip files that are not readable images instead of stopping.
    batch_size : int, default=256
        Images decoded and predicted at once: the memory the command needs.
    progress : bool, default=False
        Progress bars on stderr.

    Returns
    -------
    n_predicted : int
    skipped : list of str
        One line per skipped file, naming it and why.
    """
    height, width = model.image_shape[:2]
    files, skipped = check_files(files, (height, width), resize=resize,
                                 skip_unreadable=skip_unreadable, progress=progress)
    size = (height, width) if resize else None
    kind = "probability" if model.is_probabilistic else "score"
    header = ["file", "predicted"] + [f"{what}_{i}" for i in range(1, top_k + 1)
                                      for what in ("class", kind)]
    n_predicted = 0
    with replacing(out) as partial:
        with open(partial, "w", newline="", encoding="utf-8") as f, \
                ThreadPoolExecutor(max_workers=DECODE_THREADS) as pool, \
                tqdm(total=len(files), desc="predict", unit="image", leave=False,
                     disable=not progress, file=sys.stderr) as bar:
            writer = csv.writer(f)
            writer.writerow(header)
            for start in range(0, len(files), batch_size):
                batch = files[start:start + batch_size]
                images, names = [], []
                for path, image in zip(batch, pool.map(lambda p: _decode(p, size), batch)):
                    if isinstance(image, _Unreadable):
                        if not skip_unreadable:
                            raise _Unreadable(f"{image}; remove it or pass "
                                              "--skip-unreadable.")
                        skipped.append(str(image))
                        continue
                    images.append(image)
                    names.append(path)
                if images:
                    labels, scores = model.top_k(images, top_k)
                    for path, row_labels, row_scores in zip(names, labels, scores):
                        row = [printable(path), row_labels[0]]
                        for label, score in zip(row_labels, row_scores):
                            row += [label, f"{score:.6g}"]
                        writer.writerow(row)
                    n_predicted += len(images)
                bar.update(len(batch))
        if not n_predicted:
            raise _Unreadable("no readable image among the files given")
    return n_predicted, skipped


def _parser():
    parser = argparse.ArgumentParser(
        prog="python pipeline.py predict",
        description="Classify image files with a saved model (the model.skops of a report "
                    "folder) and write the predictions to a CSV file: the file, the "
                    "predicted class and the top-k classes with their probabilities "
                    "(softmax models) or scores.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
        epilog="exit codes: 0 done, 1 the CSV file could not be written, 2 usage error (a "
               "bad option, model file or image), 130 interrupted.\n\nexample: python "
               "pipeline.py predict report/model.skops photos/ --out photos.csv --top-k 3")
    parser.add_argument("model", metavar="MODEL", help="a model file (report/model.skops)")
    parser.add_argument("paths", nargs="+", metavar="PATH",
                        help="image files, or folders searched recursively")
    parser.add_argument("--out", default="predictions.csv", metavar="FILE",
                        help="the CSV file to write (replaced atomically)")
    parser.add_argument("--top-k", type=int, default=3, metavar="K",
                        help="classes listed per image, best first (at most the model's "
                             "classes)")
    parser.add_argument("--resize", action="store_true",
                        help="resize images of another size than the model's (bilinear) "
                             "(default: refuse them, named)")
    parser.add_argument("--skip-unreadable", action="store_true",
                        help="skip files that are not readable images (default: stop and "
                             "name the file)")
    parser.add_argument("--batch-size", type=int, default=BATCH_SIZE, metavar="N",
                        help="images decoded and predicted at once (the memory used)")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    return parser


def _check_out(parser, out):
    path = Path(out)
    if not str(out).strip() or path.is_dir():
        parser.error(f"--out {out!r} must name a CSV file, not a folder.")
    if not path.parent.is_dir():
        parser.error(f"--out {out}: the folder {path.parent} does not exist; create it first.")
    if not os.access(path.parent, os.W_OK | os.X_OK):
        parser.error(f"--out {out}: cannot write in {path.parent} (no write permission).")


def predict_main(argv):
    """``python pipeline.py predict ...``; returns the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.batch_size < 1:
        parser.error(f"--batch-size must be a positive int, got {args.batch_size}.")
    _check_out(parser, args.out)
    try:
        model = load_model(args.model)
    except (ModelFileError, TypeError) as error:
        print(f"error: {printable(error)}", file=sys.stderr)
        return 2
    n_classes = len(model.classes_)
    if not 1 <= args.top_k <= n_classes:
        parser.error(f"--top-k must be in 1..{n_classes} (the model's classes), got "
                     f"{args.top_k}.")
    if len(model.image_shape) != 3 or model.image_shape[2] != 3:
        print(f"error: {args.model} takes images of shape {model.image_shape}; this command "
              "reads RGB images, (height, width, 3): use the model from Python.",
              file=sys.stderr)
        return 2
    try:
        files = list_images(args.paths, exclude=[args.out])
        n, skipped = predict_files(model, files, args.out, top_k=args.top_k,
                                   resize=args.resize, skip_unreadable=args.skip_unreadable,
                                   batch_size=args.batch_size, progress=not args.quiet)
    except KeyboardInterrupt:
        print("\ninterrupted: no predictions written, --out left as it was.", file=sys.stderr)
        return 130
    except (ValueError, FileNotFoundError) as error:
        print(f"error: {printable(error)}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"error: could not write --out {args.out} ({error.strerror or error}); it is "
              "left as it was.", file=sys.stderr)
        return 1
    if skipped:
        print(f"skipped {len(skipped)} file(s) that are not readable images:", file=sys.stderr)
        for line in skipped[:10]:
            print(f"  {line}", file=sys.stderr)
        if len(skipped) > 10:
            print(f"  ... and {len(skipped) - 10} more", file=sys.stderr)
    print(f"predictions: {printable(args.out)} ({n} images)")
    return 0
