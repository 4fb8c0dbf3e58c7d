"""The main job's comparison on CIFAR-10, and what caching the features saves.

Section ``table``: ``pipeline.compare`` on the 45,000 / 5,000 split of
../shared/data/cifar10/train (the 5,000 validation images are the test data):
raw, hog, color, hog+color and bovw, hinge and softmax, 5 alphas, 3-fold
cross-validation; prints the table and the total time.

Section ``caching``: the same ``GridSearchCV`` of one feature set and loss (5
alphas, 3 folds) with the features cached by :class:`pipeline.CachedFeatures`
(each split's training and validation features once), by scikit-learn's own
``Pipeline(memory=)`` (each split's ``fit_transform`` once), and not at all;
alternated, medians of ``--repeats``, with the images each transforms.

Run: python bench/bench_pipeline.py [--sections table caching] [--n-train N]
     [--features raw hog ...] [--losses hinge softmax]
"""

import argparse
import tempfile
import time
import warnings

from common import cifar10_fixed_split, cifar10_train_images, machine_line, median_times, summary
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

import pipeline
from _pipeline.data import subsample
from _pipeline.presets import build_classifier
from _pipeline.tables import render
from pipeline import CachedFeatures

ALPHAS = [1e-4, 3e-4, 1e-3, 3e-3, 1e-2]


def _subset(X, y, n):
    return subsample(X, y, n, 0) if n else (X, y)


def table(X, y, X_val, y_val, features, losses, n_jobs):
    tic = time.perf_counter()
    rows = pipeline.compare(X, y, features, losses, ALPHAS, cv=3, test=(X_val, y_val),
                            n_jobs=n_jobs, verbose=True)
    total = time.perf_counter() - tic
    print(render(rows), flush=True)
    print(f"compare: {len(features)} feature sets x {len(losses)} losses x {len(ALPHAS)} "
          f"alphas x 3 folds on {len(y)} images, scored on {len(y_val)}: {total:.0f} s",
          flush=True)
    best = {f: max(r["test_accuracy"] for r in rows if r["features"] == f) for f in features}
    print("best test accuracy per feature set: "
          + ", ".join(f"{f} {a:.4f}" for f, a in best.items()), flush=True)
    return rows


class Counting(TransformerMixin, BaseEstimator):
    """A feature step that counts the images it transforms (class-level: clones share it)."""

    images = 0

    def __init__(self, step=None):
        self.step = step

    def fit(self, X, y=None):
        self.fit_transform(X, y)
        return self

    def fit_transform(self, X, y=None):
        Counting.images += len(X)
        self.step_ = clone(self.step)
        return self.step_.fit_transform(X, y)

    def transform(self, X):
        Counting.images += len(X)
        return self.step_.transform(X)


def caching(X, y, feature, loss, n_jobs, feature_params, repeats):
    """Seconds of one grid search with our cache, scikit-learn's, and none.

    The same ``GridSearchCV`` (5 alphas x 3 folds) over the same pipeline:
    with :class:`pipeline.CachedFeatures` (each split's training and
    validation features once), with scikit-learn's ``Pipeline(memory=)``
    (each split's ``fit_transform`` once; the validation part is transformed
    again for every candidate), and with no cache; each in a fresh temporary
    folder, the three alternated over the repeats, medians.  Also the images
    each transforms, counted.
    """
    cv = StratifiedKFold(3, shuffle=True, random_state=0)

    def search(kind):
        step = Counting(pipeline.feature_step(feature, feature_params))
        with tempfile.TemporaryDirectory() as folder:
            steps = [("features", CachedFeatures(step, memory=folder) if kind == "ours"
                      else step),
                     ("scale", StandardScaler()),
                     ("classifier", build_classifier(loss, {"random_state": 0}))]
            pipe = Pipeline(steps, memory=folder if kind == "scikit-learn" else None)
            Counting.images = 0
            GridSearchCV(pipe, {"classifier__alpha": ALPHAS}, cv=cv, n_jobs=n_jobs,
                         refit=False).fit(X, y)
            return Counting.images

    counts = {kind: search(kind) for kind in ("ours", "scikit-learn", "none")}
    t = median_times({kind: (lambda kind=kind: search(kind))
                      for kind in ("ours", "scikit-learn", "none")}, repeats)
    what = (f"grid search {feature} / {loss}, {len(ALPHAS)} alphas x 3 folds, {len(y)} "
            f"images (medians of {repeats})")
    print(f"  images transformed: ours {counts['ours']}, Pipeline(memory=) "
          f"{counts['scikit-learn']}, no cache {counts['none']}", flush=True)
    summary(f"{what}: CachedFeatures vs Pipeline(memory=)",
            f"{t['ours']:.1f} s, {counts['ours']} images",
            f"{t['scikit-learn']:.1f} s, {counts['scikit-learn']} images",
            f"{t['scikit-learn'] / t['ours']:.1f}x faster")
    summary(f"{what}: CachedFeatures vs no cache", f"{t['ours']:.1f} s",
            f"{t['none']:.1f} s", f"{t['none'] / t['ours']:.1f}x faster")


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
    parser.add_argument("--repeats", type=int, default=3)
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
            caching(Xc, yc, feature, "hinge", args.n_jobs, params, args.repeats)


if __name__ == "__main__":
    main()
