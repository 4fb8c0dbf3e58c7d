"""The main job against bad input: each case of the second hardening pass (issue 16)."""

import errno
import json
import os

import numpy as np
import pytest
from PIL import Image
from test_pipeline import _folder, shapes_and_colours, write_folder

import pipeline
from _pipeline import cli, report
from _pipeline.data import subsample

QUICK = ["--features", "hog", "--alphas", "1e-2", "--cv", "2", "--max-iter", "30", "--quiet"]


def _run(argv):
    """The exit code of the command line, returned or raised (argparse's usage errors)."""
    try:
        return pipeline.main(argv)
    except SystemExit as exit_info:
        return exit_info.code


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    X, y = shapes_and_colours(n_per_class=12)
    return write_folder(tmp_path_factory.mktemp("images"), X, y)


# 1, 2: --out is a report folder and nothing else, and not inside the data
def test_out_holding_a_folder_named_like_a_report_file_is_refused(folder, tmp_path, capsys):
    out = tmp_path / "o"
    (out / "report.md").mkdir(parents=True)
    (out / "report.md" / "thesis.tex").write_text("keep me")
    assert _run(["--dataset", str(folder), "--out", str(out)] + QUICK) == 2
    assert "holds files that are not part of a report (report.md/)" in capsys.readouterr().err
    assert (out / "report.md" / "thesis.tex").read_text() == "keep me"


def test_out_reached_through_a_link_into_the_data_is_refused(folder, tmp_path, capsys):
    link = tmp_path / "link"
    link.symlink_to(folder)
    assert _run(["--dataset", str(folder), "--out", str(link / "report")] + QUICK) == 2
    assert "is inside --dataset" in capsys.readouterr().err
    assert _run(["--dataset", str(folder), "--out", str(link)] + QUICK) == 2
    assert "is a symbolic link" in capsys.readouterr().err
    assert sorted(p.name for p in folder.iterdir()) == ["disc", "hbar", "vbar"]


# 3: a subsample keeps every class
def test_subsample_keeps_every_class_even_a_small_one():
    y = np.repeat([0, 1, 2], [30, 30, 3])
    _, kept = subsample(np.arange(len(y)), y, 6, 0)
    assert sorted(set(kept.tolist())) == [0, 1, 2] and len(kept) == 6


def test_command_line_max_train_keeps_a_class_of_three(tmp_path, capsys):
    data = tmp_path / "data"
    _folder(data / "train", [30, 30, 3], size=16)
    _folder(data / "test", [4, 4, 4], size=16)
    # 6 of 63 images keep one image of c2: too few for 2 folds, which is said
    assert _run(["--dataset", str(data), "--max-train", "6", "--features", "raw",
                 "--alphas", "1e-1", "--cv", "2", "--out", str(tmp_path / "r")]) == 2
    assert "class 'c2' has 1" in capsys.readouterr().err


# 5: a best alpha where some optimizers diverge
def test_report_skips_the_optimizers_that_diverge(folder, tmp_path):
    out = tmp_path / "r"
    assert pipeline.main(["--dataset", str(folder), "--features", "hog", "--alphas", "300",
                          "--loss", "softmax", "--cv", "2", "--out", str(out), "--quiet"]) == 0
    results = json.loads((out / "results.json").read_text())
    curves = results["optimizer_curves"]
    diverged = [name for name, curve in curves.items() if curve is None]
    assert diverged and len(diverged) < len(curves)
    assert "Diverged at alpha 300" in (out / "report.md").read_text()


# 6: class folders whose names are not UTF-8
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


# 7: names too long, full disks
def test_an_out_name_too_long_exits_2_with_one_line(folder, tmp_path, capsys):
    assert _run(["--dataset", str(folder), "--out", str(tmp_path / ("r" * 300))] + QUICK) == 2
    err = capsys.readouterr().err
    assert "cannot write there (File name too long)" in err and "Traceback" not in err


@pytest.mark.parametrize("where", ["report", "cache"])
def test_a_full_disk_exits_1_with_one_line(folder, tmp_path, monkeypatch, capsys, where):
    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    monkeypatch.setattr(report, "write_report", full) if where == "report" else \
        monkeypatch.setattr(cli, "run", full)
    out = tmp_path / "r"
    assert pipeline.main(["--dataset", str(folder), "--out", str(out)] + QUICK) == 1
    err = capsys.readouterr().err
    assert "No space left on device" in err and len(err.strip().splitlines()) == 1
    assert not out.exists() and list(tmp_path.iterdir()) == []


# 8: a generator of splits serves every feature set and loss
def test_compare_materializes_a_generator_of_splits():
    X, y = shapes_and_colours(n_per_class=12, size=16)
    rows_ = np.arange(len(y))
    splits = ((np.flatnonzero(rows_ % 3 != k), np.flatnonzero(rows_ % 3 == k))
              for k in range(3))
    rows = pipeline.compare(X, y, features=["raw", "hog"], losses=["hinge", "softmax"],
                            alphas=[1e-1], cv=splits, test=(X[::4], y[::4]),
                            classifier_params={"max_iter": 30})
    assert len(rows) == 4 and all(len(r["cv_scores"]) == 1 for r in rows)
    with pytest.raises(ValueError, match="cv must be a number of folds"):
        pipeline.compare(X, y, cv=2.5)


# 9: the feature cache checked up front
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


def test_a_usage_error_leaves_no_cache_folder_behind(folder, tmp_path, capsys):
    cache = tmp_path / "new" / "cache"
    code = _run(["--dataset", str(folder), "--cache", str(cache), "--out", ""] + QUICK)
    assert code == 2 and "--out" in capsys.readouterr().err
    assert not (tmp_path / "new").exists()


# 10: labels of no single sortable type
@pytest.mark.parametrize("y, match", [
    ([None, 1, 2] * 20, "labels must be of one sortable type|holds None"),
    (np.array(["a", 1.5, "b"] * 20, dtype=object),
     "labels must be of one sortable type .* float, str"),
])
def test_compare_refuses_labels_of_mixed_types(y, match):
    X = np.zeros((60, 16, 16, 3), np.uint8)
    with pytest.raises(ValueError, match=match):
        pipeline.compare(X, y)


# 12: flattened or pandas X
def test_compare_on_flattened_images_names_the_users_shape():
    pd = pytest.importorskip("pandas")
    X, y = shapes_and_colours(n_per_class=10, size=16)
    for flat in (X.reshape(len(X), -1), pd.DataFrame(X.reshape(len(X), -1))):
        with pytest.raises(ValueError, match=r"hog: X has shape \(30, 768\).*feature_params="
                                             r"\{'hog': \{'image_shape'"):
            pipeline.compare(flat, y, features=["hog"])


# 14: an empty --dataset
def test_an_empty_dataset_name_exits_2(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert _run(["--dataset", "", "--out", str(tmp_path / "r")]) == 2
    assert "--dataset must be 'cifar10' or a folder" in capsys.readouterr().err


# 15: photographs at full size
def test_huge_images_are_refused_before_loading_or_resized(tmp_path, capsys):
    data = tmp_path / "photos"
    rng = np.random.default_rng(0)
    for k in range(2):
        (data / f"c{k}").mkdir(parents=True)
        for i in range(4):
            Image.fromarray(rng.integers(0, 256, (1100, 1000, 3), dtype=np.uint8)).save(
                data / f"c{k}" / f"{i}.png")
    out = tmp_path / "r"
    assert _run(["--dataset", str(data), "--features", "raw", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "1000x1100 pixels, more than the 1048576" in err and "--image-size" in err
    assert pipeline.main(["--dataset", str(data), "--features", "raw", "--image-size", "16",
                          "16", "--alphas", "1e-1", "--cv", "2", "--test-size", "0.25",
                          "--out", str(out), "--quiet"]) == 0
