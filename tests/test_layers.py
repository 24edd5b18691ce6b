"""The floors of the house hold: `lint-imports` keeps pyproject.toml's import contract, and would see an import hidden in a function."""

from __future__ import annotations

import itertools
import shutil
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
PACKAGES = ("darien", "extract", "transform", "expectations", "load", "report", "export", "operations", "flows")


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    """`lint-imports` over the packages under `root`, with `root`'s pyproject.toml, as a subprocess."""
    return subprocess.run([str(LINT_IMPORTS), "--no-cache", "--no-logo"], cwd=root, capture_output=True,
                          text=True, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(root)}, timeout=120)


def test_the_import_contract_is_kept():
    done = lint_imports(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Contracts: 3 kept, 0 broken." in done.stdout


def test_an_upward_import_inside_a_function_breaks_the_floors(tmp_path):
    """A copy of the packages, one ground module importing a flow inside a function: the contract fails on that line."""
    for name in PACKAGES:
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / "darien" / "upward.py").write_text(
        '"""A deliberate violation."""\n\n\ndef start() -> None:\n    from flows import nightly\n\n    nightly.nightly()\n')
    done = lint_imports(tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "darien is not allowed to import flows:" in done.stdout
    assert "darien.upward -> flows.nightly (l.5)" in done.stdout
    assert "Contracts: 2 kept, 1 broken." in done.stdout


@pytest.mark.parametrize("first,second", itertools.combinations(("report", "export", "operations"), 2))
def test_report_export_and_operations_import_one_another_without_a_cycle(first, second):
    """Their floor lets them import one another (the layers contract cannot forbid a cycle between them)."""
    graph = grimp.build_graph(*PACKAGES, cache_dir=None)
    there = graph.chain_exists(importer=first, imported=second, as_packages=True)
    back = graph.chain_exists(importer=second, imported=first, as_packages=True)
    assert not (there and back), f"{first} and {second} import each other"
