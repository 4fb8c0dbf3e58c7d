"""Shared helpers of the benchmarks: machine line, timing, data, summary lines."""

import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from features import load_cifar10  # noqa: E402
from features.cifar10 import cifar10_split  # noqa: E402

SHARED_CIFAR10 = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "cifar10"
CACHE = Path(__file__).resolve().parent / "results" / "cache"


def machine_line():
    """What the numbers were measured on: cores, BLAS and its threads."""
    try:
        from threadpoolctl import threadpool_info
        blas = ", ".join(f"{i['internal_api']} {i.get('num_threads')} threads"
                         for i in threadpool_info() if i["user_api"] == "blas")
    except ImportError:
        blas = "threadpoolctl not installed"
    return (f"machine: {os.cpu_count()} cpus, {platform.machine()}, Python "
            f"{platform.python_version()}, numpy {np.__version__}, BLAS: {blas}")


def timed(fn):
    """Run ``fn()`` once; return (its result, seconds)."""
    tic = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - tic


def median_times(fns, repeats, results=None):
    """Median seconds of each callable in ``fns`` (a dict), run alternately.

    ``results``, a dict, receives what each callable returned last (say, a
    fitted model to check), so that it need not be run once more.
    """
    times = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            result, seconds = timed(fn)
            times[name].append(seconds)
            if results is not None:
                results[name] = result
    return {name: statistics.median(ts) for name, ts in times.items()}


def summary(what, ours, peer, ratio):
    """One line ``what | ours | peer | ratio`` (GUIDE s.5)."""
    line = f"{what} | {ours} | {peer} | {ratio}"
    print(line, flush=True)
    return line


def cifar10_train_images():
    """The shared CIFAR-10 training images and labels, or None when absent.

    Returns
    -------
    (X, y, class_names) with X of shape (50000, 32, 32, 3) uint8, or None.
    """
    if not (SHARED_CIFAR10 / "train").is_dir():
        return None
    return load_cifar10(SHARED_CIFAR10, subset="train")


def cifar10_fixed_split(X, y):
    """The 45,000 / 5,000 split of ../shared/data/README.md."""
    train, val = cifar10_split(len(y))
    return X[train], X[val], y[train], y[val]


def standardized_features(spec, feature_params=None):
    """``spec`` features of the 45,000 / 5,000 split, standardized on the 45,000, float32.

    Computed with :func:`pipeline.feature_step` (the bag of words seeded with
    ``random_state=0``) and ``StandardScaler``, then cached as .npy files in
    ``bench/results/cache`` (ignored by git): the bag of words takes minutes.

    Returns
    -------
    (X_train, X_val, y_train, y_val) or None without ../shared/data.
    """
    from sklearn.preprocessing import StandardScaler

    import pipeline

    name = spec if not feature_params else f"{spec}-" + "-".join(
        f"{k}={v}" for params in feature_params.values() for k, v in sorted(params.items()))
    paths = [CACHE / f"{name}_{part}.npy" for part in ("Xtr", "Xva", "ytr", "yva")]
    if all(p.exists() for p in paths):
        return tuple(np.load(p) for p in paths)
    data = cifar10_train_images()
    if data is None:
        return None
    X, y, _ = data
    X_train, X_val, y_train, y_val = cifar10_fixed_split(X, y)
    params = {k: dict(v) for k, v in (feature_params or {}).items()}
    if "bovw" in spec:
        params.setdefault("bovw", {}).setdefault("random_state", 0)
    step = pipeline.feature_step(spec, params)
    F_train, F_val = step.fit_transform(X_train, y_train), step.transform(X_val)
    scaler = StandardScaler().fit(F_train)
    arrays = (scaler.transform(F_train).astype(np.float32),
              scaler.transform(F_val).astype(np.float32), y_train, y_val)
    CACHE.mkdir(parents=True, exist_ok=True)
    for path, array in zip(paths, arrays):
        tmp = path.with_suffix(".tmp.npy")
        np.save(tmp, array)
        tmp.replace(path)                   # atomically: no half-written cache
    return arrays
