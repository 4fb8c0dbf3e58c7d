"""The versions of the code a result depends on, read in one place.

A cache entry's key (:mod:`._pipeline.caching`) and a saved model's record
(:mod:`._pipeline.model`) both name the versions of this project and of the
libraries whose output they hold; both read them here.
"""

import importlib.metadata
import platform

from . import __version__

#: This project's distribution name (pyproject.toml's ``name``).
PROJECT = "classic-image-pipeline"


def versions(*names):
    """``{name: version}`` of this project (:data:`PROJECT`), ``'python'`` or installed
    distributions (``'numpy'``, ``'Pillow'``, ...), in the order given.

    This project's version is the one of the code that runs
    (``_pipeline.__version__``), not that of whatever copy is installed; a
    distribution that is not installed is ``'not installed'``.
    """
    found = {}
    for name in names:
        if name == PROJECT:
            found[name] = __version__
        elif name == "python":
            found[name] = platform.python_version()
        else:
            try:
                found[name] = importlib.metadata.version(name)
            except importlib.metadata.PackageNotFoundError:
                found[name] = "not installed"
    return found
