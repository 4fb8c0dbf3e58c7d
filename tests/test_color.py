"""color.py: ColorHistogram's settings, and any image batch gives distributions.

Its equality with a per-image loop is in test_features.py.
"""

import numpy as np
import pytest
from _helpers import COLOR, image_batches
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.utils._param_validation import InvalidParameterError

from features import ColorHistogram, color_histogram


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


@settings(max_examples=60, deadline=None)
@given(images=image_batches(channels=(3,)), mode=st.sampled_from(["hue", "marginal", "joint"]),
       bins=st.integers(1, 9), grid=st.tuples(st.integers(1, 3), st.integers(1, 3)))
def test_color_histograms_are_distributions(images, mode, bins, grid):
    out = color_histogram(images, mode=mode, bins=bins, grid=grid)
    per_hist = bins ** 3 if mode == "joint" else bins
    parts = out.reshape(len(images), -1, per_hist)
    assert np.isfinite(out).all() and (out >= 0).all()
    np.testing.assert_allclose(parts.sum(axis=2), 1, rtol=1e-5)
