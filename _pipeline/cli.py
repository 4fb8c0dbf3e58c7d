"""The command line, ``python pipeline.py``: options, the run, and a report written atomically.

:func:`main` checks the options that only the command line has (paths,
sizes of the subsets), then the comparison's settings
(:func:`._pipeline.checks.check_settings`) before it loads a single image,
then the data (:func:`._pipeline.checks.check_data`); each check runs once,
and its ``ValueError`` (``InvalidParameterError`` included) becomes exit
code 2 before any long work.  The report is written into a hidden folder
beside ``--out`` and renamed into place when complete.
"""

import argparse
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path

from classifiers.optimizers import OPTIMIZERS
from features import BagOfVisualWords
from features.atomic import orphans, owner_tag

from . import report
from .caching import memory_of, scratch_cache
from .checks import check_data, check_settings
from .compare import run
from .data import load_dataset, subsample
from .estimate import describe
from .predict import predict_main
from .presets import DEFAULT_ALPHAS, FEATURES, LOSSES, REFERENCE_IMAGES
from .tables import grid_notes, render

REPORT_FILES = {"report.md", "results.json", "alpha_curve.png", "confusion.png",
                "optimizers.png", "hog.png", "templates.png", "dictionary.png",
                "gallery.png", "model.skops"}


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter,
                     argparse.RawDescriptionHelpFormatter):
    """Defaults shown where there is one to show (not None or an unset flag); epilog as written."""

    def _get_help_string(self, action):
        if action.default is None or action.default is False:
            return action.help
        if isinstance(action.default, list):        # as typed: raw hog+color bovw
            return f"{action.help} (default: {' '.join(map(str, action.default))})"
        return super()._get_help_string(action)


_EPILOG = """\
The report (report.md, results.json, alpha_curve.png, confusion.png,
gallery.png, optimizers.png, hog.png, templates.png, dictionary.png with
bovw, and model.skops, the best model) is written into a hidden folder
beside --out and renamed into place when complete: a failed or interrupted
run leaves --out as it was.

  python pipeline.py predict MODEL PATH...   classify images with a saved
                                             model (predict --help)

exit codes:
  0    done
  1    the run failed (e.g. CIFAR-10 could not be downloaded)
  2    usage error, found before any long work: a bad option, an unusable
       --dataset or --out, or data too small for the settings
  130  interrupted (Ctrl-C; 143 for SIGTERM)

examples:
  python pipeline.py
  python pipeline.py --max-train 0 --max-test 0          # all CIFAR-10 images
  python pipeline.py --dataset photos --image-size 64 64 --features hog+color \\
      --loss hinge softmax --out photos-report
"""


#: Dictionary size of the command line's bag of words unless --words says
#: otherwise: a quarter of the library's 1600, for a run of a few minutes.
QUICK_WORDS = 400


#: Patches per training image the command line gives k-means (up to the
#: default ``n_patches`` of :class:`features.BagOfVisualWords`).
PATCHES_PER_IMAGE = 25


#: Largest images (height x width) the command line loads without
#: --image-size: every image is held in memory, and a folder of full-size
#: photographs (12 MP: 36 MB each, 48 MB of raw features per image in
#: float32) does not fit.
MAX_PIXELS = 1024 * 1024


def _parser():
    parser = argparse.ArgumentParser(
        prog="python pipeline.py",
        description="Compare raw pixels and image features with linear classifiers: a grid\n"
                    "search over alpha per feature set and loss, then a report (report.md,\n"
                    "results.json, plots) in --out.",
        epilog=_EPILOG, formatter_class=_HelpFormatter)
    parser.add_argument("--dataset", default="cifar10", metavar="cifar10|PATH",
                        help="'cifar10' (downloaded once, 170 MB, and cached in "
                             "~/scikit_learn_data), or a folder: <class>/<image> images, "
                             "train/ and test/ image folders, or the CIFAR-10 python version "
                             "(a local folder named cifar10: write ./cifar10)")
    parser.add_argument("--features", nargs="+", default=["raw", "hog+color", "bovw"],
                        metavar="SPEC",
                        help=f"feature sets: {', '.join(FEATURES)}, or unions joined by '+'")
    parser.add_argument("--loss", nargs="+", default=["hinge"], dest="losses",
                        metavar="LOSS", help=f"losses: {', '.join(LOSSES)}")
    parser.add_argument("--optimizer", default=None, metavar="NAME",
                        help=f"classifier optimizer: auto, {', '.join(OPTIMIZERS)} "
                             "(default: auto, the exact solver, for the hinge losses, "
                             "lbfgs for softmax)")
    parser.add_argument("--max-iter", type=int, default=None, metavar="N",
                        help="classifier epochs (lbfgs: iterations) (default: the "
                             "classifier's own budget)")
    parser.add_argument("--alphas", nargs="+", type=float, default=None, metavar="ALPHA",
                        help="regularization strengths to search (distinct, positive) "
                             "(default: five decades scaled to the training images, "
                             f"{DEFAULT_ALPHAS[0]:g} to {DEFAULT_ALPHAS[-1]:g} at "
                             f"{REFERENCE_IMAGES:,}, a decade lower per tenfold more)")
    parser.add_argument("--extend", type=int, default=3, metavar="N",
                        help="when the best alpha is at an edge of the grid, add up to N "
                             "decades beyond it, one at a time, until the score turns down "
                             "(0: search --alphas only)")
    parser.add_argument("--cv", type=int, default=3, metavar="K",
                        help="cross-validation folds (at least 2; every class needs K "
                             "training images)")
    parser.add_argument("--max-train", type=int, default=4000, metavar="N",
                        help="use at most this many training images (stratified); 0 for all")
    parser.add_argument("--max-test", type=int, default=2000, metavar="N",
                        help="score on at most this many test images; 0 for all")
    parser.add_argument("--test-size", type=float, default=0.2, metavar="FRACTION",
                        help="fraction held out for testing when the dataset has no test part")
    parser.add_argument("--image-size", type=int, nargs=2, default=None,
                        metavar=("HEIGHT", "WIDTH"),
                        help="resize the images of an image folder to this size (needed "
                             "when they differ in size)")
    parser.add_argument("--skip-unreadable", action="store_true",
                        help="skip files of an image folder that are not readable images "
                             "(default: stop and name the file)")
    parser.add_argument("--words", type=int, default=None, metavar="N",
                        help="bag-of-visual-words dictionary size, with bovw in --features "
                             f"(default: {QUICK_WORDS}, so the default run stays short; "
                             "1600 is BagOfVisualWords' default and its best); its k-means "
                             "learns "
                             f"from {PATCHES_PER_IMAGE} patches per training image, at most "
                             f"{BagOfVisualWords().n_patches:,}")
    parser.add_argument("--dictionary", choices=["once", "per-split"], default="once",
                        help="learn the bag-of-words dictionary once from all training "
                             "images (no labels are used, so nothing leaks; every image is "
                             "encoded once), or per cross-validation split (strict, about "
                             "--cv times the encoding work)")
    parser.add_argument("--cache", default=None, metavar="DIR",
                        help="keep the features (and bag-of-words dictionaries) in this "
                             "folder, to reuse in later runs or share with cluster workers "
                             "(default: a temporary folder, removed at the end)")
    parser.add_argument("--n-jobs", type=int, default=1, metavar="N",
                        help="splits searched and chunks of images transformed at once "
                             "(-1: all cores)")
    parser.add_argument("--seed", type=int, default=0, metavar="N",
                        help="seeds splits, subsets, training and the bag-of-words "
                             "dictionary (0 .. 2**32 - 1)")
    parser.add_argument("--out", default="report", metavar="DIR",
                        help="report folder: new, empty, or an earlier report (replaced "
                             "atomically); not the current folder")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    return parser

def _check_args(parser, args):
    """The usage errors of options that only the command line has (exit code 2).

    Everything the comparison itself checks (names, alphas, folds, seed,
    workers, classifier and feature settings) is checked once, by
    :func:`check_settings` in :func:`main`.
    """
    for name in ("max_train", "max_test"):
        if getattr(args, name) < 0:
            parser.error(f"--{name.replace('_', '-')} must be 0 (all) or positive, got "
                         f"{getattr(args, name)}.")
    if not 0 < args.test_size < 1:
        parser.error(f"--test-size must be a fraction in (0, 1), got {args.test_size}.")
    if args.words is not None and not any("bovw" in name for spec in args.features
                                          for name in str(spec).split("+")):
        parser.error(f"--words sets the bag-of-words dictionary, but --features "
                     f"{' '.join(args.features)} has no bovw; add bovw or drop --words.")
    if args.image_size is not None:
        if min(args.image_size) < 1:
            parser.error(f"--image-size must be two positive sizes HEIGHT WIDTH, got "
                         f"{' '.join(map(str, args.image_size))}.")
        if args.dataset == "cifar10":
            parser.error("--image-size resizes the images of an image folder (--dataset "
                         "PATH); CIFAR-10's are all 32x32.")
    if args.cache is not None and str(args.cache).strip() and str(args.out).strip():
        # Publishing the report replaces the whole --out folder: a cache in it
        # would be deleted by every run (and a report inside the cache mixed with it).
        cache, out = (Path(os.path.realpath(args.cache)), Path(os.path.realpath(args.out)))
        if cache == out or out in cache.parents or cache in out.parents:
            parser.error(f"--cache {args.cache} and --out {args.out} overlap; the report "
                         "replaces the whole --out folder, which would delete the cache at "
                         "every run: give two separate folders.")
    if not args.dataset.strip():
        parser.error("--dataset must be 'cifar10' or a folder of images, got an empty "
                     "string.")
    if args.dataset != "cifar10":
        path = Path(args.dataset)
        if path.exists() and not path.is_dir():
            parser.error(f"--dataset {args.dataset} is a file, not a folder; give 'cifar10' "
                         "or a folder of images (<class>/<image>).")
        if not path.is_dir():
            parser.error(f"--dataset {args.dataset}: no such folder; give 'cifar10' or a "
                         "folder of images (<class>/<image>).")
        if args.cache is not None and str(args.cache).strip():
            data, cache = Path(os.path.realpath(path)), Path(os.path.realpath(args.cache))
            if cache == data or data in cache.parents:
                parser.error(f"--cache {args.cache} is inside --dataset {args.dataset}, so "
                             "its files would be read as images (or classes) by later "
                             "runs; give a folder outside it.")


def _settings(parser, args):
    """The comparison's settings from the options, checked once (exit code 2 if not)."""
    classifier_params = {"optimizer": args.optimizer, "max_iter": args.max_iter}
    classifier_params = {k: v for k, v in classifier_params.items() if v is not None}
    feature_params = {}
    if any("bovw" in name for spec in args.features for name in str(spec).split("+")):
        feature_params["bovw"] = {"n_words": QUICK_WORDS if args.words is None else args.words,
                                  "verbose": 0}
    try:
        return check_settings(args.features, args.losses, args.alphas, cv=args.cv,
                              n_jobs=args.n_jobs, random_state=args.seed, memory=args.cache,
                              feature_params=feature_params,
                              classifier_params=classifier_params,
                              dictionary=args.dictionary.replace("-", "_"),
                              extend=args.extend)
    except ValueError as error:         # memory= is the command line's --cache
        parser.error(str(error).replace("memory=", "--cache "))


def _with_patches(settings, n_images):
    """The settings with the bag of words' k-means learning from PATCHES_PER_IMAGE
    patches per training image, up to its default: k-means is the long step of a
    small run."""
    n_patches = min(BagOfVisualWords().n_patches, PATCHES_PER_IMAGE * n_images)
    params = {spec: {name: ({**values, "n_patches": n_patches} if name == "bovw" else values)
                     for name, values in spec_params.items()}
              for spec, spec_params in settings.params.items()}
    return settings._replace(params=params)


def _staging_folder(parser, out, dataset):
    """A fresh folder beside ``out`` to write the report into (checks ``out`` is usable)."""
    given = out
    if not str(out).strip():
        parser.error("--out must name a folder, got an empty string.")
    try:
        return _make_staging_folder(parser, given, dataset)
    except OSError as error:           # a name too long, a full disk, ...
        parser.error(f"--out {given}: cannot write there ({error.strerror or error}).")


def _make_staging_folder(parser, given, dataset):
    # Absolute, so that '.', '..' or 'a/..' name a real folder with a parent to rename in.
    out = Path(os.path.abspath(given))
    if out.is_symlink():
        parser.error(f"--out {given} is a symbolic link; the report replaces the whole "
                     "folder, so give the folder itself.")
    # Compared with every link resolved: a path through a link into --dataset
    # (or above the current folder) is that folder.
    real = Path(os.path.realpath(out))
    cwd = Path(os.path.realpath(Path.cwd()))
    if real == cwd or real in cwd.parents:
        parser.error(f"--out {given} is the current folder or holds it, and the report "
                     "replaces the whole --out folder; give a new sub-folder such as "
                     "'report'.")
    if dataset != "cifar10":
        data = Path(os.path.realpath(dataset))
        if real == data or data in real.parents:
            parser.error(f"--out {given} is inside --dataset {dataset}, so the report would "
                         "become part of the data set; give a folder outside it.")
    if out.exists():
        if not out.is_dir():
            parser.error(f"--out {given} exists and is not a folder.")
        # Only the files a report writes may be there, as plain files: the
        # whole folder is replaced.
        foreign = sorted(p.name + ("/" if p.is_dir() else "") for p in out.iterdir()
                         if p.name not in REPORT_FILES or p.is_symlink() or not p.is_file())
        if foreign:
            parser.error(f"--out {given} holds files that are not part of a report "
                         f"({', '.join(foreign[:3])}{', ...' if len(foreign) > 3 else ''}); "
                         "it would be replaced: give a new or empty folder.")
        # Moving a folder to another parent rewrites its '..': it must be writable.
        if not os.access(out, os.W_OK | os.X_OK):
            parser.error(f"--out {given}: cannot replace it (no write permission on it).")
    out.parent.mkdir(parents=True, exist_ok=True)
    _clean_up_after_killed_runs(out)
    if not out.exists():
        # the report is renamed to this name at the very end: make sure it can be
        # (a name too long for the file system would fail only after all the work)
        out.mkdir()
        out.rmdir()
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name[:64]}-{owner_tag()}", dir=out.parent))
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(staging, 0o777 & ~umask)     # mkdtemp's 0700 is not a report's mode
    return staging


def _clean_up_after_killed_runs(out):
    """Remove the hidden folders beside ``out`` of this host's runs that were killed
    (SIGKILL, the OOM killer) before they could remove them (:func:`orphans`).

    A run killed between :func:`_publish`'s two renames left no ``out`` and
    the previous report in its ``-old-`` folder: that report is put back.
    """
    left = orphans(out.parent, f".{out.name[:64]}-")
    if not out.exists():
        for folder in left:
            previous = folder / out.name
            if folder.name.startswith(f".{out.name[:64]}-old-") and previous.is_dir():
                os.replace(previous, out)
                break
    for folder in left:
        if folder.is_dir() and not folder.is_symlink():
            shutil.rmtree(folder, ignore_errors=True)


def _publish(staging, out):
    """Move the finished report into place, replacing an older one.

    Interrupted between the two renames, the older report is put back.
    """
    out = Path(os.path.abspath(out))
    old = None
    if out.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{out.name[:64]}-old-{owner_tag()}",
                                    dir=out.parent))
        os.replace(out, old / out.name)
    try:
        os.replace(staging, out)
    except BaseException:
        if old is not None:
            os.replace(old / out.name, out)
        raise
    finally:
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)


def _exit_on_sigterm():
    """Make SIGTERM raise ``SystemExit(143)``, so that cleanup runs; returns the undo.

    Python's default SIGTERM ends the process at once, which would leave the
    hidden staging folder beside ``--out``.  Signal handlers can only be set
    from the main thread; elsewhere this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    previous = signal.getsignal(signal.SIGTERM)

    def terminate(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, terminate)
    return lambda: signal.signal(signal.SIGTERM,
                                 signal.SIG_DFL if previous is None else previous)


def _disk_error(error, cache):
    """The one-line message of an ``OSError`` met while computing or writing."""
    where = (f"the feature cache --cache {cache}" if cache is not None else
             f"the feature cache in {tempfile.gettempdir()} (set TMPDIR or --cache to use "
             "another folder)")
    return (f"could not write {where} or the report beside --out "
            f"({error.strerror or error}); free some space there. --out is left as it was.")


def _command_line_hint(message):
    """A loader's message with its Python arguments named as the command line's options."""
    return (message.replace("pass image_size=(height, width)", "pass --image-size HEIGHT WIDTH")
            .replace("pass on_error='skip'", "pass --skip-unreadable"))

def main(argv=None):
    """Run the comparison and write the report; returns the exit code.

    ``predict`` as the first argument runs :func:`._pipeline.predict.predict_main`
    (``python pipeline.py predict MODEL PATH...``) instead.
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["predict"]:
        return predict_main(argv[1:])
    parser = _parser()
    args = parser.parse_args(argv)
    _check_args(parser, args)
    settings = _settings(parser, args)
    staging = _staging_folder(parser, args.out, args.dataset)
    verbose = not args.quiet
    restore_sigterm = _exit_on_sigterm()
    try:
        try:
            X, y, X_test, y_test, names = load_dataset(
                args.dataset, test_size=args.test_size, seed=args.seed, progress=verbose,
                image_size=None if args.image_size is None else tuple(args.image_size),
                on_error="skip" if args.skip_unreadable else "raise", max_pixels=MAX_PIXELS)
        except Exception as error:
            if args.dataset != "cifar10":   # an unusable folder is a usage error
                if not isinstance(error, (ValueError, OSError)):
                    raise
                print(f"error: --dataset {args.dataset}: {_command_line_hint(str(error))}",
                      file=sys.stderr)
                return 2
            # No network, a proxy, a full disk, a corrupt download, ...
            print(f"error: could not fetch CIFAR-10 ({type(error).__name__}: {error}).\n"
                  "Without network, use --dataset PATH with a folder of images "
                  "(<class>/<image>) or the extracted CIFAR-10 python version.",
                  file=sys.stderr)
            return 1
        try:                                # data too small for the settings: exit 2 now
            X, y = subsample(X, y, args.max_train or None, args.seed, "--max-train")
            X_test, y_test = subsample(X_test, y_test, args.max_test or None, args.seed,
                                       "--max-test")
            plan = check_data(_with_patches(settings, len(y)), X, y, test=(X_test, y_test),
                              test_size=None, class_names=names)
        except ValueError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        run_settings = {
            "dataset": args.dataset, "features": settings.features, "losses": args.losses,
            "alphas": plan.settings.alphas, "extend": args.extend, "cv": args.cv,
            "optimizer": args.optimizer,
            "max_iter": args.max_iter, "max_train": args.max_train, "max_test": args.max_test,
            "image_size": args.image_size,
            "words": next((params["bovw"]["n_words"] for params in settings.params.values()
                           if "bovw" in params), None),
            "n_jobs": args.n_jobs, "seed": args.seed, "dictionary": args.dictionary}
        if verbose:
            lines, _ = describe(plan)
            print("\n".join(lines), file=sys.stderr, flush=True)
        try:
            with scratch_cache() as scratch:
                cache = memory_of(scratch if args.cache is None else args.cache)
                tic = time.perf_counter()
                rows, estimators, features = run(plan, cache, verbose=verbose, warn=False)
                run_settings["compare_seconds"] = round(time.perf_counter() - tic, 1)
                print(render(rows))
                for line in grid_notes(rows):
                    print(line, file=sys.stderr if line.startswith("warning:") else sys.stdout)
                report.write_report(staging, rows, estimators,
                                    dict(X_train=X, y_train=y, X_test=X_test, y_test=y_test,
                                         class_names=names, features=features),
                                    run_settings, verbose=verbose)
        except OSError as error:        # the cache in TMPDIR, or the report: a full disk, ...
            print(f"error: {_disk_error(error, args.cache)}", file=sys.stderr)
            return 1
        try:
            _publish(staging, args.out)
        except OSError as error:        # a folder gone meanwhile, ...
            print(f"error: the report could not be written beside --out {args.out} "
                  f"({error.strerror or error}); --out is left as it was.", file=sys.stderr)
            return 1
        print(f"report: {report.printable(Path(args.out) / 'report.md')}")
        return 0
    except KeyboardInterrupt:
        print("\ninterrupted: no report written, --out left as it was.", file=sys.stderr)
        return 130
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        restore_sigterm()
