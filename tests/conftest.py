"""Fixtures shared by several test files.

Plain helpers (image generators, folders of images, a command-line run) are in
_helpers.py; scikit-learn's estimator checks that the image transformers are
expected to fail in _expected_failures.py (test modules read them when they are
collected, and pytest does not import conftest.py as a module they can import);
the loop-by-loop oracles of the losses in naive.py.
"""

import pytest
from _helpers import shapes_and_colours, write_folder
from sklearn.datasets import make_blobs
from sklearn.preprocessing import StandardScaler


@pytest.fixture(scope="module")
def blobs():
    X, y = make_blobs(n_samples=200, centers=3, n_features=5, random_state=0)
    return StandardScaler().fit_transform(X), y


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    X, y = shapes_and_colours(n_per_class=12)
    return write_folder(tmp_path_factory.mktemp("images"), X, y)
