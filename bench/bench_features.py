"""Batched features against per-image loops of the reference implementations.

On 10,000 images of ../shared/data/cifar10/train (generated 32x32 images when
absent), in one process with one thread each: images/s of features.HOG
against a loop of skimage.feature.hog with identical settings, and the largest
difference of their outputs; the same for ColorHistogram against a per-image
loop of skimage.color.rgb2hsv and np.histogram.  Then both on two cores: ours
with n_jobs=2 (threads: NumPy releases the GIL) against the loop split in two
halves on two worker processes (joblib's loky backend; the loop holds the GIL,
so threads would not help it: its best two-core form).  And the peak memory of
HOG over 50,000 images (tracemalloc, which sees NumPy's allocations).
Medians of alternated repeats; library versions printed.

Run: python bench/bench_features.py [--n 10000] [--repeats 3] [--only SECTION ...]
(sections: hog-colour, hog-gray, color, two-cores, memory; all by default).
"""

import argparse
import tracemalloc
from functools import partial

import numpy as np
import skimage
from common import cifar10_train_images, machine_line, median_times, summary
from joblib import Parallel, delayed
from skimage.color import rgb2gray, rgb2hsv
from skimage.feature import hog as skimage_hog

from features import color_histogram, hog

SECTIONS = ["hog-colour", "hog-gray", "color", "two-cores", "memory"]
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


def on_two_processes(loop, images):
    """The peer's loop split in two halves on two worker processes (its best 2-core form).

    The loop holds the GIL, so two threads run it no faster than one; loky's
    workers are reused between calls (the first, warm-up call starts them),
    and large arrays reach them memory-mapped.
    """
    parts = Parallel(n_jobs=2, backend="loky")(
        delayed(loop)(part) for part in np.array_split(images, 2))
    return np.concatenate(parts)


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
    parser.add_argument("--only", nargs="+", choices=SECTIONS, default=SECTIONS,
                        help="the sections to run (all by default)")
    args = parser.parse_args()
    only = set(args.only)
    all_images, source = load(args.n)
    images = all_images[:args.n]
    gray = (rgb2gray(images) * 255).round().astype(np.uint8)
    print(machine_line())
    print(f"scikit-image {skimage.__version__}; one thread each unless said (ours: n_jobs=1, "
          "no BLAS in these kernels)")
    print(f"data: {args.n} {source}; HOG {HOG_SETTINGS}; medians of {args.repeats} "
          "alternated repeats\n\nwhat | ours | peer | ratio", flush=True)
    if "hog-colour" in only:
        compare("HOG colour (max-gradient channel) vs skimage.feature.hog loop",
                lambda: hog(images, **HOG_SETTINGS), lambda: hog_loop(images),
                args.n, args.repeats)
    if "hog-gray" in only:
        compare("HOG grayscale vs skimage.feature.hog loop",
                lambda: hog(gray, **HOG_SETTINGS), lambda: hog_loop(gray),
                args.n, args.repeats)
    if "color" in only:
        compare("ColorHistogram hue 10 bins vs rgb2hsv + np.histogram loop",
                lambda: color_histogram(images), lambda: color_loop(images, "hue", 10),
                args.n, args.repeats)
        compare("ColorHistogram joint HSV 8x8x8 vs rgb2hsv + np.histogramdd loop",
                lambda: color_histogram(images, mode="joint", bins=8),
                lambda: color_loop(images, "joint", 8), args.n, args.repeats)
    if "two-cores" in only:
        on_two_processes(hog_loop, images[:4])                   # start the workers
        compare("HOG colour, 2 cores each (n_jobs=2 threads vs the loop on 2 processes)",
                lambda: hog(images, **HOG_SETTINGS, n_jobs=2),
                lambda: on_two_processes(hog_loop, images), args.n, args.repeats)
        compare("ColorHistogram hue 10 bins, 2 cores each (threads vs 2 processes)",
                lambda: color_histogram(images, n_jobs=2),
                lambda: on_two_processes(partial(color_loop, mode="hue", bins=10), images),
                args.n, args.repeats)
    if "memory" not in only:
        return
    big = all_images[:50000]
    peak, output = peak_memory_hog(big)
    summary(f"HOG peak memory over {len(big)} images (input "
                         f"{big.nbytes / 2**20:.0f} MiB not counted)",
                         f"{peak / 2**20:.1f} MiB peak", f"output {output / 2**20:.1f} MiB",
                         f"working memory {(peak - output) / 2**20:.1f} MiB beyond the output")


if __name__ == "__main__":
    main()
