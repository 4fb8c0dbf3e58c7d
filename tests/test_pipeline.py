"""pipeline.py: make_pipeline, feature caching in grid searches, compare, the command line."""

import builtins
import json
import os
import signal
import time

import numpy as np
import pytest
from _helpers import _folder, shapes_and_colours, write_folder
from naive import solver_of
from PIL import Image
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import FeatureUnion

import pipeline
from _pipeline import cli, report
from classifiers import LinearSVM, SoftmaxClassifier
from features import HOG, ColorHistogram, RawPixels

ALPHAS = [1e-4, 1e-3, 1e-2, 1e-1, 1.0]


# --------------------------------------------------------------------------- make_pipeline

def test_make_pipeline_builds_features_scaler_classifier():
    pipe = pipeline.make_pipeline("hog+color", loss="softmax", alpha=1e-3)
    assert [name for name, _ in pipe.steps] == ["features", "scale", "classifier"]
    union = pipe.named_steps["features"]
    assert isinstance(union, FeatureUnion)
    hog, color = dict(union.transformer_list)["hog"], dict(union.transformer_list)["color"]
    assert isinstance(hog, HOG) and hog.transform_sqrt and hog.block_norm == "L1-sqrt"
    assert isinstance(color, ColorHistogram) and (color.mode, color.bins, color.power) == (
        "joint", 8, 0.5)
    clf = pipe.named_steps["classifier"]
    assert isinstance(clf, SoftmaxClassifier) and clf.alpha == 1e-3


@pytest.mark.parametrize("loss, cls, name", [("hinge", LinearSVM, "hinge"),
                                             ("squared_hinge", LinearSVM, "squared_hinge"),
                                             ("softmax", SoftmaxClassifier, "softmax")])
def test_make_pipeline_losses(loss, cls, name):
    clf = pipeline.make_pipeline("raw", loss).named_steps["classifier"]
    assert isinstance(clf, cls) and clf.loss == name


@pytest.mark.parametrize("loss, params, solver, max_iter", [
    ("softmax", {}, "LBFGS", 300),
    ("squared_hinge", {}, "Exact", None),                     # the classifier's 'auto'
    ("hinge", {}, "Exact", None),
    ("softmax", {"max_iter": 40}, "LBFGS", 40),
    ("softmax", {"optimizer": "adam"}, "Adam", None),         # epochs: the classifier's
    ("softmax", {"penalty": "l1"}, "Momentum", None),         # L-BFGS has no l1
    ("squared_hinge", {"early_stopping": True}, "Momentum", None),
    ("hinge", {"penalty": "l1"}, "Momentum", None),           # no dual to certify
])
def test_every_loss_trains_to_its_optimum_by_default(loss, params, solver, max_iter):
    clf = pipeline.make_pipeline("raw", loss, **params).named_steps["classifier"]
    assert (type(solver_of(clf)).__name__, clf.max_iter) == (solver, max_iter)


def test_make_pipeline_fits_and_predicts():
    X, y = shapes_and_colours()
    pipe = pipeline.make_pipeline("hog+color", random_state=0).fit(X[::2], y[::2])
    raw = pipeline.make_pipeline("raw", random_state=0).fit(X[::2], y[::2])
    assert pipe.score(X[1::2], y[1::2]) > max(0.75, raw.score(X[1::2], y[1::2]))
    assert isinstance(pipe.named_steps["features"].transformer_list[0][1], HOG)


def test_make_pipeline_feature_params_reach_the_extractor():
    pipe = pipeline.make_pipeline("hog", feature_params={"hog": {"orientations": 6}})
    assert pipe.named_steps["features"].orientations == 6


@pytest.mark.parametrize("features, match", [
    ("sift", r"Unknown feature name\(s\) \['sift'\].*'raw', 'hog', 'color', 'hogfine', "
             r"'colorgrid', 'bovw'"),
    ("hog+", r"Unknown feature name\(s\) \[''\]"),
    ("hog+hog", "names a feature twice"),
    (["hog"], "must be a string"),
])
def test_make_pipeline_refuses_unknown_features(features, match):
    with pytest.raises(ValueError, match=match):
        pipeline.make_pipeline(features)


def test_make_pipeline_refuses_unknown_loss_and_parameters():
    with pytest.raises(ValueError, match="Unknown loss 'log'.*'hinge', 'squared_hinge', "
                                         "'ovr_squared_hinge', 'softmax'"):
        pipeline.make_pipeline("raw", loss="log")
    with pytest.raises(ValueError, match="Invalid parameter 'alhpa'"):
        pipeline.make_pipeline("raw", alhpa=1.0)
    with pytest.raises(ValueError, match="feature_params names \\['color'\\]"):
        pipeline.make_pipeline("hog", feature_params={"color": {"bins": 4}})


def test_grid_search_with_two_jobs_over_make_pipeline():
    X, y = shapes_and_colours()
    grid = {"classifier__alpha": [1e-3, 1e-1, 10.0]}
    # Trained to a tight optimum: the workers' BLAS runs on fewer threads than
    # this process's, and a fit stopped early would depend on the rounding.
    pipe = pipeline.make_pipeline("hog+color", "softmax", random_state=0, tol=1e-7,
                                  max_iter=1000)
    two = GridSearchCV(pipe, grid, cv=3, n_jobs=2).fit(X, y)
    one = GridSearchCV(pipe, grid, cv=3, n_jobs=1).fit(X, y)
    assert two.best_params_ == one.best_params_ and two.best_score_ > 0.75
    np.testing.assert_array_equal(two.cv_results_["mean_test_score"],
                                  one.cv_results_["mean_test_score"])
    assert two.predict(X[:4]).shape == (4,)


def test_dask_cluster_gives_the_same_best_alpha():
    distributed = pytest.importorskip("distributed")
    import joblib
    X, y = shapes_and_colours()
    grid = {"classifier__alpha": [1e-3, 3e-1, 30.0]}
    local = GridSearchCV(pipeline.make_pipeline("hog+color", random_state=0, max_iter=50),
                         grid, cv=3)
    local.fit(X, y)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  protocol="tcp", host="127.0.0.1",
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster):
        with joblib.parallel_backend("dask"):
            remote = GridSearchCV(pipeline.make_pipeline("hog+color", random_state=0,
                                                         max_iter=50),
                                  grid, cv=3, n_jobs=-1).fit(X, y)
    assert remote.best_params_ == local.best_params_
    np.testing.assert_allclose(remote.cv_results_["mean_test_score"],
                               local.cv_results_["mean_test_score"])


# --------------------------------------------------------------------------- caching

class CountingPixels(TransformerMixin, BaseEstimator):
    """Raw pixels that count the images they transform and their fits (class-level:
    clones share it); ``fit`` learns nothing, as scikit-learn's ``requires_fit=False``
    tag says."""

    calls = {"fit": 0, "images": 0}

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        return tags

    def fit(self, X, y=None):
        CountingPixels.calls["fit"] += 1
        return self

    def transform(self, X):
        CountingPixels.calls["images"] += len(X)
        return RawPixels().fit_transform(X)


class CountingLearner(CountingPixels):
    """The same, but its ``fit`` counts as learning (as the bag of words' does)."""

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = True
        return tags

    def fit(self, X, y=None):
        self.fitted_ = True
        return super().fit(X, y)


@pytest.fixture
def counting(monkeypatch):
    CountingPixels.calls.update(fit=0, images=0)
    monkeypatch.setitem(pipeline.FEATURES, "raw", (CountingPixels, "counting"))
    return CountingPixels.calls


def _search(memory):
    X, y = shapes_and_colours()
    pipe = pipeline.make_pipeline("raw", memory=memory, random_state=0, max_iter=30)
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    return GridSearchCV(pipe, {"classifier__alpha": ALPHAS}, cv=cv, refit=False).fit(X, y), \
        len(y)


def test_cached_features_transform_each_image_once(counting, tmp_path):
    cached, n = _search(tmp_path)
    # 5 alphas x 3 splits: every image is in 3 training parts and 1
    # validation part of each candidate, yet transformed once.
    assert counting["images"] == n
    counting.update(fit=0, images=0)
    plain, _ = _search(None)
    assert counting["images"] == len(ALPHAS) * 3 * n
    np.testing.assert_array_equal(cached.cv_results_["mean_test_score"],
                                  plain.cv_results_["mean_test_score"])
    counting.update(fit=0, images=0)
    _search(tmp_path)                          # a second search finds them all on disk
    assert counting["images"] == 0


def test_compare_transforms_each_image_once(counting):
    X, y = shapes_and_colours()
    rows = pipeline.compare(X, y, features=["raw"], losses=["hinge", "softmax"],
                            alphas=ALPHAS, cv=3, classifier_params={"max_iter": 30})
    # 3 splits x 5 alphas x 2 losses, and the refits, from one pass over the images
    assert counting["images"] == len(y)
    assert [r["loss"] for r in rows] == ["hinge", "softmax"]


@pytest.mark.parametrize("dictionary, fits", [("once", 1), ("per_split", 1 + 3)])
def test_compare_learns_a_learning_extractor_once_unless_per_split(monkeypatch, dictionary,
                                                                    fits):
    CountingPixels.calls.update(fit=0, images=0)
    monkeypatch.setitem(pipeline.FEATURES, "raw", (CountingLearner, "counting"))
    X, y = shapes_and_colours()
    n_test = int(np.ceil(0.2 * len(y)))
    pipeline.compare(X, y, features=["raw"], losses=["hinge", "softmax"], alphas=ALPHAS,
                     cv=3, dictionary=dictionary, classifier_params={"max_iter": 30})
    assert CountingPixels.calls["fit"] == fits
    # per split: each split's training and validation images once more, shared by
    # both losses (the cache is keyed by the split's images)
    extra = 0 if dictionary == "once" else 3 * (len(y) - n_test)
    assert CountingPixels.calls["images"] == len(y) + extra


def test_compare_dictionary_once_and_per_split_agree_on_stateless_features():
    X, y = shapes_and_colours()
    kwargs = dict(features=["hog"], losses=["softmax"], alphas=ALPHAS, cv=3)
    once = pipeline.compare(X, y, **kwargs)
    strict = pipeline.compare(X, y, dictionary="per_split", **kwargs)
    assert once[0]["cv_scores"] == strict[0]["cv_scores"]
    assert once[0]["test_accuracy"] == strict[0]["test_accuracy"]


def test_cached_features_forward_names_and_refit_on_new_data(tmp_path):
    X, y = shapes_and_colours()
    step = pipeline.CachedFeatures(HOG(), memory=tmp_path)
    first = step.fit_transform(X[:40])
    np.testing.assert_array_equal(first, HOG().fit_transform(X[:40]))
    np.testing.assert_array_equal(step.transform(X[40:50]), HOG().fit_transform(X[40:50]))
    assert len(step.get_feature_names_out()) == first.shape[1]
    assert step.fit_transform(X[:30]).shape[0] == 30        # a new key, not a stale hit


# --------------------------------------------------------------------------- compare

def test_compare_table_and_estimators():
    X, y = shapes_and_colours(n_per_class=40)
    table, models = pipeline.compare(X, y, features=["raw", "hog+color"], losses=["hinge"],
                                     alphas=[1e-3, 1e-1], extend=0, cv=2, test_size=0.25,
                                     classifier_params={"max_iter": 50},
                                     return_estimators=True)
    assert [r["features"] for r in table] == ["raw", "hog+color"]
    for row in table:
        assert set(row) >= {"features", "loss", "best_alpha", "cv_score", "test_accuracy",
                            "feature_seconds", "fit_seconds", "search_seconds"}
        assert row["best_alpha"] in (1e-3, 1e-1) and len(row["cv_scores"]) == 2
        assert row["cv_score"] == max(row["cv_scores"])
    raw, features = table
    assert features["test_accuracy"] > raw["test_accuracy"]
    # 24x24 images: 3x3 cells of 8 pixels, 2x2 blocks of 2x2 cells of 9 bins; 8^3 colours.
    assert features["n_features"] == 2 * 2 * 4 * 9 + 512 and raw["n_features"] == 24 * 24 * 3
    model = models["hog+color", "hinge"]
    X_test_like = X[:5]
    assert model.predict(X_test_like).shape == (5,)


def test_compare_as_frame_and_explicit_test():
    pd = pytest.importorskip("pandas")
    X, y = shapes_and_colours()
    frame = pipeline.compare(X[::2], y[::2], features=["color"], losses=["softmax"],
                             alphas=[1e-2], cv=2, test=(X[1::2], y[1::2]), as_frame=True)
    assert isinstance(frame, pd.DataFrame) and len(frame) == 1
    assert frame.loc[0, "best_alpha"] == 1e-2


@pytest.mark.parametrize("kwargs, match", [
    (dict(alphas=[1e-3, 0.0]), "alphas must all be positive"),
    (dict(alphas=[]), "non-empty"),
    (dict(alphas=["a"]), "list of distinct positive numbers"),
    (dict(features=["sift"]), "Unknown feature name"),
    (dict(features=[]), "at least one"),
    (dict(losses=["log"]), "Unknown loss"),
    (dict(losses=["hinge", "hinge"]), "twice"),
    (dict(cv=1), "at least 2 folds"),
    (dict(test_size=1.5), "test_size must be"),
    (dict(test=(np.zeros((3, 8, 8)),), test_size=None), "pair"),
    (dict(test=(np.zeros((3, 8, 8)), [0, 1]),), "must match"),
    (dict(test=(np.zeros((3, 8, 8)), [0, 1, 2]), test_size=0.3), "not both"),
    (dict(classifier_params={"optimiser": "adam"}), "Invalid parameter 'optimiser'"),
    # The adversarial pass (issue 9): each of these used to fail late, vaguely or not at all.
    (dict(alphas=[1e-3, 1e-3]), r"alphas lists a value twice: \[0.001, 0.001\]"),
    (dict(alphas=[True]), "list of distinct positive numbers.*got \\[True\\]"),
    (dict(losses=[["hinge"]]), r"Unknown loss \['hinge'\]"),
    (dict(random_state=-1), r"random_state must be None, an int in 0..2\*\*32 - 1"),
    (dict(n_jobs=0), "'n_jobs' parameter of compare must be an int"),
    (dict(classifier_params={"alpha": 1.0}), "classifier_params sets 'alpha', which compare "
                                             "searches over"),
    (dict(feature_params={"bow": {"n_words": 10}}), r"feature_params names \['bow'\], which "
                                                    "none of the features"),
    (dict(cv=4), "cv=4 folds need at least 4 training images of every class.*class 0 has 3"),
    (dict(test_size=2), "test_size=2 holds out 2 of 12 images.*each of the 3 classes"),
    (dict(test=(np.zeros((3, 8, 8)), [0, 1, 2])), r"X_test holds images of shape \(8, 8\) but "
                                                  r"X of shape \(24, 24, 3\)"),
    (dict(test=(np.zeros((3, 24, 24, 3), np.uint8), [0, 1, 7])),
     r"y_test holds labels \[7\] that y never has"),
])
def test_compare_refuses_bad_arguments(kwargs, match):
    X, y = shapes_and_colours(n_per_class=4)
    with pytest.raises(ValueError, match=match):
        pipeline.compare(X, y, **kwargs)


def test_compare_refuses_mismatched_labels():
    X, y = shapes_and_colours(n_per_class=4)
    with pytest.raises(ValueError, match="12 images but y has 11"):
        pipeline.compare(X, y[:-1])


# --------------------------------------------------------------------------- command line

@pytest.fixture(scope="module")
def image_folder(tmp_path_factory):
    X, y = shapes_and_colours(n_per_class=24)
    return write_folder(tmp_path_factory.mktemp("images"), X, y)


def _run(argv):
    with pytest.raises(SystemExit) as exit_info:
        pipeline.main(argv)
    return exit_info.value.code


def test_command_line_end_to_end(image_folder, tmp_path, capsys):
    out = tmp_path / "report"
    code = pipeline.main(["--dataset", str(image_folder), "--features", "raw", "hog+color",
                          "bovw", "--words", "12", "--loss", "hinge", "softmax",
                          "--alphas", "1e-3", "1e-1", "--cv", "2", "--max-iter", "50",
                          "--out", str(out), "--quiet"])
    assert code == 0
    printed = capsys.readouterr().out
    assert "hog+color" in printed and "report.md" in printed
    results = json.loads((out / "results.json").read_text())
    # the gallery when the best model misclassifies a test image
    gallery = {"gallery.png"} if "gallery.png" in results["plots"] else set()
    expected = {"report.md", "results.json", "alpha_curve.png", "confusion.png",
                "optimizers.png", "hog.png", "templates.png", "dictionary.png",
                "model.skops"} | gallery
    assert {p.name for p in out.iterdir()} == expected
    report = (out / "report.md").read_text()
    assert "dictionary was learned once" in report
    # each loss's search fits to its solver's search tolerance, and the report says so
    assert ("The grid search's hinge fits stopped once certified within 10% of their "
            "optimal objective (tol=0.1), the solver's search tolerance: the alphas rank "
            "alike, in a fraction of the time; the refit trained to tol=0.01.") in report
    assert ("The grid search's softmax fits stopped once the gradient's largest absolute "
            "entry was at most tol=0.001, the solver's search tolerance: the alphas rank "
            "alike, in a fraction of the time; the refit trained to tol=0.0001.") in report
    for name in expected - {"report.md", "results.json", "model.skops"}:
        with Image.open(out / name) as image:
            image.verify()
        with Image.open(out / name) as image:
            assert image.format == "PNG" and 200 <= image.width <= 2000 \
                and 100 <= image.height <= 2000
    results = json.loads((out / "results.json").read_text())
    assert len(results["rows"]) == 6
    assert {(r["features"], r["loss"]) for r in results["rows"]} == {
        (f, loss) for f in ("raw", "hog+color", "bovw") for loss in ("hinge", "softmax")}
    assert len(results["optimizer_curves"]) == 9 and results["settings"]["words"] == 12
    assert results["class_names"] == ["disc", "hbar", "vbar"]
    report = (out / "report.md").read_text()
    assert "![" in report and "| raw | hinge |" in report
    # Run again into the same folder: the old report is replaced, nothing else left.
    assert pipeline.main(["--dataset", str(image_folder), "--features", "hog", "--alphas",
                          "1e-2", "--cv", "2", "--max-iter", "30", "--out", str(out),
                          "--quiet"]) == 0
    assert len(json.loads((out / "results.json").read_text())["rows"]) == 1
    assert [p.name for p in tmp_path.iterdir()] == ["report"]


@pytest.mark.parametrize("argv, match", [
    (["--features", "sift"], "Unknown feature name"),
    (["--loss", "log"], "Unknown loss"),
    (["--alphas", "1e-3", "-1"], "alphas must all be positive"),
    (["--alphas", "0"], "alphas must all be positive"),
    (["--optimizer", "adamw"], "'optimizer' parameter of LinearSVM must be a str among"),
    (["--loss", "hinge", "--optimizer", "lbfgs"], "LBFGS needs a smooth loss"),
    (["--cv", "1"], "cv must be at least 2 folds, got 1"),
    (["--max-train", "-5"], "--max-train must be"),
    (["--test-size", "1.5"], "--test-size must be"),
    (["--words", "0"], r"'n_words' parameter of BagOfVisualWords must be an int in the "
                         r"range \[2, inf\)"),
    (["--max-iter", "0"], r"'max_iter' parameter of LinearSVM must be an int in the "
                            r"range \[1, inf\)"),
    (["--n-jobs", "0"], "--n-jobs"),
    (["--dataset", "/nonexistent/folder"], "no such folder"),
    (["--seed", "-1"], r"random_state must be None, an int in 0..2\*\*32 - 1"),
    (["--seed", str(2 ** 32)], "random_state must be None, an int in 0..2"),
    (["--features", "raw", "--words", "10"], "--words sets the bag-of-words dictionary, but "
                                             "--features raw has no bovw"),
    (["--image-size", "0", "8"], "--image-size must be two positive sizes"),
    (["--image-size", "8", "8"], "--image-size resizes the images of an image folder"),
    (["--alphas", "1e-2", "1e-2"], "alphas lists a value twice"),
    (["--features", "hog + color", "hog+color"], "features lists a value twice"),
])
def test_command_line_usage_errors_exit_2(argv, match, tmp_path, capsys):
    assert _run(argv + ["--out", str(tmp_path / "r")]) == 2
    assert __import__("re").search(match, capsys.readouterr().err)
    assert list(tmp_path.iterdir()) == []


def test_command_line_refuses_an_unwritable_or_foreign_out(image_folder, tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert _run(["--dataset", str(image_folder), "--out", str(blocker / "report")]) == 2
    assert "cannot write there" in capsys.readouterr().err
    assert _run(["--dataset", str(image_folder), "--out", str(blocker)]) == 2
    assert "is not a folder" in capsys.readouterr().err
    precious = tmp_path / "home"
    precious.mkdir()
    (precious / "thesis.tex").write_text("keep me")
    assert _run(["--dataset", str(image_folder), "--out", str(precious)]) == 2
    assert "not part of a report" in capsys.readouterr().err
    assert (precious / "thesis.tex").read_text() == "keep me"


def test_command_line_empty_dataset_folder(tmp_path, capsys):
    (tmp_path / "data").mkdir()
    code = pipeline.main(["--dataset", str(tmp_path / "data"), "--out",
                          str(tmp_path / "r"), "--quiet"])
    assert code == 2
    assert "--dataset" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]


def test_command_line_leaves_no_half_written_report(image_folder, tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(report, "plot_templates", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        pipeline.main(["--dataset", str(image_folder), "--features", "hog", "--alphas",
                       "1e-2", "--cv", "2", "--max-iter", "30",
                       "--out", str(tmp_path / "report"), "--quiet"])
    assert list(tmp_path.iterdir()) == []


def test_command_line_without_network_names_the_way_out(tmp_path, monkeypatch, capsys):
    import features

    real = features.fetch_cifar10

    def offline(**kwargs):
        return real(data_home=tmp_path / "cache", url="http://127.0.0.1:9/cifar.tar.gz",
                    **kwargs)

    monkeypatch.setattr(features, "fetch_cifar10", offline)
    tic = time.perf_counter()
    code = pipeline.main(["--out", str(tmp_path / "r"), "--quiet"])
    assert code == 1
    assert "--dataset PATH" in capsys.readouterr().err
    assert time.perf_counter() - tic < 60
    assert not (tmp_path / "r").exists()


# --------------------------------------------------------------------------- adversarial pass
# Issue 9's adversarial pass: each test below failed before its fix.

def test_make_pipeline_refuses_bad_argument_types():
    with pytest.raises(ValueError, match=r"Unknown loss \['hinge'\]; valid losses are"):
        pipeline.make_pipeline("raw", loss=["hinge"])
    with pytest.raises(TypeError, match="feature_params must be a dict of feature name -> "
                                        "dict of settings.*got 'bovw'"):
        pipeline.make_pipeline("bovw", feature_params="bovw")
    with pytest.raises(TypeError, match=r"feature_params\['raw'\] must be a dict of settings"):
        pipeline.make_pipeline("raw", feature_params={"raw": 5})
    with pytest.raises(ValueError, match="'memory' should be None, a string"):
        pipeline.make_pipeline("raw", memory=123)          # not at the first fit


@pytest.mark.parametrize("kwargs, match", [
    (dict(features=None), "features must be a name or a list of names, got None"),
    (dict(losses=None), "losses must be a name or a list of names, got None"),
    (dict(feature_params="bovw"), "feature_params must be a dict"),
    (dict(classifier_params=[("max_iter", 3)]), "classifier_params must be a dict"),
    (dict(verbose="yes"), "'verbose' parameter of compare must be True or False. Got 'yes'"),
    (dict(as_frame="no"), "'as_frame' parameter of compare must be True or False. Got 'no'"),
    (dict(return_estimators=1), "'return_estimators' parameter of compare must be True or "
                                "False. Got 1"),
])
def test_compare_refuses_bad_argument_types(kwargs, match):
    X, y = shapes_and_colours(n_per_class=4)
    with pytest.raises(TypeError, match=match):
        pipeline.compare(X, y, **kwargs)


@pytest.mark.parametrize("X, y, match", [
    (np.zeros((0, 8, 8, 3), np.uint8), np.zeros(0, int), "X holds no images"),
    (np.zeros((6, 8, 8, 3), np.uint8), np.zeros(6, int), r"y holds a single class \(0\)"),
    (np.zeros((6, 8, 8, 3), np.uint8), np.zeros((6, 1), int), r"y must be a 1-D array of "
                                                              r"labels, got shape \(6, 1\)"),
    ([np.zeros((8, 8, 3), np.uint8), np.zeros((9, 9, 3), np.uint8)], [0, 1],
     "X must be images of one shape"),
    (np.arange(6), np.arange(6) % 2, r"X must be an array of images.*got an array of shape "
                                     r"\(6,\)"),
])
def test_compare_refuses_unusable_data(X, y, match):
    with pytest.raises(ValueError, match=match):
        pipeline.compare(X, y, features=["raw"], losses=["hinge"], alphas=[1e-2], cv=2)


@pytest.mark.parametrize("size, kwargs, match", [
    (24, dict(classifier_params={"max_iter": 0}), "'max_iter' parameter of LinearSVM"),
    (24, dict(classifier_params={"optimizer": "lbfgs"}), "LBFGS needs a smooth loss"),
    (12, dict(features=["raw", "hog"]), "Images of 12x12 pixels are too small for "
                                        "pixels_per_cell"),
    (12, dict(features=["raw", "bovw"]), r"bovw: n_words=1600 needs a patch per word, but a "
                                         r"cross-validation training part of 14 images of "
                                         r"12x12 pixels gives 686 patches"),
    (24, dict(features=["raw", "hog"], feature_params={"hog": {"orientations": -1}}),
     "'orientations' parameter of HOG"),
])
def test_compare_checks_everything_before_computing_features(counting, size, kwargs, match):
    X, y = shapes_and_colours(n_per_class=12, size=24)
    X = X[:, :size, :size]
    kwargs = {"features": ["raw"], "losses": ["hinge"], "alphas": [1e-2], "cv": 2, **kwargs}
    with pytest.raises(ValueError, match=match):
        pipeline.compare(X, y, **kwargs)
    assert counting == {"fit": 0, "images": 0}     # the raw search never ran


def test_compare_as_frame_without_pandas_fails_before_the_work(counting, monkeypatch):
    real_import = builtins.__import__

    def no_pandas(name, *args, **kwargs):
        if name == "pandas" or name.startswith("pandas."):
            raise ImportError("No module named 'pandas'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pandas)
    X, y = shapes_and_colours(n_per_class=4)
    with pytest.raises(ImportError, match=r"as_frame=True needs pandas \(pip install pandas\)"):
        pipeline.compare(X, y, features=["raw"], losses=["hinge"], cv=2, as_frame=True)
    assert counting == {"fit": 0, "images": 0}


def test_compare_seeds_the_dictionary_and_names_rows_without_spaces():
    X, y = shapes_and_colours(n_per_class=8)
    rows, models = pipeline.compare(
        X, y, features=["bovw + color"], losses=["hinge"], alphas=[1e-2], cv=2,
        test_size=np.float32(0.25), random_state=3, return_estimators=True,
        feature_params={"bovw": {"n_words": 4, "whiten": False, "kmeans_max_iter": 2}},
        classifier_params={"max_iter": 5})
    assert rows[0]["features"] == "bovw+color"
    union = models["bovw+color", "hinge"].named_steps["features"]
    assert dict(union.transformer_list)["bovw"].random_state == 3     # was None: unrepeatable


def test_command_line_data_too_small_for_the_settings_exit_2(image_folder, tmp_path, capsys):
    small = _folder(tmp_path / "small", [8, 8, 8], size=12)
    out = tmp_path / "r"
    for argv, match in [
        (["--dataset", str(image_folder), "--cv", "30"], "class 'disc' has 19; lower cv"),
        (["--dataset", str(image_folder), "--max-train", "2"], "--max-train=2 is fewer"),
        (["--dataset", str(image_folder), "--max-test", "2"], "--max-test=2 is fewer"),
        (["--dataset", str(small), "--features", "raw", "hog"], "12x12 pixels are too small"),
        (["--dataset", str(image_folder), "--features", "bovw", "--words", "20000"],
         "n_words=20000 needs a patch per word"),
        (["--dataset", str(tmp_path / "small" / "c0" / "0.png")], "is a file, not a folder"),
    ]:
        code = _run(argv + ["--out", str(out), "--quiet"]) if "is a file" in match else \
            pipeline.main(argv + ["--out", str(out), "--quiet"])
        assert code == 2, argv
        assert match in capsys.readouterr().err
        assert sorted(p.name for p in tmp_path.iterdir()) == ["small"]    # no staging left


def test_command_line_refuses_an_out_holding_the_working_folder_or_inside_the_data(
        image_folder, tmp_path, monkeypatch, capsys):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    for out, match in [(".", "--out . is the current folder or holds it"),
                       ("..", "--out .. is the current folder or holds it"),
                       ("", "--out must name a folder, got an empty string"),
                       (str(image_folder / "report"), "is inside --dataset")]:
        assert _run(["--dataset", str(image_folder), "--out", out]) == 2
        assert match in capsys.readouterr().err
    assert list(work.iterdir()) == [] and sorted(p.name for p in tmp_path.iterdir()) == ["work"]
    assert not any(p.name.startswith(".") or p.name == "report" for p in image_folder.iterdir())


def test_command_line_resizes_skips_and_draws_no_hog_on_tiny_images(tmp_path, capsys):
    data = _folder(tmp_path / "data", [6, 6], size=10)
    Image.fromarray(np.zeros((12, 9, 3), np.uint8)).save(data / "c0" / "wide.png")
    argv = ["--dataset", str(data), "--features", "raw", "--alphas", "1e-2", "--cv", "2",
            "--max-iter", "5", "--out", str(tmp_path / "r"), "--quiet"]
    assert pipeline.main(argv) == 2
    assert "pass --image-size HEIGHT WIDTH to resize" in capsys.readouterr().err
    (data / "c1" / "notes.png").write_text("not an image")
    assert pipeline.main(argv + ["--image-size", "6", "6"]) == 2
    assert "remove it or pass --skip-unreadable" in capsys.readouterr().err
    with pytest.warns(UserWarning, match="Skipped 1 file"):
        assert pipeline.main(argv + ["--image-size", "6", "6", "--skip-unreadable"]) == 0
    files = {p.name for p in (tmp_path / "r").iterdir()}
    assert "hog.png" not in files and {"report.md", "templates.png"} <= files
    assert "No HOG pictures: images of 6x6 pixels" in (tmp_path / "r" / "report.md").read_text()
    assert json.loads((tmp_path / "r" / "results.json").read_text())["settings"][
        "image_size"] == [6, 6]


def test_command_line_interrupted_writes_nothing_and_exits_130(image_folder, tmp_path,
                                                               monkeypatch, capsys):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "run", interrupted)
    try:
        code = pipeline.main(["--dataset", str(image_folder), "--features", "raw", "--cv",
                              "2", "--out", str(tmp_path / "r"), "--quiet"])
    except KeyboardInterrupt:           # uncaught, it would stop the whole test session
        pytest.fail("main let KeyboardInterrupt through instead of returning 130")
    assert code == 130 and "interrupted: no report written" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_command_line_cleans_up_on_sigterm(image_folder, tmp_path, monkeypatch):
    caught = []
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: caught.append(signum))
    try:
        def terminated(*args, **kwargs):
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(0.5)             # the handler runs at the next bytecode
            return [], {}

        monkeypatch.setattr(cli, "run", terminated)
        with pytest.raises(SystemExit) as exit_info:
            pipeline.main(["--dataset", str(image_folder), "--features", "raw", "--cv", "2",
                           "--out", str(tmp_path / "r"), "--quiet"])
        assert exit_info.value.code == 143 and caught == []      # main's handler, not ours
        assert list(tmp_path.iterdir()) == []                    # no hidden staging folder
        handler = signal.getsignal(signal.SIGTERM)
        assert handler is not None and handler.__name__ == "<lambda>"     # ours, restored
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_command_line_help_is_complete(capsys):
    assert _run(["--help"]) == 0
    text = capsys.readouterr().out
    assert "(default: None)" not in text and "(default: False)" not in text
    assert "(default: raw hog+hogfine+color+colorgrid bovw)" in " ".join(text.split())
    for option in ("--image-size", "--skip-unreadable", "exit codes:", "130", "examples:",
                   "results.json", "dictionary.png", "model.skops", "gallery.png",
                   "python pipeline.py predict"):
        assert option in text, option


def test_cached_features_follow_scikit_learn_conventions(tmp_path):
    import pickle

    from sklearn.base import clone

    X, y = shapes_and_colours(n_per_class=4)
    step = pipeline.CachedFeatures(HOG(), memory=tmp_path)
    assert step.get_params()["transformer__orientations"] == 9
    step.set_params(transformer__orientations=6)
    twin = clone(step)
    assert twin.transformer is not step.transformer and twin.transformer.orientations == 6
    features = step.fit_transform(X)
    assert features.shape == (12, 2 * 2 * 4 * 6) and step.n_features_in_ == 24 * 24 * 3
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(step)).transform(X), features)
    with pytest.raises(ValueError, match="'transformer' parameter of CachedFeatures must be an "
                                         "object implementing 'fit' and 'transform'"):
        pipeline.CachedFeatures("hog").fit(X)
    with pytest.raises(ValueError, match="'memory' parameter of CachedFeatures"):
        pipeline.CachedFeatures(HOG(), memory=3).fit(X)
    # Two workers pickle the cached step and share its cache.
    search = GridSearchCV(pipeline.make_pipeline("hog", memory=tmp_path, max_iter=20,
                                                 random_state=0),
                          {"classifier__alpha": [1e-3, 1e-1]}, cv=2, n_jobs=2).fit(X, y)
    assert search.predict(X[:2]).shape == (2,)


# ------------------------------------------------------- the job as a user runs it
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_python_pipeline_py_runs_as_a_process(image_folder, tmp_path):
    import subprocess
    import sys
    out = tmp_path / "report"
    done = subprocess.run(
        [sys.executable, "pipeline.py", "--dataset", str(image_folder), "--features", "hog",
         "--alphas", "1e-1", "--cv", "2", "--out", str(out), "--quiet"],
        cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "hog" in done.stdout and (out / "report.md").is_file()
    usage = subprocess.run([sys.executable, "pipeline.py", "--cv", "1"], cwd=REPO,
                           capture_output=True, text=True, timeout=300)
    assert usage.returncode == 2 and "cv must be at least 2 folds" in usage.stderr


def test_a_seeded_run_repeats_its_results_exactly(image_folder, tmp_path):
    argv = ["--dataset", str(image_folder), "--features", "raw", "bovw", "--words", "8",
            "--loss", "hinge", "softmax", "--alphas", "1e-2", "1", "--extend", "0",
            "--cv", "2", "--seed", "3", "--quiet"]
    runs = []
    for name in ("a", "b"):
        assert pipeline.main(argv + ["--out", str(tmp_path / name)]) == 0
        results = json.loads((tmp_path / name / "results.json").read_text())
        results["settings"].pop("compare_seconds")
        for row in results["rows"]:
            for key in ("feature_seconds", "fit_seconds", "search_seconds"):
                row.pop(key)
        runs.append(results)
    assert runs[0] == runs[1]


def test_compare_test_accuracy_is_the_refit_pipelines_score():
    X, y = shapes_and_colours(n_per_class=24)
    X_test, y_test = shapes_and_colours(n_per_class=10, seed=1)
    # Trained tightly: compare's refit starts from the splits' solutions, a cold
    # fit from zeros; both reach the same optimum, to the tolerance.
    tight = {"tol": 1e-6, "max_iter": 2000}
    rows = pipeline.compare(X, y, features=["hog+color"], losses=["hinge", "softmax"],
                            alphas=[1e-2, 1.0], extend=0, test=(X_test, y_test),
                            random_state=0, classifier_params=tight)
    for row in rows:
        pipe = pipeline.make_pipeline("hog+color", row["loss"], alpha=row["refit_alpha"],
                                      random_state=0, **tight).fit(X, y)
        assert pipe.score(X_test, y_test) == row["test_accuracy"]


def test_command_line_refuses_a_cache_inside_the_dataset_or_a_file(image_folder, tmp_path,
                                                                    capsys):
    base = ["--dataset", str(image_folder), "--features", "raw", "--out",
            str(tmp_path / "report"), "--quiet"]
    assert _run(base + ["--cache", str(image_folder / "cache")]) == 2
    assert "--cache" in capsys.readouterr().err and not (image_folder / "cache").exists()
    (tmp_path / "a_file").write_text("x")
    assert _run(base + ["--cache", str(tmp_path / "a_file")]) == 2
    err = capsys.readouterr().err
    assert "--cache " in err and "memory=" not in err


def test_describe_counts_images_features_and_fits(monkeypatch):
    from _pipeline import estimate
    from _pipeline.checks import check_data, check_settings
    from _pipeline.estimate import describe

    # the timings replaced by known figures: the estimate is then a hand computation
    def pass_seconds(n_rows, n_features, n_classes):
        return 1e-6 * n_rows * n_features * n_classes

    feature_seconds, timed = {}, estimate._feature_seconds

    def recorded(spec, *args):
        feature_seconds[spec] = timed(spec, *args)[0]
        return feature_seconds[spec], timed(spec, *args)[1]

    monkeypatch.setattr(estimate, "_pass_seconds", pass_seconds)
    monkeypatch.setattr(estimate, "_feature_seconds", recorded)
    X, y = shapes_and_colours()
    settings = check_settings(["raw", "hog+color", "bovw"], ["hinge", "softmax"], [0.1, 1.0],
                              cv=3, n_jobs=None, random_state=0, memory=None,
                              feature_params={"bovw": {"n_words": 8, "n_patches": 500}},
                              classifier_params=None)
    plan = check_data(settings, X, y, test=None, test_size=0.25)
    lines, seconds = describe(plan)
    n_train, n_test = len(plan.y_train), len(plan.y_test)
    assert lines[0].startswith(f"plan: {n_train:,} training and {n_test:,} test images of "
                               "24x24x3")
    assert "2 alphas x 3 folds + 1 refit = 7 fits" in lines[0]
    widths = {"raw": 24 * 24 * 3, "hog+color": pipeline.make_pipeline("hog+color").fit(
        X, y).named_steps["classifier"].coef_.shape[1], "bovw": 8 * 4}
    for line, (name, width) in zip(lines[1:4], widths.items()):
        assert line.split()[0] == name and f"{width:,} features" in line
        assert "14 fits" in line                  # 7 per loss, 2 losses
    # every feature set: its images once, then per loss 60 passes (the full-batch
    # solvers' typical count) of 2 alphas x 3 folds on 2/3 of the rows + 1 refit
    n_classes = len(np.unique(plan.y_train))
    fold_rows = n_train * 2 // 3
    expected = sum(feature_seconds[name] + 2 * 60 * (
        6 * pass_seconds(fold_rows, width, n_classes) + pass_seconds(n_train, width, n_classes))
        for name, width in widths.items())
    assert seconds == pytest.approx(expected, rel=1e-12)
    assert lines[-1].startswith(f"estimate: ~{expected / 60:.1f} min ")


def test_command_line_prints_its_plan_unless_quiet(image_folder, tmp_path, capsys):
    argv = ["--dataset", str(image_folder), "--features", "raw", "--loss", "softmax",
            "--alphas", "0.1", "1", "--cv", "2", "--max-iter", "30"]
    assert pipeline.main(argv + ["--out", str(tmp_path / "a")]) == 0
    err = capsys.readouterr().err
    assert "plan: " in err and "2 alphas x 2 folds + 1 refit = 5 fits" in err
    assert "estimate: ~" in err
    assert pipeline.main(argv + ["--out", str(tmp_path / "b"), "--quiet"]) == 0
    assert "plan: " not in capsys.readouterr().err


def test_compare_refuses_a_predefined_split_over_all_of_x_when_a_test_split_is_taken():
    from sklearn.model_selection import PredefinedSplit

    X, y = shapes_and_colours()
    folds = np.arange(len(y)) % 2
    with pytest.raises(ValueError, match=rf"assigns folds to {len(y)} images, but the grid "
                                         r"search runs on the \d+ training images"):
        pipeline.compare(X, y, features=["raw"], losses=["hinge"], alphas=[1.0],
                         cv=PredefinedSplit(folds))
    # over the training images only, with the test images given: it runs
    rows = pipeline.compare(X[::2], y[::2], features=["raw"], losses=["hinge"], alphas=[1.0],
                            cv=PredefinedSplit(np.arange(len(y[::2])) % 2),
                            test=(X[1::2], y[1::2]))
    assert len(rows[0]["cv_scores"]) == 1


def test_the_report_notes_the_search_tolerance_once_per_loss_and_only_where_loosened():
    from _pipeline.presets import scaled_classifier
    from _pipeline.report import search_tol_notes

    notes = search_tol_notes({("raw", "hinge"): scaled_classifier("hinge"),
                              ("hog", "hinge"): scaled_classifier("hinge"),
                              ("raw", "softmax"): scaled_classifier("softmax")})
    assert len(notes) == 2
    assert "hinge fits stopped once certified within 10% of their optimal objective" \
        in notes[0]
    assert "the refit trained to tol=0.01." in notes[0]
    assert "softmax fits stopped once the gradient's largest absolute entry was at most " \
        "tol=0.001" in notes[1]
    assert "the refit trained to tol=0.0001." in notes[1]
    # a tol the user set holds for the search too: nothing to say
    assert search_tol_notes({("raw", "hinge"): scaled_classifier("hinge", tol=1e-3),
                             ("raw", "softmax"): scaled_classifier("softmax", tol=1e-6)}) == []
