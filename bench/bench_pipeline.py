"""The main job's comparison on CIFAR-10, and what caching the features saves.

Section ``table``: ``pipeline.compare`` on the 45,000 / 5,000 split of
../shared/data/cifar10/train (the 5,000 validation images are the test data):
raw, hog, color, hog+color and bovw, hinge and softmax, 5 alphas, 3-fold
cross-validation; prints the table and the total time.

Section ``caching``: the same ``GridSearchCV`` of one feature set and loss (5
alphas, 3 folds) over ``make_pipeline(..., memory=folder)`` (features cached
once per split, :class:`pipeline.CachedFeatures`) and over the plain pipeline
that recomputes them for every candidate, same data, same run.

Run: python bench/bench_pipeline.py [--sections table caching] [--n-train N]
     [--features raw hog ...] [--losses hinge softmax]
"""

import argparse
import tempfile
import time
import warnings

from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, StratifiedKFold

from common import (cifar10_fixed_split, cifar10_train_images, machine_line, median_times,
                    summary)

import pipeline

ALPHAS = [1e-4, 3e-4, 1e-3, 3e-3, 1e-2]


def _subset(X, y, n):
    return pipeline._subsample(X, y, n, 0) if n else (X, y)


def table(X, y, X_val, y_val, features, losses, n_jobs):
    tic = time.perf_counter()
    rows = pipeline.compare(X, y, features, losses, ALPHAS, cv=3, test=(X_val, y_val),
                            n_jobs=n_jobs, verbose=True)
    total = time.perf_counter() - tic
    print(pipeline.text_table(rows), flush=True)
    print(f"compare: {len(features)} feature sets x {len(losses)} losses x {len(ALPHAS)} "
          f"alphas x 3 folds on {len(y)} images, scored on {len(y_val)}: {total:.0f} s",
          flush=True)
    best = {f: max(r["test_accuracy"] for r in rows if r["features"] == f) for f in features}
    print("best test accuracy per feature set: "
          + ", ".join(f"{f} {a:.4f}" for f, a in best.items()), flush=True)
    return rows


def caching(X, y, feature, loss, n_jobs, feature_params):
    """Seconds of one grid search with the features cached per split and recomputed.

    The same ``GridSearchCV`` (5 alphas x 3 folds) over the same pipeline,
    once with :class:`pipeline.CachedFeatures` in a fresh temporary cache and
    once without; the two runs alternate over the repeats.
    """
    cv = StratifiedKFold(3, shuffle=True, random_state=0)

    def search(memory):
        pipe = pipeline.make_pipeline(feature, loss, memory=memory,
                                      feature_params=feature_params, random_state=0)
        return GridSearchCV(pipe, {"classifier__alpha": ALPHAS}, cv=cv, n_jobs=n_jobs,
                            refit=False).fit(X, y)

    def cached():
        with tempfile.TemporaryDirectory() as folder:
            return search(folder)

    t = median_times({"cached": cached, "plain": lambda: search(None)}, repeats=1)
    summary(f"grid search {feature} / {loss}, {len(ALPHAS)} alphas x 3 folds, {len(y)} images: "
            "features cached per split vs recomputed per candidate",
            f"{t['cached']:.1f} s", f"{t['plain']:.1f} s",
            f"{t['plain'] / t['cached']:.1f}x faster")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sections", nargs="+", default=["table", "caching"],
                        choices=["table", "caching"])
    parser.add_argument("--n-train", type=int, default=0,
                        help="training images for the table (0: all 45,000)")
    parser.add_argument("--n-caching", type=int, default=10000,
                        help="training images for the caching comparison")
    parser.add_argument("--features", nargs="+",
                        default=["raw", "hog", "color", "hog+color", "bovw"])
    parser.add_argument("--caching-features", nargs="+", default=["hog+color", "bovw"])
    parser.add_argument("--losses", nargs="+", default=["hinge", "softmax"])
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--words", type=int, default=400,
                        help="bag-of-words dictionary size in the caching comparison")
    args = parser.parse_args()
    print(machine_line())
    data = cifar10_train_images()
    if data is None:
        print("../shared/data/cifar10 is not here: nothing to measure.")
        return
    X_all, y_all, _ = data
    X, X_val, y, y_val = cifar10_fixed_split(X_all, y_all)
    warnings.simplefilter("ignore", ConvergenceWarning)
    if "table" in args.sections:
        table(*_subset(X, y, args.n_train), X_val, y_val, args.features, args.losses,
              args.n_jobs)
    if "caching" in args.sections:
        Xc, yc = _subset(X, y, args.n_caching)
        for feature in args.caching_features:
            params = {"bovw": {"n_words": args.words}} if "bovw" in feature else None
            caching(Xc, yc, feature, "hinge", args.n_jobs, params)


if __name__ == "__main__":
    main()
