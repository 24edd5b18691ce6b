"""No module under flows/ may share a name with a package Python could import instead of it.

Prefect's runner may load a flow file as a script, with flows/ first on sys.path: then
`import report` inside a flows/report.py finds that file itself, not the package report/.
"""

from __future__ import annotations

import importlib.metadata
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _taken_names() -> set[str]:
    """Top-level names of the project's packages, the standard library and installed distributions."""
    project = {p.parent.name for p in ROOT.glob("*/__init__.py")}
    installed = set(importlib.metadata.packages_distributions())
    installed |= {d.metadata["Name"].lower().replace("-", "_") for d in importlib.metadata.distributions()}
    return project | set(sys.stdlib_module_names) | installed


def test_no_flows_module_shadows_a_package():
    modules = {p.stem for p in (ROOT / "flows").glob("*.py")} - {"__init__"}
    assert modules  # the folder was found

    assert sorted(modules & _taken_names()) == []


def test_the_check_sees_the_name_that_failed_served_runs():
    assert {"report", "logging", "prefect"} <= _taken_names()
