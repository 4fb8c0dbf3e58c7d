"""Property tests: any valid image batch gives finite float32 features of the right shape."""

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from features import color_histogram, hog
from features.hog import hog_output_shape


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


@settings(max_examples=60, deadline=None)
@given(images=image_batches(), orientations=st.integers(1, 12),
       block_norm=st.sampled_from(["L1", "L1-sqrt", "L2", "L2-Hys", None]),
       cell=st.integers(2, 8), block=st.integers(1, 3))
def test_hog_is_finite_float32_of_formula_length(images, orientations, block_norm, cell, block):
    shape = hog_output_shape(images.shape[1:3], orientations, (cell, cell), (block, block),
                             block_norm)
    assume(min(shape) >= 1)                       # big enough for one block
    out = hog(images, orientations=orientations, pixels_per_cell=(cell, cell),
              cells_per_block=(block, block), block_norm=block_norm)
    assert out.shape == (len(images), int(np.prod(shape)))
    assert out.dtype == np.float32 and np.isfinite(out).all() and (out >= 0).all()


@settings(max_examples=60, deadline=None)
@given(images=image_batches(channels=(3,)), mode=st.sampled_from(["hue", "marginal", "joint"]),
       bins=st.integers(1, 9), grid=st.tuples(st.integers(1, 3), st.integers(1, 3)))
def test_color_histograms_are_distributions(images, mode, bins, grid):
    out = color_histogram(images, mode=mode, bins=bins, grid=grid)
    per_hist = bins ** 3 if mode == "joint" else bins
    parts = out.reshape(len(images), -1, per_hist)
    assert np.isfinite(out).all() and (out >= 0).all()
    np.testing.assert_allclose(parts.sum(axis=2), 1, rtol=1e-5)
