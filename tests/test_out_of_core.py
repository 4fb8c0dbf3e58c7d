"""Features once per image, chunk by chunk, on disk and on a cluster (issue 18)."""

import gc
import os
import subprocess
import sys
import tracemalloc
from pathlib import Path

import joblib
import numpy as np
import pytest
from _helpers import shapes_and_colours
from sklearn.pipeline import make_union
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

import pipeline
from classifiers import LinearSVM, SoftmaxClassifier
from features import (
    HOG,
    BagOfVisualWords,
    ChunkedScaler,
    ColorHistogram,
    RawPixels,
    extract,
    learns_from_data,
)


def _images(n=60, size=16, seed=0):
    return (np.random.default_rng(seed).random((n, size, size, 3)) * 255).astype(np.uint8)


# ------------------------------------------------------------------- learns_from_data

def test_learns_from_data_knows_our_extractors_and_their_unions():
    from sklearn.preprocessing import FunctionTransformer

    assert not learns_from_data(RawPixels())
    assert not learns_from_data(HOG())
    assert not learns_from_data(make_union(HOG(), ColorHistogram()))
    assert learns_from_data(BagOfVisualWords())
    assert learns_from_data(make_union(HOG(), BagOfVisualWords()))
    assert not learns_from_data(FunctionTransformer())     # requires_fit=False
    assert learns_from_data(StandardScaler())
    assert learns_from_data(object())                      # unknown: assume it learns


# ------------------------------------------------------------------------- extract

@pytest.mark.parametrize("chunk_rows", [1, 7, 60, 1000])
def test_extract_equals_one_transform_whatever_the_chunks(chunk_rows):
    X = _images()
    union = make_union(HOG(pixels_per_cell=(4, 4)), ColorHistogram(bins=4)).fit(X)
    np.testing.assert_array_equal(extract(union, X, chunk_rows=chunk_rows), union.transform(X))


def test_extract_into_a_file_reads_a_memory_map_and_leaves_no_partial_file(tmp_path):
    X = _images()
    np.save(tmp_path / "images.npy", X)
    images = np.load(tmp_path / "images.npy", mmap_mode="r")
    hog = HOG(pixels_per_cell=(4, 4)).fit(images[:2])
    F = extract(hog, images, chunk_rows=16, out=tmp_path / "features.npy", n_jobs=2)
    assert isinstance(F, np.memmap) and not F.flags.writeable
    np.testing.assert_array_equal(F, hog.transform(X))
    np.testing.assert_array_equal(np.load(tmp_path / "features.npy"), F)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["features.npy", "images.npy"]


def test_extract_through_a_symbolic_link_writes_its_target_and_keeps_the_link(tmp_path):
    X = _images()[:20]
    raw = RawPixels().fit(X)
    (tmp_path / "disk").mkdir()
    target = tmp_path / "disk" / "features.npy"
    link = tmp_path / "features.npy"
    link.symlink_to(target)                                 # dangling until written
    F = extract(raw, X, out=link)
    assert link.is_symlink() and target.is_file()
    np.testing.assert_array_equal(np.load(link), raw.transform(X))
    np.testing.assert_array_equal(F, raw.transform(X))
    extract(raw, X[:5], out=link)                           # replaced through the link
    assert link.is_symlink() and np.load(target).shape[0] == 5
    assert sorted(p.name for p in (tmp_path / "disk").iterdir()) == ["features.npy"]
    (tmp_path / "to_a_folder").symlink_to(tmp_path / "disk")
    with pytest.raises(IsADirectoryError, match=r"out='.*to_a_folder' \(a link to '.*disk'\) "
                       "is a folder"):
        extract(raw, X, out=tmp_path / "to_a_folder")


def test_a_write_removes_the_partial_files_of_dead_processes_on_this_host(tmp_path):
    from features.atomic import _HOST

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    orphan = f".features.npy-{_HOST}-{dead}-abcd1234.partial"   # left by a SIGKILL
    other_output = f".part-1.npy-{_HOST}-{dead}-abcd1234.partial"
    kept = [f".features.npy-{_HOST}-{os.getpid()}-abcd1234.partial",  # a live writer's
            f".features.npy-otherhost-{dead}-abcd1234.partial",      # another machine's
            ".notes.partial", "features-a-b-c.partial"]              # not ours
    for name in [orphan, other_output] + kept:
        (tmp_path / name).write_bytes(b"x" * 10)
    X = _images()[:8]
    extract(RawPixels().fit(X), X, out=tmp_path / "features.npy")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(kept + ["features.npy"])


def test_extract_interrupted_leaves_the_old_file_and_no_partial_one(tmp_path):
    X = _images(20)
    hog = HOG(pixels_per_cell=(4, 4)).fit(X)
    out = tmp_path / "features.npy"
    np.save(out, np.zeros(3))

    class Failing(HOG):
        def transform(self, X):
            if X.shape[0] < 8:                         # the last chunk fails
                raise RuntimeError("worker lost")
            return super().transform(X)

    failing = Failing(pixels_per_cell=(4, 4)).fit(X)
    with pytest.raises(RuntimeError, match="worker lost"):
        extract(failing, X, chunk_rows=8, out=out)
    np.testing.assert_array_equal(np.load(out), np.zeros(3))   # as it was
    assert [p.name for p in tmp_path.iterdir()] == ["features.npy"]
    assert extract(hog, X, out=out).shape == (20, hog.transform(X[:1]).shape[1])


def test_extract_refuses_bad_arguments_clearly(tmp_path):
    X = _images(4)
    with pytest.raises(ValueError, match="'chunk_rows' parameter of extract must be an int "
                                         r"in the range \[1, inf\)"):
        extract(RawPixels().fit(X), X, chunk_rows=0)
    with pytest.raises(ValueError, match="'chunk_rows' parameter of extract must be a number, "
                                         "not a bool"):
        extract(RawPixels().fit(X), X, chunk_rows=True)
    with pytest.raises(ValueError, match="'transformer' parameter of extract must be an "
                                         "object implementing 'transform'"):
        extract("hog", X)
    with pytest.raises(FileNotFoundError, match="the folder .* does not exist"):
        extract(RawPixels().fit(X), X, out=tmp_path / "missing" / "f.npy")
    from sklearn.exceptions import NotFittedError
    with pytest.raises(NotFittedError):
        extract(HOG(), X)
    with pytest.raises(IsADirectoryError, match="is a folder; give a .npy file name"):
        extract(RawPixels().fit(X), X, out=tmp_path)
    with pytest.raises(ValueError, match="out='' is an empty name; give a .npy file name"):
        extract(RawPixels().fit(X), X, out="")
    assert list(tmp_path.iterdir()) == []


def test_extract_refuses_a_folder_name_and_what_is_not_a_regular_file(tmp_path,
                                                                      monkeypatch):
    monkeypatch.chdir(tmp_path)
    X = _images(6)
    raw = RawPixels().fit(X)
    for name in ("newdir/", str(tmp_path / "newdir") + os.sep):
        with pytest.raises(IsADirectoryError, match="ends with a separator, so it names a "
                                                    "folder"):
            extract(raw, X, out=name)
        assert not os.path.exists(name.rstrip(os.sep))
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(ValueError, match=r"out='.*pipe' is a FIFO \(named pipe\); writing"):
        extract(raw, X, out=fifo)
    assert fifo.is_fifo()
    if os.path.exists("/dev/null"):
        with pytest.raises(ValueError, match="out='/dev/null' is a character device"):
            extract(raw, X, out="/dev/null")
        link = tmp_path / "null.npy"
        link.symlink_to("/dev/null")
        with pytest.raises(ValueError, match="a link to '/dev/null'.* is a character device"):
            extract(raw, X, out=link)
        assert link.is_symlink() and Path("/dev/null").is_char_device()
    assert fifo.is_fifo() and not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


class _Bad:
    """A transformer whose chunks go wrong the way ``how`` says."""

    def __init__(self, how):
        self.how = how

    def transform(self, X):
        F = np.asarray(X, np.float32).reshape(len(X), -1)
        later = X[0, 0, 0, 0] == 99           # every chunk but the first
        if self.how == "rows":
            return F[:-1]
        if self.how == "cols" and later:
            return F[:, :-1]
        if self.how == "dtype" and later:
            return F.astype(np.float64) * 1e300
        return F


@pytest.mark.parametrize("how, match", [
    ("rows", r"_Bad.transform returned, for the chunk of images 0..3, an array of shape "
             r"\(3, 48\): expected one row per image, 4 rows"),
    ("cols", r"chunk of images 4..7, an array of shape \(4, 47\), but \(48,\) per row for "
             "the first chunk"),
    ("dtype", r"chunk of images 4..7, an array of shape \(4, 48\) and dtype float64, but "
              "float32 for the first chunk")])
@pytest.mark.parametrize("to_file", [False, True])
def test_extract_names_the_transformer_chunk_and_shapes_of_a_wrong_chunk(tmp_path, how, match,
                                                                          to_file):
    X = np.zeros((10, 4, 4, 3), np.uint8)
    X[4:, 0, 0, 0] = 99
    with pytest.raises(ValueError, match=match):
        extract(_Bad(how), X, chunk_rows=4, out=tmp_path / "F.npy" if to_file else None)
    assert list(tmp_path.iterdir()) == []


def test_extract_of_no_image_into_a_file_writes_an_empty_file(tmp_path):
    from sklearn.preprocessing import FunctionTransformer

    flatten = FunctionTransformer(lambda X: np.asarray(X, np.float32).reshape(len(X), 768))
    np.save(tmp_path / "f.npy", np.arange(5))                 # stale content, replaced
    F = extract(flatten.fit(_images(2)), _images(2)[:0], out=tmp_path / "f.npy")
    assert F.shape == (0, 768) and np.load(tmp_path / "f.npy").shape == (0, 768)


def test_extract_reports_progress_per_chunk():
    X = _images(10)
    done = []
    extract(RawPixels().fit(X), X, chunk_rows=4, progress=done.append)
    assert done == [4, 4, 2]


# ------------------------------------------------------------------------ the scaler

def test_chunked_scaler_equals_standard_scaler_in_memory_and_on_disk(tmp_path):
    rng = np.random.default_rng(0)
    F = (rng.standard_normal((1000, 7)) * [1, 10, 100, 1e3, 0.1, 5, 2] + 3).astype(np.float32)
    np.save(tmp_path / "F.npy", F)
    mapped = np.load(tmp_path / "F.npy", mmap_mode="r")
    reference = StandardScaler().fit(F)
    scaler = ChunkedScaler(block_rows=64, temp_folder=tmp_path).fit(mapped)
    np.testing.assert_allclose(scaler.mean_, reference.mean_, rtol=1e-12)
    np.testing.assert_allclose(scaler.var_, reference.var_, rtol=1e-10)
    assert scaler.n_samples_seen_ == 1000
    Z = scaler.transform(mapped)
    assert isinstance(Z, np.memmap) and Z.dtype == np.float32
    np.testing.assert_allclose(Z, reference.transform(F), rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(np.load(tmp_path / "F.npy"), F)      # input untouched
    scaled_files = [p for p in tmp_path.iterdir() if p.name.startswith("scaled-")]
    assert len(scaled_files) == 1
    del Z
    gc.collect()
    assert not any(p.name.startswith("scaled-") for p in tmp_path.iterdir())
    # in memory: StandardScaler exactly
    np.testing.assert_array_equal(ChunkedScaler().fit_transform(F), reference.transform(F))


def test_chunked_scaler_refuses_bad_settings():
    with pytest.raises(ValueError, match="'block_rows' parameter of ChunkedScaler"):
        ChunkedScaler(block_rows=0).fit(np.ones((3, 2)))
    with pytest.raises(ValueError, match="'temp_folder' parameter of ChunkedScaler"):
        ChunkedScaler(temp_folder=3).fit(np.ones((3, 2)))


# ------------------------------------------------- classifiers on memory-mapped X

@pytest.mark.parametrize("make", [
    lambda: SoftmaxClassifier(optimizer="lbfgs", alpha=1e-2, tol=1e-5, max_iter=200,
                              random_state=0),
    lambda: LinearSVM(alpha=1e-1, tol=1e-3, random_state=0),
], ids=["softmax-lbfgs", "svm-exact"])
def test_full_batch_solvers_train_on_a_memory_map_without_loading_it(tmp_path, make):
    rng = np.random.default_rng(0)
    n, d = 20000, 100
    X = rng.standard_normal((n, d), dtype=np.float32)
    y = (X[:, :3] @ [1.0, -1.0, 0.5] + 0.3 * rng.standard_normal(n) > 0).astype(int) \
        + (X[:, 3] > 1)
    np.save(tmp_path / "X.npy", X)
    mapped = np.load(tmp_path / "X.npy", mmap_mode="r")
    in_memory = make().fit(X, y)
    tracemalloc.start()
    on_disk = make().fit(mapped, y)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    # the same fit, and never a copy of X (8 MB) in memory
    np.testing.assert_array_equal(on_disk.coef_, in_memory.coef_)
    assert peak < X.nbytes / 2, f"peak {peak / 2**20:.1f} MiB for X of {X.nbytes / 2**20} MiB"


# ---------------------------------------------------------------- compare, caching

def test_compare_with_memory_reuses_every_feature_file(tmp_path):
    X, y = shapes_and_colours()
    kwargs = dict(features=["hog+color"], losses=["softmax"], alphas=[1e-2, 1.0], cv=2,
                  memory=tmp_path)
    first = pipeline.compare(X, y, **kwargs)
    files = sorted((tmp_path / "features").iterdir())
    assert len(files) == 2                           # the training and the test images
    stamps = [f.stat().st_mtime_ns for f in files]
    second = pipeline.compare(X, y, **kwargs)
    assert [f.stat().st_mtime_ns for f in sorted((tmp_path / "features").iterdir())] == stamps
    timings = ("feature_seconds", "fit_seconds", "search_seconds")
    assert [{k: v for k, v in r.items() if k not in timings} for r in second] == \
        [{k: v for k, v in r.items() if k not in timings} for r in first]


@pytest.mark.parametrize("loss", ["hinge", "softmax"])
def test_compare_warm_path_is_on_by_default_and_finds_the_cold_optimum(monkeypatch, loss):
    # The exact SVM and L-BFGS along a warm-started path (and a refit started
    # from the splits' solutions) reach what cold fits reach.
    from _pipeline import compare as compare_module
    from _pipeline.presets import scaled_classifier

    assert compare_module.warm_path(scaled_classifier(loss).named_steps["classifier"])
    X, y = shapes_and_colours()
    kwargs = dict(features=["hog"], losses=[loss], alphas=[1e-2, 1e-1, 1.0], extend=0, cv=2,
                  classifier_params={"tol": 1e-6, "max_iter": 2000})
    warm = pipeline.compare(X, y, **kwargs)
    monkeypatch.setattr(compare_module, "warm_path", lambda classifier: False)
    cold = pipeline.compare(X, y, **kwargs)
    assert warm[0]["cv_scores"] == cold[0]["cv_scores"]
    assert warm[0]["test_accuracy"] == cold[0]["test_accuracy"]


def test_compare_refit_starts_cold_when_a_split_lacks_a_class():
    from sklearn.model_selection import KFold

    X, y = shapes_and_colours()
    order = np.argsort(y, kind="stable")           # KFold(2) on sorted labels: a class
    X, y = X[order], y[order]                      # is missing from each training part
    rows = pipeline.compare(X, y, features=["raw"], losses=["hinge"], alphas=[0.1, 1.0],
                            cv=KFold(2), test=(X[::3], y[::3]))
    # the refit is an ordinary cold fit on all the training images, at the C of
    # the best alpha: two folds train on half the images each
    assert rows[0]["refit_alpha"] == rows[0]["best_alpha"] / 2
    alone = pipeline.make_pipeline("raw", "hinge", alpha=rows[0]["refit_alpha"]).fit(X, y)
    assert rows[0]["test_accuracy"] == alone.score(X[::3], y[::3])


# --------------------------------------------------------------------------- Dask

@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  protocol="tcp", host="127.0.0.1", dashboard_address=None,
                                  silence_logs=40) as cluster, distributed.Client(cluster):
        yield cluster


def test_extract_on_a_local_cluster_of_processes_equals_the_local_run(cluster):
    X = _images(50)
    union = make_union(HOG(pixels_per_cell=(4, 4)), ColorHistogram(bins=4)).fit(X)
    with joblib.parallel_backend("dask"):
        remote = extract(union, X, chunk_rows=8)
    np.testing.assert_array_equal(remote, union.transform(X))


def test_compare_on_a_local_cluster_of_processes_gives_the_same_table(cluster, tmp_path):
    X, y = shapes_and_colours()
    # trained tightly: the workers' BLAS runs on one thread, this process's on more
    kwargs = dict(features=["hog"], losses=["hinge", "softmax"],
                  alphas=[1e-2, 1.0], extend=0, cv=2, classifier_params={"tol": 1e-6})
    local = pipeline.compare(X, y, **kwargs)
    with joblib.parallel_backend("dask"):
        remote = pipeline.compare(X, y, memory=tmp_path, **kwargs)
    keys = ("features", "loss", "best_alpha", "cv_scores", "test_accuracy")
    assert [{k: r[k] for k in keys} for r in remote] == [{k: r[k] for k in keys} for r in local]
    assert os.listdir(tmp_path / "features")        # the features went through the cache


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("with_mean, with_std", [(True, True), (False, True), (True, False)])
def test_chunked_scaler_fast_statistics_equal_standard_scaler(dtype, with_mean, with_std):
    rng = np.random.default_rng(1)
    X = (rng.standard_normal((1001, 6)) * [1, 1e3, 1e-3, 5, 1, 1] + [0, 1e4, 0, -3, 7, 0])
    X[:, 5] = 2.5                                            # a constant feature
    X = X.astype(dtype)
    before = X.copy()
    ours = ChunkedScaler(block_rows=100, with_mean=with_mean, with_std=with_std).fit(X)
    ref = StandardScaler(with_mean=with_mean, with_std=with_std).fit(X)
    np.testing.assert_array_equal(X, before)                 # the input is not centred
    assert ours.n_samples_seen_ == ref.n_samples_seen_ and ours.n_features_in_ == 6
    np.testing.assert_allclose(ours.mean_, ref.mean_, rtol=1e-12, atol=1e-12)
    if with_std:
        np.testing.assert_allclose(ours.var_, ref.var_, rtol=1e-9)
        np.testing.assert_allclose(ours.scale_, ref.scale_, rtol=1e-9)
        assert ours.scale_[5] == 1.0                         # constant: left unscaled
    else:
        assert ours.var_ is None and ours.scale_ is None
    np.testing.assert_allclose(ours.transform(X), ref.transform(X), rtol=1e-6, atol=1e-6)


def test_chunked_scaler_with_nan_falls_back_to_standard_scaler():
    X = np.random.default_rng(2).standard_normal((50, 3))
    X[3, 1] = np.nan
    ours, ref = ChunkedScaler(block_rows=8).fit(X), StandardScaler().fit(X)
    np.testing.assert_allclose(ours.mean_, ref.mean_)
    np.testing.assert_array_equal(ours.n_samples_seen_, ref.n_samples_seen_)
    X[4, 0] = np.inf
    with pytest.raises(ValueError, match="infinity"):
        ChunkedScaler(block_rows=8).fit(X)


@parametrize_with_checks([ChunkedScaler(), ChunkedScaler(block_rows=1)])
def test_chunked_scaler_passes_scikit_learn_checks(estimator, check):
    check(estimator)


def test_chunked_scaler_partial_fit_continues_a_fit_and_checks_its_folder(tmp_path):
    X = np.random.default_rng(3).random((10, 4))
    scaler = ChunkedScaler(block_rows=3).fit(X[:5]).partial_fit(X[5:])
    reference = StandardScaler().fit(X)
    np.testing.assert_allclose(scaler.mean_, reference.mean_)
    np.testing.assert_allclose(scaler.var_, reference.var_)
    assert scaler.n_samples_seen_ == 10
    for bad in (tmp_path / "missing", ""):
        with pytest.raises(FileNotFoundError, match="temp_folder=.* is not an existing folder"):
            ChunkedScaler(temp_folder=bad).fit(X)
    empty = np.lib.format.open_memmap(tmp_path / "empty.npy", mode="w+", dtype=np.float64,
                                      shape=(0, 4))
    with pytest.raises(ValueError, match="0 sample"):
        scaler.transform(empty)


@pytest.mark.parametrize("damage", ["truncate", "empty", "fewer rows", "not npy"])
def test_compare_recomputes_a_damaged_feature_file(tmp_path, damage):
    X, y = shapes_and_colours()
    kwargs = dict(features=["hog"], losses=["softmax"], alphas=[1.0], cv=2, memory=tmp_path)
    first = pipeline.compare(X, y, **kwargs)
    victim = max((tmp_path / "features").iterdir(), key=lambda p: p.stat().st_size)
    data = victim.read_bytes()
    if damage == "truncate":
        victim.write_bytes(data[:len(data) // 2])
    elif damage == "empty":
        victim.write_bytes(b"")
    elif damage == "not npy":
        victim.write_bytes(b"not a numpy file at all" * 10)
    else:
        np.save(victim, np.load(victim)[:-3])
    with pytest.warns(RuntimeWarning, match="cached features .* computing them again"):
        second = pipeline.compare(X, y, **kwargs)
    assert second[0]["cv_scores"] == first[0]["cv_scores"]
    np.load(victim)                                  # repaired


def test_a_full_disk_is_an_os_error_before_any_work_and_leaves_nothing(tmp_path,
                                                                       monkeypatch):
    import errno

    def full(fd, offset, length):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "posix_fallocate", full, raising=False)
    X = _images(20)
    np.save(tmp_path / "features.npy", np.arange(3))
    with pytest.raises(OSError, match="No space left"):
        extract(RawPixels().fit(X), X, out=tmp_path / "features.npy")
    np.testing.assert_array_equal(np.load(tmp_path / "features.npy"), np.arange(3))
    np.save(tmp_path / "F.npy", np.ones((20, 3), np.float32))
    with pytest.raises(OSError, match="No space left"):
        ChunkedScaler(temp_folder=tmp_path).fit_transform(
            np.load(tmp_path / "F.npy", mmap_mode="r"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["F.npy", "features.npy"]


# ------------------------------------------------------------------ take_rows

def _mapped_rss_kib(path):
    """Resident KiB of this process's mappings of ``path`` (Linux /proc/self/smaps)."""
    total, inside = 0, False
    for line in Path("/proc/self/smaps").read_text().splitlines():
        fields = line.split()
        if "-" in fields[0] and len(fields) >= 5:   # a mapping's header line
            inside = len(fields) >= 6 and fields[-1] == str(path)
        elif inside and fields[0] == "Rss:":
            total += int(fields[1])
    return total


@pytest.mark.parametrize("rows", [np.arange(3000), np.array([2999, 0, 0, -1, 17]),
                                  np.array([], dtype=int)])
def test_take_rows_of_a_memory_map_equals_fancy_indexing(tmp_path, rows):
    from features import take_rows

    X = np.random.default_rng(0).random((3000, 37), dtype=np.float32)
    np.save(tmp_path / "X.npy", X)
    mapped = np.load(tmp_path / "X.npy", mmap_mode="r")
    taken = take_rows(mapped, rows, block_rows=256)
    assert type(taken) is np.ndarray and taken.dtype == X.dtype
    np.testing.assert_array_equal(taken, X[rows])
    shuffled = np.random.default_rng(1).permutation(3000)[:1000]
    np.testing.assert_array_equal(take_rows(mapped, shuffled, block_rows=100), X[shuffled])
    # a view of the map (its offset is its parent's) and plain arrays are sliced as usual
    np.testing.assert_array_equal(take_rows(mapped[10:], [0, 5]), X[[10, 15]])
    np.testing.assert_array_equal(take_rows(X, rows), X[rows])
    with pytest.raises(IndexError):
        take_rows(mapped, [3000])


@pytest.mark.skipif(not Path("/proc/self/smaps").exists(), reason="Linux /proc")
def test_take_rows_leaves_the_file_out_of_the_process_memory(tmp_path):
    # Slicing a memory map maps the pages it reads, which count in the
    # process's resident memory on top of the copy; take_rows reads the file.
    from features import take_rows

    path = tmp_path / "X.npy"
    np.save(path, np.ones((2048, 1024), np.float32))           # 8 MiB
    mapped = np.load(path, mmap_mode="r")
    taken = take_rows(mapped, np.arange(0, 2048, 2))
    assert taken.sum() == 1024 * 1024
    assert _mapped_rss_kib(path) < 64
    mapped[np.arange(0, 2048, 2)]                                 # what it avoids
    assert _mapped_rss_kib(path) > 4 * 1024
