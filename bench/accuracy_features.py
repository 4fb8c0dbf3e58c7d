"""Validation accuracy of raw pixels, HOG, colour, and HOG + colour on CIFAR-10.

The 45,000 / 5,000 split of ../shared/data/cifar10/train (fixed seed); every
feature set -> StandardScaler -> LinearSVM and SoftmaxClassifier, alpha picked
on validation.  Features are computed once and reused across alphas.

With --peers, scikit-learn's LogisticRegression (lbfgs) and SGDClassifier
(hinge) are trained on the peers' feature sets too (our HOG equals
skimage.feature.hog, so these are the peer pipelines on the same split).

With --optimum, the classifiers are the main job's: LinearSVM to its
certified optimum (the exact solver) and SoftmaxClassifier on L-BFGS, over a
finer grid of alphas, instead of 20 epochs of SGD.  The "preset" rows are
built by ``pipeline.feature_step`` from the feature names, so they measure
the registry's settings themselves.

Run: python bench/accuracy_features.py [--only SUBSTRING ...] [--peers] [--optimum]
"""

import argparse
import time
import warnings

import numpy as np
from common import cifar10_fixed_split, cifar10_train_images, machine_line
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.preprocessing import StandardScaler

import pipeline
from classifiers import LinearSVM, SoftmaxClassifier
from classifiers.schedules import StepDecay
from features import HOG, ColorHistogram, RawPixels

ALPHAS = [1e-4, 1e-3, 1e-2]
#: The full-batch solvers' optimum moves with alpha ~ 1/n: a finer, higher grid.
OPTIMUM_ALPHAS = [1e-3, 3e-3, 1e-2, 3e-2, 1e-1, 3e-1, 1.0]


FEATURES = {
    "raw pixels": [RawPixels()],
    "HOG 8x8 cells, 2x2 blocks, L2-Hys": [HOG()],
    "HOG, sqrt, L1-sqrt": [HOG(transform_sqrt=True, block_norm="L1-sqrt")],
    "HOG 4x4 cells": [HOG(pixels_per_cell=(4, 4))],
    "hue 10 bins (course)": [ColorHistogram()],
    "joint HSV 8x8x8": [ColorHistogram(mode="joint", bins=8)],
    "HOG + hue": [HOG(), ColorHistogram()],
    "HOG + joint HSV 8x8x8": [HOG(), ColorHistogram(mode="joint", bins=8)],
    "HOG sqrt/L1-sqrt + joint HSV 8x8x8": [
        HOG(transform_sqrt=True, block_norm="L1-sqrt"), ColorHistogram(mode="joint", bins=8)],
    "HOG 8x8 + HOG 4x4 + joint HSV 8x8x8 + 2x2 grid HSV 4x4x4": [
        HOG(transform_sqrt=True, block_norm="L1-sqrt"),
        HOG(pixels_per_cell=(4, 4), transform_sqrt=True, block_norm="L1-sqrt"),
        ColorHistogram(mode="joint", bins=8), ColorHistogram(mode="joint", bins=4, grid=(2, 2))],
    "HOG sqrt/L1-sqrt + sqrt joint HSV 8x8x8": [
        HOG(transform_sqrt=True, block_norm="L1-sqrt"),
        ColorHistogram(mode="joint", bins=8, power=0.5)],
    "HOG sqrt/L1-sqrt + sqrt joint HSV 8x8x8 + sqrt 2x2-grid HSV 4x4x4": [
        HOG(transform_sqrt=True, block_norm="L1-sqrt"),
        ColorHistogram(mode="joint", bins=8, power=0.5),
        ColorHistogram(mode="joint", bins=4, grid=(2, 2), power=0.5)],
    "HOG 8x8 + HOG 4x4 (sqrt/L1-sqrt) + sqrt joint HSV 8x8x8": [
        HOG(transform_sqrt=True, block_norm="L1-sqrt"),
        HOG(pixels_per_cell=(4, 4), transform_sqrt=True, block_norm="L1-sqrt"),
        ColorHistogram(mode="joint", bins=8, power=0.5)],
    # the registry's presets as the main job builds them (one FeatureUnion each)
    "preset hog+color": [pipeline.feature_step("hog+color")],
    "preset hog+hogfine+color+colorgrid": [pipeline.feature_step("hog+hogfine+color+colorgrid")],
}


PEER_SETS = ["HOG 8x8 cells, 2x2 blocks, L2-Hys", "HOG + hue", "HOG + joint HSV 8x8x8",
             "HOG sqrt/L1-sqrt + sqrt joint HSV 8x8x8"]


def peers(alpha, n_train):
    return {"LogisticRegression": LogisticRegression(C=1 / (alpha * n_train)),
            "SGDClassifier(hinge)": SGDClassifier(alpha=alpha, max_iter=20, tol=None,
                                                  n_jobs=2, random_state=0)}


def classifiers(alpha, optimum=False):
    if optimum:
        return {"LinearSVM (exact)": LinearSVM(alpha=alpha, random_state=0),
                "SoftmaxClassifier (lbfgs)": SoftmaxClassifier(
                    alpha=alpha, optimizer="lbfgs", max_iter=300, random_state=0)}
    common = dict(optimizer="sgd", learning_rate_schedule=StepDecay(0.5, 5), max_iter=20,
                  tol=None, batch_size=256, random_state=0, alpha=alpha)
    return {"LinearSVM": LinearSVM(learning_rate=3e-3, **common),
            "SoftmaxClassifier": SoftmaxClassifier(learning_rate=3e-2, **common)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", help="feature sets to run (substring match)")
    parser.add_argument("--peers", action="store_true",
                        help="also train scikit-learn's models on the peers' feature sets")
    parser.add_argument("--optimum", action="store_true",
                        help="the main job's classifiers (exact hinge, L-BFGS softmax) over "
                             f"alphas {OPTIMUM_ALPHAS} instead of 20 epochs of SGD")
    args = parser.parse_args()
    warnings.simplefilter("ignore", ConvergenceWarning)
    data = cifar10_train_images()
    if data is None:
        raise SystemExit("needs ../shared/data/cifar10/train")
    X, y, _ = data
    X_train, X_val, y_train, y_val = cifar10_fixed_split(X, y)
    print(machine_line())
    alphas = OPTIMUM_ALPHAS if args.optimum else ALPHAS
    how = ("LinearSVM to a certified 1e-2 gap, softmax on L-BFGS" if args.optimum
           else "SGD, 20 epochs, rate halved every 5")
    print(f"CIFAR-10 45,000 / 5,000 (validation, alpha picked on it); alpha grid {alphas}; "
          f"{how}", flush=True)
    cache = {}

    def features(transformer, part):
        key = (repr(transformer), part)
        if key not in cache:
            images = X_train if part == "train" else X_val
            cache[key] = transformer.fit(X_train[:10]).transform(images)
        return cache[key]

    rows = []
    for name, parts in FEATURES.items():
        if args.only and not any(s in name for s in args.only):
            continue
        tic = time.perf_counter()
        F_train = np.hstack([features(t, "train") for t in parts])
        F_val = np.hstack([features(t, "val") for t in parts])
        seconds = time.perf_counter() - tic
        scaler = StandardScaler().fit(F_train)
        F_train, F_val = scaler.transform(F_train), scaler.transform(F_val)
        best = {}
        for alpha in alphas:
            models = dict(classifiers(alpha, args.optimum))
            if args.peers and name in PEER_SETS:
                models.update(peers(alpha, len(y_train)))
            for model, clf in models.items():
                acc = clf.fit(F_train, y_train).score(F_val, y_val)
                if acc > best.get(model, (0, None))[0]:
                    best[model] = (acc, alpha)
        row = (f"{name:<58} {F_train.shape[1]:>6} "
               + " ".join(f"{m} {best[m][0]:.4f} (a={best[m][1]:g})" for m in best)
               + f"  features {seconds:.1f} s")
        rows.append(row)
        print(row, flush=True)


if __name__ == "__main__":
    main()
