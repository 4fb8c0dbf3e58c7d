"""hog.py: HOG's and hog_image's settings, and any image batch gives finite features.

Its equality with scikit-image's hog is in test_features.py.
"""

import numpy as np
import pytest
from _helpers import COLOR, image_batches
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from sklearn.utils._param_validation import InvalidParameterError

from features import HOG, hog, hog_image
from features.hog import hog_output_shape


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
    ({"pixels_per_cell": (0, 8)}, r"'pixels_per_cell' parameter of hog_image must be a pair"),
    ({"orientations": 0}, r"'orientations' parameter of hog_image"),
    ({"transform_sqrt": "yes"}, r"'transform_sqrt' parameter of hog_image"),
    ({"color_mode": "gray"}, r"'color_mode' parameter of hog_image"),
])
def test_hog_image_settings(settings, message):
    with pytest.raises(InvalidParameterError, match=message):
        hog_image(COLOR[0], **settings)


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
