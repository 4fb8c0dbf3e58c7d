"""The architecture and style, checked: the import contracts and ruff's rules (pyproject.toml).

Imports point one way (``pipeline`` -> ``_pipeline`` -> ``features`` |
``classifiers`` -> ``_constraints``), ``features`` and ``classifiers`` never
import each other, nothing imports ``pipeline``, no package's modules import
each other in a circle, and the solvers never import the estimators they
train; ``ruff check`` holds the rule set the code keeps (pyflakes,
pycodestyle, import order).
"""

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
    assert "4 kept, 0 broken" in done.stdout


def test_ruff_rules_hold():
    done = subprocess.run([_tool("ruff"), "check", "."], cwd=REPO, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
