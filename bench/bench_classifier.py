"""Our LinearSVM / SoftmaxClassifier against scikit-learn's linear models.

Same standardized data, same run: CIFAR-10 raw pixels (45,000 train / 5,000
validation of ../shared/data/cifar10/train, fixed seed) when present, digits
otherwise.  Every model picks its regularization from the same alpha grid on
validation (C = 1 / (alpha * n_train) for the C-parametrised peers); fit times
are medians of alternated repeats at each model's chosen alpha.  LinearSVC
(liblinear's primal solver, over ten minutes a fit on CIFAR-10 here) is fitted
once, at the alpha our LinearSVM chose.

Run: python bench/bench_classifier.py [--repeats 3] [--epochs 20] [--no-linearsvc]
"""

import argparse
import warnings

import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC

from common import (cifar10_fixed_split, cifar10_train_images, machine_line, median_times,
                    summary, timed)

from classifiers import LinearSVM, SoftmaxClassifier
from classifiers.schedules import StepDecay

ALPHAS = [1e-4, 1e-3, 1e-2, 1e-1]


def load_data():
    data = cifar10_train_images()
    if data is not None:
        X, y, _ = data
        X_train, X_val, y_train, y_val = cifar10_fixed_split(X.reshape(len(X), -1), y)
        name = "CIFAR-10 raw pixels, 45,000 / 5,000"
    else:
        X, y = load_digits(return_X_y=True)
        X_train, X_val, y_train, y_val = train_test_split(
            X, y, test_size=0.25, stratify=y, random_state=0)
        name = "digits (../shared/data absent), 1347 / 450"
    scaler = StandardScaler().fit(X_train.astype(np.float32))
    return (name, scaler.transform(X_train.astype(np.float32)).astype(np.float32),
            scaler.transform(X_val.astype(np.float32)).astype(np.float32), y_train, y_val)


def models(epochs, n_train, with_linearsvc):
    """name -> (alpha -> unfitted estimator)."""
    # Minibatch SGD whose rate halves every 5 epochs: tuned once on this split
    # (Adam and momentum did no better on these standardized pixels).
    ours = dict(optimizer="sgd", learning_rate_schedule=StepDecay(factor=0.5, every=5),
                max_iter=epochs, tol=None, batch_size=256, random_state=0)
    makers = {
        "LinearSVM": lambda a: LinearSVM(alpha=a, learning_rate=3e-4, **ours),
        "SoftmaxClassifier": lambda a: SoftmaxClassifier(alpha=a, learning_rate=1e-2, **ours),
        "SGDClassifier": lambda a: SGDClassifier(
            loss="hinge", alpha=a, max_iter=epochs, tol=None, n_jobs=2, random_state=0),
        "LogisticRegression": lambda a: LogisticRegression(C=1 / (a * n_train)),
    }
    if with_linearsvc:
        makers["LinearSVC"] = lambda a: LinearSVC(C=1 / (a * n_train), dual=False)
    return makers


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--no-linearsvc", action="store_true",
                        help="skip LinearSVC (minutes per fit on CIFAR-10)")
    args = parser.parse_args()
    warnings.simplefilter("ignore", ConvergenceWarning)

    name, X_train, X_val, y_train, y_val = load_data()
    print(machine_line())
    print(f"data: {name}, {X_train.shape[1]} features, float32; grid alpha={ALPHAS}; "
          f"{args.epochs} epochs for the SGD-type models", flush=True)
    makers = models(args.epochs, len(y_train), not args.no_linearsvc)

    best = {}
    for model, make in makers.items():
        for alpha in ([best["LinearSVM"][0]] if model == "LinearSVC" else ALPHAS):
            est, seconds = timed(lambda: make(alpha).fit(X_train, y_train))
            acc = est.score(X_val, y_val)
            print(f"  {model:<20} alpha={alpha:<7g} validation {acc:.4f}  fit {seconds:7.2f} s",
                  flush=True)
            if model not in best or acc > best[model][1]:
                best[model] = (alpha, acc, seconds)

    timed_models = [m for m in makers if m != "LinearSVC"]   # LinearSVC: one fit is enough
    medians = median_times(
        {m: (lambda m=m: makers[m](best[m][0]).fit(X_train, y_train)) for m in timed_models},
        args.repeats)
    if "LinearSVC" in best:
        medians["LinearSVC"] = best["LinearSVC"][2]

    print(f"\n{'model':<20}{'alpha':>8}{'validation':>12}{'fit s':>10}")
    for m in makers:
        print(f"{m:<20}{best[m][0]:>8g}{best[m][1]:>12.4f}{medians[m]:>10.2f}")

    print("\nwhat | ours | peer | ratio")
    ours_best = max(("LinearSVM", "SoftmaxClassifier"), key=lambda m: best[m][1])
    peers = [m for m in makers if m not in ("LinearSVM", "SoftmaxClassifier")]
    peer_best = max(peers, key=lambda m: best[m][1])
    summary("validation accuracy, best of ours vs best peer",
            f"{ours_best} {best[ours_best][1]:.4f}", f"{peer_best} {best[peer_best][1]:.4f}",
            f"{best[ours_best][1] - best[peer_best][1]:+.4f}")
    summary(f"fit {args.epochs} epochs, LinearSVM vs SGDClassifier(hinge)",
            f"{medians['LinearSVM']:.2f} s", f"{medians['SGDClassifier']:.2f} s",
            f"{medians['SGDClassifier'] / medians['LinearSVM']:.1f}x faster")
    summary(f"fit {args.epochs} epochs, SoftmaxClassifier vs SGDClassifier(hinge)",
            f"{medians['SoftmaxClassifier']:.2f} s", f"{medians['SGDClassifier']:.2f} s",
            f"{medians['SGDClassifier'] / medians['SoftmaxClassifier']:.1f}x faster")
    summary("fit, SoftmaxClassifier vs LogisticRegression(lbfgs)",
            f"{medians['SoftmaxClassifier']:.2f} s, acc {best['SoftmaxClassifier'][1]:.4f}",
            f"{medians['LogisticRegression']:.2f} s, acc {best['LogisticRegression'][1]:.4f}",
            f"{medians['LogisticRegression'] / medians['SoftmaxClassifier']:.1f}x faster, "
            f"{best['SoftmaxClassifier'][1] - best['LogisticRegression'][1]:+.4f} accuracy")
    if "LinearSVC" in best:
        summary("fit, LinearSVM vs LinearSVC(primal), one fit",
                f"{medians['LinearSVM']:.2f} s, acc {best['LinearSVM'][1]:.4f}",
                f"{medians['LinearSVC']:.2f} s, acc {best['LinearSVC'][1]:.4f}",
                f"{medians['LinearSVC'] / medians['LinearSVM']:.1f}x faster")


if __name__ == "__main__":
    main()
