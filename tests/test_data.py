"""data.py: subsamples keep every class; how a folder is read, and why it cannot be split."""

import numpy as np
import pytest
from _helpers import _folder, shapes_and_colours, write_folder

import pipeline
from _pipeline.data import subsample


# Issue 16, case 3: a subsample keeps every class
def test_subsample_keeps_every_class_even_a_small_one():
    y = np.repeat([0, 1, 2], [30, 30, 3])
    _, kept = subsample(np.arange(len(y)), y, 6, 0)
    assert sorted(set(kept.tolist())) == [0, 1, 2] and len(kept) == 6


def test_subsample_near_the_full_size_and_with_a_single_image_class():
    y = np.arange(36) % 3
    for n in (35, 34, 3):                    # train_test_split refused 35 and 34
        X_sub, y_sub = subsample(np.arange(36), y, n, 0)
        assert len(y_sub) == n and set(y_sub) == {0, 1, 2} and np.all(np.diff(X_sub) > 0)
        assert np.ptp(np.bincount(y_sub)) <= 1
    y = np.r_[np.zeros(50, int), np.ones(30, int), 2]
    _, y_sub = subsample(np.arange(81), y, 40, 0)
    np.testing.assert_array_equal(np.bincount(y_sub), [24, 15, 1])
    with pytest.raises(ValueError, match="--max-train=2 is fewer than the 3 classes"):
        subsample(np.arange(36), np.arange(36) % 3, 2, 0, "--max-train")


def test_load_dataset_names_what_prevents_the_split(tmp_path):
    single = _folder(tmp_path / "single", [4, 4, 1])
    with pytest.raises(ValueError, match="class 'c2' has only 1 image; holding out test "
                                         "images stratified by class needs at least 2"):
        pipeline.load_dataset(str(single))
    few = _folder(tmp_path / "few", [3, 3, 3])
    with pytest.raises(ValueError, match="test_size=0.1 holds out 1 of 9 images"):
        pipeline.load_dataset(str(few), test_size=0.1)
    with pytest.raises(NotADirectoryError, match="is a file, not a folder"):
        pipeline.load_dataset(str(few / "c0" / "0.png"))


def test_a_class_named_train_is_a_class(tmp_path):
    X, y = shapes_and_colours(n_per_class=6)
    root = write_folder(tmp_path / "cifar100", X, y, names=("apple", "train", "zebra"))
    with pytest.warns(UserWarning, match=r"read as class folders <class>/<image>, with train/ "
                                         "as classes"):
        X_train, y_train, X_test, y_test, names = pipeline.load_dataset(str(root))
    assert names == ["apple", "train", "zebra"] and len(y_train) + len(y_test) == len(y)


def test_train_and_test_of_class_folders_are_splits_and_the_reading_is_said(tmp_path):
    X, y = shapes_and_colours(n_per_class=6)
    write_folder(tmp_path / "data" / "train", X[::2], y[::2])
    write_folder(tmp_path / "data" / "test", X[1::2], y[1::2])
    (tmp_path / "data" / "notes").mkdir()
    with pytest.warns(UserWarning, match=r"read as train/ and test/ splits of class folders; "
                                         r"the other folders beside them \(notes\)"):
        X_train, y_train, X_test, y_test, names = pipeline.load_dataset(
            str(tmp_path / "data"))
    assert len(y_train) == len(y[::2]) and len(y_test) == len(y[1::2])
