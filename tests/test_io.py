import pickle

import numpy as np
import pytest
from PIL import Image

from features.io import cifar10_split, load_cifar10, load_image_folder


def save(path, array, mode=None, fmt=None):
    path.parent.mkdir(parents=True, exist_ok=True)
    image = Image.fromarray(array)
    if mode is not None:
        image = image.convert(mode)
    image.save(path, format=fmt)


@pytest.fixture
def tree(tmp_path):
    """Two classes, png and jpg, RGB / grayscale / palette / RGBA files, all 8x6."""
    rng = np.random.default_rng(0)
    red = np.zeros((6, 8, 3), np.uint8)
    red[..., 0] = 255
    save(tmp_path / "cat" / "a.png", red)
    save(tmp_path / "cat" / "b.jpg", rng.integers(0, 256, (6, 8, 3), dtype=np.uint8))
    save(tmp_path / "cat" / "c.png", np.full((6, 8), 77, np.uint8))           # grayscale
    save(tmp_path / "dog" / "d.png", red, mode="P")                            # palette
    rgba = np.concatenate([red, np.full((6, 8, 1), 128, np.uint8)], axis=2)
    save(tmp_path / "dog" / "e.png", rgba)                                     # RGBA
    (tmp_path / "dog" / ".DS_Store").write_bytes(b"\0junk")                     # hidden: ignored
    return tmp_path


def test_loads_every_mode_as_rgb_in_sorted_order(tree):
    X, y, names = load_image_folder(tree)
    assert names == ["cat", "dog"]
    assert X.shape == (5, 6, 8, 3) and X.dtype == np.uint8
    np.testing.assert_array_equal(y, [0, 0, 0, 1, 1])
    np.testing.assert_array_equal(X[0, ..., 0], 255)                # a.png, red
    np.testing.assert_array_equal(X[2], 77)                         # gray -> R = G = B
    np.testing.assert_array_equal(X[3], X[0])                       # palette red
    np.testing.assert_array_equal(X[4], X[0])                       # RGBA, alpha dropped


def test_mixed_sizes_need_image_size(tree):
    save(tree / "dog" / "f.png", np.zeros((10, 12, 3), np.uint8))
    with pytest.raises(ValueError, match=r"f.png is 12x10 pixels but .*a.png is 8x6.*image_size"):
        load_image_folder(tree)
    X, y, _ = load_image_folder(tree, image_size=(4, 5))
    assert X.shape == (6, 4, 5, 3)
    np.testing.assert_array_equal(X[0, ..., 0], 255)


def test_corrupt_and_stray_files(tree):
    (tree / "cat" / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    (tree / "dog" / "notes.txt").write_text("labels were checked by hand")
    with pytest.raises(ValueError, match=r"Cannot read .*broken.jpg as an image.*on_error='skip'"):
        load_image_folder(tree)
    with pytest.warns(UserWarning, match="Skipped 2 file") as record:
        X, y, _ = load_image_folder(tree, on_error="skip")
    assert len(record) == 1
    assert X.shape[0] == 5 and list(y) == [0, 0, 0, 1, 1]


def test_truncated_file_is_reported(tree):
    data = (tree / "cat" / "b.jpg").read_bytes()
    (tree / "cat" / "b.jpg").write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="b.jpg"):
        load_image_folder(tree)


@pytest.mark.parametrize("kwargs,message", [
    ({"on_error": "ignore"}, "on_error must be 'raise' or 'skip'"),
    ({"image_size": (32,)}, r"image_size must be \(height, width\)"),
    ({"image_size": (0, 4)}, r"image_size must be \(height, width\)"),
])
def test_bad_arguments(tree, kwargs, message):
    with pytest.raises(ValueError, match=message):
        load_image_folder(tree, **kwargs)


def test_bad_folders(tmp_path):
    with pytest.raises(FileNotFoundError, match="is not a folder"):
        load_image_folder(tmp_path / "missing")
    with pytest.raises(ValueError, match="no class sub-folders"):
        load_image_folder(tmp_path)
    (tmp_path / "empty_class").mkdir()
    with pytest.raises(ValueError, match="hold no files"):
        load_image_folder(tmp_path)


def write_cifar_python(folder, n_per_batch=4):
    """A miniature of the official python version, in the same format."""
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    batches = {}
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        images = rng.integers(0, 256, (n_per_batch, 32, 32, 3), dtype=np.uint8)
        labels = rng.integers(0, 10, n_per_batch).tolist()
        rows = images.transpose(0, 3, 1, 2).reshape(n_per_batch, 3072)  # R plane, G, B
        with open(folder / name, "wb") as f:
            pickle.dump({b"data": rows, b"labels": labels, b"batch_label": name.encode()}, f)
        batches[name] = (images, labels)
    names = [b"airplane", b"automobile", b"bird", b"cat", b"deer", b"dog", b"frog",
             b"horse", b"ship", b"truck"]
    with open(folder / "batches.meta", "wb") as f:
        pickle.dump({b"label_names": names, b"num_vis": 3072}, f)
    return batches


def test_load_cifar10_python_version(tmp_path):
    batches = write_cifar_python(tmp_path / "cifar-10-batches-py")
    X, y, names = load_cifar10(tmp_path / "cifar-10-batches-py")
    assert X.shape == (20, 32, 32, 3) and names[0] == "airplane" and len(names) == 10
    np.testing.assert_array_equal(X[:4], batches["data_batch_1"][0])
    np.testing.assert_array_equal(y[4:8], batches["data_batch_2"][1])
    X_test, y_test, _ = load_cifar10(tmp_path / "cifar-10-batches-py", subset="test")
    np.testing.assert_array_equal(X_test, batches["test_batch"][0])


def test_load_cifar10_image_folder_layout(tmp_path):
    root = tmp_path / "cifar"
    save(root / "train" / "cat" / "0000.png", np.zeros((32, 32, 3), np.uint8))
    save(root / "train" / "dog" / "0000.png", np.ones((32, 32, 3), np.uint8))
    X, y, names = load_cifar10(root)
    assert X.shape == (2, 32, 32, 3) and names == ["cat", "dog"] and list(y) == [0, 1]
    with pytest.raises(FileNotFoundError, match="neither the CIFAR-10 python version"):
        load_cifar10(root, subset="test")
    with pytest.raises(ValueError, match="subset must be"):
        load_cifar10(root, subset="validation")


def test_fixed_split_matches_shared_readme():
    train, val = cifar10_split()
    order = np.random.default_rng(0).permutation(50000)
    np.testing.assert_array_equal(val, order[-5000:])
    assert len(train) == 45000 and len(np.intersect1d(train, val)) == 0
