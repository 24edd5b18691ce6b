"""Golden files: compared by the tests, rewritten only on purpose, by hand, and never in CI.

A golden test rewrites its files when its variable is set (DARIEN_REGENERATE_GOLDEN=1, ...).
Under CI=true that fails the test: a CI run that rewrote and passed would check nothing.
Outside CI the test writes the files whose text changed and is skipped with their names, so
`pytest -ra` lists them; check their diff against the document before committing.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest


def regenerating(variable: str) -> bool:
    """Whether `variable` asks the test to rewrite its golden files; under CI=true, fail instead."""
    if not os.environ.get(variable):
        return False
    if os.environ.get("CI", "").lower() not in ("", "0", "false"):
        pytest.fail(f"{variable} is set under CI={os.environ['CI']}: golden files are rewritten by hand, never in CI",
                    pytrace=False)
    return True


def rewrite(files: dict[Path, str]) -> None:
    """Write each golden file whose text differs from `files`' and skip the test, naming the files that changed."""
    changed = [path for path, text in files.items()
               if not path.is_file() or path.read_text(encoding="utf-8") != text]
    for path in changed:
        path.write_text(files[path], encoding="utf-8")
    names = ", ".join(path.name for path in changed)
    pytest.skip(f"regenerated: {names} changed; check the diff before committing" if changed
                else "regenerated: no golden file changed")
