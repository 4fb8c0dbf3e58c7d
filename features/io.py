"""What the data-set loaders share: checks of the paths given, and a downloaded archive's
safe extraction and installation.

The loaders themselves have a module each, as scikit-learn's
``datasets/_base.py`` serves its per-data-set modules: image folders in
:mod:`features.image_folder`, CIFAR-10 in :mod:`features.cifar10`.  Every
loader checks its arguments before it reads or downloads anything, and every
file it reads is checked for what it must hold: a file that is not what it
should be raises a ``ValueError`` naming the file and what is wrong, never a
bare traceback from deep inside pickle or pillow, and never garbage.
"""

import os
import shutil
import tarfile
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

from _constraints import Rule

from .atomic import replace_folder

__all__ = ["check_path", "check_folder", "safe_extract", "install", "remove_leftovers",
           "HttpUrl", "Md5"]


def check_path(path, name, owner):
    """``path`` as a Path; a TypeError for anything that is not a str or path-like."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"{owner}: {name} must be a str or path-like (a folder), got "
                        f"{type(path).__name__} {path!r}.")
    return Path(path)


def check_folder(path, name, owner, what):
    """Raise unless ``path`` is an existing folder; ``what`` says what it should hold."""
    path = check_path(path, name, owner)
    if not path.exists():
        raise FileNotFoundError(f"{owner}: {path} does not exist; expected a folder {what}.")
    if not path.is_dir():
        raise NotADirectoryError(f"{owner}: {path} is a file, not a folder; expected a "
                                 f"folder {what}.")
    return path


def safe_extract(archive, destination):
    """Extract a tar archive, refusing any member that would land outside ``destination``.

    Absolute paths, ``..`` components, links and device files are refused
    before anything is written.
    """
    destination = Path(destination).resolve()
    # Python >= 3.12 filters members itself; "data" is its strictest filter
    # and matches the checks below.
    filtered = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
    try:
        with tarfile.open(archive) as tar:
            members = tar.getmembers()
            for member in members:
                target = (destination / member.name).resolve()
                if not (member.isfile() or member.isdir()):
                    raise ValueError(f"Refusing to extract {member.name!r} from {archive}: "
                                     "only regular files and folders are expected.")
                if target != destination and destination not in target.parents:
                    raise ValueError(f"Refusing to extract {member.name!r} from {archive}: "
                                     "it would be written outside the target folder.")
            for member in members:
                tar.extract(member, destination, set_attrs=False, **filtered)
    except (tarfile.TarError, EOFError) as exc:
        raise ValueError(f"{archive} is not a readable tar.gz archive ({exc}).") from exc


@contextmanager
def _install_lock(home, stale_after=60.0):
    """Let one process at a time move an extracted copy into place.

    The lock is a folder (``mkdir`` is atomic on every platform).  It is held
    only for a few renames, milliseconds, so one older than ``stale_after``
    seconds was left by a process that died holding it and is broken.
    """
    lock = home / ".install.lock"
    while True:
        try:
            lock.mkdir()
            break
        except FileExistsError:
            try:
                age = time.time() - lock.stat().st_mtime
            except FileNotFoundError:
                continue                        # released meanwhile: try again
            if age > stale_after:
                shutil.rmtree(lock, ignore_errors=True)
            else:
                time.sleep(0.02)
    try:
        yield
    finally:
        shutil.rmtree(lock, ignore_errors=True)


def install(staged, folder, is_complete):
    """Rename the extracted ``staged`` folder to ``folder``, replacing a stale one.

    A complete copy already in place (``is_complete(folder)``: another
    process was first) is kept and ``staged`` is left for the caller to
    delete.  Anything else at ``folder`` (a copy left half-way by a crash, a
    stray file) is replaced through :func:`features.atomic.replace_folder`,
    so ``folder`` is at every moment absent, stale, or complete; never
    half-replaced.  One process at a time installs, under a lock in
    ``folder``'s parent.
    """
    with _install_lock(folder.parent):
        if is_complete(folder):
            return
        # ".stale-": the prefix remove_leftovers knows
        replace_folder(staged, folder, aside_prefix=".stale-")


def remove_leftovers(home, older_than=3600.0):
    """Delete temporary folders that crashed fetches left in ``home``.

    A live fetch extracts in well under ``older_than`` seconds, so only the
    folders of dead processes are that old.
    """
    now = time.time()
    for path in [*home.glob(".extract-*"), *home.glob(".stale-*")]:
        try:
            if now - path.stat().st_mtime > older_than:
                shutil.rmtree(path, ignore_errors=True)
        except FileNotFoundError:
            pass                            # another process removed it first


class HttpUrl(Rule):
    """An http:// or https:// address."""

    def is_satisfied_by(self, val):
        return (isinstance(val, str) and urlparse(val).scheme in ("http", "https")
                and bool(urlparse(val).netloc))

    def __str__(self):
        return "the http:// or https:// address of the archive"


class Md5(Rule):
    """32 hexadecimal digits."""

    def is_satisfied_by(self, val):
        return (isinstance(val, str) and len(val) == 32
                and all(c in "0123456789abcdefABCDEF" for c in val))

    def __str__(self):
        return "the 32 hex digits of the archive's md5"
