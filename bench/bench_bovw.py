"""BagOfVisualWords: throughput against a bare matrix product, CIFAR-10 accuracy, peak memory.

Sections (``--sections``, comma-separated; all by default):

* ``throughput``: ``transform`` of ``--n`` CIFAR-10 images (1600 words, stride
  1) against a bare float32 product of the same shape, all their patches
  times the dictionary (``n * 729`` x 110 times 110 x 1600 for the triangle
  code; twice as many patch rows with ``mirror=True``, which encodes the
  mirror image too), chunked into a reused buffer as any implementation must
  be.  The peer is timed two ways, BLAS on every core with 32 images a
  product, and one BLAS thread per core with one image a product (as ours),
  and the faster counts.  Alternated, median of ``--repeats``.  Goal: ratio <= 2.
* ``accuracy``: on the 45,000 / 5,000 split, BagOfVisualWords (defaults
  unless ``--configs`` says otherwise) fitted on the training images; all
  50,000 transformed; ``StandardScaler``; our ``LinearSVM(loss='squared_hinge',
  optimizer='lbfgs')`` along a decreasing ``--alphas`` grid with warm start,
  ``--max-iter`` iterations each.  Prints the validation accuracy for each
  alpha and the end-to-end time (dictionary, features, training; not the
  JPEG decoding), and the peak memory of the 50,000-image transform.  Goal:
  >= 0.75 in <= 10 minutes on 2 cores.
* ``memory``: peak memory (tracemalloc, which sees NumPy's allocations) of
  ``transform`` on 50,000 images, beyond its output.

Run: python bench/bench_bovw.py [--sections throughput,accuracy,memory] [--n 2000]
     [--repeats 3] [--configs default,nomirror,hard,400,4000] [--n-train 45000]
     [--alphas 1e-1,3e-2] [--max-iter 300] [--train-threads 2]

A quick run: --sections accuracy --n-train 5000 --max-iter 30
"""

import argparse
import os
import statistics
import time
import tracemalloc
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from common import cifar10_fixed_split, cifar10_train_images, machine_line, summary
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from classifiers import LinearSVM
from features import BagOfVisualWords
from features.patches import extract_patches

CONFIGS = {
    "default": {},
    "nomirror": {"mirror": False},
    "paper": {"mirror": False, "power": 1.0, "whiten_eps": 0.1, "kmeans": "lloyd",
              "kmeans_max_iter": 50},
    "hard": {"encoding": "hard"},
    "soft": {"encoding": "soft_threshold"},
    "400": {"n_words": 400},
    "4000": {"n_words": 4000},
}


def load():
    data = cifar10_train_images()
    if data is None:
        raise SystemExit("bench_bovw needs ../shared/data/cifar10/train (the CIFAR-10 JPEGs).")
    return data[0], data[1]


def load_average():
    try:
        return "load average %.1f %.1f %.1f" % os.getloadavg()
    except OSError:
        return "load average unknown"


# ------------------------------------------------------------------ throughput
CHUNK = 32          # images per product of the peer, as ours takes them


def bare_product(block, words, n_blocks):
    """``n_blocks`` products of one chunk of patches with the words, into a reused buffer.

    The values do not change a GEMM's speed, so one real chunk of patches
    stands for all of them (and the peer needs no memory for all patches).
    """
    out = np.empty((block.shape[0], words.shape[1]), np.float32)
    for _ in range(n_blocks):
        np.matmul(block, words, out=out)


def bare_product_threads(block, words, n_blocks, n_threads):
    """The same products shared by ``n_threads`` workers with one BLAS thread each.

    Called with one image's patches as the block, the way ours works, which
    keeps the output in cache."""
    shares = [len(part) for part in np.array_split(np.arange(n_blocks), n_threads)]
    with threadpool_limits(limits=1, user_api="blas"), ThreadPoolExecutor(n_threads) as pool:
        list(pool.map(lambda share: bare_product(block, words, share), shares))


def throughput(X, n, repeats):
    n = n - n % CHUNK
    images = X[:n]
    print(f"\n# throughput: {n} CIFAR-10 images, 1600 words, stride 1, medians of {repeats} "
          f"alternated repeats ({load_average()})\nwhat | ours | peer | ratio", flush=True)
    lines = []
    for encoding, mirror in (("triangle", True), ("triangle", False), ("hard", False),
                             ("soft_threshold", False)):
        bovw = BagOfVisualWords(encoding=encoding, mirror=mirror, n_patches=100_000,
                                kmeans="minibatch", kmeans_max_iter=3, random_state=0)
        bovw.fit(X[:10000])
        # the peer's operands: real patches, augmented by as many columns as
        # ours (|x|^2 and 1 for the triangle, 1 for hard), and the words
        d = 108 + {"triangle": 2, "hard": 1}.get(encoding, 0)
        block = np.ones((CHUNK * 729, d), np.float32)
        block[:, :108] = extract_patches(images[:CHUNK], 6).reshape(-1, 108)
        words = np.ones((d, 1600), np.float32)
        words[:108] = bovw.dictionary_.T
        n_products = n * (2 if mirror else 1)        # image-sized products
        fns = {"ours": lambda: bovw.transform(images),
               "peer_blas": lambda: bare_product(block, words, n_products // CHUNK),
               "peer_threads": lambda: bare_product_threads(block[:729], words, n_products,
                                                            os.cpu_count() or 1)}
        times = {name: [] for name in fns}
        for _ in range(repeats):
            for name, fn in fns.items():
                tic = time.perf_counter()
                fn()
                times[name].append(time.perf_counter() - tic)
        med = {name: statistics.median(ts) for name, ts in times.items()}
        peer = min(med["peer_blas"], med["peer_threads"])
        how = (f"BLAS threads, {CHUNK} images a product" if med["peer_blas"] <= med["peer_threads"]
               else "1 BLAS thread per core, 1 image a product")
        other = max(med["peer_blas"], med["peer_threads"])
        lines.append(summary(
            f"transform ({encoding}, mirror={mirror}) vs bare float32 GEMM "
            f"({n_products * 729} x {d}) @ ({d} x 1600)",
            f"{n / med['ours']:,.0f} img/s",
            f"{n / peer:,.0f} img/s ({how}; the other way {n / other:,.0f})",
            f"{med['ours'] / peer:.2f}x the GEMM time (goal <= 2)"))
    return lines


# ------------------------------------------------------------------ accuracy
def train_grid(F_train, y_train, F_val, y_val, alphas, max_iter):
    """LinearSVM along a decreasing alpha grid, warm-started: ``{alpha: accuracy}``."""
    svm = LinearSVM(loss="squared_hinge", optimizer="lbfgs", max_iter=max_iter,
                    warm_start=True, random_state=0)
    scores = {}
    for alpha in sorted(alphas, reverse=True):
        tic = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            svm.set_params(alpha=alpha).fit(F_train, y_train)
        scores[alpha] = svm.score(F_val, y_val)
        print(f"  alpha {alpha:g}: validation {scores[alpha]:.4f} ({svm.n_iter_} iterations, "
              f"{time.perf_counter() - tic:.0f} s)", flush=True)
    return scores


def accuracy(X, y, config, args):
    X_train, X_val, y_train, y_val = cifar10_fixed_split(X, y)
    X_train, y_train = X_train[:args.n_train], y_train[:args.n_train]
    bovw = BagOfVisualWords(random_state=0, **CONFIGS[config])
    print(f"\n# accuracy, {config}: {bovw!r}, {len(X_train)} training images, "
          f"{len(X_val)} validation ({load_average()})", flush=True)
    tic = time.perf_counter()
    bovw.fit(X_train)
    t_fit = time.perf_counter() - tic
    X_all = np.concatenate([X_train, X_val])
    tic_features = time.perf_counter()
    tracemalloc.start()
    F = bovw.transform(X_all)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    t_features = time.perf_counter() - tic_features
    print(f"  dictionary {t_fit:.0f} s; features of {len(F)} images {t_features:.0f} s "
          f"({len(F) / t_features:.0f} img/s), peak memory {peak / 2**20:.0f} MiB (output "
          f"{F.nbytes / 2**20:.0f} MiB)", flush=True)
    F_train, F_val = F[:len(X_train)], F[len(X_train):]
    scaler = StandardScaler(copy=False).fit(F_train)
    F_train, F_val = scaler.transform(F_train), scaler.transform(F_val)
    with threadpool_limits(limits=args.train_threads, user_api="blas"):
        scores = train_grid(F_train, y_train, F_val, y_val, args.alphas, args.max_iter)
    total = time.perf_counter() - tic
    best = max(scores, key=scores.get)
    return summary(
        f"{config}: {bovw.n_words} words, {bovw.encoding}, {bovw.pooling}, power "
        f"{bovw.power}, mirror {bovw.mirror}, {len(X_train)} training images",
        f"validation {scores[best]:.4f} (alpha {best:g}, picked on the same split)",
        "goal >= 0.75 in <= 10 min",
        f"end to end {total / 60:.1f} min (dictionary {t_fit:.0f} s, features "
        f"{t_features:.0f} s, training {total - t_fit - t_features:.0f} s)")


# ------------------------------------------------------------------ memory
def memory(X):
    images = np.concatenate([X] * -(-50000 // len(X)))[:50000]
    bovw = BagOfVisualWords(n_patches=100_000, kmeans="minibatch", kmeans_max_iter=3,
                            random_state=0).fit(X[:10000])
    tracemalloc.start()
    out = bovw.transform(images)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return summary(f"peak memory of transform on {len(images)} images (1600 words, "
                   f"{os.cpu_count()} workers; input {images.nbytes / 2**20:.0f} MiB not counted)",
                   f"{peak / 2**20:.0f} MiB peak", f"output {out.nbytes / 2**20:.0f} MiB",
                   f"{(peak - out.nbytes) / 2**20:.0f} MiB working memory beyond the output")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sections", default="throughput,accuracy,memory")
    parser.add_argument("--n", type=int, default=2000, help="images for the throughput")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--configs", default="default",
                        help=f"comma-separated, of {sorted(CONFIGS)}")
    parser.add_argument("--n-train", type=int, default=45000)
    parser.add_argument("--alphas", default="1e-1,3e-2")
    parser.add_argument("--max-iter", type=int, default=300,
                        help="L-BFGS iterations per alpha")
    parser.add_argument("--train-threads", type=int, default=os.cpu_count() or 1,
                        help="BLAS threads while training (every core by default; 1 is "
                             "faster when other processes share the cores)")
    args = parser.parse_args()
    args.alphas = [float(a) for a in args.alphas.split(",")]
    sections = args.sections.split(",")
    X, y = load()
    print(machine_line())
    lines = []
    if "throughput" in sections:
        lines += throughput(X, args.n, args.repeats)
    if "accuracy" in sections:
        for config in args.configs.split(","):
            lines.append(accuracy(X, y, config, args))
    if "memory" in sections:
        print(f"\n# memory ({load_average()})")
        lines.append(memory(X))
    print("\n# summary\nwhat | ours | peer | ratio")
    for line in lines:
        print(line)


if __name__ == "__main__":
    main()
