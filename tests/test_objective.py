"""objective.py: sample weights are normalised, so huge or tiny ones train like unit ones."""

import numpy as np
import pytest

from classifiers import SoftmaxClassifier


# Issue 7, row 7: huge (or tiny) sample weights must not overflow float32 sums.
@pytest.mark.parametrize("scale", [1e37, 1e-40])
def test_extreme_sample_weights_train_like_unit_weights(blobs, scale):
    X, y = blobs
    X = X.astype(np.float32)
    unit = SoftmaxClassifier(random_state=0, max_iter=5).fit(X, y)
    scaled = SoftmaxClassifier(random_state=0, max_iter=5).fit(
        X, y, sample_weight=np.full(len(y), scale))
    assert np.isfinite(scaled.loss_curve_).all()
    np.testing.assert_allclose(scaled.coef_, unit.coef_, rtol=1e-5, atol=1e-6)
