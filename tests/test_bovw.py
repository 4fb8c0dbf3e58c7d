"""BagOfVisualWords: the batched encoder against a per-patch loop, its invariants and errors."""

import pickle

import numpy as np
import pytest
from _expected_failures import BOVW_EXPECTED_FAILURES
from _helpers import COLOR
from sklearn.base import clone
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from classifiers import LinearSVM
from features import BagOfVisualWords
from features.encoding import Pooling, encode_images, region_bounds
from features.patches import (
    extract_patches,
    fit_zca,
    normalize_patches,
    patch_grid,
    sample_patches,
    tile_patches,
)

RNG = np.random.default_rng(0)
IMAGES = RNG.integers(0, 256, (12, 14, 13, 3), dtype=np.uint8)
SMALL = dict(n_words=6, patch_size=4, n_patches=600, kmeans_max_iter=5, random_state=0)


def naive_bovw(images, dictionary, patch_size, stride, mean, whitening, eps, encoding,
               threshold, levels, nearest_gaps=None):
    """Patch by patch in float64: the recipe of Coates, Lee & Ng written out plainly.

    ``nearest_gaps``, a list, receives each patch's relative gap between its
    nearest and second-nearest word (a near tie would make the hard code
    depend on rounding).
    """
    images = np.asarray(images, np.float64)
    if images.ndim == 3:
        images = images[..., None]
    rows, cols = patch_grid(images.shape[1:3], patch_size, stride)
    words = dictionary.astype(np.float64)
    unit = words / np.linalg.norm(words, axis=1, keepdims=True)
    features = []
    for image in images:
        codes = np.zeros((rows, cols, len(words)))
        for r in range(rows):
            for c in range(cols):
                x = image[r * stride:r * stride + patch_size,
                          c * stride:c * stride + patch_size].ravel()
                if eps is not None:
                    x = (x - x.mean()) / np.sqrt(x.var(ddof=1) + eps)
                if whitening is not None:
                    x = (x - mean) @ whitening
                distances = np.sqrt(((x - words) ** 2).sum(axis=1))
                if nearest_gaps is not None:
                    first, second = np.sort(distances)[:2]
                    nearest_gaps.append((second - first) / second)
                if encoding == "triangle":
                    codes[r, c] = np.maximum(0, distances.mean() - distances)
                elif encoding == "hard":
                    codes[r, c, np.argmin(distances)] = 1
                else:
                    codes[r, c] = np.maximum(0, unit @ x - threshold)
        pooled = []
        for g in levels:
            row_edges, col_edges = region_bounds(rows, g), region_bounds(cols, g)
            for i in range(g):
                for j in range(g):
                    pooled.append(codes[row_edges[i]:row_edges[i + 1],
                                        col_edges[j]:col_edges[j + 1]].sum(axis=(0, 1)))
        features.append(np.concatenate(pooled))
    return np.array(features)


def toy_model(images, patch_size=4, n_words=7, eps=0.1):
    """Whitening from the images' patches and words that are no training patch."""
    patches = normalize_patches(sample_patches(images, 2000, patch_size,
                                               np.random.RandomState(0)))
    mean, whitening, _ = fit_zca(patches, eps)
    white = (patches - mean) @ whitening
    # averages of two patches: no patch sits exactly on a word, where the
    # |x|^2 - 2 x.c + |c|^2 expansion loses its digits to cancellation
    return mean, whitening, (white[:n_words] + white[n_words:2 * n_words]) / 2


# ------------------------------------------------------------------ the encoder
@pytest.mark.parametrize("encoding", ["triangle", "hard", "soft_threshold"])
@pytest.mark.parametrize("levels,stride", [((2,), 1), ((1, 2, 4), 1), ((3, 2), 2), ((1,), 3)])
def test_encoder_equals_the_per_patch_loop(encoding, levels, stride):
    images = IMAGES[:4]
    mean, whitening, words = toy_model(images)
    ours = encode_images(images, words, patch_size=4, stride=stride, patch_mean=mean,
                         whitening=whitening, encoding=encoding, levels=levels,
                         chunk_size=3, n_jobs=2)
    gaps = []
    ref = naive_bovw(images, words, 4, stride, mean, whitening, 10.0, encoding, 0.25, levels,
                     gaps)
    assert ours.dtype == np.float32 and ours.shape == ref.shape
    if encoding == "hard":
        # Exact equality is well posed only without near ties: float32 products
        # (rounded differently by every BLAS kernel) move distances by ~1e-6.
        assert min(gaps) > 1e-4
        np.testing.assert_array_equal(ours, ref)
    else:
        np.testing.assert_allclose(ours, ref, rtol=1e-4, atol=1e-4 * np.abs(ref).max())


def test_encoder_without_normalisation_or_whitening_and_grayscale():
    images = RNG.integers(0, 256, (3, 9, 10), dtype=np.uint8)
    words = RNG.normal(128, 40, (5, 9)).astype(np.float32)
    ours = encode_images(images, words, patch_size=3, normalize_eps=None, levels=(2,))
    ref = naive_bovw(images, words, 3, 1, None, None, None, "triangle", 0, (2,))
    np.testing.assert_allclose(ours, ref, rtol=1e-4, atol=1e-3)


def test_extract_patches_is_im2col():
    images = RNG.integers(0, 256, (2, 7, 9, 3), dtype=np.uint8)
    patches = extract_patches(images, 3, stride=2)
    assert patches.shape == (2, 3, 4, 27) and patches.dtype == np.float32
    np.testing.assert_array_equal(patches[1, 2, 3], images[1, 4:7, 6:9].ravel())
    np.testing.assert_array_equal(extract_patches(images / 255.0, 3, stride=2), patches)


def test_sampled_patches_are_the_extracted_ones():
    # the dictionary is learnt from sample_patches and applied to
    # extract_patches: both must lay a patch out the same way
    images = RNG.integers(0, 256, (2, 6, 7, 3), dtype=np.uint8)
    every = sample_patches(images, 1000, 3, np.random.RandomState(0))     # all 40 of them
    np.testing.assert_array_equal(every, extract_patches(images, 3).reshape(-1, 27))
    some = sample_patches(images, 5, 3, np.random.RandomState(0))
    assert some.shape == (5, 27) and all((every == row).all(axis=1).any() for row in some)


def test_quadrants_split_as_coates_does():
    # MATLAB's round(27 / 2) = 14: rows 1..14 and 15..27
    assert region_bounds(27, 2) == [0, 14, 27]
    pooling = Pooling((27, 27), (1, 2, 4))
    assert pooling.n_regions == 21 and pooling.n_atoms == (4, 4)
    assert pooling.region_sizes[0] == 27 * 27
    assert list(pooling.region_sizes[1:5]) == [14 * 14, 14 * 13, 13 * 14, 13 * 13]


# ------------------------------------------------------------------ fitted transformer
@pytest.mark.parametrize("pooling,n_regions,last", [
    ("quadrants", 4, "bovw_g2_r1_c1_w5"), ("global", 1, "bovw_g1_r0_c0_w5"),
    ((1, 2), 5, "bovw_g2_r1_c1_w5"), ([1, 2, 3], 14, "bovw_g3_r2_c2_w5")])
def test_shapes_and_names(pooling, n_regions, last):
    bovw = BagOfVisualWords(**SMALL, pooling=pooling).fit(IMAGES)
    out = bovw.transform(IMAGES)
    assert out.shape == (12, 6 * n_regions) and out.dtype == np.float32
    assert np.isfinite(out).all()
    names = bovw.get_feature_names_out()
    assert len(names) == out.shape[1] == len(set(names))
    assert names[0].endswith("_r0_c0_w0") and names[-1] == last
    assert bovw.dictionary_.shape == (6, 4 * 4 * 3) and bovw.patch_shape_ == (4, 4, 3)


def test_hard_counts_sum_to_the_patches_of_each_region():
    bovw = BagOfVisualWords(**SMALL, encoding="hard", pooling=(1, 2, 3), power=1,
                            mirror=False).fit(IMAGES)
    counts = bovw.transform(IMAGES).reshape(12, 1 + 4 + 9, 6)
    rows, cols = patch_grid((14, 13), 4)                      # 11 x 10 positions
    assert (counts == np.round(counts)).all()
    np.testing.assert_array_equal(counts[:, 0].sum(axis=1), rows * cols)
    quadrants = counts[:, 1:5].sum(axis=2)
    np.testing.assert_array_equal(quadrants, np.broadcast_to([6 * 5, 6 * 5, 5 * 5, 5 * 5],
                                                              (12, 4)))
    thirds = counts[:, 5:].sum(axis=2)
    np.testing.assert_array_equal(thirds.sum(axis=1), rows * cols)


@pytest.mark.parametrize("encoding", ["triangle", "soft_threshold"])
def test_inactive_words_pool_to_exact_zeros(encoding):
    # sum(mu) - sum(min(z, mu)) must cancel exactly, not to -1e-4, where no
    # patch is closer than average; on real images that is most features
    images = RNG.integers(0, 256, (6, 32, 32, 3), dtype=np.uint8)
    mean, whitening, words = toy_model(images, patch_size=6, n_words=30)
    far = np.vstack([words, np.full((1, 108), 50.0, np.float32)])    # a word far from all
    out = encode_images(images, far, patch_size=6, patch_mean=mean, whitening=whitening,
                        encoding=encoding, threshold=0.1 + 1e-7, levels=(1, 2, 3))
    out = out.reshape(6, 14, 31)
    assert (out >= 0).all() and (out[:, :, -1] == 0).all() and (out[:, :, :-1] > 0).any()


def test_zca_makes_the_covariance_the_identity():
    # correlated data: whitened with a tiny eps, the covariance is the identity
    mixing = RNG.normal(size=(5, 5))
    data = (RNG.normal(size=(20000, 5)) @ mixing).astype(np.float32)
    mean, whitening, coloring = fit_zca(data, eps=1e-6)
    white = (data - mean) @ whitening
    np.testing.assert_allclose(np.cov(white, rowvar=False), np.eye(5), atol=1e-3)
    np.testing.assert_allclose(whitening, whitening.T, atol=1e-6)
    np.testing.assert_allclose(coloring @ whitening, np.eye(5), atol=1e-3)
    # normalised patches have zero mean, so the constant direction has no variance
    # left: their whitened covariance is the identity on its complement
    patches = normalize_patches(sample_patches(IMAGES, 5000, 3, np.random.RandomState(0)))
    mean, whitening, _ = fit_zca(patches, eps=1e-4)
    white = (patches - mean) @ whitening
    d = patches.shape[1]
    np.testing.assert_allclose(np.cov(white, rowvar=False), np.eye(d) - 1 / d, atol=0.02)


def test_fit_whitens_the_training_patches():
    bovw = BagOfVisualWords(**SMALL, whiten_eps=1e-3).fit(IMAGES)
    patches = normalize_patches(sample_patches(IMAGES, 600, 4, np.random.RandomState(0)))
    mean, whitening, _ = fit_zca(patches, 1e-3)
    np.testing.assert_array_equal(bovw.patch_mean_, mean)
    np.testing.assert_array_equal(bovw.whitening_, whitening)
    white = (patches - mean) @ whitening
    d = patches.shape[1]
    np.testing.assert_allclose(np.cov(white, rowvar=False), np.eye(d) - 1 / d, atol=0.05)


def test_normalised_patches_have_zero_mean_and_unit_contrast():
    patches = RNG.uniform(0, 255, (50, 27)).astype(np.float32)
    out = normalize_patches(patches.copy(), eps=0)
    np.testing.assert_allclose(out.mean(axis=1), 0, atol=1e-5)
    np.testing.assert_allclose(out.var(axis=1, ddof=1), 1, rtol=1e-5)
    flat = normalize_patches(np.full((1, 27), 77, np.float32))
    assert (flat == 0).all()


@pytest.mark.parametrize("encoding", ["triangle", "hard", "soft_threshold"])
def test_chunked_and_threaded_equal_unchunked(encoding):
    bovw = BagOfVisualWords(**SMALL, encoding=encoding, pooling=(1, 2)).fit(IMAGES)
    whole = bovw.set_params(chunk_size=100, n_jobs=1).transform(IMAGES)
    for chunk_size, n_jobs in ((1, 1), (5, 2), (3, -1)):
        np.testing.assert_array_equal(
            bovw.set_params(chunk_size=chunk_size, n_jobs=n_jobs).transform(IMAGES), whole)


@pytest.mark.parametrize("encoding", ["triangle", "hard", "soft_threshold"])
def test_mirror_adds_the_codes_of_the_mirror_image(encoding):
    bovw = BagOfVisualWords(**SMALL, encoding=encoding, pooling=(1, 2), power=1,
                            mirror=False).fit(IMAGES)
    own, flipped = bovw.transform(IMAGES), bovw.transform(IMAGES[:, :, ::-1])
    assert not np.allclose(own, flipped)
    both = bovw.set_params(mirror=True).transform(IMAGES)
    np.testing.assert_array_equal(both, own + flipped)
    # a flip leaves the features unchanged, to the last bit
    np.testing.assert_array_equal(bovw.transform(IMAGES[:, :, ::-1]), both)
    np.testing.assert_array_equal(bovw.set_params(chunk_size=5, n_jobs=2).transform(IMAGES),
                                  both)
    if encoding == "hard":          # each patch counted once per orientation
        np.testing.assert_array_equal(both.reshape(12, 5, 6)[:, 0].sum(axis=1),
                                      2 * np.prod(patch_grid((14, 13), 4)))


@pytest.mark.parametrize("encoding", ["triangle", "hard"])
def test_power_raises_the_pooled_codes(encoding):
    bovw = BagOfVisualWords(**SMALL, encoding=encoding, power=1, mirror=False).fit(IMAGES)
    plain = bovw.transform(IMAGES)
    np.testing.assert_allclose(bovw.set_params(power=0.5).transform(IMAGES), np.sqrt(plain),
                               rtol=1e-6)
    np.testing.assert_allclose(bovw.set_params(power=0.3).transform(IMAGES), plain ** 0.3,
                               rtol=1e-5)


def test_random_state_makes_fit_deterministic():
    a = BagOfVisualWords(**SMALL).fit(IMAGES)
    b = BagOfVisualWords(**SMALL).fit(IMAGES)
    np.testing.assert_array_equal(a.dictionary_, b.dictionary_)
    np.testing.assert_array_equal(a.transform(IMAGES), b.transform(IMAGES))
    c = BagOfVisualWords(**{**SMALL, "random_state": 1}).fit(IMAGES)
    assert not np.array_equal(a.dictionary_, c.dictionary_)
    lloyd = BagOfVisualWords(**{**SMALL, "kmeans": "lloyd"}).fit(IMAGES)
    np.testing.assert_array_equal(
        lloyd.dictionary_, BagOfVisualWords(**{**SMALL, "kmeans": "lloyd"}).fit(IMAGES)
        .dictionary_)
    assert not np.array_equal(lloyd.dictionary_, a.dictionary_)


def test_other_image_sizes_are_pooled_into_the_same_regions():
    bovw = BagOfVisualWords(**SMALL).fit(IMAGES)
    bigger = RNG.integers(0, 256, (2, 20, 24, 3), dtype=np.uint8)
    assert bovw.transform(bigger).shape == (2, 24)


def test_dictionary_image_shows_the_dewhitened_words():
    bovw = BagOfVisualWords(**SMALL).fit(IMAGES)
    tiles = bovw.dictionary_image(n_cols=3)
    assert tiles.dtype == np.uint8 and tiles.shape == (2 * 5 + 1, 3 * 5 + 1, 3)
    words = bovw.dictionary_ @ bovw.coloring_ + bovw.patch_mean_
    np.testing.assert_array_equal(tiles, tile_patches(words, (4, 4, 3), n_cols=3))
    # coloring_ undoes whitening_: the de-whitened words whiten back to the words
    np.testing.assert_allclose((words - bovw.patch_mean_) @ bovw.whitening_, bovw.dictionary_,
                               atol=1e-3)


def test_tile_patches_stretches_each_patch_and_draws_borders():
    patches = np.array([[0, 1, 2, 3], [5, 5, 5, 5], [10, 30, 20, 40]], dtype=float)
    tiles = tile_patches(patches, (2, 2), n_cols=2, border=1)
    assert tiles.shape == (7, 7)
    np.testing.assert_array_equal(tiles[1:3, 1:3], [[0, 85], [170, 255]])
    np.testing.assert_array_equal(tiles[1:3, 4:6], 128)                # constant: grey
    np.testing.assert_array_equal(tiles[4:6, 1:3], [[0, 170], [85, 255]])
    assert (tiles[0] == 0).all() and (tiles[:, 3] == 0).all() and (tiles[4:6, 4:6] == 0).all()


def test_verbose_reports_the_stages(capsys):
    BagOfVisualWords(**SMALL, verbose=1).fit(IMAGES)
    out = capsys.readouterr().out
    assert "sampled 600 patches of 48 values" in out and "k-means: 6 words" in out


# ------------------------------------------------------------------ errors
def test_images_smaller_than_a_patch():
    with pytest.raises(ValueError, match=r"images of 5x4 pixels are smaller than patch_size=6"):
        BagOfVisualWords(n_words=2).fit(np.zeros((3, 5, 4, 3), np.uint8))


def test_more_words_than_patches():
    with pytest.raises(ValueError, match=r"n_words=500 is more than the 300 patches sampled "
                                         r"\(n_patches=300; 12 images of 14x13 pixels hold 1320"):
        BagOfVisualWords(n_words=500, patch_size=4, n_patches=300).fit(IMAGES)
    with pytest.raises(ValueError, match=r"n_words=2000 is more than the 1320 patches"):
        BagOfVisualWords(n_words=2000, patch_size=4).fit(IMAGES)


def test_transform_on_other_channels_or_too_small_images():
    bovw = BagOfVisualWords(**SMALL).fit(IMAGES)
    with pytest.raises(ValueError, match=r"fitted on images of shape \(14, 13, 3\).*got "
                                         r"images of shape \(14, 13\)"):
        bovw.transform(IMAGES[..., 0])
    with pytest.raises(ValueError, match=r"images of 3x20 pixels are smaller than patch_size=4"):
        bovw.transform(np.zeros((2, 3, 20, 3), np.uint8))
    fine = BagOfVisualWords(**SMALL, pooling=(4,)).fit(IMAGES)
    with pytest.raises(ValueError, match=r"images of 6x20 pixels have a 3x17 grid of patch "
                                         r"positions .* fewer than the 4x4 pooling cells"):
        fine.transform(np.zeros((2, 6, 20, 3), np.uint8))
    with pytest.raises(ValueError, match=r"fewer than the 12x12 pooling cells"):
        BagOfVisualWords(**SMALL, pooling=(1, 12)).fit(IMAGES)


@pytest.mark.parametrize("param,value,message", [
    ("n_words", 1, "'n_words' parameter .* int in the range \\[2, inf\\)"),
    ("patch_size", 2.5, "'patch_size' parameter"),
    ("stride", 0, "'stride' parameter"),
    ("n_patches", 1, "'n_patches' parameter"),
    ("normalize_patches", "yes", "'normalize_patches' parameter"),
    ("normalize_eps", 0, "'normalize_eps' parameter"),
    ("normalize_eps", 1e40, r"'normalize_eps' parameter .* range \(0.0, 1000000.0\]"),
    ("whiten", 1.5, "'whiten' parameter"),
    ("whiten_eps", -1.0, "'whiten_eps' parameter"),
    ("encoding", "sparse", "'encoding' parameter .*'hard'"),
    ("threshold", "high", "'threshold' parameter"),
    ("pooling", "pyramid", "'pooling' parameter"),
    ("pooling", (1, 0), r"pooling must be .* tuple of ints >= 1 .* got \(1, 0\)"),
    ("pooling", (), "pooling must be"),
    ("pooling", (2.0,), "pooling must be"),
    ("power", 0, "'power' parameter"),
    ("power", 20, r"'power' parameter .* range \(0.0, 2.0\]"),
    ("mirror", "yes", "'mirror' parameter"),
    ("kmeans", "elkan", "'kmeans' parameter"),
    ("kmeans_max_iter", 0, "'kmeans_max_iter' parameter"),
    ("image_shape", 32, "'image_shape' parameter"),
    ("chunk_size", 0, "'chunk_size' parameter"),
    ("n_jobs", 0, "'n_jobs' parameter"),
    ("n_jobs", 1.5, "'n_jobs' parameter"),
    ("random_state", "seed", "'random_state' parameter"),
])
def test_every_parameter_is_checked_at_fit(param, value, message):
    with pytest.raises(ValueError, match=message):
        BagOfVisualWords(**{**SMALL, param: value}).fit(IMAGES)


@pytest.mark.parametrize("n_jobs", [None, -2, 2])
def test_n_jobs_is_read_as_joblib_reads_it_like_the_other_transformers(n_jobs):
    bovw = BagOfVisualWords(**SMALL).fit(IMAGES)
    np.testing.assert_array_equal(bovw.set_params(n_jobs=n_jobs).transform(IMAGES),
                                  bovw.set_params(n_jobs=1).transform(IMAGES))


def test_dictionary_image_refuses_bad_layouts():
    bovw = BagOfVisualWords(**SMALL).fit(IMAGES)
    for kwargs, message in (({"n_cols": 0}, "n_cols must be an int >= 1 or None, got 0"),
                            ({"n_cols": -3}, "n_cols must be .* got -3"),
                            ({"n_cols": 2.5}, "n_cols must be .* got 2.5"),
                            ({"border": -1}, "border must be an int >= 0, got -1")):
        with pytest.raises(ValueError, match=message):
            bovw.dictionary_image(**kwargs)


def test_set_params_after_fit_is_checked_by_transform():
    bovw = BagOfVisualWords(**SMALL).fit(IMAGES)
    expected = bovw.transform(IMAGES)
    for param, value in (("mirror", "yes"), ("chunk_size", 0), ("power", -1.0),
                         ("encoding", "sparse")):
        with pytest.raises(ValueError, match=f"'{param}' parameter"):
            bovw_bad = pickle.loads(pickle.dumps(bovw)).set_params(**{param: value})
            bovw_bad.transform(IMAGES)
    # the pooling stays that of fit
    changed = pickle.loads(pickle.dumps(bovw)).set_params(pooling="global")
    np.testing.assert_array_equal(changed.transform(IMAGES), expected)
    assert len(changed.get_feature_names_out()) == expected.shape[1]
    # a setting of the dictionary changed since fit needs a refit, as scikit-learn says
    from sklearn.exceptions import NotFittedError

    for params in ({"n_words": 2}, {"patch_size": 3}, {"random_state": 99}):
        changed = pickle.loads(pickle.dumps(bovw)).set_params(**params)
        name, value = next(iter(params.items()))
        with pytest.raises(NotFittedError, match=rf"set_params changed {name}={value} "
                                                 r"\(fitted with .*call fit again"):
            changed.transform(IMAGES)
        assert changed.fit(IMAGES).transform(IMAGES).shape[0] == len(IMAGES)


def test_bad_images_and_not_fitted():
    from sklearn.exceptions import NotFittedError
    with pytest.raises(ValueError, match="contain NaN or infinity"):
        BagOfVisualWords(**SMALL).fit(IMAGES * np.nan)
    with pytest.raises(ValueError, match=r"2-D array of shape .* image_shape"):
        BagOfVisualWords(**SMALL).fit(IMAGES.reshape(12, -1))
    with pytest.raises(NotFittedError):
        BagOfVisualWords().transform(IMAGES)


# ------------------------------------------------------------------ transformer contract
def test_transformer_contract_on_images(tmp_path):
    est = BagOfVisualWords(**SMALL, pooling=(1, 2))
    assert est.fit(IMAGES) is est
    out = est.transform(IMAGES)
    state = {k: v for k, v in est.__dict__.items()}
    est.transform(IMAGES)
    assert est.__dict__.keys() == state.keys()
    np.testing.assert_array_equal(clone(est).fit_transform(IMAGES), out)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(est)).transform(IMAGES), out)
    order = RNG.permutation(len(IMAGES))
    np.testing.assert_array_equal(est.transform(IMAGES[order]), out[order])
    np.testing.assert_array_equal(est.transform(IMAGES[3:5]), out[3:5])
    np.testing.assert_array_equal(est.transform(np.asfortranarray(IMAGES)), out)
    np.save(tmp_path / "images.npy", IMAGES)
    np.testing.assert_array_equal(est.transform(np.load(tmp_path / "images.npy",
                                                        mmap_mode="r")), out)
    np.testing.assert_allclose(est.transform(IMAGES / 255.0), out, rtol=1e-4, atol=1e-3)
    flat = clone(est).set_params(image_shape=IMAGES.shape[1:])
    np.testing.assert_array_equal(flat.fit_transform(IMAGES.reshape(12, -1)), out)
    frame = clone(est).set_output(transform="pandas").fit_transform(IMAGES)
    assert list(frame.columns[:2]) == ["bovw_g1_r0_c0_w0", "bovw_g1_r0_c0_w1"]
    assert frame.shape == out.shape


def test_pipeline_learns_stripes_against_blobs():
    rng = np.random.default_rng(1)
    stripes = rng.integers(0, 40, (20, 16, 16), dtype=np.uint8)
    stripes[:, :, ::4] += 200
    blobs = rng.integers(0, 40, (20, 16, 16), dtype=np.uint8)
    blobs[:, 5:11, 5:11] += 200
    X = np.concatenate([stripes, blobs])
    y = np.repeat([0, 1], 20)
    pipe = make_pipeline(BagOfVisualWords(n_words=8, n_patches=3000, random_state=0),
                         StandardScaler(), LinearSVM(max_iter=30, random_state=0))
    assert pipe.fit(X[::2], y[::2]).score(X[1::2], y[1::2]) == 1.0


# ------------------------------------------------------------------ scikit-learn checks
@parametrize_with_checks([BagOfVisualWords(n_words=3, patch_size=2, n_patches=100,
                                           kmeans_max_iter=3, random_state=0)],
                         expected_failed_checks=lambda est: BOVW_EXPECTED_FAILURES)
def test_sklearn_checks(estimator, check):
    check(estimator)


@pytest.mark.parametrize("kmeans", ["lloyd", "minibatch"])
def test_dictionary_is_kmeans_of_the_whitened_patches(kmeans):
    # The words are scikit-learn's k-means centroids of the sampled, normalised,
    # whitened patches: redo those steps from the public functions.
    from sklearn.cluster import KMeans, MiniBatchKMeans

    bovw = BagOfVisualWords(**{**SMALL, "kmeans": kmeans}).fit(IMAGES)
    rng = np.random.RandomState(SMALL["random_state"])
    patches = normalize_patches(sample_patches(IMAGES, SMALL["n_patches"], 4, rng), 10.0)
    mean, whitening, _ = fit_zca(patches, 1.0)
    white = (patches - mean) @ whitening
    seed = rng.randint(np.iinfo(np.int32).max)
    if kmeans == "lloyd":
        km = KMeans(6, init="random", n_init=1, max_iter=5, random_state=seed)
    else:
        km = MiniBatchKMeans(6, init="random", n_init=1, batch_size=4096, max_iter=5,
                             random_state=seed)
    km.fit(white)
    np.testing.assert_allclose(bovw.patch_mean_, mean, rtol=1e-6)
    np.testing.assert_allclose(bovw.dictionary_, km.cluster_centers_, rtol=1e-5, atol=1e-6)
    assert bovw.inertia_ == pytest.approx(km.inertia_, rel=1e-6)


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
