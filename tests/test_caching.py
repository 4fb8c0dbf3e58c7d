"""The feature caches are keyed by everything their entries depend on (issues 24, 26, 27).

compare's feature files, its cached fitted extractors (the bag-of-words
dictionary) and ``CachedFeatures``' stores must never hand back what another
setting, other images or other versions of the code computed.
"""

import os
import warnings

import numpy as np
import pytest
from _helpers import _dead_pid, shapes_and_colours

import pipeline
from _pipeline import caching, compare
from _pipeline.checks import check_data, check_settings
from _pipeline.compare import run
from _pipeline.presets import feature_step
from features import HOG, BagOfVisualWords, ColorHistogram


def _compare_features(X, y, memory, feature="hog", params=None):
    """compare's features of every training and test image (``run`` hands them back),
    and a fresh fit of the same extractor."""
    settings = check_settings([feature], ["softmax"], [1.0], cv=2, n_jobs=None,
                              random_state=0, memory=memory,
                              feature_params={feature: params or {}},
                              classifier_params={"optimizer": "sgd", "max_iter": 2})
    plan = check_data(settings, X[::2], y[::2], test=(X[1::2], y[1::2]), test_size=None)
    _, _, features = run(plan, caching.memory_of(memory))
    step = feature_step(feature, settings.params[feature])
    return [np.asarray(F) for F in features[feature]], step


def _other_versions(monkeypatch, **changed):
    now = caching.cache_versions()
    monkeypatch.setattr(caching, "cache_versions", lambda: {**now, **changed})


def _doubled(monkeypatch, cls):
    """Make ``cls`` compute other features, as a new release of its code would."""
    transform = cls.transform
    monkeypatch.setattr(cls, "transform", lambda self, X: 2 * transform(self, X))


def _refuse(monkeypatch, cls):
    def transform(self, X):
        raise AssertionError(f"{cls.__name__} computed features the cache holds")
    monkeypatch.setattr(cls, "transform", transform)


# ------------------------------------------------------------------------ versions

def test_cache_versions_name_this_project_and_the_libraries_it_stores_the_output_of():
    import numpy
    import PIL
    import skimage
    import sklearn

    versions = caching.cache_versions()
    assert versions == {"classic-image-pipeline": "0.1.0", "numpy": numpy.__version__,
                        "scikit-learn": sklearn.__version__,
                        "scikit-image": skimage.__version__, "Pillow": PIL.__version__}


def test_compare_recomputes_features_written_under_other_versions(tmp_path, monkeypatch):
    X, y = shapes_and_colours()
    old, _ = _compare_features(X, y, tmp_path, "color")
    _other_versions(monkeypatch, **{"classic-image-pipeline": "9.9"})
    _doubled(monkeypatch, ColorHistogram)
    with pytest.warns(RuntimeWarning, match=r"cached features .* written under "
                                            r"classic-image-pipeline 0\.1\.0 \(now 9\.9\); "
                                            "computing them again"):
        new, step = _compare_features(X, y, tmp_path, "color")
    fresh = step.fit(X)
    for F, images, F_old in zip(new, (X[::2], X[1::2]), old):
        np.testing.assert_array_equal(F, fresh.transform(images))   # the new code's
        np.testing.assert_array_equal(F, 2 * F_old)
    # the old files went once their replacements were in place
    assert len(list((tmp_path / "features").glob("*.npy"))) == 2


def test_compare_reuses_features_of_the_same_versions_without_a_warning(tmp_path,
                                                                        monkeypatch):
    X, y = shapes_and_colours()
    first, _ = _compare_features(X, y, tmp_path, "color")

    def extract(*args, **kwargs):
        raise AssertionError("compare computed features the cache holds")
    monkeypatch.setattr(compare, "extract", extract)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        again, _ = _compare_features(X, y, tmp_path, "color")
    for F, F_first in zip(again, first):
        np.testing.assert_array_equal(F, F_first)


def test_a_new_numpy_refits_compare_s_cached_dictionary(tmp_path, monkeypatch):
    X, y = shapes_and_colours()
    params = {"n_words": 4, "n_patches": 300, "patch_size": 6}
    _compare_features(X, y, tmp_path, "bovw", params)
    _other_versions(monkeypatch, numpy="0.0")
    fits = []
    fit = BagOfVisualWords.fit
    monkeypatch.setattr(BagOfVisualWords, "fit",
                        lambda self, X, *a, **k: fits.append(len(X)) or fit(self, X, *a, **k))
    with pytest.warns(RuntimeWarning, match=r"cached fitted extractor of bovw was written "
                                            r"under numpy .* \(now 0\.0\)"):
        _compare_features(X, y, tmp_path, "bovw", params)
    n_train = len(X[::2])       # (the settings' checks fit a copy on 2 images)
    assert fits.count(n_train) == 1
    _compare_features(X, y, tmp_path, "bovw", params)          # now cached: no new fit
    assert fits.count(n_train) == 1


@pytest.mark.parametrize("library", ["scikit-image", "Pillow", "scikit-learn"])
def test_cached_features_store_recomputes_under_other_versions(tmp_path, monkeypatch,
                                                               library):
    X, _ = shapes_and_colours()
    step = pipeline.CachedFeatures(HOG(), memory=tmp_path)
    old = step.fit_transform(X[:30])
    _other_versions(monkeypatch, **{library: "0.0"})
    _doubled(monkeypatch, HOG)
    with pytest.warns(RuntimeWarning, match=f"feature cache .* written under {library} "
                                            r".*\(now 0\.0\); computing every image"):
        new = pipeline.CachedFeatures(HOG(), memory=tmp_path).fit_transform(X[:30])
    np.testing.assert_array_equal(new, 2 * old)
    np.testing.assert_array_equal(new, HOG().fit(X).transform(X[:30]))


def test_cached_features_store_reuses_the_same_versions(tmp_path, monkeypatch):
    X, _ = shapes_and_colours()
    first = pipeline.CachedFeatures(HOG(), memory=tmp_path).fit_transform(X[:30])
    _refuse(monkeypatch, HOG)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        again = pipeline.CachedFeatures(HOG(), memory=tmp_path).fit_transform(X[:30])
    np.testing.assert_array_equal(again, first)


def test_cached_features_of_a_dictionary_refit_under_other_versions(tmp_path, monkeypatch):
    X, _ = shapes_and_colours()
    words = BagOfVisualWords(n_words=4, n_patches=300, patch_size=6, random_state=0)
    old = pipeline.CachedFeatures(words, memory=tmp_path).fit_transform(X[:30])
    _other_versions(monkeypatch, **{"scikit-learn": "0.0"})
    _doubled(monkeypatch, BagOfVisualWords)
    monkeypatch.setattr(BagOfVisualWords, "fit_transform",
                        lambda self, X, y=None: self.fit(X).transform(X))
    with pytest.warns(RuntimeWarning, match=r"cached fit of BagOfVisualWords was written "
                                            r"under scikit-learn .*\(now 0\.0\)"):
        new = pipeline.CachedFeatures(words, memory=tmp_path).fit_transform(X[:30])
    np.testing.assert_allclose(new, 2 * old, rtol=1e-6)


# ----------------------------------------------------------------- every setting

def test_compare_features_of_another_hog_setting_are_its_own(tmp_path):
    X, y = shapes_and_colours()
    nine, _ = _compare_features(X, y, tmp_path, "hog", {"orientations": 9})
    four, step = _compare_features(X, y, tmp_path, "hog", {"orientations": 4})
    fresh = step.fit(X)
    for F, F9, images in zip(four, nine, (X[::2], X[1::2])):
        assert F.shape[1] == 4 * F9.shape[1] // 9
        np.testing.assert_array_equal(F, fresh.transform(images))


def test_cached_features_of_another_hog_setting_are_its_own(tmp_path):
    X, _ = shapes_and_colours()
    nine = pipeline.CachedFeatures(HOG(orientations=9), memory=tmp_path).fit_transform(X[:30])
    step = pipeline.CachedFeatures(HOG(orientations=4), memory=tmp_path)
    four = step.fit_transform(X[:30])
    assert four.shape[1] == 4 * nine.shape[1] // 9
    np.testing.assert_array_equal(four, HOG(orientations=4).fit(X).transform(X[:30]))
    np.testing.assert_array_equal(step.transform(X[30:40]),
                                  HOG(orientations=4).fit(X).transform(X[30:40]))


def test_cached_features_of_changed_images_of_the_same_names_are_recomputed(tmp_path):
    # A folder reloaded after its images changed gives other pixels: other keys.
    X, _ = shapes_and_colours()
    pipeline.CachedFeatures(HOG(), memory=tmp_path).fit_transform(X[:30])
    changed = X[:30].copy()
    changed[::2] = 255 - changed[::2]
    again = pipeline.CachedFeatures(HOG(), memory=tmp_path).fit_transform(changed)
    np.testing.assert_array_equal(again, HOG().fit(X).transform(changed))
    assert os.listdir(tmp_path / "versions")                    # recorded once


# ------------------------------------------------------------- a damaged store part

def _damage(part, how):
    keys = part.with_name(part.name[:-len(".npy")] + ".keys.npy")
    if how == "truncated features":         # numpy: mmap length is greater than file size
        part.write_bytes(part.read_bytes()[:len(part.read_bytes()) // 2])
    elif how == "features gone":
        part.unlink()
    elif how == "pickled keys":
        np.save(keys, np.array([object()] * 3, dtype=object), allow_pickle=True)
    elif how == "empty keys":
        keys.write_bytes(b"")
    else:                                   # fewer rows than keys
        np.save(part, np.load(part)[:-2])


@pytest.mark.parametrize("how", ["truncated features", "features gone", "pickled keys",
                                 "empty keys", "fewer rows"])
def test_a_damaged_part_of_the_store_warns_and_is_computed_again(tmp_path, how):
    X, _ = shapes_and_colours()
    pipeline.CachedFeatures(HOG(), memory=tmp_path).fit_transform(X[:30])
    store = next((tmp_path / "image_features").iterdir())
    part = next(p for p in store.glob("part-*.npy") if not p.name.endswith(".keys.npy"))
    _damage(part, how)
    with pytest.warns(RuntimeWarning, match=r"cached features part .*part-.*\.npy .*; "
                                            "removing it and computing its images' features "
                                            "again"):
        again = pipeline.CachedFeatures(HOG(), memory=tmp_path).fit_transform(X[:30])
    expected = HOG().fit(X).transform(X[:30])
    np.testing.assert_array_equal(again, expected)
    with warnings.catch_warnings():                 # repaired: read back, silently
        warnings.simplefilter("error", RuntimeWarning)
        np.testing.assert_array_equal(
            pipeline.CachedFeatures(HOG(), memory=tmp_path).fit_transform(X[:30]), expected)


# ---------------------------------------------------- shared and changed caches (24.6)

def test_compare_features_of_changed_images_of_the_same_names_are_recomputed(tmp_path):
    X, y = shapes_and_colours()
    _compare_features(X, y, tmp_path, "hog")
    changed = X.copy()
    changed[::3] = 255 - changed[::3]             # the folder's files, edited in place
    (F_train, F_test), step = _compare_features(changed, y, tmp_path, "hog")
    fresh = step.fit(changed)
    np.testing.assert_array_equal(F_train, fresh.transform(changed[::2]))
    np.testing.assert_array_equal(F_test, fresh.transform(changed[1::2]))


def test_a_cache_that_cannot_record_its_versions_is_still_read(tmp_path, monkeypatch):
    import shutil

    X, y = shapes_and_colours()
    first, _ = _compare_features(X, y, tmp_path, "hog")
    shutil.rmtree(tmp_path / "versions")          # e.g. a read-only shared cache

    def refuse(path):
        raise PermissionError(13, "Permission denied", os.fspath(path))
    monkeypatch.setattr(caching, "replacing", refuse)
    monkeypatch.setattr(compare, "extract", lambda *a, **k: pytest.fail("recomputed"))
    again, _ = _compare_features(X, y, tmp_path, "hog")
    for F, F_first in zip(again, first):
        np.testing.assert_array_equal(F, F_first)


def test_two_threads_filling_one_store_at_once_get_the_right_features(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    X, _ = shapes_and_colours()
    parts = [X[:50], X[30:], X[::2], X[1::2]]

    def features(images):
        return pipeline.CachedFeatures(HOG(), memory=tmp_path).fit_transform(images)

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(features, parts))
    hog = HOG().fit(X)
    for images, F in zip(parts, results):
        np.testing.assert_array_equal(F, hog.transform(images))
    np.testing.assert_array_equal(features(X), hog.transform(X))


# ------------------------------------------------------------ one key rule, one layout

def test_one_key_rule_names_compare_s_files_and_the_image_store(tmp_path):
    import joblib

    X, y = shapes_and_colours()
    cache = caching.FeatureCache(tmp_path)
    hog = HOG().fit(X)
    assert cache.key(hog, X) == joblib.hash((hog, X)) and cache.key(hog) == joblib.hash(hog)
    changed = X.copy()
    changed[0, 0, 0] ^= 1
    assert len({cache.key(hog, X), cache.key(HOG(orientations=4).fit(X), X),
                cache.key(hog, changed)}) == 3
    # compare's feature files: the fitted extractor's with each part's images
    _compare_features(X, y, tmp_path, "hog")
    fitted = feature_step("hog").fit(X[::2])
    ident = caching.versions_id(tmp_path)
    assert sorted((tmp_path / "features").glob("*.npy")) == sorted(
        cache.features_file(fitted, images)[0] for images in (X[::2], X[1::2]))
    assert all(p.name.endswith(f"-{ident}.npy") for p in (tmp_path / "features").iterdir())
    # CachedFeatures' per-image store: the fitted transformer's folder
    pipeline.CachedFeatures(HOG(), memory=tmp_path).fit_transform(X[:30])
    assert list((tmp_path / "image_features").iterdir()) == [
        cache.image_store(HOG().fit(X[:30])).folder]
    assert caching.FeatureCache(None).location is None


# Issue 16, case 9: the feature cache checked up front
def test_memory_that_cannot_hold_a_cache_is_refused_up_front(tmp_path):
    a_file = tmp_path / "file"
    a_file.write_text("x")
    with pytest.raises(ValueError, match="is a file; give a folder for the feature cache"):
        pipeline.make_pipeline("raw", memory=a_file)
    under_a_file = a_file / "cache"
    with pytest.raises(ValueError, match="cannot be used as the feature cache .*is a file"):
        pipeline.make_pipeline("raw", memory=under_a_file)
    missing = tmp_path / "new" / "cache"
    pipe = pipeline.make_pipeline("raw", memory=missing, alpha=1e-2)
    assert not (tmp_path / "new").exists()                  # checked, not made, ...
    X, y = shapes_and_colours()
    pipe.fit(X[:40], y[:40])
    assert missing.is_dir() and os.listdir(missing)         # ... until a fit fills it
    read_only = tmp_path / "ro"
    read_only.mkdir()
    read_only.chmod(0o500)
    try:
        if os.access(read_only, os.W_OK):
            pytest.skip("running as a user who can write anywhere")
        with pytest.raises(ValueError, match="cannot be used as the feature cache"):
            pipeline.make_pipeline("raw", memory=read_only / "cache")
    finally:
        read_only.chmod(0o700)


def test_a_killed_run_s_scratch_cache_is_removed_by_the_next_run(tmp_path, monkeypatch):
    import tempfile

    from features.atomic import _HOST

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    dead = _dead_pid()
    orphan = tmp_path / f"pipeline-cache-{_HOST}-{dead}-abc_12"
    kept = [tmp_path / f"pipeline-cache-{_HOST}-{os.getpid()}-abc_12",      # a live run's
            tmp_path / f"pipeline-cache-otherhost-{dead}-abc_12",           # another host's
            tmp_path / "pipeline-cache-mine"]                               # not ours
    for path in [orphan] + kept:
        (path / "features").mkdir(parents=True)
        (path / "features" / "f.npy").write_bytes(b"x" * 100)
    X, y = shapes_and_colours()
    pipeline.compare(X, y, features=["hog"], losses=["softmax"], alphas=[1.0], cv=2,
                     classifier_params={"max_iter": 5})
    assert not orphan.exists()
    assert sorted(tmp_path.iterdir()) == sorted(kept)           # its own scratch is gone
