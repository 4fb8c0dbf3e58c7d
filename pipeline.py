"""Build and compare classification pipelines; ``python pipeline.py`` runs a demo.

Until the feature pipelines land, the command line trains the two presets of
:class:`classifiers.LinearClassifier` on scikit-learn's bundled digits and
prints their held-out accuracy and fit time.
"""

import argparse
import time

from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from classifiers import LinearSVM, SoftmaxClassifier
from classifiers.optimizers import OPTIMIZERS


def digits_demo(optimizer="adam", alpha=1e-4, random_state=0):
    """Fit LinearSVM and SoftmaxClassifier on digits; return result rows.

    Parameters
    ----------
    optimizer : str, default='adam'
    alpha : float, default=1e-4
    random_state : int, default=0
        Seeds the 75 / 25 stratified split and the training.

    Returns
    -------
    rows : list of (name, test_accuracy, fit_seconds, epochs)

    Examples
    --------
    >>> rows = digits_demo()
    >>> [name for name, *_ in rows]
    ['LinearSVM', 'SoftmaxClassifier']
    >>> all(acc > 0.9 for _, acc, _, _ in rows)
    True
    """
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=random_state)
    rows = []
    for model in (LinearSVM, SoftmaxClassifier):
        pipe = make_pipeline(StandardScaler(), model(
            optimizer=optimizer, alpha=alpha, max_iter=100, tol=None,
            random_state=random_state))
        tic = time.perf_counter()
        pipe.fit(X_train, y_train)
        seconds = time.perf_counter() - tic
        rows.append((model.__name__, pipe.score(X_test, y_test), seconds,
                     pipe[-1].n_iter_))
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--optimizer", default="adam", choices=sorted(OPTIMIZERS))
    parser.add_argument("--alpha", type=float, default=1e-4,
                        help="regularization strength (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    rows = digits_demo(args.optimizer, args.alpha, args.seed)
    print(f"digits (1797 images 8x8, 75/25 split), optimizer={args.optimizer}, "
          f"alpha={args.alpha}")
    print(f"{'model':<20}{'test accuracy':>15}{'fit s':>8}{'epochs':>8}")
    for name, acc, seconds, epochs in rows:
        print(f"{name:<20}{acc:>15.4f}{seconds:>8.2f}{epochs:>8}")


if __name__ == "__main__":
    main()
