"""The report's hidden staging folder beside ``--out``, and its publishing.

The report is written into a new hidden folder beside ``--out`` and swapped
in whole when complete (:func:`features.atomic.replace_folder`): a failed or
interrupted run leaves ``--out`` as it was.  Because the swap replaces the
whole folder, :func:`staging_folder` first checks that ``--out`` is a folder
a report may replace, and says so as a usage error (exit code 2) before any
long work.
"""

import os
from pathlib import Path

from features.atomic import remove_dead_stagings, replace_folder, staging_folder_beside

#: The files a report writes: the only ones an existing --out may hold.
REPORT_FILES = {"report.md", "results.json", "alpha_curve.png", "confusion.png",
                "optimizers.png", "hog.png", "templates.png", "dictionary.png",
                "gallery.png", "model.skops"}


def staging_folder(parser, out, dataset):
    """A fresh folder beside ``out`` to write the report into (checks ``out`` is usable)."""
    given = out
    if not str(out).strip():
        parser.error("--out must name a folder, got an empty string.")
    try:
        return _make_staging_folder(parser, given, dataset)
    except OSError as error:           # a name too long, a full disk, ...
        parser.error(f"--out {given}: cannot write there ({error.strerror or error}).")


def _make_staging_folder(parser, given, dataset):
    # Absolute, so that '.', '..' or 'a/..' name a real folder with a parent to rename in.
    out = Path(os.path.abspath(given))
    if out.is_symlink():
        parser.error(f"--out {given} is a symbolic link; the report replaces the whole "
                     "folder, so give the folder itself.")
    # Compared with every link resolved: a path through a link into --dataset
    # (or above the current folder) is that folder.
    real = Path(os.path.realpath(out))
    cwd = Path(os.path.realpath(Path.cwd()))
    if real == cwd or real in cwd.parents:
        parser.error(f"--out {given} is the current folder or holds it, and the report "
                     "replaces the whole --out folder; give a new sub-folder such as "
                     "'report'.")
    if dataset != "cifar10":
        data = Path(os.path.realpath(dataset))
        if real == data or data in real.parents:
            parser.error(f"--out {given} is inside --dataset {dataset}, so the report would "
                         "become part of the data set; give a folder outside it.")
    if out.exists():
        if not out.is_dir():
            parser.error(f"--out {given} exists and is not a folder.")
        # Only the files a report writes may be there, as plain files: the
        # whole folder is replaced.
        foreign = sorted(p.name + ("/" if p.is_dir() else "") for p in out.iterdir()
                         if p.name not in REPORT_FILES or p.is_symlink() or not p.is_file())
        if foreign:
            parser.error(f"--out {given} holds files that are not part of a report "
                         f"({', '.join(foreign[:3])}{', ...' if len(foreign) > 3 else ''}); "
                         "it would be replaced: give a new or empty folder.")
        # Moving a folder to another parent rewrites its '..': it must be writable.
        if not os.access(out, os.W_OK | os.X_OK):
            parser.error(f"--out {given}: cannot replace it (no write permission on it).")
    out.parent.mkdir(parents=True, exist_ok=True)
    # A run killed before it could clean up left its staging folder, or, killed
    # while publishing, the previous report aside: put back, the rest removed.
    remove_dead_stagings(out)
    if not out.exists():
        # the report is renamed to this name at the very end: make sure it can be
        # (a name too long for the file system would fail only after all the work)
        out.mkdir()
        out.rmdir()
    return staging_folder_beside(out)


def publish(staging, out):
    """Move the finished report into place, replacing an older one.

    Interrupted between the two renames, the older report is put back.
    """
    replace_folder(staging, Path(os.path.abspath(out)))
