"""Writing a file or a folder atomically: the one place that does it.

A file is written under a hidden name beside its target and renamed to it
with ``os.replace`` only when complete, so a reader sees the old file or the
new one, never half of one, and an interrupted write leaves the target as it
was.  Beside, because a rename is atomic only within one file system.  A
folder is staged the same way and swapped in with two renames
(:func:`replace_folder`).

Every temporary file or folder is named for this host and process
(:func:`owner_tag`): a process killed before it could clean up (SIGKILL, the
OOM killer, a power cut) leaves one behind, and the next writer into the same
folder on this host removes those whose process is gone (:func:`orphans`).

Nothing here calls ``fsync``: the guarantee is against a crashed or killed
process, not a crashed machine.
"""

import contextlib
import errno
import os
import shutil
import socket
import stat
import tempfile
from contextlib import contextmanager
from pathlib import Path

import numpy as np

__all__ = ["AtomicWrite", "replacing", "write_npy", "open_npy", "check_npy_path",
           "partial_beside", "tagged_file", "tagged_folder", "staging_folder_beside",
           "replace_folder", "remove_dead_stagings", "owner_tag", "orphans",
           "remove_orphans"]


# A host name without "-", so that the temporaries' names split unambiguously.
_HOST = socket.gethostname().replace("-", "_") or "host"


def owner_tag():
    """``'<host>-<pid>-'``: put after a prefix in the name of a temporary file or
    folder, it lets :func:`remove_orphans` remove it once this process is gone."""
    return f"{_HOST}-{os.getpid()}-"


def orphans(folder, prefix, suffix=""):
    """The entries ``<prefix>...-<host>-<pid>-<random><suffix>`` of ``folder`` left
    by this host's dead processes (:func:`owner_tag`), as paths.

    Entries of another host's processes (a cluster sharing the folder) and of
    live ones are not listed: the pid can only be checked here.
    """
    try:
        names = [name for name in os.listdir(folder)
                 if name.startswith(prefix) and name.endswith(suffix)]
    except OSError:
        return []
    found = []
    for name in names:
        fields = name[:len(name) - len(suffix)].rsplit("-", 3)
        if (len(fields) == 4 and fields[1] == _HOST and fields[2].isdigit()
                and _process_is_gone(int(fields[2]))):
            found.append(Path(folder) / name)
    return found


def remove_orphans(folder, prefix, suffix=""):
    """Remove the files and folders of :func:`orphans` (those that can be)."""
    for path in orphans(folder, prefix, suffix):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                path.unlink()


def _process_is_gone(pid):
    """True when no process ``pid`` runs here (a process of another user counts as live)."""
    if os.name == "nt":                 # os.kill would end the process there
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return False


def tagged_file(folder, prefix, suffix=""):
    """A new empty file ``<prefix><host>-<pid>-<random><suffix>`` in ``folder``, as a str.

    Made by ``mkstemp``, so its mode is 0600 and no other process can have
    taken the name; its :func:`owner_tag` lets :func:`remove_orphans` remove
    it once this process is gone.
    """
    handle, path = tempfile.mkstemp(prefix=f"{prefix}{owner_tag()}", suffix=suffix,
                                    dir=folder)
    os.close(handle)
    return path


def tagged_folder(folder, prefix):
    """A new empty folder ``<prefix><host>-<pid>-<random>`` in ``folder`` (``mkdtemp``'s,
    mode 0700), named so that :func:`remove_orphans` removes it once this process is gone."""
    return Path(tempfile.mkdtemp(prefix=f"{prefix}{owner_tag()}", dir=folder))


def _usual_mode(path, full):
    """Give ``path`` the mode a new file (``full=0o666``) or folder (``0o777``) gets
    under the umask, instead of the private 0600 / 0700 of ``mkstemp`` / ``mkdtemp``."""
    umask = os.umask(0)                 # the umask can only be read by setting it
    os.umask(umask)
    os.chmod(path, full & ~umask)


def partial_beside(path):
    """A new hidden file beside ``path``, to write before renaming it to ``path``.

    Its name holds this host and process, ``.<name>-<host>-<pid>-<random>.partial``:
    a process killed before it could clean up (SIGKILL, a power cut) leaves
    one behind, as large as the output, and the next write into the same
    folder on this host removes those whose process is gone.  Files of
    another host's processes (a cluster sharing the folder) and of live ones
    are left alone.
    """
    path = Path(path)
    remove_orphans(path.parent, ".", ".partial")
    return tagged_file(path.parent, f".{path.name[:64]}-", ".partial")


class AtomicWrite:
    """The hidden files written beside ``path``, one of which is renamed to it.

    A context manager: :meth:`partial` makes a new hidden file beside
    ``path`` (:func:`partial_beside`), :meth:`commit` renames one to
    ``path``, and on leaving the ``with`` block, finished or interrupted,
    every partial file not committed is removed.  Most writers need one file
    and use :func:`replacing`; a writer that learns the size of its output
    only as it goes may write a second, trimmed copy and commit that.

    Parameters
    ----------
    path : str or path-like
        The target; its folder must exist.
    """

    def __init__(self, path):
        self.path = Path(path)
        self._partials = []

    def __enter__(self):
        return self

    def partial(self):
        """A new hidden file beside the target, as a str; removed on exit unless committed."""
        partial = partial_beside(self.path)
        self._partials.append(partial)
        return partial

    def commit(self, partial, usual_mode=False):
        """Rename ``partial`` to the target, replacing it.

        ``usual_mode`` gives the file the mode of a newly created file (0666
        less the umask) rather than ``mkstemp``'s 0600.
        """
        if usual_mode:
            _usual_mode(partial, 0o666)
        os.replace(partial, self.path)

    def __exit__(self, *exc_info):
        for partial in self._partials:
            Path(partial).unlink(missing_ok=True)
        return False


@contextmanager
def replacing(path, usual_mode=False):
    """Write ``path`` atomically: yields a hidden file beside it to write, renamed
    to ``path`` when the ``with`` block finishes, removed if it raises.

    Parameters
    ----------
    path : str or path-like
        The target; its folder must exist.
    usual_mode : bool, default=False
        Give the file the mode of a newly created file (0666 less the umask)
        rather than ``mkstemp``'s 0600.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     target = pathlib.Path(folder) / "notes.txt"
    ...     with replacing(target) as partial:
    ...         _ = pathlib.Path(partial).write_text("done")
    ...     print(target.read_text(), [p.name for p in target.parent.iterdir()])
    done ['notes.txt']
    """
    with AtomicWrite(path) as write:
        partial = write.partial()
        yield partial
        write.commit(partial, usual_mode=usual_mode)


def open_npy(path, shape, dtype):
    """A new ``.npy`` file of ``shape``, memory-mapped for writing, its disk space reserved.

    ``np.lib.format.open_memmap`` makes a sparse file: on a full disk, a
    write through the mapping then kills the process with SIGBUS instead of
    raising.  Reserving the space first turns that into an ``OSError``
    (ENOSPC) here, before any work.
    """
    array = np.lib.format.open_memmap(path, mode="w+", dtype=dtype, shape=shape)
    if hasattr(os, "posix_fallocate"):
        size = os.path.getsize(path)
        if size:
            with open(path, "r+b") as f:
                try:
                    os.posix_fallocate(f.fileno(), 0, size)
                except OSError as error:
                    del array
                    if error.errno in (errno.EINVAL, errno.EOPNOTSUPP):
                        # a file system that cannot reserve: map it as it is
                        return np.lib.format.open_memmap(path, mode="r+")
                    raise
    return array


def write_npy(path, shape, dtype, fill):
    """Create the ``.npy`` file ``path`` through ``fill(array)``; renamed into place when full.

    Written to a hidden temporary file beside ``path`` first, so that an
    interrupted write never leaves a partial file under the final name.
    Returns the file memory-mapped, read-only.
    """
    with replacing(path) as partial:
        array = open_npy(partial, shape, dtype)
        fill(array)
        array.flush()
        del array                       # the map is closed before the rename
    return np.load(path, mmap_mode="r")


_FILE_KINDS = {stat.S_IFCHR: "a character device", stat.S_IFBLK: "a block device",
               stat.S_IFIFO: "a FIFO (named pipe)", stat.S_IFSOCK: "a socket"}


def check_npy_path(out):
    """``out`` as a ``Path``, after checking that it can name a new ``.npy`` file.

    A symbolic link gives its target: the file is renamed over the target,
    and the link (a user's, to a bigger disk, say) stays a link to it.  A
    name ending in a separator names a folder; an existing device, FIFO or
    socket (``/dev/null``) is refused, as the rename would replace it with a
    regular file.
    """
    name = repr(os.fspath(out))
    text = os.fsdecode(out)
    if not text.strip():
        raise ValueError(f"out={name} is an empty name; give a .npy file name (or None for "
                         "an array in memory).")
    if Path(out).is_symlink():
        out = Path(os.path.realpath(out))
        name += f" (a link to {os.fspath(out)!r})"
    if Path(out).is_dir():
        raise IsADirectoryError(f"out={name} is a folder; give a .npy file name.")
    if text.endswith(tuple(sep for sep in (os.sep, os.altsep) if sep)):
        raise IsADirectoryError(f"out={name} ends with a separator, so it names a folder; give "
                                "a .npy file name inside it.")
    if Path(out).exists() and not Path(out).is_file():
        kind = _FILE_KINDS.get(stat.S_IFMT(os.stat(out).st_mode), "not a regular file")
        raise ValueError(f"out={name} is {kind}; writing the features there would replace "
                         "it with a regular file: give the name of a .npy file.")
    if not Path(out).parent.is_dir():
        raise FileNotFoundError(f"out={name}: the folder "
                                f"{os.fspath(Path(out).parent)!r} does not exist; create it "
                                "first.")
    return Path(out)


def staging_folder_beside(target):
    """A new hidden folder beside the folder ``target``, to fill and then
    :func:`replace_folder` it with; mode as a new folder's (0777 less the umask)."""
    target = Path(target)
    staging = tagged_folder(target.parent, f".{target.name[:64]}-")
    _usual_mode(staging, 0o777)
    return staging


def _aside_prefix(target):
    """The name's start of the folder that holds the old ``target`` while it is replaced."""
    return f".{target.name[:64]}-old-"


def replace_folder(staged, target, aside_prefix=None):
    """Rename the folder ``staged`` to ``target``, replacing whatever is there.

    The old entry is first renamed into a new hidden folder beside ``target``
    (named ``<aside_prefix><host>-<pid>-...``, by default
    ``.<name>-old-<host>-<pid>-...``) and deleted only once ``staged`` is in
    place, so ``target`` is at every moment the old entry, absent, or the new
    one; interrupted between the two renames, the old entry is put back.  A
    process killed there leaves it in its hidden folder, where
    :func:`remove_dead_stagings` finds it.
    """
    target = Path(target)
    aside = None
    if target.exists() or target.is_symlink():
        aside = tagged_folder(target.parent,
                              _aside_prefix(target) if aside_prefix is None else aside_prefix)
        os.replace(target, aside / target.name)
    try:
        os.replace(staged, target)
    except BaseException:
        if aside is not None:
            os.replace(aside / target.name, target)
        raise
    finally:
        if aside is not None:
            shutil.rmtree(aside, ignore_errors=True)


def remove_dead_stagings(target):
    """Remove the hidden folders beside ``target`` of this host's processes that were
    killed (SIGKILL, the OOM killer) before they could remove them (:func:`orphans`).

    A process killed between :func:`replace_folder`'s two renames left no
    ``target`` and the old one in its ``-old-`` folder: that one is put back.
    """
    target = Path(target)
    left = orphans(target.parent, f".{target.name[:64]}-")
    if not target.exists():
        for folder in left:
            previous = folder / target.name
            if folder.name.startswith(_aside_prefix(target)) and previous.is_dir():
                os.replace(previous, target)
                break
    for folder in left:
        if folder.is_dir() and not folder.is_symlink():
            shutil.rmtree(folder, ignore_errors=True)
