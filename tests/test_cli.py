"""cli.py: the command line against bad input, each case with its exit code and one line."""

import errno
import json
import os

import numpy as np
import pytest
from _helpers import QUICK, _folder, _run, shapes_and_colours
from PIL import Image

import pipeline
from _pipeline import cli, report
from _pipeline.options import make_parser


# Issue 16, cases 1, 2: --out is a report folder and nothing else, and not inside the data
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


def test_command_line_max_train_keeps_a_class_of_three(tmp_path, capsys):
    data = tmp_path / "data"
    _folder(data / "train", [30, 30, 3], size=16)
    _folder(data / "test", [4, 4, 4], size=16)
    # 6 of 63 images keep one image of c2: too few for 2 folds, which is said
    assert _run(["--dataset", str(data), "--max-train", "6", "--features", "raw",
                 "--alphas", "1e-1", "--cv", "2", "--out", str(tmp_path / "r")]) == 2
    assert "class 'c2' has 1" in capsys.readouterr().err


# Issue 16, case 7: names too long, full disks
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


def test_a_usage_error_leaves_no_cache_folder_behind(folder, tmp_path, capsys):
    cache = tmp_path / "new" / "cache"
    code = _run(["--dataset", str(folder), "--cache", str(cache), "--out", ""] + QUICK)
    assert code == 2 and "--out" in capsys.readouterr().err
    assert not (tmp_path / "new").exists()


# Issue 16, case 14: an empty --dataset
def test_an_empty_dataset_name_exits_2(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert _run(["--dataset", "", "--out", str(tmp_path / "r")]) == 2
    assert "--dataset must be 'cifar10' or a folder" in capsys.readouterr().err


# Issue 16, case 15: photographs at full size
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


def test_a_diverging_optimizer_is_an_error_not_a_traceback(tmp_path, capsys):
    # 36 images put the default grid at 10..1e4, where momentum's default
    # step times alpha overshoots: the fit diverges at the strongest alphas
    root = tmp_path / "images"
    _folder(root, [12, 12, 12])
    out = tmp_path / "report"
    assert _run(["--dataset", str(root), "--features", "raw", "--optimizer", "momentum",
                 "--max-iter", "3", "--out", str(out), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "error: LinearSVM diverged" in err and "leave out --optimizer" in err
    assert "Traceback" not in err and not out.exists()


# Issue 22: the command line's default loss is the one-vs-rest squared hinge
# (Coates et al.'s L2-SVM), on CIFAR-10 the most accurate on HOG + colour and
# the bag of words (README, "Benchmarks"); --loss picks others
def test_the_default_loss_is_the_one_vs_rest_squared_hinge_and_loss_overrides_it(folder,
                                                                                  tmp_path):
    assert make_parser().parse_args([]).losses == ["ovr_squared_hinge"]
    assert make_parser().parse_args(["--loss", "hinge"]).losses == ["hinge"]
    out = tmp_path / "report"
    assert _run(["--dataset", str(folder), "--out", str(out)] + QUICK) == 0
    rows = json.loads((out / "results.json").read_text())["rows"]
    assert [(row["features"], row["loss"]) for row in rows] == [("hog", "ovr_squared_hinge")]
