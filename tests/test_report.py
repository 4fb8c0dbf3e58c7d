"""report.py: weight images, class templates, diverged optimizers, names that are not UTF-8."""

import json
import os
from types import SimpleNamespace

import numpy as np
from _helpers import shapes_and_colours
from PIL import Image

import pipeline
from _pipeline import report


def test_weight_images_undo_the_scaling_and_stretch_each_class():
    coef = np.array([[1.0, 2.0, 3.0, 4.0], [0.0, 0.0, 2.0, 2.0]])
    scale = np.array([1.0, 2.0, 1.0, 0.5])
    images = report.weight_images(coef, scale, (2, 2))
    # Effective weights [1, 1, 3, 8] and [0, 0, 2, 4], stretched to 0..255.
    np.testing.assert_array_equal(images[0].ravel(), [0, 0, 73, 255])
    np.testing.assert_array_equal(images[1].ravel(), [0, 0, 128, 255])
    assert images.dtype == np.uint8 and images.shape == (2, 2, 2)


def test_class_templates_name_each_row_by_its_class():
    binary = SimpleNamespace(coef_=np.array([[1.0, 2.0, 3.0, 4.0]]), classes_=np.array([0, 1]))
    templates, names = report.class_templates(binary, np.ones(4), (2, 2), ["cat", "dog"])
    assert names == ["cat", "dog"] and templates.shape == (2, 2, 2)
    np.testing.assert_array_equal(templates[1].ravel(), [0, 85, 170, 255])    # +w is dog's
    np.testing.assert_array_equal(templates[0].ravel(), [255, 170, 85, 0])    # -w is cat's
    # An empty class folder 'bird' has no row: the rows are dog's and cat's, not bird's.
    missing = SimpleNamespace(coef_=np.eye(3)[:2], classes_=np.array([1, 2]))
    _, names = report.class_templates(missing, np.ones(3), (3,), ["bird", "cat", "dog"])
    assert names == ["cat", "dog"]


# Issue 16, case 5: a best alpha where some optimizers diverge
def test_report_skips_the_optimizers_that_diverge(folder, tmp_path):
    out = tmp_path / "r"
    assert pipeline.main(["--dataset", str(folder), "--features", "hog", "--alphas", "300",
                          "--loss", "softmax", "--cv", "2", "--out", str(out), "--quiet"]) == 0
    results = json.loads((out / "results.json").read_text())
    curves = results["optimizer_curves"]
    diverged = [name for name, curve in curves.items() if curve is None]
    assert diverged and len(diverged) < len(curves)
    assert "Diverged at alpha 300" in (out / "report.md").read_text()


# Issue 16, case 6: class folders whose names are not UTF-8
def test_non_utf8_class_names_are_escaped_in_the_report(tmp_path):
    X, y = shapes_and_colours(n_per_class=8, size=16)
    data = os.fsencode(tmp_path / "data")
    for i, (image, label) in enumerate(zip(X, y)):
        name = [b"caf\xe9", b"disc", b"bar"][label]
        os.makedirs(os.path.join(data, name), exist_ok=True)
        Image.fromarray(image).save(os.fsdecode(os.path.join(data, name, b"%d.png" % i)))
    out = tmp_path / "r"
    assert pipeline.main(["--dataset", os.fsdecode(data), "--features", "hog", "--alphas",
                          "1e-1", "--cv", "2", "--out", str(out), "--quiet"]) == 0
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert results["class_names"] == ["bar", "caf\\xe9", "disc"]
    assert report.printable(os.fsdecode(b"caf\xe9")) == "caf\\xe9"
