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
PACKAGES = ("darien", "extract", "transform", "expectations", "load", "report", "export", "operations", "flows",
            "cli")


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    """`lint-imports` over the packages under `root`, with `root`'s pyproject.toml, as a subprocess."""
    return subprocess.run([str(LINT_IMPORTS), "--no-cache", "--no-logo"], cwd=root, capture_output=True,
                          text=True, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(root)}, timeout=120)


def test_the_import_contract_is_kept():
    done = lint_imports(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Contracts: 3 kept, 0 broken." in done.stdout


@pytest.mark.parametrize("floor,above", [("darien", "flows.nightly"), ("flows", "cli")])
def test_an_upward_import_inside_a_function_breaks_the_floors(tmp_path, floor, above):
    """A copy of the packages, one module importing a floor above its own inside a function: the contract fails on that line."""
    for name in PACKAGES:
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / floor / "upward.py").write_text(
        f'"""A deliberate violation."""\n\n\ndef start() -> None:\n    import {above}\n\n    return {above}\n')
    done = lint_imports(tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"{floor} is not allowed to import {above.split('.')[0]}:" in done.stdout
    assert f"{floor}.upward -> {above} (l.5)" in done.stdout
    assert "Contracts: 2 kept, 1 broken." in done.stdout


@pytest.mark.parametrize("first,second", itertools.combinations(("report", "export", "operations"), 2))
def test_report_export_and_operations_import_one_another_without_a_cycle(first, second):
    """Their floor lets them import one another (the layers contract cannot forbid a cycle between them)."""
    graph = grimp.build_graph(*PACKAGES, cache_dir=None)
    there = graph.chain_exists(importer=first, imported=second, as_packages=True)
    back = graph.chain_exists(importer=second, imported=first, as_packages=True)
    assert not (there and back), f"{first} and {second} import each other"
