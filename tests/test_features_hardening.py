"""Bad settings and bad image batches get clear errors before any work (issue 7).

One test per error path, each asserting that the message names what was
wrong; the rows of the issue are marked.
"""

import re

import numpy as np
import pytest
from sklearn.utils._param_validation import InvalidParameterError

from features import HOG, ColorHistogram, RawPixels, color_histogram, hog, hog_image

RNG = np.random.default_rng(7)
COLOR = RNG.integers(0, 256, (5, 16, 16, 3), dtype=np.uint8)
GRAY = RNG.integers(0, 256, (5, 16, 16), dtype=np.uint8)
ESTIMATORS = [HOG, ColorHistogram, RawPixels]


class PixelsMustNotBeRead:
    """Images whose pixels fail the test if anything converts them to an array."""

    shape = (5, 16, 16, 3)

    def __array__(self, *args, **kwargs):
        raise AssertionError("the pixels were read before the settings were checked")


# ------------------------------------------------------------------ row 2: chunk_size, n_jobs
@pytest.mark.parametrize("chunk_size", [-1, 0, 2.5, True, "8", None, np.float64(4)])
@pytest.mark.parametrize("function", [hog, color_histogram])
def test_chunk_size_must_be_a_positive_int(function, chunk_size):
    # -1 returned the uninitialised np.empty output; 0 a bare "range() arg 3"
    with pytest.raises(ValueError, match=r"'chunk_size' parameter of \w+ must be"):
        function(COLOR, chunk_size=chunk_size)


@pytest.mark.parametrize("n_jobs", [0, 1.5, True, "2", [2]])
@pytest.mark.parametrize("function", [hog, color_histogram])
def test_n_jobs_must_be_a_nonzero_int(function, n_jobs):
    with pytest.raises(ValueError, match=r"'n_jobs' parameter of \w+ must be"):
        function(COLOR, n_jobs=n_jobs)


@pytest.mark.parametrize("n_jobs", [None, -2, np.int64(2)])
def test_n_jobs_as_joblib_reads_it(n_jobs):
    np.testing.assert_array_equal(hog(COLOR, chunk_size=2, n_jobs=n_jobs), hog(COLOR))
    np.testing.assert_array_equal(color_histogram(COLOR, chunk_size=2, n_jobs=n_jobs),
                                  color_histogram(COLOR))


@pytest.mark.parametrize("Estimator", [HOG, ColorHistogram])
def test_estimators_refuse_bad_chunking_at_fit(Estimator):
    with pytest.raises(InvalidParameterError, match=f"'chunk_size' parameter of "
                                                    f"{Estimator.__name__}.*Got -1"):
        Estimator(chunk_size=-1).fit(COLOR)
    with pytest.raises(InvalidParameterError, match="'n_jobs' parameter"):
        Estimator(n_jobs=0).fit(COLOR)


# ------------------------------------------------------------------ row 6: dtype
@pytest.mark.parametrize("Estimator", ESTIMATORS)
@pytest.mark.parametrize("dtype", [np.float16, np.int32, np.uint8, "int64", np.complex64,
                                   None, "float16", object, 32])
def test_only_float32_and_float64_are_accepted(Estimator, dtype):
    # float16 gave 100% NaN HOG; int32 all-zero histograms
    with pytest.raises(InvalidParameterError,
                       match=rf"'dtype' parameter of {Estimator.__name__} must be np.float32 "
                             r"or np.float64"):
        Estimator(dtype=dtype).fit(COLOR)


@pytest.mark.parametrize("function", [hog, color_histogram])
def test_functions_refuse_other_dtypes(function):
    with pytest.raises(InvalidParameterError, match=r"'dtype' parameter of \w+ must be"):
        function(COLOR, dtype=np.float16)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@pytest.mark.parametrize("dtype,expected", [(np.float64, np.float64), ("float32", np.float32),
                                            (np.dtype("float64"), np.float64),
                                            (float, np.float64)])
def test_float_dtypes_in_any_spelling(Estimator, dtype, expected):
    assert Estimator(dtype=dtype).fit_transform(COLOR).dtype == expected


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_every_parameter_has_a_constraint(Estimator):
    assert set(Estimator._parameter_constraints) == set(Estimator().get_params())


# ------------------------------------------------------------------ the sweep: settings
@pytest.mark.parametrize("settings,message", [
    ({"orientations": True}, r"'orientations' parameter of HOG must be a number, not a bool"),
    ({"orientations": 2.0}, r"'orientations' parameter of HOG must be an int"),
    ({"orientations": -3}, r"'orientations' parameter of HOG must be an int in the range"),
    ({"pixels_per_cell": 8}, r"'pixels_per_cell' parameter of HOG must be a pair of ints >= 1"
                             r", such as \(8, 8\). Got 8 instead"),
    ({"pixels_per_cell": (8,)}, r"'pixels_per_cell' parameter of HOG must be a pair of ints"),
    ({"pixels_per_cell": (8, 8, 8)}, r"'pixels_per_cell' .* must be a pair of ints"),
    ({"pixels_per_cell": (8.0, 8)}, r"'pixels_per_cell' .* must be a pair of ints .*8\.0"),
    ({"pixels_per_cell": (True, 8)}, r"'pixels_per_cell' .* must be a pair of ints"),
    ({"cells_per_block": ("2", "2")}, r"'cells_per_block' .* must be a pair of ints"),
    ({"cells_per_block": (2, -1)}, r"'cells_per_block' .* must be a pair of ints >= 1"),
    ({"transform_sqrt": "no"}, r"'transform_sqrt' parameter of HOG must be True or False"),
    ({"transform_sqrt": 1}, r"'transform_sqrt' parameter"),
    ({"block_norm": "l2"}, r"'block_norm' parameter of HOG must be a str among"),
    ({"color_mode": None}, r"'color_mode' parameter of HOG must be a str among"),
    ({"image_shape": (16.5, 16, 3)}, r"'image_shape' parameter of HOG must be a tuple \(H, W\) "
                                     r"or \(H, W, C\) of positive ints or None. Got "
                                     r"\(16.5, 16, 3\)"),
    ({"image_shape": "16x16"}, r"'image_shape' parameter of HOG must be"),
    ({"image_shape": (16,)}, r"'image_shape' parameter of HOG must be a tuple"),
    ({"image_shape": (16, 16, True)}, r"'image_shape' parameter of HOG must be a tuple"),
])
def test_hog_settings(settings, message):
    with pytest.raises(InvalidParameterError, match=message):
        HOG(**settings).fit(COLOR)


@pytest.mark.parametrize("settings,message", [
    ({"bins": True}, r"'bins' parameter of ColorHistogram must be a number, not a bool"),
    ({"bins": 0}, r"'bins' parameter of ColorHistogram must be an int in the range \[1, inf\), "
                  r"an instance of 'tuple' or an instance of 'list'. Got 0"),
    ({"bins": (True,)}, r"'bins' parameter of ColorHistogram must be an int >= 1 or, for "
                        r"mode='hue', one int"),
    ({"mode": "joint", "bins": (4, 4, 4.5)}, r"'bins' .* three ints >= 1. Got \(4, 4, 4.5\)"),
    ({"mode": "marginal", "bins": "8"}, r"'bins' parameter of ColorHistogram must be"),
    ({"mode": "HUE"}, r"'mode' parameter of ColorHistogram must be a str among"),
    ({"color_space": "lab"}, r"'color_space' parameter of ColorHistogram must be a str among"),
    ({"grid": 2}, r"'grid' parameter of ColorHistogram must be a pair of ints >= 1"),
    ({"grid": (2, 2, 2)}, r"'grid' parameter of ColorHistogram must be a pair of ints"),
    ({"grid": (0, 2)}, r"'grid' parameter of ColorHistogram must be a pair of ints >= 1"),
    ({"power": True}, r"'power' parameter of ColorHistogram must be a number, not a bool"),
    ({"power": np.inf}, r"'power' parameter of ColorHistogram must be a float in the range "
                        r"\(0.0, inf\). Got inf"),
    ({"power": np.nan}, r"'power' parameter .* Got nan"),
    ({"power": -0.5}, r"'power' parameter .* Got -0.5"),
    ({"power": "0.5"}, r"'power' parameter .* Got '0.5'"),
])
def test_color_histogram_settings(settings, message):
    with pytest.raises(InvalidParameterError, match=message):
        ColorHistogram(**settings).fit(COLOR)


@pytest.mark.parametrize("settings,message", [
    ({"pixels_per_cell": (0, 8)}, r"'pixels_per_cell' parameter of hog_image must be a pair"),
    ({"orientations": 0}, r"'orientations' parameter of hog_image"),
    ({"transform_sqrt": "yes"}, r"'transform_sqrt' parameter of hog_image"),
    ({"color_mode": "gray"}, r"'color_mode' parameter of hog_image"),
])
def test_hog_image_settings(settings, message):
    with pytest.raises(InvalidParameterError, match=message):
        hog_image(COLOR[0], **settings)


@pytest.mark.parametrize("make", [
    lambda images: hog(images, chunk_size=0),
    lambda images: color_histogram(images, dtype=np.int32),
    lambda images: HOG(orientations=0).fit(images),
    lambda images: ColorHistogram(grid=(1, 1, 1)).fit(images),
    lambda images: RawPixels(dtype=np.float16).fit(images),
])
def test_settings_are_checked_before_any_pixel_is_read(make):
    with pytest.raises(InvalidParameterError):
        make(PixelsMustNotBeRead())


@pytest.mark.parametrize("Estimator,bad,message", [
    (HOG, {"chunk_size": -1}, "'chunk_size' parameter of HOG"),
    (HOG, {"pixels_per_cell": (64, 64)}, "too small for pixels_per_cell=(64, 64)"),
    (ColorHistogram, {"dtype": np.int32}, "'dtype' parameter of ColorHistogram"),
    (ColorHistogram, {"grid": (40, 1)}, "grid=(40, 1) has more cells than"),
    (RawPixels, {"dtype": np.float16}, "'dtype' parameter of RawPixels"),
])
def test_settings_changed_after_fit_are_checked_by_transform(Estimator, bad, message):
    # transform reads the settings, so a set_params after fit must not slip through
    est = Estimator().fit(COLOR).set_params(**bad)
    with pytest.raises(ValueError, match=re.escape(message)):
        est.transform(COLOR)


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


def test_bag_of_words_reads_16_bit_as_its_8_bit_copy_and_takes_rgba():
    from features import BagOfVisualWords

    settings = dict(n_words=4, patch_size=4, n_patches=200, kmeans_max_iter=3, random_state=0)
    expected = BagOfVisualWords(**settings).fit_transform(COLOR)
    wide = COLOR.astype(np.uint16) * 257                   # the same image in 16 bits
    np.testing.assert_array_equal(BagOfVisualWords(**settings).fit_transform(wide), expected)
    np.testing.assert_array_equal(BagOfVisualWords(**settings).fit_transform(COLOR / 255.0),
                                  expected)
    rgba = np.concatenate([COLOR, COLOR[..., :1]], axis=-1)
    bovw = BagOfVisualWords(**settings).fit(rgba)
    assert bovw.transform(rgba).shape == expected.shape
    with pytest.raises(ValueError, match=r"fitted on images of shape \(16, 16, 4\)"):
        bovw.transform(COLOR)
