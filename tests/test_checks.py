"""checks.py: labels and images that compare cannot use are refused by what is wrong."""

import numpy as np
import pytest
from _helpers import shapes_and_colours

import pipeline


# Issue 16, case 10: labels of no single sortable type
@pytest.mark.parametrize("y, match", [
    ([None, 1, 2] * 20, "labels must be of one sortable type|holds None"),
    (np.array(["a", 1.5, "b"] * 20, dtype=object),
     "labels must be of one sortable type .* float, str"),
])
def test_compare_refuses_labels_of_mixed_types(y, match):
    X = np.zeros((60, 16, 16, 3), np.uint8)
    with pytest.raises(ValueError, match=match):
        pipeline.compare(X, y)


# Issue 16, case 12: flattened or pandas X
def test_compare_on_flattened_images_names_the_users_shape():
    pd = pytest.importorskip("pandas")
    X, y = shapes_and_colours(n_per_class=10, size=16)
    for flat in (X.reshape(len(X), -1), pd.DataFrame(X.reshape(len(X), -1))):
        with pytest.raises(ValueError, match=r"hog: X has shape \(30, 768\).*feature_params="
                                             r"\{'hog': \{'image_shape'"):
            pipeline.compare(flat, y, features=["hog"])
