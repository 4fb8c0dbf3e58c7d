"""Batched features against per-image loops of the reference implementations.

On 10,000 images of ../shared/data/cifar10/train (generated 32x32 images when
absent), in one process with the same threads: images/s of features.HOG
against a loop of skimage.feature.hog with identical settings, and the largest
difference of their outputs; the same for ColorHistogram against a per-image
loop of skimage.color.rgb2hsv and np.histogram; then both sides on two threads
(n_jobs=2 against the loop split in halves on a thread pool), and ours on two
threads against the one-thread loop; and the peak memory of HOG over 50,000
images (tracemalloc, which sees NumPy's allocations).

Run: python bench/bench_features.py [--n 10000] [--repeats 3]
"""

import argparse
import tracemalloc
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from skimage.color import rgb2gray, rgb2hsv
from skimage.feature import hog as skimage_hog

from common import cifar10_train_images, machine_line, median_times, summary

from features import color_histogram, hog

HOG_SETTINGS = dict(orientations=9, pixels_per_cell=(8, 8), cells_per_block=(2, 2),
                    block_norm="L2-Hys")


def load(n):
    data = cifar10_train_images()
    if data is not None:
        return data[0], "CIFAR-10 training images (JPEG-decoded, 32x32x3 uint8)"
    rng = np.random.default_rng(0)
    return (rng.integers(0, 256, (max(n, 50000), 32, 32, 3), dtype=np.uint8),
            "generated 32x32x3 uint8 images (../shared/data absent)")


def hog_loop(images):
    colour = {"channel_axis": -1} if images.ndim == 4 else {}
    return np.stack([skimage_hog(im, **HOG_SETTINGS, **colour) for im in images])


def color_loop(images, mode, bins):
    edges = np.linspace(0, 1, bins + 1)
    rows = []
    for im in images:
        hsv = rgb2hsv(im)
        if mode == "hue":
            rows.append(np.histogram(hsv[..., 0], edges)[0] / hsv[..., 0].size)
        else:
            rows.append(np.histogramdd(hsv.reshape(-1, 3), [edges] * 3)[0].ravel()
                        / hsv[..., 0].size)
    return np.stack(rows)


def on_two_threads(loop, images):
    """The peer's loop split in two halves on two threads (its fair 2-core form)."""
    with ThreadPoolExecutor(2) as pool:
        return np.concatenate(list(pool.map(loop, np.array_split(images, 2))))


def compare(what, ours, peer, n, repeats):
    """Time both (alternated, median), check outputs; print the summary line."""
    times = median_times({"ours": ours, "peer": peer}, repeats)
    diff = float(np.abs(ours() - peer()).max())
    return summary(what, f"{n / times['ours']:,.0f} img/s", f"{n / times['peer']:,.0f} img/s",
                   f"{times['peer'] / times['ours']:.1f}x, max |diff| {diff:.1e}")


def peak_memory_hog(images):
    """Peak bytes allocated during hog(images), and the size of its output."""
    tracemalloc.start()
    out = hog(images)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak, out.nbytes


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    all_images, source = load(args.n)
    images = all_images[:args.n]
    gray = (rgb2gray(images) * 255).round().astype(np.uint8)
    print(machine_line())
    print(f"data: {args.n} {source}; HOG {HOG_SETTINGS}; medians of {args.repeats} "
          "alternated repeats\n\nwhat | ours | peer | ratio", flush=True)
    lines = [
        compare("HOG colour (max-gradient channel) vs skimage.feature.hog loop",
                lambda: hog(images, **HOG_SETTINGS), lambda: hog_loop(images),
                args.n, args.repeats),
        compare("HOG grayscale vs skimage.feature.hog loop",
                lambda: hog(gray, **HOG_SETTINGS), lambda: hog_loop(gray),
                args.n, args.repeats),
        compare("ColorHistogram hue 10 bins vs rgb2hsv + np.histogram loop",
                lambda: color_histogram(images), lambda: color_loop(images, "hue", 10),
                args.n, args.repeats),
        compare("ColorHistogram joint HSV 8x8x8 vs rgb2hsv + np.histogramdd loop",
                lambda: color_histogram(images, mode="joint", bins=8),
                lambda: color_loop(images, "joint", 8), args.n, args.repeats),
    ]
    lines += [
        compare("HOG colour, 2 threads each (n_jobs=2 vs the loop split on 2 threads)",
                lambda: hog(images, **HOG_SETTINGS, n_jobs=2),
                lambda: on_two_threads(hog_loop, images), args.n, args.repeats),
        compare("ColorHistogram hue 10 bins, 2 threads each",
                lambda: color_histogram(images, n_jobs=2),
                lambda: on_two_threads(lambda part: color_loop(part, "hue", 10), images),
                args.n, args.repeats),
        compare("ColorHistogram hue 10 bins, ours on 2 threads vs the 1-thread loop",
                lambda: color_histogram(images, n_jobs=2),
                lambda: color_loop(images, "hue", 10), args.n, args.repeats),
        compare("HOG colour, ours on 2 threads vs the 1-thread loop",
                lambda: hog(images, **HOG_SETTINGS, n_jobs=2), lambda: hog_loop(images),
                args.n, args.repeats),
    ]
    big = all_images[:50000]
    peak, output = peak_memory_hog(big)
    lines.append(summary(f"HOG peak memory over {len(big)} images (input "
                         f"{big.nbytes / 2**20:.0f} MiB not counted)",
                         f"{peak / 2**20:.1f} MiB peak", f"output {output / 2**20:.1f} MiB",
                         f"working memory {(peak - output) / 2**20:.1f} MiB beyond the output"))


if __name__ == "__main__":
    main()
