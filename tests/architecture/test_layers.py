"""The import layers (DESIGN.md): `make test` runs import-linter's contract; these tests
show that the contract holds on the tree and that it bites when a lower layer imports a
higher one."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("consultancy", "engagements", "contracts", "delivery", "hazards", "feedback",
            "portal", "dashboard")
LINT = Path(sys.executable).with_name("lint-imports")


def _lint(cwd):
    return subprocess.run([str(LINT), "--no-cache", "--config", str(cwd / "pyproject.toml")],
                          cwd=cwd, capture_output=True, text=True, timeout=300,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(cwd)})


@pytest.fixture
def tree_copy(tmp_path):
    """The project's Python packages and its pyproject.toml, copied (no data files)."""
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.html",
                                                      "*.yaml", "*.po", "*.mo"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_layers_contract_holds(tree_copy):
    result = _lint(tree_copy)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(("lower", "upper"), [
    ("consultancy/tenancy", "consultancy.clients.models"),
    ("consultancy/documents", "engagements.models"),
    ("engagements", "delivery.models"),
    ("feedback", "portal.views"),
    ("delivery", "feedback.services"),
    ("delivery", "hazards.models"),
    ("hazards", "feedback.models"),
])
def test_an_upward_import_breaks_the_contract(tree_copy, lower, upper):
    (tree_copy / lower / "planted_upward_import.py").write_text(
        f"def f():\n    import {upper}  # noqa\n")
    result = _lint(tree_copy)
    assert result.returncode != 0
    assert "BROKEN" in result.stdout and "planted_upward_import" in result.stdout


def test_the_two_faces_do_not_import_each_other(tree_copy):
    (tree_copy / "portal" / "planted_upward_import.py").write_text("import dashboard.views\n")
    result = _lint(tree_copy)
    assert result.returncode != 0 and "planted_upward_import" in result.stdout
