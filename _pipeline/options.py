"""The command line's options: the parser, the checks only the command line has,
and the comparison's settings they make.

Every check here is a usage error (exit code 2) found before any image is
loaded: :func:`check_args` the options' own ranges and paths,
:func:`settings_of` everything the comparison checks
(:func:`._pipeline.checks.check_settings`), once.
"""

import argparse
import os
from pathlib import Path

from classifiers.optimizers import OPTIMIZERS
from features import BagOfVisualWords

from .checks import check_settings
from .presets import DEFAULT_ALPHAS, DEFAULT_LOSS, FEATURES, LOSSES, REFERENCE_IMAGES
from .spec import written_names


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter,
                     argparse.RawDescriptionHelpFormatter):
    """Defaults shown where there is one to show (not None or an unset flag); epilog as written."""

    def _get_help_string(self, action):
        if action.default is None or action.default is False:
            return action.help
        if isinstance(action.default, list):        # as typed: raw hog bovw
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


def make_parser():
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
    parser.add_argument("--features", nargs="+",
                        default=["raw", "hog+hogfine+color+colorgrid", "bovw"],
                        metavar="SPEC",
                        help=f"feature sets: {', '.join(FEATURES)}, or unions joined by '+'")
    parser.add_argument("--loss", nargs="+", default=[DEFAULT_LOSS], dest="losses",
                        metavar="LOSS", help=f"losses: {', '.join(LOSSES)} (default: "
                        f"{DEFAULT_LOSS}, the one-vs-rest L2-SVM of Coates et al.: on "
                        "CIFAR-10 the most accurate on HOG + colour and the bag of words)")
    parser.add_argument("--optimizer", default=None, metavar="NAME",
                        help=f"classifier optimizer: auto, {', '.join(OPTIMIZERS)} "
                             "(default: each loss to its optimum, the exact solver for "
                             "hinge and squared_hinge, lbfgs for softmax and "
                             "ovr_squared_hinge; auto is the classifier's own choice, "
                             "momentum for those two)")
    parser.add_argument("--max-iter", type=int, default=None, metavar="N",
                        help="classifier epochs (lbfgs: iterations) (default: the "
                             "classifier's own budget)")
    parser.add_argument("--alphas", nargs="+", type=float, default=None, metavar="ALPHA",
                        help="regularization strengths to search (distinct, positive) "
                             "(default: four decades scaled to the training images, "
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


def check_args(parser, args):
    """The usage errors of options that only the command line has (exit code 2).

    Everything the comparison itself checks (names, alphas, folds, seed,
    workers, classifier and feature settings) is checked once, by
    :func:`settings_of`.
    """
    for name in ("max_train", "max_test"):
        if getattr(args, name) < 0:
            parser.error(f"--{name.replace('_', '-')} must be 0 (all) or positive, got "
                         f"{getattr(args, name)}.")
    if not 0 < args.test_size < 1:
        parser.error(f"--test-size must be a fraction in (0, 1), got {args.test_size}.")
    if args.words is not None and not any("bovw" in written_names(spec)
                                          for spec in args.features):
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


def settings_of(parser, args):
    """The comparison's settings from the options, checked once (exit code 2 if not)."""
    classifier_params = {"optimizer": args.optimizer, "max_iter": args.max_iter}
    classifier_params = {k: v for k, v in classifier_params.items() if v is not None}
    feature_params = {}
    if any("bovw" in written_names(spec) for spec in args.features):
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


def with_patches(settings, n_images):
    """The settings with the bag of words' k-means learning from PATCHES_PER_IMAGE
    patches per training image, up to its default: k-means is the long step of a
    small run."""
    n_patches = min(BagOfVisualWords().n_patches, PATCHES_PER_IMAGE * n_images)
    params = {spec: {name: ({**values, "n_patches": n_patches} if name == "bovw" else values)
                     for name, values in spec_params.items()}
              for spec, spec_params in settings.params.items()}
    return settings._replace(params=params)


def command_line_hint(message):
    """A loader's message with its Python arguments named as the command line's options."""
    return (message.replace("pass image_size=(height, width)", "pass --image-size HEIGHT WIDTH")
            .replace("pass on_error='skip'", "pass --skip-unreadable"))
