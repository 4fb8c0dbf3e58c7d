"""The architecture and style, checked: the import contracts and ruff's rules (pyproject.toml).

Imports point one way (``pipeline`` -> ``_pipeline`` -> ``features`` |
``classifiers`` -> ``_constraints``), ``features`` and ``classifiers`` never
import each other, nothing imports ``pipeline``, no package's modules import
each other in a circle, the solvers never import the estimators they train,
and within ``features`` and ``_pipeline`` the data-set loaders, the
out-of-core modules and the command line's parts import one way down to
``features.atomic``, which imports nothing of the project (the contracts are
counted from ``pyproject.toml``); ``ruff check`` holds the rule set the code
keeps (pyflakes, pycodestyle, import order); and only ``features/atomic.py``
renames temporaries into place.
"""

import ast
import os
import shutil
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _tool(name):
    """The console script beside this Python (the test extra installs it)."""
    path = shutil.which(name, path=os.path.dirname(sys.executable)) or shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed: pip install -e '.[test]' brings it.")
    return path


def test_import_contracts_are_kept():
    done = subprocess.run([_tool("lint-imports"), "--no-cache"], cwd=REPO,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    with open(os.path.join(REPO, "pyproject.toml"), encoding="utf-8") as f:
        contracts = f.read().count("[[tool.importlinter.contracts]]")
    assert f"{contracts} kept, 0 broken" in done.stdout


def test_ruff_rules_hold():
    done = subprocess.run([_tool("ruff"), "check", "."], cwd=REPO, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr


def _calls(path, names):
    """The lines of ``path`` that call ``module.function`` for a (module, function) in ``names``."""
    with open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read(), path)
    return [node.lineno for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and (node.func.value.id, node.func.attr) in names]


def test_one_module_renames_files_into_place():
    # Writing a file or folder atomically (a temporary beside it, renamed over
    # it) is features/atomic.py's job alone; everything else calls it.
    names = {("os", "replace"), ("os", "rename"), ("tempfile", "mkstemp"),
             ("tempfile", "mkdtemp"), ("tempfile", "NamedTemporaryFile")}
    paths = [os.path.join(REPO, "pipeline.py")]
    for package in ("features", "_pipeline", "classifiers", "_constraints"):
        for folder, _, files in os.walk(os.path.join(REPO, package)):
            paths += [os.path.join(folder, name) for name in files if name.endswith(".py")]
    found = {os.path.relpath(path, REPO): lines for path in paths
             if (lines := _calls(path, names))}
    assert set(found) == {os.path.join("features", "atomic.py")}, found
