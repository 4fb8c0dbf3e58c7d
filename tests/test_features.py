import pickle

import numpy as np
import pytest
from _expected_failures import EXPECTED_FAILURES, NEGATIVE
from skimage import data as skdata
from skimage.color import rgb2gray, rgb2hsv
from skimage.feature import hog as skimage_hog
from skimage.util import img_as_float
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from classifiers import LinearSVM
from features import HOG, ColorHistogram, RawPixels, color_histogram, hog, hog_image

BLOCK_NORMS = ["L1", "L1-sqrt", "L2", "L2-Hys"]
RNG = np.random.default_rng(0)
RANDOM_COLOR = RNG.integers(0, 256, (6, 37, 29, 3), dtype=np.uint8)     # sides not /8
RANDOM_FLOAT = RNG.random((4, 40, 35))


def natural_images():
    """uint8 photographs of scikit-image: two colour, two grayscale, odd crops."""
    return {"astronaut": skdata.astronaut()[:100, :130], "coffee": skdata.coffee()[:90, :70],
            "camera": skdata.camera()[:123, :200], "moon": skdata.moon()[:64, :77]}


# ------------------------------------------------------------------ HOG vs skimage
@pytest.mark.parametrize("block_norm", BLOCK_NORMS)
@pytest.mark.parametrize("name", ["astronaut", "coffee", "camera", "moon"])
def test_hog_equals_skimage_on_natural_images(name, block_norm):
    image = natural_images()[name]
    colour = {"channel_axis": -1} if image.ndim == 3 else {}
    ours = hog(image[None], block_norm=block_norm)[0]
    ref = skimage_hog(image, block_norm=block_norm, cells_per_block=(2, 2), **colour)
    # float32 output against skimage's float64: measured 1.9e-7 at most, a few
    # float32 ulps of values up to 1
    np.testing.assert_allclose(ours, ref, atol=3e-7)


@pytest.mark.parametrize("block_norm", BLOCK_NORMS)
@pytest.mark.parametrize("settings", [
    {}, {"transform_sqrt": True}, {"orientations": 12, "pixels_per_cell": (6, 5)},
    {"cells_per_block": (3, 3), "pixels_per_cell": (4, 4)}, {"orientations": 8},
])
def test_hog_equals_skimage_on_random_images(block_norm, settings):
    for images, colour in ((RANDOM_COLOR, {"channel_axis": -1}), (RANDOM_FLOAT, {})):
        ours = hog(images, block_norm=block_norm, **{"cells_per_block": (2, 2), **settings})
        # float images are used as they are, as skimage uses them
        ref = np.stack([skimage_hog(im, block_norm=block_norm,
                                    **{"cells_per_block": (2, 2), **settings}, **colour)
                        for im in images])
        np.testing.assert_allclose(ours, ref, atol=3e-7)          # measured 1.1e-7


def test_hog_float64_option_is_float64():
    assert hog(RANDOM_FLOAT, dtype=np.float64).dtype == np.float64
    assert hog(RANDOM_FLOAT).dtype == np.float32


def test_hog_grayscale_mode_equals_skimage_on_converted_image():
    image = skdata.astronaut()[:64, :96]
    ours = hog(image[None], color_mode="grayscale")[0]
    ref = skimage_hog(rgb2gray(image) * 255, cells_per_block=(2, 2))
    np.testing.assert_allclose(ours, ref, atol=1e-4)


def test_hog_length_follows_the_formula():
    images = RNG.integers(0, 256, (3, 32, 32, 3), dtype=np.uint8)
    assert hog(images).shape == (3, 3 * 3 * 2 * 2 * 9) == (3, 324)
    assert hog(images, block_norm=None).shape == (3, 4 * 4 * 9)
    assert hog(images, cells_per_block=(3, 3)).shape == (3, 2 * 2 * 3 * 3 * 9)


def test_hog_uses_the_values_as_they_are_in_every_dtype():
    expected = hog(RANDOM_COLOR)
    for dtype in (np.float32, np.float64, np.uint16, np.int64):
        np.testing.assert_array_equal(hog(RANDOM_COLOR.astype(dtype)), expected)
    # 1/255 of the values: the same up to the weight of the 1e-5 eps, as in skimage
    np.testing.assert_allclose(hog(RANDOM_COLOR / 255.0), expected, atol=2e-4)
    assert not np.array_equal(hog(RANDOM_COLOR / 255.0), expected)


def test_hog_rotation_by_90_degrees_permutes_orientation_bins():
    # Rotating the image turns every gradient by 90 degrees: with 8 bins of
    # 22.5 degrees that is a shift of 4 bins, and the cell grid rotates too.
    image = natural_images()["camera"][:64, :64]
    cells = hog(image[None], orientations=8, block_norm=None).reshape(8, 8, 8)
    rotated = hog(np.rot90(image)[None], orientations=8, block_norm=None).reshape(8, 8, 8)
    # np.rot90 turns counter-clockwise: cell (r, c) goes to (7 - c, r). The
    # border rows/columns of gradients are zero on different sides, so compare
    # the interior cells.
    expected = np.roll(np.rot90(cells), 4, axis=2)
    np.testing.assert_allclose(rotated[1:-1, 1:-1], expected[1:-1, 1:-1], rtol=1e-5, atol=1e-3)


def test_hog_constant_image_gives_zeros_not_nan():
    for norm in BLOCK_NORMS + [None]:
        out = hog(np.full((2, 16, 16, 3), 128, np.uint8), block_norm=norm)
        assert np.isfinite(out).all() and not out.any()


def test_hog_chunking_does_not_change_the_result():
    np.testing.assert_array_equal(hog(RANDOM_COLOR, chunk_size=1), hog(RANDOM_COLOR))


def test_hog_image_matches_skimage_visualisation():
    image = natural_images()["camera"][:64, :80]
    _, ref = skimage_hog(image, cells_per_block=(2, 2), visualize=True)
    ours = hog_image(image)
    assert ours.shape == (64, 80)
    np.testing.assert_allclose(ours, ref, rtol=1e-5, atol=1e-3)
    batch = hog_image(np.stack([image, image]))
    assert batch.shape == (2, 64, 80)


def test_hog_image_covers_pixels_beyond_the_last_whole_cell():
    image = natural_images()["camera"][:35, :43]
    _, ref = skimage_hog(image, cells_per_block=(1, 1), visualize=True)
    ours = hog_image(image)
    assert ours.shape == ref.shape == (35, 43)
    np.testing.assert_allclose(ours, ref, rtol=1e-5, atol=1e-3)
    assert not ours[32:].any() and not ours[:, 40:].any()


def _any_image_a_user_has():
    """Batches skimage's hog takes and this library once refused, with skimage's settings."""
    colour = natural_images()["astronaut"][:40, :48]
    gray = natural_images()["camera"][:40, :48].astype(np.float64)
    alpha = RNG.integers(0, 256, (40, 48), dtype=np.uint8)
    return {
        "float 0..100": ((gray / 2.55)[None], {}),
        "negative floats": ((gray - gray.mean())[None], {}),
        "bool": ((gray > 100)[None], {}),
        "uint16 16-bit": ((gray * 257).astype(np.uint16)[None], {}),
        "int64 above 255": ((gray * 3).astype(np.int64)[None], {}),
        "gray + alpha": (np.stack([colour[..., 0], alpha], -1)[None], {"channel_axis": -1}),
        "RGBA": (np.dstack([colour, alpha])[None], {"channel_axis": -1}),
        "float RGB outside 0..1": ((colour * 4.0 - 200)[None], {"channel_axis": -1}),
    }


@pytest.mark.parametrize("block_norm", ["L1", "L2-Hys"])
@pytest.mark.parametrize("kind", list(_any_image_a_user_has()))
def test_hog_equals_skimage_on_any_image_a_user_has(kind, block_norm):
    images, colour = _any_image_a_user_has()[kind]
    ours = hog(images, block_norm=block_norm, cells_per_block=(2, 2), dtype=np.float64)
    ref = skimage_hog(images[0], block_norm=block_norm, cells_per_block=(2, 2), **colour)
    np.testing.assert_allclose(ours[0], ref, atol=1e-7)
    # float32 (the default) within a few float32 ulps of values up to 1
    np.testing.assert_allclose(hog(images, block_norm=block_norm, cells_per_block=(2, 2))[0],
                               ref, atol=3e-6)


def test_grayscale_mode_reads_gray_alpha_as_gray_and_rgba_as_rgb():
    images = RNG.integers(0, 256, (3, 16, 16, 4), dtype=np.uint8)
    np.testing.assert_array_equal(hog(images[..., :2], color_mode="grayscale"),
                                  hog(images[..., 0]))
    np.testing.assert_array_equal(hog(images, color_mode="grayscale"),
                                  hog(images[..., :3], color_mode="grayscale"))


def test_colour_histograms_read_any_channel_count_as_rgb():
    rgba = RNG.integers(0, 256, (3, 16, 16, 4), dtype=np.uint8)
    gray = rgba[..., 0]
    for mode in ("hue", "marginal", "joint"):
        expected = color_histogram(rgba[..., :3], mode=mode)
        np.testing.assert_array_equal(color_histogram(rgba, mode=mode), expected)
        as_rgb = color_histogram(np.repeat(gray[..., None], 3, axis=-1), mode=mode)
        np.testing.assert_array_equal(color_histogram(gray, mode=mode), as_rgb)
        np.testing.assert_array_equal(color_histogram(rgba[..., :2], mode=mode), as_rgb)
    # 16-bit values scaled as skimage.util.img_as_float scales them
    wide = (rgba[..., :3].astype(np.uint16) * 257)
    np.testing.assert_array_equal(
        color_histogram(wide, mode="marginal", color_space="rgb"),
        color_histogram(rgba[..., :3], mode="marginal", color_space="rgb"))
    image = rgba[0, ..., :3]
    np.testing.assert_allclose(color_histogram(wide[:1])[0],
                               reference_histogram(image, "hue", 10, "hsv"), atol=1e-7)


def test_raw_pixels_scale_each_dtype_by_its_nominal_range():
    wide = RNG.integers(0, 65536, (2, 4, 5, 4), dtype=np.uint16)
    np.testing.assert_allclose(RawPixels().fit_transform(wide), wide.reshape(2, -1) / 65535,
                               rtol=1e-6)
    flags = wide > 30000
    np.testing.assert_array_equal(RawPixels().fit_transform(flags), flags.reshape(2, -1))
    negative = wide / 65535.0 - 0.5
    np.testing.assert_allclose(RawPixels().fit_transform(negative), negative.reshape(2, -1),
                               rtol=1e-6)


# ------------------------------------------------------------------ colour histograms
def reference_histogram(image, mode, bins, space):
    """The per-image loop: scikit-image's colour conversion, numpy's histograms."""
    x = rgb2hsv(image) if space == "hsv" else image / 255.0
    edges = np.linspace(0, 1, bins + 1)
    if mode == "hue":
        return np.histogram(x[..., 0], edges)[0] / x[..., 0].size
    if mode == "marginal":
        return np.concatenate([np.histogram(x[..., c], edges)[0] / x[..., 0].size
                               for c in range(3)])
    return np.histogramdd(x.reshape(-1, 3), [edges] * 3)[0].ravel() / x[..., 0].size


@pytest.mark.parametrize("mode,bins,space", [("hue", 10, "hsv"), ("marginal", 8, "hsv"),
                                             ("joint", 8, "hsv"), ("marginal", 16, "rgb"),
                                             ("joint", 4, "rgb")])
def test_color_histogram_equals_per_image_loop(mode, bins, space):
    images = np.concatenate([RANDOM_COLOR, skdata.astronaut()[None, :37, :29]])
    ours = color_histogram(images, mode=mode, bins=bins, color_space=space)
    ref = np.stack([reference_histogram(im, mode, bins, space) for im in images])
    np.testing.assert_array_equal(ours, ref.astype(np.float32))


@pytest.mark.parametrize("mode,bins", [("hue", 10), ("marginal", 8), ("joint", 8)])
def test_float_path_equals_uint8_path_and_loop(mode, bins):
    # uint8 images take the 1-byte fast path; the same images as floats (scaled
    # as skimage scales them) take the float64 path: both equal the loop.
    images = np.concatenate([RANDOM_COLOR[:, :16, :16],
                             (RNG.integers(0, 4, (4, 16, 16, 3)) * 85).astype(np.uint8)])
    from_uint8 = color_histogram(images, mode=mode, bins=bins)
    from_float = color_histogram(img_as_float(images), mode=mode, bins=bins)
    ref = np.stack([reference_histogram(im, mode, bins, "hsv") for im in images])
    np.testing.assert_array_equal(from_uint8, ref.astype(np.float32))
    np.testing.assert_array_equal(from_float, from_uint8)


def test_color_histograms_sum_to_one():
    images = RANDOM_COLOR
    assert np.allclose(color_histogram(images).sum(axis=1), 1)
    marginal = color_histogram(images, mode="marginal", bins=(4, 5, 6))
    assert marginal.shape == (6, 15)
    for part in np.split(marginal, [4, 9], axis=1):
        np.testing.assert_allclose(part.sum(axis=1), 1, rtol=1e-6)
    joint = color_histogram(images, mode="joint", bins=4, grid=(2, 3))
    np.testing.assert_allclose(joint.reshape(6, 6, 64).sum(axis=2), 1, rtol=1e-6)


@pytest.mark.parametrize("rgb,hue_bin,rgb_code", [
    ((255, 0, 0), 0, (3, 0, 0)), ((0, 255, 0), 3, (0, 3, 0)), ((0, 0, 255), 6, (0, 0, 3)),
    ((255, 255, 0), 1, (3, 3, 0)), ((0, 0, 0), 0, (0, 0, 0)), ((128, 128, 128), 0, (2, 2, 2)),
])
def test_pure_colours_land_in_expected_bins(rgb, hue_bin, rgb_code):
    image = np.empty((1, 5, 5, 3), np.uint8)
    image[...] = rgb
    hue = color_histogram(image)[0]                 # hue 0, 1/6, 1/3, 2/3 -> bins of 0.1
    assert hue[hue_bin] == 1 and hue.sum() == 1
    joint = color_histogram(image, mode="joint", bins=4, color_space="rgb")[0]
    assert joint[np.ravel_multi_index(rgb_code, (4, 4, 4))] == 1


def test_color_grid_cells_see_their_own_part():
    image = np.zeros((1, 4, 6, 3), np.uint8)
    image[:, :, :3, 0] = 255                        # left half red (hue 0)
    image[:, :, 3:, 2] = 255                        # right half blue (hue 2/3)
    out = color_histogram(image, grid=(1, 2)).reshape(2, 10)
    assert out[0, 0] == 1 and out[1, 6] == 1


# ------------------------------------------------------------------ raw pixels
def test_raw_pixels_flatten_and_scale():
    images = RNG.integers(0, 256, (3, 4, 5, 3), dtype=np.uint8)
    out = RawPixels().fit_transform(images)
    assert out.shape == (3, 60) and out.dtype == np.float32
    np.testing.assert_allclose(out, images.reshape(3, -1) / 255, rtol=1e-6)
    flat = RawPixels(image_shape=(4, 5, 3)).fit_transform(images.reshape(3, -1))
    np.testing.assert_array_equal(flat, out)
    np.testing.assert_array_equal(RawPixels().fit_transform(images / 255.0), out)


# ------------------------------------------------------------------ input convention
@pytest.mark.parametrize("X,kwargs,message", [
    (np.zeros((2, 48)), {}, r"2-D array of shape \(2, 48\).*image_shape"),
    (np.zeros((2, 48)), {"image_shape": (4, 5, 3)}, r"image_shape=\(4, 5, 3\) means 60 values"),
    (np.zeros((2, 4, 4, 5)), {}, r"images have 5 channels .* expected 1, 2, 3, 4"),
    (np.full((2, 8, 8), np.nan), {}, "contain NaN or infinity"),
    (np.zeros((0, 8, 8)), {}, "empty array"),
    (np.zeros((2, 8, 8, 3, 1)), {}, r"got an array of shape \(2, 8, 8, 3, 1\)"),
    (np.array([["a"]]), {}, "dtype <U1"),
    (np.zeros((2, 8, 8)) + 0j, {}, "Complex data not supported"),
    (np.zeros((2, 8, 8, 3)), {"image_shape": (8, 8)},
     r"images of shape \(8, 8, 3\) but image_shape"),
])
@pytest.mark.parametrize("transformer", [HOG, RawPixels])
def test_bad_images_get_clear_errors(transformer, X, kwargs, message):
    with pytest.raises(ValueError, match=message):
        transformer(**kwargs).fit(X)


@pytest.mark.parametrize("X,message", [
    (np.full((2, 8, 8, 3), 2.0), r"float64 images must be in 0..1 here, got values up to 2; "
                                 r"8-bit values as floats\? divide them by 255"),
    (np.full((2, 8, 8, 3), 1 + 1e-7), r"got values up to 1.0000001"),
    (np.full((2, 8, 8), -0.5), r"Negative values in data \(minimum -0.5\)"),
    (np.full((2, 8, 8, 3), 4095), r"int64 images must be in 0..255 here, got values up to "
                                  r"4095; 16-bit values\? pass them as uint16"),
])
def test_colour_histograms_refuse_values_outside_the_nominal_range(X, message):
    for fit in (lambda: ColorHistogram().fit(X), lambda: color_histogram(X)):
        with pytest.raises(ValueError, match=message):
            fit()


def test_sparse_is_refused():
    from scipy import sparse
    with pytest.raises(TypeError, match="sparse input is not supported"):
        HOG().fit(sparse.csr_matrix(np.zeros((2, 64))))


@pytest.mark.parametrize("make,message", [
    (lambda: HOG(block_norm="L3"), r"'block_norm' parameter of HOG must be a str among .*'L3'"),
    (lambda: HOG(pixels_per_cell=(0, 8)),
     r"'pixels_per_cell' parameter of HOG must be a pair of ints >= 1"),
    (lambda: HOG(orientations=0), r"'orientations' parameter of HOG must be an int in the "
                                  r"range \[1, inf\). Got 0"),
    (lambda: HOG(color_mode="red"), r"'color_mode' parameter of HOG must be a str among"),
    (lambda: HOG(pixels_per_cell=(16, 16)), r"too small .* at least 32 rows and 32 columns"),
    (lambda: ColorHistogram(mode="hue", color_space="rgb"), "mode='hue' needs color_space='hsv'"),
    (lambda: ColorHistogram(mode="joint", bins=(4, 4)), "three ints"),
    (lambda: ColorHistogram(grid=(20, 1)), "more cells than"),
])
def test_bad_parameters_are_reported_at_fit(make, message):
    with pytest.raises(ValueError, match=message):
        make().fit(np.zeros((2, 16, 16, 3), np.uint8))


def test_transform_refuses_another_image_shape():
    hog_ = HOG().fit(np.zeros((2, 16, 16, 3), np.uint8))
    with pytest.raises(ValueError, match=r"fitted on images of shape \(16, 16, 3\).*\(24, 16, 3\)"):
        hog_.transform(np.zeros((2, 24, 16, 3), np.uint8))


# ------------------------------------------------------------------ transformer contract
TRANSFORMERS = [HOG(), HOG(block_norm=None, color_mode="grayscale"), ColorHistogram(),
                ColorHistogram(mode="joint", bins=4, grid=(2, 2)), RawPixels()]
IMAGES = RNG.integers(0, 256, (12, 16, 24, 3), dtype=np.uint8)


@pytest.mark.parametrize("transformer", TRANSFORMERS, ids=repr)
def test_transformer_contract_on_images(transformer, tmp_path):
    """The scikit-learn contract, checked with images instead of tabular data."""
    est = clone(transformer)
    assert est.fit(IMAGES) is est                            # fit returns self
    out = est.transform(IMAGES)
    assert out.dtype == np.float32 and np.isfinite(out).all()
    names = est.get_feature_names_out()
    assert len(names) == out.shape[1] == len(set(names))
    state = dict(est.__dict__)
    est.transform(IMAGES)
    assert est.__dict__.keys() == state.keys()                # transform changes nothing
    np.testing.assert_array_equal(clone(transformer).fit_transform(IMAGES), out)  # idempotent
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(est)).transform(IMAGES), out)
    order = RNG.permutation(len(IMAGES))
    np.testing.assert_array_equal(est.transform(IMAGES[order]), out[order])
    np.testing.assert_array_equal(est.transform(IMAGES[3:5]), out[3:5])
    np.testing.assert_array_equal(est.transform(np.asfortranarray(IMAGES)), out)
    np.testing.assert_array_equal(est.transform(IMAGES.tolist()), out)
    np.save(tmp_path / "images.npy", IMAGES)
    readonly = np.load(tmp_path / "images.npy", mmap_mode="r")
    np.testing.assert_array_equal(est.transform(readonly), out)
    # float input scaled the way skimage.util.img_as_float scales uint8 (a
    # colour exactly on a hue edge would fall elsewhere if scaled otherwise);
    # HOG uses the values as they are, as skimage's hog does
    floats = IMAGES.astype(float) if isinstance(est, HOG) else img_as_float(IMAGES)
    np.testing.assert_allclose(est.transform(floats), out, rtol=1e-5, atol=1e-6)
    flat = clone(transformer).set_params(image_shape=IMAGES.shape[1:])
    np.testing.assert_array_equal(flat.fit_transform(IMAGES.reshape(12, -1)), out)


def test_not_fitted_and_set_output():
    from sklearn.exceptions import NotFittedError
    with pytest.raises(NotFittedError):
        HOG().transform(IMAGES)
    frame = HOG(block_norm=None).set_output(transform="pandas").fit_transform(IMAGES)
    assert list(frame.columns[:2]) == ["hog_r0_c0_o0", "hog_r0_c0_o1"]
    assert frame.shape == (12, 2 * 3 * 9)


def test_feature_union_pipeline_in_grid_search():
    rng = np.random.default_rng(1)
    # two classes: bright-red blobs versus dark-blue stripes
    red = rng.integers(0, 60, (20, 16, 16, 3), dtype=np.uint8)
    red[..., 0] += 190
    blue = rng.integers(0, 60, (20, 16, 16, 3), dtype=np.uint8)
    blue[:, ::4, :, 2] = 250
    X = np.concatenate([red, blue])
    y = np.array(["red"] * 20 + ["blue"] * 20)
    pipe = Pipeline([("features", FeatureUnion([("hog", HOG()), ("color", ColorHistogram())])),
                     ("scale", StandardScaler()),
                     ("svm", LinearSVM(max_iter=30, tol=None, random_state=0))])
    search = GridSearchCV(pipe, {"svm__alpha": [1e-3, 1e-1]}, cv=2, n_jobs=2).fit(X, y)
    assert search.score(X, y) == 1.0
    names = search.best_estimator_[:-2].get_feature_names_out()
    assert names[0].startswith("hog__hog_b0_0") and names[-1] == "color__color_r0_c0_h9"


# ------------------------------------------------------------------ scikit-learn checks
@parametrize_with_checks([HOG(), ColorHistogram(), RawPixels()],
                         expected_failed_checks=lambda est: (
                             EXPECTED_FAILURES if isinstance(est, ColorHistogram)
                             else {**EXPECTED_FAILURES, **NEGATIVE}))
def test_sklearn_checks(estimator, check):
    check(estimator)


def test_power_maps_histograms_and_is_validated():
    plain = color_histogram(RANDOM_COLOR, mode="joint", bins=4)
    np.testing.assert_allclose(color_histogram(RANDOM_COLOR, mode="joint", bins=4, power=0.5),
                               np.sqrt(plain), rtol=1e-6)
    with pytest.raises(ValueError, match=r"'power' parameter of ColorHistogram must be a "
                                         r"float in the range \(0.0, inf\)"):
        ColorHistogram(power=0).fit(RANDOM_COLOR)


@pytest.mark.parametrize("n_jobs", [2, -1])
def test_threads_give_the_same_features(n_jobs):
    np.testing.assert_array_equal(hog(RANDOM_COLOR, chunk_size=2, n_jobs=n_jobs),
                                  hog(RANDOM_COLOR))
    np.testing.assert_array_equal(
        color_histogram(RANDOM_COLOR, mode="marginal", chunk_size=2, n_jobs=n_jobs),
        color_histogram(RANDOM_COLOR, mode="marginal"))
    with pytest.raises(ValueError, match=r"'n_jobs' parameter of hog must be an int"):
        hog(RANDOM_COLOR, n_jobs=0)


def _near_tie():
    """Gradients (a, b) and (c, d) of 8-bit channels whose squared magnitudes differ by 1."""
    squares = {a * a + b * b: (a, b) for a in range(256) for b in range(a + 1)}
    for total in sorted(squares, reverse=True):
        if total - 1 in squares:
            return squares[total - 1], squares[total]
    raise AssertionError("no near tie")


def test_hog_colour_choice_is_exact_on_8_bit_near_ties():
    # Squared magnitudes ~1.3e5 that differ by 1 (within 1e-5 relative):
    # skimage's argmax takes the larger, in the second channel.
    (a, b), (c, d) = _near_tie()
    image = np.zeros((16, 16, 3), np.uint8)
    image[6, 5, 0], image[5, 6, 0] = a, b        # pixel (5, 5): channel 0 gives (a, b)
    image[6, 5, 1], image[5, 6, 1] = c, d        # channel 1 gives (c, d), one larger
    ours = hog(image[None], block_norm="L1", cells_per_block=(1, 1))[0]
    ref = skimage_hog(image, block_norm="L1", cells_per_block=(1, 1), channel_axis=-1)
    np.testing.assert_allclose(ours, ref, atol=1e-6)
