"""The saved model (skops), ``python pipeline.py predict``, and the report's per-class scores."""

import csv
import io
import json
import re
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

import pipeline
from _pipeline import report
from _pipeline.model import Model, ModelFileError, load_model
from features import load_image_folder

NAMES = ["disc", "hbar", "vbar"]
SIZE = 16


def shapes(n_per_class, seed):
    """A disc, a horizontal bar or a vertical bar on noise: classes HOG tells apart."""
    rng = np.random.default_rng(seed)
    rows, cols = np.mgrid[:SIZE, :SIZE]
    images, labels = [], []
    for label in range(3):
        for _ in range(n_per_class):
            image = rng.integers(40, 120, (SIZE, SIZE, 3))
            r, c = rng.integers(4, SIZE - 4, 2)
            mask = [(rows - r) ** 2 + (cols - c) ** 2 <= 9,
                    (abs(rows - r) <= 1) & (abs(cols - c) <= 4),
                    (abs(cols - c) <= 1) & (abs(rows - r) <= 4)][label]
            image[mask] = 230
            images.append(image.astype(np.uint8))
            labels.append(label)
    return np.stack(images), np.array(labels)


@pytest.fixture(scope="module")
def fitted():
    X, y = shapes(15, seed=1)
    models = {loss: pipeline.make_pipeline("hog", loss, alpha=1e-1).fit(X, y)
              for loss in ("softmax", "hinge")}
    return X, y, models


@pytest.fixture(scope="module")
def saved(fitted, tmp_path_factory):
    X, y, models = fitted
    path = tmp_path_factory.mktemp("model") / "model.skops"
    Model(models["softmax"], class_names=NAMES, image_shape=X.shape[1:],
          info={"features": "hog", "loss": "softmax"}).save(path)
    return path


# --------------------------------------------------------------------------- save and load

@pytest.mark.parametrize("loss", ["softmax", "hinge"])
def test_round_trip_predicts_as_the_fitted_pipeline(fitted, loss, tmp_path):
    X, y, models = fitted
    path = Model(models[loss], class_names=NAMES, image_shape=X.shape[1:]).save(
        tmp_path / "m.skops")
    model = pipeline.load_model(path)
    X_new, _ = shapes(5, seed=7)
    expected = models[loss].predict(X_new)
    np.testing.assert_array_equal(model.predict(X_new), np.array(NAMES)[expected])
    np.testing.assert_array_equal(model.decision_function(X_new),
                                  models[loss].decision_function(X_new))
    assert model.classes_.tolist() == NAMES and model.image_shape == (SIZE, SIZE, 3)
    if loss == "softmax":
        np.testing.assert_array_equal(model.predict_proba(X_new),
                                      models[loss].predict_proba(X_new))
    else:
        with pytest.raises(AttributeError, match="no probabilities"):
            model.predict_proba(X_new)
    versions = model.metadata["versions"]
    assert set(versions) == {"classic-image-pipeline", "python", "numpy", "scikit-learn",
                             "scikit-image", "Pillow", "skops"}
    assert versions["numpy"] == np.__version__
    assert model.metadata["feature_settings"]["HOG"]["block_norm"] == "L1-sqrt"
    assert [p.name for p in tmp_path.iterdir()] == ["m.skops"]      # no partial file left


def test_top_k_ranks_the_classes_by_probability(fitted, saved):
    model = load_model(saved)
    X_new, _ = shapes(6, seed=3)
    names, scores = model.top_k(X_new, k=2)
    proba = fitted[2]["softmax"].predict_proba(X_new)
    order = np.argsort(-proba, axis=1)[:, :2]       # the oracle: numpy's sort
    np.testing.assert_array_equal(names, np.array(NAMES)[order])
    np.testing.assert_allclose(scores, np.take_along_axis(proba, order, axis=1))
    np.testing.assert_array_equal(names[:, 0], model.predict(X_new))
    with pytest.raises(ValueError, match="k must be an int in 1..3"):
        model.top_k(X_new, k=4)


def test_model_refuses_images_of_another_shape(saved):
    model = load_model(saved)
    with pytest.raises(ValueError, match=r"shape \(n, 16, 16, 3\); got an array of shape "
                                         r"\(2, 20, 16, 3\)"):
        model.predict(np.zeros((2, 20, 16, 3), np.uint8))


def test_save_is_atomic(saved, fitted, tmp_path, monkeypatch):
    import skops.io

    target = tmp_path / "model.skops"
    target.write_bytes(b"older")

    def broken(obj, file):
        Path(file).write_bytes(b"half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(skops.io, "dump", broken)
    X, _, models = fitted
    with pytest.raises(OSError, match="No space"):
        Model(models["softmax"], class_names=NAMES, image_shape=X.shape[1:]).save(target)
    assert target.read_bytes() == b"older" and [p.name for p in tmp_path.iterdir()] == [
        "model.skops"]


def _rewrite(path, out, edit):
    """A copy of the skops file ``path`` with its schema.json edited by ``edit(text)``."""
    with zipfile.ZipFile(path) as archive:
        entries = {name: archive.read(name) for name in archive.namelist()}
    entries["schema.json"] = edit(entries["schema.json"].decode()).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    out.write_bytes(buffer.getvalue())
    return out


def test_a_file_holding_an_untrusted_type_is_refused_and_named(saved, tmp_path):
    def swap(text):
        schema = json.loads(text)
        node = schema["content"]["pipeline"]["content"]["content"]["steps"]["content"][0]
        node["content"][1]["__module__"], node["content"][1]["__class__"] = "os", "system"
        return json.dumps(schema)

    tampered = _rewrite(saved, tmp_path / "tampered.skops", swap)
    with pytest.raises(ModelFileError, match=r"refusing to load it: os\.system"):
        load_model(tampered)


def test_a_file_naming_the_scaler_by_its_former_module_still_loads(saved, fitted, tmp_path):
    # Files saved before ChunkedScaler moved to features.scaler name it
    # features.chunks.ChunkedScaler.
    def former(text):
        assert '"features.scaler"' in text
        return text.replace('"features.scaler"', '"features.chunks"')

    model = load_model(_rewrite(saved, tmp_path / "former.skops", former))
    X, _, models = fitted
    assert type(model.pipeline.named_steps["scale"]).__name__ == "ChunkedScaler"
    np.testing.assert_array_equal(model.predict_proba(X), models["softmax"].predict_proba(X))


@pytest.mark.parametrize("key, value, match", [
    ("classic-image-pipeline", '"0.0.1"', "written by classic-image-pipeline 0.0.1"),
    ("format_version", "2", r"model format 2\)"),
])
def test_a_file_of_another_version_is_refused(saved, tmp_path, key, value, match):
    def change(text):
        schema = json.loads(text)
        content = schema["content"]
        node = (content["format_version"] if key == "format_version"
                else content["metadata"]["content"]["versions"]["content"][key])
        node["content"] = value
        return json.dumps(schema)

    with pytest.raises(ModelFileError, match=match):
        load_model(_rewrite(saved, tmp_path / "other.skops", change))


def test_other_library_versions_load_with_a_warning_naming_them(saved, tmp_path):
    def change(text):
        schema = json.loads(text)
        versions = schema["content"]["metadata"]["content"]["versions"]["content"]
        versions["scikit-learn"]["content"] = '"0.1"'
        return json.dumps(schema)

    with pytest.warns(UserWarning, match=r"trained with scikit-learn 0\.1 \(here "):
        model = load_model(_rewrite(saved, tmp_path / "older.skops", change))
    assert model.classes_.tolist() == NAMES


def test_bad_model_files_are_refused_by_name(tmp_path):
    with pytest.raises(ModelFileError, match="no such model file"):
        load_model(tmp_path / "missing.skops")
    (tmp_path / "text.skops").write_text("hello")
    with pytest.raises(ModelFileError, match="not a zip archive"):
        load_model(tmp_path / "text.skops")
    with pytest.raises(ModelFileError, match="is not a file"):
        load_model(tmp_path)
    with pytest.raises(TypeError, match="path must be a str or path-like"):
        load_model(3)


def test_the_recorded_version_is_pyproject_s():
    text = (Path(__file__).parents[1] / "pyproject.toml").read_text()
    assert f'\nversion = "{pipeline.__version__}"\n' in text


# --------------------------------------------------------------------------- predict command

@pytest.fixture
def photo_folder(tmp_path):
    """PNG and JPEG files in a folder tree, an image of another size and a text file."""
    X, y = shapes(2, seed=5)
    root = tmp_path / "photos"
    (root / "more" / "deeper").mkdir(parents=True)
    paths = []
    for i, image in enumerate(X):
        folder = [root, root / "more", root / "more" / "deeper"][i % 3]
        path = folder / (f"{i}.png" if i % 2 else f"{i}.jpg")
        Image.fromarray(image).save(path)
        paths.append(path)
    Image.fromarray(X[0]).resize((24, 20)).save(root / "more" / "wide.png")
    (root / "notes.png").write_text("not an image")
    (root / ".hidden.png").write_text("ignored, as the loaders ignore it")
    return root, paths


def _read_rgb(path, size=None):
    with Image.open(path) as im:
        im = im.convert("RGB")
        return np.asarray(im if size is None else im.resize(size, Image.Resampling.BILINEAR))


def test_predict_command_writes_the_model_s_predictions(saved, photo_folder, tmp_path, capsys):
    root, paths = photo_folder
    out = tmp_path / "predictions.csv"
    code = pipeline.main(["predict", str(saved), str(root), "--out", str(out), "--top-k", "2",
                          "--resize", "--skip-unreadable", "--batch-size", "2", "--quiet"])
    assert code == 0
    captured = capsys.readouterr()
    assert "notes.png" in captured.err and "(7 images)" in captured.out
    assert ".hidden.png" not in captured.err            # hidden files are not listed
    with open(out, newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["file", "predicted", "class_1", "probability_1", "class_2",
                             "probability_2"]
    wide = root / "more" / "wide.png"
    assert sorted(row["file"] for row in rows) == sorted(map(str, paths + [wide]))
    by_file = {row["file"]: row for row in rows}
    images = np.stack([_read_rgb(p) for p in paths] + [_read_rgb(wide, (SIZE, SIZE))])
    model = load_model(saved)
    predicted = model.predict(images)
    proba = model.predict_proba(images)
    for i, path in enumerate(paths + [wide]):
        row = by_file[str(path)]
        assert row["predicted"] == row["class_1"] == predicted[i]
        best_two = np.argsort(-proba[i])[:2]
        assert [row["class_1"], row["class_2"]] == [NAMES[k] for k in best_two]
        np.testing.assert_allclose([float(row["probability_1"]), float(row["probability_2"])],
                                   proba[i, best_two], rtol=1e-5)


def test_predict_command_refuses_unreadable_and_other_sizes_by_name(saved, photo_folder,
                                                                      tmp_path, capsys):
    root, _ = photo_folder
    out = tmp_path / "p.csv"
    assert pipeline.main(["predict", str(saved), str(root), "--out", str(out),
                          "--quiet"]) == 2
    assert re.search(r"notes\.png as an image .*pass --skip-unreadable", capsys.readouterr().err)
    assert pipeline.main(["predict", str(saved), str(root), "--out", str(out), "--quiet",
                          "--skip-unreadable"]) == 2
    assert re.search(r"wide\.png is 24x20 pixels, but the model takes 16x16 images; pass "
                     "--resize", capsys.readouterr().err)
    assert list(tmp_path.iterdir()) == [root]          # no CSV file, no partial one


def test_predict_command_refuses_bad_model_files_in_one_line(saved, photo_folder, tmp_path,
                                                             capsys):
    root, _ = photo_folder
    (tmp_path / "fake.skops").write_text("not a model")
    older = _rewrite(saved, tmp_path / "older.skops",
                     lambda text: text.replace('"content": "1"', '"content": "0"', 1))
    assert '"content": "0"' in zipfile.ZipFile(older).read("schema.json").decode()
    altered = _rewrite(saved, tmp_path / "altered.skops",
                       lambda text: text.replace('"features.hog"', '"builtins"', 1))
    for model, match in [(tmp_path / "none.skops", "no such model file"),
                         (tmp_path / "fake.skops", "not a skops model file"),
                         (older, "(model format 0); this is"),
                         (altered, "refusing to load it: builtins.HOG")]:
        assert pipeline.main(["predict", str(model), str(root), "--quiet"]) == 2
        err = capsys.readouterr().err
        assert match in err and err.count("\n") == 1


@pytest.mark.parametrize("options, match", [
    (["--top-k", "4"], "--top-k must be in 1..3"),
    (["--batch-size", "0"], "--batch-size must be a positive int"),
    (["--out", "."], "must name a CSV file, not a folder"),
    (["--out", "no/such/folder/p.csv"], "does not exist"),
])
def test_predict_command_usage_errors_exit_2(saved, photo_folder, options, match, capsys):
    with pytest.raises(SystemExit) as exit_info:
        pipeline.main(["predict", str(saved), str(photo_folder[0]), *options])
    assert exit_info.value.code == 2 and match in capsys.readouterr().err


def test_predict_command_help(capsys):
    with pytest.raises(SystemExit) as exit_info:
        pipeline.main(["predict", "--help"])
    text = capsys.readouterr().out
    assert exit_info.value.code == 0
    for option in ("MODEL", "--top-k", "--resize", "--skip-unreadable", "--batch-size",
                   "exit codes"):
        assert option in text, option


def test_predict_command_names_a_missing_path(saved, tmp_path, capsys):
    assert pipeline.main(["predict", str(saved), str(tmp_path / "gone"), "--quiet"]) == 2
    assert "gone: no such file or folder" in capsys.readouterr().err


# --------------------------------------------------------------------------- the report

@pytest.mark.parametrize("seed", range(3))
def test_class_metrics_agree_with_scikit_learn(seed):
    rng = np.random.default_rng(seed)
    y_true = rng.integers(0, 3, 40)             # class 3 never occurs, class 2 never predicted
    y_pred = rng.choice([0, 1, 3], 40)
    names = ["a", "b", "c", "d"]
    rows = report.class_metrics(confusion_matrix(y_true, y_pred, labels=range(4)), names)
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=range(4),
                                                 zero_division=0)
    assert [row["class"] for row in rows] == names
    np.testing.assert_allclose([row["precision"] for row in rows], p)
    np.testing.assert_allclose([row["recall"] for row in rows], r)
    np.testing.assert_allclose([row["f1"] for row in rows], f)
    assert [row["support"] for row in rows] == s.tolist()


def _train_test_folder(root):
    X, y = shapes(10, seed=2)
    X_test, y_test = shapes(6, seed=9)
    X_test[::4] = X_test[::4][:, ::-1].transpose(0, 2, 1, 3)   # some bars turned: mistakes
    for part, images, labels in (("train", X, y), ("test", X_test, y_test)):
        for i, (image, label) in enumerate(zip(images, labels)):
            folder = root / part / NAMES[label]
            folder.mkdir(parents=True, exist_ok=True)
            Image.fromarray(image).save(folder / f"{i:03d}.png")
    return root


def test_command_line_saves_the_best_model_and_reports_its_errors(tmp_path, capsys):
    data = _train_test_folder(tmp_path / "data")
    out = tmp_path / "report"
    assert pipeline.main(["--dataset", str(data), "--features", "raw", "hog", "--loss",
                          "softmax", "--alphas", "1e-1", "--cv", "2", "--out", str(out),
                          "--quiet"]) == 0
    results = json.loads((out / "results.json").read_text())
    assert {"model.skops", "gallery.png", "confusion.png"} <= {p.name for p in out.iterdir()}
    best = results["best"]
    model = load_model(out / "model.skops")
    assert model.metadata["info"]["features"] == best["features"]
    assert model.metadata["class_names"] == NAMES
    # The report's numbers, from the saved model's predictions on the test folder.
    X_test, y_test, names = load_image_folder(data / "test")
    predicted = model.predict(X_test)
    truth = np.array(names)[y_test]
    p, r, f, s = precision_recall_fscore_support(truth, predicted, labels=NAMES,
                                                 zero_division=0)
    assert np.mean(truth != predicted) > 0          # a gallery to draw
    per_class = results["per_class"]
    np.testing.assert_allclose([row["precision"] for row in per_class], p)
    np.testing.assert_allclose([row["recall"] for row in per_class], r)
    np.testing.assert_allclose([row["f1"] for row in per_class], f)
    text = (out / "report.md").read_text()
    for name, values in zip(NAMES, zip(p, r, f, s)):
        assert f"| {name} | {values[0]:.3f} | {values[1]:.3f} | {values[2]:.3f} | " \
               f"{values[3]} |" in text
    assert "(gallery.png)" in text and "predict model.skops" in text
    drawn = re.findall(r"!\[[^]]*\]\(([a-z_]+\.png)\)", text)
    assert drawn.index("gallery.png") == drawn.index("confusion.png") + 1     # beside it
    with Image.open(out / "gallery.png") as image:
        assert image.format == "PNG" and image.width >= 150


def test_predict_command_stops_on_a_truncated_image_and_keeps_the_old_csv(
        saved, photo_folder, tmp_path, capsys):
    root, paths = photo_folder
    (root / "notes.png").unlink()
    (root / "more" / "wide.png").unlink()
    whole = paths[1].read_bytes()               # a PNG: its header reads, its pixels do not
    (root / "truncated.png").write_bytes(whole[:len(whole) // 2])
    out = tmp_path / "p.csv"
    out.write_text("older predictions")
    assert pipeline.main(["predict", str(saved), str(root), "--out", str(out), "--quiet",
                          "--batch-size", "2"]) == 2
    assert "truncated.png as an image" in capsys.readouterr().err
    assert out.read_text() == "older predictions"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.csv", "photos"]
    assert pipeline.main(["predict", str(saved), str(root), "--out", str(out), "--quiet",
                          "--skip-unreadable"]) == 0
    assert "truncated.png" in capsys.readouterr().err
    assert len(out.read_text().splitlines()) == 1 + len(paths)
