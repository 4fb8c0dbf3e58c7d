"""The command line, ``python pipeline.py``: the run, from the options to the report.

:func:`main` checks the options that only the command line has (paths,
sizes of the subsets), then the comparison's settings
(:func:`._pipeline.checks.check_settings`) before it loads a single image,
then the data (:func:`._pipeline.checks.check_data`); each check runs once,
and its ``ValueError`` (``InvalidParameterError`` included) becomes exit
code 2 before any long work.  The report is written into a hidden folder
beside ``--out`` and renamed into place when complete.

* :mod:`.options`: the parser, the options' checks, the settings they make.
* :mod:`.staging`: the hidden folder beside ``--out``, and its publishing.
* :mod:`.signals`: SIGTERM made an exception, so that the cleanup runs.
"""

import shutil
import sys
import tempfile
import time
from pathlib import Path

from classifiers import DivergenceError

from . import report
from .caching import memory_of, scratch_cache
from .checks import check_data
from .compare import run
from .data import load_dataset, subsample
from .estimate import describe
from .options import (
    MAX_PIXELS,
    check_args,
    command_line_hint,
    make_parser,
    settings_of,
    with_patches,
)
from .predict import predict_main
from .signals import exit_on_sigterm
from .staging import publish, staging_folder
from .tables import grid_notes, render


def _disk_error(error, cache):
    """The one-line message of an ``OSError`` met while computing or writing."""
    where = (f"the feature cache --cache {cache}" if cache is not None else
             f"the feature cache in {tempfile.gettempdir()} (set TMPDIR or --cache to use "
             "another folder)")
    return (f"could not write {where} or the report beside --out "
            f"({error.strerror or error}); free some space there. --out is left as it was.")


def main(argv=None):
    """Run the comparison and write the report; returns the exit code.

    ``predict`` as the first argument runs :func:`._pipeline.predict.predict_main`
    (``python pipeline.py predict MODEL PATH...``) instead.
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["predict"]:
        return predict_main(argv[1:])
    parser = make_parser()
    args = parser.parse_args(argv)
    check_args(parser, args)
    settings = settings_of(parser, args)
    staging = staging_folder(parser, args.out, args.dataset)
    verbose = not args.quiet
    restore_sigterm = exit_on_sigterm()
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
                print(f"error: --dataset {args.dataset}: {command_line_hint(str(error))}",
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
            plan = check_data(with_patches(settings, len(y)), X, y, test=(X_test, y_test),
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
        except DivergenceError as error:    # a stochastic optimizer's step at some alpha
            print(f"error: {error}\nOn the command line: leave out --optimizer (each loss "
                  "then trains to its optimum, which does not diverge), or search smaller "
                  "alphas only (--alphas with smaller values and --extend 0); the features "
                  "are standardized already. --out is left as it was.", file=sys.stderr)
            return 1
        try:
            publish(staging, args.out)
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
