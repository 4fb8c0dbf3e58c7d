"""Plain helpers shared by several test files: image data, folders of images, runs.

Fixtures live in conftest.py; the loop-by-loop oracles of the losses in naive.py.
"""

import pickle

import numpy as np
from hypothesis import strategies as st
from PIL import Image

import pipeline
from features import HOG, ColorHistogram, RawPixels

#: Image batches for the settings and input checks of the extractors.  RNG goes on
#: being drawn from by test_images.py, after COLOR and GRAY.
RNG = np.random.default_rng(7)
COLOR = RNG.integers(0, 256, (5, 16, 16, 3), dtype=np.uint8)
GRAY = RNG.integers(0, 256, (5, 16, 16), dtype=np.uint8)

ESTIMATORS = [HOG, ColorHistogram, RawPixels]

#: The quick settings of a command-line run.
QUICK = ["--features", "hog", "--alphas", "1e-2", "--cv", "2", "--max-iter", "30", "--quiet"]


def shapes_and_colours(n_per_class=30, size=24, seed=0):
    """Three classes told apart by shape and, less reliably, colour.

    0: a disc, 1: a horizontal bar, 2: a vertical bar, at random places on a
    noisy background of random brightness; 60% take their class's colour (red,
    green, blue), the rest a random one of the three.  Edges find the shapes
    wherever they are; raw pixels cannot, so features beat raw pixels.
    """
    rng = np.random.default_rng(seed)
    images, labels = [], []
    rows, cols = np.mgrid[:size, :size]
    colours = np.array([(220, 40, 40), (40, 200, 60), (50, 60, 220)])
    for label in range(3):
        for _ in range(n_per_class):
            image = rng.integers(60, 200) + rng.integers(-20, 20, (size, size, 3))
            r, c = rng.integers(5, size - 5, 2)
            if label == 0:
                mask = (rows - r) ** 2 + (cols - c) ** 2 <= rng.integers(9, 20)
            elif label == 1:
                mask = (abs(rows - r) <= 1) & (abs(cols - c) <= rng.integers(4, 6))
            else:
                mask = (abs(cols - c) <= 1) & (abs(rows - r) <= rng.integers(4, 6))
            colour = colours[label] if rng.random() < 0.6 else colours[rng.integers(3)]
            image[mask] = colour + rng.integers(-30, 30, 3)
            images.append(np.clip(image, 0, 255).astype(np.uint8))
            labels.append(label)
    return np.stack(images), np.array(labels)


def write_folder(root, images, labels, names=("disc", "hbar", "vbar")):
    for i, (image, label) in enumerate(zip(images, labels)):
        folder = root / names[label]
        folder.mkdir(parents=True, exist_ok=True)
        Image.fromarray(image).save(folder / f"{i:04d}.png")
    return root


def _folder(root, counts, size=16):
    """An image folder with ``counts[k]`` images of class ``c{k}``."""
    rng = np.random.default_rng(0)
    for k, count in enumerate(counts):
        (root / f"c{k}").mkdir(parents=True)
        for i in range(count):
            Image.fromarray(rng.integers(0, 256, (size, size, 3), dtype=np.uint8)).save(
                root / f"c{k}" / f"{i}.png")
    return root


def write_cifar_python(folder, n_per_batch=4):
    """A miniature of the official python version, in the same format."""
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    batches = {}
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        images = rng.integers(0, 256, (n_per_batch, 32, 32, 3), dtype=np.uint8)
        labels = rng.integers(0, 10, n_per_batch).tolist()
        rows = images.transpose(0, 3, 1, 2).reshape(n_per_batch, 3072)  # R plane, G, B
        with open(folder / name, "wb") as f:
            pickle.dump({b"data": rows, b"labels": labels, b"batch_label": name.encode()}, f)
        batches[name] = (images, labels)
    names = [b"airplane", b"automobile", b"bird", b"cat", b"deer", b"dog", b"frog",
             b"horse", b"ship", b"truck"]
    with open(folder / "batches.meta", "wb") as f:
        pickle.dump({b"label_names": names, b"num_vis": 3072}, f)
    return batches


class PixelsMustNotBeRead:
    """Images whose pixels fail the test if anything converts them to an array."""

    shape = (5, 16, 16, 3)

    def __array__(self, *args, **kwargs):
        raise AssertionError("the pixels were read before the settings were checked")


def _run(argv):
    """The exit code of the command line, returned or raised (argparse's usage errors)."""
    try:
        return pipeline.main(argv)
    except SystemExit as exit_info:
        return exit_info.code


def _dead_pid():
    import subprocess
    import sys
    return int(subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                              capture_output=True, text=True, check=True).stdout)


@st.composite
def image_batches(draw, channels=(1, 3)):
    n = draw(st.integers(1, 4))
    h, w = draw(st.integers(8, 40)), draw(st.integers(8, 40))
    c = draw(st.sampled_from(channels))
    shape = (n, h, w) if c == 1 else (n, h, w, c)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    if draw(st.booleans()):
        return rng.integers(0, 256, shape, dtype=np.uint8)
    images = rng.random(shape)
    if draw(st.booleans()):                       # flat regions and saturated pixels
        images[..., : w // 2] = draw(st.sampled_from([0.0, 1.0, 0.5]))
    return images
