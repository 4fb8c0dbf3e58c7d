"""staging.py: a report is published whole or the old one is put back."""

import os

import pytest
from _helpers import QUICK, _dead_pid, _run

from _pipeline.staging import publish


def test_publish_puts_the_old_report_back_when_interrupted(tmp_path, monkeypatch):
    out, staging = tmp_path / "report", tmp_path / ".report-new"
    out.mkdir()
    (out / "report.md").write_text("old")
    staging.mkdir()
    (staging / "report.md").write_text("new")
    real_replace, calls = os.replace, []

    def replace(src, dst):
        calls.append(src)
        if len(calls) == 2:             # staging -> out, after out moved aside
            raise KeyboardInterrupt
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(KeyboardInterrupt):
        publish(staging, out)
    assert (out / "report.md").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".report-new", "report"]


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
