"""No module under flows/, and not the command line's package, may share a name with a package Python could import instead of it.

Prefect's runner may load a flow file as a script, with flows/ first on sys.path: then
`import report` inside a flows/report.py finds that file itself, not the package report/.
The command line's package `cli/` is top-level: another `cli` on sys.path would hide it, or it that.
"""

from __future__ import annotations

import importlib.metadata
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _installed_names(excluding: str = "") -> set[str]:
    """Top-level names of installed distributions' modules, and the distributions' own names, less those of `excluding`."""
    names = {name for name, owners in importlib.metadata.packages_distributions().items() if set(owners) - {excluding}}
    return names | {d.metadata["Name"].lower().replace("-", "_") for d in importlib.metadata.distributions()
                    if d.metadata["Name"] != excluding}


def _taken_names() -> set[str]:
    """Top-level names of the project's packages, the standard library and installed distributions."""
    project = {p.parent.name for p in ROOT.glob("*/__init__.py")}
    return project | set(sys.stdlib_module_names) | _installed_names()


def test_no_flows_module_shadows_a_package():
    modules = {p.stem for p in (ROOT / "flows").glob("*.py")} - {"__init__"}
    assert modules  # the folder was found

    assert sorted(modules & _taken_names()) == []


def test_the_check_sees_the_name_that_failed_served_runs():
    assert {"report", "logging", "prefect"} <= _taken_names()


def test_the_command_line_package_shadows_no_module_or_distribution():
    """`cli/` is a top-level package: a standard module or another distribution's module of that name would hide it, or be hidden."""
    assert (ROOT / "cli" / "__init__.py").is_file()
    ours = importlib.metadata.distribution("darien-etl")

    assert "cli" in _installed_names()  # the check sees the name where a distribution installs it: here, ours
    assert "cli" not in set(sys.stdlib_module_names) | _installed_names(excluding=ours.metadata["Name"])
    # The installed `darien` script runs it (an install from before the move would name darien.cli).
    script = next(e for e in ours.entry_points if e.group == "console_scripts" and e.name == "darien")
    assert script.value == "cli:main"
    assert script.load().__module__ == "cli"


def test_the_name_check_sees_what_other_distributions_install():
    assert {"click", "prefect", "yaml"} <= _installed_names(excluding="darien-etl")
    assert "asyncio" in sys.stdlib_module_names
