"""images.py: image batches are checked once, with a hint for the usual layout mistakes."""

import numpy as np
import pytest
from _helpers import COLOR, ESTIMATORS, RNG

from features import HOG, RawPixels, color_histogram, hog


@pytest.mark.parametrize("n_jobs", [None, -2, np.int64(2)])
def test_n_jobs_as_joblib_reads_it(n_jobs):
    np.testing.assert_array_equal(hog(COLOR, chunk_size=2, n_jobs=n_jobs), hog(COLOR))
    np.testing.assert_array_equal(color_histogram(COLOR, chunk_size=2, n_jobs=n_jobs),
                                  color_histogram(COLOR))


# ------------------------------------------------------------------ judgement call: one image
@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_a_single_colour_image_is_refused_with_a_hint(Estimator):
    # RawPixels flattened it silently to (32, 96): 32 "images" of 32x3 pixels
    image = RNG.integers(0, 256, (32, 32, 3), dtype=np.uint8)
    with pytest.raises(ValueError, match=r"shape \(32, 32, 3\), which looks like one colour "
                                         r"image .* pass X\[None\]"):
        Estimator().fit(image)
    assert Estimator().fit_transform(image[None]).shape[0] == 1


@pytest.mark.parametrize("function", [hog, color_histogram])
def test_functions_refuse_a_single_image_too(function):
    with pytest.raises(ValueError, match=r"looks like one colour image"):
        function(COLOR[0])


def test_narrow_grayscale_images_pass_with_image_shape():
    narrow = RNG.integers(0, 256, (6, 10, 3), dtype=np.uint8)   # 6 images of 10x3 pixels
    with pytest.raises(ValueError, match=r"pass image_shape=\(10, 3\)"):
        RawPixels().fit(narrow)
    out = RawPixels(image_shape=(10, 3)).fit_transform(narrow)
    np.testing.assert_allclose(out, narrow.reshape(6, 30) / 255, rtol=1e-6)
    # square grayscale images whose side is 3 or 4 are no single image: accepted
    assert RawPixels().fit_transform(np.zeros((5, 4, 4), np.uint8)).shape == (5, 16)


@pytest.mark.parametrize("X,message", [
    (np.zeros((2, 3, 16, 16), np.uint8), r"channels-first images\? pass np.moveaxis\(X, 1, -1\)"),
    (np.zeros((2, 4, 16, 16), np.uint8), r"channels-first images\? pass np.moveaxis\(X, 1, -1\)"),
    (np.zeros((16, 16), np.uint8), r"For a single grayscale image pass X\[None\]"),
])
def test_common_layout_mistakes_get_a_hint(X, message):
    with pytest.raises(ValueError, match=message):
        HOG().fit(X)


# ------------------------------------------------------------------ the sweep: image batches
@pytest.mark.parametrize("X,message", [
    (None, r"got NoneType None"),
    (3, r"got int 3"),
    ((image for image in COLOR), r"got generator"),
    ([np.zeros((16, 16), np.uint8)] * 2 + [np.zeros((8, 8), np.uint8)],
     r"cannot stack the images into one array: image 0 has shape \(16, 16\) but image 2 has "
     r"shape \(8, 8\); a batch holds images of one size"),
    ([np.zeros((16, 16, 3), np.uint8), np.zeros((16, 16), np.uint8)],
     r"image 0 has shape \(16, 16, 3\) but image 1 has shape \(16, 16\)"),
])
def test_bad_batches_get_clear_errors(X, message):
    for fit in (lambda: HOG().fit(X), lambda: hog(X)):
        with pytest.raises(ValueError, match=message):
            fit()
