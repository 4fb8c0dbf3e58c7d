import os
import pickle

import numpy as np
import pytest
from _helpers import write_cifar_python
from PIL import Image

from features import load_cifar10, load_image_folder
from features.cifar10 import cifar10_split


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
    with pytest.raises(FileNotFoundError, match=r"missing does not exist; expected a folder"):
        load_image_folder(tmp_path / "missing")
    with pytest.raises(ValueError, match="no class sub-folders"):
        load_image_folder(tmp_path)
    (tmp_path / "empty_class").mkdir()
    with pytest.raises(ValueError, match="hold no files"):
        load_image_folder(tmp_path)


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


# ------------------------------------------------------------------ issue 7, row 1: 16-bit files
def png16(path, array):
    """A 16-bit PNG written by hand (pillow writes 16-bit grayscale but not 16-bit colour)."""
    import struct
    import zlib
    a = np.asarray(array, dtype=">u2")
    channels = 1 if a.ndim == 2 else a.shape[2]
    colour_type = {1: 0, 2: 4, 3: 2, 4: 6}[channels]
    raw = b"".join(b"\0" + row.tobytes() for row in a)          # filter 0 on every row

    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data)))

    header = struct.pack(">IIBBBBB", a.shape[1], a.shape[0], 16, colour_type, 0, 0, 0)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
                     + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


GRADIENT16 = np.linspace(0, 65535, 4 * 64).astype(np.uint16).reshape(4, 64)


def write16(path, mode):
    """GRADIENT16 saved so that pillow opens it in ``mode``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if mode == "I;16":                                   # 16-bit grayscale PNG
        Image.fromarray(GRADIENT16).save(path)
    elif mode == "I;16B":                                # big-endian 16-bit TIFF
        Image.frombytes("I;16B", (64, 4), GRADIENT16.astype(">u2").tobytes()).save(path)
    elif mode == "I":                                    # 16-bit PGM opens as 32-bit "I"
        Image.fromarray(GRADIENT16.astype(np.int32)).save(path)
    elif mode == "RGB16":
        png16(path, np.stack([GRADIENT16] * 3, axis=-1))
    with Image.open(path) as im:
        assert im.mode == ("RGB" if mode == "RGB16" else mode)


@pytest.mark.parametrize("mode,name", [("I;16", "g.png"), ("I;16B", "g.tif"), ("I", "g.pgm"),
                                       ("RGB16", "g.png")])
def test_16_bit_images_are_scaled_not_clipped(tmp_path, mode, name):
    # pillow's convert("RGB") clipped 16-bit grayscale: a gradient came out 99.6% white
    write16(tmp_path / "ramp" / name, mode)
    X, _, _ = load_image_folder(tmp_path)
    expected = (GRADIENT16 >> 8).astype(np.uint8)       # what pillow keeps of 16-bit RGB
    for channel in range(3):
        np.testing.assert_array_equal(X[0, ..., channel], expected)
    assert X[0].min() == 0 and X[0].max() == 255 and (X[0] == 255).mean() < 0.01


def test_16_bit_gray_and_rgb_copies_load_alike_and_resize(tmp_path):
    write16(tmp_path / "ramp" / "a.png", "I;16")
    write16(tmp_path / "ramp" / "b.png", "RGB16")
    X, _, _ = load_image_folder(tmp_path, image_size=(2, 32))
    np.testing.assert_array_equal(X[0], X[1])


@pytest.mark.parametrize("values,mode,message", [
    (np.array([[-5, 70000]], np.int32), "I", r"'I' pixels range over -5..70000"),
    (np.array([[0.0, 0.5]], np.float32), "F", "32-bit floats of unknown range"),
])
def test_images_of_unknown_range_are_refused(tmp_path, values, mode, message):
    path = tmp_path / "odd" / "x.tif"
    path.parent.mkdir(parents=True)
    Image.fromarray(values).save(path)
    with pytest.raises(ValueError, match=rf"Cannot read .*x.tif as an image .*{message}"):
        load_image_folder(tmp_path)
    save(tmp_path / "odd" / "y.png", np.zeros((1, 2, 3), np.uint8))
    with pytest.warns(UserWarning, match="Skipped 1 file"):
        X, _, _ = load_image_folder(tmp_path, on_error="skip")
    assert X.shape == (1, 1, 2, 3)


# ------------------------------------------------------------------ image folders: the sweep
def test_an_empty_class_folder_is_kept_with_a_warning(tree):
    (tree / "eel").mkdir()
    with pytest.warns(UserWarning, match=r"No image of class 'eel' \(no file in its folder\)"
                                         r".*stays in class_names"):
        X, y, names = load_image_folder(tree)
    assert names == ["cat", "dog", "eel"] and X.shape[0] == 5 and 2 not in y


def test_a_class_whose_files_are_all_skipped_is_named(tree):
    (tree / "eel").mkdir()
    (tree / "eel" / "broken.png").write_bytes(b"not a png")
    with pytest.warns(UserWarning) as record:
        _, _, names = load_image_folder(tree, on_error="skip")
    messages = [str(w.message) for w in record]
    assert any("Skipped 1 file" in m for m in messages)
    assert any("'eel' (every file skipped)" in m for m in messages)


def test_a_dangling_symlink_is_reported_not_dropped(tree):
    (tree / "cat" / "z.png").symlink_to(tree / "gone.png")
    with pytest.raises(ValueError, match=r"Cannot read .*z.png as an image \(FileNotFoundError"):
        load_image_folder(tree)
    with pytest.warns(UserWarning, match="Skipped 1 file"):
        X, _, _ = load_image_folder(tree, on_error="skip")
    assert X.shape[0] == 5


def test_symlinked_files_and_class_folders_are_followed(tree, tmp_path_factory):
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    save(elsewhere / "eel" / "e.png", np.full((6, 8, 3), 9, np.uint8))
    (tree / "eel").symlink_to(elsewhere / "eel")
    (tree / "cat" / "link.png").symlink_to(tree / "cat" / "a.png")
    X, y, names = load_image_folder(tree)
    assert names == ["cat", "dog", "eel"] and X.shape[0] == 7
    np.testing.assert_array_equal(X[y == names.index("eel")], 9)
    np.testing.assert_array_equal(X[3], X[0])            # cat/link.png -> cat/a.png


def test_a_data_set_root_one_level_too_high_gets_a_hint(tree, tmp_path_factory):
    parent = tmp_path_factory.mktemp("parent")
    (parent / "train").symlink_to(tree)
    with pytest.raises(ValueError, match=r"hold no files; they hold only sub-folders .*"
                                         r"is .*train the data set root\?"):
        load_image_folder(parent)


@pytest.mark.parametrize("kwargs,error,message", [
    ({"root": None}, TypeError, r"root must be a str or path-like .* got NoneType"),
    ({"root": 3}, TypeError, r"root must be a str or path-like"),
    ({"image_size": (True, 4)}, ValueError, r"image_size must be \(height, width\)"),
    ({"image_size": (4.0, 4)}, ValueError, r"image_size must be \(height, width\)"),
    ({"image_size": 32}, ValueError, r"image_size must be \(height, width\)"),
    ({"image_size": "32"}, ValueError, r"image_size must be \(height, width\)"),
    ({"image_size": (100000, 100000)}, ValueError, r"more than pillow's limit"),
    ({"on_error": ["skip"]}, ValueError, r"on_error must be 'raise' or 'skip'"),
    ({"n_jobs": 0}, ValueError, r"n_jobs must be a positive int, -1"),
    ({"n_jobs": True}, ValueError, r"n_jobs must be a positive int"),
    ({"n_jobs": "2"}, ValueError, r"n_jobs must be a positive int"),
])
def test_bad_arguments_of_load_image_folder(tree, kwargs, error, message):
    with pytest.raises(error, match=message):
        load_image_folder(**{"root": tree, **kwargs})


def test_a_file_given_as_root(tree):
    with pytest.raises(NotADirectoryError, match=r"a.png is a file, not a folder"):
        load_image_folder(tree / "cat" / "a.png")


def test_n_jobs_none_and_all_cores_load_the_same(tree):
    X, y, _ = load_image_folder(tree)
    for n_jobs in (None, -1):
        X2, y2, _ = load_image_folder(tree, n_jobs=n_jobs)
        np.testing.assert_array_equal(X2, X)
        np.testing.assert_array_equal(y2, y)


# ------------------------------------------------------------------ row 8: CIFAR-10 batches
def rewrite_batch(folder, name, content):
    with open(folder / name, "wb") as f:
        pickle.dump(content, f)


@pytest.fixture
def cifar(tmp_path):
    folder = tmp_path / "cifar-10-batches-py"
    write_cifar_python(folder)
    return folder


def rows(n):
    return np.zeros((n, 3072), np.uint8)


@pytest.mark.parametrize("content,message", [
    ({b"labels": [1, 2]}, r"data_batch_2 lacks \['data'\]: a CIFAR-10 batch holds b'data' "
                          r"and b'labels'"),
    ({b"data": rows(2)}, r"data_batch_2 lacks \['labels'\]"),
    ({b"data": rows(10), b"labels": list(range(7))}, r"data_batch_2 holds 10 images but 7 "
                                                     r"labels"),
    ({b"data": rows(2), b"labels": [3, 10]}, r"data_batch_2: labels range over 3..10; "
                                             r"expected 0..9"),
    ({b"data": rows(2), b"labels": [-1, 0]}, r"labels range over -1..0"),
    ({b"data": rows(2), b"labels": [0.5, 1.0]}, r"b'labels' must be a list of ints"),
    ({b"data": rows(2), b"labels": "01"}, r"b'labels' must be a list of ints"),
    ({b"data": np.zeros((2, 3072), np.int64), b"labels": [0, 1]},
     r"b'data' is an array of shape \(2, 3072\), dtype int64; expected uint8 rows of 3072"),
    ({b"data": np.zeros((2, 1024), np.uint8), b"labels": [0, 1]},
     r"b'data' is an array of shape \(2, 1024\)"),
    ({b"data": rows(0), b"labels": []}, r"b'data' is an array of shape \(0, 3072\)"),
    ({b"data": [[0] * 3072], b"labels": [0]}, r"b'data' is a list"),
    ([1, 2, 3], r"data_batch_2 holds a list, not the dict of a CIFAR-10 batch"),
])
def test_a_malformed_batch_is_named_with_what_is_wrong(cifar, content, message):
    # before: KeyError: b'data', or X and y of different lengths returned
    rewrite_batch(cifar, "data_batch_2", content)
    with pytest.raises(ValueError, match=message):
        load_cifar10(cifar)


@pytest.mark.parametrize("data", [b"", b"\x80\x04garbage", b"not a pickle at all"])
def test_a_corrupt_batch_is_named(cifar, data):
    (cifar / "test_batch").write_bytes(data)
    with pytest.raises(ValueError, match=r"Cannot read .*test_batch as a CIFAR-10 batch "
                                         r"\(\w+Error"):
        load_cifar10(cifar, subset="test")


def test_a_truncated_batch_is_named(cifar):
    data = (cifar / "data_batch_5").read_bytes()
    (cifar / "data_batch_5").write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match=r"Cannot read .*data_batch_5 as a CIFAR-10 batch"):
        load_cifar10(cifar)


class RunsCode:
    """Pickles as a call of os.system: loading it with pickle.load would run a command."""

    def __reduce__(self):
        import os
        return (os.system, ("touch pwned",))


def test_a_pickle_that_calls_a_function_is_refused_not_run(cifar, monkeypatch):
    monkeypatch.chdir(cifar)
    rewrite_batch(cifar, "data_batch_1", {b"data": RunsCode(), b"labels": []})
    with pytest.raises(ValueError, match=r"data_batch_1 .*refers to (posix|os|nt)\.system, "
                                         r"which a CIFAR-10 batch never holds"):
        load_cifar10(cifar)
    assert not (cifar / "pwned").exists()


@pytest.mark.parametrize("content,message", [
    ({b"num_vis": 3072}, r"batches.meta: b'label_names' must be the list of the 10 class names"),
    ({b"label_names": [b"cat", b"dog"]}, r"b'label_names' must be the list of the 10"),
    ({b"label_names": list(range(10))}, r"b'label_names' must be the list of the 10"),
    ({b"label_names": [b"\xff"] * 10}, r"batches.meta: a class name is not text"),
    ("names", r"batches.meta holds a str, not the dict"),
])
def test_a_malformed_meta_file_is_named(cifar, content, message):
    rewrite_batch(cifar, "batches.meta", content)
    with pytest.raises(ValueError, match=message):
        load_cifar10(cifar)


def test_load_cifar10_arguments(cifar):
    with pytest.raises(TypeError, match=r"path must be a str or path-like"):
        load_cifar10(None)
    with pytest.raises(NotADirectoryError, match=r"test_batch is a file, not a folder"):
        load_cifar10(cifar / "test_batch")
    with pytest.raises(ValueError, match="subset must be 'train' or 'test'"):
        load_cifar10(cifar, subset=["train"])
    with pytest.raises(FileNotFoundError, match=r"did you mean .*cifar-10-batches-py\?"):
        load_cifar10(cifar.parent)
    (cifar / "data_batch_3").unlink()
    with pytest.raises(FileNotFoundError, match=r"lacks \['data_batch_3'\]"):
        load_cifar10(cifar)


def test_an_older_numpy_pickle_loads(cifar):
    # the official batches were pickled by numpy 1.x: numpy.core.multiarray
    data = pickle.dumps({b"data": rows(2), b"labels": [1, 2]}, protocol=2)
    data = data.replace(b"numpy._core.multiarray", b"numpy.core.multiarray")
    (cifar / "test_batch").write_bytes(data)
    X, y, _ = load_cifar10(cifar, subset="test")
    assert X.shape == (2, 32, 32, 3) and list(y) == [1, 2]


# ------------------------------------------------------------------ the fixed split
@pytest.mark.parametrize("kwargs,message", [
    ({"n_val": 0}, r"n_val must be an int in 1..49999"),
    ({"n_val": 50000}, r"n_val must be an int in 1..49999"),
    ({"n_val": -5}, r"n_val must be an int"),
    ({"n_val": 5000.0}, r"n_val must be an int"),
    ({"n_val": True}, r"n_val must be an int"),
    ({"n_images": 1}, r"n_images must be an int >= 2"),
    ({"n_images": "50000"}, r"n_images must be an int >= 2"),
    ({"seed": None}, r"seed must be an int >= 0"),
    ({"seed": -1}, r"seed must be an int >= 0"),
])
def test_bad_split_arguments(kwargs, message):
    # n_val=0 returned an empty training set and everything as validation
    with pytest.raises(ValueError, match=message):
        cifar10_split(**kwargs)


def test_small_split_is_a_partition():
    train, val = cifar10_split(10, 3, seed=np.int64(1))
    assert len(val) == 3 and sorted(np.concatenate([train, val])) == list(range(10))


# ------------------------------------------------------------- out: straight to disk

def test_out_writes_the_images_to_a_memory_mapped_file(tree, tmp_path_factory):
    folder = tmp_path_factory.mktemp("out")
    X, y, names = load_image_folder(tree)
    X_disk, y_disk, names_disk = load_image_folder(tree, out=folder / "images.npy")
    assert isinstance(X_disk, np.memmap) and not X_disk.flags.writeable
    np.testing.assert_array_equal(X_disk, X)
    np.testing.assert_array_equal(y_disk, y)
    assert names_disk == names
    np.testing.assert_array_equal(np.load(folder / "images.npy"), X)
    assert [p.name for p in folder.iterdir()] == ["images.npy"]     # no hidden file left


def test_out_through_a_symbolic_link_writes_its_target(tree, tmp_path_factory):
    folder = tmp_path_factory.mktemp("out")
    target = folder / "real.npy"
    np.save(target, np.zeros(3))                            # an old file, replaced
    (folder / "link.npy").symlink_to(target)
    X, _, _ = load_image_folder(tree)
    X_disk, _, _ = load_image_folder(tree, out=folder / "link.npy")
    assert (folder / "link.npy").is_symlink()
    np.testing.assert_array_equal(np.load(target), X)
    assert sorted(p.name for p in folder.iterdir()) == ["link.npy", "real.npy"]


def test_out_with_skipped_files_holds_only_the_readable_images(tree, tmp_path_factory):
    folder = tmp_path_factory.mktemp("out")
    (tree / "cat" / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    with pytest.warns(UserWarning, match="Skipped 1 file"):
        X, y, _ = load_image_folder(tree, on_error="skip", out=folder / "images.npy")
    assert X.shape == (5, 6, 8, 3) and list(y) == [0, 0, 0, 1, 1]
    assert np.load(folder / "images.npy").shape == (5, 6, 8, 3)
    assert [p.name for p in folder.iterdir()] == ["images.npy"]


def test_out_is_left_as_it_was_when_loading_fails(tree, tmp_path_factory):
    folder = tmp_path_factory.mktemp("out")
    np.save(folder / "images.npy", np.arange(3))
    (tree / "dog" / "z.png").write_bytes(b"\x89PNG broken")
    with pytest.raises(ValueError, match="z.png"):
        load_image_folder(tree, out=folder / "images.npy")
    np.testing.assert_array_equal(np.load(folder / "images.npy"), np.arange(3))
    assert [p.name for p in folder.iterdir()] == ["images.npy"]


def test_out_refuses_what_is_not_a_file_path(tree, tmp_path):
    with pytest.raises(FileNotFoundError, match="the folder .*missing.* does not exist"):
        load_image_folder(tree, out=tmp_path / "missing" / "images.npy")
    with pytest.raises(IsADirectoryError, match="is a folder; give a .npy file name"):
        load_image_folder(tree, out=tmp_path)
    with pytest.raises(TypeError, match="out must be None or a path"):
        load_image_folder(tree, out=3)


# ------------------------------------------------------------------ any image a user has
def _any_image_folder(root):
    """Two classes of real PNG files in every mode a user has, of three sizes.

    Class 'bright' is light, class 'dark' is dark, in every mode: 8-bit gray
    ('L'), gray + alpha ('LA'), 'RGBA', 16-bit gray ('I;16') and RGB.
    """
    rng = np.random.default_rng(0)
    sizes = [(20, 24), (24, 20), (16, 16)]
    for label, low in (("bright", 150), ("dark", 10)):
        for i in range(10):
            h, w = sizes[i % 3]
            gray = rng.integers(low, low + 90, (h, w), dtype=np.uint8)
            path = root / label / f"{i}.png"
            path.parent.mkdir(parents=True, exist_ok=True)
            kind = i % 5
            if kind == 0:
                Image.fromarray(gray, mode="L").save(path)
            elif kind == 1:
                Image.fromarray(np.dstack([gray, gray]), mode="LA").save(path)
            elif kind == 2:
                Image.fromarray(np.dstack([gray, gray // 2, gray, gray]), mode="RGBA").save(path)
            elif kind == 3:
                Image.fromarray(gray.astype(np.uint16) * 257).save(path)    # 'I;16'
            else:
                Image.fromarray(np.dstack([gray] * 3)).save(path)
    return root


def test_every_mode_and_size_loads_with_image_size(tmp_path):
    root = _any_image_folder(tmp_path)
    with Image.open(root / "bright" / "3.png") as im:
        assert im.mode == "I;16"
    with Image.open(root / "bright" / "1.png") as im:
        assert im.mode == "LA"
    with pytest.raises(ValueError, match=r"image_size"):
        load_image_folder(root)                      # mixed sizes need image_size
    X, y, classes = load_image_folder(root, image_size=(16, 16))
    assert X.shape == (20, 16, 16, 3) and X.dtype == np.uint8 and classes == ["bright", "dark"]
    # files of 16x16 are not resized: RGBA drops its alpha, 16-bit gray keeps
    # its high byte, gray + alpha is gray; all in three channels
    with Image.open(root / "bright" / "2.png") as im:      # 'RGBA' 16x16
        np.testing.assert_array_equal(X[2], np.asarray(im)[..., :3])
    with Image.open(root / "bright" / "8.png") as im:      # 'I;16' 16x16
        expected = (np.asarray(im).astype(np.uint16) >> 8).astype(np.uint8)
        np.testing.assert_array_equal(X[8], np.dstack([expected] * 3))
    with Image.open(root / "dark" / "1.png") as im:        # 'LA' 24x20, resized
        gray = np.asarray(im.convert("L").resize((16, 16), Image.Resampling.BILINEAR))
        np.testing.assert_array_equal(X[11], np.dstack([gray] * 3))
    bright, dark = X[y == 0][..., 0], X[y == 1][..., 0]
    assert bright.min() >= 140 and dark.max() <= 110


def test_the_command_line_takes_a_folder_of_every_mode_and_size(tmp_path, capsys):
    import pipeline

    root = _any_image_folder(tmp_path / "data")
    out = tmp_path / "report"
    code = pipeline.main(["--dataset", str(root), "--image-size", "16", "16",
                          "--features", "raw", "hog", "color", "--loss", "softmax",
                          "--alphas", "1e-3", "--cv", "2", "--max-iter", "20",
                          "--max-train", "14", "--max-test", "6", "--out", str(out),
                          "--quiet"])
    assert code == 0
    results = (out / "results.json").read_text()
    assert '"hog"' in results and '"color"' in results and '"raw"' in results


def test_out_inside_the_folder_being_read_is_refused_and_the_image_kept(tree):
    image = tree / "cat" / "a.png"
    before = image.read_bytes()
    for out in (image, tree / "images.npy", tree / "cat" / "new.npy"):
        with pytest.raises(ValueError, match=r"out='.*' is inside the folder being read"):
            load_image_folder(tree, out=out)
    assert image.read_bytes() == before
    assert not (tree / "images.npy").exists() and not (tree / "cat" / "new.npy").exists()
    link = tree.parent / f"{tree.name}-link.npy"      # outside, but a link to an image
    link.symlink_to(image)
    with pytest.raises(ValueError, match="is inside the folder being read"):
        load_image_folder(tree, out=link)
    assert image.read_bytes() == before


def test_out_that_is_a_fifo_is_refused(tree, tmp_path_factory):
    fifo = tmp_path_factory.mktemp("out") / "images.npy"
    os.mkfifo(fifo)
    with pytest.raises(ValueError, match=r"is a FIFO \(named pipe\); writing"):
        load_image_folder(tree, out=fifo)
    assert fifo.is_fifo()
