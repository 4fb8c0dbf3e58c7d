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

Section ``full`` (``--full``): the main job on the whole data set, as a user
runs it, ``python pipeline.py --dataset ../shared/data/cifar10/train
--max-train 0 --max-test 0 --words 1600`` (its default features: raw,
hog+hogfine+color+colorgrid and bovw; its default loss, the one-vs-rest
squared hinge (an older ``--before`` checkout must know ``--full-losses``);
its default grid, extended past an edge, x 3 folds; refit;
report) in a child process: wall time, time per stage (from its
results.json), peak memory (the child's maximum resident set,
``getrusage``).  ``--before COMMIT`` runs the same command from a checkout of
an earlier commit too; ``--quick`` runs it at the main job's default sizes
(4,000 training and 2,000 test images, 400 words) instead.

Section ``scale`` (``--scale``): ``--scale-images`` (500,000) 32x32 images made
by tiling the 50,000 (10 variants each: flipped or not, times 5 crops of the
image padded by 4 pixels), written to an ``.npy`` file; then, for raw pixels
and for hog+color, out of core: features by ``features.extract`` into a file,
``ChunkedScaler`` into another, ``SoftmaxClassifier(optimizer='lbfgs')`` on
the memory-mapped result.  Prints throughput per stage, disk used, and the
peak anonymous memory (RssAnon, sampled from /proc every 0.1 s, over this
process and its children) against the data's size; checks that the
out-of-core fit reaches the objective of an in-memory fit on a subset that
fits (``--subset``); with ``--dask``, extracts that subset's features on a
``LocalCluster`` of 2 worker processes and checks the same features and fit.

Run: python bench/bench_pipeline.py [--sections table caching full scale] [--full]
     [--quick] [--scale] [--n-train N] [--features raw hog ...] [--losses hinge softmax]
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from pathlib import Path

import numpy as np
from common import (
    SHARED_CIFAR10,
    cifar10_fixed_split,
    cifar10_train_images,
    machine_line,
    median_times,
    summary,
)
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

import pipeline
from _pipeline.data import subsample
from _pipeline.presets import DEFAULT_LOSS, build_classifier
from _pipeline.tables import grid_notes, render
from classifiers import SoftmaxClassifier
from features import ChunkedScaler, extract
from pipeline import CachedFeatures

ROOT = Path(__file__).resolve().parent.parent

ALPHAS = [1e-4, 3e-4, 1e-3, 3e-3, 1e-2]

#: Coates, Lee & Ng (2011), CIFAR-10 test accuracy of their triangle features
#: (6x6 patches, stride 1, whitened) by dictionary size.
PAPER = {1600: 0.779, 4000: 0.796}


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


# ------------------------------------------------------------------ full run

def _sizes(words, quick):
    """The main job's size options: all the images, or its defaults (the quick run)."""
    return [] if quick else ["--max-train", "0", "--max-test", "0", "--words", str(words)]


def _main_job(checkout, out, words, losses, dataset, quick=False):
    """Run the main job on all the images of ``dataset`` (or, ``quick``, at its default
    sizes) from ``checkout``: (seconds, peak RSS in bytes, its results.json)."""
    command = [sys.executable, "pipeline.py", "--dataset", str(dataset),
               *_sizes(words, quick), "--loss", *losses, "--out", str(out), "--quiet"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    tic = time.perf_counter()
    subprocess.run(command, cwd=checkout, check=True)
    seconds = time.perf_counter() - tic
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if peak <= before:
        print("  (peak RSS not above an earlier child's: it is a lower bound)")
    results = json.loads((Path(out) / "results.json").read_text())
    return seconds, max(peak, before) * 1024, results


def _stages(seconds, results):
    rows = results["rows"]
    compare = results["settings"].get("compare_seconds")
    parts = {}
    for feature in dict.fromkeys(r["features"] for r in rows):
        mine = [r for r in rows if r["features"] == feature]
        parts[f"{feature} features"] = mine[0]["feature_seconds"]
        parts[f"{feature} search"] = sum(r["search_seconds"] for r in mine)
        parts[f"{feature} refit"] = sum(r["fit_seconds"] for r in mine)
    if compare is not None:
        parts["loading, plan and report"] = seconds - compare
    return parts


def full(words, before, losses=(DEFAULT_LOSS,), dataset=None, quick=False):
    """The main job on the 50,000 shared images (or ``dataset``), now (and at ``before``);
    ``quick``: at its default sizes (4,000 training and 2,000 test images, 400 words)."""
    dataset = SHARED_CIFAR10 / "train" if dataset is None else Path(dataset).resolve()
    run = "quick run" if quick else "full run"
    split = ("its test/ images" if (Path(dataset) / "test").is_dir() else
             "a stratified 20% of its images held out (not the official test set)")
    print(f"dataset {dataset}: test accuracy on {split}; alpha picked by 3-fold "
          "cross-validation on the training images only", flush=True)
    runs = {}
    with tempfile.TemporaryDirectory(prefix="bench-full-") as folder:
        checkouts = {"now": ROOT}
        if before:
            checkouts[f"before ({before})"] = Path(folder) / "before"
            subprocess.run(["git", "worktree", "add", "--detach", str(checkouts[
                f"before ({before})"]), before], cwd=ROOT, check=True,
                stdout=subprocess.DEVNULL)
        try:
            for name, checkout in checkouts.items():
                command = ["python pipeline.py", *_sizes(words, quick), "--loss", *losses]
                print(f"{run}, {name}: {' '.join(command)}", flush=True)
                runs[name] = _main_job(checkout, Path(folder) / f"report-{len(runs)}", words,
                                       losses, dataset, quick)
        finally:
            if before:
                subprocess.run(["git", "worktree", "remove", "--force",
                                str(checkouts[f"before ({before})"])], cwd=ROOT, check=False)
    for name, (seconds, peak, results) in runs.items():
        for row in results["rows"]:     # a --before checkout that refit at the best alpha
            row.setdefault("refit_alpha", row["best_alpha"])
        print(f"\n{name}:")
        print(render(results["rows"]))
        for line in grid_notes(results["rows"]) if "grid" in results["rows"][0] else []:
            print(f"  {line}")
        for stage, t in _stages(seconds, results).items():
            print(f"  {stage:28s} {t:7.1f} s")
        print(f"{run} ({name}) | {seconds:.0f} s ({seconds / 60:.1f} min) wall | "
              f"peak RSS {peak / 2**30:.2f} GB | test accuracy "
              + ", ".join(f"{r['features']} / {r['loss']} {r['test_accuracy']:.4f}"
                          for r in results["rows"]), flush=True)
        for r in results["rows"]:
            if r["features"] == "bovw" and not quick:
                paper = PAPER.get(words)
                summary(f"{r['features']} ({words} words) / {r['loss']}, test accuracy "
                        f"(alpha {r['best_alpha']:g} by cross-validation, refit at "
                        f"{r['refit_alpha']:g})",
                        f"{r['test_accuracy']:.4f}",
                        "no published figure" if paper is None else
                        f"Coates et al. 2011: {paper:.3f}",
                        "" if paper is None else f"{r['test_accuracy'] - paper:+.4f}")
    if len(runs) == 2:
        (now, *_), (old, *_) = runs["now"], runs[next(k for k in runs if k != "now")]
        summary(f"{run}, now vs before", f"{now:.0f} s", f"{old:.0f} s",
                f"{old / now:.1f}x faster")


# ----------------------------------------------------------------- scale run

class AnonymousMemory:
    """Peak RssAnon (anonymous resident memory, not file-backed pages) of this process
    and its children, sampled from /proc every ``interval`` seconds."""

    def __init__(self, interval=0.1):
        self.interval, self.peak, self._stop = interval, 0, threading.Event()

    @staticmethod
    def now():
        pids = [os.getpid()]
        try:
            children = Path(f"/proc/{os.getpid()}/task/{os.getpid()}/children").read_text()
            pids += [int(p) for p in children.split()]
        except OSError:
            pass
        total = 0
        for pid in pids:
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("RssAnon:"):
                        total += int(line.split()[1]) * 1024
            except OSError:
                pass
        return total

    def _run(self):
        while not self._stop.wait(self.interval):
            self.peak = max(self.peak, self.now())

    def __enter__(self):
        self.peak = self.now()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.now())


def tiled_images(X, n_images, path, chunk=5000):
    """``n_images`` 32x32 images from ``X`` written to ``path`` (.npy) chunk by chunk:
    image ``i`` is ``X[i % len(X)]``, flipped when ``(i // len(X))`` is odd, cropped
    at one of 5 offsets of the image padded by 4 pixels (reflected)."""
    n, h, w = X.shape[:3]
    offsets = [(4, 4), (0, 0), (0, 8), (8, 0), (8, 8)]
    out = np.lib.format.open_memmap(path, mode="w+", dtype=np.uint8,
                                    shape=(n_images,) + X.shape[1:])
    for start in range(0, n_images, chunk):
        index = np.arange(start, min(start + chunk, n_images))
        variant = index // n
        images = X[index % n]
        flip = variant % 2 == 1
        images[flip] = images[flip, :, ::-1]
        padded = np.pad(images, ((0, 0), (4, 4), (4, 4), (0, 0)), mode="reflect")
        for k, (dy, dx) in enumerate(offsets):
            pick = (variant // 2) % len(offsets) == k
            images[pick] = padded[pick, dy:dy + h, dx:dx + w]
        out[index] = images
    out.flush()
    del out
    return np.load(path, mmap_mode="r")


def _disk(folder):
    return sum(p.stat().st_size for p in Path(folder).rglob("*") if p.is_file())


def _objective(clf, X, y):
    y_idx = np.searchsorted(clf.classes_, y)
    J, _ = clf._objective(clf._P, X, y_idx, np.ones(len(y)))
    return float(J)


def _softmax(max_iter):
    return SoftmaxClassifier(optimizer="lbfgs", alpha=1e-3, tol=1e-4, max_iter=max_iter,
                             random_state=0)


def scale(X, y, n_images, folder, n_sub, max_iter, dask):
    """Raw and hog+color features of ``n_images`` tiled images, out of core."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    order = np.random.default_rng(0).permutation(len(y))     # classes mixed in every slice
    X, y = X[order], y[order]
    labels = y[np.arange(n_images) % len(y)]
    print(f"RssAnon before the scale run (Python, libraries, the 50,000 source images): "
          f"{AnonymousMemory.now() / 2**30:.2f} GB", flush=True)
    with AnonymousMemory() as memory:
        tic = time.perf_counter()
        images = tiled_images(X, n_images, folder / "images.npy")
        made = time.perf_counter() - tic
    print(f"scale run: {n_images:,} images of {images.shape[1:]} in {folder} "
          f"({images.nbytes / 2**30:.2f} GB uint8), made in {made:.0f} s "
          f"({n_images / made:,.0f} images/s), peak RssAnon {memory.peak / 2**30:.2f} GB",
          flush=True)
    lines = []
    for spec in ("raw", "hog+color"):
        step = pipeline.feature_step(spec).fit(images[:2])
        with AnonymousMemory() as memory:
            tic = time.perf_counter()
            F = extract(step, images, out=folder / f"{spec}.npy")
            t_extract = time.perf_counter() - tic
            tic = time.perf_counter()
            scaler = ChunkedScaler(temp_folder=folder).fit(F)
            Z = scaler.transform(F)
            t_scale = time.perf_counter() - tic
            tic = time.perf_counter()
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", ConvergenceWarning)
                clf = _softmax(max_iter).fit(Z, labels)
            t_fit = time.perf_counter() - tic
        disk = _disk(folder)
        size = F.nbytes
        line = (f"scale {spec}: {n_images:,} images x {F.shape[1]} features "
                f"({size / 2**30:.2f} GB float32) | extract {t_extract:.0f} s "
                f"({n_images / t_extract:,.0f} images/s), scaler {t_scale:.0f} s "
                f"({size / t_scale / 2**20:,.0f} MB/s), lbfgs {t_fit:.0f} s for "
                f"{clf.n_iter_} iterations ({t_fit / max(clf.n_iter_, 1):.1f} s each) | "
                f"peak RssAnon {memory.peak / 2**30:.2f} GB "
                f"({memory.peak / size:.2f} of the features) | disk {disk / 2**30:.1f} GB")
        print(line, flush=True)
        stop = ("; ".join(str(w.message) for w in caught) or
                f"converged: max |gradient| <= tol={clf.tol}")
        print(f"  lbfgs stopped: {stop}", flush=True)
        lines.append(line)
        # The same objective as in memory, on a subset that fits.
        sub = slice(0, n_sub)
        in_memory = StandardScaler().fit_transform(np.array(F[sub]))
        on_disk = ChunkedScaler(temp_folder=folder).fit(F[sub])
        Z_sub = on_disk.transform(F[sub])
        a = _softmax(max_iter).fit(in_memory, labels[sub])
        b = _softmax(max_iter).fit(Z_sub, labels[sub])
        Ja, Jb = _objective(a, in_memory, labels[sub]), _objective(b, in_memory, labels[sub])
        summary(f"scale {spec}: objective on the first {n_sub:,} images, out of core vs "
                f"in memory ({a.n_iter_} / {b.n_iter_} iterations)", f"{Jb:.6f}",
                f"{Ja:.6f}", f"relative difference {abs(Ja - Jb) / Ja:.1e}")
        if dask:
            _dask_check(step, images[sub], F[sub], labels[sub], Jb, folder, max_iter)
        del F, Z, Z_sub, on_disk, scaler, in_memory, a, b     # before the next stage
    return lines


def _dask_check(step, images, F_local, labels, J_local, folder, max_iter):
    """The subset's features on a LocalCluster of 2 processes: equal features, equal fit."""
    import joblib
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None, silence_logs=40) as cluster, Client(cluster):
        tic = time.perf_counter()
        with joblib.parallel_backend("dask"):
            F = extract(step, images, out=folder / "dask.npy")
        seconds = time.perf_counter() - tic
    Z = ChunkedScaler(temp_folder=folder).fit(F).transform(F)
    clf = _softmax(max_iter).fit(Z, labels)
    same = np.array_equal(F, F_local)
    summary(f"dask LocalCluster (2 processes): features of {len(images):,} images",
            f"{seconds:.0f} s, equal to the local run: {same}",
            f"objective {_objective(clf, np.asarray(Z), labels):.6f}",
            f"local {J_local:.6f}")
    (folder / "dask.npy").unlink()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sections", nargs="+", default=["table", "caching"],
                        choices=["table", "caching", "full", "scale"])
    parser.add_argument("--full", action="store_true", help="the section 'full' alone")
    parser.add_argument("--scale", action="store_true", help="the section 'scale' alone")
    parser.add_argument("--before", default=None, metavar="COMMIT",
                        help="full: also run the main job from this commit")
    parser.add_argument("--quick", action="store_true",
                        help="full: the main job at its default sizes (the quick run)")
    parser.add_argument("--full-words", type=int, default=1600)
    parser.add_argument("--full-losses", nargs="+", default=[DEFAULT_LOSS],
                        help="full: the main job's --loss")
    parser.add_argument("--full-dataset", default=None, metavar="PATH",
                        help="full: the main job's --dataset (default: the shared "
                             "training images; a folder with train/ and test/ scores on "
                             "its test/ images)")
    parser.add_argument("--scale-images", type=int, default=500_000)
    parser.add_argument("--scale-dir", default=None,
                        help="scale: folder for the images and features (default: a "
                             "temporary folder, removed at the end)")
    parser.add_argument("--subset", type=int, default=50_000,
                        help="scale: images of the in-memory (and Dask) check")
    parser.add_argument("--max-iter", type=int, default=100,
                        help="scale: L-BFGS iterations at most")
    parser.add_argument("--dask", action="store_true",
                        help="scale: also extract the subset on a Dask LocalCluster")
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
    if args.full or args.scale:
        args.sections = ["full"] * args.full + ["scale"] * args.scale
    print(machine_line())
    import sklearn
    print(f"scikit-learn {sklearn.__version__}, joblib {__import__('joblib').__version__}")
    if "full" in args.sections:
        if not (SHARED_CIFAR10 / "train").is_dir():
            print("../shared/data/cifar10 is not here: nothing to measure.")
            return
        full(args.full_words, args.before, args.full_losses, args.full_dataset, args.quick)
        if args.sections == ["full"]:
            return
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
    if "scale" in args.sections:
        if args.scale_dir is not None:
            scale(X_all, y_all, args.scale_images, args.scale_dir, args.subset, args.max_iter,
                  args.dask)
        else:
            with tempfile.TemporaryDirectory(prefix="bench-scale-") as folder:
                scale(X_all, y_all, args.scale_images, folder, args.subset, args.max_iter,
                      args.dask)


if __name__ == "__main__":
    main()
