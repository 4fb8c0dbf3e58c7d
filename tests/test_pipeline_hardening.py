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


# ---------------------------------------------------- the third pass (issue 27)

def _dead_pid():
    import subprocess
    import sys
    return int(subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                              capture_output=True, text=True, check=True).stdout)


@pytest.mark.parametrize("cache, out", [("res/cache", "res"), ("x", "x"), ("x", "x/report")])
def test_cache_and_out_that_overlap_exit_2_and_keep_the_cache(folder, tmp_path, capsys,
                                                              monkeypatch, cache, out):
    monkeypatch.chdir(tmp_path)
    assert _run(["--dataset", str(folder), "--cache", cache, "--out", out] + QUICK) == 2
    err = capsys.readouterr().err
    assert f"--cache {cache} and --out {out} overlap" in err and "two separate" in err
    assert not (tmp_path / out).exists()
    (tmp_path / cache).mkdir(parents=True)
    (tmp_path / cache / "features").mkdir()
    assert _run(["--dataset", str(folder), "--cache", cache, "--out", out] + QUICK) == 2
    assert (tmp_path / cache / "features").is_dir()


def test_cache_beside_out_is_reused(folder, tmp_path):
    argv = ["--dataset", str(folder), "--cache", str(tmp_path / "res" / "cache"),
            "--out", str(tmp_path / "res" / "report")] + QUICK
    assert _run(argv) == 0
    files = sorted((tmp_path / "res" / "cache" / "features").iterdir())
    assert files and _run(argv) == 0
    assert sorted((tmp_path / "res" / "cache" / "features").iterdir()) == files


def test_an_alpha_float32_cannot_hold_is_a_usage_error_before_any_work(folder, tmp_path,
                                                                       capsys, monkeypatch):
    def load(*args, **kwargs):
        raise AssertionError("the data was loaded")
    monkeypatch.setattr(cli, "load_dataset", load)
    argv = ["--dataset", str(folder), "--out", str(tmp_path / "r"), "--features", "hog",
            "--cv", "2", "--quiet", "--alphas", "1", "1e39"]
    assert _run(argv) == 2
    err = capsys.readouterr().err
    assert "alphas holds 1e+39, above 8.5e+37" in err and "float32" in err
    from _pipeline.checks import check_alphas
    assert check_alphas([1, 8e37]) == [1.0, 8e37]                # the bound, not below
    X, y = shapes_and_colours()
    with pytest.raises(ValueError, match=r"alphas holds 1e\+38, above 8\.5e\+37"):
        pipeline.compare(X, y, features=["hog"], alphas=[1e-2, 1e38])


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


def test_a_killed_scaler_s_scaled_copy_is_removed_by_the_next_transform(tmp_path):
    from features import ChunkedScaler
    from features.atomic import _HOST

    dead = _dead_pid()
    orphan = tmp_path / f"scaled-{_HOST}-{dead}-abc_12.npy"
    kept = tmp_path / f"scaled-{_HOST}-{os.getpid()}-abc_12.npy"
    for path in (orphan, kept):
        path.write_bytes(b"x" * 100)
    np.save(tmp_path / "F.npy", np.arange(40, dtype=np.float32).reshape(10, 4))
    F = np.load(tmp_path / "F.npy", mmap_mode="r")
    Z = ChunkedScaler(temp_folder=tmp_path, block_rows=3).fit(F).transform(F)
    np.testing.assert_allclose(Z, (F - F.mean(0)) / F.std(0), rtol=1e-5)
    assert not orphan.exists() and kept.exists()


def test_a_killed_run_s_staging_folders_are_removed_and_its_old_report_put_back(
        folder, tmp_path, capsys):
    from features.atomic import _HOST

    dead = _dead_pid()
    out = tmp_path / "report"
    staging = tmp_path / f".report-{_HOST}-{dead}-abc_12"      # killed while writing
    old = tmp_path / f".report-old-{_HOST}-{dead}-abc_34"      # killed while publishing
    (staging / "report.md").parent.mkdir()
    (staging / "report.md").write_text("half a report")
    (old / "report").mkdir(parents=True)
    (old / "report" / "report.md").write_text("the previous report")
    live = tmp_path / f".report-{_HOST}-{os.getpid()}-abc_56"
    live.mkdir()
    # a usage error found after the staging folder is made: no new report
    assert _run(["--dataset", str(folder), "--out", str(out), "--max-train", "1"] + QUICK) == 2
    assert "--max-train=1 is fewer than the 3 classes" in capsys.readouterr().err
    assert (out / "report.md").read_text() == "the previous report"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["report", live.name])


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
